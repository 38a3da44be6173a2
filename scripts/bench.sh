#!/usr/bin/env bash
# Whole-process speed of `wasmgen validate` beside kubeconform (structure only, against
# a JSON schema made offline from Istio's CRD) and `istioctl validate -f`, on one
# EnvoyFilter and on 1,000 in one file; prints a table of mean wall times. Manual, not
# part of CI: timings depend on the machine. Runs per case: WASMGEN_BENCH_RUNS (20).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/tools.sh)"
eval "$(scripts/bench-tools.sh)"
runs=${WASMGEN_BENCH_RUNS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/wasmgen" ./cmd/wasmgen
go run ./bench/crd2schema -o "$work/schemas" <"$WASMGEN_ISTIO_CRDS"
schema="$work/schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"

cp bench/envoyfilter.yaml "$work/1.yaml"
for i in $(seq 1 1000); do
	echo "---"
	sed -e "s/^  name: add-header\$/  name: add-header-$i/" \
		-e "s/vm_id: bookinfo.add-header\$/vm_id: bookinfo.add-header-$i/" bench/envoyfilter.yaml
done >"$work/1000.yaml"

# Every tool must accept both inputs, or the timing means nothing.
for f in 1 1000; do
	"$work/wasmgen" validate "$work/$f.yaml" 2>/dev/null
	"$WASMGEN_KUBECONFORM" -strict -schema-location "$schema" "$work/$f.yaml" >/dev/null
	"$WASMGEN_ISTIOCTL" validate -f "$work/$f.yaml" >/dev/null 2>&1
done
n=$(grep -c '^kind: EnvoyFilter' "$work/1000.yaml")
[ "$n" = 1000 ] || { echo "bench: expected 1000 EnvoyFilters, got $n" >&2; exit 1; }

for f in 1 1000; do
	hyperfine -N --style basic -w 3 -r "$runs" --export-csv "$work/$f.csv" \
		-n wasmgen "$work/wasmgen validate $work/$f.yaml" \
		-n kubeconform "$WASMGEN_KUBECONFORM -strict -schema-location $schema $work/$f.yaml" \
		-n istioctl "$WASMGEN_ISTIOCTL validate -f $work/$f.yaml" >&2
done

echo
echo "mean wall time over $runs runs, $(nproc) cores ($(uname -m))"
printf '%-18s %12s %12s %12s %10s %10s\n' input wasmgen kubeconform istioctl "÷kubeconf" "÷istioctl"
for f in 1 1000; do
	awk -F, -v label="$f EnvoyFilter$([ $f = 1 ] || echo s)" '
		NR > 1 { mean[$1] = $2 * 1000; sd[$1] = $3 * 1000 }
		END {
			printf "%-18s %7.1f±%-4.1f %7.1f±%-4.1f %7.1f±%-4.1f %9.2fx %9.2fx\n", label,
				mean["wasmgen"], sd["wasmgen"], mean["kubeconform"], sd["kubeconform"],
				mean["istioctl"], sd["istioctl"],
				mean["wasmgen"] / mean["kubeconform"], mean["wasmgen"] / mean["istioctl"]
		}' "$work/$f.csv"
done
echo "(ms; goal: ≤ 1.0x kubeconform and ≤ 0.3x istioctl)"
