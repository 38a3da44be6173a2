package typeset

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"

	"github.com/wasmgen/wasmgen/compat"
)

// TestSets: both sets build, hold what they are for, and a linked type is found as
// its Go type, not as a dynamic copy.
func TestSets(t *testing.T) {
	for _, s := range []*Set{V2, V3} {
		if err := s.open(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	r := Resolver{V3, V2}
	for _, url := range []string{
		"type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec",
		"type.googleapis.com/envoy.extensions.access_loggers.wasm.v3.WasmAccessLog",
		"type.googleapis.com/envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager",
		"type.googleapis.com/envoy.config.filter.http.wasm.v2.Wasm",
		"type.googleapis.com/envoy.config.bootstrap.v2.Bootstrap",
		"type.googleapis.com/envoy.config.filter.http.jwt_authn.v2alpha.JwtAuthentication",
	} {
		mt, err := r.FindMessageByURL(url)
		if err != nil {
			t.Errorf("%s: %v", url, err)
			continue
		}
		if _, dyn := mt.New().Interface().(*dynamicpb.Message); !dyn {
			t.Errorf("%s is linked? %T", url, mt)
		}
	}
	mt, err := r.FindMessageByURL("type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm")
	if err != nil {
		t.Fatal(err)
	}
	if _, dyn := mt.New().Interface().(*dynamicpb.Message); dyn {
		t.Error("a linked type came back dynamic")
	}
	if _, err := r.FindMessageByURL("type.googleapis.com/no.such.Type"); err != protoregistry.NotFound {
		t.Errorf("unknown type: %v", err)
	}
	// Every v3 API type wasmgen links is in the v3 set too: the set is not stale.
	n := 0
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		name := mt.Descriptor().FullName()
		if len(name) > 6 && name[:6] == "envoy." {
			n++
			if _, err := V3.message(name); err != nil {
				t.Errorf("%s is linked but not in the v3 set: run gen/gen.sh", name)
			}
		}
		return true
	})
	if n == 0 {
		t.Fatal("no linked Envoy types to compare")
	}
}

// BenchmarkFirstLookup is what the first unlinked type costs a process: opening the
// set and building one file with its imports.
func BenchmarkFirstLookup(b *testing.B) {
	for b.Loop() {
		s := &Set{name: "v3", data: v3data}
		if _, err := (Resolver{s}).FindMessageByURL("type.googleapis.com/envoy.extensions.access_loggers.wasm.v3.WasmAccessLog"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestV2Configs: every v2 message compat's untyped-config table names is in the v2 set.
func TestV2Configs(t *testing.T) {
	for _, name := range compat.V2Configs() {
		if _, err := V2.message(protoreflect.FullName(name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
