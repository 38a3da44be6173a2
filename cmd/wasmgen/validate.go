package main

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/internal/render"
	"github.com/wasmgen/wasmgen/schema"
	"github.com/wasmgen/wasmgen/validate"
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/compat"
)

func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate")
	output := fs.String("output", "text", "finding format: text, json or github")
	strict := fs.Bool("strict", false, "fail on warnings too")
	root := fs.String("root", "", "directory that file references must stay inside (default: the working directory)")
	istio := fs.String("istio-version", defaultIstioVersion(), "Istio version to check against, e.g. 1.5, 1.8, 1.24")
	run := runFlag(fs)
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
	minor, err := parseIstio(*istio, stderr)
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
	found, skipped := checkDocuments(srcs, r, minor, *lim, runHook(*run, render.HostEnvoy(generate.Options{Istio: minor})), &l)
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
func checkDocuments(srcs []load.Source, files render.Files, minor compat.Istio, lim schema.Limits, run func(*generate.Input) diag.List, l *diag.List) (checked, skipped int) {
	docs, errs := parseSources(srcs, lim)
	l.Append(errs)
	dirs := map[string]string{}
	for _, s := range srcs {
		dirs[s.Name] = s.Dir
	}
	// Specs are checked as `render` checks them for its default target (istio):
	// findings that only concern the WasmPlugin or bootstrap targets (an Istio too
	// old for WasmPlugin, an image a standalone Envoy cannot pull) come from
	// rendering those targets.
	opts := render.Options{Generate: generate.Options{Target: generate.TargetIstio, Istio: minor}, Limits: lim, Run: run}
	checker := validate.NewChecker(validate.Options{Istio: minor})
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

// parallelParseBytes is the input size from which parseSources splits a file: below
// it, starting goroutines costs more than it saves.
const parallelParseBytes = 64 << 10

// parseSources parses the sources as render.Parse does. A large file of many
// documents is split at its "---" lines and the parts parsed on every core: YAML
// parsing is the largest cost of checking a thousand EnvoyFilters. Anything the split
// could change (a directive, a syntax or encoding error, a limit reached) is parsed
// whole instead, so documents and findings are the same either way.
func parseSources(srcs []load.Source, lim schema.Limits) ([]render.Doc, diag.List) {
	var docs []render.Doc
	var l diag.List
	for _, s := range srcs {
		d, ok := parseSplit(s, lim)
		if !ok {
			var errs diag.List
			d, errs = render.Parse([]load.Source{s}, lim)
			l.Append(errs)
		}
		docs = append(docs, d...)
	}
	return docs, l
}

// parseSplit parses s in parts on every core; it reports false if s must be parsed
// whole.
func parseSplit(s load.Source, lim schema.Limits) ([]render.Doc, bool) {
	parts := splitDocuments(s.Data, runtime.GOMAXPROCS(0)*4)
	if len(parts) < 2 || (lim.MaxBytes > 0 && int64(len(s.Data)) > lim.MaxBytes) {
		return nil, false
	}
	nodes := make([][]*yaml.Node, len(parts))
	ok := make([]bool, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, errs := schema.ParseDocuments(s.Name, s.Data[p.start:p.end], lim)
			nodes[i], ok[i] = n, len(errs) == 0
		}()
	}
	wg.Wait()
	var docs []render.Doc
	for i, p := range parts {
		if !ok[i] {
			return nil, false
		}
		for _, n := range nodes[i] {
			shiftLines(n, p.line-1)
			docs = append(docs, render.Items(render.Doc{File: s.Name, Node: n})...)
		}
	}
	if lim.MaxDocuments > 0 && len(docs) > lim.MaxDocuments {
		return nil, false
	}
	return docs, true
}

type docPart struct {
	start, end int // byte offsets
	line       int // line number of start
}

// splitDocuments cuts data before "---" lines into at most n parts of about equal
// size. It returns nothing if the stream has a directive (%YAML, %TAG), which
// applies across the cut.
func splitDocuments(data []byte, n int) []docPart {
	if len(data) < parallelParseBytes || n < 2 {
		return nil
	}
	want := len(data) / n
	parts := []docPart{{start: 0, line: 1}}
	line := 1
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off + 1
		}
		ln := data[off:end]
		if len(ln) > 0 && ln[0] == '%' {
			return nil
		}
		if isDocumentStart(ln) && off-parts[len(parts)-1].start >= want {
			parts[len(parts)-1].end = off
			parts = append(parts, docPart{start: off, line: line})
		}
		off = end
		line++
	}
	parts[len(parts)-1].end = len(data)
	return parts
}

// isDocumentStart reports whether a line is a "---" document marker.
func isDocumentStart(ln []byte) bool {
	if !bytes.HasPrefix(ln, []byte("---")) {
		return false
	}
	return len(ln) == 3 || ln[3] == ' ' || ln[3] == '\t' || ln[3] == '\n' || ln[3] == '\r'
}

// shiftLines adds d to the line of every node of a document parsed from a part.
// Aliases are not followed: their anchors are in the same tree.
func shiftLines(n *yaml.Node, d int) {
	if n == nil || d == 0 {
		return
	}
	n.Line += d
	for _, c := range n.Content {
		shiftLines(c, d)
	}
}
