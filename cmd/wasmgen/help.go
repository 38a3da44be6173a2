package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// helpDoc is what `wasmgen help CMD` and `CMD --help` print besides the flags.
type helpDoc struct {
	usage    string   // the synopsis after "wasmgen CMD": arguments, then [flags]
	long     string   // what the command does, in a few lines
	examples []string // command lines, each with a comment
}

// helpDocs are the commands' help texts, by command name. The README's command
// synopsis is generated from them and the flag sets (readme_test.go).
func helpDocs() map[string]helpDoc {
	return map[string]helpDoc{
		"render": {
			usage: "[-f FILE|DIR|-]... [flags]",
			long: `Compiles WasmFilter specs (and wasme FilterDeployments) into the objects that
deploy them: EnvoyFilters in the dialect of --istio-version and the delivery they
need (a ConfigMap, workload patches), an Istio WasmPlugin, or a standalone Envoy
bootstrap. Every object is checked the way its consumer reads it before anything
is written; on any error nothing is written. Workload manifests among the inputs
are patched in place of label-selected patches.`,
			examples: []string{
				"wasmgen render -f filters/ -o deploy/          # one file per object and a kustomization.yaml",
				"wasmgen render -f add-header.yaml --target wasmplugin --istio-version 1.24",
				"wasmgen render -f spec.yaml --target envoy --envoy-version 1.33 > envoy.json",
			},
		},
		"validate": {
			usage: "[FILE|DIR|-]... [flags]",
			long: `Checks WasmFilter specs, EnvoyFilters, WasmPlugins, Envoy bootstraps and
custom-bootstrap ConfigMaps as their real consumer of --istio-version reads them
(istiod's webhook, the CRD schema, the istio-agent, Envoy): an error only where
that consumer refuses the object or silently drops part of it. Directories are
walked; documents of other kinds are skipped and counted.`,
			examples: []string{
				"wasmgen validate manifests/                    # exit 1 on an error",
				"wasmgen validate --istio-version 1.18 --strict envoyfilters.yaml",
				"wasmgen validate --output github .             # GitHub Actions annotations",
				"wasmgen validate --list-rules                  # every finding code",
			},
		},
		"explain": {
			usage: "[FILE|DIR|-]... [flags]",
			long: `Shows the filter chain each workload (or selector) will run, from the files
alone, as istiod of --istio-version builds it: Istio's own filters, the
WasmPlugins by phase and priority, then every EnvoyFilter patch in istiod's order,
each with the rule that placed it. Says what only creation time orders and which
patches istiod would skip without a word; with --diff, what a change does to
each chain (docs/explain.md).`,
			examples: []string{
				"wasmgen explain manifests/                              # a tree per workload and chain",
				"wasmgen explain --workload shop/web --context sidecar-inbound .",
				"wasmgen explain --output markdown . >> \"$GITHUB_STEP_SUMMARY\"  # with a Mermaid flowchart",
				"wasmgen explain --diff ../main/deploy deploy                 # what a change does to each chain",
			},
		},
		"schema": {
			usage: "[flags]",
			long: `Prints the JSON Schema of the WasmFilter spec (for editors' YAML language
servers), a CustomResourceDefinition for it, or the JSON Schema of a filter's
config message compiled from its .proto file.`,
			examples: []string{
				"wasmgen schema --draft 07 > wasmfilter.schema.json",
				"wasmgen schema --proto filter.proto --message Config",
				"wasmgen schema --crd | kubectl apply -f -",
			},
		},
		"fn": {
			usage: "[flags] < ResourceList",
			long: `Runs as a KRM function (kustomize generators/transformers, kpt fn eval): reads a
ResourceList on stdin, renders the WasmFilters among its items, patches the
workloads it has, and writes the ResourceList with the results on stdout.`,
			examples: []string{
				"kustomize build --enable-alpha-plugins --enable-exec examples/kustomize",
				"kpt fn eval --exec wasmgen-fn . -- istio-version=1.8   # wasmgen-fn: exec wasmgen fn \"$@\"",
			},
		},
		"post-render": {
			usage: "-f SPEC... [flags] < manifests",
			long: `Runs as a Helm post-renderer: reads the chart's rendered manifests on stdin,
adds the objects of the given WasmFilter specs and patches the chart's workloads,
and writes the stream on stdout.`,
			examples: []string{
				"helm install bookinfo ./chart --post-renderer wasmgen --post-renderer-args post-render --post-renderer-args -f --post-renderer-args filters/",
			},
		},
		"init": {
			usage: "[DIR] [flags]",
			long: `Scaffolds a WasmFilter spec, its filter.proto and a README section in DIR (the
working directory by default) that render and validate clean. With --filter go,
also the filter itself: a Go project (GOOS=wasip1, no dependencies) with a build
script, request fixtures and a README that walks build, run, package and render.
Existing files are kept unless --force.`,
			examples: []string{
				"wasmgen init add-header --name add-header",
				"wasmgen init my-filter --filter go --module example.com/my-filter",
			},
		},
		"inspect": {
			usage: "FILE.wasm|FILE.tar|OCI-LAYOUT-DIR|WASME-STORE-DIR [flags]",
			long: `Reports what a .wasm module or an image holds: its proxy-wasm ABI, imports and
exports, whether the Wasm host of the target Envoy links it, and for an image
whether Istio's agent and Envoy Gateway accept its format.`,
			examples: []string{
				"wasmgen inspect filter.wasm --istio-version 1.24",
				"wasmgen inspect image.tar --output json",
			},
		},
		"package": {
			usage: "FILE.wasm [flags]",
			long: `Puts a .wasm into an image Istio's agent and Envoy Gateway accept (an OCI image
layout or its tar), pushes it with the credentials docker uses, and pins a spec to
the pushed digest. Prints every hash a consumer asks for.`,
			examples: []string{
				"wasmgen package filter.wasm -o image.tar",
				"wasmgen package filter.wasm --push ghcr.io/acme/add-header:v1 --pin add-header.yaml",
			},
		},
		"run": {
			usage: "-f SPEC [flags]",
			long: `Starts each filter of the spec whose module.path wasmgen has under a proxy-wasm
host that behaves as the target Envoy's, with the exact configuration render
writes, and with --request plays one HTTP stream through it. Offline: no Envoy.`,
			examples: []string{
				"wasmgen run -f filter.yaml",
				"wasmgen run -f filter.yaml --request request.yaml --output json",
			},
		},
		"version": {
			usage: "",
			long: `Prints wasmgen's version (the module version, or the VCS revision it was built
from) and the default --istio-version.`,
		},
		"completion": {
			usage: "bash|zsh|fish",
			long: `Prints a shell completion script for the commands and their flags. Load it in
the shell's start-up file.`,
			examples: []string{
				`source <(wasmgen completion bash)              # ~/.bashrc`,
				`wasmgen completion zsh > "${fpath[1]}/_wasmgen"`,
				`wasmgen completion fish > ~/.config/fish/completions/wasmgen.fish`,
			},
		},
	}
}

// commandOf is the command a flag set belongs to ("wasmgen render" → "render").
func commandOf(fs *pflag.FlagSet) string {
	return strings.TrimPrefix(fs.Name(), "wasmgen ")
}

// writeHelp prints a command's help: what it does, its synopsis, examples, flags.
func writeHelp(w io.Writer, fs *pflag.FlagSet) {
	name := commandOf(fs)
	doc := helpDocs()[name]
	if c, ok := commands()[name]; ok {
		fmt.Fprintf(w, "wasmgen %s: %s\n\n", name, c.short)
	}
	fmt.Fprintf(w, "Usage:\n  %s\n", strings.TrimSpace("wasmgen "+name+" "+doc.usage))
	if doc.long != "" {
		fmt.Fprintf(w, "\n%s\n", doc.long)
	}
	if len(doc.examples) > 0 {
		fmt.Fprint(w, "\nExamples:\n")
		for _, e := range doc.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	if u := fs.FlagUsages(); u != "" {
		fmt.Fprintf(w, "\nFlags:\n%s", u)
	}
}
