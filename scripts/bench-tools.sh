#!/usr/bin/env bash
# Installs the tools scripts/bench.sh compares against, beyond those of scripts/tools.sh:
# kubeconform (built once into ~/.cache/wasmgen-tools); prints export lines, including the Istio CRDs kubeconform's schemas are made from.
# Usage: eval "$(scripts/bench-tools.sh)"
set -euo pipefail
cache=${WASMGEN_TOOLS:-$HOME/.cache/wasmgen-tools}
kc=$cache/kubeconform-v0.8.0/kubeconform
if [ ! -x "$kc" ]; then
	echo "installing kubeconform v0.8.0 (once; cached in $(dirname "$kc"))" >&2
	(cd /tmp && GOBIN=$(dirname "$kc") GOFLAGS= go install github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0 >&2)
fi
# The Istio module istioctl is built from (scripts/tools.sh) ships the CRDs.
istio=$(cd /tmp && GOFLAGS= go mod download -json istio.io/istio@v0.0.0-20260827124520-eed52ebb66ad | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
echo "export WASMGEN_KUBECONFORM=$kc"
echo "export WASMGEN_ISTIO_CRDS=$istio/manifests/charts/base/files/crd-all.gen.yaml"
