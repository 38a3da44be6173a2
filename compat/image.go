package compat

// MaxImageModule is the largest module istio-agent and Envoy Gateway take out of
// an image by default: both read the module through an io.LimitReader of 256 MiB,
// for a compat image over the decompressed tar stream, its 512-byte header included
// (istio/istio pilot/pkg/features/pilot.go MaxWasmBinarySizeBytes, settable with
// ISTIO_WASM_MAX_BINARY_SIZE_BYTES, used in pkg/wasm/imagefetcher.go;
// envoyproxy/gateway internal/wasm/httpfetcher.go maxWasmSize, used in
// internal/wasm/imagefetcher.go). A longer module is cut short, and Envoy refuses it.
const MaxImageModule = 256 << 20
