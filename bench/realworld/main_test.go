package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets this test binary stand in for wasmgen and istioctl: with
// REALWORLD_FAKE set it answers from the file's own "# fake:" line (exit
// status, then stdout), so run's process handling is tested end to end.
func TestMain(m *testing.M) {
	if who := os.Getenv("REALWORLD_FAKE"); who != "" {
		os.Exit(fake(who, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fake(who string, args []string) int {
	if len(args) == 0 {
		return 3
	}
	data, err := os.ReadFile(args[len(args)-1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for _, line := range strings.Split(string(data), "\n") {
		spec, ok := strings.CutPrefix(line, "# "+who+": ")
		if !ok {
			continue
		}
		var exit int
		var out string
		fmt.Sscanf(spec, "%d", &exit)
		_, out, _ = strings.Cut(spec, " ")
		fmt.Print(out)
		if log := os.Getenv("REALWORLD_FAKE_LOG"); log != "" {
			f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err == nil {
				fmt.Fprintln(f, who, strings.Join(args, " "))
				f.Close()
			}
		}
		return exit
	}
	fmt.Fprintln(os.Stderr, "no fake answer for", who)
	return 2
}

func fakeTree(t *testing.T, expectations string) (dir, expect string) {
	t.Helper()
	dir = t.TempDir()
	files := map[string]string{
		"ERAS.tsv":           "# header\nenvoyfilter/a.yaml\t1.12\tIstio 1.12\tok\nbootstrap/b.yaml\t1.5\tEnvoy\tbroken\n",
		"envoyfilter/a.yaml": "# wasmgen: 0 []\n# istioctl: 0\napiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\n",
		"bootstrap/b.yaml":   "# wasmgen: 1 [{\"severity\":\"error\",\"code\":\"WG7100\"}]\nstatic_resources: {}\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	expect = filepath.Join(t.TempDir(), "expectations.tsv")
	if err := os.WriteFile(expect, []byte(expectations), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, expect
}

// runFake runs run with the fakes; the fakes log their command lines to the
// returned file.
func runFake(t *testing.T, args ...string) (code int, stdout, stderr, log string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The fakes read REALWORLD_FAKE; wasmgen and istioctl are the same binary,
	// told apart by a wrapper script that sets it.
	bin := t.TempDir()
	for _, who := range []string{"wasmgen", "istioctl"} {
		script := fmt.Sprintf("#!/bin/sh\nREALWORLD_FAKE=%s REALWORLD_FAKE_LOG=%q exec %q \"$@\"\n", who, filepath.Join(bin, "log"), self)
		if err := os.WriteFile(filepath.Join(bin, who), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	args = append(args, "-wasmgen", filepath.Join(bin, "wasmgen"))
	for i, a := range args {
		if a == "ISTIOCTL" {
			args[i] = filepath.Join(bin, "istioctl")
		}
	}
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	logged, _ := os.ReadFile(filepath.Join(bin, "log"))
	return code, out.String(), errb.String(), string(logged)
}

const fakeExpectations = "envoyfilter/a.yaml\t1.12\tok\tok\t-\t*\tfine\n" +
	"bootstrap/b.yaml\t1.5\tbroken\tbroken\tWG7100\t*\tunknown static field\n"

func TestRunAgrees(t *testing.T) {
	dir, expect := fakeTree(t, fakeExpectations)
	code, out, errs, log := runFake(t, "-dir", dir, "-expect", expect, "-istioctl", "ISTIOCTL")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"1  1.12   ok        ok      ok       ok        agree   - → -",
		"2  1.5    broken    broken  broken   n/a       agree   WG7100 → WG7100",
		"wasmgen: 2 of 2 verdicts agree; 0 working files rejected; 0 broken files passed\n",
		"istioctl validate: 1 of 1 verdicts agree; 0 working files rejected; 0 broken files passed (on the 1 files with Istio kinds)\n",
		"istioctl validate: cannot check 1 bootstrap (",
		"istioctl validate, counted as its exit status reads on all files: 1 of 2 verdicts agree; 0 working files rejected; 1 broken file passed\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The fake wasmgen was run from the shared folder with the file's own name and version.
	// Each tool ran from the shared folder on the file's own name, wasmgen at its version;
	// istioctl did not run on the bootstrap.
	if want := "wasmgen validate --istio-version 1.12 --output json envoyfilter/a.yaml\n" +
		"istioctl validate -f envoyfilter/a.yaml\n" +
		"wasmgen validate --istio-version 1.5 --output json bootstrap/b.yaml\n"; log != want {
		t.Errorf("command lines:\n%s\nwant:\n%s", log, want)
	}
}

func TestRunDisagrees(t *testing.T) {
	dir, expect := fakeTree(t, strings.Replace(fakeExpectations, "WG7100\t*", "WG7012\t*", 1))
	code, out, errs, _ := runFake(t, "-dir", dir, "-expect", expect)
	if code != 1 || !strings.Contains(errs, "1 of 2 files do not meet their expectation") || !strings.Contains(out, "CODES") {
		t.Errorf("strict: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs, _ = runFake(t, "-mode", "report", "-dir", dir, "-expect", expect)
	if code != 0 {
		t.Errorf("report: exit %d %s", code, errs)
	}
}

func TestRunRefuses(t *testing.T) {
	dir, expect := fakeTree(t, fakeExpectations)
	_, missing := fakeTree(t, "envoyfilter/a.yaml\t1.12\tok\tok\t-\t*\tfine\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-dir", dir}, "realworld: -wasmgen, -dir and -expect are required"},
		{[]string{"-mode", "loose", "-dir", dir, "-expect", expect}, `realworld: -mode "loose": expected strict or report`},
		{[]string{"-dir", dir, "-expect", missing}, "no expectation for bootstrap/b.yaml"},
		{[]string{"-dir", t.TempDir(), "-expect", expect}, "ERAS.tsv: no such file"},
	} {
		code, _, errs, _ := runFake(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, errs, c.want)
		}
	}
	// A file wasmgen gives no verdict on (here: exit 2) fails even a report.
	if err := os.WriteFile(filepath.Join(dir, "bootstrap/b.yaml"), []byte("# wasmgen: 2 \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs, _ := runFake(t, "-mode", "report", "-dir", dir, "-expect", expect)
	if code != 2 || !strings.Contains(errs, "wasmgen gave no verdict on 1 files") || !strings.Contains(out, "ERROR") {
		t.Errorf("no verdict: exit %d\n%s%s", code, out, errs)
	}
}
