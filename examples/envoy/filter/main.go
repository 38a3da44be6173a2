// Command filter is the wasme tutorial's add-header filter in plain Go: it
// adds one response header, named and valued by the plugin configuration
// {"header_name": "hello", "header_value": "world!"}. It exports the
// proxy-wasm ABI 0.2.1 itself (abi.go, plugin.go), without an SDK, so every
// call across the host boundary is in this directory.
//
// Build it as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o add-header.wasm ./filter
//
// It imports neither fmt nor os (nor encoding/json, which imports both):
// package os opens stdin/stdout/stderr at init, which turns on the runtime's
// netpoller, and the netpoller then calls wasi poll_oneoff, which proxies
// without a full WASI (Envoy's V8) answer with ENOSYS: the Go runtime
// throws (golang/go#78513). config.go parses the configuration by hand.
package main

// With -buildmode=c-shared the host calls _initialize, never main.
func main() {}
