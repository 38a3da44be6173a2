package validate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/yamltree"
)

// facts are what one document leaves for the rules that look across documents.
type facts struct {
	vms   []vmUse
	order []orderFact
}

// crossRules run in Finish over every document's facts, in document order.
var crossRules = []struct {
	code   string
	finish func([]*facts) diag.List
}{
	{CodeWasmSharedVM, sharedVMs},
	{CodeRelativeOp, relativeOrder},
}

// vmUse records one Wasm plugin's VM, to find vm_ids shared across filters.
type vmUse struct {
	vmID, rootID, code, config string
	ix                         *yamltree.Locator // position looked up only when reported
	path, owner                string
}

// sharedVMs reports vm_ids used by plugins that load different code, or that share a
// root_id with a different configuration: one VM's root context then serves both and
// configurations bleed between them (envoy-wasm#415).
func sharedVMs(fs []*facts) diag.List {
	var l diag.List
	first := map[string][]vmUse{}
	var ids []string
	for _, f := range fs {
		for _, u := range f.vms {
			if _, ok := first[u.vmID]; !ok {
				ids = append(ids, u.vmID)
			}
			first[u.vmID] = append(first[u.vmID], u)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		us := first[id]
		for i := 1; i < len(us); i++ {
			b := us[i]
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
			var what string
			switch {
			case a.code != b.code:
				what = "different code"
			case a.rootID == b.rootID && a.config != b.config:
				what = "the same root_id and a different configuration"
			default:
				continue
			}
			at := a.ix.Pos(a.path)
			l.Add(diag.Finding{Pos: b.ix.Pos(b.path), Path: b.ix.Display(b.path), Severity: diag.Warning, Code: CodeWasmSharedVM,
				Msg: fmt.Sprintf("vm_id %q is also used by %s with %s; plugins sharing a VM share its root contexts and their configurations bleed between them (envoy-wasm#415)",
					id, a.owner, what),
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
