package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestToJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a: 1", `{"a":1}`},
		{"a: 12345678901234567890123", `{"a":12345678901234567890123}`},
		{"a: 0x1F", `{"a":31}`},
		{"a: -1_000", `{"a":-1000}`},
		{"a: 1.50", `{"a":1.50}`},
		{"a: .inf", `{"a":"Infinity"}`},
		{"a: true", `{"a":true}`},
		{"a: ~", `{"a":null}`},
		{"a: '1'", `{"a":"1"}`},
		{"a: [x, {b: é}]", `{"a":["x",{"b":"\u00e9"}]}`},
		{"a: \"\\U0001F600\\t\"", `{"a":"\ud83d\ude00\t"}`},
		{"x: &r {k: v}\ny: *r", `{"x":{"k":"v"},"y":{"k":"v"}}`},
	}
	for _, tt := range tests {
		n := parseDocs(t, []byte(tt.in))[0]
		ix := newPosIndex("f", n)
		got := toJSON(ix, n, "")
		if string(got.buf) != tt.want {
			t.Errorf("%q: got %s, want %s", tt.in, got.buf, tt.want)
		}
		if !json.Valid(got.buf) {
			t.Errorf("%q: invalid JSON %s", tt.in, got.buf)
		}
	}
}

func TestToJSONDuplicateKey(t *testing.T) {
	n := parseDocs(t, []byte("a: 1\na: 2\n"))[0]
	got := toJSON(newPosIndex("f", n), n, "")
	if string(got.buf) != `{"a":1}` || len(got.errs) != 1 || got.errs[0].Pos.Line != 2 {
		t.Errorf("got %s %v", got.buf, got.errs)
	}
}

// TestPositions maps protojson's error offsets and folded spellings back to lines.
func TestPositions(t *testing.T) {
	doc := "spec:\n  config:\n    vm_config:\n      runtime: v8\n    typedConfig: {x: 1}\n"
	n := parseDocs(t, []byte(doc))[0]
	ix := newPosIndex("f.yaml", n)
	for path, line := range map[string]int{
		"spec.config.vm_config.runtime": 4, "spec.config.vmConfig.runtime": 4, "Spec.Config.VmConfig.Runtime": 4,
		"spec.config.typed_config.x": 5, "spec.config.vm_config.code.local.filename": 3, "nowhere": 1,
	} {
		if got := ix.pos(path).Line; got != line {
			t.Errorf("pos(%s) = line %d, want %d", path, got, line)
		}
	}
	if got := ix.display("Spec.Config.VmConfig.Code"); got != "spec.config.vm_config.code" {
		t.Errorf("display = %q", got)
	}
	// An error protojson reports by offset names the right path.
	js := toJSON(ix, n, "")
	err := protojson.Unmarshal(js.buf, &structpb.Value{})
	if err != nil {
		t.Fatalf("a Struct accepts anything: %v", err)
	}
	v := &structpb.ListValue{}
	err = protojson.Unmarshal(js.buf, v)
	if p, msg := js.locate(err); err == nil || msg == "" || p != "" {
		t.Errorf("locate(%v) = %q, %q", err, p, msg)
	}
}

func fuzzDocs(b []byte) []*yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []*yaml.Node
	for len(docs) < 8 {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if !errors.Is(err, io.EOF) {
				return docs
			}
			return docs
		}
		docs = append(docs, &n)
	}
	return docs
}

func FuzzToJSON(f *testing.F) {
	f.Add([]byte("a: [1, 0x10, .nan, 'x', {b: ~}]"))
	f.Add([]byte("x: &r {k: v}\ny: *r"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, d := range fuzzDocs(b) {
			js := toJSON(newPosIndex("f", d), d, "")
			if !json.Valid(js.buf) && !strings.Contains(string(b), "<<") {
				t.Fatalf("invalid JSON %q from %q", js.buf, b)
			}
		}
	})
}
