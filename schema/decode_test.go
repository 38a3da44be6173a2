package schema

import (
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/diag"

	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/wasmgen/wasmgen/compat"

	"go.yaml.in/yaml/v3"
)

func decodeOne(t *testing.T, src string) (*Document, diag.List) {
	t.Helper()
	docs, l := yamltree.ParseDocuments("f.yaml", []byte(src), yamltree.DefaultLimits)
	if l.HasErrors() {
		return nil, l
	}
	if len(docs) != 1 {
		t.Fatalf("want 1 document, got %d", len(docs))
	}
	return Decode("f.yaml", docs[0])
}

const minimal = `apiVersion: wasmgen.io/v1alpha1
kind: WasmFilter
metadata:
  name: f
spec:
  module:
    path: f.wasm
`

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // each must appear, in order, in the sorted findings
	}{
		{"valid", minimal, nil},
		{"unknown field with suggestion", strings.Replace(minimal, "  module:", "  modul:", 1),
			[]string{`f.yaml:6:3: error: spec.modul: unknown field "modul"; did you mean "module"? [WG1101]`}},
		{"unknown nested field", minimal + "  placement:\n    befor: x\n",
			[]string{`f.yaml:9:5: error: spec.placement.befor: unknown field "befor"; did you mean "before"? [WG1101]`}},
		{"unknown field without near name lists the fields", strings.Replace(minimal, "    path: f.wasm", "    zzzzzzzzzz: 1", 1),
			[]string{`expected one of image, path, pullSecret, sha256, url`}},
		{"a key dedented out of config", minimal + "  config:\n    header: x\n  valuee: y\n",
			[]string{`spec.valuee: unknown field "valuee"; expected one of `, `; if it belongs to the filter's configuration, indent it under config [WG1101]`}},
		{"case typo", strings.Replace(minimal, "  module:", "  rootId: x\n  module:", 1),
			[]string{`unknown field "rootId"; did you mean "rootID"?`}},
		{"string expected", minimal + "  rootID: 12\n",
			[]string{`f.yaml:8:11: error: spec.rootID: expected a string, found the integer 12; quote it: "12" [WG1102]`}},
		{"integer expected", minimal + "  ports: [http]\n",
			[]string{`spec.ports[0]: expected an integer, found the string "http"`}},
		{"list expected", minimal + "  ports: 80\n",
			[]string{`spec.ports: expected a list, found the integer 80`}},
		{"bool expected", minimal + "  placement: {first: yes}\n",
			[]string{`spec.placement.first: expected true or false, found the string "yes"`}},
		{"int32 range", minimal + "  priority: 4294967296\n",
			[]string{`spec.priority: integer 4294967296 is out of range`}},
		{"duplicate key", minimal + "  rootID: a\n  rootID: b\n",
			[]string{`f.yaml:9:3: error: spec.rootID: duplicate field "rootID" [WG1103]`}},
		{"label value must be a string", minimal + "  selector: {matchLabels: {version: 1}}\n",
			[]string{`spec.selector.matchLabels.version: expected a string, found the integer 1`}},
		{"every error reported", strings.Replace(minimal, "  module:", "  modul:", 1) + "  rootID: 1\n  ports: x\n",
			[]string{"spec.modul", "spec.rootID", "spec.ports"}},
		{"wrong apiVersion", strings.Replace(minimal, "v1alpha1", "v1", 1),
			[]string{`apiVersion: unsupported apiVersion "wasmgen.io/v1"`}},
		{"wrong kind", strings.Replace(minimal, "kind: WasmFilter", "kind: WasmFilterr", 1),
			[]string{`f.yaml:2:7: error: kind: found kind "WasmFilterr"; expected WasmFilter or FilterDeployment; did you mean "WasmFilter"? [WG1104]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, l := decodeOne(t, tt.src)
			l.Sort()
			var got []string
			for _, f := range l {
				got = append(got, f.String())
			}
			if len(tt.want) == 0 {
				if len(l) != 0 {
					t.Fatalf("want no findings, got %v", got)
				}
				return
			}
			all := strings.Join(got, "\n")
			last := 0
			for _, w := range tt.want {
				i := strings.Index(all[last:], w)
				if i < 0 {
					t.Fatalf("want %q in findings:\n%s", w, all)
				}
				last += i
			}
		})
	}
}

func TestDecodeKeepsConfigAndPositions(t *testing.T) {
	d, l := decodeOne(t, minimal+"  config:\n    big: 9007199254740993\n    list: &a [1, 2]\n    again: *a\n")
	if len(l) != 0 {
		t.Fatal(l)
	}
	n := d.Filter.Spec.Config.Node
	if v := yamltree.Field(n, "big"); v == nil || v.Value != "9007199254740993" {
		t.Fatalf("big int not kept exactly: %+v", v)
	}
	if again := yamltree.Field(n, "again"); again == nil || len(again.Content) != 2 {
		t.Fatalf("alias not expanded: %+v", again)
	}
	if p := d.Pos("spec.module.path"); p.Line != 7 || p.Col != 11 {
		t.Fatalf("pos of spec.module.path = %v", p)
	}
	if p := d.Pos("spec.missing.deeper"); p.Line != 6 {
		t.Fatalf("unknown path should fall back to nearest ancestor (spec at line 6), got %v", p)
	}
}

func TestFilterDeployment(t *testing.T) {
	src := `apiVersion: wasme.io/v1
kind: FilterDeployment
metadata:
  name: bookinfo-custom-filter
  namespace: bookinfo
spec:
  deployment:
    istio:
      kind: Deployment
      labels: {app: productpage}
  filter:
    config:
      '@type': type.googleapis.com/google.protobuf.StringValue
      value: '{"name":"hello","value":"world"}'
    image: webassemblyhub.io/ilackarms/istio-test:1.5.0-0
    patchContext: outbound
    rootID: add_header
status:
  workloads: {}
`
	d, l := decodeOne(t, src)
	if len(l) != 0 {
		t.Fatal(l)
	}
	s := d.Filter.Spec
	if d.From != WasmeKind || d.WorkloadKind != "Deployment" || s.Module.Image != "webassemblyhub.io/ilackarms/istio-test:1.5.0-0" ||
		s.VMID != "bookinfo-custom-filter.bookinfo" || s.Context != "outbound" || s.RootID != "add_header" ||
		s.Selector.MatchLabels["app"] != "productpage" {
		t.Fatalf("mapped wrongly: %+v", s)
	}
	if s.Config.Node.Value != `{"name":"hello","value":"world"}` {
		t.Fatalf("StringValue not unwrapped: %+v", s.Config.Node)
	}
	if p := d.Pos("spec.module.image"); p.Line != 15 {
		t.Fatalf("image position should be the FilterDeployment's spec.filter.image: %v", p)
	}
	_, l = decodeOne(t, strings.Replace(src, "kind: Deployment", "kind: Deploy", 1))
	if len(l) != 1 || !strings.Contains(l[0].String(), `did you mean "Deployment"?`) {
		t.Fatalf("bad workload kind: %v", l)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(minimal + "  config: {a: [1, {b: c}]}\n  ports: [1, 2]\n  env: [{name: A, fromHost: true}]\n"))
	f.Add([]byte("apiVersion: wasme.io/v1\nkind: FilterDeployment\nmetadata: {name: x}\nspec: {filter: {image: x, config: 's'}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	// Syntax errors the indentation finder explains (yamltree/indent.go).
	f.Add([]byte("spec:\n  module:\n    url: x\n   selector: {}\n"))
	f.Add([]byte("a:\n  - name: x\n    v: {p: [1,\n 2]}\n   w: 2\n---\n  b: 1\n c: 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, l := yamltree.ParseDocuments("fuzz.yaml", data, yamltree.DefaultLimits)
		for _, f := range l {
			if f.Pos.File != "fuzz.yaml" {
				t.Fatalf("finding without file: %v", f)
			}
		}
		for _, d := range docs {
			if !IsFilter(d) {
				continue
			}
			doc, l := Decode("fuzz.yaml", d)
			for _, f := range l {
				if f.Pos.Line == 0 {
					t.Fatalf("finding without position: %v", f)
				}
			}
			if doc != nil && !l.HasErrors() {
				doc.Filter.Default()
			}
		}
	})
}

func TestSpecWithMergeKeys(t *testing.T) {
	src := `labels: &labels
  app: productpage
---
apiVersion: wasmgen.io/v1alpha1
kind: WasmFilter
metadata: &meta
  name: add-header
  namespace: bookinfo
spec:
  module: {path: f.wasm}
  rootID: r
  selector:
    matchLabels:
      <<: {app: productpage}
      version: v1
`
	docs, l := yamltree.ParseDocuments("s.yaml", []byte(src), yamltree.DefaultLimits)
	if l.HasErrors() || len(docs) != 2 {
		t.Fatalf("%v", l)
	}
	d, l := Decode("s.yaml", docs[1])
	if l.HasErrors() {
		t.Fatalf("decode: %v", l)
	}
	if got := d.Filter.Spec.Selector.MatchLabels; got["app"] != "productpage" || got["version"] != "v1" || len(got) != 2 {
		t.Errorf("matchLabels %v", got)
	}
}

// TestWasmeConfigForm: wasme v0.0.20 (Istio 1.5) reads config as a string, v0.0.21
// and later (every wasme for Istio 1.6+) as an Any.
func TestWasmeConfigForm(t *testing.T) {
	const str = "apiVersion: wasme.io/v1\nkind: FilterDeployment\nmetadata: {name: f, namespace: ns}\nspec:\n  deployment: {istio: {kind: Deployment}}\n  filter: {image: 'webassemblyhub.io/a/b:v1', config: 'hello'}\n"
	anyForm := strings.Replace(str, "config: 'hello'", "config: {'@type': type.googleapis.com/google.protobuf.StringValue, value: hello}", 1)
	none := strings.Replace(str, ", config: 'hello'", "", 1)
	for _, tt := range []struct {
		name  string
		src   string
		istio compat.Istio
		bad   bool
	}{
		{"string on 1.5", str, 5, false},
		{"string on 1.6", str, 6, true},
		{"string on the newest", str, 0, true},
		{"Any on 1.5", anyForm, 5, false},
		{"Any on 1.8", anyForm, 8, false},
		{"none on 1.8", none, 8, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, l := decodeOne(t, tt.src)
			if len(l) != 0 {
				t.Fatal(l)
			}
			l = CheckWasme(d, tt.istio)
			if got := len(l) == 1 && l[0].Code == CodeType && l[0].Path == "spec.filter.config" && l[0].Pos.Line == 6; got != tt.bad {
				t.Fatalf("want error %v, got %v", tt.bad, l)
			}
		})
	}
}

// TestGroupKinds: any kind of the wasmgen.io and wasme.io groups is taken as a
// filter, so a misspelt kind is an error with a suggestion.
func TestGroupKinds(t *testing.T) {
	for src, want := range map[string]bool{
		"apiVersion: wasmgen.io/v1alpha1\nkind: WasmFiltr\n": true,
		"apiVersion: wasme.io/v1\nkind: FilterDeploymnet\n":  true,
		"apiVersion: v1\nkind: WasmFilter\n":                 true,
		"apiVersion: v1\nkind: ConfigMap\n":                  false,
		"apiVersion: wasmgen.example/v1\nkind: Other\n":      false,
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(src), &n); err != nil {
			t.Fatal(err)
		}
		if got := IsFilter(&n); got != want {
			t.Errorf("IsFilter(%q) = %v, want %v", src, got, want)
		}
	}
}
