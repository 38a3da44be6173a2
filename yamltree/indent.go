package yamltree

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
)

// indentFinding explains a syntax error that yaml.v3 reports at the line of the
// mapping it was reading ("did not find expected key" at `spec:`) when the cause
// is a later line dedented to a column that no open block uses: it names that
// line and the two columns it likely meant. ok is false when no such line is
// found from line on; the parser's own message stands then.
func indentFinding(file string, data []byte, line int) (diag.Finding, bool) {
	type level struct {
		indent int
		key    string // the key of the block's last line, "" when not a key
	}
	var stack []level
	flow := 0 // open [ and { : lines inside a flow collection may sit anywhere
	for i, raw := range bytes.Split(data, []byte("\n")) {
		n := i + 1
		text := strings.TrimRight(string(raw), " \r")
		body := strings.TrimLeft(text, " ")
		inFlow := flow > 0
		flow += strings.Count(body, "[") + strings.Count(body, "{") - strings.Count(body, "]") - strings.Count(body, "}")
		if body == "" || strings.HasPrefix(body, "#") || inFlow {
			continue
		}
		if strings.HasPrefix(text, "---") || strings.HasPrefix(text, "...") {
			stack = stack[:0]
			continue
		}
		ind, key := len(text)-len(body), keyOf(body)
		var popped *level
		for len(stack) > 0 && stack[len(stack)-1].indent > ind {
			l := stack[len(stack)-1]
			popped = &l
			stack = stack[:len(stack)-1]
		}
		switch {
		case len(stack) > 0 && stack[len(stack)-1].indent == ind && !strings.HasPrefix(body, "- "):
			stack[len(stack)-1].key = key
			continue
		case len(stack) > 0 && stack[len(stack)-1].indent == ind:
			stack = stack[:len(stack)-1] // the next item: its mapping is pushed below
		case popped != nil && n >= line:
			// Dedented, but not as far as any open block: it belongs to none.
			var cols []string
			for _, l := range append(stack, *popped) {
				cols = append(cols, strconv.Itoa(l.indent))
			}
			what := "the line"
			if key != "" {
				what = "`" + key + ":`"
			}
			hint := fmt.Sprintf("indent %s by %s", what, spaces(popped.indent))
			if popped.key != "" {
				hint += " to sit beside `" + popped.key + ":`"
			}
			if len(stack) > 0 {
				hint += fmt.Sprintf(", or by %d", stack[len(stack)-1].indent)
				if k := stack[len(stack)-1].key; k != "" {
					hint += " to sit beside `" + k + ":`"
				}
			}
			return diag.Finding{Pos: diag.Pos{File: file, Line: n, Col: ind + 1}, Severity: diag.Error, Code: CodeSyntax,
				Msg:  fmt.Sprintf("invalid YAML: line %d is indented by %s, which lines up with no enclosing block (the open blocks are indented by %s)", n, spaces(ind), strings.Join(cols, ", ")),
				Hint: hint}, true
		}
		if strings.HasPrefix(body, "- ") {
			key = "" // the item's dash; its key opens the next level
		}
		stack = append(stack, level{indent: ind, key: key})
		// "- key: v" opens the item's mapping two columns in, where its next keys go.
		for rest := body; strings.HasPrefix(rest, "- "); {
			trimmed := strings.TrimLeft(rest[2:], " ")
			ind += len(rest) - len(trimmed)
			rest = trimmed
			stack = append(stack, level{indent: ind, key: keyOf(rest)})
		}
	}
	return diag.Finding{}, false
}

// keyOf is the mapping key a line starts with ("url: x" → "url"; "- name: a" →
// "name"), "" for any other line.
func keyOf(body string) string {
	body = strings.TrimPrefix(body, "- ")
	k, _, ok := strings.Cut(body, ":")
	if !ok || k == "" || strings.ContainsAny(k, " {[\"'") {
		return ""
	}
	return k
}

func spaces(n int) string {
	if n == 1 {
		return "1 space"
	}
	return strconv.Itoa(n) + " spaces"
}
