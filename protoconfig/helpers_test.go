package protoconfig

import (
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/wasmgen/wasmgen/internal/testutil"
)

func osLoader(p string) ([]byte, error) { return os.ReadFile(filepath.FromSlash(p)) }

func mustCompile(t testing.TB, file, msg string) protoreflect.MessageDescriptor {
	t.Helper()
	md, fs := Compile(osLoader, file, nil, msg)
	if fs.HasErrors() || md == nil {
		t.Fatalf("Compile(%s, %s): %v", file, msg, fs)
	}
	return md
}

func parseYAML(t testing.TB, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatalf("yaml: %v\n%s", err, src)
	}
	return &n
}

// update reports whether goldens should be rewritten; a function so the test
// cache sees the environment read.
func update() bool { return testutil.Update() }

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if update() {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("missing golden %s (run with WASMGEN_UPDATE=1): %v", p, err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from golden (WASMGEN_UPDATE=1 rewrites it)\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

type yamlNode struct{ *yaml.Node }

func (n *yamlNode) parse(src string) error {
	n.Node = new(yaml.Node)
	return yaml.Unmarshal([]byte(src), n.Node)
}
