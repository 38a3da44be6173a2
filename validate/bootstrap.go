package validate

import (
	"strings"

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
	x := p.read(root, "", b.ProtoReflect().Descriptor(), envoyStatic(envoy, p.types, p.allowUnknownStatic))
	if x != nil && envoy.Has(compat.V2Bootstrap) && p.l[mark:].HasErrors() && bootstrapV2(p, x, mark) {
		return
	}
	if x == nil || !p.decode(x, part{x.v, ""}, b, CodeBootstrapDecode) {
		return
	}
	w := &envoyWalk{p: p, envoy: envoy, complete: true, owner: "bootstrap " + p.file}
	w.untyped = func(path, name string) {
		// A v2 `config` there is already an error that says what to write instead.
		if slices.ContainsFunc(p.l[mark:], func(f diag.Finding) bool {
			return f.Code == CodeLegacyConfig && strings.HasPrefix(f.Path, path+".")
		}) {
			return
		}
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
	sub := &pass{opts: p.opts, file: p.file, root: p.root, ix: p.ix, facts: &facts{}, arena: p.arena, types: p.types, allowUnknownStatic: p.allowUnknownStatic}
	sub.rep = sub.ix.Reporter(&sub.l)
	parser := envoyStatic(p.opts.envoy(), p.types, p.allowUnknownStatic)
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

// customBootstrapKey is the ConfigMap key Istio's bootstrap override reads (the
// sidecar.istio.io/bootstrapOverride annotation names the ConfigMap; the injector
// mounts it as custom_bootstrap.json, and the agent merges it into the bootstrap it
// writes: istio/istio tools/packaging/common/envoy_bootstrap.json's users,
// pkg/bootstrap ISTIO_BOOTSTRAP_OVERRIDE).
const customBootstrapKey = "custom_bootstrap.json"

func isCustomBootstrap(apiVersion, k string, doc *yaml.Node) bool {
	return apiVersion == "v1" && k == "ConfigMap" && yamltree.Field(yamltree.Field(doc, "data"), customBootstrapKey) != nil
}

// checkCustomBootstrap checks the bootstrap a ConfigMap carries for Istio's
// bootstrap override: a fragment of an Envoy bootstrap, merged into istio-proxy's,
// which Envoy then loads as static configuration (every unknown field fatal).
// Positions are the ConfigMap file's: the embedded document is parsed on its own and
// moved to where the string sits.
func checkCustomBootstrap(p *pass) {
	data := yamltree.Field(p.root, "data")
	var key, val *yaml.Node
	for i := 0; i+1 < len(data.Content); i += 2 {
		if data.Content[i].Value == customBootstrapKey {
			key, val = data.Content[i], yamltree.Deref(data.Content[i+1])
		}
	}
	if val == nil || val.Kind != yaml.ScalarNode {
		p.rep.Errorf("data", CodeStructure, "", "%s is %s; expected the bootstrap as a string", customBootstrapKey, yamltree.Describe(val))
		return
	}
	docs, errs := yamltree.ParseDocuments(p.file, []byte(val.Value), yamltree.DefaultLimits)
	lines, cols := val.Line-1, val.Column-1
	if val.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		lines, cols = val.Line, key.Column+1 // the block's content: the next line, indented under the key
	}
	for i := range errs {
		errs[i].Pos.Line += lines
		errs[i].Pos.Col += cols
	}
	p.l.Append(relocate(errs, CodeStructure))
	if errs.HasErrors() || len(docs) != 1 {
		return
	}
	root := yamltree.Deref(docs[0])
	yamltree.Walk(root, func(n *yaml.Node) { n.Line, n.Column = n.Line+lines, n.Column+cols })
	// The Envoy is the mesh's proxy's, which from Istio 1.17 tolerates unknown static
	// fields (istio/istio pkg/envoy/proxy.go passes --allow-unknown-static-fields).
	sub := &pass{opts: p.opts, file: p.file, root: root, ix: yamltree.NewLocator(p.file, root), facts: p.facts, arena: p.arena,
		allowUnknownStatic: p.opts.Istio.Has(compat.AllowUnknownStatic)}
	sub.opts.Envoy = p.opts.Istio.Envoy()
	sub.rep = sub.ix.Reporter(&sub.l)
	checkBootstrap(sub)
	p.l.Append(sub.l)
}
