package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStartupLinksNoHeavyInit guards `wasmgen validate`'s start-up (issue #7):
// every linked package's init runs in every process, so packages whose init is
// costly and that wasmgen can do without stay out of the binary. Measured with
// GODEBUG=inittrace=1 (see scripts/bench.sh).
func TestStartupLinksNoHeavyInit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		deps[p] = true
	}
	for p, why := range map[string]string{
		"sigs.k8s.io/kustomize/kyaml/fn/framework":  "links kube-openapi's validators (~7 ms of init); internal/krm has its own ResourceList",
		"k8s.io/kube-openapi/pkg/validation/strfmt": "compiles dozens of format regexps at init (~6 ms)",
		"k8s.io/api/core/v1":                        "with apimachinery ~2 ms of init and ~8 MB of binary; generate/kube.go has the few types wasmgen emits",
		"k8s.io/apimachinery/pkg/runtime":           "scheme registration at init",
	} {
		if deps[p] {
			t.Errorf("cmd/wasmgen links %s: %s", p, why)
		}
	}
	if !deps["github.com/wasmgen/wasmgen/internal/startheap"] {
		t.Error("cmd/wasmgen does not link internal/startheap: a one-file validate pays a garbage collection")
	}
}
