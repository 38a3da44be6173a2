package chain_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
	networking "istio.io/api/networking/v1alpha3"

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

// FuzzExplain: any input explain reads gives chains and every output format, never
// a panic.
func FuzzExplain(f *testing.F) {
	files, _ := filepath.Glob("testdata/explain/*.yaml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if len(doc) > 1<<16 {
			return
		}
		r, _ := explain(t, 0, doc)
		for _, format := range chain.Formats {
			var b strings.Builder
			if err := chain.Write(&b, format, r); err != nil {
				t.Fatal(err)
			}
		}
	})
}
