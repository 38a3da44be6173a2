#!/usr/bin/env bash
# The test command: unit, golden and script tests, then the conformance checks that
# run the real peer tools (kustomize, istioctl) over the golden outputs, then each
# fuzz target for a few seconds. Tools are installed once into ~/.cache/wasmgen-tools.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/tools.sh)"

go test ./...
# The standalone-Envoy example is its own module (it needs a Wasm runtime to test).
(cd examples/envoy && go test ./...)

scripts/conformance.sh
scripts/crosscheck.sh
scripts/precommit-test.sh

# Fuzz smoke: every target briefly; run one long with e.g.
#   go test ./module -run '^$' -fuzz '^FuzzDecode$' -fuzztime 10m
fuzztime=${WASMGEN_FUZZTIME:-3s}
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for t in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "fuzz $pkg $t ($fuzztime)"
		go test "$pkg" -run '^$' -fuzz "^$t\$" -fuzztime "$fuzztime" >/dev/null
	done
done
echo "all tests passed"
