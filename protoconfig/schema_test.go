package protoconfig

import (
	"bytes"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

func compileSchema(t testing.TB, md protoreflect.MessageDescriptor, draft string) *jsonschema.Schema {
	t.Helper()
	b, err := JSONSchema(md, draft)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("config.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("config.schema.json")
	if err != nil {
		t.Fatalf("generated schema does not compile: %v", err)
	}
	return s
}

func TestJSONSchemaGolden(t *testing.T) {
	for _, tc := range []struct{ file, msg, draft, golden string }{
		{"../examples/add-header/filter.proto", "Config", "2020-12", "schema/add-header.2020-12.json"},
		{"../examples/add-header/filter.proto", "Config", "07", "schema/add-header.07.json"},
		{"testdata/rules.proto", "Config", "2020-12", "schema/rules.2020-12.json"},
		{"testdata/rules.proto", "Config", "07", "schema/rules.07.json"},
	} {
		md := mustCompile(t, tc.file, tc.msg)
		a, err := JSONSchema(md, tc.draft)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := JSONSchema(md, tc.draft)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: output differs between runs", tc.golden)
		}
		golden(t, tc.golden, a)
		compileSchema(t, md, tc.draft)
	}
	if _, err := JSONSchema(mustCompile(t, "testdata/rules.proto", "Config"), "04"); err == nil {
		t.Error("draft 04 accepted")
	}
}

// TestJSONSchemaAgreement measures how often the schema's verdict matches
// protojson's over the differential corpus. Valid configs must always pass the
// schema (an editor must never flag a config the proxy accepts); the rate on
// invalid ones is reported, and held above a floor so it cannot silently decay.
func TestJSONSchemaAgreement(t *testing.T) {
	corpus := genCorpus(t, 4000)
	for _, draft := range []string{"2020-12", "07"} {
		schemas := map[protoreflect.FullName]*jsonschema.Schema{}
		var agree, total, falseReject, falseAccept int
		for _, c := range corpus {
			js, err := ToJSON(c.node)
			if err != nil {
				continue
			}
			s := schemas[c.md.FullName()+protoreflect.FullName(c.md.ParentFile().Path())]
			if s == nil {
				s = compileSchema(t, c.md, draft)
				schemas[c.md.FullName()+protoreflect.FullName(c.md.ParentFile().Path())] = s
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			schemaOK := s.Validate(inst) == nil
			pjOK := unmarshal(c.md, js, typesFor(c.md)) == nil
			total++
			switch {
			case schemaOK == pjOK:
				agree++
			case pjOK:
				falseReject++
				if falseReject <= 5 {
					t.Errorf("draft %s: %s: schema rejects a config protojson accepts: %v\n%s", draft, c.name, s.Validate(inst), js)
				}
			default:
				falseAccept++
			}
		}
		rate := float64(agree) / float64(total)
		t.Logf("draft %s: schema agrees with protojson on %d/%d (%.1f%%); rejects valid: %d, accepts invalid: %d",
			draft, agree, total, 100*rate, falseReject, falseAccept)
		if rate < 0.9 {
			t.Errorf("draft %s: agreement %.3f below 0.9", draft, rate)
		}
	}
}
