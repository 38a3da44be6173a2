package diag

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

type pathLoc struct{}

func (pathLoc) Pos(path string) Pos        { return Pos{File: "f.yaml", Line: len(path)} }
func (pathLoc) Display(path string) string { return strings.ToUpper(path) }
func fold(path string) string              { return strings.ReplaceAll(path, "_", "") }
func (r *Reporter) count(sev Severity) int { return r.List.Count(sev) }
func newTestReporter(l *List) *Reporter    { r := NewReporter(pathLoc{}, l); r.Fold = fold; return r }
func hasPath(l List, path string) bool {
	for _, f := range l {
		if f.Path == path {
			return true
		}
	}
	return false
}

func TestReporterQuiet(t *testing.T) {
	var l List
	r := newTestReporter(&l)
	r.Fail("spec.vm_config", "C1", "h", "bad %s", "vm")
	r.Errorf("spec.vmconfig.runtime", "C2", "", "below a failed value (folded spelling)")
	r.Errorf("spec.vmconfig2", "C3", "", "a sibling whose name shares the prefix")
	r.Warnf("spec", "C4", "", "above it")
	r.Infof("other", "C5", "", "elsewhere")
	if len(l) != 4 || hasPath(l, "SPEC.VMCONFIG.RUNTIME") {
		t.Fatalf("quieting below a failed path: %v", l)
	}
	if l[0].Pos.Line != len("spec.vm_config") || l[0].Path != "SPEC.VM_CONFIG" || l[0].Msg != "bad vm" || l[0].Hint != "h" {
		t.Errorf("finding not located through the locator: %+v", l[0])
	}
	if r.count(Warning) != 1 || r.count(Info) != 1 || r.count(Error) != 2 {
		t.Errorf("severities: %v", l)
	}
	// Skip silences what another layer reported.
	var l2 List
	r2 := NewReporter(pathLoc{}, &l2)
	r2.Skip = func(p string) bool { return p == "a" }
	r2.Errorf("a", "C", "", "x")
	r2.Errorf("b", "C", "", "y")
	if len(l2) != 1 || l2[0].Path != "B" {
		t.Errorf("Skip: %v", l2)
	}
}

func TestRelated(t *testing.T) {
	l := List{{Pos: Pos{File: "b.yaml", Line: 9, Col: 3}, Severity: Error, Code: "WG1312", Msg: "duplicate filter ns/x", Hint: "rename one",
		Related: []Pos{{File: "a.yaml", Line: 4, Col: 9}, {File: "c.yaml", Line: 1}}}}
	if got, want := l[0].String(), "b.yaml:9:3: error: duplicate filter ns/x (also at a.yaml:4:9, c.yaml:1); rename one [WG1312]"; got != want {
		t.Errorf("text:\n got %s\nwant %s", got, want)
	}
	var b bytes.Buffer
	if err := Write(&b, "json", l); err != nil {
		t.Fatal(err)
	}
	var back []struct {
		Related []struct {
			File         string
			Line, Column int
		}
	}
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back) != 1 || len(back[0].Related) != 2 || back[0].Related[0].File != "a.yaml" || back[0].Related[0].Column != 9 {
		t.Errorf("json related: %v %s", err, b.String())
	}
	// Findings that differ only in their related positions are both kept.
	two := List{l[0], l[0]}
	two[1].Related = nil
	two.Sort()
	if len(two) != 2 {
		t.Errorf("Sort dropped a finding with other related positions")
	}
	two = List{l[0], l[0]}
	two.Sort()
	if len(two) != 1 {
		t.Errorf("Sort kept an exact duplicate")
	}
}

func TestSummary(t *testing.T) {
	l := List{{Severity: Error}, {Severity: Warning}, {Severity: Warning}, {Severity: Info}}
	if got := Summary(l); got != "1 error, 2 warnings" {
		t.Errorf("Summary = %q", got)
	}
	if got := Summary(nil); got != "0 errors, 0 warnings" {
		t.Errorf("Summary(nil) = %q", got)
	}
}
