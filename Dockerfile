# Small static images of wasmgen (no cgo: wazero, the Wasm runtime of --run, is
# pure Go). Three targets:
#
#   docker build -t wasmgen .                          # the CLI: CI jobs, pre-commit
#   docker build --target fn -t wasmgen-fn .           # a containerized KRM function (kpt)
#   docker build --target argocd-cmp -t wasmgen-cmp .  # Argo CD plugin sidecar: wasmgen + kustomize
#
#   docker run --rm -v "$PWD:/work" -w /work wasmgen validate .
#
# The Go version is go.mod's (checked by cmd/wasmgen/dockerfile_test.go).
ARG GO_VERSION=1.26
FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# -trimpath and no VCS stamp from a context without .git: the same source gives
# the same binary; the version comes from the module (go install …@vX) or VCS.
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/wasmgen ./cmd/wasmgen
# kustomize for the Argo CD plugin, the version the tests run (scripts/tools.sh).
RUN CGO_ENABLED=0 GOBIN=/out go install sigs.k8s.io/kustomize/kustomize/v5@v5.8.2

FROM gcr.io/distroless/static-debian12:nonroot AS wasmgen
COPY --from=build /out/wasmgen /usr/local/bin/wasmgen
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/wasmgen"]

# kpt and other KRM orchestrators run a function image with the ResourceList on
# stdin and no arguments.
FROM wasmgen AS fn
ENTRYPOINT ["/usr/local/bin/wasmgen", "fn"]

# Argo CD's config-management-plugin sidecar: argocd-cmp-server is mounted from
# the repo server at /var/run/argocd and started as the command; it runs the
# plugin's `kustomize build --enable-alpha-plugins --enable-exec`, which execs
# wasmgen. User 999 is Argo CD's.
FROM wasmgen AS argocd-cmp
COPY --from=build /out/kustomize /usr/local/bin/kustomize
USER 999
ENTRYPOINT []

# The default target is the CLI.
FROM wasmgen
