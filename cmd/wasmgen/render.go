package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/internal/outdir"
	"github.com/wasmgen/wasmgen/manifest"
	"github.com/wasmgen/wasmgen/module"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func runRender(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("render")
	files := fs.StringArrayP("filename", "f", nil, "spec file, directory or - for stdin (repeatable); workload manifests may be among them")
	out := fs.StringP("output-dir", "o", "", "write one file per object and a kustomization.yaml into this directory")
	root := fs.String("root", "", "directory that file references must stay inside (default: the working directory)")
	_, checkTarget := targetFlag(fs, generate.Targets())
	versions := versionFlags(fs, "Istio version whose dialect to emit, e.g. 1.5, 1.8, 1.24")
	format := fs.String("format", "yaml", "stdout format: yaml or json")
	resolve := fs.Bool("resolve", false, "resolve image tags to digests (the only mode that uses the network)")
	force := fs.Bool("force", false, "let -o overwrite files that wasmgen did not write")
	strict := fs.Bool("strict", false, "treat warnings as errors (nothing is written)")
	quiet := fs.BoolP("quiet", "q", false, "with -o, do not list the files written")
	lim := limitFlags(fs)
	importDepth := importDepthFlag(fs)
	run := runFlag(fs)
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, fs, "unexpected argument %q; pass inputs with -f", fs.Arg(0))
	}
	if len(*files) == 0 {
		return usageError(stderr, fs, "no input; pass a spec with -f FILE, -f DIR or -f -")
	}
	target, code, ok := checkTarget(stderr)
	if !ok {
		return code
	}
	if *format != "yaml" && *format != "json" {
		return usageError(stderr, fs, "invalid --format %q; expected yaml or json", *format)
	}
	minor, envoy, err := versions(stderr)
	if err != nil {
		return usageError(stderr, fs, "%v", err)
	}
	r, err := load.NewRoot(*root)
	if err != nil {
		return usageError(stderr, fs, "%v", err)
	}
	r.MaxBytes = lim.MaxBytes
	srcs, errs := load.Inputs(*files, stdin, lim.MaxBytes)
	if len(errs) > 0 {
		return printFindings(stderr, compile.InputFindings(errs), false)
	}
	opts := compile.Options{
		Generate:       generate.Options{Target: target, Istio: minor, Envoy: envoy},
		Limits:         *lim,
		MaxImportDepth: *importDepth,
	}
	opts.Run = runHook(*run, compile.HostEnvoy(opts.Generate))
	if *resolve {
		// The credentials `docker login` (or a credential helper) left, as package --push
		// uses: a private registry's tag resolves too.
		opts.Resolve = func(ref string) (string, error) {
			return module.Resolve(context.Background(), ref, remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithUserAgent("wasmgen"))
		}
	}
	res, l := compile.Compile(srcs, r, opts)
	if *out != "" && !l.HasErrors() {
		if f := manifest.UnappliedPatches(res.Objects, *out); f != nil {
			l.Add(*f)
		}
	}
	code = printFindings(stderr, l, *strict)
	if code != exitOK {
		fmt.Fprintf(stderr, "%s; nothing was written\n", diag.Summary(l))
		return code
	}
	if *out != "" {
		mfiles, err := manifest.Files(res.Objects, *format)
		if err != nil {
			return internalError(stderr, err)
		}
		res, err := outdir.Write(*out, mfiles, *force)
		if err != nil {
			fmt.Fprintf(stderr, "wasmgen render: writing %s: %v\n", *out, err)
			return exitInvalid
		}
		if len(res.Conflicts) > 0 {
			for _, c := range res.Conflicts {
				fmt.Fprintf(stderr, "%s: error: refusing to overwrite: %s (pass --force to overwrite it)\n", c.Path, c.Why)
			}
			fmt.Fprintln(stderr, "nothing was written")
			return exitInvalid
		}
		if !*quiet {
			// One line per file, so a CI log shows what the commit will change.
			for _, c := range res.Changes {
				fmt.Fprintf(stdout, "%-9s %s\n", c.Action, filepath.ToSlash(c.Path))
			}
		}
		return exitOK
	}
	var b []byte
	if *format == "json" {
		b, err = manifest.JSON(res.Objects)
	} else {
		b, err = manifest.YAML(res.Objects)
	}
	if err != nil {
		return internalError(stderr, err)
	}
	_, err = stdout.Write(b)
	if err != nil {
		fmt.Fprintf(stderr, "wasmgen render: %v\n", err)
		return exitInvalid
	}
	return exitOK
}

func internalError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "wasmgen: internal error: %v\nThis is a bug in wasmgen; please report it with the input that caused it and the output of 'wasmgen version'.\n", err)
	return exitUsage
}

func hintFor(v string, allowed []string) string {
	if h := diag.DidYouMean(v, allowed); h != "" {
		return "; " + h
	}
	return ""
}
