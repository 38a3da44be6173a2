package compat

import "slices"

// ABI marker exports proxy-wasm-cpp-host recognises (src/bytecode_util.cc,
// BytecodeUtil::getAbiVersion). A module exporting none of them is refused by
// Envoy with "Missing or unknown Proxy-Wasm ABI version".
const (
	ABI010 = "proxy_abi_version_0_1_0"
	ABI020 = "proxy_abi_version_0_2_0"
	ABI021 = "proxy_abi_version_0_2_1"
	ABI030 = "proxy_abi_version_0_3_0"
)

// wasme named ABIs after envoy-wasm commits in runtime-config.json
// (solo-io/wasm tools/wasme/cli/pkg/abi/version.go, DefaultRegistry): 097b7f2e for
// Istio 1.5–1.6 and 4689a303 ("precursor to ABI v0_2_0") for 1.7 up to 1.11 in its
// last release.
const (
	wasme097b = "v0-097b7f2e4cc1fb490cc1943d0d633655ac3c522f"
	wasme4689 = "v0-4689a30309abf31aee9ae36e73d34b1bb182685f"
	wasme021  = "v0.2.1" // Gloo 1.6: the 0.2.1 ABI
)

// abiRange says which ABIs the proxy of a range of Istio releases speaks. Sources:
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
type abiRange struct {
	from, to Istio // inclusive; to == 0: no upper bound known
	exports  []string
	wasme    []string
}

var abiRanges = []abiRange{
	{from: 5, to: 6, exports: []string{ABI010}, wasme: []string{wasme097b}},
	{from: 7, to: 7, exports: []string{ABI010, ABI020}, wasme: []string{wasme4689}},
	{from: 8, to: 11, exports: []string{ABI010, ABI020, ABI021}, wasme: []string{wasme4689, wasme021}},
	{from: 12, exports: []string{ABI010, ABI020, ABI021}, wasme: []string{wasme021}},
}

// ABIs returns the ABI marker exports the proxy of this Istio release speaks and
// the wasme runtime-config names for them; ok is false before proxy-wasm (Istio 1.5).
func (v Istio) ABIs() (exports, wasme []string, ok bool) {
	m := Istio(v.Minor())
	for _, a := range abiRanges {
		if m >= a.from && (a.to == 0 || m <= a.to) {
			return a.exports, a.wasme, true
		}
	}
	return nil, nil, false
}

// ABIIstioRange returns the Istio releases whose proxy speaks abi (an export marker
// or a wasme name): from..to inclusive, to == 0 without an upper bound; ok is false
// when none does.
func ABIIstioRange(abi string) (from, to Istio, ok bool) {
	for _, a := range abiRanges {
		if !slices.Contains(a.exports, abi) && !slices.Contains(a.wasme, abi) {
			continue
		}
		if !ok {
			from, to, ok = a.from, a.to, true
			continue
		}
		from = min(from, a.from)
		if to != 0 && (a.to == 0 || a.to > to) {
			to = a.to
		}
	}
	return from, to, ok
}
