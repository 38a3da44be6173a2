package yamltree

import (
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
const CodeYAML = "WG1005"

// Kind is the JSON type of a Value.
type Kind int

const (
	Null Kind = iota
	Bool
	Number
	String
	Object
	Array
)

func (k Kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "object", "array"}[k]
}

// Value is the JSON value a YAML node stands for, with the node kept for positions:
// the one transcoder from YAML to JSON. Checks and encoders all read this tree, so a
// verdict is about exactly the JSON a consumer receives. Integers keep every digit
// (no float64 anywhere), strings keep every byte (invalid UTF-8 becomes U+FFFD).
type Value struct {
	Kind    Kind
	Text    string // Bool "true"/"false", a Number's literal, a String's content
	Members []Member
	Elems   []*Value
	Node    *yaml.Node
}

// Member is one key of an Object.
type Member struct {
	Key     string
	KeyNode *yaml.Node
	Val     *Value
}

// Convert reads the JSON value of a YAML tree found at path. Problems (YAML with no
// JSON form, a limit reached) are findings at their positions; the value is nil when
// there are any.
func Convert(n *yaml.Node, file, path string, lim Limits) (*Value, diag.List) {
	return new(Arena).Convert(n, file, path, lim)
}

// Arena holds the memory of converted values, for a caller that converts many
// documents one after the other (a file of a thousand EnvoyFilters): Reset hands it
// back for the next document instead of leaving it to the collector.
type Arena struct {
	values  []Value
	members []Member
	elems   []*Value
}

// Reset empties the arena. Every Value it handed out is invalid from then on.
func (a *Arena) Reset() {
	clear(a.values[:cap(a.values)])
	clear(a.members[:cap(a.members)])
	clear(a.elems[:cap(a.elems)])
	a.values, a.members, a.elems = a.values[:0], a.members[:0], a.elems[:0]
}

// Convert is the package's Convert, with its values taken from the arena.
func (a *Arena) Convert(n *yaml.Node, file, path string, lim Limits) (*Value, diag.List) {
	c := converter{file: file, lim: lim, base: path, a: a}
	if need := countNodes(n, 4096); cap(a.values)-len(a.values) < need {
		a.values = make([]Value, 0, need)
	}
	v := c.toValue(n, 0)
	if c.errs.HasErrors() {
		return nil, c.errs
	}
	return v, nil
}

type converter struct {
	a     *Arena // where Values come from: one allocation for many
	file  string
	base  string // the path of the converted value
	stack []step
	lim   Limits
	errs  diag.List
	nodes int
}

// step is one step of the path to the value being converted. The converter keeps
// them as a stack and spells the path out only for a finding: a clean document
// needs no path strings at all.
type step struct {
	key   string
	index int // a list item's index, -1 for a mapping key
}

// countNodes counts the values below n (aliases followed, mapping keys not: they
// are no Values), up to max: the size of the first slab, so a small document takes
// one allocation of the right size.
func countNodes(n *yaml.Node, max int) int {
	count := 0
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		for ; n != nil && n.Kind == yaml.AliasNode; n = n.Alias {
		}
		if n == nil || count >= max {
			return
		}
		count++
		switch n.Kind {
		case yaml.MappingNode:
			for i := 1; i < len(n.Content); i += 2 {
				walk(n.Content[i])
			}
		default:
			for _, c := range n.Content {
				walk(c)
			}
		}
	}
	walk(n)
	return count
}

// value returns a new Value from the arena. A full arena starts a new block: the
// Values handed out stay where they are.
func (c *converter) value(v Value) *Value {
	a := c.a
	if len(a.values) == cap(a.values) {
		a.values = make([]Value, 0, 64)
	}
	a.values = append(a.values, v)
	return &a.values[len(a.values)-1]
}

// members is an empty list of room for n members, from the arena.
func (c *converter) members(n int) []Member {
	a := c.a
	if cap(a.members)-len(a.members) < n {
		a.members = make([]Member, 0, max(n, 256))
	}
	start := len(a.members)
	a.members = a.members[:start+n]
	return a.members[start : start : start+n]
}

// elems is members for a list's items.
func (c *converter) elems(n int) []*Value {
	a := c.a
	if cap(a.elems)-len(a.elems) < n {
		a.elems = make([]*Value, 0, max(n, 256))
	}
	start := len(a.elems)
	a.elems = a.elems[:start+n]
	return a.elems[start : start : start+n]
}

func (c *converter) path() string {
	p := c.base
	for _, s := range c.stack {
		if s.index >= 0 {
			p = Index(p, s.index)
		} else {
			p = Join(p, s.key)
		}
	}
	return p
}

func (c *converter) errorf(n *yaml.Node, format string, args ...any) {
	c.errs.Errorf(Pos(c.file, n), c.path(), CodeYAML, format, args...)
}

func (c *converter) limitf(n *yaml.Node, format string, args ...any) {
	c.errs.Errorf(Pos(c.file, n), c.path(), CodeLimit, format, args...)
}

// toValue converts a YAML node; an aliased value keeps the alias as its node, so
// errors point where the value is used.
func (c *converter) toValue(n *yaml.Node, depth int) *Value {
	c.nodes++
	if c.lim.MaxNodes > 0 && c.nodes > c.lim.MaxNodes {
		if c.nodes == c.lim.MaxNodes+1 {
			c.limitf(n, "document expands to more than %d nodes (YAML aliases included); raise the limit with --max-nodes", c.lim.MaxNodes)
		}
		return c.value(Value{Kind: Null, Node: n})
	}
	if c.lim.MaxDepth > 0 && depth > c.lim.MaxDepth {
		c.limitf(n, "nesting deeper than %d levels; raise the limit with --max-depth", c.lim.MaxDepth)
		return c.value(Value{Kind: Null, Node: n})
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return c.value(Value{Kind: Null, Node: n})
		}
		return c.toValue(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return c.value(Value{Kind: Null, Node: n})
		}
		v := c.toValue(n.Alias, depth+1)
		cp := *v
		cp.Node = n
		return c.value(cp)
	case yaml.MappingNode:
		v := c.value(Value{Kind: Object, Node: n, Members: c.members(len(n.Content) / 2)})
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			key, ok := c.key(k)
			if !ok {
				continue
			}
			c.stack = append(c.stack, step{key: key, index: -1})
			v.Members = append(v.Members, Member{Key: key, KeyNode: k, Val: c.toValue(val, depth+1)})
			c.stack = c.stack[:len(c.stack)-1]
		}
		return v
	case yaml.SequenceNode:
		v := c.value(Value{Kind: Array, Node: n, Elems: c.elems(len(n.Content))})
		for i, e := range n.Content {
			c.stack = append(c.stack, step{index: i})
			v.Elems = append(v.Elems, c.toValue(e, depth+1))
			c.stack = c.stack[:len(c.stack)-1]
		}
		return v
	case yaml.ScalarNode:
		return c.scalar(n)
	}
	return c.value(Value{Kind: Null, Node: n})
}

func (c *converter) key(k *yaml.Node) (string, bool) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		c.errorf(k, "mapping key is %s; JSON object keys are strings", Describe(k))
		return "", false
	}
	if k.ShortTag() == "!!merge" {
		c.errorf(k, "merge key << has no JSON form")
		return "", false
	}
	return validUTF8(k.Value), true
}

// validUTF8 maps invalid bytes to U+FFFD, as every JSON encoder must.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (c *converter) scalar(n *yaml.Node) *Value {
	switch n.ShortTag() {
	case "!!null":
		return c.value(Value{Kind: Null, Node: n})
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on", "y":
			return c.value(Value{Kind: Bool, Text: "true", Node: n})
		case "false", "no", "off", "n":
			return c.value(Value{Kind: Bool, Text: "false", Node: n})
		}
		c.errorf(n, "%q is tagged !!bool but is not a boolean", n.Value)
	case "!!int":
		if t, ok := yamlInt(n.Value); ok {
			return c.value(Value{Kind: Number, Text: t, Node: n})
		}
		c.errorf(n, "%q is tagged !!int but is not an integer", n.Value)
	case "!!float":
		if v, ok := yamlFloat(n.Value, n); ok {
			return v
		}
		c.errorf(n, "%q is tagged !!float but is not a number", n.Value)
	case "!!binary":
		return c.value(Value{Kind: String, Text: strings.Join(strings.Fields(n.Value), ""), Node: n})
	default: // !!str, !!timestamp and custom tags keep their text
		return c.value(Value{Kind: String, Text: validUTF8(n.Value), Node: n})
	}
	return c.value(Value{Kind: Null, Node: n})
}

// yamlInt turns a YAML 1.2 integer (0x, 0o, 0b, legacy 0777, underscores, +)
// into a decimal JSON literal, exactly (no float64 anywhere).
func yamlInt(s string) (string, bool) {
	if IsJSONNumber(s) && !strings.ContainsAny(s, ".eE") {
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
func yamlFloat(s string, n *yaml.Node) (*Value, bool) {
	if IsJSONNumber(s) {
		return &Value{Kind: Number, Text: s, Node: n}, true
	}
	switch strings.ToLower(strings.TrimPrefix(s, "+")) {
	case ".inf":
		return &Value{Kind: String, Text: "Infinity", Node: n}, true
	case "-.inf":
		return &Value{Kind: String, Text: "-Infinity", Node: n}, true
	case ".nan":
		return &Value{Kind: String, Text: "NaN", Node: n}, true
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
	if IsJSONNumber(t) {
		return &Value{Kind: Number, Text: t, Node: n}, true
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil && !math.IsInf(f, 0) {
		return nil, false
	}
	switch {
	case math.IsNaN(f):
		return &Value{Kind: String, Text: "NaN", Node: n}, true
	case math.IsInf(f, 1):
		return &Value{Kind: String, Text: "Infinity", Node: n}, true
	case math.IsInf(f, -1):
		return &Value{Kind: String, Text: "-Infinity", Node: n}, true
	}
	return &Value{Kind: Number, Text: strconv.FormatFloat(f, 'g', -1, 64), Node: n}, true
}

// IsJSONNumber reports whether s is exactly one JSON number (RFC 8259 grammar).
func IsJSONNumber(s string) bool {
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

// ToJSON renders a YAML config as JSON text with the user's keys, key order and
// values: integers stay exact at any size, strings byte for byte (invalid UTF-8
// becomes U+FFFD). .inf and .nan become "Infinity"/"NaN", as proto3 JSON spells them.
func ToJSON(config *yaml.Node) ([]byte, error) {
	v, errs := Convert(config, "", "", DefaultLimits)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return v.AppendJSON(nil), nil
}

// AppendJSON appends the value's compact JSON text to b.
func (v *Value) AppendJSON(b []byte) []byte {
	switch v.Kind {
	case Null:
		return append(b, "null"...)
	case Bool, Number:
		return append(b, v.Text...)
	case String:
		return AppendString(b, v.Text)
	case Array:
		b = append(b, '[')
		for i, e := range v.Elems {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.AppendJSON(b)
		}
		return append(b, ']')
	default:
		b = append(b, '{')
		for i, m := range v.Members {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, m.Key)
			b = append(b, ':')
			b = m.Val.AppendJSON(b)
		}
		return append(b, '}')
	}
}

const hexDigits = "0123456789abcdef"

// AppendString appends s quoted as a JSON string (invalid UTF-8 as U+FFFD).
func AppendString(b []byte, s string) []byte {
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
