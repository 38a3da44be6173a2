package compile

import (
	"errors"
	"path"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/load"

	"github.com/wasmgen/wasmgen/compat"

	"github.com/wasmgen/wasmgen/yamltree"
)

// memFiles is an in-memory Files: the pipeline never touches the disk itself.
type memFiles map[string][]byte

func (memFiles) Rel(abs string) string { return abs }

func (m memFiles) ReadFile(dir, ref string) ([]byte, string, error) {
	p := path.Join(dir, ref)
	b, ok := m[p]
	if !ok {
		return nil, "", errors.New("no such file or directory")
	}
	return b, p, nil
}

// A minimal module exporting proxy_abi_version_0_2_1 (Istio 1.8 and later).
// It exports malloc and its memory, as Envoy's host requires.
var newABI = []byte("\x00asm\x01\x00\x00\x00" +
	"\x01\x04\x01\x60\x00\x00" + "\x03\x02\x01\x00" + "\x05\x03\x01\x00\x01" +
	"\x07\x2d\x03\x17proxy_abi_version_0_2_1\x00\x00\x06malloc\x00\x00\x06memory\x02\x00" +
	"\x0a\x04\x01\x02\x00\x0b")

const spec = `apiVersion: wasmgen.io/v1alpha1
kind: WasmFilter
metadata: {name: f, namespace: ns}
spec:
  module: {path: f.wasm}
  config: {n: 9007199254740993}
  selector: {matchLabels: {app: a}}
`

func compile(t *testing.T, src string, files memFiles, minor compat.Istio) (*Result, diag.List) {
	t.Helper()
	opts := Options{Generate: generate.Options{Target: generate.TargetIstio, Istio: minor}, Limits: yamltree.DefaultLimits}
	return Compile([]load.Source{{Name: "s.yaml", Dir: "/w", Data: []byte(src)}}, files, opts)
}

func TestCompileResolvesModuleAndConfig(t *testing.T) {
	res, l := compile(t, spec, memFiles{"/w/f.wasm": newABI}, 24)
	if l.HasErrors() {
		t.Fatal(l)
	}
	in := res.Inputs[0]
	if in.ModuleSize != int64(len(newABI)) || len(in.ModuleSHA256) != 64 || in.ModuleFile != "/w/f.wasm" {
		t.Errorf("module facts: %+v", in)
	}
	if string(in.Configuration) != `{"n":9007199254740993}` {
		t.Errorf("config not exact: %s", in.Configuration)
	}
	if len(res.Objects) == 0 {
		t.Error("no objects")
	}
	if l.Count(diag.Warning) != 0 {
		t.Errorf("ABI 0.2.1 on Istio 1.24 should not warn, got %v", l)
	}
	// The same module on Istio 1.5: a warning, still generated.
	res, l = compile(t, spec, memFiles{"/w/f.wasm": newABI}, 5)
	if l.HasErrors() || len(res.Objects) == 0 || !hasCode(l, CodeABI) {
		t.Errorf("want an ABI warning and output, got %v", l)
	}
}

func TestCompileWritesNothingOnError(t *testing.T) {
	res, l := compile(t, spec+"---\n"+strings.Replace(spec, "name: f", "name: g", 1)+"  runtime: v9\n", memFiles{"/w/f.wasm": newABI}, 24)
	if !l.HasErrors() || len(res.Objects) != 0 {
		t.Fatalf("an invalid input must stop generation: %d objects, %v", len(res.Objects), l)
	}
	_, l = compile(t, spec, memFiles{}, 24)
	if !hasCode(l, CodeFile) {
		t.Fatalf("missing module: %v", l)
	}
	_, l = compile(t, spec, memFiles{"/w/f.wasm": []byte("not wasm")}, 24)
	if !hasCode(l, CodeNotWasm) {
		t.Fatalf("not wasm: %v", l)
	}
	// A config with no JSON form (a mapping as a key) cannot reach the plugin.
	_, l = compile(t, strings.Replace(spec, "config: {n: 9007199254740993}", "config: {? [a] : b}", 1), memFiles{"/w/f.wasm": newABI}, 24)
	if !hasCode(l, CodeConfig) {
		t.Fatalf("config with no JSON form: %v", l)
	}
	_, l = compile(t, "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n", memFiles{}, 24)
	if !hasCode(l, CodeNoFilters) {
		t.Fatalf("no filters: %v", l)
	}
}

func TestCompileCollectsWorkloads(t *testing.T) {
	src := spec + `---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c, namespace: ns}
spec:
  jobTemplate:
    spec:
      template:
        metadata:
          labels: {app: a}
          annotations: {sidecar.istio.io/userVolume: '{}'}
`
	docs, _ := Parse([]load.Source{{Name: "s.yaml", Data: []byte(src)}}, yamltree.DefaultLimits)
	w, ok := WorkloadOf(docs[1])
	if !ok || w.Kind != "CronJob" || w.PodLabels["app"] != "a" || w.PodAnnotations["sidecar.istio.io/userVolume"] != "{}" {
		t.Fatalf("workload %+v", w)
	}
	if _, ok := WorkloadOf(docs[0]); ok {
		t.Fatal("a WasmFilter is not a workload")
	}
}

func TestResolveOption(t *testing.T) {
	src := strings.Replace(spec, "module: {path: f.wasm}", "module: {image: ghcr.io/x/f:v1}", 1)
	opts := Options{Generate: generate.Options{Target: generate.TargetIstio, Istio: 24}, Limits: yamltree.DefaultLimits,
		Resolve: func(ref string) (string, error) {
			return "ghcr.io/x/f@sha256:" + strings.Repeat("a", 64), nil
		}}
	res, l := Compile([]load.Source{{Name: "s.yaml", Dir: "/w", Data: []byte(src)}}, memFiles{}, opts)
	if l.HasErrors() || hasCode(l, "WG1307") {
		t.Fatalf("resolved image should not warn about tags: %v", l)
	}
	if got := res.Inputs[0].Doc.Filter.Spec.Module.Image; !strings.Contains(got, "@sha256:") {
		t.Fatalf("image not resolved: %s", got)
	}
	opts.Resolve = func(string) (string, error) { return "", errors.New("unreachable") }
	_, l = Compile([]load.Source{{Name: "s.yaml", Dir: "/w", Data: []byte(src)}}, memFiles{}, opts)
	if !hasCode(l, CodeResolve) {
		t.Fatalf("want resolve error, got %v", l)
	}
}

func hasCode(l diag.List, code string) bool {
	for _, f := range l {
		if f.Code == code {
			return true
		}
	}
	return false
}

func TestParseExpandsLists(t *testing.T) {
	src := "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a}}\n- {apiVersion: v1, kind: Service, metadata: {name: b}}\n"
	docs, l := Parse([]load.Source{{Name: "l.yaml", Data: []byte(src)}}, yamltree.DefaultLimits)
	if len(l) != 0 || len(docs) != 2 || yamltree.StringField(yamltree.Field(docs[1].Node, "metadata"), "name") != "b" {
		t.Fatalf("want the two items, got %d docs %v", len(docs), l)
	}
}

// TestHostCheck: the import check's findings land on spec.module.path, an error
// where Envoy fails the filter and a warning where it loads it to misbehave.
func TestHostCheck(t *testing.T) {
	noMemory := []byte("\x00asm\x01\x00\x00\x00" +
		"\x01\x04\x01\x60\x00\x00" + "\x03\x02\x01\x00" +
		"\x07\x24\x02\x17proxy_abi_version_0_2_1\x00\x00\x06malloc\x00\x00" +
		"\x0a\x04\x01\x02\x00\x0b")
	noMalloc := []byte("\x00asm\x01\x00\x00\x00" +
		"\x01\x04\x01\x60\x00\x00" + "\x03\x02\x01\x00" + "\x05\x03\x01\x00\x01" +
		"\x07\x24\x02\x17proxy_abi_version_0_2_1\x00\x00\x06memory\x02\x00" +
		"\x0a\x04\x01\x02\x00\x0b")
	for _, tt := range []struct {
		name     string
		module   []byte
		code     string
		severity diag.Severity
	}{
		{"clean", newABI, "", 0},
		{"no memory export", noMemory, CodeHostWarning, diag.Warning},
		{"no allocator", noMalloc, CodeHostImport, diag.Error},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, l := compile(t, spec, memFiles{"/w/f.wasm": tt.module}, 24)
			var got []diag.Finding
			for _, f := range l {
				if f.Code == CodeHostWarning || f.Code == CodeHostImport {
					got = append(got, f)
				}
			}
			if tt.code == "" {
				if len(got) != 0 {
					t.Fatalf("want no host findings, got %v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Code != tt.code || got[0].Severity != tt.severity || got[0].Path != "spec.module.path" || got[0].Pos.Line != 5 {
				t.Fatalf("want one %s %v at spec.module.path line 5, got %v", tt.code, tt.severity, got)
			}
		})
	}
}

// TestFilterDeploymentCacheName: the wasme operator names the cache file from the
// image digest it pulls, so validate asks no sha256 of a FilterDeployment; render,
// which writes the EnvoyFilter the operator would have, needs it.
func TestFilterDeploymentCacheName(t *testing.T) {
	const fd = "apiVersion: wasme.io/v1\nkind: FilterDeployment\nmetadata: {name: f, namespace: ns}\nspec:\n  deployment: {istio: {kind: Deployment, labels: {app: a}}}\n  filter: {image: 'webassemblyhub.io/a/b@sha256:0123456789012345678901234567890123456789012345678901234567890123'}\n"
	opts := Options{Generate: generate.Options{Target: generate.TargetIstio, Istio: 8}, Limits: yamltree.DefaultLimits}
	srcs := []load.Source{{Name: "fd.yaml", Dir: "/w", Data: []byte(fd)}}
	_, l := Check(srcs, memFiles{}, opts)
	if strings.Contains(codesOf(l), generate.CodeNeedSHA256) || l.HasErrors() {
		t.Errorf("validate: want no %s, got %v", generate.CodeNeedSHA256, l)
	}
	_, l = Compile(srcs, memFiles{}, opts)
	if !strings.Contains(codesOf(l), generate.CodeNeedSHA256) {
		t.Errorf("render: want %s, got %v", generate.CodeNeedSHA256, l)
	}
}

func codesOf(l diag.List) string {
	var b strings.Builder
	for _, f := range l {
		b.WriteString(f.Code + " ")
	}
	return b.String()
}
