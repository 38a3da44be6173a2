// Package diag holds findings: what is wrong, where, and how to fix it.
//
// Every check in wasmgen appends to a List and carries on, so a user sees every
// problem of an input in one run (as go/parser with AllErrors does).
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Severity ranks a finding the way KRM results do.
type Severity int

const (
	Error Severity = iota
	Warning
	Info
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "info"
	}
}

// Pos is a place in an input file. Line and Col are 1-based; zero means unknown.
type Pos struct {
	File string
	Line int
	Col  int
}

// String prints file:line:col, dropping the parts that are unknown (like go/token).
func (p Pos) String() string {
	s := p.File
	if p.Line > 0 {
		if s != "" {
			s += ":"
		}
		s += fmt.Sprintf("%d", p.Line)
		if p.Col > 0 {
			s += fmt.Sprintf(":%d", p.Col)
		}
	}
	if s == "" {
		s = "-"
	}
	return s
}

// Finding is one problem (or notice) about an input.
type Finding struct {
	Pos      Pos
	Path     string // field path in the document, e.g. spec.module.sha256
	Severity Severity
	Code     string // stable ID: WG#### for wasmgen's own checks, IST#### where the check is Istio's
	Msg      string // what was found and what was expected
	Hint     string // how to fix it, e.g. `did you mean "rootID"?`
	// Related are other places the finding is about ("also defined at"), as cue's
	// errors carry InputPositions: text output names them in the message, JSON and
	// GitHub output point at them too.
	Related []Pos
}

// Message is the finding's text without position or code: "path: msg (hint)".
func (f Finding) Message() string {
	var b strings.Builder
	if f.Path != "" {
		b.WriteString(f.Path)
		b.WriteString(": ")
	}
	b.WriteString(f.Msg)
	for i, p := range f.Related {
		if i == 0 {
			b.WriteString(" (also at ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(p.String())
		if i == len(f.Related)-1 {
			b.WriteString(")")
		}
	}
	if f.Hint != "" {
		b.WriteString("; ")
		b.WriteString(f.Hint)
	}
	return b.String()
}

// String is the one-line form the CLI prints: FILE:LINE:COL: severity: MESSAGE [CODE].
func (f Finding) String() string {
	s := fmt.Sprintf("%s: %s: %s", f.Pos, f.Severity, f.Message())
	if f.Code != "" {
		s += " [" + f.Code + "]"
	}
	return s
}

func (f Finding) equal(g Finding) bool {
	if f.Pos != g.Pos || f.Path != g.Path || f.Severity != g.Severity || f.Code != g.Code || f.Msg != g.Msg || f.Hint != g.Hint || len(f.Related) != len(g.Related) {
		return false
	}
	for i := range f.Related {
		if f.Related[i] != g.Related[i] {
			return false
		}
	}
	return true
}

// List is an ordered collection of findings.
type List []Finding

// Add appends a finding.
func (l *List) Add(f Finding) { *l = append(*l, f) }

// Append appends all findings of other.
func (l *List) Append(other List) { *l = append(*l, other...) }

// Errorf adds an error finding.
func (l *List) Errorf(pos Pos, path, code, format string, args ...any) {
	l.Add(Finding{Pos: pos, Path: path, Severity: Error, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// Warnf adds a warning finding.
func (l *List) Warnf(pos Pos, path, code, format string, args ...any) {
	l.Add(Finding{Pos: pos, Path: path, Severity: Warning, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any finding is an error.
func (l List) HasErrors() bool {
	for _, f := range l {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// Count returns the number of findings with the given severity.
func (l List) Count(s Severity) int {
	n := 0
	for _, f := range l {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Sort orders findings by file, line, column, code and message, and drops exact duplicates.
func (l *List) Sort() {
	s := *l
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Message() < b.Message()
	})
	out := s[:0]
	for i, f := range s {
		if i > 0 && f.equal(s[i-1]) {
			continue
		}
		out = append(out, f)
	}
	*l = out
}

// Err returns the list as an error if it holds an error finding, else a true nil.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return l
}

// Error reads "first (and N more)", as go/scanner.ErrorList does.
func (l List) Error() string {
	switch len(l) {
	case 0:
		return "no findings"
	case 1:
		return l[0].String()
	}
	return fmt.Sprintf("%s (and %d more)", l[0], len(l)-1)
}

// Suggest returns the candidate nearest to s (edit distance, case-insensitive), or ""
// when none is close enough to be a plausible typo.
func Suggest(s string, candidates []string) string {
	best, bestD := "", -1
	ls := strings.ToLower(s)
	for _, c := range candidates {
		d := distance(ls, strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	// A truncated word ("Deploy" for "Deployment") is a plausible typo at any distance.
	if bestD > 0 && len(ls) >= 3 {
		for _, c := range candidates {
			if strings.HasPrefix(strings.ToLower(c), ls) {
				return c
			}
		}
	}
	// A suggestion further than about a third of the word away is noise.
	limit := len(s)/3 + 1
	if limit < 2 {
		limit = 2
	}
	if bestD > limit {
		return ""
	}
	return best
}

// DidYouMean formats a hint for Suggest's result, or "" when there is none.
func DidYouMean(s string, candidates []string) string {
	if c := Suggest(s, candidates); c != "" && c != s {
		return fmt.Sprintf("did you mean %q?", c)
	}
	return ""
}

// Distance is the edit distance of a and b, case-insensitive.
func Distance(a, b string) int { return distance(strings.ToLower(a), strings.ToLower(b)) }

// distance is the Levenshtein distance with transpositions counted as one edit.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
