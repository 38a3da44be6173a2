package chain_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/internal/chain"
)

// checkMermaid holds the flowchart to the part of Mermaid's flowchart grammar it
// uses (mermaid-js packages/mermaid/src/diagrams/flowchart/parser/flow.jison:
// a header, classDef, subgraph ID["title"] ... end, direction, nodes ID["label"]
// with a :::class, links ID --> ID, class statements), with no raw quote inside a
// label, every subgraph closed, and every linked or classed node declared.
func checkMermaid(t *testing.T, s string) {
	t.Helper()
	var (
		header   = regexp.MustCompile(`^flowchart (TB|LR)$`)
		classDef = regexp.MustCompile(`^  classDef [a-z]+ [a-z-]+:[#0-9a-z]+(,[a-z-]+:[#0-9a-z]+)*$`)
		subgraph = regexp.MustCompile(`^  subgraph ([cd][0-9]+)\["[^"]*"\]$`)
		dir      = regexp.MustCompile(`^    direction (LR|TB)$`)
		node     = regexp.MustCompile(`^    ([cd][0-9]+_[0-9]+)\["[^"]*"\]:::[a-z]+$`)
		link     = regexp.MustCompile(`^    ([cd][0-9]+_[0-9]+) --> ([cd][0-9]+_[0-9]+)$`)
		class    = regexp.MustCompile(`^  class ([cd][0-9]+_[0-9]+) [a-z]+$`)
	)
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) == 0 || !header.MatchString(lines[0]) {
		t.Fatalf("mermaid: no flowchart header:\n%s", s)
	}
	declared := map[string]bool{}
	open := false
	for i, ln := range lines[1:] {
		switch {
		case classDef.MatchString(ln), dir.MatchString(ln) && open:
		case subgraph.MatchString(ln) && !open:
			open = true
		case ln == "  end" && open:
			open = false
		case node.MatchString(ln) && open:
			declared[node.FindStringSubmatch(ln)[1]] = true
		case link.MatchString(ln) && open:
			m := link.FindStringSubmatch(ln)
			if !declared[m[1]] || !declared[m[2]] {
				t.Errorf("mermaid line %d links an undeclared node: %q", i+2, ln)
			}
		case class.MatchString(ln) && !open:
			if !declared[class.FindStringSubmatch(ln)[1]] {
				t.Errorf("mermaid line %d classes an undeclared node: %q", i+2, ln)
			}
		default:
			t.Errorf("mermaid line %d is outside the grammar: %q", i+2, ln)
		}
	}
	if open {
		t.Error("mermaid: a subgraph is not closed")
	}
}

func TestMermaidGrammar(t *testing.T) {
	r, _ := explain(t, 30, ef("shop", "a", "", hp(in, "INSERT_BEFORE", rtr, `'"x<y>"'`)))
	var b strings.Builder
	if err := chain.Write(&b, "mermaid", r); err != nil {
		t.Fatal(err)
	}
	checkMermaid(t, b.String())
	if !strings.Contains(b.String(), "#quot;x#lt;y#gt;#quot;") {
		t.Errorf("quotes and angle brackets not escaped:\n%s", b.String())
	}
}
