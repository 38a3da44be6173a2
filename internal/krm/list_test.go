package krm

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/internal/load"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/wasmgen/wasmgen/internal/testutil"
)

// kyamlExecute is the reference: what framework.Execute writes for in.
func kyamlExecute(p tracker, in []byte) (string, error) {
	var out bytes.Buffer
	err := framework.Execute(frameworkAdapter{p}, &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: &out, KeepReaderAnnotations: true})
	return out.String(), err
}

func fastExecute(p tracker, in []byte) (string, error) {
	var out bytes.Buffer
	err := execute(p, in, &out)
	return out.String(), err
}

// identityTracker changes nothing.
type identityTracker struct{}

func (identityTracker) Process(*ResourceList) error { return nil }
func (identityTracker) edited(*yaml.RNode) bool     { return false }

// reencoded is each item of a ResourceList as kyaml writes it alone, plus the
// functionConfig and results: what the list means, comments included, layout not.
func reencoded(t *testing.T, rl string) []string {
	t.Helper()
	rw := &kio.ByteReadWriter{Reader: strings.NewReader(rl), OmitReaderAnnotations: true}
	items, err := rw.Read()
	if err != nil {
		t.Fatalf("output is not a ResourceList: %v\n%s", err, rl)
	}
	var out []string
	for _, n := range append(items, rw.FunctionConfig, rw.Results) {
		if n == nil {
			out = append(out, "<nil>")
			continue
		}
		out = append(out, n.MustString())
	}
	return out
}

// chdir moves into a case's directory (path annotations are relative to it)
// until the test ends.
func chdir(t *testing.T, dir string) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
}

func newProcessor(t *testing.T) *Processor {
	t.Helper()
	r, err := load.NewRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(".")
	return &Processor{Options: Options{Files: r, Dir: abs}}
}

// unsplit are the golden cases Execute does not cut into items (anchors), so
// kyaml reads and writes them whole.
var unsplit = map[string]bool{"merge-keys": true}

// TestExecuteMatchesKyaml runs every golden case both ways. On the input as
// kustomize and kpt send it (kyaml's own encoding, made here by an identity
// pass) the outputs are byte for byte the same; on the hand-written inputs they
// mean the same, and Execute's output is pinned in fn-output.yaml.
func TestExecuteMatchesKyaml(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join("testdata", "resourcelist", "*", "input.yaml"))
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range cases {
		dir := filepath.Dir(c)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in, err := os.ReadFile(c)
			if err != nil {
				t.Fatal(err)
			}
			if unsplit[filepath.Base(dir)] {
				if _, ok := splitList(in); ok {
					t.Fatal("the case is listed as not split, and is split")
				}
				t.Skip("anchors: Execute hands the list to kyaml whole (TestFallbackIsFrameworkExecute covers that path)")
			}
			canonical, err := kyamlExecute(identityTracker{}, in)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := splitList([]byte(canonical)); !ok {
				t.Fatal("kyaml's own encoding of the list is not split")
			}
			if _, ok := splitList(in); !ok {
				t.Fatal("the case's input is not split: Execute would only run kyaml")
			}
			chdir(t, dir)
			for _, input := range []string{canonical, string(in)} {
				want, werr := kyamlExecute(newProcessor(t), []byte(input))
				got, gerr := fastExecute(newProcessor(t), []byte(input))
				if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
					t.Fatalf("error %v, kyaml's %v", gerr, werr)
				}
				if input == canonical {
					if got != want {
						t.Errorf("differs from kyaml on its own encoding:\n--- kyaml\n%s\n--- Execute\n%s", want, got)
					}
					continue
				}
				w, g := reencoded(t, want), reencoded(t, got)
				if strings.Join(w, "\n---\n") != strings.Join(g, "\n---\n") {
					t.Errorf("means something else than kyaml's output:\n--- kyaml\n%s\n--- Execute\n%s", want, got)
				}
				// What `wasmgen fn` writes, pinned: unlike expected.yaml
				// (kyaml's writer), untouched items keep their layout.
				if testutil.Update() {
					if err := os.WriteFile("fn-output.yaml", []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				golden, err := os.ReadFile("fn-output.yaml")
				if err != nil {
					t.Fatalf("%v (WASMGEN_UPDATE=1 writes it)", err)
				}
				if got != string(golden) {
					t.Errorf("output differs from %s/fn-output.yaml (WASMGEN_UPDATE=1 rewrites it):\n%s", dir, got)
				}
			}
		})
	}
}

// TestPassThroughText: items nobody edits keep their text, layout included.
func TestPassThroughText(t *testing.T) {
	in := `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
  - apiVersion: v1
    kind: Service
    metadata:
      name: a   # two spaces before the comment
      annotations: {x: "1"}
    spec:
      ports:
          - port: 80
      note: |
        literal
          kept

  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: b}
    data: {k: 'v'}
functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: fc}}
`
	got, err := fastExecute(identityTracker{}, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: a   # two spaces before the comment
    annotations: {x: "1"}
  spec:
    ports:
        - port: 80
    note: |
      literal
        kept

- apiVersion: v1
  kind: ConfigMap
  metadata: {name: b}
  data: {k: 'v'}
functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: fc}}
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestSplitList: the layouts cut into items, and those left to kyaml.
func TestSplitList(t *testing.T) {
	const head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
	for _, c := range []struct {
		in string
		ok bool
	}{
		{head + "items:\n- kind: A\n  metadata: {name: a}\n", true},
		{head + "items:\n  - kind: A\n    metadata: {name: a}\n", true},
		{head + "items:\n- kind: A\nfunctionConfig:\n  kind: B\nresults: []\n", true},
		{head + "items: []\n", false},                                                             // flow, even empty
		{head + "items: [{kind: A}]\n", false},                                                    // flow
		{`{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": []}`, false}, // JSON
		{head + "items:\n- kind: A\n# between\n- kind: B\n", false},                               // comment at the dash
		{head + "items:\n- &a {kind: A}\n- *a\n", false},                                          // anchors
		{head + "items:\n-\n  kind: A\n", false},                                                  // dash alone
		{head + "items:\n  - kind: A\n    v: |2\n       x\n", false},                              // explicit indentation, shifted
		{head + "items:\n- kind: A\n---\nkind: B\n", false},                                       // two documents
		{head + "metadata: {name: x}\nitems:\n- kind: A\n", false},                                // a field kyaml drops
		{"kind: Deployment\nmetadata: {name: a}\n", false},                                        // not a list
		{head + "items:\n- kind: A\n# about fc\nfunctionConfig: {kind: B}\n", false},
	} {
		_, ok := splitList([]byte(c.in))
		if ok != c.ok {
			t.Errorf("splitList(%q) = %v, want %v", c.in, ok, c.ok)
		}
	}
}

// FuzzExecute: whatever the input, Execute with a function that edits nothing
// fails when kyaml fails and otherwise writes a list that means what kyaml's
// does; on kyaml's own encoding it writes the same bytes.
func FuzzExecute(f *testing.F) {
	cases, _ := filepath.Glob(filepath.Join("testdata", "resourcelist", "*", "input.yaml"))
	for _, c := range cases {
		b, _ := os.ReadFile(c)
		f.Add(b)
	}
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - kind: A # c\n    metadata:\n      annotations: {}\n    x: [1, 2]\n"))
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: A\n  metadata:\n    annotations:\n      config.kubernetes.io/path: a.yaml\n"))
	for _, s := range []string{
		"apiVersion: v1\nkind: List\nitems:\n- kind: A\n  metadata: {name: a}\n  s: |\n    x\n\n    y\n- kind: B # c\n  metadata:\n    name: b\n  l:\n  - 1\n  -   2\nresults:\n- message: m\n",
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: A\n  metadata: {}\n- kind: B\n  q: \"a\n    b\"\n  # foot\nfunctionConfig:\n  kind: C\n",
		"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: A\n  metadata:\n    annotations:\n      internal.config.kubernetes.io/index: '0'\n- kind: B\n  metadata:\n    annotations:\n      config.kubernetes.io/index: '1'\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want, werr := kyamlExecute(identityTracker{}, in)
		got, gerr := fastExecute(identityTracker{}, in)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("error %v, kyaml's %v", gerr, werr)
		}
		if werr != nil {
			return
		}
		if string(in) == want && got != want {
			t.Fatalf("differs from kyaml on its own encoding:\n%s\n---\n%s", want, got)
		}
		// kyaml's output is what kustomize sends: where kyaml leaves it as it
		// is, so must Execute.
		if again, err := kyamlExecute(identityTracker{}, []byte(want)); err == nil && again == want {
			if fast, err := fastExecute(identityTracker{}, []byte(want)); err != nil || fast != want {
				t.Fatalf("differs from kyaml on its own encoding (%v):\n%s\n---\n%s", err, want, fast)
			}
		}
		if _, err := (&kio.ByteReadWriter{Reader: strings.NewReader(want)}).Read(); err != nil {
			return // kyaml wrote something it cannot read back itself
		}
		w, g := reencoded(t, want), reencoded(t, got)
		if strings.Join(w, "\n---\n") != strings.Join(g, "\n---\n") {
			t.Fatalf("means something else than kyaml's output:\n%s\n---\n%s", want, got)
		}
	})
}

// TestFallbackIsFrameworkExecute: input that Execute cannot cut into items (here
// every golden case as JSON) goes through executeKio, which must write exactly
// what kyaml's framework.Execute writes, results and errors included.
func TestFallbackIsFrameworkExecute(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join("testdata", "resourcelist", "*", "input.yaml"))
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	withResults := 0
	for _, c := range cases {
		dir := filepath.Dir(c)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			b, err := os.ReadFile(c)
			if err != nil {
				t.Fatal(err)
			}
			n, err := yaml.Parse(string(b))
			if err != nil {
				t.Fatal(err)
			}
			in, err := n.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := splitList(in); ok {
				t.Fatal("the JSON form is split: the fallback would not run")
			}
			chdir(t, dir)
			want, werr := kyamlExecute(newProcessor(t), in)
			got, gerr := fastExecute(newProcessor(t), in)
			if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
				t.Fatalf("error %v, framework.Execute's %v", gerr, werr)
			}
			if got != want {
				t.Errorf("differs from framework.Execute:\n--- kyaml\n%s\n--- Execute\n%s", want, got)
			}
			if strings.Contains(got, "\nresults:") {
				withResults++
			}
		})
	}
	if withResults == 0 {
		t.Error("no case has results: their encoding is not compared")
	}
}
