package validate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/internal/chain"
	"github.com/wasmgen/wasmgen/yamltree"
)

// facts are what one document leaves for the rules that look across documents.
type facts struct {
	vms   []vmUse
	order []orderFact
	// The decoded object, for the filter chains (chain.Input).
	envoyFilter *chain.EnvoyFilter
	wasmPlugin  *chain.WasmPlugin
	// An Envoy Gateway EnvoyExtensionPolicy's targets and Wasm count.
	extensionPolicy *chain.ExtensionPolicy
}

// crossRules run in Finish over every document's facts, in document order.
var crossRules = []struct {
	code   string
	finish func(Options, []*facts) diag.List
}{
	{CodeWasmSharedVM, sharedVMs},
	{CodeRelativeOp, relativeOrder},
}

// vmUse records one Wasm plugin's VM, to find vm_ids shared across filters.
type vmUse struct {
	vmID, rootID, code, config string
	vmConfig                   string            // vm_config.configuration
	ix                         *yamltree.Locator // position looked up only when reported
	path, owner                string
}

// sharedVMs reports plugins that share a VM and a root context: before Envoy 1.17
// plugins of one VM with the same root_id shared one root context, so the last
// configuration applied served both (envoy-wasm#415, envoyproxy/envoy#13690).
// Plugins share a VM only when vm_id, vm_config.configuration and the code are
// all the same: Envoy keys its base VMs by proxy_wasm::makeVmKey(vm_id,
// anyToBytes(configuration), code), a hash of the three (envoyproxy/envoy
// source/extensions/common/wasm/wasm.cc createWasm; proxy-wasm/proxy-wasm-cpp-host
// src/wasm.cc makeVmKey, the same since its first release 92992ce), so one vm_id
// with different code is two VMs and not reported. From Envoy 1.17 each plugin configuration gets
// its own root context in the shared VM (PluginBase key root_id + configuration,
// proxy-wasm-cpp-host eceb02d), so sharing a VM is what vm_id is for.
func sharedVMs(o Options, fs []*facts) diag.List {
	var l diag.List
	first := map[string][]vmUse{}
	var ids []string
	for _, f := range fs {
		for _, u := range f.vms {
			key := u.vmID + "\x00" + u.vmConfig + "\x00" + u.code
			if _, ok := first[key]; !ok {
				ids = append(ids, key)
			}
			first[key] = append(first[key], u)
		}
	}
	sort.Strings(ids)
	for _, key := range ids {
		us := first[key]
		for i := 1; i < len(us); i++ {
			b := us[i]
			envoy := o.Istio.Envoy()
			if !strings.HasPrefix(b.owner, "EnvoyFilter ") {
				envoy = o.envoy()
			}
			if envoy.Has(compat.WasmRootContextPerConfig) {
				continue
			}
			j := 0
			// The same EnvoyFilter twice (one object in two files) replaces itself:
			// that is not two filters sharing a VM.
			for j < i && (!sameProxy(us[j].owner, b.owner) || (us[j].owner == b.owner && us[j].ix != b.ix)) {
				j++
			}
			if j == i {
				continue // no earlier use can run in the same proxy
			}
			a := us[j]
			if a.rootID != b.rootID || a.config == b.config {
				continue
			}
			id := b.vmID
			what := "the same code, root_id and a different configuration"
			at := a.ix.Pos(a.path)
			l.Add(diag.Finding{Pos: b.ix.Pos(b.path), Path: b.ix.Display(b.path), Severity: diag.Warning, Code: CodeWasmSharedVM,
				Msg: fmt.Sprintf("vm_id %q is also used by %s with %s; before Envoy %s plugins sharing a VM and root_id share one root context, and the last configuration serves both (envoy-wasm#415)",
					id, a.owner, what, compat.WasmRootContextPerConfig.EnvoySince),
				Hint:    "give each filter its own vm_id (wasmgen uses <namespace>.<name>)",
				Related: []diag.Pos{at}})
		}
	}
	return l
}

// sameProxy says whether two filters can be loaded by the same Envoy: EnvoyFilters
// of one namespace (those of Istio's root namespace apply to every proxy), or
// filters of one bootstrap. A bootstrap is its own Envoy, apart from the mesh.
func sameProxy(a, b string) bool {
	sa, everyA := vmScope(a)
	sb, everyB := vmScope(b)
	if strings.HasPrefix(sa, "ns/") && strings.HasPrefix(sb, "ns/") {
		return sa == sb || everyA || everyB
	}
	return sa == sb
}

func vmScope(owner string) (scope string, everywhere bool) {
	if rest, ok := strings.CutPrefix(owner, "EnvoyFilter "); ok {
		ns, _, _ := strings.Cut(rest, "/")
		return "ns/" + ns, ns == "istio-system"
	}
	return owner, false
}
