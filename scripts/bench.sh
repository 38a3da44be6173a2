#!/usr/bin/env bash
# Whole-process speed of `wasmgen validate` beside kubeconform (structure only, against
# a JSON schema made offline from Istio's CRD) and `istioctl validate -f`, on one
# EnvoyFilter and on 1,000 in one file; prints wall times and ratios. The commands
# run interleaved (bench/interleave), so a slow spell of a shared machine hits each
# alike. Manual, not part of CI: timings depend on the machine. Runs per command
# and case: WASMGEN_BENCH_RUNS (40).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/tools.sh)"
eval "$(scripts/bench-tools.sh)"
runs=${WASMGEN_BENCH_RUNS:-40}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/wasmgen" ./cmd/wasmgen
go run ./bench/crd2schema -o "$work/schemas" <"$WASMGEN_ISTIO_CRDS"
schema="$work/schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"

cp bench/envoyfilter.yaml "$work/1.yaml"
for i in $(seq 1 1000); do
	echo "---"
	sed -e "s/^  name: add-header\$/  name: add-header-$i/" \
		-e "s/vm_id: bookinfo.add-header\$/vm_id: bookinfo.add-header-$i/" \
		-e "s/^  priority: 10\$/  priority: $((10 + i))/" bench/envoyfilter.yaml
done >"$work/1000.yaml"

# Every tool must accept both inputs, or the timing means nothing. (Each copy has
# its own priority: equal ones are a finding, istiod orders them by creation time.)
for f in 1 1000; do
	"$work/wasmgen" validate "$work/$f.yaml" 2>/dev/null
	"$WASMGEN_KUBECONFORM" -strict -schema-location "$schema" "$work/$f.yaml" >/dev/null
	"$WASMGEN_ISTIOCTL" validate -f "$work/$f.yaml" >/dev/null 2>&1
done
n=$(grep -c '^kind: EnvoyFilter' "$work/1000.yaml")
[ "$n" = 1000 ] || { echo "bench: expected 1000 EnvoyFilters, got $n" >&2; exit 1; }

go build -o "$work/interleave" ./bench/interleave
for f in 1 1000; do
	echo
	echo "$f EnvoyFilter$([ $f = 1 ] || echo s) in one file; $(nproc) cores ($(uname -m)); goal: wasmgen ≤ 1.0x kubeconform, ≤ 0.3x istioctl"
	"$work/interleave" -runs "$runs" -warmup 3 \
		"wasmgen=$work/wasmgen validate $work/$f.yaml" \
		"kubeconform=$WASMGEN_KUBECONFORM -strict -schema-location $schema $work/$f.yaml" \
		"istioctl=$WASMGEN_ISTIOCTL validate -f $work/$f.yaml"
done
