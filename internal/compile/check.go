package compile

import (
	"runtime"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/chain"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/schema"
	"github.com/wasmgen/wasmgen/validate"

	extensions "istio.io/api/extensions/v1alpha1"
	networking "istio.io/api/networking/v1alpha3"
)

// Checked counts what Check looked at.
type Checked struct {
	Documents int // documents checked
	Skipped   int // documents of kinds wasmgen does not check
}

// Check is `wasmgen validate`: every filter spec is checked as render checks it for
// its default target (findings that concern only the WasmPlugin or bootstrap targets
// come from rendering those), every Istio and Envoy document linted on every core,
// the cross-document rules run over all of them, and the filter chains they make
// (chain.Explain) add their findings about the user's own documents.
func Check(srcs []load.Source, files Files, opts Options) (Checked, diag.List) {
	n, l, in := check(srcs, files, opts)
	l.Append(chain.Explain(in, chain.Options{Istio: opts.Generate.Istio, FindingsOnly: true}).Findings)
	l.Sort()
	return n, l
}

// Explain is `wasmgen explain`: the filter chains of everything Check reads (the
// objects wasmgen renders from the specs among them), and the findings of the
// inputs (Check's, with the chain findings in the result).
func Explain(srcs []load.Source, files Files, opts Options) (chain.Result, diag.List) {
	_, l, in := check(srcs, files, opts)
	return chain.Explain(in, chain.Options{Istio: opts.Generate.Istio}), l
}

func check(srcs []load.Source, files Files, opts Options) (Checked, diag.List, chain.Input) {
	opts.Generate.Check = true
	docs, l := Parse(srcs, opts.Limits)
	dirs := dirsOf(srcs)
	var n Checked
	var filters []Source
	var others []validate.Doc
	var workloads []chain.Workload
	var ambient chain.Input
	for _, d := range docs {
		if schema.IsFilter(d.Node) {
			filters = append(filters, Source{Doc: d, Dir: dirs[d.File]})
			continue
		}
		if w, ok := WorkloadOf(d); ok {
			workloads = append(workloads, chain.Workload{Kind: w.Kind, Name: w.Name, Namespace: w.Namespace, Labels: w.PodLabels, Annotations: w.PodAnnotations})
		}
		ambientObject(d, &ambient)
		others = append(others, validate.Doc{File: d.File, Node: d.Node})
	}
	n.Documents = len(filters)
	inputs, errs := Filters(filters, files, opts)
	l.Append(errs)
	checker := validate.NewChecker(validate.Options{Istio: opts.Generate.Istio, Envoy: opts.Generate.Envoy, RootNamespace: opts.Generate.RootNamespace, EnvoyGateway: opts.Generate.EnvoyGateway})
	// A file of a thousand EnvoyFilters is otherwise one core's work.
	for _, known := range checker.AddAll(others, runtime.GOMAXPROCS(0)) {
		if known {
			n.Documents++
		} else {
			n.Skipped++
		}
	}
	var rendered []generate.Object
	if len(inputs) > 0 {
		objs, errs := generate.Objects(inputs, opts.Generate)
		l.Append(errs)
		rendered = objs
	}
	l.Append(checker.Finish())
	in := checker.Objects()
	in.Workloads = workloads
	in.Gateways, in.Namespaces, in.Services = ambient.Gateways, ambient.Namespaces, ambient.Services
	addRendered(&in, rendered)
	l.Sort()
	return n, l, in
}

// addRendered adds the EnvoyFilters and WasmPlugins wasmgen renders from the specs:
// they take part in the chains, located at their spec. One among the inputs
// already (the rendered output committed next to its spec) is not added twice.
func addRendered(in *chain.Input, objs []generate.Object) {
	have := map[string]bool{}
	for _, e := range in.EnvoyFilters {
		have["EnvoyFilter "+e.Namespace+"/"+e.Name] = true
	}
	for _, w := range in.WasmPlugins {
		have[w.Kind+" "+w.Namespace+"/"+w.Name] = true
		if w.Kind == "" {
			have["WasmPlugin "+w.Namespace+"/"+w.Name] = true
		}
	}
	for _, p := range in.ExtensionPolicies {
		have[generate.KindEnvoyExtensionPolicy+" "+p.Namespace+"/"+p.Name] = true
	}
	for _, o := range objs {
		m := chain.Meta{Name: o.Name, Namespace: o.Namespace, Rendered: true}
		if m.Namespace == "" {
			m.Namespace = schema.DefaultNamespace
		}
		if d := o.Source; d != nil {
			m.Locate = func(string) (diag.Pos, string) { return d.Pos(""), "" }
		}
		if have[o.Kind+" "+m.Namespace+"/"+m.Name] {
			continue
		}
		switch b := o.Body.(type) {
		case *networking.EnvoyFilter:
			in.EnvoyFilters = append(in.EnvoyFilters, chain.EnvoyFilter{Meta: m, Spec: b})
		case *extensions.WasmPlugin:
			in.WasmPlugins = append(in.WasmPlugins, chain.WasmPlugin{Meta: m, Spec: b})
		case *extensions.TrafficExtension:
			in.WasmPlugins = append(in.WasmPlugins, chain.TrafficExtensionPlugin(m, b))
		case *generate.EnvoyExtensionPolicy:
			p := chain.ExtensionPolicy{Meta: m, Wasm: len(b.Spec.Wasm)}
			for _, t := range b.Spec.TargetRefs {
				p.Targets = append(p.Targets, chain.ExtensionTarget{Kind: t.Kind, Name: t.Name, SectionName: t.SectionName})
			}
			in.ExtensionPolicies = append(in.ExtensionPolicies, p)
		}
	}
}
