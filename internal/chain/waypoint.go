package chain

import (
	"fmt"
	"slices"

	typeapi "istio.io/api/type/v1beta1"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
)

// Ambient labels (istio.io docs/ambient/usage/waypoint; pkg/config/constants at
// 1.30.0: AmbientUseWaypointLabel, AmbientUseWaypointNamespaceLabel,
// AmbientWaypointForTrafficTypeLabel, DataplaneModeLabel).
const (
	useWaypointLabel          = "istio.io/use-waypoint"
	useWaypointNamespaceLabel = "istio.io/use-waypoint-namespace"
	waypointForLabel          = "istio.io/waypoint-for"
	dataplaneModeLabel        = "istio.io/dataplane-mode"
)

// canonicalKind is a target's kind when its group is the kind's (istiod's
// matchesGroupKind compares config.CanonicalGroup: "" is core), "" otherwise: a
// Gateway target without group gateway.networking.k8s.io matches nothing.
func canonicalKind(r *typeapi.PolicyTargetReference) string {
	t, ok := compat.IstioTargetOf(r.GetGroup(), r.GetKind())
	if !ok {
		return ""
	}
	return t.Kind
}

// wpRefs are the targets istiod of the release reads: targetRefs from 1.22, else
// the single targetRef (model.GetTargetRefs); 1.20–1.21 know targetRef only.
func (e *explainer) wpRefs(w *WasmPlugin) []*typeapi.PolicyTargetReference {
	switch refs := w.Spec.GetTargetRefs(); {
	case len(refs) > 0 && e.v.Has(compat.TargetRefs):
		return refs
	case w.Spec.GetTargetRef() != nil && e.v.Has(compat.TargetRef):
		return []*typeapi.PolicyTargetReference{w.Spec.GetTargetRef()}
	}
	return nil
}

// allRefs are every target the object names, whatever the release reads.
func allRefs(w *WasmPlugin) []*typeapi.PolicyTargetReference {
	refs := w.Spec.GetTargetRefs()
	if r := w.Spec.GetTargetRef(); r != nil {
		refs = append([]*typeapi.PolicyTargetReference{r}, refs...)
	}
	return refs
}

// served is a Service or ServiceEntry, and the labels that say which waypoint
// serves it: its own, else its namespace's (istio.io docs/ambient/usage/waypoint
// "Use a waypoint proxy": a Service's label overrides its namespace's).
type served struct {
	kind, namespace, name string
	labels, nsLabels      map[string]string
}

func (s *served) String() string { return s.kind + " " + s.namespace + "/" + s.name }

// waypoint is the namespace and name of the waypoint the service uses, if the
// inputs say.
func (s *served) waypoint() (ns, name string, ok bool) {
	for _, l := range []map[string]string{s.labels, s.nsLabels} {
		if n := l[useWaypointLabel]; n != "" {
			ns := l[useWaypointNamespaceLabel]
			if ns == "" {
				ns = s.namespace
			}
			return ns, n, n != "none"
		}
	}
	return "", "", false
}

func (e *explainer) service(kind, ns, name string) *served {
	s := &served{kind: kind, namespace: ns, name: name}
	for _, o := range e.in.Services {
		if o.Kind == kind && o.Namespace == ns && o.Name == name {
			s.labels = o.Labels
		}
	}
	s.nsLabels = e.nsLabels(ns)
	return s
}

func (e *explainer) nsLabels(ns string) map[string]string {
	for _, n := range e.in.Namespaces {
		if n.Name == ns {
			return n.Labels
		}
	}
	return nil
}

// servedBy are the services a waypoint serves that some plugin targets: those
// whose use-waypoint label names it (a synthetic "Service reviews" waypoint
// serves that service alone), when the waypoint is for service traffic
// (istio.io/waypoint-for service, the default, or all).
func (e *explainer) servedBy(px *Proxy) []*served {
	if f := e.waypointFor(px); f != "" && f != "service" && f != "all" {
		return nil
	}
	var out []*served
	seen := map[string]bool{}
	for i := range e.in.WasmPlugins {
		w := &e.in.WasmPlugins[i]
		for _, r := range allRefs(w) {
			kind := canonicalKind(r)
			if kind != "Service" && kind != "ServiceEntry" {
				continue
			}
			s := e.service(kind, w.Namespace, r.GetName())
			ns, name, ok := s.waypoint()
			mine := ok && ns == px.Namespace && name == px.Name
			if !ok && px.Workload == "" && px.Name == kind+" "+r.GetName() && px.Namespace == w.Namespace {
				mine = true
			}
			if mine && !seen[s.String()] {
				seen[s.String()] = true
				out = append(out, s)
			}
		}
	}
	slices.SortFunc(out, func(a, b *served) int {
		if a.String() < b.String() {
			return -1
		}
		return 1
	})
	return out
}

func (e *explainer) waypointFor(px *Proxy) string {
	for _, g := range e.in.Gateways {
		if g.Namespace == px.Namespace && g.Name == px.Name {
			return g.Labels[waypointForLabel]
		}
	}
	return ""
}

// ambient: the inputs say the namespace is in the ambient mesh.
func (e *explainer) ambient(ns string) bool {
	return e.nsLabels(ns)[dataplaneModeLabel] == "ambient"
}

// wpLooksUp: istiod looks a waypoint's plugins up in its own namespace, the root
// namespace and, from 1.25, the namespaces of the chain's services
// (push_context.go WasmPluginsByListenerInfo, TrafficExtensionsByListenerInfo).
func (e *explainer) wpLooksUp(ns string, px *Proxy, svc *served) bool {
	return ns == px.Namespace || ns == e.root || px.Namespace == anyNamespace ||
		(svc != nil && ns == svc.namespace && e.v.Has(compat.WaypointServiceNamespaces))
}

// attachWaypoint is istiod's ShouldAttachPolicy for waypoint px and its chain of
// service svc (nil: the services without their own plugins):
// pilot/pkg/model/policyattachment.go at 1.22.0–1.30.0 (getPolicyMatcher in
// policyattachment.go at 1.20.0–1.21.0, Gateway targets only). reason says why an
// object that reaches the waypoint does not attach ("" when it simply targets
// something else).
func (e *explainer) attachWaypoint(w *WasmPlugin, px *Proxy, svc *served) (bool, string) {
	if !e.wpLooksUp(w.Namespace, px, svc) {
		return false, ""
	}
	refs := e.wpRefs(w)
	if len(allRefs(w)) == 0 {
		if gatewayName(px.Labels) == "" {
			return false, "" // a waypoint explain knows by a target only
		}
		// policyattachment.go: "waypoints never use selector".
		sel := w.Spec.GetSelector().GetMatchLabels()
		if labelsMatch(sel, px.Labels) || (w.Namespace == px.Namespace && e.ambient(w.Namespace)) {
			return false, "a waypoint never applies a selector policy: istiod attaches policies to waypoints by targetRefs only (pilot/pkg/model/policyattachment.go ShouldAttachPolicy)"
		}
		return false, ""
	}
	for _, r := range refs {
		if e.admits(r) && e.refMatches(r, w.Namespace, px, svc) {
			return true, ""
		}
	}
	// A target this release does not read or admit that would attach here.
	for _, r := range allRefs(w) {
		if canonicalKind(r) == "GatewayClass" && r.GetName() == compat.WaypointGatewayClass && w.Namespace != e.root && w.Namespace == px.Namespace {
			return false, fmt.Sprintf("a GatewayClass target attaches only from the mesh's root namespace %s; istiod ignores it in namespace %s", e.root, w.Namespace)
		}
		if !e.refMatches(r, w.Namespace, px, svc) {
			continue
		}
		kind := canonicalKind(r)
		t, _ := compat.IstioTargetOf(r.GetGroup(), r.GetKind())
		switch {
		case !slices.Contains(refs, r) && w.Spec.GetTargetRef() != r:
			return false, fmt.Sprintf("spec.targetRefs exists from Istio %s; Istio %s drops the field", compat.TargetRefs.Since(), e.v)
		case !slices.Contains(refs, r):
			return false, fmt.Sprintf("spec.targetRef is read only before Istio %s when spec.targetRefs is set", compat.TargetRefs.Since())
		case !e.admits(r):
			since := t.Since.Since()
			if kind != "Gateway" && !e.v.Has(compat.TargetRefs) && compat.TargetRefs.Since().Minor() > since.Minor() {
				since = compat.TargetRefs.Since()
			}
			return false, fmt.Sprintf("a %s target needs Istio %s; istiod %s refuses the %s", kind, since, e.v, w.kind())
		}
	}
	return false, ""
}

// wpSelects: a WasmPlugin attaches to a sidecar or gateway proxy: by selector
// when it has no targets (and istiod reads none), else by a Gateway target the
// release admits, which only a Gateway API gateway's pods match
// (ShouldAttachPolicy; getPolicyMatcher before 1.22).
func (e *explainer) wpSelects(w *WasmPlugin, px *Proxy) bool {
	if len(allRefs(w)) == 0 {
		return wpSelection(w).selects(e.root, px)
	}
	if w.Namespace != e.root && w.Namespace != px.Namespace {
		return false
	}
	for _, r := range e.wpRefs(w) {
		if canonicalKind(r) == "Gateway" && e.admits(r) && e.refMatches(r, w.Namespace, px, nil) {
			return true
		}
	}
	return false
}

// admits: istiod's webhook of the release admits the target's kind (validate's
// targetRef rule reports the refusal; explain does not attach it).
func (e *explainer) admits(r *typeapi.PolicyTargetReference) bool {
	t, ok := compat.IstioTargetOf(r.GetGroup(), r.GetKind())
	return ok && e.v.Has(t.Since) && (t.Kind == "Gateway" || e.v.Has(compat.TargetRefs))
}

// refMatches is one target of ShouldAttachPolicy's loop, ignoring the release's
// admitted kinds (attachWaypoint checks those).
func (e *explainer) refMatches(r *typeapi.PolicyTargetReference, ns string, px *Proxy, svc *served) bool {
	if r.GetNamespace() != "" && r.GetNamespace() != px.Namespace {
		return false
	}
	switch canonicalKind(r) {
	case "Service", "ServiceEntry":
		return svc != nil && svc.kind == canonicalKind(r) && svc.name == r.GetName() && svc.namespace == ns
	case "GatewayClass":
		return ns == e.root && r.GetName() == compat.WaypointGatewayClass
	case "Gateway":
		if px.Namespace == anyNamespace || gatewayName(px.Labels) != r.GetName() {
			return false
		}
		return ns == px.Namespace || (ns == e.root && !e.v.Has(compat.TargetRefGatewaySameNamespace))
	}
	return false
}

func labelsMatch(sel, labels map[string]string) bool {
	for k, v := range sel {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// waypoint builds a waypoint's chains: per service scope (istiod builds a chain
// per service, buildWaypointInbound, each with the plugins attached to the
// waypoint and to that service), an HTTP chain (looked up as SidecarInbound
// without a port: buildWaypointHTTPFilters) and a TCP one (NETWORK plugins, with
// the service port: buildWaypointNetworkFilters). EnvoyFilters are listed as not
// attached: Istio does not support them on waypoints.
func (e *explainer) waypoint(px *Proxy) []Chain {
	e.waypointEnvoyFilters(px)
	if !e.v.Has(compat.WasmPlugin) {
		return nil
	}
	scopes := append([]*served{nil}, e.servedBy(px)...)
	var out []Chain
	for _, svc := range scopes {
		if svc == nil && px.Workload == "" && len(scopes) > 1 && gatewayName(px.Labels) == "" {
			continue // a "Service reviews" waypoint is that service's chain alone
		}
		var wps []*WasmPlugin
		own := false
		for i := range e.in.WasmPlugins {
			w := &e.in.WasmPlugins[i]
			ok, reason := e.attachWaypoint(w, px, svc)
			if !ok {
				if reason != "" {
					e.notAttached(px, w.kind()+" "+w.id(), w.at("spec"), reason)
					if svc == nil && len(allRefs(w)) == 0 {
						e.selectorOnWaypoint(w, px)
					}
				}
				continue
			}
			if !wpMatches(w, compat.SidecarInbound, 0) && w.Spec.GetType().String() != "NETWORK" {
				e.notAttached(px, w.kind()+" "+w.id(), w.at("spec"), "spec.match never holds on a waypoint's HTTP chains: istiod looks their plugins up as server-side (mode SERVER) and without a port (listener_waypoint.go buildWaypointHTTPFilters)")
				continue
			}
			if svc != nil && !e.attachesAnyway(w, px) {
				own = true
			}
			wps = append(wps, w)
		}
		if svc != nil && !own {
			continue // the same as the chain of the services without their own
		}
		wps = e.sortPlugins(wps, px)
		tcpPorts := portsOf(compat.Waypoint, nil, wps)
		if c, ok := e.chain(px, compat.Waypoint, 0, HTTP, nil, wps); ok {
			c.Service = svcName(svc)
			out = append(out, c)
		}
		for _, port := range tcpPorts {
			if c, ok := e.chain(px, compat.Waypoint, port, TCP, nil, wps); ok {
				c.Service = svcName(svc)
				out = append(out, c)
			}
		}
	}
	return out
}

func svcName(s *served) string {
	if s == nil {
		return ""
	}
	return s.String()
}

// attachesAnyway: the plugin attaches to the waypoint's chain of any service (by
// Gateway or GatewayClass), so a service's chain with it alone is no different.
func (e *explainer) attachesAnyway(w *WasmPlugin, px *Proxy) bool {
	ok, _ := e.attachWaypoint(w, px, nil)
	return ok
}

// waypointEnvoyFilters: EnvoyFilters that reach a waypoint. From 1.27 istiod
// matches EnvoyFilters with ShouldAttachPolicy (push_context.go
// getMatchedEnvoyFilters at 1.27.0), so a selector one never reaches a waypoint;
// a targetRefs one does, and so before 1.27 does every one whose workloadSelector
// the waypoint's pods match. istiod then patches the waypoint's listeners with
// its SIDECAR_INBOUND and ANY patches (listener_builder.go patchListeners at
// 1.30.0), which Istio does not support ("EnvoyFilter resources targeting
// waypoints are not supported", istio.io docs/ambient/migrate): explain shows
// them as not attached, with a warning (WG7405).
func (e *explainer) waypointEnvoyFilters(px *Proxy) {
	if px.Namespace == anyNamespace || gatewayName(px.Labels) == "" {
		return
	}
	for i := range e.in.EnvoyFilters {
		ef := &e.in.EnvoyFilters[i]
		if ef.Namespace != px.Namespace && ef.Namespace != e.root {
			continue
		}
		refs := ef.Spec.GetTargetRefs()
		var patched bool
		switch {
		case len(refs) > 0 && e.v.Has(compat.EnvoyFilterTargetRefsAttach):
			for _, r := range refs {
				patched = patched || e.refMatches(r, ef.Namespace, px, nil)
			}
		case e.v.Has(compat.EnvoyFilterTargetRefsAttach):
			if labelsMatch(ef.Spec.GetWorkloadSelector().GetLabels(), px.Labels) {
				e.notAttached(px, "EnvoyFilter "+ef.id(), ef.at("spec"), "a waypoint never applies a selector policy: from Istio "+compat.EnvoyFilterTargetRefsAttach.Since().String()+" istiod matches EnvoyFilters by targetRefs only on waypoints (pilot/pkg/model/policyattachment.go ShouldAttachPolicy)")
			}
			continue
		default: // workloadSelector only; targetRefs are not read (WG7112)
			patched = labelsMatch(ef.Spec.GetWorkloadSelector().GetLabels(), px.Labels)
		}
		if !patched {
			continue
		}
		e.notAttached(px, "EnvoyFilter "+ef.id(), ef.at("spec"), fmt.Sprintf("EnvoyFilter is not supported on waypoints (istio.io docs/ambient/migrate); istiod %s still applies its SIDECAR_INBOUND and ANY patches to the waypoint's listeners, untested: not shown", e.v))
		field := "spec"
		switch {
		case len(refs) > 0 && e.v.Has(compat.EnvoyFilterTargetRefsAttach):
			field = "spec.targetRefs"
		case ef.Spec.GetWorkloadSelector() != nil:
			field = "spec.workloadSelector"
		}
		e.l.add(&ef.Meta, diag.Warning, CodeWaypointEnvoyFilter, field,
			"use a WasmPlugin (or TrafficExtension) with targetRefs to the waypoint: wasmgen render --target wasmplugin",
			fmt.Sprintf("this EnvoyFilter reaches waypoint %s/%s, where Istio does not support EnvoyFilter: istiod %s still patches the waypoint's listeners with it, a configuration nobody tests and a later release may break", px.Namespace, px.Name, e.v))
	}
}

// selectorOnWaypoint: a selector WasmPlugin in an ambient namespace with a
// waypoint runs nowhere the namespace's traffic passes: ambient pods have no
// sidecar, and the waypoint ignores selector policies (WG7406, once per plugin).
func (e *explainer) selectorOnWaypoint(w *WasmPlugin, px *Proxy) {
	if w.Namespace != px.Namespace || !e.ambient(w.Namespace) || e.nsLabels(w.Namespace)["istio-injection"] == "enabled" || e.selectorWarned[w] {
		return
	}
	e.selectorWarned[w] = true
	field := "spec.selector"
	if w.Spec.GetSelector() == nil {
		field = "spec"
	}
	e.l.add(&w.Meta, diag.Warning, CodeSelectorOnWaypoint, field,
		fmt.Sprintf("replace selector with targetRefs: [{kind: Gateway, group: %s, name: %s}] (every service of the waypoint) or [{kind: Service, name: <service>}]", compat.GatewayAPIGroup, px.Name),
		fmt.Sprintf("namespace %s is in the ambient mesh (%s: ambient), whose pods run no sidecar, and its waypoint %s/%s never applies a selector %s: istiod attaches policies to waypoints by targetRefs only", w.Namespace, dataplaneModeLabel, px.Namespace, px.Name, w.kind()))
}

func (e *explainer) notAttached(px *Proxy, source, at, reason string) {
	key := px.Kind + "\x00" + px.Namespace + "/" + px.Name + "\x00" + source
	if e.notSeen[key] {
		return
	}
	e.notSeen[key] = true
	e.not = append(e.not, NotAttached{Proxy: *px, Source: source, At: at, Reason: reason})
}
