package main

import (
	"fmt"
	"io"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/krm"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/schema"

	"github.com/wasmgen/wasmgen/yamltree"
)

// runPostRender is `wasmgen post-render -f SPEC...`: a Helm post-renderer. Helm
// pipes the rendered manifest stream through it; it writes the same stream with
// the matching workloads patched and the generated objects appended. Documents it
// does not change are written back byte for byte.
func runPostRender(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("post-render")
	cfg := krmFlags(fs, true)
	strict := fs.Bool("strict", false, "fail on any warning, not only an unmatched selector")
	allowUnmatched := fs.Bool("allow-unmatched", false, "let a filter whose selector matches no workload of the chart pass (a warning, which Helm does not show); the default fails the render")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, fs, "unexpected argument %q; pass specs with -f and the manifests on stdin", fs.Arg(0))
	}
	if len(*cfg.files) == 0 {
		return usageError(stderr, fs, "no spec; pass a WasmFilter spec with -f FILE or -f DIR")
	}
	opts, code, ok := cfg.options(fs, stderr)
	if !ok {
		return code
	}
	opts.PostRender = true
	srcs, errs := load.Inputs(*cfg.files, nil, cfg.lim.MaxBytes)
	if len(errs) > 0 {
		return printFindings(stderr, compile.InputFindings(errs), false)
	}
	docs, l := compile.Parse(srcs, *cfg.lim)
	dirs := map[string]string{}
	for _, s := range srcs {
		dirs[s.Name] = s.Dir
	}
	var specs []krm.Spec
	for _, d := range docs {
		if !schema.IsFilter(d.Node) {
			_, kind := yamltree.TypeMeta(d.Node)
			l.Add(diag.Finding{Pos: diag.Pos{File: d.File, Line: d.Node.Line, Col: d.Node.Column}, Severity: diag.Warning, Code: krm.CodeDocument,
				Msg:  fmt.Sprintf("%q is not a %s; -f takes specs, the manifests come on stdin", kind, schema.Kind),
				Hint: "remove it from the -f files"})
			continue
		}
		specs = append(specs, krm.Spec{Doc: d, Dir: dirs[d.File]})
	}
	if l.HasErrors() {
		return printFindings(stderr, l, false)
	}
	in, err := io.ReadAll(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "wasmgen post-render: reading stdin: %v\n", err)
		return exitInvalid
	}
	stream, err := krm.ReadStream(in)
	if err != nil {
		fmt.Fprintf(stderr, "%s: error: %v [%s]\n", load.Stdin, err, krm.CodeDocument)
		return exitInvalid
	}
	out := krm.Run(krm.Items(stream), nil, specs, opts)
	for _, f := range l {
		out.Findings = append(out.Findings, krm.Finding{Finding: f})
	}
	if !*allowUnmatched {
		out.Findings = krm.FailUnmatched(out.Findings)
	}
	if *strict {
		for i := range out.Findings {
			if out.Findings[i].Severity == diag.Warning {
				out.Findings[i].Severity = diag.Error
			}
		}
	}
	if out.HasErrors() {
		return reportKRM(stderr, "post-render", out.Findings, &krm.Error{Findings: out.Findings})
	}
	if err := krm.WriteStream(stdout, stream, out); err != nil {
		fmt.Fprintf(stderr, "wasmgen post-render: %v\n", err)
		return exitInvalid
	}
	return reportKRM(stderr, "post-render", out.Findings, nil)
}
