#!/usr/bin/env bash
# Builds the add-header filter as a WASI reactor and writes add-header.wasm
# next to filter.yaml, where its module.path points.
set -euo pipefail
cd "$(dirname "$0")"
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o add-header.wasm ./filter
echo "wrote $(pwd)/add-header.wasm ($(wc -c < add-header.wasm) bytes)"
