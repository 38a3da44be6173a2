package compat

import (
	"strings"
	"testing"
)

// TestRootContextPerConfig: an Envoy threshold (proxy-wasm-cpp-host eceb02d, in Envoy 1.17).
func TestRootContextPerConfig(t *testing.T) {
	if Envoy(16).Has(WasmRootContextPerConfig) || !Envoy(17).Has(WasmRootContextPerConfig) || WasmRootContextPerConfig.Source == "" {
		t.Error("a root context per plugin configuration from Envoy 1.17")
	}
}

func names(s []Slot) string {
	var out []string
	for _, x := range s {
		if x.Filter == "" {
			out = append(out, "<"+x.Phase.String()+">")
			continue
		}
		n := x.Filter
		if !x.When.Present() {
			n += "?"
		}
		out = append(out, n)
	}
	return strings.Join(out, " ")
}

// TestHTTPChain pins the chains read from each release's listener builder.
func TestHTTPChain(t *testing.T) {
	for _, tt := range []struct {
		v     Istio
		class ListenerClass
		want  string
	}{
		{30, SidecarInbound, "istio.metadata_exchange envoy.filters.http.ext_authz? <AUTHN> envoy.filters.http.jwt_authn? <AUTHZ> envoy.filters.http.rbac? <STATS> <UNSPECIFIED_PHASE> envoy.filters.http.grpc_web? envoy.filters.http.grpc_stats envoy.filters.http.fault envoy.filters.http.cors istio.stats envoy.filters.http.router"},
		{30, SidecarOutbound, "istio.metadata_exchange <AUTHN> <AUTHZ> <STATS> <UNSPECIFIED_PHASE> envoy.filters.http.grpc_web? envoy.filters.http.grpc_stats istio.alpn envoy.filters.http.fault envoy.filters.http.cors istio.stats envoy.filters.http.router"},
		{30, Gateway, "istio.metadata_exchange envoy.filters.http.ext_authz? <AUTHN> envoy.filters.http.jwt_authn? <AUTHZ> envoy.filters.http.rbac? <STATS> <UNSPECIFIED_PHASE> envoy.filters.http.grpc_web? envoy.filters.http.grpc_stats istio.alpn envoy.filters.http.fault envoy.filters.http.cors istio.stats envoy.filters.http.router"},
		{20, SidecarInbound, "istio.metadata_exchange envoy.filters.http.ext_authz? <AUTHN> envoy.filters.http.jwt_authn? istio_authn? <AUTHZ> envoy.filters.http.rbac? <STATS> <UNSPECIFIED_PHASE> envoy.filters.http.grpc_web? envoy.filters.http.grpc_stats envoy.filters.http.fault envoy.filters.http.cors istio.stats envoy.filters.http.router"},
		{14, SidecarInbound, "envoy.filters.http.ext_authz? <AUTHN> envoy.filters.http.jwt_authn? istio_authn? <AUTHZ> envoy.filters.http.rbac? <STATS> <UNSPECIFIED_PHASE> istio.metadata_exchange envoy.filters.http.grpc_web? envoy.filters.http.grpc_stats? envoy.filters.http.fault envoy.filters.http.cors istio.stats envoy.filters.http.router"},
		{12, SidecarOutbound, "<AUTHN> <AUTHZ> <STATS> <UNSPECIFIED_PHASE> istio.metadata_exchange envoy.filters.http.grpc_web? envoy.filters.http.grpc_stats? istio.alpn envoy.filters.http.cors envoy.filters.http.fault istio.stats envoy.filters.http.router"},
		{8, SidecarInbound, "istio.metadata_exchange envoy.filters.http.ext_authz? envoy.filters.http.jwt_authn? istio_authn? envoy.filters.http.rbac? envoy.filters.http.grpc_web? envoy.filters.http.grpc_stats? envoy.filters.http.cors envoy.filters.http.fault istio.stats envoy.filters.http.router"},
		{5, SidecarOutbound, "istio.metadata_exchange envoy.grpc_web? envoy.filters.http.grpc_stats? istio.alpn envoy.cors envoy.fault istio.stats envoy.router"},
	} {
		if got := names(tt.v.HTTPChain(tt.class)); got != tt.want {
			t.Errorf("Istio %s %s:\n got %s\nwant %s", tt.v, tt.class, got, tt.want)
		}
	}
	if got := names(Istio(30).TCPChain(SidecarInbound)); got != "istio.metadata_exchange envoy.filters.network.ext_authz? <AUTHN> <AUTHZ> envoy.filters.network.rbac? <STATS> <UNSPECIFIED_PHASE> istio.stats envoy.filters.network.tcp_proxy" {
		t.Errorf("TCP chain 1.30: %s", got)
	}
	if got := names(Istio(19).TCPChain(SidecarOutbound)); got != "istio.stats envoy.filters.network.tcp_proxy" {
		t.Errorf("TCP chain 1.19 outbound: %s", got)
	}
}

func TestWasmPluginFilterName(t *testing.T) {
	for v, want := range map[Istio]string{
		12: "ns.p", 20: "ns.p", 21: "extenstions.istio.io/wasmplugin/ns.p", 25: "extenstions.istio.io/wasmplugin/ns.p",
		26: "extensions.istio.io/wasmplugin/ns.p", 29: "extensions.istio.io/wasmplugin/ns.p",
		30: "extensions.istio.io/trafficextension/ns.p~istio-translated-wasmplugin",
	} {
		if got := v.WasmPluginFilterName("ns", "p"); got != want {
			t.Errorf("Istio %s: %s, want %s", v, got, want)
		}
	}
	if !Istio(10).FilterNamesMatch("envoy.router", Router) || Istio(19).FilterNamesMatch("envoy.router", Router) || !Istio(19).FilterNamesMatch(Router, Router) {
		t.Error("deprecated names match current ones in 1.8–1.18 only")
	}
}
