// Package pwhost runs a proxy-wasm module offline, under a host that behaves as
// the Wasm host of a chosen Envoy release (proxy-wasm-cpp-host, which Envoy
// embeds): the same imports registered (compat.HostFuncs), the same start
// functions called, the same WASI answers, the same status codes. It plays the
// lifecycle Envoy plays when it loads a plugin — the root context, proxy_on_vm_start
// with vm_config.configuration, proxy_on_configure with the plugin configuration —
// and, given a Request fixture, one HTTP stream through the plugin's callbacks.
//
// The module runs in wazero (pure Go) with a time limit and a memory limit, so a
// module that loops or grows without bound is stopped and reported; nothing it does
// reaches the machine (no files, sockets, clocks or randomness of the host: time and
// random bytes are deterministic, so reports are the same on every run).
package pwhost

// Values of the proxy-wasm ABI (github.com/proxy-wasm/spec, abi-versions/v0.2.1;
// proxy-wasm-cpp-host include/proxy-wasm/wasm_api_impl.h and the SDK headers).

// Status is proxy_status_t.
type Status uint32

const (
	StatusOK                   Status = 0
	StatusNotFound             Status = 1
	StatusBadArgument          Status = 2
	StatusSerializationFailure Status = 3
	StatusParseFailure         Status = 4
	StatusInvalidMemoryAccess  Status = 6
	StatusEmpty                Status = 7
	StatusCasMismatch          Status = 8
	StatusInternalFailure      Status = 10
	StatusUnimplemented        Status = 12
)

// LogLevel is proxy_log_level_t.
type LogLevel uint32

const (
	LogTrace LogLevel = iota
	LogDebug
	LogInfo
	LogWarn
	LogError
	LogCritical
)

var logLevelNames = [...]string{"trace", "debug", "info", "warn", "error", "critical"}

func (l LogLevel) String() string {
	if int(l) < len(logLevelNames) {
		return logLevelNames[l]
	}
	return "unknown"
}

// MapType is proxy_map_type_t.
type MapType uint32

const (
	MapRequestHeaders MapType = iota
	MapRequestTrailers
	MapResponseHeaders
	MapResponseTrailers
	MapGRPCInitialMetadata
	MapGRPCTrailingMetadata
	MapHTTPCallResponseHeaders
	MapHTTPCallResponseTrailers
)

const maxMapType = MapHTTPCallResponseTrailers

// BufferType is proxy_buffer_type_t.
type BufferType uint32

const (
	BufferRequestBody BufferType = iota
	BufferResponseBody
	BufferDownstreamData
	BufferUpstreamData
	BufferHTTPCallResponseBody
	BufferGRPCReceive
	BufferVMConfiguration
	BufferPluginConfiguration
	BufferCallData
)

const maxBufferType = BufferCallData

// Action is proxy_action_t, what an HTTP callback tells the host to do.
type Action uint32

const (
	ActionContinue Action = 0
	ActionPause    Action = 1
	// ActionStopAllIterationAndBuffer and Watermark are Envoy's extended header
	// statuses (proxy-wasm-cpp-host include/proxy-wasm/context.h FilterHeadersStatus).
	ActionStopAllIterationAndBuffer    Action = 3
	ActionStopAllIterationAndWatermark Action = 4
)

func (a Action) String() string {
	switch a {
	case ActionContinue:
		return "continue"
	case ActionPause:
		return "pause"
	case ActionStopAllIterationAndBuffer:
		return "stop-all-and-buffer"
	case ActionStopAllIterationAndWatermark:
		return "stop-all-and-watermark"
	}
	return "unknown"
}

// StreamType is proxy_stream_type_t (proxy_continue_stream's argument).
type StreamType uint32

const (
	StreamRequest StreamType = iota
	StreamResponse
	StreamDownstream
	StreamUpstream
)

// MetricType is proxy_metric_type_t.
type MetricType uint32

const (
	MetricCounter MetricType = iota
	MetricGauge
	MetricHistogram
)

// WASI errno values the host returns (wasi-libc api.h).
const (
	errnoSuccess  = 0
	errnoBadf     = 8
	errnoFault    = 21
	errnoInval    = 28
	errnoNoent    = 44
	errnoNosys    = 52
	errnoNotsup   = 58
	errnoNotcapab = 76
)

// grpcUnavailable is the gRPC status a dry run answers calls with (UNAVAILABLE).
const grpcUnavailable = 14
