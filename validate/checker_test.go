package validate

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// TestAddAllMatchesAdd checks the whole corpus (IST0155 compares patches across
// documents, WG7045 vm_ids across files) with AddAll on several workers and with Add
// in turn: the findings must be the same.
func TestAddAllMatchesAdd(t *testing.T) {
	files, err := filepath.Glob("testdata/manifests/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	var docs []Doc
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range parseDocs(t, data) {
			docs = append(docs, Doc{File: filepath.Base(f), Node: n})
		}
	}
	// One document of no known kind: AddAll must say so, as Add does.
	var other yaml.Node
	if err := yaml.Unmarshal([]byte("kind: ConfigMap\n"), &other); err != nil {
		t.Fatal(err)
	}
	docs = append(docs, Doc{File: "other.yaml", Node: &other})

	seq := NewChecker(Options{})
	var wantKnown []bool
	for _, d := range docs {
		wantKnown = append(wantKnown, seq.Add(d.File, d.Node))
	}
	want := seq.Finish()
	if !want.HasErrors() || wantKnown[len(wantKnown)-1] {
		t.Fatalf("the corpus should have errors and the ConfigMap be unknown: %d findings, known %v", len(want), wantKnown)
	}
	for _, workers := range []int{1, 3, 64} {
		c := NewChecker(Options{})
		known := c.AddAll(docs, workers)
		if got := c.Finish(); !reflect.DeepEqual(got, want) {
			t.Errorf("workers=%d: %d findings, want %d (as Add gives)", workers, len(got), len(want))
		}
		if !reflect.DeepEqual(known, wantKnown) {
			t.Errorf("workers=%d: known = %v, want %v", workers, known, wantKnown)
		}
	}
}

func TestAddAllEmpty(t *testing.T) {
	c := NewChecker(Options{})
	if known := c.AddAll(nil, 4); len(known) != 0 || len(c.Finish()) != 0 {
		t.Errorf("AddAll(nil) = %v, %v", known, c.Finish())
	}
}
