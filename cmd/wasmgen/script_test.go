package main

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/wasmgen/wasmgen/module"

	"github.com/wasmgen/wasmgen/internal/testutil"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"wasmgen": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar: each documents one visible behaviour
// of the CLI (flags, exit codes, error text with line:col). WASMGEN_UPDATE=1
// rewrites their expected output. Peer tools come in through the environment
// (scripts/tools.sh sets them); a script that needs one skips without it.
func TestScripts(t *testing.T) {
	examples, _ := filepath.Abs("../../examples")
	reg := &scriptRegistry{t: t}
	t.Cleanup(reg.close)
	testdata, _ := filepath.Abs("../../testdata")
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       testutil.Update(),
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("EXAMPLES", examples)
			if err := reg.setup(e); err != nil {
				return err
			}
			e.Setenv("TESTDATA", testdata)
			e.Setenv("SCHEMA", filepath.Join(testdata, "..", "schema", "wasmfilter.schema.json"))
			for _, k := range []string{"WASMGEN_KUSTOMIZE", "WASMGEN_HELM", "WASMGEN_STATICCHECK", "WASMGEN_BIN", "HOME", "GOPATH", "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOPROXY", "PATH"} {
				if v := os.Getenv(k); v != "" {
					e.Setenv(k, v)
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// exits N ARGS...: run the wasmgen binary and require exit status N, so
			// scripts tell 1 (invalid input) from 2 (usage). A file named "stdin" in
			// the work directory, if any, is its standard input.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 1 {
					ts.Fatalf("usage: exits N [args...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exits: %v", err)
				}
				bin := "wasmgen"
				for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
					if p := filepath.Join(dir, "wasmgen"); fileExists(p) {
						bin = p
						break
					}
				}
				cmd := exec.Command(bin, args[1:]...)
				cmd.Dir = ts.MkAbs(".")
				cmd.Env = append(os.Environ(), "PATH="+ts.Getenv("PATH"))
				// What scripts set with env for the command: reproducibility,
				// credentials, and the proxies that route any stray request to the tripwire.
				for _, k := range []string{"SOURCE_DATE_EPOCH", "DOCKER_CONFIG", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "TZ"} {
					if v := ts.Getenv(k); v != "" {
						cmd.Env = append(cmd.Env, k+"="+v)
					}
				}
				if b, err := os.ReadFile(ts.MkAbs("stdin")); err == nil {
					cmd.Stdin = bytes.NewReader(b)
				}
				cmd.Stdout, cmd.Stderr = ts.Stdout(), ts.Stderr()
				err = cmd.Run()
				code := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					code = ee.ExitCode()
				} else if err != nil {
					ts.Fatalf("exits: %v", err)
				}
				if (code == want) == neg {
					ts.Fatalf("exit status %d, want %d", code, want)
				}
			},
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "kustomize":
				return os.Getenv("WASMGEN_KUSTOMIZE") != "", nil
			case "helm":
				return os.Getenv("WASMGEN_HELM") != "", nil
			case "staticcheck":
				return os.Getenv("WASMGEN_STATICCHECK") != "", nil
			}
			return false, nil
		},
	})
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// scriptRegistry serves the --resolve and package scripts: ggcr's in-process
// registry on loopback holding one pushed image, and a tripwire registry that
// must never be asked anything (it proves that only --resolve and package --push
// use the network: scripts name it as a registry, and as HTTP(S)_PROXY, which
// every request to a host other than loopback goes through). Both start on
// first use, once per test binary. Scripts see:
//
//	$MODULES       testdata/modules: the committed Wasm fixtures and OCI layouts
//	$REGISTRY      host:port of the registry; $REGISTRY/filters/add-header:v1 is pushed
//	$IMAGE_DIGEST  that image's manifest digest (sha256:...)
//	$TRIPWIRE      host:port of the tripwire registry
type scriptRegistry struct {
	once      sync.Once
	err       error
	srv, trip *httptest.Server
	hits      atomic.Int64
	env       map[string]string
	t         *testing.T
}

func (r *scriptRegistry) setup(e *testscript.Env) error {
	r.once.Do(func() { r.err = r.start() })
	if r.err != nil {
		return r.err
	}
	for k, v := range r.env {
		e.Setenv(k, v)
	}
	return nil
}

func (r *scriptRegistry) start() error {
	modules, err := filepath.Abs("testdata/modules")
	if err != nil {
		return err
	}
	mod, err := os.ReadFile(filepath.Join(modules, "proxy-0_2_1.wasm"))
	if err != nil {
		return err
	}
	r.srv = httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	r.trip = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r.hits.Add(1)
		http.Error(w, "tripwire: wasmgen must not use the network without render --resolve or package --push", http.StatusTeapot)
	}))
	host := strings.TrimPrefix(r.srv.URL, "http://")
	// wasme push's format: a runtime config layer and the module.
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), module.MediaTypeWasmConfig)
	img, err = mutate.AppendLayers(img,
		static.NewLayer([]byte(`{"type":"envoy_proxy","abiVersions":["proxy_abi_version_0_2_1"],"config":{"rootIds":["add_header_root_id"]}}`), module.MediaTypeWasmConfig),
		static.NewLayer(mod, module.MediaTypeWasmContent))
	if err != nil {
		return err
	}
	tag, err := name.NewTag(host + "/filters/add-header:v1")
	if err != nil {
		return err
	}
	if err := remote.Write(tag, img); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	r.env = map[string]string{
		"MODULES":      modules,
		"REGISTRY":     host,
		"IMAGE_DIGEST": digest.String(),
		"TRIPWIRE":     strings.TrimPrefix(r.trip.URL, "http://"),
	}
	return nil
}

// close runs after every script: a request to the tripwire fails the test.
func (r *scriptRegistry) close() {
	if r.srv != nil {
		r.srv.Close()
		r.trip.Close()
	}
	if n := r.hits.Load(); n > 0 {
		r.t.Errorf("the tripwire registry got %d request(s): something reached the network without render --resolve or package --push", n)
	}
}
