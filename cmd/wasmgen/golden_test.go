package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/validate"

	"github.com/wasmgen/wasmgen/compat"

	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/wasmgen/wasmgen/internal/testutil"
)

// update reports whether goldens should be rewritten: WASMGEN_UPDATE=1 go test ./...
// It is a function so the test cache sees the environment read.
func update() bool { return testutil.Update() }

const goldenDir = "../../testdata/golden"

// TestGolden renders every case under testdata/golden/<case>/: the command line in
// `cmd` runs in the case directory; stdout must equal out.golden, the exit code and
// stderr err.golden. Successful output is also parsed back and validated strictly.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(goldenDir, "*", "cmd"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases found: %v", err)
	}
	for _, c := range cases {
		dir := filepath.Dir(c)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			raw, err := os.ReadFile(c)
			if err != nil {
				t.Fatal(err)
			}
			args := strings.Fields(string(raw))
			abs, _ := filepath.Abs(dir)
			t.Chdir(abs)
			stdout, stderr, code := runCLI(args)
			// Same input, same bytes: a second run must agree exactly.
			stdout2, stderr2, code2 := runCLI(args)
			if stdout != stdout2 || stderr != stderr2 || code != code2 {
				t.Errorf("output differs between two runs")
			}
			errText := fmt.Sprintf("exit %d\n%s", code, stderr)
			compare(t, "out.golden", stdout)
			compare(t, "err.golden", errText)
			if code == exitOK && stdout != "" {
				checkOutput(t, stdout, checkOptions(args))
			}
		})
	}
}

func runCLI(args []string) (string, string, int) {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func compare(t *testing.T, name, got string) {
	t.Helper()
	if update() {
		if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run with WASMGEN_UPDATE=1 to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (WASMGEN_UPDATE=1 rewrites it):\n--- want\n%s\n--- got\n%s", name, want, got)
	}
}

// checkOutput parses rendered YAML back and runs the strict Istio/Envoy checks on
// every object: a byte comparison alone would bless a wrong golden.
func checkOutput(t *testing.T, out string, opts validate.Options) {
	t.Helper()
	docs, errs := compile.Parse([]load.Source{{Name: "out.golden", Data: []byte(out)}}, yamltree.DefaultLimits)
	if errs.HasErrors() {
		t.Fatalf("output does not parse: %v", errs)
	}
	c := validate.NewChecker(opts)
	for _, d := range docs {
		c.Add(d.File, d.Node)
	}
	l := c.Finish()
	for _, f := range l {
		if f.Severity == diag.Error {
			t.Errorf("generated object fails validation: %s", f)
		}
	}
}

// checkOptions are the releases (and the mesh's root namespace) a case renders for,
// which its output is checked against.
func checkOptions(args []string) validate.Options {
	o := validate.Options{Istio: istioMinorOf(args), RootNamespace: flagValue(args, "--istio-root-namespace")}
	if v, err := compat.ParseEnvoyGateway(flagValue(args, "--envoy-gateway-version")); err == nil {
		o.EnvoyGateway, _ = v.Known()
	}
	return o
}

// flagValue is the value of a flag given as --name=value or --name value.
func flagValue(args []string, name string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func istioMinorOf(args []string) compat.Istio {
	for i, a := range args {
		v, ok := strings.CutPrefix(a, "--istio-version=")
		if !ok && a == "--istio-version" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if ok {
			if m, err := compat.ParseIstio(v); err == nil {
				m, _ = m.Known()
				return m
			}
		}
	}
	return compat.NewestIstio
}

// TestExampleOutputs: the outputs checked in beside the examples are what render
// writes for them (WASMGEN_UPDATE=1 rewrites them), and validate accepts them.
func TestExampleOutputs(t *testing.T) {
	for _, ex := range []struct{ dir, out, target string }{
		{"ambient", "wasmplugin.yaml", "wasmplugin"},
		{"envoy-gateway", "policy.yaml", "envoy-gateway"},
	} {
		t.Run(ex.dir, func(t *testing.T) {
			abs, _ := filepath.Abs(filepath.Join("..", "..", "examples", ex.dir))
			t.Chdir(abs)
			stdout, stderr, code := runCLI([]string{"render", "-f", "filter.yaml", "--target", ex.target})
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			compare(t, ex.out, stdout)
			checkOutput(t, stdout, validate.Options{})
			_, stderr, code = runCLI([]string{"validate", "."})
			if code != exitOK {
				t.Errorf("validate %s: exit %d: %s", ex.dir, code, stderr)
			}
		})
	}
}
