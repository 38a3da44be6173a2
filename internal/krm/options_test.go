package krm

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/internal/load"
)

func parseItems(t *testing.T, docs ...string) []*yaml.RNode {
	t.Helper()
	var out []*yaml.RNode
	for _, s := range docs {
		n, err := yaml.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func findingOf(out Output, code string) (Finding, bool) {
	for _, f := range out.Findings {
		if f.Code == code {
			return f, true
		}
	}
	return Finding{}, false
}

// TestConfigMapOptions: kpt's function-input ConfigMap sets istio-version and target;
// a bad value of either is an error at its field, a release newer than known a
// warning.
func TestConfigMapOptions(t *testing.T) {
	cm := func(data string) *yaml.RNode {
		return parseItems(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fn}\ndata: {"+data+"}\n")[0]
	}
	for _, tt := range []struct {
		data string
		sev  diag.Severity
		path string
		msg  string
	}{
		{"istio-version: '2.0'", diag.Error, "data.istio-version", "invalid Istio version"},
		{"istio-version: '1.99'", diag.Warning, "data.istio-version", "newer than the newest release"},
		{"target: envoy", diag.Error, "data.target", "expected one of istio, wasmplugin, trafficextension, envoy-gateway, all"},
		{"envoy-gateway-version: '1.0'", diag.Error, "data.envoy-gateway-version", "Envoy Gateway 1.0 is not supported"},
		{"envoy-gateway-version: '1.40'", diag.Warning, "data.envoy-gateway-version", "newer than the newest release"},
	} {
		out := Run(parseItems(t, kindsDeployment, kindsFilter), cm(tt.data), nil, Options{Files: mustRoot(t)})
		f, ok := findingOf(out, CodeIstioVersion)
		if !ok || f.Severity != tt.sev || f.Path != tt.path || !strings.Contains(f.Msg, tt.msg) {
			t.Errorf("%s: %+v", tt.data, out.Findings)
		}
	}
}

// TestUnpatchableWorkload: a workload whose pod template is not a mapping cannot be
// patched; the items come back unchanged with the error.
func TestUnpatchableWorkload(t *testing.T) {
	bad := strings.Replace(kindsDeployment, "    spec:\n      containers: [{name: productpage, image: productpage}]\n", "", 1)
	bad = strings.Replace(bad, "    metadata:\n      labels: {app: productpage}\n", "    metadata:\n      labels: {app: productpage}\n      annotations: [not, a, mapping]\n", 1)
	items := parseItems(t, bad, kindsFilter)
	out := Run(items, nil, nil, Options{Files: mustRoot(t)})
	if _, ok := findingOf(out, CodePatch); !ok || !out.HasErrors() {
		t.Fatalf("want %s: %+v", CodePatch, out.Findings)
	}
	if len(out.Items) != len(items) {
		t.Errorf("items changed on error")
	}
}

func mustRoot(t *testing.T) *load.Root {
	t.Helper()
	r, err := load.NewRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return r
}
