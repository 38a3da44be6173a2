package validate

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/yamltree"
)

// Codes for problems found while reading a document's structure.
const (
	CodeStructure = "WG7000" // not a mapping, duplicate key, value of the wrong YAML kind
)

// maxJSONDepth bounds recursion through nested or aliased nodes.
const maxJSONDepth = 200

// posIndex maps field paths of one document to the YAML nodes that hold them. The
// map is built on first use: a clean document rarely needs a position, and building
// it is a fifth of the allocations of checking one.
type posIndex struct {
	file string
	root *yaml.Node
	m    map[string]indexEntry
}

type indexEntry struct {
	key, val *yaml.Node
	path     string // as written in the document
}

func newPosIndex(file string, root *yaml.Node) *posIndex {
	return &posIndex{file: file, root: root}
}

// entry returns the index entry of a canonical path, building the index once.
func (ix *posIndex) entry(canon string) (indexEntry, bool) {
	if ix.m == nil {
		ix.m = map[string]indexEntry{}
		ix.add(yamltree.Deref(ix.root), nil, "", 0)
	}
	e, ok := ix.m[canon]
	return e, ok
}

func (ix *posIndex) add(n, key *yaml.Node, path string, depth int) {
	if n == nil || depth > maxJSONDepth {
		return
	}
	c := yamltree.Canon(path)
	if _, ok := ix.m[c]; !ok {
		ix.m[c] = indexEntry{key: key, val: n, path: path}
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ix.add(yamltree.Deref(n.Content[i+1]), k, yamltree.Join(path, k.Value), depth+1)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			ix.add(yamltree.Deref(c), nil, yamltree.Index(path, i), depth+1)
		}
	}
}

// node returns the value node at path, or nil.
func (ix *posIndex) node(path string) *yaml.Node {
	e, _ := ix.entry(yamltree.Canon(path))
	return e.val
}

// pos returns the position of the field at path: its key if it is a mapping entry,
// else its value. A path that is not in the document (a required field that is
// missing, say) falls back to its nearest ancestor that is.
func (ix *posIndex) pos(path string) diag.Pos {
	for p := path; ; p = yamltree.Parent(p) {
		if e, ok := ix.entry(yamltree.Canon(p)); ok {
			n := e.val
			if e.key != nil {
				n = e.key
			}
			return diag.Pos{File: ix.file, Line: n.Line, Col: n.Column}
		}
		if p == "" {
			return diag.Pos{File: ix.file}
		}
	}
}

// valuePos is the position of the value at path (not its key).
func (ix *posIndex) valuePos(path string) diag.Pos {
	if e, ok := ix.entry(yamltree.Canon(path)); ok {
		return diag.Pos{File: ix.file, Line: e.val.Line, Col: e.val.Column}
	}
	return ix.pos(path)
}

// display returns the path as spelled in the document when known, so findings
// show the user's own field names.
func (ix *posIndex) display(path string) string {
	for p := path; p != ""; p = yamltree.Parent(p) {
		if e, ok := ix.entry(yamltree.Canon(p)); ok {
			return e.path + yamltree.SnakeCase(path[len(p):])
		}
	}
	return yamltree.SnakeCase(path)
}

// jsonText is the JSON form of a YAML subtree, one line of ASCII, with the offset of
// every key and value token so that a decoder's "(line 1:COL)" maps back to a path.
// Paths are kept as a tree of segments and spelled out only for an error: a clean
// value needs none of them.
type jsonText struct {
	buf  []byte
	base string    // the path of the subtree's root
	segs []jsonSeg // segment i's path is segs[i].parent's path plus its key or index
	toks []jsonTok // sorted by off
	errs diag.List
}

type jsonSeg struct {
	parent int32 // -1: the root
	idx    int32 // the index of a sequence item, or -1 for a mapping key
	key    string
}

type jsonTok struct {
	off int
	seg int32
}

// toJSON converts n (found at path) to JSON. Fields whose full path is listed in skip
// are left out. Problems (duplicate keys, non-scalar keys) are reported as findings
// against ix.
func toJSON(ix *posIndex, n *yaml.Node, path string, skip ...string) *jsonText {
	t := &jsonText{base: path}
	t.value(ix, n, -1, 0, skip)
	return t
}

// path spells out the path of segment i.
func (t *jsonText) path(i int32) string {
	if i < 0 {
		return t.base
	}
	s := t.segs[i]
	if s.idx >= 0 {
		return yamltree.Index(t.path(s.parent), int(s.idx))
	}
	return yamltree.Join(t.path(s.parent), s.key)
}

// pathIs reports whether yamltree.Join(t.path(seg), key) == want, without building it.
func (t *jsonText) pathIs(seg int32, key, want string) bool {
	for {
		if seg < 0 && t.base == "" {
			return want == key
		}
		rest, ok := strings.CutSuffix(want, key)
		if !ok || !strings.HasSuffix(rest, ".") {
			return false
		}
		want = rest[:len(rest)-1]
		if seg < 0 {
			return want == t.base
		}
		s := t.segs[seg]
		for s.idx >= 0 {
			rest, ok := strings.CutSuffix(want, "["+strconv.Itoa(int(s.idx))+"]")
			if !ok {
				return false
			}
			want, seg = rest, s.parent
			if seg < 0 {
				return want == t.base
			}
			s = t.segs[seg]
		}
		key, seg = s.key, s.parent
	}
}

// reset empties t for reuse, keeping its buffers.
func (t *jsonText) reset() {
	clear(t.segs)
	*t = jsonText{buf: t.buf[:0], segs: t.segs[:0], toks: t.toks[:0]}
}

// jsonTexts recycles the buffers of decodeInto: a file of many EnvoyFilters
// otherwise allocates them anew for every patch.
var jsonTexts = sync.Pool{New: func() any { return new(jsonText) }}

func (t *jsonText) seg(parent int32, idx int, key string) int32 {
	t.segs = append(t.segs, jsonSeg{parent: parent, idx: int32(idx), key: key})
	return int32(len(t.segs) - 1)
}

func (t *jsonText) mark(seg int32) {
	t.toks = append(t.toks, jsonTok{off: len(t.buf), seg: seg})
}

// maxLinearKeys is the mapping size up to which duplicate keys are found by scanning
// (no map to allocate); Envoy config mappings are small.
const maxLinearKeys = 16

func (t *jsonText) value(ix *posIndex, n *yaml.Node, seg int32, depth int, skip []string) {
	n = yamltree.Deref(n)
	if n == nil {
		t.buf = append(t.buf, "null"...)
		return
	}
	if depth > maxJSONDepth {
		t.errs.Errorf(diag.Pos{File: ix.file, Line: n.Line, Col: n.Column}, ix.display(t.path(seg)), CodeStructure,
			"nesting deeper than %d levels; expected a flatter document", maxJSONDepth)
		t.buf = append(t.buf, "null"...)
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		t.buf = append(t.buf, '{')
		var seen map[string]bool
		if len(n.Content)/2 > maxLinearKeys {
			seen = make(map[string]bool, len(n.Content)/2)
		}
		first := true
	pairs:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := yamltree.Deref(n.Content[i])
			if k == nil || k.Kind != yaml.ScalarNode {
				t.errs.Errorf(diag.Pos{File: ix.file, Line: n.Content[i].Line, Col: n.Content[i].Column}, ix.display(t.path(seg)), CodeStructure,
					"mapping key is not a scalar; expected a field name")
				continue
			}
			for _, s := range skip {
				if t.pathIs(seg, k.Value, s) {
					continue pairs
				}
			}
			if dupKey(n, i, k.Value, seen) {
				t.errs.Errorf(diag.Pos{File: ix.file, Line: k.Line, Col: k.Column}, yamltree.Join(t.path(seg), k.Value), CodeStructure,
					"duplicate key %q; each field may appear once (the first one is used)", k.Value)
				continue
			}
			if !first {
				t.buf = append(t.buf, ',')
			}
			first = false
			ks := t.seg(seg, -1, k.Value)
			t.mark(ks)
			t.buf = appendJSONString(t.buf, k.Value)
			t.buf = append(t.buf, ':')
			t.mark(ks)
			t.value(ix, n.Content[i+1], ks, depth+1, skip)
		}
		t.buf = append(t.buf, '}')
	case yaml.SequenceNode:
		t.buf = append(t.buf, '[')
		for i, c := range n.Content {
			if i > 0 {
				t.buf = append(t.buf, ',')
			}
			is := t.seg(seg, i, "")
			t.mark(is)
			t.value(ix, c, is, depth+1, skip)
		}
		t.buf = append(t.buf, ']')
	case yaml.ScalarNode:
		t.buf = appendScalar(t.buf, n)
	default:
		t.buf = append(t.buf, "null"...)
	}
}

// dupKey reports whether key, the key at n.Content[i], was seen earlier in mapping n
// (scalar keys only, as value writes them); seen is nil for small mappings, which are
// scanned instead, else it is updated.
func dupKey(n *yaml.Node, i int, key string, seen map[string]bool) bool {
	if seen != nil {
		if seen[key] {
			return true
		}
		seen[key] = true
		return false
	}
	for j := 0; j < i; j += 2 {
		if k := yamltree.Deref(n.Content[j]); k != nil && k.Kind == yaml.ScalarNode && k.Value == key {
			return true
		}
	}
	return false
}

// appendScalar writes a YAML scalar as JSON, keeping integers at full precision.
func appendScalar(b []byte, n *yaml.Node) []byte {
	v := n.Value
	switch n.ShortTag() {
	case "!!null":
		return append(b, "null"...)
	case "!!bool":
		switch strings.ToLower(v) {
		case "true", "yes", "on", "y":
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case "!!int":
		s := strings.ReplaceAll(v, "_", "")
		neg := strings.HasPrefix(s, "-")
		body := strings.TrimLeft(s, "+-")
		base := 10
		switch {
		case strings.HasPrefix(body, "0x"), strings.HasPrefix(body, "0X"):
			base, body = 16, body[2:]
		case strings.HasPrefix(body, "0o"), strings.HasPrefix(body, "0O"):
			base, body = 8, body[2:]
		case strings.HasPrefix(body, "0b"), strings.HasPrefix(body, "0B"):
			base, body = 2, body[2:]
		case len(body) > 1 && body[0] == '0':
			base, body = 8, body[1:] // YAML 1.1 octal, as yaml.v3 reads it
		}
		var z big.Int
		if _, ok := z.SetString(body, base); !ok {
			return appendJSONString(b, v)
		}
		if neg {
			z.Neg(&z)
		}
		return append(b, z.String()...)
	case "!!float":
		switch strings.ToLower(strings.TrimLeft(v, "+")) {
		case ".inf":
			return append(b, `"Infinity"`...)
		case "-.inf":
			return append(b, `"-Infinity"`...)
		case ".nan":
			return append(b, `"NaN"`...)
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) {
			return appendJSONString(b, v)
		}
		if jsonNumberRE().MatchString(v) {
			return append(b, v...) // keep the user's digits
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	}
	return appendJSONString(b, v)
}

var jsonNumberRE = lazyRegexp(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// lazyRegexp compiles expr on first use: package init runs in every wasmgen process,
// whatever the command, so it must stay cheap (imageRef alone compiles to 170 kB).
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// appendJSONString quotes s as JSON using only ASCII, so byte offsets equal the rune
// columns protojson reports.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < 0x20 || r == 0x7f:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		case r < 0x80:
			b = append(b, byte(r))
		case r > 0xffff:
			r -= 0x10000
			for _, u := range []rune{0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff} {
				b = append(b, '\\', 'u', hex[u>>12&0xf], hex[u>>8&0xf], hex[u>>4&0xf], hex[u&0xf])
			}
		default:
			b = append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		}
	}
	return append(b, '"')
}

// pathAt returns the path of the token at (or nearest before) byte offset off.
func (t *jsonText) pathAt(off int) string {
	i := sort.Search(len(t.toks), func(i int) bool { return t.toks[i].off > off })
	if i == 0 {
		return ""
	}
	return t.path(t.toks[i-1].seg)
}

var protoErrRE = lazyRegexp(`\(line (\d+):(\d+)\): (.*)$`)

// locate maps a protojson error ("proto: (line 1:57): unknown field ...") to the path
// of the token it names, and the bare message.
func (t *jsonText) locate(err error) (path, msg string) {
	s := err.Error()
	m := protoErrRE().FindStringSubmatch(s)
	if m == nil {
		return "", strings.TrimPrefix(s, "proto: ")
	}
	col, _ := strconv.Atoi(m[2])
	return t.pathAt(col - 1), m[3]
}

// describeNode names a node's YAML kind for messages.
func describeNode(n *yaml.Node) string {
	n = yamltree.Deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.ShortTag() == "!!null" {
		return "null"
	}
	return fmt.Sprintf("%q", clipText(n.Value))
}

func clipText(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
