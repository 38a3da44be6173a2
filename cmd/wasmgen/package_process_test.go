package main

import (
	"bytes"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestPackageAcrossProcesses runs the wasmgen binary in fresh processes.
//
// Byte identity: the tar and the layout directory package writes are the same
// bytes under different umasks, time zones, locales and GOMAXPROCS, and
// SOURCE_DATE_EPOCH is the only environment that changes them.
//
// Network: with HTTP(S)_PROXY pointing at a counting server every request to a
// host other than loopback reaches it. package without --push sends none; with
// --push to such a host it does (the control that shows the counter sees them).
func TestPackageAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh to set the umask")
	}
	bin := filepath.Join(t.TempDir(), "wasmgen")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	mod, _ := filepath.Abs(filepath.Join("testdata", "modules", "proxy-0_2_1.wasm"))

	var hits atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, "no network in tests", http.StatusForbidden)
	}))
	defer proxy.Close()

	// run runs `sh -c 'umask U; exec wasmgen ARGS'` in a new directory and
	// returns every file it wrote there, by name.
	run := func(umask string, env []string, args ...string) (map[string][]byte, string) {
		t.Helper()
		dir := t.TempDir()
		cmd := exec.Command("sh", append([]string{"-c", `umask "$0"; exec "$@"`, umask, bin}, args...)...)
		cmd.Dir = dir
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "DOCKER_CONFIG=" + dir,
			"HTTPS_PROXY=" + proxy.URL, "HTTP_PROXY=" + proxy.URL}, env...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		files := map[string][]byte{}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				rel, _ := filepath.Rel(dir, p)
				files[filepath.ToSlash(rel)], _ = os.ReadFile(p)
			}
			return nil
		})
		if err != nil {
			return files, "exit: " + err.Error() + "\n" + errOut.String()
		}
		return files, out.String()
	}

	envs := []struct {
		umask string
		env   []string
	}{
		{"022", []string{"GOMAXPROCS=1", "TZ=UTC", "LANG=C"}},
		{"077", []string{"GOMAXPROCS=2", "TZ=Asia/Shanghai", "LANG=zh_CN.UTF-8"}},
		{"002", []string{"GOMAXPROCS=8", "TZ=America/Los_Angeles", "LC_ALL=de_DE.UTF-8"}},
	}
	for _, pf := range []string{"compat", "docker", "wasme"} {
		var first map[string][]byte
		var firstOut string
		for _, e := range envs {
			files, out := run(e.umask, e.env, "package", mod, "--format", pf, "-o", "image.tar")
			dirFiles, _ := run(e.umask, e.env, "package", mod, "--format", pf, "-o", "layout")
			if len(files) != 1 || len(dirFiles) < 5 {
				t.Fatalf("%s: wrote %d and %d files: %s", pf, len(files), len(dirFiles), out)
			}
			for k, v := range dirFiles {
				files[k] = v
			}
			if first == nil {
				first, firstOut = files, out
				continue
			}
			if out != firstOut {
				t.Errorf("%s under %v: output differs:\n%s\n%s", pf, e, out, firstOut)
			}
			for name, b := range first {
				if !bytes.Equal(files[name], b) {
					t.Errorf("%s under umask %s %v: %s differs", pf, e.umask, e.env, name)
				}
			}
		}
		epoch, _ := run("022", []string{"SOURCE_DATE_EPOCH=1700000000"}, "package", mod, "--format", pf, "-o", "image.tar")
		epoch2, _ := run("077", []string{"SOURCE_DATE_EPOCH=1700000000", "TZ=Asia/Shanghai"}, "package", mod, "--format", pf, "-o", "image.tar")
		if !bytes.Equal(epoch["image.tar"], epoch2["image.tar"]) || bytes.Equal(epoch["image.tar"], first["image.tar"]) {
			t.Errorf("%s: SOURCE_DATE_EPOCH should give other bytes, the same in every run", pf)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("package without --push sent %d request(s) to the network", n)
	}
	_, out := run("022", nil, "package", mod, "--push", "registry.example.com/filters/x:v1")
	if hits.Load() == 0 || !strings.Contains(out, "exit: ") {
		t.Errorf("the control push did not reach the proxy (%d requests): %s", hits.Load(), out)
	}
}
