package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The Dockerfile builds with the Go release go.mod asks for: an older image
// would fail `go build` with "go.mod requires go >= …", a mismatch nobody sees
// until a release. (No Docker here to build it; this is what can be checked.)
func TestDockerfileGoVersion(t *testing.T) {
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	gm, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	g := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gm)
	if g == nil {
		t.Fatal("go.mod: no go directive")
	}
	goVersion := string(g[1])
	m := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)$`).FindSubmatch(df)
	if m == nil {
		t.Fatal("Dockerfile: no ARG GO_VERSION=…")
	}
	want := strings.Join(strings.SplitN(goVersion, ".", 3)[:2], ".")
	if got := string(m[1]); got != want {
		t.Errorf("Dockerfile GO_VERSION=%s; go.mod says go %s: use %s", got, goVersion, want)
	}
	for _, target := range []string{"AS wasmgen", "AS fn", "AS argocd-cmp"} {
		if !strings.Contains(string(df), target) {
			t.Errorf("Dockerfile has no stage %q, which the README and examples name", target)
		}
	}
}
