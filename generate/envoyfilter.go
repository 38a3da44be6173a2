package generate

import (
	"fmt"
	"net"
	"strings"
	"time"

	udpa "github.com/cncf/xds/go/udpa/type/v1"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	networking "istio.io/api/networking/v1alpha3"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/schema"
)

// EnvoyFilter API version.
const EnvoyFilterAPIVersion = "networking.istio.io/v1alpha3"

// patchContexts maps spec.context onto Istio's PatchContext.
var patchContexts = map[string]networking.EnvoyFilter_PatchContext{
	"inbound":  networking.EnvoyFilter_SIDECAR_INBOUND,
	"outbound": networking.EnvoyFilter_SIDECAR_OUTBOUND,
	"gateway":  networking.EnvoyFilter_GATEWAY,
	"any":      networking.EnvoyFilter_ANY,
}

// phaseFilters are the Istio filters a phase placement inserts before, so the
// filter runs where a WasmPlugin of that phase would (pilot/pkg/networking/core/
// listener_builder.go orders: AUTHN wasm, authn (jwt_authn), AUTHZ wasm, RBAC,
// STATS wasm, ... stats). Names: envoy.filters.http.jwt_authn (pilot/pkg/xds/
// filters EnvoyJwtFilterName), envoy.filters.http.rbac (pkg/wellknown
// HTTPRoleBasedAccessControl), istio.stats (pkg/config/xds StatsFilterName).
// jwt_authn exists only with a RequestAuthentication and rbac only with an
// AuthorizationPolicy; istiod skips a relative insert whose subFilter is absent.
var phaseFilters = map[string]string{
	"authn": compat.JwtAuthnFilter,
	"authz": compat.RBACHTTPFilter,
	"stats": compat.StatsFilter,
}

// networkPhaseFilters are the same for network filters; authn has no network
// filter of its own (mTLS is the transport), so it goes first.
var networkPhaseFilters = map[string]string{
	"authz": compat.RBACNetworkFilter,
	"stats": compat.StatsFilter,
}

// placement is where a patch inserts the filter.
type placement struct {
	op        networking.EnvoyFilter_Patch_Operation
	reference string // the filter inserted before/after; "" for INSERT_FIRST
}

func (b *build) placement() placement {
	p := b.f.Spec.Placement
	network := b.f.Spec.Type == "network"
	switch {
	case p.First:
		return placement{op: networking.EnvoyFilter_Patch_INSERT_FIRST}
	case p.After != "":
		return placement{op: networking.EnvoyFilter_Patch_INSERT_AFTER, reference: b.placementRef(p.After)}
	case p.Phase != "":
		ref := phaseFilters[p.Phase]
		if network {
			ref = networkPhaseFilters[p.Phase]
		}
		if ref == "" {
			b.rep.Infof("spec.placement.phase", CodePhase, "", "a network filter has no authn phase filter; it is inserted first")
			return placement{op: networking.EnvoyFilter_Patch_INSERT_FIRST}
		}
		b.rep.Infof("spec.placement.phase", CodePhase, "use --target wasmplugin for Istio's own phase ordering",
			"phase %s inserts before %s, which Istio adds only where its feature is configured; without it istiod skips the patch", p.Phase, ref)
		return placement{op: networking.EnvoyFilter_Patch_INSERT_BEFORE, reference: ref}
	}
	before := p.Before
	if before == "" {
		before = schema.DefaultRouter
	}
	return placement{op: networking.EnvoyFilter_Patch_INSERT_BEFORE, reference: b.placementRef(before)}
}

// placementRef is the Envoy filter a placement names: WasmPlugin/NAME (the filter's
// namespace) or WasmPlugin/NAMESPACE/NAME is that WasmPlugin's filter as istiod of
// the target release names it (compat.WasmPluginFilterName: the name changed in
// 1.21, 1.26 and 1.30); anything else is an Envoy filter name as written.
func (b *build) placementRef(ref string) string {
	rest, ok := strings.CutPrefix(ref, schema.WasmPluginRef)
	if !ok {
		return ref
	}
	ns, name, ok := strings.Cut(rest, "/")
	if !ok {
		ns, name = b.f.Metadata.Namespace, rest
	}
	return b.opts.Istio.WasmPluginFilterName(ns, name)
}

func (p placement) relative() bool {
	return p.op == networking.EnvoyFilter_Patch_INSERT_BEFORE || p.op == networking.EnvoyFilter_Patch_INSERT_AFTER
}

// envoyFilterStep emits the filter's EnvoyFilter: one insert patch per listener
// port, plus the EXTENSION_CONFIG (agent) or CLUSTER (remote) patch its delivery needs.
func envoyFilterStep(b *build) []Object {
	if b.f.Spec.Module.PullSecret != "" {
		// istiod puts a pull secret's credentials into the Wasm config it sends
		// only for WasmPlugins (pilot/pkg/networking/core/extension/
		// extensionfilter.go, model.WasmSecretEnv); an EnvoyFilter's
		// EXTENSION_CONFIG is passed on as written.
		report := b.rep.Errorf
		if b.opts.Target == TargetAll {
			report = b.rep.Warnf
		}
		report("spec.module.pullSecret", CodeDelivery, "render with --target wasmplugin, whose imagePullSecret istiod resolves",
			"an EnvoyFilter cannot pass a pull secret to the istio-agent: istiod resolves image pull secrets for WasmPlugins only")
		if b.opts.Target != TargetAll {
			return nil
		}
	}
	var gateways []string
	if b.targeted() {
		if gateways = b.envoyFilterGateways(); gateways == nil {
			return nil
		}
	}
	b.checkDialect()
	code := b.d.code()
	if code == nil {
		return nil
	}
	s := &b.f.Spec
	spec := &networking.EnvoyFilter{}
	if len(s.Selector.MatchLabels) > 0 {
		labels := map[string]string{}
		for k, v := range s.Selector.MatchLabels {
			labels[k] = v
		}
		spec.WorkloadSelector = &networking.WorkloadSelector{Labels: labels}
	}
	pl := b.placement()
	if b.opts.Istio.Has(compat.Priority) {
		switch {
		case s.Priority != nil:
			spec.Priority = *s.Priority
		case pl.relative():
			// istioctl analyze reports IST0151 for a relative operation without one.
			spec.Priority = schema.DefaultRelativePriority
		}
	}
	ctx := patchContexts[s.Context]
	network := s.Type == "network"

	pc := b.pluginConfig(code, b.opts.Istio.Envoy())
	wasm, wasmType := b.wasmFilter(pc)
	var value *structpb.Struct
	if b.d.kind == DeliveryAgent {
		ext := &corev3.TypedExtensionConfig{Name: b.extensionName(), TypedConfig: b.any("spec", wasm)}
		spec.ConfigPatches = append(spec.ConfigPatches, &networking.EnvoyFilter_EnvoyConfigObjectPatch{
			ApplyTo: networking.EnvoyFilter_EXTENSION_CONFIG,
			Match:   &networking.EnvoyFilter_EnvoyConfigObjectMatch{Context: ctx},
			Patch:   &networking.EnvoyFilter_Patch{Operation: networking.EnvoyFilter_Patch_ADD, Value: b.toStruct(ext)},
		})
		value = b.toStruct(b.discoveryFilter(network, wasmType))
	} else {
		value = b.filterValue(wasm, wasmType, network)
	}
	if value == nil {
		return nil
	}

	applyTo := networking.EnvoyFilter_HTTP_FILTER
	if network {
		applyTo = networking.EnvoyFilter_NETWORK_FILTER
	}
	ports := s.Ports
	if len(ports) == 0 {
		ports = []int{0}
	}
	for i, port := range ports {
		v := value
		if i > 0 {
			v = proto.Clone(value).(*structpb.Struct)
		}
		spec.ConfigPatches = append(spec.ConfigPatches, &networking.EnvoyFilter_EnvoyConfigObjectPatch{
			ApplyTo: applyTo,
			Match: &networking.EnvoyFilter_EnvoyConfigObjectMatch{
				Context: ctx,
				ObjectTypes: &networking.EnvoyFilter_EnvoyConfigObjectMatch_Listener{
					Listener: b.listenerMatch(uint32(port), pl, network),
				},
			},
			Patch: &networking.EnvoyFilter_Patch{Operation: pl.op, Value: v},
		})
	}
	if b.d.kind == DeliveryRemote {
		// ANY: istiod adds a CLUSTER ADD patch of context ANY to the sidecar's outbound
		// and the gateway's clusters, once (envoyfilter/cluster_patch.go InsertedClusters).
		spec.ConfigPatches = append(spec.ConfigPatches, &networking.EnvoyFilter_EnvoyConfigObjectPatch{
			ApplyTo: networking.EnvoyFilter_CLUSTER,
			Match:   &networking.EnvoyFilter_EnvoyConfigObjectMatch{Context: networking.EnvoyFilter_ANY},
			Patch:   &networking.EnvoyFilter_Patch{Operation: networking.EnvoyFilter_Patch_ADD, Value: b.toStruct(b.moduleCluster(b.d))},
		})
	}
	m := b.f.Metadata
	if gateways == nil {
		return []Object{{APIVersion: EnvoyFilterAPIVersion, Kind: KindEnvoyFilter, Name: m.Name, Namespace: m.Namespace,
			FileName: fileName(KindEnvoyFilter, m.Name, "yaml"), Body: spec, Source: b.in.Doc}}
	}
	// A Gateway API gateway's pods carry a gateway-name label on every Istio
	// release (compat.GatewayNameLabelFor), and a workloadSelector on it attaches
	// exactly there; EnvoyFilter
	// targetRefs matched every workload of the namespace before 1.27 (istio/istio
	// #56417, fixed by #56476), and Kuadrant and Open Data Hub moved to this
	// selector for that reason.
	var out []Object
	for _, gw := range gateways {
		one := spec
		name := m.Name
		if len(gateways) > 1 {
			one = proto.Clone(spec).(*networking.EnvoyFilter)
			name = m.Name + "-" + gw
		}
		one.WorkloadSelector = &networking.WorkloadSelector{Labels: map[string]string{compat.GatewayNameLabelFor(b.opts.Istio): gw}}
		out = append(out, Object{APIVersion: EnvoyFilterAPIVersion, Kind: KindEnvoyFilter, Name: name, Namespace: m.Namespace,
			FileName: fileName(KindEnvoyFilter, name, "yaml"), Body: one, Source: b.in.Doc})
	}
	return out
}

// envoyFilterGateways are the Gateways an EnvoyFilter of a filter attached by
// targetRefs selects, or nil when it reported why there can be none: EnvoyFilter
// is not supported on waypoints (istio.io docs/ambient/migrate: "EnvoyFilter
// resources targeting waypoints are not supported"; istiod patches a waypoint like
// a sidecar, which its own tests use but its docs disown), so only an ingress
// gateway said to be one (context: gateway) gets one.
func (b *build) envoyFilterGateways() []string {
	report := b.rep.Errorf
	if b.opts.Target == TargetAll {
		report = b.rep.Warnf
	}
	s := &b.f.Spec
	at := at(b, "spec.context", "spec.targetRefs") // the context may be defaulted from the kinds
	switch s.Context {
	case "waypoint":
		report(at, CodeWaypointFilter, "render with --target wasmplugin: a WasmPlugin with targetRefs is how a waypoint runs a Wasm filter",
			"an EnvoyFilter cannot target a waypoint: Istio does not support EnvoyFilter on waypoints")
		return nil
	case "gateway":
	default:
		report(at, CodeWaypointFilter, "set context: gateway if the Gateway is an ingress gateway; for a waypoint render with --target wasmplugin",
			"an EnvoyFilter for a targetRefs Gateway needs to know it is an ingress gateway: Istio does not support EnvoyFilter on waypoints")
		return nil
	}
	var out []string
	for i, r := range s.TargetRefs {
		if r.Kind != "Gateway" || r.Group != compat.GatewayAPIGroup {
			report(fmt.Sprintf("spec.targetRefs[%d].kind", i), CodeTargetRefsIstio, "target the Gateway, or use --target wasmplugin",
				"an EnvoyFilter selects a Gateway API gateway's pods by their %s label; a %s has none", compat.GatewayNameLabelFor(b.opts.Istio), r.Kind)
			return nil
		}
		out = append(out, r.Name)
	}
	return out
}

// listenerMatch matches the chain the filter goes into: for an HTTP filter, the
// HTTP connection manager with the reference filter as subFilter; for a network
// filter, the reference network filter itself.
func (b *build) listenerMatch(port uint32, pl placement, network bool) *networking.EnvoyFilter_ListenerMatch {
	lm := &networking.EnvoyFilter_ListenerMatch{PortNumber: port}
	if network {
		if pl.reference != "" {
			lm.FilterChain = &networking.EnvoyFilter_ListenerMatch_FilterChainMatch{
				Filter: &networking.EnvoyFilter_ListenerMatch_FilterMatch{Name: b.filterName(compat.NetworkChain, pl.reference)},
			}
		}
		return lm
	}
	fm := &networking.EnvoyFilter_ListenerMatch_FilterMatch{Name: b.filterName(compat.NetworkChain, compat.HTTPConnectionManager)}
	if pl.reference != "" {
		fm.SubFilter = &networking.EnvoyFilter_ListenerMatch_SubFilterMatch{Name: b.filterName(compat.HTTPChain, pl.reference)}
	}
	lm.FilterChain = &networking.EnvoyFilter_ListenerMatch_FilterChainMatch{Filter: fm}
	return lm
}

// extensionName names the ECDS resource of the agent delivery; istiod matches
// EXTENSION_CONFIG patches to config_discovery references by this name only.
func (b *build) extensionName() string {
	return "wasmgen." + b.f.Metadata.Namespace + "." + b.f.Metadata.Name
}

// discoveryFilter is the chain's reference to the ECDS resource, with the config
// source istiod uses for WasmPlugins (pilot/pkg/networking/core/extension/
// extensionfilter.go defaultConfigSource); the RBAC type is listed because
// istio-agent substitutes an allow/deny RBAC filter when the download fails.
func (b *build) discoveryFilter(network bool, wasmType string) proto.Message {
	src := &corev3.ExtensionConfigSource{
		ConfigSource: &corev3.ConfigSource{
			ConfigSourceSpecifier: &corev3.ConfigSource_Ads{Ads: &corev3.AggregatedConfigSource{}},
			ResourceApiVersion:    corev3.ApiVersion_V3,
			InitialFetchTimeout:   durationpb.New(0),
		},
	}
	name := b.extensionName()
	if network {
		src.TypeUrls = []string{wasmType, compat.RBACNetworkType}
		return &listenerv3.Filter{Name: name, ConfigType: &listenerv3.Filter_ConfigDiscovery{ConfigDiscovery: src}}
	}
	src.TypeUrls = []string{wasmType, compat.RBACHTTPType}
	return &hcm.HttpFilter{Name: name, ConfigType: &hcm.HttpFilter_ConfigDiscovery{ConfigDiscovery: src}}
}

// filterValue is the patch value holding the Wasm filter, in the dialect's shape.
func (b *build) filterValue(wasm proto.Message, wasmType string, network bool) *structpb.Struct {
	name := compat.WasmHTTPFilter
	if network {
		name = compat.WasmNetworkFilter
	}
	switch b.dialect() {
	case compat.DialectLegacy:
		// The v2 filter's deprecated `config` Struct held the Wasm message as JSON, and
		// v2's PluginConfig.configuration was a string: the one substitution the v3
		// message needs. The outer {name, config} has no v3 message to marshal.
		inner := b.toStruct(wasm)
		if inner == nil {
			return nil
		}
		if cfg := inner.Fields["config"].GetStructValue(); cfg != nil {
			if c, ok := cfg.Fields["configuration"]; ok {
				cfg.Fields["configuration"] = structpb.NewStringValue(c.GetStructValue().Fields["value"].GetStringValue())
			}
		}
		return &structpb.Struct{Fields: map[string]*structpb.Value{
			"name":   structpb.NewStringValue(name),
			"config": structpb.NewStructValue(inner),
		}}
	case compat.DialectTypedStruct:
		inner := b.toStruct(wasm)
		if inner == nil {
			return nil
		}
		ts := b.any("spec", &udpa.TypedStruct{TypeUrl: wasmType, Value: inner})
		if network {
			return b.toStruct(&listenerv3.Filter{Name: name, ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: ts}})
		}
		return b.toStruct(&hcm.HttpFilter{Name: name, ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: ts}})
	}
	a := b.any("spec", wasm)
	if network {
		return b.toStruct(&listenerv3.Filter{Name: name, ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: a}})
	}
	return b.toStruct(&hcm.HttpFilter{Name: name, ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: a}})
}

// toStruct turns an Envoy message into the Struct an EnvoyFilter patch carries.
// Istio ≥ 1.9 documents patch values with proto field names (typed_config,
// root_id); the older dialects keep wasme's lowerCamel JSON names (typedConfig,
// rootId), as the 1.5 reference shows. Istio parses both.
func (b *build) toStruct(m proto.Message) *structpb.Struct {
	js, err := protojson.MarshalOptions{UseProtoNames: b.dialect() == compat.DialectTyped}.Marshal(m)
	if err == nil {
		st := &structpb.Struct{}
		if err = protojson.Unmarshal(js, st); err == nil {
			return st
		}
	}
	b.rep.Errorf("spec", CodeInternal, "", "cannot encode %s: %v", m.ProtoReflect().Descriptor().FullName(), err)
	return nil
}

// systemCAs is the CA bundle of the istio/proxyv2 image (Ubuntu/distroless base).
const systemCAs = "/etc/ssl/certs/ca-certificates.crt"

// moduleCluster is the cluster Envoy fetches a remote module through: the URL's
// host, with TLS (SNI and a SAN check against the host) for https.
func (b *build) moduleCluster(d delivery) *clusterv3.Cluster {
	c := &clusterv3.Cluster{
		Name:           d.cluster,
		ConnectTimeout: durationpb.New(5 * time.Second),
		LoadAssignment: &endpointv3.ClusterLoadAssignment{
			ClusterName: d.cluster,
			Endpoints: []*endpointv3.LocalityLbEndpoints{{LbEndpoints: []*endpointv3.LbEndpoint{{
				HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: socketAddress(d.host, d.port)}},
			}}}},
		},
	}
	c.ClusterDiscoveryType = &clusterv3.Cluster_Type{Type: clusterType(d.host)}
	if d.tls {
		tls := &tlsv3.UpstreamTlsContext{
			Sni: d.host,
			CommonTlsContext: &tlsv3.CommonTlsContext{ValidationContextType: &tlsv3.CommonTlsContext_ValidationContext{
				ValidationContext: &tlsv3.CertificateValidationContext{
					TrustedCa: &corev3.DataSource{Specifier: &corev3.DataSource_Filename{Filename: systemCAs}},
					MatchTypedSubjectAltNames: []*tlsv3.SubjectAltNameMatcher{{
						SanType: tlsv3.SubjectAltNameMatcher_DNS,
						Matcher: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: d.host}},
					}},
				},
			}},
		}
		a := b.any("spec.module.url", tls)
		c.TransportSocket = &corev3.TransportSocket{Name: "envoy.transport_sockets.tls", ConfigType: &corev3.TransportSocket_TypedConfig{TypedConfig: a}}
	}
	return c
}

func clusterType(host string) clusterv3.Cluster_DiscoveryType {
	if net.ParseIP(host) != nil {
		return clusterv3.Cluster_STATIC
	}
	return clusterv3.Cluster_LOGICAL_DNS
}

func socketAddress(host string, port uint32) *corev3.Address {
	return &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address:       host,
		PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: port},
	}}}
}
