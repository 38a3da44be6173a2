package module

import (
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/compat"
)

// info is a decoded module as an SDK emits it: ABI marker, allocator, memory,
// plus the given imports and exports ("mod.name" funcs, or "memory:"/"global:" kinds).
func info(abi string, imports []string, exports ...string) *Info {
	i := &Info{ABIVersions: []string{abi}, Exports: []Export{{abi, KindFunc}}}
	for _, s := range imports {
		kind := KindFunc
		if k, rest, ok := strings.Cut(s, ":"); ok {
			kind, s = Kind(k), rest
		}
		mod, name, _ := strings.Cut(s, ".")
		i.Imports = append(i.Imports, Import{Module: mod, Name: name, Kind: kind})
	}
	if exports == nil {
		exports = []string{"malloc", "memory:memory"}
	}
	for _, e := range exports {
		kind := KindFunc
		if k, rest, ok := strings.Cut(e, ":"); ok {
			kind, e = Kind(rest), k
		}
		i.Exports = append(i.Exports, Export{Name: e, Kind: kind})
	}
	return i
}

func TestCheckHost(t *testing.T) {
	for _, tc := range []struct {
		name  string
		info  *Info
		envoy compat.Envoy
		want  []string // one substring per problem, "error:" or "warning:" first
	}{
		{"SDK module links everywhere", info(ABI021, []string{"env.proxy_log", "env.proxy_get_buffer_bytes", "wasi_snapshot_preview1.fd_write"}), 13, nil},
		{"wasi_unstable is the same set", info(ABI010, []string{"wasi_unstable.fd_write", "wasi_unstable.environ_get"}), 13, nil},
		{"clock before Envoy 1.16", info(ABI010, []string{"wasi_snapshot_preview1.clock_time_get"}), 15,
			[]string{"error:Failed to load Wasm module due to a missing import: wasi_snapshot_preview1.clock_time_get: clock_time_get: the module reads the clock; use proxy_get_current_time_nanoseconds; Envoy 1.16 (Istio 1.8) and later"}},
		{"clock from Envoy 1.16", info(ABI010, []string{"wasi_snapshot_preview1.clock_time_get"}), 16, nil},
		{"TinyGo's preopens on Istio 1.9", info(ABI021, []string{"wasi_snapshot_preview1.fd_prestat_get", "wasi_snapshot_preview1.path_open"}), 17,
			[]string{"error:missing import: wasi_snapshot_preview1.fd_prestat_get: fd_prestat_get: the module reads or writes files", "error:wasi_snapshot_preview1.path_open"}},
		{"TinyGo's preopens from 1.21", info(ABI021, []string{"wasi_snapshot_preview1.fd_prestat_get", "wasi_snapshot_preview1.path_open"}), 21, nil},
		{"Go's scheduler before 1.33", info(ABI021, []string{"wasi_snapshot_preview1.sched_yield", "wasi_snapshot_preview1.fd_fdstat_set_flags"}), 32,
			[]string{"error:sched_yield: the runtime's scheduler", "error:fd_fdstat_set_flags: Go's package os"}},
		{"Go's scheduler from 1.33", info(ABI021, []string{"wasi_snapshot_preview1.sched_yield", "wasi_snapshot_preview1.poll_oneoff"}), 33, nil},
		{"files before #533", info(ABI021, []string{"wasi_snapshot_preview1.fd_filestat_get"}), 38,
			[]string{"error:fd_filestat_get: the module reads or writes files; Envoy's host gives no filesystem; Envoy 1.39 (Istio 1.31) and later provide it"}},
		{"files from #533", info(ABI021, []string{"wasi_snapshot_preview1.fd_filestat_get", "wasi_snapshot_preview1.sock_recv"}), 39, nil},
		{"WASI no Envoy has", info(ABI021, []string{"wasi_snapshot_preview1.proc_raise"}), 0,
			[]string{"error:proc_raise: signals and threads do not exist"}},
		{"sockets on old Envoy", info(ABI021, []string{"wasi_snapshot_preview1.sock_accept"}), 30, []string{"error:sock_accept: the module uses sockets"}},
		{"0.2 call in a 0.1.0 module", info(ABI010, []string{"env.proxy_continue_stream"}), 0,
			[]string{"error:proxy_continue_stream is a call of ABI 0.2.0 or 0.2.1, but the module declares 0.1.0"}},
		{"0.1.0 call in a 0.2.1 module", info(ABI021, []string{"env.proxy_get_configuration"}), 0,
			[]string{"error:proxy_get_configuration is a call of ABI 0.1.0, but the module declares 0.2.1"}},
		{"get_log_level is 0.2.1 only", info(ABI020, []string{"env.proxy_get_log_level"}), 0, []string{"error:ABI 0.2.1, but the module declares 0.2.0"}},
		{"get_log_level in 0.2.1", info(ABI021, []string{"env.proxy_get_log_level", "env.proxy_continue_stream"}), 0, nil},
		{"unknown proxy call", info(ABI021, []string{"env.proxy_get_bogus"}), 0, []string{"error:proxy_get_bogus is not a proxy-wasm host call Envoy knows"}},
		{"AssemblyScript abort", info(ABI021, []string{"env.abort"}), 0, []string{"error:env.abort comes from a language runtime"}},
		{"a browser's import module", info(ABI021, []string{"wbg.__wbindgen_throw"}), 0, []string{`error:no proxy-wasm host provides the import module "wbg"`}},
		{"WASI threads", info(ABI021, []string{"wasi.thread-spawn"}), 0, []string{"error:wasi.thread-spawn"}},
		{"imported global", info(ABI021, []string{"global:env.__stack_pointer"}), 0, []string{"error:imports a global"}},
		{"imported memory and table link", info(ABI021, []string{"memory:env.memory", "table:env.__indirect_function_table"}, "malloc"), 0, nil},
		{"no allocator", info(ABI021, nil, "memory:memory"), 0,
			[]string{"error:Wasm module is missing malloc function.: the module exports neither malloc nor proxy_on_memory_allocate"}},
		{"proxy_on_memory_allocate from 1.16", info(ABI021, nil, "proxy_on_memory_allocate", "memory:memory"), 16, nil},
		{"proxy_on_memory_allocate before 1.16", info(ABI010, nil, "proxy_on_memory_allocate", "memory:memory"), 15,
			[]string{"error:Envoy 1.15's host looks for malloc only"}},
		{"no memory", info(ABI021, nil, "malloc"), 0, []string{"warning:exports no memory"}},
		{"reactor before 1.16", info(ABI010, nil, "malloc", "_initialize", "memory:memory"), 15, []string{"warning:Envoy 1.15's host calls only _start"}},
		{"reactor from 1.16", info(ABI010, nil, "malloc", "_initialize", "memory:memory"), 16, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckHost(tc.info, tc.envoy)
			if len(got) != len(tc.want) {
				t.Fatalf("CheckHost = %d problems %v, want %d %q", len(got), got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				sev, text, _ := strings.Cut(w, ":")
				if got[i].Error != (sev == "error") || !strings.Contains(got[i].String(), text) {
					t.Errorf("problem %d = %+v (%s), want %s %q", i, got[i], got[i], sev, text)
				}
			}
		})
	}
	if CheckHost(nil, 0) != nil {
		t.Error("CheckHost(nil) found problems")
	}
}

// Report.OK turns a host error into exit 1, a warning not.
func TestReportHostOK(t *testing.T) {
	rep := &Report{Entries: []Entry{{Module: info(ABI021, []string{"env.proxy_log"})}}}
	rep.CheckHost(0)
	if !rep.OK() || rep.Envoy != compat.NewestEnvoy.String() {
		t.Fatalf("OK = false for an SDK-shaped module: %+v", rep.Entries[0].Host)
	}
	rep.Entries[0].Host = []HostProblem{{Envoy: "w"}}
	if !rep.OK() {
		t.Error("a warning failed the report")
	}
	rep.Entries[0].Host = []HostProblem{{Error: true, Envoy: "e"}}
	if rep.OK() {
		t.Error("a host error passed the report")
	}
}
