package validate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/diag"

	"github.com/wasmgen/wasmgen/compat"
)

// ef wraps config patches (YAML, indented as list items under configPatches) in an
// EnvoyFilter with a priority, so only the rule under test fires.
func ef(patches string) string {
	return "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: t, namespace: ns}\nspec:\n  priority: 1\n  configPatches:\n" + patches
}

// wasmPatch is an INSERT_BEFORE of a Wasm HTTP filter whose vm_config / plugin fields
// are given as a flow mapping body.
func wasmPatch(plugin string) string {
	return `  - applyTo: HTTP_FILTER
    match:
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter: {name: envoy.filters.http.router}
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.filters.http.wasm
        typed_config:
          '@type': type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
          config: {` + plugin + `}
`
}

// ecds is an EXTENSION_CONFIG patch of a Wasm filter with the given vm_config body.
func ecds(_ string, vm string) string {
	return ef("  - applyTo: EXTENSION_CONFIG\n    patch:\n      operation: ADD\n      value:\n        name: w\n        typed_config:\n          '@type': type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm\n          config: {vm_config: {runtime: envoy.wasm.runtime.v8, " + vm + "}}\n")
}

// ecdsTypedStruct is ecds with the Wasm wrapped in a TypedStruct (the 1.7–1.11 form).
func ecdsTypedStruct(vm string) string {
	return ef("  - applyTo: EXTENSION_CONFIG\n    patch:\n      operation: ADD\n      value:\n        name: w\n        typed_config:\n          '@type': type.googleapis.com/udpa.type.v1.TypedStruct\n          type_url: type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm\n          value: {config: {vm_config: {runtime: envoy.wasm.runtime.v8, " + vm + "}}}\n")
}

const goodVM = `vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: /f.wasm}}}`

func codes(l diag.List) string {
	var s []string
	for _, f := range l {
		s = append(s, f.Code)
	}
	return strings.Join(s, ",")
}

func run(t *testing.T, name, doc string, opts Options) diag.List {
	t.Helper()
	docs := parseDocs(t, []byte(doc))
	c := NewChecker(opts)
	for _, d := range docs {
		c.Add(name, d)
	}
	return c.Finish()
}

func TestEnvoyFilterRules(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		opts Options
		code string // must appear
		not  bool   // ...or must not appear
		line int    // when set, the finding's line
	}{
		{"clean wasm", ef(wasmPatch(goodVM)), Options{}, "", false, 0},
		{"missing value", ef("  - applyTo: CLUSTER\n    patch: {operation: ADD}\n"), Options{}, "IST0106", false, 8},
		{"remove needs no value", ef("  - applyTo: CLUSTER\n    match: {cluster: {name: x}}\n    patch: {operation: REMOVE}\n"), Options{}, "IST0106", true, 0},
		{"missing applyTo", ef("  - patch: {operation: ADD, value: {name: x}}\n"), Options{}, "IST0106", false, 7},
		{"bad applyTo", ef("  - applyTo: HTTP_FILTR\n    patch: {operation: ADD, value: {name: x}}\n"), Options{}, "WG7002", false, 7},
		{"missing operation", ef("  - applyTo: CLUSTER\n    patch: {value: {name: x}}\n"), Options{}, "IST0106", false, 8},
		{"subfilter without hcm", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy, subFilter: {name: x}}}}}\n    patch: {operation: INSERT_FIRST, value: {name: x, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}}\n"), Options{}, "IST0106", false, 8},
		{"subfilter on network filter", ef("  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: x}}}}}\n    patch: {operation: REMOVE}\n"), Options{}, "IST0106", false, 8},
		{"non listener match", ef("  - applyTo: HTTP_FILTER\n    match: {cluster: {name: x}}\n    patch: {operation: REMOVE}\n"), Options{}, "IST0106", false, 8},
		{"bad proxy version", ef("  - applyTo: CLUSTER\n    match: {proxy: {proxyVersion: '('}, cluster: {name: x}}\n    patch: {operation: REMOVE}\n"), Options{}, "IST0106", false, 8},
		{"good proxy version", ef("  - applyTo: CLUSTER\n    match: {proxy: {proxyVersion: '^1\\.2.*'}, cluster: {name: x}}\n    patch: {operation: REMOVE}\n"), Options{}, "IST0106", true, 0},
		{"deprecated match name on 1.18 matches", ef("  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.tcp_proxy}}}}\n    patch: {operation: REMOVE}\n"), Options{Istio: 18}, "IST0133", false, 8},
		{"WasmPlugin filter of 1.26 on 1.25 never matches", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: 'extensions.istio.io/wasmplugin/ns.p'}}}}}\n    patch: {operation: REMOVE}\n"), Options{Istio: 25}, CodeMatchName, false, 8},
		{"WasmPlugin filter of 1.25 on 1.25", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: 'extenstions.istio.io/wasmplugin/ns.p'}}}}}\n    patch: {operation: REMOVE}\n"), Options{Istio: 25}, CodeMatchName, true, 0},
		{"WasmPlugin filter of 1.29 on 1.30 never matches", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: 'extensions.istio.io/wasmplugin/ns.p'}}}}}\n    patch: {operation: REMOVE}\n"), Options{Istio: 30}, CodeMatchName, false, 8},
		{"WasmPlugin filter of 1.30 on 1.30", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: 'extensions.istio.io/trafficextension/ns.p~istio-translated-wasmplugin'}}}}}\n    patch: {operation: REMOVE}\n"), Options{Istio: 30}, CodeMatchName, true, 0},
		{"deprecated match name from 1.19 never matches", ef("  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.tcp_proxy}}}}\n    patch: {operation: REMOVE}\n"), Options{Istio: 19}, CodeMatchName, false, 8},
		{"current match name on 1.6 never matches", strings.Replace(ef("  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy}}}}\n    patch: {operation: REMOVE}\n"), "  priority: 1\n", "", 1), Options{Istio: 6}, CodeMatchName, false, 7},
		{"deprecated match name on 1.6 is the name", strings.Replace(ef("  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.tcp_proxy}}}}\n    patch: {operation: REMOVE}\n"), "  priority: 1\n", "", 1), Options{Istio: 6}, CodeMatchName, true, 0},
		// istiod 1.7 still named its filters the old way and matched exactly; 1.8 matched both.
		{"current match name on 1.7 never matches", strings.Replace(ef("  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy}}}}\n    patch: {operation: REMOVE}\n"), "  priority: 1\n", "", 1), Options{Istio: 7}, CodeMatchName, false, 7},
		{"current match name on 1.8 matches", strings.Replace(ef("  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy}}}}\n    patch: {operation: REMOVE}\n"), "  priority: 1\n", "", 1), Options{Istio: 8}, CodeMatchName, true, 0},
		{"old names are the names on Istio 1.5", ef("  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.tcp_proxy}}}}\n    patch: {operation: REMOVE}\n"), Options{Istio: 5}, "IST0133", true, 0},
		{"deprecated value name", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: envoy.lua, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua}}}\n"), Options{}, "WG7051", false, 9},
		{"replace cluster", ef("  - applyTo: CLUSTER\n    match: {cluster: {name: x}}\n    patch: {operation: REPLACE, value: {name: x}}\n"), Options{}, "IST0152", false, 9},
		{"replace http filter", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: a}}}}}\n    patch: {operation: REPLACE, value: {name: b, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}}\n"), Options{}, "IST0152", true, 0},
		{"add route configuration", ef("  - applyTo: ROUTE_CONFIGURATION\n    patch: {operation: ADD, value: {name: x}}\n"), Options{}, "IST0153", false, 8},
		{"remove http route", ef("  - applyTo: HTTP_ROUTE\n    patch: {operation: REMOVE}\n"), Options{}, "IST0154", false, 0},
		{"relative without priority", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "priority: 0", 1), Options{}, "IST0151", false, 0},
		{"relative with priority", ef(wasmPatch(goodVM)), Options{}, "IST0151", true, 0},
		{"priority on Istio 1.10", ef(wasmPatch(goodVM)), Options{Istio: 10}, CodeOlderIstio, false, 5},
		{"priority on Istio 1.11", ef(wasmPatch(goodVM)), Options{Istio: 11}, CodeOlderIstio, true, 0},
		{"no IST0151 before priority existed", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "priority: 0", 1), Options{Istio: 10}, "IST0151", true, 0},
		{"env on Istio 1.9", strings.Replace(ef(wasmPatch(`vm_config: {runtime: envoy.wasm.runtime.v8, environment_variables: {host_env_keys: [A]}, code: {local: {filename: /f.wasm}}}`)), "  priority: 1\n", "", 1), Options{Istio: 9}, CodeOlderIstio, false, 19},
		{"env on Istio 1.10", strings.Replace(ef(wasmPatch(`vm_config: {runtime: envoy.wasm.runtime.v8, environment_variables: {host_env_keys: [A]}, code: {local: {filename: /f.wasm}}}`)), "  priority: 1\n", "", 1), Options{Istio: 10}, CodeOlderIstio, true, 0},
		{"failure_policy on Istio 1.24", ef(wasmPatch(`failure_policy: FAIL_OPEN, ` + goodVM)), Options{Istio: 24}, CodeOlderIstio, false, 20},
		{"failure_policy on Istio 1.25", ef(wasmPatch(`failure_policy: FAIL_OPEN, ` + goodVM)), Options{Istio: 25}, CodeOlderIstio, true, 0},
		{"fail_open and failure_policy", ef(wasmPatch(`fail_open: true, failure_policy: FAIL_CLOSED, ` + goodVM)), Options{}, "WG7049", false, 20},
		{"fail_open alone", ef(wasmPatch(`fail_open: true, ` + goodVM)), Options{}, "WG7049", true, 0},
		{"fail_open false and failure_policy", ef(wasmPatch(`fail_open: false, failure_policy: FAIL_OPEN, ` + goodVM)), Options{}, "WG7049", true, 0},
		{"both on Istio 1.24 (no failure_policy yet)", ef(wasmPatch(`fail_open: true, failure_policy: FAIL_CLOSED, ` + goodVM)), Options{Istio: 24}, "WG7049", true, 0},
		{"add http filter after router", ef("  - applyTo: HTTP_FILTER\n    patch: {operation: ADD, value: {name: x, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}}}\n"), Options{}, "WG7050", false, 8},
		{"insert before without subfilter", ef("  - applyTo: HTTP_FILTER\n    patch: {operation: INSERT_BEFORE, value: {name: x, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}}}\n"), Options{}, "WG7052", false, 8},
		{"extension config merge", ef("  - applyTo: EXTENSION_CONFIG\n    patch: {operation: MERGE, value: {name: x}}\n"), Options{}, "WG7060", false, 8},
		{"unknown spec field", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "prority: 1", 1), Options{}, "WG7001", false, 5},
		{"unknown value field outside Any", ef("  - applyTo: CLUSTER\n    match: {cluster: {name: x}}\n    patch: {operation: MERGE, value: {conect_timeout: 1s}}\n"), Options{}, "IST0133", false, 9},
		{"unknown typed field newest", ef(wasmPatch("rot_id: x, " + goodVM)), Options{}, "WG7011", false, 20},
		{"unknown typed field 1.8 is a warning", ef(wasmPatch("rot_id: x, " + goodVM)), Options{Istio: 8}, "WG7011", true, 0},
		{"legacy config removed", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: x, config: {}}}\n"), Options{}, "WG7012", false, 9},
		{"legacy config fine on 1.5", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: x, config: {}}}\n"), Options{Istio: 5}, "WG7012", true, 0},
		{"v2 type", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: x, typed_config: {'@type': type.googleapis.com/envoy.config.filter.http.wasm.v2.Wasm}}}\n"), Options{}, "IST0106", false, 9},
		{"unknown runtime", ef(wasmPatch(`vm_config: {runtime: v8, code: {local: {filename: /f.wasm}}}`)), Options{}, "WG7040", false, 20},
		{"bad json config", ef(wasmPatch(`configuration: {'@type': type.googleapis.com/google.protobuf.StringValue, value: '{"a":}'}, ` + goodVM)), Options{}, "WG7041", false, 20},
		{"good json config", ef(wasmPatch(`configuration: {'@type': type.googleapis.com/google.protobuf.StringValue, value: '{"a":1}'}, ` + goodVM)), Options{}, "WG7041", true, 0},
		{"plain string config", ef(wasmPatch(`configuration: {'@type': type.googleapis.com/google.protobuf.StringValue, value: 'hello'}, ` + goodVM)), Options{}, "WG7041", true, 0},
		{"remote without sha", ef(wasmPatch(`vm_config: {runtime: envoy.wasm.runtime.v8, code: {remote: {http_uri: {uri: "https://x/f.wasm", cluster: c, timeout: 1s}}}}`)), Options{}, "WG7042", false, 20},
		{"remote with sha", ef(wasmPatch(`vm_config: {runtime: envoy.wasm.runtime.v8, code: {remote: {sha256: 72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584, http_uri: {uri: "https://x/f.wasm", cluster: c, timeout: 1s}}}}`)), Options{}, "WG7042", true, 0},
		{"remote with a placeholder sha", ef(wasmPatch(`vm_config: {runtime: envoy.wasm.runtime.v8, code: {remote: {sha256: '${SHA}', http_uri: {uri: "https://x/f.wasm", cluster: c, timeout: 1s}}}}`)), Options{}, "WG7042", false, 20},
		// The istio-agent downloads ECDS Wasm itself: no cluster, timeout or sha256 needed.
		{"ecds remote, agent fetches", ecds("1.12", `code: {remote: {http_uri: {uri: "https://x/f.wasm"}}}`), Options{Istio: 12}, "", false, 0},
		{"ecds remote without sha warns", ecds("1.12", `code: {remote: {http_uri: {uri: "https://x/f.wasm"}}}`), Options{Istio: 12}, "WG7042", false, 0},
		{"ecds remote nil sha", ecds("1.12", `code: {remote: {sha256: nil, http_uri: {uri: "https://x/f.wasm"}}}`), Options{Istio: 12}, "", false, 0},
		{"ecds oci by digest, no sha: the digest is the checksum", ecds("1.12", `code: {remote: {sha256: nil, http_uri: {uri: "oci://r.example/f@sha256:72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584"}}}`), Options{Istio: 12}, "WG7042", true, 0},
		{"ecds oci by tag, no sha warns", ecds("1.12", `code: {remote: {sha256: nil, http_uri: {uri: "oci://r.example/f:v1"}}}`), Options{Istio: 12}, "WG7042", false, 0},
		{"ecds oci by a short digest, no sha warns", ecds("1.12", `code: {remote: {http_uri: {uri: "oci://r.example/f@sha256:72ad"}}}`), Options{Istio: 12}, "WG7042", false, 0},
		{"ecds remote placeholder sha", ecds("1.12", `code: {remote: {sha256: "<sha>", http_uri: {uri: "https://x/f.wasm"}}}`), Options{Istio: 12}, "WG7042", false, 0},
		{"ecds direct Wasm on 1.11: Envoy fetches", ecds("1.11", `code: {remote: {http_uri: {uri: "https://x/f.wasm"}}}`), Options{Istio: 11}, "WG7042", false, 0},
		{"ecds TypedStruct on 1.9: the agent fetches", ecdsTypedStruct(`code: {remote: {http_uri: {uri: "https://x/f.wasm"}}}`), Options{Istio: 9}, "", false, 0},
		{"ecds TypedStruct on 1.8: Envoy fetches", ecdsTypedStruct(`code: {remote: {http_uri: {uri: "https://x/f.wasm"}}}`), Options{Istio: 8}, "WG7042", false, 0},
		// vm_config.runtime may be empty from Envoy 1.23 (Istio 1.15).
		{"empty runtime on 1.14", strings.Replace(ef(wasmPatch(`vm_config: {code: {local: {filename: /f.wasm}}}`)), "priority: 1", "priority: 0", 1), Options{Istio: 14}, "WG7040", false, 0},
		{"empty runtime on 1.15", ef(wasmPatch(`vm_config: {code: {local: {filename: /f.wasm}}}`)), Options{Istio: 15}, "", false, 0},
		{"empty filename", ef(wasmPatch(`vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: ""}}}`)), Options{}, "WG7043", false, 20},
		{"no code", ef(wasmPatch(`vm_config: {runtime: envoy.wasm.runtime.v8}`)), Options{}, "WG7044", false, 20},
		{"no vm", ef(wasmPatch(`root_id: r`)), Options{}, "WG7047", false, 0},
		{"env key twice", ef(wasmPatch(`vm_config: {runtime: envoy.wasm.runtime.v8, environment_variables: {host_env_keys: [A, B, A]}, code: {local: {filename: /f.wasm}}}`)), Options{}, "WG7048", false, 20},
		{"env key in both", ef(wasmPatch(`vm_config: {runtime: envoy.wasm.runtime.v8, environment_variables: {host_env_keys: [A], key_values: {A: x}}, code: {local: {filename: /f.wasm}}}`)), Options{}, "WG7048", false, 20},
		{"env keys unique", ef(wasmPatch(`vm_config: {runtime: envoy.wasm.runtime.v8, environment_variables: {host_env_keys: [A], key_values: {B: x}}, code: {local: {filename: /f.wasm}}}`)), Options{}, "WG7048", true, 0},
		{"pgv inside Any", ef("  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: r, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC}}}\n"), Options{}, "WG7030", false, 9},
		{"pgv inside Any passes", ef("  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: r, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC, stat_prefix: r}}}\n"), Options{}, "WG7030", true, 0},
		{"workload selector without labels", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "priority: 1\n  workloadSelector: {}", 1), Options{}, "IST0133", false, 0},
		{"selector and targetRefs", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "priority: 1\n  workloadSelector: {labels: {a: b}}\n  targetRefs: [{kind: Service, name: s}]", 1), Options{}, "WG7061", false, 0},
		{"targetRefs alone on 1.26", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "priority: 1\n  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]", 1), Options{Istio: 26}, "WG7112", false, 0},
		{"targetRefs alone on 1.21", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "priority: 1\n  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]", 1), Options{Istio: 21}, "WG7112", false, 0},
		{"targetRefs alone on 1.27", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "priority: 1\n  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]", 1), Options{Istio: 27}, "WG7112", true, 0},
		{"gateway-name selector on 1.26", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "priority: 1\n  workloadSelector: {labels: {gateway.networking.k8s.io/gateway-name: gw}}", 1), Options{Istio: 26}, "WG7112", true, 0},
		{"17 targetRefs", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "priority: 1\n  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: g0}, {kind: Gateway, group: gateway.networking.k8s.io, name: g1}, {kind: Gateway, group: gateway.networking.k8s.io, name: g2}, {kind: Gateway, group: gateway.networking.k8s.io, name: g3}, {kind: Gateway, group: gateway.networking.k8s.io, name: g4}, {kind: Gateway, group: gateway.networking.k8s.io, name: g5}, {kind: Gateway, group: gateway.networking.k8s.io, name: g6}, {kind: Gateway, group: gateway.networking.k8s.io, name: g7}, {kind: Gateway, group: gateway.networking.k8s.io, name: g8}, {kind: Gateway, group: gateway.networking.k8s.io, name: g9}, {kind: Gateway, group: gateway.networking.k8s.io, name: g10}, {kind: Gateway, group: gateway.networking.k8s.io, name: g11}, {kind: Gateway, group: gateway.networking.k8s.io, name: g12}, {kind: Gateway, group: gateway.networking.k8s.io, name: g13}, {kind: Gateway, group: gateway.networking.k8s.io, name: g14}, {kind: Gateway, group: gateway.networking.k8s.io, name: g15}, {kind: Gateway, group: gateway.networking.k8s.io, name: g16}]", 1), Options{}, "WG7004", false, 0},
		{"17 targetRefs on 1.23", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "priority: 1\n  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: g0}, {kind: Gateway, group: gateway.networking.k8s.io, name: g1}, {kind: Gateway, group: gateway.networking.k8s.io, name: g2}, {kind: Gateway, group: gateway.networking.k8s.io, name: g3}, {kind: Gateway, group: gateway.networking.k8s.io, name: g4}, {kind: Gateway, group: gateway.networking.k8s.io, name: g5}, {kind: Gateway, group: gateway.networking.k8s.io, name: g6}, {kind: Gateway, group: gateway.networking.k8s.io, name: g7}, {kind: Gateway, group: gateway.networking.k8s.io, name: g8}, {kind: Gateway, group: gateway.networking.k8s.io, name: g9}, {kind: Gateway, group: gateway.networking.k8s.io, name: g10}, {kind: Gateway, group: gateway.networking.k8s.io, name: g11}, {kind: Gateway, group: gateway.networking.k8s.io, name: g12}, {kind: Gateway, group: gateway.networking.k8s.io, name: g13}, {kind: Gateway, group: gateway.networking.k8s.io, name: g14}, {kind: Gateway, group: gateway.networking.k8s.io, name: g15}, {kind: Gateway, group: gateway.networking.k8s.io, name: g16}]", 1), Options{Istio: 23}, "WG7004", true, 0},
		{"wildcard selector", strings.Replace(ef(wasmPatch(goodVM)), "priority: 1", "priority: 1\n  workloadSelector: {labels: {a: '*'}}", 1), Options{}, "IST0106", false, 0},
		{"wrong apiVersion", strings.Replace(ef(wasmPatch(goodVM)), "v1alpha3", "v1", 1), Options{}, "WG7003", false, 1},
		{"duplicate key", ef("  - applyTo: CLUSTER\n    applyTo: LISTENER\n    match: {cluster: {name: x}}\n    patch: {operation: REMOVE}\n"), Options{}, "WG7000", false, 8},
		{"oneof clash", ef(wasmPatch(`vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: /a, inline_string: b}}}`)), Options{}, "WG7002", false, 20},
		{"listener chain order", ef("  - applyTo: LISTENER\n    patch:\n      operation: ADD\n      value:\n        name: l\n        address: {socket_address: {address: 0.0.0.0, port_value: 1}}\n        filter_chains: [{filters: [{name: r, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC, stat_prefix: r}}]}]\n"), Options{}, "WG7102", false, 0},
		{"pgv cluster", ef("  - applyTo: CLUSTER\n    patch: {operation: ADD, value: {connect_timeout: 1s}}\n"), Options{}, "WG7030", false, 8},
		// istiod parses patch values case-sensitively; Envoy converts a TypedStruct's value itself, leniently.
		{"lower-case enum in a patch value", ef("  - applyTo: CLUSTER\n    patch: {operation: ADD, value: {name: c, connect_timeout: 1s, type: strict_dns}}\n"), Options{}, "WG7002", false, 8},
		{"lower-case enum in a TypedStruct", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: w, typed_config: {'@type': type.googleapis.com/udpa.type.v1.TypedStruct, type_url: type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm, value: {config: {failure_policy: fail_open, vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: /f.wasm}}}}}}}}\n"), Options{}, "", false, 0},
		// A TypedStruct naming a type outside the Envoy API is passed on unchecked: a warning, not a verdict.
		{"TypedStruct of an unknown type warns", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: w, typed_config: {'@type': type.googleapis.com/udpa.type.v1.TypedStruct, type_url: type.googleapis.com/acme.filters.Custom, value: {a: 1}}}}\n"), Options{}, CodeUnknownTyped, false, 9},
		{"TypedStruct of an Envoy type does not", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: w, typed_config: {'@type': type.googleapis.com/udpa.type.v1.TypedStruct, type_url: type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors, value: {}}}}\n"), Options{}, CodeUnknownTyped, true, 0},
		{"TypedStruct of an istio-proxy type is silent", ef("  - applyTo: NETWORK_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.tcp_proxy}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: mx, typed_config: {'@type': type.googleapis.com/udpa.type.v1.TypedStruct, type_url: type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange, value: {protocol: istio-peer-exchange}}}}\n"), Options{}, CodeUnknownTyped, true, 0},
		// Every type the consumer knows is known: v2 while Envoy has it, types wasmgen does not link.
		{"v2 TypedStruct on 1.5", strings.Replace(ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.http_connection_manager, subFilter: {name: envoy.router}}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: envoy.filters.http.wasm, typed_config: {'@type': type.googleapis.com/udpa.type.v1.TypedStruct, type_url: type.googleapis.com/envoy.config.filter.http.wasm.v2.Wasm, value: {config: {vm_config: {runtime: envoy.wasm.runtime.null, code: {local: {inline_string: envoy.wasm.stats}}}}}}}}\n"), "  priority: 1\n", "", 1), Options{Istio: 5}, "", false, 0},
		{"v2 TypedStruct on the newest", ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: envoy.filters.http.wasm, typed_config: {'@type': type.googleapis.com/udpa.type.v1.TypedStruct, type_url: type.googleapis.com/envoy.config.filter.http.wasm.v2.Wasm, value: {}}}}\n"), Options{}, CodeInvalidValue, false, 9},
		{"v2alpha Any on 1.5", strings.Replace(ef("  - applyTo: HTTP_FILTER\n    match: {listener: {filterChain: {filter: {name: envoy.http_connection_manager, subFilter: {name: envoy.router}}}}}\n    patch: {operation: INSERT_BEFORE, value: {name: envoy.filters.http.jwt_authn, typed_config: {'@type': type.googleapis.com/envoy.config.filter.http.jwt_authn.v2alpha.JwtAuthentication}}}\n"), "  priority: 1\n", "", 1), Options{Istio: 5}, "", false, 0},
		{"an Envoy type wasmgen does not link", ef("  - applyTo: CLUSTER\n    patch: {operation: ADD, value: {name: c, connect_timeout: 1s, typed_extension_protocol_options: {envoy.extensions.upstreams.http.v3.HttpProtocolOptions: {'@type': type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions, explicit_http_config: {http2_protocol_options: {}}, http_filters: [{name: envoy.filters.http.upstream_codec, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec}}]}}}}\n"), Options{}, "", false, 0},
		{"pgv skipped on merge", ef("  - applyTo: CLUSTER\n    match: {cluster: {name: x}}\n    patch: {operation: MERGE, value: {connect_timeout: 1s}}\n"), Options{}, "WG7030", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := run(t, "t.yaml", tt.doc, tt.opts)
			if tt.code == "" {
				if l.HasErrors() {
					t.Fatalf("want no errors, got:\n%v", fmtList(l))
				}
				return
			}
			var hit *diag.Finding
			for i := range l {
				if l[i].Code == tt.code {
					hit = &l[i]
					break
				}
			}
			switch {
			case tt.not && hit != nil:
				t.Fatalf("want no %s, got:\n%v", tt.code, fmtList(l))
			case !tt.not && hit == nil:
				t.Fatalf("want %s, got:\n%v", tt.code, fmtList(l))
			case hit != nil && tt.line != 0 && hit.Pos.Line != tt.line:
				t.Fatalf("%s at line %d, want %d:\n%v", tt.code, hit.Pos.Line, tt.line, fmtList(l))
			}
		})
	}
}

func fmtList(l diag.List) string {
	var b strings.Builder
	for _, f := range l {
		fmt.Fprintln(&b, f.String())
	}
	return b.String()
}

// TestSharedVM checks the cross-document rule both ways: plugins of one VM (vm_id,
// VM configuration and code alike) and one root_id with different configurations
// share a root context before Envoy 1.17 only.
func TestSharedVM(t *testing.T) {
	old := Options{Istio: 8} // Envoy 1.16
	a := ef(wasmPatch(`root_id: r, configuration: {'@type': type.googleapis.com/google.protobuf.StringValue, value: a}, vm_config: {vm_id: v, runtime: envoy.wasm.runtime.v8, code: {local: {filename: /f.wasm}}}`))
	b := strings.Replace(strings.Replace(a, "value: a}", "value: b}", 1), "name: t,", "name: u,", 1)
	pair := func(x, y string, o Options) bool {
		l := checkAll([]Doc{{"a.yaml", parseDocs(t, []byte(x))[0]}, {"b.yaml", parseDocs(t, []byte(y))[0]}}, o)
		return strings.Contains(codes(l), CodeWasmSharedVM)
	}
	if !pair(a, b, old) {
		t.Errorf("different configs on one vm_id and root_id at Envoy 1.16: want %s", CodeWasmSharedVM)
	}
	if pair(a, b, Options{}) {
		t.Errorf("Envoy 1.17+ gives each configuration its own root context: want no %s", CodeWasmSharedVM)
	}
	if pair(a, a, old) {
		t.Errorf("identical plugins: want no %s", CodeWasmSharedVM)
	}
	// makeVmKey hashes vm_id, VM configuration and code: other code is another VM.
	if pair(a, strings.Replace(b, "/f.wasm", "/g.wasm", 1), old) {
		t.Errorf("one vm_id with different code is two VMs: want no %s", CodeWasmSharedVM)
	}
	if pair(a, strings.Replace(b, "root_id: r", "root_id: s", 1), old) {
		t.Errorf("different root_ids are different root contexts: want no %s", CodeWasmSharedVM)
	}
	// Filters that cannot meet in one proxy do not share a VM.
	other := strings.Replace(b, "namespace: ns", "namespace: other", 1)
	root := strings.Replace(b, "namespace: ns", "namespace: istio-system", 1)
	sameObject := strings.Replace(a, "value: a}", "value: b}", 1) // EnvoyFilter ns/t again, edited
	for _, tt := range []struct {
		name, second string
		want         bool
	}{
		{"other namespace", other, false},
		{"root namespace applies everywhere", root, true},
		{"the same object in two files", sameObject, false},
	} {
		if got := pair(a, tt.second, old); got != tt.want {
			t.Errorf("%s: shared-VM finding %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestKind(t *testing.T) {
	for doc, want := range map[string]string{
		"kind: EnvoyFilter":               "EnvoyFilter",
		"static_resources: {}":            "Bootstrap",
		`{"admin": {}}`:                   "Bootstrap",
		"apiVersion: v1\nkind: ConfigMap": "ConfigMap",
		"a: b":                            "",
	} {
		if got := Kind(parseDocs(t, []byte(doc))[0]); got != want {
			t.Errorf("Kind(%q) = %q, want %q", doc, got, want)
		}
	}
}

func FuzzEnvoyFilter(f *testing.F) {
	for _, s := range []string{ef(wasmPatch(goodVM)), ef("  - applyTo: CLUSTER\n    patch: {operation: ADD}\n"), ef("  - null\n")} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzInvariants(t, fuzzDocs(b)) })
}

func FuzzWasmPlugin(f *testing.F) {
	f.Add([]byte(wp("  url: oci://a/b\n  vmConfig: {env: [{name: A}]}\n")))
	f.Add([]byte(wp("  url: '%zz'\n")))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzInvariants(t, fuzzDocs(b)) })
}

// BenchmarkEnvoyFilters validates 1,000 EnvoyFilters (the large case).
func BenchmarkEnvoyFilters(b *testing.B) {
	var s strings.Builder
	for i := range 1000 {
		doc := strings.Replace(ef(wasmPatch(goodVM)), "name: t,", fmt.Sprintf("name: f%d,", i), 1)
		if i > 0 {
			s.WriteString("---\n")
		}
		s.WriteString(doc)
	}
	docs := parseDocs(b, []byte(s.String()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c := NewChecker(Options{})
		for _, d := range docs {
			c.Add("bench.yaml", d)
		}
		if l := c.Finish(); l.HasErrors() {
			b.Fatal(fmtList(l))
		}
	}
}

// TestGroups: a kind the Istio group does not have is an error with a suggestion;
// an Istio kind wasmgen does not check, and another project's lookalike, are skipped.
func TestGroups(t *testing.T) {
	for _, tt := range []struct {
		doc   string
		known bool
		code  string
	}{
		{"apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilters\nmetadata: {name: a}\n", true, CodeResource},
		{"apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugins\nmetadata: {name: a}\n", true, CodeResource},
		{"apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: a}\n", false, ""},
		{"apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: a}\nspec: {defaultConfig: x}\n", false, ""},
		{"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicyy\nmetadata: {name: a}\n", false, ""},
	} {
		c := NewChecker(Options{})
		known := c.Add("t.yaml", parseDocs(t, []byte(tt.doc))[0])
		l := c.Finish()
		if known != tt.known || codes(l) != tt.code {
			t.Errorf("%q: known %v, codes %q; want %v, %q:\n%s", tt.doc, known, codes(l), tt.known, tt.code, fmtList(l))
		}
	}
	l := checkOne("t.yaml", parseDocs(t, []byte("apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilters\nmetadata: {name: a}\n"))[0], Options{})
	if len(l) != 1 || !strings.Contains(l[0].String(), `did you mean "EnvoyFilter"?`) {
		t.Errorf("want a suggestion, got\n%s", fmtList(l))
	}
}

// TestDeprecatedFilters: spec.filters is Istio 1.5's field, converted to a filter
// found by its name; Istio 1.6 does not have it.
func TestDeprecatedFilters(t *testing.T) {
	doc := func(name string) string {
		return "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: f}\nspec:\n  filters:\n  - filterName: " + name +
			"\n    filterType: HTTP\n    listenerMatch: {listenerType: SIDECAR_INBOUND}\n    filterConfig: {config: {vm_config: {runtime: envoy.wasm.runtime.null, code: {local: {inline_string: envoy.wasm.stats}}}}}\n"
	}
	for _, tt := range []struct {
		name, doc string
		istio     compat.Istio
		want      string // the codes, sorted
	}{
		{"1.5 with the Wasm filter's name", doc("envoy.filters.http.wasm"), 5, CodeOlderIstio},
		{"1.5 with release-1.3's name", doc("envoy.wasm"), 5, CodeOlderIstio + "," + CodeInvalidValue},
		{"1.6 has no spec.filters", doc("envoy.filters.http.wasm"), 6, CodeUnknownField},
	} {
		l := checkOne("f.yaml", parseDocs(t, []byte(tt.doc))[0], Options{Istio: tt.istio})
		if got := codes(l); got != tt.want {
			t.Errorf("%s: codes %q, want %q:\n%s", tt.name, got, tt.want, fmtList(l))
		}
	}
}

// TestLegacyNamedConfig: Istio 1.5–1.6 proxies convert a patch value's untyped
// config to the v2 message of the filter's name: an unknown field is dropped with a
// warning, and a required oneof left empty fails the listener.
func TestLegacyNamedConfig(t *testing.T) {
	patch := func(code string) string {
		return ef("  - applyTo: HTTP_FILTER\n    match: {context: SIDECAR_INBOUND, listener: {filterChain: {filter: {name: envoy.http_connection_manager, subFilter: {name: envoy.router}}}}}\n" +
			"    patch: {operation: INSERT_BEFORE, value: {name: envoy.filters.http.wasm, config: {config: {root_id: r, vm_config: {runtime: envoy.wasm.runtime.v8, code: " + code + "}}}}}\n")
	}
	for _, tt := range []struct {
		name, doc string
		istio     compat.Istio
		want      string
	}{
		{"local code", patch("{local: {filename: /f.wasm}}"), 5, ""},
		// The dropped field's warning is quieted by the error on its parent.
		{"filename without local", patch("{filename: /f.wasm}"), 5, CodePGV},
		{"the same on 1.6", patch("{filename: /f.wasm}"), 6, CodePGV},
		{"1.7 does not read config", patch("{filename: /f.wasm}"), 7, CodeLegacyConfig},
	} {
		l := run(t, "f.yaml", strings.Replace(tt.doc, "  priority: 1\n", "", 1), Options{Istio: tt.istio})
		var got []string
		for _, f := range l {
			if f.Code != CodeInsertFirst && f.Code != CodeOlderIstio && f.Code != CodeIstioWarning {
				got = append(got, f.Code)
			}
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("%s: codes %q, want %q:\n%s", tt.name, strings.Join(got, ","), tt.want, fmtList(l))
		}
	}
}

// TestBootstrapPatch: applyTo BOOTSTRAP by Istio release.
func TestBootstrapPatch(t *testing.T) {
	doc := func(op string) string {
		return strings.Replace(ef("  - applyTo: BOOTSTRAP\n    patch: {operation: "+op+", value: {stats_flush_interval: 10s}}\n"), "  priority: 1\n", "", 1)
	}
	for _, tt := range []struct {
		name, doc string
		istio     compat.Istio
		want      string
	}{
		{"1.10 has no BOOTSTRAP", doc("MERGE"), 10, CodeIstioValidation},
		{"1.11 merges through the agent", doc("MERGE"), 11, CodeIstioWarning},
		{"1.20 ignores ADD", doc("ADD"), 20, CodeIgnoredPatch},
		{"1.21 has no bootstrap discovery", doc("MERGE"), 21, CodeIgnoredPatch},
	} {
		l := checkOne("f.yaml", parseDocs(t, []byte(tt.doc))[0], Options{Istio: tt.istio})
		if got := codes(l); got != tt.want {
			t.Errorf("%s: codes %q, want %q:\n%s", tt.name, got, tt.want, fmtList(l))
		}
	}
}
