package protoconfig

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/encoding/jsonschema"
	"cuelang.org/go/encoding/protobuf"
	jschema "github.com/santhosh-tekuri/jsonschema/v6"
)

// TestCUEEvaluation measures the design card's alternative: CUE's
// encoding/protobuf + encoding/jsonschema deriving the config schema. It must
// meet the bar JSONSchema meets (never reject a config protojson accepts) to be
// used; the test fails if that ever changes, so the choice gets revisited.
func TestCUEEvaluation(t *testing.T) {
	f, err := protobuf.Extract("testdata/lite.proto", nil, &protobuf.Config{Paths: []string{"testdata"}})
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	ctx := cuecontext.New()
	v := ctx.BuildFile(f)
	if v.Err() != nil {
		t.Fatalf("build: %v", v.Err())
	}
	expr, err := jsonschema.Generate(v.LookupPath(cue.ParsePath("#Config")), &jsonschema.GenerateConfig{})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	sv := ctx.BuildExpr(expr)
	schemaJSON, err := json.Marshal(sv)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	doc, err := jschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		t.Fatal(err)
	}
	c := jschema.NewCompiler()
	if err := c.AddResource("cue.json", doc); err != nil {
		t.Fatal(err)
	}
	cueSchema, err := c.Compile("cue.json")
	if err != nil {
		t.Fatalf("CUE's schema does not compile: %v", err)
	}
	md := mustCompile(t, "testdata/lite.proto", "Config")
	ours := compileSchema(t, md, "2020-12")

	files, _ := filepath.Glob("testdata/valid-lite/*.yaml")
	sort.Strings(files)
	var bases []corpusCase
	for _, p := range files {
		b, _ := os.ReadFile(p)
		bases = append(bases, corpusCase{name: filepath.Base(p), md: md, src: string(b), node: parseYAML(t, string(b))})
	}
	corpus := mutateBases(t, bases, 1500)
	type tally struct{ agree, falseReject, falseAccept int }
	var cueT, ourT tally
	count := func(tl *tally, schemaOK, pjOK bool) {
		switch {
		case schemaOK == pjOK:
			tl.agree++
		case pjOK:
			tl.falseReject++
		default:
			tl.falseAccept++
		}
	}
	var rejected []string
	for _, cc := range corpus {
		js, err := ToJSON(cc.node)
		if err != nil {
			continue
		}
		inst, _ := jschema.UnmarshalJSON(bytes.NewReader(js))
		pjOK := unmarshal(md, js, typesFor(md)) == nil
		cueOK := cueSchema.Validate(inst) == nil
		count(&cueT, cueOK, pjOK)
		ourOK := ours.Validate(inst) == nil
		count(&ourT, ourOK, pjOK)
		if pjOK && !ourOK {
			t.Errorf("our schema rejects %s: %v", js, ours.Validate(inst))
		}
		if pjOK && !cueOK && len(rejected) < 3 {
			rejected = append(rejected, string(js))
			if testing.Verbose() {
				t.Logf("CUE rejects %s: %v", js, cueSchema.Validate(inst))
			}
		}
	}
	n := len(corpus)
	t.Logf("CUE v0.17.1 schema: agrees %d/%d, rejects valid %d, accepts invalid %d; e.g. rejects %q",
		cueT.agree, n, cueT.falseReject, cueT.falseAccept, rejected)
	t.Logf("wasmgen schema:     agrees %d/%d, rejects valid %d, accepts invalid %d", ourT.agree, n, ourT.falseReject, ourT.falseAccept)
	if cueT.falseReject == 0 {
		t.Errorf("CUE's schema now meets the bar (no valid config rejected): revisit the choice")
	}
}
