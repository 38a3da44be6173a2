package envoy

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/pwhost"
)

// goCmd runs the go command in dir ("" = this module); leading K=V
// arguments are added to the environment.
func goCmd(dir string, args ...string) (string, error) {
	env := os.Environ()
	for len(args) > 0 && strings.Contains(args[0], "=") {
		env = append(env, args[0])
		args = args[1:]
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestRenderedBootstrapRunsTheFilter renders filter.yaml with wasmgen
// (--target envoy --strict) and hands the filter exactly what that bootstrap
// tells Envoy to hand it: the root_id and the configuration bytes.
func TestRenderedBootstrapRunsTheFilter(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	wasmgen := filepath.Join(tmp, "wasmgen")
	if out, err := goCmd(repo, "build", "-o", wasmgen, "./cmd/wasmgen"); err != nil {
		t.Fatalf("building wasmgen: %v\n%s", err, out)
	}
	// The spec's layout, with the freshly built module where module.path points.
	root := filepath.Join(tmp, "examples")
	for src, dst := range map[string]string{
		"filter.yaml":                "envoy/filter.yaml",
		"../add-header/filter.proto": "add-header/filter.proto",
		wasmFile:                     "envoy/add-header.wasm",
		"request.yaml":               "envoy/request.yaml",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(wasmgen, "render", "-f", "envoy/filter.yaml", "--target", "envoy", "--format", "json", "--strict")
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("wasmgen render: %v\n%s", err, stderr.String())
	}
	bootstrap := filepath.Join(tmp, "bootstrap.json")
	if err := os.WriteFile(bootstrap, stdout.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(wasmgen, "validate", "--strict", bootstrap)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), " 0 errors, 0 warnings") {
		t.Fatalf("wasmgen validate --strict bootstrap.json: %v\n%s", err, out)
	}

	var doc any
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("the bootstrap is not JSON: %v", err)
	}
	wasm := findWasmFilter(doc)
	if wasm == nil {
		t.Fatalf("no envoy.extensions.filters.http.wasm.v3.Wasm in the bootstrap:\n%s", stdout.String())
	}
	cfg := wasm["config"].(map[string]any)
	if got := cfg["root_id"]; got != "add_header_root_id" {
		t.Errorf("root_id = %v, want add_header_root_id", got)
	}
	code := dig(cfg, "vm_config", "code", "local", "filename")
	if code != "envoy/add-header.wasm" {
		t.Errorf("vm_config.code.local.filename = %v, want the module next to the spec, relative to the root", code)
	}
	value, _ := dig(cfg, "configuration", "value").(string)

	vm := mustStart(t, value, pwhost.Options{})
	s := respond(t, vm, upstreamResponse)
	if got := values(s.Response.Sent, "hello"); !slices.Equal(got, []string{"world!"}) {
		t.Fatalf("hello = %q, want [\"world!\"]; headers %q", got, s.Response.Sent)
	}

	// wasmgen run does the same from the spec: it renders the configuration and
	// starts the filter under the same host.
	cmd = exec.Command(wasmgen, "run", "-f", "envoy/filter.yaml", "--request", "envoy/request.yaml")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "response header added: hello: world!\n") {
		t.Fatalf("wasmgen run: %v\n%s", err, out)
	}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// findWasmFilter returns the first typed_config of the Wasm HTTP filter type.
func findWasmFilter(v any) map[string]any {
	switch x := v.(type) {
	case map[string]any:
		if x["@type"] == "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm" {
			return x
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if m := findWasmFilter(x[k]); m != nil {
				return m
			}
		}
	case []any:
		for _, e := range x {
			if m := findWasmFilter(e); m != nil {
				return m
			}
		}
	}
	return nil
}
