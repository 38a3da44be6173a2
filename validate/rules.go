package validate

import "github.com/wasmgen/wasmgen/diag"

// Codes of validate's findings (WG7000–WG7199; Istio's own where the check is Istio's).
const (
	CodeStructure        = "WG7000"
	CodeUnknownField     = "WG7001"
	CodeInvalidValue     = "WG7002"
	CodeResource         = "WG7003"
	CodeCRD              = "WG7004"
	CodeUnknownInTyped   = "WG7011"
	CodeLegacyConfig     = "WG7012"
	CodeUnknownTyped     = "WG7013"
	CodePGV              = "WG7030"
	CodeWasmRuntime      = "WG7040"
	CodeWasmConfigJSON   = "WG7041"
	CodeWasmRemoteSHA    = "WG7042"
	CodeWasmEmptyCode    = "WG7043"
	CodeWasmNoCode       = "WG7044"
	CodeWasmSharedVM     = "WG7045"
	CodeWasmNoVM         = "WG7047"
	CodeWasmEnvKey       = "WG7048"
	CodeWasmFailBoth     = "WG7049"
	CodeHTTPFilterAdd    = "WG7050"
	CodeDeprecatedName   = "WG7051"
	CodeInsertFirst      = "WG7052"
	CodeMatchName        = "WG7053"
	CodeExtensionOp      = "WG7060"
	CodeSelectorTargets  = "WG7061"
	CodeIgnoredPatch     = "WG7062"
	CodeWasmPluginNoSHA  = "WG7070"
	CodeWasmPluginImage  = "WG7071"
	CodeBootstrapUnknown = "WG7100"
	CodeFilterOrder      = "WG7102"
	CodeBootstrapDecode  = "WG7104"
	CodeMissingTyped     = "WG7106"
	CodeV2Bootstrap      = "WG7107"
	CodeOlderIstio       = "WG7110"
	CodeNeverAttached    = "WG7111"
	CodeEFTargetRefs     = "WG7112"
	CodeEGNeverRuns      = "WG7113"
	CodeOlderEG          = "WG7114"
	CodeIstioValidation  = "IST0106"
	CodeIstioWarning     = "IST0133"
)

// rule is a catalogue entry.
func rule(code string, sev diag.Severity, consumer, summary string) diag.Rule {
	return diag.Rule{Code: code, Severity: sev, Consumer: consumer, Summary: summary}
}

// Rules is the catalogue of validate's codes.
var Rules = []diag.Rule{
	rule(CodeStructure, diag.Error, "wasmgen", "a document or value is not the YAML shape its kind needs (not a mapping, a key that is not a scalar, YAML with no JSON form)"),
	rule(CodeUnknownField, diag.Error, "istiod webhook", "an unknown field in an Istio resource's spec"),
	rule(CodeInvalidValue, diag.Error, "istiod / Envoy", "a value of the wrong type, an unknown enum name, two members of one oneof, a TypedStruct naming an unknown type"),
	rule(CodeResource, diag.Error, "Kubernetes", "apiVersion, kind, metadata.name or metadata.namespace of a resource"),
	rule(CodeCRD, diag.Error, "Kubernetes", "the CustomResourceDefinition's structural schema refuses the resource: kubectl apply fails"),
	rule(CodeUnknownInTyped, diag.Error, "Envoy", "an unknown field inside a typed_config or TypedStruct: Envoy ignores it, so the setting does not apply"),
	rule(CodeUnknownTyped, diag.Warning, "Envoy", "a TypedStruct naming a type outside the Envoy API: not checked; only a proxy built with it loads it"),
	rule(CodeLegacyConfig, diag.Error, "istiod / Envoy", "the v2 `config` field, which Istio 1.7 and later, and Envoy's v3 API, do not read"),
	rule(CodePGV, diag.Error, "Envoy", "a protoc-gen-validate rule of Envoy's API"),
	rule(CodeWasmRuntime, diag.Error, "Envoy", "vm_config.runtime empty or not a runtime Envoy registers"),
	rule(CodeWasmConfigJSON, diag.Error, "Wasm plugin", "a plugin configuration that looks like JSON and does not parse"),
	rule(CodeWasmRemoteSHA, diag.Error, "Envoy", "remote Wasm code without sha256"),
	rule(CodeWasmEmptyCode, diag.Error, "Envoy", "local Wasm code with an empty filename or body"),
	rule(CodeWasmNoCode, diag.Error, "Envoy", "vm_config without code"),
	rule(CodeWasmSharedVM, diag.Warning, "Envoy", "before Envoy 1.17, plugins of one VM (same vm_id, VM configuration and code) and one root_id with different configurations: one root context serves both"),
	rule(CodeWasmNoVM, diag.Error, "Envoy", "a Wasm plugin without vm_config"),
	rule(CodeWasmEnvKey, diag.Error, "Envoy", "an environment variable key given twice"),
	rule(CodeWasmFailBoth, diag.Error, "Envoy", "fail_open and failure_policy both set"),
	rule(CodeHTTPFilterAdd, diag.Error, "Envoy", "ADD on HTTP_FILTER appends after the router"),
	rule(CodeDeprecatedName, diag.Warning, "Envoy", "a deprecated filter name in a patch value or bootstrap"),
	rule(CodeInsertFirst, diag.Warning, "istiod", "INSERT_BEFORE/AFTER on HTTP_FILTER without a subFilter match inserts first"),
	rule(CodeMatchName, diag.Error, "istiod", "a match on a filter name istiod of that release never gives a filter: the patch is skipped silently"),
	rule(CodeExtensionOp, diag.Error, "istiod", "EXTENSION_CONFIG with an operation other than ADD, which istiod ignores"),
	rule(CodeIgnoredPatch, diag.Error, "istiod", "a patch istiod of that release ignores (BOOTSTRAP after bootstrap discovery was removed, or with an operation other than MERGE)"),
	rule(CodeSelectorTargets, diag.Error, "istiod webhook", "workloadSelector and targetRefs both set"),
	rule(CodeWasmPluginNoSHA, diag.Warning, "istio-agent", "an http(s) WasmPlugin module without sha256 runs unverified"),
	rule(CodeWasmPluginImage, diag.Error, "istio-agent", "a WasmPlugin url that is no image reference the istio-agent can parse: the module is never fetched"),
	rule(CodeBootstrapUnknown, diag.Error, "Envoy", "an unknown field in a bootstrap: Envoy refuses to start"),
	rule(CodeFilterOrder, diag.Error, "Envoy", "a terminal filter not last, or a chain that does not end with one"),
	rule(CodeBootstrapDecode, diag.Error, "Envoy", "a bootstrap value Envoy cannot parse"),
	rule(CodeV2Bootstrap, diag.Info, "Envoy", "a v2 bootstrap, which Envoy before 1.17 loads by API boosting: checked against the v2 API's fields and types only"),
	rule(CodeMissingTyped, diag.Warning, "Envoy", "a filter named without typed_config: Envoy no longer looks extensions up by name"),
	rule(CodeOlderIstio, diag.Warning, "istiod / Envoy", "a field or kind the target release does not know: the setting does not apply"),
	rule(CodeNeverAttached, diag.Error, "istiod", "a target or match istiod admits but never attaches: a GatewayClass not istio-waypoint or outside the root namespace, CLIENT mode or ports on a waypoint"),
	rule(CodeEFTargetRefs, diag.Error, "istiod", "an EnvoyFilter attached by targetRefs alone before Istio 1.27: istiod applies it to every workload of its namespace"),
	rule(CodeEGNeverRuns, diag.Error, "Envoy Gateway", "an EnvoyExtensionPolicy's Wasm that never runs: only TCP/UDP/TLS route targets, or a sha256 that can never match"),
	rule(CodeOlderEG, diag.Warning, "Envoy Gateway", "a field the target Envoy Gateway release does not have: its CRD prunes it"),
	rule(CodeIstioValidation, diag.Error, "istiod webhook", "Istio's validation refuses the resource (its messages)"),
	rule(CodeIstioWarning, diag.Warning, "istiod webhook", "Istio's validation warns (its messages)"),
	rule(CodeRelativeOp, diag.Warning, "istioctl analyze", "a relative patch without priority"),
	rule(CodeReplaceOp, diag.Error, "istioctl analyze", "REPLACE where it does not apply"),
	rule(CodeAddOp, diag.Error, "istioctl analyze", "ADD ignored for ROUTE_CONFIGURATION or HTTP_ROUTE"),
	rule(CodeRemoveOp, diag.Error, "istioctl analyze", "REMOVE ignored for ROUTE_CONFIGURATION or HTTP_ROUTE"),
	rule(CodeRelativeVersion, diag.Warning, "istioctl analyze", "a relative patch without priority after a proxyVersion patch of the same name"),
}
