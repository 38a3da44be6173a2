//go:build wasip1

// Command plugin is pwhost's test plugin: a proxy-wasm ABI 0.2.1 module in plain
// Go whose behaviour its plugin configuration chooses, one command a line:
//
//	accept                          configure succeeds
//	refuse                          configure logs an error and fails
//	loop                            configure never returns
//	grow                            configure allocates without bound
//	tick                            configure sets a 1 s tick; each tick logs
//	response-header NAME VALUE      add a response header
//	request-header NAME VALUE       add a request header
//	remove-request-header NAME      remove a request header
//	deny STATUS                     answer every request locally
//	property PATH                   copy a property into request header x-property
//	httpcall UPSTREAM               pause the request, call UPSTREAM, go on if it answers 200
//	upper-response-body             replace the response body with its upper case
//	stat                            call WASI fd_filestat_get (with -tags files)
//
// The vm configuration "refuse" makes proxy_on_vm_start fail. Built by
// pwhost's tests with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared.
package main

import (
	"strconv"
	"strings"
	"unsafe"
)

func main() {}

//go:wasmimport env proxy_log
func proxyLog(level uint32, msg *byte, size uint32) uint32

//go:wasmimport env proxy_get_buffer_bytes
func proxyGetBufferBytes(t, start, max uint32, data, size *uint32) uint32

//go:wasmimport env proxy_set_buffer_bytes
func proxySetBufferBytes(t, start, length uint32, data *byte, size uint32) uint32

//go:wasmimport env proxy_add_header_map_value
func proxyAddHeaderMapValue(t uint32, k *byte, ks uint32, v *byte, vs uint32) uint32

//go:wasmimport env proxy_remove_header_map_value
func proxyRemoveHeaderMapValue(t uint32, k *byte, ks uint32) uint32

//go:wasmimport env proxy_get_header_map_value
func proxyGetHeaderMapValue(t uint32, k *byte, ks uint32, data, size *uint32) uint32

//go:wasmimport env proxy_send_local_response
func proxySendLocalResponse(status uint32, d *byte, ds uint32, b *byte, bs uint32, h *byte, hs uint32, grpc int32) uint32

//go:wasmimport env proxy_get_property
func proxyGetProperty(p *byte, ps uint32, data, size *uint32) uint32

//go:wasmimport env proxy_http_call
func proxyHTTPCall(u *byte, us uint32, h *byte, hs uint32, b *byte, bs uint32, t *byte, ts uint32, timeout uint32, token *uint32) uint32

//go:wasmimport env proxy_continue_stream
func proxyContinueStream(t uint32) uint32

//go:wasmimport env proxy_set_tick_period_milliseconds
func proxySetTickPeriod(ms uint32) uint32

//go:wasmexport proxy_abi_version_0_2_1
func abiVersion() {}

var pinned = map[uint32][]byte{}

//go:wasmexport proxy_on_memory_allocate
func onMemoryAllocate(size uint32) uint32 {
	b := make([]byte, max(size, 1))
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	pinned[p] = b
	return p
}

func take(p, size uint32) string {
	b, ok := pinned[p]
	if !ok || size > uint32(len(b)) {
		return ""
	}
	delete(pinned, p)
	return string(b[:size])
}

func ptr(s string) *byte { return unsafe.StringData(s) }

func logf(level uint32, msg string) { proxyLog(level, ptr(msg), uint32(len(msg))) }

var (
	commands [][]string
	grown    [][]byte
	calls    = map[uint32]uint32{} // http call token -> stream context
	current  uint32
)

func buffer(t, size uint32) string {
	var p, n uint32
	if proxyGetBufferBytes(t, 0, size, &p, &n) != 0 {
		return ""
	}
	return take(p, n)
}

//go:wasmexport proxy_on_context_create
func onContextCreate(ctx, parent uint32) {}

//go:wasmexport proxy_on_vm_start
func onVMStart(root, size uint32) uint32 {
	if buffer(6, size) == "refuse" {
		logf(4, "the vm configuration says refuse")
		return 0
	}
	return 1
}

//go:wasmexport proxy_on_configure
func onConfigure(root, size uint32) uint32 {
	commands = nil
	for _, line := range strings.Split(buffer(7, size), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			commands = append(commands, f)
		}
	}
	for _, c := range commands {
		switch c[0] {
		case "refuse":
			logf(4, "refusing the configuration: refuse is set")
			return 0
		case "loop":
			for {
			}
		case "grow":
			for {
				grown = append(grown, make([]byte, 1<<20))
			}
		case "tick":
			proxySetTickPeriod(1000)
		case "stat":
			stat()
		}
	}
	logf(2, "configured with "+strconv.Itoa(len(commands))+" commands")
	return 1
}

//go:wasmexport proxy_on_tick
func onTick(root uint32) { logf(2, "tick") }

func header(t uint32, k string) string {
	var p, n uint32
	if proxyGetHeaderMapValue(t, ptr(k), uint32(len(k)), &p, &n) != 0 {
		return ""
	}
	return take(p, n)
}

func add(t uint32, k, v string) {
	proxyAddHeaderMapValue(t, ptr(k), uint32(len(k)), ptr(v), uint32(len(v)))
}

//go:wasmexport proxy_on_request_headers
func onRequestHeaders(ctx, n, eos uint32) uint32 {
	for _, c := range commands {
		switch {
		case c[0] == "request-header" && len(c) == 3:
			add(0, c[1], c[2])
		case c[0] == "remove-request-header" && len(c) == 2:
			proxyRemoveHeaderMapValue(0, ptr(c[1]), uint32(len(c[1])))
		case c[0] == "deny" && len(c) == 2:
			status, _ := strconv.Atoi(c[1])
			d, b := "denied_by_plugin", "denied\n"
			proxySendLocalResponse(uint32(status), ptr(d), uint32(len(d)), ptr(b), uint32(len(b)), nil, 0, -1)
			return 1
		case c[0] == "property" && len(c) == 2:
			path := strings.ReplaceAll(c[1], ".", "\x00")
			var p, sz uint32
			if proxyGetProperty(ptr(path), uint32(len(path)), &p, &sz) == 0 {
				add(0, "x-property", take(p, sz))
			}
		case c[0] == "httpcall" && len(c) == 2:
			h := pairs(":method", "GET", ":path", "/check", ":authority", c[1])
			var token uint32
			if proxyHTTPCall(ptr(c[1]), uint32(len(c[1])), &h[0], uint32(len(h)), nil, 0, nil, 0, 1000, &token) != 0 {
				logf(4, "http call failed")
				return 0
			}
			calls[token] = ctx
			current = ctx
			return 1
		}
	}
	return 0
}

//go:wasmimport env proxy_set_effective_context
func proxySetEffectiveContext(ctx uint32) uint32

//go:wasmexport proxy_on_http_call_response
func onHTTPCallResponse(root, token, headers, body, trailers uint32) {
	ctx := calls[token]
	proxySetEffectiveContext(ctx)
	if s := header(6, ":status"); s != "200" {
		logf(3, "auth answered "+strconv.Quote(s)+": denying")
		d := "auth_failed"
		proxySendLocalResponse(403, ptr(d), uint32(len(d)), nil, 0, nil, 0, -1)
		return
	}
	logf(2, "auth allowed: "+buffer(4, body))
	proxyContinueStream(0)
}

//go:wasmexport proxy_on_response_headers
func onResponseHeaders(ctx, n, eos uint32) uint32 {
	for _, c := range commands {
		if c[0] == "response-header" && len(c) == 3 {
			add(2, c[1], c[2])
		}
	}
	return 0
}

//go:wasmexport proxy_on_response_body
func onResponseBody(ctx, size, eos uint32) uint32 {
	for _, c := range commands {
		if c[0] == "upper-response-body" {
			b := strings.ToUpper(buffer(1, size))
			proxySetBufferBytes(1, 0, size, ptr(b), uint32(len(b)))
		}
	}
	return 0
}

//go:wasmexport proxy_on_done
func onDone(ctx uint32) uint32 { return 1 }

func pairs(kv ...string) []byte {
	n := len(kv) / 2
	b := make([]byte, 4+8*n)
	put := func(at int, v uint32) {
		b[at], b[at+1], b[at+2], b[at+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	put(0, uint32(n))
	for i := 0; i < n; i++ {
		put(4+8*i, uint32(len(kv[2*i])))
		put(8+8*i, uint32(len(kv[2*i+1])))
	}
	for _, s := range kv {
		b = append(b, s...)
		b = append(b, 0)
	}
	return b
}
