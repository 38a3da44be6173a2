package module

import (
	"fmt"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
)

// HostProblem is one thing the proxy's Wasm host would refuse, or do differently
// than the module expects, when it loads the module.
type HostProblem struct {
	Import string `json:"import,omitempty"` // module.name of the import, "" for a missing export
	Error  bool   `json:"error"`            // the load fails (false: a warning)
	Envoy  string `json:"envoyMessage"`     // what Envoy logs
	Cause  string `json:"cause"`            // what the module does that needs it, and the fix
}

func (p HostProblem) String() string {
	return p.Envoy + ": " + p.Cause
}

// CheckHost compares the module's imports with what the host of this Envoy
// registers (compat.HostFuncs) and checks what that host requires of the module:
// an allocator export, the start function it will call. Envoy fails the whole
// filter on a missing import (V8::link), so those are errors.
func CheckHost(info *Info, envoy compat.Envoy) []HostProblem {
	if info == nil {
		return nil
	}
	abi := hostABI(info)
	var out []HostProblem
	for _, im := range info.Imports {
		full := im.Module + "." + im.Name
		switch im.Kind {
		case KindMemory, KindTable:
			continue // V8::link creates imported memories and tables
		case KindFunc:
			if envoy.HostProvides(im.Module, im.Name, abi) {
				continue
			}
		}
		out = append(out, HostProblem{Import: full, Error: true,
			Envoy: compat.MissingImportMessage + full, Cause: missingCause(im, abi, envoy)})
	}
	exports := map[string]Kind{}
	for _, e := range info.Exports {
		exports[e.Name] = e.Kind
	}
	hasFunc := func(n string) bool { k, ok := exports[n]; return ok && k == KindFunc }
	if !hasFunc("malloc") {
		switch {
		case !hasFunc("proxy_on_memory_allocate"):
			out = append(out, HostProblem{Error: true, Envoy: compat.MissingMallocMessage,
				Cause: "the module exports neither malloc nor proxy_on_memory_allocate, which the host calls to hand it configuration, headers and bodies; build it with a proxy-wasm SDK"})
		case !envoy.Has(compat.MemoryAllocateFallback):
			out = append(out, HostProblem{Error: true, Envoy: compat.MissingMallocMessage,
				Cause: fmt.Sprintf("Envoy %s's host looks for malloc only; proxy_on_memory_allocate stands in for it from Envoy %s", envoy, compat.MemoryAllocateFallback.EnvoySince)})
		}
	}
	if k, ok := exports["memory"]; !ok || k != KindMemory {
		imported := false
		for _, im := range info.Imports {
			imported = imported || im.Kind == KindMemory
		}
		if !imported {
			out = append(out, HostProblem{Envoy: "no linear memory",
				Cause: "the module exports no memory named \"memory\": every host call that passes data (logs, configuration, headers) fails"})
		}
	}
	if hasFunc("_initialize") && !hasFunc("_start") && !envoy.Has(compat.InitializeReactor) {
		out = append(out, HostProblem{Envoy: "_initialize is not called",
			Cause: fmt.Sprintf("the module is a WASI reactor, but Envoy %s's host calls only _start (it calls _initialize from Envoy %s): its runtime and globals are never initialised", envoy, compat.InitializeReactor.EnvoySince)})
	}
	return out
}

// hostABI is the ABI the host will load the module as: the first marker it knows
// (BytecodeUtil::getAbiVersion), "" when none.
func hostABI(info *Info) string {
	for _, v := range info.ABIVersions {
		if v == ABI010 || v == ABI020 || v == ABI021 {
			return v
		}
	}
	return ""
}

// missingCause says why a module imports what the host lacks, and what to do.
func missingCause(im Import, abi string, envoy compat.Envoy) string {
	switch im.Kind {
	case KindGlobal:
		return "the module imports a global, which Envoy's hosts never provide (V8::link refuses every imported global)"
	case KindTag:
		return "the module imports an exception tag, which Envoy's hosts never provide"
	}
	mod := im.Module
	if mod == compat.HostModuleWASIOld {
		mod = compat.HostModuleWASI
	}
	h, known := compat.HostFunc(mod, im.Name, "")
	if known && h.ABIs != nil {
		return fmt.Sprintf("%s is a call of ABI %s, but the module declares %s; build it with an SDK for one ABI",
			im.Name, abiNames(h.ABIs), orNone(abi))
	}
	later := ""
	if known {
		later = fmt.Sprintf("; Envoy %s (Istio %s) and later provide it (%s)", h.EnvoySince, h.EnvoySince.IstioOf(), h.Source)
	}
	switch mod {
	case compat.HostModuleWASI:
		return wasiCause(im.Name) + later
	case compat.HostModuleEnv:
		if strings.HasPrefix(im.Name, "proxy_") {
			return fmt.Sprintf("%s is not a proxy-wasm host call Envoy knows%s; check the SDK's ABI version", im.Name, later)
		}
		return fmt.Sprintf("env.%s comes from a language runtime (Emscripten, AssemblyScript or a C library) the proxy does not have; build for wasm32-wasi with a proxy-wasm SDK%s", im.Name, later)
	case "wasi":
		return "a WASI threads call (wasi.thread-spawn): Envoy's host runs no threads; build without threads"
	}
	return fmt.Sprintf("no proxy-wasm host provides the import module %q: the module was built for another host (a browser, wasmtime's WASI, a component adapter)", im.Module)
}

func wasiCause(name string) string {
	switch {
	case name == "sched_yield" || name == "poll_oneoff":
		return name + ": the runtime's scheduler yields or sleeps (Go wasip1, TinyGo with a scheduler, or a sleep in the code)"
	case name == "fd_fdstat_set_flags":
		return name + ": Go's package os sets its standard files non-blocking at start; avoid os and fmt in the filter"
	case name == "clock_time_get" || name == "clock_res_get":
		return name + ": the module reads the clock; use proxy_get_current_time_nanoseconds"
	case name == "random_get":
		return name + ": the module asks for random bytes (Go and Rust seed their hash maps with them)"
	case strings.HasPrefix(name, "sock_"):
		return name + ": the module uses sockets; Envoy's host has none: call out with proxy_http_call or proxy_grpc_call"
	case strings.HasPrefix(name, "path_") || strings.HasPrefix(name, "fd_"):
		return name + ": the module reads or writes files; Envoy's host gives no filesystem"
	case name == "proc_raise" || name == "thread_spawn":
		return name + ": signals and threads do not exist in Envoy's host"
	}
	return name + ": a WASI call Envoy's host does not implement"
}

func abiNames(abis []string) string {
	var s []string
	for _, a := range abis {
		s = append(s, strings.TrimPrefix(a, abiPrefix))
	}
	return strings.ReplaceAll(strings.Join(s, " or "), "_", ".")
}

func orNone(abi string) string {
	if abi == "" {
		return "none"
	}
	return abiNames([]string{abi})
}
