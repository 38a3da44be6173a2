package render

import (
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/schema"
	yaml "go.yaml.in/yaml/v3"
)

// podTemplatePath is where each workload kind keeps its pod template's metadata.
var podTemplatePath = map[string][]string{
	"Deployment":  {"spec", "template", "metadata"},
	"StatefulSet": {"spec", "template", "metadata"},
	"DaemonSet":   {"spec", "template", "metadata"},
	"ReplicaSet":  {"spec", "template", "metadata"},
	"Job":         {"spec", "template", "metadata"},
	"CronJob":     {"spec", "jobTemplate", "spec", "template", "metadata"},
	"Pod":         {"metadata"},
}

// WorkloadOf reads a pod-owning manifest's identity and pod template metadata.
func WorkloadOf(d Doc) (generate.Workload, bool) {
	apiVersion, kind := schema.TypeMeta(d.Node)
	path, ok := podTemplatePath[kind]
	if !ok {
		return generate.Workload{}, false
	}
	meta := schema.Field(d.Node, "metadata")
	w := generate.Workload{
		APIVersion: apiVersion, Kind: kind, File: d.File,
		Name:      schema.StringField(meta, "name"),
		Namespace: schema.StringField(meta, "namespace"),
	}
	if w.Namespace == "" {
		w.Namespace = schema.DefaultNamespace
	}
	n := d.Node
	for _, k := range path {
		n = schema.Field(n, k)
	}
	w.PodLabels = stringMap(schema.Field(n, "labels"))
	w.PodAnnotations = stringMap(schema.Field(n, "annotations"))
	return w, true
}

func stringMap(n *yaml.Node) map[string]string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	m := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if v := n.Content[i+1]; v.Kind == yaml.ScalarNode {
			m[n.Content[i].Value] = v.Value
		}
	}
	return m
}
