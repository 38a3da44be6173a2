//go:build wasip1

// The host calls the //go:wasmexport functions, which staticcheck cannot see.
//
//lint:file-ignore U1000 reached from the host through //go:wasmexport
package main

// A root (plugin) context per plugin configuration, and an HTTP context per
// stream whose parent is a root context. The host calls in on one thread.
var (
	roots   = map[uint32]*config{}
	streams = map[uint32]uint32{} // stream context -> its root context
)

//go:wasmexport proxy_on_context_create
func proxyOnContextCreate(ctx, parent uint32) {
	if parent == 0 {
		roots[ctx] = nil
		return
	}
	streams[ctx] = parent
}

//go:wasmexport proxy_on_vm_start
func proxyOnVMStart(root, vmConfigSize uint32) uint32 { return 1 }

//go:wasmexport proxy_on_configure
func proxyOnConfigure(root, size uint32) uint32 {
	b, ok := pluginConfiguration(size)
	if !ok {
		logf(logError, "add-header: cannot read the plugin configuration")
		return 0
	}
	c, msg := parseConfig(b)
	if msg != "" {
		logf(logError, msg)
		return 0
	}
	roots[root] = &c
	logf(logInfo, "add-header: adding \""+c.HeaderName+": "+c.HeaderValue+"\" to every response")
	return 1
}

//go:wasmexport proxy_on_response_headers
func proxyOnResponseHeaders(ctx, numHeaders, endOfStream uint32) uint32 {
	if c := roots[streams[ctx]]; c != nil {
		if addResponseHeader(c.HeaderName, c.HeaderValue) != statusOK {
			logf(logError, "add-header: proxy_add_header_map_value failed")
		}
	}
	return actionContinue
}

//go:wasmexport proxy_on_done
func proxyOnDone(ctx uint32) uint32 { return 1 }

//go:wasmexport proxy_on_delete
func proxyOnDelete(ctx uint32) {
	delete(streams, ctx)
	delete(roots, ctx)
}
