package schema

import "github.com/wasmgen/wasmgen/compat"

// Enumerations of the spec, in the order messages list them.
var (
	Runtimes       = []string{"v8", "wamr", "wasmtime", "null"}
	Types          = []string{"http", "network"}
	Contexts       = []string{"inbound", "outbound", "gateway", "waypoint", "any"}
	FailStrategies = []string{"close", "open"}
	Deliveries     = []string{"auto", "hostPath", "configMap", "imageVolume", "remote", "agent"}
	Phases         = []string{"authn", "authz", "stats"}
	Encodings      = []string{"json", "canonical", "binary"}
)

// Istio's PatchContext names, accepted for spec.context as the contract allows.
var istioContexts = map[string]string{
	"SIDECAR_INBOUND":  "inbound",
	"SIDECAR_OUTBOUND": "outbound",
	"GATEWAY":          "gateway",
	"ANY":              "any",
}

// Defaults of the spec.
const (
	DefaultNamespace        = "default"
	DefaultRouter           = compat.Router
	DefaultListenPort       = 8080
	DefaultUpstream         = "127.0.0.1:9080"
	DefaultAdminPort        = 19000
	DefaultRelativePriority = 10
)

// NormalizeContext maps SIDECAR_INBOUND etc. onto the short names; unknown values
// come back unchanged for the checker to report.
func NormalizeContext(c string) string {
	if s, ok := istioContexts[c]; ok {
		return s
	}
	return c
}

// Default fills the fields the user left out. It runs after the checks, on a spec
// without errors, so it never hides a problem.
func (f *WasmFilter) Default() {
	m := &f.Metadata
	if m.Namespace == "" {
		m.Namespace = DefaultNamespace
	}
	s := &f.Spec
	if s.VMID == "" {
		s.VMID = m.Namespace + "." + m.Name
	}
	if s.Runtime == "" {
		s.Runtime = "v8"
	}
	if s.Type == "" {
		s.Type = "http"
	}
	s.Context = NormalizeContext(s.Context)
	if s.Context == "" {
		s.Context = DefaultContext(s.TargetRefs)
	}
	for i := range s.TargetRefs {
		r := &s.TargetRefs[i]
		if r.Group == "" {
			r.Group = TargetGroups[r.Kind]
		} else if r.Group == "core" {
			r.Group = ""
		}
	}
	if s.FailStrategy == "" {
		s.FailStrategy = "close"
	}
	if s.Delivery == "" {
		s.Delivery = "auto"
	}
	p := &s.Placement
	if p.Before == "" && p.After == "" && !p.First && p.Phase == "" {
		if s.Type == "network" {
			// The network chain ends in a terminal filter whose name varies
			// (tcp_proxy, http_connection_manager); first is always valid.
			p.First = true
		} else {
			p.Before = DefaultRouter
		}
	}
	if s.ConfigSchema != nil && s.ConfigSchema.Encoding == "" {
		s.ConfigSchema.Encoding = "json"
	}
	if s.Envoy == nil {
		s.Envoy = &EnvoyOptions{}
	}
	if s.Envoy.ListenPort == 0 {
		s.Envoy.ListenPort = DefaultListenPort
	}
	if s.Envoy.Upstream == "" {
		s.Envoy.Upstream = DefaultUpstream
	}
	if s.Envoy.AdminPort == 0 {
		s.Envoy.AdminPort = DefaultAdminPort
	}
}

// WasmPluginRef prefixes a placement that names a WasmPlugin (WasmPlugin/NAME or
// WasmPlugin/NAMESPACE/NAME) rather than an Envoy filter.
const WasmPluginRef = "WasmPlugin/"

// TargetGroups are the groups of the kinds a targetRef names (the default of
// targetRefs[].group): Istio's allowedTargetRefs (pkg/config/validation) and Envoy
// Gateway's CEL list (api/v1alpha1/envoyextensionypolicy_types.go).
var TargetGroups = map[string]string{
	"Gateway":      compat.GatewayAPIGroup,
	"GatewayClass": compat.GatewayAPIGroup,
	"HTTPRoute":    compat.GatewayAPIGroup,
	"GRPCRoute":    compat.GatewayAPIGroup,
	"ListenerSet":  compat.GatewayAPIGroup,
	"Service":      "",
	"ServiceEntry": "networking.istio.io",
}

// TargetKinds lists the kinds of TargetGroups in the order messages name them.
var TargetKinds = []string{"Gateway", "Service", "ServiceEntry", "GatewayClass", "HTTPRoute", "GRPCRoute", "ListenerSet"}

// waypointKinds attach on waypoints only (pilot/pkg/model/policyattachment.go
// ShouldAttachPolicy: Service, ServiceEntry and GatewayClass need p.IsWaypoint).
var waypointKinds = map[string]bool{"Service": true, "ServiceEntry": true, "GatewayClass": true}

// routeKinds are Envoy Gateway's: a route is served by a gateway.
var routeKinds = map[string]bool{"HTTPRoute": true, "GRPCRoute": true, "ListenerSet": true}

// IsRouteKind reports whether kind is one of Envoy Gateway's targets that no Istio
// policy takes (a route or a ListenerSet).
func IsRouteKind(kind string) bool { return routeKinds[kind] }

// DefaultContext is spec.context's default: inbound for a selector; with targetRefs,
// waypoint where a kind attaches on waypoints only, gateway for routes, and any (a
// Gateway that may be a waypoint or an ingress gateway) otherwise.
func DefaultContext(refs []TargetRef) string {
	if len(refs) == 0 {
		return "inbound"
	}
	for _, r := range refs {
		if waypointKinds[r.Kind] {
			return "waypoint"
		}
	}
	for _, r := range refs {
		if routeKinds[r.Kind] {
			return "gateway"
		}
	}
	return "any"
}
