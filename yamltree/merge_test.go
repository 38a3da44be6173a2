package yamltree

import (
	"encoding/json"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// plain decodes a document as go-yaml does for Go values (merges applied), the
// reference the node tree must agree with.
func plain(t *testing.T, src string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// tree reads a node tree as plain data with no merge handling of its own: a "<<"
// left in the nodes shows as a "<<" key.
func tree(t *testing.T, n *yaml.Node) any {
	t.Helper()
	v, ok := plainTree(n)
	if !ok {
		t.Fatal("a scalar does not decode")
	}
	return v
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestMergeKeys(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"one", "base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  c: 3\n"},
		{"explicit wins", "base: &b {a: 1, b: 2}\nx:\n  b: 9\n  <<: *b\n"},
		{"explicit wins after", "base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 9\n"},
		{"earlier source wins", "p: &p {a: 1}\nq: &q {a: 2, z: 3}\nx:\n  <<: [*p, *q]\n"},
		{"nested merge in the source", "p: &p {a: 1}\nq: &q\n  <<: *p\n  b: 2\nx:\n  <<: *q\n  c: 3\n"},
		{"inline mapping", "x:\n  <<: {a: 1}\n  b: 2\n"},
		{"in a list", "p: &p {a: 1}\nl:\n- <<: *p\n  b: 2\n- c: 3\n"},
		{"deep", "p: &p {a: {b: 1}}\nx: {y: {z: {<<: *p, c: 2}}}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs, l := ParseDocuments("m.yaml", []byte(tc.src), DefaultLimits)
			if l.HasErrors() || len(docs) != 1 {
				t.Fatalf("%v", l)
			}
			if got, want := jsonOf(tree(t, docs[0])), jsonOf(plain(t, tc.src)); got != want {
				t.Errorf("nodes hold %s; go-yaml reads %s", got, want)
			}
		})
	}
}

func TestNoMergeKeyNothingCopied(t *testing.T) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("a: &x {b: 1}\nc: *x\nd: [1, {e: 2}]\n"), &n); err != nil {
		t.Fatal(err)
	}
	if r := resolveMerges("m.yaml", n.Content[0], nil); r != n.Content[0] {
		t.Error("a document without merge keys was copied")
	}
	if err := yaml.Unmarshal([]byte("a: &x {b: 1}\nd: [1, {e: {<<: *x}}]\n"), &n); err != nil {
		t.Fatal(err)
	}
	r := resolveMerges("m.yaml", n.Content[0], nil)
	if r == n.Content[0] || r.Content[1] != n.Content[0].Content[1] {
		t.Error("want the root copied (a merge below it) and the untouched sibling shared")
	}
}

func TestMergedFieldKeepsItsPosition(t *testing.T) {
	src := "base: &b\n  name: x\n  bogus: 1\nspec:\n  <<: *b\n"
	docs, _ := ParseDocuments("m.yaml", []byte(src), DefaultLimits)
	spec := Field(docs[0], "spec")
	if spec == nil || len(spec.Content) != 4 {
		t.Fatalf("spec %+v", spec)
	}
	if k := spec.Content[2]; k.Value != "bogus" || k.Line != 3 || k.Column != 3 {
		t.Errorf("merged key %q at %d:%d, want bogus at 3:3 (where it is written)", k.Value, k.Line, k.Column)
	}
}

func TestMergeKeyErrors(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"scalar", "x:\n  <<: 1\n"},
		{"list of scalars", "x:\n  <<: [1]\n"},
		{"alias to a list", "l: &l [1]\nx:\n  <<: *l\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, l := ParseDocuments("m.yaml", []byte(tc.src), DefaultLimits)
			if len(l) != 1 || l[0].Code != CodeMerge || l[0].Pos.Line == 0 {
				t.Errorf("want one %s with a line, got %v", CodeMerge, l)
			}
		})
	}
	// A node tree built by other code (a KRM item) may hold an alias to nothing.
	broken := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: mergeTag, Value: "<<", Line: 1, Column: 1},
		{Kind: yaml.AliasNode, Line: 1, Column: 5}}}
	if _, l := ResolveMerges("m.yaml", broken); len(l) != 1 || l[0].Code != CodeMerge || !strings.Contains(l[0].Msg, "found nothing") {
		t.Errorf("alias to nothing: %v", l)
	}
	// A quoted "<<" is an ordinary key.
	docs, l := ParseDocuments("m.yaml", []byte("x:\n  '<<': 1\n"), DefaultLimits)
	if len(l) != 0 || Field(Field(docs[0], "x"), "<<") == nil {
		t.Errorf("quoted << : %v", l)
	}
}

// FuzzMergeKeys: wherever go-yaml reads a one-document input without error, the
// merged node tree holds what go-yaml's own decoding into Go values holds.
func FuzzMergeKeys(f *testing.F) {
	f.Add("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n")
	f.Add("p: &p {a: 1}\nq: &q {a: 2, z: 3}\nx:\n  <<: [*p, *q]\n")
	f.Add("p: &p {a: {b: 1}}\nl: [{<<: *p, c: 2}, *p]\n")
	f.Fuzz(func(t *testing.T, src string) {
		// Small limits first: the comparison expands aliases, go-yaml's decoding too.
		docs, l := ParseDocuments("f.yaml", []byte(src), Limits{MaxBytes: 4096, MaxDocuments: 1, MaxDepth: 20, MaxNodes: 10000})
		if l.HasErrors() || len(docs) != 1 {
			return
		}
		var want any
		if yaml.Unmarshal([]byte(src), &want) != nil {
			return
		}
		w, err := json.Marshal(want)
		if err != nil {
			return // keys JSON cannot hold
		}
		got, ok := plainTree(docs[0])
		if !ok {
			return
		}
		if g, _ := json.Marshal(got); string(g) != string(w) {
			t.Fatalf("nodes hold %s; go-yaml reads %s", g, w)
		}
	})
}

// plainTree reads a node tree as plain data, aliases followed, merge keys left as
// keys; false where a scalar does not decode.
func plainTree(n *yaml.Node) (any, bool) {
	n = resolveAlias(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, ok := plainTree(n.Content[i+1])
			if !ok {
				return nil, false
			}
			m[resolveAlias(n.Content[i]).Value] = v
		}
		return m, true
	case yaml.SequenceNode:
		l := []any{}
		for _, e := range n.Content {
			v, ok := plainTree(e)
			if !ok {
				return nil, false
			}
			l = append(l, v)
		}
		return l, true
	}
	var v any
	if n.Decode(&v) != nil {
		return nil, false
	}
	return v, true
}
