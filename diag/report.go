package diag

import "fmt"

// Locator maps a field path of one document to a position, and to the path as the
// document spells it (a check may name a field by its proto name; the user wrote
// the lowerCamel one).
type Locator interface {
	Pos(path string) Pos
	Display(path string) string
}

// Reporter adds findings about one document to a List, locating each by its path.
// It also remembers where a problem was already reported, so a later, more general
// check stays quiet there instead of piling a second finding on the same value
// (what go/types does with invalid operands).
type Reporter struct {
	Loc  Locator
	List *List
	// Fold, when set, is applied to paths before they are remembered or looked up
	// (the proto spellings of one field meet).
	Fold  func(path string) string
	quiet map[string]bool
	// Skip, when set, also silences paths (a decoder's own record of values that did
	// not decode).
	Skip func(path string) bool
}

// NewReporter returns a reporter for the document loc locates, adding to l.
func NewReporter(loc Locator, l *List) *Reporter { return &Reporter{Loc: loc, List: l} }

func (r *Reporter) key(path string) string {
	if r.Fold != nil {
		return r.Fold(path)
	}
	return path
}

// Quiet records that the value at path was reported: findings at it or below it
// are dropped from now on.
func (r *Reporter) Quiet(path string) {
	if r.quiet == nil {
		r.quiet = map[string]bool{}
	}
	r.quiet[r.key(path)] = true
}

// Quieted reports whether path, or a value above it, was reported.
func (r *Reporter) Quieted(path string) bool {
	if r.Skip != nil && r.Skip(path) {
		return true
	}
	if len(r.quiet) == 0 {
		return false
	}
	for p := r.key(path); ; {
		if r.quiet[p] {
			return true
		}
		i := lastSep(p)
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

func lastSep(p string) int {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '.' || p[i] == '[' {
			return i
		}
	}
	return -1
}

// Report adds a finding at path unless the path was quieted.
func (r *Reporter) Report(sev Severity, path, code, hint, msg string, related ...Pos) {
	if r.Quieted(path) {
		return
	}
	r.List.Add(Finding{Pos: r.Loc.Pos(path), Path: r.Loc.Display(path), Severity: sev, Code: code, Msg: msg, Hint: hint, Related: related})
}

// Fail reports an error at path and quiets it: the value is known bad, and the
// general checks that run later (a decoder, protoc-gen-validate) say nothing more
// about it or below it.
func (r *Reporter) Fail(path, code, hint, format string, args ...any) {
	r.Errorf(path, code, hint, format, args...)
	r.Quiet(path)
}

// Errorf reports an error at path.
func (r *Reporter) Errorf(path, code, hint, format string, args ...any) {
	r.Report(Error, path, code, hint, fmt.Sprintf(format, args...))
}

// Warnf reports a warning at path.
func (r *Reporter) Warnf(path, code, hint, format string, args ...any) {
	r.Report(Warning, path, code, hint, fmt.Sprintf(format, args...))
}

// Infof reports a notice at path.
func (r *Reporter) Infof(path, code, hint, format string, args ...any) {
	r.Report(Info, path, code, hint, fmt.Sprintf(format, args...))
}

// Summary counts the errors and warnings of a list: "2 errors, 1 warning".
func Summary(l List) string {
	e, w := l.Count(Error), l.Count(Warning)
	return fmt.Sprintf("%d %s, %d %s", e, Plural(e, "error"), w, Plural(w, "warning"))
}

// Plural is word, with an "s" unless n is 1.
func Plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// Rule documents one finding code: what it is about and whose verdict it gives.
// Every package that reports findings lists its rules; `wasmgen validate
// --list-rules` and docs/codes.md are the catalogue of them all.
type Rule struct {
	Code     string
	Severity Severity // the usual severity; some rules warn or fail by release
	// Consumer is whose verdict the rule reproduces: istiod (its webhook or its
	// run-time conversion), istioctl analyze, the istio-agent, Envoy, Kubernetes,
	// kustomize, the wasme operator, or wasmgen for the spec's own rules.
	Consumer string
	Summary  string
}
