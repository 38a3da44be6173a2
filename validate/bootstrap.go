package validate

import (
	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/yamltree"
)

// Codes of the bootstrap checks.
const (
	CodeBootstrapUnknown = "WG7100" // unknown field: Envoy rejects a bootstrap with one
	CodeBootstrapDecode  = "WG7104" // a value Envoy cannot parse
)

// Bootstrap checks an Envoy v3 bootstrap (JSON or YAML): a strict parse, every Any
// unpacked down through listeners, network filters and HTTP filters (Wasm included),
// protoc-gen-validate on each unpacked message, and the router and terminal network
// filters last in their chains.
func Bootstrap(file string, doc *yaml.Node) diag.List {
	l, vms := bootstrap(file, doc)
	l.Append(sharedVMs(vms))
	l.Sort()
	return l
}

func bootstrap(file string, doc *yaml.Node) (diag.List, []vmUse) {
	var l diag.List
	root := yamltree.Deref(doc)
	ix := newPosIndex(file, root)
	if root == nil || root.Kind != yaml.MappingNode {
		l.Errorf(diag.Pos{File: file, Line: 1, Col: 1}, "", CodeStructure, "Envoy bootstrap is %s; expected a mapping (envoy.config.bootstrap.v3.Bootstrap)", describeNode(root))
		return l, nil
	}
	// Envoy parses a static bootstrap strictly: an unknown field anywhere is fatal.
	w := newWalker(ix, &l, compat.NewestIstio, func(bool) (diag.Severity, string) { return diag.Error, CodeBootstrapUnknown })
	b := &bootstrapv3.Bootstrap{}
	w.message(b.ProtoReflect().Descriptor(), root, "", false, 0)
	if w.unresolved || !decodeInto(ix, &l, w.bad, root, "", b, CodeBootstrapDecode) {
		return l, nil
	}
	ec := newEnvoyChecker(ix, &l, w.bad, true, "bootstrap "+file)
	ec.missing = func(path, name string) {
		ec.warnf(path, CodeMissingTyped, "add typed_config with the filter's \"@type\"",
			"filter %q has no typed_config; Envoy no longer looks extensions up by name", name)
	}
	ec.check(b, "")
	return l, ec.vms
}
