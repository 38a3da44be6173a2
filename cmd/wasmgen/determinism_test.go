package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeterministicAcrossProcesses renders every golden case in fresh processes
// under different GOMAXPROCS, time zones, locales and working environments, and
// requires the bytes the golden files hold: output must not depend on map order,
// scheduling or the machine.
func TestDeterministicAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "wasmgen")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	envs := [][]string{
		{"GOMAXPROCS=1", "TZ=UTC", "LANG=C"},
		{"GOMAXPROCS=2", "TZ=Asia/Shanghai", "LANG=zh_CN.UTF-8", "GODEBUG=randautoseed=1"},
		{"GOMAXPROCS=8", "TZ=America/Los_Angeles", "LC_ALL=de_DE.UTF-8", "HOME=/nonexistent"},
	}
	cases, _ := filepath.Glob(filepath.Join(goldenDir, "*", "cmd"))
	for _, c := range cases {
		dir, _ := filepath.Abs(filepath.Dir(c))
		raw, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(dir, "out.golden"))
		if err != nil {
			t.Fatal(err)
		}
		for _, env := range envs {
			cmd := exec.Command(bin, strings.Fields(string(raw))...)
			cmd.Dir = dir
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
			var out bytes.Buffer
			cmd.Stdout = &out
			_ = cmd.Run() // the exit status is pinned by TestGolden
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%s under %v: output differs from out.golden", filepath.Base(dir), env)
			}
		}
	}
}
