package pin

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const (
	manifestHex = "1111111111111111111111111111111111111111111111111111111111111111"
	layerHex    = "2222222222222222222222222222222222222222222222222222222222222222"
	repo        = "registry.example/filters/add-header"
	ref         = repo + "@sha256:" + manifestHex
)

var (
	compatImage = Target{Repository: repo, Reference: ref, ManifestSHA256: manifestHex, Format: "compat"}
	wasmeImage  = Target{Repository: repo, Reference: ref, ManifestSHA256: manifestHex, WasmeLayerSHA256: layerHex, Format: "wasme"}
)

func TestPin(t *testing.T) {
	tests := []struct {
		name    string
		target  Target
		in, out string
		changes int
	}{
		{
			name:   "block, plain, comments and everything else kept",
			target: compatImage,
			in: `# my filter
apiVersion: wasmgen.io/v1alpha1
kind: WasmFilter
metadata: {name: add-header}   # flow here
spec:
  module:
     image: registry.example/filters/add-header:v1    # pushed by CI
  config:   {b: 2,   a: 1}
`,
			out: `# my filter
apiVersion: wasmgen.io/v1alpha1
kind: WasmFilter
metadata: {name: add-header}   # flow here
spec:
  module:
     image: registry.example/filters/add-header@sha256:` + manifestHex + `    # pushed by CI
  config:   {b: 2,   a: 1}
`,
			changes: 1,
		},
		{
			name:    "double quotes kept",
			target:  compatImage,
			in:      "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module:\n    image: \"registry.example/filters/add-header:v1\"\n",
			out:     "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module:\n    image: \"" + ref + "\"\n",
			changes: 1,
		},
		{
			name:    "single quotes kept, oci:// kept",
			target:  compatImage,
			in:      "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module:\n    image: 'oci://other.example/x:v1'\n",
			out:     "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module:\n    image: 'oci://" + ref + "'\n",
			changes: 1,
		},
		{
			name:    "a checksum beside the image becomes the manifest digest (agent)",
			target:  wasmeImage,
			in:      "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  delivery: agent\n  module:\n    sha256: " + strings.Repeat("0", 64) + "\n    image: registry.example/filters/add-header:v1\n",
			out:     "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  delivery: agent\n  module:\n    sha256: \"" + manifestHex + "\"\n    image: " + ref + "\n",
			changes: 2,
		},
		{
			name:    "an empty checksum stays empty",
			target:  compatImage,
			in:      "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module:\n    image: x.example/y:v1\n    sha256: \"\"\n",
			out:     "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module:\n    image: " + ref + "\n    sha256: \"\"\n",
			changes: 1,
		},
		{
			name:    "hostPath: the wasme layer's sha256 is added under image, CRLF kept",
			target:  wasmeImage,
			in:      "apiVersion: wasmgen.io/v1alpha1\r\nkind: WasmFilter\r\nmetadata: {name: a}\r\nspec:\r\n  delivery: hostPath\r\n  module:\r\n    image: x.example/y:v1 # c\r\n  rootID: r\r\n",
			out:     "apiVersion: wasmgen.io/v1alpha1\r\nkind: WasmFilter\r\nmetadata: {name: a}\r\nspec:\r\n  delivery: hostPath\r\n  module:\r\n    image: " + ref + " # c\r\n    sha256: \"" + layerHex + "\"\r\n  rootID: r\r\n",
			changes: 2,
		},
		{
			name:    "hostPath: an old sha256 is replaced",
			target:  wasmeImage,
			in:      "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  delivery: hostPath\n  module: {image: x.example/y:v1, sha256: 'abc'}\n",
			out:     "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  delivery: hostPath\n  module: {image: " + ref + ", sha256: '" + layerHex + "'}\n",
			changes: 2,
		},
		{
			name:    "hostPath in a flow mapping",
			target:  wasmeImage,
			in:      "{apiVersion: wasmgen.io/v1alpha1, kind: WasmFilter, metadata: {name: a}, spec: {delivery: hostPath, module: {image: x.example/y:v1}}}",
			out:     "{apiVersion: wasmgen.io/v1alpha1, kind: WasmFilter, metadata: {name: a}, spec: {delivery: hostPath, module: {image: " + ref + ", sha256: \"" + layerHex + "\"}}}",
			changes: 2,
		},
		{
			name:    "JSON",
			target:  wasmeImage,
			in:      `{"apiVersion": "wasmgen.io/v1alpha1", "kind": "WasmFilter", "metadata": {"name": "a"}, "spec": {"delivery": "hostPath", "module": {"image": "x.example/y:v1"}}}` + "\n",
			out:     `{"apiVersion": "wasmgen.io/v1alpha1", "kind": "WasmFilter", "metadata": {"name": "a"}, "spec": {"delivery": "hostPath", "module": {"image": "` + ref + `", "sha256": "` + layerHex + `"}}}` + "\n",
			changes: 2,
		},
		{
			name:    "hostPath on the last line without a newline, after a byte order mark",
			target:  wasmeImage,
			in:      "\ufeffapiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: é}\nspec:\n  delivery: hostPath\n  module:\n    image: x.example/y:v1",
			out:     "\ufeffapiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: é}\nspec:\n  delivery: hostPath\n  module:\n    image: " + ref + "\n    sha256: \"" + layerHex + "\"",
			changes: 2,
		},
		{
			name:   "several filters: the one in the pushed repository; other documents untouched",
			target: compatImage,
			in: "kind: ConfigMap\napiVersion: v1\n---\napiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module: {image: other.example/y:v1}\n" +
				"---\napiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: b, namespace: x}\nspec:\n  module: {image: registry.example/filters/add-header:v0}\n",
			out: "kind: ConfigMap\napiVersion: v1\n---\napiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module: {image: other.example/y:v1}\n" +
				"---\napiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: b, namespace: x}\nspec:\n  module: {image: " + ref + "}\n",
			changes: 1,
		},
		{
			name:   "several filters of the pushed repository: all of them",
			target: compatImage,
			in: "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module: {image: registry.example/filters/add-header:v1}\n" +
				"---\napiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a, namespace: b}\nspec:\n  module: {image: registry.example/filters/add-header}\n",
			out: "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module: {image: " + ref + "}\n" +
				"---\napiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a, namespace: b}\nspec:\n  module: {image: " + ref + "}\n",
			changes: 2,
		},
		{
			name:    "already pinned: nothing changes",
			target:  compatImage,
			in:      "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module: {image: " + ref + "}\n",
			out:     "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module: {image: " + ref + "}\n",
			changes: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, changes, err := Pin("spec.yaml", []byte(tt.in), tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.out {
				t.Errorf("got\n%s\nwant\n%s", out, tt.out)
			}
			if len(changes) != tt.changes {
				t.Errorf("changes %+v", changes)
			}
			again, more, err := Pin("spec.yaml", out, tt.target)
			if err != nil || !bytes.Equal(again, out) || len(more) != 0 {
				t.Errorf("pinning twice: %v %+v\n%s", err, more, again)
			}
		})
	}
}

func TestPinChanges(t *testing.T) {
	in := "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a, namespace: n}\nspec:\n  delivery: hostPath\n  module:\n    image: x.example/y:v1\n"
	_, changes, err := Pin("spec.yaml", []byte(in), wasmeImage)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{"n/a", "spec.module.image", 7, 12, "x.example/y:v1", ref},
		{"n/a", "spec.module.sha256", 8, 5, "", layerHex},
	}
	if len(changes) != 2 || changes[0] != want[0] || changes[1] != want[1] {
		t.Errorf("%+v", changes)
	}
}

func TestPinRefuses(t *testing.T) {
	const head = "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\n"
	tests := []struct {
		name   string
		target Target
		in     string
		want   string
	}{
		{"no WasmFilter", compatImage, "kind: ConfigMap\n", "spec.yaml: no WasmFilter (apiVersion wasmgen.io/v1alpha1) in the file"},
		{"a path module", compatImage, head + "spec:\n  module: {path: f.wasm}\n", "spec.yaml:5:11: WasmFilter default/a has no spec.module.image (its module is a path or url)"},
		{"ambiguous", compatImage, head + "spec: {module: {image: a.example/x:v1}}\n---\n" + head + "spec: {module: {image: b.example/x:v1}}\n",
			"2 WasmFilters have a module.image and none is in registry.example/filters/add-header, so it is not clear which to pin: default/a (line 4: a.example/x:v1), default/a (line 9: b.example/x:v1)"},
		{"hostPath needs wasme's format", compatImage, head + "spec:\n  delivery: hostPath\n  module: {image: a.example/x:v1}\n",
			"spec.yaml:5:13: spec.delivery: delivery hostPath loads the module from wasme's cache (/var/local/lib/wasme-cache/<sha256>), and wasme's cache pulls only images in wasme's format (a application/vnd.module.wasm.content.layer.v1+wasm layer), not --format compat: package with --format wasme"},
		{"anchor", compatImage, head + "spec:\n  module: &m {image: a.example/x:v1}\nx: *m\n", "spec.yaml:5:11: spec.module of WasmFilter default/a is a YAML anchor or alias"},
		{"anchored value", compatImage, head + "spec:\n  module: {image: &i a.example/x:v1}\nx: *i\n", "spec.module.image of WasmFilter default/a: the value is a YAML anchor or alias"},
		{"merge key", compatImage, head + "base: &b {image: a.example/x:v1}\nspec:\n  module:\n    <<: *b\n", "uses a YAML merge key (<<)"},
		{"twice", compatImage, head + "spec:\n  module:\n    image: a.example/x:v1\n    image: a.example/x:v2\n", "spec.yaml:7:5: spec.module.image of WasmFilter default/a: the key is there twice"},
		{"multi-line", compatImage, head + "spec:\n  module:\n    image: a.example/x\n      :v1\n", "spec.yaml:6:12: spec.module.image: the value spans several lines or is a block scalar: write it on one line"},
		{"block scalar", compatImage, head + "spec:\n  module:\n    image: >-\n      a.example/x:v1\n", "write it on one line"},
		{"not a string", compatImage, head + "spec:\n  module:\n    image: [a]\n", "spec.module.image of WasmFilter default/a: expected a string"},
		{"empty sha256 under hostPath", wasmeImage, head + "spec:\n  delivery: hostPath\n  module:\n    image: a.example/x:v1\n    sha256:\n", `the value is empty: write sha256: "" or remove the key`},
		{"not YAML", compatImage, "a: [\n", "spec.yaml: invalid YAML: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Pin("spec.yaml", []byte(tt.in), tt.target)
			var pe *Error
			if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v\nwant %q", err, tt.want)
			}
		})
	}
}

// FuzzPin: on any input Pin either refuses or returns text that decodes to the
// same documents but for the pinned fields, and pinning that again changes nothing.
func FuzzPin(f *testing.F) {
	f.Add("apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  delivery: hostPath\n  module:\n    image: x.example/y:v1 # c\n", true)
	f.Add(`{"apiVersion": "wasmgen.io/v1alpha1", "kind": "WasmFilter", "spec": {"module": {"image": "x/y", "sha256": "ab"}}}`, false)
	f.Add("apiVersion: wasmgen.io/v1\nkind: WasmFilter\nspec:\n  module: {image: 'a/b'}\n---\nkind: WasmFilter\napiVersion: wasmgen.io/x\nspec: {module: {image: \"c/d\"}}\n", true)
	f.Fuzz(func(t *testing.T, src string, wasme bool) {
		target := compatImage
		if wasme {
			target = wasmeImage
		}
		out, _, err := Pin("f.yaml", []byte(src), target)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		again, changes, err := Pin("f.yaml", out, target)
		if err != nil || !bytes.Equal(again, out) || len(changes) != 0 {
			t.Fatalf("pinning the output again: %v %+v\n%q\n%q", err, changes, out, again)
		}
	})
}
