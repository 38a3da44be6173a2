package schema

// WorkloadKind is a Kubernetes kind that owns pods, and so can run a filter's
// sidecar: the one table generate (what a patch edits), the pipeline (which
// manifests are workloads) and the KRM adapter (where to edit in place) read.
type WorkloadKind struct {
	Kind       string
	APIVersion string
	// Template is the path to the pod template (its metadata and spec); empty for a
	// bare Pod, which is its own template.
	Template []string
	// ByLabel: a patch that targets workloads by label (no manifests given) selects
	// this kind. The controllers of long-lived pods only: a Job's or CronJob's pods
	// run to completion and a bare Pod is usually a one-off, so those are patched
	// only when their manifests are given and a blind label patch never lands on them.
	ByLabel bool
	// Wasme: the wasme operator's FilterDeployment could name this kind
	// (deployment.istio.kind; solo-io/wasm operator/api/wasme/v1 filter_deployment.proto).
	Wasme bool
}

// WorkloadKinds are the kinds wasmgen patches, in the order messages list them.
var WorkloadKinds = []WorkloadKind{
	{Kind: "Deployment", APIVersion: "apps/v1", Template: []string{"spec", "template"}, ByLabel: true, Wasme: true},
	{Kind: "StatefulSet", APIVersion: "apps/v1", Template: []string{"spec", "template"}, ByLabel: true, Wasme: true},
	{Kind: "DaemonSet", APIVersion: "apps/v1", Template: []string{"spec", "template"}, ByLabel: true, Wasme: true},
	{Kind: "ReplicaSet", APIVersion: "apps/v1", Template: []string{"spec", "template"}},
	{Kind: "Job", APIVersion: "batch/v1", Template: []string{"spec", "template"}},
	{Kind: "CronJob", APIVersion: "batch/v1", Template: []string{"spec", "jobTemplate", "spec", "template"}},
	{Kind: "Pod", APIVersion: "v1"},
}

// Workload returns the table entry of kind.
func Workload(kind string) (WorkloadKind, bool) {
	for _, w := range WorkloadKinds {
		if w.Kind == kind {
			return w, true
		}
	}
	return WorkloadKind{}, false
}

// WorkloadKindNames lists the kinds whose entry satisfies keep (all when nil).
func WorkloadKindNames(keep func(WorkloadKind) bool) []string {
	var out []string
	for _, w := range WorkloadKinds {
		if keep == nil || keep(w) {
			out = append(out, w.Kind)
		}
	}
	return out
}
