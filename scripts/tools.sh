#!/usr/bin/env bash
# Installs the peer tools the tests run for real (kustomize, istioctl, staticcheck)
# into a cache, building each once; prints export lines for their paths.
# Usage: eval "$(scripts/tools.sh)"
set -euo pipefail
cache=${WASMGEN_TOOLS:-$HOME/.cache/wasmgen-tools}
mkdir -p "$cache"

install() { # name dir module@version binary
	local dir=$cache/$2 bin=$cache/$2/$4
	if [ ! -x "$bin" ]; then
		echo "installing $3 (once; cached in $dir)" >&2
		(cd /tmp && GOBIN=$dir GOFLAGS= go install "$3" >&2)
	fi
	echo "$bin"
}

kustomize=$(install kustomize kustomize-v5.8.2 sigs.k8s.io/kustomize/kustomize/v5@v5.8.2 kustomize)
staticcheck=$(install staticcheck staticcheck-v0.8.2 honnef.co/go/tools/cmd/staticcheck@v0.8.2 staticcheck)
helm=$(install helm helm-v3.22.0 helm.sh/helm/v3/cmd/helm@v3.22.0 helm)
echo "export WASMGEN_KUSTOMIZE=$kustomize"
echo "export WASMGEN_HELM=$helm"
echo "export WASMGEN_STATICCHECK=$staticcheck"
if [ "${WASMGEN_SKIP_ISTIOCTL:-}" = "" ]; then
	# ~7 minutes and 2.4 GB RAM on 2 cores the first time.
	istioctl=$(install istioctl istioctl-eed52ebb66ad istio.io/istio/istioctl/cmd/istioctl@v0.0.0-20260827124520-eed52ebb66ad istioctl)
	echo "export WASMGEN_ISTIOCTL=$istioctl"
fi
