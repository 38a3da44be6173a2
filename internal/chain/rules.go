package chain

import "github.com/wasmgen/wasmgen/diag"

// Codes of the chain findings (WG7400–WG7419).
const (
	// CodeAbsentAnchor: a patch relative to a filter the chain does not have;
	// istiod skips it without a word (listener_patch.go: insertBeforeFunc and the
	// others return "not applied", counted only in a metric).
	CodeAbsentAnchor = "WG7400"
	// CodeCreationTie: two objects' relative order is decided only by creation time,
	// and swapping them changes the chain.
	CodeCreationTie = "WG7401"
	// CodeAfterRouter: a filter after the router: Envoy rejects the listener
	// ("terminal filter ... must be the last filter").
	CodeAfterRouter = "WG7402"
	// CodePhaseAnchor: a WasmPlugin phase whose Istio anchor filter is absent from
	// the chain: the plugin still goes there, next to other phases' plugins.
	CodePhaseAnchor = "WG7403"
	// CodeNeverMatches: a patch or WasmPlugin selecting a workload on which its
	// match can never hold (a gateway context on a sidecar, SERVER mode on a gateway).
	CodeNeverMatches = "WG7404"
	// CodeWaypointEnvoyFilter: an EnvoyFilter istiod applies to a waypoint, where
	// Istio does not support EnvoyFilter.
	CodeWaypointEnvoyFilter = "WG7405"
	// CodeSelectorOnWaypoint: a selector WasmPlugin or TrafficExtension in an
	// ambient namespace with a waypoint: no sidecar runs it, the waypoint ignores it.
	CodeSelectorOnWaypoint = "WG7406"
)

// Rules is the catalogue of the chain codes.
var Rules = []diag.Rule{
	{Code: CodeAbsentAnchor, Severity: diag.Warning, Consumer: "istiod", Summary: "a patch relative to a filter absent from the chain Istio builds (and from every patch among the inputs): istiod skips it silently"},
	{Code: CodeCreationTie, Severity: diag.Warning, Consumer: "istiod", Summary: "two objects whose relative order in a chain only creation time decides: set priority to fix it"},
	{Code: CodeAfterRouter, Severity: diag.Error, Consumer: "Envoy", Summary: "a patch puts a filter after the router: Envoy rejects the listener"},
	{Code: CodePhaseAnchor, Severity: diag.Info, Consumer: "istiod", Summary: "a WasmPlugin phase whose anchor filter (jwt_authn, rbac, istio.stats) is not in the chain: the phase's place is next to the other phases'"},
	{Code: CodeWaypointEnvoyFilter, Severity: diag.Warning, Consumer: "istiod", Summary: "an EnvoyFilter istiod applies to a waypoint: Istio does not support EnvoyFilter on waypoints; use a WasmPlugin with targetRefs"},
	{Code: CodeSelectorOnWaypoint, Severity: diag.Warning, Consumer: "istiod", Summary: "a selector WasmPlugin or TrafficExtension in an ambient namespace with a waypoint: ambient pods have no sidecar and the waypoint ignores selector policies"},
	{Code: CodeNeverMatches, Severity: diag.Warning, Consumer: "istiod", Summary: "an EnvoyFilter patch or WasmPlugin that selects a workload on which its context or mode can never hold"},
}
