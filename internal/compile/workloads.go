package compile

import (
	"strings"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/chain"
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

// ambientObject adds what explain needs of a Gateway API Gateway (a waypoint or
// an ingress gateway istiod deploys), a Namespace (its ambient and use-waypoint
// labels) or a Service / ServiceEntry (its use-waypoint labels) to in; false for
// any other document.
func ambientObject(d Doc, in *chain.Input) bool {
	apiVersion, kind := yamltree.TypeMeta(d.Node)
	group, _, _ := strings.Cut(apiVersion, "/")
	if !strings.Contains(apiVersion, "/") {
		group = ""
	}
	meta := yamltree.Field(d.Node, "metadata")
	name, ns := yamltree.StringField(meta, "name"), yamltree.StringField(meta, "namespace")
	if ns == "" {
		ns = schema.DefaultNamespace
	}
	labels := yamltree.StringMap(yamltree.Field(meta, "labels"))
	switch {
	case group == compat.GatewayAPIGroup && kind == "Gateway":
		class := yamltree.StringField(yamltree.Field(d.Node, "spec"), "gatewayClassName")
		in.Gateways = append(in.Gateways, chain.GatewayObject{Name: name, Namespace: ns, Class: class, Labels: labels})
	case group == "" && apiVersion == "v1" && kind == "Namespace":
		in.Namespaces = append(in.Namespaces, chain.NamespaceObject{Name: name, Labels: labels})
	case group == "" && apiVersion == "v1" && kind == "Service", group == "networking.istio.io" && kind == "ServiceEntry":
		in.Services = append(in.Services, chain.ServiceObject{Kind: kind, Name: name, Namespace: ns, Labels: labels})
	default:
		return false
	}
	return true
}
