package validate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1alpha3"

	"github.com/wasmgen/wasmgen/yamltree"
)

// Codes of wasmgen's own EnvoyFilter checks.
const (
	CodeResource        = "WG7003" // apiVersion / metadata problems
	CodeHTTPFilterAdd   = "WG7050" // ADD on HTTP_FILTER appends after the router
	CodeInsertFirst     = "WG7052" // INSERT_BEFORE/AFTER on HTTP_FILTER without a subFilter match
	CodeExtensionOp     = "WG7060" // EXTENSION_CONFIG with an operation other than ADD
	CodeSelectorTargets = "WG7061" // workloadSelector and targetRefs both set
)

// Istio's analyzer codes (pkg/config/analysis/msg/messages.yaml).
const (
	CodeRelativeOp      = "IST0151"
	CodeReplaceOp       = "IST0152"
	CodeAddOp           = "IST0153"
	CodeRemoveOp        = "IST0154"
	CodeRelativeVersion = "IST0155"
)

// Options select the dialect documents are checked against.
type Options struct {
	Istio compat.Istio // the target Istio release; the zero value is the newest
}

// Doc is one parsed document of an input file.
type Doc struct {
	File string
	Node *yaml.Node
}

// Checker validates documents (one at a time with Add, on several cores with AddAll)
// and keeps what must be checked across them (vm_ids shared between EnvoyFilters,
// the names IST0155 compares).
type Checker struct {
	opts         Options
	l            diag.List
	vms          []vmUse
	versionNames []string // patch value names of patches that match a proxyVersion, in order
	// deferred makes analyze record what depends on earlier documents (IST0151 vs
	// IST0155) in events instead of deciding it: a worker of AddAll sees one document.
	deferred bool
	events   []versionEvent
}

// versionEvent is one step of IST0155's ordered comparison: a patch that matches a
// proxyVersion (add), or a relative patch without priority to warn about.
type versionEvent struct {
	add  bool
	name string
	ix   *posIndex
	vp   string
}

// NewChecker returns a Checker for the given dialect.
func NewChecker(opts Options) *Checker { return &Checker{opts: opts} }

// Finish returns every finding so far, with the cross-document ones, sorted.
func (c *Checker) Finish() diag.List {
	l := append(diag.List(nil), c.l...)
	l.Append(sharedVMs(c.vms))
	l.Sort()
	return l
}

// EnvoyFilter checks one EnvoyFilter document.
func EnvoyFilter(file string, doc *yaml.Node, opts Options) diag.List {
	c := NewChecker(opts)
	c.EnvoyFilter(file, doc)
	return c.Finish()
}

// EnvoyFilters checks several EnvoyFilters together, as istiod applies them.
func EnvoyFilters(docs []Doc, opts Options) diag.List {
	c := NewChecker(opts)
	for _, d := range docs {
		c.EnvoyFilter(d.File, d.Node)
	}
	return c.Finish()
}

// Kind classifies a document: "EnvoyFilter", "WasmPlugin", "Bootstrap" (an Envoy
// bootstrap, recognised by its top-level keys) or its own kind.
func Kind(doc *yaml.Node) string {
	n := yamltree.Deref(doc)
	if k := yamltree.Scalar(yamltree.Field(n, "kind")); k != "" {
		return k
	}
	for _, key := range []string{"static_resources", "staticResources", "admin", "node", "dynamic_resources", "dynamicResources"} {
		if yamltree.Field(n, key) != nil {
			return "Bootstrap"
		}
	}
	return ""
}

// Object checks one generated or hand-written object by kind; other kinds get no
// findings. The generator's golden tests call it to prove their output valid.
func Object(file string, doc *yaml.Node, opts Options) diag.List {
	c := NewChecker(opts)
	c.Add(file, doc)
	return c.Finish()
}

// AddAll checks docs as Add does, one after the other, and reports for each whether
// its kind was known. The documents are checked on up to workers goroutines (each
// alone; what crosses them is merged afterwards in order), so the findings are
// those of calling Add on each in turn.
func (c *Checker) AddAll(docs []Doc, workers int) []bool {
	known := make([]bool, len(docs))
	subs := make([]*Checker, len(docs))
	workers = max(1, min(workers, len(docs)))
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		fault any
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				// A bug panics in the caller's goroutine, where the CLI recovers it.
				if r := recover(); r != nil {
					mu.Lock()
					fault = r
					mu.Unlock()
				}
			}()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(docs) {
					return
				}
				subs[i] = &Checker{opts: c.opts, deferred: true}
				known[i] = subs[i].Add(docs[i].File, docs[i].Node)
			}
		}()
	}
	wg.Wait()
	if fault != nil {
		panic(fault)
	}
	for _, s := range subs {
		c.l.Append(s.l)
		c.vms = append(c.vms, s.vms...)
		for _, e := range s.events {
			if e.add {
				c.versionName(e.name)
			} else {
				c.relativeNoPriority(e.ix, e.vp, e.name)
			}
		}
	}
	return known
}

// Add checks one document of any kind Object knows, and reports whether it knew it.
func (c *Checker) Add(file string, doc *yaml.Node) bool {
	switch Kind(doc) {
	case "EnvoyFilter":
		c.EnvoyFilter(file, doc)
	case "WasmPlugin":
		c.l.Append(WasmPlugin(file, doc, c.opts))
	case "Bootstrap":
		l, vms := bootstrap(file, doc)
		c.l.Append(l)
		c.vms = append(c.vms, vms...)
	default:
		return false
	}
	return true
}

func (c *Checker) errorf(ix *posIndex, path, code, format string, args ...any) {
	c.l.Add(diag.Finding{Pos: ix.pos(path), Path: ix.display(path), Severity: diag.Error, Code: code, Msg: fmt.Sprintf(format, args...)})
}

func (c *Checker) warnf(ix *posIndex, path, code, hint, format string, args ...any) {
	c.l.Add(diag.Finding{Pos: ix.pos(path), Path: ix.display(path), Severity: diag.Warning, Code: code, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// header checks apiVersion and metadata.name, and returns "namespace/name".
func (c *Checker) header(ix *posIndex, root *yaml.Node, kind string, versions ...string) string {
	if av := yamltree.Scalar(yamltree.Field(root, "apiVersion")); !contains(versions, av) {
		c.errorf(ix, "apiVersion", CodeResource, "%s apiVersion is %q; expected %s", kind, av, strings.Join(versions, " or "))
	}
	md := yamltree.Field(root, "metadata")
	name := yamltree.Scalar(yamltree.Field(md, "name"))
	if name == "" && yamltree.Scalar(yamltree.Field(md, "generateName")) == "" {
		c.errorf(ix, "metadata", CodeResource, "%s has no metadata.name", kind)
	}
	ns := yamltree.Scalar(yamltree.Field(md, "namespace"))
	if ns == "" {
		ns = "default"
	}
	return kind + " " + ns + "/" + name
}

// EnvoyFilter checks one EnvoyFilter document and remembers what later documents are
// compared against.
func (c *Checker) EnvoyFilter(file string, doc *yaml.Node) {
	root := yamltree.Deref(doc)
	ix := newPosIndex(file, root)
	if root == nil || root.Kind != yaml.MappingNode {
		c.errorf(ix, "", CodeStructure, "EnvoyFilter document is %s; expected a mapping", describeNode(root))
		return
	}
	owner := c.header(ix, root, "EnvoyFilter", "networking.istio.io/v1alpha3")
	spec := yamltree.Field(root, "spec")
	if spec == nil {
		return
	}
	w := newWalker(ix, &c.l, c.opts.Istio, func(bool) (diag.Severity, string) { return diag.Error, CodeUnknownField })
	w.message((&networking.EnvoyFilter{}).ProtoReflect().Descriptor(), spec, "spec", false, 0)
	if spec.Kind != yaml.MappingNode {
		return
	}
	ef := &networking.EnvoyFilter{}
	decodeInto(ix, &c.l, w.bad, spec, "spec", ef, CodeIstioValidation, "spec.configPatches")
	if v := c.opts.Istio; !v.Has(compat.Priority) && ef.GetPriority() != 0 {
		c.warnf(ix, "spec.priority", CodeOlderIstio, fmt.Sprintf("drop it for this Istio version, or target Istio %s or later", compat.Priority.Since()),
			"EnvoyFilter.priority exists from Istio %s (istio/api#1975); Istio %s does not know the field", compat.Priority.Since(), v)
	}
	c.selector(ix, ef)

	patches := yamltree.Field(spec, "configPatches")
	if patches == nil || patches.Kind != yaml.SequenceNode {
		return
	}
	for i, pn := range patches.Content {
		p := yamltree.Index("spec.configPatches", i)
		if yamltree.IsNull(yamltree.Deref(pn)) {
			c.errorf(ix, p, CodeIstioValidation, "Envoy filter: null config patch")
			continue
		}
		// The value is read from the YAML, not decoded as a Struct: it is parsed once,
		// as the Envoy type it stands for.
		cp := &networking.EnvoyFilter_EnvoyConfigObjectPatch{}
		if !decodeInto(ix, &c.l, w.bad, pn, p, cp, CodeIstioValidation, yamltree.Join(p, "patch.value")) {
			continue
		}
		vn := yamltree.Field(yamltree.Field(pn, "patch"), "value")
		if yamltree.IsNull(vn) {
			vn = nil
		} else if vn.Kind != yaml.MappingNode {
			c.errorf(ix, yamltree.Join(p, "patch.value"), CodeIstioValidation, "Envoy filter: patch value is %s; expected a mapping (the Envoy object)", describeNode(vn))
			continue
		}
		c.patch(ix, owner, ef, cp, vn, p)
	}
}

func (c *Checker) selector(ix *posIndex, ef *networking.EnvoyFilter) {
	if ws := ef.GetWorkloadSelector(); ws != nil {
		keys := make([]string, 0, len(ws.GetLabels()))
		for k := range ws.GetLabels() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := ws.GetLabels()[k]
			p := yamltree.Join("spec.workloadSelector.labels", k)
			if k == "" {
				c.errorf(ix, p, CodeIstioValidation, "empty key is not supported in selector: %q", k+"="+v)
			}
			if strings.Contains(k, "*") || strings.Contains(v, "*") {
				c.errorf(ix, p, CodeIstioValidation, "wildcard is not supported in selector: %q", k+"="+v)
			}
		}
		if len(keys) == 0 {
			c.warnf(ix, "spec.workloadSelector", CodeIstioWarning, "",
				"Envoy filter: workload selector specified without labels, will be applied to all services in namespace")
		}
		if len(ef.GetTargetRefs()) > 0 {
			c.errorf(ix, "spec.targetRefs", CodeSelectorTargets, "only one of targetRefs or workloadSelector can be set")
		}
	}
	for i, r := range ef.GetTargetRefs() {
		if r.GetNamespace() != "" {
			c.errorf(ix, yamltree.Join(yamltree.Index("spec.targetRefs", i), "namespace"), CodeIstioValidation,
				"targetRef namespace must not be set; cross namespace referencing is not supported")
		}
		if r.GetName() == "" {
			c.errorf(ix, yamltree.Index("spec.targetRefs", i), CodeIstioValidation, "targetRef name must be set")
		}
	}
}

const maxProxyVersionLen = 1024

func (c *Checker) patch(ix *posIndex, owner string, ef *networking.EnvoyFilter, cp *networking.EnvoyFilter_EnvoyConfigObjectPatch, vn *yaml.Node, p string) {
	match := cp.GetMatch()
	if match.GetContext() == networking.EnvoyFilter_WAYPOINT {
		return // istiod does not validate waypoint patches yet
	}
	if cp.GetApplyTo() == networking.EnvoyFilter_INVALID {
		c.errorf(ix, p, CodeIstioValidation, "Envoy filter: missing applyTo")
		return
	}
	if cp.GetPatch() == nil {
		c.errorf(ix, p, CodeIstioValidation, "Envoy filter: missing patch")
		return
	}
	op := cp.GetPatch().GetOperation()
	pp := yamltree.Join(p, "patch")
	if op == networking.EnvoyFilter_Patch_INVALID {
		c.errorf(ix, pp, CodeIstioValidation, "Envoy filter: missing patch operation")
		return
	}
	if op != networking.EnvoyFilter_Patch_REMOVE && vn == nil {
		c.errorf(ix, pp, CodeIstioValidation, "Envoy filter: missing patch value for non-remove operation")
		return
	}
	c.analyze(ix, ef, cp, vn, p)
	mp := yamltree.Join(p, "match")
	if v := match.GetProxy().GetProxyVersion(); v != "" {
		vp := yamltree.Join(mp, "proxy.proxyVersion")
		if len(v) > maxProxyVersionLen {
			c.warnf(ix, vp, CodeIstioWarning, "", "Envoy filter: proxyVersion match exceeds %d characters and will be ignored", maxProxyVersionLen)
		} else if _, err := regexp.Compile(v); err != nil {
			c.errorf(ix, vp, CodeIstioValidation, "Envoy filter: invalid regex for proxy version, [%v]", err)
		}
	}
	applyTo := cp.GetApplyTo()
	c.matchRules(ix, applyTo, match, mp)

	switch {
	case applyTo == networking.EnvoyFilter_EXTENSION_CONFIG && op != networking.EnvoyFilter_Patch_ADD:
		c.errorf(ix, yamltree.Join(pp, "operation"), CodeExtensionOp, "EXTENSION_CONFIG takes only the ADD operation; istiod ignores %s", op)
	case applyTo == networking.EnvoyFilter_HTTP_FILTER && op == networking.EnvoyFilter_Patch_ADD:
		if name := yamltree.Scalar(yamltree.Field(vn, "name")); !compat.IsRouterName(name) {
			c.l.Add(diag.Finding{Pos: ix.pos(yamltree.Join(pp, "operation")), Path: ix.display(yamltree.Join(pp, "operation")), Severity: diag.Error, Code: CodeHTTPFilterAdd,
				Msg:  "ADD on HTTP_FILTER appends the filter after the router, and Envoy rejects a listener whose HTTP filter chain does not end with the router",
				Hint: "use INSERT_BEFORE with match.listener.filterChain.filter.subFilter.name: envoy.filters.http.router"})
		}
	case applyTo == networking.EnvoyFilter_HTTP_FILTER && (op == networking.EnvoyFilter_Patch_INSERT_BEFORE || op == networking.EnvoyFilter_Patch_INSERT_AFTER) &&
		match.GetListener().GetFilterChain().GetFilter().GetSubFilter().GetName() == "":
		c.warnf(ix, yamltree.Join(pp, "operation"), CodeInsertFirst, "match the filter to insert next to: match.listener.filterChain.filter.subFilter.name (e.g. envoy.filters.http.router)",
			"%s on HTTP_FILTER without a subFilter match inserts the filter first in the chain", op)
	}
	if op == networking.EnvoyFilter_Patch_REMOVE || vn == nil {
		return
	}
	c.value(ix, owner, applyTo, op, vn, yamltree.Join(pp, "value"))
}

func (c *Checker) matchRules(ix *posIndex, applyTo networking.EnvoyFilter_ApplyTo, match *networking.EnvoyFilter_EnvoyConfigObjectMatch, mp string) {
	if match.GetObjectTypes() == nil {
		return
	}
	switch applyTo {
	case networking.EnvoyFilter_LISTENER, networking.EnvoyFilter_FILTER_CHAIN, networking.EnvoyFilter_NETWORK_FILTER, networking.EnvoyFilter_HTTP_FILTER:
		lm := match.GetListener()
		if lm == nil {
			c.errorf(ix, mp, CodeIstioValidation, "Envoy filter: applyTo for listener class objects cannot have non listener match")
			return
		}
		f := lm.GetFilterChain().GetFilter()
		if f == nil {
			return
		}
		fp := yamltree.Join(mp, "listener.filterChain.filter")
		if applyTo == networking.EnvoyFilter_LISTENER || applyTo == networking.EnvoyFilter_FILTER_CHAIN {
			c.warnf(ix, fp, CodeIstioWarning, "", "Envoy filter: filter match has no effect when used with %v", applyTo)
		}
		if f.GetName() == "" {
			c.errorf(ix, fp, CodeIstioValidation, "Envoy filter: filter match has no name to match on")
			return
		}
		if sf := f.GetSubFilter(); sf != nil {
			sp := yamltree.Join(fp, "subFilter")
			switch {
			case applyTo != networking.EnvoyFilter_HTTP_FILTER:
				c.errorf(ix, sp, CodeIstioValidation, "Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only")
				return
			case !compat.IsHCMName(f.GetName()):
				c.errorf(ix, yamltree.Join(fp, "name"), CodeIstioValidation, "Envoy filter: subfilter match requires filter match with envoy.filters.network.http_connection_manager")
				return
			case sf.GetName() == "":
				c.errorf(ix, sp, CodeIstioValidation, "Envoy filter: subfilter match has no name to match on")
				return
			}
			if n, ok := compat.CanonicalNameAnyChain(sf.GetName()); ok && !c.legacyNames() {
				c.warnf(ix, yamltree.Join(sp, "name"), CodeIstioWarning, "istiod matches names exactly: a patch against the old name is skipped silently",
					"using deprecated filter name %q; use %q instead", sf.GetName(), n)
			}
		}
		if n, ok := compat.CanonicalNameAnyChain(f.GetName()); ok && !c.legacyNames() {
			c.warnf(ix, yamltree.Join(fp, "name"), CodeIstioWarning, "istiod matches names exactly: a patch against the old name is skipped silently",
				"using deprecated filter name %q; use %q instead", f.GetName(), n)
		}
	case networking.EnvoyFilter_ROUTE_CONFIGURATION, networking.EnvoyFilter_VIRTUAL_HOST, networking.EnvoyFilter_HTTP_ROUTE:
		if match.GetRouteConfiguration() == nil {
			c.errorf(ix, mp, CodeIstioValidation, "Envoy filter: applyTo for http route class objects cannot have non route configuration match")
		}
	case networking.EnvoyFilter_CLUSTER:
		if match.GetCluster() == nil {
			c.errorf(ix, mp, CodeIstioValidation, "Envoy filter: applyTo for cluster class objects cannot have non cluster match")
		}
	}
}

// analyze applies istioctl analyze's EnvoyPatchAnalyzer to one patch.
func (c *Checker) analyze(ix *posIndex, ef *networking.EnvoyFilter, cp *networking.EnvoyFilter_EnvoyConfigObjectPatch, vn *yaml.Node, p string) {
	op, applyTo := cp.GetPatch().GetOperation(), cp.GetApplyTo()
	name := yamltree.Scalar(yamltree.Field(vn, "name"))
	if yamltree.Field(vn, "name") == nil {
		name = cp.GetMatch().GetListener().GetFilterChain().GetFilter().GetName()
	}
	vp := yamltree.Join(p, "patch.value")
	routeLike := applyTo == networking.EnvoyFilter_ROUTE_CONFIGURATION || applyTo == networking.EnvoyFilter_HTTP_ROUTE
	relative := false
	switch op {
	case networking.EnvoyFilter_Patch_ADD:
		if routeLike {
			c.errorf(ix, vp, CodeAddOp, "The ADD operation will be ignored when applyTo is set to ROUTE_CONFIGURATION, or HTTP_ROUTE.")
		}
	case networking.EnvoyFilter_Patch_REMOVE:
		if routeLike {
			c.errorf(ix, vp, CodeRemoveOp, "The REMOVE operation will be ignored when applyTo is set to ROUTE_CONFIGURATION, or HTTP_ROUTE.")
		} else {
			relative = true
		}
	case networking.EnvoyFilter_Patch_REPLACE:
		if applyTo != networking.EnvoyFilter_NETWORK_FILTER && applyTo != networking.EnvoyFilter_HTTP_FILTER && applyTo != networking.EnvoyFilter_VIRTUAL_HOST {
			c.errorf(ix, vp, CodeReplaceOp, "The REPLACE operation is only valid for HTTP_FILTER and NETWORK_FILTER.")
		} else {
			relative = true
		}
	case networking.EnvoyFilter_Patch_INSERT_BEFORE, networking.EnvoyFilter_Patch_INSERT_AFTER:
		relative = true
	}
	// Before 1.11 there is no priority to set, so IST0151's advice cannot be followed.
	if relative && ef.GetPriority() == 0 && c.opts.Istio.Has(compat.Priority) {
		c.relativeNoPriority(ix, vp, name)
	}
	if cp.GetMatch().GetProxy().GetProxyVersion() != "" {
		c.versionName(name)
	}
}

// legacyNames reports whether the target is Istio 1.5-1.6, whose proxies knew the
// filters by the names later deprecated (envoy.router, …) and by name alone.
func (c *Checker) legacyNames() bool { return c.opts.Istio.Has(compat.LegacyNames) }

// relativeNoPriority warns about a relative patch without priority: IST0155 if an
// earlier patch of that name matches a proxyVersion, else IST0151.
func (c *Checker) relativeNoPriority(ix *posIndex, vp, name string) {
	if c.deferred {
		c.events = append(c.events, versionEvent{name: name, ix: ix, vp: vp})
		return
	}
	if contains(c.versionNames, name) {
		c.warnf(ix, vp, CodeRelativeVersion, "", "This EnvoyFilter does not have a priority and has a relative patch operation (NSTERT_BEFORE/AFTER, REPLACE, MERGE, DELETE) and proxyVersion set which can cause the EnvoyFilter not to be applied during an upgrade. Using the INSERT_FIRST or ADD option or setting the priority may help in ensuring the EnvoyFilter is applied correctly.")
	} else {
		c.warnf(ix, vp, CodeRelativeOp, "", "This EnvoyFilter does not have a priority and has a relative patch operation set which can cause the EnvoyFilter not to be applied. Using the INSERT_FIRST of ADD option or setting the priority may help in ensuring the EnvoyFilter is applied correctly.")
	}
}

func (c *Checker) versionName(name string) {
	if c.deferred {
		c.events = append(c.events, versionEvent{add: true, name: name})
		return
	}
	c.versionNames = append(c.versionNames, name)
}

// valueType is the Envoy message a patch value of applyTo must parse as.
func valueType(applyTo networking.EnvoyFilter_ApplyTo) proto.Message {
	switch applyTo {
	case networking.EnvoyFilter_CLUSTER:
		return &clusterv3.Cluster{}
	case networking.EnvoyFilter_LISTENER:
		return &listenerv3.Listener{}
	case networking.EnvoyFilter_ROUTE_CONFIGURATION:
		return &routev3.RouteConfiguration{}
	case networking.EnvoyFilter_FILTER_CHAIN:
		return &listenerv3.FilterChain{}
	case networking.EnvoyFilter_HTTP_FILTER:
		return &hcmv3.HttpFilter{}
	case networking.EnvoyFilter_NETWORK_FILTER:
		return &listenerv3.Filter{}
	case networking.EnvoyFilter_VIRTUAL_HOST:
		return &routev3.VirtualHost{}
	case networking.EnvoyFilter_HTTP_ROUTE:
		return &routev3.Route{}
	case networking.EnvoyFilter_EXTENSION_CONFIG:
		return &corev3.TypedExtensionConfig{}
	case networking.EnvoyFilter_BOOTSTRAP:
		return &bootstrapv3.Bootstrap{}
	case networking.EnvoyFilter_LISTENER_FILTER:
		return &listenerv3.ListenerFilter{}
	}
	return nil
}

// value parses a patch value strictly as the Envoy type its applyTo implies and
// looks inside every typed config.
func (c *Checker) value(ix *posIndex, owner string, applyTo networking.EnvoyFilter_ApplyTo, op networking.EnvoyFilter_Patch_Operation, vn *yaml.Node, vp string) {
	m := valueType(applyTo)
	if m == nil {
		c.errorf(ix, vp, CodeIstioValidation, "Envoy filter: unknown object type for applyTo %s", applyTo)
		return
	}
	v := c.opts.Istio
	w := newWalker(ix, &c.l, v, func(inAny bool) (diag.Severity, string) {
		if inAny && v.Has(compat.TypedDialect) {
			return diag.Error, CodeUnknownInTyped
		}
		return diag.Warning, CodeIstioWarning
	})
	w.legacyOK = v.Dialect() == compat.DialectLegacy
	w.message(m.ProtoReflect().Descriptor(), vn, vp, false, 0)
	if w.unresolved || !decodeInto(ix, &c.l, w.bad, vn, vp, m, CodeIstioValidation) {
		return
	}
	if name := valueName2(m); name != "" {
		chain, hasChain := map[networking.EnvoyFilter_ApplyTo]compat.Chain{
			networking.EnvoyFilter_HTTP_FILTER: compat.HTTPChain, networking.EnvoyFilter_NETWORK_FILTER: compat.NetworkChain,
			networking.EnvoyFilter_LISTENER_FILTER: compat.ListenerChain,
		}[applyTo]
		if nn, ok := compat.CanonicalName(chain, name); ok && hasChain && !c.legacyNames() {
			c.warnf(ix, yamltree.Join(vp, "name"), CodeDeprecatedName, "", "using deprecated filter name %q; use %q instead", name, nn)
		}
	}
	complete := op != networking.EnvoyFilter_Patch_MERGE
	ec := newEnvoyChecker(ix, &c.l, w.bad, complete, owner)
	ec.istio = c.opts.Istio
	var missing []string
	ec.missing = func(_, name string) { missing = append(missing, name) }
	ec.check(m, vp)
	if len(missing) > 0 && !c.legacyNames() {
		c.warnf(ix, vp, CodeIstioWarning, "", "using deprecated types by name without typed_config; %s", strings.Join(missing, ", "))
	}
	c.vms = append(c.vms, ec.vms...)
}

func valueName2(m proto.Message) string {
	fd := m.ProtoReflect().Descriptor().Fields().ByName("name")
	if fd == nil {
		return ""
	}
	return m.ProtoReflect().Get(fd).String()
}
