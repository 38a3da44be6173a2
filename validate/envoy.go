package validate

import (
	"slices"

	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/protocheck"
	"github.com/wasmgen/wasmgen/yamltree"
)

// envoyWalk looks inside decoded Envoy config: it unpacks every Any and TypedStruct,
// hands each message to the Envoy rules (chain order, Wasm, typed_config by name),
// and runs protoc-gen-validate on every unpacked message.
type envoyWalk struct {
	p     *pass
	envoy compat.Envoy // the Envoy that loads the config
	// istio is the Istio release whose proxy it is; zero for a standalone Envoy (a
	// bootstrap), whose messages then name the Envoy release.
	istio    compat.Istio
	complete bool // the value is a whole object (not a MERGE fragment): required fields apply
	// ecds: the value is an EXTENSION_CONFIG resource, whose Wasm remote code the
	// istio-agent may download itself (agentFetches); typedStruct counts the
	// TypedStructs the walk is inside (inTypedStruct).
	ecds          bool
	inTypedStruct int
	owner         string // "EnvoyFilter ns/name" or "bootstrap FILE", for the shared-VM rule
	// untyped is told of each filter named without typed_config.
	untyped func(path, name string)
	roots   []root
}

type root struct {
	m    proto.Message
	path string
}

// check walks m (found at path) and then validates every root that was unpacked.
func (w *envoyWalk) check(m proto.Message, path string) {
	w.roots = append(w.roots, root{m, path})
	w.walk(m.ProtoReflect(), path)
	if !w.complete {
		return
	}
	for _, r := range w.roots {
		validatePGV(w.p, r.m, r.path)
	}
}

func (w *envoyWalk) walk(m protoreflect.Message, path string) {
	switch v := m.Interface().(type) {
	case *hcmv3.HttpConnectionManager:
		if w.complete {
			httpChain(w.p, v, path)
		}
	case *listenerv3.FilterChain:
		if w.complete {
			networkChain(w.p, v.GetFilters(), yamltree.Join(path, "filters"))
		}
	case *wasmv3.PluginConfig:
		w.wasm(v, path)
	}
	if w.untyped != nil {
		w.missingTyped(m, path)
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind {
			return true
		}
		p := yamltree.Join(path, string(fd.Name()))
		switch {
		case fd.IsList():
			for i, l := 0, v.List(); i < l.Len(); i++ {
				w.child(l.Get(i).Message(), yamltree.Index(p, i))
			}
		case fd.IsMap():
			if fd.MapValue().Kind() != protoreflect.MessageKind {
				return true
			}
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				w.child(mv.Message(), yamltree.Join(p, k.String()))
				return true
			})
		default:
			w.child(v.Message(), p)
		}
		return true
	})
}

func (w *envoyWalk) child(m protoreflect.Message, path string) {
	a, ok := m.Interface().(*anypb.Any)
	if !ok {
		w.walk(m, path)
		return
	}
	inner, err := anypb.UnmarshalNew(a, proto.UnmarshalOptions{Resolver: w.p.types})
	if err != nil {
		return // the parser reported the unknown type
	}
	name := inner.ProtoReflect().Descriptor().FullName()
	switch {
	case name == compat.TypedStructName || name == compat.XDSTypedStructNm:
		w.typedStruct(inner, path)
	case isOpaqueJSON(name):
	default:
		w.roots = append(w.roots, root{inner, path})
		w.walk(inner.ProtoReflect(), path)
	}
}

// typedStruct decodes a TypedStruct's value into the type it names. The parser has
// checked the value against that type (with positions) and made its spellings
// canonical, so the decode sees what Envoy's conversion sees.
func (w *envoyWalk) typedStruct(ts proto.Message, path string) {
	r := ts.ProtoReflect()
	url := r.Get(r.Descriptor().Fields().ByName("type_url")).String()
	mt, err := w.p.types.FindMessageByURL(url)
	if err != nil {
		return
	}
	st, _ := r.Get(r.Descriptor().Fields().ByName("value")).Message().Interface().(*structpb.Struct)
	js, err := protojson.Marshal(st)
	if err != nil {
		return
	}
	m := mt.New().Interface()
	vp := yamltree.Join(path, "value")
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true, Resolver: w.p.types}).Unmarshal(js, m); err != nil {
		if !w.p.rep.Quieted(vp) {
			w.p.rep.Fail(vp, CodeIstioValidation, "", "%s", err)
		}
		return
	}
	w.roots = append(w.roots, root{m, vp})
	w.inTypedStruct++
	w.walk(m.ProtoReflect(), vp)
	w.inTypedStruct--
}

// proxy names the proxy that loads the config, for messages.
func (w *envoyWalk) proxy() string {
	if w.istio != 0 {
		return "the proxy of Istio " + w.istio.String()
	}
	return "Envoy " + w.envoy.String()
}

// agentFetches reports whether the istio-agent, not Envoy, downloads a remote Wasm
// module here: in an ECDS resource, from the release whose agent converts that form.
func (w *envoyWalk) agentFetches() bool {
	if !w.ecds || w.istio == 0 {
		return false
	}
	if w.inTypedStruct > 0 {
		return w.istio.Has(compat.AgentFetchesTypedStruct)
	}
	return w.istio.Has(compat.AgentFetchesTyped)
}

// missingTyped finds filters named without typed_config (Envoy no longer looks
// extensions up by name).
func (w *envoyWalk) missingTyped(m protoreflect.Message, path string) {
	fds := m.Descriptor().Fields()
	tc := fds.ByName("typed_config")
	if tc == nil || tc.Kind() != protoreflect.MessageKind || m.Has(tc) {
		return
	}
	if slices.Contains(w.p.unresolved, yamltree.Canon(yamltree.Join(path, "typed_config"))) {
		return // written, of a type no parser here has: reported as such
	}
	if cd := fds.ByName("config_discovery"); cd != nil && m.Has(cd) {
		return
	}
	name := ""
	if nf := fds.ByName("name"); nf != nil && nf.Kind() == protoreflect.StringKind {
		name = m.Get(nf).String()
	}
	w.untyped(path, name)
}

// isOpaqueJSON reports the well-known types whose JSON form is not an object of
// fields: nothing inside them to walk.
func isOpaqueJSON(name protoreflect.FullName) bool {
	return name != "google.protobuf.Any" && protocheck.IsWellKnownJSON(name)
}

func typeOf(a *anypb.Any) protoreflect.FullName {
	if a == nil {
		return ""
	}
	return a.MessageName()
}

// pgvFinding is one protoc-gen-validate violation, its field path relative to the
// validated message.
type pgvFinding struct {
	path, reason string
}

// flattenPGV walks ValidateAll's nested errors down to the violated rules.
func flattenPGV(err error, prefix string, out *[]pgvFinding) {
	if err == nil {
		return
	}
	if m, ok := err.(interface{ AllErrors() []error }); ok {
		for _, e := range m.AllErrors() {
			flattenPGV(e, prefix, out)
		}
		return
	}
	fe, ok := err.(interface {
		Field() string
		Reason() string
		Cause() error
	})
	if !ok {
		*out = append(*out, pgvFinding{path: prefix, reason: err.Error()})
		return
	}
	p := yamltree.Join(prefix, fe.Field())
	if c := fe.Cause(); c != nil && fe.Reason() == "embedded message failed validation" {
		flattenPGV(c, p, out)
		return
	}
	r := fe.Reason()
	if c := fe.Cause(); c != nil {
		r += ": " + c.Error()
	}
	*out = append(*out, pgvFinding{path: p, reason: r})
}

// validatePGV runs m's protoc-gen-validate rules (Envoy runs them on every message it
// loads; they do not look inside Any, which the walk unpacked) and reports each
// violation at base + its field path, unless a rule already spoke there.
func validatePGV(p *pass, m proto.Message, base string) {
	v, ok := m.(interface{ ValidateAll() error })
	if !ok {
		return
	}
	var out []pgvFinding
	flattenPGV(v.ValidateAll(), "", &out)
	name := m.ProtoReflect().Descriptor().FullName()
	for _, f := range out {
		path := base
		if f.path != "" {
			path = yamltree.Join(base, f.path)
		}
		p.rep.Errorf(path, CodePGV, "", "%s (Envoy API rule of %s)", f.reason, name)
	}
}

// describeAny is "(none)" for a filter without a typed config, else its type.
func describeType(t protoreflect.FullName) string {
	if t == "" {
		return "(none)"
	}
	return string(t)
}
