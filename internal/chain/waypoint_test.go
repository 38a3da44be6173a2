package chain_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/chain"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/internal/testutil"
)

// The ambient objects of the cases: bookinfo in the ambient mesh, its services
// through the waypoint "waypoint".
const (
	ambientNS  = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bookinfo\n  labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}\n"
	waypointGW = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: waypoint\n  namespace: bookinfo\nspec:\n  gatewayClassName: istio-waypoint\n  listeners: [{name: mesh, port: 15008, protocol: HBONE}]\n"
)

// twp is a WasmPlugin in ns; spec is the YAML of its spec (attachment, phase...).
func twp(ns, name, spec string) string {
	return fmt.Sprintf("apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  url: oci://ghcr.io/example/%s:1.0\n%s", name, ns, name, spec)
}

const (
	toWaypoint    = "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]\n"
	toWaypointOne = "  targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}\n"
	toReviews     = "  targetRefs: [{kind: Service, name: reviews}]\n"
	toEntry       = "  targetRefs: [{kind: ServiceEntry, group: networking.istio.io, name: reviews}]\n"
	toClass       = "  targetRefs: [{kind: GatewayClass, group: gateway.networking.k8s.io, name: istio-waypoint}]\n"
)

// plugins are the short names of a chain's WasmPlugin filters, in order.
func plugins(c chain.Chain) string {
	var out []string
	for _, f := range c.Filters {
		if f.Source != "istio" {
			out = append(out, f.Source[strings.LastIndex(f.Source, "/")+1:])
		}
	}
	return strings.Join(out, " ")
}

// waypointChains names each waypoint HTTP chain (by service) and its plugins.
func waypointChains(r chain.Result) string {
	var out []string
	for _, c := range r.Chains {
		if c.Context == "waypoint" && c.Type == chain.HTTP {
			out = append(out, c.Proxy.Namespace+"/"+c.Proxy.Name+"["+c.Service+"]: "+plugins(c))
		}
	}
	return strings.Join(out, "; ")
}

func notAttached(r chain.Result) string {
	var out []string
	for _, n := range r.NotAttached {
		out = append(out, n.Source+" on "+n.Proxy.Name+": "+n.Reason)
	}
	return strings.Join(out, "\n")
}

// TestWaypointAttachment: each target kind at the release before and at the one
// that admits it (istiod's allowedTargetRefs and ShouldAttachPolicy), a kind the
// release does not admit shown as not attached with the release it needs.
func TestWaypointAttachment(t *testing.T) {
	for _, tt := range []struct {
		name   string
		v      compat.Istio
		docs   []string
		chains string // waypointChains
		not    string // a substring of the not-attached list ("" none)
	}{
		{"targetRef Gateway, 1.20", 20, []string{ambientNS, waypointGW, twp("bookinfo", "a", toWaypointOne)},
			"bookinfo/waypoint[]: a", ""},
		{"targetRefs before 1.22: dropped", 21, []string{ambientNS, waypointGW, twp("bookinfo", "a", toWaypoint)},
			"", "WasmPlugin bookinfo/a on waypoint: spec.targetRefs exists from Istio 1.22; Istio 1.21 drops the field"},
		{"targetRefs Gateway, 1.22", 22, []string{ambientNS, waypointGW, twp("bookinfo", "a", toWaypoint)},
			"bookinfo/waypoint[]: a", ""},
		{"Gateway without its group: no match", 30, []string{ambientNS, waypointGW, twp("bookinfo", "a", "  targetRefs: [{kind: Gateway, name: waypoint}]\n")},
			"", ""},
		{"Service, 1.22: the service's chain", 22, []string{ambientNS, waypointGW, twp("bookinfo", "a", toReviews)},
			"bookinfo/waypoint[Service bookinfo/reviews]: a", ""},
		{"ServiceEntry before 1.24", 23, []string{ambientNS, waypointGW, twp("bookinfo", "a", toEntry)},
			"", "WasmPlugin bookinfo/a on waypoint: a ServiceEntry target needs Istio 1.24; istiod 1.23 refuses the WasmPlugin"},
		{"ServiceEntry, 1.24", 24, []string{ambientNS, waypointGW, twp("bookinfo", "a", toEntry)},
			"bookinfo/waypoint[ServiceEntry bookinfo/reviews]: a", ""},
		{"GatewayClass before 1.25", 24, []string{ambientNS, waypointGW, twp("istio-system", "a", toClass)},
			"", "WasmPlugin istio-system/a on waypoint: a GatewayClass target needs Istio 1.25; istiod 1.24 refuses the WasmPlugin"},
		{"GatewayClass from the root namespace, 1.25", 25, []string{ambientNS, waypointGW, twp("istio-system", "a", toClass)},
			"bookinfo/waypoint[]: a", ""},
		{"GatewayClass outside the root namespace", 30, []string{ambientNS, waypointGW, twp("bookinfo", "a", toClass)},
			"", "WasmPlugin bookinfo/a on waypoint: a GatewayClass target attaches only from the mesh's root namespace istio-system; istiod ignores it in namespace bookinfo"},
		{"a Service of another waypoint", 30, []string{waypointGW, twp("bookinfo", "a", toReviews),
			"apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\n  namespace: bookinfo\n  labels: {istio.io/use-waypoint: other}\n"},
			"bookinfo/other[Service bookinfo/reviews]: a", ""},
		{"root-namespace Gateway target before 1.25: any namespace's Gateway of the name", 24, []string{ambientNS, waypointGW, twp("istio-system", "a", toWaypoint)},
			"bookinfo/waypoint[]: a", ""},
		{"root-namespace Gateway target from 1.25: its namespace's only", 25, []string{ambientNS, waypointGW, twp("istio-system", "a", toWaypoint)},
			"", ""},
		{"mode CLIENT never holds", 30, []string{ambientNS, waypointGW, twp("bookinfo", "a", toWaypoint+"  match: [{mode: CLIENT}]\n")},
			"", "spec.match never holds on a waypoint's HTTP chains"},
		{"ports never hold on HTTP chains", 30, []string{ambientNS, waypointGW, twp("bookinfo", "a", toWaypoint+"  match: [{ports: [{number: 9080}]}]\n")},
			"", "spec.match never holds on a waypoint's HTTP chains"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := explain(t, tt.v, tt.docs...)
			if got := waypointChains(r); got != tt.chains {
				t.Errorf("chains\n got %q\nwant %q", got, tt.chains)
			}
			got := notAttached(r)
			if (tt.not == "") != (got == "") || !strings.Contains(got, tt.not) {
				t.Errorf("not attached\n got %q\nwant %q", got, tt.not)
			}
		})
	}
}

// TestWaypointChain: a waypoint's HTTP chain for the release, from
// buildWaypointHTTPFilters: no metadata exchange, the phases around authn/authz,
// STATS and UNSPECIFIED after CORS, the upstream metadata filter, stats, router.
func TestWaypointChain(t *testing.T) {
	docs := []string{ambientNS, waypointGW,
		twp("bookinfo", "authn", toWaypoint+"  phase: AUTHN\n"),
		twp("bookinfo", "stats", toWaypoint+"  phase: STATS\n"),
		twp("bookinfo", "last", toWaypoint)}
	for v, want := range map[compat.Istio]string{
		22: "wp:bookinfo.authn grpc_stats fault cors wp:bookinfo.stats wp:bookinfo.last waypoint_upstream_peer_metadata stats router",
		30: "trafficextension/bookinfo.authn~istio-translated-wasmplugin grpc_stats fault cors trafficextension/bookinfo.stats~istio-translated-wasmplugin trafficextension/bookinfo.last~istio-translated-wasmplugin waypoint_upstream_peer_metadata stats router",
	} {
		r, _ := explain(t, v, docs...)
		c := find(t, r, "waypoint")
		var names []string
		for _, f := range c.Filters {
			n := strings.TrimPrefix(strings.TrimPrefix(f.Name, "envoy.filters.http."), "istio.")
			n = strings.TrimPrefix(strings.TrimPrefix(n, "extenstions.istio.io/wasmplugin/"), "extensions.istio.io/")
			if strings.HasPrefix(f.Source, "WasmPlugin") && !strings.HasPrefix(n, "trafficextension/") {
				n = "wp:" + n
			}
			names = append(names, n)
		}
		if got := strings.Join(names, " "); got != want {
			t.Errorf("%s:\n got %s\nwant %s", v, got, want)
		}
		var absent []string
		for _, a := range c.Absent {
			absent = append(absent, a.Name)
		}
		if !strings.Contains(strings.Join(absent, " "), "envoy.filters.http.rbac") {
			t.Errorf("%s: rbac not under absent: %v", v, absent)
		}
	}
}

// TestWaypointOrder: targetRefs plugins are ordered as selector ones: by phase,
// then priority (highest first), a tie where only creation time decides.
func TestWaypointOrder(t *testing.T) {
	r, l := explain(t, 30, ambientNS, waypointGW,
		twp("bookinfo", "low", toWaypoint+"  phase: AUTHZ\n  priority: 5\n"),
		twp("bookinfo", "high", toWaypoint+"  phase: AUTHZ\n  priority: 10\n"),
		twp("bookinfo", "first", toWaypoint+"  phase: AUTHN\n"),
		twp("istio-system", "mesh", toClass+"  phase: AUTHZ\n  priority: 10\n"),
		twp("bookinfo", "svc", toReviews+"  phase: AUTHZ\n  priority: 7\n"))
	if got, want := waypointChains(r), "bookinfo/waypoint[]: first high mesh low; bookinfo/waypoint[Service bookinfo/reviews]: first high mesh svc low"; got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	if codes(l) != "WG7403" { // no rbac without an AuthorizationPolicy
		t.Errorf("findings: %v", l)
	}
	r, l = explain(t, 30, ambientNS, waypointGW,
		twp("bookinfo", "a", toWaypoint+"  phase: AUTHZ\n"),
		twp("bookinfo", "b", toWaypoint+"  phase: AUTHZ\n"))
	c := find(t, r, "waypoint")
	if codes(l) != "WG7401,WG7403" || !strings.Contains(strings.Join(c.Filters[0].Tie, ","), "WasmPlugin bookinfo/b") {
		t.Errorf("no tie: %v %+v", l, c.Filters[0])
	}
}

// TestSelectorOnWaypoint: a selector WasmPlugin never attaches to a waypoint;
// in an ambient namespace it runs nowhere (WG7406).
func TestSelectorOnWaypoint(t *testing.T) {
	sel := "  selector: {matchLabels: {app: reviews}}\n"
	r, l := explain(t, 30, ambientNS, waypointGW, twp("bookinfo", "a", sel))
	if got := notAttached(r); !strings.Contains(got, "WasmPlugin bookinfo/a on waypoint: a waypoint never applies a selector policy") {
		t.Errorf("not attached: %q", got)
	}
	if codes(l) != "WG7406" {
		t.Errorf("codes %q: %v", codes(l), l)
	}
	// Not in the ambient mesh (no Namespace saying so), selecting other pods: the
	// waypoint is not what it is meant for, and nothing is said.
	r, l = explain(t, 30, waypointGW, twp("bookinfo", "a", sel))
	if got := notAttached(r); got != "" || codes(l) != "" {
		t.Errorf("not attached %q, codes %q", got, codes(l))
	}
	// A namespace-wide one reaches the waypoint's pods by labels: not attached.
	r, l = explain(t, 30, waypointGW, twp("bookinfo", "a", ""))
	if got := notAttached(r); !strings.Contains(got, "never applies a selector policy") || codes(l) != "" {
		t.Errorf("not attached %q, codes %q", got, codes(l))
	}
	// The same plugin with targetRefs attaches.
	r, l = explain(t, 30, ambientNS, waypointGW, twp("bookinfo", "a", toWaypoint))
	if got := notAttached(r); got != "" || codes(l) != "" || waypointChains(r) != "bookinfo/waypoint[]: a" {
		t.Errorf("not attached %q, codes %q, chains %q", got, codes(l), waypointChains(r))
	}
}

func efTo(ns, name, attach string) string {
	return fmt.Sprintf("apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n%s  configPatches:\n%s", name, ns, attach, hp(in, "INSERT_BEFORE", rtr, "x"))
}

// TestEnvoyFilterOnWaypoint: an EnvoyFilter istiod applies to a waypoint is shown
// as not attached (Istio does not support it there) with WG7405; a selector one
// from 1.27 does not reach it.
func TestEnvoyFilterOnWaypoint(t *testing.T) {
	for _, tt := range []struct {
		name  string
		v     compat.Istio
		ef    string
		not   string
		codes string
	}{
		{"targetRefs to the waypoint, 1.27", 27, efTo("bookinfo", "lua", "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]\n"),
			"EnvoyFilter bookinfo/lua on waypoint: EnvoyFilter is not supported on waypoints", "WG7405"},
		{"selector for the waypoint's pods, 1.27: ignored", 27, efTo("bookinfo", "lua", "  workloadSelector: {labels: {gateway.networking.k8s.io/gateway-name: waypoint}}\n"),
			"EnvoyFilter bookinfo/lua on waypoint: a waypoint never applies a selector policy", ""},
		{"no selector, 1.26: every workload of the namespace", 26, efTo("bookinfo", "lua", ""),
			"EnvoyFilter bookinfo/lua on waypoint: EnvoyFilter is not supported on waypoints", "WG7405"},
		{"selector for other pods", 30, efTo("bookinfo", "lua", "  workloadSelector: {labels: {app: web}}\n"), "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, l := explain(t, tt.v, waypointGW, tt.ef)
			got := notAttached(r)
			if (tt.not == "") != (got == "") || !strings.Contains(got, tt.not) {
				t.Errorf("not attached\n got %q\nwant %q", got, tt.not)
			}
			if got := codes(l); got != tt.codes {
				t.Errorf("codes %q, want %q: %v", got, tt.codes, l)
			}
			for _, c := range r.Chains {
				if c.Proxy.Labels["gateway.networking.k8s.io/gateway-name"] == "waypoint" {
					t.Errorf("a chain of the waypoint from an EnvoyFilter: %s", c.Key())
				}
			}
			for _, p := range r.Untouched {
				if p.Kind != chain.Waypoint {
					t.Errorf("a proxy besides the waypoint: %+v", p)
				}
			}
		})
	}
}

// TestWaypointWithoutGateway: without the waypoint's Gateway among the inputs, a
// Service target stands for the waypoint serving it, a GatewayClass one for every
// waypoint.
func TestWaypointWithoutGateway(t *testing.T) {
	r, _ := explain(t, 30, twp("bookinfo", "a", toReviews), twp("istio-system", "m", toClass))
	want := "*/every waypoint[]: m; bookinfo/Service reviews[Service bookinfo/reviews]: a m"
	if got := waypointChains(r); got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	// The namespace names the waypoint: its name, though its Gateway is not here.
	r, _ = explain(t, 30, ambientNS, twp("bookinfo", "a", toReviews))
	if got, want := waypointChains(r), "bookinfo/waypoint[Service bookinfo/reviews]: a"; got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

// TestTrafficExtension: a TrafficExtension (1.30) attaches and orders like a
// WasmPlugin, under its own filter name.
func TestTrafficExtension(t *testing.T) {
	te := "apiVersion: extensions.istio.io/v1alpha1\nkind: TrafficExtension\nmetadata:\n  name: lua\n  namespace: bookinfo\nspec:\n" + toWaypoint +
		"  phase: AUTHN\n  lua:\n    inlineCode: \"function envoy_on_request(h) end\"\n"
	r, l := explain(t, 30, ambientNS, waypointGW, te, twp("bookinfo", "a", toWaypoint+"  phase: AUTHN\n  priority: 1\n"))
	c := find(t, r, "waypoint")
	var got []string
	for _, f := range c.Filters {
		if f.Source != "istio" {
			got = append(got, f.Source+"="+f.Name)
		}
	}
	want := "WasmPlugin bookinfo/a=extensions.istio.io/trafficextension/bookinfo.a~istio-translated-wasmplugin TrafficExtension bookinfo/lua=extensions.istio.io/trafficextension/bookinfo.lua"
	if strings.Join(got, " ") != want {
		t.Errorf("\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if codes(l) != "WG7403" {
		t.Errorf("findings: %v", l)
	}
}

// explainExample is explain over the files of examples/NAME, named by their base
// names.
func explainExample(t *testing.T, name string, o generate.Options) chain.Result {
	t.Helper()
	dir := filepath.Join("..", "..", "examples", name)
	root, err := load.NewRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	srcs, errs := load.Inputs([]string{dir}, nil, 0)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for i := range srcs {
		srcs[i].Name = filepath.Base(srcs[i].Name)
	}
	r, _ := compile.Explain(srcs, root, compile.Options{Generate: o})
	return r
}

// TestAmbientExample: examples/ambient through explain, in the four formats, at
// the newest release and at 1.21 (before a Service target).
func TestAmbientExample(t *testing.T) {
	for _, v := range []compat.Istio{30, 21} {
		r := explainExample(t, "ambient", generate.Options{Target: generate.TargetWasmPlugin, Istio: v})
		for ext, format := range map[string]string{".txt": "text", ".mmd": "mermaid", ".md": "markdown", ".json": "json"} {
			if v != 30 && format != "text" {
				continue
			}
			var b strings.Builder
			if err := chain.Write(&b, format, r); err != nil {
				t.Fatal(err)
			}
			testutil.Golden(t, filepath.Join("testdata", "explain", "examples-ambient-"+v.String()+ext), []byte(b.String()))
			if format == "mermaid" {
				checkMermaid(t, b.String())
			}
		}
	}
}

// TestIngressGateway: a Gateway of class istio is an ingress gateway: a Gateway
// target attaches in the gateway context (from 1.20 by targetRef), a Service one
// (waypoints only) does not.
func TestIngressGateway(t *testing.T) {
	gw := "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: ingress\n  namespace: shop\nspec:\n  gatewayClassName: istio\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n"
	to := "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: ingress}]\n"
	for v, want := range map[compat.Istio]string{21: "", 22: "shop/ingress gateway: a"} {
		r, _ := explain(t, v, gw, twp("shop", "a", to), twp("shop", "svc", "  targetRefs: [{kind: Service, name: web}]\n"))
		var got []string
		for _, c := range r.Chains {
			if c.Type == chain.HTTP && c.Proxy.Kind == chain.Gateway {
				got = append(got, c.Proxy.Namespace+"/"+c.Proxy.Name+" "+c.Context+": "+plugins(c))
			}
		}
		if strings.Join(got, "; ") != want {
			t.Errorf("%s: got %q, want %q", v, strings.Join(got, "; "), want)
		}
	}
}

// TestGatewayNameLabelByRelease: an EnvoyFilter selecting a Gateway API gateway's
// pods by the label they carry in that release (istio.io/gateway-name before
// 1.21, compat.GatewayNameLabelFor) lands in the Gateway's chain, not in a
// selector proxy of its own. 1.21–1.23 pods carry both labels, 1.24 only the new.
func TestGatewayNameLabelByRelease(t *testing.T) {
	gw := "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: Gateway\nmetadata:\n  name: ingress\n  namespace: shop\nspec:\n  gatewayClassName: istio\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n"
	byLabel := func(label string) string {
		return strings.Replace(ef("shop", "e", "", hp("GATEWAY", "INSERT_BEFORE", "envoy.filters.http.router", "my.lua")),
			"workloadSelector: {labels: {app: web}}", "workloadSelector: {labels: {"+label+": ingress}}", 1)
	}
	for _, tt := range []struct {
		v     compat.Istio
		label string
		want  string
	}{
		{20, compat.LegacyGatewayNameLabel, "shop/ingress: e"},
		{21, compat.GatewayNameLabel, "shop/ingress: e"},
		{23, compat.LegacyGatewayNameLabel, "shop/ingress: e"},
		{24, compat.LegacyGatewayNameLabel, ""},
	} {
		r, _ := explain(t, tt.v, gw, byLabel(tt.label))
		var got []string
		for _, c := range r.Chains {
			if c.Type == chain.HTTP && c.Proxy.Kind == chain.Gateway {
				got = append(got, c.Proxy.Namespace+"/"+c.Proxy.Name+": "+plugins(c))
			}
		}
		if strings.Join(got, "; ") != tt.want {
			t.Errorf("%s, %s: got %q, want %q", tt.v, tt.label, strings.Join(got, "; "), tt.want)
		}
	}
}

// changed lists the added and removed filters of a diff, by chain.
func changed(old, cur chain.Result) string {
	var got []string
	for _, ch := range chain.Diff(old, cur, 30) {
		for _, l := range ch.Lines {
			if l.Op != " " {
				got = append(got, ch.Chain+": "+l.Op+" "+l.Source)
			}
		}
	}
	return strings.Join(got, "; ")
}

// TestWaypointDiff: adding a Service-attached plugin shows against the waypoint's
// chain of the other services; a new waypoint chain against Istio's own.
func TestWaypointDiff(t *testing.T) {
	none, _ := explain(t, 30, ambientNS, waypointGW)
	old, _ := explain(t, 30, ambientNS, waypointGW, twp("bookinfo", "all", toWaypoint))
	cur, _ := explain(t, 30, ambientNS, waypointGW, twp("bookinfo", "all", toWaypoint), twp("bookinfo", "svc", toReviews))
	for _, tt := range []struct {
		old, cur chain.Result
		want     string
	}{
		{old, cur, "bookinfo/waypoint waypoint http Service bookinfo/reviews: + WasmPlugin bookinfo/svc"},
		{none, old, "bookinfo/waypoint waypoint http: + WasmPlugin bookinfo/all"},
	} {
		if got := changed(tt.old, tt.cur); got != tt.want {
			t.Errorf("\n got %s\nwant %s", got, tt.want)
		}
	}
}

// TestEnvoyGatewayExample: examples/envoy-gateway's policy, its Wasm filter in
// Envoy Gateway's order before the router; a TCPRoute target gets no chain.
func TestEnvoyGatewayExample(t *testing.T) {
	r := explainExample(t, "envoy-gateway", generate.Options{Target: generate.TargetEnvoyGateway})
	for ext, format := range map[string]string{".txt": "text", ".json": "json"} {
		var b strings.Builder
		if err := chain.Write(&b, format, r); err != nil {
			t.Fatal(err)
		}
		testutil.Golden(t, filepath.Join("testdata", "explain", "examples-envoy-gateway"+ext), []byte(b.String()))
	}
	eep := func(kind string) string {
		return "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyExtensionPolicy\nmetadata:\n  name: p\n  namespace: apps\nspec:\n  targetRefs: [{group: gateway.networking.k8s.io, kind: " + kind + ", name: x}]\n" +
			"  wasm:\n  - {name: a, code: {type: HTTP, http: {url: \"https://example.com/a.wasm\"}}}\n  - {name: b, code: {type: HTTP, http: {url: \"https://example.com/b.wasm\"}}}\n"
	}
	r, _ = explain(t, 30, eep("Gateway"))
	if len(r.Chains) != 1 || plugins(r.Chains[0]) != "p p envoy-gateway" || r.Chains[0].Filters[1].Name != "envoy.filters.http.wasm/envoyextensionpolicy/apps/p/wasm/1" {
		t.Errorf("chains %+v", r.Chains)
	}
	if r, _ = explain(t, 30, eep("TCPRoute")); len(r.Chains) != 0 {
		t.Errorf("a TCPRoute's chain: %+v", r.Chains)
	}
}
