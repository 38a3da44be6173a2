package krm_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestKptProtocol reproduces `kpt fn eval --exec`: the reader annotations (path,
// index, seqindent) of every item come back unchanged, and the generated objects
// get files next to the spec. The whole output is pinned in fn-output.yaml.
func TestKptProtocol(t *testing.T) {
	dir := filepath.Join("testdata", "resourcelist", "kpt-fn-eval")
	in, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := execute(t, dir, in)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(dir, "fn-output.yaml")
	if update() {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("output differs from %s (WASMGEN_UPDATE=1 rewrites it):\n%s", golden, out)
	}
	before := annotationsByName(t, in)
	after := annotationsByName(t, []byte(out))
	for name, a := range before {
		for k, v := range a {
			if strings.Contains(k, "config.kubernetes.io/") && after[name][k] != v {
				t.Errorf("%s: annotation %s = %q, want %q (kept as read)", name, k, after[name][k], v)
			}
		}
	}
	for _, name := range []string{"EnvoyFilter/add-header", "ConfigMap/add-header-wasm-1ba42e4862"} {
		if p := after[name]["internal.config.kubernetes.io/path"]; !strings.HasPrefix(p, "filters/") {
			t.Errorf("%s: path %q, want a file next to the spec in filters/", name, p)
		}
	}
}

func annotationsByName(t *testing.T, rl []byte) map[string]map[string]string {
	t.Helper()
	rw := &kio.ByteReadWriter{Reader: bytes.NewReader(rl)}
	items, err := rw.Read()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]map[string]string{}
	for _, it := range items {
		m[it.GetKind()+"/"+it.GetName()] = it.GetAnnotations()
	}
	return m
}

// TestPassThrough compares every item the function does not own with what a kyaml
// identity function writes for it: byte for byte.
func TestPassThrough(t *testing.T) {
	for _, c := range []struct{ dir, patched string }{
		{"transformer-bookinfo", "Deployment/productpage-v1"},
		{"kpt-fn-eval", "Deployment/productpage-v1"},
		{"kinds", ""},
	} {
		t.Run(c.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", "resourcelist", c.dir)
			in, _ := os.ReadFile(filepath.Join(dir, "input.yaml"))
			out, err := execute(t, dir, in)
			if err != nil {
				t.Fatal(err)
			}
			var id bytes.Buffer
			identity := framework.ResourceListProcessorFunc(func(*framework.ResourceList) error { return nil })
			if err := framework.Execute(identity, &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: &id, KeepReaderAnnotations: true}); err != nil {
				t.Fatal(err)
			}
			got, want := itemStrings(t, out), itemStrings(t, id.String())
			n := 0
			for name, w := range want {
				kind := strings.SplitN(name, "/", 2)[0]
				if name == c.patched || kind == "WasmFilter" || (c.dir == "kinds" && kind != "ConfigMap") {
					continue
				}
				n++
				if got[name] != w {
					t.Errorf("%s changed:\n--- identity\n%s--- wasmgen fn\n%s", name, w, got[name])
				}
			}
			if c.dir != "kinds" && n == 0 {
				t.Fatal("no pass-through item compared")
			}
		})
	}
}

func itemStrings(t *testing.T, rl string) map[string]string {
	t.Helper()
	items, err := (&kio.ByteReadWriter{Reader: strings.NewReader(rl), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, it := range items {
		m[it.GetKind()+"/"+it.GetName()] = it.MustString()
	}
	return m
}

const helmStream = `---
# Source: bookinfo/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: productpage
spec:
  ports:
    - port: 9080   # http
      name: "http"
---
# Source: bookinfo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: productpage-v1
spec:
  template:
    metadata:
      labels:
        app: productpage
    spec:
      containers:
        - name: productpage
          image: 'productpage:1'
`

// TestStreamRoundTrip: a stream nobody touches is written back byte for byte.
func TestStreamRoundTrip(t *testing.T) {
	for _, s := range []string{helmStream, "", "---\n", "a: 1\n---\n# only a comment\n---\nb: [1, 2]", "kind: A\n--- # sep comment\nkind: B\n"} {
		docs, err := krm.ReadStream([]byte(s))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		var out bytes.Buffer
		items := krm.Items(docs)
		if err := krm.WriteStream(&out, docs, krm.Output{Items: items}); err != nil {
			t.Fatal(err)
		}
		if out.String() != s {
			t.Errorf("round trip changed the stream:\n--- in\n%q\n--- out\n%q", s, out.String())
		}
	}
}

func TestStreamErrors(t *testing.T) {
	for _, s := range []string{"a: [1\n", "- a\n- b\n", "kind: A\n---\nplain scalar\n"} {
		if _, err := krm.ReadStream([]byte(s)); err == nil {
			t.Errorf("%q: no error, want one (not a Kubernetes object)", s)
		}
	}
}

// TestPostRenderStream runs the function over a Helm stream with a spec given
// outside it: the Service comes back byte for byte, the Deployment is patched in
// its own (wide) indentation, and the EnvoyFilter follows.
func TestPostRenderStream(t *testing.T) {
	docs, err := krm.ReadStream([]byte(helmStream))
	if err != nil {
		t.Fatal(err)
	}
	spec := yaml.MustParse(`apiVersion: wasmgen.io/v1alpha1
kind: WasmFilter
metadata: {name: add-header}
spec:
  module: {image: example.com/f:v1, sha256: 72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584}
  delivery: hostPath
  selector: {matchLabels: {app: productpage}}
`)
	out := krm.Run(krm.Items(docs), spec, nil, krm.Options{Dir: t.TempDir()})
	if out.HasErrors() {
		t.Fatal(krm.Summary(out.Findings))
	}
	var b bytes.Buffer
	if err := krm.WriteStream(&b, docs, out); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	svc := helmStream[:strings.Index(helmStream, "---\n# Source: bookinfo/templates/deployment.yaml")]
	if !strings.HasPrefix(got, svc) {
		t.Errorf("the Service is not byte for byte:\n%s", got)
	}
	for _, want := range []string{
		"      containers:\n        - name: productpage\n          image: 'productpage:1'\n",
		`sidecar.istio.io/userVolume: '{"wasme-cache":{"hostPath":{"path":"/var/local/lib/wasme-cache"}}}'`,
		"---\napiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func FuzzReadStream(f *testing.F) {
	for _, s := range []string{helmStream, "", "---\n", "a: 1\n---\nb: 2\n", "--- #c\n---\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		docs, err := krm.ReadStream(b)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := krm.WriteStream(&out, docs, krm.Output{Items: krm.Items(docs)}); err != nil {
			t.Fatal(err)
		}
		if want := strings.ReplaceAll(string(b), "\r\n", "\n"); out.String() != want {
			t.Fatalf("round trip changed the stream:\n%q\n%q", want, out.String())
		}
	})
}
