package chain

import "strconv"

// ExtensionPolicy is an Envoy Gateway EnvoyExtensionPolicy: its targets and the
// names of its Wasm extensions, in list order.
type ExtensionPolicy struct {
	Meta
	Targets []ExtensionTarget
	Wasm    int // how many wasm[] entries
}

// ExtensionTarget is one of an EnvoyExtensionPolicy's targetRefs.
type ExtensionTarget struct {
	Kind, Name, SectionName string
}

// EnvoyGateway is the proxy kind and listener context of an Envoy Gateway target.
const EnvoyGateway = "envoy-gateway"

// egFilterName is the HTTP filter Envoy Gateway gives wasm[i] of a policy:
// perRouteFilterName(EnvoyFilterWasm, irConfigNameForWasm) (envoyproxy/gateway
// internal/xds/translator/wasm.go wasmFilterName and internal/gatewayapi/
// envoyextensionpolicy.go irConfigNameForWasm at v1.9.0; the golden
// internal/xds/translator/testdata/out/xds-ir/wasm.listeners.yaml).
func egFilterName(p *ExtensionPolicy, i int) string {
	return "envoy.filters.http.wasm/envoyextensionpolicy/" + p.Namespace + "/" + p.Name + "/wasm/" + strconv.Itoa(i)
}

// egChains are the chains of each EnvoyExtensionPolicy target: its Wasm filters
// where Envoy Gateway's translator orders them (internal/xds/translator/
// httpfilters.go newOrderedHTTPFilter: wasm at 100 + its index at v1.1.0–v1.3.0,
// 200 + its index by v1.5.0 and at v1.9.0; always after the auth filters, Lua and
// ext_proc, before RBAC, the rate limits and the router), the router last. Envoy Gateway adds its other
// filters only for the policies that configure them, which explain does not read.
func egChains(in Input) []Chain {
	var out []Chain
	for i := range in.ExtensionPolicies {
		p := &in.ExtensionPolicies[i]
		for _, t := range p.Targets {
			name := t.Kind + " " + t.Name
			if t.SectionName != "" {
				name += " section " + t.SectionName
			}
			switch t.Kind {
			case "Gateway", "ListenerSet", "HTTPRoute", "GRPCRoute":
			default:
				continue // HTTP filters only (validate's WG7113): no HTTP chain to run in
			}
			px := Proxy{Kind: EnvoyGateway, Name: name, Namespace: p.Namespace}
			c := Chain{Proxy: px, Context: EnvoyGateway, Type: HTTP}
			for w := 0; w < p.Wasm; w++ {
				c.Filters = append(c.Filters, Filter{Name: egFilterName(p, w), Source: "EnvoyExtensionPolicy " + p.id(), Rendered: p.Rendered,
					At: p.at("spec.wasm"), Rule: "wasm[" + strconv.Itoa(w) + "]: Envoy Gateway orders a policy's Wasm filters by index, after ext_proc, before RBAC and the router"})
			}
			c.Filters = append(c.Filters, Filter{Name: "envoy.filters.http.router", Source: "envoy-gateway", Rule: "Envoy Gateway's own, last"})
			c.Absent = []Absent{
				{Name: "before: fault, CORS, ext_authz, basic_auth, oauth2, jwt_authn, Lua, ext_proc", When: "only when a policy configures them"},
				{Name: "after: RBAC, rate limits, gRPC-Web, compressor", When: "only when a policy configures them; EnvoyProxy.spec.filterOrder can move any of them"},
			}
			if t.Kind != "Gateway" && t.Kind != "ListenerSet" {
				c.Absent = append(c.Absent, Absent{Name: "a Gateway's EnvoyExtensionPolicy", When: "replaced on this route: the most specific policy applies"})
			}
			out = append(out, c)
		}
	}
	return out
}
