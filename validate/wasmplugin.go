package validate

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"
	extensions "istio.io/api/extensions/v1alpha1"
	typev1beta1 "istio.io/api/type/v1beta1"

	"github.com/wasmgen/wasmgen/yamltree"
)

// CodeWasmPluginNoSHA: an http(s) module without sha256 is run unverified.
const CodeWasmPluginNoSHA = "WG7070"

// allowedTargetRefs are the kinds a WasmPlugin may target, printed as Istio prints them.
var allowedTargetRefs = []struct{ group, kind, print string }{
	{"core", "Service", "core/v1/Service"},
	{"networking.istio.io", "ServiceEntry", "networking.istio.io/v1/ServiceEntry"},
	{"gateway.networking.k8s.io", "Gateway", "gateway.networking.k8s.io/v1/Gateway"},
	{"gateway.networking.k8s.io", "GatewayClass", "gateway.networking.k8s.io/v1/GatewayClass"},
}

// WasmPlugin checks an extensions.istio.io WasmPlugin with the rules and messages of
// Istio's ValidateWasmPlugin, reporting every problem rather than the first.
func WasmPlugin(file string, doc *yaml.Node, opts Options) diag.List {
	c := NewChecker(opts)
	root := yamltree.Deref(doc)
	ix := newPosIndex(file, root)
	if root == nil || root.Kind != yaml.MappingNode {
		c.errorf(ix, "", CodeStructure, "WasmPlugin document is %s; expected a mapping", describeNode(root))
		return c.Finish()
	}
	c.header(ix, root, "WasmPlugin", "extensions.istio.io/v1alpha1")
	spec := yamltree.Field(root, "spec")
	if spec == nil {
		c.errorf(ix, "", CodeIstioValidation, "url field needs to be set")
		return c.Finish()
	}
	w := newWalker(ix, &c.l, opts.Istio, func(bool) (diag.Severity, string) { return diag.Error, CodeUnknownField })
	wp := &extensions.WasmPlugin{}
	w.message(wp.ProtoReflect().Descriptor(), spec, "spec", false, 0)
	if spec.Kind != yaml.MappingNode || !decodeInto(ix, &c.l, w.bad, spec, "spec", wp, CodeIstioValidation) {
		return c.Finish()
	}
	c.wasmPlugin(ix, wp)
	return c.Finish()
}

// olderWasmPlugin warns about what the target Istio's WasmPlugin does not have: its
// CRD drops or refuses the field, so the setting does not apply.
func (c *Checker) olderWasmPlugin(ix *posIndex, wp *extensions.WasmPlugin) {
	v := c.opts.Istio
	if !v.Has(compat.WasmPlugin) {
		c.warnf(ix, "", CodeOlderIstio, fmt.Sprintf("use an EnvoyFilter (wasmgen render --target istio), or target Istio %s or later", compat.WasmPlugin.Since()),
			"WasmPlugin exists from Istio %s; Istio %s does not know the kind", compat.WasmPlugin.Since(), v)
		return
	}
	older := func(path, field string, f compat.Feature, hint string) {
		c.warnf(ix, path, CodeOlderIstio, hint, "WasmPlugin %s exists from Istio %s; Istio %s does not know it", field, f.Since(), v)
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

func (c *Checker) wasmPlugin(ix *posIndex, wp *extensions.WasmPlugin) {
	c.olderWasmPlugin(ix, wp)
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
		c.errorf(ix, "spec.targetRefs", CodeIstioValidation, "only one of targetRefs or workloadSelector can be set")
	}
	if sel := wp.GetSelector(); sel != nil {
		keys := make([]string, 0, len(sel.GetMatchLabels()))
		for k := range sel.GetMatchLabels() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := sel.GetMatchLabels()[k]
			p := yamltree.Join("spec.selector.matchLabels", k)
			if k == "" {
				c.errorf(ix, p, CodeIstioValidation, "empty key is not supported in selector: %q", k+"="+v)
			}
			if strings.Contains(k, "*") || strings.Contains(v, "*") {
				c.errorf(ix, p, CodeIstioValidation, "wildcard is not supported in selector: %q", k+"="+v)
			}
		}
		if len(keys) == 0 {
			c.warnf(ix, "spec.selector", CodeIstioWarning, "", "workload selector specified without labels")
		}
	}
	if r := wp.GetTargetRef(); r != nil {
		c.targetRef(ix, r, "spec.targetRef")
	}
	for i, r := range wp.GetTargetRefs() {
		c.targetRef(ix, r, yamltree.Index("spec.targetRefs", i))
	}
	c.pluginURL(ix, wp)
	if s := wp.GetSha256(); s != "" {
		if len(s) != 64 {
			c.errorf(ix, "spec.sha256", CodeIstioValidation, "sha256 field must be 64 characters long")
		} else if strings.Trim(s, "0123456789abcdef") != "" {
			c.errorf(ix, "spec.sha256", CodeIstioValidation, "sha256 field must match [a-f0-9]{64} pattern")
		}
	}
	if len(wp.GetImagePullSecret()) > 253 {
		c.errorf(ix, "spec.imagePullSecret", CodeIstioValidation, "imagePullSecret field must be less than 253 characters long")
	}
	if len(wp.GetPluginName()) > 256 {
		c.errorf(ix, "spec.pluginName", CodeIstioValidation, "pluginName field must be less than 255 characters long")
	}
	seen := map[string]bool{}
	for i, env := range wp.GetVmConfig().GetEnv() {
		p := yamltree.Index("spec.vmConfig.env", i)
		switch {
		case env.GetName() == "":
			c.errorf(ix, p, CodeIstioValidation, "spec.vmConfig.env invalid")
		case len(env.GetName()) > 256:
			c.errorf(ix, yamltree.Join(p, "name"), CodeIstioValidation, "env.name field must be less than 255 characters long")
		case seen[env.GetName()]:
			c.errorf(ix, yamltree.Join(p, "name"), CodeIstioValidation, "duplicate env")
		}
		seen[env.GetName()] = true
		if env.GetValueFrom() != extensions.EnvValueSource_INLINE && env.GetValue() != "" {
			c.errorf(ix, yamltree.Join(p, "value"), CodeIstioValidation, "value may only be set when valueFrom is INLINE")
		}
	}
	for i, sel := range wp.GetMatch() {
		for j, port := range sel.GetPorts() {
			if n := port.GetNumber(); n <= 0 || n > 65535 {
				c.errorf(ix, yamltree.Index(yamltree.Join(yamltree.Index("spec.match", i), "ports"), j), CodeIstioValidation,
					"spec.Match[%d].Ports[%d] is out of range: %d", i, j, n)
			}
		}
	}
}

func (c *Checker) targetRef(ix *posIndex, r *typev1beta1.PolicyTargetReference, p string) {
	if r.GetName() == "" {
		c.errorf(ix, p, CodeIstioValidation, "targetRef name must be set")
	}
	if r.GetNamespace() != "" {
		c.errorf(ix, yamltree.Join(p, "namespace"), CodeIstioValidation, "targetRef namespace must not be set; cross namespace referencing is not supported")
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
		c.errorf(ix, yamltree.Join(p, "kind"), CodeIstioValidation, "targetRef must be to one of [%s] but was %s/%s", strings.Join(prints, " "), r.GetGroup(), r.GetKind())
	}
}

func (c *Checker) pluginURL(ix *posIndex, wp *extensions.WasmPlugin) {
	raw := wp.GetUrl()
	if raw == "" {
		c.errorf(ix, "spec", CodeIstioValidation, "url field needs to be set")
		return
	}
	u, err := strictParseURL(raw)
	if err != nil {
		c.errorf(ix, "spec.url", CodeIstioValidation, "%v", err)
		return
	}
	switch u.Scheme {
	case "", "file", "http", "https", "oci":
	default:
		c.errorf(ix, "spec.url", CodeIstioValidation, "url contains unsupported scheme: %s", u.Scheme)
		return
	}
	if (u.Scheme == "http" || u.Scheme == "https") && strings.Contains(raw, "://") && wp.GetSha256() == "" {
		c.warnf(ix, "spec.url", CodeWasmPluginNoSHA, "add spec.sha256 (sha256sum of the .wasm file)",
			"module is fetched over %s without sha256, so the proxy cannot verify what it downloads", u.Scheme)
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
