package diag

import (
	"errors"
	"testing"
)

func TestSuggest(t *testing.T) {
	cands := []string{"module", "rootID", "vmID", "runtime", "placement", "Deployment"}
	tests := []struct{ in, want string }{
		{"modul", "module"},
		{"rootId", "rootID"},
		{"runtim", "runtime"},
		{"plcaement", "placement"}, // transposition
		{"Deploy", "Deployment"},   // truncation
		{"zzzzzz", ""},             // nothing close
		{"ab", ""},
	}
	for _, tt := range tests {
		if got := Suggest(tt.in, cands); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if h := DidYouMean("module", cands); h != "" {
		t.Errorf("exact match should give no hint, got %q", h)
	}
}

func TestListSortDedupErr(t *testing.T) {
	var l List
	if l.Err() != nil {
		t.Fatal("empty list must give a true nil error")
	}
	l.Warnf(Pos{File: "b.yaml", Line: 1, Col: 1}, "x", "WG2", "w")
	l.Errorf(Pos{File: "a.yaml", Line: 3, Col: 1}, "y", "WG1", "e")
	l.Errorf(Pos{File: "a.yaml", Line: 2, Col: 5}, "z", "WG1", "e")
	l.Errorf(Pos{File: "a.yaml", Line: 2, Col: 5}, "z", "WG1", "e")
	l.Sort()
	if len(l) != 3 || l[0].Pos.Line != 2 || l[1].Pos.Line != 3 || l[2].Pos.File != "b.yaml" {
		t.Fatalf("sorted wrongly: %v", l)
	}
	err := l.Err()
	var got List
	if !errors.As(err, &got) || err.Error() != "a.yaml:2:5: error: z: e [WG1] (and 2 more)" {
		t.Fatalf("Err() = %v", err)
	}
	warnOnly := List{{Severity: Warning, Msg: "w"}}
	if warnOnly.Err() != nil || warnOnly.HasErrors() {
		t.Fatal("warnings alone are not an error")
	}
}

func TestPosString(t *testing.T) {
	for _, tt := range []struct {
		p    Pos
		want string
	}{
		{Pos{"f.yaml", 3, 7}, "f.yaml:3:7"},
		{Pos{"f.yaml", 3, 0}, "f.yaml:3"},
		{Pos{"f.yaml", 0, 0}, "f.yaml"},
		{Pos{}, "-"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}
