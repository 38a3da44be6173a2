package yamltree

import (
	"fmt"

	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"
)

// CodeMerge marks a merge key whose value is not a mapping or a list of mappings.
const CodeMerge = "WG1004"

// mergeTag is the tag yaml.v3 gives a plain (unquoted) "<<" key.
const mergeTag = "!!merge"

// resolveMerges applies YAML merge keys ("<<: *base", "<<: [*a, *b]") as the YAML
// readers of kubectl and Istio (go-yaml) do: a merged mapping's keys are added
// where the mapping does not set them itself, and of several merged mappings the
// earlier wins. Checks then see the mapping a cluster would see, not a "<<" field.
//
// Nodes without a merge key below them are returned as they are. A mapping with
// one is a copy whose merged entries are the nodes where they are written, so a
// finding about a merged field points at its line in the anchored mapping.
func resolveMerges(file string, n *yaml.Node, l *diag.List) *yaml.Node {
	r := merger{file: file, l: l, done: map[*yaml.Node]*yaml.Node{}}
	return r.node(n)
}

// ResolveMerges applies merge keys to a node that did not come through
// ParseDocuments (a KRM item kyaml parsed), n itself left as it is.
func ResolveMerges(file string, n *yaml.Node) (*yaml.Node, diag.List) {
	var l diag.List
	r := resolveMerges(file, n, &l)
	return r, l
}

type merger struct {
	file string
	l    *diag.List
	done map[*yaml.Node]*yaml.Node // each node's result: aliases share subtrees
}

func (m *merger) node(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	// Only an anchored node can be reached twice (through aliases); the rest of
	// the tree is visited once and needs no memo.
	shared := n.Anchor != ""
	if shared {
		if r, ok := m.done[n]; ok {
			return r
		}
		m.done[n] = n // a cycle (refused by the parser) ends here
	}
	r := n
	switch n.Kind {
	case yaml.AliasNode:
		if t := m.node(n.Alias); t != n.Alias {
			c := *n
			c.Alias = t
			r = &c
		}
	case yaml.MappingNode:
		r = m.mapping(n)
	case yaml.SequenceNode, yaml.DocumentNode:
		var content []*yaml.Node
		for i, e := range n.Content {
			if re := m.node(e); re != e && content == nil {
				content = append(make([]*yaml.Node, 0, len(n.Content)), n.Content[:i]...)
				content = append(content, re)
			} else if content != nil {
				content = append(content, re)
			}
		}
		if content != nil {
			c := *n
			c.Content = content
			r = &c
		}
	}
	if shared {
		m.done[n] = r
	}
	return r
}

func (m *merger) mapping(n *yaml.Node) *yaml.Node {
	hasMerge := false
	explicit := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMergeKey(k) {
			hasMerge = true
		} else if k.Kind == yaml.ScalarNode {
			explicit[k.Value] = true
		}
	}
	changed := hasMerge
	content := make([]*yaml.Node, 0, len(n.Content))
	added := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isMergeKey(k) {
			rv := m.node(v)
			changed = changed || rv != v
			content = append(content, k, rv)
			continue
		}
		for _, src := range m.sources(v) {
			for j := 0; j+1 < len(src.Content); j += 2 {
				sk := src.Content[j]
				if sk.Kind == yaml.ScalarNode && (explicit[sk.Value] || added[sk.Value]) {
					continue
				}
				if sk.Kind == yaml.ScalarNode {
					added[sk.Value] = true
				}
				content = append(content, sk, src.Content[j+1])
			}
		}
	}
	if !changed {
		return n
	}
	c := *n
	c.Content = content
	return &c
}

// sources are the mappings a merge key's value names, merges inside them applied.
func (m *merger) sources(v *yaml.Node) []*yaml.Node {
	one := func(e *yaml.Node) *yaml.Node {
		r := resolveAlias(m.node(e))
		if r == nil || r.Kind != yaml.MappingNode {
			found := "nothing"
			if r != nil {
				found = Describe(r)
			}
			m.l.Add(diag.Finding{Pos: Pos(m.file, e), Severity: diag.Error, Code: CodeMerge,
				Msg:  fmt.Sprintf("merge key << expects a mapping or a list of mappings, found %s", found),
				Hint: "merge an anchored mapping: <<: *name"})
			return nil
		}
		return r
	}
	rv := resolveAlias(v)
	if rv != nil && rv.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, e := range rv.Content {
			if s := one(e); s != nil {
				out = append(out, s)
			}
		}
		return out
	}
	if s := one(v); s != nil {
		return []*yaml.Node{s}
	}
	return nil
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Tag == mergeTag
}
