package envoy

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// host is a minimal proxy-wasm 0.2.1 host, in the shape of Envoy's
// (proxy-wasm-cpp-host): it provides the hostcalls the filter imports, with
// the spec's status codes, makes each buffer and header map available only
// in the callback the spec allows, and drives the callbacks in the order
// Envoy does. Like Envoy, it answers wasi poll_oneoff with ENOSYS.
type host struct {
	t   testing.TB
	ctx context.Context
	rt  wazero.Runtime
	mod api.Module

	// What the running callback may see; nil outside it.
	buffers map[uint32][]byte     // proxy_buffer_type_t -> bytes
	maps    map[uint32]*headerMap // proxy_map_type_t -> map

	logs      []logLine
	pollCalls int
	nextID    uint32
}

type logLine struct {
	level uint32
	msg   string
}

type headerMap struct{ pairs [][2]string }

func (m *headerMap) get(k string) []string {
	var vs []string
	for _, p := range m.pairs {
		if p[0] == k {
			vs = append(vs, p[1])
		}
	}
	return vs
}

// proxy_status_t, proxy_buffer_type_t, proxy_map_type_t, wasi_errno_t.
const (
	statusOK                  = 0
	statusNotFound            = 1
	statusBadArgument         = 2
	statusInvalidMemoryAccess = 6

	bufferVMConfiguration     = 6
	bufferPluginConfiguration = 7

	mapRequestHeaders  = 0
	mapResponseHeaders = 2

	wasiENOSYS = 52

	actionContinue = 0
)

var (
	cacheOnce sync.Once
	cache     wazero.CompilationCache
)

// newHost instantiates the module the way Envoy loads a VM: hostcalls and
// WASI first, then the module, then _initialize (and main, if both are
// exported; _start only without _initialize).
func newHost(t testing.TB, wasm []byte) *host {
	t.Helper()
	cacheOnce.Do(func() { cache = wazero.NewCompilationCache() })
	h := &host{t: t, ctx: context.Background(), nextID: 1}
	h.rt = wazero.NewRuntimeWithConfig(h.ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
	t.Cleanup(func() { h.rt.Close(h.ctx) })

	wasi := h.rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(wasi)
	wasi.NewFunctionBuilder().WithFunc(func(_ context.Context, _ api.Module, in, out, n, nevents uint32) uint32 {
		h.pollCalls++
		return wasiENOSYS
	}).Export("poll_oneoff")
	wasi.NewFunctionBuilder().WithFunc(func(context.Context, api.Module) uint32 { return 0 }).Export("sched_yield")
	wasi.NewFunctionBuilder().WithFunc(h.fdWrite).Export("fd_write")
	if _, err := wasi.Instantiate(h.ctx); err != nil {
		t.Fatalf("instantiating WASI: %v", err)
	}

	env := h.rt.NewHostModuleBuilder("env")
	env.NewFunctionBuilder().WithFunc(h.proxyLog).Export("proxy_log")
	env.NewFunctionBuilder().WithFunc(h.proxyGetBufferBytes).Export("proxy_get_buffer_bytes")
	env.NewFunctionBuilder().WithFunc(h.proxyAddHeaderMapValue).Export("proxy_add_header_map_value")
	if _, err := env.Instantiate(h.ctx); err != nil {
		t.Fatalf("instantiating the proxy-wasm hostcalls: %v", err)
	}

	compiled, err := h.rt.CompileModule(h.ctx, wasm)
	if err != nil {
		t.Fatalf("compiling the module: %v", err)
	}
	if _, ok := compiled.ExportedFunctions()["proxy_abi_version_0_2_1"]; !ok {
		t.Fatalf("the module does not export proxy_abi_version_0_2_1; Envoy refuses it (Missing or unknown Proxy-Wasm ABI version)")
	}
	cfg := wazero.NewModuleConfig().WithName("add-header").WithStartFunctions().
		WithSysWalltime().WithSysNanotime().WithRandSource(rand.Reader)
	// A missing hostcall fails here, as "Failed to load Wasm module due to a
	// missing import" does in Envoy.
	h.mod, err = h.rt.InstantiateModule(h.ctx, compiled, cfg)
	if err != nil {
		t.Fatalf("instantiating the module: %v", err)
	}
	switch {
	case h.mod.ExportedFunction("_initialize") != nil:
		h.call("_initialize")
		if h.mod.ExportedFunction("main") != nil {
			h.call("main", 0, 0)
		}
	case h.mod.ExportedFunction("_start") != nil:
		h.call("_start")
	}
	return h
}

// call invokes an export; a missing optional callback returns ok=false.
func (h *host) call(name string, args ...uint64) (ret uint64, ok bool) {
	h.t.Helper()
	fn := h.mod.ExportedFunction(name)
	if fn == nil {
		return 0, false
	}
	res, err := fn.Call(h.ctx, args...)
	if err != nil {
		h.t.Fatalf("%s(%v) trapped: %v\nmodule log:\n%s", name, args, err, h.logText())
	}
	if len(res) > 0 {
		ret = res[0]
	}
	return ret, true
}

func (h *host) mustCall(name string, args ...uint64) uint64 {
	h.t.Helper()
	ret, ok := h.call(name, args...)
	if !ok {
		h.t.Fatalf("the module does not export %s", name)
	}
	return ret
}

func (h *host) newContextID() uint32 {
	id := h.nextID
	h.nextID++
	return id
}

// startPlugin does what Envoy does for a new plugin: create its root
// context, start the VM, and configure the plugin. It returns the root
// context and proxy_on_configure's result.
func (h *host) startPlugin(vmConfig, pluginConfig []byte) (root uint32, configured bool) {
	h.t.Helper()
	root = h.newContextID()
	h.mustCall("proxy_on_context_create", uint64(root), 0)
	h.buffers = map[uint32][]byte{bufferVMConfiguration: vmConfig}
	started := h.mustCall("proxy_on_vm_start", uint64(root), uint64(len(vmConfig)))
	h.buffers = nil
	if started != 1 {
		h.t.Fatalf("proxy_on_vm_start returned %d, want 1 (true)", started)
	}
	h.buffers = map[uint32][]byte{bufferPluginConfiguration: pluginConfig}
	ok := h.mustCall("proxy_on_configure", uint64(root), uint64(len(pluginConfig)))
	h.buffers = nil
	return root, ok == 1
}

// respond runs one HTTP stream under root up to its response headers, then
// finishes it as Envoy does (proxy_on_done, proxy_on_log, proxy_on_delete).
// It returns the response headers as the filter left them.
func (h *host) respond(root uint32, headers [][2]string) *headerMap {
	h.t.Helper()
	id := h.newContextID()
	h.mustCall("proxy_on_context_create", uint64(id), uint64(root))
	resp := &headerMap{pairs: slices.Clone(headers)}
	h.maps = map[uint32]*headerMap{mapResponseHeaders: resp}
	action := h.mustCall("proxy_on_response_headers", uint64(id), uint64(len(headers)), 0)
	h.maps = nil
	if action != actionContinue {
		h.t.Fatalf("proxy_on_response_headers returned action %d, want CONTINUE (0)", action)
	}
	if done, ok := h.call("proxy_on_done", uint64(id)); ok && done != 1 {
		h.t.Fatalf("proxy_on_done returned %d, want 1: the filter holds the stream open", done)
	}
	h.call("proxy_on_log", uint64(id))
	h.call("proxy_on_delete", uint64(id))
	return resp
}

func (h *host) logText() string {
	var b strings.Builder
	for _, l := range h.logs {
		fmt.Fprintf(&b, "  [%d] %s\n", l.level, l.msg)
	}
	return b.String()
}

func (h *host) read(m api.Module, ptr, size uint32) ([]byte, bool) {
	if size == 0 {
		return nil, true
	}
	b, ok := m.Memory().Read(ptr, size)
	return slices.Clone(b), ok
}

// proxy_log(level, message_data, message_size) -> status
func (h *host) proxyLog(_ context.Context, m api.Module, level, ptr, size uint32) uint32 {
	if level > 5 {
		return statusBadArgument
	}
	b, ok := h.read(m, ptr, size)
	if !ok {
		return statusInvalidMemoryAccess
	}
	h.logs = append(h.logs, logLine{level, string(b)})
	return statusOK
}

// fd_write: Envoy logs stdout at INFO and stderr at ERROR.
func (h *host) fdWrite(_ context.Context, m api.Module, fd, iovs, iovsLen, nwritten uint32) uint32 {
	const badf, fault = 8, 21
	if fd != 1 && fd != 2 {
		return badf
	}
	var msg []byte
	for i := range iovsLen {
		base, ok1 := m.Memory().ReadUint32Le(iovs + 8*i)
		n, ok2 := m.Memory().ReadUint32Le(iovs + 8*i + 4)
		b, ok3 := h.read(m, base, n)
		if !ok1 || !ok2 || !ok3 {
			return fault
		}
		msg = append(msg, b...)
	}
	level := uint32(2)
	if fd == 2 {
		level = 4
	}
	h.logs = append(h.logs, logLine{level, "fd_write: " + string(msg)})
	if !m.Memory().WriteUint32Le(nwritten, uint32(len(msg))) {
		return fault
	}
	return 0
}

// proxy_get_buffer_bytes(buffer_id, start, max_size, return_value_data,
// return_value_size) -> status. As in Envoy, the bytes are copied into
// memory the module allocates (proxy_on_memory_allocate, else malloc).
func (h *host) proxyGetBufferBytes(ctx context.Context, m api.Module, id, start, maxSize, retData, retSize uint32) uint32 {
	buf, ok := h.buffers[id]
	if !ok {
		if id > 8 {
			return statusBadArgument
		}
		return statusNotFound
	}
	if uint64(start)+uint64(maxSize) < uint64(start) || start > uint32(len(buf)) {
		return statusBadArgument
	}
	end := min(uint64(start)+uint64(maxSize), uint64(len(buf)))
	data := buf[start:end]
	if len(data) == 0 {
		return statusOK
	}
	alloc := m.ExportedFunction("proxy_on_memory_allocate")
	if alloc == nil {
		alloc = m.ExportedFunction("malloc")
	}
	if alloc == nil {
		h.t.Errorf("the module exports neither proxy_on_memory_allocate nor malloc")
		return statusInvalidMemoryAccess
	}
	res, err := alloc.Call(ctx, uint64(len(data)))
	if err != nil || res[0] == 0 {
		h.t.Errorf("allocating %d bytes in the module: %v (pointer %v)", len(data), err, res)
		return statusInvalidMemoryAccess
	}
	p := uint32(res[0])
	mem := m.Memory()
	if !mem.Write(p, data) || !mem.WriteUint32Le(retData, p) || !mem.WriteUint32Le(retSize, uint32(len(data))) {
		return statusInvalidMemoryAccess
	}
	return statusOK
}

// proxy_add_header_map_value(map_id, key_data, key_size, value_data,
// value_size) -> status
func (h *host) proxyAddHeaderMapValue(_ context.Context, m api.Module, id, kp, ks, vp, vs uint32) uint32 {
	hm, ok := h.maps[id]
	if !ok {
		return statusBadArgument
	}
	k, ok1 := h.read(m, kp, ks)
	v, ok2 := h.read(m, vp, vs)
	if !ok1 || !ok2 {
		return statusInvalidMemoryAccess
	}
	hm.pairs = append(hm.pairs, [2]string{string(k), string(v)})
	return statusOK
}

var upstreamResponse = [][2]string{{":status", "200"}, {"content-type", "text/html; charset=utf-8"}, {"content-length", "1683"}}

// wasmFile is the module TestMain built from ./filter.
var wasmFile string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "envoy-example-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	wasmFile = filepath.Join(dir, "add-header.wasm")
	if out, err := goCmd("", "GOOS=wasip1", "GOARCH=wasm", "build", "-buildmode=c-shared", "-o", wasmFile, "./filter"); err != nil {
		fmt.Fprintf(os.Stderr, "building ./filter: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func readWasm(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(wasmFile)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAddsHeader(t *testing.T) {
	h := newHost(t, readWasm(t))
	root, ok := h.startPlugin(nil, []byte(`{"header_name": "hello", "header_value": "world!"}`))
	if !ok {
		t.Fatalf("proxy_on_configure returned false for a good configuration; log:\n%s", h.logText())
	}
	for i := range 3 { // each stream gets the header once, not once per stream so far
		resp := h.respond(root, upstreamResponse)
		if got := resp.get("hello"); !slices.Equal(got, []string{"world!"}) {
			t.Fatalf("stream %d: hello = %q, want [\"world!\"]; headers %q", i, got, resp.pairs)
		}
		if !slices.Equal(resp.pairs[:len(upstreamResponse)], upstreamResponse) {
			t.Fatalf("stream %d: upstream headers changed: %q", i, resp.pairs)
		}
		if len(resp.pairs) != len(upstreamResponse)+1 {
			t.Fatalf("stream %d: %d headers, want %d: %q", i, len(resp.pairs), len(upstreamResponse)+1, resp.pairs)
		}
	}
	if !strings.Contains(h.logText(), `adding "hello: world!"`) {
		t.Errorf("no configure log line; log:\n%s", h.logText())
	}
}

// Two plugins in one VM (two filters sharing a vm_id) keep their own header.
func TestRootContextsKeepTheirConfig(t *testing.T) {
	h := newHost(t, readWasm(t))
	a, okA := h.startPlugin(nil, []byte(`{"header_name":"x-a","header_value":"1"}`))
	b, okB := h.startPlugin(nil, []byte(`{"header_name":"x-b","header_value":"2"}`))
	if !okA || !okB {
		t.Fatalf("configure: %v %v; log:\n%s", okA, okB, h.logText())
	}
	ra, rb := h.respond(a, upstreamResponse), h.respond(b, upstreamResponse)
	if got := ra.get("x-a"); !slices.Equal(got, []string{"1"}) || ra.get("x-b") != nil {
		t.Errorf("plugin a: %q", ra.pairs)
	}
	if got := rb.get("x-b"); !slices.Equal(got, []string{"2"}) || rb.get("x-a") != nil {
		t.Errorf("plugin b: %q", rb.pairs)
	}
}

func TestBadConfigurationFailsConfigure(t *testing.T) {
	wasm := readWasm(t)
	for _, tc := range []struct {
		name, config, log string
	}{
		{"empty", ``, "the configuration is empty"},
		{"not JSON", `header_name: hello`, "not a JSON object"},
		{"truncated", `{"header_name": "hello"`, "expected ',' or '}'"},
		{"unknown field", `{"header_name": "hello", "header_valeu": "world!"}`, `unknown field "header_valeu"`},
		{"not a string", `{"header_name": 42}`, "header_name must be a string"},
		{"missing name", `{"header_value": "world!"}`, "header_name is missing or empty"},
		{"upper case name", `{"header_name": "Hello", "header_value": "world!"}`, "not a lower-case HTTP field name"},
		{"pseudo header", `{"header_name": ":status", "header_value": "500"}`, "not a lower-case HTTP field name"},
		{"CRLF in value", `{"header_name": "hello", "header_value": "a\r\nset-cookie: x"}`, "holds CR, LF or NUL"},
		{"trailing data", `{"header_name": "hello"} {}`, "trailing data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t, wasm)
			root, ok := h.startPlugin(nil, []byte(tc.config))
			if ok {
				t.Fatalf("proxy_on_configure returned true for %q", tc.config)
			}
			var errs []string
			for _, l := range h.logs {
				if l.level == 4 {
					errs = append(errs, l.msg)
				}
			}
			if len(errs) != 1 || !strings.Contains(errs[0], tc.log) {
				t.Fatalf("error log %q, want one line containing %q", errs, tc.log)
			}
			// Envoy would not route through a plugin that failed to configure;
			// if a stream comes anyway, the filter leaves it alone.
			if resp := h.respond(root, upstreamResponse); !slices.Equal(resp.pairs, upstreamResponse) {
				t.Fatalf("an unconfigured plugin changed the response: %q", resp.pairs)
			}
		})
	}
}

// Thousands of streams and reconfigurations make the Go runtime allocate,
// collect and schedule inside the VM. Envoy answers wasi poll_oneoff with
// ENOSYS and the Go runtime throws on that (golang/go#78513); it calls
// poll_oneoff to sleep, or to wait on the netpoller that package os turns
// on. The filter must never get there.
func TestManyStreamsUnderEnvoyWASI(t *testing.T) {
	h := newHost(t, readWasm(t))
	var root uint32
	for i := range 3000 {
		if i%500 == 0 {
			var ok bool
			root, ok = h.startPlugin(nil, []byte(fmt.Sprintf(`{"header_name":"x-n","header_value":"%d"}`, i)))
			if !ok {
				t.Fatalf("configure %d failed; log:\n%s", i, h.logText())
			}
		}
		big := append(slices.Clone(upstreamResponse), [2]string{"x-pad", strings.Repeat("p", 4096)})
		resp := h.respond(root, big)
		if got := resp.get("x-n"); len(got) != 1 || got[0] != fmt.Sprint(i/500*500) {
			t.Fatalf("stream %d: x-n = %q", i, got)
		}
	}
	if h.pollCalls != 0 {
		t.Errorf("the module called wasi poll_oneoff %d times; Envoy answers ENOSYS and the Go runtime throws", h.pollCalls)
	}
	for _, l := range h.logs {
		if strings.HasPrefix(l.msg, "fd_write: ") {
			t.Errorf("the module wrote to stdout/stderr: %q", l.msg)
		}
	}
}

// The hostcalls outside their callback get the spec's status codes, so the
// filter's failure paths are the ones Envoy would take.
func TestHostRefusesOutsideCallbacks(t *testing.T) {
	h := newHost(t, readWasm(t))
	root, ok := h.startPlugin(nil, []byte(`{"header_name":"hello","header_value":"world!"}`))
	if !ok {
		t.Fatal("configure failed")
	}
	// A stream whose response headers are not available: the add fails
	// (BAD_ARGUMENT), the filter logs and still continues.
	id := h.newContextID()
	h.mustCall("proxy_on_context_create", uint64(id), uint64(root))
	h.maps = map[uint32]*headerMap{mapRequestHeaders: {}}
	if a := h.mustCall("proxy_on_response_headers", uint64(id), 0, 0); a != actionContinue {
		t.Fatalf("action %d, want CONTINUE", a)
	}
	h.maps = nil
	if !strings.Contains(h.logText(), "proxy_add_header_map_value failed") {
		t.Errorf("no error logged for a refused add; log:\n%s", h.logText())
	}
	// Configure without the configuration buffer: NOT_FOUND, configure fails.
	h.logs = nil
	if ok := h.mustCall("proxy_on_configure", uint64(root), 10); ok != 0 {
		t.Fatalf("proxy_on_configure returned %d without a readable configuration", ok)
	}
	if !strings.Contains(h.logText(), "cannot read the plugin configuration") {
		t.Errorf("log:\n%s", h.logText())
	}
}

// The module must link neither fmt nor os (see filter/main.go).
func TestFilterLinksNoOS(t *testing.T) {
	out, err := goCmd("", "GOOS=wasip1", "GOARCH=wasm", "list", "-deps", "./filter")
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(out) {
		if p == "os" || p == "fmt" || p == "encoding/json" {
			t.Errorf("./filter depends on %s: package os turns on the netpoller, which calls poll_oneoff (golang/go#78513)", p)
		}
	}
}

// imports lists a module's imports by walking the import section.
func imports(t testing.TB, wasm []byte) []string {
	t.Helper()
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		t.Fatal("not a wasm module")
	}
	var names []string
	b := wasm[8:]
	uleb := func() uint32 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			t.Fatal("bad LEB128")
		}
		b = b[n:]
		return uint32(v)
	}
	name := func() string { n := uleb(); s := string(b[:n]); b = b[n:]; return s }
	for len(b) > 0 {
		id := b[0]
		b = b[1:]
		size := uleb()
		sec := b[:size]
		rest := b[size:]
		if id == 2 {
			b = sec
			for range uleb() {
				mod, field := name(), name()
				names = append(names, mod+"."+field)
				switch kind := b[0]; kind {
				case 0:
					b = b[1:]
					uleb()
				default:
					t.Fatalf("import %s.%s of kind %d: the filter should import functions only", mod, field, kind)
				}
			}
		}
		b = rest
	}
	return names
}

// envoyWASI is the wasi_snapshot_preview1 set proxy-wasm-cpp-host has long
// provided, plus sched_yield and poll_oneoff, which every Go wasip1 module
// imports and which proxy-wasm-cpp-host#427 added for Go. A module importing
// more (fd_fdstat_set_flags comes with package os) fails to load in Envoys
// without proxy-wasm-cpp-host#533, which envoy#44526 asks to take.
var envoyWASI = []string{
	"args_get", "args_sizes_get", "clock_time_get", "environ_get", "environ_sizes_get",
	"fd_close", "fd_fdstat_get", "fd_prestat_dir_name", "fd_prestat_get", "fd_read", "fd_seek",
	"fd_write", "path_open", "poll_oneoff", "proc_exit", "random_get", "sched_yield",
}

func TestImportsAreWhatEnvoyProvides(t *testing.T) {
	for _, imp := range imports(t, readWasm(t)) {
		mod, fn, _ := strings.Cut(imp, ".")
		switch mod {
		case "env":
			if !strings.HasPrefix(fn, "proxy_") {
				t.Errorf("import %s is not a proxy-wasm hostcall", imp)
			}
		case "wasi_snapshot_preview1":
			if !slices.Contains(envoyWASI, fn) {
				t.Errorf("import %s: Envoy's proxy-wasm host does not provide it", imp)
			}
		default:
			t.Errorf("import %s: unknown module %q", imp, mod)
		}
	}
}

func BenchmarkResponseHeaders(b *testing.B) {
	h := newHost(b, readWasm(b))
	root, ok := h.startPlugin(nil, []byte(`{"header_name":"hello","header_value":"world!"}`))
	if !ok {
		b.Fatal("configure failed")
	}
	b.ReportAllocs()
	for b.Loop() {
		h.respond(root, upstreamResponse)
	}
}
