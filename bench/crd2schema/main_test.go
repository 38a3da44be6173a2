package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestConvert(t *testing.T) {
	const crds = `apiVersion: v1
kind: ConfigMap
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: networking.istio.io
  names: {kind: EnvoyFilter}
  versions:
  - name: v1alpha3
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              priority: {type: integer}
              configPatches:
                type: array
                items:
                  type: object
                  properties:
                    patch:
                      type: object
                      properties:
                        value: {type: object, x-kubernetes-preserve-unknown-fields: true}
`
	files, err := convert(strings.NewReader(crds))
	if err != nil {
		t.Fatal(err)
	}
	b, ok := files["networking.istio.io/envoyfilter_v1alpha3.json"]
	if len(files) != 1 || !ok {
		t.Fatalf("files: %v", files)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	at := func(path ...string) map[string]any {
		m := s
		for _, p := range path {
			m, _ = m[p].(map[string]any)
		}
		return m
	}
	if _, ok := s["additionalProperties"]; ok {
		t.Error("the root must stay open for apiVersion, kind and metadata")
	}
	spec := at("properties", "spec")
	if spec["additionalProperties"] != false {
		t.Errorf("spec is not closed: %v", spec)
	}
	patch := at("properties", "spec", "properties", "configPatches", "items", "properties", "patch")
	if patch["additionalProperties"] != false {
		t.Errorf("patch is not closed: %v", patch)
	}
	if v := at("properties", "spec", "properties", "configPatches", "items", "properties", "patch", "properties", "value"); v["additionalProperties"] != nil {
		t.Errorf("a preserve-unknown-fields object was closed: %v", v)
	}
}

func TestConvertBadYAML(t *testing.T) {
	if _, err := convert(strings.NewReader("kind: [")); err == nil {
		t.Error("no error for invalid YAML")
	}
}
