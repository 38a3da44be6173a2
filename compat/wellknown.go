package compat

import "strings"

// Well-known Envoy filter names and type URLs, as istio/istio keeps them in
// pkg/wellknown and pilot/pkg/xds/filters.
const (
	HTTPConnectionManager = "envoy.filters.network.http_connection_manager"
	Router                = "envoy.filters.http.router"
	TCPProxy              = "envoy.filters.network.tcp_proxy"
	WasmHTTPFilter        = "envoy.filters.http.wasm"
	WasmNetworkFilter     = "envoy.filters.network.wasm"
	JwtAuthnFilter        = "envoy.filters.http.jwt_authn"
	RBACHTTPFilter        = "envoy.filters.http.rbac"
	RBACNetworkFilter     = "envoy.filters.network.rbac"
	// StatsFilter is istio-proxy's stats filter (pkg/config/xds StatsFilterName).
	StatsFilter = "istio.stats"

	TypePrefix       = "type.googleapis.com/"
	WasmHTTPType     = TypePrefix + "envoy.extensions.filters.http.wasm.v3.Wasm"
	WasmNetworkType  = TypePrefix + "envoy.extensions.filters.network.wasm.v3.Wasm"
	RBACHTTPType     = TypePrefix + "envoy.extensions.filters.http.rbac.v3.RBAC"
	RBACNetworkType  = TypePrefix + "envoy.extensions.filters.network.rbac.v3.RBAC"
	UDPATypedStruct  = TypePrefix + "udpa.type.v1.TypedStruct"
	XDSTypedStruct   = TypePrefix + "xds.type.v3.TypedStruct"
	StringValueType  = TypePrefix + "google.protobuf.StringValue"
	BytesValueType   = TypePrefix + "google.protobuf.BytesValue"
	TypedStructName  = "udpa.type.v1.TypedStruct"
	XDSTypedStructNm = "xds.type.v3.TypedStruct"
)

// Chain is the filter chain a filter name lives in.
type Chain int

const (
	HTTPChain Chain = iota
	NetworkChain
	ListenerChain
)

// deprecatedNames maps Envoy's pre-1.14 filter names onto the canonical ones (as
// Istio's pkg/config/xds did), by chain, so envoy.ext_authz resolves by context.
var deprecatedNames = [...]map[string]string{
	HTTPChain: {
		"envoy.buffer": "envoy.filters.http.buffer", "envoy.cors": "envoy.filters.http.cors",
		"envoy.csrf": "envoy.filters.http.csrf", "envoy.http_dynamo_filter": "envoy.filters.http.dynamo",
		"envoy.ext_authz": "envoy.filters.http.ext_authz", "envoy.fault": "envoy.filters.http.fault",
		"envoy.grpc_http1_bridge": "envoy.filters.http.grpc_http1_bridge", "envoy.grpc_json_transcoder": "envoy.filters.http.grpc_json_transcoder",
		"envoy.grpc_web": "envoy.filters.http.grpc_web", "envoy.gzip": "envoy.filters.http.gzip",
		"envoy.health_check": "envoy.filters.http.health_check", "envoy.ip_tagging": "envoy.filters.http.ip_tagging",
		"envoy.lua": "envoy.filters.http.lua", "envoy.rate_limit": "envoy.filters.http.ratelimit",
		"envoy.router": Router, "envoy.squash": "envoy.filters.http.squash",
	},
	NetworkChain: {
		"envoy.client_ssl_auth": "envoy.filters.network.client_ssl_auth", "envoy.ext_authz": "envoy.filters.network.ext_authz",
		"envoy.http_connection_manager": HTTPConnectionManager, "envoy.mongo_proxy": "envoy.filters.network.mongo_proxy",
		"envoy.ratelimit": "envoy.filters.network.ratelimit", "envoy.redis_proxy": "envoy.filters.network.redis_proxy",
		"envoy.tcp_proxy": TCPProxy,
	},
	ListenerChain: {
		"envoy.listener.http_inspector": "envoy.filters.listener.http_inspector", "envoy.listener.original_dst": "envoy.filters.listener.original_dst",
		"envoy.listener.original_src": "envoy.filters.listener.original_src", "envoy.listener.proxy_protocol": "envoy.filters.listener.proxy_protocol",
		"envoy.listener.tls_inspector": "envoy.filters.listener.tls_inspector",
	},
}

// CanonicalName is the current name of a deprecated filter name of chain c.
func CanonicalName(c Chain, name string) (string, bool) {
	n, ok := deprecatedNames[c][name]
	return n, ok
}

// CanonicalNameAnyChain looks a name up in every chain (for matches, whose chain is
// not always known); the HTTP chain wins for envoy.ext_authz.
func CanonicalNameAnyChain(name string) (string, bool) {
	for c := range deprecatedNames {
		if n, ok := deprecatedNames[c][name]; ok {
			return n, true
		}
	}
	return "", false
}

// LegacyName is the deprecated name of a canonical filter name of chain c (the name
// the proxies of Istio 1.5–1.6 knew it by), or the name itself.
func LegacyName(c Chain, canonical string) string {
	for old, n := range deprecatedNames[c] {
		if n == canonical {
			return old
		}
	}
	return canonical
}

// IsRouterName reports whether name is the router's, current or deprecated.
func IsRouterName(name string) bool { return name == Router || name == "envoy.router" }

// IsHCMName reports whether name is the HTTP connection manager's, current or deprecated.
func IsHCMName(name string) bool {
	return name == HTTPConnectionManager || name == "envoy.http_connection_manager"
}

// istioProxyTypes are configuration types that exist only in Istio's own builds:
// istio-proxy's Envoy extensions and the filters istiod of the time linked. The
// Envoy API (and so wasmgen) has no descriptors for them; a proxy of these releases
// knows them. Sources: istio/istio pilot/pkg/xds/filters/filters.go
// (MetadataExchangeTypeURL, used by istiod today), istio/istio@1.5.0
// pilot/pkg/security/authn/v1beta1/policy_applier.go (the authn filter), istio/api
// envoy/config/filter/http/{alpn,jwt_auth}/v2alpha1.
var istioProxyTypes = []struct {
	name string
	f    Feature
}{
	{"envoy.tcp.metadataexchange.config.MetadataExchange", Feature{Name: "MetadataExchange", IstioSince: OldestIstio}},
	{"istio.envoy.config.filter.http.authn.v2alpha1.FilterConfig", Feature{Name: "Istio authn filter", IstioSince: OldestIstio, IstioUntil: 9}},
	{"istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig", Feature{Name: "Istio ALPN filter", IstioSince: OldestIstio}},
	{"istio.envoy.config.filter.http.jwt_auth.v2alpha1.JwtAuthentication", Feature{Name: "Istio JWT filter", IstioSince: OldestIstio, IstioUntil: 9}},
}

// IstioProxyType reports whether a type URL names a configuration type the proxy of
// this Istio release has although the Envoy API does not.
func (v Istio) IstioProxyType(url string) bool {
	name := url[strings.LastIndexByte(url, '/')+1:]
	for _, t := range istioProxyTypes {
		if t.name == name {
			return v.Has(t.f)
		}
	}
	return false
}

// IstioGroups are the API groups of the Istio resources wasmgen reads, each with
// every kind the group has and the versions each is served at (istio/api
// kubernetes/customresourcedefinitions.gen.yaml; EnvoyFilter is v1alpha3 only, and
// WasmPlugin v1alpha1 only). A document of one of these groups whose kind is not
// among them is a typo the API server would refuse (no such resource), not another
// project's resource.
var IstioGroups = map[string][]GroupKind{
	"networking.istio.io": {
		{"DestinationRule", []string{"v1alpha3", "v1beta1", "v1"}},
		{"EnvoyFilter", []string{"v1alpha3"}},
		{"Gateway", []string{"v1alpha3", "v1beta1", "v1"}},
		{"ProxyConfig", []string{"v1beta1"}},
		{"ServiceEntry", []string{"v1alpha3", "v1beta1", "v1"}},
		{"Sidecar", []string{"v1alpha3", "v1beta1", "v1"}},
		{"VirtualService", []string{"v1alpha3", "v1beta1", "v1"}},
		{"WorkloadEntry", []string{"v1alpha3", "v1beta1", "v1"}},
		{"WorkloadGroup", []string{"v1alpha3", "v1beta1", "v1"}},
	},
	"extensions.istio.io": {
		{"TrafficExtension", []string{"v1alpha1"}}, // from 1.30 (validate says so before)
		{"WasmPlugin", []string{"v1alpha1"}},
	},
}

// GroupKind is a kind of an API group and the versions it is served at.
type GroupKind struct {
	Kind     string
	Versions []string
}

// SplitAPIVersion splits "group/version"; the core group's "v1" has no group.
func SplitAPIVersion(apiVersion string) (group, version string) {
	if i := strings.LastIndexByte(apiVersion, '/'); i >= 0 {
		return apiVersion[:i], apiVersion[i+1:]
	}
	return "", apiVersion
}

// removedFilterNames are filter names a proxy of the Istio releases below until no
// longer registers, with the name it has instead: envoy-wasm's release-1.3 (Istio
// 1.3–1.4) named the Wasm HTTP filter envoy.wasm; Istio 1.5's Envoy registers it
// only as envoy.filters.http.wasm (istio/envoy@759e9e1c
// source/extensions/filters/http/well_known_names.h, wasm/config.cc).
var removedFilterNames = []struct {
	name, now string
	since     Istio // the first release without the name
}{
	{"envoy.wasm", "envoy.filters.http.wasm", 5},
}

// RemovedFilterName reports the name a filter has in release v's proxy, for a
// filter name that proxy no longer registers.
func RemovedFilterName(v Istio, name string) (string, bool) {
	for _, r := range removedFilterNames {
		if r.name == name && v.Minor() >= int(r.since) {
			return r.now, true
		}
	}
	return "", false
}
