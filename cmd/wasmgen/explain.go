package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/internal/chain"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/load"
)

// runExplain is `wasmgen explain`: the filter chain each workload will run, from
// the files alone.
func runExplain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("explain")
	output := fs.String("output", "text", "output format: "+strings.Join(chain.Formats, ", "))
	workload := fs.String("workload", "", "only the chains of this workload (NAME or NAMESPACE/NAME; a selector proxy by its name, e.g. \"selector app=web\")")
	context := fs.String("context", "", "only this listener context: sidecar-inbound, sidecar-outbound, gateway, waypoint or envoy-gateway")
	port := fs.Int("port", 0, "only the chains of this listener port")
	base := fs.String("diff", "", "show what the inputs change against BASE (a directory or file: the same inputs before the change)")
	root := fs.String("root", "", "directory that file references must stay inside (default: the working directory)")
	versions := versionFlags(fs, "Istio version whose filter chains and patch order to show, e.g. 1.12, 1.22, 1.30")
	lim := limitFlags(fs)
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if !slices.Contains(chain.Formats, *output) {
		return usageError(stderr, fs, "invalid --output %q; expected %s%s", *output, strings.Join(chain.Formats, ", "), hintFor(*output, chain.Formats))
	}
	contexts := []string{"sidecar-inbound", "sidecar-outbound", "gateway", "waypoint", "envoy-gateway"}
	if *context != "" && !slices.Contains(contexts, *context) {
		return usageError(stderr, fs, "invalid --context %q; expected %s%s", *context, strings.Join(contexts, ", "), hintFor(*context, contexts))
	}
	if *port < 0 || *port > 65535 {
		return usageError(stderr, fs, "invalid --port %d; expected a port number, 1 to 65535", *port)
	}
	in, code, ok := readChecked(fs, versions, *root, lim, stdin, stderr)
	if !ok {
		return code
	}
	l := in.l
	res, found := compile.Explain(in.srcs, in.root, in.opts)
	l.Append(found)
	// The inputs' own errors go to stderr: a chain built from a document istiod
	// refuses is not the chain the proxy runs.
	var inputErrors diag.List
	for _, f := range l {
		if f.Severity == diag.Error {
			inputErrors.Add(f)
		}
	}
	res = res.Filter(*workload, *context, uint32(*port))
	if *base != "" {
		return explainDiff(*base, in, res, *output, *workload, *context, uint32(*port), inputErrors, stdout, stderr)
	}
	if *workload != "" && len(res.Chains) == 0 {
		fmt.Fprintf(stderr, "wasmgen explain: no chain of a workload named %q; run without --workload for the list\n", *workload)
	}
	if err := chain.Write(stdout, *output, res); err != nil {
		fmt.Fprintf(stderr, "wasmgen explain: %v\n", err)
		return exitInvalid
	}
	for _, f := range inputErrors {
		fmt.Fprintln(stderr, f.String())
	}
	if len(inputErrors) > 0 {
		fmt.Fprintf(stderr, "wasmgen explain: %s in the inputs; 'wasmgen validate' reports every finding\n", diag.Summary(inputErrors))
		return exitInvalid
	}
	if res.Findings.HasErrors() {
		return exitInvalid
	}
	return exitOK
}

// explainDiff is explain --diff: the chains of the base inputs against these.
func explainDiff(base string, in checked, res chain.Result, output, workload, context string, port uint32, inputErrors diag.List, stdout, stderr io.Writer) int {
	fi, err := os.Stat(base)
	if err != nil {
		fmt.Fprintf(stderr, "wasmgen explain: --diff: %v; expected the directory or file of the inputs before the change\n", err)
		return exitUsage
	}
	dir := base
	if !fi.IsDir() {
		dir = filepath.Dir(base)
	}
	r, err := load.NewRoot(dir)
	if err != nil {
		fmt.Fprintf(stderr, "wasmgen explain: --diff %s: %v\n", base, err)
		return exitUsage
	}
	r.MaxBytes = in.opts.Limits.MaxBytes
	srcs, errs := load.Inputs([]string{base}, nil, in.opts.Limits.MaxBytes)
	if len(errs) > 0 {
		for _, f := range compile.InputFindings(errs) {
			fmt.Fprintln(stderr, f.String())
		}
		return exitInvalid
	}
	old, _ := compile.Explain(srcs, r, in.opts)
	changes := chain.Diff(old.Filter(workload, context, port), res, in.opts.Generate.Istio)
	if err := chain.WriteDiff(stdout, output, res.Istio, changes); err != nil {
		fmt.Fprintf(stderr, "wasmgen explain: %v\n", err)
		return exitInvalid
	}
	for _, f := range inputErrors {
		fmt.Fprintln(stderr, f.String())
	}
	if len(inputErrors) > 0 || res.Findings.HasErrors() {
		return exitInvalid
	}
	return exitOK
}
