// Package manifest encodes generated objects deterministically: multi-document
// YAML, JSON, and the per-object files of -o DIR with their kustomization.yaml.
//
// protojson output is deliberately unstable (it inserts random spaces), so every
// body is marshalled, decoded to a generic tree, and re-emitted with sorted keys.
// The same objects therefore give the same bytes on every run and machine.
package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
)

// File is one output file of -o DIR.
type File struct {
	Name string
	Data []byte
}

// KustomizationFile is the name kustomize looks for.
const KustomizationFile = "kustomization.yaml"

// Tree returns an object as a generic JSON tree (maps, slices, json.Number,
// strings, bools, nil): a full Kubernetes document for resources and patches, the
// bootstrap itself for an Envoy bootstrap.
func Tree(o generate.Object) (any, error) {
	switch body := o.Body.(type) {
	case proto.Message:
		// Envoy bootstraps are conventionally written with proto field names; Istio
		// resources as kubectl shows them, in lowerCamel (the JSON names).
		opts := protojson.MarshalOptions{UseProtoNames: o.Standalone}
		js, err := opts.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s %s/%s: %w", o.Kind, o.Namespace, o.Name, err)
		}
		t, err := decode(js)
		if err != nil || o.Standalone {
			return t, err
		}
		meta := map[string]any{"name": o.Name}
		if o.Namespace != "" {
			meta["namespace"] = o.Namespace
		}
		return map[string]any{"apiVersion": o.APIVersion, "kind": o.Kind, "metadata": meta, "spec": t}, nil
	default:
		js, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s %s/%s: %w", o.Kind, o.Namespace, o.Name, err)
		}
		t, err := decode(js)
		if err != nil {
			return nil, err
		}
		dropNulls(t)
		return t, nil
	}
}

func decode(js []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var t any
	if err := dec.Decode(&t); err != nil {
		return nil, err
	}
	return t, nil
}

// dropNulls removes null members: Kubernetes types marshal unset structs such as
// metadata.creationTimestamp as null, which is noise in a manifest.
func dropNulls(t any) {
	switch v := t.(type) {
	case map[string]any:
		for k, e := range v {
			if e == nil {
				delete(v, k)
				continue
			}
			dropNulls(e)
		}
	case []any:
		for _, e := range v {
			dropNulls(e)
		}
	}
}

// NodeOf is the YAML node of a typed Kubernetes value (a volume, a mount) as Node
// builds an object's: keys sorted, nulls dropped. The KRM function patches
// workloads with it, so what it adds reads like what render emits.
func NodeOf(v any) (*yaml.Node, error) {
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	t, err := decode(js)
	if err != nil {
		return nil, err
	}
	dropNulls(t)
	return Node(t), nil
}

// IsKubernetes reports whether an object is a Kubernetes document (everything but
// an Envoy bootstrap).
func IsKubernetes(o generate.Object) bool { return !o.Standalone }

// YAML encodes the objects as one multi-document YAML stream, in the given order.
func YAML(objs []generate.Object) ([]byte, error) {
	var buf bytes.Buffer
	for i, o := range objs {
		t, err := Tree(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		if o.IsPatch() {
			// On stdout a patch looks like a workload; say what it is before someone
			// pipes it to kubectl apply.
			buf.WriteString(patchComment(o))
		}
		// A bootstrap is written as JSON (JSON is YAML): alone — --target envoy —
		// the output is exactly the file Envoy reads.
		write := writeYAML
		if !IsKubernetes(o) {
			write = writeJSON
		}
		if err := write(&buf, t); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func patchComment(o generate.Object) string {
	var targets []string
	for _, t := range o.PatchTargets {
		s := t.Kind
		if t.Name != "" {
			s += " " + t.Namespace + "/" + t.Name
		}
		if t.LabelSelector != "" {
			s += " with labels " + t.LabelSelector
		}
		targets = append(targets, s)
	}
	return "# A strategic-merge patch, not an object to apply: it patches " + strings.Join(targets, ", ") +
		".\n# render -o DIR writes it with a kustomization.yaml that applies it.\n"
}

// JSON encodes the objects for --format json: the Kubernetes objects as one `v1`
// List, which `kubectl apply -f` accepts and which any JSON tool reads as a single
// document (a bare stream of objects is not valid JSON). Bootstraps are not
// Kubernetes objects: each follows as its own JSON document (alone, it is the
// whole output, exactly the file Envoy reads). Indented 2 spaces, newline-terminated.
func JSON(objs []generate.Object) ([]byte, error) {
	var items []any
	var rest []any
	for _, o := range objs {
		t, err := Tree(o)
		if err != nil {
			return nil, err
		}
		if IsKubernetes(o) {
			items = append(items, t)
		} else {
			rest = append(rest, t)
		}
	}
	var buf bytes.Buffer
	if len(items) > 0 || len(rest) == 0 {
		if items == nil {
			items = []any{}
		}
		list := map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{}, "items": items}
		if err := writeJSON(&buf, list); err != nil {
			return nil, err
		}
	}
	for _, t := range rest {
		if err := writeJSON(&buf, t); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// Files lays the objects out for -o DIR: one file per object (YAML, or JSON with
// format "json"; bootstraps always JSON), plus a kustomization.yaml that lists the
// resources and the patches with their targets. The patches select workloads
// that this kustomization does not contain: add the workloads' base to its
// resources, or reference this directory from the overlay that has them.
func Files(objs []generate.Object, format string) ([]File, error) {
	var files []File
	k := kustomization{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization"}
	seen := map[string]bool{}
	for _, o := range objs {
		t, err := Tree(o)
		if err != nil {
			return nil, err
		}
		name := o.FileName
		var buf bytes.Buffer
		if !IsKubernetes(o) || format == "json" {
			if IsKubernetes(o) {
				name = strings.TrimSuffix(name, ".yaml") + ".json"
			}
			err = writeJSON(&buf, t)
		} else {
			err = writeYAML(&buf, t)
		}
		if err != nil {
			return nil, err
		}
		if seen[name] || name == KustomizationFile {
			return nil, fmt.Errorf("two outputs would be written to %s", name)
		}
		seen[name] = true
		files = append(files, File{Name: name, Data: buf.Bytes()})
		switch {
		case o.IsPatch():
			for _, tg := range o.PatchTargets {
				tg := tg
				k.Patches = append(k.Patches, kustomizePatch{Path: name, Target: &tg})
			}
		case IsKubernetes(o):
			k.Resources = append(k.Resources, name)
		}
	}
	t, err := decode(mustJSON(k))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeYAML(&buf, t); err != nil {
		return nil, err
	}
	files = append(files, File{Name: KustomizationFile, Data: buf.Bytes()})
	return files, nil
}

// kustomization is the part of kustomize's Kustomization that wasmgen writes.
type kustomization struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Resources  []string         `json:"resources,omitempty"`
	Patches    []kustomizePatch `json:"patches,omitempty"`
}

type kustomizePatch struct {
	Path   string                `json:"path"`
	Target *generate.PatchTarget `json:"target,omitempty"`
}

func mustJSON(v any) []byte {
	js, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings: cannot fail
	}
	return js
}

// writeJSON writes a tree indented 2 spaces with a trailing newline; encoding/json
// sorts map keys and keeps json.Number literals exact.
func writeJSON(buf *bytes.Buffer, t any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}

// writeYAML writes a tree as one YAML document: keys sorted, 2-space indent,
// sequences not indented under their key (as kubectl and kustomize print them).
func writeYAML(buf *bytes.Buffer, t any) error {
	enc := yaml.NewEncoder(buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(Node(t)); err != nil {
		return err
	}
	return enc.Close()
}

// Node is the YAML node of a generic JSON tree (Tree's result) with keys sorted,
// as the YAML writer emits it; the KRM function builds its items with it. Scalars
// carry their JSON type as the tag, so the string "10" stays quoted and the number
// 10 stays a number.
func Node(t any) *yaml.Node {
	switch v := t.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, Node(v[k]))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range v {
			n.Content = append(n.Content, Node(e))
		}
		return n
	case string:
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
		if strings.Contains(v, "\n") {
			n.Style = yaml.LiteralStyle
		}
		return n
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(v), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(v)}
	case bool:
		if v {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"}
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(t)}
}

// CodeUnappliedPatch is the -o layout's one finding: its kustomization lists
// patches for workloads it does not hold.
const CodeUnappliedPatch = "WG2101"

// Rules are the findings of laying out -o DIR.
var Rules = []diag.Rule{
	{Code: CodeUnappliedPatch, Severity: diag.Warning, Consumer: "kustomize", Summary: "the -o kustomization lists patches for workloads it does not contain: kustomize does not apply them"},
}

// UnappliedPatches is the warning for an -o DIR whose kustomization.yaml lists
// workload patches: kustomize applies a kustomization's patches only to the
// resources it accumulates itself, so the patches select nothing in
// `kustomize build DIR`, nor when an overlay lists DIR under resources (checked
// with kustomize v5.8). It is nil when there are no patches.
func UnappliedPatches(objs []generate.Object, dir string) *diag.Finding {
	var targets []string
	for _, o := range objs {
		if !o.IsPatch() {
			continue
		}
		var kinds []string
		for _, t := range o.PatchTargets {
			if t.Name != "" {
				targets = append(targets, t.Kind+" "+strings.Trim(t.Namespace+"/"+t.Name, "/"))
			} else {
				kinds = append(kinds, t.Kind)
			}
		}
		if len(kinds) > 0 {
			targets = append(targets, fmt.Sprintf("%s with labels %s", strings.Join(kinds, "/"), o.PatchTargets[0].LabelSelector))
		}
	}
	if len(targets) == 0 {
		return nil
	}
	k := filepath.ToSlash(filepath.Join(dir, KustomizationFile))
	return &diag.Finding{Pos: diag.Pos{File: k}, Severity: diag.Warning, Code: CodeUnappliedPatch,
		Msg: fmt.Sprintf("the volume patches for %s are listed in %s, which does not contain those workloads; kustomize applies a kustomization's patches only to its own resources, so neither `kustomize build %s` nor an overlay that lists %s under resources patches them, and their proxies will not find the module",
			strings.Join(targets, ", "), k, dir, dir),
		Hint: "add the workloads' manifests to the kustomization that lists these patches, or run `wasmgen fn` as a transformer in the kustomization that holds the workloads (examples/kustomize)"}
}
