package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/catalog"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/yamltree"
)

func runValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate")
	output := fs.String("output", "text", "finding format: text, json or github")
	strict := fs.Bool("strict", false, "fail on warnings too")
	listRules := fs.Bool("list-rules", false, "print every finding code (code, severity, whose verdict, what) and exit; with --output json as JSON")
	root := fs.String("root", "", "directory that file references must stay inside (default: the working directory)")
	versions := versionFlags(fs, "Istio version to check against, e.g. 1.5, 1.8, 1.24")
	attach := attachFlags(fs)
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
	if *listRules {
		return printRules(stdout, stderr, *output)
	}
	in, code, ok := readChecked(fs, versions, *root, lim, stdin, stderr)
	if !ok {
		return code
	}
	opts, l := in.opts, in.l
	if err := attach(&opts.Generate, stderr); err != nil {
		return usageError(stderr, fs, "%v", err)
	}
	opts.Run = runHook(*run, compile.HostEnvoy(generate.Options{Istio: opts.Generate.Istio}))
	n, found := compile.Check(in.srcs, in.root, opts)
	l.Append(found)
	l.Sort()
	if err := diag.Write(stdout, *output, l); err != nil {
		fmt.Fprintf(stderr, "wasmgen validate: %v\n", err)
		return exitInvalid
	}
	code = exitOK
	if l.HasErrors() || (*strict && l.Count(diag.Warning) > 0) {
		code = exitInvalid
	}
	if *output == "text" {
		fmt.Fprintf(stderr, "checked %d %s (%d other skipped): %s\n", n.Documents, diag.Plural(n.Documents, "document"), n.Skipped, diag.Summary(l))
	}
	return code
}

// checked are the inputs of validate and explain, read, with their options.
type checked struct {
	srcs []load.Source
	root *load.Root
	opts compile.Options
	l    diag.List // inputs that could not be read
}

// readChecked reads the versions, the root and the inputs validate and explain
// check; ok is false with the exit code of a usage error. Specs are checked as
// `render` checks them for its default target.
func readChecked(fs *pflag.FlagSet, versions func(io.Writer) (compat.Istio, compat.Envoy, error), root string, lim *yamltree.Limits, stdin io.Reader, stderr io.Writer) (checked, int, bool) {
	if fs.NArg() == 0 {
		return checked{}, usageError(stderr, fs, "no input; pass files, directories or - for stdin"), false
	}
	minor, envoy, err := versions(stderr)
	if err != nil {
		return checked{}, usageError(stderr, fs, "%v", err), false
	}
	r, err := load.NewRoot(root)
	if err != nil {
		return checked{}, usageError(stderr, fs, "%v", err), false
	}
	r.MaxBytes = lim.MaxBytes
	srcs, errs := load.Inputs(fs.Args(), stdin, lim.MaxBytes)
	opts := compile.Options{Generate: generate.Options{Target: generate.TargetIstio, Istio: minor, Envoy: envoy}, Limits: *lim}
	return checked{srcs: srcs, root: r, opts: opts, l: compile.InputFindings(errs)}, 0, true
}

// printRules is `validate --list-rules`.
func printRules(stdout, stderr io.Writer, format string) int {
	var err error
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		type rule struct {
			Code     string `json:"code"`
			Severity string `json:"severity"`
			Consumer string `json:"consumer"`
			Summary  string `json:"summary"`
		}
		var out []rule
		for _, r := range catalog.All() {
			out = append(out, rule{r.Code, r.Severity.String(), r.Consumer, r.Summary})
		}
		err = enc.Encode(out)
	} else {
		err = catalog.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wasmgen validate: %v\n", err)
		return exitInvalid
	}
	return exitOK
}
