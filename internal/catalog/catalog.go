// Package catalog is every finding code wasmgen reports, gathered from the packages
// that report them: `wasmgen validate --list-rules` prints it and docs/codes.md is
// written from it (a test keeps both in step with the code).
package catalog

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/chain"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/krm"
	"github.com/wasmgen/wasmgen/manifest"
	"github.com/wasmgen/wasmgen/protocheck"
	"github.com/wasmgen/wasmgen/protoconfig"
	"github.com/wasmgen/wasmgen/schema"
	"github.com/wasmgen/wasmgen/validate"
	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/wasmgen/wasmgen/internal/dryrun"
)

// Area is the part of wasmgen whose rules a group of codes are.
type Area struct {
	Name  string
	Rules []diag.Rule
}

// Areas are the groups, in the order a document goes through them.
func Areas() []Area {
	return []Area{
		{"Reading input (yamltree)", yamltree.Rules},
		{"The WasmFilter spec (schema)", schema.Rules},
		{"Files, modules and configuration (compile)", compile.Rules},
		{"Filter config protos (protoconfig)", protoconfig.Rules},
		{"Filter config against its proto (protocheck)", protocheck.Rules},
		{"Dry start of the module (dryrun, --run)", dryrun.Rules},
		{"Generating objects (generate)", generate.Rules},
		{"Writing -o DIR (manifest)", manifest.Rules},
		{"Istio and Envoy documents (validate)", validate.Rules},
		{"Filter chains (chain, explain)", chain.Rules},
		{"KRM function and post-renderer (krm)", krm.Rules},
	}
}

// All is every rule, by code.
func All() []diag.Rule {
	var out []diag.Rule
	for _, a := range Areas() {
		out = append(out, a.Rules...)
	}
	slices.SortFunc(out, func(a, b diag.Rule) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// WriteText prints one rule per line: code, severity, consumer, summary.
func WriteText(w io.Writer) error {
	for _, r := range All() {
		if _, err := fmt.Fprintf(w, "%s  %-7s  %-18s  %s\n", r.Code, r.Severity, r.Consumer, r.Summary); err != nil {
			return err
		}
	}
	return nil
}

// Markdown is docs/codes.md.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# Finding codes\n\n")
	b.WriteString("Every finding wasmgen reports carries one of these codes (`FILE:LINE:COL: severity: FIELD: MESSAGE [CODE]`).\n")
	b.WriteString("`WG` codes are wasmgen's own; `IST` codes are Istio's, where the check is Istio's (same code, same message).\n")
	b.WriteString("The consumer is whose verdict the rule reproduces. Severity is the usual one: some rules warn or fail by\n")
	b.WriteString("the release checked against. `wasmgen validate --list-rules` prints the same list.\n\n")
	b.WriteString("This file is written by `WASMGEN_UPDATE=1 go test ./internal/catalog`; do not edit it by hand.\n")
	for _, a := range Areas() {
		fmt.Fprintf(&b, "\n## %s\n\n| code | severity | consumer | what |\n|---|---|---|---|\n", a.Name)
		rules := slices.Clone(a.Rules)
		slices.SortFunc(rules, func(x, y diag.Rule) int { return strings.Compare(x.Code, y.Code) })
		for _, r := range rules {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.Code, r.Severity, r.Consumer, strings.ReplaceAll(r.Summary, "|", "\\|"))
		}
	}
	return b.String()
}
