package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/protoconfig"

	"github.com/wasmgen/wasmgen/yamltree"
)

func newFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("wasmgen "+name, pflag.ContinueOnError)
	fs.SortFlags = false
	return fs
}

// parseFlags parses args; done is true when the command should stop with code
// (help was asked for, or the flags are wrong: exit 2 with a usage hint).
func parseFlags(fs *pflag.FlagSet, args []string, stdout, stderr io.Writer) (code int, done bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		writeHelp(stdout, fs)
		return exitOK, true
	}
	if err != nil {
		msg := err.Error()
		if name, ok := unknownFlag(msg); ok {
			var names []string
			fs.VisitAll(func(f *pflag.Flag) { names = append(names, "--"+f.Name) })
			if hint := diag.DidYouMean(name, names); hint != "" {
				msg += "; " + hint
			}
		}
		fmt.Fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", fs.Name(), msg, fs.Name())
		return exitUsage, true
	}
	return 0, false
}

func unknownFlag(msg string) (string, bool) {
	name, ok := strings.CutPrefix(msg, "unknown flag: ")
	return name, ok
}

// limitFlags registers the input limits shared by every command that reads files.
func limitFlags(fs *pflag.FlagSet) *yamltree.Limits {
	lim := yamltree.DefaultLimits
	fs.Int64Var(&lim.MaxBytes, "max-input-bytes", lim.MaxBytes, "largest input file accepted, in bytes")
	fs.IntVar(&lim.MaxDocuments, "max-documents", lim.MaxDocuments, "most YAML documents accepted per input")
	fs.IntVar(&lim.MaxDepth, "max-depth", lim.MaxDepth, "deepest YAML/JSON nesting accepted")
	fs.IntVar(&lim.MaxNodes, "max-nodes", lim.MaxNodes, "most YAML nodes per document, aliases expanded")
	return &lim
}

// versionFlags registers --istio-version and --envoy-version; the returned function
// parses them (the Envoy defaults to the one the Istio release's proxy ships).
func versionFlags(fs *pflag.FlagSet, istioHelp string) func(stderr io.Writer) (compat.Istio, compat.Envoy, error) {
	istio := fs.String("istio-version", defaultIstioVersion(), istioHelp)
	envoy := fs.String("envoy-version", "", "Envoy version bootstraps are checked against and written for, e.g. 1.17, 1.33 (default: the Envoy of --istio-version's proxy)")
	return func(stderr io.Writer) (compat.Istio, compat.Envoy, error) {
		iv, err := parseIstio(*istio, stderr)
		if err != nil || *envoy == "" {
			return iv, 0, err
		}
		ev, err := parseEnvoy(*envoy, stderr)
		return iv, ev, err
	}
}

// targetFlag registers --target with the given choices (generate.Targets or
// KubernetesTargets) and returns a check of the value given.
func targetFlag(fs *pflag.FlagSet, choices []string) (*string, func(stderr io.Writer) (generate.Target, int, bool)) {
	t := fs.String("target", string(generate.TargetIstio), generate.TargetHelp(choices))
	return t, func(stderr io.Writer) (generate.Target, int, bool) {
		if !slices.Contains(choices, *t) {
			return "", usageError(stderr, fs, "invalid --target %q; expected one of %s%s", *t, strings.Join(choices, ", "), hintFor(*t, choices)), false
		}
		return generate.Target(*t), 0, true
	}
}

// importDepthFlag registers --max-import-depth.
func importDepthFlag(fs *pflag.FlagSet) *int {
	return fs.Int("max-import-depth", protoconfig.DefaultMaxImportDepth, "deepest proto import chain accepted")
}

func defaultIstioVersion() string { return compat.NewestIstio.String() }

// parseIstio reads --istio-version. A release newer than wasmgen knows is checked
// as the newest it knows, and a note says so (the output may lack what is newer).
func parseIstio(v string, stderr io.Writer) (compat.Istio, error) {
	ver, err := compat.ParseIstio(v)
	if err != nil {
		return 0, fmt.Errorf("--istio-version: %v", err)
	}
	if known, newer := ver.Known(); newer {
		fmt.Fprintf(stderr, "wasmgen: note: --istio-version %s is newer than the newest release wasmgen knows; emitting and checking for %s\n", v, known)
		ver = known
	}
	return ver, nil
}

func usageError(stderr io.Writer, fs *pflag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", fs.Name(), fmt.Sprintf(format, args...), fs.Name())
	return exitUsage
}

// printFindings writes findings one per line; it returns the exit code they imply.
func printFindings(w io.Writer, l diag.List, strict bool) int {
	for _, f := range l {
		fmt.Fprintln(w, f.String())
	}
	if l.HasErrors() || (strict && l.Count(diag.Warning) > 0) {
		return exitInvalid
	}
	return exitOK
}

// envoyVersion reads --envoy-version, defaulting to the Envoy of --istio-version
// (CONTRACT §5). A release newer than wasmgen knows is checked as the newest.
func envoyVersion(istio, envoy string, stderr io.Writer) (compat.Envoy, error) {
	if envoy == "" {
		v, err := parseIstio(istio, stderr)
		if err != nil {
			return 0, err
		}
		return v.Envoy(), nil
	}
	return parseEnvoy(envoy, stderr)
}

// parseEnvoy reads --envoy-version; a release newer than wasmgen knows is checked as
// the newest it knows, and a note says so.
func parseEnvoy(s string, stderr io.Writer) (compat.Envoy, error) {
	v, err := compat.ParseEnvoy(s)
	if err != nil {
		return 0, fmt.Errorf("--envoy-version: %v", err)
	}
	if known, newer := v.Known(); newer {
		fmt.Fprintf(stderr, "wasmgen: note: --envoy-version %s is newer than the newest release wasmgen knows; checking for %s\n", s, known)
		v = known
	}
	return v, nil
}
