package compat

import (
	"strings"
	"testing"
)

func TestParseIstio(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Istio
		err  string
	}{
		{"1.5", 5, ""},
		{"1.24.3", 24, ""},
		{"v1.8", 8, ""},
		{"1.8.0-beta.1", 8, ""},
		{" 1.12 ", 12, ""},
		{"1.99", 99, ""}, // newer than known: returned as written
		{"1.4", 0, "not supported"},
		{"2.0", 0, "invalid Istio version"},
		{"1", 0, "invalid"},
		{"1.x", 0, "invalid"},
		{"1.2.3.4", 0, "invalid"},
		{"1.-3", 0, "invalid"},
		{"", 0, "invalid"},
	} {
		got, err := ParseIstio(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseIstio(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseIstio(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if _, err := ParseEnvoy("1.12"); err == nil {
		t.Error("ParseEnvoy(1.12) accepted an Envoy before Wasm")
	}
	if v, err := ParseEnvoy("v1.33.2"); err != nil || v != 33 {
		t.Errorf("ParseEnvoy(v1.33.2) = %v, %v", v, err)
	}
}

func TestZeroIsNewest(t *testing.T) {
	var v Istio
	if v.Minor() != int(NewestIstio) || v.String() != NewestIstio.String() || v.Dialect() != DialectTyped {
		t.Errorf("zero Istio = %s %v, want the newest", v, v.Dialect())
	}
	var e Envoy
	if e.Minor() != int(NewestEnvoy) {
		t.Errorf("zero Envoy = %s, want the newest", e)
	}
	if NewestIstio.Envoy() != NewestEnvoy {
		t.Errorf("NewestIstio ships Envoy %s, NewestEnvoy is %s", NewestIstio.Envoy(), NewestEnvoy)
	}
	if k, newer := Istio(40).Known(); !newer || k != NewestIstio {
		t.Errorf("Istio(40).Known() = %v, %v", k, newer)
	}
	if k, newer := Istio(12).Known(); newer || k != 12 {
		t.Errorf("Istio(12).Known() = %v, %v", k, newer)
	}
}

// TestFeatures pins each threshold from both sides, so a changed number fails here
// and in the goldens that depend on it.
func TestFeatures(t *testing.T) {
	for _, tt := range []struct {
		f         Feature
		without   Istio // the last release without it (0: none)
		with      Istio // the first with it
		removedAt Istio // the first without it again (0: never)
	}{
		{TypedStructDialect, 6, 7, 0},
		{TypedDialect, 8, 9, 0},
		{LegacyNames, 0, 5, 8},
		{Priority, 10, 11, 0},
		{FailOpen, 6, 7, 0},
		{EnvVars, 9, 10, 0},
		{FailurePolicy, 24, 25, 0},
		{AgentOCI, 11, 12, 0},
		{WasmPlugin, 11, 12, 0},
		{PluginType, 19, 20, 0},
		{TargetRef, 19, 20, 0},
		{TargetRefs, 21, 22, 0},
		{FailReload, 26, 27, 0},
		{TargetRefService, 21, 22, 0},
		{TargetRefServiceEntry, 23, 24, 0},
		{TargetRefGatewayClass, 24, 25, 0},
		{TargetRefsCRDRules, 23, 24, 0},
		{TargetRefNamespaceCRD, 22, 23, 0},
		{TargetRefKindsCRD, 22, 23, 25},
		{EnvoyFilterTargetRefs, 21, 22, 0},
		{EnvoyFilterTargetRefsAttach, 26, 27, 0},
		{TrafficExtension, 29, 30, 0},
		{WasmPluginFilterPrefix, 20, 21, 0},
		{WasmPluginFilterPrefixFixed, 25, 26, 0},
		{GatewayNameLabelK8s, 20, 21, 0},
		{LegacyGatewayNamePods, 0, 5, 24},
		// The chains and the patch order (chain.go).
		{NativeChain, 15, 16, 0},
		{FaultBeforeCORS, 12, 13, 0},
		{GRPCStatsAlways, 17, 18, 0},
		{AlpnOnGateways, 13, 14, 0},
		{IstioAuthnHTTP, 0, 5, 24},
		{NetworkWasmPlugin, 19, 20, 0},
		{EnvoyFilterMergedOrder, 21, 22, 0},
		{WasmPluginLocalFirst, 19, 20, 0},
		{PatchListFirst, 13, 14, 0},
		{PatchRemoveInOrder, 18, 19, 0},
		{DeprecatedNameMatch, 7, 8, 19},
		{InsertFirst, 5, 6, 0},
		{TelemetryEnvoyFilters, 0, 5, 0},
	} {
		if tt.without != 0 && tt.without.Has(tt.f) {
			t.Errorf("%s: Istio %s has it", tt.f.Name, tt.without)
		}
		if !tt.with.Has(tt.f) {
			t.Errorf("%s: Istio %s lacks it", tt.f.Name, tt.with)
		}
		if tt.f.Since() != tt.with {
			t.Errorf("%s: Since() = %s, want %s", tt.f.Name, tt.f.Since(), tt.with)
		}
		if tt.removedAt != 0 {
			if tt.removedAt.Has(tt.f) || tt.f.Until() != tt.removedAt {
				t.Errorf("%s: removed at %s, Until() = %s", tt.f.Name, tt.removedAt, tt.f.Until())
			}
		} else if !Istio(0).Has(tt.f) {
			t.Errorf("%s: the newest Istio lacks it", tt.f.Name)
		}
		if tt.f.Source == "" {
			t.Errorf("%s: no source", tt.f.Name)
		}
	}
	// Envoy features answer for Envoy directly and for Istio through the Envoy it ships.
	if Envoy(17).Has(EnvVars) || !Envoy(18).Has(EnvVars) {
		t.Error("EnvVars is an Envoy 1.18 feature")
	}
	if Envoy(14).Has(FailOpen) || !Envoy(15).Has(FailOpen) {
		t.Error("FailOpen (Istio 1.7) answers for Envoy through the Istio that ships it")
	}
}

func TestDialect(t *testing.T) {
	for v, want := range map[Istio]Dialect{5: DialectLegacy, 6: DialectLegacy, 7: DialectTypedStruct, 8: DialectTypedStruct, 9: DialectTyped, 32: DialectTyped} {
		if got := v.Dialect(); got != want {
			t.Errorf("Istio %s dialect %v, want %v", v, got, want)
		}
	}
}

func TestABIs(t *testing.T) {
	if _, _, ok := Istio(4).ABIs(); ok {
		t.Error("Istio 1.4 speaks no ABI")
	}
	ex, _, ok := Istio(7).ABIs()
	if !ok || strings.Join(ex, ",") != ABI010+","+ABI020 {
		t.Errorf("Istio 1.7 ABIs = %v", ex)
	}
	for abi, want := range map[string][2]Istio{ABI010: {5, 0}, ABI020: {7, 0}, ABI021: {8, 0}, wasme097b: {5, 6}, wasme4689: {7, 11}} {
		from, to, ok := ABIIstioRange(abi)
		if !ok || from != want[0] || to != want[1] {
			t.Errorf("ABIIstioRange(%s) = %v..%v %v, want %v", abi, from, to, ok, want)
		}
	}
	if _, _, ok := ABIIstioRange(ABI030); ok {
		t.Error("no Istio speaks 0.3.0 yet")
	}
}

func TestNames(t *testing.T) {
	if n, ok := CanonicalName(HTTPChain, "envoy.ext_authz"); !ok || n != "envoy.filters.http.ext_authz" {
		t.Errorf("http envoy.ext_authz = %q", n)
	}
	if n, ok := CanonicalName(NetworkChain, "envoy.ext_authz"); !ok || n != "envoy.filters.network.ext_authz" {
		t.Errorf("network envoy.ext_authz = %q", n)
	}
	if n, _ := CanonicalNameAnyChain("envoy.ext_authz"); n != "envoy.filters.http.ext_authz" {
		t.Errorf("any-chain envoy.ext_authz = %q, want the HTTP one", n)
	}
	// The legacy names are the inverse of the same table: every entry round-trips.
	for c, m := range deprecatedNames {
		for old, canonical := range m {
			if got := LegacyName(Chain(c), canonical); got != old {
				t.Errorf("LegacyName(%d, %s) = %s, want %s", c, canonical, got, old)
			}
		}
	}
	if LegacyName(HTTPChain, JwtAuthnFilter) != JwtAuthnFilter {
		t.Error("a name without a legacy spelling is itself")
	}
	if !IsRouterName("envoy.router") || !IsRouterName(Router) || IsRouterName("envoy.filters.http.wasm") {
		t.Error("IsRouterName")
	}
}

func TestHostFuncs(t *testing.T) {
	for _, tt := range []struct {
		envoy      Envoy
		module, fn string
		abi        string
		want       bool
	}{
		{13, HostModuleEnv, "proxy_log", ABI010, true},
		{13, HostModuleWASIOld, "fd_write", ABI010, true},
		{15, HostModuleWASI, "clock_time_get", ABI010, false},
		{16, HostModuleWASI, "clock_time_get", ABI010, true},
		{20, HostModuleWASI, "path_open", ABI021, false},
		{21, HostModuleWASI, "path_open", ABI021, true},
		{32, HostModuleWASI, "sched_yield", ABI021, false},
		{33, HostModuleWASI, "sched_yield", ABI021, true},
		{38, HostModuleWASI, "fd_filestat_get", ABI021, false},
		{0, HostModuleWASI, "fd_filestat_get", ABI021, true},
		{0, HostModuleWASI, "proc_raise", ABI021, false},
		{0, HostModuleEnv, "proxy_continue_stream", ABI010, false},
		{0, HostModuleEnv, "proxy_continue_stream", ABI020, true},
		{0, HostModuleEnv, "proxy_get_log_level", ABI020, false},
		{0, HostModuleEnv, "proxy_get_log_level", ABI021, true},
		{0, HostModuleEnv, "proxy_get_configuration", ABI010, true},
		{22, HostModuleEnv, "emscripten_notify_memory_growth", ABI021, false},
		{23, HostModuleEnv, "emscripten_notify_memory_growth", ABI021, true},
	} {
		if got := tt.envoy.HostProvides(tt.module, tt.fn, tt.abi); got != tt.want {
			t.Errorf("Envoy %s HostProvides(%s.%s, %s) = %v, want %v", tt.envoy, tt.module, tt.fn, tt.abi, got, tt.want)
		}
	}
	if n := len(Envoy(0).HostFuncsFor(ABI021)[HostModuleWASI]); n != 45 {
		t.Errorf("the newest host registers %d WASI calls, want the 45 of exports.h FOR_ALL_WASI_FUNCTIONS", n)
	}
}

func TestAllowedAtStart(t *testing.T) {
	for _, tt := range []struct {
		envoy      Envoy
		module, fn string
		want       bool
	}{
		{23, HostModuleEnv, "proxy_get_property", true}, // before V8's restriction
		{24, HostModuleEnv, "proxy_get_property", false},
		{24, HostModuleEnv, "proxy_log", true},
		{24, HostModuleWASI, "random_get", true},
		{32, HostModuleWASI, "fd_fdstat_get", false},
		{33, HostModuleWASIOld, "fd_fdstat_get", true},
		{38, HostModuleWASI, "poll_oneoff", false},
		{39, HostModuleWASI, "poll_oneoff", true},
		{0, HostModuleWASI, "sched_yield", false},
		{0, HostModuleWASI, "fd_pread", true},
	} {
		if got := tt.envoy.AllowedAtStart(tt.module, tt.fn); got != tt.want {
			t.Errorf("Envoy %s AllowedAtStart(%s.%s) = %v, want %v", tt.envoy, tt.module, tt.fn, got, tt.want)
		}
	}
}
