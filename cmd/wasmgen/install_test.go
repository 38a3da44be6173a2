package main

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoInstall is the README's install line, `go install
// github.com/wasmgen/wasmgen/cmd/wasmgen@VERSION`, against a module proxy
// built here (GOPROXY=file://…) from the module's files as the real proxy would
// zip them: no replace directives, no file outside the module, nested modules
// (examples/envoy) left out. The installed binary must name its version.
// Dependencies come from the module cache, as on any machine that built once.
func TestGoInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole command from a module zip (about a minute)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	const mod, version = "github.com/wasmgen/wasmgen", "v0.0.1-test"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(gomod, []byte("\nreplace")) {
		t.Fatal("go.mod has a replace directive: go install …@version ignores it, and the build would differ from the repository's")
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			if rel != "." {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // a nested module is not part of this one
				}
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		w, err := zw.Create(mod + "@" + version + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	proxy := t.TempDir()
	at := filepath.Join(proxy, filepath.FromSlash(mod), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": []byte(`{"Version":"` + version + `","Time":"2026-12-01T00:00:00Z"}`),
		version + ".mod":  gomod,
		version + ".zip":  zbuf.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(at, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The dependencies come from the module cache's download directory, which is
	// a module proxy itself; wasmgen's zip only from the proxy above. A module cache
	// of the test's own keeps the user's clean and a stale extraction out.
	cache, err := exec.Command(goBin, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	deps := filepath.Join(strings.TrimSpace(string(cache)), "cache", "download")
	bin := t.TempDir()
	cmd := exec.Command(goBin, "install", mod+"/cmd/wasmgen@"+version)
	cmd.Dir = t.TempDir() // outside the repository: its go.mod must not matter
	cmd.Env = append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+",file://"+filepath.ToSlash(deps), "GOSUMDB=off",
		"GOMODCACHE="+t.TempDir(), "GOFLAGS=-modcacherw", "GOBIN="+bin, "GOTOOLCHAIN=local", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go install %s/cmd/wasmgen@%s: %v\n%s", mod, version, err, out)
	}
	v, err := exec.Command(filepath.Join(bin, "wasmgen"), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("installed wasmgen version: %v\n%s", err, v)
	}
	if want := "wasmgen " + version + " (default --istio-version "; !strings.HasPrefix(string(v), want) {
		t.Errorf("installed wasmgen version = %q, want it to start with %q", v, want)
	}
}
