// Package chain is the filter chain a proxy will run, worked out offline the way
// istiod builds it: Istio's own filters for the release (compat.HTTPChain), the
// WasmPlugins by phase and priority, then every EnvoyFilter patch in istiod's
// order (priority, root namespace, creation time, name), each filter with the rule
// that put it where it is, and the findings a reviewer needs (a patch istiod skips
// without a word, an order only creation time decides, a filter after the router).
// It is pure: decoded objects in, chains and findings out; `wasmgen explain` prints
// them and `wasmgen validate` reports the findings.
package chain

import (
	"strconv"
	"time"

	extensions "istio.io/api/extensions/v1alpha1"
	networking "istio.io/api/networking/v1alpha3"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
)

// Meta is an object's identity and where its findings go.
type Meta struct {
	Name, Namespace string
	// Created is metadata.creationTimestamp; zero when the input has none (a
	// manifest in a repository): istiod orders by it, so explain shows the tie.
	Created time.Time
	// Locate gives a field path's position and display form (nil: the object has
	// no place of its own to report at).
	Locate func(path string) (diag.Pos, string)
	// Rendered marks an object wasmgen generated from a spec: it takes part in the
	// chains, but validate reports findings only on the user's own documents.
	Rendered bool
}

func (m Meta) id() string { return m.Namespace + "/" + m.Name }

func (m Meta) at(path string) string {
	p, _ := m.pos(path)
	return p.String()
}

func (m Meta) pos(path string) (diag.Pos, string) {
	if m.Locate == nil {
		return diag.Pos{}, path
	}
	return m.Locate(path)
}

// EnvoyFilter is a decoded EnvoyFilter: its spec, and the field path of each of
// Spec.ConfigPatches (a patch istiod's webhook refuses is left out; nil Paths:
// spec.configPatches[i]).
type EnvoyFilter struct {
	Meta
	Spec  *networking.EnvoyFilter
	Paths []string
}

func (e *EnvoyFilter) path(i int) string {
	if i < len(e.Paths) {
		return e.Paths[i]
	}
	return "spec.configPatches[" + strconv.Itoa(i) + "]"
}

// WasmPlugin is a decoded WasmPlugin, or a TrafficExtension read as one
// (TrafficExtensionPlugin): istiod of 1.30 orders both in one list.
type WasmPlugin struct {
	Meta
	Spec *extensions.WasmPlugin
	// Kind is "" for a WasmPlugin, "TrafficExtension" for one.
	Kind string
}

// kind is the object's kind, as filters name their source.
func (w *WasmPlugin) kind() string {
	if w.Kind == "" {
		return "WasmPlugin"
	}
	return w.Kind
}

// TrafficExtensionPlugin reads a TrafficExtension (Istio 1.30+) as the WasmPlugin
// fields explain orders and attaches by: selector, targetRefs, phase, priority,
// match and type (a Lua one is an HTTP filter; istio/api
// extensions/v1alpha1/traffic_extension.proto).
func TrafficExtensionPlugin(m Meta, te *extensions.TrafficExtension) WasmPlugin {
	wp := &extensions.WasmPlugin{
		Selector:   te.GetSelector(),
		TargetRefs: te.GetTargetRefs(),
		Phase:      extensions.PluginPhase(te.GetPhase()),
		Priority:   te.GetPriority(),
		Type:       te.GetWasm().GetType(),
	}
	for _, s := range te.GetMatch() {
		wp.Match = append(wp.Match, &extensions.WasmPlugin_TrafficSelector{Mode: s.GetMode(), Ports: s.GetPorts()})
	}
	return WasmPlugin{Meta: m, Spec: wp, Kind: "TrafficExtension"}
}

// Workload is a pod-owning manifest: a proxy explain builds chains for.
type Workload struct {
	Kind, Name, Namespace string
	Labels                map[string]string // the pod template's
	Annotations           map[string]string // the pod template's
}

// GatewayObject is a Gateway API Gateway manifest: istiod deploys its proxy, a
// waypoint when the class is istio-waypoint, an ingress gateway when it is istio.
type GatewayObject struct {
	Name, Namespace, Class string
	Labels                 map[string]string // the Gateway's own (istio.io/waypoint-for)
}

// NamespaceObject is a Namespace manifest: its labels say whether it is in the
// ambient mesh (istio.io/dataplane-mode) and which waypoint its services use
// (istio.io/use-waypoint).
type NamespaceObject struct {
	Name   string
	Labels map[string]string
}

// ServiceObject is a Service or ServiceEntry manifest: its labels may name its
// waypoint (istio.io/use-waypoint, istio.io/use-waypoint-namespace).
type ServiceObject struct {
	Kind, Name, Namespace string
	Labels                map[string]string
}

// Input is everything explain reads.
type Input struct {
	EnvoyFilters []EnvoyFilter
	// WasmPlugins holds the TrafficExtensions too (TrafficExtensionPlugin).
	WasmPlugins []WasmPlugin
	// Workloads, when given, are the proxies; without them explain builds one
	// proxy per selector the objects use.
	Workloads []Workload
	// Gateways are proxies too: waypoints and Gateway API ingress gateways.
	Gateways   []GatewayObject
	Namespaces []NamespaceObject
	Services   []ServiceObject
	// ExtensionPolicies are Envoy Gateway's: their chains are per target.
	ExtensionPolicies []ExtensionPolicy
}

// Options select the release and the mesh's root namespace.
type Options struct {
	Istio         compat.Istio
	RootNamespace string // default istio-system
	// FindingsOnly is validate's use: the chains are built for their findings
	// and not printed, so each filter's source position (Filter.At, a Locator
	// lookup per filter per chain: a sixth of validating 1,000 EnvoyFilters) is
	// not computed.
	FindingsOnly bool
}

func (o Options) root() string {
	if o.RootNamespace == "" {
		return compat.RootNamespace
	}
	return o.RootNamespace
}

// Proxy kinds.
const (
	Sidecar = "sidecar"
	Gateway = "gateway"
	// Selector: no workload manifest was given; the proxy stands for every
	// workload a selector picks, sidecar or gateway.
	Selector = "selector"
	// Waypoint: an ambient waypoint, from its Gateway manifest, or (without one)
	// the waypoint a targetRef of a waypoint-only kind reaches.
	Waypoint = "waypoint"
)

// Proxy is the workload (or the selector) a chain belongs to.
type Proxy struct {
	Kind      string            `json:"kind"` // sidecar, gateway, waypoint or selector
	Name      string            `json:"name"` // the workload's name, or "selector k=v,...", or "Service reviews"
	Namespace string            `json:"namespace"`
	Workload  string            `json:"workload,omitempty"` // Deployment etc.; empty for a selector
	Labels    map[string]string `json:"labels,omitempty"`
}

// Chain is one filter chain of a proxy: a listener context, a port, HTTP or
// network filters.
type Chain struct {
	Proxy   Proxy  `json:"proxy"`
	Context string `json:"context"` // sidecar-inbound, sidecar-outbound, gateway, waypoint
	// Service is, on a waypoint, the service whose chain this is ("Service ns/name",
	// "ServiceEntry ns/name"): istiod builds a chain per service, with the plugins
	// attached to it; empty is the chain of the services without their own.
	Service string `json:"service,omitempty"`
	// Port is the listener port; 0 is every port not listed on its own.
	Port    uint32   `json:"port"`
	Type    string   `json:"type"` // http or network
	Filters []Filter `json:"filters"`
	// Absent are Istio's filters of this chain that need configuration explain does
	// not see (an AuthorizationPolicy, a gRPC port): not shown in Filters.
	Absent []Absent `json:"absent,omitempty"`
	// Removed are the filters REMOVE patches took out.
	Removed []Removed `json:"removed,omitempty"`
}

// Removed is a filter a REMOVE patch took out of a chain.
type Removed struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	By     string `json:"by"` // "EnvoyFilter ns/name spec.configPatches[i]"
}

// Key names a chain: proxy, context, type, port (none: every port not named).
func (c *Chain) Key() string {
	k := c.Proxy.Namespace + "/" + c.Proxy.Name + " " + c.Context + " " + c.Type
	if c.Service != "" {
		k += " " + c.Service
	}
	if c.Port != 0 {
		k += " port " + strconv.Itoa(int(c.Port))
	}
	return k
}

// Absent is an Istio filter shown only when its condition holds.
type Absent struct {
	Name string `json:"name"`
	When string `json:"when"`
}

// Filter is one filter of a chain and why it is where it is.
type Filter struct {
	Name string `json:"name"`
	// Source is "istio", "WasmPlugin ns/name" or "EnvoyFilter ns/name".
	Source string `json:"source"`
	// Rendered: the EnvoyFilter or WasmPlugin is the one wasmgen renders from the
	// WasmFilter spec at At.
	Rendered bool `json:"rendered,omitempty"`
	// Patch is the EnvoyFilter patch's field path (spec.configPatches[i]).
	Patch string `json:"patch,omitempty"`
	// At is file:line of the object or patch, when known.
	At string `json:"at,omitempty"`
	// Rule says what put the filter here: the patch operation and its anchor, the
	// WasmPlugin phase and priority, or Istio's builder.
	Rule string `json:"rule"`
	// Order says why the patch ran where it did among the others (priority, root
	// namespace, creation time).
	Order string `json:"order,omitempty"`
	// Merged lists the MERGE patches applied to this filter.
	Merged []string `json:"merged,omitempty"`
	// Tie names the objects whose relative order only creation time decides and
	// that change this chain; priority breaks it.
	Tie []string `json:"tie,omitempty"`
}

// Result is what Explain found.
type Result struct {
	Istio    string    `json:"istio"`
	Chains   []Chain   `json:"chains"`
	Findings diag.List `json:"-"`
	// Untouched are proxies no EnvoyFilter or WasmPlugin applies to.
	Untouched []Proxy `json:"untouched,omitempty"`
	// NotAttached are objects that reach a proxy by their namespace, selector or
	// targetRefs but that istiod does not apply there, each with the reason.
	NotAttached []NotAttached `json:"notAttached,omitempty"`
	filtered    bool          // narrowed by Filter
}

// NotAttached is an object a proxy does not run, and why.
type NotAttached struct {
	Proxy  Proxy  `json:"proxy"`
	Source string `json:"source"` // "WasmPlugin ns/name", "EnvoyFilter ns/name"
	At     string `json:"at,omitempty"`
	Reason string `json:"reason"`
}
