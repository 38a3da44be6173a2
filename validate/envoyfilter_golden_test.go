package validate

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/internal/testutil"
)

// update reports whether goldens are rewritten (WASMGEN_UPDATE=1); a function so the
// test cache sees the environment read.
func update() bool { return testutil.Update() }

// parseDocs splits a test input into its YAML documents.
func parseDocs(t testing.TB, data []byte) []*yaml.Node {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		docs = append(docs, &n)
	}
}

func checkFile(t testing.TB, name string, data []byte, opts Options) diag.List {
	c := NewChecker(opts)
	for _, d := range parseDocs(t, data) {
		if !c.Add(name, d) {
			t.Fatalf("%s: document kind %q not recognised", name, Kind(d))
		}
	}
	return c.Finish()
}

// TestCorpus checks every manifest in testdata/manifests against its golden findings.
// The clean-* files must have no errors; every fault* file must have at least one.
func TestCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/manifests/*.*")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden") {
			continue
		}
		n++
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			l := checkFile(t, name, data, Options{})
			var b bytes.Buffer
			if err := diag.Write(&b, "text", l); err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(f, filepath.Ext(f)) + ".golden"
			if update() {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with WASMGEN_UPDATE=1 to create it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("findings differ from %s:\n--- got\n%s--- want\n%s", golden, got, want)
			}
			switch {
			case strings.HasPrefix(name, "clean") && l.HasErrors():
				t.Errorf("clean manifest has errors:\n%s", b.String())
			case strings.HasPrefix(name, "fault") && len(l) == 0:
				t.Errorf("faulty manifest passes")
			}
		})
	}
	if n < 13 {
		t.Fatalf("corpus has %d manifests; expected the ten faults plus clean ones", n)
	}
}
