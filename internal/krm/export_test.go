package krm

import "sigs.k8s.io/kustomize/kyaml/fn/framework"

// Splits reports whether Execute copies the list's untouched items rather than
// handing the whole list to kyaml.
func Splits(in []byte) bool {
	_, ok := splitList(in)
	return ok
}

// Framework adapts a Processor to kyaml's framework, the reference the tests run
// the function under (framework.Execute, frameworktestutil, command.Build).
func Framework(p *Processor) framework.ResourceListProcessor { return frameworkAdapter{p} }

type frameworkAdapter struct{ p tracker }

func (a frameworkAdapter) Process(rl *framework.ResourceList) error {
	own := ResourceList{Items: rl.Items, FunctionConfig: rl.FunctionConfig}
	err := a.p.Process(&own)
	rl.Items = own.Items
	rl.Results = append(rl.Results, frameworkResults(own.Results)...)
	return err
}

// frameworkResults converts results field by field; TestResultsEncodeAsFramework
// checks that both encode alike.
func frameworkResults(rs Results) framework.Results {
	var out framework.Results
	for _, r := range rs {
		f := &framework.Result{Message: r.Message, Severity: framework.Severity(r.Severity), ResourceRef: r.ResourceRef, Tags: r.Tags}
		if r.Field != nil {
			f.Field = &framework.Field{Path: r.Field.Path}
		}
		if r.File != nil {
			f.File = &framework.File{Path: r.File.Path, Index: r.File.Index}
		}
		out = append(out, f)
	}
	return out
}
