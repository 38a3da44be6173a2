package validate

import (
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/compat"
)

func wp(spec string) string {
	return "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: p}\nspec:\n" + spec
}

func TestWasmPluginRules(t *testing.T) {
	const ok = "  url: oci://ghcr.io/a/b:v1\n"
	tests := []struct {
		name, doc, msg string // msg: a substring of the wanted finding; "" = no findings at all
	}{
		{"clean", wp(ok + "  selector: {matchLabels: {app: a}}\n  phase: AUTHN\n"), ""},
		{"clean bare reference", wp("  url: ghcr.io/a/b:v1\n"), ""},
		{"no url", wp("  phase: AUTHN\n"), "url field needs to be set"},
		{"bad scheme", wp("  url: ftp://x/y.wasm\n"), "url contains unsupported scheme: ftp"},
		{"sha length", wp(ok + "  sha256: abc\n"), "sha256 field must be 64 characters long"},
		{"sha pattern", wp(ok + "  sha256: " + strings.Repeat("A", 64) + "\n"), "sha256 field must match [a-f0-9]{64} pattern"},
		{"sha ok", wp(ok + "  sha256: " + strings.Repeat("a", 64) + "\n"), ""},
		{"selector and targetRefs", wp(ok + "  selector: {matchLabels: {a: b}}\n  targetRefs: [{kind: Service, name: s}]\n"), "only one of targetRefs or workloadSelector can be set"},
		{"empty selector", wp(ok + "  selector: {}\n"), "workload selector specified without labels"},
		{"targetRef kind", wp(ok + "  targetRefs: [{kind: Pod, name: s}]\n"), "targetRef must be to one of"},
		{"targetRef gateway", wp(ok + "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: g}]\n"), ""},
		{"targetRef name", wp(ok + "  targetRefs: [{kind: Service}]\n"), "targetRef name must be set"},
		{"env empty name", wp(ok + "  vmConfig: {env: [{value: x}]}\n"), "spec.vmConfig.env invalid"},
		{"env duplicate", wp(ok + "  vmConfig: {env: [{name: A}, {name: A}]}\n"), "duplicate env"},
		{"env host value", wp(ok + "  vmConfig: {env: [{name: A, valueFrom: HOST, value: x}]}\n"), "value may only be set when valueFrom is INLINE"},
		{"env ok", wp(ok + "  vmConfig: {env: [{name: A, valueFrom: HOST}, {name: B, value: x}]}\n"), ""},
		{"port range", wp(ok + "  match: [{ports: [{number: 0}]}]\n"), "is out of range: 0"},
		{"plugin name", wp(ok + "  pluginName: " + strings.Repeat("n", 300) + "\n"), "pluginName field must be less than 255 characters long"},
		{"pull secret", wp(ok + "  imagePullSecret: " + strings.Repeat("n", 300) + "\n"), "imagePullSecret field must be less than 253 characters long"},
		{"unknown field", wp(ok + "  pluginConfg: {}\n"), `did you mean "pluginConfig"?`},
		{"bad enum", wp(ok + "  phase: AUTHZZ\n"), `did you mean "AUTHZ"?`},
		{"http without sha", wp("  url: https://x/f.wasm\n"), "without sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := run(t, "p.yaml", tt.doc, Options{})
			got := fmtList(l)
			if tt.msg == "" {
				if len(l) != 0 {
					t.Fatalf("want no findings, got:\n%s", got)
				}
				return
			}
			if !strings.Contains(got, tt.msg) {
				t.Fatalf("want %q, got:\n%s", tt.msg, got)
			}
			for _, f := range l {
				if f.Pos.Line == 0 {
					t.Errorf("finding without a line: %s", f)
				}
			}
		})
	}
}

func TestWasmPluginOlderIstio(t *testing.T) {
	const ok = "  url: oci://ghcr.io/a/b:v1\n"
	for _, tt := range []struct {
		name, spec string
		minor      int
		msg        string // "" = no finding
	}{
		{"kind before 1.12", ok, 11, "WasmPlugin exists from Istio 1.12"},
		{"kind on 1.12", ok, 12, ""},
		{"type on 1.19", ok + "  type: HTTP\n", 19, "WasmPlugin type exists from Istio 1.20; Istio 1.19 does not know it"},
		{"type on 1.20", ok + "  type: NETWORK\n", 20, ""},
		{"targetRef on 1.19", ok + "  targetRef: {kind: Service, name: s}\n", 19, "WasmPlugin targetRef exists from Istio 1.20"},
		{"targetRef on 1.20", ok + "  targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: g}\n", 20, ""},
		{"targetRefs on 1.21", ok + "  targetRefs: [{kind: Service, name: s}]\n", 21, "use the single targetRef on Istio 1.20–1.21"},
		{"targetRefs on 1.22", ok + "  targetRefs: [{kind: Service, name: s}]\n", 22, ""},
		{"FAIL_RELOAD on 1.26", ok + "  failStrategy: FAIL_RELOAD\n", 26, "failStrategy FAIL_RELOAD exists from Istio 1.27"},
		{"FAIL_RELOAD on 1.27", ok + "  failStrategy: FAIL_RELOAD\n", 27, ""},
		{"FAIL_OPEN on 1.12", ok + "  failStrategy: FAIL_OPEN\n", 12, ""},
		{"newest", ok + "  type: HTTP\n  failStrategy: FAIL_RELOAD\n", 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := run(t, "p.yaml", wp(tt.spec), Options{Istio: compat.Istio(tt.minor)})
			got := fmtList(l)
			if tt.msg == "" {
				if len(l) != 0 {
					t.Fatalf("want no findings, got:\n%s", got)
				}
				return
			}
			if !strings.Contains(got, tt.msg) || !strings.Contains(got, CodeOlderIstio) || l.HasErrors() {
				t.Fatalf("want a %s warning %q, got:\n%s", CodeOlderIstio, tt.msg, got)
			}
		})
	}
}

// TestAgentAndCRDRules: what the istio-agent and the CRD refuse that the webhook admits.
func TestAgentAndCRDRules(t *testing.T) {
	wp := func(spec string) string {
		return "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: p, namespace: ns}\nspec:\n" + spec
	}
	for _, tt := range []struct {
		name, doc string
		istio     compat.Istio
		code      string
		want      bool
	}{
		{"placeholder registry", wp("  url: oci://YOUR_CONTAINER_REGISTRY/f:v1\n"), 13, CodeWasmPluginImage, true},
		{"placeholder without scheme", wp("  url: <replace-me>\n"), 13, CodeWasmPluginImage, true},
		{"real image", wp("  url: oci://ghcr.io/acme/f:v1\n"), 13, CodeWasmPluginImage, false},
		{"image without scheme", wp("  url: ghcr.io/acme/f:v1\n"), 13, CodeWasmPluginImage, false},
		{"http url is not an image", wp("  url: https://example.com/F.wasm\n  sha256: 72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584\n"), 13, CodeWasmPluginImage, false},
		{"empty imagePullSecret on 1.20", wp("  url: oci://ghcr.io/acme/f:v1\n  imagePullSecret: ''\n"), 20, CodeCRD, true},
		{"empty imagePullSecret on 1.19", wp("  url: oci://ghcr.io/acme/f:v1\n  imagePullSecret: ''\n"), 19, CodeCRD, false},
		{"empty pluginName on 1.24", wp("  url: oci://ghcr.io/acme/f:v1\n  pluginName: ''\n"), 24, CodeCRD, true},
		{"pluginName set", wp("  url: oci://ghcr.io/acme/f:v1\n  pluginName: p\n"), 24, CodeCRD, false},
		{"placeholder namespace", strings.Replace(wp("  url: oci://ghcr.io/acme/f:v1\n"), "namespace: ns", "namespace: $PREFIX-ns", 1), 24, CodeResource, true},
		{"dotted name", strings.Replace(wp("  url: oci://ghcr.io/acme/f:v1\n"), "name: p,", "name: p.v1,", 1), 24, CodeResource, false},
		{"upper-case name", strings.Replace(wp("  url: oci://ghcr.io/acme/f:v1\n"), "name: p,", "name: MyPlugin,", 1), 24, CodeResource, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := checkOne("wp.yaml", parseDocs(t, []byte(tt.doc))[0], Options{Istio: tt.istio})
			if got := strings.Contains(codes(l), tt.code); got != tt.want {
				t.Fatalf("want %s %v, got:\n%s", tt.code, tt.want, fmtList(l))
			}
		})
	}
}

// TestWasmPluginAttachment: istiod's targetRef rules of each release (its messages)
// and the targets it admits but never attaches, each with a passing case.
func TestWasmPluginAttachment(t *testing.T) {
	const ok = "  url: oci://ghcr.io/a/b:v1\n"
	nsWP := func(ns, spec string) string {
		return "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: p, namespace: " + ns + "}\nspec:\n" + spec
	}
	refs := func(n int) string {
		var b strings.Builder
		b.WriteString("  targetRefs:\n")
		for i := range n {
			b.WriteString("  - {kind: Gateway, group: gateway.networking.k8s.io, name: g" + string(rune('a'+i)) + "}\n")
		}
		return b.String()
	}
	for _, tt := range []struct {
		name, doc string
		opts      Options
		code, msg string // "" = no findings
	}{
		{"Service on 1.20", wp(ok + "  targetRef: {kind: Service, name: s}\n"), Options{Istio: 20}, CodeIstioValidation,
			"targetRef Group and/or Kind don't match; expected: [Group: gateway.networking.k8s.io, Kind: Gateway], got: [Group: , Kind: Service]"},
		{"selector and targetRef on 1.21", wp(ok + "  selector: {matchLabels: {a: b}}\n  targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: g}\n"), Options{Istio: 21}, CodeIstioValidation,
			"only one of targetRef or workloadSelector can be set"},
		{"namespace on 1.22", wp(ok + "  targetRefs: [{kind: Service, name: s, namespace: other}]\n"), Options{Istio: 22}, CodeIstioValidation,
			"targetRef namespace must not be set; put"},
		{"ServiceEntry on 1.23", wp(ok + "  targetRefs: [{kind: ServiceEntry, group: networking.istio.io, name: s}]\n"), Options{Istio: 23}, CodeIstioValidation,
			"targetRef must be to one of [core/v1/Service gateway.networking.k8s.io/v1beta1/Gateway] but was networking.istio.io/ServiceEntry"},
		{"ServiceEntry on 1.24", wp(ok + "  targetRefs: [{kind: ServiceEntry, group: networking.istio.io, name: s}]\n"), Options{Istio: 24}, "", ""},
		{"GatewayClass on 1.24", nsWP("istio-system", ok+"  targetRefs: [{kind: GatewayClass, group: gateway.networking.k8s.io, name: istio-waypoint}]\n"), Options{Istio: 24}, CodeIstioValidation,
			"but was gateway.networking.k8s.io/GatewayClass"},
		{"GatewayClass on 1.25", nsWP("istio-system", ok+"  targetRefs: [{kind: GatewayClass, group: gateway.networking.k8s.io, name: istio-waypoint}]\n"), Options{Istio: 25}, "", ""},
		{"GatewayClass not istio-waypoint", nsWP("istio-system", ok+"  targetRefs: [{kind: GatewayClass, group: gateway.networking.k8s.io, name: istio}]\n"), Options{}, CodeNeverAttached,
			`GatewayClass "istio" is never matched`},
		{"GatewayClass outside the root namespace", nsWP("apps", ok+"  targetRefs: [{kind: GatewayClass, group: gateway.networking.k8s.io, name: istio-waypoint}]\n"), Options{}, CodeNeverAttached,
			"applies only from the mesh's root namespace (istio-system); istiod ignores it in namespace apps"},
		{"GatewayClass in another root namespace", nsWP("mesh", ok+"  targetRefs: [{kind: GatewayClass, group: gateway.networking.k8s.io, name: istio-waypoint}]\n"), Options{RootNamespace: "mesh"}, "", ""},
		{"CLIENT on a waypoint", wp(ok + "  targetRefs: [{kind: Service, name: s}]\n  match: [{mode: CLIENT}]\n"), Options{}, CodeNeverAttached,
			"mode CLIENT never matches on a waypoint"},
		{"SERVER on a waypoint", wp(ok + "  targetRefs: [{kind: Service, name: s}]\n  match: [{mode: SERVER}]\n"), Options{}, "", ""},
		{"CLIENT on a Gateway", wp(ok + "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: g}]\n  match: [{mode: CLIENT}]\n"), Options{}, "", ""},
		{"ports on a waypoint", wp(ok + "  targetRefs: [{kind: Service, name: s}]\n  match: [{ports: [{number: 9080}]}]\n"), Options{}, CodeNeverAttached,
			"match.ports never matches on a waypoint"},
		{"ports on a waypoint's TCP chains", wp(ok + "  type: NETWORK\n  targetRefs: [{kind: Service, name: s}]\n  match: [{ports: [{number: 9080}]}]\n"), Options{}, "", ""},
		{"17 targetRefs", wp(ok + refs(17)), Options{}, CodeCRD, "spec.targetRefs: Too many: 17: must have at most 16 items"},
		{"17 targetRefs on 1.23", wp(ok + refs(17)), Options{Istio: 23}, "", ""},
		{"16 targetRefs", wp(ok + refs(16)), Options{}, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantFinding(t, run(t, "p.yaml", tt.doc, tt.opts), tt.code, tt.msg)
		})
	}
}
