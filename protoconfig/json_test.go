package protoconfig

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"
)

func TestToJSON(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"a: 9007199254740993", `{"a":9007199254740993}`},
		{"a: 123456789012345678901234567890", `{"a":123456789012345678901234567890}`},
		{"a: '9007199254740993'", `{"a":"9007199254740993"}`},
		{"a: 0x1F\nb: 0o17\nc: 1_000\nd: +5\ne: 0777", `{"a":31,"b":15,"c":1000,"d":5,"e":511}`},
		{"a: 1.50\nb: .5\nc: 1.\nd: -1E+3\ne: 1_0.5", `{"a":1.50,"b":0.5,"c":1.0,"d":-1E+3,"e":10.5}`},
		{"a: .inf\nb: -.Inf\nc: .nan", `{"a":"Infinity","b":"-Infinity","c":"NaN"}`},
		{"z: 1\na: [true, null, ~, yes]", `{"z":1,"a":[true,null,null,"yes"]}`},
		{"t: 2024-01-01\nq: \"a\\\"b\\n\\u0001\"", `{"t":"2024-01-01","q":"a\"b\n\u0001"}`},
		{"1: x\ntrue: y", `{"1":"x","true":"y"}`},
		{"a: &x {b: 1}\nc: *x", `{"a":{"b":1},"c":{"b":1}}`},
		{"a: !!binary |\n  aGVs\n  bG8=", `{"a":"aGVsbG8="}`},
		{"a: \"\\xff\"", `{"a":"ÿ"}`},
		{"", `null`},
	} {
		got, err := ToJSON(parseYAML(t, tc.yaml))
		if err != nil || string(got) != tc.want {
			t.Errorf("ToJSON(%q) = %s, %v; want %s", tc.yaml, got, err, tc.want)
		}
	}
	for _, bad := range []string{"? [a]\n: b", "<<: {a: 1}", "a: !!int x", "a: !!float abc", "a: !!bool maybe"} {
		if got, err := ToJSON(parseYAML(t, bad)); err == nil {
			t.Errorf("ToJSON(%q) = %s, want error", bad, got)
		}
		md := mustCompile(t, "testdata/rules.proto", "Config")
		if fs := Check(md, parseYAML(t, bad), "c.yaml", "spec.config"); len(fs) == 0 || fs[0].Code != CodeYAML {
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
