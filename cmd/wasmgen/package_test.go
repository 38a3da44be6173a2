package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/wasmgen/wasmgen/module"
)

func loopbackRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// isolate runs the test in a temporary directory holding filter.wasm, with an
// empty Docker config so the developer's credentials play no part.
func isolate(t *testing.T) string {
	t.Helper()
	mod, err := os.ReadFile(filepath.Join("testdata", "modules", "proxy-0_2_1.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, "docker"))
	t.Setenv("SOURCE_DATE_EPOCH", "")
	if err := os.WriteFile("filter.wasm", mod, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func packageJSON(t *testing.T, args ...string) (packageResult, string) {
	t.Helper()
	stdout, stderr, code := runCLI(append([]string{"package", "--output", "json"}, args...))
	if code != exitOK {
		t.Fatalf("package %v: exit %d\n%s", args, code, stderr)
	}
	var res packageResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	return res, stderr
}

// TestPackagePushRoundTrip: for every --format, package → push → pull → inspect →
// render --resolve: the pulled image is the one written, Istio's rules accept it,
// and the pushed tag resolves to the digest package printed.
func TestPackagePushRoundTrip(t *testing.T) {
	host := loopbackRegistry(t, nil)
	isolate(t)
	mod, _ := os.ReadFile("filter.wasm")
	for _, pf := range module.PackageFormats {
		t.Run(pf.Name, func(t *testing.T) {
			tag := host + "/filters/round-trip:" + pf.Name
			res, stderr := packageJSON(t, "filter.wasm", "--format", pf.Name, "-o", pf.Name+".tar", "--push", tag)
			if stderr != "" {
				t.Errorf("stderr: %s", stderr)
			}
			want := host + "/filters/round-trip@" + res.ManifestDigest
			if res.Pushed != tag || res.Reference != want || res.ImageSHA256 != strings.TrimPrefix(res.ManifestDigest, "sha256:") {
				t.Errorf("%+v", res)
			}
			ref, _ := name.ParseReference(tag)
			desc, err := remote.Get(ref)
			if err != nil {
				t.Fatal(err)
			}
			if desc.Digest.String() != res.ManifestDigest {
				t.Errorf("registry has %s, package printed %s", desc.Digest, res.ManifestDigest)
			}
			img, err := desc.Image()
			if err != nil {
				t.Fatal(err)
			}
			im, err := module.FromImage(img)
			if err != nil || !im.IstioAccepts || !bytes.Equal(im.Module, mod) || string(im.Format) != string(mustFormat(t, pf.Name)) {
				t.Fatalf("pulled image: %v %+v", err, im)
			}
			// inspect reads the pulled image (crane pull --format=oci) and the tar package wrote.
			dir := filepath.Join(t.TempDir(), "pulled")
			p, err := layout.Write(dir, empty.Index)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.AppendImage(img); err != nil {
				t.Fatal(err)
			}
			for _, in := range []string{dir, pf.Name + ".tar"} {
				out, errOut, code := runCLI([]string{"inspect", in})
				if code != exitOK || !strings.Contains(out, "(accepted by Istio's agent and Envoy Gateway)") || !strings.Contains(out, "digest:          "+res.ManifestDigest) {
					t.Errorf("inspect %s: exit %d\n%s%s", in, code, out, errOut)
				}
			}
			got, err := module.Resolve(context.Background(), tag)
			if err != nil || got != want {
				t.Errorf("resolve: %v %s", err, got)
			}
			spec := fmt.Sprintf("{apiVersion: wasmgen.io/v1alpha1, kind: WasmFilter, metadata: {name: rt}, spec: {module: {image: %s}, selector: {matchLabels: {app: a}}}}\n", tag)
			os.WriteFile("rt.yaml", []byte(spec), 0o644)
			out, errOut, code := runCLI([]string{"render", "-f", "rt.yaml", "--resolve"})
			if code != exitOK || !strings.Contains(out, "uri: oci://"+want+"\n") {
				t.Errorf("render --resolve: exit %d\n%s%s", code, out, errOut)
			}
		})
	}
}

func mustFormat(t *testing.T, n string) module.Format {
	f, ok := module.PackageFormat(n)
	if !ok {
		t.Fatal(n)
	}
	return f
}

// authRegistry demands HTTP basic auth as user:secret, the way a private
// registry does after `docker login`.
func authRegistry(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "secret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func dockerConfig(t *testing.T, host, user, pass string) {
	t.Helper()
	dir := os.Getenv("DOCKER_CONFIG")
	os.MkdirAll(dir, 0o700)
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestPackagePushAuth: without credentials the registry's 401 is named with the
// fix; with the credentials `docker login` leaves in the Docker config (read
// through authn.DefaultKeychain) the push succeeds.
func TestPackagePushAuth(t *testing.T) {
	host := loopbackRegistry(t, authRegistry)
	isolate(t)
	tag := host + "/private/filter:v1"
	for _, creds := range [][2]string{{"", ""}, {"user", "wrong"}} {
		if creds[0] != "" {
			dockerConfig(t, host, creds[0], creds[1])
		}
		_, stderr, code := runCLI([]string{"package", "filter.wasm", "--push", tag, "--pin", "missing.yaml"})
		if code != exitInvalid || !strings.Contains(stderr, "--pin missing.yaml: no such file or directory; nothing was written or pushed") {
			t.Errorf("pin checked after the push? exit %d: %s", code, stderr)
		}
		_, stderr, code = runCLI([]string{"package", "filter.wasm", "--push", tag})
		want := "wasmgen package: pushing " + tag + ": the registry " + host + " answered 401 Unauthorized: it takes no credentials wasmgen has for it; log in with `docker login " + host + "`"
		if code != exitInvalid || !strings.HasPrefix(stderr, want) {
			t.Errorf("credentials %v: exit %d\n%s\nwant prefix\n%s", creds, code, stderr, want)
		}
	}
	dockerConfig(t, host, "user", "secret")
	res, _ := packageJSON(t, "filter.wasm", "--push", tag)
	if res.Reference != host+"/private/filter@"+res.ManifestDigest {
		t.Errorf("%+v", res)
	}
	// render --resolve reads the same credentials: the private tag resolves.
	spec := "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: f, namespace: ns}\nspec:\n  module: {image: " + tag + "}\n  selector: {matchLabels: {app: a}}\n"
	if err := os.WriteFile("private.yaml", []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI([]string{"render", "-f", "private.yaml", "--resolve"})
	if code != exitOK || !strings.Contains(out, res.ManifestDigest) {
		t.Errorf("render --resolve of a private tag: exit %d\n%s\n%s", code, errOut, out)
	}
}

// failingRegistry answers every blob upload (or manifest put) with status and body.
func failingRegistry(onManifest bool, status int, body string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hit := strings.Contains(r.URL.Path, "/blobs/uploads/") && !onManifest
			hit = hit || (onManifest && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/"))
			if hit {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				io.WriteString(w, body)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

func TestPackagePushErrors(t *testing.T) {
	tests := []struct {
		name       string
		onManifest bool
		status     int
		body       string
		format     string
		want       string
	}{
		{"missing repository", false, 404, `{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}`, "compat",
			"answered 404 Not Found (NAME_UNKNOWN: repository name not known to registry): the repository filters/x does not exist there and the registry does not create repositories on push (ECR, Artifact Registry and Harbor projects must exist first); create it, then push again"},
		{"denied", false, 403, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`, "compat",
			"answered 403 Forbidden (DENIED: requested access to the resource is denied): the credentials it took may not push to filters/x; get push access to it, or push to a repository you can write"},
		{"unknown blob", true, 400, `{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry"}]}`, "compat",
			"answered 400 Bad Request (MANIFEST_BLOB_UNKNOWN: blob unknown to registry): it does not have a blob the manifest names, so it lost an upload; push again"},
		{"wasme media types refused", true, 400, `{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"}]}`, "wasme",
			"answered 400 Bad Request (MANIFEST_INVALID: manifest invalid): it refuses the manifest, likely the custom media types of --format wasme; push --format compat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := loopbackRegistry(t, failingRegistry(tt.onManifest, tt.status, tt.body))
			isolate(t)
			os.WriteFile("spec.yaml", []byte("apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: x}\nspec:\n  module: {image: "+host+"/filters/x:v0}\n"), 0o644)
			_, stderr, code := runCLI([]string{"package", "filter.wasm", "--format", tt.format, "--push", host + "/filters/x:v1", "--pin", "spec.yaml"})
			want := "wasmgen package: pushing " + host + "/filters/x:v1: the registry " + host + " " + tt.want
			if code != exitInvalid || !strings.HasPrefix(stderr, want) {
				t.Errorf("exit %d\n%s\nwant prefix\n%s", code, stderr, want)
			}
			// A failed push leaves the spec alone.
			if b, _ := os.ReadFile("spec.yaml"); !strings.Contains(string(b), "/filters/x:v0}") {
				t.Errorf("spec changed:\n%s", b)
			}
		})
	}
}

// TestPackagePushInsecure: a plain-HTTP registry that is not on 127.0.0.1 (which
// go-containerregistry always talks HTTP to) needs --insecure, and says so.
func TestPackagePushInsecure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no 127.0.0.2 loopback: %v", err)
	}
	srv := httptest.NewUnstartedServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	host := ln.Addr().String()
	isolate(t)
	_, stderr, code := runCLI([]string{"package", "filter.wasm", "--push", host + "/filters/x:v1"})
	if code != exitInvalid || !strings.Contains(stderr, host+" speaks plain HTTP, not HTTPS: pass --insecure if that is intended") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	res, _ := packageJSON(t, "filter.wasm", "--push", host+"/filters/x:v1", "--insecure")
	if res.Reference != host+"/filters/x@"+res.ManifestDigest {
		t.Errorf("%+v", res)
	}
}

func TestSpelled(t *testing.T) {
	for in, want := range map[string][2]string{
		"add-header":                       {"add-header:latest", "add-header"},
		"me/add-header:v1":                 {"me/add-header:v1", "me/add-header"},
		"localhost:5000/add-header":        {"localhost:5000/add-header:latest", "localhost:5000/add-header"},
		"localhost:5000/a/b:v2":            {"localhost:5000/a/b:v2", "localhost:5000/a/b"},
		"r.example/a@sha256:" + hex64('1'): {"r.example/a@sha256:" + hex64('1'), "r.example/a"},
	} {
		ref, err := name.ParseReference(in)
		if err != nil {
			t.Fatal(err)
		}
		if p, r := spelled(in, ref); p != want[0] || r != want[1] {
			t.Errorf("%s: %s %s, want %v", in, p, r, want)
		}
	}
}

func hex64(c byte) string { return strings.Repeat(string(c), 64) }

// TestPackagePinKeepsTheFile: --pin rewrites the file a symlink points at, keeps
// its mode, and leaves the link a link.
func TestPackagePinKeepsTheFile(t *testing.T) {
	host := loopbackRegistry(t, nil)
	isolate(t)
	spec := "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata: {name: a}\nspec:\n  module:\n    image: x.example/y:v1 # old\n"
	os.Mkdir("specs", 0o755)
	if err := os.WriteFile("specs/real.yaml", []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("specs/real.yaml", "link.yaml"); err != nil {
		t.Skip(err)
	}
	res, _ := packageJSON(t, "filter.wasm", "--push", host+"/f/a:v1", "--pin", "link.yaml")
	b, _ := os.ReadFile("specs/real.yaml")
	want := strings.Replace(spec, "x.example/y:v1", res.Reference, 1)
	if string(b) != want || len(res.Pinned.Changes) != 1 {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
	st, _ := os.Lstat("link.yaml")
	real, _ := os.Stat("specs/real.yaml")
	if st.Mode()&os.ModeSymlink == 0 || real.Mode().Perm() != 0o600 {
		t.Errorf("link %v, file mode %v", st.Mode(), real.Mode())
	}
	if ents, _ := os.ReadDir("specs"); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}
