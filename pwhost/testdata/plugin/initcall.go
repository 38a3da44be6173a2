//go:build wasip1 && initcall

package main

// A plugin that reads a property while the Go runtime initialises (_initialize):
// Envoy's V8 traps host calls other than logging and a few WASI calls there.
func init() {
	path := "plugin_name"
	var p, n uint32
	proxyGetProperty(ptr(path), uint32(len(path)), &p, &n)
}
