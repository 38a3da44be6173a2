package validate

import (
	"testing"

	"github.com/wasmgen/wasmgen/compat"
)

func te(spec string) string {
	return "apiVersion: extensions.istio.io/v1alpha1\nkind: TrafficExtension\nmetadata: {name: p, namespace: apps}\nspec:\n" + spec
}

// TestTrafficExtension: istiod 1.30's ValidateTrafficExtension (its messages), the
// kind's release, and the attachment rules it shares with WasmPlugin.
func TestTrafficExtension(t *testing.T) {
	const wasm = "  wasm: {url: 'oci://ghcr.io/a/b:v1'}\n"
	const svc = "  targetRefs: [{kind: Service, name: s}]\n"
	for _, tt := range []struct {
		name, doc string
		v         compat.Istio
		code, msg string // "" = no findings
	}{
		{"clean", te(svc + wasm), 0, "", ""},
		{"clean lua", te(svc + "  lua: {inlineCode: 'function envoy_on_request(h) end'}\n"), 30, "", ""},
		{"before 1.30", te(svc + wasm), 29, CodeResource, `extensions.istio.io has no kind "TrafficExtension" before Istio 1.30`},
		{"neither", te(svc), 0, CodeIstioValidation, "exactly one of wasm or lua must be set"},
		{"selector and targetRefs", te(svc + "  selector: {matchLabels: {a: b}}\n" + wasm), 0, CodeIstioValidation, "only one of targetRefs or workloadSelector can be set"},
		{"target kind", te("  targetRefs: [{kind: Pod, name: p}]\n" + wasm), 0, CodeIstioValidation, "targetRef must be to one of"},
		{"url scheme", te(svc + "  wasm: {url: 'ftp://x/f.wasm'}\n"), 0, CodeIstioValidation, "url contains unsupported scheme: ftp"},
		{"sha256", te(svc + "  wasm: {url: 'oci://ghcr.io/a/b:v1', sha256: abc}\n"), 0, CodeIstioValidation, "sha256 field must be 64 characters long"},
		{"image reference", te(svc + "  wasm: {url: 'oci://ghcr.io/A/B:v1'}\n"), 0, CodeWasmPluginImage, "cannot parse"},
		{"empty lua", te(svc + "  lua: {}\n"), 0, CodeIstioValidation, "lua.inlineCode cannot be empty"},
		{"CLIENT on a waypoint", te(svc + wasm + "  match: [{mode: CLIENT}]\n"), 0, CodeNeverAttached, "mode CLIENT never matches on a waypoint"},
		{"unknown field", te(svc + "  wasm: {url: 'oci://ghcr.io/a/b:v1', pluginConfg: {}}\n"), 0, CodeUnknownField, `did you mean "pluginConfig"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantFinding(t, run(t, "p.yaml", tt.doc, Options{Istio: tt.v}), tt.code, tt.msg)
		})
	}
}
