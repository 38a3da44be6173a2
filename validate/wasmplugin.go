package validate

import (
	"github.com/wasmgen/wasmgen/internal/chain"

	"fmt"
	"net/url"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
	yaml "go.yaml.in/yaml/v3"
	extensions "istio.io/api/extensions/v1alpha1"
	typev1beta1 "istio.io/api/type/v1beta1"

	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/google/go-containerregistry/pkg/name"
)

// wpPass is the check of one WasmPlugin.
type wpPass struct {
	*pass
	wp *extensions.WasmPlugin
}

// checkWasmPlugin checks an extensions.istio.io WasmPlugin with the rules and
// messages of Istio's ValidateWasmPlugin, reporting every problem rather than the
// first.
func checkWasmPlugin(p *pass) {
	root := p.root
	if root == nil || root.Kind != yaml.MappingNode {
		p.rep.Errorf("", CodeStructure, "", "WasmPlugin document is %s; expected a mapping", yamltree.Describe(root))
		return
	}
	header(p, "WasmPlugin", "extensions.istio.io/v1alpha1")
	spec := yamltree.Field(root, "spec")
	// The API server prunes a null spec (a null in a field not marked nullable is
	// dropped before validation), so istiod sees no url.
	if yamltree.IsNull(spec) {
		p.rep.Errorf("", CodeIstioValidation, "", "url field needs to be set")
		return
	}
	wp := &extensions.WasmPlugin{}
	p.types = typesFor(p.opts.Istio.Envoy())
	x := p.read(spec, "spec", wp.ProtoReflect().Descriptor(), istiodSpec(p.opts.Istio, p.types))
	if x == nil || x.v.Kind != yamltree.Object || !p.decode(x, part{x.v, "spec"}, wp, CodeIstioValidation) {
		return
	}
	w := &wpPass{pass: p, wp: wp}
	for _, r := range wasmPluginRules {
		r(w)
	}
	p.facts.wasmPlugin = &chain.WasmPlugin{Meta: meta(p), Spec: wp}
}

// wasmPluginRules run over each decoded WasmPlugin.
var wasmPluginRules = []func(*wpPass){
	olderWasmPlugin,
	wpSelection,
	wpAttachment,
	wpURL,
	wpImage,
	wpCRD,
	wpFields,
}

// olderWasmPlugin warns about what the target Istio's WasmPlugin does not have: its
// CRD drops or refuses the field, so the setting does not apply.
func olderWasmPlugin(c *wpPass) {
	wp := c.wp
	v := c.opts.Istio
	if !v.Has(compat.WasmPlugin) {
		c.rep.Warnf("", CodeOlderIstio, fmt.Sprintf("use an EnvoyFilter (wasmgen render --target istio), or target Istio %s or later", compat.WasmPlugin.Since()),
			"WasmPlugin exists from Istio %s; Istio %s does not know the kind", compat.WasmPlugin.Since(), v)
		return
	}
	older := func(path, field string, f compat.Feature, hint string) {
		c.rep.Warnf(path, CodeOlderIstio, hint, "WasmPlugin %s exists from Istio %s; Istio %s does not know it", field, f.Since(), v)
	}
	if wp.GetType() != extensions.PluginType_UNSPECIFIED_PLUGIN_TYPE && !v.Has(compat.PluginType) {
		older("spec.type", "type", compat.PluginType, fmt.Sprintf("drop it: before Istio %s every WasmPlugin is an HTTP filter", compat.PluginType.Since()))
	}
	if wp.GetTargetRef() != nil && !v.Has(compat.TargetRef) {
		older("spec.targetRef", "targetRef", compat.TargetRef, "select the workloads with selector.matchLabels")
	}
	if len(wp.GetTargetRefs()) > 0 && !v.Has(compat.TargetRefs) {
		hint := "select the workloads with selector.matchLabels"
		if v.Has(compat.TargetRef) {
			hint = fmt.Sprintf("use the single targetRef on Istio %s–1.%d", compat.TargetRef.Since(), compat.TargetRefs.Since().Minor()-1)
		}
		older("spec.targetRefs", "targetRefs", compat.TargetRefs, hint)
	}
	if wp.GetFailStrategy() == extensions.FailStrategy_FAIL_RELOAD && !v.Has(compat.FailReload) {
		older("spec.failStrategy", "failStrategy FAIL_RELOAD", compat.FailReload, "use FAIL_CLOSE or FAIL_OPEN")
	}
}

// wpSelection: one of selector, targetRef or targetRefs, and their rules.
func wpSelection(c *wpPass) {
	wp := c.wp
	set := 0
	if wp.GetSelector() != nil {
		set++
	}
	if wp.GetTargetRef() != nil {
		set++
	}
	if len(wp.GetTargetRefs()) > 0 {
		set++
	}
	if set > 1 {
		// 1.20–1.21 have the single targetRef only, and say so (validation.go
		// validateOneOfSelectorType at 1.21.0 and 1.22.0).
		field, path := "targetRefs", "spec.targetRefs"
		if !c.opts.Istio.Has(compat.TargetRefs) {
			field = "targetRef"
		}
		if len(wp.GetTargetRefs()) == 0 {
			path = "spec.targetRef"
		}
		c.rep.Errorf(path, CodeIstioValidation, "", "only one of %s or workloadSelector can be set", field)
	}
	if sel := wp.GetSelector(); sel != nil {
		selectorLabels(c.pass, sel.GetMatchLabels(), "spec.selector.matchLabels")
		if len(sel.GetMatchLabels()) == 0 {
			c.rep.Warnf("spec.selector", CodeIstioWarning, "", "workload selector specified without labels")
		}
	}
	// A field the release does not know is dropped (olderWasmPlugin says so).
	if r := wp.GetTargetRef(); r != nil && c.opts.Istio.Has(compat.TargetRef) {
		targetRef(c.pass, r, "spec.targetRef")
	}
	for i, r := range wp.GetTargetRefs() {
		if !c.opts.Istio.Has(compat.TargetRefs) {
			break
		}
		targetRef(c.pass, r, yamltree.Index("spec.targetRefs", i))
	}
}

// wpFields: ValidateWasmPlugin's field rules.
func wpFields(c *wpPass) {
	wp := c.wp
	moduleFields(c.pass, "spec", wp.GetSha256(), wp.GetImagePullSecret(), wp.GetPluginName(), "255", wp.GetVmConfig())
	for i, sel := range wp.GetMatch() {
		for j, port := range sel.GetPorts() {
			if n := port.GetNumber(); n <= 0 || n > 65535 {
				c.rep.Errorf(yamltree.Index(yamltree.Join(yamltree.Index("spec.match", i), "ports"), j), CodeIstioValidation, "",
					"spec.Match[%d].Ports[%d] is out of range: %d", i, j, n)
			}
		}
	}
}

// moduleFields are the module rules istiod applies to a WasmPlugin and to a
// TrafficExtension's wasm (validateWasmPluginSHA, the pull secret and plugin name
// lengths, validateWasmPluginVMConfig; base is the path of the object holding
// them). The plugin name limit is worded "less than 255" for WasmPlugin and "less
// than 256" for TrafficExtension (validateWasmConfigName), both for > 256.
func moduleFields(c *pass, base, sha, pullSecret, pluginName, nameLimit string, vm *extensions.VmConfig) {
	if sha != "" {
		if len(sha) != 64 {
			c.rep.Errorf(yamltree.Join(base, "sha256"), CodeIstioValidation, "", "sha256 field must be 64 characters long")
		} else if strings.Trim(sha, "0123456789abcdef") != "" {
			c.rep.Errorf(yamltree.Join(base, "sha256"), CodeIstioValidation, "", "sha256 field must match [a-f0-9]{64} pattern")
		}
	}
	if len(pullSecret) > 253 {
		c.rep.Errorf(yamltree.Join(base, "imagePullSecret"), CodeIstioValidation, "", "imagePullSecret field must be less than 253 characters long")
	}
	if len(pluginName) > 256 {
		c.rep.Errorf(yamltree.Join(base, "pluginName"), CodeIstioValidation, "", "pluginName field must be less than %s characters long", nameLimit)
	}
	seen := map[string]bool{}
	for i, env := range vm.GetEnv() {
		p := yamltree.Index(yamltree.Join(base, "vmConfig.env"), i)
		switch {
		case env.GetName() == "":
			c.rep.Errorf(p, CodeIstioValidation, "", "spec.vmConfig.env invalid")
		case len(env.GetName()) > 256:
			c.rep.Errorf(yamltree.Join(p, "name"), CodeIstioValidation, "", "env.name field must be less than 255 characters long")
		case seen[env.GetName()]:
			c.rep.Errorf(yamltree.Join(p, "name"), CodeIstioValidation, "", "duplicate env")
		}
		seen[env.GetName()] = true
		if env.GetValueFrom() != extensions.EnvValueSource_INLINE && env.GetValue() != "" {
			c.rep.Errorf(yamltree.Join(p, "value"), CodeIstioValidation, "", "value may only be set when valueFrom is INLINE")
		}
	}
}

// targetRef is istiod's validatePolicyTargetReference of the target release:
// 1.20–1.21 admit a Gateway only, with their own message; from 1.22 the
// allowedTargetRefs of the release (pkg/config/validation/validation.go at each tag).
func targetRef(c *pass, r *typev1beta1.PolicyTargetReference, p string) {
	v := c.opts.Istio
	if r.GetName() == "" {
		c.rep.Errorf(p, CodeIstioValidation, "", "targetRef name must be set")
	}
	if r.GetNamespace() != "" {
		msg := "targetRef namespace must not be set; cross namespace referencing is not supported"
		if !v.Has(compat.TargetRefNamespaceCRD) {
			msg = "targetRef namespace must not be set"
		}
		c.rep.Errorf(yamltree.Join(p, "namespace"), CodeIstioValidation, "put the WasmPlugin in the target's namespace", "%s", msg)
	}
	if !v.Has(compat.TargetRefs) {
		if r.GetGroup() != compat.GatewayAPIGroup || r.GetKind() != "Gateway" {
			c.rep.Errorf(yamltree.Join(p, "kind"), CodeIstioValidation, fmt.Sprintf("other kinds need Istio %s or later", compat.TargetRefs.Since()),
				"targetRef Group and/or Kind don't match; expected: [Group: %s, Kind: Gateway], got: [Group: %s, Kind: %s]", compat.GatewayAPIGroup, r.GetGroup(), r.GetKind())
		}
		return
	}
	t, ok := compat.IstioTargetOf(r.GetGroup(), r.GetKind())
	if !ok || !v.Has(t.Since) {
		hint := ""
		if ok {
			hint = fmt.Sprintf("a %s target needs Istio %s or later", t.Kind, t.Since.Since())
		}
		c.rep.Errorf(yamltree.Join(p, "kind"), CodeIstioValidation, hint, "targetRef must be to one of [%s] but was %s/%s", strings.Join(v.AllowedTargetRefs(), " "), r.GetGroup(), r.GetKind())
	}
}

// wpAttachment: targets istiod admits but never attaches (pilot/pkg/model/
// policyattachment.go ShouldAttachPolicy; listener_waypoint.go and extensions.go
// for what a waypoint's chains match), and the CRD's count limit.
func wpAttachment(c *wpPass) {
	wp := c.wp
	var match []trafficSelector
	for _, m := range wp.GetMatch() {
		match = append(match, m)
	}
	attachment(c.pass, wp.GetTargetRef(), wp.GetTargetRefs(), match, wp.GetType() == extensions.PluginType_NETWORK, "WasmPlugin")
}

// trafficSelector is a WasmPlugin's or a TrafficExtension's match entry.
type trafficSelector interface {
	GetMode() typev1beta1.WorkloadMode
	GetPorts() []*typev1beta1.PortSelector
}

// attachment is wpAttachment's rules over a policy's targets and match (kind names
// the policy in hints).
func attachment(c *pass, one *typev1beta1.PolicyTargetReference, many []*typev1beta1.PolicyTargetReference, match []trafficSelector, network bool, kind string) {
	v := c.opts.Istio
	var refs []*typev1beta1.PolicyTargetReference
	switch {
	case len(many) > 0 && v.Has(compat.TargetRefs):
		refs = many
	case one != nil && v.Has(compat.TargetRef):
		refs = []*typev1beta1.PolicyTargetReference{one}
	}
	if len(many) > compat.MaxTargetRefs && v.Has(compat.TargetRefsCRDRules) {
		c.rep.Errorf(yamltree.Index("spec.targetRefs", compat.MaxTargetRefs), CodeCRD, "split the "+kind+" in two",
			"spec.targetRefs: Too many: %d: must have at most %d items", len(many), compat.MaxTargetRefs)
	}
	path := func(i int) string {
		if one != nil && len(many) == 0 {
			return "spec.targetRef"
		}
		return yamltree.Index("spec.targetRefs", i)
	}
	ns := yamltree.StringField(yamltree.Field(c.root, "metadata"), "namespace")
	waypointOnly := len(refs) > 0
	for i, r := range refs {
		t, ok := compat.IstioTargetOf(r.GetGroup(), r.GetKind())
		if !ok || !v.Has(t.Since) {
			waypointOnly = false
			continue
		}
		waypointOnly = waypointOnly && t.WaypointOnly
		if t.Kind != "GatewayClass" {
			continue
		}
		if r.GetName() != compat.WaypointGatewayClass {
			c.rep.Errorf(yamltree.Join(path(i), "name"), CodeNeverAttached, "name: "+compat.WaypointGatewayClass+" (every waypoint of the mesh), or target one Gateway",
				"GatewayClass %q is never matched: istiod attaches a GatewayClass policy only for the class %s", r.GetName(), compat.WaypointGatewayClass)
		}
		if ns != "" && ns != c.opts.rootNamespace() {
			c.rep.Errorf("metadata.namespace", CodeNeverAttached, fmt.Sprintf("put the %s in the mesh's root namespace %s (meshConfig.rootNamespace)", kind, c.opts.rootNamespace()),
				"a GatewayClass policy applies only from the mesh's root namespace (%s); istiod ignores it in namespace %s", c.opts.rootNamespace(), ns)
		}
	}
	if !waypointOnly {
		return
	}
	// Every target attaches on waypoints only: a waypoint's HTTP chains look
	// plugins up as SidecarInbound (mode SERVER) without a port.
	for i, m := range match {
		p := yamltree.Index("spec.match", i)
		if m.GetMode() == typev1beta1.WorkloadMode_CLIENT {
			c.rep.Errorf(yamltree.Join(p, "mode"), CodeNeverAttached, "remove match (or use SERVER)",
				"mode CLIENT never matches on a waypoint: istiod looks a waypoint's plugins up as server-side (inbound)")
		}
		if len(m.GetPorts()) > 0 && !network {
			c.rep.Errorf(yamltree.Join(p, "ports"), CodeNeverAttached, "remove ports",
				"match.ports never matches on a waypoint: its HTTP chains look plugins up without a port")
		}
	}
}

// wpURL: the module URL as istiod parses it.
func wpURL(c *wpPass) { moduleURL(c.pass, "spec", c.wp.GetUrl(), c.wp.GetSha256()) }

// moduleURL is istiod's validateWasmPluginURL of a WasmPlugin's or a
// TrafficExtension's module (base is the path of the object holding url).
func moduleURL(c *pass, base, raw, sha string) {
	at := yamltree.Join(base, "url")
	if raw == "" {
		c.rep.Errorf(base, CodeIstioValidation, "", "url field needs to be set")
		return
	}
	u, err := strictParseURL(raw)
	if err != nil {
		c.rep.Errorf(at, CodeIstioValidation, "", "%v", err)
		return
	}
	switch u.Scheme {
	case "", "file", "http", "https", "oci":
	default:
		c.rep.Errorf(at, CodeIstioValidation, "", "url contains unsupported scheme: %s", u.Scheme)
		return
	}
	if (u.Scheme == "http" || u.Scheme == "https") && strings.Contains(raw, "://") && sha == "" {
		c.rep.Warnf(at, CodeWasmPluginNoSHA, "add "+yamltree.Join(base, "sha256")+" (sha256sum of the .wasm file)",
			"module is fetched over %s without sha256, so the proxy cannot verify what it downloads", u.Scheme)
	}
}

// wpImage: the url as the istio-agent reads it. istiod gives a url without a scheme
// oci:// (pilot/pkg/model/extensions.go), and the agent parses an oci:// url's
// rest with go-containerregistry's name.ParseReference (pkg/wasm/imagefetcher.go);
// a reference it refuses is never fetched, and the proxy never gets the filter
// (istiod's webhook only runs url.Parse, so it admits it).
func wpImage(c *wpPass) { moduleImage(c.pass, "spec", c.wp.GetUrl()) }

func moduleImage(c *pass, base, raw string) {
	if raw == "" {
		return
	}
	ref, ok := strings.CutPrefix(raw, "oci://")
	if !ok && strings.Contains(raw, "://") {
		return
	}
	if _, err := name.ParseReference(ref); err != nil {
		c.rep.Errorf(yamltree.Join(base, "url"), CodeWasmPluginImage, "replace it with the module image's [registry/]repository[:tag][@sha256:digest] (lower case; `wasmgen package --push` prints it)",
			"the istio-agent cannot parse %q as an image reference (%v), so it never fetches the module and the proxy never gets the filter", ref, err)
	}
}

// wpCRD: the structural rules of the WasmPlugin CRD of the target Istio, which the
// API server applies before istiod sees the resource; messages as the API server
// words them.
func wpCRD(c *wpPass) {
	if !c.opts.Istio.Has(compat.WasmPluginCRDRules) {
		return
	}
	spec := yamltree.Field(c.root, "spec")
	for _, f := range []string{"imagePullSecret", "pluginName"} {
		if v := yamltree.Field(spec, f); v != nil && v.Kind == yaml.ScalarNode && v.Value == "" && v.ShortTag() == "!!str" {
			c.rep.Errorf("spec."+f, CodeCRD, "remove the field, or set it", "spec.%s: Invalid value: \"\": spec.%s in body should be at least 1 chars long", f, f)
		}
	}
}

// strictParseURL parses as istiod does: a request URI, else the same with http://.
func strictParseURL(orig string) (*url.URL, error) {
	u, err := url.ParseRequestURI(orig)
	if err != nil {
		nu, nerr := url.ParseRequestURI("http://" + orig)
		if nerr != nil {
			return nil, fmt.Errorf("failed to parse url: %s", err)
		}
		if _, err := url.Parse("http://" + orig); err != nil {
			return nil, fmt.Errorf("failed to strict parse url: %s", err)
		}
		return nu, nil
	}
	if _, err := url.Parse(orig); err != nil {
		return nil, fmt.Errorf("failed to strict parse url: %s", err)
	}
	return u, nil
}
