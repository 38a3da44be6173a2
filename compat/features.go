package compat

// Feature is something a range of releases has: a field, a kind, a behaviour of
// istiod, the istio-agent or Envoy. Since is the first release that has it, Until
// the first that no longer does (zero: none). A feature of Envoy's (EnvoySince or
// EnvoyUntil set) is answered for an Istio release through the Envoy it ships, unless
// the Istio bounds are set too (the envoy-wasm fork of Istio 1.5–1.8 had some things
// before upstream Envoy did).
type Feature struct {
	Name                   string
	IstioSince, IstioUntil Istio
	EnvoySince, EnvoyUntil Envoy
	Source                 string // where the threshold was read, once
}

// Has reports whether this Istio release has f.
func (v Istio) Has(f Feature) bool {
	if f.IstioSince == 0 && f.IstioUntil == 0 {
		return v.Envoy().Has(f)
	}
	m := v.Minor()
	return (f.IstioSince == 0 || m >= int(f.IstioSince)) && (f.IstioUntil == 0 || m < int(f.IstioUntil))
}

// Has reports whether this Envoy release has f. A feature known only by its Istio
// bounds is answered through the Istio release that ships this Envoy.
func (v Envoy) Has(f Feature) bool {
	if f.EnvoySince == 0 && f.EnvoyUntil == 0 {
		return v.IstioOf().Has(f)
	}
	m := v.Minor()
	return (f.EnvoySince == 0 || m >= int(f.EnvoySince)) && (f.EnvoyUntil == 0 || m < int(f.EnvoyUntil))
}

// Since is the first Istio release with f, for messages ("exists from Istio 1.11").
func (f Feature) Since() Istio {
	if f.IstioSince != 0 {
		return f.IstioSince
	}
	if f.EnvoySince != 0 {
		return f.EnvoySince.IstioOf()
	}
	return OldestIstio
}

// Until is the first Istio release without f (zero: every release has it).
func (f Feature) Until() Istio {
	if f.IstioUntil != 0 {
		return f.IstioUntil
	}
	if f.EnvoyUntil != 0 {
		return f.EnvoyUntil.IstioOf()
	}
	return 0
}

// The features. Each threshold is written here and nowhere else.
var (
	// TypedStructDialect: Istio 1.7 moved EnvoyFilter patch values to the v3 filter,
	// which has no `config`: typedConfig with a udpa TypedStruct (istio.io 1.7 upgrade
	// notes, "EnvoyFilter syntax change"; istio/istio pilot/pkg/networking/core/
	// v1alpha3/envoyfilter at 1.7.0 builds v3 HttpFilter/Filter).
	TypedStructDialect = Feature{Name: "typedConfig (TypedStruct) patch values", IstioSince: 7,
		Source: "istio.io 1.7 upgrade notes"}
	// TypedDialect: Istio 1.9 proxies take the real v3 Wasm type in typed_config and
	// reject v2 types (istio.io 1.9 upgrade notes, "EnvoyFilter XDS v2 removal").
	TypedDialect = Feature{Name: "typed_config with v3 types", IstioSince: 9,
		Source: "istio.io 1.9 upgrade notes"}
	// LegacyNames: istiod up to 1.7 names the filters it generates by the names Envoy
	// later deprecated (envoy.router, envoy.http_connection_manager) and matches
	// EnvoyFilter names exactly, so a patch must use those. 1.7.0 pins
	// go-control-plane ba7954ce7df4, whose pkg/wellknown has Router = "envoy.router"
	// and HTTPConnectionManager = "envoy.http_connection_manager" (its LDS tests,
	// pilot/pkg/xds/lds_test.go, expect them); 1.8.0 pins 12785f608982 with the new
	// names and matches the old ones too (listener_patch.go DeprecatedFilterNames).
	LegacyNames = Feature{Name: "pre-1.14 Envoy filter names", IstioUntil: 8,
		Source: "istio/istio go.mod and pilot/pkg/networking/core/v1alpha3/envoyfilter/listener_patch.go at 1.7.0 and 1.8.0; go-control-plane pkg/wellknown/wellknown.go"}
	// WasmeAnyConfig: the wasme operator reads FilterDeployment spec.filter.config
	// as a google.protobuf.Any from wasme v0.0.21 (2020-08; a string up to v0.0.20),
	// and the wasme releases for Istio 1.6 and later are all v0.0.21 or later (wasme
	// pkg/abi/version.go: v0.0.20 and before support Istio 1.5 only). At 1.5 both
	// forms have an operator that reads them.
	WasmeAnyConfig = Feature{Name: "FilterDeployment config as a google.protobuf.Any", IstioSince: 6,
		Source: "solo-io/wasm operator/api/wasme/v1/filter_deployment.proto at v0.0.20 and v0.0.21; pkg/abi/version.go"}
	// DeprecatedFilters: EnvoyFilter spec.filters (the API before configPatches),
	// converted by istiod up to 1.5 and removed from istio/api in 1.6.
	DeprecatedFilters = Feature{Name: "EnvoyFilter spec.filters", IstioUntil: 6,
		Source: "istio/istio pilot/pkg/networking/core/v1alpha3/envoyfilter/deprecated.go at 1.5.0; istio/api 1.6 envoy_filter.proto"}
	// BootstrapPatches: EnvoyFilter applyTo BOOTSTRAP, in istio/api from 1.11, applied
	// by the agent's bootstrap discovery until Istio 1.21 removed it (istio/istio
	// f6337a9d06d).
	BootstrapPatches = Feature{Name: "applyTo BOOTSTRAP", IstioSince: 11, IstioUntil: 21,
		Source: "istio/api 1.11 envoy_filter.proto; istio/istio f6337a9d06d"}
	// AllowUnknownStatic: istio-proxy starts Envoy with --allow-unknown-static-fields
	// from Istio 1.17 (istio/istio pkg/envoy/proxy.go), so an unknown field in its
	// bootstrap (a custom_bootstrap.json override included) is ignored with a warning.
	AllowUnknownStatic = Feature{Name: "istio-proxy's --allow-unknown-static-fields", IstioSince: 17,
		Source: "istio/istio pkg/envoy/proxy.go at 1.17.0"}
	// Priority: EnvoyFilter.priority (field 5) came with istio/api#1975, implemented
	// by istio/istio#32581 (reviewed June 2021, after 1.10.0): first in Istio 1.11.
	// istio.io's 1.8 EnvoyFilter reference has no priority.
	Priority = Feature{Name: "EnvoyFilter.priority", IstioSince: 11,
		Source: "istio/api#1975, istio/istio#32581"}
	// FailOpen: PluginConfig.fail_open, envoy-wasm#529 (May 2020) in the v3 API the
	// Istio 1.7/1.8 proxies carried (upstream from Envoy 1.17); the 1.5–1.6 v2
	// WasmService has none.
	FailOpen = Feature{Name: "PluginConfig.fail_open", IstioSince: 7,
		Source: "envoyproxy/envoy-wasm#529"}
	// EnvVars: VmConfig.environment_variables, envoyproxy/envoy#15136 (Feb 2021),
	// Envoy 1.18 (Istio 1.10); Istio 1.9's proxy (Envoy 1.17) has no such field.
	EnvVars = Feature{Name: "vm_config.environment_variables", EnvoySince: 18,
		Source: "envoyproxy/envoy#15136"}
	// FailurePolicy: PluginConfig.failure_policy, envoyproxy/envoy#36456, Envoy 1.33
	// (changelogs/1.33.0.yaml), Istio 1.25. fail_open is deprecated for it but still
	// accepted; Envoy rejects setting both (source/extensions/common/wasm/wasm.cc:
	// "only one of fail_open or failure_policy can be set").
	FailurePolicy = Feature{Name: "PluginConfig.failure_policy", EnvoySince: 33,
		Source: "envoyproxy/envoy#36456"}
	// AgentOCI: the istio-agent pulls oci:// images and reads the "nil" sha256 as "no
	// checksum" from Istio 1.12 (istio/istio pkg/wasm; istio/istio#33374). It has
	// fetched http(s) modules of EXTENSION_CONFIG patches since 1.9 (istio.io 1.9
	// "Distributing WebAssembly Modules"), with a real sha256 only.
	AgentOCI = Feature{Name: "istio-agent image pulls", IstioSince: 12,
		Source: "istio/istio#33374, pkg/wasm/convert.go"}
	// AgentFetchesTypedStruct: the istio-agent downloads the remote code of a Wasm
	// filter in an EXTENSION_CONFIG (ECDS) resource itself and hands Envoy a local
	// file, for a Wasm wrapped in a TypedStruct, from Istio 1.9 (istio/istio
	// pkg/wasm/convert.go, ISTIO_AGENT_ENABLE_WASM_REMOTE_LOAD_CONVERSION, default on).
	// It reads only http_uri.uri, defaults the timeout, and takes an empty or "nil"
	// sha256 as "no checksum".
	AgentFetchesTypedStruct = Feature{Name: "istio-agent ECDS Wasm download (TypedStruct)", IstioSince: 9,
		Source: "istio/istio pkg/wasm/convert.go (1.9.0)"}
	// AgentFetchesTyped: the same for a Wasm given directly as
	// envoy.extensions.filters.http.wasm.v3.Wasm, from Istio 1.12 (convert.go).
	AgentFetchesTyped = Feature{Name: "istio-agent ECDS Wasm download (typed)", IstioSince: 12,
		Source: "istio/istio pkg/wasm/convert.go (1.12.0)"}
	// RuntimeOptional: vm_config.runtime may be empty (the first engine Envoy has),
	// envoyproxy/envoy#21749, Envoy 1.23; before, PGV required it (min_len 1).
	RuntimeOptional = Feature{Name: "vm_config.runtime optional", EnvoySince: 23,
		Source: "envoyproxy/envoy#21749"}
	// LookupByName: Envoy finds an extension named without typed_config by its name;
	// removed in Envoy 1.39 (envoyproxy/envoy#45325, runtime guard
	// envoy_reloadable_features_no_extension_lookup_by_name).
	LookupByName = Feature{Name: "extension lookup by name", EnvoyUntil: 39,
		Source: "envoyproxy/envoy#45325"}
	// V2API: Envoy loads v2 configuration (API boosting: a v3 parse, else v2, with v2's
	// deprecated fields such as Cluster.hosts and the untyped `config`) until Envoy
	// 1.18 removed it (envoyproxy/envoy#15481); the v2 types went with it.
	V2API = Feature{Name: "the v2 xDS API", EnvoyUntil: 18, Source: "envoyproxy/envoy#15481"}
	// V2Bootstrap: Envoy loads a bootstrap that is not valid v3 as the v2 Bootstrap
	// (API boosting, source/common/protobuf/utility.cc tryWithApiBoosting) until
	// Envoy 1.17 made the v2 API fatal by default (1.17.0 release notes; Istio 1.9
	// passes --bootstrap-version 3).
	V2Bootstrap = Feature{Name: "v2 bootstraps (API boosting)", EnvoyUntil: 17,
		Source: "envoyproxy/envoy 1.17.0 release notes (v2 fatal by default)"}
	// WasmPlugin: the extensions.istio.io kind, Istio 1.12 (istio/istio#33374).
	WasmPlugin = Feature{Name: "WasmPlugin", IstioSince: 12,
		Source: "istio/istio#33374"}
	// WasmPluginCRDRules: the WasmPlugin CRD's structural schema gained rules in
	// Istio 1.20 (url required, minLength 1 and a scheme rule; sha256 pattern
	// (^$|^[a-f0-9]{64}$); imagePullSecret and pluginName minLength 1): the API
	// server refuses what breaks them. 1.12–1.19's CRD has none (istio/istio
	// manifests/charts/base/crds/crd-all.gen.yaml at each tag).
	WasmPluginCRDRules = Feature{Name: "WasmPlugin CRD validation rules", IstioSince: 20,
		Source: "istio/istio manifests/charts/base/crds/crd-all.gen.yaml at 1.19.0 and 1.20.0"}
	// The WasmPlugin fields below are read from istio.io/api's
	// extensions/v1alpha1/wasm.proto at each release tag the Go module proxy serves
	// (v1.19.0 to v1.27.0): type and targetRef from v1.20.0, targetRefs from v1.22.0,
	// FAIL_RELOAD from v1.27.0.
	PluginType = Feature{Name: "WasmPlugin type", IstioSince: 20, Source: "istio.io/api v1.20.0 wasm.proto"}
	TargetRef  = Feature{Name: "WasmPlugin targetRef", IstioSince: 20, Source: "istio.io/api v1.20.0 wasm.proto"}
	TargetRefs = Feature{Name: "WasmPlugin targetRefs", IstioSince: 22, Source: "istio.io/api v1.22.0 wasm.proto"}
	FailReload = Feature{Name: "WasmPlugin failStrategy FAIL_RELOAD", IstioSince: 27, Source: "istio.io/api v1.27.0 wasm.proto"}
)

// Attachment by reference (targetRefs) in Istio, read at each release tag of
// istio/istio: pkg/config/validation/validation.go (allowedTargetRefs),
// pilot/pkg/model/policyattachment.go (ShouldAttachPolicy) and
// manifests/charts/base/{crds,files}/crd-all.gen.yaml (the CRDs' rules).
var (
	// TargetRefService: istiod's webhook admits `kind: Service` targets from 1.22
	// (allowedTargetRefs = {Service, Gateway} at 1.22.0); they attach on waypoints only.
	TargetRefService = Feature{Name: "WasmPlugin targetRefs kind Service", IstioSince: 22,
		Source: "istio/istio pkg/config/validation/validation.go allowedTargetRefs at 1.22.0"}
	// TargetRefServiceEntry: `kind: ServiceEntry` from 1.24 (allowedTargetRefs at
	// 1.24.0; policyattachment.go's gvk.ServiceEntry branch), waypoints only.
	TargetRefServiceEntry = Feature{Name: "WasmPlugin targetRefs kind ServiceEntry", IstioSince: 24,
		Source: "istio/istio pkg/config/validation/validation.go allowedTargetRefs at 1.24.0"}
	// TargetRefGatewayClass: `kind: GatewayClass` (istio-waypoint, from the root
	// namespace) from 1.25 (istio/istio#54910).
	TargetRefGatewayClass = Feature{Name: "WasmPlugin targetRefs kind GatewayClass", IstioSince: 25,
		Source: "istio/istio#54910; allowedTargetRefs at 1.25.0"}
	// TargetRefsCRDRules: the WasmPlugin and EnvoyFilter CRDs refuse more than 16
	// targetRefs and targetRefs next to a selector from 1.24 (istio/api#3312; the CEL
	// "only one of targetRefs or selector can be set" / "... or workloadSelector ...").
	TargetRefsCRDRules = Feature{Name: "targetRefs CRD rules (maxItems 16, one of selector)", IstioSince: 24,
		Source: "istio/istio manifests/charts/base/files/crd-all.gen.yaml at 1.24.0"}
	// TargetRefNamespaceCRD: the CRDs refuse targetRef(s).namespace from 1.23
	// (istio/api#3223: "cross namespace referencing is not currently supported"),
	// and istiod's message names the reason from 1.23 (istio/istio#51184).
	TargetRefNamespaceCRD = Feature{Name: "targetRef namespace CRD rule", IstioSince: 23,
		Source: "istio/api#3223; istio/istio#51184"}
	// TargetRefKindsCRD: the CRDs of 1.23 and 1.24 also restricted group/kind with
	// CEL ("Support kinds are ..."); 1.25 removed it for vendor extensions (istio/api#3414).
	TargetRefKindsCRD = Feature{Name: "targetRef kind CRD rule", IstioSince: 23, IstioUntil: 25,
		Source: "istio/api#3223, #3414"}
	// EnvoyFilterTargetRefs: EnvoyFilter.targetRefs, istio/api 1.22 (#3160).
	EnvoyFilterTargetRefs = Feature{Name: "EnvoyFilter targetRefs", IstioSince: 22,
		Source: "istio/api#3160"}
	// EnvoyFilterTargetRefsAttach: before 1.27 istiod matched EnvoyFilters by
	// workloadSelector only, so one with targetRefs applied to every workload of its
	// namespace (istio/istio#56417; fixed by #56476 in 1.27.0).
	EnvoyFilterTargetRefsAttach = Feature{Name: "EnvoyFilter targetRefs honoured", IstioSince: 27,
		Source: "istio/istio#56417, #56476"}
	// TrafficExtension: extensions.istio.io/v1alpha1 TrafficExtension, 1.30 (istio/api
	// #3650, istio/istio #59052); istiod translates every WasmPlugin into one.
	TrafficExtension = Feature{Name: "TrafficExtension", IstioSince: 30,
		Source: "istio/api#3650; istio/istio#59052"}
	// WasmPluginFilterPrefix: from 1.21 a WasmPlugin's Envoy filter is named with the
	// (misspelt) prefix "extenstions.istio.io/wasmplugin/" (pilot/pkg/model/
	// extensions.go WasmPluginResourceNamePrefix; istio/istio#55344), spelt right
	// from 1.26; before 1.21 it is plain "<ns>.<name>".
	WasmPluginFilterPrefix = Feature{Name: "WasmPlugin filter name prefix", IstioSince: 21,
		Source: "istio/istio pilot/pkg/model/extensions.go at 1.21.0"}
	// GatewayNameLabelK8s: from 1.21 istiod labels a Gateway API gateway's pods
	// gateway.networking.k8s.io/gateway-name (and, through 1.23, also the older
	// istio.io/gateway-name: LegacyGatewayNamePods); 1.20 and before only
	// istio.io/gateway-name.
	GatewayNameLabelK8s = Feature{Name: "gateway-name label gateway.networking.k8s.io/gateway-name", IstioSince: 21,
		Source: "istio/istio manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml at 1.20.0 and 1.21.0"}
	// LegacyGatewayNamePods: a Gateway API gateway's pods carry istio.io/gateway-name
	// up to 1.23; kube-gateway.yaml at 1.24.0 sets only the new label.
	LegacyGatewayNamePods = Feature{Name: "gateway pods labelled istio.io/gateway-name", IstioUntil: 24,
		Source: "istio/istio manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml at 1.23.0 and 1.24.0"}
	WasmPluginFilterPrefixFixed = Feature{Name: "WasmPlugin filter name prefix spelt right", IstioSince: 26,
		Source: "istio/istio#55344; pilot/pkg/model/extensions.go at 1.26.0"}
)
