// Package dryrun starts a rendered filter's module under pwhost with exactly what
// the rendered configuration hands it (issue 17): the bridge between the pipeline's
// generate.Input and the host. `wasmgen validate --run` and `render --run` install
// Hook as render.Options.Run; `wasmgen run` calls Start directly.
package dryrun

import (
	"context"
	"fmt"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/pwhost"
)

// Codes of --run's findings.
const (
	CodeRefused = "WG4006" // the plugin did not start with its configuration (refused, trapped, stopped, not linked)
	CodeCannot  = "WG4007" // the dry run cannot tell (runtime null, an imported memory)
	CodeStarted = "WG4008" // the plugin started and accepted its configuration
	CodeLog     = "WG4009" // a line the plugin logged while it started
)

// maxLogFindings bounds the log lines --run reports per filter.
const maxLogFindings = 20

// PluginOf is what Envoy hands the plugin of in: the fields of the rendered
// PluginConfig. vm_config.configuration is not rendered, so it is empty;
// environment variables from the host (fromHost) are the proxy's own and absent.
func PluginOf(in *generate.Input) pwhost.Plugin {
	f := &in.Doc.Filter
	p := pwhost.Plugin{
		Name: f.Metadata.Name, RootID: f.Spec.RootID, VMID: f.Spec.VMID, Runtime: f.Spec.Runtime,
		Configuration: in.Configuration,
	}
	for _, e := range f.Spec.Env {
		if e.FromHost {
			continue
		}
		if p.Env == nil {
			p.Env = map[string]string{}
		}
		p.Env[e.Name] = e.Value
	}
	return p
}

// Start runs the load lifecycle of in's module; the VM is nil unless it loaded.
func Start(in *generate.Input, o pwhost.Options) (*pwhost.VM, *pwhost.StartReport) {
	return pwhost.Start(context.Background(), in.ModuleData, PluginOf(in), o)
}

// Hook is render.Options.Run for --run: every filter with module bytes is started;
// a plugin that does not start is an error on spec.module.path with its own log
// as the reason, one that does is reported with its log lines as information.
func Hook(o pwhost.Options) func(in *generate.Input) diag.List {
	return func(in *generate.Input) diag.List {
		vm, r := Start(in, o)
		if vm != nil {
			vm.Close()
		}
		return Findings(in, r)
	}
}

// Findings turns a start report into findings on spec.module.path.
func Findings(in *generate.Input, r *pwhost.StartReport) diag.List {
	const path = "spec.module.path"
	pos := in.Doc.Pos(path)
	var l diag.List
	steps := make([]string, 0, len(r.Steps))
	for _, s := range r.Steps {
		if s.Result != "" && strings.HasPrefix(s.Call, "proxy_on_") {
			name, _, _ := strings.Cut(s.Call, "(")
			steps = append(steps, name+" -> "+s.Result)
		}
	}
	host := fmt.Sprintf("Envoy %s's Wasm host, runtime %s", r.Envoy, r.Runtime)
	switch r.Verdict {
	case pwhost.Loaded:
		l.Add(diag.Finding{Pos: pos, Path: path, Severity: diag.Info, Code: CodeStarted,
			Msg: fmt.Sprintf("--run: the plugin started and accepted its configuration under %s (%s)", host, strings.Join(steps, ", "))})
	case pwhost.Unsupported:
		l.Add(diag.Finding{Pos: pos, Path: path, Severity: diag.Warning, Code: CodeCannot,
			Msg: "--run: the dry run cannot start this module: " + r.Reason})
		return l
	default:
		l.Add(diag.Finding{Pos: pos, Path: path, Severity: diag.Error, Code: CodeRefused,
			Msg:  fmt.Sprintf("--run: the plugin %s under %s: %s", verb(r.Verdict), host, oneLine(r.Reason)),
			Hint: hint(r.Verdict)})
	}
	for i, lg := range r.Logs {
		if i == maxLogFindings {
			l.Add(diag.Finding{Pos: pos, Path: path, Severity: diag.Info, Code: CodeLog,
				Msg: fmt.Sprintf("--run: %d more log lines (wasmgen run -f shows them all)", len(r.Logs)-i)})
			break
		}
		l.Add(diag.Finding{Pos: pos, Path: path, Severity: diag.Info, Code: CodeLog,
			Msg: fmt.Sprintf("--run: plugin log %s: %s", lg.LevelS, oneLine(lg.Msg))})
	}
	return l
}

func verb(v pwhost.Verdict) string {
	switch v {
	case pwhost.Refused:
		return "refused its configuration"
	case pwhost.NotLinked:
		return "does not link"
	case pwhost.Stopped:
		return "was stopped"
	}
	return "failed to start"
}

func hint(v pwhost.Verdict) string {
	switch v {
	case pwhost.Refused:
		return "fix spec.config (the plugin's log says what it expects), or the plugin"
	case pwhost.Stopped:
		return "the plugin loops or allocates without bound while it starts; Envoy would hang or kill the VM"
	}
	return "`wasmgen run -f SPEC` shows every step"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Rules is the catalogue of --run's codes.
var Rules = []diag.Rule{
	{Code: CodeRefused, Severity: diag.Error, Consumer: "Envoy", Summary: "--run: the plugin did not start with its configuration (refused it, trapped, ran past the time or memory limit, or did not link)"},
	{Code: CodeCannot, Severity: diag.Warning, Consumer: "wasmgen", Summary: "--run cannot tell whether the plugin starts (a runtime or module the offline host does not run)"},
	{Code: CodeStarted, Severity: diag.Info, Consumer: "Envoy", Summary: "--run: the plugin started and accepted its configuration"},
	{Code: CodeLog, Severity: diag.Info, Consumer: "Envoy", Summary: "--run: a line the plugin logged while it started"},
}
