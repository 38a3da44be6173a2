package pwhost

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/module"
)

// Plugin is what Envoy hands a plugin at load: the fields of the rendered
// envoy.extensions.wasm.v3.PluginConfig.
type Plugin struct {
	Name    string // PluginConfig.name
	RootID  string // PluginConfig.root_id
	VMID    string // vm_config.vm_id
	Runtime string // vm_config.runtime without "envoy.wasm.runtime." (v8, wamr, wasmtime, null)
	// VMConfiguration and Configuration are the exact bytes of
	// vm_config.configuration and configuration (the StringValue's string or the
	// BytesValue's bytes).
	VMConfiguration []byte
	Configuration   []byte
	// Env is vm_config.environment_variables.key_values: what WASI environ_get
	// answers. host_env_keys are the proxy's own environment, absent offline.
	Env map[string]string
}

// Options bound and shape a run.
type Options struct {
	// Envoy is the release whose host to play; the zero value is the newest.
	Envoy compat.Envoy
	// Timeout bounds the whole run (load, start, stream); default DefaultTimeout.
	Timeout time.Duration
	// MemoryLimit bounds the module's linear memory, in bytes; default
	// compat.MaxMemoryBytes, the most Envoy's V8 lets a module grow to.
	MemoryLimit uint64
	// LogLevel is what proxy_get_log_level answers (default info, Envoy's default).
	LogLevel LogLevel
	// Compile runs the module compiled to machine code instead of interpreted: ten
	// times slower to start (about 1.3 s against 0.13 s for a 2 MB Go module, see
	// BenchmarkDryStart), faster to run. Worth it for many streams, or with a Cache.
	Compile bool
	// Cache, when set, keeps compiled modules between runs of one process.
	Cache wazero.CompilationCache
}

// DefaultTimeout is long enough for a large module to compile and start on a slow
// CI machine, short enough that a loop is reported promptly.
const DefaultTimeout = 20 * time.Second

// Verdict is how a load ended.
type Verdict string

const (
	Loaded      Verdict = "loaded"      // started and configured: Envoy would serve with it
	NotLinked   Verdict = "not linked"  // a missing or mistyped import, or no allocator
	Refused     Verdict = "refused"     // proxy_on_vm_start or proxy_on_configure returned false
	Failed      Verdict = "failed"      // the module trapped
	Stopped     Verdict = "stopped"     // the time or memory limit
	Unsupported Verdict = "unsupported" // the dry run cannot tell (the null runtime, an imported memory)
)

// Log is one line the plugin logged: proxy_log, stdout/stderr (which Envoy logs at
// info and error), or a note of the host's.
type Log struct {
	Level   LogLevel `json:"-"`
	LevelS  string   `json:"level"`
	Source  string   `json:"source"` // proxy_log, stdout, stderr or host
	Context uint32   `json:"context"`
	Msg     string   `json:"message"`
}

// Step is one call of the lifecycle and what it returned.
type Step struct {
	Call   string `json:"call"`
	Result string `json:"result,omitempty"`
}

// StartReport is what loading the plugin did.
type StartReport struct {
	Plugin  string  `json:"plugin"`
	Envoy   string  `json:"envoy"`
	ABI     string  `json:"abi"`
	Runtime string  `json:"runtime"`
	Verdict Verdict `json:"verdict"`
	Root    uint32  `json:"root"` // the plugin's root context id
	// Reason says why the verdict is not Loaded: Envoy's message, the trap, the limit.
	Reason string `json:"reason,omitempty"`
	Steps  []Step `json:"steps"`
	Logs   []Log  `json:"logs"`
	// Callouts are the HTTP and gRPC calls the plugin made while it started.
	Callouts []Callout `json:"callouts,omitempty"`
	Notes    []string  `json:"notes,omitempty"`
}

// OK reports whether Envoy would serve with the plugin.
func (r *StartReport) OK() bool { return r.Verdict == Loaded }

// VM is a loaded module under the host; Close it.
type VM struct {
	opts   Options
	envoy  compat.Envoy
	plugin Plugin
	abi    string
	v8     bool

	ctx    context.Context
	cancel context.CancelFunc
	rt     wazero.Runtime
	mod    api.Module
	alloc  api.Function

	report *StartReport
	logs   *[]Log // where log lines go: the start report's, then a stream's

	nextID   uint32
	root     uint32
	current  uint32            // the effective context
	contexts map[uint32]uint32 // context -> parent (0 for a root)
	plugins  map[uint32]Plugin // root context -> its plugin
	starting bool              // in _initialize/_start/main: V8's restricted callbacks
	trap     string            // set by a host function that traps, for the report

	buffers                 map[BufferType][]byte
	maps                    map[MapType]*[]Pair
	properties              map[string][]byte
	shared                  map[string]*sharedValue
	queues                  []queue
	ticks                   map[uint32]uint32
	metrics                 []metric
	pending                 []func() // async answers: http/grpc callouts, queue readiness
	httpCalls               map[string]HTTPResponse
	callouts                []Callout
	nextToken               uint32
	stream                  *streamState
	reqHeaders, respHeaders *[]Pair // the stream's maps, for request.* and response.* properties
	clockCalls              uint64
	monoCalls               uint64
	lastStatus              uint32 // proxy_get_status: the last callout's status
	lastStatusMsg           string
	rng                     *rand.ChaCha8
	exited                  bool
	failed                  bool   // the module trapped or hit a limit: the VM is done
	failure                 string // why
}

type sharedValue struct {
	value []byte
	cas   uint32
}

type queue struct {
	vmID, name string
	owner      uint32
	items      [][]byte
}

type metric struct {
	kind  MetricType
	name  string
	value uint64
}

// epoch is the realtime clock's reading at the start of every run: fixed, so
// reports are the same on every run.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Start loads wasm as Envoy loads a plugin and runs the load lifecycle. The VM is
// nil unless the verdict is Loaded; the report is never nil.
func Start(ctx context.Context, wasm []byte, p Plugin, o Options) (*VM, *StartReport) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MemoryLimit == 0 {
		o.MemoryLimit = compat.MaxMemoryBytes
	}
	o.MemoryLimit = min(max(o.MemoryLimit, 1<<16), 1<<32) // one page to wasm32's 4 GiB
	if o.LogLevel == 0 {
		o.LogLevel = LogInfo
	}
	if p.Runtime == "" {
		p.Runtime = "v8"
	}
	vm := &VM{
		opts: o, envoy: o.Envoy, plugin: p, v8: p.Runtime == "v8",
		contexts: map[uint32]uint32{}, plugins: map[uint32]Plugin{}, properties: map[string][]byte{}, shared: map[string]*sharedValue{},
		ticks: map[uint32]uint32{}, nextID: 1, nextToken: 1,
		rng: rand.NewChaCha8([32]byte{'w', 'a', 's', 'm', 'g', 'e', 'n'}),
	}
	vm.report = &StartReport{Plugin: p.Name, Envoy: o.Envoy.String(), Runtime: p.Runtime, Steps: []Step{}, Logs: []Log{}}
	vm.logs = &vm.report.Logs
	vm.ctx, vm.cancel = context.WithTimeout(ctx, o.Timeout)
	ok := vm.load(wasm) && vm.startVM() && vm.startRoot(p)
	if !ok {
		vm.Close()
		return nil, vm.report
	}
	vm.report.Verdict = Loaded
	vm.report.Callouts = vm.callouts
	return vm, vm.report
}

// StartPlugin starts another plugin in the same VM, as Envoy does for filters
// that share a vm_id: a new root context, proxy_on_vm_start and proxy_on_configure
// with its configuration. Streams then run under it (see UseRoot). A refusal
// leaves the VM usable for the plugins it has; a trap or a limit ends it.
func (vm *VM) StartPlugin(p Plugin) *StartReport {
	p.Runtime, p.VMID = vm.plugin.Runtime, vm.plugin.VMID
	vm.report = &StartReport{Plugin: p.Name, Envoy: vm.envoy.String(), ABI: vm.abi, Runtime: p.Runtime, Steps: []Step{}, Logs: []Log{}}
	vm.logs = &vm.report.Logs
	vm.callouts = nil
	if vm.failed {
		vm.report.Verdict, vm.report.Reason = Failed, "the VM failed before: "+vm.failure
		return vm.report
	}
	if vm.startRoot(p) {
		vm.report.Verdict = Loaded
	}
	vm.report.Callouts = vm.callouts
	return vm.report
}

// UseRoot makes streams run under the plugin of this root context
// (StartReport.Root); false when there is none.
func (vm *VM) UseRoot(root uint32) bool {
	p, ok := vm.plugins[root]
	if ok {
		vm.root, vm.plugin = root, p
	}
	return ok
}

// Close frees the module; the VM is unusable after.
func (vm *VM) Close() {
	if vm.rt != nil {
		vm.rt.Close(context.WithoutCancel(vm.ctx))
		vm.rt = nil
	}
	vm.cancel()
}

// end records why the run cannot go on: in the start report while starting, for
// the stream report during a stream.
func (vm *VM) end(v Verdict, reason string) bool {
	if v != Refused { // a refusal fails the plugin, not the VM
		vm.failed, vm.failure = true, reason
	}
	if vm.stream == nil {
		vm.report.Verdict, vm.report.Reason = v, reason
	}
	return false
}

func (vm *VM) step(call, result string) {
	vm.report.Steps = append(vm.report.Steps, Step{call, result})
}

func (vm *VM) note(format string, args ...any) {
	vm.report.Notes = append(vm.report.Notes, fmt.Sprintf(format, args...))
}

// load compiles, links and instantiates the module: the host's
// WasmBase::load/initialize up to getFunctions.
func (vm *VM) load(wasm []byte) bool {
	if vm.plugin.Runtime == "null" {
		return vm.end(Unsupported, "runtime null runs plugins compiled into Envoy, not a Wasm module")
	}
	info, err := module.Decode(wasm)
	if err != nil {
		return vm.end(NotLinked, "Failed to load Wasm bytecode: "+err.Error())
	}
	for _, v := range info.ABIVersions {
		if v == compat.ABI010 || v == compat.ABI020 || v == compat.ABI021 {
			vm.abi = v
			break
		}
	}
	vm.report.ABI = vm.abi
	if vm.abi == "" {
		return vm.end(NotLinked, "Missing or unknown Proxy-Wasm ABI version")
	}
	var missing []string
	for _, p := range module.CheckHost(info, vm.envoy) {
		if p.Error {
			missing = append(missing, p.String())
		}
	}
	if len(missing) > 0 {
		return vm.end(NotLinked, strings.Join(missing, "\n"))
	}
	pages := uint32(vm.opts.MemoryLimit / 65536)
	cfg := wazero.NewRuntimeConfigInterpreter()
	if vm.opts.Compile {
		cfg = wazero.NewRuntimeConfig()
	}
	cfg = cfg.WithCloseOnContextDone(true).WithMemoryLimitPages(pages)
	if vm.opts.Cache != nil {
		cfg = cfg.WithCompilationCache(vm.opts.Cache)
	}
	vm.rt = wazero.NewRuntimeWithConfig(vm.ctx, cfg)
	compiled, err := vm.rt.CompileModule(vm.ctx, wasm)
	if err != nil {
		return vm.fail("compile", err)
	}
	if len(compiled.ImportedMemories()) > 0 {
		return vm.end(Unsupported, "the module imports its memory; Envoy creates one for it, the dry run cannot")
	}
	if msg := vm.checkTypes(compiled); msg != "" {
		return vm.end(NotLinked, msg)
	}
	if err := vm.instantiateHost(); err != nil {
		return vm.end(Failed, "host: "+err.Error())
	}
	mcfg := wazero.NewModuleConfig().WithName("").WithStartFunctions()
	vm.mod, err = vm.rt.InstantiateModule(vm.ctx, compiled, mcfg)
	if err != nil {
		return vm.fail("instantiate", err)
	}
	vm.step("link", "ok")
	vm.alloc = vm.mod.ExportedFunction("malloc")
	if vm.alloc == nil && vm.envoy.Has(compat.MemoryAllocateFallback) {
		vm.alloc = vm.mod.ExportedFunction("proxy_on_memory_allocate")
	}
	if vm.alloc == nil {
		return vm.end(NotLinked, compat.MissingMallocMessage)
	}
	if vm.mod.Memory() == nil {
		vm.note("the module exports no memory: every host call that passes data fails")
	}
	return true
}

// checkTypes compares the module's function imports with the host's signatures,
// as V8::link does: "Failed to load Wasm module due to an import type mismatch".
func (vm *VM) checkTypes(compiled wazero.CompiledModule) string {
	for _, def := range compiled.ImportedFunctions() {
		mod, name, _ := def.Import()
		f, ok := hostFunctions()[name]
		if !ok || (mod == compat.HostModuleEnv) != f.env {
			continue // CheckHost reported it
		}
		if !slices.Equal(def.ParamTypes(), f.params) || !slices.Equal(def.ResultTypes(), f.results) {
			return fmt.Sprintf("Failed to load Wasm module due to an import type mismatch: %s.%s, want: %s -> %s, but host exports: %s -> %s",
				mod, name, valTypes(def.ParamTypes()), valTypes(def.ResultTypes()), valTypes(f.params), valTypes(f.results))
		}
	}
	return ""
}

func valTypes(ts []api.ValueType) string {
	if len(ts) == 0 {
		return "void"
	}
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = api.ValueTypeName(t)
	}
	return strings.Join(s, " ")
}

// instantiateHost registers what this Envoy's host registers for the module's ABI,
// under env and both WASI names.
func (vm *VM) instantiateHost() error {
	funcs := vm.envoy.HostFuncsFor(vm.abi)
	impl := hostFunctions()
	for _, m := range []string{compat.HostModuleEnv, compat.HostModuleWASI, compat.HostModuleWASIOld} {
		names := funcs[m]
		if m == compat.HostModuleWASIOld {
			names = funcs[compat.HostModuleWASI]
		}
		b := vm.rt.NewHostModuleBuilder(m)
		sorted := append([]string(nil), names...)
		sort.Strings(sorted)
		for _, name := range sorted {
			f, ok := impl[name]
			if !ok {
				return fmt.Errorf("%s.%s has no implementation", m, name)
			}
			b.NewFunctionBuilder().WithGoModuleFunction(vm.wrap(m, name, f), f.params, f.results).Export(name)
		}
		if _, err := b.Instantiate(vm.ctx); err != nil {
			return err
		}
	}
	return nil
}

// errTrap is what a host function panics with to trap the module.
type errTrap struct{ msg string }

func (e errTrap) Error() string { return e.msg }

func (vm *VM) wrap(mod, name string, f hostFunc) api.GoModuleFunction {
	return api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
		if vm.starting && vm.v8 && !vm.envoy.AllowedAtStart(mod, name) {
			vm.trap = fmt.Sprintf("restricted_callback: the module called %s.%s during start, which Envoy %s's V8 forbids there (proxy-wasm-cpp-host src/wasm.cc startVm); call it from proxy_on_vm_start or later", mod, name, vm.envoy)
			panic(errTrap{vm.trap})
		}
		c := call{mem: nullMemory{}, alloc: vm.allocate}
		if mem := m.Memory(); mem != nil {
			c.mem = mem
		}
		// An i32 argument arrives with undefined upper bits: clear them once here.
		for i, t := range f.params {
			if t == api.ValueTypeI32 {
				stack[i] = uint64(uint32(stack[i]))
			}
		}
		f.fn(vm, c, stack)
	})
}

type nullMemory struct{}

func (nullMemory) Read(uint32, uint32) ([]byte, bool) { return nil, false }
func (nullMemory) Write(uint32, []byte) bool          { return false }

// allocate calls the module's allocator, as WasmBase::allocMemory does.
func (vm *VM) allocate(size uint32) (uint32, bool) {
	if vm.alloc == nil {
		return 0, false
	}
	res, err := vm.alloc.Call(vm.ctx, uint64(size))
	if err != nil || len(res) == 0 || res[0] == 0 {
		return 0, false
	}
	return uint32(res[0]), true
}

// callExport calls an export of the module; exported is false when there is none.
// A trap or a limit ends the run: ok false, the report says why.
func (vm *VM) callExport(name string, args ...uint64) (ret uint64, exported, ok bool) {
	fn := vm.mod.ExportedFunction(name)
	if fn == nil {
		return 0, false, true
	}
	vm.trap = ""
	res, err := fn.Call(vm.ctx, args...)
	if err != nil {
		vm.fail(name, err)
		return 0, true, false
	}
	if len(res) > 0 {
		ret = res[0]
	}
	return ret, true, true
}

// fail turns an error of the module into the verdict: the time limit, the memory
// limit, a host trap, or the module's own trap.
func (vm *VM) fail(where string, err error) bool {
	var exit *sys.ExitError
	if errors.As(err, &exit) && (exit.ExitCode() == sys.ExitCodeDeadlineExceeded || exit.ExitCode() == sys.ExitCodeContextCanceled) {
		return vm.end(Stopped, fmt.Sprintf("%s did not return within the time limit of %s: the module loops or blocks", where, vm.opts.Timeout))
	}
	if vm.mod != nil && vm.mod.Memory() != nil {
		if size := uint64(vm.mod.Memory().Size()); size+1<<20 >= vm.opts.MemoryLimit {
			return vm.end(Stopped, fmt.Sprintf("%s grew the module's memory to %d MiB, the limit (Envoy's V8 allows %d MiB): it allocates without bound", where, size>>20, compat.MaxMemoryBytes>>20))
		}
	}
	if vm.trap != "" {
		return vm.end(Failed, vm.trap)
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if where == "compile" || where == "instantiate" {
		return vm.end(Failed, "Failed to load Wasm module: "+msg)
	}
	return vm.end(Failed, fmt.Sprintf("%s trapped: %s (Envoy logs the trap and fails the VM)", where, msg))
}

func (vm *VM) newContext(parent uint32) uint32 {
	id := vm.nextID
	vm.nextID++
	vm.contexts[id] = parent
	return id
}

// startVM runs the module's start function as WasmBase::startVm (in the VM's own
// context, id 0).
func (vm *VM) startVM() bool {
	vm.current = 0
	vm.starting = true
	var starts []string
	switch {
	case vm.envoy.Has(compat.InitializeReactor) && vm.mod.ExportedFunction("_initialize") != nil:
		starts = append(starts, "_initialize")
		switch {
		case vm.envoy.Has(compat.ReactorMain) && vm.mod.ExportedFunction("main") != nil:
			starts = append(starts, "main")
		case vm.envoy.Has(compat.ReactorMainVoid) && vm.mod.ExportedFunction("__main_void") != nil:
			starts = append(starts, "__main_void")
		}
	case vm.mod.ExportedFunction("_start") != nil:
		starts = append(starts, "_start")
	case !vm.envoy.Has(compat.InitializeReactor) && vm.mod.ExportedFunction("__wasm_call_ctors") != nil:
		starts = append(starts, "__wasm_call_ctors")
	}
	for _, s := range starts {
		var args []uint64
		if s == "main" {
			args = []uint64{0, 0}
		}
		if _, _, ok := vm.callExport(s, args...); !ok {
			vm.step(s, "failed")
			return false
		}
		vm.step(s, "")
	}
	vm.starting = false
	if vm.exited {
		vm.note("the module called proc_exit during start; Envoy's host logs it and goes on")
	}
	return true
}

// startRoot is what a plugin gets from the host: a root context
// (ContextBase::onStart: proxy_on_context_create, proxy_on_vm_start), then
// onConfigure.
func (vm *VM) startRoot(p Plugin) bool {
	vm.plugin = p
	vm.root = vm.newContext(0)
	vm.plugins[vm.root] = p
	vm.current = vm.root
	vm.report.Root = vm.root
	if _, exported, ok := vm.callExport("proxy_on_context_create", uint64(vm.root), 0); !ok {
		return false
	} else if exported {
		vm.step(fmt.Sprintf("proxy_on_context_create(%d, 0)", vm.root), "")
	}
	return vm.boolCallback("proxy_on_vm_start", BufferVMConfiguration, vm.plugin.VMConfiguration, compat.StartFailedMessage) &&
		vm.drain() && vm.configure()
}

// boolCallback calls proxy_on_vm_start or proxy_on_configure with its buffer: false
// from the plugin is a refusal, with its logged warnings and errors as the reason.
func (vm *VM) boolCallback(name string, t BufferType, data []byte, failed string) bool {
	vm.buffers = map[BufferType][]byte{t: data}
	ret, exported, ok := vm.callExport(name, uint64(vm.root), uint64(len(data)))
	vm.buffers = nil
	if !ok {
		return false
	}
	if exported {
		vm.step(fmt.Sprintf("%s(%d, %d)", name, vm.root, len(data)), boolResult(ret))
		if uint32(ret) == 0 {
			return vm.end(Refused, failed+": "+name+" returned false"+vm.lastErrors())
		}
	}
	return true
}

// configure is the root context's onConfigure: proxy_on_configure with the plugin
// configuration, then what the plugin set in motion (callouts, a first tick).
func (vm *VM) configure() bool {
	if !vm.boolCallback("proxy_on_configure", BufferPluginConfiguration, vm.plugin.Configuration, compat.ConfigureFailedMessage) {
		return false
	}
	if !vm.drain() {
		return false
	}
	// Envoy ticks a root context every period; the first tick shows whether the
	// plugin's timer code runs at all.
	if period := vm.ticks[vm.root]; period > 0 {
		if _, exported, ok := vm.callExport("proxy_on_tick", uint64(vm.root)); !ok {
			return false
		} else if exported {
			vm.step(fmt.Sprintf("proxy_on_tick(%d)", vm.root), fmt.Sprintf("first tick of every %d ms", period))
		}
		return vm.drain()
	}
	return true
}

// drain delivers the answers the plugin is waiting for, in order.
func (vm *VM) drain() bool {
	for len(vm.pending) > 0 {
		f := vm.pending[0]
		vm.pending = vm.pending[1:]
		f()
		if vm.failed {
			return false
		}
	}
	return true
}

// lastErrors quotes the plugin's error logs, the reason it refused.
func (vm *VM) lastErrors() string {
	var msgs []string
	for _, l := range *vm.logs {
		if l.Level >= LogWarn {
			msgs = append(msgs, l.Msg)
		}
	}
	if len(msgs) == 0 {
		return " (the plugin logged no warning or error)"
	}
	return ": " + strings.Join(msgs, "; ")
}

func boolResult(ret uint64) string {
	if uint32(ret) == 0 {
		return "false"
	}
	return "true"
}

func (vm *VM) log(level LogLevel, source, msg string) {
	*vm.logs = append(*vm.logs, Log{Level: level, LevelS: level.String(), Source: source, Context: vm.current, Msg: msg})
}
