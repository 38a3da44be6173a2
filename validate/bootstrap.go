package validate

import (
	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/wasmgen/wasmgen/compat"
)

// checkBootstrap checks an Envoy v3 bootstrap (JSON or YAML) as Envoy loads it: a
// strict parse, every Any unpacked down through listeners, network filters and HTTP
// filters (Wasm included), protoc-gen-validate on each unpacked message, and the
// router and terminal network filters last in their chains.
func checkBootstrap(p *pass) {
	root := p.root
	if root == nil || root.Kind != yaml.MappingNode {
		p.rep.Errorf("", CodeStructure, "", "Envoy bootstrap is %s; expected a mapping (envoy.config.bootstrap.v3.Bootstrap)", yamltree.Describe(root))
		return
	}
	b := &bootstrapv3.Bootstrap{}
	p.types = typesFor(p.opts.envoy())
	x := p.read(root, "", b.ProtoReflect().Descriptor(), envoyStatic(p.types))
	if x == nil || !p.decode(x, part{x.v, ""}, b, CodeBootstrapDecode) {
		return
	}
	envoy := p.opts.envoy()
	w := &envoyWalk{p: p, envoy: envoy, complete: true, owner: "bootstrap " + p.file}
	w.untyped = func(path, name string) {
		if envoy.Has(compat.LookupByName) {
			p.rep.Warnf(path, CodeMissingTyped, "add typed_config with the filter's \"@type\"",
				"filter %q has no typed_config: Envoy %s finds it by name, which Envoy %s no longer does", name, envoy, compat.LookupByName.EnvoyUntil)
			return
		}
		p.rep.Errorf(path, CodeMissingTyped, "add typed_config with the filter's \"@type\"",
			"filter %q has no typed_config, and Envoy %s no longer looks extensions up by name: it refuses the bootstrap", name, envoy)
	}
	w.check(b, "")
}
