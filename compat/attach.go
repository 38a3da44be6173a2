package compat

import (
	"fmt"
	"strconv"
	"strings"
)

// Gateway API and ambient names istiod keys attachment on.
const (
	// GatewayAPIGroup is the Gateway API's group.
	GatewayAPIGroup = "gateway.networking.k8s.io"
	// GatewayNameLabel is the label istiod puts on the pods of a Gateway API gateway
	// (and of a waypoint), naming the Gateway; a pod without it is no Gateway API
	// gateway (pilot/pkg/model/policyattachment.go workloadGatewayName).
	GatewayNameLabel = "gateway.networking.k8s.io/gateway-name"
	// LegacyGatewayNameLabel is the label the pods of a Gateway API gateway carried
	// before 1.21 (pilot/pkg/config/kube/gateway/templates/deployment.yaml at 1.13.0
	// through files/kube-gateway.yaml at 1.20.0); istiod calls it
	// DeprecatedGatewayNameLabel from 1.21 (pkg/config/constants/constants.go).
	LegacyGatewayNameLabel = "istio.io/gateway-name"
	// WaypointGatewayClass is the only GatewayClass a policy may target
	// (pkg/config/constants WaypointGatewayClassName; policyattachment.go).
	WaypointGatewayClass = "istio-waypoint"
	// DefaultRootNamespace is meshConfig.rootNamespace's default, where a
	// GatewayClass-targeted policy must live.
	DefaultRootNamespace = "istio-system"
	// MaxTargetRefs is the CRDs' maxItems on targetRefs (Istio from 1.24, Envoy
	// Gateway's EnvoyExtensionPolicy wasm list too).
	MaxTargetRefs = 16
)

// GatewayPodLabels are the gateway-name labels istiod puts on the pods it deploys
// for Gateway name in release v: the new label from 1.21, the old one up to 1.23.
func GatewayPodLabels(v Istio, name string) map[string]string {
	l := map[string]string{}
	if v.Has(GatewayNameLabelK8s) {
		l[GatewayNameLabel] = name
	}
	if v.Has(LegacyGatewayNamePods) {
		l[LegacyGatewayNameLabel] = name
	}
	return l
}

// GatewayNameLabelFor is the label that names the Gateway on the pods istiod
// deploys for it in release v: what an EnvoyFilter's workloadSelector selects a
// Gateway API gateway by.
func GatewayNameLabelFor(v Istio) string {
	if v.Has(GatewayNameLabelK8s) {
		return GatewayNameLabel
	}
	return LegacyGatewayNameLabel
}

// IstioTarget is a kind an Istio policy may target, as istiod's webhook lists it
// (allowedTargetRefs), from the release that admits it.
type IstioTarget struct {
	Group, Kind string
	Since       Feature
	// WaypointOnly: istiod attaches it on waypoints only (ShouldAttachPolicy).
	WaypointOnly bool
}

// IstioTargets are the kinds istiod's webhook admits, in its order.
var IstioTargets = []IstioTarget{
	{"", "Service", TargetRefService, true},
	{"networking.istio.io", "ServiceEntry", TargetRefServiceEntry, true},
	{GatewayAPIGroup, "Gateway", TargetRef, false},
	{GatewayAPIGroup, "GatewayClass", TargetRefGatewayClass, true},
}

// gatewayAPIV1 is the release whose istiod knows the Gateway API kinds at v1
// (pkg/config/schema/gvk: v1beta1 through 1.28.0, v1 at 1.29.0).
const gatewayAPIV1 Istio = 29

// AllowedTargetRefs is istiod's allowedTargetRefs of release v as its webhook
// prints them (GroupVersionKind.String(): CanonicalGroup/Version/Kind), for the
// message "targetRef must be to one of %v but was %s/%s" (from 1.22).
func (v Istio) AllowedTargetRefs() []string {
	var out []string
	for _, t := range IstioTargets {
		if !v.Has(t.Since) || (t.Kind != "Gateway" && !v.Has(TargetRefs)) {
			continue
		}
		g, ver := t.Group, "v1"
		switch {
		case g == "":
			g = "core"
		case g == GatewayAPIGroup && v.Minor() < int(gatewayAPIV1):
			ver = "v1beta1"
		}
		out = append(out, g+"/"+ver+"/"+t.Kind)
	}
	return out
}

// IstioTargetOf is the target entry of a group and kind ("" and "core" are one).
func IstioTargetOf(group, kind string) (IstioTarget, bool) {
	if group == "core" {
		group = ""
	}
	for _, t := range IstioTargets {
		if t.Group == group && t.Kind == kind {
			return t, true
		}
	}
	return IstioTarget{}, false
}

// ParseWasmPluginFilterName reads a WasmPlugin filter name of any release's
// prefixed spelling (Istio.WasmPluginFilterName, 1.21 on) back into the plugin's namespace and name; the bare
// "ns.name" of 1.20 and before is any filter's name and is not read.
func ParseWasmPluginFilterName(filter string) (ns, name string, ok bool) {
	for _, prefix := range []string{"extenstions.istio.io/wasmplugin/", "extensions.istio.io/wasmplugin/", "extensions.istio.io/trafficextension/"} {
		rest, found := strings.CutPrefix(filter, prefix)
		if !found {
			continue
		}
		rest, synthetic := strings.CutSuffix(rest, "~istio-translated-wasmplugin")
		if prefix == "extensions.istio.io/trafficextension/" && !synthetic {
			return "", "", false // a TrafficExtension's own filter, not a WasmPlugin's
		}
		ns, name, ok = strings.Cut(rest, ".")
		return ns, name, ok && ns != "" && name != ""
	}
	return "", "", false
}

// EnvoyGateway is an Envoy Gateway release line 1.N by its minor number; the zero
// value is the newest wasmgen knows.
type EnvoyGateway int

const (
	// NewestEnvoyGateway is the newest Envoy Gateway wasmgen knows (v1.9.0, 2026-08).
	NewestEnvoyGateway EnvoyGateway = 9
	// OldestEnvoyGateway is the first with EnvoyExtensionPolicy (v1.1.0;
	// envoyproxy/gateway#2570): v1.0 has no Wasm API.
	OldestEnvoyGateway EnvoyGateway = 1
)

// Minor is the minor number, the zero value read as the newest.
func (v EnvoyGateway) Minor() int {
	if v == 0 {
		return int(NewestEnvoyGateway)
	}
	return int(v)
}

// String prints "v1.N", as Envoy Gateway tags its releases.
func (v EnvoyGateway) String() string { return "v1." + strconv.Itoa(v.Minor()) }

// Known clamps a release newer than wasmgen knows to the newest it knows.
func (v EnvoyGateway) Known() (EnvoyGateway, bool) {
	if v.Minor() > int(NewestEnvoyGateway) {
		return NewestEnvoyGateway, true
	}
	return v, false
}

// ParseEnvoyGateway reads "1.6", "v1.6.2" or "1.9.0-rc.1".
func ParseEnvoyGateway(s string) (EnvoyGateway, error) {
	minor, ok := parseMinor(s)
	if !ok {
		return 0, fmt.Errorf("invalid Envoy Gateway version %q; expected 1.MINOR such as 1.3 or %s", s, strings.TrimPrefix(NewestEnvoyGateway.String(), "v"))
	}
	if minor < int(OldestEnvoyGateway) {
		return 0, fmt.Errorf("Envoy Gateway %s is not supported; EnvoyExtensionPolicy (its Wasm API) exists from %s on", s, OldestEnvoyGateway)
	}
	return EnvoyGateway(minor), nil
}

// GatewayFeature is something Envoy Gateway releases from Since on have.
type GatewayFeature struct {
	Name   string
	Since  EnvoyGateway
	Source string
}

// Has reports whether this release has f.
func (v EnvoyGateway) Has(f GatewayFeature) bool { return v.Minor() >= int(f.Since) }

// Envoy Gateway thresholds, read in envoyproxy/gateway's api/v1alpha1 and the
// EnvoyExtensionPolicy CRD (charts/gateway-helm/.../gateway.envoyproxy.io_
// envoyextensionpolicies.yaml) at each release tag.
var (
	// EGWasmEnv: wasm[].env.hostKeys, v1.3.0 (envoyproxy/gateway#4470).
	EGWasmEnv = GatewayFeature{Name: "wasm env.hostKeys", Since: 3, Source: "envoyproxy/gateway#4470; CRD at v1.3.0"}
	// EGSectionName: the CRD refused targetRefs[].sectionName ("this policy does not
	// yet support the sectionName field") until v1.6.0 (envoyproxy/gateway#6611).
	EGSectionName = GatewayFeature{Name: "targetRefs sectionName", Since: 6, Source: "envoyproxy/gateway#6611; CRD at v1.5.0 and v1.6.0"}
	// EGListenerSet: targetRefs kind ListenerSet, v1.9.0 (envoyproxy/gateway#9425).
	EGListenerSet = GatewayFeature{Name: "targetRefs kind ListenerSet", Since: 9, Source: "envoyproxy/gateway#9425"}
)

// EGTargetKinds are the kinds an EnvoyExtensionPolicy's CEL admits (all of group
// gateway.networking.k8s.io), in its order; ListenerSet from v1.9.
func (v EnvoyGateway) EGTargetKinds() []string {
	if v.Has(EGListenerSet) {
		return []string{"Gateway", "ListenerSet", "HTTPRoute", "GRPCRoute", "TCPRoute", "UDPRoute", "TLSRoute"}
	}
	return []string{"Gateway", "HTTPRoute", "GRPCRoute", "TCPRoute", "UDPRoute", "TLSRoute"}
}
