package schema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// wasmfilterSchema is generated from the Go types by TestSchemaUpToDate (which fails
// when it is stale) and embedded, so the binary needs no reflection at run time.
//
//go:embed wasmfilter.schema.json
var wasmfilterSchema []byte

// JSONSchema returns the WasmFilter spec's JSON Schema in the given draft: "2020-12"
// (the committed file) or "07" (what editors' YAML language servers speak).
func JSONSchema(draft string) ([]byte, error) {
	switch draft {
	case "", "2020-12":
		return wasmfilterSchema, nil
	case "07", "7", "draft-07":
		var s map[string]any
		if err := json.Unmarshal(wasmfilterSchema, &s); err != nil {
			return nil, err
		}
		s["$schema"] = "http://json-schema.org/draft-07/schema#"
		if defs, ok := s["$defs"]; ok {
			s["definitions"] = defs
			delete(s, "$defs")
		}
		rewriteRefs(s, "#/$defs/", "#/definitions/")
		return marshal(s)
	}
	return nil, fmt.Errorf("unknown draft %q; expected 2020-12 or 07", draft)
}

func rewriteRefs(v any, from, to string) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if s, ok := e.(string); ok && k == "$ref" {
				t[k] = strings.Replace(s, from, to, 1)
				continue
			}
			rewriteRefs(e, from, to)
		}
	case []any:
		for _, e := range t {
			rewriteRefs(e, from, to)
		}
	}
}

// CRD returns a CustomResourceDefinition for WasmFilter whose openAPIV3Schema is the
// spec schema made structural: references inlined, config left open.
func CRD() ([]byte, error) {
	var s map[string]any
	if err := json.Unmarshal(wasmfilterSchema, &s); err != nil {
		return nil, err
	}
	defs, _ := s["$defs"].(map[string]any)
	root, err := inline(s, defs, 0)
	if err != nil {
		return nil, err
	}
	props := root.(map[string]any)
	delete(props, "$schema")
	delete(props, "$id")
	crd := map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": "wasmfilters.wasmgen.io"},
		"spec": map[string]any{
			"group": "wasmgen.io",
			"names": map[string]any{"kind": Kind, "listKind": Kind + "List", "plural": "wasmfilters", "singular": "wasmfilter"},
			"scope": "Namespaced",
			"versions": []any{map[string]any{
				"name": "v1alpha1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": props},
			}},
		},
	}
	return marshal(crd)
}

// inline replaces $refs by their definitions and drops what structural schemas
// forbid; the config value (a schema of `true`) preserves unknown fields.
func inline(v any, defs map[string]any, depth int) (any, error) {
	if depth > 32 {
		return nil, fmt.Errorf("schema too deep to inline")
	}
	switch t := v.(type) {
	case bool:
		return map[string]any{"x-kubernetes-preserve-unknown-fields": true}, nil
	case map[string]any:
		if ref, ok := t["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/$defs/")
			d, ok := defs[name]
			if !ok {
				return nil, fmt.Errorf("unresolved $ref %s", ref)
			}
			return inline(d, defs, depth+1)
		}
		out := map[string]any{}
		for k, e := range t {
			switch k {
			case "$defs", "$schema", "$id", "additionalProperties":
				if k == "additionalProperties" {
					if _, isBool := e.(bool); !isBool {
						x, err := inline(e, defs, depth+1)
						if err != nil {
							return nil, err
						}
						out[k] = x
					}
				}
				continue
			case "properties":
				ps := map[string]any{}
				for name, p := range e.(map[string]any) {
					x, err := inline(p, defs, depth+1)
					if err != nil {
						return nil, err
					}
					ps[name] = x
				}
				out[k] = ps
				continue
			case "items":
				x, err := inline(e, defs, depth+1)
				if err != nil {
					return nil, err
				}
				out[k] = x
				continue
			}
			out[k] = e
		}
		if len(out) == 0 {
			return map[string]any{"x-kubernetes-preserve-unknown-fields": true}, nil
		}
		return out, nil
	}
	return v, nil
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
