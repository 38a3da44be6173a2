package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/internal/render"
	"github.com/wasmgen/wasmgen/schema"
	"github.com/wasmgen/wasmgen/validate"
)

func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate")
	output := fs.String("output", "text", "finding format: text, json or github")
	strict := fs.Bool("strict", false, "fail on warnings too")
	root := fs.String("root", "", "directory that file references must stay inside (default: the working directory)")
	istio := fs.String("istio-version", defaultIstioVersion(), "Istio version to check against, e.g. 1.5, 1.8, 1.24")
	lim := limitFlags(fs)
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	switch *output {
	case "text", "json", "github":
	default:
		return usageError(stderr, fs, "invalid --output %q; expected text, json or github%s", *output, hintFor(*output, []string{"text", "json", "github"}))
	}
	if fs.NArg() == 0 {
		return usageError(stderr, fs, "no input; pass files, directories or - for stdin")
	}
	minor, err := parseIstioVersion(*istio)
	if err != nil {
		return usageError(stderr, fs, "%v", err)
	}
	r, err := load.NewRoot(*root)
	if err != nil {
		return usageError(stderr, fs, "%v", err)
	}
	r.MaxBytes = lim.MaxBytes
	srcs, errs := load.Inputs(fs.Args(), stdin, lim.MaxBytes)
	var l diag.List
	for _, e := range errs {
		l.Add(diag.Finding{Severity: diag.Error, Code: render.CodeFile, Msg: e.Error()})
	}
	found, skipped := checkDocuments(srcs, r, minor, *lim, &l)
	l.Sort()
	if err := diag.Write(stdout, *output, l); err != nil {
		fmt.Fprintf(stderr, "wasmgen validate: %v\n", err)
		return exitInvalid
	}
	code := exitOK
	if l.HasErrors() || (*strict && l.Count(diag.Warning) > 0) {
		code = exitInvalid
	}
	if *output == "text" {
		fmt.Fprintf(stderr, "checked %d document%s (%d other skipped): %s\n", found, plural(found), skipped, summary(l))
	}
	return code
}

// checkDocuments classifies every document by kind and runs its checks; it returns
// how many were checked and how many were of other kinds.
func checkDocuments(srcs []load.Source, files render.Files, minor int, lim schema.Limits, l *diag.List) (checked, skipped int) {
	docs, errs := render.Parse(srcs, lim)
	l.Append(errs)
	dirs := map[string]string{}
	for _, s := range srcs {
		dirs[s.Name] = s.Dir
	}
	// Specs are checked as `render` checks them for its default target (istio):
	// findings that only concern the WasmPlugin or bootstrap targets (an Istio too
	// old for WasmPlugin, an image a standalone Envoy cannot pull) come from
	// rendering those targets.
	opts := render.Options{Generate: generate.Options{Target: generate.TargetIstio, IstioMinor: minor}, Limits: lim}
	checker := validate.NewChecker(validate.Options{IstioMinor: minor})
	var inputs []generate.Input
	var filterDocs []*schema.Document
	var others []validate.Doc
	for _, d := range docs {
		if !schema.IsFilter(d.Node) {
			others = append(others, validate.Doc{File: d.File, Node: d.Node})
			continue
		}
		checked++
		in, doc, errs := render.Filter(d, dirs[d.File], files, opts)
		l.Append(errs)
		if doc != nil {
			filterDocs = append(filterDocs, doc)
		}
		if in != nil {
			inputs = append(inputs, *in)
		}
	}
	// EnvoyFilters, WasmPlugins and bootstraps are checked on every core: a file of
	// a thousand EnvoyFilters is otherwise one core's work.
	for _, known := range checker.AddAll(others, runtime.GOMAXPROCS(0)) {
		if known {
			checked++
		} else {
			skipped++
		}
	}
	l.Append(validate.Duplicates(filterDocs))
	if len(inputs) > 0 {
		_, errs := generate.Objects(inputs, opts.Generate)
		l.Append(errs)
	}
	l.Append(checker.Finish())
	return checked, skipped
}
