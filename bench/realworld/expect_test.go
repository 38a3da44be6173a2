package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseCodes(t *testing.T) {
	for _, c := range []struct {
		in, str string
		match   [][]string
		nomatch [][]string
	}{
		{"-", "-", [][]string{nil}, [][]string{{"WG7001"}}},
		{"*", "*", [][]string{nil, {"WG7001", "IST0106"}}, nil},
		{"WG7100", "WG7100", [][]string{{"WG7100"}}, [][]string{nil, {"WG7002", "WG7100"}}},
		{"WG7100,WG7012", "WG7012,WG7100", [][]string{{"WG7012", "WG7100"}}, [][]string{{"WG7100"}}},
		{"WG1306,*", "WG1306,*", [][]string{{"WG1306"}, {"WG1306", "WG2003"}}, [][]string{nil, {"WG2003"}}},
		{"IST0106", "IST0106", [][]string{{"IST0106"}}, [][]string{{"WG7002"}}},
	} {
		got, err := parseCodes(c.in)
		if err != nil {
			t.Errorf("parseCodes(%q): %v", c.in, err)
			continue
		}
		if got.String() != c.str {
			t.Errorf("parseCodes(%q).String() = %q, want %q", c.in, got, c.str)
		}
		for _, m := range c.match {
			if !got.Match(m) {
				t.Errorf("%q does not match %v", c.in, m)
			}
		}
		for _, m := range c.nomatch {
			if got.Match(m) {
				t.Errorf("%q matches %v", c.in, m)
			}
		}
	}
	for _, bad := range []string{"", "WG70", "WG70011", "wg7001", "X7001", "WG7001,WG7001", "WG7001,", "ok", "IST01a6"} {
		if c, err := parseCodes(bad); err == nil {
			t.Errorf("parseCodes(%q) = %v, want an error", bad, c)
		}
	}
}

const goodExpectations = `# comment
envoyfilter/a.yaml	1.12	ok	ok	-	*	fine
bootstrap/b.yaml	1.5	broken	broken	WG7100	-	unknown static field

wasmplugin/c.yaml	1.30	broken	ok	-	*	another project's CRD
`

func TestParseExpectations(t *testing.T) {
	exps, err := parseExpectations("x.tsv", []byte(goodExpectations))
	if err != nil {
		t.Fatal(err)
	}
	want := []Expectation{
		{Line: 2, File: "envoyfilter/a.yaml", Istio: "1.12", Consumer: OK, Expect: OK, Errors: Codes{}, Warnings: AnyCodes, Reason: "fine"},
		{Line: 3, File: "bootstrap/b.yaml", Istio: "1.5", Consumer: Broken, Expect: Broken, Errors: Codes{List: []string{"WG7100"}}, Warnings: Codes{}, Reason: "unknown static field"},
		{Line: 5, File: "wasmplugin/c.yaml", Istio: "1.30", Consumer: Broken, Expect: OK, Errors: Codes{}, Warnings: AnyCodes, Reason: "another project's CRD"},
	}
	if len(exps) != len(want) {
		t.Fatalf("got %d rows, want %d", len(exps), len(want))
	}
	for i := range want {
		g, w := exps[i], want[i]
		if g.Line != w.Line || g.File != w.File || g.Istio != w.Istio || g.Consumer != w.Consumer || g.Expect != w.Expect ||
			g.Errors.String() != w.Errors.String() || g.Warnings.String() != w.Warnings.String() || g.Reason != w.Reason {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestParseExpectationsRefuses(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a.yaml\t1.5\tok\tok\t-\t*\n", "x.tsv:1: 6 tab-separated columns; expected 7"},
		{"a.yaml\t1.5\tfine\tok\t-\t*\tr\n", "x.tsv:1: consumer: verdict \"fine\": expected ok or broken"},
		{"a.yaml\t1.5\tok\tbad\t-\t*\tr\n", "x.tsv:1: expect: verdict \"bad\""},
		{"a.yaml\t1.5\tok\tok\tWG7001\t*\tr\n", "x.tsv:1: errors WG7001 for a file wasmgen must accept: write -"},
		{"a.yaml\t1.5\tbroken\tbroken\t-\t*\tr\n", "x.tsv:1: errors - for a file wasmgen must reject"},
		{"a.yaml\t1.5\tbroken\tok\t-\t*\t\n", "x.tsv:1: expect ok differs from the consumer's broken: say why"},
		{"a.yaml\t1.5\tok\tok\t-\t*\tr\n\na.yaml\t1.6\tok\tok\t-\t*\tr\n", "x.tsv:3: a.yaml is listed twice (first on line 1)"},
		{"\t1.5\tok\tok\t-\t*\tr\n", "x.tsv:1: empty file name"},
		{"a.yaml\t1.5\tok\tok\t-\tWG1\tr\n", "x.tsv:1: warnings: code \"WG1\""},
	} {
		_, err := parseExpectations("x.tsv", []byte(c.in))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("parseExpectations(%q) = %v, want an error starting %q", c.in, err, c.want)
		}
	}
}

func TestParseEras(t *testing.T) {
	eras, err := parseEras("ERAS.tsv", []byte("# file\tistio\tfor\tverdict\nbootstrap/b.yaml\t1.5\tenvoy-wasm 2019\tok\nwasmplugin/c.yaml\t1.13\tIstio 1.13\tbroken\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(eras, []Era{{"bootstrap/b.yaml", "1.5", OK}, {"wasmplugin/c.yaml", "1.13", Broken}}) {
		t.Errorf("eras = %+v", eras)
	}
	if _, err := parseEras("ERAS.tsv", []byte("a.yaml\t1.5\tx\tmaybe\n")); err == nil || !strings.Contains(err.Error(), "ERAS.tsv:1: verdict \"maybe\"") {
		t.Errorf("a bad verdict: %v", err)
	}
}

func TestPair(t *testing.T) {
	eras := []Era{{"b.yaml", "1.5", OK}, {"a.yaml", "1.12", Broken}}
	exp := func(line int, file, istio string, consumer Verdict, reason string) Expectation {
		return Expectation{Line: line, File: file, Istio: istio, Consumer: consumer, Expect: consumer, Reason: reason}
	}
	got, err := pair(eras, []Expectation{exp(1, "a.yaml", "1.12", Broken, ""), exp(2, "b.yaml", "1.5", Broken, "argued")}, "x.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if got[0].File != "b.yaml" || got[1].File != "a.yaml" {
		t.Errorf("not in ERAS.tsv's order: %+v", got)
	}
	_, err = pair(eras, []Expectation{exp(1, "a.yaml", "1.11", Broken, ""), exp(2, "c.yaml", "1.5", OK, "")}, "x.tsv")
	want := "x.tsv: no expectation for b.yaml (ERAS.tsv lists it)\n" +
		"x.tsv:1: a.yaml at Istio 1.11, but ERAS.tsv says 1.12\n" +
		"x.tsv:2: c.yaml is not in ERAS.tsv"
	if err == nil || err.Error() != want {
		t.Errorf("pair: %v\nwant:\n%s", err, want)
	}
	_, err = pair(eras[:1], []Expectation{exp(4, "b.yaml", "1.5", Broken, "")}, "x.tsv")
	if err == nil || !strings.Contains(err.Error(), "x.tsv:4: b.yaml: consumer broken differs from ERAS.tsv's ok: say why") {
		t.Errorf("an unargued difference from ERAS.tsv: %v", err)
	}
}

func TestWasmgenOutcome(t *testing.T) {
	findings := `[{"severity":"warning","code":"IST0133"},{"severity":"error","code":"WG7030"},{"severity":"error","code":"WG7030"},{"severity":"info","code":"WG0000"},{"severity":"error","code":"IST0106"}]`
	for _, c := range []struct {
		name   string
		exit   int
		stdout string
		want   Outcome
	}{
		{"ok", 0, "[]", Outcome{Verdict: OK}},
		{"warnings only", 0, `[{"severity":"warning","code":"WG7052"},{"severity":"warning","code":"IST0151"}]`, Outcome{Verdict: OK, Warnings: []string{"IST0151", "WG7052"}}},
		{"broken", 1, findings, Outcome{Verdict: Broken, Errors: []string{"IST0106", "WG7030"}, Warnings: []string{"IST0133"}}},
		{"exit 1 without errors", 1, "[]", Outcome{Err: "exit 1 with 0 error findings: boom"}},
		{"errors with exit 0", 0, findings, Outcome{Err: "exit 0 with 2 error findings: boom"}},
		{"usage error", 2, "", Outcome{Err: "exit 2, output is not a JSON list of findings (unexpected end of JSON input): boom"}},
	} {
		got := wasmgenOutcome(c.exit, []byte(c.stdout), []byte("boom\nmore"))
		if got.Verdict != c.want.Verdict || !slices.Equal(got.Errors, c.want.Errors) || !slices.Equal(got.Warnings, c.want.Warnings) || got.Err != c.want.Err {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestIstioctlChecks(t *testing.T) {
	for in, want := range map[string]bool{
		"apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\n":                true,
		"# x\n---\napiVersion: \"extensions.istio.io/v1alpha1\"\nkind: WasmPlugin\n":   true,
		"apiVersion: v1\nkind: ConfigMap\n---\napiVersion: networking.istio.io/v1\n":   true,
		"apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\n":               false,
		"apiVersion: wasme.io/v1\nkind: FilterDeployment\n":                            false,
		"static_resources:\n  listeners: []\n":                                         false,
		"  apiVersion: networking.istio.io/v1alpha3\n":                                 false, // not a document's top level
		"metadata:\n  annotations:\n    x: apiVersion: networking.istio.io/v1alpha3\n": false,
	} {
		if got := istioctlChecks([]byte(in)); got != want {
			t.Errorf("istioctlChecks(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestSummaryFigures(t *testing.T) {
	row := func(consumer, expect, got Verdict, errs string, istioctl *Outcome) Row {
		c, err := parseCodes(errs)
		if err != nil {
			t.Fatal(err)
		}
		o := Outcome{Verdict: got}
		if got == Broken {
			o.Errors = []string{"WG7002"}
		}
		return Row{Exp: Expectation{File: "k/f.yaml", Consumer: consumer, Expect: expect, Errors: c, Warnings: AnyCodes}, Era: consumer, Wasmgen: o, Istioctl: istioctl}
	}
	ok, broken, na := &Outcome{Verdict: OK}, &Outcome{Verdict: Broken}, &Outcome{}
	rows := []Row{
		row(OK, OK, OK, "-", ok),                  // agree
		row(OK, OK, Broken, "-", broken),          // a working file rejected
		row(Broken, Broken, OK, "*", ok),          // a broken file passed
		row(Broken, Broken, Broken, "WG7100", na), // right verdict, wrong code
		row(Broken, Broken, Broken, "WG7002", na), // agree
		row(Broken, OK, Broken, "-", broken),      // consumer rejects, wasmgen must skip
		{Exp: Expectation{File: "k/g.yaml", Consumer: OK, Expect: OK, Errors: Codes{}, Warnings: AnyCodes}, Era: Broken, Wasmgen: Outcome{Err: "exit 2"}, Istioctl: na},
	}
	results := []string{Agree, Disagree, Disagree, WrongCode, Agree, Disagree, NoVerdict}
	for i, r := range rows {
		if got := r.Result(); got != results[i] {
			t.Errorf("row %d: Result() = %s, want %s", i, got, results[i])
		}
	}
	s := summarize(rows)
	if got, want := s.Wasmgen.String(), "4 of 6 verdicts agree; 1 working file rejected; 1 broken file passed"; got != want {
		t.Errorf("wasmgen figures %q, want %q", got, want)
	}
	if s.NoVerdict != 1 || s.MeetExpect != 2 || s.EraDiffers != 1 || !s.Failed() {
		t.Errorf("summary %+v", s)
	}
	if got, want := s.Istioctl.String(), "2 of 4 verdicts agree; 1 working file rejected; 1 broken file passed"; got != want {
		t.Errorf("istioctl figures %q, want %q", got, want)
	}
	if got, want := s.IstioctlAll.String(), "3 of 7 verdicts agree; 1 working file rejected; 3 broken files passed"; got != want {
		t.Errorf("istioctl on all files %q, want %q", got, want)
	}
	if s.NotChecked["k"] != 3 {
		t.Errorf("not checked: %v", s.NotChecked)
	}
}

func TestWriteReport(t *testing.T) {
	exps, err := parseExpectations("x.tsv", []byte(goodExpectations))
	if err != nil {
		t.Fatal(err)
	}
	rows := []Row{
		{Exp: exps[0], Era: OK, Wasmgen: Outcome{Verdict: Broken, Errors: []string{"WG7030"}}},
		{Exp: exps[1], Era: OK, Wasmgen: Outcome{Verdict: Broken, Errors: []string{"WG7100"}, Warnings: []string{"WG7106"}}},
		{Exp: exps[2], Era: Broken, Wasmgen: Outcome{Verdict: OK}},
	}
	var out bytes.Buffer
	if err := writeReport(&out, rows, "x.tsv"); err != nil {
		t.Fatal(err)
	}
	want := `#  istio  consumer  expect  wasmgen  result    errors expected → got  file
1  1.12   ok        ok      broken   DISAGREE  - → WG7030             envoyfilter/a.yaml
2  1.5    broken    broken  broken   WARNINGS  WG7100 → WG7100        bootstrap/b.yaml
3  1.30   broken    ok      ok       agree     - → -                  wasmplugin/c.yaml

why these are expected (x.tsv):
  1 envoyfilter/a.yaml: expected ok (-): fine
  2 bootstrap/b.yaml: warnings expected -, got WG7106

wasmgen: 1 of 3 verdicts agree; 1 working file rejected; 1 broken file passed
wasmgen: 1 of 3 files meet the expectations (verdict and codes)
expectations: 1 consumer verdicts differ from ERAS.tsv's, each argued from the consumer's source in x.tsv
`
	if out.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestRepositoryExpectations checks the project's own expectations file, and,
// where the shared folder is present, that it pairs with ERAS.tsv, so a bad
// edit fails `go test` and not only scripts/realworld.sh.
func TestRepositoryExpectations(t *testing.T) {
	name := filepath.Join("..", "..", "testdata", "realworld", "expectations.tsv")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	exps, err := parseExpectations(name, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exps {
		if e.Reason == "" {
			t.Errorf("%s:%d: %s has no reason", name, e.Line, e.File)
		}
	}
	eras, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "realworld", "ERAS.tsv"))
	if err != nil {
		t.Skipf("no shared realworld folder: %v", err)
	}
	es, err := parseEras("ERAS.tsv", eras)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pair(es, exps, name); err != nil {
		t.Error(err)
	}
}

func FuzzParseExpectations(f *testing.F) {
	f.Add([]byte(goodExpectations))
	f.Add([]byte("a\t1.5\tok\tok\t-\t*\tr\n"))
	f.Add([]byte("a\t1.5\tbroken\tbroken\tWG7001,IST0106,*\tWG7052\tr\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		exps, err := parseExpectations("f.tsv", data)
		if err != nil {
			return
		}
		for _, e := range exps {
			// Codes print back to a form that parses to the same set.
			for _, c := range []Codes{e.Errors, e.Warnings} {
				again, err := parseCodes(c.String())
				if err != nil || again.String() != c.String() {
					t.Fatalf("codes %q do not round-trip: %v %q", c, err, again)
				}
			}
		}
	})
}
