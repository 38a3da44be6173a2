package pwhost

import (
	"fmt"
	"io"
	"strings"
)

// Headline is the report's first line: the plugin, the verdict and the host.
func (r *StartReport) Headline() string {
	host := fmt.Sprintf("Envoy %s's Wasm host (%s, runtime %s)", r.Envoy, orDash(r.ABI), r.Runtime)
	if r.Verdict == Loaded {
		return fmt.Sprintf("%s: loaded by %s", r.Plugin, host)
	}
	return fmt.Sprintf("%s: %s by %s: %s", r.Plugin, r.Verdict, host, firstLine(r.Reason))
}

// WriteText writes the report for people: the headline, each lifecycle step, the
// plugin's log lines.
func (r *StartReport) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString(r.Headline() + "\n")
	if rest := strings.SplitN(r.Reason, "\n", 2); len(rest) == 2 {
		for _, l := range strings.Split(rest[1], "\n") {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	for _, s := range r.Steps {
		if s.Result != "" {
			fmt.Fprintf(&b, "  %s -> %s\n", s.Call, s.Result)
		} else {
			fmt.Fprintf(&b, "  %s\n", s.Call)
		}
	}
	writeLogs(&b, r.Logs)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes what the plugin did to the stream.
func (r *StreamReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "stream (context %d):\n", r.Context)
	for _, c := range r.Callbacks {
		if c.Action != "" {
			fmt.Fprintf(&b, "  %s -> %s\n", c.Call, c.Action)
		} else {
			fmt.Fprintf(&b, "  %s\n", c.Call)
		}
	}
	for _, d := range []struct {
		name string
		c    Changes
	}{{"request", r.Request}, {"response", r.Response}} {
		writeChanges(&b, d.name+" header", d.c.Headers)
		writeChanges(&b, d.name+" trailer", d.c.Trailers)
		if d.c.Body != nil {
			fmt.Fprintf(&b, "  %s body replaced: %q -> %q\n", d.name, d.c.Body.Before, d.c.Body.After)
		}
	}
	if lr := r.LocalReply; lr != nil {
		fmt.Fprintf(&b, "  local reply: %d", lr.Status)
		if lr.Details != "" {
			fmt.Fprintf(&b, " (%s)", lr.Details)
		}
		if lr.Body != "" {
			fmt.Fprintf(&b, " body %q", lr.Body)
		}
		b.WriteString("\n")
		for _, h := range lr.Headers {
			fmt.Fprintf(&b, "    %s: %s\n", h.Key, h.Value)
		}
	}
	for _, c := range r.Callouts {
		fmt.Fprintf(&b, "  %s call to %s %s: %s\n", c.Kind, c.Upstream, c.Path, c.Answer)
	}
	fmt.Fprintf(&b, "  outcome: %s\n", r.Outcome)
	writeLogs(&b, r.Logs)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeChanges(b *strings.Builder, what string, cs []Change) {
	for _, c := range cs {
		switch c.Op {
		case "added":
			fmt.Fprintf(b, "  %s added: %s: %s\n", what, c.Name, c.Value)
		case "removed":
			fmt.Fprintf(b, "  %s removed: %s: %s\n", what, c.Name, c.Old)
		case "replaced":
			fmt.Fprintf(b, "  %s replaced: %s: %s (was %s)\n", what, c.Name, c.Value, c.Old)
		}
	}
}

func writeLogs(b *strings.Builder, logs []Log) {
	for _, l := range logs {
		src := ""
		if l.Source != "proxy_log" {
			src = " " + l.Source
		}
		for _, line := range strings.Split(l.Msg, "\n") {
			fmt.Fprintf(b, "  log %s%s: %s\n", l.LevelS, src, line)
		}
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func orDash(s string) string {
	if s == "" {
		return "no ABI"
	}
	return s
}
