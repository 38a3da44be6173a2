package pwhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/wasmgen/wasmgen/compat"
)

// The test plugins (testdata/plugin, built three ways) and the example filter of
// examples/envoy, built once per source content: a build takes seconds.
var (
	plugin, pluginFiles, pluginInitCall, exampleFilter string
	cache                                              = sync.OnceValue(wazero.NewCompilationCache)
)

func TestMain(m *testing.M) {
	flag.Parse()
	code, err := buildModules()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if code >= 0 {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func buildModules() (int, error) {
	if testing.Short() {
		return -1, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "wasmgen-test", "pwhost")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	build := func(src, tags string) (string, error) {
		h := sha256.New()
		fmt.Fprintln(h, runtime.Version(), tags)
		files, _ := filepath.Glob(filepath.Join(src, "*.go"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
			h.Write(b)
		}
		out := filepath.Join(dir, hex.EncodeToString(h.Sum(nil))[:16]+".wasm")
		if _, err := os.Stat(out); err == nil {
			return out, nil
		}
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-tags", tags, "-o", out+".tmp", ".")
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building %s (tags %q): %v\n%s", src, tags, err, b)
		}
		return out, os.Rename(out+".tmp", out)
	}
	var err2 error
	for _, b := range []struct {
		dst       *string
		src, tags string
	}{
		{&plugin, "testdata/plugin", ""},
		{&pluginFiles, "testdata/plugin", "files"},
		{&pluginInitCall, "testdata/plugin", "initcall"},
		{&exampleFilter, "../examples/envoy/filter", ""},
	} {
		if *b.dst, err2 = build(b.src, b.tags); err2 != nil {
			return 0, err2
		}
	}
	return -1, nil
}

func wasm(t testing.TB, path string) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds Wasm modules")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func start(t testing.TB, path, config string, o Options) (*VM, *StartReport) {
	t.Helper()
	if o.Cache == nil {
		o.Cache, o.Compile = cache(), true
	}
	vm, r := Start(context.Background(), wasm(t, path), Plugin{Name: "test", RootID: "root", VMID: "default.test", Configuration: []byte(config)}, o)
	if vm != nil {
		t.Cleanup(vm.Close)
	}
	return vm, r
}

func text(t testing.TB, r interface{ WriteText(w io.Writer) error }) string {
	t.Helper()
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAcceptsConfig(t *testing.T) {
	vm, r := start(t, plugin, "accept\nresponse-header hello world", Options{})
	if vm == nil || r.Verdict != Loaded {
		t.Fatalf("verdict %s: %s\n%s", r.Verdict, r.Reason, text(t, r))
	}
	want := `test: loaded by Envoy 1.40's Wasm host (proxy_abi_version_0_2_1, runtime v8)
  link -> ok
  _initialize
  proxy_on_context_create(1, 0)
  proxy_on_vm_start(1, 0) -> true
  proxy_on_configure(1, 34) -> true
  log info: configured with 2 commands
`
	if got := text(t, r); got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
}

func TestRefusesConfig(t *testing.T) {
	vm, r := start(t, plugin, "refuse", Options{})
	if vm != nil || r.Verdict != Refused {
		t.Fatalf("verdict %s, want refused", r.Verdict)
	}
	if want := "Failed to configure base Wasm plugin: proxy_on_configure returned false: refusing the configuration: refuse is set"; r.Reason != want {
		t.Errorf("reason %q, want %q", r.Reason, want)
	}
	_, r = Start(context.Background(), wasm(t, plugin), Plugin{Name: "test", VMConfiguration: []byte("refuse"), Configuration: []byte("accept")}, Options{Cache: cache()})
	if r.Verdict != Refused || !strings.HasPrefix(r.Reason, "Failed to start base Wasm: proxy_on_vm_start returned false: the vm configuration says refuse") {
		t.Errorf("vm_start refusal: %s %q", r.Verdict, r.Reason)
	}
}

func TestStopsLoop(t *testing.T) {
	_, r := start(t, plugin, "loop", Options{Timeout: time.Second})
	if r.Verdict != Stopped || !strings.Contains(r.Reason, "proxy_on_configure did not return within the time limit of 1s") {
		t.Fatalf("verdict %s: %q", r.Verdict, r.Reason)
	}
}

func TestStopsGrowth(t *testing.T) {
	_, r := start(t, plugin, "grow", Options{MemoryLimit: 64 << 20, Timeout: 10 * time.Second})
	if r.Verdict != Stopped || !strings.Contains(r.Reason, "proxy_on_configure grew the module's memory to") {
		t.Fatalf("verdict %s: %q\n%s", r.Verdict, r.Reason, text(t, r))
	}
}

// A WASI call only Envoys with proxy-wasm-cpp-host#533 provide: refused with
// Envoy's message before, linked (and answered EBADF) after.
func TestMissingWASIImport(t *testing.T) {
	_, r := start(t, pluginFiles, "accept", Options{Envoy: 38})
	if r.Verdict != NotLinked || !strings.HasPrefix(r.Reason, "Failed to load Wasm module due to a missing import: wasi_snapshot_preview1.fd_filestat_get: fd_filestat_get: the module reads or writes files; Envoy's host gives no filesystem; Envoy 1.39") {
		t.Fatalf("Envoy 1.38: %s %q", r.Verdict, r.Reason)
	}
	vm, r := start(t, pluginFiles, "stat", Options{Envoy: 39})
	if vm == nil {
		t.Fatalf("Envoy 1.39: %s %q", r.Verdict, r.Reason)
	}
	if got := text(t, r); !strings.Contains(got, "log warn: fd_filestat_get failed") {
		t.Errorf("no log of the failed stat:\n%s", got)
	}
	// Go's own runtime needs proxy-wasm-cpp-host#427 (Envoy 1.33).
	_, r = start(t, plugin, "accept", Options{Envoy: 32})
	if r.Verdict != NotLinked || !strings.Contains(r.Reason, "missing import: wasi_snapshot_preview1.sched_yield") {
		t.Errorf("Envoy 1.32: %s %q", r.Verdict, r.Reason)
	}
}

// Envoy's V8 traps a property read during _initialize; other runtimes and older
// Envoys do not restrict it.
func TestRestrictedAtStart(t *testing.T) {
	_, r := start(t, pluginInitCall, "accept", Options{})
	if r.Verdict != Failed || !strings.Contains(r.Reason, "restricted_callback: the module called env.proxy_get_property during start") {
		t.Fatalf("v8: %s %q", r.Verdict, r.Reason)
	}
	vm, r := Start(context.Background(), wasm(t, pluginInitCall), Plugin{Runtime: "wamr", Configuration: []byte("accept")}, Options{Cache: cache()})
	if vm == nil {
		t.Fatalf("wamr: %s %q", r.Verdict, r.Reason)
	}
	vm.Close()
	if _, r := start(t, pluginInitCall, "accept", Options{Envoy: 33}); r.Verdict != Failed {
		t.Errorf("Envoy 1.33 v8: %s", r.Verdict)
	}
}

func TestTick(t *testing.T) {
	_, r := start(t, plugin, "tick", Options{})
	got := text(t, r)
	if !strings.Contains(got, "proxy_on_tick(1) -> first tick of every 1000 ms\n") || !strings.Contains(got, "log info: tick\n") {
		t.Errorf("no tick:\n%s", got)
	}
}

func stream(t *testing.T, config, fixture string) string {
	t.Helper()
	vm, r := start(t, plugin, config, Options{})
	if vm == nil {
		t.Fatalf("%s: %s", r.Verdict, r.Reason)
	}
	req, err := ParseRequest("req.yaml", []byte(fixture))
	if err != nil {
		t.Fatal(err)
	}
	return text(t, vm.Stream(req))
}

func TestStreamAddsHeaders(t *testing.T) {
	got := stream(t, "response-header hello world\nrequest-header x-a 1\nremove-request-header user-agent", `
request:
  headers: {":path": /productpage, user-agent: curl}
response:
  headers: {content-type: text/html}
`)
	want := `stream (context 2):
  proxy_on_request_headers -> continue
  proxy_on_response_headers -> continue
  proxy_on_done -> true
  request header removed: user-agent: curl
  request header added: x-a: 1
  response header added: hello: world
  outcome: forwarded upstream; response 200 sent downstream
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestStreamLocalReply(t *testing.T) {
	got := stream(t, "deny 403", "request: {}\n")
	for _, w := range []string{"proxy_on_request_headers -> pause\n", "local reply: 403 (denied_by_plugin) body \"denied\\n\"\n",
		"outcome: local reply 403 sent downstream; the request never reaches the upstream\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
	if strings.Contains(got, "proxy_on_response_headers") {
		t.Errorf("the response callbacks ran after a local reply:\n%s", got)
	}
}

func TestStreamProperty(t *testing.T) {
	got := stream(t, "property source.address", "properties:\n  source.address: 10.0.0.1:52314\n")
	if !strings.Contains(got, "request header added: x-property: 10.0.0.1:52314\n") {
		t.Errorf("got:\n%s", got)
	}
}

func TestStreamHTTPCall(t *testing.T) {
	got := stream(t, "httpcall auth", "httpCalls:\n  auth: {body: ok}\n")
	for _, w := range []string{"proxy_on_request_headers -> pause\n", "http call to auth /check: fixture\n",
		"outcome: forwarded upstream; response 200 sent downstream\n", "log info: auth allowed: ok\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
	got = stream(t, "httpcall auth", "request: {}\n")
	for _, w := range []string{"http call to auth /check: failed (no fixture for this upstream)\n",
		"local reply: 403 (auth_failed)\n", `log warn: auth answered "": denying`} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
}

func TestStreamBody(t *testing.T) {
	got := stream(t, "upper-response-body", "response:\n  body: hello\n")
	if !strings.Contains(got, `response body replaced: "hello" -> "HELLO"`) || !strings.Contains(got, "proxy_on_response_body -> continue") {
		t.Errorf("got:\n%s", got)
	}
}

// The example filter of examples/envoy through the host: it adds hello: world!.
func TestExampleFilter(t *testing.T) {
	vm, r := start(t, exampleFilter, `{"header_name": "hello", "header_value": "world!"}`, Options{})
	if vm == nil {
		t.Fatalf("%s: %s", r.Verdict, r.Reason)
	}
	s := vm.Stream(&Request{Request: Message{Headers: Headers{{":path", "/"}}}, Response: Message{Headers: Headers{{":status", "200"}}}})
	if len(s.Response.Headers) != 1 || s.Response.Headers[0] != (Change{Op: "added", Name: "hello", Value: "world!"}) {
		t.Errorf("response changes %+v", s.Response.Headers)
	}
}

func TestParseRequest(t *testing.T) {
	r, err := ParseRequest("r.yaml", []byte("request:\n  headers: {x-a: [1, 2]}\nproperties: {source.port: 52314, mtls: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(r.Request.Headers); got != "[{:authority example.com} {:path /} {:method GET} {:scheme http} {x-a 1} {x-a 2}]" {
		t.Errorf("headers %s", got)
	}
	if p := r.Properties["source.port"]; len(p) != 8 || p[0] != 0x5a || p[1] != 0xcc {
		t.Errorf("source.port % x", p)
	}
	for _, bad := range []string{"requets: {}\n", "request: {headers: [a]}\n", "properties: {a: [1]}\n", "request: {headers: {a: {b: c}}}\n"} {
		if _, err := ParseRequest("r.yaml", []byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "r.yaml: ") {
			t.Errorf("ParseRequest(%q) = %v", bad, err)
		}
	}
}

// Every function compat says some Envoy registers has an implementation with a
// signature.
func TestEveryHostFuncImplemented(t *testing.T) {
	for _, abi := range []string{compat.ABI010, compat.ABI020, compat.ABI021} {
		for mod, names := range compat.Envoy(0).HostFuncsFor(abi) {
			for _, n := range names {
				f, ok := hostFunctions()[n]
				if !ok || f.env != (mod == compat.HostModuleEnv) {
					t.Errorf("%s.%s: no implementation", mod, n)
				}
			}
		}
	}
}

// BenchmarkDryStart is the cold start of a dry run on the example module: load
// (decode, link; compile with Compile) and the load lifecycle, no cache.
func BenchmarkDryStart(b *testing.B) {
	w := wasm(b, exampleFilter)
	cfg := []byte(`{"header_name": "hello", "header_value": "world!"}`)
	for _, compile := range []bool{false, true} {
		name := "interpreter"
		if compile {
			name = "compiler"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				vm, r := Start(context.Background(), w, Plugin{Name: "add-header", Configuration: cfg}, Options{Compile: compile})
				if vm == nil {
					b.Fatalf("%s: %s", r.Verdict, r.Reason)
				}
				vm.Close()
			}
		})
	}
}

// The interpreter (the default) and the compiler agree.
func TestInterpreterAgrees(t *testing.T) {
	w := wasm(t, plugin)
	for _, compile := range []bool{false, true} {
		vm, r := Start(context.Background(), w, Plugin{Name: "test", Configuration: []byte("response-header a b")}, Options{Compile: compile})
		if vm == nil {
			t.Fatalf("compile=%v: %s %s", compile, r.Verdict, r.Reason)
		}
		s := vm.Stream(&Request{})
		vm.Close()
		if len(s.Response.Headers) != 1 || s.Response.Headers[0].Name != "a" {
			t.Errorf("compile=%v: %+v", compile, s.Response.Headers)
		}
	}
	_, r := Start(context.Background(), w, Plugin{Configuration: []byte("loop")}, Options{Timeout: time.Second})
	if r.Verdict != Stopped {
		t.Errorf("the interpreter did not stop a loop: %s %s", r.Verdict, r.Reason)
	}
}

// A module whose import has another signature than the host's is refused with
// V8::link's message.
func TestImportTypeMismatch(t *testing.T) {
	m := []byte("\x00asm\x01\x00\x00\x00" +
		"\x01\x04\x01\x60\x00\x00" + // type 0: () -> ()
		"\x02\x11\x01\x03env\x09proxy_log\x00\x00" + // import env.proxy_log as () -> ()
		"\x03\x02\x01\x00" + "\x05\x03\x01\x00\x01" +
		"\x07\x2d\x03\x17proxy_abi_version_0_2_1\x00\x01\x06malloc\x00\x01\x06memory\x02\x00" +
		"\x0a\x04\x01\x02\x00\x0b")
	_, r := Start(context.Background(), m, Plugin{}, Options{})
	if want := "Failed to load Wasm module due to an import type mismatch: env.proxy_log, want: void -> void, but host exports: i32 i32 i32 -> i32"; r.Verdict != NotLinked || r.Reason != want {
		t.Errorf("%s %q, want %q", r.Verdict, r.Reason, want)
	}
	// The same module importing it right links and starts.
	ok := []byte("\x00asm\x01\x00\x00\x00" +
		"\x01\x0b\x02\x60\x00\x00\x60\x03\x7f\x7f\x7f\x01\x7f" +
		"\x02\x11\x01\x03env\x09proxy_log\x00\x01" +
		"\x03\x02\x01\x00" + "\x05\x03\x01\x00\x01" +
		"\x07\x2d\x03\x17proxy_abi_version_0_2_1\x00\x01\x06malloc\x00\x01\x06memory\x02\x00" +
		"\x0a\x04\x01\x02\x00\x0b")
	vm, r := Start(context.Background(), ok, Plugin{}, Options{})
	if vm == nil {
		t.Fatalf("%s %q", r.Verdict, r.Reason)
	}
	vm.Close()
}
