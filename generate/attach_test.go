package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	extensions "istio.io/api/extensions/v1alpha1"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/schema"
)

const testImage = "ghcr.io/example/f@sha256:" + testSHA

// targeted is a filter attached by targetRefs (no selector), in namespace ns.
func targeted(t testing.TB, name, ns string, specLines ...string) Input {
	t.Helper()
	text := fmt.Sprintf("apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  rootID: root\n%s\n",
		name, ns, "  "+strings.Join(specLines, "\n  "))
	d := spec(t, text)
	if l := schema.Check(d, true); l.HasErrors() {
		t.Fatalf("spec: %v", l)
	}
	in := Input{Doc: d, Configuration: []byte(`{"header":"x"}`)}
	if s := d.Filter.Spec.Module.SHA256; s != "" {
		in.ModuleSHA256 = s
	}
	return in
}

// TestTargetedNoPatches: given the workloads (the KRM function, post-render), a
// filter attached by targetRefs says that it needs no patch instead of emitting one.
func TestTargetedNoPatches(t *testing.T) {
	in := targeted(t, "f", "bookinfo", "module: {image: "+testImage+"}", "targetRefs: [{kind: Service, name: reviews}]")
	objs, l := render(t, Options{Target: TargetWasmPlugin, Workloads: []Workload{{Kind: "Deployment", Name: "reviews", Namespace: "bookinfo", PodLabels: map[string]string{"app": "reviews"}}}}, in)
	if l.HasErrors() || !hasCode(l, CodeNoPatches, diag.Info) {
		t.Fatalf("findings: %v", l)
	}
	for _, o := range objs {
		if o.Kind != KindWasmPlugin {
			t.Errorf("emitted a %s", o.Kind)
		}
	}
	// Without workloads (render), nothing to say.
	if _, l := render(t, Options{Target: TargetWasmPlugin}, in); hasCode(l, CodeNoPatches, diag.Info) {
		t.Errorf("render without workloads: %v", l)
	}
}

// TestCheckTargetsWaypointAsWasmPlugin: validate (Options.Check) reads a waypoint
// spec as the WasmPlugin it renders to; render's default target refuses it.
func TestCheckTargetsWaypointAsWasmPlugin(t *testing.T) {
	in := targeted(t, "f", "bookinfo", "module: {image: "+testImage+"}", "targetRefs: [{kind: Service, name: reviews}]")
	if _, l := render(t, Options{Target: TargetIstio}, in); !hasCode(l, CodeWaypointFilter, diag.Error) {
		t.Errorf("render --target istio: %v", l)
	}
	objs, l := render(t, Options{Target: TargetIstio, Check: true}, in)
	if l.HasErrors() || len(find(objs, KindWasmPlugin)) != 1 {
		t.Errorf("validate: %v, %d objects", l, len(objs))
	}
	// Old Istio: the kind's threshold still applies.
	if _, l := render(t, Options{Target: TargetIstio, Check: true, Istio: 21}, in); !hasCode(l, CodeTargetRefsIstio, diag.Error) {
		t.Errorf("validate at 1.21: %v", l)
	}
}

// TestPluginMode: the match mode istiod compares with the listener class: CLIENT on
// a Gateway API gateway (class Gateway), none on a waypoint (class SidecarInbound,
// where CLIENT never matches).
func TestPluginMode(t *testing.T) {
	for _, tt := range []struct {
		lines []string
		want  string
	}{
		{[]string{"context: gateway", "targetRefs: [{kind: Gateway, name: gw}]"}, "CLIENT"},
		{[]string{"targetRefs: [{kind: Gateway, name: waypoint}]"}, ""},
		{[]string{"targetRefs: [{kind: Service, name: reviews}]"}, ""},
	} {
		in := targeted(t, "f", "ns", append([]string{"module: {image: " + testImage + "}"}, tt.lines...)...)
		objs, l := render(t, Options{Target: TargetWasmPlugin}, in)
		if l.HasErrors() {
			t.Fatalf("%v: %v", tt.lines, l)
		}
		wp := one(t, objs, KindWasmPlugin).Body.(*extensions.WasmPlugin)
		got := ""
		if len(wp.Match) > 0 {
			got = wp.Match[0].Mode.String()
		}
		if got != tt.want {
			t.Errorf("%v: mode %q, want %q", tt.lines, got, tt.want)
		}
	}
}

// egVersions are the Envoy Gateway releases whose CRD is in testdata/envoygateway
// (each file says where it was read).
var egVersions = map[string]compat.EnvoyGateway{"v1.1.0": 1, "v1.3.0": 3, "v1.5.0": 5, "v1.6.0": 6, "v1.9.0": 9}

// TestEnvoyExtensionPolicyAgainstCRD: every EnvoyExtensionPolicy wasmgen writes for
// an Envoy Gateway release is admitted by that release's CRD: its structural schema
// (with unknown fields refused, which the API server would prune silently) and its
// CEL rules on target kinds, groups and sectionName; and where wasmgen refuses a
// spec for a release (WG2021), that release's CRD refuses what the newest release
// gets. The own types in envoygateway.go cannot drift from the API unnoticed.
func TestEnvoyExtensionPolicyAgainstCRD(t *testing.T) {
	specs := [][]string{
		{"module: {image: " + testImage + "}", "targetRefs: [{kind: HTTPRoute, name: backend}]"},
		{"module: {url: 'https://example.com/f.wasm', sha256: " + testSHA + "}", "failStrategy: open", "targetRefs: [{kind: Gateway, name: eg}, {kind: GRPCRoute, name: g}]"},
		{"module: {image: ghcr.io/example/f:v1}", "targetRefs: [{kind: Gateway, name: eg, sectionName: http}]"},
		{"module: {image: " + testImage + "}", "env: [{name: POD_NAME, fromHost: true}]", "targetRefs: [{kind: HTTPRoute, name: backend}]"},
		{"module: {image: " + testImage + "}", "targetRefs: [{kind: ListenerSet, name: extra}]"},
	}
	for file, v := range egVersions {
		crd := loadCRD(t, file)
		for _, lines := range specs {
			in := targeted(t, "f", "apps", lines...)
			objs, l := render(t, Options{Target: TargetEnvoyGateway, EnvoyGateway: v}, in)
			if l.HasErrors() {
				for _, f := range l {
					if f.Severity == diag.Error && f.Code != CodeEGVersion {
						t.Fatalf("%s %v: %v", file, lines, l)
					}
				}
				newest, l := render(t, Options{Target: TargetEnvoyGateway}, in)
				if l.HasErrors() {
					t.Fatalf("newest %v: %v", lines, l)
				}
				if err := crd.admit(one(t, newest, KindEnvoyExtensionPolicy).Body); err == nil {
					t.Errorf("%s: wasmgen refuses %v, but the CRD admits it", file, lines)
				}
				continue
			}
			if err := crd.admit(one(t, objs, KindEnvoyExtensionPolicy).Body); err != nil {
				t.Errorf("%s: the CRD refuses the policy for %v: %v", file, lines, err)
			}
		}
	}
}

// egCRD is one release's EnvoyExtensionPolicy spec schema.
type egCRD struct {
	schema *sjs.Schema
	rules  []struct{ Message, Rule string }
}

func loadCRD(t *testing.T, file string) *egCRD {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "envoygateway", "eep-"+file+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Spec map[string]any `json:"spec"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	c := &egCRD{}
	if rs, ok := doc.Spec["x-kubernetes-validations"].([]any); ok {
		for _, r := range rs {
			m := r.(map[string]any)
			c.rules = append(c.rules, struct{ Message, Rule string }{m["message"].(string), m["rule"].(string)})
		}
	}
	closeObjects(doc.Spec)
	b, _ := json.Marshal(doc.Spec)
	s, err := sjs.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	comp := sjs.NewCompiler()
	if err := comp.AddResource("eep.json", s); err != nil {
		t.Fatal(err)
	}
	if c.schema, err = comp.Compile("eep.json"); err != nil {
		t.Fatal(err)
	}
	// The nested rules that matter to what wasmgen writes are found by message.
	collectRules(doc.Spec, &c.rules)
	return c
}

// closeObjects makes a structural schema refuse unknown fields (the API server
// prunes them: a field the release does not have is silently dropped).
func closeObjects(v any) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["properties"]; ok && x["x-kubernetes-preserve-unknown-fields"] != true {
			x["additionalProperties"] = false
		}
		for _, c := range x {
			closeObjects(c)
		}
	case []any:
		for _, c := range x {
			closeObjects(c)
		}
	}
}

func collectRules(v any, out *[]struct{ Message, Rule string }) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "x-kubernetes-validations" {
				for _, r := range c.([]any) {
					m := r.(map[string]any)
					if strings.Contains(m["message"].(string), "sectionName") {
						*out = append(*out, struct{ Message, Rule string }{m["message"].(string), m["rule"].(string)})
					}
				}
				continue
			}
			collectRules(c, out)
		}
	case []any:
		for _, c := range x {
			collectRules(c, out)
		}
	}
}

var kindListRE = regexp.MustCompile(`^this policy can only have a targetRefs\[\*\]\.(kind|group) of (\S+)$`)

// admit checks a policy's spec as the API server would: the schema, then the CEL
// rules on targetRefs (read from their messages, which list what they admit).
func (c *egCRD) admit(body any) error {
	b, err := json.Marshal(body.(*EnvoyExtensionPolicy).Spec)
	if err != nil {
		return err
	}
	v, err := sjs.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if err := c.schema.Validate(v); err != nil {
		return err
	}
	spec := body.(*EnvoyExtensionPolicy).Spec
	for _, r := range c.rules {
		if m := kindListRE.FindStringSubmatch(r.Message); m != nil {
			allowed := strings.Split(m[2], "/")
			for _, ref := range spec.TargetRefs {
				got := ref.Kind
				if m[1] == "group" {
					got = ref.Group
				}
				if !contains(allowed, got) {
					return fmt.Errorf("%s (%s)", r.Message, got)
				}
			}
		}
		if r.Message == "this policy does not yet support the sectionName field" {
			for _, ref := range spec.TargetRefs {
				if ref.SectionName != "" {
					return fmt.Errorf("%s", r.Message)
				}
			}
		}
	}
	return nil
}

// TestPlacementRelativeToWasmPlugin: a placement naming a WasmPlugin inserts
// relative to that plugin's filter as istiod of each release names it.
func TestPlacementRelativeToWasmPlugin(t *testing.T) {
	for _, tt := range []struct {
		v    compat.Istio
		ref  string
		want string
	}{
		{20, "WasmPlugin/authz", "bookinfo.authz"},
		{21, "WasmPlugin/authz", "extenstions.istio.io/wasmplugin/bookinfo.authz"},
		{26, "WasmPlugin/istio-system/authz", "extensions.istio.io/wasmplugin/istio-system.authz"},
		{30, "WasmPlugin/authz", "extensions.istio.io/trafficextension/bookinfo.authz~istio-translated-wasmplugin"},
		{30, "envoy.filters.http.rbac", "envoy.filters.http.rbac"},
	} {
		in := input(t, "f", "module: {path: f.wasm}", "placement: {after: '"+tt.ref+"'}")
		objs, l := render(t, Options{Istio: tt.v}, in)
		if l.HasErrors() {
			t.Fatalf("%s: %v", tt.ref, l)
		}
		p := insertPatches(envoyFilter(t, objs))[0]
		if got := p.Match.GetListener().GetFilterChain().GetFilter().GetSubFilter().GetName(); got != tt.want || p.Patch.Operation.String() != "INSERT_AFTER" {
			t.Errorf("Istio %s, after %s: subFilter %q (%s), want %q", tt.v, tt.ref, got, p.Patch.Operation, tt.want)
		}
	}
}

// TestIstioSectionName: Istio's PolicyTargetReference has no sectionName, so a
// WasmPlugin cannot carry one; Envoy Gateway's can (TestEnvoyExtensionPolicyAgainstCRD).
func TestIstioSectionName(t *testing.T) {
	in := targeted(t, "f", "ingress", "module: {image: "+testImage+"}", "context: gateway", "targetRefs: [{kind: Gateway, name: gw, sectionName: https}]")
	if _, l := render(t, Options{Target: TargetWasmPlugin}, in); !hasCode(l, CodeTargetRefsIstio, diag.Error) {
		t.Errorf("findings: %v", l)
	}
}

// TestCheckTargetsRoutesAsEnvoyGateway: validate reads a spec targeting a route as
// the EnvoyExtensionPolicy it renders to.
func TestCheckTargetsRoutesAsEnvoyGateway(t *testing.T) {
	in := targeted(t, "f", "apps", "module: {image: "+testImage+"}", "targetRefs: [{kind: HTTPRoute, name: backend}]")
	objs, l := render(t, Options{Target: TargetIstio, Check: true}, in)
	if l.HasErrors() || len(find(objs, KindEnvoyExtensionPolicy)) != 1 {
		t.Errorf("validate: %v, %d objects", l, len(objs))
	}
}

// TestPullSecret: module.pullSecret is a WasmPlugin's (and TrafficExtension's)
// imagePullSecret and an EnvoyExtensionPolicy's image.pullSecretRef; an EnvoyFilter
// cannot carry one (istiod resolves pull secrets for WasmPlugins only).
func TestPullSecret(t *testing.T) {
	in := targeted(t, "f", "apps", "module: {image: "+testImage+", pullSecret: registry-creds}", "context: gateway", "targetRefs: [{kind: Gateway, name: gw}]")
	objs, l := render(t, Options{Target: TargetWasmPlugin}, in)
	if l.HasErrors() || one(t, objs, KindWasmPlugin).Body.(*extensions.WasmPlugin).ImagePullSecret != "registry-creds" {
		t.Errorf("WasmPlugin: %v", l)
	}
	objs, l = render(t, Options{Target: TargetTrafficExtension}, in)
	if l.HasErrors() || one(t, objs, KindTrafficExtension).Body.(*extensions.TrafficExtension).GetWasm().GetImagePullSecret() != "registry-creds" {
		t.Errorf("TrafficExtension: %v", l)
	}
	objs, l = render(t, Options{Target: TargetEnvoyGateway}, in)
	if l.HasErrors() {
		t.Fatalf("EnvoyExtensionPolicy: %v", l)
	}
	pol := one(t, objs, KindEnvoyExtensionPolicy).Body.(*EnvoyExtensionPolicy)
	if r := pol.Spec.Wasm[0].Code.Image.PullSecretRef; r == nil || r.Name != "registry-creds" {
		t.Errorf("pullSecretRef: %+v", r)
	}
	if err := loadCRD(t, "v1.1.0").admit(pol); err != nil {
		t.Errorf("the v1.1 CRD refuses pullSecretRef: %v", err)
	}
	if _, l := render(t, Options{Target: TargetIstio}, in); !hasCode(l, CodeDelivery, diag.Error) {
		t.Errorf("EnvoyFilter: %v", l)
	}
}
