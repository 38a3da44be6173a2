package validate

import (
	"fmt"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/protocheck"
	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/wasmgen/wasmgen/internal/typeset"
)

// Each part of a document is read by one consumer, with that consumer's JSON parser:
// the resource itself by istiod (the CRD's fields, decoded by Istio's API types),
// an EnvoyFilter patch value by istiod's run-time conversion and the typed configs in
// it by Envoy, a bootstrap by Envoy at start-up. A parser is a protocheck.Parser: how
// lenient the consumer is, and how its refusals read here.

// istiodSpec reads the spec of an Istio resource: an unknown field is an error (the
// webhook refuses it), every other problem too.
func istiodSpec(v compat.Istio, types typeset.Resolver) *protocheck.Parser {
	// A patch value is a Struct here, and is read as its Envoy type by patchValue.
	return &protocheck.Parser{Types: types, NoRequired: true, OpaqueStructs: true, Policy: func(is *protocheck.Issue) protocheck.Verdict {
		switch is.Class {
		case protocheck.UnknownField:
			if is.Path == "spec.filters" && v.Has(compat.DeprecatedFilters) {
				return protocheck.Verdict{Drop: true} // that istiod's field; efDeprecatedFilters checks it
			}
			return protocheck.Verdict{Severity: diag.Error, Code: CodeUnknownField}
		case protocheck.DuplicateField:
			return protocheck.Verdict{Severity: diag.Error, Code: CodeStructure}
		}
		return protocheck.Verdict{Severity: diag.Error, Code: CodeInvalidValue}
	}}
}

// patchValue reads an EnvoyFilter patch value as istiod does (golang/protobuf's
// jsonpb: enum names in their own case, a list for a repeated field; istio/istio
// pkg/config/xds BuildXDSObjectFromStruct), and a TypedStruct's value in it as Envoy
// does, which converts it itself (envoyDynamic).
func patchValue(v compat.Istio, types typeset.Resolver) *protocheck.Parser {
	return &protocheck.Parser{Types: types, TypedStruct: true, NoRequired: true, Inner: envoyDynamic(v, types),
		Policy: patchValuePolicy(v)}
}

// envoyLenient are the leniencies of Envoy's JSON parsing wherever Envoy reads JSON
// itself (a bootstrap; a TypedStruct's value, converted through JSON): enum names in
// any case (MessageUtil::loadFromJson sets case_insensitive_enum_parsing,
// envoyproxy/envoy source/common/protobuf/utility.cc, explicitly since
// envoyproxy/envoy#6222 and protobuf's default before), and one value for a repeated
// field (protobuf's JSON parser in its legacy mode, which Envoy's build uses:
// protocolbuffers/protobuf src/google/protobuf/json/internal/parser.cc, "the
// original ESF parser permits a single element in place of an array").
func envoyLenient(p *protocheck.Parser) *protocheck.Parser {
	p.FoldEnums, p.SingleAsList = true, true
	return p
}

// envoyDynamic reads a TypedStruct's value inside a patch value, as Envoy converts it.
func envoyDynamic(v compat.Istio, types typeset.Resolver) *protocheck.Parser {
	return envoyLenient(&protocheck.Parser{Types: types, TypedStruct: true, NoRequired: true, Policy: patchValuePolicy(v)})
}

func patchValuePolicy(v compat.Istio) func(is *protocheck.Issue) protocheck.Verdict {
	return func(is *protocheck.Issue) protocheck.Verdict {
		switch is.Class {
		case protocheck.UnknownField:
			if is.Key == "config" && is.Message.Fields().ByName("typed_config") != nil {
				return legacyConfig(v, is)
			}
			if is.InAny && v.Has(compat.TypedDialect) {
				return protocheck.Verdict{Severity: diag.Error, Code: CodeUnknownInTyped}
			}
			return protocheck.Verdict{Severity: diag.Warning, Code: CodeIstioWarning}
		}
		if vd, ok := typeVerdict(v, is); ok {
			return vd
		}
		return protocheck.Verdict{Severity: diag.Error, Code: CodeInvalidValue}
	}
}

// typeVerdict is the verdict on an Any or TypedStruct naming a type the parser does
// not have, and on a field given twice, wherever Envoy config is read for release v:
// Istio's proxy has Istio's own types; an unknown TypedStruct is passed on unchecked.
func typeVerdict(v compat.Istio, is *protocheck.Issue) (protocheck.Verdict, bool) {
	switch is.Class {
	case protocheck.AnyType, protocheck.TypedStructType:
		if v.IstioProxyType(is.URL) {
			return protocheck.Verdict{Drop: true}, true // Istio's own: its proxy has it
		}
		if is.Class == protocheck.TypedStructType {
			return unresolvedTypedStruct(is), true
		}
		unresolvedAny(is)
		return protocheck.Verdict{Severity: diag.Error, Code: CodeIstioValidation}, true
	case protocheck.DuplicateField:
		return protocheck.Verdict{Severity: diag.Error, Code: CodeStructure}, true
	}
	return protocheck.Verdict{}, false
}

// envoyStatic reads a bootstrap as Envoy release e does at start-up: an unknown
// field anywhere is fatal.
// With allowUnknown (istio-proxy's --allow-unknown-static-fields) an unknown field
// is ignored with a warning instead.
func envoyStatic(e compat.Envoy, types typeset.Resolver, allowUnknown bool) *protocheck.Parser {
	return envoyLenient(&protocheck.Parser{Types: types, TypedStruct: true, NoRequired: true, Policy: func(is *protocheck.Issue) protocheck.Verdict {
		switch is.Class {
		case protocheck.UnknownField:
			if allowUnknown {
				is.Msg += ": istio-proxy starts Envoy with --allow-unknown-static-fields, so the field is ignored and the setting does not apply"
				return protocheck.Verdict{Severity: diag.Warning, Code: CodeUnknownInTyped}
			}
			if is.Key == "config" && is.Message.Fields().ByName("typed_config") != nil {
				is.Msg = fmt.Sprintf("the `config` field of %s (v2's untyped configuration) is not in the v3 API Envoy %s reads: Envoy refuses the bootstrap", is.Message.Name(), e)
				is.Hint = "use typed_config with an \"@type\" naming the filter's v3 type"
				return protocheck.Verdict{Severity: diag.Error, Code: CodeLegacyConfig}
			}
			return protocheck.Verdict{Severity: diag.Error, Code: CodeBootstrapUnknown}
		case protocheck.Required:
			return protocheck.Verdict{Severity: diag.Error, Code: CodePGV}
		}
		if vd, ok := typeVerdict(e.IstioOf(), is); ok {
			return vd
		}
		return protocheck.Verdict{Severity: diag.Error, Code: CodeBootstrapDecode}
	}})
}

// legacyConfig is the v2 filters' `config` Struct: what Istio 1.5–1.6 proxies read,
// dropped from Istio 1.7 (EnvoyFilter syntax change, istio#19885), so the filter
// gets no configuration.
func legacyConfig(v compat.Istio, is *protocheck.Issue) protocheck.Verdict {
	if v.Dialect() == compat.DialectLegacy {
		return protocheck.Verdict{Drop: true}
	}
	is.Hint = "use typed_config with an \"@type\" naming the v3 type (for Wasm: " + compat.WasmHTTPType + ")"
	if !v.Has(compat.TypedDialect) {
		is.Hint = "use typedConfig with a udpa.type.v1.TypedStruct (the Istio 1.7-1.8 form)"
	}
	is.Msg = fmt.Sprintf("the `config` field of %s is not read by Istio %s and later: the filter gets no configuration", is.Message.Name(), compat.TypedStructDialect.Since())
	return protocheck.Verdict{Severity: diag.Error, Code: CodeLegacyConfig}
}

// unresolvedAny words an Any naming a type as istiod's validation does.
func unresolvedAny(is *protocheck.Issue) {
	is.Msg = fmt.Sprintf("referenced type unknown: could not resolve Any message type %q", is.URL)
	if strings.Contains(is.URL, ".v2.") || strings.Contains(is.URL, ".v2alpha.") {
		is.Msg = fmt.Sprintf("referenced type unknown (hint: try using the v3 XDS API): could not resolve Any message type %q", is.URL)
	}
}

// unresolvedTypedStruct: a TypedStruct naming a type outside the Envoy API. istiod
// passes a TypedStruct on without looking inside, and which types Envoy has depends
// on the build (istio-proxy adds its own, such as MetadataExchange): the value is not
// checked, which is worth a warning, not a verdict.
func unresolvedTypedStruct(is *protocheck.Issue) protocheck.Verdict {
	// A v2 type is known to be gone (the parser has v2 only while Envoy has it):
	// Envoy 1.18 and later cannot convert the value, and reject the configuration.
	if _, err := v2Types.FindMessageByURL(is.URL); err == nil {
		is.Msg = fmt.Sprintf("TypedStruct type_url %q is a v2 API type, which Envoy removed in 1.%d: the proxy rejects the configuration", is.URL, compat.V2API.EnvoyUntil.Minor())
		if is.Hint == "" || strings.HasPrefix(is.Hint, "the type must") {
			is.Hint = "name the v3 type"
		}
		return protocheck.Verdict{Severity: diag.Error, Code: CodeInvalidValue}
	}
	is.Msg = fmt.Sprintf("TypedStruct type_url %q names no type of the Envoy API: its value is not checked, and only a proxy built with that type loads it", is.URL)
	if is.Hint == "" || strings.HasPrefix(is.Hint, "the type must") {
		is.Hint = "check the type_url against the extensions your proxy build has"
	}
	return protocheck.Verdict{Severity: diag.Warning, Code: CodeUnknownTyped}
}

// v2Types are the v2 API's types, to tell a type Envoy removed from one it never had.
var v2Types = typeset.Resolver{typeset.V2}

// typesFor are the types the consumers of an Envoy release know: every v3 type of
// the Envoy API, and while Envoy still loads v2 (until 1.18) the v2 API too.
func typesFor(e compat.Envoy) typeset.Resolver {
	if e.Has(compat.V2API) {
		return typeset.Resolver{typeset.V3, typeset.V2}
	}
	return typeset.Resolver{typeset.V3}
}

// parsed is a value read by a consumer's parser.
type parsed struct {
	v   *yamltree.Value
	res *protocheck.Result
}

// read converts the YAML at path and checks it as message md with parser: every
// problem is reported, and errors quiet their paths for the rules that follow. It
// returns nil when the YAML has no JSON form.
func (p *pass) read(n *yaml.Node, path string, md protoreflect.MessageDescriptor, parser *protocheck.Parser) *parsed {
	v, errs := p.arena.Convert(n, p.file, path, yamltree.DefaultLimits)
	if errs.HasErrors() {
		p.l.Append(relocate(errs, CodeStructure))
		p.rep.Quiet(path)
		return nil
	}
	return p.check(v, path, md, parser)
}

// check is read for a value already converted.
func (p *pass) check(v *yamltree.Value, path string, md protoreflect.MessageDescriptor, parser *protocheck.Parser) *parsed {
	res := protocheck.Check(md, v, p.file, path, parser)
	for _, u := range res.Unresolved {
		p.unresolved = append(p.unresolved, yamltree.Canon(u.Path))
	}
	for _, f := range res.Findings {
		if p.rep.Quieted(f.Path) {
			continue
		}
		// A finding about a field's value is at the field's key, as the rules' are.
		if n := p.ix.Node(f.Path); n != nil && n.Line == f.Pos.Line && n.Column == f.Pos.Col {
			f.Pos = p.ix.Pos(f.Path)
		}
		p.l.Add(f)
		if f.Severity == diag.Error {
			p.rep.Quiet(f.Path)
		}
	}
	return &parsed{v: v, res: res}
}

// relocate gives transcoder findings (YAML with no JSON form) the code of a
// structure problem in a manifest.
func relocate(l diag.List, code string) diag.List {
	for i := range l {
		if l[i].Code == yamltree.CodeYAML {
			l[i].Code = code
		}
	}
	return l
}

// below reports whether path is p or lies below it.
func below(path, p string) bool {
	return path == p || p == "" || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[")
}

// part is a value of a parsed document, at its path.
type part struct {
	v    *yamltree.Value
	path string
}

// jsonBufs recycles the JSON text decode hands protojson (which keeps none of it):
// a file of many EnvoyFilters otherwise allocates it anew for every patch.
var jsonBufs = sync.Pool{New: func() any { return new([]byte) }}

// decodable reports whether the part at path can be decoded: no issue protojson
// refuses below it, outside the parts decoded separately (an Any of an unknown type
// is left out of the decode, not refused).
func (x *parsed) decodable(path string, skip []part) bool {
fatal:
	for _, f := range x.res.Fatal {
		if !below(f, path) {
			continue
		}
		for _, s := range skip {
			if below(f, s.path) {
				continue fatal
			}
		}
		return false
	}
	return true
}

// decode decodes a part of x into m as the consumer reads it: lenient spellings
// made canonical, unknown fields dropped (the parser reported them), the skipped
// parts left unset. It returns false when m does not hold the value: the check
// reported why, or (a disagreement with protojson, which has the last word) decode
// reports it at the part's path.
func (p *pass) decode(x *parsed, at part, m proto.Message, code string, skip ...part) bool {
	if !x.decodable(at.path, skip) {
		return false
	}
	// Anys of types the parser does not have are left out: what is around them is
	// still checked.
	var sk map[*yamltree.Value]bool
	if len(skip)+len(x.res.Unresolved) > 0 {
		sk = make(map[*yamltree.Value]bool, len(skip)+len(x.res.Unresolved))
		for _, s := range skip {
			if s.v != nil {
				sk[s.v] = true
			}
		}
		for _, u := range x.res.Unresolved {
			sk[u.V] = true
		}
	}
	buf := jsonBufs.Get().(*[]byte)
	*buf = x.res.AppendJSON((*buf)[:0], at.v, sk)
	err := protojson.UnmarshalOptions{DiscardUnknown: true, Resolver: p.types}.Unmarshal(*buf, m)
	jsonBufs.Put(buf)
	if err == nil {
		return true
	}
	if !p.rep.Quieted(at.path) {
		p.rep.Fail(at.path, code, "", "%s", strings.TrimPrefix(err.Error(), "proto: "))
	}
	return false
}

// member is the value of key in object v (the first spelling present), or nil.
func member(v *yamltree.Value, keys ...string) *yamltree.Value {
	if v == nil || v.Kind != yamltree.Object {
		return nil
	}
	for _, k := range keys {
		for i := range v.Members {
			if v.Members[i].Key == k {
				return v.Members[i].Val
			}
		}
	}
	return nil
}
