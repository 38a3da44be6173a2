// Command wasmgen compiles WasmFilter specs into Istio and Envoy configuration.
//
// This package is a thin adapter: it parses flags, reads files, calls the core
// packages and maps their findings to output and an exit code.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	_ "github.com/wasmgen/wasmgen/internal/startheap" // before package init allocates: see its doc
)

// Exit codes, the same for every command: 0 success (warnings allowed unless
// --strict), 1 invalid input, 2 usage error.
const (
	exitOK      = 0
	exitInvalid = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type command struct {
	run   func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
	short string
}

// commands is filled in init-free style: a function, so no work runs at start-up.
func commands() map[string]command {
	return map[string]command{
		"render":      {runRender, "compile WasmFilter specs into EnvoyFilters, a WasmPlugin or an Envoy bootstrap"},
		"validate":    {runValidate, "check specs, EnvoyFilters, WasmPlugins and Envoy bootstraps"},
		"explain":     {runExplain, "show the filter chain each workload will run: Istio's filters, then every WasmPlugin and patch in istiod's order"},
		"schema":      {runSchema, "print the JSON Schema of the WasmFilter spec or of a config message"},
		"fn":          {runFn, "run as a KRM function (ResourceList on stdin and stdout)"},
		"post-render": {runPostRender, "run as a Helm post-renderer: patch a manifest stream"},
		"init":        {runInit, "scaffold a WasmFilter spec, its filter.proto and a README section"},
		"inspect":     {runInspect, "report what a .wasm module or image holds"},
		"package":     {runPackage, "put a .wasm into an image Istio's agent and Envoy Gateway accept; push it; pin a spec to it"},
		"run":         {runRun, "run a filter's module under the proxy's Wasm host, offline, with its rendered configuration"},
		"version":     {runVersion, "print the version"},
		"completion":  {runCompletion, "print a shell completion script (bash, zsh or fish)"},
	}
}

func usage() string {
	var b strings.Builder
	b.WriteString("wasmgen compiles WebAssembly filter specs into Istio and Envoy configuration.\n\nUsage:\n  wasmgen <command> [flags]\n\nCommands:\n")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-12s %s\n", n, cmds[n].short)
	}
	b.WriteString("\nRun 'wasmgen help <command>' (or 'wasmgen <command> --help') for what a command does, examples and its flags.\n")
	return b.String()
}

// run is main without the process: testable with buffers.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		// A bug must not reach the user as a Go stack trace.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "wasmgen: internal error: %v\nThis is a bug in wasmgen; please report it with the input that caused it and the output of 'wasmgen version'.\n", r)
			code = exitUsage
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "--help":
		fmt.Fprint(stdout, usage())
		return exitOK
	case "help": // wasmgen help CMD is CMD --help
		if len(args) < 2 {
			fmt.Fprint(stdout, usage())
			return exitOK
		}
		name, args = args[1], []string{name, "--help"}
	case "--version":
		name = "version"
	}
	cmds := commands()
	c, ok := cmds[name]
	if !ok {
		names := make([]string, 0, len(cmds))
		for n := range cmds {
			names = append(names, n)
		}
		msg := fmt.Sprintf("wasmgen: unknown command %q", name)
		if hint := diag.DidYouMean(name, names); hint != "" {
			msg += "; " + hint
		}
		fmt.Fprintf(stderr, "%s\nRun 'wasmgen --help' for the list of commands.\n", msg)
		return exitUsage
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

func runVersion(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("version")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintf(stdout, "wasmgen %s (default --istio-version %s)\n", versionOf(bi), defaultIstioVersion())
	return exitOK
}

// versionOf names the build: the module version `go install …@v1.2.3` records,
// else the VCS revision `go build` in a checkout stamps (-buildvcs), with the
// commit time and "+dirty" for uncommitted changes, so a bug report says which
// code it is about.
func versionOf(bi *debug.BuildInfo) string {
	if bi == nil {
		return "(devel)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	if v != "(devel)" {
		return v
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if settings["vcs.modified"] == "true" {
		rev += "+dirty"
	}
	if t := settings["vcs.time"]; t != "" {
		rev += " " + t
	}
	return v + " " + rev
}
