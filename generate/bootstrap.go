package generate

import (
	"net"
	"net/url"
	"strconv"
	"time"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/wasmgen/wasmgen/compat"
)

const (
	upstreamCluster = "upstream"
	bootstrapModule = "wasmgen_module"
)

// bootstrapStep emits a standalone Envoy v3 bootstrap that runs the filter in front
// of spec.envoy.upstream: admin on 127.0.0.1, one listener, one route to the upstream.
func bootstrapStep(b *build) []Object {
	s := &b.f.Spec
	e := s.Envoy
	var code *corev3.AsyncDataSource
	var clusters []*clusterv3.Cluster
	src := moduleSource(b.in)
	switch {
	case src.kind == "path" && b.in.ModuleFile != "":
		code = localCode(b.in.ModuleFile)
	case src.fileURL():
		u, _ := url.Parse(s.Module.URL)
		code = localCode(u.Path)
	case src.httpURL():
		var d delivery
		d.setRemote(s.Module.URL, bootstrapModule)
		d.sha256 = s.Module.SHA256
		code = remoteCode(d.uri, d.cluster, d.sha256)
		clusters = append(clusters, b.moduleCluster(d))
	default:
		report := b.rep.Errorf
		if b.opts.Target == TargetAll {
			report = b.rep.Warnf
		}
		report("spec.module", CodeEnvoySource, "use module.path (a local .wasm) or an http(s) module.url for --target envoy",
			"the standalone Envoy cannot load this module: it reads a local file or fetches over http(s), and cannot pull an OCI image")
		return nil
	}
	// The bootstrap is for a standalone Envoy (Options.Envoy), not the mesh's proxy.
	pc := b.pluginConfig(code, b.opts.envoy())
	wasm, _ := b.wasmFilter(pc)
	wasmAny := b.any("spec", wasm)
	routerAny := b.any("spec", &routerv3.Router{})

	h := &hcm.HttpConnectionManager{
		StatPrefix: "ingress_http",
		CodecType:  hcm.HttpConnectionManager_AUTO,
		RouteSpecifier: &hcm.HttpConnectionManager_RouteConfig{RouteConfig: &routev3.RouteConfiguration{
			Name: "local_route",
			VirtualHosts: []*routev3.VirtualHost{{
				Name:    "upstream",
				Domains: []string{"*"},
				Routes: []*routev3.Route{{
					Match:  &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
					Action: &routev3.Route_Route{Route: &routev3.RouteAction{ClusterSpecifier: &routev3.RouteAction_Cluster{Cluster: upstreamCluster}}},
				}},
			}},
		}},
	}
	var filters []*listenerv3.Filter
	if s.Type == "network" {
		filters = append(filters, &listenerv3.Filter{Name: compat.WasmNetworkFilter, ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: wasmAny}})
		h.HttpFilters = []*hcm.HttpFilter{{Name: compat.Router, ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: routerAny}}}
	} else {
		h.HttpFilters = []*hcm.HttpFilter{
			{Name: compat.WasmHTTPFilter, ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: wasmAny}},
			{Name: compat.Router, ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: routerAny}},
		}
	}
	filters = append(filters, &listenerv3.Filter{Name: compat.HTTPConnectionManager, ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: b.any("spec", h)}})

	host, portStr, _ := net.SplitHostPort(e.Upstream)
	port, _ := strconv.ParseUint(portStr, 10, 16)
	upstream := &clusterv3.Cluster{
		Name:                 upstreamCluster,
		ConnectTimeout:       durationpb.New(5 * time.Second),
		ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterType(host)},
		LoadAssignment: &endpointv3.ClusterLoadAssignment{
			ClusterName: upstreamCluster,
			Endpoints: []*endpointv3.LocalityLbEndpoints{{LbEndpoints: []*endpointv3.LbEndpoint{{
				HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: socketAddress(host, uint32(port))}},
			}}}},
		},
	}
	bs := &bootstrapv3.Bootstrap{
		Node:  &corev3.Node{Id: b.f.Metadata.Name, Cluster: "wasmgen"},
		Admin: &bootstrapv3.Admin{Address: socketAddress("127.0.0.1", uint32(e.AdminPort))},
		StaticResources: &bootstrapv3.Bootstrap_StaticResources{
			Listeners: []*listenerv3.Listener{{
				Name:         "wasmgen",
				Address:      socketAddress("0.0.0.0", uint32(e.ListenPort)),
				FilterChains: []*listenerv3.FilterChain{{Filters: filters}},
			}},
			Clusters: append([]*clusterv3.Cluster{upstream}, clusters...),
		},
	}
	m := b.f.Metadata
	return []Object{{Kind: KindBootstrap, Name: m.Name, Namespace: m.Namespace, Standalone: true,
		FileName: fileName(KindBootstrap, m.Name, "json"), Body: bs, Source: b.in.Doc}}
}
