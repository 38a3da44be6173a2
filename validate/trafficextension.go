package validate

import (
	yaml "go.yaml.in/yaml/v3"
	extensions "istio.io/api/extensions/v1alpha1"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/internal/chain"
	"github.com/wasmgen/wasmgen/yamltree"
)

// checkTrafficExtension checks an extensions.istio.io TrafficExtension (Istio 1.30+)
// with the rules and messages of istiod's ValidateTrafficExtension
// (pkg/config/validation/validation.go at 1.30.0) and its CRD's CEL
// (manifests/charts/base/files/crd-all.gen.yaml at 1.30.0), plus the targets it
// admits but never attaches (shared with WasmPlugin).
func checkTrafficExtension(p *pass) {
	root := p.root
	if root == nil || root.Kind != yaml.MappingNode {
		p.rep.Errorf("", CodeStructure, "", "TrafficExtension document is %s; expected a mapping", yamltree.Describe(root))
		return
	}
	header(p, "TrafficExtension", "extensions.istio.io/v1alpha1")
	v := p.opts.Istio
	if !v.Has(compat.TrafficExtension) {
		p.rep.Errorf("kind", CodeResource, "use a WasmPlugin (wasmgen render --target wasmplugin), or check against Istio "+compat.TrafficExtension.Since().String()+" or later",
			"extensions.istio.io has no kind \"TrafficExtension\" before Istio %s (kubectl apply fails: no matches for kind); this check is for Istio %s", compat.TrafficExtension.Since(), v)
		return
	}
	spec := yamltree.Field(root, "spec")
	if yamltree.IsNull(spec) {
		p.rep.Errorf("", CodeIstioValidation, "", "exactly one of wasm or lua must be set")
		return
	}
	te := &extensions.TrafficExtension{}
	p.types = typesFor(v.Envoy())
	x := p.read(spec, "spec", te.ProtoReflect().Descriptor(), istiodSpec(v, p.types))
	if x == nil || x.v.Kind != yamltree.Object || !p.decode(x, part{x.v, "spec"}, te, CodeIstioValidation) {
		return
	}
	plugin := chain.TrafficExtensionPlugin(meta(p), te)
	p.facts.wasmPlugin = &plugin
	wasm, lua := te.GetWasm(), te.GetLua()
	if (wasm == nil) == (lua == nil) {
		p.rep.Errorf("spec", CodeIstioValidation, "set spec.wasm (a Wasm module) or spec.lua (inline Lua), not both", "exactly one of wasm or lua must be set")
	}
	if te.GetSelector() != nil && len(te.GetTargetRefs()) > 0 {
		p.rep.Errorf("spec.targetRefs", CodeIstioValidation, "", "only one of targetRefs or workloadSelector can be set")
	}
	if sel := te.GetSelector(); sel != nil {
		selectorLabels(p, sel.GetMatchLabels(), "spec.selector.matchLabels")
		if len(sel.GetMatchLabels()) == 0 {
			p.rep.Warnf("spec.selector", CodeIstioWarning, "", "workload selector specified without labels")
		}
	}
	for i, r := range te.GetTargetRefs() {
		targetRef(p, r, yamltree.Index("spec.targetRefs", i))
	}
	var match []trafficSelector
	for i, m := range te.GetMatch() {
		match = append(match, m)
		for j, port := range m.GetPorts() {
			if n := port.GetNumber(); n <= 0 || n > 65535 {
				p.rep.Errorf(yamltree.Index(yamltree.Join(yamltree.Index("spec.match", i), "ports"), j), CodeIstioValidation, "",
					"spec.Match[%d].Ports[%d] is out of range: %d", i, j, n)
			}
		}
	}
	attachment(p, nil, te.GetTargetRefs(), match, wasm.GetType() == extensions.PluginType_NETWORK, "TrafficExtension")
	if lua != nil {
		switch n := len(lua.GetInlineCode()); {
		case n == 0:
			p.rep.Errorf("spec.lua", CodeIstioValidation, "", "lua.inlineCode cannot be empty")
		case n > 65536:
			p.rep.Errorf("spec.lua.inlineCode", CodeIstioValidation, "", "lua.inlineCode exceeds maximum size of 64KB")
		}
	}
	if wasm == nil {
		return
	}
	moduleURL(p, "spec.wasm", wasm.GetUrl(), wasm.GetSha256())
	moduleImage(p, "spec.wasm", wasm.GetUrl())
	moduleFields(p, "spec.wasm", wasm.GetSha256(), wasm.GetImagePullSecret(), wasm.GetPluginName(), "256", wasm.GetVmConfig())
}
