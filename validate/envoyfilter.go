package validate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	networking "istio.io/api/networking/v1alpha3"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/internal/chain"
	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/wasmgen/wasmgen/schema"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/wasmgen/wasmgen/protocheck"

	"github.com/wasmgen/wasmgen/diag"
)

// efPass is the check of one EnvoyFilter, shared by its rules.
type efPass struct {
	*pass
	owner string // "EnvoyFilter ns/name"
	ef    *networking.EnvoyFilter
}

// patchPass is one config patch, decoded: its rules run over this.
type patchPass struct {
	*efPass
	path string // spec.configPatches[i]
	cp   *networking.EnvoyFilter_EnvoyConfigObjectPatch
	vv   *yamltree.Value // the patch value as read; nil for none
	x    *parsed         // the spec as istiod read it
}

func (pp *patchPass) op() networking.EnvoyFilter_Patch_Operation {
	return pp.cp.GetPatch().GetOperation()
}
func (pp *patchPass) valuePath() string { return yamltree.Join(pp.path, "patch.value") }

// checkEnvoyFilter reads an EnvoyFilter as istiod does and runs the EnvoyFilter rules.
func checkEnvoyFilter(p *pass) {
	root := p.root
	if root == nil || root.Kind != yaml.MappingNode {
		p.rep.Errorf("", CodeStructure, "", "EnvoyFilter document is %s; expected a mapping", yamltree.Describe(root))
		return
	}
	e := &efPass{pass: p, owner: header(p, "EnvoyFilter", "networking.istio.io/v1alpha3")}
	spec := yamltree.Field(root, "spec")
	if spec == nil {
		return
	}
	p.types = typesFor(p.opts.Istio.Envoy())
	x := p.read(spec, "spec", (&networking.EnvoyFilter{}).ProtoReflect().Descriptor(), istiodSpec(p.opts.Istio, p.types))
	if x == nil || x.v.Kind != yamltree.Object {
		return
	}
	// The resource is decoded without its patches, and each patch on its own, so one
	// bad patch does not keep the others from being checked.
	pv := member(x.v, "configPatches", "config_patches")
	e.ef = &networking.EnvoyFilter{}
	p.decode(x, part{x.v, "spec"}, e.ef, CodeIstioValidation, part{pv, "spec.configPatches"})
	for _, r := range envoyFilterRules {
		r(e)
	}
	// What `wasmgen explain` and the chain findings read: the spec with the patches
	// istiod accepts.
	obj := &chain.EnvoyFilter{Meta: meta(p), Spec: proto.CloneOf(e.ef)}
	p.facts.envoyFilter = obj
	if pv == nil || pv.Kind != yamltree.Array {
		return
	}
	for i, v := range pv.Elems {
		path := yamltree.Index("spec.configPatches", i)
		if v.Kind == yamltree.Null {
			p.rep.Errorf(path, CodeIstioValidation, "", "Envoy filter: null config patch")
			continue
		}
		val := member(member(v, "patch"), "value")
		cp := &networking.EnvoyFilter_EnvoyConfigObjectPatch{}
		vpath := yamltree.Join(path, "patch.value")
		if !p.decode(x, part{v, path}, cp, CodeIstioValidation, part{val, vpath}) {
			continue
		}
		pp := &patchPass{efPass: e, path: path, cp: cp, x: x, vv: val}
		if val != nil && val.Kind == yamltree.Null {
			pp.vv = nil
		} else if val != nil && val.Kind != yamltree.Object {
			p.rep.Errorf(vpath, CodeIstioValidation, "", "Envoy filter: patch value is %s; expected a mapping (the Envoy object)", yamltree.Describe(val.Node))
			continue
		}
		obj.Spec.ConfigPatches = append(obj.Spec.ConfigPatches, chainPatch(cp, pp.vv))
		obj.Paths = append(obj.Paths, path)
		for _, r := range patchRules {
			if !r(pp) {
				break
			}
		}
	}
}

// chainPatch is the patch as the chains need it: the value (decoded per rule, not
// into cp) only by the name of the filter it adds.
func chainPatch(cp *networking.EnvoyFilter_EnvoyConfigObjectPatch, v *yamltree.Value) *networking.EnvoyFilter_EnvoyConfigObjectPatch {
	c := proto.CloneOf(cp)
	if name := member(v, "name"); name != nil && name.Kind == yamltree.String && c.Patch != nil {
		c.Patch.Value = &structpb.Struct{Fields: map[string]*structpb.Value{"name": structpb.NewStringValue(name.Text)}}
	}
	return c
}

// header checks apiVersion and metadata.name, and returns "Kind namespace/name".
func header(p *pass, kind string, versions ...string) string {
	root := p.root
	if av := yamltree.StringField(root, "apiVersion"); !slices.Contains(versions, av) {
		p.rep.Errorf("apiVersion", CodeResource, "", "%s apiVersion is %q; expected %s", kind, av, strings.Join(versions, " or "))
	}
	md := yamltree.Field(root, "metadata")
	name := yamltree.StringField(md, "name")
	if name == "" && yamltree.StringField(md, "generateName") == "" {
		p.rep.Errorf("metadata", CodeResource, "", "%s has no metadata.name", kind)
	}
	if name != "" && !schema.IsDNS1123Subdomain(name) {
		p.rep.Errorf("metadata.name", CodeResource, "use lower case letters, digits, '-' and '.' (a placeholder must be filled in before apply)",
			"metadata.name: Invalid value: %q: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", name)
	}
	ns := yamltree.StringField(md, "namespace")
	if ns != "" && !schema.IsDNS1123Label(ns) {
		p.rep.Errorf("metadata.namespace", CodeResource, "use lower case letters, digits and '-' (a placeholder must be filled in before apply)",
			"metadata.namespace: Invalid value: %q: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", ns)
	}
	if ns == "" {
		ns = schema.DefaultNamespace
	}
	return kind + " " + ns + "/" + name
}

// envoyFilterRules run once per EnvoyFilter, after it is decoded.
var envoyFilterRules = []func(*efPass){
	efDeprecatedFilters,
	olderPriority,
	efSelector,
	efTargetRefs,
}

// patchRules run over each decoded patch, in order; a rule returning false ends the
// patch's checks (istiod rejects or skips the patch there).
var patchRules = []func(*patchPass) bool{
	patchStructure,
	analyzePatch,
	proxyVersion,
	matchRules,
	patchOperation,
	bootstrapPatch,
	patchValueRules,
}

// olderPriority: EnvoyFilter.priority before the field existed (WG7110).
func olderPriority(e *efPass) {
	if v := e.opts.Istio; !v.Has(compat.Priority) && e.ef.GetPriority() != 0 {
		e.rep.Warnf("spec.priority", CodeOlderIstio, fmt.Sprintf("drop it for this Istio version, or target Istio %s or later", compat.Priority.Since()),
			"EnvoyFilter.priority exists from Istio %s (istio/api#1975); Istio %s does not know the field", compat.Priority.Since(), v)
	}
}

// efSelector: istiod's webhook rules for workloadSelector and targetRefs
// (pkg/config/validation/envoyfilter, validateWorkloadSelector and targetRefs).
func efSelector(e *efPass) {
	ef := e.ef
	if ws := ef.GetWorkloadSelector(); ws != nil {
		selectorLabels(e.pass, ws.GetLabels(), "spec.workloadSelector.labels")
		if len(ws.GetLabels()) == 0 {
			e.rep.Warnf("spec.workloadSelector", CodeIstioWarning, "",
				"Envoy filter: workload selector specified without labels, will be applied to all services in namespace")
		}
		if len(ef.GetTargetRefs()) > 0 {
			e.rep.Errorf("spec.targetRefs", CodeSelectorTargets, "", "only one of targetRefs or workloadSelector can be set")
		}
	}
	for i, r := range ef.GetTargetRefs() {
		if r.GetNamespace() != "" {
			e.rep.Errorf(yamltree.Join(yamltree.Index("spec.targetRefs", i), "namespace"), CodeIstioValidation, "",
				"targetRef namespace must not be set; cross namespace referencing is not supported")
		}
		if r.GetName() == "" {
			e.rep.Errorf(yamltree.Index("spec.targetRefs", i), CodeIstioValidation, "", "targetRef name must be set")
		}
	}
}

// efTargetRefs: an EnvoyFilter attached by targetRefs alone, on a release whose
// istiod does not honour them. Before 1.22 the field does not exist; through 1.26
// getMatchedEnvoyFilters matched EnvoyFilters by workloadSelector only
// (pilot/pkg/model/push_context.go at 1.26.0), so one without a selector was
// applied to every workload of its namespace (istio/istio#56417); 1.27 uses
// ShouldAttachPolicy (#56476, push_context.go at 1.27.0).
func efTargetRefs(e *efPass) {
	ef := e.ef
	v := e.opts.Istio
	if n := len(ef.GetTargetRefs()); n > compat.MaxTargetRefs && v.Has(compat.TargetRefsCRDRules) {
		e.rep.Errorf(yamltree.Index("spec.targetRefs", compat.MaxTargetRefs), CodeCRD, "split the EnvoyFilter in two",
			"spec.targetRefs: Too many: %d: must have at most %d items", n, compat.MaxTargetRefs)
	}
	if len(ef.GetTargetRefs()) == 0 || ef.GetWorkloadSelector() != nil || v.Has(compat.EnvoyFilterTargetRefsAttach) {
		return
	}
	name := ef.GetTargetRefs()[0].GetName()
	why := fmt.Sprintf("istiod of Istio %s matches EnvoyFilters by workloadSelector only (istio/istio#56417, fixed in %s)", v, compat.EnvoyFilterTargetRefsAttach.Since())
	if !v.Has(compat.EnvoyFilterTargetRefs) {
		why = fmt.Sprintf("EnvoyFilter targetRefs exists from Istio %s; Istio %s drops the field", compat.EnvoyFilterTargetRefs.Since(), v)
	}
	e.rep.Errorf("spec.targetRefs", CodeEFTargetRefs,
		fmt.Sprintf("select the gateway's pods instead: workloadSelector: {labels: {%s: %s}}, and remove targetRefs", compat.GatewayNameLabelFor(v), name),
		"this EnvoyFilter applies to every workload of its namespace, not to its targetRefs: %s", why)
}

// selectorLabels: istiod's label rules (no empty key, no wildcard), keys in order.
func selectorLabels(p *pass, labels map[string]string, path string) {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := labels[k]
		lp := yamltree.Join(path, k)
		if k == "" {
			p.rep.Errorf(lp, CodeIstioValidation, "", "empty key is not supported in selector: %q", k+"="+v)
		}
		if strings.Contains(k, "*") || strings.Contains(v, "*") {
			p.rep.Errorf(lp, CodeIstioValidation, "", "wildcard is not supported in selector: %q", k+"="+v)
		}
	}
}

// patchStructure: what istiod's webhook requires of every patch
// (pkg/config/validation/envoyfilter/envoyfilter.go), with its messages.
func patchStructure(pp *patchPass) bool {
	if pp.cp.GetMatch().GetContext() == networking.EnvoyFilter_WAYPOINT {
		return false // istiod does not validate waypoint patches yet
	}
	if pp.cp.GetApplyTo() == networking.EnvoyFilter_INVALID {
		pp.rep.Errorf(pp.path, CodeIstioValidation, "", "Envoy filter: missing applyTo")
		return false
	}
	if pp.cp.GetPatch() == nil {
		pp.rep.Errorf(pp.path, CodeIstioValidation, "", "Envoy filter: missing patch")
		return false
	}
	pt := yamltree.Join(pp.path, "patch")
	if pp.op() == networking.EnvoyFilter_Patch_INVALID {
		pp.rep.Errorf(pt, CodeIstioValidation, "", "Envoy filter: missing patch operation")
		return false
	}
	if pp.op() != networking.EnvoyFilter_Patch_REMOVE && pp.vv == nil {
		pp.rep.Errorf(pt, CodeIstioValidation, "", "Envoy filter: missing patch value for non-remove operation")
		return false
	}
	return true
}

const maxProxyVersionLen = 1024

// proxyVersion: istiod compiles match.proxy.proxyVersion as a regexp.
func proxyVersion(pp *patchPass) bool {
	v := pp.cp.GetMatch().GetProxy().GetProxyVersion()
	if v == "" {
		return true
	}
	vp := yamltree.Join(pp.path, "match.proxy.proxyVersion")
	if len(v) > maxProxyVersionLen {
		pp.rep.Warnf(vp, CodeIstioWarning, "", "Envoy filter: proxyVersion match exceeds %d characters and will be ignored", maxProxyVersionLen)
	} else if _, err := regexp.Compile(v); err != nil {
		pp.rep.Errorf(vp, CodeIstioValidation, "", "Envoy filter: invalid regex for proxy version, [%v]", err)
	}
	return true
}

// matchRules: istiod's rules for the match of each applyTo class.
func matchRules(pp *patchPass) bool {
	match := pp.cp.GetMatch()
	if match.GetObjectTypes() == nil {
		return true
	}
	mp := yamltree.Join(pp.path, "match")
	switch applyTo := pp.cp.GetApplyTo(); applyTo {
	case networking.EnvoyFilter_LISTENER, networking.EnvoyFilter_FILTER_CHAIN, networking.EnvoyFilter_NETWORK_FILTER, networking.EnvoyFilter_HTTP_FILTER:
		lm := match.GetListener()
		if lm == nil {
			pp.rep.Errorf(mp, CodeIstioValidation, "", "Envoy filter: applyTo for listener class objects cannot have non listener match")
			return true
		}
		f := lm.GetFilterChain().GetFilter()
		if f == nil {
			return true
		}
		fp := yamltree.Join(mp, "listener.filterChain.filter")
		if applyTo == networking.EnvoyFilter_LISTENER || applyTo == networking.EnvoyFilter_FILTER_CHAIN {
			pp.rep.Warnf(fp, CodeIstioWarning, "", "Envoy filter: filter match has no effect when used with %v", applyTo)
		}
		if f.GetName() == "" {
			pp.rep.Errorf(fp, CodeIstioValidation, "", "Envoy filter: filter match has no name to match on")
			return true
		}
		if sf := f.GetSubFilter(); sf != nil {
			sp := yamltree.Join(fp, "subFilter")
			switch {
			case applyTo != networking.EnvoyFilter_HTTP_FILTER:
				pp.rep.Errorf(sp, CodeIstioValidation, "", "Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only")
				return true
			case !compat.IsHCMName(f.GetName()):
				pp.rep.Errorf(yamltree.Join(fp, "name"), CodeIstioValidation, "", "Envoy filter: subfilter match requires filter match with %s", compat.HTTPConnectionManager)
				return true
			case sf.GetName() == "":
				pp.rep.Errorf(sp, CodeIstioValidation, "", "Envoy filter: subfilter match has no name to match on")
				return true
			}
			matchName(pp, yamltree.Join(sp, "name"), compat.HTTPChain, sf.GetName())
		}
		matchName(pp, yamltree.Join(fp, "name"), compat.NetworkChain, f.GetName())
	case networking.EnvoyFilter_ROUTE_CONFIGURATION, networking.EnvoyFilter_VIRTUAL_HOST, networking.EnvoyFilter_HTTP_ROUTE:
		if match.GetRouteConfiguration() == nil {
			pp.rep.Errorf(mp, CodeIstioValidation, "", "Envoy filter: applyTo for http route class objects cannot have non route configuration match")
		}
	case networking.EnvoyFilter_CLUSTER:
		if match.GetCluster() == nil {
			pp.rep.Errorf(mp, CodeIstioValidation, "", "Envoy filter: applyTo for cluster class objects cannot have non cluster match")
		}
	}
	return true
}

// patchOperation: operations istiod ignores or that leave Envoy a broken chain.
func patchOperation(pp *patchPass) bool {
	op, applyTo := pp.op(), pp.cp.GetApplyTo()
	opPath := yamltree.Join(pp.path, "patch.operation")
	switch {
	case applyTo == networking.EnvoyFilter_EXTENSION_CONFIG && op != networking.EnvoyFilter_Patch_ADD:
		// extension_configuration_patch.go: `if p.Operation != EnvoyFilter_Patch_ADD { continue }`.
		pp.rep.Errorf(opPath, CodeExtensionOp, "", "EXTENSION_CONFIG takes only the ADD operation; istiod ignores %s", op)
	case applyTo == networking.EnvoyFilter_HTTP_FILTER && op == networking.EnvoyFilter_Patch_ADD:
		if name := member(pp.vv, "name"); name == nil || !compat.IsRouterName(name.Text) {
			pp.rep.Errorf(opPath, CodeHTTPFilterAdd, "use INSERT_BEFORE with match.listener.filterChain.filter.subFilter.name: "+compat.Router,
				"ADD on HTTP_FILTER appends the filter after the router, and Envoy rejects a listener whose HTTP filter chain does not end with the router")
		}
	case applyTo == networking.EnvoyFilter_HTTP_FILTER && (op == networking.EnvoyFilter_Patch_INSERT_BEFORE || op == networking.EnvoyFilter_Patch_INSERT_AFTER) &&
		pp.cp.GetMatch().GetListener().GetFilterChain().GetFilter().GetSubFilter().GetName() == "":
		pp.rep.Warnf(opPath, CodeInsertFirst, "match the filter to insert next to: match.listener.filterChain.filter.subFilter.name (e.g. "+compat.Router+")",
			"%s on HTTP_FILTER without a subFilter match inserts the filter first in the chain", op)
	}
	return true
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

// chainOf is the filter chain a patch value of applyTo is a filter of.
var chainOf = map[networking.EnvoyFilter_ApplyTo]compat.Chain{
	networking.EnvoyFilter_HTTP_FILTER:     compat.HTTPChain,
	networking.EnvoyFilter_NETWORK_FILTER:  compat.NetworkChain,
	networking.EnvoyFilter_LISTENER_FILTER: compat.ListenerChain,
}

// patchValueRules reads the patch value as the Envoy type its applyTo implies, with
// the parser of its consumer, and runs the Envoy rules over it.
func patchValueRules(pp *patchPass) bool {
	if pp.op() == networking.EnvoyFilter_Patch_REMOVE || pp.vv == nil {
		return true
	}
	applyTo := pp.cp.GetApplyTo()
	vp := pp.valuePath()
	m := valueType(applyTo)
	if m == nil {
		pp.rep.Errorf(vp, CodeIstioValidation, "", "Envoy filter: unknown object type for applyTo %s", applyTo)
		return true
	}
	x := pp.check(pp.vv, vp, m.ProtoReflect().Descriptor(), patchValue(pp.opts.Istio, pp.types))
	legacyNamedConfig(pp, applyTo, vp)
	if !pp.decode(x, part{pp.vv, vp}, m, CodeIstioValidation) {
		return true
	}
	legacy := pp.opts.Istio.Has(compat.LegacyNames)
	if chain, ok := chainOf[applyTo]; ok {
		if name := nameOf(m); name != "" {
			if nn, ok := compat.CanonicalName(chain, name); ok && !legacy {
				pp.rep.Warnf(yamltree.Join(vp, "name"), CodeDeprecatedName, "", "using deprecated filter name %q; use %q instead", name, nn)
			}
		}
	}
	w := &envoyWalk{p: pp.pass, envoy: pp.opts.Istio.Envoy(), istio: compat.Istio(pp.opts.Istio.Minor()),
		complete: pp.op() != networking.EnvoyFilter_Patch_MERGE, owner: pp.owner, ecds: applyTo == networking.EnvoyFilter_EXTENSION_CONFIG}
	var missing []string
	w.untyped = func(_, name string) { missing = append(missing, name) }
	w.check(m, vp)
	if len(missing) > 0 && !legacy {
		pp.rep.Warnf(vp, CodeIstioWarning, "", "using deprecated types by name without typed_config; %s", strings.Join(missing, ", "))
	}
	return true
}

// nameOf is the value of a message's "name" field, if it has one.
func nameOf(m proto.Message) string {
	fd := m.ProtoReflect().Descriptor().Fields().ByName("name")
	if fd == nil {
		return ""
	}
	return m.ProtoReflect().Get(fd).String()
}

// efDeprecatedFilters: spec.filters, the EnvoyFilter API of Istio 1.0–1.5, which
// istiod 1.5 still converts (pilot/pkg/networking/core/v1alpha3/envoyfilter
// deprecated.go) and 1.6 no longer has. Each entry becomes a filter found by its
// filterName, so a name the proxy does not register fails the listener.
func efDeprecatedFilters(e *efPass) {
	fs := yamltree.Field(yamltree.Field(e.root, "spec"), "filters")
	if fs == nil || !e.opts.Istio.Has(compat.DeprecatedFilters) {
		return
	}
	e.rep.Warnf("spec.filters", CodeOlderIstio, "rewrite it as configPatches (istio.io 1.4 EnvoyFilter reference)",
		"spec.filters is deprecated in Istio %s and gone from Istio %s: the filter stops applying on upgrade", e.opts.Istio, compat.DeprecatedFilters.Until())
	if fs.Kind != yaml.SequenceNode {
		return
	}
	for i, f := range fs.Content {
		name := yamltree.StringField(f, "filterName")
		if now, ok := compat.RemovedFilterName(e.opts.Istio, name); ok {
			e.rep.Errorf(yamltree.Join(yamltree.Index("spec.filters", i), "filterName"), CodeInvalidValue, fmt.Sprintf("use %s", now),
				"Istio %s's proxy registers no filter named %q (it is %q there): Envoy rejects the listener", e.opts.Istio, name, now)
		}
	}
}

// legacyNamedConfig: a v2 filter's untyped `config`, which the Istio 1.5–1.6
// proxies convert to the v2 message of the filter's name (translateOpaqueConfig,
// with the dynamic-config visitor: an unknown field is dropped with a warning) and
// then validate (protoc-gen-validate: a required oneof left empty fails the
// listener). istiod passes the Struct on unread.
func legacyNamedConfig(pp *patchPass, applyTo networking.EnvoyFilter_ApplyTo, vp string) {
	if pp.opts.Istio.Dialect() != compat.DialectLegacy || pp.op() == networking.EnvoyFilter_Patch_MERGE {
		return
	}
	var chain compat.V2Chain
	switch applyTo {
	case networking.EnvoyFilter_HTTP_FILTER:
		chain = compat.V2HTTP
	case networking.EnvoyFilter_NETWORK_FILTER:
		chain = compat.V2Network
	default:
		return
	}
	name, config := member(pp.vv, "name"), member(pp.vv, "config")
	if name == nil || name.Kind != yamltree.String || config == nil || config.Kind != yamltree.Object {
		return
	}
	target := compat.V2Config(chain, name.Text)
	if target == "" {
		return
	}
	mt, err := pp.types.FindMessageByName(protoreflect.FullName(target))
	if err != nil {
		return
	}
	parser := envoyLenient(&protocheck.Parser{Types: pp.types, TypedStruct: true, RequiredOneofs: true, NamedConfig: v2NamedConfig,
		Policy: func(is *protocheck.Issue) protocheck.Verdict {
			switch is.Class {
			case protocheck.UnknownField:
				is.Msg += fmt.Sprintf(": Istio %s's proxy drops it (dynamic configuration) and the setting does not apply", pp.opts.Istio)
				return protocheck.Verdict{Severity: diag.Warning, Code: CodeUnknownInTyped}
			case protocheck.Required:
				is.Msg += ": Envoy rejects the listener"
				return protocheck.Verdict{Severity: diag.Error, Code: CodePGV}
			}
			if vd, ok := typeVerdict(pp.opts.Istio, is); ok {
				return vd
			}
			return protocheck.Verdict{Severity: diag.Error, Code: CodeInvalidValue}
		}})
	pp.check(config, yamltree.Join(vp, "config"), mt.Descriptor(), parser)
}

// matchName: a filter name in a match, against the names istiod of the target
// release gives the filters it generates. istiod matches names exactly, except in
// 1.8–1.18, where a deprecated name also matches its current one (istio/istio
// pilot/pkg/networking/core/v1alpha3/envoyfilter listener_patch.go at 1.8.0; 1.9–1.18
// nameMatches; exact again from 1.19). istiod 1.5–1.7 names the filters it
// generates by their deprecated names, so there a current name never matches; from 1.19 a
// deprecated one never does. Either way the patch is skipped without a word.
func matchName(pp *patchPass, path string, chain compat.Chain, name string) {
	v := pp.opts.Istio
	// A WasmPlugin's filter is named by release (pilot/pkg/model/extensions.go:
	// the prefix changed in 1.21, 1.26 and 1.30); another release's spelling is a
	// filter that never exists.
	if ns, plugin, ok := compat.ParseWasmPluginFilterName(name); ok {
		if want := v.WasmPluginFilterName(ns, plugin); want != name {
			pp.rep.Errorf(path, CodeMatchName, fmt.Sprintf("match %q (wasmgen writes it for you with placement before/after: WasmPlugin/%s/%s)", want, ns, plugin),
				"istiod %s names the filter of WasmPlugin %s/%s %q: a match on %q never applies, and istiod skips the patch silently", v, ns, plugin, want, name)
		}
		return
	}
	if v.Has(compat.LegacyNames) {
		if old := compat.LegacyName(chain, name); old != name {
			pp.rep.Errorf(path, CodeMatchName, fmt.Sprintf("match %q, the name Istio %s's proxy has", old, v),
				"Istio %s names this filter %q: a match on %q never applies, and istiod skips the patch silently", v, old, name)
		}
		return
	}
	n, ok := compat.CanonicalNameAnyChain(name)
	if !ok {
		return
	}
	if !v.Has(compat.DeprecatedNameMatch) {
		pp.rep.Errorf(path, CodeMatchName, fmt.Sprintf("match %q", n),
			"istiod %s matches filter names exactly and names this filter %q: a match on the deprecated %q never applies, and istiod skips the patch silently", v, n, name)
		return
	}
	pp.rep.Warnf(path, CodeIstioWarning, fmt.Sprintf("the deprecated name matches up to Istio 1.%d; from Istio %s only the current one does", compat.DeprecatedNameMatch.Until().Minor()-1, compat.DeprecatedNameMatch.Until()),
		"using deprecated filter name %q; use %q instead", name, n)
}

// bootstrapPatch: applyTo BOOTSTRAP (istio/api from 1.11) reaches the proxy only
// through the istio-agent's bootstrap discovery, which is off unless
// BOOTSTRAP_XDS_AGENT=true and applies MERGE only (pilot/pkg/xds/bootstrapds.go at
// 1.19.0); Istio 1.21 removed it (istio/istio f6337a9d06d), so the patch is
// ignored there without a word.
func bootstrapPatch(pp *patchPass) bool {
	if pp.cp.GetApplyTo() != networking.EnvoyFilter_BOOTSTRAP {
		return true
	}
	v, at := pp.opts.Istio, yamltree.Join(pp.path, "applyTo")
	switch {
	case v.Minor() < int(compat.BootstrapPatches.Since()):
		pp.rep.Errorf(at, CodeIstioValidation, "use the proxy's bootstrap override (sidecar.istio.io/bootstrapOverride)",
			"applyTo BOOTSTRAP exists from Istio %s; istiod %s refuses the EnvoyFilter", compat.BootstrapPatches.Since(), v)
		return false
	case v.Minor() >= int(compat.BootstrapPatches.Until()):
		pp.rep.Errorf(at, CodeIgnoredPatch, "use the proxy's bootstrap override (sidecar.istio.io/bootstrapOverride, a ConfigMap with custom_bootstrap.json)",
			"Istio %s has no bootstrap discovery (removed in %s): a BOOTSTRAP patch is ignored", v, compat.BootstrapPatches.Until())
		return false
	case pp.op() != networking.EnvoyFilter_Patch_MERGE:
		pp.rep.Errorf(yamltree.Join(pp.path, "patch.operation"), CodeIgnoredPatch, "use MERGE",
			"istiod %s applies only MERGE to the bootstrap: %s is ignored", v, pp.op())
		return false
	}
	pp.rep.Warnf(at, CodeIstioWarning, "set BOOTSTRAP_XDS_AGENT=true on the proxies, or use sidecar.istio.io/bootstrapOverride",
		"a BOOTSTRAP patch reaches the proxy only through the istio-agent's bootstrap discovery, which Istio %s runs only with BOOTSTRAP_XDS_AGENT=true (off by default)", v)
	return true
}
