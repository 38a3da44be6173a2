package validate

import (
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/compat"
)

func eep(spec string) string {
	return "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyExtensionPolicy\nmetadata: {name: p, namespace: apps}\nspec:\n" + spec
}

// TestEnvoyExtensionPolicy: the CRD's rules (its CEL messages) at each release, and
// the Wasm Envoy Gateway never runs; a passing case for each.
func TestEnvoyExtensionPolicy(t *testing.T) {
	const route = "  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: backend}]\n"
	const image = "  wasm:\n  - name: w\n    code: {type: Image, image: {url: 'ghcr.io/a/b@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + "'}}\n"
	for _, tt := range []struct {
		name, doc string
		v         compat.EnvoyGateway
		code, msg string // "" = no findings
	}{
		{"clean", eep(route + image), 0, "", ""},
		{"clean HTTP", eep(route + "  wasm:\n  - code: {type: HTTP, http: {url: 'https://x/f.wasm', sha256: " + strings.Repeat("a", 64) + "}}\n"), 1, "", ""},
		{"no target", eep(image), 0, CodeCRD, "either targetRef or targetRefs must be used"},
		{"both targets", eep(route + "  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: g}\n" + image), 0, CodeCRD, "either targetRef or targetRefs must be used"},
		{"selectors only", eep("  targetSelectors: [{kind: HTTPRoute, matchLabels: {a: b}}]\n" + image), 0, "", ""},
		{"group", eep("  targetRefs: [{group: networking.istio.io, kind: Gateway, name: g}]\n" + image), 0, CodeCRD, "this policy can only have a targetRefs[*].group of gateway.networking.k8s.io"},
		{"kind", eep("  targetRefs: [{group: gateway.networking.k8s.io, kind: Service, name: s}]\n" + image), 0, CodeCRD,
			"this policy can only have a targetRefs[*].kind of Gateway/ListenerSet/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute"},
		{"ListenerSet on v1.8", eep("  targetRefs: [{group: gateway.networking.k8s.io, kind: ListenerSet, name: l}]\n" + image), 8, CodeCRD,
			"this policy can only have a targetRefs[*].kind of Gateway/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute"},
		{"ListenerSet on v1.9", eep("  targetRefs: [{group: gateway.networking.k8s.io, kind: ListenerSet, name: l}]\n" + image), 9, "", ""},
		{"sectionName on v1.5", eep("  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: g, sectionName: http}]\n" + image), 5, CodeCRD, "this policy does not yet support the sectionName field"},
		{"sectionName on v1.6", eep("  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: g, sectionName: http}]\n" + image), 6, "", ""},
		{"TCP route only", eep("  targetRefs: [{group: gateway.networking.k8s.io, kind: TCPRoute, name: t}]\n" + image), 0, CodeEGNeverRuns, "Envoy Gateway adds Wasm as an HTTP filter only"},
		{"no code", eep(route + "  wasm:\n  - name: w\n"), 0, CodeCRD, "spec.wasm[0].code: Required value"},
		{"type without source", eep(route + "  wasm:\n  - code: {type: HTTP}\n"), 0, CodeCRD, "If type is HTTP, http field needs to be set."},
		{"source of another type", eep(route + "  wasm:\n  - code: {type: HTTP, http: {url: 'https://x/f.wasm'}, image: {url: a/b:v1}}\n"), 0, CodeCRD, "If type is Image, image field needs to be set."},
		{"ConfigMap", eep(route + "  wasm:\n  - code: {type: ConfigMap}\n"), 0, CodeCRD, `Unsupported value: "ConfigMap"`},
		{"sha256 malformed", eep(route + "  wasm:\n  - code: {type: Image, image: {url: a/b:v1, sha256: 'sha256:abc'}}\n"), 0, CodeEGNeverRuns, "is not 64 lowercase hex digits"},
		{"pull secret kind", eep(route + "  wasm:\n  - code: {type: Image, image: {url: a/b:v1, pullSecretRef: {kind: ConfigMap, name: c}}}\n"), 0, CodeCRD, "only support Secret kind."},
		{"env on v1.2", eep(route + "  wasm:\n  - code: {type: Image, image: {url: a/b:v1}}\n    env: {hostKeys: [A]}\n"), 2, CodeOlderEG, "wasm env exists from Envoy Gateway v1.3"},
		{"env on v1.3", eep(route + "  wasm:\n  - code: {type: Image, image: {url: a/b:v1}}\n    env: {hostKeys: [A]}\n"), 3, "", ""},
		{"17 extensions", eep(route + "  wasm:\n" + strings.Repeat("  - code: {type: Image, image: {url: a/b:v1}}\n", 17)), 0, CodeCRD, "spec.wasm: Too many: 17: must have at most 16 items"},
		{"wrong apiVersion", strings.Replace(eep(route+image), "v1alpha1", "v1", 1), 0, CodeResource, "EnvoyExtensionPolicy apiVersion is"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantFinding(t, run(t, "p.yaml", tt.doc, Options{EnvoyGateway: tt.v}), tt.code, tt.msg)
		})
	}
}
