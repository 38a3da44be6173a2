package chain

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
)

// Output formats.
var Formats = []string{"text", "mermaid", "markdown", "json"}

// Write prints r in a format of Formats.
func Write(w io.Writer, format string, r Result) error {
	var s string
	switch format {
	case "text":
		s = Text(r)
	case "mermaid":
		s = Mermaid(r)
	case "markdown":
		s = Markdown(r)
	case "json":
		b, err := JSON(r)
		if err != nil {
			return err
		}
		s = string(b)
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	_, err := io.WriteString(w, s)
	return err
}

// Filter narrows a result to the chains of a workload (or selector) name, a
// context and a port ("" and 0: any).
func (r Result) Filter(workload, context string, port uint32) Result {
	out := r
	out.Chains, out.Untouched, out.NotAttached = nil, nil, nil
	out.filtered = workload != "" || context != "" || port != 0
	for _, p := range r.Untouched {
		if workload == "" || p.Name == workload || p.Namespace+"/"+p.Name == workload {
			out.Untouched = append(out.Untouched, p)
		}
	}
	for _, n := range r.NotAttached {
		p := n.Proxy
		if (workload == "" || p.Name == workload || p.Namespace+"/"+p.Name == workload) && (context == "" || contextOf(p) == context) {
			out.NotAttached = append(out.NotAttached, n)
		}
	}
	for _, c := range r.Chains {
		if (workload == "" || c.Proxy.Name == workload || c.Proxy.Namespace+"/"+c.Proxy.Name == workload) &&
			(context == "" || c.Context == context) && (port == 0 || c.Port == port) {
			out.Chains = append(out.Chains, c)
		}
	}
	return out
}

// contextOf is a not-attached entry's context: a waypoint's is waypoint; the
// others are listed under every context.
func contextOf(p Proxy) string {
	if p.Kind == Waypoint {
		return Waypoint
	}
	return ""
}

func proxyTitle(p Proxy) string {
	s := p.Namespace + "/" + p.Name
	switch {
	case p.Workload != "":
		s += " (" + p.Workload + ", " + p.Kind + ")"
	case p.Kind == Waypoint && p.Namespace == anyNamespace:
		s = "every waypoint (GatewayClass " + compat.WaypointGatewayClass + "; no waypoint Gateway among the inputs)"
	case p.Kind == Waypoint && gatewayName(p.Labels) == "":
		s += " (the waypoint that serves it; no Gateway or use-waypoint label among the inputs names it)"
	case p.Kind == Waypoint:
		s += " (waypoint; its Gateway is not among the inputs)"
	case p.Kind == EnvoyGateway:
		s += " (Envoy Gateway target)"
	case p.Namespace == anyNamespace:
		s += " (root namespace selector: any namespace)"
	}
	return s
}

// chainTitle is a chain's context, service, port and type.
func chainTitle(c Chain) string {
	s := c.Context
	if c.Service != "" {
		s += ", " + c.Service
	}
	if (c.Context != Waypoint && c.Context != EnvoyGateway) || c.Type != HTTP {
		s += ", " + portName(c.Port) // a waypoint's HTTP chains have none
	}
	return s + ", " + c.Type
}

func portName(p uint32) string {
	if p == 0 {
		return "every port"
	}
	return "port " + strconv.Itoa(int(p))
}

// Text is the tree a terminal and a CI log show.
func Text(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Filter chains for Istio %s\n", r.Istio)
	last := ""
	for _, c := range r.Chains {
		if t := proxyTitle(c.Proxy); t != last {
			fmt.Fprintf(&b, "\n%s\n", t)
			last = t
		}
		fmt.Fprintf(&b, "  %s filters:\n", chainTitle(c))
		for i, f := range c.Filters {
			branch, more := "├─", "│ "
			if i == len(c.Filters)-1 {
				branch, more = "└─", "  "
			}
			name := f.Name
			if name == "" {
				name = "(unnamed)"
			}
			if f.Source == "istio" || f.Source == EnvoyGateway {
				fmt.Fprintf(&b, "    %s %s  (%s)\n", branch, name, f.Rule)
			} else {
				fmt.Fprintf(&b, "    %s %s\n", branch, name)
				from := f.Source
				if f.Patch != "" {
					from += " " + f.Patch
				}
				switch {
				case f.Rendered:
					from += ", rendered from the WasmFilter at " + f.At
				case f.At != "":
					from += " (" + f.At + ")"
				}
				fmt.Fprintf(&b, "    %s     from %s\n", more, from)
				why := f.Rule
				if f.Order != "" {
					why += "; order: " + f.Order
				}
				fmt.Fprintf(&b, "    %s     by %s\n", more, why)
			}
			for _, m := range f.Merged {
				fmt.Fprintf(&b, "    %s     merged by %s\n", more, m)
			}
			if len(f.Tie) > 0 {
				fmt.Fprintf(&b, "    %s     TIE with %s: only creation time orders them; set spec.priority\n", more, strings.Join(f.Tie, ", "))
			}
		}
		for _, x := range c.Removed {
			fmt.Fprintf(&b, "    removed: %s (%s) by %s\n", x.Name, x.Source, x.By)
		}
		if len(c.Absent) > 0 {
			var names []string
			for _, a := range c.Absent {
				names = append(names, a.Name+" ("+a.When+")")
			}
			fmt.Fprintf(&b, "    not shown: %s\n", strings.Join(names, "; "))
		}
	}
	for _, p := range r.Untouched {
		fmt.Fprintf(&b, "\n%s: no EnvoyFilter or WasmPlugin applies\n", proxyTitle(p))
	}
	if len(r.NotAttached) > 0 {
		b.WriteString("\nNot attached:\n")
		for _, n := range r.NotAttached {
			at := ""
			if n.At != "" {
				at = " (" + n.At + ")"
			}
			fmt.Fprintf(&b, "  %s%s on %s: %s\n", n.Source, at, proxyTitle(n.Proxy), n.Reason)
		}
	}
	switch {
	case len(r.Chains) == 0 && r.filtered:
		b.WriteString("\nno chain matches --workload, --context and --port\n")
	case len(r.Chains) == 0 && len(r.Untouched) == 0 && len(r.NotAttached) == 0:
		b.WriteString("\nno EnvoyFilter or WasmPlugin among the inputs\n")
	}
	if len(r.Findings) > 0 {
		b.WriteString("\nFindings:\n")
		for _, f := range r.Findings {
			b.WriteString("  " + f.String() + "\n")
		}
	}
	return b.String()
}

// Mermaid is a flowchart of every chain, one subgraph each: it renders in
// GitHub's and GitLab's Markdown.
func Mermaid(r Result) string {
	var b strings.Builder
	b.WriteString("flowchart TB\n")
	b.WriteString("  classDef istio fill:#eef,stroke:#99c\n  classDef wasmplugin fill:#efe,stroke:#6a6\n  classDef envoyfilter fill:#fec,stroke:#c90\n  classDef tie stroke:#c00,stroke-width:3px\n")
	for ci, c := range r.Chains {
		id := "c" + strconv.Itoa(ci)
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n    direction LR\n", id, mermaidText(c.Proxy.Namespace+"/"+c.Proxy.Name+" · "+strings.ReplaceAll(chainTitle(c), ", ", " · ")))
		for fi, f := range c.Filters {
			label := f.Name
			if f.Source != "istio" {
				label += "<br/><i>" + f.Source + "</i>"
			}
			fmt.Fprintf(&b, "    %s_%d[\"%s\"]:::%s\n", id, fi, mermaidText(label), classOf(f))
		}
		for fi := 1; fi < len(c.Filters); fi++ {
			fmt.Fprintf(&b, "    %s_%d --> %s_%d\n", id, fi-1, id, fi)
		}
		b.WriteString("  end\n")
		for fi, f := range c.Filters {
			if len(f.Tie) > 0 {
				fmt.Fprintf(&b, "  class %s_%d tie\n", id, fi)
			}
		}
	}
	return b.String()
}

// mermaidText escapes a label for a quoted Mermaid node: quotes and the characters
// Mermaid reads as markup become entity codes.
func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<br/>", "<br/>", "<i>", "<i>", "</i>", "</i>")
	s = r.Replace(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.HasPrefix(s[i:], "<br/>") || strings.HasPrefix(s[i:], "<i>") || strings.HasPrefix(s[i:], "</i>") {
			n := strings.IndexByte(s[i:], '>')
			b.WriteString(s[i : i+n+1])
			i += n
			continue
		}
		switch c := s[i]; c {
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func classOf(f Filter) string {
	switch {
	case f.Source == "istio" || f.Source == EnvoyGateway:
		return "istio"
	case strings.HasPrefix(f.Source, "WasmPlugin"):
		return "wasmplugin"
	}
	return "envoyfilter"
}

// Markdown is a pull-request comment: the flowchart, each chain as a table, the
// findings.
func Markdown(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Filter chains (Istio %s)\n\n", r.Istio)
	if len(r.Chains) > 0 {
		b.WriteString("```mermaid\n" + Mermaid(r) + "```\n")
	}
	for _, c := range r.Chains {
		fmt.Fprintf(&b, "\n#### %s: %s filters\n\n| # | filter | from | why |\n|---|---|---|---|\n", mdCell(proxyTitle(c.Proxy)), mdCell(chainTitle(c)))
		for i, f := range c.Filters {
			from := f.Source
			if f.Patch != "" {
				from += " `" + f.Patch + "`"
			}
			if f.Rendered {
				from += ", rendered from " + f.At
			}
			why := f.Rule
			if f.Order != "" {
				why += "; " + f.Order
			}
			if len(f.Merged) > 0 {
				why += "; merged by " + strings.Join(f.Merged, ", ")
			}
			if len(f.Tie) > 0 {
				why += "; **tie with " + strings.Join(f.Tie, ", ") + "**"
			}
			fmt.Fprintf(&b, "| %d | `%s` | %s | %s |\n", i+1, mdCell(f.Name), mdCell(from), mdCell(why))
		}
		for _, x := range c.Removed {
			fmt.Fprintf(&b, "\nRemoved: `%s` (%s) by %s\n", mdCell(x.Name), x.Source, mdCell(x.By))
		}
	}
	if len(r.Chains) == 0 {
		b.WriteString("No EnvoyFilter or WasmPlugin among the inputs changes a chain.\n")
	}
	if len(r.NotAttached) > 0 {
		b.WriteString("\n#### Not attached\n\n| object | proxy | why |\n|---|---|---|\n")
		for _, n := range r.NotAttached {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", mdCell(n.Source), mdCell(proxyTitle(n.Proxy)), mdCell(n.Reason))
		}
	}
	if len(r.Findings) > 0 {
		b.WriteString("\n#### Findings\n\n")
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "- **%s** `%s` %s: %s\n", f.Severity, f.Code, mdCell(f.Pos.String()), mdCell(f.Msg))
		}
	}
	return b.String()
}

func mdCell(s string) string { return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s) }

// jsonResult is the --output json document (docs/explain.md describes it).
type jsonResult struct {
	SchemaVersion int           `json:"schemaVersion"`
	Istio         string        `json:"istio"`
	Chains        []Chain       `json:"chains"`
	Untouched     []Proxy       `json:"untouched,omitempty"`
	NotAttached   []NotAttached `json:"notAttached,omitempty"`
	Findings      []jsonFinding `json:"findings"`
}

type jsonFinding struct {
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Path     string `json:"path,omitempty"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
}

// JSON is the stable machine-readable form (schemaVersion 1).
func JSON(r Result) ([]byte, error) {
	out := jsonResult{SchemaVersion: 1, Istio: r.Istio, Chains: r.Chains, Untouched: r.Untouched, NotAttached: r.NotAttached, Findings: []jsonFinding{}}
	if out.Chains == nil {
		out.Chains = []Chain{}
	}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, jsonFinding{File: f.Pos.File, Line: f.Pos.Line, Column: f.Pos.Col, Path: f.Path,
			Severity: f.Severity.String(), Code: f.Code, Message: f.Msg, Hint: f.Hint})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	return append(b, '\n'), err
}
