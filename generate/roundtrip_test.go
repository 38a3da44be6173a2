package generate

import (
	"fmt"
	"testing"

	udpa "github.com/cncf/xds/go/udpa/type/v1"
	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	httpwasm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/rbac/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	extensions "istio.io/api/extensions/v1alpha1"
	networking "istio.io/api/networking/v1alpha3"

	"github.com/wasmgen/wasmgen/compat"
)

var strict = protojson.UnmarshalOptions{DiscardUnknown: false}

// deepValidate runs ValidateAll on m and on every message inside its Any fields
// (ValidateAll stops at an Any), unpacking TypedStructs into their real type.
func deepValidate(m proto.Message) error {
	if v, ok := m.(interface{ ValidateAll() error }); ok {
		if err := v.ValidateAll(); err != nil {
			return fmt.Errorf("%s: %w", m.ProtoReflect().Descriptor().FullName(), err)
		}
	}
	var errs []error
	walkAny(m.ProtoReflect(), func(a *anypb.Any) {
		inner, err := a.UnmarshalNew()
		if err != nil {
			errs = append(errs, fmt.Errorf("unpacking %s: %w", a.TypeUrl, err))
			return
		}
		if ts, ok := inner.(*udpa.TypedStruct); ok {
			mt, err := protoregistry.GlobalTypes.FindMessageByURL(ts.TypeUrl)
			if err != nil {
				errs = append(errs, err)
				return
			}
			js, _ := protojson.Marshal(ts.Value)
			inner = mt.New().Interface()
			if err := strict.Unmarshal(js, inner); err != nil {
				errs = append(errs, fmt.Errorf("TypedStruct %s: %w", ts.TypeUrl, err))
				return
			}
		}
		if err := deepValidate(inner); err != nil {
			errs = append(errs, err)
		}
	})
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func walkAny(m protoreflect.Message, fn func(*anypb.Any)) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		visit := func(x protoreflect.Message) {
			if a, ok := x.Interface().(*anypb.Any); ok {
				fn(a)
				return
			}
			walkAny(x, fn)
		}
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				visit(l.Get(i).Message())
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				visit(mv.Message())
				return true
			})
		case fd.Message() != nil && !fd.IsList() && !fd.IsMap():
			visit(v.Message())
		}
		return true
	})
}

// roundTrip parses an object's encoded body back strictly into its Istio/Envoy type
// and validates every Envoy message in it, the patch values included.
func roundTrip(t testing.TB, o Object) {
	t.Helper()
	m, ok := o.Body.(proto.Message)
	if !ok {
		return
	}
	js, err := protojson.Marshal(m)
	if err != nil {
		t.Fatalf("%s %s: marshal: %v", o.Kind, o.Name, err)
	}
	switch o.Kind {
	case KindEnvoyFilter:
		ef := &networking.EnvoyFilter{}
		if err := strict.Unmarshal(js, ef); err != nil {
			t.Fatalf("EnvoyFilter %s: strict parse: %v", o.Name, err)
		}
		for i, cp := range ef.ConfigPatches {
			if err := patchValue(cp); err != nil {
				t.Errorf("EnvoyFilter %s: configPatches[%d] (%s): %v", o.Name, i, cp.ApplyTo, err)
			}
		}
	case KindWasmPlugin:
		wp := &extensions.WasmPlugin{}
		if err := strict.Unmarshal(js, wp); err != nil {
			t.Fatalf("WasmPlugin %s: strict parse: %v", o.Name, err)
		}
	case KindBootstrap:
		bs := &bootstrapv3.Bootstrap{}
		pj, _ := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
		if err := strict.Unmarshal(pj, bs); err != nil {
			t.Fatalf("Bootstrap %s: strict parse: %v", o.Name, err)
		}
		if err := deepValidate(bs); err != nil {
			t.Errorf("Bootstrap %s: %v", o.Name, err)
		}
	}
}

// patchValue parses a patch value into the Envoy type its applyTo implies, strictly.
func patchValue(cp *networking.EnvoyFilter_EnvoyConfigObjectPatch) error {
	v := cp.Patch.Value
	var m proto.Message
	switch cp.ApplyTo {
	case networking.EnvoyFilter_HTTP_FILTER:
		if legacy := v.Fields["config"]; legacy != nil {
			return legacyValue(v)
		}
		m = &hcm.HttpFilter{}
	case networking.EnvoyFilter_NETWORK_FILTER:
		if legacy := v.Fields["config"]; legacy != nil {
			return legacyValue(v)
		}
		m = &listenerv3.Filter{}
	case networking.EnvoyFilter_CLUSTER:
		m = &clusterv3.Cluster{}
	case networking.EnvoyFilter_EXTENSION_CONFIG:
		m = &corev3.TypedExtensionConfig{}
	default:
		return fmt.Errorf("unexpected applyTo %s", cp.ApplyTo)
	}
	js, err := protojson.Marshal(v)
	if err != nil {
		return err
	}
	if err := strict.Unmarshal(js, m); err != nil {
		return fmt.Errorf("strict parse as %T: %w", m, err)
	}
	return deepValidate(m)
}

// legacyValue checks the 1.5 shape {name, config: <Wasm as JSON, configuration a
// string>}: undoing the one substitution gives a valid v3 Wasm.
func legacyValue(v *structpb.Struct) error {
	if n := v.Fields["name"].GetStringValue(); n != compat.WasmHTTPFilter && n != compat.WasmNetworkFilter {
		return fmt.Errorf("legacy value name %q", n)
	}
	if len(v.Fields) != 2 {
		return fmt.Errorf("legacy value has fields beyond name and config: %v", v.Fields)
	}
	cfg := proto.Clone(v.Fields["config"].GetStructValue()).(*structpb.Struct)
	if pc := cfg.Fields["config"].GetStructValue(); pc != nil {
		if c, ok := pc.Fields["configuration"]; ok {
			a, _ := anypb.New(wrapperspb.String(c.GetStringValue()))
			aj, _ := protojson.Marshal(a)
			as := &structpb.Struct{}
			_ = protojson.Unmarshal(aj, as)
			pc.Fields["configuration"] = structpb.NewStructValue(as)
		}
	}
	js, _ := protojson.Marshal(cfg)
	w := &httpwasm.Wasm{}
	if err := strict.Unmarshal(js, w); err != nil {
		return fmt.Errorf("legacy config as v3 Wasm: %w", err)
	}
	return deepValidate(w)
}

// The checker itself must catch what ValidateAll misses inside an Any.
func TestDeepValidateLooksInsideAny(t *testing.T) {
	bad := &httpwasm.Wasm{Config: &wasmv3.PluginConfig{Vm: &wasmv3.PluginConfig_VmConfig{VmConfig: &wasmv3.VmConfig{
		Runtime: "envoy.wasm.runtime.v8", Code: localCode("")}}}}
	a, _ := anypb.New(bad)
	f := &hcm.HttpFilter{Name: "w", ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: a}}
	if err := f.ValidateAll(); err != nil {
		t.Fatalf("precondition: ValidateAll alone should pass, got %v", err)
	}
	if err := deepValidate(f); err == nil {
		t.Error("deepValidate accepted an empty code filename inside typed_config")
	}
	st, _ := structpb.NewStruct(map[string]any{"config": map[string]any{"vmConfig": map[string]any{"code": map[string]any{"local": map[string]any{"filename": ""}}}}})
	ts, _ := anypb.New(&udpa.TypedStruct{TypeUrl: compat.WasmHTTPType, Value: st})
	f.ConfigType = &hcm.HttpFilter_TypedConfig{TypedConfig: ts}
	if err := deepValidate(f); err == nil {
		t.Error("deepValidate accepted an empty filename inside a TypedStruct")
	}
}
