package generate

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	extensions "istio.io/api/extensions/v1alpha1"
	networking "istio.io/api/networking/v1alpha3"
	typev1beta1 "istio.io/api/type/v1beta1"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
)

func find(objs []Object, kind string) []Object {
	var out []Object
	for _, o := range objs {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

func one(t *testing.T, objs []Object, kind string) Object {
	t.Helper()
	got := find(objs, kind)
	if len(got) != 1 {
		t.Fatalf("want one %s, got %d (of %d objects)", kind, len(got), len(objs))
	}
	return got[0]
}

func hasCode(l diag.List, code string, sev diag.Severity) bool {
	for _, f := range l {
		if f.Code == code && f.Severity == sev {
			return true
		}
	}
	return false
}

func render(t *testing.T, opts Options, ins ...Input) ([]Object, diag.List) {
	t.Helper()
	objs, l := Objects(ins, opts)
	for _, o := range objs {
		roundTrip(t, o)
	}
	return objs, l
}

func envoyFilter(t *testing.T, objs []Object) *networking.EnvoyFilter {
	t.Helper()
	return one(t, objs, KindEnvoyFilter).Body.(*networking.EnvoyFilter)
}

// insertPatches are the patches that insert the filter into a chain.
func insertPatches(ef *networking.EnvoyFilter) []*networking.EnvoyFilter_EnvoyConfigObjectPatch {
	var out []*networking.EnvoyFilter_EnvoyConfigObjectPatch
	for _, cp := range ef.ConfigPatches {
		if cp.ApplyTo == networking.EnvoyFilter_HTTP_FILTER || cp.ApplyTo == networking.EnvoyFilter_NETWORK_FILTER {
			out = append(out, cp)
		}
	}
	return out
}

func TestDialects(t *testing.T) {
	for _, tc := range []struct {
		minor            int
		hcm, sub, valKey string
		priority         int32
	}{
		{5, "envoy.http_connection_manager", "envoy.router", "config", 0},
		{6, "envoy.http_connection_manager", "envoy.router", "config", 0},
		{7, "envoy.http_connection_manager", "envoy.router", "typedConfig", 0}, // istiod 1.7 still names them so (compat.LegacyNames)
		{8, compat.HTTPConnectionManager, compat.Router, "typedConfig", 0},
		{9, compat.HTTPConnectionManager, compat.Router, "typed_config", 0},
		{10, compat.HTTPConnectionManager, compat.Router, "typed_config", 0},
		{11, compat.HTTPConnectionManager, compat.Router, "typed_config", 10},
		{int(compat.NewestIstio), compat.HTTPConnectionManager, compat.Router, "typed_config", 10},
	} {
		in := input(t, "f", "module: {url: file:///etc/f.wasm}")
		objs, l := render(t, Options{Istio: compat.Istio(tc.minor)}, in)
		if l.HasErrors() {
			t.Fatalf("1.%d: %v", tc.minor, l)
		}
		ef := envoyFilter(t, objs)
		cp := ef.ConfigPatches[0]
		fm := cp.Match.GetListener().FilterChain.Filter
		if fm.Name != tc.hcm || fm.SubFilter.Name != tc.sub {
			t.Errorf("1.%d: filter %s/%s, want %s/%s", tc.minor, fm.Name, fm.SubFilter.Name, tc.hcm, tc.sub)
		}
		if _, ok := cp.Patch.Value.Fields[tc.valKey]; !ok {
			t.Errorf("1.%d: value keys %v, want %s", tc.minor, keys(cp.Patch.Value.AsMap()), tc.valKey)
		}
		if ef.Priority != tc.priority {
			t.Errorf("1.%d: priority %d, want %d", tc.minor, ef.Priority, tc.priority)
		}
	}
}

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

func pluginJSON(t *testing.T, ef *networking.EnvoyFilter) string {
	js, _ := protojson.Marshal(insertPatches(ef)[0].Patch.Value)
	var buf bytes.Buffer
	_ = json.Compact(&buf, js)
	return buf.String()
}

func TestFailStrategyByVersion(t *testing.T) {
	for _, tc := range []struct {
		minor   int
		want    string // substring of the value JSON
		wantErr bool
	}{
		{6, "", true},
		{7, `"failOpen":true`, false},
		{8, `"failOpen":true`, false},
		{9, `"fail_open":true`, false},
		{24, `"fail_open":true`, false},
		{25, `"failure_policy":"FAIL_OPEN"`, false},
	} {
		in := input(t, "f", "module: {url: file:///etc/f.wasm}", "failStrategy: open")
		objs, l := render(t, Options{Istio: compat.Istio(tc.minor)}, in)
		if got := hasCode(l, CodeFeatureIstio, diag.Error); got != tc.wantErr {
			t.Errorf("1.%d: error %v, want %v: %v", tc.minor, got, tc.wantErr, l)
		}
		if tc.want != "" && !strings.Contains(pluginJSON(t, envoyFilter(t, objs)), tc.want) {
			t.Errorf("1.%d: value %s lacks %s", tc.minor, pluginJSON(t, envoyFilter(t, objs)), tc.want)
		}
	}
}

func TestPriorityByVersion(t *testing.T) {
	for _, tc := range []struct {
		minor    int
		want     int32
		wantWarn bool
	}{
		{10, 0, true},
		{11, 7, false},
	} {
		in := input(t, "f", "module: {url: file:///etc/f.wasm}", "priority: 7")
		objs, l := render(t, Options{Istio: compat.Istio(tc.minor)}, in)
		if got := hasCode(l, CodeFeatureIstio, diag.Warning); got != tc.wantWarn {
			t.Errorf("1.%d: warning %v, want %v: %v", tc.minor, got, tc.wantWarn, l)
		}
		if p := envoyFilter(t, objs).Priority; p != tc.want {
			t.Errorf("1.%d: priority %d, want %d", tc.minor, p, tc.want)
		}
	}
}

func TestEnvByVersion(t *testing.T) {
	in := input(t, "f", "module: {url: file:///etc/f.wasm}", "env: [{name: A, value: b}, {name: HOSTNAME, fromHost: true}]")
	objs, l := render(t, Options{}, in)
	if l.HasErrors() {
		t.Fatal(l)
	}
	js := pluginJSON(t, envoyFilter(t, objs))
	if !strings.Contains(js, `"environment_variables":{"host_env_keys":["HOSTNAME"],"key_values":{"A":"b"}}`) {
		t.Errorf("env missing: %s", js)
	}
	objs, l = render(t, Options{Istio: 10}, in)
	if l.HasErrors() || !strings.Contains(pluginJSON(t, envoyFilter(t, objs)), `"environment_variables"`) {
		t.Errorf("env on 1.10: want environment_variables, got %v", l)
	}
	_, l = render(t, Options{Istio: 9}, in)
	if !hasCode(l, CodeFeatureIstio, diag.Error) {
		t.Errorf("env on 1.9: want %s error, got %v", CodeFeatureIstio, l)
	}
}

func TestPlacement(t *testing.T) {
	for _, tc := range []struct {
		line     string
		typ      string
		op       networking.EnvoyFilter_Patch_Operation
		sub      string // subFilter (http) or filter (network) name; "" none
		priority int32
		code     string
	}{
		{"", "http", networking.EnvoyFilter_Patch_INSERT_BEFORE, compat.Router, 10, ""},
		{"placement: {before: envoy.filters.http.cors}", "http", networking.EnvoyFilter_Patch_INSERT_BEFORE, "envoy.filters.http.cors", 10, ""},
		{"placement: {after: envoy.filters.http.cors}", "http", networking.EnvoyFilter_Patch_INSERT_AFTER, "envoy.filters.http.cors", 10, ""},
		{"placement: {first: true}", "http", networking.EnvoyFilter_Patch_INSERT_FIRST, "", 0, ""},
		{"placement: {first: true}\n  priority: 3", "http", networking.EnvoyFilter_Patch_INSERT_FIRST, "", 3, ""},
		{"placement: {phase: authn}", "http", networking.EnvoyFilter_Patch_INSERT_BEFORE, "envoy.filters.http.jwt_authn", 10, CodePhase},
		{"placement: {phase: authz}", "http", networking.EnvoyFilter_Patch_INSERT_BEFORE, "envoy.filters.http.rbac", 10, CodePhase},
		{"placement: {phase: stats}", "http", networking.EnvoyFilter_Patch_INSERT_BEFORE, "istio.stats", 10, CodePhase},
		{"", "network", networking.EnvoyFilter_Patch_INSERT_FIRST, "", 0, ""},
		{"placement: {before: envoy.filters.network.tcp_proxy}", "network", networking.EnvoyFilter_Patch_INSERT_BEFORE, "envoy.filters.network.tcp_proxy", 10, ""},
		{"placement: {phase: authz}", "network", networking.EnvoyFilter_Patch_INSERT_BEFORE, "envoy.filters.network.rbac", 10, CodePhase},
	} {
		lines := []string{"module: {url: file:///etc/f.wasm}", "type: " + tc.typ}
		if tc.line != "" {
			lines = append(lines, tc.line)
		}
		objs, l := render(t, Options{}, input(t, "f", lines...))
		if l.HasErrors() {
			t.Fatalf("%q: %v", tc.line, l)
		}
		ef := envoyFilter(t, objs)
		cp := insertPatches(ef)[0]
		if cp.Patch.Operation != tc.op {
			t.Errorf("%q: op %s, want %s", tc.line, cp.Patch.Operation, tc.op)
		}
		var sub string
		if fc := cp.Match.GetListener().GetFilterChain(); fc != nil {
			if tc.typ == "network" {
				sub = fc.GetFilter().GetName()
			} else {
				if fc.Filter.Name != compat.HTTPConnectionManager {
					t.Errorf("%q: filter %s, want %s", tc.line, fc.Filter.Name, compat.HTTPConnectionManager)
				}
				sub = fc.Filter.GetSubFilter().GetName()
			}
		}
		if sub != tc.sub {
			t.Errorf("%q: reference %q, want %q", tc.line, sub, tc.sub)
		}
		if ef.Priority != tc.priority {
			t.Errorf("%q: priority %d, want %d", tc.line, ef.Priority, tc.priority)
		}
		wantApply := networking.EnvoyFilter_HTTP_FILTER
		if tc.typ == "network" {
			wantApply = networking.EnvoyFilter_NETWORK_FILTER
		}
		if cp.ApplyTo != wantApply {
			t.Errorf("%q: applyTo %s, want %s", tc.line, cp.ApplyTo, wantApply)
		}
		if (tc.code != "") != hasCode(l, CodePhase, diag.Info) {
			t.Errorf("%q: phase notice %v, want %v", tc.line, !hasCode(l, CodePhase, diag.Info), tc.code != "")
		}
	}
}

func TestContextAndPorts(t *testing.T) {
	for _, tc := range []struct {
		context string
		want    networking.EnvoyFilter_PatchContext
		mode    typev1beta1.WorkloadMode
	}{
		{"inbound", networking.EnvoyFilter_SIDECAR_INBOUND, typev1beta1.WorkloadMode_SERVER},
		{"outbound", networking.EnvoyFilter_SIDECAR_OUTBOUND, typev1beta1.WorkloadMode_CLIENT},
		{"gateway", networking.EnvoyFilter_GATEWAY, typev1beta1.WorkloadMode_CLIENT},
		{"any", networking.EnvoyFilter_ANY, typev1beta1.WorkloadMode_CLIENT_AND_SERVER},
		{"SIDECAR_OUTBOUND", networking.EnvoyFilter_SIDECAR_OUTBOUND, typev1beta1.WorkloadMode_CLIENT},
	} {
		in := input(t, "f", "module: {url: file:///etc/f.wasm}", "context: "+tc.context, "ports: [9080, 8443]")
		objs, l := render(t, Options{Target: TargetAll}, in)
		if l.HasErrors() {
			t.Fatalf("%s: %v", tc.context, l)
		}
		ps := insertPatches(envoyFilter(t, objs))
		if len(ps) != 2 || ps[0].Match.GetListener().PortNumber != 9080 || ps[1].Match.GetListener().PortNumber != 8443 {
			t.Fatalf("%s: want one patch per port 9080, 8443, got %v", tc.context, ps)
		}
		for _, p := range ps {
			if p.Match.Context != tc.want {
				t.Errorf("%s: context %s, want %s", tc.context, p.Match.Context, tc.want)
			}
		}
		wp := one(t, objs, KindWasmPlugin).Body.(*extensions.WasmPlugin)
		if m := wp.Match[0]; m.Mode != tc.mode || len(m.Ports) != 2 || m.Ports[1].Number != 8443 {
			t.Errorf("%s: WasmPlugin match %v, want mode %s with ports", tc.context, m, tc.mode)
		}
	}
	// No ports: one patch without a port.
	objs, _ := render(t, Options{}, input(t, "f", "module: {url: file:///etc/f.wasm}"))
	if ps := insertPatches(envoyFilter(t, objs)); len(ps) != 1 || ps[0].Match.GetListener().PortNumber != 0 {
		t.Errorf("no ports: got %v", ps)
	}
}

func TestDeliveries(t *testing.T) {
	image := "module: {image: webassemblyhub.io/u/f:v1}"
	imageSHA := "module: {image: webassemblyhub.io/u/f:v1, sha256: " + testSHA + "}"
	https := "module: {url: 'https://example.com:8443/f.wasm', sha256: " + testSHA + "}"
	path := "module: {path: f.wasm}"
	for _, tc := range []struct {
		name   string
		module string
		extra  string
		minor  int
		want   string // resolved delivery; "" = error
		code   string
	}{
		{"auto path", path, "", 0, DeliveryConfigMap, ""},
		{"auto https", https, "", 0, DeliveryRemote, ""},
		{"auto file", "module: {url: file:///etc/f.wasm}", "", 0, DeliveryLocal, ""},
		{"auto image new", image, "", 0, DeliveryAgent, ""},
		{"auto image old", imageSHA, "", 11, DeliveryHostPath, ""},
		{"auto image old no sha", image, "", 11, "", CodeNeedSHA256},
		{"hostPath", imageSHA, "delivery: hostPath", 0, DeliveryHostPath, ""},
		{"hostPath no sha", image, "delivery: hostPath", 0, "", CodeNeedSHA256},
		{"configMap image", image, "delivery: configMap", 0, "", CodeDelivery},
		{"imageVolume", image, "delivery: imageVolume", 0, DeliveryImageVolume, ""},
		{"imageVolume path", path, "delivery: imageVolume", 0, "", CodeDelivery},
		{"remote", https, "delivery: remote", 0, DeliveryRemote, ""},
		{"remote image", image, "delivery: remote", 0, "", CodeDelivery},
		{"remote 1.6", https, "delivery: remote", 6, "", CodeDeliveryIstio},
		{"agent", image, "delivery: agent", 0, DeliveryAgent, ""},
		{"agent https", https, "delivery: agent", 0, DeliveryAgent, ""},
		{"agent 1.11", image, "delivery: agent", 11, "", CodeDeliveryIstio},
		{"agent path", path, "delivery: agent", 0, "", CodeDelivery},
		{"file with delivery", "module: {url: file:///etc/f.wasm}", "delivery: hostPath", 0, "", CodeDelivery},
	} {
		lines := []string{tc.module}
		if tc.extra != "" {
			lines = append(lines, tc.extra)
		}
		in := input(t, "f", lines...)
		l := &diag.List{}
		b := &build{in: in, opts: Options{Istio: compat.Istio(tc.minor)}, f: &in.Doc.Filter, diags: l, rep: diag.NewReporter(in.Doc, l)}
		d := resolveDelivery(b)
		if d.kind != tc.want {
			t.Errorf("%s: delivery %q, want %q (%v)", tc.name, d.kind, tc.want, *b.diags)
		}
		if tc.code != "" && !hasCode(*b.diags, tc.code, diag.Error) {
			t.Errorf("%s: want error %s, got %v", tc.name, tc.code, *b.diags)
		}
		if tc.want != "" {
			if b.diags.HasErrors() {
				t.Errorf("%s: unexpected errors %v", tc.name, *b.diags)
			}
			objs, l := render(t, Options{Istio: compat.Istio(tc.minor)}, in)
			if l.HasErrors() {
				t.Errorf("%s: render: %v", tc.name, l)
			} else if len(find(objs, KindEnvoyFilter)) != 1 {
				t.Errorf("%s: no EnvoyFilter", tc.name)
			}
		}
	}
}

func TestAgentAndRemotePatches(t *testing.T) {
	objs, _ := render(t, Options{}, input(t, "f", "module: {image: webassemblyhub.io/u/f:v1}"))
	ef := envoyFilter(t, objs)
	if len(ef.ConfigPatches) != 2 || ef.ConfigPatches[0].ApplyTo != networking.EnvoyFilter_EXTENSION_CONFIG ||
		ef.ConfigPatches[0].Patch.Operation != networking.EnvoyFilter_Patch_ADD {
		t.Fatalf("agent: want EXTENSION_CONFIG ADD + HTTP_FILTER, got %v", ef.ConfigPatches)
	}
	ext, _ := protojson.Marshal(ef.ConfigPatches[0].Patch.Value)
	for _, want := range []string{`"sha256":"nil"`, `"cluster":"_"`, `"uri":"oci://webassemblyhub.io/u/f:v1"`, `"name":"wasmgen.bookinfo.f"`} {
		if !bytes.Contains(compact(ext), []byte(want)) {
			t.Errorf("agent extension config lacks %s: %s", want, ext)
		}
	}
	if got := insertPatches(ef)[0].Patch.Value.Fields["config_discovery"]; got == nil {
		t.Errorf("agent: the HTTP_FILTER patch has no config_discovery")
	}

	objs, _ = render(t, Options{}, input(t, "f", "module: {url: 'https://example.com:8443/f.wasm', sha256: "+testSHA+"}"))
	ef = envoyFilter(t, objs)
	last := ef.ConfigPatches[len(ef.ConfigPatches)-1]
	if last.ApplyTo != networking.EnvoyFilter_CLUSTER || last.Match.Context != networking.EnvoyFilter_ANY {
		t.Fatalf("remote: want a CLUSTER patch of context ANY last, got %v", last)
	}
	cl := compact(mustProtoJSON(last.Patch.Value))
	for _, want := range []string{`"port_value":8443`, `"sni":"example.com"`, `"name":"wasmgen_module_bookinfo_f"`, `"type":"LOGICAL_DNS"`} {
		if !bytes.Contains(cl, []byte(want)) {
			t.Errorf("remote cluster lacks %s: %s", want, cl)
		}
	}
	if v := compact(mustProtoJSON(insertPatches(ef)[0].Patch.Value)); !bytes.Contains(v, []byte(`"cluster":"wasmgen_module_bookinfo_f"`)) {
		t.Errorf("remote code does not use the module cluster: %s", v)
	}
}

func mustProtoJSON(m proto.Message) []byte { js, _ := protojson.Marshal(m); return js }

func compact(js []byte) []byte {
	var buf bytes.Buffer
	_ = json.Compact(&buf, js)
	return buf.Bytes()
}

func TestConfigMapDelivery(t *testing.T) {
	in := input(t, "f", "module: {path: f.wasm}")
	objs, l := render(t, Options{}, in)
	if l.HasErrors() {
		t.Fatal(l)
	}
	cm := one(t, objs, KindConfigMap)
	if cm.Name != "f-wasm-"+testSHA[:10] || cm.Namespace != "bookinfo" {
		t.Errorf("ConfigMap %s/%s", cm.Namespace, cm.Name)
	}
	// A different module is a different ConfigMap: the pods roll.
	in2 := in
	in2.ModuleSHA256 = strings.Repeat("b", 64)
	objs2, _ := render(t, Options{}, in2)
	if one(t, objs2, KindConfigMap).Name == cm.Name {
		t.Errorf("ConfigMap name does not follow the module's content")
	}

	big := in
	big.ModuleData = make([]byte, MaxConfigMapModule+1)
	big.ModuleSize = int64(len(big.ModuleData))
	_, l = render(t, Options{}, big)
	if !hasCode(l, CodeTooLarge, diag.Error) || !strings.Contains(l.Error(), "1048577 bytes") {
		t.Errorf("over 1 MiB: want %s with the size, got %v", CodeTooLarge, l)
	}
	exact := in
	exact.ModuleData = make([]byte, MaxConfigMapModule)
	exact.ModuleSize = MaxConfigMapModule
	if _, l = render(t, Options{}, exact); l.HasErrors() {
		t.Errorf("exactly 1 MiB: %v", l)
	}
}

func annotations(t *testing.T, o Object) (vol, mnt map[string]any) {
	t.Helper()
	p := o.Body.(*WorkloadPatch)
	a := p.Spec.Template.Metadata.Annotations
	if err := json.Unmarshal([]byte(a[AnnotationUserVolume]), &vol); err != nil {
		t.Fatalf("userVolume %q: %v", a[AnnotationUserVolume], err)
	}
	if err := json.Unmarshal([]byte(a[AnnotationUserVolumeMount]), &mnt); err != nil {
		t.Fatalf("userVolumeMount: %v", err)
	}
	return vol, mnt
}

func TestVolumePatchesByLabel(t *testing.T) {
	a := input(t, "a", "module: {path: a.wasm}")
	b := input(t, "b", "module: {path: b.wasm}")
	objs, l := render(t, Options{}, a, b)
	if l.HasErrors() {
		t.Fatal(l)
	}
	patches := find(objs, "Deployment")
	if len(patches) != 1 {
		t.Fatalf("two filters with one selector: want one merged patch, got %d", len(patches))
	}
	p := patches[0]
	if len(p.PatchTargets) != 3 || p.PatchTargets[0].LabelSelector != "app=productpage,version=v1" || p.PatchTargets[2].Kind != "DaemonSet" {
		t.Errorf("targets %+v", p.PatchTargets)
	}
	vol, mnt := annotations(t, p)
	if len(vol) != 2 || vol["wasm-a"] == nil || mnt["wasm-b"].(map[string]any)["mountPath"] != "/var/local/lib/wasmgen/b" {
		t.Errorf("volumes %v mounts %v", vol, mnt)
	}
	if !hasCode(l, CodeLabelPatchNote, diag.Info) {
		t.Errorf("want the label-patch notice")
	}
}

func TestVolumePatchesByWorkload(t *testing.T) {
	in := input(t, "a", "module: {path: a.wasm}")
	pod := map[string]string{"app": "productpage", "version": "v1", "extra": "x"}
	ws := []Workload{
		{APIVersion: "apps/v1", Kind: "Deployment", Name: "productpage-v1", Namespace: "bookinfo", PodLabels: pod,
			PodAnnotations: map[string]string{AnnotationUserVolume: `{"other":{"emptyDir":{}},"wasm-a":{"emptyDir":{}}}`,
				AnnotationUserVolumeMount: `[{"name":"other","mountPath":"/other"}]`}},
		{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", Namespace: "bookinfo", PodLabels: pod},
		{APIVersion: "apps/v1", Kind: "Deployment", Name: "elsewhere", Namespace: "other", PodLabels: pod},
		{APIVersion: "apps/v1", Kind: "Deployment", Name: "reviews", Namespace: "bookinfo", PodLabels: map[string]string{"app": "reviews"}},
	}
	objs, l := render(t, Options{Workloads: ws}, in)
	if l.HasErrors() {
		t.Fatal(l)
	}
	var names []string
	for _, o := range objs {
		if o.IsPatch() {
			names = append(names, o.Kind+"/"+o.Name)
		}
	}
	if !reflect.DeepEqual(names, []string{"Deployment/productpage-v1", "StatefulSet/db"}) {
		t.Fatalf("patched %v", names)
	}
	dep := find(objs, "Deployment")[0]
	if tg := dep.PatchTargets; len(tg) != 1 || tg[0].Name != "productpage-v1" || tg[0].Namespace != "bookinfo" || tg[0].LabelSelector != "" {
		t.Errorf("target %+v", tg)
	}
	vol, mnt := annotations(t, dep)
	if vol["other"] == nil || vol["wasm-a"].(map[string]any)["configMap"] == nil {
		t.Errorf("merge: want other kept and wasm-a replaced, got %v", vol)
	}
	if mnt["other"].(map[string]any)["mountPath"] != "/other" || mnt["wasm-a"] == nil {
		t.Errorf("merge of wasme's array form: %v", mnt)
	}
	// Sorted keys inside the annotation.
	if a := dep.Body.(*WorkloadPatch).Spec.Template.Metadata.Annotations[AnnotationUserVolume]; !strings.HasPrefix(a, `{"other":`) {
		t.Errorf("annotation not key-sorted: %s", a)
	}

	// FilterDeployment's kind restricts the kinds.
	in.Doc.WorkloadKind = "StatefulSet"
	objs, _ = render(t, Options{Workloads: ws}, in)
	if ps := find(objs, "Deployment"); len(ps) != 0 {
		t.Errorf("WorkloadKind StatefulSet still patched %d Deployments", len(ps))
	}

	// Nothing matches: a warning, no patch.
	in.Doc.WorkloadKind = ""
	objs, l = render(t, Options{Workloads: ws[3:]}, in)
	if !hasCode(l, CodeNoWorkload, diag.Warning) || len(find(objs, "Deployment")) != 0 {
		t.Errorf("no match: want %s and no patch, got %v", CodeNoWorkload, l)
	}

	// An unreadable existing annotation is reported and replaced.
	ws[0].PodAnnotations = map[string]string{AnnotationUserVolume: `{not json`}
	_, l = render(t, Options{Workloads: ws[:1]}, in)
	if !hasCode(l, CodeAnnotation, diag.Warning) {
		t.Errorf("bad annotation: want %s, got %v", CodeAnnotation, l)
	}
}

func TestGatewayPatchesPodSpec(t *testing.T) {
	objs, l := render(t, Options{}, input(t, "gw", "module: {path: a.wasm}", "context: gateway"))
	if l.HasErrors() {
		t.Fatal(l)
	}
	p := find(objs, "Deployment")[0].Body.(*WorkloadPatch)
	if p.Spec.Template.Metadata.Annotations != nil {
		t.Errorf("gateway: annotations %v; the gateway template ignores them", p.Spec.Template.Metadata.Annotations)
	}
	s := p.Spec.Template.Spec
	if s == nil || len(s.Volumes) != 1 || s.Containers[0].Name != "istio-proxy" || s.Containers[0].VolumeMounts[0].Name != s.Volumes[0].Name {
		t.Errorf("gateway pod spec %+v", s)
	}
}

func TestWasmPlugin(t *testing.T) {
	in := input(t, "f", "module: {image: 'webassemblyhub.io/u/f@sha256:"+testSHA+"', sha256: "+testSHA+"}",
		"placement: {phase: authz}", "priority: 5", "failStrategy: open", "type: network",
		"env: [{name: A, value: b}, {name: H, fromHost: true}]")
	objs, l := render(t, Options{Target: TargetWasmPlugin}, in)
	if l.HasErrors() {
		t.Fatal(l)
	}
	wp := one(t, objs, KindWasmPlugin).Body.(*extensions.WasmPlugin)
	want := &extensions.WasmPlugin{
		Selector:     &typev1beta1.WorkloadSelector{MatchLabels: map[string]string{"app": "productpage", "version": "v1"}},
		Url:          "oci://webassemblyhub.io/u/f@sha256:" + testSHA,
		Sha256:       testSHA,
		PluginName:   "add_header_root_id",
		Phase:        extensions.PluginPhase_AUTHZ,
		FailStrategy: extensions.FailStrategy_FAIL_OPEN,
		Type:         extensions.PluginType_NETWORK,
		Match:        []*extensions.WasmPlugin_TrafficSelector{{Mode: typev1beta1.WorkloadMode_SERVER}},
		VmConfig: &extensions.VmConfig{Env: []*extensions.EnvVar{{Name: "A", Value: "b"},
			{Name: "H", ValueFrom: extensions.EnvValueSource_HOST}}},
	}
	want.Priority = wp.Priority
	want.PluginConfig = wp.PluginConfig
	if !proto.Equal(wp, want) || wp.Priority.GetValue() != 5 || wp.PluginConfig.Fields["header_name"].GetStringValue() != "hello" {
		t.Errorf("WasmPlugin\n got %v\nwant %v", wp, want)
	}
	if len(find(objs, KindEnvoyFilter)) != 0 {
		t.Errorf("--target wasmplugin made an EnvoyFilter")
	}

	for _, tc := range []struct {
		config string
		bytes  bool
		msg    string
	}{
		{`"just a string"`, false, "a string, not a JSON object"},
		{`not json at all`, false, "not JSON"},
		{`{"a":{"b":[1,9007199254740993]}}`, false, "9007199254740993 would change"},
		{`{"a":1}`, true, "binary configuration"},
	} {
		in := input(t, "f", "module: {url: 'https://x.example/f.wasm', sha256: "+testSHA+"}")
		in.Configuration, in.ConfigIsBytes = []byte(tc.config), tc.bytes
		objs, l := render(t, Options{Target: TargetWasmPlugin}, in)
		if len(objs) != 0 || !hasCode(l, CodeWasmPlugin, diag.Error) || !strings.Contains(l.Error(), tc.msg) {
			t.Errorf("config %s: want %s error %q, got %v", tc.config, CodeWasmPlugin, tc.msg, l)
		}
		// With --target all it is a warning: the EnvoyFilter still carries the config.
		objs, l = render(t, Options{Target: TargetAll}, in)
		if l.HasErrors() || len(find(objs, KindWasmPlugin)) != 0 || len(find(objs, KindEnvoyFilter)) != 1 {
			t.Errorf("config %s with --target all: %v", tc.config, l)
		}
	}
	// Exact numbers are kept.
	in = input(t, "f", "module: {url: 'https://x.example/f.wasm', sha256: "+testSHA+"}")
	in.Configuration = []byte(`{"n":9007199254740992,"f":0.5}`)
	objs, l = render(t, Options{Target: TargetWasmPlugin}, in)
	if l.HasErrors() || one(t, objs, KindWasmPlugin).Body.(*extensions.WasmPlugin).PluginConfig.Fields["n"].GetNumberValue() != 9007199254740992 {
		t.Errorf("2^53 is exact: %v", l)
	}

	_, l = render(t, Options{Target: TargetWasmPlugin, Istio: 11}, in)
	if !hasCode(l, CodeWasmPluginOld, diag.Error) {
		t.Errorf("1.11: want %s", CodeWasmPluginOld)
	}
	// WasmPlugin.type exists from Istio 1.20: not written before, and a network
	// plugin cannot be expressed there.
	for _, tc := range []struct {
		minor   int
		typ     string
		want    extensions.PluginType
		refused bool
	}{
		{19, "", extensions.PluginType_UNSPECIFIED_PLUGIN_TYPE, false},
		{19, "type: network", 0, true},
		{20, "", extensions.PluginType_HTTP, false},
		{20, "type: network", extensions.PluginType_NETWORK, false},
	} {
		lines := []string{"module: {url: 'https://x.example/f.wasm', sha256: " + testSHA + "}"}
		if tc.typ != "" {
			lines = append(lines, tc.typ)
		}
		objs, l := render(t, Options{Target: TargetWasmPlugin, Istio: compat.Istio(tc.minor)}, input(t, "f", lines...))
		if tc.refused {
			if !hasCode(l, CodeWasmPlugin, diag.Error) || !strings.Contains(l.Error(), "Istio 1.20") || len(find(objs, KindWasmPlugin)) != 0 {
				t.Errorf("1.%d %s: want a %s error naming Istio 1.20, got %v", tc.minor, tc.typ, CodeWasmPlugin, l)
			}
			continue
		}
		if l.HasErrors() {
			t.Fatalf("1.%d %s: %v", tc.minor, tc.typ, l)
		}
		if got := one(t, objs, KindWasmPlugin).Body.(*extensions.WasmPlugin).GetType(); got != tc.want {
			t.Errorf("1.%d %s: type %v, want %v", tc.minor, tc.typ, got, tc.want)
		}
	}
}

func TestBootstrap(t *testing.T) {
	for _, tc := range []struct {
		name, module, extra string
		wantErr             bool
	}{
		{"path", "module: {path: f.wasm}", "envoy: {listenPort: 10000, adminPort: 9901, upstream: 'httpbin.org:80'}", false},
		{"https", "module: {url: 'https://example.com/f.wasm', sha256: " + testSHA + "}", "type: http", false},
		{"network", "module: {path: f.wasm}", "type: network", false},
		{"image", "module: {image: webassemblyhub.io/u/f:v1}", "type: http", true},
	} {
		objs, l := render(t, Options{Target: TargetEnvoy}, input(t, "f", tc.module, tc.extra))
		if l.HasErrors() != tc.wantErr || (!tc.wantErr && len(objs) != 1) {
			t.Errorf("%s: errors %v objects %d", tc.name, l, len(objs))
		}
		if tc.wantErr && !hasCode(l, CodeEnvoySource, diag.Error) {
			t.Errorf("%s: want %s", tc.name, CodeEnvoySource)
		}
		if tc.name == "path" {
			js := string(compact(mustProtoJSON(objs[0].Body.(proto.Message))))
			for _, want := range []string{`"filename":"/work/filters/f.wasm"`, `"portValue":9901`, `"portValue":10000`, `"address":"httpbin.org"`} {
				if !strings.Contains(js, want) {
					t.Errorf("bootstrap lacks %s", want)
				}
			}
			if objs[0].FileName != "bootstrap-f.json" {
				t.Errorf("file %s", objs[0].FileName)
			}
		}
	}
}

// The 1.5 output has exactly the shape of the EnvoyFilter the wasme article shows.
func TestLegacyMatchesWasmeReference(t *testing.T) {
	ref, err := os.ReadFile("testdata/wasme-envoyfilter-istio1.5.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := yaml.Unmarshal(ref, &want); err != nil {
		t.Fatal(err)
	}
	in := input(t, "myfilter", "module: {image: 'webassemblyhub.io/sunboy0213/add-header:v0.1', sha256: "+testSHA+"}", "vmID: myfilter")
	in.Configuration = nil // the article's filter has no configuration
	objs, l := render(t, Options{Istio: 5}, in)
	if l.HasErrors() {
		t.Fatal(l)
	}
	var got any
	if err := json.Unmarshal(mustProtoJSON(envoyFilter(t, objs)), &got); err != nil {
		t.Fatal(err)
	}
	wantJS, _ := json.Marshal(want["spec"])
	var wantSpec any
	_ = json.Unmarshal(wantJS, &wantSpec)
	if !reflect.DeepEqual(got, wantSpec) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(wantSpec, "", " ")
		t.Errorf("1.5 spec differs from the reference\n got %s\nwant %s", g, w)
	}
}

func TestFileNamesAndOrder(t *testing.T) {
	a := input(t, "b-filter", "module: {path: a.wasm}")
	b := input(t, "a-filter", "module: {path: a.wasm}")
	b.Doc.Filter.Spec.Selector.MatchLabels = map[string]string{"app": "x"}
	other := spec(t, strings.Replace(filter("a-filter", "module: {url: file:///f.wasm}"), "namespace: bookinfo", "namespace: aaa", 1))
	objs, l := render(t, Options{Target: TargetAll}, a, b, Input{Doc: other})
	if l.HasErrors() {
		t.Fatal(l)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Namespace+"/"+o.Kind+"/"+o.FileName)
	}
	want := []string{
		"aaa/EnvoyFilter/envoyfilter-aaa-a-filter.yaml",
		"aaa/WasmPlugin/wasmplugin-aaa-a-filter.yaml",
		"aaa/Bootstrap/bootstrap-aaa-a-filter.json",
		"bookinfo/EnvoyFilter/envoyfilter-bookinfo-a-filter.yaml",
		"bookinfo/WasmPlugin/wasmplugin-bookinfo-a-filter.yaml",
		"bookinfo/ConfigMap/configmap-a-filter.yaml",
		"bookinfo/Deployment/patch-a-filter.yaml",
		"bookinfo/Bootstrap/bootstrap-bookinfo-a-filter.json",
		"bookinfo/EnvoyFilter/envoyfilter-b-filter.yaml",
		"bookinfo/WasmPlugin/wasmplugin-b-filter.yaml",
		"bookinfo/ConfigMap/configmap-b-filter.yaml",
		"bookinfo/Deployment/patch-b-filter.yaml",
		"bookinfo/Bootstrap/bootstrap-b-filter.json",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order\n got %q\nwant %q", got, want)
	}
}

func TestDeterministic(t *testing.T) {
	mk := func() []Input {
		return []Input{
			input(t, "a", "module: {path: a.wasm}", "ports: [1, 2]", "env: [{name: Z, value: z}, {name: A, value: a}, {name: H, fromHost: true}, {name: B, fromHost: true}]"),
			input(t, "b", "module: {image: webassemblyhub.io/u/f:v1}"),
			input(t, "c", "module: {url: 'https://example.com/f.wasm', sha256: "+testSHA+"}"),
		}
	}
	tree := func() []any {
		objs, _ := Objects(mk(), Options{Target: TargetAll})
		var out []any
		for _, o := range objs {
			var js []byte
			if m, ok := o.Body.(proto.Message); ok {
				js = mustProtoJSON(m)
			} else {
				js, _ = json.Marshal(o.Body)
			}
			var v any
			_ = json.Unmarshal(js, &v)
			out = append(out, []any{o.Kind, o.Name, o.FileName, v})
		}
		return out
	}
	first := tree()
	for i := 0; i < 5; i++ {
		if !reflect.DeepEqual(first, tree()) {
			t.Fatal("two runs differ")
		}
	}
}

func BenchmarkObjects(b *testing.B) {
	ins := []Input{
		input(b, "a", "module: {path: a.wasm}", "ports: [9080, 9090]"),
		input(b, "b", "module: {image: webassemblyhub.io/u/f:v1}"),
		input(b, "c", "module: {url: 'https://example.com/f.wasm', sha256: "+testSHA+"}"),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, l := Objects(ins, Options{Target: TargetAll}); l.HasErrors() {
			b.Fatal(l)
		}
	}
}

// pluginConfig parses user JSON: it must never panic, and what it accepts must
// keep every number exactly.
func FuzzPluginConfig(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":[1,2.5,"x",null,true]}`, `"s"`, `{"n":9007199254740993}`, `{`, `{"a":1}{"b":2}`, `{"n":-0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, _, msg := pluginConfig(data)
		if msg != "" {
			return
		}
		if st == nil {
			t.Fatal("accepted without a Struct")
		}
		if _, err := protojson.Marshal(st); err != nil {
			t.Fatalf("accepted config does not marshal: %v", err)
		}
	})
}

// TestRefusals: what the generator refuses outright, each with its code.
func TestRefusals(t *testing.T) {
	in := input(t, "f", "module: {image: 'ghcr.io/x/f@sha256:"+testSHA+"'}")
	if _, l := Objects([]Input{in}, Options{Istio: 4}); !hasCode(l, CodeIstioVersion, diag.Error) {
		t.Errorf("Istio 1.4: %v", l)
	}
	bin := in
	bin.ConfigIsBytes = true
	if _, l := render(t, Options{Istio: 5}, bin); !hasCode(l, CodeLegacyConfig, diag.Error) {
		t.Errorf("binary config on 1.5: %v", l)
	}
	if _, l := render(t, Options{Istio: 9}, bin); hasCode(l, CodeLegacyConfig, diag.Error) {
		t.Errorf("binary config on 1.9 is fine: %v", l)
	}
	// A workload of a kind with no pod template to patch, given by an API caller.
	wl := []Workload{{APIVersion: "v1", Kind: "Service", Name: "s", Namespace: "bookinfo", PodLabels: map[string]string{"app": "productpage", "version": "v1"}}}
	path := input(t, "f", "module: {path: f.wasm}")
	if _, l := render(t, Options{Workloads: wl}, path); !hasCode(l, CodeWorkloadKind, diag.Warning) {
		t.Errorf("a Service as a workload: %v", l)
	}
}
