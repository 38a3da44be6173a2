package manifest_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/manifest"
	"github.com/wasmgen/wasmgen/schema"

	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/wasmgen/wasmgen/internal/testutil"
)

const sha = "72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584"

const specs = `apiVersion: wasmgen.io/v1alpha1
kind: WasmFilter
metadata: {name: add-header, namespace: bookinfo}
spec:
  module: {path: ./filter.wasm}
  rootID: add_header_root_id
  selector: {matchLabels: {app: productpage, version: v1}}
  ports: [9080]
---
apiVersion: wasmgen.io/v1alpha1
kind: WasmFilter
metadata: {name: from-image, namespace: bookinfo}
spec:
  module: {image: webassemblyhub.io/u/f:v1}
  rootID: r
  selector: {matchLabels: {app: reviews}}
  config: {n: 10, s: "10"}
`

func inputs(t testing.TB) []generate.Input {
	t.Helper()
	docs, l := yamltree.ParseDocuments("spec.yaml", []byte(specs), yamltree.DefaultLimits)
	if l.HasErrors() {
		t.Fatal(l)
	}
	var ins []generate.Input
	for _, n := range docs {
		d, l := schema.Decode("spec.yaml", n)
		if l.HasErrors() {
			t.Fatal(l)
		}
		d.Filter.Default()
		in := generate.Input{Doc: d, Configuration: []byte(`{"n":10,"s":"10"}`)}
		if d.Filter.Spec.Module.Path != "" {
			in.ModuleData = []byte("\x00asm\x01\x00\x00\x00")
			in.ModuleSize = 8
			in.ModuleSHA256 = sha
			in.ModuleFile = "/src/filter.wasm"
		}
		ins = append(ins, in)
	}
	return ins
}

func objects(t testing.TB, target generate.Target) []generate.Object {
	t.Helper()
	objs, l := generate.Objects(inputs(t), generate.Options{Target: target})
	if l.HasErrors() {
		t.Fatal(l)
	}
	return objs
}

// golden compares with testdata/<name>, rewritten when WASMGEN_UPDATE=1.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if testutil.Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with WASMGEN_UPDATE=1 to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (WASMGEN_UPDATE=1 rewrites it)\n--- got\n%s", name, got)
	}
}

func TestYAML(t *testing.T) {
	out, err := manifest.YAML(objects(t, generate.TargetAll))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "all.yaml", out)
	// Every document parses; types survive: the number 10 and the string "10".
	dec := yaml.NewDecoder(bytes.NewReader(out))
	n := 0
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			break
		}
		n++
	}
	if n != len(objects(t, generate.TargetAll)) {
		t.Errorf("%d documents, want one per object", n)
	}
	if !bytes.Contains(out, []byte("n: 10\n")) || !bytes.Contains(out, []byte("s: \"10\"\n")) {
		t.Errorf("number/string typing lost in the WasmPlugin pluginConfig")
	}
}

func TestJSON(t *testing.T) {
	out, err := manifest.JSON(objects(t, generate.TargetIstio))
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		APIVersion, Kind string
		Items            []map[string]any
	}
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatal(err)
	}
	if list.APIVersion != "v1" || list.Kind != "List" || len(list.Items) != len(objects(t, generate.TargetIstio)) {
		t.Errorf("want a v1 List of every object, got %s with %d items", list.Kind, len(list.Items))
	}
	if !bytes.HasSuffix(out, []byte("}\n")) || !bytes.Contains(out, []byte("\n  \"items\"")) {
		t.Errorf("want 2-space indent and a trailing newline")
	}

	// A bootstrap alone is the bootstrap file itself.
	envoy, l := generate.Objects(inputs(t)[:1], generate.Options{Target: generate.TargetEnvoy})
	if l.HasErrors() {
		t.Fatal(l)
	}
	out, err = manifest.JSON(envoy)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "bootstrap-add-header.json", out)
	if !bytes.HasPrefix(out, []byte("{\n  \"admin\"")) {
		t.Errorf("bootstrap JSON: %.60s", out)
	}
}

func TestDeterministicBytes(t *testing.T) {
	a, _ := manifest.YAML(objects(t, generate.TargetAll))
	b, _ := manifest.YAML(objects(t, generate.TargetAll))
	c, _ := manifest.JSON(objects(t, generate.TargetAll))
	d, _ := manifest.JSON(objects(t, generate.TargetAll))
	if !bytes.Equal(a, b) || !bytes.Equal(c, d) {
		t.Error("same input, different bytes")
	}
}

func writeFiles(t *testing.T, files []manifest.File) string {
	dir := t.TempDir()
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFiles(t *testing.T) {
	files, err := manifest.Files(objects(t, generate.TargetAll), "yaml")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var kust []byte
	for _, f := range files {
		names = append(names, f.Name)
		if f.Name == manifest.KustomizationFile {
			kust = f.Data
		}
	}
	golden(t, "kustomization.yaml", kust)
	if !strings.Contains(strings.Join(names, " "), "bootstrap-add-header.json") {
		t.Errorf("files %v", names)
	}
	if bytes.Contains(kust, []byte("bootstrap")) {
		t.Errorf("the bootstrap is not a Kubernetes resource, yet listed:\n%s", kust)
	}

	jsonFiles, err := manifest.Files(objects(t, generate.TargetIstio), "json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range jsonFiles {
		if f.Name != manifest.KustomizationFile && !strings.HasSuffix(f.Name, ".json") {
			t.Errorf("--format json wrote %s", f.Name)
		}
	}
}

// kustomize accepts the directory: resources pass through, and the patches edit
// the workloads of an overlay that includes it.
func TestKustomizeBuild(t *testing.T) {
	bin := os.Getenv("WASMGEN_KUSTOMIZE") // set by scripts/tools.sh
	if bin == "" {
		t.Skip("WASMGEN_KUSTOMIZE is not set")
	}
	files, err := manifest.Files(objects(t, generate.TargetIstio), "yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, files)
	out, err := exec.Command(bin, "build", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("kind: EnvoyFilter")) || !bytes.Contains(out, []byte("kind: ConfigMap")) {
		t.Errorf("kustomize output lacks the resources:\n%s", out)
	}

	// With the workload added, the label-targeted patch applies.
	dep := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: productpage-v1
  namespace: bookinfo
  labels: {app: productpage, version: v1}
spec:
  selector: {matchLabels: {app: productpage, version: v1}}
  template:
    metadata:
      labels: {app: productpage, version: v1}
      annotations: {keep: me}
    spec:
      containers: [{name: productpage, image: x}]
`
	if err := os.WriteFile(filepath.Join(dir, "deployment.yaml"), []byte(dep), 0o644); err != nil {
		t.Fatal(err)
	}
	k, _ := os.ReadFile(filepath.Join(dir, manifest.KustomizationFile))
	k = bytes.Replace(k, []byte("resources:\n"), []byte("resources:\n- deployment.yaml\n"), 1)
	if err := os.WriteFile(filepath.Join(dir, manifest.KustomizationFile), k, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "build", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("kustomize build with workload: %v\n%s", err, out)
	}
	for _, want := range []string{"sidecar.istio.io/userVolume", "keep: me", "name: productpage-v1", "add-header-wasm-72ad74e260"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("patched output lacks %q:\n%s", want, out)
		}
	}
}

func BenchmarkYAML(b *testing.B) {
	objs := objects(b, generate.TargetAll)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := manifest.YAML(objs); err != nil {
			b.Fatal(err)
		}
	}
}
