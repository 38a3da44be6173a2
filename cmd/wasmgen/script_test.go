package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
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
	testdata, _ := filepath.Abs("../../testdata")
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       os.Getenv("WASMGEN_UPDATE") != "",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("EXAMPLES", examples)
			e.Setenv("TESTDATA", testdata)
			for _, k := range []string{"WASMGEN_KUSTOMIZE", "WASMGEN_HELM", "WASMGEN_BIN", "HOME", "GOPATH", "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOPROXY", "PATH"} {
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
			}
			return false, nil
		},
	})
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
