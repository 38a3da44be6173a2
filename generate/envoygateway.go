package generate

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
)

// Envoy Gateway's EnvoyExtensionPolicy, as the few fields of envoyproxy/gateway's
// api/v1alpha1 (envoyextensionypolicy_types.go, wasm_types.go, policy_helpers.go;
// Gateway API's LocalPolicyTargetReferenceWithSectionName) that wasmgen sets, with
// their JSON names and omitempty rules. envoyproxy/gateway itself is not linked: it
// brings controller-runtime and the Kubernetes client into every wasmgen process.
// envoygateway_test.go checks each emitted policy against the CRD of each Envoy
// Gateway release.

// EnvoyExtensionPolicy API version and kind.
const (
	EnvoyExtensionPolicyAPIVersion = "gateway.envoyproxy.io/v1alpha1"
	KindEnvoyExtensionPolicy       = "EnvoyExtensionPolicy"
)

// EnvoyExtensionPolicy attaches Wasm extensions to Gateway API objects.
type EnvoyExtensionPolicy struct {
	APIVersion string                   `json:"apiVersion"`
	Kind       string                   `json:"kind"`
	Metadata   ObjectMeta               `json:"metadata"`
	Spec       EnvoyExtensionPolicySpec `json:"spec"`
}

// EnvoyExtensionPolicySpec is the policy's targets and its Wasm extensions, run in
// list order.
type EnvoyExtensionPolicySpec struct {
	TargetRefs []PolicyTargetReference `json:"targetRefs,omitempty"`
	Wasm       []EGWasm                `json:"wasm,omitempty"`
}

// PolicyTargetReference is Gateway API's LocalPolicyTargetReferenceWithSectionName:
// a Gateway, route or ListenerSet of the policy's namespace (it has no namespace).
type PolicyTargetReference struct {
	Group       string `json:"group"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	SectionName string `json:"sectionName,omitempty"`
}

// EGWasm is one Wasm extension (api/v1alpha1 Wasm). Envoy Gateway runs it on v8,
// in a VM of its own.
type EGWasm struct {
	Name     string          `json:"name,omitempty"`
	RootID   string          `json:"rootID,omitempty"`
	Code     WasmCodeSource  `json:"code"`
	Config   json.RawMessage `json:"config,omitempty"`
	FailOpen *bool           `json:"failOpen,omitempty"`
	Env      *WasmEnv        `json:"env,omitempty"`
}

// WasmCodeSource is where Envoy Gateway fetches the module (it downloads it into
// its own cache and serves it to Envoy: internal/wasm).
type WasmCodeSource struct {
	Type  string           `json:"type"`
	HTTP  *HTTPWasmSource  `json:"http,omitempty"`
	Image *ImageWasmSource `json:"image,omitempty"`
}

// Code source types (api/v1alpha1 WasmCodeSourceType).
const (
	WasmCodeHTTP  = "HTTP"
	WasmCodeImage = "Image"
)

// HTTPWasmSource is a module at an http(s) URL; sha256 is the .wasm's.
type HTTPWasmSource struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256,omitempty"`
}

// ImageWasmSource is a module in an OCI image; sha256 is the image's manifest
// digest, not the .wasm's: "It must match the digest of the OCI image"
// (api/v1alpha1/wasm_types.go; internal/wasm/cache.go compares it with the digest
// the image fetcher returns).
type ImageWasmSource struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256,omitempty"`
	// PullSecretRef is a Secret of the policy's namespace with registry
	// credentials (.dockerconfigjson); group and kind default to "" and Secret.
	PullSecretRef *SecretObjectReference `json:"pullSecretRef,omitempty"`
}

// SecretObjectReference is Gateway API's SecretObjectReference, by name.
type SecretObjectReference struct {
	Name string `json:"name"`
}

// WasmEnv passes host environment variables into the VM (Envoy Gateway v1.3+).
type WasmEnv struct {
	HostKeys []string `json:"hostKeys,omitempty"`
}

// egTargetKinds are the kinds wasmgen targets for Envoy Gateway: those whose
// listeners are HTTP. The CRD also admits TCPRoute, UDPRoute and TLSRoute, but the
// translator adds Wasm only as an HTTP filter (internal/xds/translator/wasm.go), so
// a policy on them runs nothing.
var egTargetKinds = []string{"Gateway", "HTTPRoute", "GRPCRoute", "ListenerSet"}

// envoyGatewayStep emits the filter as an EnvoyExtensionPolicy.
func envoyGatewayStep(b *build) []Object {
	s := &b.f.Spec
	v := b.opts.EnvoyGateway
	fail := func(path, hint, format string, args ...any) {
		b.rep.Errorf(path, CodeEnvoyGateway, hint, format, args...)
	}
	ok := true
	if s.Type == "network" {
		fail("spec.type", "use --target istio or wasmplugin for a network filter",
			"Envoy Gateway runs Wasm as HTTP filters only: an EnvoyExtensionPolicy has no network filter")
		ok = false
	}
	if len(s.TargetRefs) == 0 {
		fail(at(b, "spec.selector", "metadata.name"), "set spec.targetRefs to the Gateway or route, e.g. [{kind: HTTPRoute, name: backend}]",
			"an EnvoyExtensionPolicy attaches to Gateway API objects by targetRefs; it has no workload selector")
		ok = false
	}
	if len(s.Ports) > 0 {
		fail("spec.ports", "target one listener with targetRefs[].sectionName (Envoy Gateway v1.6+)",
			"an EnvoyExtensionPolicy has no port match")
		ok = false
	}
	switch s.Context {
	case "gateway", "any":
	default:
		if !b.in.Doc.Has("spec.context") {
			break // defaulted from a kind, which is reported below
		}
		fail("spec.context", "remove context, or set context: gateway",
			"an EnvoyExtensionPolicy runs in the gateway's Envoy; context %s does not exist there", s.Context)
		ok = false
	}
	if s.Runtime != "v8" {
		fail("spec.runtime", "remove runtime", "Envoy Gateway runs every Wasm extension on v8; runtime %s cannot be chosen", s.Runtime)
		ok = false
	}
	p := s.Placement
	if (b.in.Doc.Has("spec.placement") && (p.Phase != "" || p.First || p.After != "" || (p.Before != "" && p.Before != compat.Router))) || s.Priority != nil {
		b.rep.Warnf("spec.placement", CodeEnvoyGateway, "order filters with EnvoyProxy.spec.filterOrder, or remove placement and priority",
			"an EnvoyExtensionPolicy cannot place its Wasm extensions: Envoy Gateway puts them after its authentication, ext_proc and Lua filters and before RBAC and rate limiting (internal/xds/translator/httpfilters.go)")
	}
	var refs []PolicyTargetReference
	for i, r := range s.TargetRefs {
		path := fmt.Sprintf("spec.targetRefs[%d]", i)
		switch {
		case !contains(egTargetKinds, r.Kind):
			fail(path+".kind", "target a Gateway, HTTPRoute or GRPCRoute", "Envoy Gateway does not attach an EnvoyExtensionPolicy to a %s; it targets %s", r.Kind, strings.Join(egTargetKinds, ", "))
			ok = false
			continue
		case r.Kind == "ListenerSet" && !v.Has(compat.EGListenerSet):
			b.rep.Errorf(path+".kind", CodeEGVersion, fmt.Sprintf("render for --envoy-gateway-version %s or later", egSince(compat.EGListenerSet)),
				"this policy can only have a targetRefs[*].kind of %s (a ListenerSet target needs Envoy Gateway %s; this render is for %s)", strings.Join(v.EGTargetKinds(), "/"), compat.EGListenerSet.Since.String(), v)
			ok = false
		case r.SectionName != "" && !v.Has(compat.EGSectionName):
			b.rep.Errorf(path+".sectionName", CodeEGVersion, fmt.Sprintf("render for --envoy-gateway-version %s or later, or remove sectionName", egSince(compat.EGSectionName)),
				"this policy does not yet support the sectionName field (Envoy Gateway %s; sectionName needs %s)", v, compat.EGSectionName.Since.String())
			ok = false
		}
		refs = append(refs, PolicyTargetReference{Group: r.Group, Kind: r.Kind, Name: r.Name, SectionName: r.SectionName})
	}
	w := EGWasm{Name: b.f.Metadata.Name, RootID: s.RootID}
	if code, cok := b.egCode(); cok {
		w.Code = code
	} else {
		ok = false
	}
	if c := b.in.Configuration; c != nil {
		if b.in.ConfigIsBytes || !json.Valid(c) {
			fail(at(b, "spec.config", "spec.configSchema.encoding"), "give config as a YAML/JSON object, and encoding json or canonical",
				"Envoy Gateway passes config to the plugin as the JSON text of a JSON value; this configuration is not JSON")
			ok = false
		} else {
			w.Config = json.RawMessage(c)
		}
	}
	if s.FailStrategy == "open" {
		t := true
		w.FailOpen = &t
	}
	for i, e := range s.Env {
		path := fmt.Sprintf("spec.env[%d]", i)
		switch {
		case !e.FromHost:
			fail(path, "take the value from the gateway's environment (fromHost: true), or put it in config",
				"Envoy Gateway passes host environment variables only (env.hostKeys); a literal value cannot be set")
			ok = false
		case !v.Has(compat.EGWasmEnv):
			b.rep.Errorf(path, CodeEGVersion, fmt.Sprintf("render for --envoy-gateway-version %s or later", egSince(compat.EGWasmEnv)),
				"wasm env.hostKeys exists from Envoy Gateway %s; this render is for %s", compat.EGWasmEnv.Since.String(), v)
			ok = false
		default:
			if w.Env == nil {
				w.Env = &WasmEnv{}
			}
			w.Env.HostKeys = append(w.Env.HostKeys, e.Name)
		}
	}
	if !ok {
		return nil
	}
	m := b.f.Metadata
	pol := &EnvoyExtensionPolicy{
		APIVersion: EnvoyExtensionPolicyAPIVersion, Kind: KindEnvoyExtensionPolicy,
		Metadata: ObjectMeta{Name: m.Name, Namespace: m.Namespace, Labels: m.Labels},
		Spec:     EnvoyExtensionPolicySpec{TargetRefs: refs, Wasm: []EGWasm{w}},
	}
	return []Object{{APIVersion: EnvoyExtensionPolicyAPIVersion, Kind: KindEnvoyExtensionPolicy, Name: m.Name, Namespace: m.Namespace,
		FileName: fileName(KindEnvoyExtensionPolicy, m.Name, "yaml"), Body: pol, Source: b.in.Doc}}
}

// egCode is the module as Envoy Gateway fetches it: an image (sha256 = the
// reference's manifest digest) or an http(s) URL (sha256 = the .wasm's). It has no
// local source (envoyproxy/gateway#9448).
func (b *build) egCode() (WasmCodeSource, bool) {
	m := b.f.Spec.Module
	switch {
	case m.Image != "":
		ref := strings.TrimPrefix(m.Image, "oci://")
		img := &ImageWasmSource{URL: ref}
		if _, digest, ok := strings.Cut(ref, "@sha256:"); ok {
			img.SHA256 = digest
			if m.SHA256 != "" && m.SHA256 != digest {
				b.rep.Errorf("spec.module.sha256", CodeEGSHA256, "remove module.sha256: the image reference's digest is what Envoy Gateway checks",
					"Envoy Gateway compares an image's sha256 with its OCI manifest digest, which the reference gives as %s; module.sha256 %s is not it (the .wasm's own sha256 is not what is compared)", digest, m.SHA256)
				return WasmCodeSource{}, false
			}
		} else if m.SHA256 != "" {
			b.rep.Errorf("spec.module.sha256", CodeEGSHA256, "reference the image by digest (wasmgen package --push REF --pin SPEC, or render --resolve) and remove module.sha256",
				"Envoy Gateway compares an image's sha256 with its OCI manifest digest, not with the .wasm's; wasmgen takes it from an @sha256: reference")
			return WasmCodeSource{}, false
		}
		if m.PullSecret != "" {
			img.PullSecretRef = &SecretObjectReference{Name: m.PullSecret}
		}
		return WasmCodeSource{Type: WasmCodeImage, Image: img}, true
	case m.URL != "":
		u, err := url.Parse(m.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			b.rep.Errorf("spec.module.url", CodeEnvoyGateway, "publish the module as an image or serve it over https",
				"Envoy Gateway fetches modules over http(s) or from an image; it cannot load a file from the proxy (envoyproxy/gateway#9448)")
			return WasmCodeSource{}, false
		}
		return WasmCodeSource{Type: WasmCodeHTTP, HTTP: &HTTPWasmSource{URL: m.URL, SHA256: b.in.ModuleSHA256}}, true
	}
	b.rep.Errorf("spec.module.path", CodeEnvoyGateway, "publish the module as an image (wasmgen package FILE.wasm --push REF --pin SPEC) or serve it over https",
		"Envoy Gateway has no local Wasm source (envoyproxy/gateway#9448): it fetches the module over http(s) or from an image itself")
	return WasmCodeSource{}, false
}

// egSince is a release for --envoy-gateway-version ("1.6").
func egSince(f compat.GatewayFeature) string { return strings.TrimPrefix(f.Since.String(), "v") }

// at is path when the spec has it, else fallback.
func at(b *build, path, fallback string) string {
	if b.in.Doc.Has(path) {
		return path
	}
	return fallback
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
