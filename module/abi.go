package module

import (
	"fmt"
	"strings"
)

// istioABI says which ABIs the proxy of a range of Istio minor versions
// speaks. Sources:
//   - 1.5: envoy-wasm#438 froze the ABI Istio 1.5.0 shipped as
//     proxy_abi_version_0_1_0; 1.6 kept it (solo-io/wasm#144: "backwards
//     compatible with Istio 1.5").
//   - 1.7: istio/envoy#248 (backport of envoy-wasm#596 and
//     proxy-wasm-cpp-host#42 to release-1.7) added 0.2.0 beside 0.1.0;
//     solo-io/wasm#201: "Istio 1.7.2 uses v0_2_0".
//   - 1.8+: proxy-wasm-cpp-host#50 added 0.2.1 (Aug 2020); it is in the
//     upstream Envoy Istio 1.8 onwards builds (wasme's v0.2.1, envoy
//     2758575b, Oct 2020). BytecodeUtil::getAbiVersion in today's
//     proxy-wasm-cpp-host still accepts 0.1.0, 0.2.0 and 0.2.1.
//
// wasme named ABIs after envoy-wasm commits in runtime-config.json
// (tools/wasme/cli/pkg/abi/version.go, DefaultRegistry): 097b7f2e for Istio
// 1.5–1.6 and 4689a303 ("precursor to ABI v0_2_0") for 1.7 up to 1.11 in
// its last release (FACTS.md quotes an earlier 1.7–1.8).
type istioABI struct {
	from, to int // minor versions, inclusive; to == 0: no upper bound known
	exports  []string
	wasme    []string
}

const (
	wasme097b = "v0-097b7f2e4cc1fb490cc1943d0d633655ac3c522f"
	wasme4689 = "v0-4689a30309abf31aee9ae36e73d34b1bb182685f"
	wasmeEdc0 = "v0-edc016b1fa5adca3ebd3d7020eaed0ad7b8814ca" // Gloo 1.5 only
	wasme021  = "v0.2.1"                                      // Gloo 1.6: the 0.2.1 ABI
)

var istioABIs = []istioABI{
	{from: 5, to: 6, exports: []string{ABI010}, wasme: []string{wasme097b}},
	{from: 7, to: 7, exports: []string{ABI010, ABI020}, wasme: []string{wasme4689}},
	{from: 8, to: 11, exports: []string{ABI010, ABI020, ABI021}, wasme: []string{wasme4689, wasme021}},
	{from: 12, exports: []string{ABI010, ABI020, ABI021}, wasme: []string{wasme021}},
}

func abisFor(minor int) *istioABI {
	for i := range istioABIs {
		a := &istioABIs[i]
		if minor >= a.from && (a.to == 0 || minor <= a.to) {
			return a
		}
	}
	return nil
}

// CheckABI says whether the proxy of Istio 1.<istioMinor> speaks an ABI the
// module declares. The host takes the first marker it recognises and skips
// the rest, so one spoken marker is enough. Info.ABIVersions may hold export
// markers or wasme's runtime-config names. msg explains a mismatch and how
// to fix it; it is empty when ok.
func CheckABI(info *Info, istioMinor int) (ok bool, msg string) {
	target := abisFor(istioMinor)
	if target == nil {
		return false, fmt.Sprintf("Istio 1.%d predates proxy-wasm (Istio 1.5 was the first release to load Wasm modules)", istioMinor)
	}
	if info == nil || len(info.ABIVersions) == 0 {
		return false, fmt.Sprintf("the module declares no proxy-wasm ABI version; Istio 1.%d's proxy needs one of %s exported",
			istioMinor, strings.Join(target.exports, ", "))
	}
	for _, v := range info.ABIVersions {
		if contains(target.exports, v) || contains(target.wasme, v) {
			return true, ""
		}
	}
	var hint string
	if r := IstioRange(info.ABIVersions[0]); r != "" {
		hint = fmt.Sprintf("; %s works with Istio %s: target that, or rebuild the module", info.ABIVersions[0], r)
	} else {
		hint = "; rebuild the module with a proxy-wasm SDK for one of those"
	}
	return false, fmt.Sprintf("the module declares ABI %s, which Istio 1.%d's proxy does not speak (it speaks %s)%s",
		strings.Join(info.ABIVersions, ", "), istioMinor, strings.Join(target.exports, ", "), hint)
}

// IstioRange describes the Istio versions whose proxy speaks abi, e.g.
// "1.8 and later" or "1.5–1.6"; "" when none is known to.
func IstioRange(abi string) string {
	from, to := -1, -1
	for _, a := range istioABIs {
		if !contains(a.exports, abi) && !contains(a.wasme, abi) {
			continue
		}
		if from < 0 || a.from < from {
			from = a.from
		}
		if a.to == 0 || to == 0 {
			to = 0
		} else if a.to > to {
			to = a.to
		}
	}
	switch {
	case from < 0:
		return ""
	case to == 0:
		return fmt.Sprintf("1.%d and later", from)
	case to == from:
		return fmt.Sprintf("1.%d", from)
	}
	return fmt.Sprintf("1.%d–1.%d", from, to)
}
