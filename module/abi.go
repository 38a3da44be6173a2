package module

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
)

// CheckABI says whether the proxy of the Istio release speaks an ABI the module
// declares (compat holds which ABIs each release speaks). The host takes the first
// marker it recognises and skips the rest, so one spoken marker is enough.
// Info.ABIVersions may hold export markers or wasme's runtime-config names. msg
// explains a mismatch and how to fix it; it is empty when ok.
func CheckABI(info *Info, istio compat.Istio) (ok bool, msg string) {
	exports, wasme, known := istio.ABIs()
	if !known {
		return false, fmt.Sprintf("Istio %s predates proxy-wasm (Istio %s was the first release to load Wasm modules)", istio, compat.OldestIstio)
	}
	if info == nil || len(info.ABIVersions) == 0 {
		return false, fmt.Sprintf("the module declares no proxy-wasm ABI version; Istio %s's proxy needs one of %s exported",
			istio, strings.Join(exports, ", "))
	}
	for _, v := range info.ABIVersions {
		if slices.Contains(exports, v) || slices.Contains(wasme, v) {
			return true, ""
		}
	}
	var hint string
	if r := IstioRange(info.ABIVersions[0]); r != "" {
		hint = fmt.Sprintf("; %s works with Istio %s: target that, or rebuild the module", info.ABIVersions[0], r)
	} else {
		hint = "; rebuild the module with a proxy-wasm SDK for one of those"
	}
	return false, fmt.Sprintf("the module declares ABI %s, which Istio %s's proxy does not speak (it speaks %s)%s",
		strings.Join(info.ABIVersions, ", "), istio, strings.Join(exports, ", "), hint)
}

// IstioRange describes the Istio versions whose proxy speaks abi, e.g.
// "1.8 and later" or "1.5–1.6"; "" when none is known to.
func IstioRange(abi string) string {
	from, to, ok := compat.ABIIstioRange(abi)
	switch {
	case !ok:
		return ""
	case to == 0:
		return fmt.Sprintf("%s and later", from)
	case to == from:
		return from.String()
	}
	return fmt.Sprintf("%s–%s", from, to)
}
