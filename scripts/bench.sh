#!/usr/bin/env bash
# Whole-process speed of `wasmgen validate` beside kubeconform (structure only, against
# a JSON schema made offline from Istio's CRD) and `istioctl validate -f`, on one
# EnvoyFilter and on 1,000 in one file; prints a table of wall times. Manual, not
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
echo "wall time in ms, median (min) of $runs runs, $(nproc) cores ($(uname -m)); ratios of medians"
printf '%-18s %14s %14s %14s %10s %10s\n' input wasmgen kubeconform istioctl "÷kubeconf" "÷istioctl"
for f in 1 1000; do
	awk -F, -v label="$f EnvoyFilter$([ $f = 1 ] || echo s)" '
		NR > 1 { med[$1] = $4 * 1000; min[$1] = $7 * 1000 }
		END {
			printf "%-18s %7.1f (%5.1f) %7.1f (%5.1f) %7.1f (%5.1f) %9.2fx %9.2fx\n", label,
				med["wasmgen"], min["wasmgen"], med["kubeconform"], min["kubeconform"],
				med["istioctl"], min["istioctl"],
				med["wasmgen"] / med["kubeconform"], med["wasmgen"] / med["istioctl"]
		}' "$work/$f.csv"
done
echo "goal: ≤ 1.0x kubeconform and ≤ 0.3x istioctl; on a busy machine compare the minimums"
