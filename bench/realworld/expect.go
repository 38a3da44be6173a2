package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Verdict is what a consumer (or a checker) makes of a whole file.
type Verdict string

const (
	OK     Verdict = "ok"     // accepted and applied as written
	Broken Verdict = "broken" // rejected, or part of it silently dropped or mis-applied
)

func parseVerdict(s string) (Verdict, error) {
	switch v := Verdict(s); v {
	case OK, Broken:
		return v, nil
	}
	return "", fmt.Errorf("verdict %q: expected ok or broken", s)
}

// Era is one row of the shared ERAS.tsv: the file, the Istio minor it was
// written for, and the collector's reading of the real consumer's verdict.
type Era struct {
	File    string
	Istio   string
	Verdict Verdict
}

// parseEras reads ERAS.tsv: "#" lines are comments, every other line has four
// tab-separated columns (file, Istio minor, written for, verdict).
func parseEras(name string, data []byte) ([]Era, error) {
	var out []Era
	err := eachRow(name, data, 4, 4, func(line int, col []string) error {
		v, err := parseVerdict(col[3])
		if err != nil {
			return err
		}
		out = append(out, Era{File: col[0], Istio: col[1], Verdict: v})
		return nil
	})
	return out, err
}

// Codes says which finding codes a file must produce.
//
//   - none
//   - any (not pinned yet: the rule is still being written)
//     A,B      exactly A and B
//     A,B,*    A and B at least
type Codes struct {
	List    []string // sorted, without duplicates
	AtLeast bool     // the list is a lower bound
}

// AnyCodes is "*": every set of codes matches.
var AnyCodes = Codes{AtLeast: true}

func parseCodes(s string) (Codes, error) {
	if s == "-" {
		return Codes{}, nil
	}
	if s == "" {
		return Codes{}, fmt.Errorf("empty codes: write - for none or * for any")
	}
	var c Codes
	for _, p := range strings.Split(s, ",") {
		switch {
		case p == "*":
			c.AtLeast = true
		case isCode(p):
			c.List = append(c.List, p)
		default:
			return Codes{}, fmt.Errorf("code %q: expected WG#### or IST####, - (none) or * (any)", p)
		}
	}
	slices.Sort(c.List)
	if len(slices.Compact(slices.Clone(c.List))) != len(c.List) {
		return Codes{}, fmt.Errorf("codes %q: a code is listed twice", s)
	}
	return c, nil
}

func isCode(s string) bool {
	digits := ""
	switch {
	case strings.HasPrefix(s, "WG"):
		digits = s[2:]
	case strings.HasPrefix(s, "IST"):
		digits = s[3:]
	default:
		return false
	}
	if len(digits) != 4 {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Match reports whether got (sorted, unique) satisfies c.
func (c Codes) Match(got []string) bool {
	if !c.AtLeast {
		return slices.Equal(c.List, got)
	}
	for _, w := range c.List {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}

func (c Codes) String() string {
	switch {
	case c.AtLeast && len(c.List) == 0:
		return "*"
	case len(c.List) == 0:
		return "-"
	case c.AtLeast:
		return strings.Join(c.List, ",") + ",*"
	}
	return strings.Join(c.List, ",")
}

// Expectation is one row of the project's expectations file: what the real
// consumer does with the file at that Istio version (Consumer), what wasmgen
// must say (Expect; it differs from Consumer only where the note argues why),
// and the codes its findings must carry.
type Expectation struct {
	Line     int
	File     string
	Istio    string
	Consumer Verdict
	Expect   Verdict
	Errors   Codes
	Warnings Codes
	Reason   string
}

// parseExpectations reads the expectations file: "#" lines are comments;
// columns are file, istio, consumer, expect, errors, warnings, reason.
func parseExpectations(name string, data []byte) ([]Expectation, error) {
	var out []Expectation
	seen := map[string]int{}
	err := eachRow(name, data, 7, 7, func(line int, col []string) error {
		e := Expectation{Line: line, File: col[0], Istio: col[1], Reason: col[6]}
		if prev, ok := seen[e.File]; ok {
			return fmt.Errorf("%s is listed twice (first on line %d)", e.File, prev)
		}
		seen[e.File] = line
		var err error
		if e.Consumer, err = parseVerdict(col[2]); err != nil {
			return fmt.Errorf("consumer: %v", err)
		}
		if e.Expect, err = parseVerdict(col[3]); err != nil {
			return fmt.Errorf("expect: %v", err)
		}
		if e.Errors, err = parseCodes(col[4]); err != nil {
			return fmt.Errorf("errors: %v", err)
		}
		if e.Warnings, err = parseCodes(col[5]); err != nil {
			return fmt.Errorf("warnings: %v", err)
		}
		switch {
		case e.Expect == OK && e.Errors.String() != "-":
			return fmt.Errorf("errors %s for a file wasmgen must accept: write -", e.Errors)
		case e.Expect == Broken && e.Errors.String() == "-":
			return fmt.Errorf("errors - for a file wasmgen must reject: name the codes, or * while the rule is being written")
		case e.Expect != e.Consumer && e.Reason == "":
			return fmt.Errorf("expect %s differs from the consumer's %s: say why in the reason column", e.Expect, e.Consumer)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// eachRow calls f with the tab-separated columns of every line that is not
// blank or a "#" comment, and prefixes f's error with the file and line.
func eachRow(name string, data []byte, minCols, maxCols int, f func(line int, col []string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		col := strings.Split(text, "\t")
		if len(col) < minCols || len(col) > maxCols {
			return fmt.Errorf("%s:%d: %d tab-separated columns; expected %d", name, n, len(col), maxCols)
		}
		for i := range col {
			col[i] = strings.TrimSpace(col[i])
		}
		if col[0] == "" {
			return fmt.Errorf("%s:%d: empty file name", name, n)
		}
		if err := f(n, col); err != nil {
			return fmt.Errorf("%s:%d: %v", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
}

// pair matches expectations to ERAS.tsv rows, in ERAS.tsv's order: every file
// there needs exactly one expectation at the same Istio version, and the
// expectations may name no other file.
func pair(eras []Era, exps []Expectation, expName string) ([]Expectation, error) {
	byFile := map[string]Expectation{}
	for _, e := range exps {
		byFile[e.File] = e
	}
	var out []Expectation
	var problems []string
	for _, era := range eras {
		e, ok := byFile[era.File]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: no expectation for %s (ERAS.tsv lists it)", expName, era.File))
			continue
		}
		delete(byFile, era.File)
		if e.Istio != era.Istio {
			problems = append(problems, fmt.Sprintf("%s:%d: %s at Istio %s, but ERAS.tsv says %s", expName, e.Line, e.File, e.Istio, era.Istio))
			continue
		}
		if e.Consumer != era.Verdict && e.Reason == "" {
			problems = append(problems, fmt.Sprintf("%s:%d: %s: consumer %s differs from ERAS.tsv's %s: say why in the reason column", expName, e.Line, e.File, e.Consumer, era.Verdict))
			continue
		}
		out = append(out, e)
	}
	for _, e := range exps {
		if _, extra := byFile[e.File]; extra {
			problems = append(problems, fmt.Sprintf("%s:%d: %s is not in ERAS.tsv", expName, e.Line, e.File))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return out, nil
}

// Outcome is what a checker said about one file.
type Outcome struct {
	Verdict  Verdict
	Errors   []string // codes of error findings, sorted, unique
	Warnings []string // codes of warning findings, sorted, unique
	Err      string   // the checker could not judge the file (usage error, crash, bad output)
}

type finding struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
}

// wasmgenOutcome derives the verdict from `wasmgen validate --output json`:
// ok is exit 0 with no error finding, broken is exit 1 with one; anything
// else (a usage error, a crash, exit 1 without an error) is the harness's
// problem, not a verdict.
func wasmgenOutcome(exit int, stdout, stderr []byte) Outcome {
	var fs []finding
	if err := json.Unmarshal(stdout, &fs); err != nil {
		return Outcome{Err: fmt.Sprintf("exit %d, output is not a JSON list of findings (%v): %s", exit, err, firstLine(stderr))}
	}
	var o Outcome
	for _, f := range fs {
		switch f.Severity {
		case "error":
			o.Errors = append(o.Errors, f.Code)
		case "warning":
			o.Warnings = append(o.Warnings, f.Code)
		}
	}
	slices.Sort(o.Errors)
	o.Errors = slices.Compact(o.Errors)
	slices.Sort(o.Warnings)
	o.Warnings = slices.Compact(o.Warnings)
	switch {
	case exit == 0 && len(o.Errors) == 0:
		o.Verdict = OK
	case exit == 1 && len(o.Errors) > 0:
		o.Verdict = Broken
	default:
		return Outcome{Err: fmt.Sprintf("exit %d with %d error findings: %s", exit, len(o.Errors), firstLine(stderr))}
	}
	return o
}

// istioctlOutcome: `istioctl validate -f` exits 0 when it accepts the file
// (warnings included) and non-zero when it rejects it.
func istioctlOutcome(exit int) Outcome {
	if exit == 0 {
		return Outcome{Verdict: OK}
	}
	return Outcome{Verdict: Broken}
}

// istioGroups are the API groups istioctl validates; it reports any other
// document (an Envoy bootstrap, a wasme FilterDeployment, Higress's
// WasmPlugin) as valid without checking it.
var istioGroups = []string{"networking.istio.io", "extensions.istio.io", "security.istio.io", "telemetry.istio.io"}

// istioctlChecks reports whether some document of the file has an apiVersion
// in one of Istio's groups.
func istioctlChecks(content []byte) bool {
	for _, line := range strings.Split(string(content), "\n") {
		v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "apiVersion:")
		if !ok {
			continue
		}
		group, _, _ := strings.Cut(strings.Trim(strings.TrimSpace(v), `"'`), "/")
		if slices.Contains(istioGroups, group) {
			return true
		}
	}
	return false
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if s == "" {
		return "(no stderr)"
	}
	return s
}
