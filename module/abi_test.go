package module

import (
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/compat"
)

// wasme's runtime-config ABI names, as its images carry them.
const (
	wasme097b = "v0-097b7f2e4cc1fb490cc1943d0d633655ac3c522f"
	wasme4689 = "v0-4689a30309abf31aee9ae36e73d34b1bb182685f"
	wasmeEdc0 = "v0-edc016b1fa5adca3ebd3d7020eaed0ad7b8814ca" // Gloo 1.5 only
	wasme021  = "v0.2.1"
)

func TestCheckABI(t *testing.T) {
	tests := []struct {
		abi   []string
		minor compat.Istio
		ok    bool
		msg   string
	}{
		{[]string{ABI010}, 5, true, ""},
		{[]string{ABI010}, 24, true, ""},
		{[]string{ABI020}, 6, false, "Istio 1.6's proxy does not speak (it speaks proxy_abi_version_0_1_0); proxy_abi_version_0_2_0 works with Istio 1.7 and later"},
		{[]string{ABI020}, 7, true, ""},
		{[]string{ABI021}, 7, false, "works with Istio 1.8 and later"},
		{[]string{ABI021}, 8, true, ""},
		{[]string{ABI021}, 24, true, ""},
		{[]string{ABI030}, 24, false, "rebuild the module with a proxy-wasm SDK"},
		{[]string{ABI030, ABI021}, 24, true, ""}, // the host skips markers it does not know
		{[]string{wasme097b}, 6, true, ""},
		{[]string{wasme097b}, 7, false, "works with Istio 1.5–1.6"},
		{[]string{wasme4689}, 8, true, ""},
		{[]string{wasme4689}, 12, false, "works with Istio 1.7–1.11"},
		{[]string{wasmeEdc0}, 6, false, "rebuild"},
		{[]string{wasme021}, 20, true, ""},
		{nil, 24, false, "declares no proxy-wasm ABI version"},
		{[]string{ABI010}, 4, false, "predates proxy-wasm"},
	}
	for _, tt := range tests {
		ok, msg := CheckABI(&Info{ABIVersions: tt.abi}, tt.minor)
		if ok != tt.ok || !strings.Contains(msg, tt.msg) || (ok && msg != "") {
			t.Errorf("CheckABI(%v, %s) = %v, %q; want %v, %q", tt.abi, tt.minor, ok, msg, tt.ok, tt.msg)
		}
	}
	if ok, _ := CheckABI(nil, 24); ok {
		t.Error("nil info accepted")
	}
}

func TestIstioRange(t *testing.T) {
	for abi, want := range map[string]string{
		ABI010: "1.5 and later", ABI020: "1.7 and later", ABI021: "1.8 and later", ABI030: "",
		wasme097b: "1.5–1.6", wasme4689: "1.7–1.11", wasme021: "1.8 and later", "junk": "",
	} {
		if got := IstioRange(abi); got != want {
			t.Errorf("IstioRange(%s) = %q, want %q", abi, got, want)
		}
	}
}
