package generate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/schema"

	"github.com/wasmgen/wasmgen/yamltree"
)

// spec decodes one WasmFilter document, checks it decoded cleanly and defaults it,
// as the loader does before calling Objects.
func spec(t testing.TB, text string) *schema.Document {
	t.Helper()
	docs, l := yamltree.ParseDocuments("spec.yaml", []byte(text), yamltree.DefaultLimits)
	if l.HasErrors() || len(docs) != 1 {
		t.Fatalf("parse: %v (%d docs)", l, len(docs))
	}
	d, l := schema.Decode("spec.yaml", docs[0])
	if l.HasErrors() {
		t.Fatalf("decode: %v", l)
	}
	d.Filter.Default()
	return d
}

const testSHA = "72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584"

// filter writes a spec with the given spec-level YAML lines (2-space indented).
func filter(name string, specLines ...string) string {
	return fmt.Sprintf("apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nmetadata:\n  name: %s\n  namespace: bookinfo\nspec:\n  rootID: add_header_root_id\n  selector:\n    matchLabels: {app: productpage, version: v1}\n%s\n",
		name, "  "+strings.Join(specLines, "\n  "))
}

// input is a filter with a configuration.
func input(t testing.TB, name string, specLines ...string) Input {
	d := spec(t, filter(name, specLines...))
	in := Input{Doc: d, Configuration: []byte(`{"header_name":"hello","header_value":"world"}`)}
	if p := d.Filter.Spec.Module.Path; p != "" {
		in.ModuleData = []byte("\x00asm\x01\x00\x00\x00")
		in.ModuleSize = int64(len(in.ModuleData))
		in.ModuleSHA256 = testSHA
		in.ModuleFile = "/work/filters/" + p
	}
	if s := d.Filter.Spec.Module.SHA256; s != "" && in.ModuleSHA256 == "" {
		in.ModuleSHA256 = s
	}
	return in
}
