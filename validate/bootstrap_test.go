package validate

import (
	"os"
	"strings"
	"testing"
)

func hcmBootstrap(filters string) string {
	return `static_resources:
  listeners:
  - name: l
    address: {socket_address: {address: 0.0.0.0, port_value: 8080}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          '@type': type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: s
          route_config: {name: r}
          http_filters:
` + filters
}

const routerFilter = "          - {name: envoy.filters.http.router, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}\n"
const wasmFilter = "          - {name: w, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm, config: {vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: /f.wasm}}}}}}\n"

func TestBootstrapRules(t *testing.T) {
	tests := []struct {
		name, doc, code string // code "" = no errors
		line            int
	}{
		{"clean", hcmBootstrap(wasmFilter + routerFilter), "", 0},
		{"router first", hcmBootstrap(routerFilter + wasmFilter), CodeFilterOrder, 13},
		{"unknown field", strings.Replace(hcmBootstrap(routerFilter), "stat_prefix", "stat_prefx", 1), CodeBootstrapUnknown, 10},
		{"bad value", strings.Replace(hcmBootstrap(routerFilter), "port_value: 8080", "port_value: x", 1), CodeBootstrapDecode, 4},
		{"pgv", strings.Replace(hcmBootstrap(routerFilter), "stat_prefix: s", "stat_prefix: ''", 1), CodePGV, 10},
		{"wasm runtime", hcmBootstrap(strings.Replace(wasmFilter, "runtime.v8", "runtime.v9", 1) + routerFilter), CodeWasmRuntime, 13},
		{"unknown type", hcmBootstrap("          - {name: x, typed_config: {'@type': type.googleapis.com/no.Such}}\n"), CodeIstioValidation, 13},
		{"network terminal last", strings.Replace(hcmBootstrap(routerFilter), "    - filters:\n", "    - filters:\n      - {name: e, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.network.echo.v3.Echo}}\n", 1), CodeFilterOrder, 7},
		{"not a mapping", "- a\n", CodeStructure, 1},
		// Envoy reads enum names in any case, and one value where a list is expected.
		{"lower-case enums", hcmBootstrap(routerFilter) + "  clusters:\n  - {name: c, type: strict_dns, lb_policy: round_robin, connect_timeout: 1s}\n", "", 0},
		{"one listener as a mapping", strings.Replace(hcmBootstrap(wasmFilter+routerFilter), "  listeners:\n  - name: l\n    address:", "  listeners:\n    name: l\n    address:", 1), "", 0},
		{"an enum name in no case", hcmBootstrap(routerFilter) + "  clusters:\n  - {name: c, type: strictdns, connect_timeout: 1s}\n", CodeBootstrapDecode, 15},
		{"filter by name only", hcmBootstrap(wasmFilter + "          - {name: envoy.filters.http.router}\n"), CodeMissingTyped, 14},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := checkAs(checkBootstrap, "b.yaml", parseDocs(t, []byte(tt.doc))[0])
			if tt.code == "" {
				if l.HasErrors() {
					t.Fatalf("want no errors, got:\n%s", fmtList(l))
				}
				return
			}
			for _, f := range l {
				if f.Code == tt.code && f.Pos.Line == tt.line {
					return
				}
			}
			t.Fatalf("want %s at line %d, got:\n%s", tt.code, tt.line, fmtList(l))
		})
	}
}

func FuzzBootstrap(f *testing.F) {
	data, _ := os.ReadFile("testdata/manifests/clean-bootstrap.json")
	f.Add(data)
	f.Add([]byte(hcmBootstrap(routerFilter + wasmFilter)))
	f.Add([]byte("admin: {address: {pipe: {path: x}}}"))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzInvariants(t, fuzzDocs(b)) })
}
