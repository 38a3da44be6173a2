package validate

import (
	"os"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/compat"

	"github.com/wasmgen/wasmgen/diag"
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

// v2Bootstrap is a bootstrap of the v2 era: untyped config, deprecated names,
// Cluster.hosts, and the v2 Wasm {config: {vm_config}}.
func v2Bootstrap(wasm string) string {
	return `static_resources:
  listeners:
  - name: l
    address: {socket_address: {address: 0.0.0.0, port_value: 8080}}
    filter_chains:
    - filters:
      - name: envoy.http_connection_manager
        config:
          stat_prefix: s
          codec_type: auto
          route_config: {name: r}
          http_filters:
          - name: envoy.filters.http.wasm
            config: ` + wasm + `
          - {name: envoy.router, config: {}}
  clusters:
  - name: c
    connect_timeout: 1s
    type: static
    hosts: [{socket_address: {address: 127.0.0.1, port_value: 8099}}]
`
}

// TestV2Bootstrap: Envoy 1.13–1.16 load a v2 bootstrap by API boosting, converting
// each untyped config by the filter's name; from Envoy 1.17 only v3 loads.
func TestV2Bootstrap(t *testing.T) {
	good := v2Bootstrap("{config: {vm_config: {runtime: envoy.wasm.runtime.v8, code: {local: {filename: /f.wasm}}}}}")
	bad := v2Bootstrap("{config: {vm_config: {runtime: envoy.wasm.runtime.v8, code: {filename: /f.wasm}}}}")
	for _, tt := range []struct {
		name  string
		doc   string
		envoy compat.Envoy
		code  string // "" = no errors
		line  int
	}{
		{"v2 on Envoy 1.15", good, 15, "", 0},
		{"v2 on Envoy 1.13", good, 13, "", 0},
		{"v2 on Envoy 1.17", good, 17, CodeLegacyConfig, 8},
		{"v2 on the newest", good, 0, CodeLegacyConfig, 8},
		{"v2 Wasm config checked by the filter's name", bad, 15, CodeBootstrapUnknown, 14},
		{"unknown filter name: its config is not checked", strings.Replace(bad, "envoy.filters.http.wasm", "acme.custom", 1), 15, "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := checkOne("b.yaml", parseDocs(t, []byte(tt.doc))[0], Options{Envoy: tt.envoy})
			if tt.code == "" {
				if l.HasErrors() {
					t.Fatalf("want no errors, got:\n%s", fmtList(l))
				}
				if !strings.Contains(codes(l), CodeV2Bootstrap) {
					t.Fatalf("want the %s note, got:\n%s", CodeV2Bootstrap, fmtList(l))
				}
				return
			}
			if tt.code == CodeLegacyConfig && strings.Contains(codes(l), CodeMissingTyped) {
				t.Fatalf("a v2 config is one error (%s), not also %s for the same filter:\n%s", CodeLegacyConfig, CodeMissingTyped, fmtList(l))
			}
			for _, f := range l {
				if f.Code == tt.code && f.Severity == diag.Error && f.Pos.Line == tt.line {
					return
				}
			}
			t.Fatalf("want %s at line %d, got:\n%s", tt.code, tt.line, fmtList(l))
		})
	}
}

// TestCustomBootstrap: a ConfigMap's custom_bootstrap.json is checked as the
// bootstrap fragment it is, at its position in the ConfigMap's file; from Istio
// 1.17 istio-proxy ignores unknown static fields.
func TestCustomBootstrap(t *testing.T) {
	cm := func(field string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n  custom_bootstrap.json: |\n    {\n      \"stats_config\": {\"stats_tags\": [{\"tag_name\": \"x\", \"" + field + "\": \"y\"}]}\n    }\n"
	}
	for _, tt := range []struct {
		name, doc string
		istio     compat.Istio
		code      string
		severity  diag.Severity
	}{
		{"clean", cm("regex"), 0, "", 0},
		{"unknown field on 1.16", cm("regx"), 16, CodeBootstrapUnknown, diag.Error},
		{"unknown field on 1.17", cm("regx"), 17, CodeUnknownInTyped, diag.Warning},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChecker(Options{Istio: tt.istio})
			if !c.Add("cm.yaml", parseDocs(t, []byte(tt.doc))[0]) {
				t.Fatal("the ConfigMap was not checked")
			}
			l := c.Finish()
			if tt.code == "" {
				if len(l) != 0 {
					t.Fatalf("want nothing, got:\n%s", fmtList(l))
				}
				return
			}
			if len(l) != 1 || l[0].Code != tt.code || l[0].Severity != tt.severity || l[0].Pos.Line != 7 || l[0].Pos.Col != 57 {
				t.Fatalf("want one %s %v at 7:57, got:\n%s", tt.code, tt.severity, fmtList(l))
			}
		})
	}
	// Another ConfigMap is not a bootstrap.
	if NewChecker(Options{}).Add("cm.yaml", parseDocs(t, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {a: b}\n"))[0]) {
		t.Error("a plain ConfigMap was checked")
	}
}
