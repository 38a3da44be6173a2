package compile

import (
	"runtime"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/schema"
	"github.com/wasmgen/wasmgen/validate"
)

// Checked counts what Check looked at.
type Checked struct {
	Documents int // documents checked
	Skipped   int // documents of kinds wasmgen does not check
}

// Check is `wasmgen validate`: every filter spec is checked as render checks it for
// its default target (findings that concern only the WasmPlugin or bootstrap targets
// come from rendering those), every Istio and Envoy document linted on every core,
// and the cross-document rules run over all of them.
func Check(srcs []load.Source, files Files, opts Options) (Checked, diag.List) {
	opts.Generate.Check = true
	docs, l := Parse(srcs, opts.Limits)
	dirs := dirsOf(srcs)
	var n Checked
	var filters []Source
	var others []validate.Doc
	for _, d := range docs {
		if schema.IsFilter(d.Node) {
			filters = append(filters, Source{Doc: d, Dir: dirs[d.File]})
			continue
		}
		others = append(others, validate.Doc{File: d.File, Node: d.Node})
	}
	n.Documents = len(filters)
	inputs, errs := Filters(filters, files, opts)
	l.Append(errs)
	checker := validate.NewChecker(validate.Options{Istio: opts.Generate.Istio, Envoy: opts.Generate.Envoy, RootNamespace: opts.Generate.RootNamespace, EnvoyGateway: opts.Generate.EnvoyGateway})
	// A file of a thousand EnvoyFilters is otherwise one core's work.
	for _, known := range checker.AddAll(others, runtime.GOMAXPROCS(0)) {
		if known {
			n.Documents++
		} else {
			n.Skipped++
		}
	}
	if len(inputs) > 0 {
		_, errs := generate.Objects(inputs, opts.Generate)
		l.Append(errs)
	}
	l.Append(checker.Finish())
	l.Sort()
	return n, l
}
