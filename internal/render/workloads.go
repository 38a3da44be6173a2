package render

import (
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/schema"

	"github.com/wasmgen/wasmgen/yamltree"
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
	apiVersion, kind := yamltree.TypeMeta(d.Node)
	path, ok := podTemplatePath[kind]
	if !ok {
		return generate.Workload{}, false
	}
	meta := yamltree.Field(d.Node, "metadata")
	w := generate.Workload{
		APIVersion: apiVersion, Kind: kind, File: d.File,
		Name:      yamltree.StringField(meta, "name"),
		Namespace: yamltree.StringField(meta, "namespace"),
	}
	if w.Namespace == "" {
		w.Namespace = schema.DefaultNamespace
	}
	n := d.Node
	for _, k := range path {
		n = yamltree.Field(n, k)
	}
	w.PodLabels = yamltree.StringMap(yamltree.Field(n, "labels"))
	w.PodAnnotations = yamltree.StringMap(yamltree.Field(n, "annotations"))
	return w, true
}
