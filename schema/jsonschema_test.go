package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/invopop/jsonschema"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/internal/testutil"
)

// generateSchema reflects the Go types, with descriptions from their doc comments.
func generateSchema(t *testing.T) []byte {
	t.Helper()
	r := &jsonschema.Reflector{
		// The config is any value: an open schema.
		Mapper: func(rt reflect.Type) *jsonschema.Schema {
			if rt == reflect.TypeOf(Config{}) {
				return jsonschema.TrueSchema
			}
			return nil
		},
	}
	if err := r.AddGoComments("github.com/wasmgen/wasmgen/schema", "./"); err != nil {
		t.Fatal(err)
	}
	s := r.Reflect(&WasmFilter{})
	s.ID = "https://wasmgen.io/schemas/wasmfilter.schema.json"
	s.Title = "WasmFilter"
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out, err := marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemaUpToDate fails when schema/wasmfilter.schema.json no longer matches the
// Go types; WASMGEN_UPDATE=1 rewrites it.
func TestSchemaUpToDate(t *testing.T) {
	got := generateSchema(t)
	if testutil.Update() {
		if err := os.WriteFile("wasmfilter.schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, wasmfilterSchema) {
		t.Fatal("schema/wasmfilter.schema.json is stale; run WASMGEN_UPDATE=1 go test ./schema/")
	}
}

// TestSchemaAgreesWithDecoder: specs the decoder accepts, the schema accepts (both
// drafts and the CRD's schema), and the schema rejects typos and bad enums too.
func TestSchemaAgreesWithDecoder(t *testing.T) {
	good := minimal + "  runtime: v8\n  context: SIDECAR_INBOUND\n  ports: [9080]\n  config: {a: [1, {b: c}]}\n  env: [{name: A, fromHost: true}]\n  placement: {before: x}\n"
	bad := map[string]string{
		"typo":        strings.Replace(minimal, "  module:", "  modul:", 1),
		"enum":        minimal + "  runtime: v9\n",
		"port":        minimal + "  ports: [0]\n",
		"name":        strings.Replace(minimal, "name: f", "name: F_", 1),
		"sha256":      minimal + "    sha256: ABC\n",
		"no metadata": "apiVersion: wasmgen.io/v1alpha1\nkind: WasmFilter\nspec: {module: {path: x}}\n",
	}
	crd, err := CRD()
	if err != nil {
		t.Fatal(err)
	}
	var crdDoc map[string]any
	if err := json.Unmarshal(crd, &crdDoc); err != nil {
		t.Fatal(err)
	}
	for _, draft := range []string{"2020-12", "07"} {
		b, err := JSONSchema(draft)
		if err != nil {
			t.Fatal(err)
		}
		c := sjs.NewCompiler()
		doc, err := sjs.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("wasmfilter.json", doc); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile("wasmfilter.json")
		if err != nil {
			t.Fatalf("draft %s does not compile: %v", draft, err)
		}
		if err := sch.Validate(yamlValue(t, good)); err != nil {
			t.Errorf("draft %s rejects a valid spec: %v", draft, err)
		}
		for name, src := range bad {
			if err := sch.Validate(yamlValue(t, src)); err == nil {
				t.Errorf("draft %s accepts bad spec %q", draft, name)
			}
		}
	}
}

func yamlValue(t *testing.T, src string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := sjs.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
