package krm

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/manifest"
	"github.com/wasmgen/wasmgen/yamltree"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// applyPatch merges a workload patch into the item in place, as a strategic merge
// would: the annotations are set (generate already merged the workload's existing
// entries into them), volumes merge by name and mounts by mountPath, an entry of
// the same key is replaced and nothing is duplicated. Nodes are edited one by one,
// so every other field, comment and style of the item stays; an entry that is
// already as the patch wants it is not touched at all.
func applyPatch(item *yaml.RNode, kind string, p generate.PodTemplatePatch) (bool, error) {
	path, ok := podPath(kind)
	if !ok {
		return false, fmt.Errorf("kind %s has no pod template", kind)
	}
	tmpl := item.YNode()
	for _, k := range path {
		next := yamltree.Get(tmpl, k)
		if next == nil || next.Kind != yaml.MappingNode {
			return false, fmt.Errorf("it has no pod template (%s)", strings.Join(path, "."))
		}
		tmpl = next
	}
	changed := false
	if ann := p.Metadata.Annotations; len(ann) > 0 {
		meta, err := ensure(tmpl, "metadata", yaml.MappingNode)
		if err != nil {
			return false, err
		}
		a, err := ensure(meta, "annotations", yaml.MappingNode)
		if err != nil {
			return false, err
		}
		for _, k := range slices.Sorted(maps.Keys(ann)) {
			changed = setString(a, k, ann[k]) || changed
		}
	}
	if s := p.Spec; s != nil {
		spec, err := ensure(tmpl, "spec", yaml.MappingNode)
		if err != nil {
			return false, err
		}
		if len(s.Volumes) > 0 {
			vols, err := ensure(spec, "volumes", yaml.SequenceNode)
			if err != nil {
				return false, err
			}
			for _, v := range s.Volumes {
				c, err := merge(vols, "name", v.Name, v)
				if err != nil {
					return false, err
				}
				changed = c || changed
			}
		}
		for _, cp := range s.Containers {
			cs, err := ensure(spec, "containers", yaml.SequenceNode)
			if err != nil {
				return false, err
			}
			c := element(cs, "name", cp.Name)
			if c == nil {
				n, err := manifest.NodeOf(cp)
				if err != nil {
					return false, err
				}
				cs.Content = append(cs.Content, n)
				changed = true
				continue
			}
			mounts, err := ensure(c, "volumeMounts", yaml.SequenceNode)
			if err != nil {
				return false, err
			}
			for _, m := range cp.VolumeMounts {
				ch, err := merge(mounts, "mountPath", m.MountPath, m)
				if err != nil {
					return false, err
				}
				changed = ch || changed
			}
		}
	}
	return changed, nil
}

// ensure returns the value of key in n, creating it (or replacing a null) with an
// empty node of the kind; a value of another kind is an error.
func ensure(n *yaml.Node, key string, kind yaml.Kind) (*yaml.Node, error) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != key {
			continue
		}
		v := n.Content[i+1]
		if v.Kind == kind {
			return v, nil
		}
		if v.Kind == yaml.ScalarNode && (v.Tag == "!!null" || v.Value == "" || v.Value == "null" || v.Value == "~") {
			nv := empty(kind)
			nv.LineComment = v.LineComment
			n.Content[i+1] = nv
			return nv, nil
		}
		return nil, fmt.Errorf("%s is not a %s", key, kindName(kind))
	}
	nv := empty(kind)
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, nv)
	return nv, nil
}

func empty(kind yaml.Kind) *yaml.Node {
	if kind == yaml.SequenceNode {
		return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	}
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
}

func kindName(k yaml.Kind) string {
	if k == yaml.SequenceNode {
		return "list"
	}
	return "mapping"
}

// setString sets key to a string value, keeping the node (and its quoting style)
// when there is one; it reports whether anything changed.
func setString(m *yaml.Node, key, value string) bool {
	if v := yamltree.Get(m, key); v != nil {
		if v.Kind == yaml.ScalarNode && v.Value == value {
			return false
		}
		if v.Kind != yaml.ScalarNode {
			*v = yaml.Node{}
		}
		v.Kind, v.Tag, v.Value = yaml.ScalarNode, "!!str", value
		v.Content, v.Alias = nil, nil
		return true
	}
	m.Content = append(m.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value})
	return true
}

// element is the entry of a list whose field key equals value.
func element(seq *yaml.Node, key, value string) *yaml.Node {
	for _, e := range seq.Content {
		if k := yamltree.Get(e, key); k != nil && k.Value == value {
			return e
		}
	}
	return nil
}

// merge puts v into the list under its merge key: an equal entry is left alone, a
// different one replaced where it is, a missing one appended.
func merge(seq *yaml.Node, key, value string, v any) (bool, error) {
	n, err := manifest.NodeOf(v)
	if err != nil {
		return false, err
	}
	for i, e := range seq.Content {
		k := yamltree.Get(e, key)
		if k == nil || k.Value != value {
			continue
		}
		if equalNodes(e, n) {
			return false, nil
		}
		n.HeadComment, n.LineComment, n.FootComment = e.HeadComment, e.LineComment, e.FootComment
		seq.Content[i] = n
		return true, nil
	}
	seq.Content = append(seq.Content, n)
	return true, nil
}

func equalNodes(a, b *yaml.Node) bool {
	var x, y any
	if a.Decode(&x) != nil || b.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// fileAnnotation reports whether an annotation belongs to the pipeline (file,
// index, ids) rather than to the object.
func fileAnnotation(k string) bool {
	for _, p := range []string{"config.kubernetes.io/path", "config.kubernetes.io/index", "internal.config.kubernetes.io/", "config.k8s.io/id", "kustomize.config.k8s.io/"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// equalIgnoringFileAnnotations compares two objects as the cluster would see them.
func equalIgnoringFileAnnotations(a, b *yaml.RNode) bool {
	var x, y map[string]any
	if a.YNode().Decode(&x) != nil || b.YNode().Decode(&y) != nil {
		return false
	}
	strip := func(m map[string]any) {
		meta, _ := m["metadata"].(map[string]any)
		ann, _ := meta["annotations"].(map[string]any)
		for k := range ann {
			if fileAnnotation(k) {
				delete(ann, k)
			}
		}
		if meta != nil && len(ann) == 0 {
			delete(meta, "annotations")
		}
	}
	strip(x)
	strip(y)
	return reflect.DeepEqual(x, y)
}

// copyFileAnnotations gives a replacement the pipeline annotations of the item it
// replaces, so it is written back to the same file and keeps its ids.
func copyFileAnnotations(from, to *yaml.RNode) error {
	a := annotations(from.YNode())
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if fileAnnotation(k) {
			if err := to.PipeE(yaml.SetAnnotation(k, a[k])); err != nil {
				return err
			}
		}
	}
	return nil
}
