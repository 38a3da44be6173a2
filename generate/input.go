// Package generate compiles checked WasmFilter specs into typed Istio, Envoy and
// Kubernetes objects. It is pure: everything it needs from files (the module's
// bytes and hash, the encoded config, workload manifests) arrives in Input.
package generate

import (
	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/schema"
)

// Input is one filter, checked and defaulted, plus what the loader learned from files.
type Input struct {
	Doc *schema.Document // Doc.Filter is defaulted (schema.WasmFilter.Default)
	// Module facts. For module.path the loader reads the file; for url/image they
	// come from the spec (SHA256) or stay empty.
	ModuleSHA256 string // hex sha256 of the .wasm (module.sha256, or computed for path)
	ModuleSize   int64  // bytes, when the loader read the file
	ModuleData   []byte // the .wasm bytes, for module.path only (configMap delivery embeds them)
	ModuleFile   string // module.path resolved, relative to the root (the envoy bootstrap's code.local.filename)
	// Configuration is the plugin config as the plugin will receive it: exactly the
	// bytes to put into the StringValue (ConfigIsBytes false) or BytesValue (true).
	// nil = no configuration.
	Configuration []byte
	ConfigIsBytes bool
}

// Workload is a pod-owning manifest among the inputs, so patches can name it and
// merge with the volumes it already declares.
type Workload struct {
	APIVersion, Kind, Name, Namespace string
	PodLabels                         map[string]string // pod template labels
	PodAnnotations                    map[string]string // pod template annotations (existing userVolume etc.)
	File                              string            // where it was read, for messages
}

// Options choose the outputs and the Istio dialect.
type Options struct {
	Target Target
	// Istio is the release whose dialect to emit; the zero value is the newest.
	Istio compat.Istio
	// Envoy is the release a standalone bootstrap is for; the zero value is the Envoy
	// of the Istio release's proxy.
	Envoy compat.Envoy
	// EnvoyGateway is the Envoy Gateway release an EnvoyExtensionPolicy is for; the
	// zero value is the newest.
	EnvoyGateway compat.EnvoyGateway
	// RootNamespace is the mesh's root namespace (meshConfig.rootNamespace), where a
	// GatewayClass-targeted policy must live; "" means istio-system.
	RootNamespace string
	// Workloads are the workload manifests given with the specs; nil = target by label.
	Workloads []Workload
	// Check is set when the objects are checked, not written (validate): a fact
	// wasmgen needs only to write an object, and that the object's real consumer
	// works out itself, is then not asked for. The one such fact: the wasme operator
	// names a FilterDeployment's cache file from the image digest it pulls
	// (solo-io/wasm tools/wasme/cli/pkg/deploy/istio/istio_provider.go,
	// makeIstioEnvoyFilter → Digest2filename), so it needs no sha256.
	Check bool
}

// envoy is the Envoy release a standalone bootstrap is for.
func (o Options) envoy() compat.Envoy {
	if o.Envoy != 0 {
		return o.Envoy
	}
	return o.Istio.Envoy()
}

// rootNamespace is the mesh's root namespace.
func (o Options) rootNamespace() string {
	if o.RootNamespace != "" {
		return o.RootNamespace
	}
	return compat.DefaultRootNamespace
}
