package protoconfig

import (
	"encoding/base64"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/wasmgen/wasmgen/diag"
)

// Finding codes of config checks.
const (
	CodeUnknownField   = "WG3020"
	CodeDuplicateField = "WG3021"
	CodeOneof          = "WG3022"
	CodeType           = "WG3023" // wrong JSON type for the field
	CodeInt            = "WG3024" // not an integer of the field's range
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
	CodeAuthority      = "WG3098" // protojson rejected what the walker accepted
)

// Check validates a YAML config against md exactly as protojson.Unmarshal into a
// dynamicpb message would decide, but reports every violation at its YAML
// position with the field path (path is the config's own path, e.g. "spec.config").
// protojson still runs last; if it rejects a config the walker passed, its error
// is reported at the config's root.
func Check(md protoreflect.MessageDescriptor, config *yaml.Node, file string, path string) diag.List {
	c, v := walk(md, config, file, path)
	if v != nil && !c.errs.HasErrors() {
		if err := unmarshal(md, appendJSON(nil, v), c.types); err != nil {
			c.errs.Errorf(posOf(file, v.node), path, CodeAuthority, "protojson rejects the config: %v", err)
		}
	}
	c.errs.Sort()
	return c.errs
}

// walk is Check without protojson's final word: the differential test compares the two.
func walk(md protoreflect.MessageDescriptor, config *yaml.Node, file, path string) (*checker, *jvalue) {
	c := &checker{file: file, types: typesFor(md)}
	conv := converter{file: file}
	v := conv.toValue(config, path, 0)
	if conv.errs.HasErrors() {
		c.errs = conv.errs
		return c, nil
	}
	c.message(md, v, path, false, false)
	return c, v
}

func unmarshal(md protoreflect.MessageDescriptor, js []byte, types *protoregistry.Types) error {
	m := dynamicpb.NewMessage(md)
	return protojson.UnmarshalOptions{Resolver: types}.Unmarshal(js, m)
}

type checker struct {
	file  string
	types *protoregistry.Types
	errs  diag.List
	depth int // messages entered, as protojson counts them against its recursion limit
}

// recursionLimit is protojson's default UnmarshalOptions.RecursionLimit.
const recursionLimit = 10000

func (c *checker) enter(n *yaml.Node, path string) bool {
	c.depth++
	if c.depth > recursionLimit {
		c.add(n, path, CodeType, "", "config nests more than %d messages deep", recursionLimit)
		return false
	}
	return true
}

func (c *checker) add(n *yaml.Node, path, code, hint, format string, args ...any) {
	c.errs.Add(diag.Finding{Pos: posOf(c.file, n), Path: path, Severity: diag.Error, Code: code,
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// describe names a JSON value for messages: `string "abc"`, `number 12`, `object`.
func describe(v *jvalue) string {
	switch v.kind {
	case kString:
		s := v.text
		if len(s) > 40 {
			s = s[:37] + "..."
		}
		return fmt.Sprintf("string %q", s)
	case kNumber, kBool:
		return v.kind.String() + " " + v.text
	}
	return v.kind.String()
}

func (c *checker) wrongType(v *jvalue, path, want string) {
	c.add(v.node, path, CodeType, "", "found %s, expected %s", describe(v), want)
}

// message checks an object against a message. skipType is set for the body of
// an Any (its "@type" is not a field); partial skips proto2 required checks,
// as protojson does inside an Any.
func (c *checker) message(md protoreflect.MessageDescriptor, v *jvalue, path string, skipType, partial bool) {
	defer func() { c.depth-- }()
	if !c.enter(v.node, path) {
		return
	}
	if c.wellKnown(md, v, path) {
		return
	}
	if v.kind != kObject {
		c.wrongType(v, path, "an object ("+string(md.FullName())+")")
		return
	}
	fields := md.Fields()
	seen := map[protoreflect.FieldNumber]string{}
	oneofs := map[int]string{}
	for _, m := range v.members {
		fpath := joinPath(path, m.key)
		if skipType && m.key == "@type" {
			continue
		}
		var fd protoreflect.FieldDescriptor
		if strings.HasPrefix(m.key, "[") && strings.HasSuffix(m.key, "]") {
			xt, err := c.types.FindExtensionByName(protoreflect.FullName(m.key[1 : len(m.key)-1]))
			if err == nil {
				fd = xt.TypeDescriptor()
				if !md.ExtensionRanges().Has(fd.Number()) || fd.ContainingMessage().FullName() != md.FullName() {
					c.add(m.keyNode, fpath, CodeUnknownField, "", "message %s cannot be extended by %s", md.FullName(), fd.FullName())
					continue
				}
			}
		} else {
			fd = fields.ByJSONName(m.key)
			if fd == nil {
				fd = fields.ByTextName(m.key)
			}
		}
		if fd == nil {
			c.add(m.keyNode, fpath, CodeUnknownField, unknownHint(m.key, fields),
				"unknown field %q in %s", m.key, md.FullName())
			continue
		}
		if prev, dup := seen[fd.Number()]; dup {
			c.add(m.keyNode, fpath, CodeDuplicateField, "keep one of them",
				"field %q is set twice, as %q and as %q", fd.Name(), prev, m.key)
			continue
		}
		seen[fd.Number()] = m.key
		if m.val.kind == kNull && !isValueMsg(fd) && !isNullEnum(fd) {
			continue // null means "unset" for every other field
		}
		switch {
		case fd.IsList():
			c.list(fd, m.val, fpath, partial)
		case fd.IsMap():
			c.mapField(fd, m.val, fpath, partial)
		default:
			if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
				if other, set := oneofs[od.Index()]; set {
					c.add(m.keyNode, fpath, CodeOneof, fmt.Sprintf("remove %q or %q", other, m.key),
						"oneof %s is already set by %q", od.Name(), other)
					continue
				}
				oneofs[od.Index()] = m.key
			} else if od != nil {
				// proto3 optional: protojson treats its synthetic oneof like any other.
				oneofs[od.Index()] = m.key
			}
			c.singular(fd, m.val, fpath, partial)
		}
	}
	if !partial {
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if fd.Cardinality() != protoreflect.Required {
				continue
			}
			if key, ok := seen[fd.Number()]; !ok || memberIsNull(v, key) && !isValueMsg(fd) && !isNullEnum(fd) {
				c.add(v.node, joinPath(path, fd.JSONName()), CodeRequired, "", "required field %q is missing", fd.Name())
			}
		}
	}
}

func memberIsNull(v *jvalue, key string) bool {
	for _, m := range v.members {
		if m.key == key {
			return m.val.kind == kNull
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

func isValueMsg(fd protoreflect.FieldDescriptor) bool {
	md := fd.Message()
	return md != nil && md.FullName() == "google.protobuf.Value"
}

func isNullEnum(fd protoreflect.FieldDescriptor) bool {
	ed := fd.Enum()
	return ed != nil && ed.FullName() == "google.protobuf.NullValue"
}

func (c *checker) singular(fd protoreflect.FieldDescriptor, v *jvalue, path string, partial bool) {
	if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind {
		c.message(fd.Message(), v, path, false, partial)
		return
	}
	c.scalar(fd, v, path)
}

func (c *checker) list(fd protoreflect.FieldDescriptor, v *jvalue, path string, partial bool) {
	if v.kind != kArray {
		c.wrongType(v, path, "an array")
		return
	}
	for i, e := range v.elems {
		c.singular(fd, e, fmt.Sprintf("%s[%d]", path, i), partial)
	}
}

func (c *checker) mapField(fd protoreflect.FieldDescriptor, v *jvalue, path string, partial bool) {
	if v.kind != kObject {
		c.wrongType(v, path, "an object (map)")
		return
	}
	kfd, vfd := fd.MapKey(), fd.MapValue()
	seen := map[string]string{}
	for _, m := range v.members {
		mpath := joinPath(path, m.key)
		norm, ok := mapKey(kfd.Kind(), m.key)
		if !ok {
			c.add(m.keyNode, mpath, CodeMapKey, "", "map key %q is not a %s", m.key, kindWord(kfd.Kind()))
			continue
		}
		if prev, dup := seen[norm]; dup {
			c.add(m.keyNode, mpath, CodeMapKey, "keep one of them", "duplicate map key %q (same key as %q)", m.key, prev)
			continue
		}
		seen[norm] = m.key
		c.singular(vfd, m.val, mpath, partial)
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

func (c *checker) scalar(fd protoreflect.FieldDescriptor, v *jvalue, path string) {
	switch k := fd.Kind(); k {
	case protoreflect.BoolKind:
		if v.kind != kBool {
			c.wrongType(v, path, "a boolean (true or false, unquoted)")
		}
	case protoreflect.StringKind:
		if v.kind != kString {
			hint := ""
			if v.kind == kNumber || v.kind == kBool {
				hint = fmt.Sprintf("quote it: %q", v.text)
			}
			c.add(v.node, path, CodeType, hint, "found %s, expected a string", describe(v))
		}
	case protoreflect.BytesKind:
		if v.kind != kString {
			c.wrongType(v, path, "a base64 string")
			return
		}
		if _, ok := decodeBase64(v.text); !ok {
			c.add(v.node, path, CodeBytes, "encode bytes as standard or URL-safe base64, e.g. \"aGVsbG8=\"",
				"%s is not valid base64", describe(v))
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		bits := 64
		if k == protoreflect.FloatKind {
			bits = 32
		}
		if !floatOK(v, bits) {
			c.add(v.node, path, CodeFloat, `special values are the strings "NaN", "Infinity" and "-Infinity"`,
				"found %s, expected a %s number in range", describe(v), k)
		}
	case protoreflect.EnumKind:
		c.enum(fd, v, path)
	default:
		c.integer(fd, v, path)
	}
}

func (c *checker) integer(fd protoreflect.FieldDescriptor, v *jvalue, path string) {
	k := fd.Kind()
	bits, unsigned := intKind(k)
	var lit string
	switch v.kind {
	case kNumber:
		lit = v.text
	case kString:
		if !isJSONNumber(v.text) {
			c.add(v.node, path, CodeInt, "", "found %s, expected %s %s (a number, or a string holding one)", describe(v), article(k), k)
			return
		}
		lit = v.text
	default:
		c.wrongType(v, path, article(k)+" "+k.String()+" number")
		return
	}
	is, ok := intString(lit)
	if !ok {
		c.add(v.node, path, CodeInt, "", "%s is not an integer, expected %s %s", describe(v), article(k), k)
		return
	}
	if unsigned {
		if _, err := strconv.ParseUint(is, 10, bits); err != nil {
			if strings.HasPrefix(is, "-") {
				c.add(v.node, path, CodeUnsigned, "", "%s is negative; %s takes 0 to %d", describe(v), k, uint64(math.MaxUint64)>>(64-bits))
			} else {
				c.add(v.node, path, CodeInt, "", "%s is out of range for %s (0 to %d)", describe(v), k, uint64(math.MaxUint64)>>(64-bits))
			}
		}
		return
	}
	if _, err := strconv.ParseInt(is, 10, bits); err != nil {
		c.add(v.node, path, CodeInt, "", "%s is out of range for %s (%d to %d)", describe(v), k,
			int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1))
	}
}

func intKind(k protoreflect.Kind) (bits int, unsigned bool) {
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

func floatOK(v *jvalue, bits int) bool {
	switch v.kind {
	case kNumber:
		_, err := strconv.ParseFloat(v.text, bits)
		return err == nil
	case kString:
		switch v.text {
		case "NaN", "Infinity", "-Infinity":
			return true
		}
		if !isJSONNumber(v.text) {
			return false
		}
		_, err := strconv.ParseFloat(v.text, bits)
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

func (c *checker) enum(fd protoreflect.FieldDescriptor, v *jvalue, path string) {
	ed := fd.Enum()
	switch v.kind {
	case kString:
		if ed.Values().ByName(protoreflect.Name(v.text)) != nil {
			return
		}
		c.add(v.node, path, CodeEnum, enumHint(v.text, ed), "unknown value %q for enum %s", v.text, ed.FullName())
		return
	case kNumber:
		if is, ok := intString(v.text); ok {
			if _, err := strconv.ParseInt(is, 10, 32); err == nil {
				return
			}
		}
		c.add(v.node, path, CodeEnum, enumHint("", ed), "%s is not an int32 enum number for %s", describe(v), ed.FullName())
		return
	case kNull:
		if ed.FullName() == "google.protobuf.NullValue" {
			return
		}
	}
	c.add(v.node, path, CodeEnum, enumHint("", ed), "found %s, expected a name or number of enum %s", describe(v), ed.FullName())
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
func (c *checker) wellKnown(md protoreflect.MessageDescriptor, v *jvalue, path string) bool {
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
		c.structObj(v, path)
	case "ListValue":
		c.listValue(v, path)
	case "Value":
		c.value(v, path)
	case "FieldMask":
		c.fieldMask(v, path)
	case "Empty":
		if v.kind != kObject {
			c.wrongType(v, path, "an empty object {} (google.protobuf.Empty)")
			return true
		}
		for _, m := range v.members {
			c.add(m.keyNode, joinPath(path, m.key), CodeUnknownField, "google.protobuf.Empty is {}", "unknown field %q in google.protobuf.Empty", m.key)
		}
	default:
		return false
	}
	return true
}

func (c *checker) structObj(v *jvalue, path string) {
	if v.kind != kObject {
		c.wrongType(v, path, "an object (google.protobuf.Struct)")
		return
	}
	seen := map[string]bool{}
	for _, m := range v.members {
		mpath := joinPath(path, m.key)
		if seen[m.key] {
			c.add(m.keyNode, mpath, CodeMapKey, "keep one of them", "duplicate key %q", m.key)
			continue
		}
		seen[m.key] = true
		c.nestedValue(m.val, mpath)
	}
}

func (c *checker) listValue(v *jvalue, path string) {
	if v.kind != kArray {
		c.wrongType(v, path, "an array (google.protobuf.ListValue)")
		return
	}
	for i, e := range v.elems {
		c.nestedValue(e, fmt.Sprintf("%s[%d]", path, i))
	}
}

// nestedValue is a Value inside a Struct or ListValue: a message of its own to protojson.
func (c *checker) nestedValue(v *jvalue, path string) {
	defer func() { c.depth-- }()
	if c.enter(v.node, path) {
		c.value(v, path)
	}
}

func (c *checker) value(v *jvalue, path string) {
	switch v.kind {
	case kNumber:
		if _, err := strconv.ParseFloat(v.text, 64); err != nil {
			c.add(v.node, path, CodeFloat, "", "%s is out of range for google.protobuf.Value (a double)", describe(v))
		}
	case kObject:
		c.structObj(v, path)
	case kArray:
		c.listValue(v, path)
	}
}

const maxDurationSeconds = 315576000000

func (c *checker) duration(v *jvalue, path string) {
	const hint = `write seconds with an "s" suffix, e.g. "1.5s", "300s" (at most 9 fractional digits)`
	if v.kind != kString {
		c.add(v.node, path, CodeDuration, hint, "found %s, expected a duration string", describe(v))
		return
	}
	secs, ok := parseDuration(v.text)
	if !ok {
		c.add(v.node, path, CodeDuration, hint, "%s is not a google.protobuf.Duration", describe(v))
		return
	}
	if secs < -maxDurationSeconds || secs > maxDurationSeconds {
		c.add(v.node, path, CodeDuration, "", "%s is out of range (±315576000000s)", describe(v))
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

func (c *checker) timestamp(v *jvalue, path string) {
	const hint = `use RFC 3339 with a zone, e.g. "2024-05-01T12:00:00Z"`
	if v.kind != kString {
		c.add(v.node, path, CodeTimestamp, hint, "found %s, expected a timestamp string", describe(v))
		return
	}
	t, err := time.Parse(time.RFC3339Nano, v.text)
	if err != nil {
		c.add(v.node, path, CodeTimestamp, hint, "%s is not a google.protobuf.Timestamp", describe(v))
		return
	}
	if s := t.Unix(); s < minTimestamp || s > maxTimestamp {
		c.add(v.node, path, CodeTimestamp, "", "%s is out of range (years 0001 to 9999)", describe(v))
		return
	}
	i := strings.LastIndexByte(v.text, '.')
	j := strings.LastIndexAny(v.text, "Z-+")
	if i >= 0 && j >= i && j-i > len(".999999999") {
		c.add(v.node, path, CodeTimestamp, "at most 9 fractional digits", "%s has more than nanosecond precision", describe(v))
	}
}

func (c *checker) fieldMask(v *jvalue, path string) {
	if v.kind != kString {
		c.add(v.node, path, CodeFieldMask, `e.g. "user.displayName,photo"`, "found %s, expected a comma-separated field mask string", describe(v))
		return
	}
	str := strings.TrimSpace(v.text)
	if str == "" {
		return
	}
	for _, p := range strings.Split(str, ",") {
		if strings.Contains(p, "_") || !protoreflect.FullName(snakeCase(p)).IsValid() {
			c.add(v.node, path, CodeFieldMask, "paths are lowerCamel field names joined by dots, separated by commas",
				"field mask path %q is invalid", p)
			return
		}
	}
}

// snakeCase is the proto3 JSON mapping from lowerCamel mask paths back to field names.
func snakeCase(s string) string {
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

func (c *checker) any(v *jvalue, path string) {
	if v.kind != kObject {
		c.wrongType(v, path, `an object with "@type" (google.protobuf.Any)`)
		return
	}
	if len(v.members) == 0 {
		return
	}
	var typ *member
	for i := range v.members {
		m := &v.members[i]
		if m.key != "@type" {
			continue
		}
		if typ != nil {
			c.add(m.keyNode, joinPath(path, "@type"), CodeAny, "", `duplicate "@type"`)
			return
		}
		typ = m
		if m.val.kind != kString {
			c.add(m.val.node, joinPath(path, "@type"), CodeAny, "", "@type must be a string, found %s", describe(m.val))
			return
		}
		if m.val.text == "" {
			c.add(m.val.node, joinPath(path, "@type"), CodeAny, "", "@type is empty")
			return
		}
	}
	if typ == nil {
		c.add(v.node, path, CodeAny, `add "@type": type.googleapis.com/<full message name>`, `google.protobuf.Any without "@type"`)
		return
	}
	tpath := joinPath(path, "@type")
	mt, err := c.types.FindMessageByURL(typ.val.text)
	if err != nil {
		c.add(typ.val.node, tpath, CodeAny, anyHint(c.types, typ.val.text), "cannot resolve type %q", typ.val.text)
		return
	}
	md := mt.Descriptor()
	if !isWellKnownJSON(md.FullName()) {
		c.message(md, v, path, true, true)
		return
	}
	var value *member
	for i := range v.members {
		m := &v.members[i]
		switch m.key {
		case "@type":
		case "value":
			if value != nil {
				c.add(m.keyNode, joinPath(path, "value"), CodeAny, "", `duplicate "value"`)
				continue
			}
			value = m
			c.wellKnown(md, m.val, joinPath(path, "value"))
		default:
			c.add(m.keyNode, joinPath(path, m.key), CodeUnknownField, `a well-known type in an Any takes only "@type" and "value"`,
				"unknown field %q in an Any holding %s", m.key, md.FullName())
		}
	}
	if value == nil && md.FullName() != "google.protobuf.Empty" {
		c.add(v.node, path, CodeAny, "", `an Any holding %s needs a "value" field`, md.FullName())
	}
}

func anyHint(t *protoregistry.Types, url string) string {
	var names []string
	t.RangeMessages(func(mt protoreflect.MessageType) bool {
		names = append(names, string(mt.Descriptor().FullName()))
		return true
	})
	name := url
	if i := strings.LastIndexByte(url, '/'); i >= 0 {
		name = url[i+1:]
	}
	if h := diag.DidYouMean(name, names); h != "" {
		return h
	}
	return "the type must be defined in the proto or its imports, named as type.googleapis.com/<full name>"
}

func isWellKnownJSON(name protoreflect.FullName) bool {
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
