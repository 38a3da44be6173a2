// Package schema is the WasmFilter v1alpha1 API: its Go types, strict decoding with
// positions, defaults, and the wasme FilterDeployment it also accepts.
package schema

import yaml "go.yaml.in/yaml/v3"

const (
	// Group and Version of the WasmFilter API.
	APIVersion = "wasmgen.io/v1alpha1"
	Kind       = "WasmFilter"

	// The wasme operator's resource, accepted as input and compiled the same way.
	WasmeAPIVersion = "wasme.io/v1"
	WasmeKind       = "FilterDeployment"
)

// WasmFilter declares one Wasm filter and where it runs.
type WasmFilter struct {
	APIVersion string     `json:"apiVersion" jsonschema:"enum=wasmgen.io/v1alpha1"`
	Kind       string     `json:"kind" jsonschema:"enum=WasmFilter"`
	Metadata   ObjectMeta `json:"metadata"`
	Spec       Spec       `json:"spec"`
}

// ObjectMeta names the filter; the generated objects take its name and namespace.
type ObjectMeta struct {
	// Name is a DNS-1123 label; generated objects are named after it.
	Name string `json:"name" jsonschema:"pattern=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$,maxLength=63"`
	// Namespace of the generated objects. Default "default".
	Namespace   string            `json:"namespace,omitempty" jsonschema:"pattern=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$,maxLength=63"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Spec is what the filter is and where it goes.
type Spec struct {
	// Module is where the .wasm comes from: exactly one of image, url or path.
	Module Module `json:"module"`
	// RootID is the Envoy root_id the module's root context registers under.
	RootID string `json:"rootID,omitempty"`
	// VMID is the Envoy vm_id. Default "<namespace>.<name>", so configs never bleed between filters.
	VMID string `json:"vmID,omitempty"`
	// Runtime is the Wasm runtime: v8 (default), wamr, wasmtime or null.
	Runtime string `json:"runtime,omitempty" jsonschema:"enum=v8,enum=wamr,enum=wasmtime,enum=null"`
	// Type is the filter kind: http (default) or network.
	Type string `json:"type,omitempty" jsonschema:"enum=http,enum=network"`
	// Config is the plugin's configuration: any YAML/JSON value.
	Config *Config `json:"config,omitempty"`
	// ConfigSchema validates config against a protobuf message.
	ConfigSchema *ConfigSchema `json:"configSchema,omitempty"`
	// Selector picks the workloads; empty selects every workload in the namespace.
	Selector Selector `json:"selector,omitempty"`
	// TargetRefs attach the filter to Gateway API objects or services instead of
	// selecting workloads (mutually exclusive with selector): an Istio waypoint or
	// Gateway API gateway, or an Envoy Gateway Gateway or route.
	TargetRefs []TargetRef `json:"targetRefs,omitempty" jsonschema:"maxItems=16"`
	// Context is the listener context: inbound (default), outbound, gateway, waypoint or
	// any. With targetRefs: gateway (a Gateway API ingress gateway) or waypoint (an
	// ambient waypoint); the default is waypoint for Service, ServiceEntry and
	// GatewayClass targets, gateway for routes, and any (either) for a Gateway.
	Context string `json:"context,omitempty" jsonschema:"enum=inbound,enum=outbound,enum=gateway,enum=waypoint,enum=any,enum=SIDECAR_INBOUND,enum=SIDECAR_OUTBOUND,enum=GATEWAY,enum=ANY"`
	// Ports restricts the filter to these listener ports.
	Ports []int `json:"ports,omitempty" jsonschema:"minimum=1,maximum=65535"`
	// Placement is where the filter goes in the filter chain. Default before the router.
	Placement Placement `json:"placement,omitempty"`
	// Priority of the EnvoyFilter/WasmPlugin.
	Priority *int32 `json:"priority,omitempty"`
	// FailStrategy is close (default) or open.
	FailStrategy string `json:"failStrategy,omitempty" jsonschema:"enum=close,enum=open"`
	// Env are environment variables for the Wasm VM.
	Env []EnvVar `json:"env,omitempty"`
	// Delivery is how the .wasm reaches the proxy: auto (default), hostPath, configMap,
	// imageVolume, remote or agent.
	Delivery string `json:"delivery,omitempty" jsonschema:"enum=auto,enum=hostPath,enum=configMap,enum=imageVolume,enum=remote,enum=agent"`
	// Envoy holds options for the standalone Envoy bootstrap target only.
	Envoy *EnvoyOptions `json:"envoy,omitempty"`
}

// Module is the filter's code; exactly one of Image, URL and Path.
type Module struct {
	// Image is an OCI reference (tag or @sha256 digest).
	Image string `json:"image,omitempty"`
	// URL is http(s):// or file:// (an absolute path inside the proxy).
	URL string `json:"url,omitempty"`
	// Path is a local .wasm file, relative to the spec file.
	Path string `json:"path,omitempty"`
	// SHA256 of the module: 64 lowercase hex; required for url, computed for path.
	SHA256 string `json:"sha256,omitempty" jsonschema:"pattern=^([a-f0-9]{64})?$"`
	// PullSecret names a Secret of type kubernetes.io/dockerconfigjson, in the
	// filter's namespace, for pulling image: a WasmPlugin's imagePullSecret, an
	// EnvoyExtensionPolicy's image.pullSecretRef.
	PullSecret string `json:"pullSecret,omitempty" jsonschema:"maxLength=253"`
}

// ConfigSchema names the protobuf message that config must satisfy.
type ConfigSchema struct {
	// Proto is the .proto file, relative to the spec file.
	Proto string `json:"proto"`
	// Message is the message name, short or fully qualified.
	Message string `json:"message"`
	// ImportPaths are extra import roots, relative to the spec file.
	ImportPaths []string `json:"importPaths,omitempty"`
	// Encoding is how the checked config reaches the plugin: json (default: the user's keys
	// and values as JSON text), canonical (proto3 canonical JSON) or binary (a BytesValue).
	Encoding string `json:"encoding,omitempty" jsonschema:"enum=json,enum=canonical,enum=binary"`
}

// Selector selects workloads by pod labels.
type Selector struct {
	MatchLabels map[string]string `json:"matchLabels,omitempty"`
}

// TargetRef names one object the filter attaches to, in the filter's namespace.
type TargetRef struct {
	// Kind: Gateway, Service, ServiceEntry, GatewayClass (Istio), HTTPRoute, GRPCRoute
	// or ListenerSet (Envoy Gateway).
	Kind string `json:"kind" jsonschema:"enum=Gateway,enum=Service,enum=ServiceEntry,enum=GatewayClass,enum=HTTPRoute,enum=GRPCRoute,enum=ListenerSet"`
	// Name of the object.
	Name string `json:"name" jsonschema:"minLength=1,maxLength=253"`
	// Group of the kind; defaulted from it ("" for Service, networking.istio.io for
	// ServiceEntry, gateway.networking.k8s.io otherwise).
	Group string `json:"group,omitempty"`
	// SectionName is a listener of the Gateway or a rule of the route (Envoy Gateway
	// v1.6+).
	SectionName string `json:"sectionName,omitempty"`
	// Namespace is refused: no consumer supports cross-namespace references.
	Namespace string `json:"namespace,omitempty"`
}

// Placement says where the filter goes: one of before, after, first or phase.
type Placement struct {
	// Before inserts the filter before the named filter (default envoy.filters.http.router).
	// WasmPlugin/NAME or WasmPlugin/NAMESPACE/NAME names a WasmPlugin's filter, as
	// istiod of the target release names it.
	Before string `json:"before,omitempty"`
	// After inserts the filter after the named filter (WasmPlugin/NAME as for before).
	After string `json:"after,omitempty"`
	// First inserts the filter first in the chain.
	First bool `json:"first,omitempty"`
	// Phase places the filter in an Istio phase: authn, authz or stats (WasmPlugin semantics).
	Phase string `json:"phase,omitempty" jsonschema:"enum=authn,enum=authz,enum=stats"`
}

// EnvVar is one VM environment variable: a literal value, or taken from the proxy's host.
type EnvVar struct {
	Name     string `json:"name"`
	Value    string `json:"value,omitempty"`
	FromHost bool   `json:"fromHost,omitempty"`
}

// EnvoyOptions configure the standalone Envoy bootstrap.
type EnvoyOptions struct {
	// ListenPort is the listener port. Default 8080.
	ListenPort int `json:"listenPort,omitempty" jsonschema:"minimum=1,maximum=65535"`
	// Upstream is host:port of the service behind Envoy. Default 127.0.0.1:9080.
	Upstream string `json:"upstream,omitempty"`
	// AdminPort is the admin interface port. Default 19000.
	AdminPort int `json:"adminPort,omitempty" jsonschema:"minimum=1,maximum=65535"`
}

// Config is an arbitrary YAML/JSON value kept as its YAML node, so positions
// survive for validation and integers keep full precision.
type Config struct {
	Node *yaml.Node `json:"-"`
}
