package chain_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/chain"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/internal/testutil"
)

// explain runs the pipeline `wasmgen explain` runs over YAML documents.
func explain(t testing.TB, v compat.Istio, docs ...string) (chain.Result, diag.List) {
	t.Helper()
	dir := t.TempDir()
	root, err := load.NewRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := load.Source{Name: "in.yaml", Dir: dir, Data: []byte(strings.Join(docs, "\n---\n"))}
	r, l := compile.Explain([]load.Source{src}, root, compile.Options{Generate: generate.Options{Target: generate.TargetIstio, Istio: v}})
	l.Append(r.Findings)
	return r, l
}

// ef is an EnvoyFilter; extra is YAML under spec (priority, selector).
func ef(ns, name, extra string, patches ...string) string {
	s := fmt.Sprintf("apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n  name: %s\n  namespace: %s\n", name, ns)
	if strings.HasPrefix(extra, "created:") {
		ts, rest, _ := strings.Cut(strings.TrimPrefix(extra, "created:"), " ")
		s += "  creationTimestamp: \"" + ts + "\"\n"
		extra = rest
	}
	s += "spec:\n  workloadSelector: {labels: {app: web}}\n"
	if extra != "" {
		s += "  " + extra + "\n"
	}
	s += "  configPatches:\n"
	for _, p := range patches {
		s += p
	}
	return s
}

// hp is an HTTP_FILTER patch: context, operation, subFilter ("" none), the name it adds.
func hp(ctx, op, sub, name string) string {
	s := "  - applyTo: HTTP_FILTER\n    match:\n      context: " + ctx + "\n      listener:\n        filterChain:\n          filter:\n            name: envoy.filters.network.http_connection_manager\n"
	if sub != "" {
		s += "            subFilter: {name: " + sub + "}\n"
	}
	s += "    patch:\n      operation: " + op + "\n"
	if name != "" {
		s += "      value:\n        name: " + name + "\n        typed_config:\n          \"@type\": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua\n          default_source_code: {inline_string: \"function envoy_on_request(h) end\"}\n"
	}
	return s
}

func wp(ns, name, phase, extra string) string {
	s := fmt.Sprintf("apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  selector: {matchLabels: {app: web}}\n  url: oci://ghcr.io/example/%s:1.0\n", name, ns, name)
	if phase != "" {
		s += "  phase: " + phase + "\n"
	}
	if extra != "" {
		s += "  " + extra + "\n"
	}
	return s
}

// short names a chain's filters without the common prefixes, Istio's conditional
// ones left out.
func short(c chain.Chain) string {
	var out []string
	for _, f := range c.Filters {
		n := strings.TrimPrefix(strings.TrimPrefix(f.Name, "envoy.filters.http."), "istio.")
		if i := strings.LastIndex(n, "/"); i >= 0 {
			n = "wp:" + n[i+1:]
		}
		out = append(out, n)
	}
	return strings.Join(out, " ")
}

// find is a chain of the context, a namespace's proxy before the root
// namespace's selector.
func find(t testing.TB, r chain.Result, context string) chain.Chain {
	t.Helper()
	for _, anyNS := range []bool{false, true} {
		for _, c := range r.Chains {
			if c.Context == context && c.Type == chain.HTTP && c.Port == 0 && (c.Proxy.Namespace == "*") == anyNS {
				return c
			}
		}
	}
	t.Fatalf("no %s chain in %v", context, keys(r))
	return chain.Chain{}
}

func keys(r chain.Result) []string {
	var k []string
	for _, c := range r.Chains {
		k = append(k, c.Key())
	}
	return k
}

func codes(l diag.List) string {
	var cs []string
	for _, f := range l {
		if strings.HasPrefix(f.Code, "WG74") && !slices.Contains(cs, f.Code) {
			cs = append(cs, f.Code)
		}
	}
	slices.Sort(cs)
	return strings.Join(cs, ",")
}

const (
	in   = "SIDECAR_INBOUND"
	rtr  = "envoy.filters.http.router"
	cors = "envoy.filters.http.cors"
)

// TestOrder: one case per ordering rule and operation; want is the inbound chain.
func TestOrder(t *testing.T) {
	for _, tt := range []struct {
		name  string
		v     compat.Istio
		docs  []string
		want  string
		codes string
	}{
		{"priority: lower first", 30, []string{
			ef("shop", "a", "priority: 10", hp(in, "INSERT_BEFORE", rtr, "x")),
			ef("shop", "b", "priority: -5", hp(in, "INSERT_BEFORE", rtr, "y"))},
			"metadata_exchange grpc_stats fault cors stats y x router", ""},
		{"root namespace first at equal priority", 30, []string{
			ef("shop", "a", "", hp(in, "INSERT_BEFORE", rtr, "local")),
			ef("istio-system", "z", "", hp(in, "INSERT_BEFORE", rtr, "root"))},
			"metadata_exchange grpc_stats fault cors stats root local router", ""},
		{"1.22+: priority over root namespace", 22, []string{
			ef("shop", "a", "priority: -1", hp(in, "INSERT_BEFORE", rtr, "local")),
			ef("istio-system", "z", "", hp(in, "INSERT_BEFORE", rtr, "root"))},
			"metadata_exchange grpc_stats fault cors stats local root router", ""},
		{"1.21: root namespace first whatever the priority", 21, []string{
			ef("shop", "a", "priority: -1", hp(in, "INSERT_BEFORE", rtr, "local")),
			ef("istio-system", "z", "", hp(in, "INSERT_BEFORE", rtr, "root"))},
			"metadata_exchange grpc_stats fault cors stats root local router", ""},
		{"tie: same priority, no creation time, order matters", 30, []string{
			ef("shop", "a", "", hp(in, "INSERT_BEFORE", rtr, "x")),
			ef("shop", "b", "", hp(in, "INSERT_BEFORE", rtr, "y"))},
			"metadata_exchange grpc_stats fault cors stats x y router", chain.CodeCreationTie},
		{"no tie: creation times decide (b older)", 30, []string{
			ef("shop", "a", "created:2024-02-01T00:00:00Z", hp(in, "INSERT_BEFORE", rtr, "x")),
			ef("shop", "b", "created:2024-01-01T00:00:00Z", hp(in, "INSERT_BEFORE", rtr, "y"))},
			"metadata_exchange grpc_stats fault cors stats y x router", ""},
		{"no tie: the order does not change the chain", 30, []string{
			ef("shop", "a", "", hp(in, "INSERT_BEFORE", rtr, "x")),
			ef("shop", "b", "", hp(in, "INSERT_BEFORE", cors, "y"))},
			"metadata_exchange grpc_stats fault y cors stats x router", ""},
		{"INSERT_FIRST, INSERT_AFTER", 30, []string{
			ef("shop", "a", "", hp(in, "INSERT_FIRST", "", "first"), hp(in, "INSERT_AFTER", cors, "aftercors"))},
			"first metadata_exchange grpc_stats fault cors aftercors stats router", ""},
		{"INSERT_BEFORE without a subFilter: first", 30, []string{
			ef("shop", "a", "", hp(in, "INSERT_BEFORE", "", "first"))},
			"first metadata_exchange grpc_stats fault cors stats router", ""},
		{"REPLACE", 30, []string{
			ef("shop", "a", "", hp(in, "REPLACE", "envoy.filters.http.fault", "myfault"))},
			"metadata_exchange grpc_stats myfault cors stats router", ""},
		{"MERGE renames, REMOVE drops", 30, []string{
			ef("shop", "a", "", hp(in, "MERGE", cors, "cors2"), hp(in, "REMOVE", "envoy.filters.http.fault", ""))},
			"metadata_exchange grpc_stats cors2 stats router", ""},
		{"1.19+: REMOVE in patch order, before the filter it names is added", 19, []string{
			ef("shop", "a", "", hp(in, "INSERT_BEFORE", rtr, "x")),
			ef("shop", "b", "priority: -1", hp(in, "REMOVE", "x", ""))},
			"metadata_exchange grpc_stats fault cors stats x router", chain.CodeAbsentAnchor},
		{"1.14–1.18: REMOVE after the list operations", 18, []string{
			ef("shop", "a", "", hp(in, "INSERT_BEFORE", rtr, "x")),
			ef("shop", "b", "priority: -1", hp(in, "REMOVE", "x", ""))},
			"metadata_exchange grpc_stats fault cors stats router", ""},
		{"an anchor another patch adds", 30, []string{
			ef("shop", "a", "priority: -1", hp(in, "INSERT_BEFORE", rtr, "x")),
			ef("shop", "b", "", hp(in, "INSERT_AFTER", "x", "y"))},
			"metadata_exchange grpc_stats fault cors stats x y router", ""},
		{"anchor absent: jwt_authn needs a RequestAuthentication", 30, []string{
			ef("shop", "a", "", hp(in, "INSERT_BEFORE", "envoy.filters.http.jwt_authn", "x"))},
			"metadata_exchange grpc_stats fault cors stats router", chain.CodeAbsentAnchor},
		{"after the router", 30, []string{
			ef("shop", "a", "", hp(in, "INSERT_AFTER", rtr, "late"))},
			"metadata_exchange grpc_stats fault cors stats router late", chain.CodeAfterRouter},
		{"1.8: telemetry filters of the default install, deprecated names match", 8, []string{
			ef("shop", "a", "", hp(in, "INSERT_BEFORE", "envoy.router", "x"))},
			"metadata_exchange cors fault stats x router", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, l := explain(t, tt.v, tt.docs...)
			if got := short(find(t, r, "sidecar-inbound")); got != tt.want {
				t.Errorf("chain\n got %s\nwant %s", got, tt.want)
			}
			if got := codes(l); got != tt.codes {
				t.Errorf("codes %q, want %q:\n%s", got, tt.codes, fmtList(l))
			}
		})
	}
}

func fmtList(l diag.List) string {
	var b strings.Builder
	for _, f := range l {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

// TestWasmPlugins: phases by release, priorities, ties, phase anchors.
func TestWasmPlugins(t *testing.T) {
	for _, tt := range []struct {
		name     string
		v        compat.Istio
		docs     []string
		context  string
		want     string
		wantCode string
	}{
		{"1.16+: after metadata exchange, by phase", 30, []string{wp("shop", "z", "STATS", ""), wp("shop", "a", "AUTHN", "")},
			"sidecar-outbound", "metadata_exchange wp:shop.a~istio-translated-wasmplugin wp:shop.z~istio-translated-wasmplugin grpc_stats alpn fault cors stats router", chain.CodePhaseAnchor},
		{"1.14: plugins first, istiod's metadata exchange after them", 14, []string{wp("shop", "a", "AUTHZ", "")},
			"sidecar-outbound", "shop.a metadata_exchange alpn fault cors stats router", chain.CodePhaseAnchor},
		{"1.22 names", 22, []string{wp("shop", "a", "STATS", "")},
			"sidecar-outbound", "metadata_exchange wp:shop.a grpc_stats alpn fault cors stats router", ""},
		{"priority: highest first", 30, []string{wp("shop", "low", "STATS", "priority: 1"), wp("shop", "high", "STATS", "priority: 9")},
			"sidecar-outbound", "metadata_exchange wp:shop.high~istio-translated-wasmplugin wp:shop.low~istio-translated-wasmplugin grpc_stats alpn fault cors stats router", ""},
		{"tie: same phase and priority", 30, []string{wp("shop", "b", "STATS", ""), wp("shop", "a", "STATS", "")},
			"sidecar-outbound", "metadata_exchange wp:shop.a~istio-translated-wasmplugin wp:shop.b~istio-translated-wasmplugin grpc_stats alpn fault cors stats router", chain.CodeCreationTie},
		{"SERVER mode: inbound only", 30, []string{wp("shop", "a", "STATS", "match: [{mode: SERVER}]")},
			"sidecar-inbound", "metadata_exchange wp:shop.a~istio-translated-wasmplugin grpc_stats fault cors stats router", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, l := explain(t, tt.v, tt.docs...)
			if got := short(find(t, r, tt.context)); got != tt.want {
				t.Errorf("chain\n got %s\nwant %s", got, tt.want)
			}
			if c := codes(l); c != tt.wantCode {
				t.Errorf("codes %q, want %q:\n%s", c, tt.wantCode, fmtList(l))
			}
		})
	}
	r, _ := explain(t, 30, wp("shop", "a", "STATS", "match: [{mode: SERVER}]"))
	for _, c := range r.Chains {
		if c.Context == "sidecar-outbound" {
			t.Errorf("a SERVER plugin is in no outbound chain: %s", c.Key())
		}
	}
}

const (
	gatewayDeploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingress, namespace: shop}\nspec:\n  template:\n    metadata:\n      labels: {app: web, istio: ingressgateway}\n"
	sidecarDeploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n"
)

// TestProxyKinds: gateway and sidecar chains from workload manifests, and matches
// that can never hold on them.
func TestProxyKinds(t *testing.T) {
	r, l := explain(t, 30, gatewayDeploy, ef("shop", "gw", "", hp("GATEWAY", "INSERT_BEFORE", rtr, "x")))
	if c := find(t, r, "gateway"); short(c) != "metadata_exchange grpc_stats alpn fault cors stats x router" || c.Proxy.Kind != chain.Gateway || c.Proxy.Workload != "Deployment" {
		t.Errorf("gateway chain %s of %+v", short(c), c.Proxy)
	}
	if codes(l) != "" {
		t.Errorf("GATEWAY on a gateway holds:\n%s", fmtList(l))
	}
	_, l = explain(t, 30, gatewayDeploy, ef("shop", "in", "", hp(in, "INSERT_BEFORE", rtr, "x")))
	if codes(l) != chain.CodeNeverMatches {
		t.Errorf("SIDECAR_INBOUND on a gateway: want %s:\n%s", chain.CodeNeverMatches, fmtList(l))
	}
	_, l = explain(t, 30, gatewayDeploy, wp("shop", "a", "STATS", "match: [{mode: SERVER}]"))
	if codes(l) != chain.CodeNeverMatches {
		t.Errorf("a SERVER WasmPlugin on a gateway: want %s:\n%s", chain.CodeNeverMatches, fmtList(l))
	}
	r, l = explain(t, 30, sidecarDeploy, gatewayDeploy, wp("shop", "a", "STATS", "match: [{mode: SERVER}]"))
	if codes(l) != "" || len(r.Chains) != 1 || r.Chains[0].Proxy.Name != "web" {
		t.Errorf("a SERVER WasmPlugin holds on the sidecar's inbound only: %v\n%s", keys(r), fmtList(l))
	}
	// Without manifests a GATEWAY patch gives a selector its gateway chain.
	r, _ = explain(t, 30, ef("shop", "gw", "", hp("GATEWAY", "INSERT_BEFORE", rtr, "x")))
	if c := find(t, r, "gateway"); c.Proxy.Kind != chain.Selector || c.Proxy.Name != "selector app=web" {
		t.Errorf("selector proxy %+v", c.Proxy)
	}
}

// TestPorts: a patch on one port makes that port's chain; the others keep theirs.
func TestPorts(t *testing.T) {
	port := strings.Replace(hp(in, "INSERT_BEFORE", rtr, "p"), "      listener:\n", "      listener:\n        portNumber: 8080\n", 1)
	r, _ := explain(t, 30, ef("shop", "a", "", port, hp(in, "INSERT_BEFORE", rtr, "all")))
	var got []string
	for _, c := range r.Chains {
		got = append(got, fmt.Sprintf("%d: %s", c.Port, short(c)))
	}
	want := []string{"0: metadata_exchange grpc_stats fault cors stats all router", "8080: metadata_exchange grpc_stats fault cors stats p all router"}
	if !slices.Equal(got, want) {
		t.Errorf("chains\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRenderedPlacement cross-checks generate: the filter wasmgen renders from a
// spec lands where the spec's placement says.
func TestRenderedPlacement(t *testing.T) {
	for path, want := range map[string]func(c chain.Chain, i int) bool{
		"testdata/golden/placement-after/spec.yaml": func(c chain.Chain, i int) bool { return i > 0 && c.Filters[i-1].Name == cors },
		"testdata/golden/placement-first/spec.yaml": func(c chain.Chain, i int) bool { return i == 0 },
		// No placement: before the router.
		"examples/add-header/filter.yaml": func(c chain.Chain, i int) bool {
			return i+1 < len(c.Filters) && c.Filters[i+1].Name == rtr
		},
	} {
		t.Run(path, func(t *testing.T) {
			abs, err := filepath.Abs(filepath.Join("../..", path))
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(abs)
			if err != nil {
				t.Fatal(err)
			}
			root, err := load.NewRoot("../..")
			if err != nil {
				t.Fatal(err)
			}
			src := load.Source{Name: path, Dir: filepath.Dir(abs), Data: data}
			r, l := compile.Explain([]load.Source{src}, root, compile.Options{Generate: generate.Options{Target: generate.TargetIstio}})
			if l.HasErrors() {
				t.Fatalf("rendering: %s", fmtList(l))
			}
			n := 0
			for _, c := range r.Chains {
				for i, f := range c.Filters {
					if f.Rendered {
						n++
						if !want(c, i) {
							t.Errorf("%s: %s at %d: %s", c.Key(), f.Name, i, short(c))
						}
					}
				}
			}
			if n == 0 {
				t.Fatalf("no rendered filter in %v", keys(r))
			}
			if len(r.Findings) > 0 {
				t.Errorf("findings on rendered objects:\n%s", fmtList(r.Findings))
			}
		})
	}
}

// TestGoldens: every output format of each case under testdata/explain.
func TestGoldens(t *testing.T) {
	files, _ := filepath.Glob("testdata/explain/*.yaml")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			v := compat.Istio(0)
			if first, _, _ := strings.Cut(string(data), "\n"); strings.HasPrefix(first, "# istio ") {
				if v, err = compat.ParseIstio(strings.TrimPrefix(first, "# istio ")); err != nil {
					t.Fatal(err)
				}
			}
			r, _ := explain(t, v, string(data))
			base := strings.TrimSuffix(f, ".yaml")
			for ext, format := range map[string]string{".txt": "text", ".mmd": "mermaid", ".md": "markdown", ".json": "json"} {
				var b strings.Builder
				if err := chain.Write(&b, format, r); err != nil {
					t.Fatal(err)
				}
				testutil.Golden(t, base+ext, []byte(b.String()))
				if format == "mermaid" {
					checkMermaid(t, b.String())
				}
			}
		})
	}
}

// TestNetwork: NETWORK_FILTER patches and NETWORK WasmPlugins in the TCP chain.
func TestNetwork(t *testing.T) {
	patch := func(name, op string) string {
		return "  - applyTo: NETWORK_FILTER\n    match:\n      context: SIDECAR_INBOUND\n      listener:\n        filterChain:\n          filter: {name: " + name + "}\n    patch:\n      operation: " + op + "\n      value:\n        name: example.tcp\n        typed_config:\n          \"@type\": type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit\n          stat_prefix: x\n          token_bucket: {max_tokens: 1, fill_interval: 1s}\n"
	}
	plugin := wp("shop", "net", "STATS", "type: NETWORK")
	for _, tt := range []struct {
		v          compat.Istio
		docs       []string
		want, code string
	}{
		{30, []string{ef("shop", "a", "", patch("envoy.filters.network.tcp_proxy", "INSERT_BEFORE")), plugin},
			"tcp: istio.metadata_exchange wp:shop.net~istio-translated-wasmplugin istio.stats example.tcp envoy.filters.network.tcp_proxy", ""},
		{19, []string{ef("shop", "a", "", patch("envoy.filters.network.tcp_proxy", "INSERT_BEFORE")), plugin},
			"tcp: istio.metadata_exchange istio.stats example.tcp envoy.filters.network.tcp_proxy", ""},
		{30, []string{ef("shop", "a", "", patch("envoy.filters.network.http_connection_manager", "INSERT_BEFORE"))},
			"network: example.tcp envoy.filters.network.http_connection_manager", ""},
		{30, []string{ef("shop", "a", "", patch("envoy.filters.network.redis_proxy", "INSERT_BEFORE"))},
			"tcp: istio.metadata_exchange istio.stats envoy.filters.network.tcp_proxy", chain.CodeAbsentAnchor},
	} {
		r, l := explain(t, tt.v, tt.docs...)
		var got []string
		for _, c := range r.Chains {
			if c.Type != chain.HTTP && c.Context == "sidecar-inbound" {
				var names []string
				for _, f := range c.Filters {
					n := f.Name
					if i := strings.LastIndex(n, "/"); i >= 0 {
						n = "wp:" + n[i+1:]
					}
					names = append(names, n)
				}
				got = append(got, c.Type+": "+strings.Join(names, " "))
			}
		}
		if strings.Join(got, "\n") != tt.want || codes(l) != tt.code {
			t.Errorf("Istio %s:\n got %s [%s]\nwant %s [%s]\n%s", tt.v, strings.Join(got, "\n"), codes(l), tt.want, tt.code, fmtList(l))
		}
	}
}

// TestDiff: a change that moves a filter (a priority), adds one, or takes one away
// shows in the chain it changes, and nowhere else.
func TestDiff(t *testing.T) {
	a := func(prio string) string { return ef("shop", "a", prio, hp(in, "INSERT_BEFORE", rtr, "x")) }
	b := ef("shop", "b", "priority: 1", hp(in, "INSERT_BEFORE", rtr, "y"))
	lines := func(base, head []string) string {
		rb, _ := explain(t, 30, base...)
		rh, _ := explain(t, 30, head...)
		var out []string
		for _, c := range chain.Diff(rb, rh, 30) {
			var ls []string
			for _, l := range c.Lines {
				if l.Op != " " {
					ls = append(ls, l.Op+strings.TrimPrefix(l.Name, "envoy.filters.http."))
				}
			}
			out = append(out, c.Chain+": "+strings.Join(ls, " "))
		}
		return strings.Join(out, "\n")
	}
	for _, tt := range []struct {
		name       string
		base, head []string
		want       string
	}{
		{"moved by a priority", []string{a(""), b}, []string{a("priority: 2"), b}, "shop/selector app=web sidecar-inbound http: +y -y"},
		{"added", []string{a("")}, []string{a(""), b}, "shop/selector app=web sidecar-inbound http: +y"},
		{"removed", []string{a(""), b}, []string{a("")}, "shop/selector app=web sidecar-inbound http: -y"},
		{"none", []string{a(""), b}, []string{a(""), b}, ""},
		{"a new selector's chain against Istio's own", []string{a("")}, []string{a(""), strings.Replace(b, "app: web", "app: api", 1)}, "shop/selector app=api sidecar-inbound http: +y"},
	} {
		if got := lines(tt.base, tt.head); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	rb, _ := explain(t, 30, a(""), b)
	rh, _ := explain(t, 30, a("priority: 2"))
	var out strings.Builder
	if err := chain.WriteDiff(&out, "mermaid", "1.30", chain.Diff(rb, rh, 30)); err != nil {
		t.Fatal(err)
	}
	checkMermaid(t, out.String())
}
