package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/krm"
	"github.com/wasmgen/wasmgen/internal/load"

	"github.com/wasmgen/wasmgen/yamltree"
)

// runFn is `wasmgen fn`: a KRM function reading a ResourceList on stdin and writing
// one on stdout (the KRM Functions Specification, kubernetes-sigs/kustomize cmd/config/docs/api-conventions/functions-spec.md). It never switches to kyaml's standalone mode:
// positional arguments (which kpt's --exec or a kustomize args list could pass)
// are a usage error rather than a list of files.
func runFn(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("fn")
	cfg := krmFlags(fs, false)
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, fs, "unexpected argument %q; wasmgen fn reads a ResourceList on stdin (pass the spec as its functionConfig or among its items)", fs.Arg(0))
	}
	opts, code, ok := cfg.options(fs, stderr)
	if !ok {
		return code
	}
	in, err := io.ReadAll(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "wasmgen fn: reading stdin: %v\n", err)
		return exitInvalid
	}
	// Execute is kyaml's framework.Execute with the reader annotations kept (they
	// belong to the caller: kpt writes the items back to those files), writing
	// the items it does not edit as their input bytes.
	p := &krm.Processor{Options: opts}
	err = p.Execute(in, stdout)
	return reportKRM(stderr, "fn", p.Findings, err)
}

// krmConfig holds the flags `fn` and `post-render` share.
type krmConfig struct {
	root, target, istio *string
	lim                 *yamltree.Limits
	importDepth         *int
	checkTarget         func(io.Writer) (generate.Target, int, bool)
	attach              func(*generate.Options, io.Writer) error
	files               *[]string // post-render only
	namespace           *string   // post-render only
}

func krmFlags(fs *pflag.FlagSet, postRender bool) *krmConfig {
	c := &krmConfig{}
	if postRender {
		c.files = fs.StringArrayP("filename", "f", nil, "WasmFilter spec file or directory (repeatable)")
		c.namespace = fs.StringP("namespace", "n", "", "namespace of the manifests that name none (pass helm's -n)")
	}
	c.root = fs.String("root", "", "directory that file references must stay inside (default: the working directory)")
	c.target, c.checkTarget = targetFlag(fs, generate.KubernetesTargets())
	c.istio = fs.String("istio-version", defaultIstioVersion(), "Istio version whose dialect to emit, e.g. 1.5, 1.8, 1.24")
	c.attach = attachFlags(fs)
	c.lim = limitFlags(fs)
	c.importDepth = importDepthFlag(fs)
	return c
}

// options checks the parsed flags and builds the function's options, file
// references confined to --root and path annotations relative to the working
// directory (where kustomize and kpt run exec functions).
func (c *krmConfig) options(fs *pflag.FlagSet, stderr io.Writer) (krm.Options, int, bool) {
	target, code, ok := c.checkTarget(stderr)
	if !ok {
		return krm.Options{}, code, false
	}
	minor, err := parseIstio(*c.istio, stderr)
	if err != nil {
		return krm.Options{}, usageError(stderr, fs, "%v", err), false
	}
	r, err := load.NewRoot(*c.root)
	if err != nil {
		return krm.Options{}, usageError(stderr, fs, "%v", err), false
	}
	r.MaxBytes = c.lim.MaxBytes
	wd, err := os.Getwd()
	if err != nil {
		return krm.Options{}, usageError(stderr, fs, "%v", err), false
	}
	opts := krm.Options{
		Render: compile.Options{
			Generate:       generate.Options{Target: target, Istio: minor},
			Limits:         *c.lim,
			MaxImportDepth: *c.importDepth,
		},
		Files: r,
		Dir:   wd,
	}
	if err := c.attach(&opts.Render.Generate, stderr); err != nil {
		return krm.Options{}, usageError(stderr, fs, "%v", err), false
	}
	if c.namespace != nil {
		opts.DefaultNamespace = *c.namespace
	}
	return opts, 0, true
}

// reportKRM prints the errors and warnings on stderr (kustomize build never shows
// results, so this is the only place a user sees them) and maps the outcome to
// the exit code.
func reportKRM(stderr io.Writer, name string, findings []krm.Finding, err error) int {
	var e *krm.Error
	switch {
	case errors.As(err, &e):
		fmt.Fprintf(stderr, "%s\nwasmgen %s: the input is invalid; nothing was changed\n", e.Error(), name)
		return exitInvalid
	case err != nil:
		fmt.Fprintf(stderr, "wasmgen %s: %v\n", name, err)
		return exitInvalid
	}
	for _, f := range findings {
		if f.Severity == diag.Warning {
			fmt.Fprintln(stderr, krm.Summary(findings))
			break
		}
	}
	return exitOK
}
