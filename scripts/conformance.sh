#!/usr/bin/env bash
# Runs Istio's own validation over every golden output (EnvoyFilter, WasmPlugin,
# TrafficExtension; EnvoyExtensionPolicies are checked against Envoy Gateway's CRDs by
# generate's TestEnvoyExtensionPolicyAgainstCRD): `istioctl validate` must
# accept each object and `istioctl analyze --use-kube=false` must report nothing
# beyond IST0133 (EnvoyFilter exposes internal implementation details), which it
# always reports for EnvoyFilters. This istioctl is current Istio: for the legacy
# dialects it also warns about what only old Istio accepts: the removed `config`
# field and deprecated filter names (1.5-1.6, IST0133) and, before 1.11, no
# priority (IST0151: the field did not exist yet).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${WASMGEN_ISTIOCTL:?run via scripts/test.sh or eval \"\$(scripts/tools.sh)\"}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for out in testdata/golden/*/out.golden; do
	grep -q '^kind: \(EnvoyFilter\|WasmPlugin\|TrafficExtension\)' "$out" || continue
	n=$((n + 1))
	case=$(basename "$(dirname "$out")")
	# istioctl analyze needs a namespace that exists; offline it takes the files as they are.
	cp "$out" "$tmp/$case.yaml"
	if ! "$WASMGEN_ISTIOCTL" validate -f "$tmp/$case.yaml" >"$tmp/validate.log" 2>&1; then
		echo "FAIL istioctl validate $case:"; cat "$tmp/validate.log"; fail=1
	fi
	"$WASMGEN_ISTIOCTL" analyze --use-kube=false --failure-threshold Error "$tmp/$case.yaml" >"$tmp/analyze.log" 2>&1 || true
	allowed='IST0133'
	if grep -Eq -- '--istio-version 1\.([5-9]|10)( |$)' "$(dirname "$out")/cmd"; then allowed='IST0133|IST0151'; fi
	if grep -E '^(Error|Warning|Info) \[IST' "$tmp/analyze.log" | grep -Ev "$allowed" | grep -q .; then
		echo "FAIL istioctl analyze $case:"; cat "$tmp/analyze.log"; fail=1
	fi
done
# The ambient example as applied: namespace, waypoint and the WasmPlugin together.
if ! "$WASMGEN_ISTIOCTL" validate -f examples/ambient/namespace.yaml -f examples/ambient/waypoint.yaml -f examples/ambient/wasmplugin.yaml >"$tmp/validate.log" 2>&1; then
	echo "FAIL istioctl validate examples/ambient:"; cat "$tmp/validate.log"; fail=1
fi
"$WASMGEN_ISTIOCTL" analyze --use-kube=false --failure-threshold Error examples/ambient/namespace.yaml examples/ambient/waypoint.yaml examples/ambient/wasmplugin.yaml >"$tmp/analyze.log" 2>&1 || true
if grep -E '^(Error|Warning|Info) \[IST' "$tmp/analyze.log" | grep -q .; then
	echo "FAIL istioctl analyze examples/ambient:"; cat "$tmp/analyze.log"; fail=1
fi
[ "$n" -gt 0 ] || { echo "no golden outputs with EnvoyFilters/WasmPlugins found"; exit 1; }
[ "$fail" = 0 ] || exit 1
echo "conformance: istioctl accepted all $n golden outputs"
