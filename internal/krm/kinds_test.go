package krm

import (
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/generate"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const (
	kindsDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: productpage-v1, namespace: bookinfo}
spec:
  template:
    metadata:
      labels: {app: productpage}
    spec:
      containers: [{name: productpage, image: productpage}]
`
	kindsJob = `apiVersion: batch/v1
kind: Job
metadata: {name: productpage-migrate, namespace: bookinfo}
spec:
  template:
    metadata:
      labels: {app: productpage}
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: productpage}]
`
	kindsFilter = `apiVersion: wasmgen.io/v1alpha1
kind: WasmFilter
metadata: {name: add-header, namespace: bookinfo}
spec:
  module:
    image: example.com/add-header@sha256:72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584
    sha256: 72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584
  delivery: hostPath
  selector:
    matchLabels: {app: productpage}
`
)

// TestWorkloadKindRestrictsByRealKind: a FilterDeployment's deployment.istio.kind
// (Document.WorkloadKind) selects workloads by their real kind, so `kind:
// Deployment` leaves a Job with the same pod labels alone. A FilterDeployment can
// only reach a volume patch with a module sha256, which its schema has no field
// for, so the kind is set on the compiled input as the decoder sets it.
func TestWorkloadKindRestrictsByRealKind(t *testing.T) {
	cases := []struct {
		name         string
		workloadKind string
		items        []string
		patched      []string // kinds whose items get the annotation
		noWorkload   string   // a WG2012 warning naming this, when set
	}{
		{"unrestricted patches both", "", []string{kindsDeployment, kindsJob}, []string{"Deployment", "Job"}, ""},
		{"kind Deployment skips the Job", "Deployment", []string{kindsDeployment, kindsJob}, []string{"Deployment"}, ""},
		{"only a Job matches", "Deployment", []string{kindsJob}, nil, "Job productpage-migrate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var items []*yaml.RNode
			for _, s := range append(c.items, kindsFilter) {
				n, err := yaml.Parse(s)
				if err != nil {
					t.Fatal(err)
				}
				items = append(items, n)
			}
			r := newRun(items, Options{})
			r.scan()
			inputs := r.compile()
			if r.hasErrors() || len(inputs) != 1 {
				t.Fatalf("compile: %v", r.findings)
			}
			inputs[0].Doc.WorkloadKind = c.workloadKind
			out := r.apply(inputs)
			if out.HasErrors() {
				t.Fatalf("findings %v", out.Findings)
			}
			var patched []string
			for _, it := range out.Items {
				if _, ok := podPath(it.GetKind()); !ok {
					continue
				}
				s, _ := kio.StringAll([]*yaml.RNode{it})
				if strings.Contains(s, generate.AnnotationUserVolume) {
					patched = append(patched, it.GetKind())
				}
			}
			if strings.Join(patched, ",") != strings.Join(c.patched, ",") {
				t.Errorf("patched %v, want %v", patched, c.patched)
			}
			var warned bool
			for _, f := range out.Findings {
				if f.Code == generate.CodeNoWorkload {
					warned = c.noWorkload != "" && strings.Contains(f.Msg, c.noWorkload) && strings.Contains(f.Msg, "deployment.istio.kind: Deployment")
					if !warned {
						t.Errorf("unexpected %s: %s", f.Code, f.Msg)
					}
				}
			}
			if c.noWorkload != "" && !warned {
				t.Errorf("want a %s warning naming %s, got %v", generate.CodeNoWorkload, c.noWorkload, out.Findings)
			}
		})
	}
}
