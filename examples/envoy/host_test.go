package envoy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/module"
	"github.com/wasmgen/wasmgen/pwhost"
)

// The filter runs under wasmgen's proxy-wasm host (pwhost), which plays the Wasm
// host of a chosen Envoy (proxy-wasm-cpp-host): the imports it registers, the
// start functions it calls, its WASI answers and status codes, the callbacks in
// Envoy's order. These tests drive it as Envoy would.

var cache = sync.OnceValue(wazero.NewCompilationCache)

const goodConfig = `{"header_name": "hello", "header_value": "world!"}`

// start loads the filter and starts one plugin with config, as Envoy does.
func start(t testing.TB, config string, o pwhost.Options) (*pwhost.VM, *pwhost.StartReport) {
	t.Helper()
	o.Cache, o.Compile = cache(), true // compiled once for all the tests
	vm, r := pwhost.Start(context.Background(), readWasm(t), pwhost.Plugin{Name: "add-header", RootID: "add_header_root_id", VMID: "default.add-header", Configuration: []byte(config)}, o)
	if vm != nil {
		t.Cleanup(vm.Close)
	}
	return vm, r
}

func mustStart(t testing.TB, config string, o pwhost.Options) *pwhost.VM {
	t.Helper()
	vm, r := start(t, config, o)
	if vm == nil {
		var b strings.Builder
		_ = r.WriteText(&b)
		t.Fatalf("the filter did not start:\n%s", b.String())
	}
	return vm
}

var upstreamResponse = pwhost.Headers{{Key: ":status", Value: "200"}, {Key: "content-type", Value: "text/html; charset=utf-8"}, {Key: "content-length", Value: "1683"}}

func respond(t testing.TB, vm *pwhost.VM, response pwhost.Headers) *pwhost.StreamReport {
	t.Helper()
	s := vm.Stream(&pwhost.Request{Request: pwhost.Message{Headers: pwhost.Headers{{Key: ":path", Value: "/"}}}, Response: pwhost.Message{Headers: response}})
	if s.Failed {
		t.Fatalf("stream failed: %s", s.Outcome)
	}
	return s
}

func values(ps []pwhost.Pair, k string) []string {
	var vs []string
	for _, p := range ps {
		if p.Key == k {
			vs = append(vs, p.Value)
		}
	}
	return vs
}

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
	vm, r := start(t, goodConfig, pwhost.Options{})
	if vm == nil {
		t.Fatalf("%s: %s", r.Verdict, r.Reason)
	}
	if len(r.Logs) != 1 || r.Logs[0].Msg != `add-header: adding "hello: world!" to every response` {
		t.Errorf("configure log %+v", r.Logs)
	}
	for i := range 3 { // each stream gets the header once, not once per stream so far
		s := respond(t, vm, upstreamResponse)
		want := []pwhost.Change{{Op: "added", Name: "hello", Value: "world!"}}
		if !slices.Equal(s.Response.Headers, want) {
			t.Fatalf("stream %d: response changes %+v, want %+v", i, s.Response.Headers, want)
		}
		if !slices.Equal(s.Response.Sent[:len(upstreamResponse)], upstreamResponse) {
			t.Fatalf("stream %d: upstream headers changed: %q", i, s.Response.Sent)
		}
		if len(s.Request.Headers) != 0 {
			t.Fatalf("stream %d: the request changed: %+v", i, s.Request.Headers)
		}
	}
}

// Two plugins in one VM (two filters sharing a vm_id) keep their own header.
func TestRootContextsKeepTheirConfig(t *testing.T) {
	vm := mustStart(t, `{"header_name":"x-a","header_value":"1"}`, pwhost.Options{}) // root context 1
	b := vm.StartPlugin(pwhost.Plugin{Name: "b", Configuration: []byte(`{"header_name":"x-b","header_value":"2"}`)})
	if !b.OK() {
		t.Fatalf("plugin b: %s %s", b.Verdict, b.Reason)
	}
	rb := respond(t, vm, upstreamResponse).Response.Sent
	if !vm.UseRoot(1) {
		t.Fatal("no root 1")
	}
	ra := respond(t, vm, upstreamResponse).Response.Sent
	if got := values(ra, "x-a"); !slices.Equal(got, []string{"1"}) || values(ra, "x-b") != nil {
		t.Errorf("plugin a: %q", ra)
	}
	if got := values(rb, "x-b"); !slices.Equal(got, []string{"2"}) || values(rb, "x-a") != nil {
		t.Errorf("plugin b: %q", rb)
	}
}

func TestBadConfigurationFailsConfigure(t *testing.T) {
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
			vm, r := start(t, tc.config, pwhost.Options{})
			if vm != nil || r.Verdict != pwhost.Refused {
				t.Fatalf("verdict %s for %q, want refused", r.Verdict, tc.config)
			}
			var errs []string
			for _, l := range r.Logs {
				if l.Level == pwhost.LogError {
					errs = append(errs, l.Msg)
				}
			}
			if len(errs) != 1 || !strings.Contains(errs[0], tc.log) {
				t.Fatalf("error log %q, want one line containing %q", errs, tc.log)
			}
			if !strings.HasPrefix(r.Reason, compat.ConfigureFailedMessage) || !strings.Contains(r.Reason, tc.log) {
				t.Errorf("reason %q", r.Reason)
			}
		})
	}
}

// Thousands of streams and reconfigurations make the Go runtime allocate,
// collect and schedule inside the VM. Under Envoy 1.33's host (proxy-wasm-cpp-host
// #427) poll_oneoff answers ENOSYS and the Go runtime throws on that
// (golang/go#78513); it calls poll_oneoff to sleep, or to wait on the netpoller
// that package os turns on. The filter must never get there.
func TestManyStreamsUnderEnvoyWASI(t *testing.T) {
	vm := mustStart(t, goodConfig, pwhost.Options{Envoy: 33})
	for i := range 3000 {
		if i%500 == 0 {
			r := vm.StartPlugin(pwhost.Plugin{Name: "add-header", Configuration: []byte(fmt.Sprintf(`{"header_name":"x-n","header_value":"%d"}`, i))})
			if !r.OK() {
				t.Fatalf("configure %d: %s %s", i, r.Verdict, r.Reason)
			}
		}
		big := append(slices.Clone(upstreamResponse), pwhost.Pair{Key: "x-pad", Value: strings.Repeat("p", 4096)})
		s := respond(t, vm, big)
		if got := values(s.Response.Sent, "x-n"); len(got) != 1 || got[0] != fmt.Sprint(i/500*500) {
			t.Fatalf("stream %d: x-n = %q", i, got)
		}
		for _, l := range s.Logs {
			if l.Source != "proxy_log" {
				t.Fatalf("stream %d: the module wrote to %s, or the host answered for it: %q", i, l.Source, l.Msg)
			}
		}
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

// wasmgen's import check: Envoy 1.33 (Istio 1.25) is the first whose host has
// every call the module imports (Go's runtime needs sched_yield and poll_oneoff,
// proxy-wasm-cpp-host#427); Envoy 1.32 refuses it.
func TestImportsAreWhatEnvoyProvides(t *testing.T) {
	info, err := module.Decode(readWasm(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range info.Imports {
		if im.Module != compat.HostModuleEnv && im.Module != compat.HostModuleWASI {
			t.Errorf("import %s.%s: unknown module", im.Module, im.Name)
		}
	}
	if ps := module.CheckHost(info, 33); len(ps) != 0 {
		t.Errorf("Envoy 1.33 would not load it: %v", ps)
	}
	if ps := module.CheckHost(info, 32); len(ps) == 0 {
		t.Error("Envoy 1.32 loads it; the README says it needs 1.33")
	}
	if _, r := start(t, goodConfig, pwhost.Options{Envoy: 32}); r.Verdict != pwhost.NotLinked || !strings.Contains(r.Reason, compat.MissingImportMessage+"wasi_snapshot_preview1.sched_yield") {
		t.Errorf("Envoy 1.32: %s %q", r.Verdict, r.Reason)
	}
}

func BenchmarkResponseHeaders(b *testing.B) {
	vm := mustStart(b, goodConfig, pwhost.Options{})
	b.ReportAllocs()
	for b.Loop() {
		respond(b, vm, upstreamResponse)
	}
}
