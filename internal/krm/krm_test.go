package krm_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/wasmgen/wasmgen/internal/krm"
	"github.com/wasmgen/wasmgen/internal/load"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/fn/framework/command"
	"sigs.k8s.io/kustomize/kyaml/fn/framework/frameworktestutil"

	"github.com/wasmgen/wasmgen/internal/testutil"
)

// update follows the project's golden switch (a function, so the test cache sees
// the environment read).
func update() bool { return testutil.Update() }

// processor builds the function as the command does, rooted at the working
// directory (frameworktestutil runs each case inside its directory).
func processor(t *testing.T) *krm.Processor {
	t.Helper()
	r, err := load.NewRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return &krm.Processor{Options: krm.Options{Files: r, Dir: wd}}
}

// TestResourceLists runs testdata/resourcelist/<case>/input.yaml (a ResourceList,
// as kustomize and kpt send it) and compares with expected.yaml or errors.txt.
func TestResourceLists(t *testing.T) {
	c := frameworktestutil.ProcessorResultsChecker{
		TestDataDirectory:        filepath.Join("testdata", "resourcelist"),
		UpdateExpectedFromActual: update(),
		ErrorAssertionFunc:       frameworktestutil.RequireStrippedStringsEqual,
		Processor:                func() framework.ResourceListProcessor { return krm.Framework(processor(t)) },
	}
	c.Assert(t)
}

// TestCommand runs testdata/command/<case>/{config.yaml,input*.yaml}: the spec as
// the functionConfig file and plain manifests as the items.
func TestCommand(t *testing.T) {
	c := frameworktestutil.CommandResultsChecker{
		TestDataDirectory:        filepath.Join("testdata", "command"),
		UpdateExpectedFromActual: update(),
		ErrorAssertionFunc:       frameworktestutil.RequireStrippedStringsEqual,
		Command: func() *cobra.Command {
			return command.Build(krm.Framework(processor(t)), command.StandaloneEnabled, true)
		},
	}
	c.Assert(t)
}

// execute runs the function over a ResourceList the way `wasmgen fn` does
// (Processor.Execute: kyaml's protocol, untouched items copied as read),
// returning the output list.
func execute(t *testing.T, dir string, in []byte) (string, error) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out bytes.Buffer
	err := processor(t).Execute(in, &out)
	return out.String(), err
}

// TestIdempotent runs every passing case's output through the function again:
// nothing may change.
func TestIdempotent(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join("testdata", "resourcelist", "*", "input.yaml"))
	for _, in := range cases {
		dir := filepath.Dir(in)
		if _, err := os.Stat(filepath.Join(dir, "errors.txt")); err == nil {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			b, _ := os.ReadFile(in)
			once, err := execute(t, dir, b)
			if err != nil {
				t.Fatal(err)
			}
			twice, err := execute(t, dir, []byte(once))
			if err != nil {
				t.Fatal(err)
			}
			if stripResults(once) != stripResults(twice) {
				t.Errorf("second run changed the output:\n--- first\n%s\n--- second\n%s", once, twice)
			}
		})
	}
}

// stripResults drops the results section: a second run has no filter items and
// may report differently; the items are what must not change.
func stripResults(s string) string {
	if i := strings.Index(s, "\nresults:\n"); i >= 0 {
		return s[:i]
	}
	return s
}
