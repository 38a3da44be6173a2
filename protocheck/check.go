// Package protocheck checks a JSON value (a yamltree.Value, read from YAML with its
// positions) against a protobuf message as a given JSON parser would, reporting
// every violation at its line and column with its field path, where the parser
// itself stops at the first. The parser is protojson by default; Envoy's (case-
// insensitive enums, single values for lists, TypedStruct values read as their
// type) and others are described by a Parser. Each caller maps the classes of
// problems onto its own codes and severities with a Policy.
package protocheck

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/wasmgen/wasmgen/diag"

	"github.com/wasmgen/wasmgen/yamltree"

	"google.golang.org/protobuf/types/descriptorpb"

	"google.golang.org/protobuf/proto"

	"github.com/envoyproxy/protoc-gen-validate/validate"
)

// Class is the kind of a problem, for a Parser's Policy to map onto its own codes.
type Class int

const (
	UnknownField Class = iota
	DuplicateField
	Oneof
	Type // the wrong JSON type for the field
	Int  // not an integer of the field's range
	Unsigned
	Float
	Enum
	Bytes
	MapKey
	Duration
	Timestamp
	FieldMask
	Any     // a malformed Any
	AnyType // an Any whose @type the parser cannot resolve
	Required
	TypedStructType // a TypedStruct whose type_url the parser cannot resolve
	numClasses
)

// Codes of each class, as filter configs report them (WG3020–WG3034; an Any or
// TypedStruct naming an unknown type is WG3033 as a malformed Any is).
const (
	CodeUnknownField   = "WG3020"
	CodeDuplicateField = "WG3021"
	CodeOneof          = "WG3022"
	CodeType           = "WG3023"
	CodeInt            = "WG3024"
	CodeUnsigned       = "WG3025"
	CodeFloat          = "WG3026"
	CodeEnum           = "WG3027"
	CodeBytes          = "WG3028"
	CodeMapKey         = "WG3029"
	CodeDuration       = "WG3030"
	CodeTimestamp      = "WG3031"
	CodeFieldMask      = "WG3032"
	CodeAny            = "WG3033"
	CodeRequired       = "WG3034"
)

// DefaultCodes maps each class onto its code.
var DefaultCodes = [numClasses]string{
	UnknownField: CodeUnknownField, DuplicateField: CodeDuplicateField, Oneof: CodeOneof, Type: CodeType, Int: CodeInt,
	Unsigned: CodeUnsigned, Float: CodeFloat, Enum: CodeEnum, Bytes: CodeBytes, MapKey: CodeMapKey,
	Duration: CodeDuration, Timestamp: CodeTimestamp, FieldMask: CodeFieldMask, Any: CodeAny, AnyType: CodeAny,
	Required: CodeRequired, TypedStructType: CodeAny,
}

// CodeAuthority marks a value the walker accepted and protojson refused: a bug of
// the walker, reported rather than hidden.
const CodeAuthority = "WG3098"

// Issue is one problem found, before the Parser's Policy makes it a finding.
type Issue struct {
	Class Class
	Node  *yaml.Node // where it is
	Path  string     // the field path, as written
	Msg   string
	Hint  string
	// Message is the message the field was looked up in (UnknownField), Key the
	// member's key as written, InAny whether it lies inside an Any or TypedStruct.
	Message protoreflect.MessageDescriptor
	Key     string
	InAny   bool
	URL     string // the type URL (AnyType, TypedStructType)
	// Discardable is set for what protojson drops under DiscardUnknown (an unknown
	// field, an unknown enum name) instead of refusing the value.
	Discardable bool
}

// Verdict is what a Policy makes of an Issue: drop it, or report it with this
// severity and code (the Issue's Msg and Hint may be rewritten in place).
type Verdict struct {
	Drop     bool
	Severity diag.Severity
	Code     string
}

// Types resolves the message types an Any or TypedStruct names.
type Types interface {
	FindMessageByURL(url string) (protoreflect.MessageType, error)
	FindExtensionByName(field protoreflect.FullName) (protoreflect.ExtensionType, error)
	RangeMessages(f func(protoreflect.MessageType) bool)
}

// Parser is the JSON parser whose verdict a check reproduces. The zero value with
// Types set is protojson's proto3 JSON (google.golang.org/protobuf/encoding/protojson).
type Parser struct {
	Types Types
	// FoldEnums accepts enum names whatever their case (Envoy sets
	// case_insensitive_enum_parsing in MessageUtil::loadFromJson,
	// source/common/protobuf/utility.cc).
	FoldEnums bool
	// SingleAsList accepts one value where a list is expected (protobuf's legacy JSON
	// parser, which Envoy uses: src/google/protobuf/json/internal/parser.cc, "the
	// original ESF parser permits a single element in place of an array").
	SingleAsList bool
	// TypedStruct reads the value of a udpa/xds TypedStruct as the message its
	// type_url names (what Envoy does when it loads one) instead of as a Struct.
	TypedStruct bool
	// Inner, when set, is the parser of TypedStruct values: another consumer may
	// read them (istiod passes a patch value's TypedStruct on; Envoy converts it).
	Inner *Parser
	// OpaqueStructs checks only the shape of a google.protobuf.Struct, ListValue or
	// Value, not what is inside: for callers that read the content as a type of its
	// own (an EnvoyFilter patch value is checked as the Envoy object it stands for).
	OpaqueStructs bool
	// NoRequired skips proto2 required-field checks (proto3 has none).
	NoRequired bool
	// RequiredOneofs reports a oneof that protoc-gen-validate marks required
	// ((validate.required) = true) with none of its fields set, as class Required:
	// for types whose Go validation code is not linked (the v2 API), where the
	// descriptor is all there is. Like required fields, not checked with NoRequired.
	RequiredOneofs bool
	// NamedConfig, when set, names the message an untyped `config` Struct converts to,
	// from the message holding it and the value of its sibling `name` field ("" if it
	// does not know): the v2 API's filters, whose configuration Envoy converts by the
	// filter's name (translateOpaqueConfig). The value is then checked as that
	// message, as if inside an Any.
	NamedConfig func(holder protoreflect.FullName, name string) protoreflect.FullName
	// Policy maps each issue onto a finding; nil reports every issue as an error
	// with DefaultCodes.
	Policy func(is *Issue) Verdict
}

// Result is a check's outcome.
type Result struct {
	Findings diag.List
	// Unresolved are the Anys whose type the parser does not have, whatever the policy
	// made of them: protojson cannot decode them, so a caller decoding the value
	// leaves them out (Result.JSON's skip).
	Unresolved []Unresolved
	// Fatal are the paths of the issues protojson refuses even with unknown fields
	// and enum names discarded and unresolved Anys left out, whatever the policy made
	// of them: a value with one below it cannot be decoded.
	Fatal []string
	fixes map[*yamltree.Value]fix
}

// Unresolved is an Any naming a type the parser does not have, and where it is.
type Unresolved struct {
	V    *yamltree.Value
	Path string
}

// fix is how a value the parser accepts differs from what protojson accepts.
type fix struct {
	enum string // the enum value's canonical name (a case-folded match)
	wrap bool   // one value where a list is expected
}

// Check validates a JSON value against md as parser p would, and reports every
// violation at its YAML position with its field path (path is the value's own).
func Check(md protoreflect.MessageDescriptor, v *yamltree.Value, file, path string, p *Parser) *Result {
	c := &checker{file: file, p: p, res: &Result{}}
	c.message(md, v, pathv{base: path, segs: make([]seg, 0, 32)}, false, p.NoRequired)
	c.res.Findings.Sort()
	return c.res
}

// HasErrors reports whether a finding is an error.
func (r *Result) HasErrors() bool { return r.Findings.HasErrors() }

// JSON is the value as protojson reads it: the parser's leniencies applied (enum
// names in their canonical case, single values wrapped in lists), and the values in
// skip written as null (proto3 JSON's "unset"), for callers that decode parts of a
// document separately.
func (r *Result) JSON(v *yamltree.Value, skip map[*yamltree.Value]bool) []byte {
	return r.AppendJSON(nil, v, skip)
}

// AppendJSON is JSON appending to b.
func (r *Result) AppendJSON(b []byte, v *yamltree.Value, skip map[*yamltree.Value]bool) []byte {
	if len(r.fixes) == 0 && len(skip) == 0 {
		return v.AppendJSON(b)
	}
	return r.appendJSON(b, v, skip)
}

func (r *Result) appendJSON(b []byte, v *yamltree.Value, skip map[*yamltree.Value]bool) []byte {
	if skip[v] {
		return append(b, "null"...)
	}
	f := r.fixes[v]
	if f.wrap {
		b = append(b, '[')
	}
	switch {
	case f.enum != "":
		b = yamltree.AppendString(b, f.enum)
	case v.Kind == yamltree.Array:
		b = append(b, '[')
		for i, e := range v.Elems {
			if i > 0 {
				b = append(b, ',')
			}
			b = r.appendJSON(b, e, skip)
		}
		b = append(b, ']')
	case v.Kind == yamltree.Object:
		b = append(b, '{')
		for i, m := range v.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = yamltree.AppendString(b, m.Key)
			b = append(b, ':')
			b = r.appendJSON(b, m.Val, skip)
		}
		b = append(b, '}')
	default:
		b = v.AppendJSON(b)
	}
	if f.wrap {
		b = append(b, ']')
	}
	return b
}

func (r *Result) fix(v *yamltree.Value, f func(*fix)) {
	if r.fixes == nil {
		r.fixes = map[*yamltree.Value]fix{}
	}
	x := r.fixes[v]
	f(&x)
	r.fixes[v] = x
}

// pathv is the path of the value being checked, spelled out only for an issue: a
// clean value needs no path strings at all. Children append to the parent's
// segments in place, which is safe because a child's path is used only while the
// child is checked (siblings are checked one after the other).
type pathv struct {
	base string
	segs []seg
}

type seg struct {
	key   string
	index int // a list item's index, -1 for a key
}

func (p pathv) key(k string) pathv { return pathv{p.base, append(p.segs, seg{key: k, index: -1})} }
func (p pathv) idx(i int) pathv    { return pathv{p.base, append(p.segs, seg{index: i})} }

func (p pathv) String() string {
	s := p.base
	for _, g := range p.segs {
		if g.index >= 0 {
			s = yamltree.Index(s, g.index)
		} else {
			s = yamltree.Join(s, g.key)
		}
	}
	return s
}

type checker struct {
	file  string
	p     *Parser
	res   *Result
	depth int  // messages entered, as protojson counts them against its recursion limit
	inAny bool // below an Any or a TypedStruct
}

// recursionLimit is protojson's default UnmarshalOptions.RecursionLimit.
const recursionLimit = 10000

func (c *checker) enter(n *yaml.Node, path pathv) bool {
	c.depth++
	if c.depth > recursionLimit {
		c.add(n, path, Type, "", "nests more than %d messages deep", recursionLimit)
		return false
	}
	return true
}

func (c *checker) add(n *yaml.Node, path pathv, class Class, hint, format string, args ...any) {
	c.report(&Issue{Class: class, Node: n, Path: path.String(), Hint: hint, Msg: fmt.Sprintf(format, args...), InAny: c.inAny})
}

func (c *checker) report(is *Issue) {
	if is.Class != UnknownField && is.Class != AnyType && !is.Discardable {
		c.res.Fatal = append(c.res.Fatal, is.Path)
	}
	v := Verdict{Severity: diag.Error, Code: DefaultCodes[is.Class]}
	if c.p.Policy != nil {
		v = c.p.Policy(is)
	}
	if v.Drop {
		return
	}
	c.res.Findings.Add(diag.Finding{Pos: yamltree.Pos(c.file, is.Node), Path: is.Path, Severity: v.Severity, Code: v.Code,
		Msg: is.Msg, Hint: is.Hint})
}

// describe names a JSON value for messages: `string "abc"`, `number 12`, `object`.
func describe(v *yamltree.Value) string {
	switch v.Kind {
	case yamltree.String:
		s := v.Text
		if len(s) > 40 {
			s = s[:37] + "..."
		}
		return fmt.Sprintf("string %q", s)
	case yamltree.Number, yamltree.Bool:
		return v.Kind.String() + " " + v.Text
	}
	return v.Kind.String()
}

func (c *checker) wrongType(v *yamltree.Value, path pathv, want string) {
	c.add(v.Node, path, Type, "", "found %s, expected %s", describe(v), want)
}

// message checks an object against a message. skipType is set for the body of
// an Any (its "@type" is not a field); partial skips proto2 required checks,
// as protojson does inside an Any.
func (c *checker) message(md protoreflect.MessageDescriptor, v *yamltree.Value, path pathv, skipType, partial bool) {
	defer func() { c.depth-- }()
	if !c.enter(v.Node, path) {
		return
	}
	if c.wellKnown(md, v, path) {
		return
	}
	if v.Kind != yamltree.Object {
		c.wrongType(v, path, "an object ("+string(md.FullName())+")")
		return
	}
	if c.p.TypedStruct && isTypedStruct(md.FullName()) {
		c.typedStruct(md, v, path, skipType)
		return
	}
	fields := md.Fields()
	seen := map[protoreflect.FieldNumber]string{}
	oneofs := map[int]string{}
	for _, m := range v.Members {
		fpath := path.key(m.Key)
		if skipType && m.Key == "@type" {
			continue
		}
		var fd protoreflect.FieldDescriptor
		if strings.HasPrefix(m.Key, "[") && strings.HasSuffix(m.Key, "]") {
			xt, err := c.p.Types.FindExtensionByName(protoreflect.FullName(m.Key[1 : len(m.Key)-1]))
			if err == nil {
				fd = xt.TypeDescriptor()
				if !md.ExtensionRanges().Has(fd.Number()) || fd.ContainingMessage().FullName() != md.FullName() {
					c.add(m.KeyNode, fpath, UnknownField, "", "message %s cannot be extended by %s", md.FullName(), fd.FullName())
					continue
				}
			}
		} else {
			fd = fields.ByJSONName(m.Key)
			if fd == nil {
				fd = fields.ByTextName(m.Key)
			}
		}
		if fd == nil {
			c.report(&Issue{Class: UnknownField, Node: m.KeyNode, Path: fpath.String(), Hint: unknownHint(m.Key, fields),
				Msg: fmt.Sprintf("unknown field %q in %s", m.Key, md.FullName()), Message: md, Key: m.Key, InAny: c.inAny})
			continue
		}
		if prev, dup := seen[fd.Number()]; dup {
			if prev == m.Key {
				c.add(m.KeyNode, fpath, DuplicateField, "keep one of them", "duplicate key %q; each field may appear once", m.Key)
			} else {
				c.add(m.KeyNode, fpath, DuplicateField, "keep one of them",
					"field %q is set twice, as %q and as %q", fd.Name(), prev, m.Key)
			}
			continue
		}
		seen[fd.Number()] = m.Key
		if m.Val.Kind == yamltree.Null && !IsValueField(fd) && !IsNullEnumField(fd) {
			continue // null means "unset" for every other field
		}
		switch {
		case fd.IsList():
			c.list(fd, m.Val, fpath, partial)
		case fd.IsMap():
			c.mapField(fd, m.Val, fpath, partial)
		default:
			if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
				if other, set := oneofs[od.Index()]; set {
					c.add(m.KeyNode, fpath, Oneof, fmt.Sprintf("remove %q or %q", other, m.Key),
						"oneof %s is already set by %q", od.Name(), other)
					continue
				}
				oneofs[od.Index()] = m.Key
			} else if od != nil {
				// proto3 optional: protojson treats its synthetic oneof like any other.
				oneofs[od.Index()] = m.Key
			}
			if c.p.NamedConfig != nil && c.namedConfig(md, fd, v, m.Val, fpath) {
				continue
			}
			c.singular(fd, m.Val, fpath, partial)
		}
	}
	if !partial && c.p.RequiredOneofs {
		c.requiredOneofs(md, v, path, oneofs)
	}
	if !partial {
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if fd.Cardinality() != protoreflect.Required {
				continue
			}
			if key, ok := seen[fd.Number()]; !ok || memberIsNull(v, key) && !IsValueField(fd) && !IsNullEnumField(fd) {
				c.add(v.Node, path.key(fd.JSONName()), Required, "", "required field %q is missing", fd.Name())
			}
		}
	}
}

// requiredOneofs reports each oneof marked (validate.required) with no member set.
func (c *checker) requiredOneofs(md protoreflect.MessageDescriptor, v *yamltree.Value, path pathv, set map[int]string) {
	ods := md.Oneofs()
	for i := 0; i < ods.Len(); i++ {
		od := ods.Get(i)
		if od.IsSynthetic() {
			continue
		}
		if _, ok := set[od.Index()]; ok {
			continue
		}
		opts, ok := od.Options().(*descriptorpb.OneofOptions)
		if !ok || opts == nil || !proto.HasExtension(opts, validate.E_Required) || !proto.GetExtension(opts, validate.E_Required).(bool) {
			continue
		}
		var names []string
		for j := 0; j < od.Fields().Len(); j++ {
			names = append(names, string(od.Fields().Get(j).Name()))
		}
		c.report(&Issue{Class: Required, Node: v.Node, Path: path.String(), Message: md,
			Hint: "set one of " + strings.Join(names, ", "),
			Msg:  fmt.Sprintf("%s requires one of its oneof %s (protoc-gen-validate required), and none is set", md.FullName(), od.Name())})
	}
}

func memberIsNull(v *yamltree.Value, key string) bool {
	for _, m := range v.Members {
		if m.Key == key {
			return m.Val.Kind == yamltree.Null
		}
	}
	return false
}

func unknownHint(key string, fields protoreflect.FieldDescriptors) string {
	var cands []string
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		cands = append(cands, fd.JSONName())
		if string(fd.Name()) != fd.JSONName() {
			cands = append(cands, string(fd.Name()))
		}
	}
	if h := diag.DidYouMean(key, cands); h != "" {
		return h
	}
	if len(cands) == 0 {
		return "the message has no fields"
	}
	sort.Strings(cands)
	if len(cands) > 12 {
		cands = append(cands[:12], "...")
	}
	return "known fields: " + strings.Join(cands, ", ")
}

// IsValueField reports whether fd is a google.protobuf.Value (null is a value there).
func IsValueField(fd protoreflect.FieldDescriptor) bool {
	md := fd.Message()
	return md != nil && md.FullName() == "google.protobuf.Value"
}

// IsNullEnumField reports whether fd is the NullValue enum (null is its value).
func IsNullEnumField(fd protoreflect.FieldDescriptor) bool {
	ed := fd.Enum()
	return ed != nil && ed.FullName() == "google.protobuf.NullValue"
}

func (c *checker) singular(fd protoreflect.FieldDescriptor, v *yamltree.Value, path pathv, partial bool) {
	if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind {
		c.message(fd.Message(), v, path, false, partial)
		return
	}
	c.scalar(fd, v, path)
}

func (c *checker) list(fd protoreflect.FieldDescriptor, v *yamltree.Value, path pathv, partial bool) {
	if v.Kind != yamltree.Array && c.p.SingleAsList {
		c.res.fix(v, func(f *fix) { f.wrap = true })
		c.singular(fd, v, path.idx(0), partial)
		return
	}
	if v.Kind != yamltree.Array {
		c.wrongType(v, path, "an array")
		return
	}
	for i, e := range v.Elems {
		c.singular(fd, e, path.idx(i), partial)
	}
}

func (c *checker) mapField(fd protoreflect.FieldDescriptor, v *yamltree.Value, path pathv, partial bool) {
	if v.Kind != yamltree.Object {
		c.wrongType(v, path, "an object (map)")
		return
	}
	kfd, vfd := fd.MapKey(), fd.MapValue()
	seen := map[string]string{}
	for _, m := range v.Members {
		mpath := path.key(m.Key)
		norm, ok := mapKey(kfd.Kind(), m.Key)
		if !ok {
			c.add(m.KeyNode, mpath, MapKey, "", "map key %q is not a %s", m.Key, kindWord(kfd.Kind()))
			continue
		}
		if prev, dup := seen[norm]; dup {
			c.add(m.KeyNode, mpath, MapKey, "keep one of them", "duplicate map key %q (same key as %q)", m.Key, prev)
			continue
		}
		seen[norm] = m.Key
		c.singular(vfd, m.Val, mpath, partial)
	}
}

// mapKey parses a JSON object key as protojson does (decimal only) and returns
// a normal form so "1" and "+1" count as the same key.
func mapKey(k protoreflect.Kind, s string) (string, bool) {
	switch k {
	case protoreflect.StringKind:
		return s, true
	case protoreflect.BoolKind:
		return s, s == "true" || s == "false"
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		n, err := strconv.ParseInt(s, 10, 32)
		return strconv.FormatInt(n, 10), err == nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		n, err := strconv.ParseInt(s, 10, 64)
		return strconv.FormatInt(n, 10), err == nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		n, err := strconv.ParseUint(s, 10, 32)
		return strconv.FormatUint(n, 10), err == nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		n, err := strconv.ParseUint(s, 10, 64)
		return strconv.FormatUint(n, 10), err == nil
	}
	return "", false
}

func kindWord(k protoreflect.Kind) string {
	switch k {
	case protoreflect.BoolKind:
		return "bool (true or false)"
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return "decimal int32"
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return "decimal int64"
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return "decimal uint32"
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return "decimal uint64"
	}
	return k.String()
}

func (c *checker) scalar(fd protoreflect.FieldDescriptor, v *yamltree.Value, path pathv) {
	switch k := fd.Kind(); k {
	case protoreflect.BoolKind:
		if v.Kind != yamltree.Bool {
			c.wrongType(v, path, "a boolean (true or false, unquoted)")
		}
	case protoreflect.StringKind:
		if v.Kind != yamltree.String {
			hint := ""
			if v.Kind == yamltree.Number || v.Kind == yamltree.Bool {
				hint = fmt.Sprintf("quote it: %q", v.Text)
			}
			c.add(v.Node, path, Type, hint, "found %s, expected a string", describe(v))
		}
	case protoreflect.BytesKind:
		if v.Kind != yamltree.String {
			c.wrongType(v, path, "a base64 string")
			return
		}
		if _, ok := decodeBase64(v.Text); !ok {
			c.add(v.Node, path, Bytes, "encode bytes as standard or URL-safe base64, e.g. \"aGVsbG8=\"",
				"%s is not valid base64", describe(v))
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		bits := 64
		if k == protoreflect.FloatKind {
			bits = 32
		}
		if !floatOK(v, bits) {
			c.add(v.Node, path, Float, `special values are the strings "NaN", "Infinity" and "-Infinity"`,
				"found %s, expected a %s number in range", describe(v), k)
		}
	case protoreflect.EnumKind:
		c.enum(fd, v, path)
	default:
		c.integer(fd, v, path)
	}
}

func (c *checker) integer(fd protoreflect.FieldDescriptor, v *yamltree.Value, path pathv) {
	k := fd.Kind()
	bits, unsigned := IntKind(k)
	var lit string
	switch v.Kind {
	case yamltree.Number:
		lit = v.Text
	case yamltree.String:
		if !yamltree.IsJSONNumber(v.Text) {
			c.add(v.Node, path, Int, "", "found %s, expected %s %s (a number, or a string holding one)", describe(v), article(k), k)
			return
		}
		lit = v.Text
	default:
		c.wrongType(v, path, article(k)+" "+k.String()+" number")
		return
	}
	is, ok := intString(lit)
	if !ok {
		c.add(v.Node, path, Int, "", "%s is not an integer, expected %s %s", describe(v), article(k), k)
		return
	}
	if unsigned {
		if _, err := strconv.ParseUint(is, 10, bits); err != nil {
			if strings.HasPrefix(is, "-") {
				c.add(v.Node, path, Unsigned, "", "%s is negative; %s takes 0 to %d", describe(v), k, uint64(math.MaxUint64)>>(64-bits))
			} else {
				c.add(v.Node, path, Int, "", "%s is out of range for %s (0 to %d)", describe(v), k, uint64(math.MaxUint64)>>(64-bits))
			}
		}
		return
	}
	if _, err := strconv.ParseInt(is, 10, bits); err != nil {
		c.add(v.Node, path, Int, "", "%s is out of range for %s (%d to %d)", describe(v), k,
			int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1))
	}
}

// IntKind is the width and signedness of an integer kind.
func IntKind(k protoreflect.Kind) (bits int, unsigned bool) {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return 32, false
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return 32, true
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return 64, true
	}
	return 64, false
}

// intString turns a JSON number literal that denotes an integer (1, 1.0, 1e3,
// 100e-2) into decimal digits, refusing more than 20 digits, as protojson does.
func intString(s string) (string, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var intp, frac, exp string
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s, exp = s[:i], s[i+1:]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, frac = s[:i], s[i+1:]
	}
	intp = s
	if intp == "0" {
		intp = ""
	}
	frac = strings.TrimRight(frac, "0")
	if intp == "" && frac == "" {
		return "0", true
	}
	e := 0
	if exp != "" {
		n, err := strconv.ParseInt(exp, 10, 32)
		if err != nil {
			return "", false
		}
		e = int(n)
	}
	var num string
	if e >= 0 {
		if len(frac) > e || len(intp)+e > 20 {
			return "", false
		}
		num = intp + frac + strings.Repeat("0", e-len(frac))
	} else {
		if frac != "" {
			return "", false
		}
		idx := len(intp) + e
		if idx < 0 {
			return "", false
		}
		if strings.Trim(intp[idx:], "0") != "" {
			return "", false
		}
		num = intp[:idx]
	}
	if neg {
		return "-" + num, true
	}
	return num, true
}

func floatOK(v *yamltree.Value, bits int) bool {
	switch v.Kind {
	case yamltree.Number:
		_, err := strconv.ParseFloat(v.Text, bits)
		return err == nil
	case yamltree.String:
		switch v.Text {
		case "NaN", "Infinity", "-Infinity":
			return true
		}
		if !yamltree.IsJSONNumber(v.Text) {
			return false
		}
		_, err := strconv.ParseFloat(v.Text, bits)
		return err == nil
	}
	return false
}

func decodeBase64(s string) ([]byte, bool) {
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if len(s)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	b, err := enc.DecodeString(s)
	return b, err == nil
}

func (c *checker) enum(fd protoreflect.FieldDescriptor, v *yamltree.Value, path pathv) {
	ed := fd.Enum()
	switch v.Kind {
	case yamltree.String:
		if ed.Values().ByName(protoreflect.Name(v.Text)) != nil {
			return
		}
		if c.p.FoldEnums {
			// protobuf's case-insensitive parsing upper-cases the name and looks it up
			// again (json/internal/parser.cc ParseEnum).
			if ev := ed.Values().ByName(protoreflect.Name(strings.ToUpper(v.Text))); ev != nil {
				c.res.fix(v, func(f *fix) { f.enum = string(ev.Name()) })
				return
			}
		}
		c.report(&Issue{Class: Enum, Node: v.Node, Path: path.String(), Hint: enumHint(v.Text, ed), InAny: c.inAny, Discardable: true,
			Msg: fmt.Sprintf("unknown value %q for enum %s", v.Text, ed.FullName())})
		return
	case yamltree.Number:
		if is, ok := intString(v.Text); ok {
			if _, err := strconv.ParseInt(is, 10, 32); err == nil {
				return
			}
		}
		c.add(v.Node, path, Enum, enumHint("", ed), "%s is not an int32 enum number for %s", describe(v), ed.FullName())
		return
	case yamltree.Null:
		if ed.FullName() == "google.protobuf.NullValue" {
			return
		}
	}
	c.add(v.Node, path, Enum, enumHint("", ed), "found %s, expected a name or number of enum %s", describe(v), ed.FullName())
}

func enumHint(s string, ed protoreflect.EnumDescriptor) string {
	var names []string
	vals := ed.Values()
	for i := 0; i < vals.Len(); i++ {
		names = append(names, string(vals.Get(i).Name()))
	}
	if s != "" {
		if h := diag.DidYouMean(s, names); h != "" {
			return h
		}
	}
	if len(names) > 12 {
		names = append(names[:12], "...")
	}
	return "one of: " + strings.Join(names, ", ")
}

// wellKnown checks the message types whose JSON form is special and reports
// whether md was one of them.
func (c *checker) wellKnown(md protoreflect.MessageDescriptor, v *yamltree.Value, path pathv) bool {
	name := md.FullName()
	if name.Parent() != "google.protobuf" {
		return false
	}
	switch name.Name() {
	case "Any":
		c.any(v, path)
	case "Timestamp":
		c.timestamp(v, path)
	case "Duration":
		c.duration(v, path)
	case "BoolValue", "Int32Value", "Int64Value", "UInt32Value", "UInt64Value",
		"FloatValue", "DoubleValue", "StringValue", "BytesValue":
		c.scalar(md.Fields().ByNumber(1), v, path)
	case "Struct":
		if c.p.OpaqueStructs {
			if v.Kind != yamltree.Object {
				c.wrongType(v, path, "an object (google.protobuf.Struct)")
			}
			return true
		}
		c.structObj(v, path)
	case "ListValue":
		if c.p.OpaqueStructs {
			if v.Kind != yamltree.Array {
				c.wrongType(v, path, "an array (google.protobuf.ListValue)")
			}
			return true
		}
		c.listValue(v, path)
	case "Value":
		if c.p.OpaqueStructs {
			return true
		}
		c.value(v, path)
	case "FieldMask":
		c.fieldMask(v, path)
	case "Empty":
		if v.Kind != yamltree.Object {
			c.wrongType(v, path, "an empty object {} (google.protobuf.Empty)")
			return true
		}
		for _, m := range v.Members {
			c.add(m.KeyNode, path.key(m.Key), UnknownField, "google.protobuf.Empty is {}", "unknown field %q in google.protobuf.Empty", m.Key)
		}
	default:
		return false
	}
	return true
}

func (c *checker) structObj(v *yamltree.Value, path pathv) {
	if v.Kind != yamltree.Object {
		c.wrongType(v, path, "an object (google.protobuf.Struct)")
		return
	}
	seen := map[string]bool{}
	for _, m := range v.Members {
		mpath := path.key(m.Key)
		if seen[m.Key] {
			c.add(m.KeyNode, mpath, MapKey, "keep one of them", "duplicate key %q", m.Key)
			continue
		}
		seen[m.Key] = true
		c.nestedValue(m.Val, mpath)
	}
}

func (c *checker) listValue(v *yamltree.Value, path pathv) {
	if v.Kind != yamltree.Array {
		c.wrongType(v, path, "an array (google.protobuf.ListValue)")
		return
	}
	for i, e := range v.Elems {
		c.nestedValue(e, path.idx(i))
	}
}

// nestedValue is a Value inside a Struct or ListValue: a message of its own to protojson.
func (c *checker) nestedValue(v *yamltree.Value, path pathv) {
	defer func() { c.depth-- }()
	if c.enter(v.Node, path) {
		c.value(v, path)
	}
}

func (c *checker) value(v *yamltree.Value, path pathv) {
	switch v.Kind {
	case yamltree.Number:
		if _, err := strconv.ParseFloat(v.Text, 64); err != nil {
			c.add(v.Node, path, Float, "", "%s is out of range for google.protobuf.Value (a double)", describe(v))
		}
	case yamltree.Object:
		c.structObj(v, path)
	case yamltree.Array:
		c.listValue(v, path)
	}
}

const maxDurationSeconds = 315576000000

func (c *checker) duration(v *yamltree.Value, path pathv) {
	const hint = `write seconds with an "s" suffix, e.g. "1.5s", "300s" (at most 9 fractional digits)`
	if v.Kind != yamltree.String {
		c.add(v.Node, path, Duration, hint, "found %s, expected a duration string", describe(v))
		return
	}
	secs, ok := parseDuration(v.Text)
	if !ok {
		c.add(v.Node, path, Duration, hint, "%s is not a google.protobuf.Duration", describe(v))
		return
	}
	if secs < -maxDurationSeconds || secs > maxDurationSeconds {
		c.add(v.Node, path, Duration, "", "%s is out of range (±315576000000s)", describe(v))
	}
}

// parseDuration follows the proto3 JSON grammar: [+-](digits[.digits{0,9}]|.digits)s.
func parseDuration(s string) (int64, bool) {
	if len(s) < 2 || s[len(s)-1] != 's' {
		return 0, false
	}
	b := s[:len(s)-1]
	if b[0] == '-' || b[0] == '+' {
		b = b[1:]
	}
	if b == "" {
		return 0, false
	}
	intp := ""
	switch {
	case b[0] == '0':
		b = b[1:]
	case b[0] >= '1' && b[0] <= '9':
		i := 1
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		intp, b = b[:i], b[i:]
	case b[0] == '.':
	default:
		return 0, false
	}
	if b != "" {
		if b[0] != '.' {
			return 0, false
		}
		b = b[1:]
		n := 0
		for n < len(b) && n < 9 && b[n] >= '0' && b[n] <= '9' {
			n++
		}
		if n != len(b) {
			return 0, false
		}
	}
	if intp == "" {
		return 0, true
	}
	secs, err := strconv.ParseInt(intp, 10, 64)
	if err != nil {
		return 0, false
	}
	return secs, true
}

const (
	minTimestamp = -62135596800
	maxTimestamp = 253402300799
)

func (c *checker) timestamp(v *yamltree.Value, path pathv) {
	const hint = `use RFC 3339 with a zone, e.g. "2024-05-01T12:00:00Z"`
	if v.Kind != yamltree.String {
		c.add(v.Node, path, Timestamp, hint, "found %s, expected a timestamp string", describe(v))
		return
	}
	t, err := time.Parse(time.RFC3339Nano, v.Text)
	if err != nil {
		c.add(v.Node, path, Timestamp, hint, "%s is not a google.protobuf.Timestamp", describe(v))
		return
	}
	if s := t.Unix(); s < minTimestamp || s > maxTimestamp {
		c.add(v.Node, path, Timestamp, "", "%s is out of range (years 0001 to 9999)", describe(v))
		return
	}
	i := strings.LastIndexByte(v.Text, '.')
	j := strings.LastIndexAny(v.Text, "Z-+")
	if i >= 0 && j >= i && j-i > len(".999999999") {
		c.add(v.Node, path, Timestamp, "at most 9 fractional digits", "%s has more than nanosecond precision", describe(v))
	}
}

func (c *checker) fieldMask(v *yamltree.Value, path pathv) {
	if v.Kind != yamltree.String {
		c.add(v.Node, path, FieldMask, `e.g. "user.displayName,photo"`, "found %s, expected a comma-separated field mask string", describe(v))
		return
	}
	str := strings.TrimSpace(v.Text)
	if str == "" {
		return
	}
	for _, p := range strings.Split(str, ",") {
		if strings.Contains(p, "_") || !protoreflect.FullName(jsonSnakeCase(p)).IsValid() {
			c.add(v.Node, path, FieldMask, "paths are lowerCamel field names joined by dots, separated by commas",
				"field mask path %q is invalid", p)
			return
		}
	}
}

// jsonSnakeCase is the proto3 JSON mapping from lowerCamel mask paths back to field names.
func jsonSnakeCase(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'A' <= ch && ch <= 'Z' {
			b = append(b, '_')
			ch += 'a' - 'A'
		}
		b = append(b, ch)
	}
	return string(b)
}

func (c *checker) any(v *yamltree.Value, path pathv) {
	if v.Kind != yamltree.Object {
		c.wrongType(v, path, `an object with "@type" (google.protobuf.Any)`)
		return
	}
	if len(v.Members) == 0 {
		return
	}
	var typ *yamltree.Member
	for i := range v.Members {
		m := &v.Members[i]
		if m.Key != "@type" {
			continue
		}
		if typ != nil {
			c.add(m.KeyNode, path.key("@type"), Any, "", `duplicate "@type"`)
			return
		}
		typ = m
		if m.Val.Kind != yamltree.String {
			c.add(m.Val.Node, path.key("@type"), Any, "", "@type must be a string, found %s", describe(m.Val))
			return
		}
		if m.Val.Text == "" {
			c.add(m.Val.Node, path.key("@type"), Any, "", "@type is empty")
			return
		}
	}
	if typ == nil {
		c.add(v.Node, path, Any, `add "@type": type.googleapis.com/<full message name>`, `google.protobuf.Any without "@type"`)
		return
	}
	tpath := path.key("@type")
	mt, err := c.p.Types.FindMessageByURL(typ.Val.Text)
	if err != nil {
		c.res.Unresolved = append(c.res.Unresolved, Unresolved{V: v, Path: path.String()})
		c.report(&Issue{Class: AnyType, Node: typ.Val.Node, Path: tpath.String(), Hint: anyHint(c.p.Types, typ.Val.Text),
			Msg: fmt.Sprintf("cannot resolve type %q", typ.Val.Text), URL: typ.Val.Text, InAny: c.inAny})
		return
	}
	md := mt.Descriptor()
	defer func(was bool) { c.inAny = was }(c.inAny)
	c.inAny = true
	if !IsWellKnownJSON(md.FullName()) {
		c.message(md, v, path, true, true)
		return
	}
	var value *yamltree.Member
	for i := range v.Members {
		m := &v.Members[i]
		switch m.Key {
		case "@type":
		case "value":
			if value != nil {
				c.add(m.KeyNode, path.key("value"), Any, "", `duplicate "value"`)
				continue
			}
			value = m
			c.wellKnown(md, m.Val, path.key("value"))
		default:
			c.add(m.KeyNode, path.key(m.Key), UnknownField, `a well-known type in an Any takes only "@type" and "value"`,
				"unknown field %q in an Any holding %s", m.Key, md.FullName())
		}
	}
	if value == nil && md.FullName() != "google.protobuf.Empty" {
		c.add(v.Node, path, Any, "", `an Any holding %s needs a "value" field`, md.FullName())
	}
}

func isTypedStruct(name protoreflect.FullName) bool {
	return name == "udpa.type.v1.TypedStruct" || name == "xds.type.v3.TypedStruct"
}

// namedConfig checks an untyped `config` Struct as the message the filter's name
// converts it to; it reports false when the parser does not know that message.
func (c *checker) namedConfig(md protoreflect.MessageDescriptor, fd protoreflect.FieldDescriptor, holder, v *yamltree.Value, path pathv) bool {
	if fd.Name() != "config" || fd.Message() == nil || fd.Message().FullName() != "google.protobuf.Struct" || v.Kind != yamltree.Object {
		return false
	}
	var name string
	for _, m := range holder.Members {
		if m.Key == "name" && m.Val.Kind == yamltree.String {
			name = m.Val.Text
		}
	}
	target := c.p.NamedConfig(md.FullName(), name)
	if target == "" {
		return false
	}
	mt, err := c.p.Types.FindMessageByURL("type.googleapis.com/" + string(target))
	if err != nil {
		return false
	}
	defer func(was bool) { c.inAny = was }(c.inAny)
	c.inAny = true
	c.message(mt.Descriptor(), v, path, false, true)
	return true
}

// typedStruct checks a TypedStruct as Envoy loads one: its value is the message its
// type_url names (source/common/config/utility.cc translateOpaqueConfig).
func (c *checker) typedStruct(md protoreflect.MessageDescriptor, v *yamltree.Value, path pathv, skipType bool) {
	var url, value *yamltree.Member
	for i := range v.Members {
		m := &v.Members[i]
		switch m.Key {
		case "@type":
			if skipType {
				continue
			}
		case "type_url", "typeUrl":
			if url != nil {
				c.add(m.KeyNode, path.key(m.Key), DuplicateField, "keep one of them", "field \"type_url\" is set twice, as %q and as %q", url.Key, m.Key)
				continue
			}
			url = m
			continue
		case "value":
			value = m
			continue
		}
		c.report(&Issue{Class: UnknownField, Node: m.KeyNode, Path: path.key(m.Key).String(), Hint: diag.DidYouMean(m.Key, []string{"typeUrl", "value"}),
			Msg: fmt.Sprintf("unknown field %q in %s", m.Key, md.FullName()), Message: md, Key: m.Key, InAny: c.inAny})
	}
	if url == nil || url.Val.Kind != yamltree.String || url.Val.Text == "" {
		at, p := v.Node, path
		if url != nil {
			at, p = url.Val.Node, path.key(url.Key)
		}
		c.add(at, p, Type, "", "%s has no type_url", md.Name())
		return
	}
	upath := path.key(url.Key)
	mt, err := c.p.Types.FindMessageByURL(url.Val.Text)
	if err != nil {
		c.report(&Issue{Class: TypedStructType, Node: url.Val.Node, Path: upath.String(), Hint: anyHint(c.p.Types, url.Val.Text),
			Msg: fmt.Sprintf("type_url %q names no type this parser knows", url.Val.Text), URL: url.Val.Text, InAny: c.inAny})
		return
	}
	if value == nil || value.Val.Kind == yamltree.Null {
		return
	}
	defer func(was bool, p *Parser) { c.inAny, c.p = was, p }(c.inAny, c.p)
	c.inAny = true
	if c.p.Inner != nil {
		c.p = c.p.Inner
	}
	c.message(mt.Descriptor(), value.Val, path.key("value"), false, true)
}

func anyHint(t Types, url string) string {
	var names []string
	t.RangeMessages(func(mt protoreflect.MessageType) bool {
		names = append(names, string(mt.Descriptor().FullName()))
		return true
	})
	// The registry ranges in no fixed order: sort, so ties resolve the same way on
	// every run.
	slices.Sort(names)
	prefix, name := "", url
	if i := strings.LastIndexByte(url, '/'); i >= 0 {
		prefix, name = url[:i+1], url[i+1:]
	}
	// A type of the same name in another package (another API version) is the likely
	// meaning: suggest the nearest of those first.
	short := name[strings.LastIndexByte(name, '.')+1:]
	var same []string
	for _, n := range names {
		if n[strings.LastIndexByte(n, '.')+1:] == short && n != name {
			same = append(same, n)
		}
	}
	if len(same) > 0 {
		best, bestD := same[0], -1
		for _, n := range same {
			if d := diag.Distance(name, n); bestD < 0 || d < bestD {
				best, bestD = n, d
			}
		}
		return fmt.Sprintf("did you mean %q?", prefix+best)
	}
	if s := diag.Suggest(name, names); s != "" && s != name {
		return fmt.Sprintf("did you mean %q?", prefix+s)
	}
	return "the type must be defined in the proto or its imports, named as type.googleapis.com/<full name>"
}

// IsWellKnownJSON reports whether a type has a special proto3 JSON form.
func IsWellKnownJSON(name protoreflect.FullName) bool {
	if name.Parent() != "google.protobuf" {
		return false
	}
	switch name.Name() {
	case "Any", "Timestamp", "Duration", "BoolValue", "Int32Value", "Int64Value", "UInt32Value", "UInt64Value",
		"FloatValue", "DoubleValue", "StringValue", "BytesValue", "Struct", "ListValue", "Value", "FieldMask", "Empty":
		return true
	}
	return false
}

func article(k protoreflect.Kind) string {
	if strings.HasPrefix(k.String(), "int") || strings.HasPrefix(k.String(), "uint") {
		return "an"
	}
	return "a"
}

// Rules is the catalogue of the config checks' codes (how protojson, the filter's
// own parser of its config, refuses a value).
var Rules = []diag.Rule{
	{Code: CodeUnknownField, Severity: diag.Error, Consumer: "protojson", Summary: "a field the config message does not have"},
	{Code: CodeDuplicateField, Severity: diag.Error, Consumer: "protojson", Summary: "a field set twice (also under its other JSON name)"},
	{Code: CodeOneof, Severity: diag.Error, Consumer: "protojson", Summary: "two members of one oneof"},
	{Code: CodeType, Severity: diag.Error, Consumer: "protojson", Summary: "a value of the wrong JSON type"},
	{Code: CodeInt, Severity: diag.Error, Consumer: "protojson", Summary: "not an integer of the field's range"},
	{Code: CodeUnsigned, Severity: diag.Error, Consumer: "protojson", Summary: "a negative number for an unsigned field"},
	{Code: CodeFloat, Severity: diag.Error, Consumer: "protojson", Summary: "not a number of the field's range"},
	{Code: CodeEnum, Severity: diag.Error, Consumer: "protojson", Summary: "not a name or number of the enum"},
	{Code: CodeBytes, Severity: diag.Error, Consumer: "protojson", Summary: "bytes that are not base64"},
	{Code: CodeMapKey, Severity: diag.Error, Consumer: "protojson", Summary: "a map key not of the key type, or given twice"},
	{Code: CodeDuration, Severity: diag.Error, Consumer: "protojson", Summary: "not a google.protobuf.Duration"},
	{Code: CodeTimestamp, Severity: diag.Error, Consumer: "protojson", Summary: "not a google.protobuf.Timestamp"},
	{Code: CodeFieldMask, Severity: diag.Error, Consumer: "protojson", Summary: "not a google.protobuf.FieldMask"},
	{Code: CodeAny, Severity: diag.Error, Consumer: "protojson", Summary: "a malformed Any, or one naming a type the proto does not define"},
	{Code: CodeRequired, Severity: diag.Error, Consumer: "protojson", Summary: "a proto2 required field is missing"},
	{Code: CodeAuthority, Severity: diag.Error, Consumer: "protojson", Summary: "protojson refuses what the checker passed (a bug of the checker, reported, not hidden)"},
}
