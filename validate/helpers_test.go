package validate

import (
	"bytes"
	"errors"
	"io"

	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/diag"
)

// checkOne checks one document alone, its cross-document rules included.
func checkOne(file string, doc *yaml.Node, opts Options) diag.List {
	c := NewChecker(opts)
	c.Add(file, doc)
	return c.Finish()
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
