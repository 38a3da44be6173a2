package dryrun

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/pwhost"
	"github.com/wasmgen/wasmgen/schema"

	"github.com/wasmgen/wasmgen/yamltree"
)

func input(t *testing.T) *generate.Input {
	t.Helper()
	nodes, errs := yamltree.ParseDocuments("f.yaml", []byte(`apiVersion: wasmgen.io/v1alpha1
kind: WasmFilter
metadata: {name: f, namespace: ns}
spec:
  module: {path: f.wasm}
  rootID: r
  env: [{name: A, value: "1"}, {name: HOME, fromHost: true}]
`), yamltree.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	doc, errs := schema.Decode("f.yaml", nodes[0])
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	doc.Filter.Default()
	return &generate.Input{Doc: doc, Configuration: []byte(`{"a":1}`)}
}

func TestPluginOf(t *testing.T) {
	p := PluginOf(input(t))
	if p.Name != "f" || p.RootID != "r" || p.VMID != "ns.f" || p.Runtime != "v8" || string(p.Configuration) != `{"a":1}` {
		t.Errorf("plugin %+v", p)
	}
	if len(p.Env) != 1 || p.Env["A"] != "1" {
		t.Errorf("env %v: the key value only; HOME is the proxy's own", p.Env)
	}
}

func TestFindings(t *testing.T) {
	in := input(t)
	loaded := &pwhost.StartReport{Envoy: "1.40", Runtime: "v8", Verdict: pwhost.Loaded,
		Steps: []pwhost.Step{{Call: "link", Result: "ok"}, {Call: "proxy_on_configure(1, 7)", Result: "true"}},
		Logs:  []pwhost.Log{{LevelS: "info", Msg: "configured\nwith two lines"}}}
	l := Findings(in, loaded)
	if l.HasErrors() || len(l) != 2 || l[0].Code != CodeStarted || l[1].Msg != "--run: plugin log info: configured with two lines" {
		t.Errorf("loaded: %v", l)
	}
	refused := &pwhost.StartReport{Envoy: "1.40", Runtime: "v8", Verdict: pwhost.Refused, Reason: "Failed to configure base Wasm plugin: bad"}
	for i := range 25 {
		refused.Logs = append(refused.Logs, pwhost.Log{LevelS: "error", Msg: fmt.Sprint("line ", i)})
	}
	l = Findings(in, refused)
	if !l.HasErrors() || l[0].Code != CodeRefused || l[0].Pos.Line != 5 || !strings.Contains(l[0].Msg, "refused its configuration under Envoy 1.40's Wasm host, runtime v8: Failed to configure base Wasm plugin: bad") {
		t.Errorf("refused: %v", l[0])
	}
	if len(l) != 1+maxLogFindings+1 || !strings.Contains(l[len(l)-1].Msg, "5 more log lines") {
		t.Errorf("%d findings, last %q", len(l), l[len(l)-1].Msg)
	}
	l = Findings(in, &pwhost.StartReport{Verdict: pwhost.Unsupported, Reason: "runtime null"})
	if len(l) != 1 || l[0].Severity != diag.Warning || l[0].Code != CodeCannot {
		t.Errorf("unsupported: %v", l)
	}
}
