// Package krm is wasmgen as a KRM function (`wasmgen fn`) and as a Helm
// post-renderer (`wasmgen post-render`): WasmFilter specs among the items, in the
// functionConfig or given by flag are compiled by the same pipeline as `wasmgen
// render`; the generated EnvoyFilters, WasmPlugins and ConfigMaps are added as items
// and the volume patches are applied to the matching workloads in place.
//
// The package holds no rules: checks live in validate and generate. It decides only
// what a pipeline of KRM functions needs: which items are filters and workloads,
// how a patch edits a workload's YAML without disturbing the rest, and how findings
// become results that point at an item and its file.
//
// Semantics:
//   - Transformer: filters select workloads among the items (Deployment, StatefulSet,
//     DaemonSet, ReplicaSet, Job, CronJob, bare Pod) in their namespace; the volume
//     annotations (and, for gateways, volumes and istio-proxy mounts) are merged into
//     each matched workload in place. A selector matching no workload is a warning.
//   - Generator (no workload among the items, as when kustomize runs a generator):
//     the generated objects are emitted; volume patches cannot be applied, so each is
//     emitted as a label-targeted patch annotated config.kubernetes.io/local-config
//     (kustomize build drops it; kpt and `kustomize fn run` write it to a file that a
//     kustomization can list under patches), with a warning saying so.
//   - WasmFilter items are dropped from the output (they are local config), except
//     items that carry a config.kubernetes.io/path annotation: in kpt and `kustomize
//     fn run` the output is written back to the package, and dropping the item would
//     delete the user's spec file.
//   - Every other item is passed through untouched, annotations included (under
//     Processor.Execute, as its input bytes); a patched
//     workload is edited node by node, so its comments and field order stay. Running
//     the function on its own output changes nothing: generated objects replace items
//     of the same identity, and a patch that is already applied edits nothing.
//   - When any finding is an error, the items are returned unchanged with the results.
package krm

import (
	"path/filepath"
	"slices"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/compile"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Codes of the KRM adapter's own findings (WG6000–WG6099).
const (
	CodeGeneratorPatch = "WG6001" // no workload among the items: the volume patch is emitted, not applied
	CodeFunctionConfig = "WG6002" // a functionConfig of an unknown kind, or an unknown option in it
	CodeDocument       = "WG6003" // a stream document that is not a Kubernetes object (post-render)
	CodePatch          = "WG6004" // a workload whose shape a patch cannot be applied to
	CodeNoFilters      = "WG6005" // no WasmFilter anywhere: the items pass through
	CodeIstioVersion   = "WG6006" // a bad istio-version/target in the function-input ConfigMap
)

// Annotations the adapter reads or writes.
const (
	annoPath          = "config.kubernetes.io/path"
	annoIndex         = "config.kubernetes.io/index"
	annoInternalPath  = "internal.config.kubernetes.io/path"
	annoInternalIndex = "internal.config.kubernetes.io/index"
	annoLocalConfig   = "config.kubernetes.io/local-config"
)

// Options configure one run.
type Options struct {
	// Render is the pipeline's options (target, Istio version, limits).
	Render compile.Options
	// Files reads the files specs refer to (module.path, configSchema.proto); the
	// command passes a *load.Root at the working directory.
	Files compile.Files
	// Dir is the absolute directory that items' path annotations are relative to
	// (the working directory: kustomize runs exec functions in the kustomization
	// root, kpt in the package). A spec's file references resolve against
	// Dir/dirname(path).
	Dir string
	// DefaultNamespace is the namespace of workloads that name none (Helm charts
	// usually leave it to `helm install -n`); "" means "default".
	DefaultNamespace string
	// PostRender is set for a Helm post-renderer: the stream is applied as it
	// is (Helm has no local-config), so a patch with no workload to apply it to
	// is left out rather than emitted, and said so.
	PostRender bool
}

// Processor is the KRM function; its Process has the signature of kyaml's
// framework.ResourceListProcessor, over this package's ResourceList.
type Processor struct {
	Options Options
	// Findings holds the findings of the last Process, for the command's stderr
	// summary (kustomize build never shows results).
	Findings []Finding
	// touched is the last Process's Output.Touched: the items Execute must encode
	// rather than copy.
	touched map[*yaml.RNode]bool
}

// Process runs the function over a ResourceList. Findings become rl.Results; when
// any is an error, the items are left as they were and an *Error is returned, so
// Execute still writes the list (with its results) and the command exits 1.
func (p *Processor) Process(rl *ResourceList) error {
	out := Run(rl.Items, rl.FunctionConfig, nil, p.Options)
	p.Findings = out.Findings
	p.touched = out.Touched
	rl.Results = append(rl.Results, ToResults(out.Findings)...)
	if out.HasErrors() {
		return &Error{Findings: out.Findings}
	}
	rl.Items = out.Items
	return nil
}

// Error is returned when a run has error findings; its text is one line per
// finding and a count, like `wasmgen render` prints.
type Error struct{ Findings []Finding }

func (e *Error) Error() string { return Summary(e.Findings) }

// Finding is a diag.Finding located in the ResourceList: the item it is about and
// that item's file.
type Finding struct {
	diag.Finding
	Ref   *yaml.ResourceIdentifier // the item, nil when unknown
	Index int                      // the item's index in its file (config.kubernetes.io/index)
}

// Output is what a run produced.
type Output struct {
	// Items is the output list: the input items in order (filters dropped, workloads
	// patched, generated objects replacing items of the same identity in place),
	// then the new generated objects.
	Items []*yaml.RNode
	// Touched holds the items that were created or edited; every other item of Items
	// is one of the input nodes, unmodified.
	Touched map[*yaml.RNode]bool
	// Findings of every step, sorted.
	Findings []Finding
}

// HasErrors reports whether a finding is an error.
func (o Output) HasErrors() bool {
	for _, f := range o.Findings {
		if f.Severity == diag.Error {
			return true
		}
	}
	return false
}

// Spec is a filter document given outside the items (post-render's -f), with the
// directory its file references resolve against.
type Spec struct {
	Doc compile.Doc
	Dir string
}

func itemPath(n *yaml.RNode) (path, index string) {
	a := annotations(n.YNode())
	path = a[annoInternalPath]
	if path == "" {
		path = a[annoPath]
	}
	index = a[annoInternalIndex]
	if index == "" {
		index = a[annoIndex]
	}
	return filepath.ToSlash(path), index
}

// Rules is the catalogue of the KRM adapter's codes.
var Rules = []diag.Rule{
	{Code: CodeGeneratorPatch, Severity: diag.Warning, Consumer: "kustomize", Summary: "no workload among the items: the volume patch is emitted, not applied"},
	{Code: CodeFunctionConfig, Severity: diag.Warning, Consumer: "KRM", Summary: "a functionConfig of an unknown kind, or an unknown option in it"},
	{Code: CodeDocument, Severity: diag.Error, Consumer: "Helm", Summary: "a stream document that is not a Kubernetes object"},
	{Code: CodePatch, Severity: diag.Error, Consumer: "kustomize", Summary: "a workload whose shape the patch cannot be applied to"},
	{Code: CodeNoFilters, Severity: diag.Warning, Consumer: "KRM", Summary: "no WasmFilter anywhere: the items pass through"},
	{Code: CodeIstioVersion, Severity: diag.Error, Consumer: "KRM", Summary: "a bad istio-version or target in the function-input ConfigMap"},
}

// unmatched are the findings that mean a filter's module does not reach the
// proxies it configures: its selector matches none of the given workloads
// (WG2012), there are no workloads at all so the patch is emitted rather than
// applied (WG6001), or it matches a kind without a pod template to patch (WG2016).
var unmatched = []string{generate.CodeNoWorkload, CodeGeneratorPatch, generate.CodeWorkloadKind}

// FailUnmatched turns the unmatched warnings into errors, for a Helm
// post-renderer: Helm discards a post-renderer's stderr when it succeeds, so a
// warning there is never seen, while the EnvoyFilter it comes with (fail-closed
// by default) can still select pods of the namespace that lack the module — a
// deploy that breaks traffic with nothing said. Failing shows the findings.
func FailUnmatched(findings []Finding) []Finding {
	out := slices.Clone(findings)
	for i, f := range out {
		if f.Severity == diag.Warning && slices.Contains(unmatched, f.Code) {
			out[i].Severity = diag.Error
			out[i].Hint = "check spec.selector and the namespace (helm's -n, passed as -n) against the chart's pods, or pass --allow-unmatched if another release deploys them"
		}
	}
	return out
}
