package yamltree

import (
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/diag"
)

// Locator maps the field paths of one document to its nodes, so a check that knows
// only a path (a protoc-gen-validate violation, a rule about a decoded message)
// reports at the line the user wrote. Paths are matched folded (Canon): proto
// names, lowerCamel and Go names of one field meet. The map is built on first use:
// a clean document rarely needs a position.
type Locator struct {
	file string
	root *yaml.Node
	m    map[string]located
}

type located struct {
	key, val *yaml.Node
	path     string // as written in the document
}

// NewLocator indexes the document rooted at root, read from file.
func NewLocator(file string, root *yaml.Node) *Locator {
	return &Locator{file: file, root: Deref(root)}
}

// File is the file the document was read from.
func (ix *Locator) File() string { return ix.file }

// maxIndexDepth bounds the index below what ParseDocuments admits, so a tree built
// by other code cannot make it recurse without end.
const maxIndexDepth = 10000

func (ix *Locator) entry(canon string) (located, bool) {
	if ix.m == nil {
		ix.m = map[string]located{}
		ix.add(ix.root, nil, "", 0)
	}
	e, ok := ix.m[canon]
	return e, ok
}

func (ix *Locator) add(n, key *yaml.Node, path string, depth int) {
	if n == nil || depth > maxIndexDepth {
		return
	}
	c := Canon(path)
	if _, ok := ix.m[c]; !ok {
		ix.m[c] = located{key: key, val: n, path: path}
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ix.add(Deref(n.Content[i+1]), k, Join(path, k.Value), depth+1)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			ix.add(Deref(c), nil, Index(path, i), depth+1)
		}
	}
}

// Node returns the value node at path, or nil.
func (ix *Locator) Node(path string) *yaml.Node {
	e, _ := ix.entry(Canon(path))
	return e.val
}

// Pos returns the position of the field at path: its key if it is a mapping entry,
// else its value. A path that is not in the document (a required field that is
// missing, say) falls back to its nearest ancestor that is.
func (ix *Locator) Pos(path string) diag.Pos {
	for p := path; ; p = Parent(p) {
		if e, ok := ix.entry(Canon(p)); ok {
			n := e.val
			if e.key != nil {
				n = e.key
			}
			return Pos(ix.file, n)
		}
		if p == "" {
			return diag.Pos{File: ix.file}
		}
	}
}

// ValuePos is the position of the value at path (not its key).
func (ix *Locator) ValuePos(path string) diag.Pos {
	if e, ok := ix.entry(Canon(path)); ok {
		return Pos(ix.file, e.val)
	}
	return ix.Pos(path)
}

// Display returns the path as spelled in the document where known, so findings show
// the user's own field names.
func (ix *Locator) Display(path string) string {
	for p := path; p != ""; p = Parent(p) {
		if e, ok := ix.entry(Canon(p)); ok {
			return e.path + SnakeCase(path[len(p):])
		}
	}
	return SnakeCase(path)
}

// Reporter is a diag.Reporter for this document, with paths folded as the index
// folds them.
func (ix *Locator) Reporter(l *diag.List) *diag.Reporter {
	r := diag.NewReporter(ix, l)
	r.Fold = Canon
	return r
}
