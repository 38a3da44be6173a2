package chain

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
)

// Change is what a change of the inputs does to one chain.
type Change struct {
	Chain  string `json:"chain"`  // Chain.Key
	Status string `json:"status"` // changed
	Lines  []Line `json:"lines"`  // the filters, old order against new
}

// Line is one filter of a chain diff: "+" only in the new chain, "-" only in the
// old one, " " in both (moved filters are a "-" and a "+").
type Line struct {
	Op     string `json:"op"`
	Name   string `json:"name"`
	Source string `json:"source"`
	Rule   string `json:"rule,omitempty"` // the new chain's, for "+" and " "
}

// Diff compares the chains of two results (of Istio v) by Chain.Key: what a
// change adds to, removes from, renames or moves in each chain. A chain only one
// side has is compared with what its listener had there: the chain of the ports
// not named (a patch on one port makes that port a chain of its own), else
// Istio's own chain (no object changed it).
func Diff(base, head Result, v compat.Istio) []Change {
	var out []Change
	for _, c := range head.Chains {
		b, status := counterpart(c, base, v)
		if !sameFilters(b, c.Filters) {
			out = append(out, Change{Chain: c.Key(), Status: status, Lines: diffLines(b, c.Filters)})
		}
	}
	for _, c := range base.Chains {
		if _, ok := byKey(head, c.Key()); ok {
			continue
		}
		h, _ := counterpart(c, head, v)
		if !sameFilters(c.Filters, h) {
			out = append(out, Change{Chain: c.Key(), Status: "changed", Lines: diffLines(c.Filters, h)})
		}
	}
	return out
}

func byKey(r Result, key string) (Chain, bool) {
	for _, c := range r.Chains {
		if c.Key() == key {
			return c, true
		}
	}
	return Chain{}, false
}

// counterpart is the filters c's listener has in r.
func counterpart(c Chain, r Result, v compat.Istio) ([]Filter, string) {
	if b, ok := byKey(r, c.Key()); ok {
		return b.Filters, "changed"
	}
	if c.Port != 0 {
		all := c
		all.Port = 0
		if b, ok := byKey(r, all.Key()); ok {
			return b.Filters, "changed"
		}
	}
	if c.Service != "" { // a waypoint's chain of one service: else the others'
		all := c
		all.Service = ""
		if b, ok := byKey(r, all.Key()); ok {
			return b.Filters, "changed"
		}
	}
	class := compat.Gateway
	for _, k := range append(classes, compat.Waypoint) {
		if k.String() == c.Context {
			class = k
		}
	}
	e := &explainer{v: v, wps: map[*WasmPlugin]*wpTally{}}
	return e.base(class, c.Type, nil, "", false).filters, "changed"
}

func filterID(f Filter) string { return f.Name + "\x00" + f.Source }

func sameFilters(a, b []Filter) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if filterID(a[i]) != filterID(b[i]) || strings.Join(a[i].Merged, ",") != strings.Join(b[i].Merged, ",") {
			return false
		}
	}
	return true
}

// diffLines is the longest-common-subsequence diff of two filter lists (chains
// are tens of filters: the quadratic table is small).
func diffLines(a, b []Filter) []Line {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if filterID(a[i]) == filterID(b[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && filterID(a[i]) == filterID(b[j]):
			out = append(out, Line{Op: " ", Name: b[j].Name, Source: b[j].Source, Rule: b[j].Rule})
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, Line{Op: "+", Name: b[j].Name, Source: b[j].Source, Rule: b[j].Rule})
			j++
		default:
			out = append(out, Line{Op: "-", Name: a[i].Name, Source: a[i].Source})
			i++
		}
	}
	return out
}

// WriteDiff prints changes in a format of Formats.
func WriteDiff(w io.Writer, format, istio string, changes []Change) error {
	var b strings.Builder
	switch format {
	case "text":
		fmt.Fprintf(&b, "Filter chain changes for Istio %s\n", istio)
		if len(changes) == 0 {
			b.WriteString("\nno chain changes\n")
		}
		for _, c := range changes {
			fmt.Fprintf(&b, "\n%s (%s):\n", c.Chain, c.Status)
			writeLines(&b, "  ", c.Lines)
		}
	case "markdown":
		fmt.Fprintf(&b, "### Filter chain changes (Istio %s)\n\n", istio)
		if len(changes) == 0 {
			b.WriteString("No chain changes.\n")
		}
		for _, c := range changes {
			fmt.Fprintf(&b, "#### %s (%s)\n\n```diff\n", mdCell(c.Chain), c.Status)
			writeLines(&b, "", c.Lines)
			b.WriteString("```\n\n")
		}
		if len(changes) > 0 {
			b.WriteString("```mermaid\n" + diffMermaid(changes) + "```\n")
		}
	case "mermaid":
		b.WriteString(diffMermaid(changes))
	case "json":
		out := struct {
			SchemaVersion int      `json:"schemaVersion"`
			Istio         string   `json:"istio"`
			Changes       []Change `json:"changes"`
		}{1, istio, changes}
		if out.Changes == nil {
			out.Changes = []Change{}
		}
		data, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		b.Write(append(data, '\n'))
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeLines(b *strings.Builder, indent string, lines []Line) {
	for _, l := range lines {
		s := l.Name
		if l.Source != "istio" {
			s += "  (" + l.Source + ")"
		}
		b.WriteString(indent + l.Op + " " + s + "\n")
	}
}

// diffMermaid draws each changed chain as it is after the change, added filters
// marked, removed ones dashed beside it.
func diffMermaid(changes []Change) string {
	var b strings.Builder
	b.WriteString("flowchart TB\n")
	b.WriteString("  classDef kept fill:#eee,stroke:#999\n  classDef added fill:#cfc,stroke:#393\n  classDef removed fill:#fcc,stroke:#c33,stroke-dasharray:4\n")
	for ci, c := range changes {
		id := "d" + strconv.Itoa(ci)
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n    direction LR\n", id, mermaidText(c.Chain+" · "+c.Status))
		prev := ""
		for li, l := range c.Lines {
			class := map[string]string{" ": "kept", "+": "added", "-": "removed"}[l.Op]
			node := fmt.Sprintf("%s_%d", id, li)
			fmt.Fprintf(&b, "    %s[\"%s\"]:::%s\n", node, mermaidText(l.Op+" "+l.Name), class)
			if l.Op == "-" {
				continue
			}
			if prev != "" {
				fmt.Fprintf(&b, "    %s --> %s\n", prev, node)
			}
			prev = node
		}
		b.WriteString("  end\n")
	}
	return b.String()
}
