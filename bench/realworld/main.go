// Command realworld is the real-world conformance test of `wasmgen validate`
// (issue 12): it validates each public file of a shared folder at the Istio
// version ERAS.tsv gives it, derives the verdict (ok: exit 0 and no error
// finding; broken: error findings) and the error and warning codes, and
// compares them with the project's expectations file, which states what the
// real consumer (istiod, istio-agent, Envoy, the wasme operator) does with
// each file, with a reason from the consumer's source. The files themselves
// stay outside the repository; the expectations name them only.
//
//	realworld -wasmgen BIN -dir DIR -expect FILE [-mode strict|report] [-istioctl BIN]
//
// In strict mode a file that does not meet its expectation fails the run
// (exit 1); report mode prints the same and exits 0. With -istioctl it also
// runs `istioctl validate -f` on every file, for the "what istioctl gives"
// figure; istioctl checks only Istio kinds (no bootstraps). A problem with the
// inputs or a file wasmgen gives no verdict on is exit 2 in every mode.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	wasmgen, istioctl, dir, expect, mode string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("realworld", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.wasmgen, "wasmgen", "", "the wasmgen binary to test")
	fs.StringVar(&c.istioctl, "istioctl", "", "also run this istioctl's `validate -f` on every file")
	fs.StringVar(&c.dir, "dir", "", "the shared realworld folder (holds ERAS.tsv and the files)")
	fs.StringVar(&c.expect, "expect", "", "the expectations file")
	fs.StringVar(&c.mode, "mode", "strict", "strict: fail on a file that does not meet its expectation; report: print only")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	case c.wasmgen == "" || c.dir == "" || c.expect == "":
		return c, errors.New("-wasmgen, -dir and -expect are required")
	case c.mode != "strict" && c.mode != "report":
		return c, fmt.Errorf("-mode %q: expected strict or report", c.mode)
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "realworld:", err)
		return 2
	}
	rows, err := load(c)
	if err != nil {
		fmt.Fprintln(stderr, "realworld:", err)
		return 2
	}
	for i := range rows {
		rows[i].Wasmgen = validate(c.wasmgen, c.dir, rows[i].Exp)
		if c.istioctl != "" {
			o, err := istioctlValidate(c.istioctl, c.dir, rows[i].Exp.File)
			if err != nil {
				fmt.Fprintln(stderr, "realworld:", err)
				return 2
			}
			rows[i].Istioctl = &o
		}
	}
	if err := writeReport(stdout, rows, c.expect); err != nil {
		fmt.Fprintln(stderr, "realworld:", err)
		return 2
	}
	s := summarize(rows)
	switch {
	case s.NoVerdict > 0:
		fmt.Fprintf(stderr, "realworld: wasmgen gave no verdict on %d files; the harness or the build is broken\n", s.NoVerdict)
		return 2
	case s.Failed() && c.mode == "strict":
		fmt.Fprintf(stderr, "realworld: %d of %d files do not meet their expectation (WASMGEN_REALWORLD=report prints this without failing)\n", s.Rows-s.MeetExpect, s.Rows)
		return 1
	}
	return 0
}

// load reads ERAS.tsv and the expectations and pairs them.
func load(c config) ([]Row, error) {
	erasName := filepath.Join(c.dir, "ERAS.tsv")
	data, err := os.ReadFile(erasName)
	if err != nil {
		return nil, err
	}
	eras, err := parseEras(erasName, data)
	if err != nil {
		return nil, err
	}
	data, err = os.ReadFile(c.expect)
	if err != nil {
		return nil, err
	}
	exps, err := parseExpectations(c.expect, data)
	if err != nil {
		return nil, err
	}
	paired, err := pair(eras, exps, c.expect)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, len(paired))
	for i, e := range paired {
		rows[i] = Row{Exp: e, Era: eras[i].Verdict}
	}
	return rows, nil
}

// validate runs `wasmgen validate` on one file from inside the shared folder,
// so findings name the file as the expectations do.
func validate(wasmgen, dir string, e Expectation) Outcome {
	cmd := exec.Command(wasmgen, "validate", "--istio-version", e.Istio, "--output", "json", e.File)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	exit, err := exitCode(cmd.Run())
	if err != nil {
		return Outcome{Err: err.Error()}
	}
	return wasmgenOutcome(exit, out.Bytes(), errb.Bytes())
}

// istioctlValidate runs `istioctl validate -f` on a file with an Istio kind;
// on any other file it gives no verdict (istioctl would call it valid
// without looking).
func istioctlValidate(istioctl, dir, file string) (Outcome, error) {
	content, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return Outcome{}, err
	}
	if !istioctlChecks(content) {
		return Outcome{}, nil
	}
	cmd := exec.Command(istioctl, "validate", "-f", file)
	cmd.Dir = dir
	exit, err := exitCode(cmd.Run())
	if err != nil {
		return Outcome{}, fmt.Errorf("istioctl: %v", err)
	}
	return istioctlOutcome(exit), nil
}

// exitCode turns a finished command's error into its exit status; an error
// that is not an exit status (the binary is missing) is returned.
func exitCode(err error) (int, error) {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode(), nil
	}
	return 0, err
}
