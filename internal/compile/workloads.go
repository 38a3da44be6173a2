package compile

import (
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/schema"

	"github.com/wasmgen/wasmgen/yamltree"
)

// WorkloadOf reads a pod-owning manifest's identity and pod template metadata.
func WorkloadOf(d Doc) (generate.Workload, bool) {
	apiVersion, kind := yamltree.TypeMeta(d.Node)
	wk, ok := schema.Workload(kind)
	if !ok {
		return generate.Workload{}, false
	}
	path := append(append([]string(nil), wk.Template...), "metadata")
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
