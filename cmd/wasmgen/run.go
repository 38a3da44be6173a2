package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/dryrun"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/pwhost"
	"github.com/wasmgen/wasmgen/schema"
)

// runFlag registers --run on validate and render.
func runFlag(fs *pflag.FlagSet) *bool {
	return fs.Bool("run", false, "start each filter whose module.path is read under the proxy's Wasm host with its rendered configuration (a dry run); a plugin that refuses it is an error")
}

// runHook is compile.Options.Run for --run; nil without it.
func runHook(on bool, envoy compat.Envoy) func(*generate.Input) diag.List {
	if !on {
		return nil
	}
	return dryrun.Hook(pwhost.Options{Envoy: envoy})
}

// runRun is `wasmgen run -f SPEC [--request FILE]`: each filter of the spec under
// the proxy's Wasm host with its rendered configuration, and with --request one
// HTTP stream through it.
func runRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("run")
	files := fs.StringArrayP("filename", "f", nil, "spec file, directory or - for stdin (repeatable)")
	request := fs.String("request", "", "request fixture (YAML: request and response headers and bodies, properties, httpCalls) to play through the plugin")
	output := fs.String("output", "text", "output format: text or json")
	root := fs.String("root", "", "directory that file references must stay inside (default: the working directory)")
	istio := fs.String("istio-version", defaultIstioVersion(), "Istio whose proxy's Wasm host to play")
	envoyFlag := fs.String("envoy-version", "", "Envoy whose Wasm host to play (default: the Envoy of --istio-version)")
	timeout := fs.Duration("timeout", pwhost.DefaultTimeout, "time limit of each run (load, start and stream)")
	lim := limitFlags(fs)
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return usageError(stderr, fs, "unexpected argument %q; pass the spec with -f", fs.Arg(0))
	case len(*files) == 0:
		return usageError(stderr, fs, "no input; pass a spec with -f FILE")
	case *output != "text" && *output != "json":
		return usageError(stderr, fs, "invalid --output %q; expected text or json", *output)
	case *timeout <= 0:
		return usageError(stderr, fs, "--timeout must be positive")
	}
	minor, err := parseIstio(*istio, stderr)
	if err != nil {
		return usageError(stderr, fs, "%v", err)
	}
	envoy := minor.Envoy()
	if *envoyFlag != "" {
		if envoy, err = parseEnvoy(*envoyFlag, stderr); err != nil {
			return usageError(stderr, fs, "%v", err)
		}
	}
	r, err := load.NewRoot(*root)
	if err != nil {
		return usageError(stderr, fs, "%v", err)
	}
	r.MaxBytes = lim.MaxBytes
	var req *pwhost.Request
	if *request != "" {
		b, err := os.ReadFile(*request)
		if err != nil {
			fmt.Fprintf(stderr, "wasmgen run: %v\n", err)
			return exitInvalid
		}
		if req, err = pwhost.ParseRequest(*request, b); err != nil {
			fmt.Fprintf(stderr, "wasmgen run: %v\n", err)
			return exitInvalid
		}
	}
	srcs, errs := load.Inputs(*files, stdin, lim.MaxBytes)
	if len(errs) > 0 {
		return printFindings(stderr, compile.InputFindings(errs), false)
	}
	// With --envoy-version the module is checked as a standalone Envoy loads it.
	target := generate.TargetIstio
	if *envoyFlag != "" {
		target = generate.TargetEnvoy
	}
	inputs, l := runInputs(srcs, r, compile.Options{Generate: generate.Options{Target: target, Istio: minor, Envoy: envoy}, Limits: *lim})
	if code := printFindings(stderr, l, false); code != exitOK {
		return code
	}
	code := exitOK
	var results []runResult
	for _, in := range inputs {
		res := runResult{File: in.Doc.File, Filter: in.Doc.Filter.Metadata.Name}
		vm, rep := dryrun.Start(&in, pwhost.Options{Envoy: envoy, Timeout: *timeout})
		res.Start = rep
		if !rep.OK() {
			code = exitInvalid
		}
		if vm != nil && req != nil {
			res.Stream = vm.Stream(req)
			if res.Stream.Failed {
				code = exitInvalid
			}
		}
		if vm != nil {
			vm.Close()
		}
		results = append(results, res)
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(struct {
			Filters []runResult `json:"filters"`
		}{results})
	} else {
		for i, res := range results {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			if err = res.Start.WriteText(stdout); err == nil && res.Stream != nil {
				err = res.Stream.WriteText(stdout)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "wasmgen run: %v\n", err)
		return exitInvalid
	}
	return code
}

type runResult struct {
	File   string               `json:"file"`
	Filter string               `json:"filter"`
	Start  *pwhost.StartReport  `json:"start"`
	Stream *pwhost.StreamReport `json:"stream,omitempty"`
}

// runInputs compiles the spec's filters as render does (the import check
// included) and keeps those whose module wasmgen has in hand.
func runInputs(srcs []load.Source, files compile.Files, opts compile.Options) ([]generate.Input, diag.List) {
	docs, l := compile.Parse(srcs, opts.Limits)
	dirs := map[string]string{}
	for _, s := range srcs {
		dirs[s.Name] = s.Dir
	}
	var inputs []generate.Input
	for _, d := range docs {
		if !schema.IsFilter(d.Node) {
			continue
		}
		in, doc, errs := compile.Filter(d, dirs[d.File], files, opts)
		l.Append(errs)
		if in == nil {
			continue
		}
		if in.ModuleData == nil {
			l.Add(diag.Finding{Pos: doc.Pos("spec.module"), Path: "spec.module", Severity: diag.Error, Code: dryrun.CodeCannot,
				Msg:  "wasmgen run needs the module as a local file",
				Hint: "set spec.module.path (an image or a URL is fetched by the proxy, not by wasmgen)"})
			continue
		}
		inputs = append(inputs, *in)
	}
	if len(inputs) == 0 && !l.HasErrors() {
		l.Add(diag.Finding{Severity: diag.Error, Code: compile.CodeNoFilters, Msg: fmt.Sprintf("no %s found in the inputs", schema.Kind)})
	}
	l.Sort()
	return inputs, l
}
