package validate

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/diag"
)

// checkOne checks one document alone, its cross-document rules included.
func checkOne(file string, doc *yaml.Node, opts Options) diag.List {
	c := NewChecker(opts)
	c.Add(file, doc)
	return c.Finish()
}

// wantFinding: code "" wants no findings at all; else a finding of code whose text
// holds msg.
func wantFinding(t *testing.T, l diag.List, code, msg string) {
	t.Helper()
	got := fmtList(l)
	if code == "" {
		if len(l) != 0 {
			t.Fatalf("want no findings, got:\n%s", got)
		}
		return
	}
	if !strings.Contains(got, msg) || !strings.Contains(got, code) {
		t.Fatalf("want %s %q, got:\n%s", code, msg, got)
	}
}

// checkAs checks a document with the check of one kind, whatever it looks like.
// Tests using it do not run in parallel: it swaps the kinds table.
func checkAs(check func(*pass), file string, doc *yaml.Node) diag.List {
	saved := kinds
	defer func() { kinds = saved }()
	kinds = []kind{{"test", func(string, string, *yaml.Node) bool { return true }, check}}
	return checkOne(file, doc, Options{})
}

// checkAll checks several documents together, as istiod applies them.
func checkAll(docs []Doc, opts Options) diag.List {
	c := NewChecker(opts)
	for _, d := range docs {
		c.Add(d.File, d.Node)
	}
	return c.Finish()
}

func fuzzDocs(b []byte) []*yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []*yaml.Node
	for len(docs) < 8 {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if !errors.Is(err, io.EOF) {
				return docs
			}
			return docs
		}
		docs = append(docs, &n)
	}
	return docs
}

// fuzzInvariants checks documents as the fuzz targets do: no panic, and beyond
// that every finding is in the input file with a catalogued code, the findings come
// back sorted, and checking again, or on several workers, gives the same findings.
func fuzzInvariants(t *testing.T, docs []*yaml.Node) {
	t.Helper()
	codes := map[string]bool{}
	for _, r := range Rules {
		codes[r.Code] = true
	}
	codes["WG1002"] = true // yamltree's limit, for a value nested past it
	var in []Doc
	for _, d := range docs {
		in = append(in, Doc{File: "f", Node: d})
	}
	first := checkAll(in, Options{})
	for i, f := range first {
		if f.Pos.File != "f" || !codes[f.Code] {
			t.Fatalf("finding outside the input or with an unknown code: %v", f)
		}
		if i > 0 && first[i-1].Pos.Line > f.Pos.Line {
			t.Fatalf("findings not sorted: %v then %v", first[i-1], f)
		}
	}
	c := NewChecker(Options{})
	c.AddAll(in, 3)
	if again := c.Finish(); !reflect.DeepEqual(again, first) {
		t.Fatalf("a second check differs:\n%v\n%v", first, again)
	}
}
