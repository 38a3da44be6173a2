package generate

import (
	"fmt"
	"sort"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	httpwasm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	netwasm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/wasm/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// dialect is the shape of the EnvoyFilter patch value an Istio version accepts.
type dialect int

const (
	// dialectLegacy (Istio 1.5–1.6): the v2 HttpFilter's deprecated `config` Struct with
	// a string configuration, and the pre-1.7 filter names, as wasme generated them
	// (solo-io/wasm tools/wasme/cli/pkg/deploy/istio/istio_provider.go isOlderIstio:
	// minor < 7; deploy/filter/envoy_filter.go MakeIstioWasmFilter).
	dialectLegacy dialect = iota
	// dialectTypedStruct (Istio 1.7–1.8): typedConfig holding a udpa.type.v1.TypedStruct
	// whose type_url is the v3 Wasm filter, as wasme's MakeTypedIstioWasmFilter did.
	// Istio 1.7 dropped `config` (istio.io 1.7 upgrade notes, "EnvoyFilter syntax change").
	dialectTypedStruct
	// dialectTyped (Istio ≥ 1.9): typed_config with the real v3 Wasm type; Istio 1.9
	// proxies reject v2 types (istio.io 1.9 upgrade notes, "EnvoyFilter XDS v2 removal").
	dialectTyped
)

func dialectFor(minor int) dialect {
	switch {
	case minor <= 6:
		return dialectLegacy
	case minor <= 8:
		return dialectTypedStruct
	}
	return dialectTyped
}

// Istio and Envoy facts the generator depends on, by Istio minor version. Istio
// minor N ships Envoy 1.(N+8) (istio.io docs/releases/supported-releases).
const (
	// EnvoyFilter.priority (field 5) came with istio/api#1975, implemented by
	// istio/istio#32581 (reviewed June 2021, after 1.10.0): first in Istio 1.11.
	// istio.io's 1.8 EnvoyFilter reference has no priority; older istiods lack the field.
	minorPriority = 11
	// PluginConfig.fail_open: envoy-wasm#529 (May 2020) added it to the v3 API the
	// Istio 1.7/1.8 proxies carried (upstream since Envoy 1.17); the 1.5–1.6 v2
	// WasmService has none.
	minorFailOpen = 7
	// VmConfig.environment_variables: envoy#15136 (Feb 2021), Envoy 1.18, which
	// Istio 1.10 ships; Istio 1.9's proxy (Envoy 1.17) has no such field.
	minorEnv = 10
	// PluginConfig.failure_policy: envoy#36456, Envoy 1.33 (changelogs/1.33.0.yaml),
	// first shipped by Istio 1.25. fail_open is deprecated in its favour but still
	// accepted; Envoy rejects setting both (wasm.cc: "only one of fail_open or
	// failure_policy can be set"), so wasmgen sets exactly one.
	minorFailurePolicy = 25
	// WasmPlugin (istio/istio#33374, Istio 1.12 change notes) and the agent's oci://
	// pulls and "nil" sha256 convention (pkg/wasm) arrived in Istio 1.12. The agent
	// has fetched http(s) modules of EnvoyFilter EXTENSION_CONFIG patches since 1.9
	// (istio.io 1.9 "Distributing WebAssembly Modules"), but only with a real sha256.
	minorAgent = 12
	// WasmPlugin.type (PluginType HTTP|NETWORK, field 14): in istio.io/api v1.20.0's
	// extensions/v1alpha1/wasm.proto, not in v1.19.0's; before it every WasmPlugin is
	// an HTTP filter, and a 1.19 CRD does not know the field.
	minorPluginType = 20
)

// Names of Envoy filters and types.
const (
	wasmHTTPFilterName    = "envoy.filters.http.wasm"
	wasmNetworkFilterName = "envoy.filters.network.wasm"
	hcmName               = "envoy.filters.network.http_connection_manager"
	hcmLegacyName         = "envoy.http_connection_manager"
	routerName            = "envoy.filters.http.router"
	routerLegacyName      = "envoy.router"
	wasmHTTPType          = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"
	wasmNetworkType       = "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm"
	rbacHTTPType          = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC"
	rbacNetworkType       = "type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC"
	typedStructType       = "type.googleapis.com/udpa.type.v1.TypedStruct"
)

// legacyNames maps the canonical filter names onto the names Istio 1.5–1.6
// matched on (wasme's 1.5 EnvoyFilter: envoy.http_connection_manager, envoy.router).
var legacyNames = map[string]string{
	hcmName:                           hcmLegacyName,
	routerName:                        routerLegacyName,
	"envoy.filters.network.tcp_proxy": "envoy.tcp_proxy",
}

func (b *build) dialect() dialect { return dialectFor(b.opts.IstioMinor) }

// filterName is the name a filter is matched by in the chosen dialect.
func (b *build) filterName(canonical string) string {
	if b.dialect() == dialectLegacy {
		if n, ok := legacyNames[canonical]; ok {
			return n
		}
	}
	return canonical
}

// pluginConfig is the Envoy PluginConfig of the filter with the given code. The
// findings about fields the dialect cannot carry are reported by checkDialect.
func (b *build) pluginConfig(code *corev3.AsyncDataSource, minor int) *wasmv3.PluginConfig {
	s := &b.f.Spec
	vm := &wasmv3.VmConfig{
		VmId:    s.VMID,
		Runtime: "envoy.wasm.runtime." + s.Runtime,
		Code:    code,
	}
	if len(s.Env) > 0 && minor >= minorEnv {
		env := &wasmv3.EnvironmentVariables{}
		for _, e := range s.Env {
			if e.FromHost {
				env.HostEnvKeys = append(env.HostEnvKeys, e.Name)
			} else {
				if env.KeyValues == nil {
					env.KeyValues = map[string]string{}
				}
				env.KeyValues[e.Name] = e.Value
			}
		}
		sort.Strings(env.HostEnvKeys)
		vm.EnvironmentVariables = env
	}
	pc := &wasmv3.PluginConfig{
		Name:   b.f.Metadata.Name,
		RootId: s.RootID,
		Vm:     &wasmv3.PluginConfig_VmConfig{VmConfig: vm},
	}
	if c := b.in.Configuration; c != nil {
		var m proto.Message = wrapperspb.String(string(c))
		if b.in.ConfigIsBytes {
			m = wrapperspb.Bytes(c)
		}
		pc.Configuration = b.any("spec.config", m)
	}
	open := s.FailStrategy == "open"
	switch {
	case minor >= minorFailurePolicy:
		pc.FailurePolicy = wasmv3.FailurePolicy_FAIL_CLOSED
		if open {
			pc.FailurePolicy = wasmv3.FailurePolicy_FAIL_OPEN
		}
	case minor >= minorFailOpen:
		// Deprecated, but the only field the proxies of these Istio versions know.
		//lint:ignore SA1019 older proxies have no failure_policy
		pc.FailOpen = open
	}
	return pc
}

// checkDialect reports the spec fields the chosen Istio version's proxy cannot carry.
func (b *build) checkDialect() {
	s := &b.f.Spec
	minor := b.opts.IstioMinor
	if len(s.Env) > 0 && minor < minorEnv {
		b.errorf("spec.env", CodeFeatureIstio, fmt.Sprintf("remove spec.env, or render for --istio-version 1.%d or later", minorEnv),
			"Istio 1.%d's proxy has no vm_config.environment_variables (it arrived with Envoy 1.18, in Istio 1.%d)", minor, minorEnv)
	}
	if s.FailStrategy == "open" && minor < minorFailOpen {
		b.errorf("spec.failStrategy", CodeFeatureIstio, fmt.Sprintf("use failStrategy: close, or render for --istio-version 1.%d or later", minorFailOpen),
			"Istio 1.%d's proxy has no fail_open; the filter would fail closed", minor)
	}
	if b.in.ConfigIsBytes && b.dialect() == dialectLegacy {
		b.errorf("spec.configSchema.encoding", CodeLegacyConfig, "use encoding json or canonical, or render for --istio-version 1.7 or later",
			"Istio 1.%d's Wasm filter takes its configuration as a string; binary configuration needs the v3 API", minor)
	}
	if s.Priority != nil && minor < minorPriority {
		b.warnf("spec.priority", CodeFeatureIstio, fmt.Sprintf("remove spec.priority, or render for --istio-version 1.%d or later", minorPriority),
			"Istio 1.%d's EnvoyFilter has no priority field; it is left out", minor)
	}
}

// wasmFilter wraps the plugin config in the HTTP or network Wasm filter message.
func (b *build) wasmFilter(pc *wasmv3.PluginConfig) (proto.Message, string) {
	if b.f.Spec.Type == "network" {
		return &netwasm.Wasm{Config: pc}, wasmNetworkType
	}
	return &httpwasm.Wasm{Config: pc}, wasmHTTPType
}

// remoteCode is code fetched over HTTP through cluster, checked against sha256.
func remoteCode(uri, cluster, sha256 string) *corev3.AsyncDataSource {
	return &corev3.AsyncDataSource{Specifier: &corev3.AsyncDataSource_Remote{Remote: &corev3.RemoteDataSource{
		HttpUri: &corev3.HttpUri{
			Uri:              uri,
			HttpUpstreamType: &corev3.HttpUri_Cluster{Cluster: cluster},
			Timeout:          durationpb.New(30 * time.Second),
		},
		Sha256: sha256,
	}}}
}

// localCode is code read from a file inside the proxy.
func localCode(filename string) *corev3.AsyncDataSource {
	return &corev3.AsyncDataSource{Specifier: &corev3.AsyncDataSource_Local{Local: &corev3.DataSource{
		Specifier: &corev3.DataSource_Filename{Filename: filename},
	}}}
}

// any packs m, reporting (not panicking) when it cannot be marshalled, e.g. a
// string field that is not UTF-8.
func (b *build) any(path string, m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		b.errorf(path, CodeInternal, "", "cannot encode %s: %v", m.ProtoReflect().Descriptor().FullName(), err)
		return nil
	}
	return a
}
