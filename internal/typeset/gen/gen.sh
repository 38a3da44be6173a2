#!/usr/bin/env bash
# Regenerates internal/typeset/{v2,v3}.pb from go-control-plane: v3 from the
# release the main module builds against, v2 from v0.9.9, the last with the v2 API
# (plus envoy-wasm's v2 Wasm messages, written in v2/wasm.proto). Run it after a
# go-control-plane upgrade; `go test ./internal/typeset` checks the v3 set against
# the linked types.
set -euo pipefail
cd "$(dirname "$0")"
v3=$(cd ../../.. && go list -m -f '{{.Version}}' github.com/envoyproxy/go-control-plane/envoy)
imports() { # module-dir package-pattern
	(cd "$1" && GOFLAGS=-mod=mod go list -f '{{.ImportPath}}' "$2" | grep -v /service/ | sed 's/.*/\t_ "&"/')
}
(cd v3 && go mod edit -require=github.com/envoyproxy/go-control-plane/envoy@"$v3" && go mod download github.com/envoyproxy/go-control-plane/envoy)
(cd v2 && go mod download github.com/envoyproxy/go-control-plane)
{ echo "package main"; echo; echo "import ("; imports v3 github.com/envoyproxy/go-control-plane/envoy/...; echo ")"; } >v3/imports.go
{ echo "package main"; echo; echo "import ("; imports v2 github.com/envoyproxy/go-control-plane/envoy/... | grep -E '/v2|v2alpha|v2beta|/type|/annotations'; echo ")"; } >v2/imports.go
gofmt -w v3/imports.go v2/imports.go
(cd v3 && GOFLAGS=-mod=mod go mod tidy && go run . ../../v3.pb)
(cd v2 && go mod edit -require=github.com/bufbuild/protocompile@v0.14.1 -require=github.com/golang/protobuf@v1.5.4 && GOFLAGS=-mod=mod go mod tidy && go run . ../../v2.pb)
