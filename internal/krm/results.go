package krm

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ResourceList is the function's view of a config.kubernetes.io/v1 ResourceList,
// the shape of kyaml's framework.ResourceList. The framework package itself is not
// linked: it brings kube-openapi's validators, whose package init (format regexps)
// costs every wasmgen process ~7 ms of start-up, and `wasmgen validate` is measured
// on start-up (cmd/wasmgen/startup_test.go keeps it out). The tests run the function under framework.Execute and
// compare (list_test.go, protocol_test.go).
type ResourceList struct {
	Items          []*yaml.RNode
	FunctionConfig *yaml.RNode
	Results        Results
}

// Result is one entry of a ResourceList's results, encoded as kyaml's
// framework.Result is (KRM Functions Specification).
type Result struct {
	Message     string                   `yaml:"message,omitempty" json:"message,omitempty"`
	Severity    Severity                 `yaml:"severity,omitempty" json:"severity,omitempty"`
	ResourceRef *yaml.ResourceIdentifier `yaml:"resourceRef,omitempty" json:"resourceRef,omitempty"`
	Field       *Field                   `yaml:"field,omitempty" json:"field,omitempty"`
	File        *File                    `yaml:"file,omitempty" json:"file,omitempty"`
	Tags        map[string]string        `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// Results are a ResourceList's results.
type Results []*Result

// Severity of a result: error, warning or info.
type Severity string

// The severities of the specification.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Field is the field of the resource a result is about.
type Field struct {
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
}

// File is the file holding the resource a result is about.
type File struct {
	Path  string `yaml:"path,omitempty" json:"path,omitempty"`
	Index int    `yaml:"index,omitempty" json:"index,omitempty"`
}

// ToResults turns findings into KRM results: severity, the item as resourceRef, the
// field path and the item's file. The code leads the tags so tools can filter on it.
func ToResults(fs []Finding) Results {
	var out Results
	for _, f := range fs {
		r := &Result{
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
			r.Field = &Field{Path: f.Path}
		}
		if f.Pos.File != "" {
			r.File = &File{Path: f.Pos.File, Index: f.Index}
		}
		if len(r.Tags) == 0 {
			r.Tags = nil
		}
		out = append(out, r)
	}
	return out
}

func severity(s diag.Severity) Severity {
	switch s {
	case diag.Error:
		return SeverityError
	case diag.Warning:
		return SeverityWarning
	}
	return SeverityInfo
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
	fmt.Fprintf(&b, "%d %s, %d %s", e, diag.Plural(e, "error"), w, diag.Plural(w, "warning"))
	return b.String()
}

func refString(r *yaml.ResourceIdentifier) string {
	s := r.Kind + " "
	if r.Namespace != "" {
		s += r.Namespace + "/"
	}
	return s + r.Name
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
