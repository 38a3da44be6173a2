// Command crd2schema writes the openAPIV3Schema of every CustomResourceDefinition in
// a YAML stream as JSON Schema files in kubeconform's schema-location layout
// (DIR/GROUP/KIND_VERSION.json, kind lowercased), so kubeconform can check custom
// resources offline. Objects below the root that list properties are closed
// (additionalProperties: false) unless they preserve unknown fields, as the API server prunes them.
//
//	go run ./bench/crd2schema -o DIR < crd-all.gen.yaml
//	kubeconform -schema-location 'DIR/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json' …
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

type crd struct {
	Kind string `yaml:"kind"`
	Spec struct {
		Group string `yaml:"group"`
		Names struct {
			Kind string `yaml:"kind"`
		} `yaml:"names"`
		Versions []struct {
			Name   string `yaml:"name"`
			Schema struct {
				OpenAPIV3Schema map[string]any `yaml:"openAPIV3Schema"`
			} `yaml:"schema"`
		} `yaml:"versions"`
	} `yaml:"spec"`
}

func main() {
	out := flag.String("o", "", "output directory")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: crd2schema -o DIR < CRDS.yaml")
		os.Exit(2)
	}
	files, err := convert(os.Stdin)
	if err == nil {
		err = write(*out, files)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "crd2schema: %v\n", err)
		os.Exit(1)
	}
}

// convert returns the schema files (relative path → JSON) of the CRDs in r.
func convert(r io.Reader) (map[string][]byte, error) {
	files := map[string][]byte{}
	dec := yaml.NewDecoder(r)
	for {
		var c crd
		err := dec.Decode(&c)
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		if c.Kind != "CustomResourceDefinition" {
			continue
		}
		for _, v := range c.Spec.Versions {
			s := v.Schema.OpenAPIV3Schema
			if s == nil {
				continue
			}
			// The root stays open: apiVersion, kind and metadata are not in the CRD schema.
			for _, p := range props(s) {
				closeObjects(p)
			}
			s["$schema"] = "http://json-schema.org/draft-04/schema#"
			b, err := json.MarshalIndent(s, "", "  ")
			if err != nil {
				return nil, err
			}
			name := filepath.Join(c.Spec.Group, strings.ToLower(c.Spec.Names.Kind)+"_"+v.Name+".json")
			files[name] = append(b, '\n')
		}
	}
}

// closeObjects forbids unknown fields in every object schema that lists its
// properties and does not ask to keep unknown ones.
func closeObjects(v any) {
	switch v := v.(type) {
	case map[string]any:
		_, hasProps := v["properties"]
		_, hasAdd := v["additionalProperties"]
		keep, _ := v["x-kubernetes-preserve-unknown-fields"].(bool)
		if hasProps && !hasAdd && !keep {
			v["additionalProperties"] = false
		}
		for _, c := range v {
			closeObjects(c)
		}
	case []any:
		for _, c := range v {
			closeObjects(c)
		}
	}
}

func props(s map[string]any) []any {
	m, _ := s["properties"].(map[string]any)
	var out []any
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func write(dir string, files map[string][]byte) error {
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
