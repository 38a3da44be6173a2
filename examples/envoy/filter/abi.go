//go:build wasip1

// The host calls the //go:wasmexport functions, which staticcheck cannot see.
//
//lint:file-ignore U1000 reached from the host through //go:wasmexport
package main

import "unsafe"

// Host functions of the proxy-wasm ABI 0.2.1 (module "env"). Each returns a
// proxy_status_t; results come back through the out pointers.

//go:wasmimport env proxy_log
func proxyLog(level uint32, msg *byte, size uint32) uint32

//go:wasmimport env proxy_get_buffer_bytes
func proxyGetBufferBytes(buffer, start, maxSize uint32, retData, retSize *uint32) uint32

//go:wasmimport env proxy_add_header_map_value
func proxyAddHeaderMapValue(mapType uint32, key *byte, keySize uint32, value *byte, valueSize uint32) uint32

// Values of proxy_log_level_t, proxy_status_t, proxy_buffer_type_t,
// proxy_map_type_t and proxy_action_t from the spec.
const (
	logInfo  = 2
	logError = 4

	statusOK = 0

	bufferPluginConfiguration = 7

	mapResponseHeaders = 2

	actionContinue = 0
)

//go:wasmexport proxy_abi_version_0_2_1
func proxyABIVersion021() {}

func logf(level uint32, msg string) {
	if msg != "" {
		proxyLog(level, unsafe.StringData(msg), uint32(len(msg)))
	}
}

func addResponseHeader(name, value string) uint32 {
	// StringData of "" is nil, which the host reads as zero bytes.
	return proxyAddHeaderMapValue(mapResponseHeaders,
		unsafe.StringData(name), uint32(len(name)),
		unsafe.StringData(value), uint32(len(value)))
}

// pinned keeps the buffers the host asked for alive until the plugin has
// read them: the host writes into them outside the Go heap's view. Go's
// collector does not move objects, so the address stays valid.
var pinned = map[uint32][]byte{}

//go:wasmexport proxy_on_memory_allocate
func proxyOnMemoryAllocate(size uint32) uint32 {
	b := make([]byte, max(size, 1))
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	pinned[p] = b
	return p
}

// take returns the size bytes the host wrote at p and unpins them; nil when
// p is not a buffer proxyOnMemoryAllocate handed out.
func take(p, size uint32) []byte {
	b, ok := pinned[p]
	if !ok || size > uint32(len(b)) {
		return nil
	}
	delete(pinned, p)
	return b[:size]
}

// pluginConfiguration reads the PLUGIN_CONFIGURATION buffer of size bytes.
func pluginConfiguration(size uint32) ([]byte, bool) {
	if size == 0 {
		return nil, true
	}
	var data, n uint32
	if proxyGetBufferBytes(bufferPluginConfiguration, 0, size, &data, &n) != statusOK {
		return nil, false
	}
	if n == 0 {
		return nil, true
	}
	b := take(data, n)
	return b, b != nil
}
