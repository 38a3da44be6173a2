package compat

import (
	"slices"
	"sync"
)

// What the proxy's Wasm host (proxy-wasm-cpp-host, which Envoy embeds) registers for
// a module to import, and what it does at load, by Envoy release. Read from
// proxy-wasm-cpp-host (github.com/proxy-wasm/proxy-wasm-cpp-host): src/wasm.cc
// WasmBase::registerCallbacks, getFunctions and startVm; include/proxy-wasm/exports.h
// FOR_ALL_HOST_FUNCTIONS and FOR_ALL_WASI_FUNCTIONS; src/exports.cc for what each
// call does. Envoy's branches of that repository (envoy-release/v1.15 at 51e2013,
// istio-release/v1.8 at a044a3a, envoy-release/v1.17 at a59dd54) fix the early
// releases; for later ones the first Envoy release after the change is taken, so a
// module is never refused for a call its proxy may have (see each Source).

// Import modules the host registers functions under. The WASI set is registered
// under both names (registerCallbacks: _REGISTER_WASI_UNSTABLE and _SNAPSHOT).
const (
	HostModuleEnv        = "env"
	HostModuleWASI       = "wasi_snapshot_preview1"
	HostModuleWASIOld    = "wasi_unstable"
	MissingImportMessage = "Failed to load Wasm module due to a missing import: "
	// MissingImportSource is where Envoy's message is written (the same text in
	// src/wamr/wamr.cc) since the first commit, 92992ce.
	MissingImportSource = "proxy-wasm-cpp-host src/v8/v8.cc V8::link"
	// MissingMallocMessage: WasmBase::getFunctions fails the VM without an allocator
	// export the host can copy data into.
	MissingMallocMessage = "Wasm module is missing malloc function."
	// Envoy's messages after a failed load, as its logs print them
	// (source/extensions/common/wasm/wasm.cc; proxy-wasm-cpp-host#287,
	// envoyproxy/envoy#20483 quote them).
	VMFailedMessage     = "Wasm VM failed Failed to initialize Wasm code"
	FilterFailedMessage = "Unable to create Wasm HTTP filter"
	// StartFailedMessage and ConfigureFailedMessage are what
	// PluginHandle creation logs when proxy_on_vm_start or proxy_on_configure
	// returns false (src/wasm.cc createPluginHandle / getOrCreateThreadLocalPlugin).
	StartFailedMessage     = "Failed to start base Wasm"
	ConfigureFailedMessage = "Failed to configure base Wasm plugin"
)

// HostFuncs is a set of functions the host registers from a release on.
type HostFuncs struct {
	Feature
	Module string   // HostModuleEnv or HostModuleWASI (which also stands for HostModuleWASIOld)
	Names  []string // import names
	// ABIs limits the set to modules declaring one of these ABI markers; nil: every ABI.
	ABIs []string
}

// The proxy-wasm host calls (module "env"), the same set from the first
// proxy-wasm-cpp-host on (56204b1 src/wasm.cc; exports.h FOR_ALL_HOST_FUNCTIONS
// today), plus the calls each ABI version adds (registerCallbacks since
// proxy-wasm-cpp-host#42 and #50, Aug 2020, in Envoy 1.16 and the Istio 1.7 backport
// istio/envoy#248).
var hostFuncs = []HostFuncs{
	{Feature: Feature{Name: "proxy-wasm host calls", EnvoySince: OldestEnvoy, Source: "proxy-wasm-cpp-host 56204b1 src/wasm.cc registerCallbacks"},
		Module: HostModuleEnv, Names: []string{
			"proxy_log", "proxy_get_status", "proxy_set_property", "proxy_get_property", "proxy_send_local_response",
			"proxy_get_shared_data", "proxy_set_shared_data", "proxy_register_shared_queue", "proxy_resolve_shared_queue",
			"proxy_dequeue_shared_queue", "proxy_enqueue_shared_queue", "proxy_get_header_map_value",
			"proxy_add_header_map_value", "proxy_replace_header_map_value", "proxy_remove_header_map_value",
			"proxy_get_header_map_pairs", "proxy_set_header_map_pairs", "proxy_get_header_map_size",
			"proxy_get_buffer_status", "proxy_get_buffer_bytes", "proxy_set_buffer_bytes", "proxy_http_call",
			"proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_close", "proxy_grpc_cancel", "proxy_grpc_send",
			"proxy_set_tick_period_milliseconds", "proxy_get_current_time_nanoseconds", "proxy_define_metric",
			"proxy_increment_metric", "proxy_record_metric", "proxy_get_metric", "proxy_set_effective_context",
			"proxy_done", "proxy_call_foreign_function",
			"pthread_equal", // registered beside them for Emscripten builds
		}},
	{Feature: Feature{Name: "ABI 0.1.0 host calls", EnvoySince: OldestEnvoy, Source: "proxy-wasm-cpp-host#42 src/wasm.cc registerCallbacks"},
		Module: HostModuleEnv, ABIs: []string{ABI010},
		Names: []string{"proxy_get_configuration", "proxy_continue_request", "proxy_continue_response", "proxy_clear_route_cache"}},
	{Feature: Feature{Name: "ABI 0.2.x host calls", EnvoySince: OldestEnvoy, Source: "proxy-wasm-cpp-host#42 src/wasm.cc registerCallbacks"},
		Module: HostModuleEnv, ABIs: []string{ABI020, ABI021},
		Names: []string{"proxy_continue_stream", "proxy_close_stream"}},
	{Feature: Feature{Name: "proxy_get_log_level", EnvoySince: OldestEnvoy, Source: "proxy-wasm-cpp-host#50 (ABI 0.2.1 only)"},
		Module: HostModuleEnv, ABIs: []string{ABI021}, Names: []string{"proxy_get_log_level"}},
	// proxy-wasm-cpp-host#288 (2022-06-15); Envoy 1.23 is the first release after it.
	{Feature: Feature{Name: "emscripten_notify_memory_growth", EnvoySince: 23, Source: "proxy-wasm-cpp-host#288"},
		Module: HostModuleEnv, Names: []string{"emscripten_notify_memory_growth"}},

	// WASI. The first set is in every proxy-wasm-cpp-host (56204b1; still in
	// envoy-release/v1.15 at 51e2013).
	{Feature: Feature{Name: "WASI (stdio, environment, arguments)", EnvoySince: OldestEnvoy, Source: "proxy-wasm-cpp-host 56204b1 src/wasm.cc registerCallbacks"},
		Module: HostModuleWASI, Names: []string{"fd_write", "args_sizes_get", "args_get", "environ_sizes_get", "environ_get"}},
	{Feature: Feature{Name: "WASI (stubs)", EnvoySince: OldestEnvoy, Source: "proxy-wasm-cpp-host 56204b1 src/wasm.cc registerCallbacks"},
		Module: HostModuleWASI, Names: []string{"fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "proc_exit"}},
	// clock_time_get (#65) and random_get (#68), Oct 2020: in istio-release/v1.8
	// (a044a3a, Envoy 1.16), not in envoy-release/v1.15.
	{Feature: Feature{Name: "WASI clock_time_get, random_get", EnvoySince: 16, Source: "proxy-wasm-cpp-host#65, #68; branch istio-release/v1.8"},
		Module: HostModuleWASI, Names: []string{"clock_time_get", "random_get"}},
	// Preopened-file stubs, #201 (2021-11-18); Envoy 1.17 (Istio 1.9) lacks them
	// (proxy-wasm-cpp-host#287); Envoy 1.21 is the first release after the change.
	{Feature: Feature{Name: "WASI path_open, fd_prestat_get, fd_prestat_dir_name", EnvoySince: 21, Source: "proxy-wasm-cpp-host#201"},
		Module: HostModuleWASI, Names: []string{"path_open", "fd_prestat_get", "fd_prestat_dir_name"}},
	// The calls Go's wasip1 runtime makes, #427 (2024-12-19): "Envoy >= 1.33.0"
	// (proxy-wasm/proxy-wasm-go-sdk README, Requirements).
	{Feature: Feature{Name: "WASI for Go: sched_yield, poll_oneoff, fd_fdstat_set_flags", EnvoySince: 33, Source: "proxy-wasm-cpp-host#427; proxy-wasm-go-sdk README"},
		Module: HostModuleWASI, Names: []string{"sched_yield", "poll_oneoff", "fd_fdstat_set_flags"}},
	// The rest of WASI preview 1 as stubs, #533 (2026-04-06). envoyproxy/envoy#44526
	// (2026-04-20) asks Envoy to take it; Envoy main pins f2db56a (after it) from
	// mid-2026, so Envoy 1.39 is the first release that can carry it.
	{Feature: Feature{Name: "WASI preview 1 stubs (proxy-wasm-cpp-host#533)", EnvoySince: 39, Source: "proxy-wasm-cpp-host#533; envoyproxy/envoy#44526"},
		Module: HostModuleWASI, Names: []string{
			"fd_fdstat_set_rights", "clock_res_get", "fd_advise", "fd_allocate", "fd_datasync", "fd_filestat_set_size",
			"fd_filestat_set_times", "fd_pread", "fd_pwrite", "fd_readdir", "fd_renumber", "fd_sync", "fd_tell",
			"path_create_directory", "path_filestat_set_times", "path_link", "path_readlink", "path_remove_directory",
			"path_rename", "path_symlink", "path_unlink_file", "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
			"path_filestat_get", "fd_filestat_get",
		}},
}

// HostFunc is the set that brings module.name to a module declaring abi (an ABI
// marker export; "" for any); ok is false when no release of the host registers it.
func HostFunc(module, name, abi string) (HostFuncs, bool) {
	if module == HostModuleWASIOld {
		module = HostModuleWASI
	}
	for _, h := range hostFuncs {
		if h.Module == module && slices.Contains(h.Names, name) && (h.ABIs == nil || abi == "" || slices.Contains(h.ABIs, abi)) {
			return h, true
		}
	}
	return HostFuncs{}, false
}

// HostProvides reports whether this Envoy's host registers module.name for a module
// of ABI abi.
func (v Envoy) HostProvides(module, name, abi string) bool {
	h, ok := HostFunc(module, name, abi)
	return ok && v.Has(h.Feature) && (h.ABIs == nil || slices.Contains(h.ABIs, abi))
}

// HostFuncsFor lists what this Envoy's host registers for ABI abi, by module
// (HostModuleWASI standing for both WASI names).
func (v Envoy) HostFuncsFor(abi string) map[string][]string {
	out := map[string][]string{}
	for _, h := range hostFuncs {
		if v.Has(h.Feature) && (h.ABIs == nil || slices.Contains(h.ABIs, abi)) {
			out[h.Module] = append(out[h.Module], h.Names...)
		}
	}
	return out
}

// AllowedAtStart reports whether Envoy's V8 lets a module call module.name while it
// runs _initialize, _start or main: from proxy-wasm-cpp-host#306 (2022-08-05, Envoy
// 1.24) any other host call traps there ("restricted_callback"). The allow list
// (src/wasm.cc startVm) grew with #427 (Envoy 1.33), #461 (2025-11-20, Envoy 1.37)
// and #533 (Envoy 1.39).
func (v Envoy) AllowedAtStart(module, name string) bool {
	if !v.Has(RestrictedStart) {
		return true
	}
	if module == HostModuleWASIOld {
		module = HostModuleWASI
	}
	since, ok := startAllowed()[module+"."+name]
	return ok && v.Minor() >= int(since)
}

// startAllowed is built on first use: compat does no work at package init.
var startAllowed = sync.OnceValue(func() map[string]Envoy {
	m := map[string]Envoy{"env.proxy_log": 24, "env.emscripten_notify_memory_growth": 37}
	for _, n := range []string{"fd_write", "args_sizes_get", "args_get", "environ_sizes_get", "environ_get",
		"fd_prestat_get", "fd_prestat_dir_name", "clock_time_get", "random_get"} {
		m[HostModuleWASI+"."+n] = 24
	}
	m[HostModuleWASI+".fd_fdstat_get"] = 33
	m[HostModuleWASI+".fd_fdstat_set_flags"] = 33
	for _, h := range hostFuncs {
		if h.EnvoySince == 39 {
			for _, n := range h.Names {
				m[HostModuleWASI+"."+n] = 39
			}
		}
	}
	m[HostModuleWASI+".poll_oneoff"] = 39
	return m
})

// Load-time behaviours of the host.
var (
	// InitializeReactor: the host calls a WASI reactor's _initialize (and not
	// _start) from proxy-wasm-cpp-host#72 (Oct 2020; in istio-release/v1.8, Envoy
	// 1.16). Before, it called _start, else __wasm_call_ctors.
	InitializeReactor = Feature{Name: "_initialize", EnvoySince: 16, Source: "proxy-wasm-cpp-host#72; branch istio-release/v1.8"}
	// MemoryAllocateFallback: proxy_on_memory_allocate stands in for malloc from
	// proxy-wasm-cpp-host#80 (Oct 2020, Envoy 1.16).
	MemoryAllocateFallback = Feature{Name: "proxy_on_memory_allocate as malloc", EnvoySince: 16, Source: "proxy-wasm-cpp-host#80; branch istio-release/v1.8"}
	// ReactorMain: after _initialize the host calls main(0, 0) if exported, from
	// proxy-wasm-cpp-host#133 (2021-03-02; not in envoy-release/v1.17): Envoy 1.18.
	ReactorMain = Feature{Name: "main() after _initialize", EnvoySince: 18, Source: "proxy-wasm-cpp-host#133; branch envoy-release/v1.17"}
	// ReactorMainVoid: or __main_void() without main, proxy-wasm-cpp-host#500
	// (2026-03-03), taken with #533 (Envoy 1.39, see above).
	ReactorMainVoid = Feature{Name: "__main_void() after _initialize", EnvoySince: 39, Source: "proxy-wasm-cpp-host#500"}
	// RestrictedStart: V8 traps host calls outside an allow list during the start
	// functions, proxy-wasm-cpp-host#306 (2022-08-05): Envoy 1.24.
	RestrictedStart = Feature{Name: "restricted host calls at start", EnvoySince: 24, Source: "proxy-wasm-cpp-host#306"}
	// PollOneoffSucceeds: poll_oneoff answers success with no events from #533;
	// #427 answered ENOSYS (52), which Go's runtime throws on (golang/go#78513).
	PollOneoffSucceeds = Feature{Name: "poll_oneoff success", EnvoySince: 39, Source: "proxy-wasm-cpp-host#533 src/exports.cc"}
)

// MaxMemoryBytes is the most linear memory Envoy's V8 lets a module grow to
// (include/proxy-wasm/limits.h PROXY_WASM_HOST_MAX_WASM_MEMORY_SIZE_BYTES, #281).
const MaxMemoryBytes = 1 << 30

// MaxRandomGetBytes bounds one random_get (limits.h, proxy-wasm-cpp-host#284): a
// larger request gets EINVAL.
const MaxRandomGetBytes = 64 << 10
