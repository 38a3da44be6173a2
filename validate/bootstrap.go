package validate

import (
	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/wasmgen/wasmgen/compat"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/wasmgen/wasmgen/diag"

	"slices"
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
	envoy := p.opts.envoy()
	p.types = typesFor(envoy)
	mark := len(p.l)
	x := p.read(root, "", b.ProtoReflect().Descriptor(), envoyStatic(envoy, p.types))
	if x != nil && envoy.Has(compat.V2Bootstrap) && p.l[mark:].HasErrors() && bootstrapV2(p, x, mark) {
		return
	}
	if x == nil || !p.decode(x, part{x.v, ""}, b, CodeBootstrapDecode) {
		return
	}
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

// bootstrapV2 is API boosting (envoyproxy/envoy source/common/protobuf/utility.cc
// tryWithApiBoosting, Envoy 1.13–1.16): a bootstrap is read as the v2 Bootstrap
// first, and as v3 if that fails. Called when the v3 read has errors, it reports
// whether the v2 read's findings replace them: when the v2 read succeeds (Envoy
// loads it), or the bootstrap is v2 with a mistake (it has v2's untyped `config`,
// or the v2 read has fewer errors), which the v2 read words better than v3's
// "unknown field" for every v2 field. The walk
// below is written against the v3 types, so a v2 bootstrap gets only the v2 parse.
func bootstrapV2(p *pass, x *parsed, mark int) bool {
	mt, err := p.types.FindMessageByName(bootstrapV2Type)
	if err != nil {
		return false
	}
	sub := &pass{opts: p.opts, file: p.file, root: p.root, ix: p.ix, facts: &facts{}, arena: p.arena, types: p.types}
	sub.rep = sub.ix.Reporter(&sub.l)
	parser := envoyStatic(p.opts.envoy(), p.types)
	parser.NamedConfig = v2NamedConfig
	parser.NoRequired, parser.RequiredOneofs = false, true // no Go PGV code for v2: its required oneofs from the descriptors
	sub.check(x.v, "", mt.Descriptor(), parser)
	v2errs, v3errs := sub.l.Count(diag.Error), p.l[mark:].Count(diag.Error)
	untyped := slices.ContainsFunc(p.l[mark:], func(f diag.Finding) bool { return f.Code == CodeLegacyConfig })
	if v2errs > 0 && v2errs >= v3errs && !untyped {
		return false
	}
	p.l = append(p.l[:mark], sub.l...)
	p.unresolved = append(p.unresolved, sub.unresolved...)
	if v2errs == 0 {
		p.rep.Infof("", CodeV2Bootstrap, "",
			"a v2 bootstrap: Envoy %s loads it by API boosting (it is not valid v3); checked against the v2 API's fields and types, without the v3 rules (filter order, Wasm, protoc-gen-validate); the v2 API is fatal from Envoy %s", p.opts.envoy(), compat.V2Bootstrap.EnvoyUntil)
	} else {
		p.rep.Infof("", CodeV2Bootstrap, "",
			"a v2 bootstrap that is valid neither as v2 nor as v3: the errors are the v2 read's (Envoy %s tries v2 first, then v3, and reports v3's)", p.opts.envoy())
	}
	return true
}

const bootstrapV2Type = "envoy.config.bootstrap.v2.Bootstrap"

// v2NamedConfig is the message a v2 filter's untyped config converts to.
func v2NamedConfig(holder protoreflect.FullName, name string) protoreflect.FullName {
	switch holder {
	case "envoy.api.v2.listener.Filter":
		return protoreflect.FullName(compat.V2Config(compat.V2Network, name))
	case "envoy.config.filter.network.http_connection_manager.v2.HttpFilter":
		return protoreflect.FullName(compat.V2Config(compat.V2HTTP, name))
	}
	return ""
}
