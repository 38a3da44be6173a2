package chain

import (
	"math"
	"slices"
	"sort"
	"strconv"

	networking "istio.io/api/networking/v1alpha3"

	"github.com/wasmgen/wasmgen/compat"
)

// Chain types.
const (
	HTTP    = "http"    // the HTTP filters of an HTTP listener's connection manager
	Network = "network" // the network filters of an HTTP listener
	TCP     = "tcp"     // the network filters of a TCP listener
)

// Explain works out, for each proxy, listener context and port, the filter chains
// istiod of o.Istio builds and what every WasmPlugin and EnvoyFilter patch among
// the inputs does to them, and the findings about them.
func Explain(in Input, o Options) Result {
	e := &explainer{v: o.Istio, root: o.root(), in: in, findingsOnly: o.FindingsOnly, tally: map[patchKey]*tally{}, wps: map[*WasmPlugin]*wpTally{}, ties: map[string]bool{},
		notSeen: map[string]bool{}, selectorWarned: map[*WasmPlugin]bool{}}
	res := Result{Istio: o.Istio.String()}
	proxies := e.buildProxies()
	for _, px := range proxies {
		var chains []Chain
		if px.Kind == Waypoint {
			chains = e.waypoint(px)
		} else {
			chains = e.proxy(px)
		}
		if len(chains) == 0 {
			res.Untouched = append(res.Untouched, *px)
			continue
		}
		res.Chains = append(res.Chains, chains...)
	}
	res.Chains = append(res.Chains, egChains(in)...)
	res.Findings = e.findings(proxies)
	res.NotAttached = e.not
	return res
}

type explainer struct {
	v            compat.Istio
	root         string
	in           Input
	findingsOnly bool // no Filter.At
	// What each patch and plugin did across every chain, for the findings.
	tally map[patchKey]*tally
	wps   map[*WasmPlugin]*wpTally
	ties  map[string]bool // objects a tie was reported on
	l     findings
	// Objects that reach a proxy but do not attach there, once per proxy.
	not            []NotAttached
	notSeen        map[string]bool
	selectorWarned map[*WasmPlugin]bool
}

type patchKey struct {
	ef *EnvoyFilter
	i  int
}

type tally struct {
	tried, skipped int
	anchor         string // the filter it is relative to
	when           string // why Istio's filter of that name is absent, if it is conditional
	chain          string // a chain it was skipped in
	afterRouter    string // a chain where it put a filter after the terminal one
}

type wpTally struct {
	landed, noAnchor int
	anchor, chain    string
}

// patch is one config patch of an EnvoyFilter, in istiod's order.
type patch struct {
	ef    *EnvoyFilter
	i     int
	cp    *networking.EnvoyFilter_EnvoyConfigObjectPatch
	order string // why its EnvoyFilter is where it is
}

func (p patch) key() patchKey  { return patchKey{p.ef, p.i} }
func (p patch) source() string { return "EnvoyFilter " + p.ef.id() }
func (p patch) path() string   { return p.ef.path(p.i) }
func (p patch) port() uint32   { return p.cp.GetMatch().GetListener().GetPortNumber() }
func (p patch) subFilter() string {
	return p.cp.GetMatch().GetListener().GetFilterChain().GetFilter().GetSubFilter().GetName()
}
func (p patch) filterName() string {
	return p.cp.GetMatch().GetListener().GetFilterChain().GetFilter().GetName()
}
func (p patch) op() networking.EnvoyFilter_Patch_Operation {
	return p.cp.GetPatch().GetOperation()
}

// valueName is the name of the filter a patch adds (patch.value.name).
func (p patch) valueName() string {
	if f := p.cp.GetPatch().GetValue().GetFields()["name"]; f != nil {
		return f.GetStringValue()
	}
	return ""
}

var classes = []compat.ListenerClass{compat.SidecarInbound, compat.SidecarOutbound, compat.Gateway}

// proxy builds the chains of one proxy that some object changes.
func (e *explainer) proxy(px *Proxy) []Chain {
	var efs []*EnvoyFilter
	for i := range e.in.EnvoyFilters {
		if ef := &e.in.EnvoyFilters[i]; efSelection(ef).selects(e.root, px) {
			efs = append(efs, ef)
		}
	}
	var wps []*WasmPlugin
	if e.v.Has(compat.WasmPlugin) {
		for i := range e.in.WasmPlugins {
			if wp := &e.in.WasmPlugins[i]; e.wpSelects(wp, px) {
				wps = append(wps, wp)
			}
		}
	}
	if len(efs) == 0 && len(wps) == 0 {
		return nil
	}
	patches := e.sortPatches(efs, px)
	wps = e.sortPlugins(wps, px)
	var out []Chain
	for _, class := range e.classesOf(px, patches) {
		for _, port := range portsOf(class, patches, wps) {
			for _, typ := range []string{HTTP, Network, TCP} {
				if c, ok := e.chain(px, class, port, typ, patches, wps); ok {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// classesOf: a workload's kind decides its listener classes; a selector's are the
// sidecar's, and the gateway's when an object names GATEWAY or the labels are a
// gateway's.
func (e *explainer) classesOf(px *Proxy, patches []patch) []compat.ListenerClass {
	switch px.Kind {
	case Gateway:
		return classes[2:]
	case Sidecar:
		return classes[:2]
	}
	if isGateway(px.Labels, nil) {
		return classes[2:]
	}
	for _, p := range patches {
		if p.cp.GetMatch().GetContext() == networking.EnvoyFilter_GATEWAY {
			return classes
		}
	}
	return classes[:2]
}

// portsOf: 0 (every port not named) and each port a patch or plugin names.
func portsOf(class compat.ListenerClass, patches []patch, wps []*WasmPlugin) []uint32 {
	set := map[uint32]bool{0: true}
	for _, p := range patches {
		if contextMatches(p.cp.GetMatch().GetContext(), class) {
			set[p.port()] = true
		}
	}
	for _, w := range wps {
		for _, p := range wpPorts(w, class) {
			set[p] = true
		}
	}
	ps := make([]uint32, 0, len(set))
	for p := range set {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// sortPatches orders a proxy's EnvoyFilters as istiod does and lists their
// patches: from 1.22 all of them by priority, then the root namespace's first,
// then creation time, then name.namespace (pilot/pkg/model/push_context.go
// EnvoyFilters); before, the root namespace's first, each namespace's by priority,
// creation time, name.namespace (initEnvoyFilters).
func (e *explainer) sortPatches(efs []*EnvoyFilter, px *Proxy) []patch {
	sorted := append([]*EnvoyFilter(nil), efs...)
	merged := e.v.Has(compat.EnvoyFilterMergedOrder)
	sort.SliceStable(sorted, func(i, j int) bool { return e.efLess(sorted[i], sorted[j], merged) })
	var out []patch
	for _, ef := range sorted {
		order := e.efOrder(ef, sorted, merged)
		for i, cp := range ef.Spec.GetConfigPatches() {
			out = append(out, patch{ef: ef, i: i, cp: cp, order: order})
		}
	}
	return out
}

func (e *explainer) efLess(a, b *EnvoyFilter, merged bool) bool {
	ra, rb := a.Namespace == e.root, b.Namespace == e.root
	if !merged && ra != rb {
		return ra
	}
	if pa, pb := a.Spec.GetPriority(), b.Spec.GetPriority(); pa != pb {
		return pa < pb
	}
	if merged && ra != rb {
		return ra
	}
	if !a.Created.IsZero() && !b.Created.IsZero() && !a.Created.Equal(b.Created) {
		return a.Created.Before(b.Created)
	}
	return a.Name+"."+a.Namespace < b.Name+"."+b.Namespace
}

// efTied: istiod's order of a and b is decided by creation time, which a file
// does not have.
func (e *explainer) efTied(a, b *EnvoyFilter) bool {
	if a == b || a.Spec.GetPriority() != b.Spec.GetPriority() || (a.Namespace == e.root) != (b.Namespace == e.root) {
		return false
	}
	return a.Created.IsZero() || b.Created.IsZero()
}

func (e *explainer) efOrder(ef *EnvoyFilter, all []*EnvoyFilter, merged bool) string {
	s := "priority " + strconv.Itoa(int(ef.Spec.GetPriority()))
	if ef.Namespace == e.root && !merged {
		s = "root namespace first, then " + s
	} else if ef.Namespace == e.root {
		s += ", root namespace first"
	}
	for _, o := range all {
		if e.efTied(ef, o) {
			return s + ", then creation time (unknown offline), then name"
		}
	}
	return s
}

// sortPlugins orders a proxy's WasmPlugins as istiod does within each phase: the
// namespaces in lookup order (the proxy's, then the root's from 1.20; the root's
// first before), each namespace's by creation time then name, then a stable sort by
// priority, highest first, none lowest (pilot/pkg/model/push_context.go
// WasmPluginsByListenerInfo, initWasmPlugins).
func (e *explainer) sortPlugins(wps []*WasmPlugin, px *Proxy) []*WasmPlugin {
	nsRank := func(ns string) int {
		local := ns != e.root
		if e.v.Has(compat.WasmPluginLocalFirst) == local {
			return 0
		}
		return 1
	}
	out := append([]*WasmPlugin(nil), wps...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := nsRank(a.Namespace), nsRank(b.Namespace); ra != rb {
			return ra < rb
		}
		if !a.Created.IsZero() && !b.Created.IsZero() && !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Namespace < b.Namespace
	})
	sort.SliceStable(out, func(i, j int) bool { return wpPriority(out[i]) > wpPriority(out[j]) })
	return out
}

// pluginFilterName is the Envoy filter name istiod gives a WasmPlugin of this
// release, or a TrafficExtension (pilot/pkg/model/extensions.go at 1.30.0:
// TrafficExtensionResourceNamePrefix + namespace.name).
func (e *explainer) pluginFilterName(w *WasmPlugin) string {
	if w.Kind == "TrafficExtension" {
		return "extensions.istio.io/trafficextension/" + w.Namespace + "." + w.Name
	}
	return e.v.WasmPluginFilterName(w.Namespace, w.Name)
}

func wpPriority(w *WasmPlugin) int64 {
	if p := w.Spec.GetPriority(); p != nil {
		return int64(p.GetValue())
	}
	return math.MinInt32
}

func wpTied(a, b *WasmPlugin) bool {
	return a != b && a.Namespace == b.Namespace && a.Spec.GetPhase() == b.Spec.GetPhase() &&
		a.Spec.GetType() == b.Spec.GetType() && wpPriority(a) == wpPriority(b) && (a.Created.IsZero() || b.Created.IsZero())
}

// chain builds one chain; ok is false when no object changes it.
func (e *explainer) chain(px *Proxy, class compat.ListenerClass, port uint32, typ string, all []patch, allWPs []*WasmPlugin) (Chain, bool) {
	var patches []patch
	for _, p := range all {
		if !contextMatches(p.cp.GetMatch().GetContext(), class) || (p.port() != 0 && p.port() != port) {
			continue
		}
		switch p.cp.GetApplyTo() {
		case networking.EnvoyFilter_HTTP_FILTER:
			if typ == HTTP {
				patches = append(patches, p)
			}
		case networking.EnvoyFilter_NETWORK_FILTER:
			// A patch naming the connection manager is for HTTP listeners, one
			// naming another filter for TCP listeners.
			hcm := p.filterName() != "" && e.v.FilterNamesMatch(p.filterName(), e.v.HTTPNetworkChain()[0].Filter)
			if (typ == Network && (hcm || p.filterName() == "")) || (typ == TCP && !hcm) {
				patches = append(patches, p)
			}
		}
	}
	var wps []*WasmPlugin
	for _, w := range allWPs {
		network := w.Spec.GetType().String() == "NETWORK"
		if (network && typ == TCP && e.v.Has(compat.NetworkWasmPlugin)) || (!network && typ == HTTP) {
			if wpMatches(w, class, port) {
				wps = append(wps, w)
			}
		}
	}
	if len(patches) == 0 && len(wps) == 0 {
		return Chain{}, false
	}
	c := Chain{Proxy: *px, Context: class.String(), Port: port, Type: typ}
	b := e.build(class, typ, patches, wps, c.Key())
	c.Filters, c.Absent, c.Removed = b.filters, b.absent, b.removed
	e.markTies(&c, typ, patches, wps)
	return c, true
}

// built is a chain under construction.
type built struct {
	filters []Filter
	absent  []Absent
	removed []Removed
}

// base is Istio's own chain for the class, with the WasmPlugins at their phases.
func (e *explainer) base(class compat.ListenerClass, typ string, wps []*WasmPlugin, key string, record bool) *built {
	var slots []compat.Slot
	switch typ {
	case HTTP:
		slots = e.v.HTTPChain(class)
	case Network:
		slots = e.v.HTTPNetworkChain()
	default:
		slots = e.v.TCPChain(class)
	}
	b := &built{}
	for _, s := range slots {
		if s.Filter != "" {
			if !s.When.Present() {
				b.absent = append(b.absent, Absent{Name: s.Filter, When: s.When.Describe()})
				continue
			}
			rule := "Istio's own"
			if s.When == compat.WithTelemetry {
				rule = "Istio's own; " + s.When.Describe()
				if !e.v.Has(compat.WasmPlugin) {
					rule = "the default install's telemetry EnvoyFilter"
				}
			}
			b.filters = append(b.filters, Filter{Name: s.Filter, Source: "istio", Rule: rule})
			continue
		}
		for _, w := range wps {
			if compat.Phase(w.Spec.GetPhase()) != s.Phase {
				continue
			}
			rule := "phase " + s.Phase.String()
			if p := w.Spec.GetPriority(); p != nil {
				rule += ", priority " + strconv.Itoa(int(p.GetValue()))
			} else {
				rule += ", no priority"
			}
			f := Filter{Name: e.pluginFilterName(w), Source: w.kind() + " " + w.id(), Rule: rule, Rendered: w.Rendered}
			if !e.findingsOnly {
				f.At = w.at("spec")
			}
			b.filters = append(b.filters, f)
		}
	}
	if record {
		for _, w := range wps {
			t := e.wps[w]
			if t == nil {
				t = &wpTally{}
				e.wps[w] = t
			}
			t.landed++
			if anchor := compat.PhaseAnchor(compat.Phase(w.Spec.GetPhase()), typ != HTTP); anchor != "" && !b.has(e.v, anchor) {
				t.noAnchor++
				t.anchor, t.chain = anchor, key
			}
		}
	}
	return b
}

func (b *built) has(v compat.Istio, name string) bool {
	return slices.ContainsFunc(b.filters, func(f Filter) bool { return v.FilterNamesMatch(name, f.Name) })
}

func (b *built) absentWhen(v compat.Istio, name string) string {
	for _, a := range b.absent {
		if v.FilterNamesMatch(name, a.Name) {
			return a.When
		}
	}
	return ""
}

// build applies the patches to Istio's chain as listener_patch.go does
// (patchHTTPFilters, patchNetworkFilters): from 1.19 every operation but MERGE in
// patch order, then MERGE over each filter; 1.14–1.18 REMOVE with MERGE after the
// others; before 1.14 REMOVE and MERGE first, over Istio's own filters.
func (e *explainer) build(class compat.ListenerClass, typ string, patches []patch, wps []*WasmPlugin, key string) *built {
	b := e.base(class, typ, wps, key, true)
	isLate := func(op networking.EnvoyFilter_Patch_Operation) bool {
		return op == networking.EnvoyFilter_Patch_MERGE || (op == networking.EnvoyFilter_Patch_REMOVE && !e.v.Has(compat.PatchRemoveInOrder))
	}
	var early, late []patch
	for _, p := range patches {
		if isLate(p.op()) {
			late = append(late, p)
		} else {
			early = append(early, p)
		}
	}
	if !e.v.Has(compat.PatchListFirst) {
		early, late = late, early
	}
	applied := map[patchKey]bool{}
	for _, p := range append(early, late...) {
		applied[p.key()] = e.apply(b, typ, p)
	}
	e.recordPatches(b, typ, patches, applied, key)
	return b
}

// anchor is the filter a patch is placed relative to, "" for none: the HTTP
// filter's subFilter, the network filter's name.
func anchorOf(p patch, typ string) string {
	if typ == HTTP {
		return p.subFilter()
	}
	return p.filterName()
}

func (e *explainer) apply(b *built, typ string, p patch) bool {
	if typ == HTTP && p.filterName() != "" && !e.v.FilterNamesMatch(p.filterName(), e.v.HTTPNetworkChain()[0].Filter) {
		return false // the patch selects another network filter than the connection manager
	}
	anchor := anchorOf(p, typ)
	f := Filter{Name: p.valueName(), Source: p.source(), Patch: p.path(), Order: p.order, Rendered: p.ef.Rendered}
	if !e.findingsOnly {
		f.At = p.ef.at(p.path())
	}
	match := func(x Filter) bool { return anchor == "" || e.v.FilterNamesMatch(anchor, x.Name) }
	first := slices.IndexFunc(b.filters, match)
	op := p.op()
	switch op {
	case networking.EnvoyFilter_Patch_ADD:
		f.Rule = "ADD: appended"
		b.filters = append(b.filters, f)
	case networking.EnvoyFilter_Patch_INSERT_FIRST:
		f.Rule = "INSERT_FIRST"
		b.filters = slices.Insert(b.filters, 0, f)
	case networking.EnvoyFilter_Patch_INSERT_BEFORE, networking.EnvoyFilter_Patch_INSERT_AFTER:
		before := op == networking.EnvoyFilter_Patch_INSERT_BEFORE
		switch {
		case anchor == "" && before:
			f.Rule = "INSERT_BEFORE without a filter to match: first"
			b.filters = slices.Insert(b.filters, 0, f)
		case anchor == "":
			f.Rule = "INSERT_AFTER without a filter to match: appended"
			b.filters = append(b.filters, f)
		case first < 0:
			return false
		case before:
			f.Rule = "INSERT_BEFORE " + anchor
			b.filters = slices.Insert(b.filters, first, f)
		default:
			f.Rule = "INSERT_AFTER " + anchor
			b.filters = slices.Insert(b.filters, first+1, f)
		}
	case networking.EnvoyFilter_Patch_REPLACE:
		if anchor == "" || first < 0 {
			return false
		}
		f.Rule = "REPLACE " + b.filters[first].Name + " (" + b.filters[first].Source + ")"
		b.filters[first] = f
	case networking.EnvoyFilter_Patch_REMOVE:
		if anchor == "" || first < 0 {
			return false
		}
		b.filters = slices.DeleteFunc(b.filters, func(x Filter) bool {
			if match(x) {
				b.removed = append(b.removed, Removed{Name: x.Name, Source: x.Source, By: p.source() + " " + p.path()})
				return true
			}
			return false
		})
	case networking.EnvoyFilter_Patch_MERGE:
		ok := false
		for i := range b.filters {
			if match(b.filters[i]) {
				b.filters[i].Merged = append(b.filters[i].Merged, p.source()+" "+p.path())
				if n := p.valueName(); n != "" {
					b.filters[i].Name = n
				}
				ok = true
			}
		}
		return ok
	default:
		return false
	}
	return true
}

func (e *explainer) recordPatches(b *built, typ string, patches []patch, applied map[patchKey]bool, key string) {
	terminal := len(b.filters) - 1
	for i, f := range b.filters {
		if f.Source == "istio" && isTerminal(e.v, f.Name) {
			terminal = i
		}
	}
	for _, p := range patches {
		t := e.tally[p.key()]
		if t == nil {
			t = &tally{}
			e.tally[p.key()] = t
		}
		t.tried++
		if !applied[p.key()] {
			t.skipped++
			t.anchor, t.chain = anchorOf(p, typ), key
			if typ == HTTP && p.filterName() != "" && !e.v.FilterNamesMatch(p.filterName(), e.v.HTTPNetworkChain()[0].Filter) {
				t.anchor = p.filterName()
			}
			t.when = b.absentWhen(e.v, t.anchor)
		}
	}
	for i := terminal + 1; i < len(b.filters); i++ {
		for _, p := range patches {
			if b.filters[i].Source == p.source() && b.filters[i].Patch == p.path() {
				e.tally[p.key()].afterRouter = key
			}
		}
	}
}

func isTerminal(v compat.Istio, name string) bool {
	for _, t := range []string{compat.Router, compat.HTTPConnectionManager, compat.TCPProxy} {
		if v.FilterNamesMatch(t, name) || compat.LegacyName(compat.HTTPChain, t) == name || compat.LegacyName(compat.NetworkChain, t) == name {
			return true
		}
	}
	return false
}

// markTies: two EnvoyFilters (or two WasmPlugins of one phase) whose order only
// creation time decides, and whose patches interact in this chain, so that the
// other order gives another chain.
func (e *explainer) markTies(c *Chain, typ string, patches []patch, wps []*WasmPlugin) {
	byEF := map[*EnvoyFilter][]patch{}
	var efs []*EnvoyFilter
	for _, p := range patches {
		if _, ok := byEF[p.ef]; !ok {
			efs = append(efs, p.ef)
		}
		byEF[p.ef] = append(byEF[p.ef], p)
	}
	at := map[string][]int{} // a source's filters in the chain
	for i, f := range c.Filters {
		at[f.Source] = append(at[f.Source], i)
	}
	// Only EnvoyFilters that meet at a place (a position, or a filter one names
	// and another names or adds) can interact: pair those, each with the next few
	// that meet it there, so a thousand EnvoyFilters are not a million pairs.
	buckets := map[string][]*EnvoyFilter{}
	var order []string
	for _, ef := range efs {
		for _, p := range byEF[ef] {
			var ks []string
			if pos := position(p, typ); pos != "" {
				ks = append(ks, "pos:"+pos)
			}
			for _, n := range []string{anchorOf(p, typ), p.valueName()} {
				if n != "" {
					if c, ok := compat.CanonicalNameAnyChain(n); ok {
						n = c
					}
					ks = append(ks, "f:"+n)
				}
			}
			for _, k := range ks {
				if l := buckets[k]; len(l) == 0 || l[len(l)-1] != ef {
					if len(l) == 0 {
						order = append(order, k)
					}
					buckets[k] = append(l, ef)
				}
			}
		}
	}
	seen := map[[2]*EnvoyFilter]bool{}
	for _, k := range order {
		l := buckets[k]
		for i, a := range l {
			for _, b := range l[i+1 : min(len(l), i+1+maxPairs)] {
				if seen[[2]*EnvoyFilter{a, b}] {
					continue
				}
				seen[[2]*EnvoyFilter{a, b}] = true
				if e.efTied(a, b) && e.interact(byEF[a], byEF[b], typ) {
					e.tie(c, at, "EnvoyFilter "+a.id(), "EnvoyFilter "+b.id(), &a.Meta, &b.Meta)
				}
			}
		}
	}
	for i, a := range wps {
		for _, b := range wps[i+1:] {
			if wpTied(a, b) {
				e.tie(c, at, a.kind()+" "+a.id(), b.kind()+" "+b.id(), &a.Meta, &b.Meta)
			}
		}
	}
}

// position is where a patch puts a filter without an anchor: first, last, or
// "" (relative to its anchor, or no insert).
func position(p patch, typ string) string {
	anchor := anchorOf(p, typ)
	switch op := p.op(); {
	case op == networking.EnvoyFilter_Patch_INSERT_FIRST, op == networking.EnvoyFilter_Patch_INSERT_BEFORE && anchor == "":
		return "first"
	case op == networking.EnvoyFilter_Patch_ADD, op == networking.EnvoyFilter_Patch_INSERT_AFTER && anchor == "":
		return "last"
	}
	return ""
}

// interact: the order of two patch lists matters to the chain: they insert at
// the same place (first, last, or the same side of one filter), one's anchor is a
// filter the other adds, or they replace, remove or merge the same filter (two
// REMOVEs of it aside).
func (e *explainer) interact(as, bs []patch, typ string) bool {
	for _, p := range as {
		for _, q := range bs {
			if pp := position(p, typ); pp != "" && pp == position(q, typ) {
				return true
			}
			pa, qa := anchorOf(p, typ), anchorOf(q, typ)
			if (pa != "" && q.valueName() != "" && e.v.FilterNamesMatch(pa, q.valueName())) ||
				(qa != "" && p.valueName() != "" && e.v.FilterNamesMatch(qa, p.valueName())) {
				return true
			}
			if pa == "" || qa == "" || !e.v.FilterNamesMatch(pa, qa) && !e.v.FilterNamesMatch(qa, pa) {
				continue
			}
			po, qo := p.op(), q.op()
			switch {
			case po == networking.EnvoyFilter_Patch_REMOVE && qo == networking.EnvoyFilter_Patch_REMOVE:
			case po == qo:
				return true
			case po == networking.EnvoyFilter_Patch_REMOVE, qo == networking.EnvoyFilter_Patch_REMOVE,
				po == networking.EnvoyFilter_Patch_REPLACE, qo == networking.EnvoyFilter_Patch_REPLACE:
				return true
			}
		}
	}
	return false
}

func (e *explainer) tie(c *Chain, at map[string][]int, a, b string, ma, mb *Meta) {
	for _, i := range at[a] {
		c.Filters[i].Tie = appendOnce(c.Filters[i].Tie, b)
	}
	for _, i := range at[b] {
		c.Filters[i].Tie = appendOnce(c.Filters[i].Tie, a)
	}
	// One finding per object, naming the first object it ties with.
	if e.ties[b] {
		return
	}
	e.ties[b] = true
	e.l.tie(a, b, ma, mb, c.Key())
}

// maxPairs bounds the EnvoyFilters after one, at one place, it is compared with.
const maxPairs = 8

// maxTies bounds the ties listed on one filter: a hundred EnvoyFilters without a
// priority would otherwise each list the ninety-nine others.
const maxTies = 3

func appendOnce(s []string, x string) []string {
	switch {
	case slices.Contains(s, x), len(s) > maxTies:
		return s
	case len(s) == maxTies:
		return append(s, "others")
	}
	return append(s, x)
}
