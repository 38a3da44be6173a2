package chain

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	networking "istio.io/api/networking/v1alpha3"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
)

// findings collects what the chains show. Findings go only on the user's own
// objects: one wasmgen rendered is checked when it is rendered.
type findings struct{ l diag.List }

func (f *findings) add(m *Meta, sev diag.Severity, code, path, hint, msg string, related ...*Meta) {
	if m.Rendered {
		return
	}
	pos, disp := m.pos(path)
	d := diag.Finding{Pos: pos, Path: disp, Severity: sev, Code: code, Msg: msg, Hint: hint}
	for _, r := range related {
		if p, _ := r.pos("metadata.name"); p != (diag.Pos{}) {
			d.Related = append(d.Related, p)
		}
	}
	f.l.Add(d)
}

func (f *findings) tie(a, b string, ma, mb *Meta, chain string) {
	path := "spec.priority"
	m, other, otherName := mb, ma, a
	if mb.Rendered {
		m, other, otherName = ma, mb, b
	}
	self := b
	if m == ma {
		self = a
	}
	hint := "set spec.priority on one of them: the lower priority's patches run first"
	if strings.HasPrefix(a, "WasmPlugin") {
		hint = "set spec.priority on one of them: in a phase the higher priority runs first"
	}
	f.add(m, diag.Warning, CodeCreationTie, path, hint,
		fmt.Sprintf("%s and %s have the same priority, and istiod then orders them by creation time, which the files do not have; in the %s chain the result differs with their order", self, otherName, chain),
		other)
}

// findings turns the tallies into findings, and adds the matches that can never
// hold on the workloads given.
func (e *explainer) findings(proxies []*Proxy) diag.List {
	keys := make([]patchKey, 0, len(e.tally))
	for k := range e.tally {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].ef != keys[j].ef {
			return keys[i].ef.id() < keys[j].ef.id()
		}
		return keys[i].i < keys[j].i
	})
	for _, k := range keys {
		t := e.tally[k]
		ef, path := k.ef, k.ef.path(k.i)
		cp := ef.Spec.GetConfigPatches()[k.i]
		if t.tried > 0 && t.skipped == t.tried && t.anchor != "" && !e.nameReported(t.anchor) {
			why := fmt.Sprintf("Istio %s does not build one there", e.v)
			if t.when != "" {
				why = "Istio adds it " + t.when
			}
			field := "match.listener.filterChain.filter.subFilter.name"
			if cp.GetApplyTo() == networking.EnvoyFilter_NETWORK_FILTER || t.anchor == cp.GetMatch().GetListener().GetFilterChain().GetFilter().GetName() {
				field = "match.listener.filterChain.filter.name"
			}
			e.l.add(&ef.Meta, diag.Warning, CodeAbsentAnchor, path+"."+field,
				"match a filter the chain has (wasmgen explain lists them), or add the EnvoyFilter that creates it",
				fmt.Sprintf("%s relative to %q, which no chain this patch applies to has (e.g. %s): %s, and no patch among the inputs adds it; istiod skips the patch without a word",
					cp.GetPatch().GetOperation(), t.anchor, t.chain, why))
		}
		if t.afterRouter != "" && !reportedAsAdd(cp) {
			e.l.add(&ef.Meta, diag.Error, CodeAfterRouter, path+".patch.operation",
				"insert it before the terminal filter (INSERT_BEFORE "+compat.Router+")",
				fmt.Sprintf("this patch puts a filter after the chain's terminal filter in the %s chain; Envoy rejects the listener (a terminal filter must be the last in the chain)", t.afterRouter))
		}
	}
	wps := make([]*WasmPlugin, 0, len(e.wps))
	for w := range e.wps {
		wps = append(wps, w)
	}
	sort.Slice(wps, func(i, j int) bool { return wps[i].id() < wps[j].id() })
	for _, w := range wps {
		t := e.wps[w]
		if t.landed > 0 && t.noAnchor == t.landed {
			e.l.add(&w.Meta, diag.Info, CodePhaseAnchor, "spec.phase",
				"",
				fmt.Sprintf("phase %s runs the plugin before %s, which the %s chain does not have by default (%s); the plugin sits next to the other phases' plugins",
					compat.Phase(w.Spec.GetPhase()), t.anchor, t.chain, absentWhy(e.v, t.anchor)))
		}
	}
	e.neverMatches(proxies)
	e.l.l.Sort()
	return e.l.l
}

func absentWhy(v compat.Istio, name string) string {
	for _, class := range classes {
		for _, s := range v.HTTPChain(class) {
			if s.Filter == name && !s.When.Present() {
				return "Istio adds it " + s.When.Describe()
			}
		}
	}
	return "a patch removed it"
}

// reportedAsAdd: validate reports ADD on HTTP_FILTER (and INSERT_AFTER without a
// filter to match, which is ADD) as WG7050 already.
func reportedAsAdd(cp *networking.EnvoyFilter_EnvoyConfigObjectPatch) bool {
	if cp.GetApplyTo() != networking.EnvoyFilter_HTTP_FILTER {
		return false
	}
	switch cp.GetPatch().GetOperation() {
	case networking.EnvoyFilter_Patch_ADD:
		return true
	case networking.EnvoyFilter_Patch_INSERT_AFTER:
		return cp.GetMatch().GetListener().GetFilterChain().GetFilter().GetSubFilter().GetName() == ""
	}
	return false
}

// nameReported: validate reports a match on a name istiod of this release never
// gives a filter (WG7053) already.
func (e *explainer) nameReported(name string) bool {
	if e.v.Has(compat.LegacyNames) {
		return compat.LegacyName(compat.HTTPChain, name) != name || compat.LegacyName(compat.NetworkChain, name) != name
	}
	_, deprecated := compat.CanonicalNameAnyChain(name)
	return deprecated && !e.v.Has(compat.DeprecatedNameMatch)
}

// neverMatches: an object that selects workloads given as manifests, on none of
// which its context or mode can hold.
func (e *explainer) neverMatches(proxies []*Proxy) {
	var workloads []*Proxy
	for _, p := range proxies {
		// A waypoint's EnvoyFilters and modes are WG7405's and validate's WG7111.
		if p.Kind != Selector && p.Kind != Waypoint {
			workloads = append(workloads, p)
		}
	}
	if len(workloads) == 0 {
		return
	}
	for i := range e.in.EnvoyFilters {
		ef := &e.in.EnvoyFilters[i]
		sel := efSelection(ef)
		var kinds []string
		for _, px := range workloads {
			if sel.selects(e.root, px) && !slices.Contains(kinds, px.Kind) {
				kinds = append(kinds, px.Kind)
			}
		}
		if len(kinds) == 0 {
			continue
		}
		for j, cp := range ef.Spec.GetConfigPatches() {
			ctx := cp.GetMatch().GetContext()
			holds := false
			for _, k := range kinds {
				for _, class := range kindClasses(k) {
					holds = holds || contextMatches(ctx, class)
				}
			}
			if !holds {
				e.l.add(&ef.Meta, diag.Warning, CodeNeverMatches, ef.path(j)+".match.context",
					"select the workloads this context is for, or change the context",
					fmt.Sprintf("context %s never holds on the workloads this EnvoyFilter selects (%s): the patch applies to nothing", ctx, strings.Join(kinds, ", ")))
			}
		}
	}
	if !e.v.Has(compat.WasmPlugin) {
		return
	}
	for i := range e.in.WasmPlugins {
		w := &e.in.WasmPlugins[i]
		if len(w.Spec.GetMatch()) == 0 {
			continue
		}
		sel := wpSelection(w)
		var kinds []string
		holds := false
		for _, px := range workloads {
			if !sel.selects(e.root, px) {
				continue
			}
			if !slices.Contains(kinds, px.Kind) {
				kinds = append(kinds, px.Kind)
			}
			for _, class := range kindClasses(px.Kind) {
				for _, s := range w.Spec.GetMatch() {
					holds = holds || modeMatches(s.GetMode(), class)
				}
			}
		}
		if len(kinds) > 0 && !holds {
			e.l.add(&w.Meta, diag.Warning, CodeNeverMatches, "spec.match",
				"a gateway's listeners are CLIENT: use CLIENT or CLIENT_AND_SERVER, or select sidecars",
				fmt.Sprintf("no mode in spec.match holds on the workloads this WasmPlugin selects (%s): istiod gives them no plugin", strings.Join(kinds, ", ")))
		}
	}
}

func kindClasses(kind string) []compat.ListenerClass {
	if kind == Gateway {
		return classes[2:]
	}
	return classes[:2]
}
