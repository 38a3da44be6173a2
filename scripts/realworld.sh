#!/usr/bin/env bash
# Real-world conformance (issue 12): validates each public file of the shared
# ../shared/realworld folder (relative to the repository root; override with
# WASMGEN_REALWORLD_DIR) at the Istio version its ERAS.tsv gives, and compares
# the verdict and codes with testdata/realworld/expectations.tsv, which states
# what the real consumer does with each file. The files are their authors' work
# and are never copied here; without the folder this says so and passes.
#
#   WASMGEN_REALWORLD=strict (default)  fail on any file that does not meet its expectation
#   WASMGEN_REALWORLD=report            print the table and figures, do not fail
#   WASMGEN_REALWORLD=istioctl          report, plus `istioctl validate -f` on the same files
#                                       ($WASMGEN_ISTIOCTL; it checks Istio kinds only, no bootstraps)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${WASMGEN_REALWORLD_DIR:-../shared/realworld}
if [ ! -f "$dir/ERAS.tsv" ]; then
	echo "realworld: $dir/ERAS.tsv not found; skipping the real-world conformance test"
	exit 0
fi
mode=${WASMGEN_REALWORLD:-strict}
args=()
case $mode in
strict | report) args+=(-mode "$mode") ;;
istioctl)
	: "${WASMGEN_ISTIOCTL:?WASMGEN_REALWORLD=istioctl needs WASMGEN_ISTIOCTL (eval \"\$(scripts/tools.sh)\")}"
	args+=(-mode report -istioctl "$WASMGEN_ISTIOCTL")
	;;
*)
	echo "realworld: WASMGEN_REALWORLD=$mode: expected strict, report or istioctl" >&2
	exit 2
	;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/wasmgen" ./cmd/wasmgen
go build -o "$tmp/realworld" ./bench/realworld
"$tmp/realworld" "${args[@]}" -wasmgen "$tmp/wasmgen" -dir "$dir" -expect testdata/realworld/expectations.tsv
