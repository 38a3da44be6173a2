package protoconfig

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"
)

// TestNoJSONForm: YAML with no JSON form is a finding of Check, at its position.
func TestNoJSONForm(t *testing.T) {
	md := mustCompile(t, "testdata/rules.proto", "Config")
	for _, bad := range []string{"? [a]\n: b", "<<: {a: 1}", "a: !!int x", "a: !!float abc", "a: !!bool maybe"} {
		if fs := Check(md, parseYAML(t, bad), "c.yaml", "spec.config"); len(fs) == 0 || fs[0].Code != CodeYAML || fs[0].Pos.Line == 0 {
			t.Errorf("Check(%q) = %v, want %s", bad, fs, CodeYAML)
		}
	}
}

func TestEncodings(t *testing.T) {
	md := mustCompile(t, "testdata/rules.proto", "Config")
	js := []byte(`{"header_name":"h","i64":9007199254740993,"u64":"18446744073709551615","level":1,"timeout":"1.500s","plugin":{"@type":"type.googleapis.com/wasmgen.test.rules.Tenant","name":"p"}}`)
	canon, err := Canonical(md, js)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"headerName":"h","i64":"9007199254740993","u64":"18446744073709551615","level":"LEVEL_LOW","timeout":"1.500s","plugin":{"@type":"type.googleapis.com/wasmgen.test.rules.Tenant","name":"p"}}`
	if string(canon) != want {
		t.Errorf("Canonical:\n got %s\nwant %s", canon, want)
	}
	bin, err := Binary(md, js)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Binary(md, js)
	if !bytes.Equal(bin, again) {
		t.Error("Binary not deterministic")
	}
	m := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(bin, m); err != nil {
		t.Fatal(err)
	}
	if got := m.Get(md.Fields().ByName("i64")).Int(); got != 9007199254740993 {
		t.Errorf("i64 = %d", got)
	}
	if _, err := Canonical(md, []byte(`{"i32": "x"}`)); err == nil {
		t.Error("Canonical accepted a bad config")
	}
	if _, err := Binary(md, []byte(`{"nope": 1}`)); err == nil {
		t.Error("Binary accepted a bad config")
	}
}

// TestPrecisionEndToEnd: YAML → ToJSON → Canonical keeps the last digit.
func TestPrecisionEndToEnd(t *testing.T) {
	md := mustCompile(t, "testdata/rules.proto", "Config")
	js, err := ToJSON(parseYAML(t, "i64: 9007199254740993\nu64: 18446744073709551615\n"))
	if err != nil {
		t.Fatal(err)
	}
	canon, err := Canonical(md, js)
	if err != nil || string(canon) != `{"i64":"9007199254740993","u64":"18446744073709551615"}` {
		t.Errorf("got %s, %v", canon, err)
	}
}
