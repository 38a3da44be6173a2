package protoconfig

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/diag"
)

// CodeYAML marks YAML that has no JSON form (complex keys, merge keys, a tag
// whose value does not parse).
const CodeYAML = "WG3010"

// maxNodes caps alias expansion (a "billion laughs" document stays small as YAML).
const maxNodes = 1 << 20

type kind int

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kObject
	kArray
)

func (k kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "object", "array"}[k]
}

// jvalue is the JSON value a YAML node stands for, with the node kept for
// positions. Check and ToJSON both read this one tree, so the verdict is about
// exactly the JSON the plugin receives.
type jvalue struct {
	kind    kind
	text    string // bool "true"/"false", number literal, string content
	members []member
	elems   []*jvalue
	node    *yaml.Node
}

type member struct {
	key     string
	keyNode *yaml.Node
	val     *jvalue
}

type converter struct {
	file  string
	errs  diag.List
	nodes int
}

func (c *converter) errorf(n *yaml.Node, path, format string, args ...any) {
	c.errs.Errorf(posOf(c.file, n), path, CodeYAML, format, args...)
}

func posOf(file string, n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: file}
	}
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

// toValue converts a YAML node. at is the node whose position errors use
// (the alias for an aliased value).
func (c *converter) toValue(n *yaml.Node, path string, depth int) *jvalue {
	c.nodes++
	if c.nodes > maxNodes {
		if c.nodes == maxNodes+1 {
			c.errorf(n, path, "document expands to more than %d nodes (aliases?)", maxNodes)
		}
		return &jvalue{kind: kNull, node: n}
	}
	if depth > 10000 {
		c.errorf(n, path, "document nests deeper than 10000 levels")
		return &jvalue{kind: kNull, node: n}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return &jvalue{kind: kNull, node: n}
		}
		return c.toValue(n.Content[0], path, depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return &jvalue{kind: kNull, node: n}
		}
		v := c.toValue(n.Alias, path, depth+1)
		cp := *v
		cp.node = n
		return &cp
	case yaml.MappingNode:
		v := &jvalue{kind: kObject, node: n}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			key, ok := c.key(k, path)
			if !ok {
				continue
			}
			v.members = append(v.members, member{key: key, keyNode: k, val: c.toValue(val, joinPath(path, key), depth+1)})
		}
		return v
	case yaml.SequenceNode:
		v := &jvalue{kind: kArray, node: n}
		for i, e := range n.Content {
			v.elems = append(v.elems, c.toValue(e, fmt.Sprintf("%s[%d]", path, i), depth+1))
		}
		return v
	case yaml.ScalarNode:
		return c.scalar(n, path)
	}
	return &jvalue{kind: kNull, node: n}
}

func (c *converter) key(k *yaml.Node, path string) (string, bool) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		c.errorf(k, path, "mapping key is a %s; JSON object keys are strings", kindName(k))
		return "", false
	}
	if k.ShortTag() == "!!merge" {
		c.errorf(k, path, "merge key << has no JSON form")
		return "", false
	}
	return validUTF8(k.Value), true
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	}
	return "scalar"
}

// validUTF8 maps invalid bytes to U+FFFD, as every JSON encoder must.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (c *converter) scalar(n *yaml.Node, path string) *jvalue {
	switch n.ShortTag() {
	case "!!null":
		return &jvalue{kind: kNull, node: n}
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on", "y":
			return &jvalue{kind: kBool, text: "true", node: n}
		case "false", "no", "off", "n":
			return &jvalue{kind: kBool, text: "false", node: n}
		}
		c.errorf(n, path, "%q is tagged !!bool but is not a boolean", n.Value)
	case "!!int":
		if t, ok := yamlInt(n.Value); ok {
			return &jvalue{kind: kNumber, text: t, node: n}
		}
		c.errorf(n, path, "%q is tagged !!int but is not an integer", n.Value)
	case "!!float":
		if v, ok := yamlFloat(n.Value, n); ok {
			return v
		}
		c.errorf(n, path, "%q is tagged !!float but is not a number", n.Value)
	case "!!binary":
		return &jvalue{kind: kString, text: strings.Join(strings.Fields(n.Value), ""), node: n}
	default: // !!str, !!timestamp and custom tags keep their text
		return &jvalue{kind: kString, text: validUTF8(n.Value), node: n}
	}
	return &jvalue{kind: kNull, node: n}
}

// yamlInt turns a YAML 1.2 integer (0x, 0o, 0b, legacy 0777, underscores, +)
// into a decimal JSON literal, exactly (no float64 anywhere).
func yamlInt(s string) (string, bool) {
	if isJSONNumber(s) && !strings.ContainsAny(s, ".eE") {
		return s, true
	}
	plain := strings.ReplaceAll(s, "_", "")
	neg := false
	switch {
	case strings.HasPrefix(plain, "-"):
		neg, plain = true, plain[1:]
	case strings.HasPrefix(plain, "+"):
		plain = plain[1:]
	}
	var z big.Int
	base := 10
	switch {
	case strings.HasPrefix(plain, "0x"), strings.HasPrefix(plain, "0X"):
		base, plain = 16, plain[2:]
	case strings.HasPrefix(plain, "0o"):
		base, plain = 8, plain[2:]
	case strings.HasPrefix(plain, "0b"):
		base, plain = 2, plain[2:]
	case len(plain) > 1 && plain[0] == '0':
		base = 8 // YAML 1.1 octal, which yaml.v3 still reads
	}
	if plain == "" || strings.ContainsAny(plain, "+-") {
		return "", false
	}
	if _, ok := z.SetString(plain, base); !ok {
		return "", false
	}
	if neg {
		z.Neg(&z)
	}
	return z.String(), true
}

// yamlFloat keeps the literal when it is already JSON (so no digit is lost),
// rewrites YAML-only spellings (.5, 1., +1.5, 1_000.5), and maps .inf/.nan to the
// strings proto3 JSON uses for them.
func yamlFloat(s string, n *yaml.Node) (*jvalue, bool) {
	if isJSONNumber(s) {
		return &jvalue{kind: kNumber, text: s, node: n}, true
	}
	switch strings.ToLower(strings.TrimPrefix(s, "+")) {
	case ".inf":
		return &jvalue{kind: kString, text: "Infinity", node: n}, true
	case "-.inf":
		return &jvalue{kind: kString, text: "-Infinity", node: n}, true
	case ".nan":
		return &jvalue{kind: kString, text: "NaN", node: n}, true
	}
	t := strings.ReplaceAll(s, "_", "")
	t = strings.TrimPrefix(t, "+")
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	if strings.HasPrefix(t, ".") {
		t = "0" + t
	}
	if i := strings.Index(t, "."); i >= 0 && (i+1 == len(t) || t[i+1] < '0' || t[i+1] > '9') {
		t = t[:i+1] + "0" + t[i+1:]
	}
	if neg {
		t = "-" + t
	}
	if isJSONNumber(t) {
		return &jvalue{kind: kNumber, text: t, node: n}, true
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil && !math.IsInf(f, 0) {
		return nil, false
	}
	switch {
	case math.IsNaN(f):
		return &jvalue{kind: kString, text: "NaN", node: n}, true
	case math.IsInf(f, 1):
		return &jvalue{kind: kString, text: "Infinity", node: n}, true
	case math.IsInf(f, -1):
		return &jvalue{kind: kString, text: "-Infinity", node: n}, true
	}
	return &jvalue{kind: kNumber, text: strconv.FormatFloat(f, 'g', -1, 64), node: n}, true
}

// isJSONNumber reports whether s is exactly one JSON number (RFC 8259 grammar).
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return false
	}
	switch {
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// ToJSON renders a YAML config as JSON text with the user's keys, key order and
// values: integers stay exact at any size, strings byte for byte (invalid UTF-8
// becomes U+FFFD). .inf and .nan become "Infinity"/"NaN", as proto3 JSON spells them.
func ToJSON(config *yaml.Node) ([]byte, error) {
	c := converter{}
	v := c.toValue(config, "", 0)
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	return appendJSON(nil, v), nil
}

func appendJSON(b []byte, v *jvalue) []byte {
	switch v.kind {
	case kNull:
		return append(b, "null"...)
	case kBool, kNumber:
		return append(b, v.text...)
	case kString:
		return appendString(b, v.text)
	case kArray:
		b = append(b, '[')
		for i, e := range v.elems {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	default:
		b = append(b, '{')
		for i, m := range v.members {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, m.key)
			b = append(b, ':')
			b = appendJSON(b, m.val)
		}
		return append(b, '}')
	}
}

const hexDigits = "0123456789abcdef"

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c < 0x20 || c == 0x7f {
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			} else {
				b = append(b, c)
			}
		}
		i++
	}
	return append(b, '"')
}
