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

// allowedTargetRefs are the kinds a WasmPlugin may target, printed as Istio prints them.
var allowedTargetRefs = []struct{ group, kind, print string }{
	{"core", "Service", "core/v1/Service"},
	{"networking.istio.io", "ServiceEntry", "networking.istio.io/v1/ServiceEntry"},
	{"gateway.networking.k8s.io", "Gateway", "gateway.networking.k8s.io/v1/Gateway"},
	{"gateway.networking.k8s.io", "GatewayClass", "gateway.networking.k8s.io/v1/GatewayClass"},
}

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
		c.rep.Errorf("spec.targetRefs", CodeIstioValidation, "", "only one of targetRefs or workloadSelector can be set")
	}
	if sel := wp.GetSelector(); sel != nil {
		selectorLabels(c.pass, sel.GetMatchLabels(), "spec.selector.matchLabels")
		if len(sel.GetMatchLabels()) == 0 {
			c.rep.Warnf("spec.selector", CodeIstioWarning, "", "workload selector specified without labels")
		}
	}
	if r := wp.GetTargetRef(); r != nil {
		targetRef(c, r, "spec.targetRef")
	}
	for i, r := range wp.GetTargetRefs() {
		targetRef(c, r, yamltree.Index("spec.targetRefs", i))
	}
}

// wpFields: ValidateWasmPlugin's field rules.
func wpFields(c *wpPass) {
	wp := c.wp
	if s := wp.GetSha256(); s != "" {
		if len(s) != 64 {
			c.rep.Errorf("spec.sha256", CodeIstioValidation, "", "sha256 field must be 64 characters long")
		} else if strings.Trim(s, "0123456789abcdef") != "" {
			c.rep.Errorf("spec.sha256", CodeIstioValidation, "", "sha256 field must match [a-f0-9]{64} pattern")
		}
	}
	if len(wp.GetImagePullSecret()) > 253 {
		c.rep.Errorf("spec.imagePullSecret", CodeIstioValidation, "", "imagePullSecret field must be less than 253 characters long")
	}
	if len(wp.GetPluginName()) > 256 {
		c.rep.Errorf("spec.pluginName", CodeIstioValidation, "", "pluginName field must be less than 255 characters long")
	}
	seen := map[string]bool{}
	for i, env := range wp.GetVmConfig().GetEnv() {
		p := yamltree.Index("spec.vmConfig.env", i)
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
	for i, sel := range wp.GetMatch() {
		for j, port := range sel.GetPorts() {
			if n := port.GetNumber(); n <= 0 || n > 65535 {
				c.rep.Errorf(yamltree.Index(yamltree.Join(yamltree.Index("spec.match", i), "ports"), j), CodeIstioValidation, "",
					"spec.Match[%d].Ports[%d] is out of range: %d", i, j, n)
			}
		}
	}
}

func targetRef(c *wpPass, r *typev1beta1.PolicyTargetReference, p string) {
	if r.GetName() == "" {
		c.rep.Errorf(p, CodeIstioValidation, "", "targetRef name must be set")
	}
	if r.GetNamespace() != "" {
		c.rep.Errorf(yamltree.Join(p, "namespace"), CodeIstioValidation, "", "targetRef namespace must not be set; cross namespace referencing is not supported")
	}
	group := r.GetGroup()
	if group == "" {
		group = "core"
	}
	var prints []string
	ok := false
	for _, a := range allowedTargetRefs {
		prints = append(prints, a.print)
		ok = ok || (a.group == group && a.kind == r.GetKind())
	}
	if !ok {
		c.rep.Errorf(yamltree.Join(p, "kind"), CodeIstioValidation, "", "targetRef must be to one of [%s] but was %s/%s", strings.Join(prints, " "), r.GetGroup(), r.GetKind())
	}
}

// wpURL: the module URL as istiod parses it.
func wpURL(c *wpPass) {
	wp := c.wp
	raw := wp.GetUrl()
	if raw == "" {
		c.rep.Errorf("spec", CodeIstioValidation, "", "url field needs to be set")
		return
	}
	u, err := strictParseURL(raw)
	if err != nil {
		c.rep.Errorf("spec.url", CodeIstioValidation, "", "%v", err)
		return
	}
	switch u.Scheme {
	case "", "file", "http", "https", "oci":
	default:
		c.rep.Errorf("spec.url", CodeIstioValidation, "", "url contains unsupported scheme: %s", u.Scheme)
		return
	}
	if (u.Scheme == "http" || u.Scheme == "https") && strings.Contains(raw, "://") && wp.GetSha256() == "" {
		c.rep.Warnf("spec.url", CodeWasmPluginNoSHA, "add spec.sha256 (sha256sum of the .wasm file)",
			"module is fetched over %s without sha256, so the proxy cannot verify what it downloads", u.Scheme)
	}
}

// wpImage: the url as the istio-agent reads it. istiod gives a url without a scheme
// oci:// (pilot/pkg/model/extensions.go), and the agent parses an oci:// url's
// rest with go-containerregistry's name.ParseReference (pkg/wasm/imagefetcher.go);
// a reference it refuses is never fetched, and the proxy never gets the filter
// (istiod's webhook only runs url.Parse, so it admits it).
func wpImage(c *wpPass) {
	raw := c.wp.GetUrl()
	if raw == "" {
		return
	}
	ref, ok := strings.CutPrefix(raw, "oci://")
	if !ok && strings.Contains(raw, "://") {
		return
	}
	if _, err := name.ParseReference(ref); err != nil {
		c.rep.Errorf("spec.url", CodeWasmPluginImage, "replace it with the module image's [registry/]repository[:tag][@sha256:digest] (lower case; `wasmgen package --push` prints it)",
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
