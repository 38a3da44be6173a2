// Package validate lints the Istio and Envoy documents a Wasm filter ends up in:
// EnvoyFilters, WasmPlugins and Envoy bootstraps, hand-written or generated. Every
// verdict is the one the document's real consumer gives (istiod's webhook and its
// run-time conversion, the istio-agent, Envoy) for the release the user runs:
// documents are read with each consumer's JSON parser (protocheck.Parser), then the
// rules of rules.go run over the decoded document. It is pure: documents in,
// findings out.
package validate

import (
	"sync"
	"sync/atomic"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/wasmgen/wasmgen/internal/chain"
	"github.com/wasmgen/wasmgen/internal/typeset"
	"github.com/wasmgen/wasmgen/schema"

	"fmt"

	"strings"
)

// Options select the releases documents are checked against.
type Options struct {
	Istio compat.Istio // the target Istio release; the zero value is the newest
	// Envoy is the Envoy release bootstraps (and other config Envoy reads) are checked
	// against; the zero value is the Envoy of the Istio release's proxy.
	Envoy compat.Envoy
	// EnvoyGateway is the Envoy Gateway release EnvoyExtensionPolicies are checked
	// against; the zero value is the newest.
	EnvoyGateway compat.EnvoyGateway
	// RootNamespace is the mesh's root namespace (meshConfig.rootNamespace); ""
	// means istio-system.
	RootNamespace string
}

// rootNamespace is the mesh's root namespace.
func (o Options) rootNamespace() string {
	if o.RootNamespace != "" {
		return o.RootNamespace
	}
	return compat.DefaultRootNamespace
}

// envoy is the Envoy release to check against.
func (o Options) envoy() compat.Envoy {
	if o.Envoy != 0 {
		return o.Envoy
	}
	return o.Istio.Envoy()
}

// Doc is one parsed document of an input file.
type Doc struct {
	File string
	Node *yaml.Node
}

// Checker validates documents (one at a time with Add, on several cores with AddAll)
// and keeps what the cross-document rules compare (vm_ids shared between filters,
// the patch order IST0155 looks at), in document order.
type Checker struct {
	opts  Options
	l     diag.List
	facts []*facts
}

// NewChecker returns a Checker for the given releases.
func NewChecker(opts Options) *Checker { return &Checker{opts: opts} }

// Add checks one document and reports whether its kind is one validate knows.
func (c *Checker) Add(file string, doc *yaml.Node) bool {
	l, f, known := check(c.opts, file, doc)
	c.l.Append(l)
	if f != nil {
		c.facts = append(c.facts, f)
	}
	return known
}

// AddAll checks docs as Add does, one after the other, and reports for each whether
// its kind was known. The documents are checked on up to workers goroutines (each
// alone: the cross-document rules run in Finish, over the facts in document order),
// so the findings are those of calling Add on each in turn.
func (c *Checker) AddAll(docs []Doc, workers int) []bool {
	known := make([]bool, len(docs))
	lists := make([]diag.List, len(docs))
	fs := make([]*facts, len(docs))
	workers = max(1, min(workers, len(docs)))
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		fault any
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				// A bug panics in the caller's goroutine, where the CLI recovers it.
				if r := recover(); r != nil {
					mu.Lock()
					fault = r
					mu.Unlock()
				}
			}()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(docs) {
					return
				}
				lists[i], fs[i], known[i] = check(c.opts, docs[i].File, docs[i].Node)
			}
		}()
	}
	wg.Wait()
	if fault != nil {
		panic(fault)
	}
	for i := range docs {
		c.l.Append(lists[i])
		if fs[i] != nil {
			c.facts = append(c.facts, fs[i])
		}
	}
	return known
}

// Finish returns every finding so far, with those of the cross-document rules, sorted.
func (c *Checker) Finish() diag.List {
	l := append(diag.List(nil), c.l...)
	for _, r := range crossRules {
		l.Append(r.finish(c.opts, c.facts))
	}
	l.Sort()
	return l
}

// A kind of document validate checks: how to recognise it, and its check.
type kind struct {
	name  string
	is    func(apiVersion, kind string, doc *yaml.Node) bool
	check func(p *pass)
}

// kinds are tried in order; the first that recognises a document checks it.
var kinds = []kind{
	{"EnvoyFilter", ofGroup("EnvoyFilter", "networking.istio.io"), checkEnvoyFilter},
	{"WasmPlugin", ofGroup("WasmPlugin", "extensions.istio.io"), checkWasmPlugin},
	{"TrafficExtension", ofGroup("TrafficExtension", "extensions.istio.io"), checkTrafficExtension},
	{"EnvoyExtensionPolicy", ofGroup("EnvoyExtensionPolicy", "gateway.envoyproxy.io"), checkEnvoyExtensionPolicy},
	{"Bootstrap", func(_, k string, doc *yaml.Node) bool { return k == "" && isBootstrap(doc) }, checkBootstrap},
	{"custom bootstrap ConfigMap", isCustomBootstrap, checkCustomBootstrap},
	{"unknown Istio kind", unknownIstioKind, checkUnknownKind},
}

// ofGroup recognises a kind of an Istio group; a document without apiVersion is
// taken as meant for it (its check says the apiVersion is missing). The same kind of
// another group is another project's resource (Higress's extensions.higress.io
// WasmPlugin has other fields): skipped and counted, never checked as Istio's.
func ofGroup(kind, group string) func(apiVersion, k string, _ *yaml.Node) bool {
	return func(apiVersion, k string, _ *yaml.Node) bool {
		if k != kind {
			return false
		}
		g, _ := compat.SplitAPIVersion(apiVersion)
		return apiVersion == "" || g == group
	}
}

// unknownIstioKind recognises a document of an Istio group wasmgen reads whose kind
// the group does not have (kind: EnvoyFilters).
func unknownIstioKind(apiVersion, k string, _ *yaml.Node) bool {
	g, _ := compat.SplitAPIVersion(apiVersion)
	kinds, ok := compat.IstioGroups[g]
	if !ok {
		return false
	}
	for _, gk := range kinds {
		if gk.Kind == k {
			return false
		}
	}
	return true
}

// checkUnknownKind: the API server has no such resource, so kubectl apply fails.
func checkUnknownKind(p *pass) {
	apiVersion, k := yamltree.TypeMeta(p.root)
	g, _ := compat.SplitAPIVersion(apiVersion)
	var names []string
	for _, gk := range compat.IstioGroups[g] {
		names = append(names, gk.Kind)
	}
	at := "kind"
	if yamltree.Field(p.root, "kind") == nil {
		at = "apiVersion"
	}
	msg := fmt.Sprintf("%s has no kind %q (kubectl apply fails: no matches for kind); its kinds are %s", g, k, strings.Join(names, ", "))
	if k == "" {
		msg = fmt.Sprintf("a %s document without a kind; its kinds are %s", g, strings.Join(names, ", "))
	}
	p.rep.Errorf(at, CodeResource, diag.DidYouMean(k, names), "%s", msg)
}

// bootstrapKeys are top-level fields only an Envoy bootstrap has.
var bootstrapKeys = []string{"static_resources", "staticResources", "admin", "node", "dynamic_resources", "dynamicResources"}

func isBootstrap(doc *yaml.Node) bool {
	for _, key := range bootstrapKeys {
		if yamltree.Field(doc, key) != nil {
			return true
		}
	}
	return false
}

// Kind classifies a document: "EnvoyFilter", "WasmPlugin", "Bootstrap" (an Envoy
// bootstrap, recognised by its top-level keys) or its own kind.
func Kind(doc *yaml.Node) string {
	apiVersion, k := yamltree.TypeMeta(doc)
	for _, kd := range kinds {
		if kd.is(apiVersion, k, doc) {
			return kd.name
		}
	}
	return k
}

// pass is the check of one document: where it is, where findings go, and the facts
// it leaves for the cross-document rules.
type pass struct {
	opts  Options
	file  string
	root  *yaml.Node
	ix    *yamltree.Locator
	l     diag.List
	rep   *diag.Reporter
	facts *facts
	arena *yamltree.Arena  // the document's converted values, handed back when it is done
	types typeset.Resolver // the types the document's consumers know
	// unresolved are the (folded) paths of Anys naming types no consumer's parser
	// has: they were reported, and left out of the decoded document.
	unresolved []string
	// allowUnknownStatic: the bootstrap is istio-proxy's, whose Envoy ignores
	// unknown static fields.
	allowUnknownStatic bool
}

// arenas recycle converted values from one document to the next: a file of a
// thousand EnvoyFilters otherwise leaves a thousand trees to the collector.
var arenas = sync.Pool{New: func() any { return new(yamltree.Arena) }}

func check(opts Options, file string, doc *yaml.Node) (diag.List, *facts, bool) {
	apiVersion, k := yamltree.TypeMeta(doc)
	for _, kd := range kinds {
		if !kd.is(apiVersion, k, doc) {
			continue
		}
		root := yamltree.Deref(doc)
		p := &pass{opts: opts, file: file, root: root, ix: yamltree.NewLocator(file, root), facts: &facts{},
			arena: arenas.Get().(*yamltree.Arena)}
		p.rep = p.ix.Reporter(&p.l)
		kd.check(p)
		p.arena.Reset()
		arenas.Put(p.arena)
		return p.l, p.facts, true
	}
	return nil, nil, false
}

// Objects are the EnvoyFilters and WasmPlugins the Checker decoded, in document
// order, as istiod reads them: what `wasmgen explain` builds the chains from.
func (c *Checker) Objects() chain.Input {
	var in chain.Input
	for _, f := range c.facts {
		if f.envoyFilter != nil {
			in.EnvoyFilters = append(in.EnvoyFilters, *f.envoyFilter)
		}
		if f.wasmPlugin != nil {
			in.WasmPlugins = append(in.WasmPlugins, *f.wasmPlugin)
		}
		if f.extensionPolicy != nil {
			in.ExtensionPolicies = append(in.ExtensionPolicies, *f.extensionPolicy)
		}
	}
	return in
}

// meta is the identity of the document p checks, and where its fields are.
func meta(p *pass) chain.Meta {
	md := yamltree.Field(p.root, "metadata")
	m := chain.Meta{Name: yamltree.StringField(md, "name"), Namespace: yamltree.StringField(md, "namespace")}
	if m.Namespace == "" {
		m.Namespace = schema.DefaultNamespace
	}
	if t, err := time.Parse(time.RFC3339, yamltree.StringField(md, "creationTimestamp")); err == nil {
		m.Created = t
	}
	ix := p.ix
	m.Locate = func(path string) (diag.Pos, string) { return ix.Pos(path), ix.Display(path) }
	return m
}
