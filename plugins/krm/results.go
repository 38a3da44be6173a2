package krm

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Results turns findings into KRM results: severity, the item as resourceRef, the
// field path and the item's file. The code leads the tags so tools can filter on it.
func Results(fs []Finding) framework.Results {
	var out framework.Results
	for _, f := range fs {
		r := &framework.Result{
			Message:  f.Msg,
			Severity: severity(f.Severity),
			Tags:     map[string]string{},
		}
		if f.Hint != "" {
			r.Message += "; " + f.Hint
		}
		if f.Code != "" {
			r.Message += " [" + f.Code + "]"
			r.Tags["code"] = f.Code
		}
		if f.Ref != nil {
			ref := *f.Ref
			r.ResourceRef = &ref
		}
		if f.Path != "" {
			r.Field = &framework.Field{Path: f.Path}
		}
		if f.Pos.File != "" {
			r.File = &framework.File{Path: f.Pos.File, Index: f.Index}
		}
		if len(r.Tags) == 0 {
			r.Tags = nil
		}
		out = append(out, r)
	}
	return out
}

func severity(s diag.Severity) framework.Severity {
	switch s {
	case diag.Error:
		return framework.Error
	case diag.Warning:
		return framework.Warning
	}
	return framework.Info
}

// Summary is the readable form for stderr: one line per error and warning (FILE:
// severity: PATH: MESSAGE [CODE], with the resource when known) and a count. Info
// findings are left to the results.
func Summary(fs []Finding) string {
	var b strings.Builder
	e, w := 0, 0
	for _, f := range fs {
		switch f.Severity {
		case diag.Error:
			e++
		case diag.Warning:
			w++
		default:
			continue
		}
		line := f.Finding.String()
		if f.Ref != nil {
			if f.Pos.File == "" && f.Pos.Line == 0 {
				// No file (a functionConfig, a kustomize item): the resource is the place.
				line = refString(f.Ref) + strings.TrimPrefix(line, "-")
			} else {
				line += " (" + refString(f.Ref) + ")"
			}
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%d error%s, %d warning%s", e, plural(e), w, plural(w))
	return b.String()
}

func refString(r *yaml.ResourceIdentifier) string {
	s := r.Kind + " "
	if r.Namespace != "" {
		s += r.Namespace + "/"
	}
	return s + r.Name
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
