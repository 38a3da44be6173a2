package generate

import (
	"fmt"

	extensions "istio.io/api/extensions/v1alpha1"
	typev1beta1 "istio.io/api/type/v1beta1"

	"github.com/wasmgen/wasmgen/compat"
)

// TrafficExtension (extensions.istio.io/v1alpha1, Istio 1.30+): the API that
// "supersedes WasmPlugin" (istio/api extensions/v1alpha1/traffic_extension.proto).
// istiod of 1.30 translates every WasmPlugin into one
// (pilot/pkg/config/kube/extensions/translate.go), so the two say the same thing;
// wasmgen writes a TrafficExtension only when asked (--target trafficextension):
// WasmPlugin is the output every release from 1.12 reads.

// KindTrafficExtension is TrafficExtension's kind.
const KindTrafficExtension = "TrafficExtension"

// trafficPhases are WasmPlugin's phases as TrafficExtension's.
var trafficPhases = map[extensions.PluginPhase]extensions.TrafficExtension_ExecutionPhase{
	extensions.PluginPhase_UNSPECIFIED_PHASE: extensions.TrafficExtension_UNSPECIFIED,
	extensions.PluginPhase_AUTHN:             extensions.TrafficExtension_AUTHN,
	extensions.PluginPhase_AUTHZ:             extensions.TrafficExtension_AUTHZ,
	extensions.PluginPhase_STATS:             extensions.TrafficExtension_STATS,
}

// trafficExtensionStep emits the filter as a TrafficExtension: the WasmPlugin it
// would be, field for field, as translate.go maps one onto the other.
func trafficExtensionStep(b *build) []Object {
	if v := b.opts.Istio; !v.Has(compat.TrafficExtension) {
		b.rep.Errorf("metadata.name", CodeWasmPluginOld, fmt.Sprintf("render for --istio-version %s or later, or use --target wasmplugin", compat.TrafficExtension.Since()),
			"TrafficExtension needs Istio %s or later; this render is for Istio %s", compat.TrafficExtension.Since(), v)
		return nil
	}
	objs := wasmPluginStep(b)
	if len(objs) != 1 {
		return nil
	}
	wp := objs[0].Body.(*extensions.WasmPlugin)
	te := &extensions.TrafficExtension{
		Selector:   wp.Selector,
		TargetRefs: wp.TargetRefs,
		Phase:      trafficPhases[wp.Phase],
		Priority:   wp.Priority,
		FilterConfig: &extensions.TrafficExtension_Wasm{Wasm: &extensions.WasmConfig{
			Url: wp.Url, Sha256: wp.Sha256, ImagePullPolicy: wp.ImagePullPolicy, ImagePullSecret: wp.ImagePullSecret,
			PluginConfig: wp.PluginConfig, PluginName: wp.PluginName, FailStrategy: wp.FailStrategy, VmConfig: wp.VmConfig, Type: wp.Type,
		}},
	}
	for _, m := range wp.Match {
		te.Match = append(te.Match, &extensions.TrafficSelector{Mode: m.Mode, Ports: append([]*typev1beta1.PortSelector(nil), m.Ports...)})
	}
	m := b.f.Metadata
	return []Object{{APIVersion: WasmPluginAPIVersion, Kind: KindTrafficExtension, Name: m.Name, Namespace: m.Namespace,
		FileName: fileName(KindTrafficExtension, m.Name, "yaml"), Body: te, Source: b.in.Doc}}
}
