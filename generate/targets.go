package generate

import (
	"slices"

	"github.com/wasmgen/wasmgen/schema"
)

// Target selects the outputs (--target).
type Target string

const (
	TargetIstio      Target = "istio"
	TargetWasmPlugin Target = "wasmplugin"
	TargetEnvoy      Target = "envoy"
	// TargetEnvoyGateway is Envoy Gateway's EnvoyExtensionPolicy: another consumer
	// than Istio's, so "all" does not include it.
	TargetEnvoyGateway Target = "envoy-gateway"
	// TargetTrafficExtension is Istio 1.30's TrafficExtension, asked for by name.
	TargetTrafficExtension Target = "trafficextension"
	TargetAll              Target = "all"
)

// TargetInfo describes one target: the one table every list of targets, their
// kinds and their help text derives from.
type TargetInfo struct {
	Name Target
	Help string // one line for --help
	// Kinds are the kinds of the objects it emits besides workload patches, in the
	// order a reader looks for them.
	Kinds []string
	// Mesh: the module is delivered into mesh workloads (a delivery resolves, and
	// volume patches are made).
	Mesh bool
	// Kubernetes: its objects are Kubernetes resources (a KRM function can emit them).
	Kubernetes bool
	// Alone: only asked for by name; "all" (every Istio and Envoy output) leaves it out.
	Alone bool
}

// targetTable lists the targets; TargetAll is every one of them.
var targetTable = []TargetInfo{
	{Name: TargetIstio, Help: "EnvoyFilters (in the --istio-version dialect) and what the delivery needs",
		Kinds: []string{KindEnvoyFilter, KindConfigMap}, Mesh: true, Kubernetes: true},
	{Name: TargetWasmPlugin, Help: "an Istio WasmPlugin (Istio 1.12+)",
		Kinds: []string{KindWasmPlugin, KindConfigMap}, Mesh: true, Kubernetes: true},
	{Name: TargetEnvoy, Help: "a standalone Envoy bootstrap (JSON)",
		Kinds: []string{KindBootstrap}},
	{Name: TargetTrafficExtension, Help: "an Istio TrafficExtension (Istio 1.30+, not part of all)",
		Kinds: []string{KindTrafficExtension, KindConfigMap}, Mesh: true, Kubernetes: true, Alone: true},
	{Name: TargetEnvoyGateway, Help: "an Envoy Gateway EnvoyExtensionPolicy (not part of all)",
		Kinds: []string{KindEnvoyExtensionPolicy}, Kubernetes: true, Alone: true},
}

// Targets lists the valid --target values, "all" last.
func Targets() []string { return targetNames(nil) }

// KubernetesTargets are the targets whose output is Kubernetes resources: what a
// KRM function or a post-renderer can emit ("all" there means all of these).
func KubernetesTargets() []string {
	return targetNames(func(t TargetInfo) bool { return t.Kubernetes })
}

func targetNames(keep func(TargetInfo) bool) []string {
	var out []string
	for _, t := range targetTable {
		if keep == nil || keep(t) {
			out = append(out, string(t.Name))
		}
	}
	return append(out, string(TargetAll))
}

// TargetHelp is the --target flag's help for the given targets (Targets or
// KubernetesTargets): each and what it emits.
func TargetHelp(names []string) string {
	s := "what to emit:"
	for _, t := range targetTable {
		if slices.Contains(names, string(t.Name)) {
			s += " " + string(t.Name) + " (" + t.Help + "),"
		}
	}
	return s + " or all of them"
}

// includes reports whether t emits what target x emits.
func (t Target) includes(x Target) bool {
	if t == x {
		return true
	}
	if t != TargetAll {
		return false
	}
	for _, info := range targetTable {
		if info.Name == x {
			return !info.Alone
		}
	}
	return true
}

// infos are the targets t stands for.
func (t Target) infos() []TargetInfo {
	var out []TargetInfo
	for _, info := range targetTable {
		if t.includes(info.Name) {
			out = append(out, info)
		}
	}
	return out
}

// Mesh reports whether t delivers modules into mesh workloads.
func (t Target) Mesh() bool {
	for _, info := range t.infos() {
		if info.Mesh {
			return true
		}
	}
	return false
}

// GeneratedKinds are the Kubernetes kinds any target emits (a KRM function replaces
// an item of one of these kinds and the same identity instead of adding another).
func GeneratedKinds() []string {
	var out []string
	for _, t := range targetTable {
		if !t.Kubernetes {
			continue
		}
		for _, k := range t.Kinds {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// objectOrder is the order of one filter's objects, what a reader looks for first:
// every kind a target emits, and the workload patches (workloadRank).
var objectOrder = []string{KindEnvoyFilter, KindWasmPlugin, KindTrafficExtension, KindEnvoyExtensionPolicy, KindConfigMap, workloadRank, KindBootstrap}

const workloadRank = "(workload patch)"

// kindRank is a kind's place in objectOrder.
func kindRank(kind string) int {
	if _, ok := schema.Workload(kind); ok {
		kind = workloadRank
	}
	if i := slices.Index(objectOrder, kind); i >= 0 {
		return i
	}
	return len(objectOrder)
}
