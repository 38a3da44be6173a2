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

	"github.com/wasmgen/wasmgen/compat"
)

func (b *build) dialect() compat.Dialect { return b.opts.Istio.Dialect() }

// filterName is the name a filter is matched by in the chosen dialect.
func (b *build) filterName(c compat.Chain, canonical string) string {
	if !b.opts.Istio.Has(compat.LegacyNames) {
		return canonical
	}
	return compat.LegacyName(c, canonical)
}

// pluginConfig is the Envoy PluginConfig of the filter with the given code. The
// findings about fields the dialect cannot carry are reported by checkDialect.
func (b *build) pluginConfig(code *corev3.AsyncDataSource, envoy compat.Envoy) *wasmv3.PluginConfig {
	s := &b.f.Spec
	vm := &wasmv3.VmConfig{
		VmId:    s.VMID,
		Runtime: "envoy.wasm.runtime." + s.Runtime,
		Code:    code,
	}
	if len(s.Env) > 0 && envoy.Has(compat.EnvVars) {
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
	case envoy.Has(compat.FailurePolicy):
		pc.FailurePolicy = wasmv3.FailurePolicy_FAIL_CLOSED
		if open {
			pc.FailurePolicy = wasmv3.FailurePolicy_FAIL_OPEN
		}
	case envoy.Has(compat.FailOpen):
		// Deprecated, but the only field the proxies of these Istio versions know.
		//lint:ignore SA1019 older proxies have no failure_policy
		pc.FailOpen = open
	}
	return pc
}

// checkDialect reports the spec fields the chosen Istio version's proxy cannot carry.
func (b *build) checkDialect() {
	s := &b.f.Spec
	v := b.opts.Istio
	if len(s.Env) > 0 && !v.Has(compat.EnvVars) {
		b.rep.Errorf("spec.env", CodeFeatureIstio, fmt.Sprintf("remove spec.env, or render for --istio-version %s or later", compat.EnvVars.Since()),
			"Istio %s's proxy has no vm_config.environment_variables (it arrived with Envoy %s, in Istio %s)", v, compat.EnvVars.EnvoySince, compat.EnvVars.Since())
	}
	if s.FailStrategy == "open" && !v.Has(compat.FailOpen) {
		b.rep.Errorf("spec.failStrategy", CodeFeatureIstio, fmt.Sprintf("use failStrategy: close, or render for --istio-version %s or later", compat.FailOpen.Since()),
			"Istio %s's proxy has no fail_open; the filter would fail closed", v)
	}
	if b.in.ConfigIsBytes && b.dialect() == compat.DialectLegacy {
		b.rep.Errorf("spec.configSchema.encoding", CodeLegacyConfig, fmt.Sprintf("use encoding json or canonical, or render for --istio-version %s or later", compat.TypedStructDialect.Since()),
			"Istio %s's Wasm filter takes its configuration as a string; binary configuration needs the v3 API", v)
	}
	if s.Priority != nil && !v.Has(compat.Priority) {
		b.rep.Warnf("spec.priority", CodeFeatureIstio, fmt.Sprintf("remove spec.priority, or render for --istio-version %s or later", compat.Priority.Since()),
			"Istio %s's EnvoyFilter has no priority field; it is left out", v)
	}
}

// wasmFilter wraps the plugin config in the HTTP or network Wasm filter message.
func (b *build) wasmFilter(pc *wasmv3.PluginConfig) (proto.Message, string) {
	if b.f.Spec.Type == "network" {
		return &netwasm.Wasm{Config: pc}, compat.WasmNetworkType
	}
	return &httpwasm.Wasm{Config: pc}, compat.WasmHTTPType
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
		b.rep.Errorf(path, CodeInternal, "", "cannot encode %s: %v", m.ProtoReflect().Descriptor().FullName(), err)
		return nil
	}
	return a
}
