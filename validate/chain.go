package validate

import (
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/yamltree"
)

// Filters that end a chain: Envoy refuses a chain whose last filter is not one, or
// that has one anywhere else (source/common/http/filter_chain_helper.cc,
// source/server/configuration_impl.cc FilterChainUtility).
var terminalHTTPTypes = map[protoreflect.FullName]bool{
	"envoy.extensions.filters.http.router.v3.Router":                true,
	"envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec": true,
	"envoy.config.filter.http.router.v2.Router":                     true, // v2, Envoy ≤ 1.17
}

var terminalNetworkTypes = map[protoreflect.FullName]bool{
	"envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager": true,
	"envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy":                            true,
	"envoy.extensions.filters.network.redis_proxy.v3.RedisProxy":                        true,
	"envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy":                      true,
	"envoy.extensions.filters.network.dubbo_proxy.v3.DubboProxy":                        true,
	"envoy.extensions.filters.network.echo.v3.Echo":                                     true,
	"envoy.extensions.filters.network.direct_response.v3.Config":                        true,
	"envoy.extensions.filters.network.generic_proxy.v3.GenericProxy":                    true,
	// The same in the v2 API (Envoy 1.17 and older).
	"envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager": true,
	"envoy.config.filter.network.tcp_proxy.v2.TcpProxy":                            true,
	"envoy.config.filter.network.redis_proxy.v2.RedisProxy":                        true,
	"envoy.config.filter.network.thrift_proxy.v2alpha1.ThriftProxy":                true,
	"envoy.config.filter.network.dubbo_proxy.v2alpha1.DubboProxy":                  true,
	"envoy.config.filter.network.echo.v2.Echo":                                     true,
	"envoy.config.filter.network.direct_response.v2.Config":                        true,
}

// httpChain: the router (or another terminal filter) ends an HTTP filter chain, and
// nothing follows it.
func httpChain(p *pass, h *hcmv3.HttpConnectionManager, path string) {
	fs := h.GetHttpFilters()
	for i, f := range fs {
		fp := yamltree.Index(yamltree.Join(path, "http_filters"), i)
		t := typeOf(f.GetTypedConfig())
		terminal := terminalHTTPTypes[t] || (t == "" && f.GetConfigDiscovery() == nil && compat.IsRouterName(f.GetName()))
		switch {
		case terminal && i != len(fs)-1:
			p.rep.Errorf(fp, CodeFilterOrder, "move the router to the end of http_filters",
				"terminal filter named %q of type %s must be the last filter in a http filter chain", f.GetName(), describeType(t))
		case !terminal && i == len(fs)-1:
			p.rep.Errorf(fp, CodeFilterOrder, "end http_filters with "+compat.Router,
				"non-terminal filter named %q of type %s is the last filter in a http filter chain", f.GetName(), describeType(t))
		}
		if n, ok := compat.CanonicalName(compat.HTTPChain, f.GetName()); ok {
			p.rep.Warnf(yamltree.Join(fp, "name"), CodeDeprecatedName, "", "using deprecated filter name %q; use %q instead", f.GetName(), n)
		}
	}
}

// networkChain: a terminal network filter ends a filter chain.
func networkChain(p *pass, fs []*listenerv3.Filter, path string) {
	for i, f := range fs {
		fp := yamltree.Index(path, i)
		t := typeOf(f.GetTypedConfig())
		if t == "" {
			continue // config_discovery or name-only: the type is not known here
		}
		terminal := terminalNetworkTypes[t]
		switch {
		case terminal && i != len(fs)-1:
			p.rep.Errorf(fp, CodeFilterOrder, "move it to the end of filters",
				"terminal filter named %q of type %s must be the last filter in a network filter chain", f.GetName(), t)
		case !terminal && i == len(fs)-1:
			p.rep.Errorf(fp, CodeFilterOrder, "end the chain with a terminal filter such as "+compat.HTTPConnectionManager+" or tcp_proxy",
				"non-terminal filter named %q of type %s is the last filter in a network filter chain", f.GetName(), t)
		}
		if n, ok := compat.CanonicalName(compat.NetworkChain, f.GetName()); ok {
			p.rep.Warnf(yamltree.Join(fp, "name"), CodeDeprecatedName, "", "using deprecated filter name %q; use %q instead", f.GetName(), n)
		}
	}
}
