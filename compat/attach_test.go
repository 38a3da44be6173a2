package compat

import (
	"strings"
	"testing"
)

// TestAllowedTargetRefs: istiod's allowedTargetRefs as its webhook prints them, at
// the release tags where the list changed (pkg/config/validation/validation.go at
// 1.22.0, 1.24.0, 1.25.0; gvk versions from pkg/config/schema/gvk at 1.28.0, 1.29.0).
func TestAllowedTargetRefs(t *testing.T) {
	for _, tt := range []struct {
		v    Istio
		want string
	}{
		{20, "gateway.networking.k8s.io/v1beta1/Gateway"},
		{22, "core/v1/Service gateway.networking.k8s.io/v1beta1/Gateway"},
		{24, "core/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1beta1/Gateway"},
		{28, "core/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1beta1/Gateway gateway.networking.k8s.io/v1beta1/GatewayClass"},
		{29, "core/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass"},
	} {
		if got := strings.Join(tt.v.AllowedTargetRefs(), " "); got != tt.want {
			t.Errorf("Istio %s: %s, want %s", tt.v, got, tt.want)
		}
	}
	if _, ok := IstioTargetOf("core", "Service"); !ok {
		t.Error("core/Service is Service")
	}
	if _, ok := IstioTargetOf("gateway.networking.k8s.io", "HTTPRoute"); ok {
		t.Error("HTTPRoute is no Istio target")
	}
}

// TestParseWasmPluginFilterName: every release's prefixed name reads back.
func TestParseWasmPluginFilterName(t *testing.T) {
	for _, v := range []Istio{21, 25, 26, 29, 30} {
		n := v.WasmPluginFilterName("ns", "p")
		if ns, name, ok := ParseWasmPluginFilterName(n); ns != "ns" || name != "p" || !ok {
			t.Errorf("ParseWasmPluginFilterName(%q) = %q, %q, %v", n, ns, name, ok)
		}
	}
}

func TestParseWasmPluginFilterNameOthers(t *testing.T) {
	for _, n := range []string{"ns.p", "envoy.filters.http.wasm", "extensions.istio.io/trafficextension/ns.lua", "extensions.istio.io/wasmplugin/nodot"} {
		if _, _, ok := ParseWasmPluginFilterName(n); ok {
			t.Errorf("%q read as a WasmPlugin's filter", n)
		}
	}
}

func TestGatewayNameLabelFor(t *testing.T) {
	if GatewayNameLabelFor(20) != "istio.io/gateway-name" || GatewayNameLabelFor(21) != "gateway.networking.k8s.io/gateway-name" || GatewayNameLabelFor(0) != GatewayNameLabel {
		t.Error("gateway-name label by release")
	}
}

// TestEnvoyGateway: the releases and thresholds read in envoyproxy/gateway's
// EnvoyExtensionPolicy CRD at each tag (hostKeys appears at v1.3.0; the sectionName
// refusal is there at v1.5.0 and gone at v1.6.0; ListenerSet first at v1.9.0).
func TestEnvoyGateway(t *testing.T) {
	for _, tt := range []struct {
		f             GatewayFeature
		without, with EnvoyGateway
	}{
		{EGWasmEnv, 2, 3},
		{EGSectionName, 5, 6},
		{EGListenerSet, 8, 9},
	} {
		if tt.without.Has(tt.f) || !tt.with.Has(tt.f) || tt.f.Since != tt.with || tt.f.Source == "" {
			t.Errorf("%s: %s has it or %s lacks it", tt.f.Name, tt.without, tt.with)
		}
	}
	for in, want := range map[string]string{"1.6": "v1.6", "v1.3.2": "v1.3", "1.9.0-rc.1": "v1.9"} {
		v, err := ParseEnvoyGateway(in)
		if err != nil || v.String() != want {
			t.Errorf("ParseEnvoyGateway(%q) = %v, %v; want %s", in, v, err, want)
		}
	}
	for _, in := range []string{"1.0", "2", "x"} {
		if _, err := ParseEnvoyGateway(in); err == nil {
			t.Errorf("ParseEnvoyGateway(%q): no error", in)
		}
	}
	if k, newer := EnvoyGateway(12).Known(); !newer || k != NewestEnvoyGateway {
		t.Error("Known clamps")
	}
	if strings.Contains(strings.Join(EnvoyGateway(8).EGTargetKinds(), ","), "ListenerSet") || !strings.Contains(strings.Join(EnvoyGateway(9).EGTargetKinds(), ","), "ListenerSet") {
		t.Error("EGTargetKinds")
	}
}

// FuzzParseEnvoyGateway: any input is read or refused, never a panic; what is
// read prints as a release that reads back the same, and names a release with
// EnvoyExtensionPolicy.
func FuzzParseEnvoyGateway(f *testing.F) {
	for _, s := range []string{"1.6", "v1.3.2", "1.9.0-rc.1", "1.0", "", "v", "1.", "2.1", "1.99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseEnvoyGateway(s)
		if err != nil {
			return
		}
		if v.Minor() < int(OldestEnvoyGateway) {
			t.Fatalf("%q read as %s, older than %s", s, v, OldestEnvoyGateway)
		}
		back, err := ParseEnvoyGateway(v.String())
		if err != nil || back != v {
			t.Fatalf("%q -> %s -> %v, %v", s, v, back, err)
		}
	})
}
