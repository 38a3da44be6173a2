package chain

import (
	"slices"
	"sort"
	"strings"

	networking "istio.io/api/networking/v1alpha3"
	typeapi "istio.io/api/type/v1beta1"

	"github.com/wasmgen/wasmgen/compat"
)

// Labels and annotations that mark a gateway's pods: Istio's gateway injection
// template (inject.istio.io/templates: gateway, manifests/charts/gateway), the
// istio label of the default install's gateways, and the label istiod's Gateway
// API deployment controller gives the pods it deploys
// (pilot/pkg/config/kube/gateway/deploymentcontroller.go, gateway.networking.k8s.io/gateway-name).
// gatewayName is the Gateway a proxy's pods belong to, by either spelling of the
// label (compat.GatewayPodLabels: pods before 1.21 carry only the legacy one).
func gatewayName(labels map[string]string) string {
	if n := labels[compat.GatewayNameLabel]; n != "" {
		return n
	}
	return labels[compat.LegacyGatewayNameLabel]
}

func isGateway(labels, annotations map[string]string) bool {
	switch labels["istio"] {
	case "ingressgateway", "egressgateway":
		return true
	}
	if gatewayName(labels) != "" {
		return true
	}
	for _, t := range strings.Split(annotations["inject.istio.io/templates"], ",") {
		if strings.TrimSpace(t) == "gateway" {
			return true
		}
	}
	return false
}

// selection is what an object selects: workload labels in its namespace (the
// root namespace's: in every namespace), or Gateways by name (targetRefs).
type selection struct {
	namespace string
	labels    map[string]string
	gateways  []string // targetRefs of kind Gateway
	refs      bool     // targetRefs are set: labels do not apply
}

func efSelection(e *EnvoyFilter) selection {
	s := selection{namespace: e.Namespace, labels: e.Spec.GetWorkloadSelector().GetLabels()}
	s.gateways, s.refs = gatewayRefs(e.Spec.GetTargetRefs())
	return s
}

func wpSelection(w *WasmPlugin) selection {
	s := selection{namespace: w.Namespace, labels: w.Spec.GetSelector().GetMatchLabels()}
	refs := w.Spec.GetTargetRefs()
	if r := w.Spec.GetTargetRef(); r != nil {
		refs = append([]*typeapi.PolicyTargetReference{r}, refs...)
	}
	s.gateways, s.refs = gatewayRefs(refs)
	return s
}

func gatewayRefs(refs []*typeapi.PolicyTargetReference) ([]string, bool) {
	var gw []string
	for _, r := range refs {
		if r.GetKind() == "Gateway" {
			gw = append(gw, r.GetName())
		}
	}
	return gw, len(refs) > 0
}

// selects says whether s picks proxy px: istiod looks an object up in the root
// namespace and the proxy's own (PushContext.EnvoyFilters, WasmPluginsByListenerInfo),
// then matches its selector's labels against the pod's, or its targetRefs' Gateway
// against the gateway-name label.
func (s selection) selects(root string, px *Proxy) bool {
	if s.namespace != root && s.namespace != px.Namespace {
		return false
	}
	if s.refs {
		for _, g := range s.gateways {
			if gatewayName(px.Labels) == g && (s.namespace == px.Namespace) {
				return true
			}
		}
		return false
	}
	for k, v := range s.labels {
		if got, ok := px.Labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// anyNamespace is the namespace of a selector proxy that stands for workloads of
// every namespace (a root-namespace object's selector).
const anyNamespace = "*"

// buildProxies are the proxies explain builds chains for: each workload manifest
// and each Gateway manifest of an Istio class (a waypoint, an ingress gateway),
// or, with no workload, one per selector the objects use; and for a target of a
// waypoint-only kind (Service, ServiceEntry, GatewayClass) no Gateway manifest
// stands for, the waypoint it reaches.
func (e *explainer) buildProxies() []*Proxy {
	in, root := e.in, e.root
	var out []*Proxy
	for _, w := range in.Workloads {
		kind := Sidecar
		if isGateway(w.Labels, w.Annotations) {
			kind = Gateway
		}
		out = append(out, &Proxy{Kind: kind, Name: w.Name, Namespace: w.Namespace, Workload: w.Kind, Labels: w.Labels})
	}
	// A Gateway manifest's proxy, unless its Deployment is among the workloads.
	deployed := map[string]bool{}
	for _, px := range out {
		if n := gatewayName(px.Labels); n != "" {
			deployed[px.Namespace+"/"+n] = true
		}
	}
	named := map[string]bool{} // ns/name of the Gateways with a proxy
	for _, g := range in.Gateways {
		kind := ""
		switch g.Class {
		case compat.WaypointGatewayClass:
			kind = Waypoint
		case "istio":
			kind = Gateway
		}
		if kind == "" || deployed[g.Namespace+"/"+g.Name] {
			continue
		}
		named[g.Namespace+"/"+g.Name] = true
		out = append(out, &Proxy{Kind: kind, Name: g.Name, Namespace: g.Namespace, Workload: "Gateway", Labels: compat.GatewayPodLabels(e.v, g.Name)})
	}
	for k := range deployed {
		named[k] = true
	}
	waypoints := slices.ContainsFunc(out, func(p *Proxy) bool { return p.Kind == Waypoint })
	seen := map[string]bool{}
	add := func(px *Proxy) {
		key := px.Kind + "\x00" + px.Namespace + "\x00" + px.Name
		if !seen[key] {
			seen[key] = true
			out = append(out, px)
		}
	}
	var synthetic []*Proxy
	for i := range in.WasmPlugins {
		w := &in.WasmPlugins[i]
		for _, r := range e.wpRefs(w) {
			switch kind := canonicalKind(r); kind {
			case "Service", "ServiceEntry":
				svc := e.service(kind, w.Namespace, r.GetName())
				if wns, wname, ok := svc.waypoint(); ok && named[wns+"/"+wname] {
					continue
				} else if ok {
					synthetic = append(synthetic, &Proxy{Kind: Waypoint, Name: wname, Namespace: wns, Labels: compat.GatewayPodLabels(e.v, wname)})
					continue
				}
				synthetic = append(synthetic, &Proxy{Kind: Waypoint, Name: kind + " " + r.GetName(), Namespace: w.Namespace})
			case "GatewayClass":
				if !waypoints && w.Namespace == root && r.GetName() == compat.WaypointGatewayClass {
					synthetic = append(synthetic, &Proxy{Kind: Waypoint, Name: "every waypoint", Namespace: anyNamespace})
				}
			}
		}
	}
	sortProxies(synthetic)
	for _, px := range synthetic {
		add(px)
		named[px.Namespace+"/"+px.Name] = true
	}
	if len(in.Workloads) > 0 {
		return out
	}
	var sel []*Proxy
	addSel := func(s selection) {
		ns := s.namespace
		if ns == root {
			ns = anyNamespace
		}
		labels := s.labels
		if n := gatewayName(labels); n != "" && named[s.namespace+"/"+n] {
			return // the Gateway manifest's proxy stands for its pods
		}
		if s.refs {
			if len(s.gateways) == 0 {
				return // a Service or other target: a waypoint's, above
			}
			if named[s.namespace+"/"+s.gateways[0]] {
				return // the Gateway manifest's proxy stands for it
			}
			labels = compat.GatewayPodLabels(e.v, s.gateways[0])
		}
		name := selectorName(labels)
		key := ns + "\x00" + name
		if seen[key] {
			return
		}
		seen[key] = true
		sel = append(sel, &Proxy{Kind: Selector, Name: name, Namespace: ns, Labels: labels})
	}
	for i := range in.EnvoyFilters {
		addSel(efSelection(&in.EnvoyFilters[i]))
	}
	for i := range in.WasmPlugins {
		addSel(wpSelection(&in.WasmPlugins[i]))
	}
	sortProxies(sel)
	return append(out, sel...)
}

func sortProxies(ps []*Proxy) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Namespace != ps[j].Namespace {
			return ps[i].Namespace < ps[j].Namespace
		}
		return ps[i].Name < ps[j].Name
	})
}

func selectorName(labels map[string]string) string {
	if len(labels) == 0 {
		return "every workload"
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("selector ")
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + labels[k])
	}
	return b.String()
}

// contextMatches is istiod's patchContextMatch (pilot/pkg/networking/core/envoyfilter/util.go).
func contextMatches(c networking.EnvoyFilter_PatchContext, class compat.ListenerClass) bool {
	switch c {
	case networking.EnvoyFilter_ANY:
		return true
	case networking.EnvoyFilter_SIDECAR_INBOUND:
		return class == compat.SidecarInbound
	case networking.EnvoyFilter_SIDECAR_OUTBOUND:
		return class == compat.SidecarOutbound
	case networking.EnvoyFilter_GATEWAY:
		return class == compat.Gateway
	}
	return false
}

// modeMatches is istiod's matchMode: a gateway's listeners are CLIENT, a sidecar's
// inbound SERVER, outbound CLIENT (pilot/pkg/model/extensions.go
// workloadModeForListenerClass).
func modeMatches(m typeapi.WorkloadMode, class compat.ListenerClass) bool {
	class = class.Matches()
	switch m {
	case typeapi.WorkloadMode_UNDEFINED, typeapi.WorkloadMode_CLIENT_AND_SERVER:
		return true
	case typeapi.WorkloadMode_SERVER:
		return class == compat.SidecarInbound
	}
	return class != compat.SidecarInbound
}

// wpMatches is istiod's matchTrafficSelectors for a chain's class and port (0:
// every port not listed on its own): a selector without ports holds on every port.
func wpMatches(w *WasmPlugin, class compat.ListenerClass, port uint32) bool {
	sel := w.Spec.GetMatch()
	if len(sel) == 0 {
		return true
	}
	for _, s := range sel {
		if !modeMatches(s.GetMode(), class) {
			continue
		}
		if len(s.GetPorts()) == 0 {
			return true
		}
		for _, p := range s.GetPorts() {
			if port != 0 && p.GetNumber() == port {
				return true
			}
		}
	}
	return false
}

func wpPorts(w *WasmPlugin, class compat.ListenerClass) []uint32 {
	var ps []uint32
	for _, s := range w.Spec.GetMatch() {
		if !modeMatches(s.GetMode(), class) {
			continue
		}
		for _, p := range s.GetPorts() {
			if p.GetNumber() != 0 {
				ps = append(ps, p.GetNumber())
			}
		}
	}
	return ps
}
