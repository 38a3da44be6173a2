package compat

// The filter chains istiod builds, by release: what `wasmgen explain` starts from
// before it applies EnvoyFilter patches and WasmPlugins. Read from istio/istio at
// each tag named below:
//   - 1.16 and later: pilot/pkg/networking/core/listener_builder.go
//     buildHTTPConnectionManager (v1alpha3/listener_builder.go before 1.22), which
//     builds the whole HTTP chain itself, WasmPlugins by phase included
//     (extension.PopAppend, PopAppendHTTPTrafficExtension from 1.30).
//   - 1.12–1.15: the plugins' filters (authn, authz), WasmPlugins placed among them
//     (v1alpha3/extension/wasmplugin.go injectExtensions at 1.12–1.13,
//     listener.go PopAppend at 1.14–1.15), then v1alpha3/listener.go
//     buildHTTPConnectionManager's own filters.
//   - 1.5–1.11: the plugins' filters, then buildHTTPConnectionManager's
//     (v1alpha3/listener.go). Metadata exchange and stats come from the telemetry
//     EnvoyFilters istioctl installs in istio-system (manifests/charts/istio-control/
//     istio-discovery/templates/telemetryv2_1.N.yaml), which explain reads only when
//     they are among its inputs.
//   - network (TCP) chains: networkfilter.go buildCompleteNetworkFilters at 1.30
//     (v1alpha3/networkfilter.go before 1.22); WasmPlugins of type NETWORK from 1.20.
//   - waypoints (ambient): listener_waypoint.go buildWaypointHTTPFilters and
//     buildWaypointInboundHTTPFilters (v1alpha3/ before 1.22), the same shape at
//     1.20.0 through 1.30.0: the pre filters, the connection manager's own built
//     with isWaypoint (listener_builder.go buildHTTPConnectionManager: no metadata
//     exchange, no plugins, no stats; class SidecarInbound, so no ALPN), the post
//     filters, the router last. TCP chains: buildWaypointNetworkFilters calls
//     buildCompleteNetworkFilters as a sidecar's inbound (metadata exchange included).

// ListenerClass is the kind of listener a chain belongs to, as istiod classes them
// (pilot/pkg/networking ListenerClass).
type ListenerClass int

const (
	SidecarInbound ListenerClass = iota
	SidecarOutbound
	Gateway
	// Waypoint is an ambient waypoint's inbound listener: istiod builds it with
	// class SidecarInbound ("TODO: consider dedicated listener class for waypoint
	// filters", listener_waypoint.go), so plugins are matched as server-side.
	Waypoint
)

func (c ListenerClass) String() string {
	switch c {
	case SidecarInbound:
		return "sidecar-inbound"
	case SidecarOutbound:
		return "sidecar-outbound"
	case Waypoint:
		return "waypoint"
	}
	return "gateway"
}

// Matches is the class istiod looks plugins up with for this one: a waypoint's
// is SidecarInbound.
func (c ListenerClass) Matches() ListenerClass {
	if c == Waypoint {
		return SidecarInbound
	}
	return c
}

// Phase is a WasmPlugin phase (extensions.istio.io PluginPhase).
type Phase int

const (
	PhaseUnspecified Phase = iota
	PhaseAuthn
	PhaseAuthz
	PhaseStats
)

func (p Phase) String() string {
	switch p {
	case PhaseAuthn:
		return "AUTHN"
	case PhaseAuthz:
		return "AUTHZ"
	case PhaseStats:
		return "STATS"
	}
	return "UNSPECIFIED_PHASE"
}

// Condition is when istiod adds one of its filters to a chain.
type Condition int

const (
	Always Condition = iota
	// WithRequestAuthentication: a RequestAuthentication (JWT rules) selects the workload.
	WithRequestAuthentication
	// WithAuthorizationPolicy: an ALLOW, DENY or AUDIT AuthorizationPolicy selects it.
	WithAuthorizationPolicy
	// WithCustomAuthorization: a CUSTOM AuthorizationPolicy selects it.
	WithCustomAuthorization
	// WithTelemetry: the stats filter of the default install (Telemetry API's default
	// Prometheus provider from 1.18; istioctl's stats-filter EnvoyFilters before).
	WithTelemetry
	// WithGRPC: the port's protocol is gRPC.
	WithGRPC
	// WithGRPCWeb: the port's protocol is gRPC-Web.
	WithGRPCWeb
	// WithXFCCAnnotation: the waypoint is annotated
	// ambient.istio.io/xfcc-include-client-identity: "true" (listener_waypoint.go
	// xfccIncludeClientIdentityEnabled, 1.30).
	WithXFCCAnnotation
	// WithWildcardDNS: the service is a wildcard-host ServiceEntry with DYNAMIC_DNS
	// resolution (listener_builder.go BuildWaypointInboundDFPFilter, 1.28).
	WithWildcardDNS
)

// Describe says when a conditional filter is there.
func (c Condition) Describe() string {
	switch c {
	case WithRequestAuthentication:
		return "only when a RequestAuthentication applies"
	case WithAuthorizationPolicy:
		return "only when an ALLOW/DENY/AUDIT AuthorizationPolicy applies"
	case WithCustomAuthorization:
		return "only when a CUSTOM AuthorizationPolicy applies"
	case WithTelemetry:
		return "with the default telemetry (Prometheus stats)"
	case WithGRPC:
		return "only on gRPC ports"
	case WithGRPCWeb:
		return "only on gRPC-Web ports"
	case WithXFCCAnnotation:
		return "only when the waypoint is annotated ambient.istio.io/xfcc-include-client-identity: \"true\""
	case WithWildcardDNS:
		return "only for a wildcard-host ServiceEntry with DYNAMIC_DNS resolution"
	}
	return ""
}

// Present reports whether explain shows the filter in the chain of a default
// install: the telemetry filter is on by default; the others need configuration
// explain does not see (or a port protocol it does not know).
func (c Condition) Present() bool { return c == Always || c == WithTelemetry }

// Slot is one place in an Istio filter chain: a filter istiod adds, or the place
// WasmPlugins of a phase go.
type Slot struct {
	Filter string    // "" for a phase slot
	Phase  Phase     // the phase of a phase slot
	When   Condition // when istiod adds the filter
}

// Filter names istiod gives its own filters (pilot/pkg/xds/filters, pkg/wellknown,
// pilot/pkg/security/authn, pkg/config/xds).
const (
	MetadataExchangeFilter = "istio.metadata_exchange"
	AlpnFilter             = "istio.alpn"
	IstioAuthnFilter       = "istio_authn"
	ExtAuthzHTTPFilter     = "envoy.filters.http.ext_authz"
	ExtAuthzNetworkFilter  = "envoy.filters.network.ext_authz"
	GRPCWebFilter          = "envoy.filters.http.grpc_web"
	GRPCStatsFilter        = "envoy.filters.http.grpc_stats"
	FaultFilter            = "envoy.filters.http.fault"
	CORSFilter             = "envoy.filters.http.cors"
	// The waypoint's own HTTP filters (pilot/pkg/xds/filters/filters.go at 1.20.0
	// through 1.30.0: WaypointUpstreamMetadataFilter, its ambient-baggage variant of
	// the same name; WaypointXFCCClientIdentityFilter from 1.30; the dynamic forward
	// proxy of BuildWaypointInboundDFPFilter from 1.28).
	WaypointUpstreamMetadataFilter = "waypoint_upstream_peer_metadata"
	WaypointXFCCFilter             = "istio.waypoint.xfcc_client_identity"
	DynamicForwardProxyFilter      = "envoy.filters.http.dynamic_forward_proxy"
)

// The releases at which the chains and the patch order changed. Each is read at the
// tags around it; the sources are in the Feature.
var (
	// NativeChain: istiod builds the whole HTTP chain, metadata exchange first
	// (istio/istio#41066), WasmPlugins by phase in the builder.
	NativeChain = Feature{Name: "HTTP chain built by listener_builder.go, metadata exchange first", IstioSince: 16,
		Source: "istio/istio pilot/pkg/networking/core/v1alpha3/listener_builder.go at 1.16.0"}
	// FaultBeforeCORS: the fault filter before CORS (cors, fault before).
	FaultBeforeCORS = Feature{Name: "fault before cors", IstioSince: 13,
		Source: "istio/istio pilot/pkg/networking/core/v1alpha3/listener.go at 1.12.0 and 1.13.0"}
	// GRPCStatsAlways: grpc_stats on every HTTP chain, not only gRPC ports.
	GRPCStatsAlways = Feature{Name: "grpc_stats on every HTTP chain", IstioSince: 18,
		Source: "istio/istio pilot/pkg/networking/core/v1alpha3/listener_builder.go at 1.17.0 and 1.18.0"}
	// AlpnOnGateways: istio.alpn on every chain but sidecar inbound (features.ALPNFilter).
	AlpnOnGateways = Feature{Name: "istio.alpn on gateways", IstioSince: 14,
		Source: "istio/istio pilot/pkg/networking/core/v1alpha3/listener.go at 1.13.0 and 1.14.0"}
	// IstioAuthnHTTP: the istio_authn filter next to jwt_authn, gone in 1.24.
	IstioAuthnHTTP = Feature{Name: "istio_authn HTTP filter", IstioUntil: 24,
		Source: "istio/istio pilot/pkg/networking/plugin/authn/authentication.go at 1.23.0 and 1.24.0"}
	// NetworkWasmPlugin: WasmPlugins of type NETWORK in network chains.
	NetworkWasmPlugin = Feature{Name: "NETWORK WasmPlugins", IstioSince: 20,
		Source: "istio/istio pilot/pkg/networking/core/v1alpha3/listener_builder.go at 1.20.0 (PopAppendNetwork)"}
	// EnvoyFilterMergedOrder: a proxy's EnvoyFilters sorted together by priority,
	// then root namespace first, then creation time, then name.namespace
	// (PushContext.EnvoyFilters). Before, the root namespace's came first whatever
	// their priority, each namespace's in the global order.
	EnvoyFilterMergedOrder = Feature{Name: "EnvoyFilters of a proxy sorted by priority across namespaces", IstioSince: 22,
		Source: "istio/istio pilot/pkg/model/push_context.go at 1.21.0 and 1.22.0"}
	// WasmPluginLocalFirst: a proxy's own namespace's WasmPlugins before the root
	// namespace's at equal priority (lookupInNamespaces); root first before.
	WasmPluginLocalFirst = Feature{Name: "WasmPlugins of the proxy's namespace first at equal priority", IstioSince: 20,
		Source: "istio/istio pilot/pkg/model/push_context.go at 1.19.0 and 1.20.0"}
	// PatchListFirst: HTTP/network filter patches that add filters run before REMOVE
	// and MERGE; before, REMOVE and MERGE ran over Istio's own filters first (and so
	// never saw a filter a patch added).
	PatchListFirst = Feature{Name: "list operations before REMOVE/MERGE", IstioSince: 14,
		Source: "istio/istio pilot/pkg/networking/core/v1alpha3/envoyfilter/listener_patch.go at 1.13.0 and 1.14.0"}
	// PatchRemoveInOrder: REMOVE runs among the list operations, in patch order;
	// only MERGE runs after.
	PatchRemoveInOrder = Feature{Name: "REMOVE in patch order", IstioSince: 19,
		Source: "istio/istio pilot/pkg/networking/core/v1alpha3/envoyfilter/listener_patch.go at 1.18.0 and 1.19.0"}
	// DeprecatedNameMatch: a match on a deprecated filter name also matches the
	// current one (listener_patch.go nameMatches, 1.8–1.18). Before (LegacyNames)
	// and after (istio/istio c2225561517 dropped it) istiod matches exactly, by the
	// names it gives its filters: the old ones up to 1.7, the current ones since.
	DeprecatedNameMatch = Feature{Name: "deprecated filter names match current ones", IstioSince: 8, IstioUntil: 19,
		Source: "istio/istio pilot/pkg/networking/core/v1alpha3/envoyfilter/listener_patch.go at 1.8.0 and 1.19.0; c2225561517"}
	// TelemetryEnvoyFilters: before 1.12 the default install's telemetry v2
	// EnvoyFilters (root namespace, no priority) add istio.metadata_exchange first
	// (INSERT_BEFORE without a subFilter) and istio.stats before the router, in
	// every context; explain counts them as Istio's own (WithTelemetry).
	TelemetryEnvoyFilters = Feature{Name: "telemetry v2 EnvoyFilters of the default install", IstioSince: 5,
		Source: "istio/istio manifests/charts/istio-control/istio-discovery/templates/telemetryv2_1.N.yaml at 1.5.0–1.11.0"}
	// WasmRootContextPerConfig: Envoy creates a root context per plugin
	// configuration (root_id and configuration) in a shared VM; before, plugins of
	// one VM and root_id shared one root context, and the last configuration won
	// (envoyproxy/envoy#13690, fixed by envoyproxy/envoy#13753 with
	// proxy-wasm-cpp-host eceb02d: PluginBase key root_id + "||" + configuration).
	WasmRootContextPerConfig = Feature{Name: "a root context per plugin configuration", EnvoySince: 17,
		Source: "envoyproxy/envoy#13753, proxy-wasm/proxy-wasm-cpp-host eceb02d include/proxy-wasm/context.h"}
	// WaypointXFCC: the waypoint's XFCC client-identity filter, first, on opt-in.
	WaypointXFCC = Feature{Name: "waypoint XFCC client identity filter", IstioSince: 30,
		Source: "istio/istio pilot/pkg/networking/core/listener_waypoint.go at 1.29.0 and 1.30.0"}
	// WaypointDFP: the dynamic forward proxy filter on a waypoint's chain of a
	// wildcard DYNAMIC_DNS ServiceEntry.
	WaypointDFP = Feature{Name: "waypoint dynamic forward proxy filter", IstioSince: 28,
		Source: "istio/istio pilot/pkg/networking/core/listener_builder.go at 1.27.0 and 1.28.0 (BuildWaypointInboundDFPFilter)"}
	// WaypointServiceNamespaces: a waypoint also looks plugins up in the namespaces of
	// the services of the chain, not only its own and the root namespace
	// (WasmPluginsByListenerInfo lookupInNamespaces).
	WaypointServiceNamespaces = Feature{Name: "waypoint plugins from the services' namespaces", IstioSince: 25,
		Source: "istio/istio pilot/pkg/model/push_context.go at 1.24.0 and 1.25.0"}
	// TargetRefGatewaySameNamespace: a Gateway target attaches only from the
	// gateway's own namespace; before, a root-namespace policy naming a Gateway
	// attached to every Gateway of that name (policyattachment.go ShouldAttachPolicy
	// "Policy is not in the same namespace").
	TargetRefGatewaySameNamespace = Feature{Name: "Gateway targets from the gateway's namespace only", IstioSince: 25,
		Source: "istio/istio pilot/pkg/model/policyattachment.go at 1.24.0 and 1.25.0"}
	// InsertFirst: the INSERT_FIRST operation.
	InsertFirst = Feature{Name: "INSERT_FIRST", IstioSince: 6,
		Source: "istio/istio pilot/pkg/networking/core/v1alpha3/envoyfilter/listener_patch.go at 1.5.0 and 1.6.0"}
)

// HTTPChain is the HTTP filter chain istiod of this release builds for a listener
// class, in order, with the places WasmPlugins of each phase go (none before 1.12).
func (v Istio) HTTPChain(class ListenerClass) []Slot {
	if class == Waypoint {
		return v.waypointHTTPChain()
	}
	outbound := class == SidecarOutbound
	var s []Slot
	add := func(name string, when Condition) { s = append(s, Slot{Filter: name, When: when}) }
	phase := func(p Phase) {
		if v.Has(WasmPlugin) {
			s = append(s, Slot{Phase: p})
		}
	}
	security := func() {
		if !outbound {
			add(ExtAuthzHTTPFilter, WithCustomAuthorization)
		}
		phase(PhaseAuthn)
		if !outbound {
			add(JwtAuthnFilter, WithRequestAuthentication)
			if v.Has(IstioAuthnHTTP) {
				add(IstioAuthnFilter, WithRequestAuthentication)
			}
		}
		phase(PhaseAuthz)
		if !outbound {
			add(RBACHTTPFilter, WithAuthorizationPolicy)
		}
		phase(PhaseStats)
		phase(PhaseUnspecified)
	}
	telemetryPatches := !v.Has(WasmPlugin) && v.Has(TelemetryEnvoyFilters)
	if v.Has(NativeChain) {
		add(MetadataExchangeFilter, Always)
		security()
	} else {
		if telemetryPatches { // INSERT_BEFORE without a subFilter: first
			add(MetadataExchangeFilter, WithTelemetry)
		}
		security()
		if v.Has(WasmPlugin) { // 1.12–1.15: istiod's own metadata exchange, after the plugins
			add(MetadataExchangeFilter, Always)
		}
	}
	add(GRPCWebFilter, WithGRPCWeb)
	if v.Has(GRPCStatsAlways) {
		add(GRPCStatsFilter, Always)
	} else {
		add(GRPCStatsFilter, WithGRPC)
	}
	if outbound || (class == Gateway && v.Has(AlpnOnGateways)) {
		add(AlpnFilter, Always)
	}
	if v.Has(FaultBeforeCORS) {
		add(FaultFilter, Always)
		add(CORSFilter, Always)
	} else {
		add(CORSFilter, Always)
		add(FaultFilter, Always)
	}
	if v.Has(WasmPlugin) || v.Has(NativeChain) || telemetryPatches {
		add(StatsFilter, WithTelemetry) // before 1.12: INSERT_BEFORE the router
	}
	add(Router, Always)
	return v.named(HTTPChain, s)
}

// waypointHTTPChain is a waypoint's HTTP chain (buildWaypointInboundHTTPFilters:
// pre, the connection manager's own filters but the router, post, the router).
func (v Istio) waypointHTTPChain() []Slot {
	var s []Slot
	add := func(name string, when Condition) { s = append(s, Slot{Filter: name, When: when}) }
	phase := func(p Phase) { s = append(s, Slot{Phase: p}) }
	if v.Has(WaypointXFCC) {
		add(WaypointXFCCFilter, WithXFCCAnnotation)
	}
	add(ExtAuthzHTTPFilter, WithCustomAuthorization)
	phase(PhaseAuthn)
	add(JwtAuthnFilter, WithRequestAuthentication)
	if v.Has(IstioAuthnHTTP) {
		add(IstioAuthnFilter, WithRequestAuthentication)
	}
	phase(PhaseAuthz)
	add(RBACHTTPFilter, WithAuthorizationPolicy)
	add(GRPCWebFilter, WithGRPCWeb)
	add(GRPCStatsFilter, Always)
	add(FaultFilter, Always)
	add(CORSFilter, Always)
	if v.Has(WaypointDFP) {
		add(DynamicForwardProxyFilter, WithWildcardDNS)
	}
	phase(PhaseStats)
	phase(PhaseUnspecified)
	add(WaypointUpstreamMetadataFilter, Always)
	add(StatsFilter, WithTelemetry)
	add(Router, Always)
	return s
}

// named gives the slots' filters the names of this release (the pre-1.7 ones).
func (v Istio) named(c Chain, s []Slot) []Slot {
	if v.Has(LegacyNames) {
		for i := range s {
			if s[i].Filter != "" {
				s[i].Filter = LegacyName(c, s[i].Filter)
			}
		}
	}
	return s
}

// TCPChain is the network filter chain of a TCP listener istiod of this release
// builds (buildCompleteNetworkFilters): metadata exchange, authorization, the
// phases of NETWORK WasmPlugins, stats, tcp_proxy.
func (v Istio) TCPChain(class ListenerClass) []Slot {
	class = class.Matches() // buildWaypointNetworkFilters: as a sidecar's inbound
	var s []Slot
	add := func(name string, when Condition) { s = append(s, Slot{Filter: name, When: when}) }
	phase := func(p Phase) {
		if v.Has(NetworkWasmPlugin) {
			s = append(s, Slot{Phase: p})
		}
	}
	if class == SidecarInbound && v.Has(NativeChain) {
		add(MetadataExchangeFilter, Always)
	}
	if class != SidecarOutbound {
		add(ExtAuthzNetworkFilter, WithCustomAuthorization)
	}
	phase(PhaseAuthn)
	phase(PhaseAuthz)
	if class != SidecarOutbound {
		add(RBACNetworkFilter, WithAuthorizationPolicy)
	}
	phase(PhaseStats)
	phase(PhaseUnspecified)
	if v.Has(NativeChain) {
		add(StatsFilter, WithTelemetry)
	}
	add(TCPProxy, Always)
	return v.named(NetworkChain, s)
}

// HTTPNetworkChain is the network filter chain of an HTTP listener: the HTTP
// connection manager alone (istiod puts the HTTP chain's filters inside it).
func (v Istio) HTTPNetworkChain() []Slot {
	name := HTTPConnectionManager
	if v.Has(LegacyNames) {
		name = LegacyName(NetworkChain, name)
	}
	return []Slot{{Filter: name}}
}

// PhaseAnchor is the Istio filter a WasmPlugin phase is documented to run before
// (istio/api extensions/v1alpha1/wasm.proto PluginPhase: AUTHN "before Istio
// authentication filters", AUTHZ "before Istio authorization filters and after
// Istio authentication filters", STATS "before Istio stats filters and after Istio
// authorization filters"); UNSPECIFIED has none ("near the end of the chain").
func PhaseAnchor(p Phase, network bool) string {
	switch {
	case p == PhaseAuthn && !network:
		return JwtAuthnFilter
	case p == PhaseAuthz && network:
		return RBACNetworkFilter
	case p == PhaseAuthz:
		return RBACHTTPFilter
	case p == PhaseStats:
		return StatsFilter
	}
	return ""
}

// WasmPluginFilterName is the name istiod of this release gives the filter (and
// ECDS resource) of WasmPlugin namespace/name (pilot/pkg/model/extensions.go at
// each tag; 1.21–1.25 with the typo istio/istio#55344; from 1.30 every WasmPlugin
// is translated into a TrafficExtension, pilot/pkg/config/kube/extensions/
// translate.go syntheticMarker).
func (v Istio) WasmPluginFilterName(namespace, name string) string {
	switch {
	case v.Has(TrafficExtension):
		return "extensions.istio.io/trafficextension/" + namespace + "." + name + "~istio-translated-wasmplugin"
	case v.Has(WasmPluginFilterPrefixFixed):
		return "extensions.istio.io/wasmplugin/" + namespace + "." + name
	case v.Has(WasmPluginFilterPrefix):
		return "extenstions.istio.io/wasmplugin/" + namespace + "." + name
	}
	return namespace + "." + name
}

// FilterNamesMatch reports whether a filter name in an EnvoyFilter match selects a
// filter of the given name in this release: exactly, or in 1.8–1.18 also by the
// deprecated name's current one.
func (v Istio) FilterNamesMatch(match, filter string) bool {
	if match == filter {
		return true
	}
	if !v.Has(DeprecatedNameMatch) {
		return false
	}
	m, ok := CanonicalNameAnyChain(match)
	return ok && m == filter
}

// RootNamespace is istiod's default root namespace (meshConfig.rootNamespace).
const RootNamespace = "istio-system"
