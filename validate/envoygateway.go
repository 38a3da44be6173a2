package validate

import (
	"fmt"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/internal/chain"
	"github.com/wasmgen/wasmgen/yamltree"
)

// Envoy Gateway's EnvoyExtensionPolicy (gateway.envoyproxy.io/v1alpha1): the rules
// of its CRD that a Wasm policy meets (the structural schema and CEL of
// api/v1alpha1/envoyextensionypolicy_types.go and wasm_types.go at each release;
// the messages are the CRD's), and what Envoy Gateway's translator never runs
// (internal/gatewayapi/envoyextensionpolicy.go, internal/xds/translator/wasm.go).
// Only the targets and the wasm list are read: extProc, lua and dynamicModule are
// other extensions, left to Envoy Gateway.

// egRouteKinds are the target kinds whose listeners are not HTTP: the CRD admits
// them, but the translator adds Wasm as an HTTP filter only.
var egRouteKinds = []string{"TCPRoute", "UDPRoute", "TLSRoute"}

// checkEnvoyExtensionPolicy checks one EnvoyExtensionPolicy.
func checkEnvoyExtensionPolicy(p *pass) {
	root := p.root
	if root == nil || root.Kind != yaml.MappingNode {
		p.rep.Errorf("", CodeStructure, "", "EnvoyExtensionPolicy document is %s; expected a mapping", yamltree.Describe(root))
		return
	}
	header(p, "EnvoyExtensionPolicy", "gateway.envoyproxy.io/v1alpha1")
	spec := yamltree.Field(root, "spec")
	if spec == nil || spec.Kind != yaml.MappingNode {
		p.rep.Errorf("", CodeCRD, "set spec.targetRefs and spec.wasm", "spec: Required value")
		return
	}
	v := p.opts.EnvoyGateway
	ref, refs, sels := yamltree.Field(spec, "targetRef"), yamltree.Field(spec, "targetRefs"), yamltree.Field(spec, "targetSelectors")
	if !((ref != nil) != (refs != nil) || (sels != nil && sels.Kind == yaml.SequenceNode && len(sels.Content) > 0)) {
		p.rep.Errorf("spec", CodeCRD, "set one of targetRef (deprecated) or targetRefs", "either targetRef or targetRefs must be used")
	}
	kinds := v.EGTargetKinds()
	var targets []*yaml.Node
	var paths []string
	field := map[string]string{}
	if ref != nil {
		targets, paths = append(targets, ref), append(paths, "spec.targetRef")
		field["spec.targetRef"] = "targetRef"
	}
	if refs != nil && refs.Kind == yaml.SequenceNode {
		for i, r := range refs.Content {
			pth := yamltree.Index("spec.targetRefs", i)
			targets, paths = append(targets, r), append(paths, pth)
			field[pth] = "targetRefs[*]"
		}
	}
	httpTarget := false
	for i, t := range targets {
		pth := paths[i]
		if g := yamltree.StringField(t, "group"); g != compat.GatewayAPIGroup {
			p.rep.Errorf(yamltree.Join(pth, "group"), CodeCRD, "group: "+compat.GatewayAPIGroup,
				"this policy can only have a %s.group of %s", field[pth], compat.GatewayAPIGroup)
		}
		k := yamltree.StringField(t, "kind")
		if !slices.Contains(kinds, k) {
			hint := ""
			if k == "ListenerSet" {
				hint = "a ListenerSet target needs Envoy Gateway v1.9 or later"
			}
			p.rep.Errorf(yamltree.Join(pth, "kind"), CodeCRD, hint, "this policy can only have a %s.kind of %s", field[pth], strings.Join(kinds, "/"))
		} else if !slices.Contains(egRouteKinds, k) {
			httpTarget = true
		}
		if yamltree.Field(t, "sectionName") != nil && !v.Has(compat.EGSectionName) {
			p.rep.Errorf(yamltree.Join(pth, "sectionName"), CodeCRD, fmt.Sprintf("remove sectionName, or target Envoy Gateway %s or later", compat.EGSectionName.Since),
				"this policy does not yet support the sectionName field")
		}
	}
	wasm := yamltree.Field(spec, "wasm")
	if wasm == nil || wasm.Kind != yaml.SequenceNode {
		return
	}
	eep := &chain.ExtensionPolicy{Meta: meta(p), Wasm: len(wasm.Content)}
	for _, t := range targets {
		eep.Targets = append(eep.Targets, chain.ExtensionTarget{Kind: yamltree.StringField(t, "kind"), Name: yamltree.StringField(t, "name"), SectionName: yamltree.StringField(t, "sectionName")})
	}
	p.facts.extensionPolicy = eep
	if len(targets) > 0 && !httpTarget && len(wasm.Content) > 0 {
		p.rep.Errorf("spec.wasm", CodeEGNeverRuns, "target the Gateway, HTTPRoute or GRPCRoute the traffic passes",
			"the Wasm extensions never run: Envoy Gateway adds Wasm as an HTTP filter only, and every target is a %s", strings.Join(egRouteKinds, ", "))
	}
	if n := len(wasm.Content); n > compat.MaxTargetRefs {
		p.rep.Errorf(yamltree.Index("spec.wasm", compat.MaxTargetRefs), CodeCRD, "split the policy",
			"spec.wasm: Too many: %d: must have at most %d items", n, compat.MaxTargetRefs)
	}
	for i, w := range wasm.Content {
		egWasm(p, w, yamltree.Index("spec.wasm", i))
	}
}

// egWasm checks one wasm entry.
func egWasm(p *pass, w *yaml.Node, pth string) {
	v := p.opts.EnvoyGateway
	code := yamltree.Field(w, "code")
	if code == nil {
		p.rep.Errorf(pth, CodeCRD, "set code: {type: Image, image: {url: REF}} or {type: HTTP, http: {url: URL, sha256: HEX}}", "%s.code: Required value", pth)
		return
	}
	cp := yamltree.Join(pth, "code")
	typ := yamltree.StringField(code, "type")
	switch typ {
	case "HTTP", "Image":
	case "":
		p.rep.Errorf(cp, CodeCRD, "type: Image or HTTP", "%s.type: Required value", cp)
	default:
		p.rep.Errorf(yamltree.Join(cp, "type"), CodeCRD, "type: Image or HTTP", `%s.type: Unsupported value: %q: supported values: "HTTP", "Image"`, cp, typ)
	}
	// The CRD's CEL on WasmCodeSource: each source field exactly with its type.
	for _, s := range []struct{ typ, field string }{{"HTTP", "http"}, {"Image", "image"}} {
		if (typ == s.typ) != (yamltree.Field(code, s.field) != nil) {
			p.rep.Errorf(cp, CodeCRD, fmt.Sprintf("with type %s set %s, and only it", s.typ, s.field), "If type is %s, %s field needs to be set.", s.typ, s.field)
		}
	}
	for _, f := range []string{"http", "image"} {
		src := yamltree.Field(code, f)
		if src == nil {
			continue
		}
		sp := yamltree.Join(cp, f)
		if yamltree.StringField(src, "url") == "" {
			p.rep.Errorf(sp, CodeCRD, "", "%s.url: Required value", sp)
		}
		// Envoy Gateway compares sha256 with the downloaded file's (HTTP) or the
		// image's manifest digest (Image) and fails the extension when they differ
		// (internal/wasm/cache.go); the CRD does not check the form (the pattern in
		// wasm_types.go is not a kubebuilder marker), so a malformed one is only
		// found when it never matches.
		if s := yamltree.StringField(src, "sha256"); s != "" && (len(s) != 64 || strings.Trim(s, "0123456789abcdef") != "") {
			what := "the sha256 of the .wasm file"
			if f == "image" {
				what = "the image's OCI manifest digest (the hex after @sha256: of its digest reference)"
			}
			p.rep.Errorf(yamltree.Join(sp, "sha256"), CodeEGNeverRuns, "give "+what,
				"sha256 %q is not 64 lowercase hex digits, so it never matches what Envoy Gateway computes: the extension fails to load", s)
		}
		if ps := yamltree.Field(src, "pullSecretRef"); ps != nil {
			if k := yamltree.StringField(ps, "kind"); k != "" && k != "Secret" {
				p.rep.Errorf(yamltree.Join(yamltree.Join(sp, "pullSecretRef"), "kind"), CodeCRD, "kind: Secret", "only support Secret kind.")
			}
		}
	}
	if env := yamltree.Field(w, "env"); env != nil && !v.Has(compat.EGWasmEnv) {
		p.rep.Warnf(yamltree.Join(pth, "env"), CodeOlderEG, fmt.Sprintf("drop it, or target Envoy Gateway %s or later", compat.EGWasmEnv.Since),
			"wasm env exists from Envoy Gateway %s; the %s CRD prunes it, so the variables are not passed", compat.EGWasmEnv.Since, v)
	}
}
