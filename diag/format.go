package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats lists the output formats Write knows.
var Formats = []string{"text", "json", "github"}

// Write prints l in the named format: "text" (one FILE:LINE:COL: severity: MESSAGE
// [CODE] line per finding), "json" (an indented array) or "github" (workflow
// commands that annotate a pull request).
func Write(w io.Writer, format string, l List) error {
	switch format {
	case "", "text":
		return writeText(w, l)
	case "json":
		return writeJSON(w, l)
	case "github":
		return writeGitHub(w, l)
	}
	return fmt.Errorf("unknown output format %q; expected one of %s", format, strings.Join(Formats, ", "))
}

func writeText(w io.Writer, l List) error {
	for _, f := range l {
		if _, err := fmt.Fprintln(w, f.String()); err != nil {
			return err
		}
	}
	return nil
}

// jsonFinding is the stable JSON shape of a finding.
type jsonFinding struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Field    string `json:"field"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
	// Related are the other places the finding names ("also at").
	Related []jsonPos `json:"related,omitempty"`
}

type jsonPos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

func writeJSON(w io.Writer, l List) error {
	out := make([]jsonFinding, 0, len(l))
	for _, f := range l {
		jf := jsonFinding{File: f.Pos.File, Line: f.Pos.Line, Column: f.Pos.Col, Severity: f.Severity.String(),
			Code: f.Code, Field: f.Path, Message: f.Msg, Hint: f.Hint}
		for _, r := range f.Related {
			jf.Related = append(jf.Related, jsonPos{File: r.File, Line: r.Line, Column: r.Col})
		}
		out = append(out, jf)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// writeGitHub prints workflow commands (::error file=…,line=…,col=…,title=…::msg).
// GitHub has no "info" level: it becomes a notice.
func writeGitHub(w io.Writer, l List) error {
	for _, f := range l {
		level := "error"
		switch f.Severity {
		case Warning:
			level = "warning"
		case Info:
			level = "notice"
		}
		var props []string
		if f.Pos.File != "" {
			props = append(props, "file="+escapeProperty(f.Pos.File))
		}
		if f.Pos.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", f.Pos.Line))
			if f.Pos.Col > 0 {
				props = append(props, fmt.Sprintf("col=%d", f.Pos.Col))
			}
		}
		if f.Code != "" {
			props = append(props, "title="+escapeProperty(f.Code))
		}
		cmd := "::" + level
		if len(props) > 0 {
			cmd += " " + strings.Join(props, ",")
		}
		msg := f.Message()
		if f.Code != "" {
			msg += " [" + f.Code + "]"
		}
		if _, err := fmt.Fprintf(w, "%s::%s\n", cmd, escapeData(msg)); err != nil {
			return err
		}
	}
	return nil
}

// escapeData and escapeProperty follow the runner's rules (toolkit/core command.ts).
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
