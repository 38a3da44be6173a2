package pwhost

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// StreamReport is what the plugin did to one HTTP stream.
type StreamReport struct {
	Context    uint32      `json:"context"`
	Callbacks  []Callback  `json:"callbacks"`
	Request    Changes     `json:"request"`
	Response   Changes     `json:"response"`
	LocalReply *LocalReply `json:"localReply,omitempty"`
	Callouts   []Callout   `json:"callouts,omitempty"`
	// Outcome says where the stream went: upstream and back, a local reply, stuck
	// paused, or the module failed.
	Outcome string `json:"outcome"`
	Failed  bool   `json:"failed"`
	Logs    []Log  `json:"logs"`
}

// Callback is one callback and the action it returned.
type Callback struct {
	Call   string `json:"call"`
	Action string `json:"action,omitempty"`
}

// Changes is what the plugin changed in one direction.
type Changes struct {
	Headers  []Change    `json:"headers,omitempty"`
	Trailers []Change    `json:"trailers,omitempty"`
	Body     *BodyChange `json:"body,omitempty"`
	// Sent are the headers as the plugin left them (what goes on).
	Sent []Pair `json:"sent"`
}

// Change is one header added, removed or replaced.
type Change struct {
	Op    string `json:"op"` // added, removed, replaced
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
	Old   string `json:"old,omitempty"`
}

// BodyChange is a body the plugin rewrote.
type BodyChange struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

// LocalReply is a proxy_send_local_response.
type LocalReply struct {
	Status     uint32 `json:"status"`
	Details    string `json:"details,omitempty"`
	Body       string `json:"body,omitempty"`
	Headers    []Pair `json:"headers,omitempty"`
	GRPCStatus int32  `json:"grpcStatus"`
}

// Callout is an HTTP or gRPC call the plugin made, and how the dry run answered.
type Callout struct {
	Kind     string `json:"kind"` // http or grpc
	Upstream string `json:"upstream"`
	Path     string `json:"path,omitempty"` // :path, or the gRPC method
	Headers  []Pair `json:"headers,omitempty"`
	Body     string `json:"body,omitempty"`
	Answer   string `json:"answer"`
}

type streamState struct {
	id       uint32
	local    *LocalReply
	resumed  map[StreamType]bool
	closed   bool
	reqBody  []byte
	respBody []byte
}

func (s *streamState) localReply(r LocalReply) {
	if s.local == nil {
		s.local = &r
	}
}

func (s *streamState) resume(t StreamType) { s.resumed[t] = true }

// writable is true for whatever map the callback was handed: Envoy hands a map
// only while the plugin may change it (Context::getMap).
func (s *streamState) writable(MapType) bool { return true }

func (s *streamState) setBody(t BufferType, b []byte) {
	switch t {
	case BufferRequestBody:
		s.reqBody = b
	case BufferResponseBody:
		s.respBody = b
	}
}

// Stream plays one HTTP stream through the plugin as Envoy's HTTP filter does:
// a context under the root, request headers, body and trailers, then (unless the
// plugin answered locally or left the request paused) the response, then
// proxy_on_done, proxy_on_log and proxy_on_delete. Each body arrives whole, in one
// callback with end_of_stream set.
func (vm *VM) Stream(req *Request) *StreamReport {
	r := &StreamReport{Callbacks: []Callback{}, Logs: []Log{}}
	vm.logs = &r.Logs
	vm.callouts = nil
	vm.httpCalls = req.HTTPCalls
	if vm.failed {
		r.Failed, r.Outcome = true, "not run: the VM failed before"
		return r
	}
	for _, k := range sortedKeys(req.Properties) {
		vm.properties[k] = req.Properties[k]
	}
	st := &streamState{resumed: map[StreamType]bool{}}
	vm.stream = st
	defer func() {
		vm.stream, vm.maps, vm.buffers, vm.reqHeaders, vm.respHeaders = nil, nil, nil, nil, nil
		r.Callouts = vm.callouts
		if r.Failed && vm.failure != "" {
			r.Outcome = "failed: " + vm.failure
		}
	}()
	st.id = vm.newContext(vm.root)
	r.Context = st.id
	vm.current = st.id
	if _, _, ok := vm.callExport("proxy_on_context_create", uint64(st.id), uint64(vm.root)); !ok {
		r.Failed = true
		return r
	}
	reqH, reqT := req.Request.Headers.pairs(), req.Request.Trailers.pairs()
	st.reqBody = []byte(req.Request.Body)
	vm.reqHeaders = &reqH
	forwarded, ok := vm.direction(r, "request", StreamRequest, &reqH, &reqT, &st.reqBody, MapRequestHeaders, MapRequestTrailers, BufferRequestBody)
	r.Request = changes(req.Request.Headers, reqH, req.Request.Trailers, reqT, req.Request.Body, st.reqBody)
	switch {
	case !ok:
		r.Failed = true
		return r
	case st.local != nil:
		r.LocalReply = st.local
		r.Outcome = fmt.Sprintf("local reply %d sent downstream; the request never reaches the upstream", st.local.Status)
	case !forwarded:
		r.Outcome = "the request stays paused: the plugin neither continued nor called proxy_continue_stream, so Envoy holds it until the stream times out"
	default:
		respH, respT := req.Response.Headers.pairs(), req.Response.Trailers.pairs()
		st.respBody = []byte(req.Response.Body)
		vm.respHeaders = &respH
		sent, ok := vm.direction(r, "response", StreamResponse, &respH, &respT, &st.respBody, MapResponseHeaders, MapResponseTrailers, BufferResponseBody)
		r.Response = changes(req.Response.Headers, respH, req.Response.Trailers, respT, req.Response.Body, st.respBody)
		switch {
		case !ok:
			r.Failed = true
			return r
		case st.local != nil:
			r.LocalReply = st.local
			r.Outcome = fmt.Sprintf("forwarded upstream; the plugin replaced the response with a local reply %d", st.local.Status)
		case !sent:
			r.Outcome = "forwarded upstream; the response stays paused: Envoy holds it until the stream times out"
		default:
			r.Outcome = "forwarded upstream; response " + status(respH) + " sent downstream"
		}
	}
	vm.maps, vm.buffers = nil, nil
	ret, exported, ok := vm.callExport("proxy_on_done", uint64(st.id))
	if !ok {
		r.Failed = true
		return r
	}
	if exported {
		r.Callbacks = append(r.Callbacks, Callback{Call: "proxy_on_done", Action: boolResult(ret)})
	}
	for _, cb := range []string{"proxy_on_log", "proxy_on_delete"} {
		if _, exported, ok := vm.callExport(cb, uint64(st.id)); !ok {
			r.Failed = true
			return r
		} else if exported {
			r.Callbacks = append(r.Callbacks, Callback{Call: cb})
		}
	}
	if !vm.drain() {
		r.Failed = true
	}
	return r
}

// direction runs one direction's callbacks; passed is true when the plugin let
// it go on (the last callback continued, or proxy_continue_stream was called).
func (vm *VM) direction(r *StreamReport, dir string, t StreamType, headers, trailers *[]Pair, body *[]byte, hm, tm MapType, bt BufferType) (passed, ok bool) {
	st := vm.stream
	hasBody, hasTrailers := len(*body) > 0, len(*trailers) > 0
	held := map[MapType]*[]Pair{} // maps Envoy keeps handing out while iteration is stopped
	run := func(name string, args []uint64, maps map[MapType]*[]Pair, bufs map[BufferType][]byte) (Action, bool) {
		vm.maps = map[MapType]*[]Pair{}
		for k, v := range held {
			vm.maps[k] = v
		}
		for k, v := range maps {
			vm.maps[k] = v
		}
		vm.buffers = bufs
		vm.current = st.id
		a, exported, ok := vm.callExport(name, append([]uint64{uint64(st.id)}, args...)...)
		if !ok {
			return 0, false
		}
		action := Action(uint32(a))
		if exported {
			r.Callbacks = append(r.Callbacks, Callback{Call: name, Action: action.String()})
		} else {
			action = ActionContinue
		}
		if !vm.drain() {
			return 0, false
		}
		return action, true
	}
	eos := func(last bool) uint64 {
		if last {
			return 1
		}
		return 0
	}
	headerArgs := []uint64{uint64(len(*headers))}
	if vm.abi != "proxy_abi_version_0_1_0" {
		headerArgs = append(headerArgs, eos(!hasBody && !hasTrailers))
	}
	action, ok := run("proxy_on_"+dir+"_headers", headerArgs, map[MapType]*[]Pair{hm: headers}, nil)
	if !ok {
		return false, false
	}
	if st.local != nil {
		return false, true
	}
	if action != ActionContinue {
		held[hm] = headers
	}
	if hasBody {
		action, ok = run("proxy_on_"+dir+"_body", []uint64{uint64(len(*body)), eos(!hasTrailers)}, nil, map[BufferType][]byte{bt: *body})
		if !ok {
			return false, false
		}
		if st.local != nil {
			return false, true
		}
	}
	if hasTrailers {
		action, ok = run("proxy_on_"+dir+"_trailers", []uint64{uint64(len(*trailers))}, map[MapType]*[]Pair{tm: trailers}, nil)
		if !ok {
			return false, false
		}
	}
	return action == ActionContinue || st.resumed[t], true
}

// changes compares what came in with what the plugin left.
func changes(before, after, tBefore, tAfter []Pair, bodyBefore string, bodyAfter []byte) Changes {
	c := Changes{Headers: diffPairs(before, after), Trailers: diffPairs(tBefore, tAfter), Sent: after}
	if c.Sent == nil {
		c.Sent = []Pair{}
	}
	if string(bodyAfter) != bodyBefore {
		c.Body = &BodyChange{Before: bodyBefore, After: string(bodyAfter)}
	}
	return c
}

// diffPairs lists, by name in order of first appearance, the values removed and
// added; one value swapped for another is "replaced".
func diffPairs(before, after []Pair) []Change {
	values := func(ps []Pair, k string) []string {
		var vs []string
		for _, p := range ps {
			if p.Key == k {
				vs = append(vs, p.Value)
			}
		}
		return vs
	}
	var names []string
	for _, p := range append(slices.Clone(before), after...) {
		if !slices.Contains(names, p.Key) {
			names = append(names, p.Key)
		}
	}
	var out []Change
	for _, k := range names {
		b, a := values(before, k), values(after, k)
		if slices.Equal(a, b) {
			continue
		}
		if len(a) == 1 && len(b) == 1 {
			out = append(out, Change{Op: "replaced", Name: k, Value: a[0], Old: b[0]})
			continue
		}
		for _, v := range b {
			if !slices.Contains(a, v) {
				out = append(out, Change{Op: "removed", Name: k, Old: v})
			}
		}
		for _, v := range a {
			if !slices.Contains(b, v) {
				out = append(out, Change{Op: "added", Name: k, Value: v})
			}
		}
	}
	return out
}

func status(h []Pair) string {
	for _, p := range h {
		if p.Key == ":status" {
			return p.Value
		}
	}
	return "(no :status)"
}

// property answers proxy_get_property: what the plugin or the fixture set, else
// what Envoy derives from the stream and the plugin config.
func (vm *VM) property(path string) ([]byte, bool) {
	if v, ok := vm.properties[path]; ok {
		return v, true
	}
	switch path {
	case "plugin_name":
		return []byte(vm.plugin.Name), true
	case "plugin_root_id":
		return []byte(vm.plugin.RootID), true
	case "plugin_vm_id":
		return []byte(vm.plugin.VMID), true
	}
	if vm.stream == nil {
		return nil, false
	}
	header := func(h *[]Pair, k string) ([]byte, bool) {
		if h == nil {
			return nil, false
		}
		for _, p := range *h {
			if p.Key == k {
				return []byte(p.Value), true
			}
		}
		return nil, false
	}
	if k, ok := strings.CutPrefix(path, "request.headers."); ok {
		return header(vm.reqHeaders, k)
	}
	if k, ok := strings.CutPrefix(path, "response.headers."); ok {
		return header(vm.respHeaders, k)
	}
	switch path {
	case "request.path":
		return header(vm.reqHeaders, ":path")
	case "request.url_path":
		p, ok := header(vm.reqHeaders, ":path")
		u, _, _ := strings.Cut(string(p), "?")
		return []byte(u), ok
	case "request.host":
		return header(vm.reqHeaders, ":authority")
	case "request.method":
		return header(vm.reqHeaders, ":method")
	case "request.scheme":
		return header(vm.reqHeaders, ":scheme")
	case "response.code":
		s, ok := header(vm.respHeaders, ":status")
		n, err := strconv.ParseInt(string(s), 10, 64)
		if !ok || err != nil {
			return nil, false
		}
		return binary.LittleEndian.AppendUint64(nil, uint64(n)), true
	}
	return nil, false
}
