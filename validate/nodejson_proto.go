package validate

import (
	"fmt"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/wasmgen/wasmgen/yamltree"
)

// Codes for proto-shaped documents.
const (
	CodeUnknownField    = "WG7001" // unknown field in an Istio resource's spec
	CodeInvalidValue    = "WG7002" // a value of the wrong type, an unknown enum name, two members of one oneof
	CodeUnknownInTyped  = "WG7011" // unknown field inside a typed_config / TypedStruct (Envoy ignores it)
	CodeLegacyConfig    = "WG7012" // the v2 `config` field
	CodePGV             = "WG7030" // a protoc-gen-validate rule of Envoy's API
	CodeIstioValidation = "IST0106"
	CodeIstioWarning    = "IST0133"
)

// unknownPolicy decides how an unknown field is reported: inAny tells whether the
// field sits inside an Any or TypedStruct.
type unknownPolicy func(inAny bool) (diag.Severity, string)

// protoWalker checks a YAML subtree against a message descriptor before it is decoded:
// protojson stops at the first problem, this reports every unknown field (with a
// did-you-mean and its own line), every bad enum name and every oneof clash.
type protoWalker struct {
	ix         *posIndex
	l          *diag.List
	unknown    unknownPolicy
	istio      compat.Istio // the target release
	legacyOK   bool         // the v2 `config` field is expected (Istio 1.5-1.6)
	unresolved bool         // an Any names a type that is not linked: decoding would fail
	bad        map[string]bool
}

func newWalker(ix *posIndex, l *diag.List, istio compat.Istio, unknown unknownPolicy) *protoWalker {
	return &protoWalker{ix: ix, l: l, unknown: unknown, istio: istio, bad: map[string]bool{}}
}

func (w *protoWalker) errorf(path, code, hint, format string, args ...any) {
	w.bad[yamltree.Canon(path)] = true
	w.l.Add(diag.Finding{Pos: w.ix.pos(path), Path: w.ix.display(path), Severity: diag.Error, Code: code,
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (w *protoWalker) report(sev diag.Severity, path, code, hint, format string, args ...any) {
	if sev == diag.Error {
		w.errorf(path, code, hint, format, args...)
		return
	}
	w.l.Add(diag.Finding{Pos: w.ix.pos(path), Path: w.ix.display(path), Severity: sev, Code: code,
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// newDialect reports whether the dialect is Istio >= 1.9 (real typed_config types).
func (w *protoWalker) newDialect() bool { return w.istio.Has(compat.TypedDialect) }

var typedStructNames = map[protoreflect.FullName]bool{
	"udpa.type.v1.TypedStruct": true,
	"xds.type.v3.TypedStruct":  true,
}

// opaqueJSON are the well-known types whose JSON form is not an object of fields.
var opaqueJSON = map[protoreflect.FullName]bool{
	"google.protobuf.Struct": true, "google.protobuf.Value": true, "google.protobuf.ListValue": true,
	"google.protobuf.Duration": true, "google.protobuf.Timestamp": true, "google.protobuf.FieldMask": true,
	"google.protobuf.Empty": true, "google.protobuf.NullValue": true,
	"google.protobuf.DoubleValue": true, "google.protobuf.FloatValue": true, "google.protobuf.Int64Value": true,
	"google.protobuf.UInt64Value": true, "google.protobuf.Int32Value": true, "google.protobuf.UInt32Value": true,
	"google.protobuf.BoolValue": true, "google.protobuf.StringValue": true, "google.protobuf.BytesValue": true,
}

func (w *protoWalker) message(md protoreflect.MessageDescriptor, n *yaml.Node, path string, inAny bool, depth int) {
	n = yamltree.Deref(n)
	if n == nil || depth > maxJSONDepth || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
		return
	}
	name := md.FullName()
	switch {
	case name == "google.protobuf.Any":
		w.any(n, path, depth)
		return
	case opaqueJSON[name]:
		return
	}
	if n.Kind != yaml.MappingNode {
		w.errorf(path, CodeInvalidValue, "", "expected a mapping (%s), found %s", name, describeNode(n))
		return
	}
	if typedStructNames[name] {
		w.typedStruct(n, path, depth)
		return
	}
	w.fields(md, n, path, inAny, depth, nil)
}

// fields checks each key of mapping n against md. Keys in skip are not fields (the
// "@type" of an Any).
func (w *protoWalker) fields(md protoreflect.MessageDescriptor, n *yaml.Node, path string, inAny bool, depth int, skip map[string]bool) {
	oneofs := map[protoreflect.FullName]string{}
	fds := md.Fields()
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		if skip[key] {
			continue
		}
		p := yamltree.Join(path, key)
		fd := fds.ByJSONName(key)
		if fd == nil {
			fd = fds.ByName(protoreflect.Name(key))
		}
		if fd == nil {
			w.unknownField(md, key, p, inAny)
			continue
		}
		val := yamltree.Deref(n.Content[i+1])
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() && !yamltree.IsNull(val) {
			if prev, ok := oneofs[od.FullName()]; ok {
				w.errorf(p, CodeInvalidValue, "", "%q and %q are alternatives (oneof %s); set only one", prev, key, od.Name())
			}
			oneofs[od.FullName()] = key
		}
		w.value(fd, val, p, inAny, depth)
	}
}

func (w *protoWalker) unknownField(md protoreflect.MessageDescriptor, key, path string, inAny bool) {
	if key == "config" && md.Fields().ByName("typed_config") != nil {
		// Istio 1.7's upgrade notes dropped the deprecated `config` form (EnvoyFilter
		// syntax change, istio#19885); 1.9 removed the v2 API altogether.
		if !w.legacyOK {
			hint := "use typed_config with an \"@type\" naming the v3 type (for Wasm: type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm)"
			if !w.newDialect() {
				hint = "use typedConfig with a udpa.type.v1.TypedStruct (the Istio 1.7-1.8 form)"
			}
			w.errorf(path, CodeLegacyConfig, hint,
				"the `config` field of %s is not read by Istio 1.7 and later: the filter gets no configuration", md.Name())
		}
		return
	}
	var names []string
	fds := md.Fields()
	snake := strings.Contains(key, "_")
	for i := 0; i < fds.Len(); i++ {
		if snake {
			names = append(names, string(fds.Get(i).Name()))
		} else {
			names = append(names, fds.Get(i).JSONName())
		}
	}
	sev, code := w.unknown(inAny)
	w.report(sev, path, code, diag.DidYouMean(key, names), "unknown field %q in %s", key, md.FullName())
}

func (w *protoWalker) value(fd protoreflect.FieldDescriptor, n *yaml.Node, path string, inAny bool, depth int) {
	if yamltree.IsNull(n) {
		return
	}
	switch {
	case fd.IsMap():
		if n.Kind != yaml.MappingNode {
			w.errorf(path, CodeInvalidValue, "", "expected a mapping for map field %s, found %s", fd.Name(), describeNode(n))
			return
		}
		vd := fd.MapValue()
		for i := 0; i+1 < len(n.Content); i += 2 {
			w.single(vd, yamltree.Deref(n.Content[i+1]), yamltree.Join(path, n.Content[i].Value), inAny, depth+1)
		}
	case fd.IsList():
		if n.Kind != yaml.SequenceNode {
			w.errorf(path, CodeInvalidValue, "", "expected a list for repeated field %s, found %s", fd.Name(), describeNode(n))
			return
		}
		for i, c := range n.Content {
			w.single(fd, yamltree.Deref(c), yamltree.Index(path, i), inAny, depth+1)
		}
	default:
		w.single(fd, n, path, inAny, depth+1)
	}
}

func (w *protoWalker) single(fd protoreflect.FieldDescriptor, n *yaml.Node, path string, inAny bool, depth int) {
	if yamltree.IsNull(n) {
		return
	}
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		w.message(fd.Message(), n, path, inAny, depth)
	case protoreflect.EnumKind:
		ed := fd.Enum()
		if ed.FullName() == "google.protobuf.NullValue" {
			return
		}
		if n.Kind != yaml.ScalarNode {
			w.errorf(path, CodeInvalidValue, "", "expected an enum name of %s, found %s", ed.Name(), describeNode(n))
			return
		}
		if n.ShortTag() == "!!int" {
			return // protojson accepts enum numbers
		}
		if ed.Values().ByName(protoreflect.Name(n.Value)) == nil {
			vals := ed.Values()
			names := make([]string, 0, vals.Len())
			for i := 0; i < vals.Len(); i++ {
				names = append(names, string(vals.Get(i).Name()))
			}
			w.errorf(path, CodeInvalidValue, diag.DidYouMean(n.Value, names), "invalid value %q for %s; expected one of %s",
				n.Value, ed.Name(), strings.Join(names, ", "))
		}
	default:
		if n.Kind != yaml.ScalarNode {
			w.errorf(path, CodeInvalidValue, "", "expected a %s value for %s, found %s", fd.Kind(), fd.Name(), describeNode(n))
		}
	}
}

// any checks an Any in its JSON form: "@type" plus the fields of that type (or
// "value" for a well-known type).
func (w *protoWalker) any(n *yaml.Node, path string, depth int) {
	if n.Kind != yaml.MappingNode {
		w.errorf(path, CodeInvalidValue, "", "expected a mapping with \"@type\" (google.protobuf.Any), found %s", describeNode(n))
		return
	}
	url := yamltree.Scalar(yamltree.Field(n, "@type"))
	if url == "" {
		if len(n.Content) > 0 {
			w.errorf(path, CodeInvalidValue, "add \"@type: type.googleapis.com/<full.message.Name>\"", "typed config has no \"@type\"")
			w.unresolved = true
		}
		return
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByURL(url)
	if err != nil {
		w.unresolvedType(url, yamltree.Join(path, "@type"))
		return
	}
	md := mt.Descriptor()
	skip := map[string]bool{"@type": true}
	switch {
	case opaqueJSON[md.FullName()]:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; k != "@type" && k != "value" {
				sev, code := w.unknown(true)
				w.report(sev, yamltree.Join(path, k), code, "", "unknown field %q in an Any holding %s (expected only \"value\")", k, md.FullName())
			}
		}
	case typedStructNames[md.FullName()]:
		w.typedStruct(n, path, depth)
	default:
		w.fields(md, n, path, true, depth+1, skip)
	}
}

func (w *protoWalker) typedStruct(n *yaml.Node, path string, depth int) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k := n.Content[i].Value; k {
		case "@type", "type_url", "typeUrl", "value":
		default:
			sev, code := w.unknown(true)
			w.report(sev, yamltree.Join(path, k), code, diag.DidYouMean(k, []string{"typeUrl", "value"}), "unknown field %q in TypedStruct", k)
		}
	}
	tn, tk := yamltree.FieldAny(n, "type_url", "typeUrl")
	url := yamltree.Scalar(tn)
	if url == "" {
		w.errorf(path, CodeInvalidValue, "", "TypedStruct has no type_url")
		return
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByURL(url)
	if err != nil {
		// An unknown TypedStruct type does not fail Istio's decoding (value is a Struct),
		// but the filter cannot be configured.
		w.unresolvedTyped(url, yamltree.Join(path, tk))
		return
	}
	if v := yamltree.Field(n, "value"); v != nil {
		w.message(mt.Descriptor(), v, yamltree.Join(path, "value"), true, depth+1)
	}
}

func (w *protoWalker) unresolvedType(url, path string) {
	w.unresolved = true
	msg := "referenced type unknown: could not resolve Any message type %q"
	if strings.Contains(url, ".v2.") || strings.Contains(url, ".v2alpha.") {
		msg = "referenced type unknown (hint: try using the v3 XDS API): could not resolve Any message type %q"
	}
	w.errorf(path, CodeIstioValidation, typeHint(url), msg, url)
}

func (w *protoWalker) unresolvedTyped(url, path string) {
	w.errorf(path, CodeInvalidValue, typeHint(url), "TypedStruct type_url %q names no type this Envoy API knows; expected a v3 type such as type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm", url)
}

// typeHint suggests a linked type close to the unresolved one. It ranges over the
// registry only on this error path.
func typeHint(url string) string {
	name := url[strings.LastIndexByte(url, '/')+1:]
	var cands []string
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		cands = append(cands, string(mt.Descriptor().FullName()))
		return true
	})
	if s := diag.Suggest(name, cands); s != "" && s != name {
		return fmt.Sprintf("did you mean %q?", "type.googleapis.com/"+s)
	}
	return ""
}

// decodeInto decodes the subtree at path into m. Unknown fields were reported by the
// walker, so they are discarded here; a failure is reported unless the walker already
// reported a problem at that spot. It returns whether m holds the value.
func decodeInto(ix *posIndex, l *diag.List, bad map[string]bool, n *yaml.Node, path string, m proto.Message, code string, skip ...string) bool {
	t := jsonTexts.Get().(*jsonText)
	defer func() {
		t.reset()
		jsonTexts.Put(t)
	}()
	t.base = path
	t.value(ix, n, -1, 0, skip)
	l.Append(t.errs)
	err := protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(t.buf, m)
	if err == nil {
		return true
	}
	p, msg := t.locate(err)
	if p == "" {
		p = path
	}
	if !bad[yamltree.Canon(p)] {
		l.Add(diag.Finding{Pos: ix.pos(p), Path: ix.display(p), Severity: diag.Error, Code: code, Msg: msg})
	}
	return false
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

// validatePGV runs m's protoc-gen-validate rules (not looking inside Any) and reports
// each violation at base + its field path.
func validatePGV(ix *posIndex, l *diag.List, m proto.Message, base string, skip map[string]bool) {
	v, ok := m.(interface{ ValidateAll() error })
	if !ok {
		return
	}
	var out []pgvFinding
	flattenPGV(v.ValidateAll(), "", &out)
	name := m.ProtoReflect().Descriptor().FullName()
	for _, f := range out {
		p := base
		if f.path != "" {
			p = yamltree.Join(base, f.path)
		}
		if skip[yamltree.Canon(p)] || skip[yamltree.Canon(yamltree.Parent(p))] {
			continue
		}
		l.Add(diag.Finding{Pos: ix.pos(p), Path: ix.display(p), Severity: diag.Error, Code: CodePGV,
			Msg: fmt.Sprintf("%s (Envoy API rule of %s)", f.reason, name)})
	}
}
