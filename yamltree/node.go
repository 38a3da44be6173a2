package yamltree

import (
	"fmt"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"
)

// Pos is the position of node n in file.
func Pos(file string, n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: file}
	}
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

// maxAliasChain bounds following aliases and document nodes: a chain longer than a
// document can legally be is a tree built wrong by other code, not input.
const maxAliasChain = 1000

// Deref follows aliases and unwraps document nodes.
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && i < maxAliasChain; i++ {
		switch n.Kind {
		case yaml.AliasNode:
			n = n.Alias
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		default:
			return n
		}
	}
	return n
}

// Field returns the value node of key in mapping n (aliases followed), or nil.
func Field(n *yaml.Node, key string) *yaml.Node {
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return Deref(n.Content[i+1])
		}
	}
	return nil
}

// Get returns the value node of key in mapping n as written (an alias stays an
// alias), for code that edits the tree in place; nil when absent.
func Get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// FieldAny returns the first of the given spellings of a field present in n, and
// the spelling found.
func FieldAny(n *yaml.Node, keys ...string) (*yaml.Node, string) {
	for _, k := range keys {
		if v := Field(n, k); v != nil {
			return v, k
		}
	}
	return nil, ""
}

// Scalar returns the value of a scalar node, or "" for anything else.
func Scalar(n *yaml.Node) string {
	n = Deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// StringField returns the scalar value of key in mapping n, or "".
func StringField(n *yaml.Node, key string) string { return Scalar(Field(n, key)) }

// TypeMeta reads apiVersion and kind of a document without decoding it.
func TypeMeta(doc *yaml.Node) (apiVersion, kind string) {
	return StringField(doc, "apiVersion"), StringField(doc, "kind")
}

// IsNull reports whether n is absent or a YAML null.
func IsNull(n *yaml.Node) bool {
	n = Deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// StringMap reads a mapping of scalars (labels, annotations); other entries are
// left out. nil when n is not a mapping.
func StringMap(n *yaml.Node) map[string]string {
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	m := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		if v := Deref(n.Content[i+1]); v != nil && v.Kind == yaml.ScalarNode {
			m[n.Content[i].Value] = v.Value
		}
	}
	return m
}

// Describe names a node for messages: "a mapping", "the string \"x\"", "null".
func Describe(n *yaml.Node) string {
	n = Deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("the string %q", Clip(n.Value))
		case "!!int":
			return "the integer " + Clip(n.Value)
		case "!!float":
			return "the number " + Clip(n.Value)
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "null"
		}
		return fmt.Sprintf("%q", Clip(n.Value))
	}
	return "an unknown node"
}

// ClipLen is how much of a value a message quotes.
const ClipLen = 40

// Clip shortens a value quoted in a message to ClipLen characters, on one line.
func Clip(s string) string {
	if len(s) > ClipLen {
		s = s[:ClipLen-3] + "..."
	}
	return strings.ReplaceAll(s, "\n", `\n`)
}

// Expand returns a copy of n with aliases replaced by what they point at, so later
// walkers need not know about anchors. ParseDocuments has already bounded the size.
func Expand(n *yaml.Node) *yaml.Node {
	n = resolveAlias(n)
	if n == nil {
		return nil
	}
	c := *n
	c.Anchor = ""
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, e := range n.Content {
			c.Content[i] = Expand(e)
		}
	}
	return &c
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasChain; i++ {
		n = n.Alias
	}
	return n
}

// ShiftLines adds d to the line of every node of a tree parsed from a part of a
// larger input. Aliases are not followed: their anchors are in the same tree.
func ShiftLines(n *yaml.Node, d int) {
	if n == nil || d == 0 {
		return
	}
	n.Line += d
	for _, c := range n.Content {
		ShiftLines(c, d)
	}
}
