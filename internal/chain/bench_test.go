package chain_test

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	extensions "istio.io/api/extensions/v1alpha1"
	networking "istio.io/api/networking/v1alpha3"
	typeapi "istio.io/api/type/v1beta1"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/internal/chain"
)

// manyFilters is n EnvoyFilters of one namespace and selector, none with a priority
// or creation time: every pair is a tie explain has to try both ways.
func manyFilters(n int) chain.Input {
	var in chain.Input
	for i := range n {
		sub := "envoy.filters.http.router"
		if i%3 == 1 {
			sub = "envoy.filters.http.cors"
		}
		cp := &networking.EnvoyFilter_EnvoyConfigObjectPatch{
			ApplyTo: networking.EnvoyFilter_HTTP_FILTER,
			Match: &networking.EnvoyFilter_EnvoyConfigObjectMatch{
				Context: networking.EnvoyFilter_SIDECAR_INBOUND,
				ObjectTypes: &networking.EnvoyFilter_EnvoyConfigObjectMatch_Listener{Listener: &networking.EnvoyFilter_ListenerMatch{
					FilterChain: &networking.EnvoyFilter_ListenerMatch_FilterChainMatch{Filter: &networking.EnvoyFilter_ListenerMatch_FilterMatch{
						Name: compat.HTTPConnectionManager, SubFilter: &networking.EnvoyFilter_ListenerMatch_SubFilterMatch{Name: sub}}}}},
			},
			Patch: &networking.EnvoyFilter_Patch{Operation: networking.EnvoyFilter_Patch_INSERT_BEFORE,
				Value: &structpb.Struct{Fields: map[string]*structpb.Value{"name": structpb.NewStringValue(fmt.Sprintf("f%d", i))}}},
		}
		in.EnvoyFilters = append(in.EnvoyFilters, chain.EnvoyFilter{
			Meta: chain.Meta{Name: fmt.Sprintf("ef-%d", i), Namespace: "shop"},
			Spec: &networking.EnvoyFilter{WorkloadSelector: &networking.WorkloadSelector{Labels: map[string]string{"app": "web"}},
				ConfigPatches: []*networking.EnvoyFilter_EnvoyConfigObjectPatch{cp}},
		})
	}
	return in
}

func BenchmarkExplain(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		in := manyFilters(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				r := chain.Explain(in, chain.Options{})
				if len(r.Chains) == 0 {
					b.Fatal("no chain")
				}
			}
		})
	}
}

// FuzzExplain: any EnvoyFilters and WasmPlugins give chains and every output
// format, never a panic, the same twice. Each 5 bytes are one patch (its
// EnvoyFilter, operation, anchor, added name, context) or, with the first byte's
// top bit, a WasmPlugin (phase, priority, mode): the engine's input space,
// without the YAML that validate's own fuzz targets cover.
func FuzzExplain(f *testing.F) {
	f.Add([]byte("\x00\x03\x01\x02\x01\x01\x02\x00\x03\x00\x80\x01\x05\x01\x00"), uint8(30))
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x06\x03\x01\x03\x01\x05\x02\x02\x02"), uint8(13))
	names := []string{"", "envoy.filters.http.router", "envoy.filters.http.cors", "envoy.router", "a", "b", "envoy.filters.http.jwt_authn", "istio.stats"}
	ops := []networking.EnvoyFilter_Patch_Operation{networking.EnvoyFilter_Patch_ADD, networking.EnvoyFilter_Patch_REMOVE, networking.EnvoyFilter_Patch_MERGE,
		networking.EnvoyFilter_Patch_INSERT_BEFORE, networking.EnvoyFilter_Patch_INSERT_AFTER, networking.EnvoyFilter_Patch_INSERT_FIRST, networking.EnvoyFilter_Patch_REPLACE}
	f.Fuzz(func(t *testing.T, data []byte, minor uint8) {
		if len(data) > 500 {
			return
		}
		in := chain.Input{}
		efs := map[int]int{}
		for i := 0; i+5 <= len(data); i += 5 {
			b := data[i : i+5]
			ns := []string{"shop", "istio-system"}[b[0]>>6&1]
			if b[0]&0x80 != 0 {
				in.WasmPlugins = append(in.WasmPlugins, chain.WasmPlugin{Meta: chain.Meta{Name: fmt.Sprintf("wp%d", i), Namespace: ns},
					Spec: wasmPlugin(b)})
				continue
			}
			k := int(b[0] & 3)
			j, ok := efs[k]
			if !ok {
				j = len(in.EnvoyFilters)
				efs[k] = j
				in.EnvoyFilters = append(in.EnvoyFilters, chain.EnvoyFilter{Meta: chain.Meta{Name: fmt.Sprintf("ef%d", k), Namespace: ns},
					Spec: &networking.EnvoyFilter{Priority: int32(int8(b[4])) % 3}})
			}
			cp := &networking.EnvoyFilter_EnvoyConfigObjectPatch{
				ApplyTo: []networking.EnvoyFilter_ApplyTo{networking.EnvoyFilter_HTTP_FILTER, networking.EnvoyFilter_NETWORK_FILTER}[b[4]>>7],
				Match: &networking.EnvoyFilter_EnvoyConfigObjectMatch{
					Context: networking.EnvoyFilter_PatchContext(b[4] >> 2 & 3),
					ObjectTypes: &networking.EnvoyFilter_EnvoyConfigObjectMatch_Listener{Listener: &networking.EnvoyFilter_ListenerMatch{
						PortNumber: uint32(b[3]>>4) * 1000,
						FilterChain: &networking.EnvoyFilter_ListenerMatch_FilterChainMatch{Filter: &networking.EnvoyFilter_ListenerMatch_FilterMatch{
							SubFilter: &networking.EnvoyFilter_ListenerMatch_SubFilterMatch{Name: names[b[2]%8]}}}}},
				},
				Patch: &networking.EnvoyFilter_Patch{Operation: ops[b[1]%7],
					Value: &structpb.Struct{Fields: map[string]*structpb.Value{"name": structpb.NewStringValue(names[b[3]%8])}}},
			}
			in.EnvoyFilters[j].Spec.ConfigPatches = append(in.EnvoyFilters[j].Spec.ConfigPatches, cp)
		}
		o := chain.Options{Istio: compat.Istio(5 + minor%28)}
		var first string
		for n := range 2 {
			r := chain.Explain(in, o)
			var all strings.Builder
			for _, format := range chain.Formats {
				if err := chain.Write(&all, format, r); err != nil {
					t.Fatal(err)
				}
			}
			if n == 0 {
				first = all.String()
			} else if all.String() != first {
				t.Fatal("explain is not deterministic")
			}
		}
	})
}

func wasmPlugin(b []byte) *extensions.WasmPlugin {
	w := &extensions.WasmPlugin{Url: "oci://x/y:1", Phase: extensions.PluginPhase(b[1] % 4)}
	if b[2]&1 != 0 {
		w.Priority = wrapperspb.Int32(int32(b[2] >> 1 % 3))
	}
	if m := typeapi.WorkloadMode(b[3] % 4); m != 0 {
		w.Match = []*extensions.WasmPlugin_TrafficSelector{{Mode: m}}
	}
	if b[4]&1 != 0 {
		w.Type = extensions.PluginType_NETWORK
	}
	return w
}
