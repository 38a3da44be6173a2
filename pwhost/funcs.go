package pwhost

import (
	"slices"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero/api"
)

// hostFunc is one host function: its wasm signature (proxy-wasm-cpp-host
// include/proxy-wasm/exports.h, Word being i32 on wasm32) and its body, which
// reads its arguments from stack and writes its result to stack[0].
type hostFunc struct {
	env             bool // module "env"; else WASI
	params, results []api.ValueType
	fn              func(vm *VM, c call, s []uint64)
}

// sig reads a signature written as "iiI>i": i is i32, I is i64, after > the results.
func sig(s string) (params, results []api.ValueType) {
	in, out, _ := strings.Cut(s, ">")
	conv := func(s string) []api.ValueType {
		ts := []api.ValueType{}
		for _, c := range s {
			if c == 'I' {
				ts = append(ts, api.ValueTypeI64)
			} else {
				ts = append(ts, api.ValueTypeI32)
			}
		}
		return ts
	}
	return conv(in), conv(out)
}

func u32(v uint64) uint32 { return uint32(v) }

func ret(s []uint64, st Status) { s[0] = uint64(st) }

// hostFunctions is every function the host can register, by import name; which of
// them a run registers is compat's answer for its Envoy and ABI. Built on first use.
var hostFunctions = sync.OnceValue(func() map[string]hostFunc {
	m := map[string]hostFunc{}
	env := func(name, signature string, fn func(vm *VM, c call, s []uint64)) {
		p, r := sig(signature)
		m[name] = hostFunc{env: true, params: p, results: r, fn: fn}
	}
	env("proxy_log", "iii>i", proxyLog)
	env("proxy_get_log_level", "i>i", func(vm *VM, c call, s []uint64) {
		ret(s, okOr(c.putU32(u32(s[0]), uint32(vm.opts.LogLevel))))
	})
	env("proxy_get_status", "iii>i", proxyGetStatus)
	env("proxy_set_property", "iiii>i", proxySetProperty)
	env("proxy_get_property", "iiii>i", proxyGetProperty)
	env("proxy_send_local_response", "iiiiiiii>i", proxySendLocalResponse)
	env("proxy_get_shared_data", "iiiii>i", proxyGetSharedData)
	env("proxy_set_shared_data", "iiiii>i", proxySetSharedData)
	env("proxy_register_shared_queue", "iii>i", proxyRegisterSharedQueue)
	env("proxy_resolve_shared_queue", "iiiii>i", proxyResolveSharedQueue)
	env("proxy_dequeue_shared_queue", "iii>i", proxyDequeueSharedQueue)
	env("proxy_enqueue_shared_queue", "iii>i", proxyEnqueueSharedQueue)
	env("proxy_get_header_map_value", "iiiii>i", proxyGetHeaderMapValue)
	env("proxy_add_header_map_value", "iiiii>i", func(vm *VM, c call, s []uint64) { editHeader(vm, c, s, "add") })
	env("proxy_replace_header_map_value", "iiiii>i", func(vm *VM, c call, s []uint64) { editHeader(vm, c, s, "replace") })
	env("proxy_remove_header_map_value", "iii>i", func(vm *VM, c call, s []uint64) { editHeader(vm, c, s, "remove") })
	env("proxy_get_header_map_pairs", "iii>i", proxyGetHeaderMapPairs)
	env("proxy_set_header_map_pairs", "iii>i", proxySetHeaderMapPairs)
	env("proxy_get_header_map_size", "ii>i", proxyGetHeaderMapSize)
	env("proxy_get_buffer_status", "iii>i", proxyGetBufferStatus)
	env("proxy_get_buffer_bytes", "iiiii>i", proxyGetBufferBytes)
	env("proxy_set_buffer_bytes", "iiiii>i", proxySetBufferBytes)
	env("proxy_http_call", "iiiiiiiiii>i", proxyHTTPCall)
	env("proxy_grpc_call", "iiiiiiiiiiii>i", func(vm *VM, c call, s []uint64) { grpcCall(vm, c, s, u32(s[11])) })
	env("proxy_grpc_stream", "iiiiiiiii>i", func(vm *VM, c call, s []uint64) { grpcCall(vm, c, s, u32(s[8])) })
	env("proxy_grpc_close", "i>i", grpcToken)
	env("proxy_grpc_cancel", "i>i", grpcToken)
	env("proxy_grpc_send", "iiii>i", grpcToken)
	env("proxy_set_tick_period_milliseconds", "i>i", func(vm *VM, c call, s []uint64) {
		vm.ticks[vm.rootOf(vm.current)] = u32(s[0])
		ret(s, StatusOK)
	})
	env("proxy_get_current_time_nanoseconds", "i>i", func(vm *VM, c call, s []uint64) {
		ret(s, okOr(c.putU64(u32(s[0]), vm.now())))
	})
	env("proxy_define_metric", "iiii>i", proxyDefineMetric)
	env("proxy_increment_metric", "iI>i", proxyIncrementMetric)
	env("proxy_record_metric", "iI>i", proxyRecordMetric)
	env("proxy_get_metric", "ii>i", proxyGetMetric)
	env("proxy_set_effective_context", "i>i", func(vm *VM, c call, s []uint64) {
		if _, ok := vm.contexts[u32(s[0])]; !ok {
			ret(s, StatusBadArgument)
			return
		}
		vm.current = u32(s[0])
		ret(s, StatusOK)
	})
	env("proxy_done", ">i", func(vm *VM, c call, s []uint64) { ret(s, StatusOK) })
	env("proxy_call_foreign_function", "iiiiii>i", func(vm *VM, c call, s []uint64) {
		name, _ := c.readString(u32(s[0]), u32(s[1]))
		vm.log(LogDebug, "host", "proxy_call_foreign_function("+name+"): Envoy's foreign functions are not run offline")
		ret(s, StatusNotFound)
	})
	env("proxy_get_configuration", "ii>i", func(vm *VM, c call, s []uint64) {
		ret(s, c.give(vm.plugin.Configuration, u32(s[0]), u32(s[1])))
	})
	env("proxy_continue_request", ">i", func(vm *VM, c call, s []uint64) { ret(s, vm.resume(StreamRequest)) })
	env("proxy_continue_response", ">i", func(vm *VM, c call, s []uint64) { ret(s, vm.resume(StreamResponse)) })
	env("proxy_continue_stream", "i>i", func(vm *VM, c call, s []uint64) { ret(s, vm.resume(StreamType(s[0]))) })
	env("proxy_close_stream", "i>i", func(vm *VM, c call, s []uint64) {
		if vm.stream != nil {
			vm.stream.closed = true
		}
		ret(s, StatusOK)
	})
	env("proxy_clear_route_cache", ">i", func(vm *VM, c call, s []uint64) { ret(s, StatusOK) })
	env("pthread_equal", "ii>i", func(vm *VM, c call, s []uint64) {
		if u32(s[0]) == u32(s[1]) {
			s[0] = 1
		} else {
			s[0] = 0
		}
	})
	env("emscripten_notify_memory_growth", "i>", func(*VM, call, []uint64) {})
	for name, f := range wasiFunctions() {
		m[name] = f
	}
	return m
})

func okOr(ok bool) Status {
	if ok {
		return StatusOK
	}
	return StatusInvalidMemoryAccess
}

// proxy_log(level, message_data, message_size)
func proxyLog(vm *VM, c call, s []uint64) {
	msg, ok := c.readString(u32(s[1]), u32(s[2]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	level := LogLevel(u32(s[0]))
	if level > LogCritical {
		ret(s, StatusBadArgument)
		return
	}
	vm.log(level, "proxy_log", msg)
	ret(s, StatusOK)
}

// proxy_get_status(code, message_data, message_size): the status of the last
// callout answered, as in proxy_on_grpc_close.
func proxyGetStatus(vm *VM, c call, s []uint64) {
	if !c.putU32(u32(s[0]), vm.lastStatus) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	ret(s, c.give([]byte(vm.lastStatusMsg), u32(s[1]), u32(s[2])))
}

// propertyPath turns the ABI's NUL-separated path into the dotted form Envoy's
// attribute names use (request.path, source.address).
func propertyPath(b []byte) string {
	return strings.TrimSuffix(strings.ReplaceAll(string(b), "\x00", "."), ".")
}

func proxySetProperty(vm *VM, c call, s []uint64) {
	key, ok1 := c.read(u32(s[0]), u32(s[1]))
	val, ok2 := c.read(u32(s[2]), u32(s[3]))
	if !ok1 || !ok2 {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	vm.properties[propertyPath(key)] = val
	ret(s, StatusOK)
}

func proxyGetProperty(vm *VM, c call, s []uint64) {
	path, ok := c.read(u32(s[0]), u32(s[1]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	v, found := vm.property(propertyPath(path))
	if !found {
		ret(s, StatusNotFound)
		return
	}
	ret(s, c.give(v, u32(s[2]), u32(s[3])))
}

// proxy_send_local_response(status, details, details_size, body, body_size,
// headers, headers_size, grpc_status)
func proxySendLocalResponse(vm *VM, c call, s []uint64) {
	details, body, headers, st := c.stringsAndPairs(s[1], s[2], s[3], s[4], s[5], s[6])
	if st != StatusOK {
		ret(s, st)
		return
	}
	if vm.stream == nil || vm.contexts[vm.current] == 0 {
		ret(s, StatusBadArgument) // a root context has no stream to answer
		return
	}
	vm.stream.localReply(LocalReply{Status: u32(s[0]), Details: details, Body: body, Headers: headers, GRPCStatus: int32(u32(s[7]))})
	ret(s, StatusOK)
}

func proxyGetSharedData(vm *VM, c call, s []uint64) {
	key, ok := c.readString(u32(s[0]), u32(s[1]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	v, found := vm.shared[key]
	if !found {
		ret(s, StatusNotFound)
		return
	}
	if st := c.give(v.value, u32(s[2]), u32(s[3])); st != StatusOK {
		ret(s, st)
		return
	}
	ret(s, okOr(c.putU32(u32(s[4]), v.cas)))
}

func proxySetSharedData(vm *VM, c call, s []uint64) {
	key, ok1 := c.readString(u32(s[0]), u32(s[1]))
	val, ok2 := c.read(u32(s[2]), u32(s[3]))
	if !ok1 || !ok2 {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	cur, found := vm.shared[key]
	if cas := u32(s[4]); cas != 0 && (!found || cur.cas != cas) {
		ret(s, StatusCasMismatch)
		return
	}
	if !found {
		cur = &sharedValue{}
		vm.shared[key] = cur
	}
	cur.value, cur.cas = val, cur.cas+1
	ret(s, StatusOK)
}

func proxyRegisterSharedQueue(vm *VM, c call, s []uint64) {
	name, ok := c.readString(u32(s[0]), u32(s[1]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	for i, q := range vm.queues {
		if q.vmID == vm.plugin.VMID && q.name == name {
			vm.queues[i].owner = vm.rootOf(vm.current)
			ret(s, okOr(c.putU32(u32(s[2]), uint32(i+1))))
			return
		}
	}
	vm.queues = append(vm.queues, queue{vmID: vm.plugin.VMID, name: name, owner: vm.rootOf(vm.current)})
	ret(s, okOr(c.putU32(u32(s[2]), uint32(len(vm.queues)))))
}

func proxyResolveSharedQueue(vm *VM, c call, s []uint64) {
	vmID, ok1 := c.readString(u32(s[0]), u32(s[1]))
	name, ok2 := c.readString(u32(s[2]), u32(s[3]))
	if !ok1 || !ok2 {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	if vmID == "" {
		vmID = vm.plugin.VMID // proxy-wasm-cpp-host#138: empty means this VM
	}
	for i, q := range vm.queues {
		if q.vmID == vmID && q.name == name {
			ret(s, okOr(c.putU32(u32(s[4]), uint32(i+1))))
			return
		}
	}
	ret(s, StatusNotFound)
}

func (vm *VM) queue(token uint32) *queue {
	if token == 0 || int(token) > len(vm.queues) {
		return nil
	}
	return &vm.queues[token-1]
}

func proxyDequeueSharedQueue(vm *VM, c call, s []uint64) {
	q := vm.queue(u32(s[0]))
	switch {
	case q == nil:
		ret(s, StatusNotFound)
	case len(q.items) == 0:
		ret(s, StatusEmpty)
	default:
		item := q.items[0]
		q.items = q.items[1:]
		ret(s, c.give(item, u32(s[1]), u32(s[2])))
	}
}

func proxyEnqueueSharedQueue(vm *VM, c call, s []uint64) {
	token := u32(s[0])
	q := vm.queue(token)
	if q == nil {
		ret(s, StatusNotFound)
		return
	}
	data, ok := c.read(u32(s[1]), u32(s[2]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	q.items = append(q.items, data)
	owner := q.owner
	vm.pending = append(vm.pending, func() { vm.deliver("proxy_on_queue_ready", owner, uint64(owner), uint64(token)) })
	ret(s, StatusOK)
}

// headerMap is the map the running callback may touch; nil when none.
func (vm *VM) headerMap(t uint64) (*[]Pair, Status) {
	if t > uint64(maxMapType) {
		return nil, StatusBadArgument
	}
	m := vm.maps[MapType(t)]
	if m == nil {
		return nil, StatusBadArgument // Envoy's Context::getMap: not available in this callback
	}
	return m, StatusOK
}

// mapKey reads the (map type, key, key size) arguments every header call starts
// with; Envoy lower-cases the key (Http::LowerCaseString).
func (vm *VM) mapKey(c call, s []uint64) (*[]Pair, string, Status) {
	m, st := vm.headerMap(s[0])
	if st != StatusOK {
		return nil, "", st
	}
	key, ok := c.readString(u32(s[1]), u32(s[2]))
	if !ok {
		return nil, "", StatusInvalidMemoryAccess
	}
	return m, strings.ToLower(key), StatusOK
}

func proxyGetHeaderMapValue(vm *VM, c call, s []uint64) {
	m, key, st := vm.mapKey(c, s)
	if st != StatusOK {
		ret(s, st)
		return
	}
	for _, p := range *m {
		if p.Key == key {
			ret(s, c.give([]byte(p.Value), u32(s[3]), u32(s[4])))
			return
		}
	}
	ret(s, StatusNotFound)
}

// editHeader is add, replace and remove: Envoy lower-cases the key
// (Http::LowerCaseString) and keeps the map's order.
func editHeader(vm *VM, c call, s []uint64, op string) {
	m, key, st := vm.mapKey(c, s)
	if st != StatusOK {
		ret(s, st)
		return
	}
	var val string
	if op != "remove" {
		var ok bool
		if val, ok = c.readString(u32(s[3]), u32(s[4])); !ok {
			ret(s, StatusInvalidMemoryAccess)
			return
		}
	}
	if vm.stream != nil && !vm.stream.writable(MapType(s[0])) {
		ret(s, StatusBadArgument)
		return
	}
	switch op {
	case "add":
		*m = append(*m, Pair{key, val})
	case "replace":
		i := slices.IndexFunc(*m, func(p Pair) bool { return p.Key == key })
		if i < 0 {
			*m = append(*m, Pair{key, val})
			break
		}
		(*m)[i].Value = val
		*m = dedupeAfter(*m, i, key)
	case "remove":
		*m = slices.DeleteFunc(*m, func(p Pair) bool { return p.Key == key })
	}
	ret(s, StatusOK)
}

// dedupeAfter drops entries of key other than the one at i (replace sets one value).
func dedupeAfter(m []Pair, i int, key string) []Pair {
	out := m[:0]
	for j, p := range m {
		if p.Key == key && j != i {
			continue
		}
		out = append(out, p)
	}
	return out
}

func proxyGetHeaderMapPairs(vm *VM, c call, s []uint64) {
	m, st := vm.headerMap(s[0])
	if st != StatusOK {
		ret(s, st)
		return
	}
	ret(s, c.give(encodePairs(*m), u32(s[1]), u32(s[2])))
}

func proxySetHeaderMapPairs(vm *VM, c call, s []uint64) {
	m, st := vm.headerMap(s[0])
	if st != StatusOK {
		ret(s, st)
		return
	}
	b, ok := c.read(u32(s[1]), u32(s[2]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	pairs, err := decodePairs(b)
	if err != nil {
		ret(s, StatusBadArgument)
		return
	}
	if vm.stream != nil && !vm.stream.writable(MapType(s[0])) {
		ret(s, StatusBadArgument)
		return
	}
	for i := range pairs {
		pairs[i].Key = strings.ToLower(pairs[i].Key)
	}
	*m = pairs
	ret(s, StatusOK)
}

// proxy_get_header_map_size: Envoy answers the map's byte size (HeaderMap::byteSize).
func proxyGetHeaderMapSize(vm *VM, c call, s []uint64) {
	m, st := vm.headerMap(s[0])
	if st != StatusOK {
		ret(s, st)
		return
	}
	n := 0
	for _, p := range *m {
		n += len(p.Key) + len(p.Value)
	}
	ret(s, okOr(c.putU32(u32(s[1]), uint32(n))))
}

// buffer is the buffer the running callback may read; ok false when it is not
// available now (NotFound), st BadArgument for an unknown type.
func (vm *VM) buffer(t uint64) ([]byte, Status) {
	if t > uint64(maxBufferType) {
		return nil, StatusBadArgument
	}
	b, ok := vm.buffers[BufferType(t)]
	if !ok {
		return nil, StatusNotFound
	}
	return b, StatusOK
}

func proxyGetBufferStatus(vm *VM, c call, s []uint64) {
	b, st := vm.buffer(s[0])
	if st != StatusOK {
		ret(s, st)
		return
	}
	if !c.putU32(u32(s[1]), uint32(len(b))) || !c.putU32(u32(s[2]), 0) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	ret(s, StatusOK)
}

// proxy_get_buffer_bytes(type, start, max_size, ret_data, ret_size): as
// exports.cc get_buffer_bytes, clamped so it never reads past the end (#303).
func proxyGetBufferBytes(vm *VM, c call, s []uint64) {
	b, st := vm.buffer(s[0])
	if st != StatusOK {
		ret(s, st)
		return
	}
	start, length := uint64(u32(s[1])), uint64(u32(s[2]))
	if start > uint64(len(b)) {
		ret(s, StatusBadArgument)
		return
	}
	end := min(start+length, uint64(len(b)))
	if end == start {
		ret(s, StatusOK)
		return
	}
	ret(s, c.give(b[start:end], u32(s[3]), u32(s[4])))
}

// proxy_set_buffer_bytes(type, start, length, data, size): Envoy's
// Buffer::copyFrom: at 0 it replaces the first length bytes, at or past the end
// it appends; elsewhere it refuses.
func proxySetBufferBytes(vm *VM, c call, s []uint64) {
	t := s[0]
	b, st := vm.buffer(t)
	if st != StatusOK {
		ret(s, st)
		return
	}
	if BufferType(t) != BufferRequestBody && BufferType(t) != BufferResponseBody && BufferType(t) != BufferDownstreamData && BufferType(t) != BufferUpstreamData {
		ret(s, StatusBadArgument)
		return
	}
	data, ok := c.read(u32(s[3]), u32(s[4]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	start, length := uint64(u32(s[1])), uint64(u32(s[2]))
	var nb []byte
	switch {
	case start == 0:
		nb = append(append([]byte{}, data...), b[min(length, uint64(len(b))):]...)
	case start >= uint64(len(b)):
		nb = append(slices.Clone(b), data...)
	default:
		ret(s, StatusBadArgument)
		return
	}
	vm.buffers[BufferType(t)] = nb
	if vm.stream != nil {
		vm.stream.setBody(BufferType(t), nb)
	}
	ret(s, StatusOK)
}

func proxyDefineMetric(vm *VM, c call, s []uint64) {
	if s[0] > uint64(MetricHistogram) {
		ret(s, StatusBadArgument)
		return
	}
	name, ok := c.readString(u32(s[1]), u32(s[2]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	id := -1
	for i, m := range vm.metrics {
		if m.name == name && m.kind == MetricType(s[0]) {
			id = i
		}
	}
	if id < 0 {
		vm.metrics = append(vm.metrics, metric{kind: MetricType(s[0]), name: name})
		id = len(vm.metrics) - 1
	}
	ret(s, okOr(c.putU32(u32(s[3]), uint32(id+1))))
}

func (vm *VM) metric(id uint64) *metric {
	if id == 0 || id > uint64(len(vm.metrics)) {
		return nil
	}
	return &vm.metrics[id-1]
}

func proxyIncrementMetric(vm *VM, c call, s []uint64) {
	m := vm.metric(uint64(u32(s[0])))
	if m == nil || m.kind == MetricHistogram {
		ret(s, StatusNotFound)
		return
	}
	m.value += s[1] // two's complement: a negative offset decrements a gauge
	ret(s, StatusOK)
}

func proxyRecordMetric(vm *VM, c call, s []uint64) {
	m := vm.metric(uint64(u32(s[0])))
	if m == nil {
		ret(s, StatusNotFound)
		return
	}
	m.value = s[1]
	ret(s, StatusOK)
}

func proxyGetMetric(vm *VM, c call, s []uint64) {
	m := vm.metric(uint64(u32(s[0])))
	if m == nil {
		ret(s, StatusNotFound)
		return
	}
	ret(s, okOr(c.putU64(u32(s[1]), m.value)))
}

func grpcToken(vm *VM, c call, s []uint64) {
	if u32(s[0]) == 0 || u32(s[0]) >= vm.nextToken {
		ret(s, StatusNotFound)
		return
	}
	ret(s, StatusOK)
}

// grpcCall answers a gRPC call or stream with UNAVAILABLE: offline there is no
// upstream. The plugin hears it in proxy_on_grpc_close, after the callback.
func grpcCall(vm *VM, c call, s []uint64, tokenPtr uint32) {
	service, ok1 := c.readString(u32(s[0]), u32(s[1]))
	method, ok2 := c.readString(u32(s[4]), u32(s[5]))
	if !ok1 || !ok2 {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	token := vm.nextToken
	vm.nextToken++
	if !c.putU32(tokenPtr, token) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	root := vm.rootOf(vm.current)
	vm.callouts = append(vm.callouts, Callout{Kind: "grpc", Upstream: service, Path: method, Answer: "UNAVAILABLE (no upstream offline)"})
	vm.pending = append(vm.pending, func() {
		vm.lastStatus, vm.lastStatusMsg = grpcUnavailable, "unavailable"
		vm.deliver("proxy_on_grpc_close", root, uint64(root), uint64(token), grpcUnavailable)
	})
	ret(s, StatusOK)
}

// proxy_http_call(upstream, upstream_size, headers, headers_size, body, body_size,
// trailers, trailers_size, timeout_ms, token): answered after the callback, from
// the fixture's httpCalls by upstream, else as a failed call (no headers).
func proxyHTTPCall(vm *VM, c call, s []uint64) {
	upstream, body, headers, st := c.stringsAndPairs(s[0], s[1], s[4], s[5], s[2], s[3])
	if st != StatusOK {
		ret(s, st)
		return
	}
	// Envoy's Context::httpCall refuses a request without these.
	for _, k := range []string{":method", ":path", ":authority"} {
		if !slices.ContainsFunc(headers, func(p Pair) bool { return p.Key == k }) {
			vm.log(LogDebug, "host", "proxy_http_call to "+upstream+" without "+k+": BadArgument")
			ret(s, StatusBadArgument)
			return
		}
	}
	token := vm.nextToken
	vm.nextToken++
	if !c.putU32(u32(s[9]), token) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	path := ""
	for _, p := range headers {
		if p.Key == ":path" {
			path = p.Value
		}
	}
	resp, answered := vm.httpCalls[upstream]
	co := Callout{Kind: "http", Upstream: upstream, Path: path, Headers: headers, Body: body, Answer: "failed (no fixture for this upstream)"}
	if answered {
		co.Answer = "fixture"
	}
	vm.callouts = append(vm.callouts, co)
	root := vm.rootOf(vm.current)
	vm.pending = append(vm.pending, func() {
		var h, t []Pair
		var b []byte
		if answered {
			h, t, b = resp.headers(), resp.Trailers.pairs(), []byte(resp.Body)
		}
		saveMaps, saveBufs := vm.maps, vm.buffers
		vm.maps = map[MapType]*[]Pair{MapHTTPCallResponseHeaders: &h, MapHTTPCallResponseTrailers: &t}
		vm.buffers = map[BufferType][]byte{BufferHTTPCallResponseBody: b}
		vm.deliver("proxy_on_http_call_response", root, uint64(root), uint64(token), uint64(len(h)), uint64(len(b)), uint64(len(t)))
		vm.maps, vm.buffers = saveMaps, saveBufs
	})
	ret(s, StatusOK)
}

// deliver calls an async callback on context ctx.
func (vm *VM) deliver(name string, ctx uint32, args ...uint64) {
	save := vm.current
	vm.current = ctx
	_, exported, ok := vm.callExport(name, args...)
	vm.current = save
	if ok && exported {
		vm.step(name, "")
	}
}

func (vm *VM) rootOf(ctx uint32) uint32 {
	for i := 0; i < 64; i++ {
		p, ok := vm.contexts[ctx]
		if !ok || p == 0 {
			return ctx
		}
		ctx = p
	}
	return ctx
}

// resume is proxy_continue_stream (and 0.1.0's continue_request/response).
func (vm *VM) resume(t StreamType) Status {
	if vm.stream == nil {
		return StatusNotFound
	}
	vm.stream.resume(t)
	return StatusOK
}

// now is the realtime clock: the fixed epoch plus a microsecond a reading.
func (vm *VM) now() uint64 {
	vm.clockCalls++
	return uint64(epoch.UnixNano()) + vm.clockCalls*1000
}
