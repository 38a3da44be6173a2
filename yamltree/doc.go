// Package yamltree is wasmgen's one toolkit for YAML documents as node trees:
// reading a stream under limits (merge keys applied, JSON streams accepted), field
// access, field paths, positions by path, and the one YAML→JSON transcoder. Every
// reader of input (specs, manifests, KRM items, filter configs) goes through it, so
// a document means the same thing to every check.
package yamltree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"
)

// Limits bound what one input may cost; each refusal names the limit and the flag
// that raises it.
type Limits struct {
	MaxBytes     int64 // input size (--max-input-bytes)
	MaxDocuments int   // documents per input (--max-documents)
	MaxDepth     int   // nesting depth of YAML/JSON (--max-depth)
	MaxNodes     int   // nodes visited including alias expansion (--max-nodes)
}

// DefaultLimits are generous for real specs and manifests, small enough to refuse
// hostile input quickly.
var DefaultLimits = Limits{
	MaxBytes:     64 << 20,
	MaxDocuments: 10000,
	MaxDepth:     100,
	MaxNodes:     5_000_000,
}

// Codes for input-level problems.
const (
	CodeSyntax   = "WG1001"
	CodeLimit    = "WG1002"
	CodeEncoding = "WG1003"
)

// yamlLineRE is compiled on first use: package init runs in every process.
var yamlLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`) })

// ParseDocuments splits a YAML (or JSON) stream into its documents, keeping nodes
// and positions. Empty documents are dropped.
func ParseDocuments(file string, data []byte, lim Limits) ([]*yaml.Node, diag.List) {
	var l diag.List
	if lim.MaxBytes > 0 && int64(len(data)) > lim.MaxBytes {
		l.Errorf(diag.Pos{File: file}, "", CodeLimit, "input is %d bytes, over the limit of %d bytes; raise it with --max-input-bytes", len(data), lim.MaxBytes)
		return nil, l
	}
	if i := bytes.IndexByte(data, 0); i >= 0 || !utf8.Valid(data) {
		line, col := 1, 1
		if i < 0 {
			i = invalidUTF8(data)
		}
		line, col = lineCol(data, i)
		l.Errorf(diag.Pos{File: file, Line: line, Col: col}, "", CodeEncoding, "input is not UTF-8 text (binary data at byte offset %d); expected YAML or JSON", i)
		return nil, l
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	// A merge key is written "<<"; without one in the text there is nothing to apply.
	merges := bytes.Contains(data, []byte("<<"))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// Several JSON values one after another (kubectl's and jq's JSON streams)
			// are not a YAML stream; read them as JSON when they are one.
			if isJSONStream(data) {
				jdocs, jl := parseJSONStream(file, data, lim)
				if len(jl) == 0 {
					return jdocs, nil
				}
				if strings.HasSuffix(strings.ToLower(file), ".json") {
					return jdocs, jl // a JSON file: the JSON error says more
				}
			}
			// yaml.v3 reports a tab in indentation vaguely ("found character that cannot
			// start any token"); name it when that is the likely cause.
			if tl, tc, ok := leadingTab(data); ok {
				l.Add(diag.Finding{Pos: diag.Pos{File: file, Line: tl, Col: tc}, Severity: diag.Error, Code: CodeSyntax,
					Msg: "invalid YAML: found a tab character in indentation; YAML allows only spaces there", Hint: "indent with spaces"})
				return docs, l
			}
			f := syntaxFinding(file, err)
			// yaml.v3 names the mapping it was in, not the line that left it.
			if indentError(f.Msg) {
				if fi, ok := indentFinding(file, data, f.Pos.Line); ok {
					f = fi
				}
			}
			l.Add(f)
			return docs, l
		}
		if len(n.Content) == 0 || (n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag == "!!null") {
			continue
		}
		if f, ok := admit(file, n.Content[0], len(docs), lim); !ok {
			l.Add(f)
			return docs, l
		}
		doc := n.Content[0]
		if merges {
			doc = resolveMerges(file, doc, &l)
		}
		docs = append(docs, doc)
	}
	return docs, l
}

// admit applies the per-document limits to the next document of an input.
func admit(file string, n *yaml.Node, have int, lim Limits) (diag.Finding, bool) {
	if lim.MaxDocuments > 0 && have >= lim.MaxDocuments {
		return diag.Finding{Pos: Pos(file, n), Severity: diag.Error, Code: CodeLimit,
			Msg: fmt.Sprintf("more than %d documents in one input; raise the limit with --max-documents", lim.MaxDocuments)}, false
	}
	if msg := checkShape(n, lim); msg != "" {
		return diag.Finding{Pos: Pos(file, n), Severity: diag.Error, Code: CodeLimit, Msg: msg}, false
	}
	return diag.Finding{}, true
}

func syntaxFinding(file string, err error) diag.Finding {
	msg := err.Error()
	line := 0
	if m := yamlLineRE().FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	return diag.Finding{Pos: diag.Pos{File: file, Line: line}, Severity: diag.Error, Code: CodeSyntax,
		Msg: "invalid YAML: " + msg}
}

// checkShape walks the tree once, counting nodes through aliases (an alias bomb
// expands exponentially) and measuring depth, before anything else expands it.
func checkShape(root *yaml.Node, lim Limits) string {
	memo := map[*yaml.Node]int{} // expanded size of each anchored subtree
	var walk func(n *yaml.Node, depth int) (int, string)
	walk = func(n *yaml.Node, depth int) (int, string) {
		if lim.MaxDepth > 0 && depth > lim.MaxDepth {
			return 0, fmt.Sprintf("nesting deeper than %d levels; raise the limit with --max-depth", lim.MaxDepth)
		}
		if n.Kind == yaml.AliasNode {
			if size, ok := memo[n.Alias]; ok {
				return size, ""
			}
			size, msg := walk(n.Alias, depth)
			memo[n.Alias] = size
			return size, msg
		}
		size := 1
		for _, c := range n.Content {
			s, msg := walk(c, depth+1)
			if msg != "" {
				return 0, msg
			}
			size += s
			if lim.MaxNodes > 0 && size > lim.MaxNodes {
				return 0, fmt.Sprintf("document expands to more than %d nodes (YAML aliases included); raise the limit with --max-nodes", lim.MaxNodes)
			}
		}
		if n.Anchor != "" {
			memo[n] = size
		}
		return size, ""
	}
	_, msg := walk(root, 1)
	return msg
}

// leadingTab finds a tab used as indentation, which yaml.v3 reports with a vague message.
func leadingTab(data []byte) (line, col int, ok bool) {
	line = 1
	start := true
	col = 1
	for _, c := range data {
		switch {
		case c == '\n':
			line++
			col = 1
			start = true
			continue
		case start && c == ' ':
		case start && c == '\t':
			return line, col, true
		default:
			start = false
		}
		col++
	}
	return 0, 0, false
}

func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func lineCol(b []byte, off int) (int, int) {
	line, col := 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// isJSONStream reports whether data is JSON (it starts with '{' or '['): a stream of
// several JSON values is valid JSON-lines input for kubectl and jq, but not YAML.
func isJSONStream(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// parseJSONStream splits concatenated JSON values and parses each as YAML (JSON is
// YAML), shifting positions so they point into the whole input.
func parseJSONStream(file string, data []byte, lim Limits) ([]*yaml.Node, diag.List) {
	var l diag.List
	var docs []*yaml.Node
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var raw json.RawMessage
		start := dec.InputOffset()
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, col := lineCol(data, int(dec.InputOffset()))
			l.Errorf(diag.Pos{File: file, Line: line, Col: col}, "", CodeSyntax, "invalid JSON: %v", err)
			return docs, l
		}
		// Skip the whitespace before the value so the shift lands on its first byte.
		for start < int64(len(data)) && strings.IndexByte(" \t\r\n", data[start]) >= 0 {
			start++
		}
		var n yaml.Node
		if err := yaml.Unmarshal(raw, &n); err != nil {
			f := syntaxFinding(file, err)
			l.Add(f)
			return docs, l
		}
		if len(n.Content) == 0 {
			continue
		}
		line, col := lineCol(data, int(start))
		shift(n.Content[0], line-1, col-1)
		if f, ok := admit(file, n.Content[0], len(docs), lim); !ok {
			l.Add(f)
			return docs, l
		}
		docs = append(docs, n.Content[0]) // JSON has no merge keys: "<<" is a quoted string there
	}
	return docs, l
}

// shift moves node positions by whole lines, and by cols on the value's first line.
func shift(n *yaml.Node, lines, cols int) {
	Walk(n, func(n *yaml.Node) {
		if n.Line == 1 {
			n.Column += cols
		}
		n.Line += lines
	})
}

// Walk calls fn once for every node of a tree, the targets of aliases included.
func Walk(n *yaml.Node, fn func(*yaml.Node)) {
	seen := map[*yaml.Node]bool{}
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		fn(n)
		for _, c := range n.Content {
			walk(c)
		}
		walk(n.Alias)
	}
	walk(n)
}

// Rules is the catalogue of yamltree's codes.
var Rules = []diag.Rule{
	{Code: CodeSyntax, Severity: diag.Error, Consumer: "YAML/JSON readers", Summary: "the input is not valid YAML or JSON"},
	{Code: CodeLimit, Severity: diag.Error, Consumer: "wasmgen", Summary: "an input limit reached (size, documents, depth, nodes); each names its flag"},
	{Code: CodeEncoding, Severity: diag.Error, Consumer: "YAML/JSON readers", Summary: "the input is not UTF-8 text"},
	{Code: CodeMerge, Severity: diag.Error, Consumer: "YAML readers (go-yaml)", Summary: "a merge key (<<) whose value is not a mapping or a list of mappings"},
	{Code: CodeYAML, Severity: diag.Error, Consumer: "JSON", Summary: "YAML with no JSON form (a complex key, a tag whose value does not parse)"},
}

// indentError reports whether a yaml.v3 message is one that bad indentation
// causes and that it places at the enclosing mapping rather than the line.
func indentError(msg string) bool {
	for _, m := range []string{"did not find expected key", "did not find expected '-' indicator", "mapping values are not allowed in this context", "block sequence entries are not allowed in this context"} {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}
