package protoconfig

import (
	"strings"
	"testing"
)

// TestCheckRules has a passing and a failing case for each proto3 JSON rule.
// Every case also asserts protojson's verdict, so the table documents protojson.
func TestCheckRules(t *testing.T) {
	md := mustCompile(t, "testdata/rules.proto", "Config")
	for _, tc := range []struct {
		rule, yaml string
		code       string // "" = valid
		at         string // expected "line:col" of the first finding
	}{
		{"original name", "header_name: x", "", ""},
		{"json_name", "headerName: x", "", ""},
		{"custom json_name", "customName: x", "", ""},
		{"custom json_name, original", "custom: x", "", ""},
		{"unknown field", "headr_name: x", CodeUnknownField, "1:1"},
		{"both names set", "headerName: x\nheader_name: y", CodeDuplicateField, "2:1"},
		{"string", "header_name: '5'", "", ""},
		{"string not number", "header_name: 5", CodeType, "1:14"},
		{"bool", "enabled: true", "", ""},
		{"bool not string", "enabled: 'true'", CodeType, "1:10"},
		{"int32 max", "i32: 2147483647", "", ""},
		{"int32 overflow", "i32: 2147483648", CodeInt, "1:6"},
		{"int32 as string", "i32: '-12'", "", ""},
		{"int32 padded string", "i32: ' 12'", CodeInt, "1:6"},
		{"int integral float", "i32: 1.0", "", ""},
		{"int exponent", "i32: 1e3", "", ""},
		{"int fraction", "i32: 1.5", CodeInt, "1:6"},
		{"int64 full precision", "i64: 9007199254740993", "", ""},
		{"int64 string", "i64: '-9223372036854775808'", "", ""},
		{"int64 overflow", "i64: 9223372036854775808", CodeInt, "1:6"},
		{"uint32", "u32: 4294967295", "", ""},
		{"uint32 negative", "u32: -1", CodeUnsigned, "1:6"},
		{"uint minus zero", "u32: -0", "", ""},
		{"uint64 max string", "u64: '18446744073709551615'", "", ""},
		{"uint64 overflow", "u64: 18446744073709551616", CodeInt, "1:6"},
		{"sint/fixed", "s32: -1\nf32: 1\nsf64: -5\nf64: '7'", "", ""},
		{"fixed32 negative", "f32: -1", CodeUnsigned, "1:6"},
		{"float", "ratio: 0.25", "", ""},
		{"float NaN string", "ratio: NaN", "", ""},
		{"float YAML .inf", "ratio: .inf", "", ""},
		{"float out of range", "ratio: 1e39", CodeFloat, "1:8"},
		{"double numeric string", "score: '1e10'", "", ""},
		{"double word", "score: lots", CodeFloat, "1:8"},
		{"enum name", "level: LEVEL_LOW", "", ""},
		{"enum number", "level: 1", "", ""},
		{"enum unknown number (open)", "level: 99", "", ""},
		{"enum unknown name", "level: LEVEL_HGH", CodeEnum, "1:8"},
		{"enum number as string", "level: '1'", CodeEnum, "1:8"},
		{"bytes std", "payload: aGk=", "", ""},
		{"bytes url unpadded", "payload: _-8", "", ""},
		{"bytes bad", "payload: '!!'", CodeBytes, "1:10"},
		{"repeated", "ids: [1, '2']", "", ""},
		{"repeated not list", "ids: 1", CodeType, "1:6"},
		{"repeated null element", "ids: [1, null]", CodeType, "1:10"},
		{"map", "tenants: {gold: {weight: 1}}", "", ""},
		{"map value type", "tenants: {gold: {weight: x}}", CodeInt, "1:26"},
		{"map int key", "codes: {'-1': a}", "", ""},
		{"map int key bad", "codes: {x: a}", CodeMapKey, "1:9"},
		{"map duplicate key", "codes: {'1': a, '+1': b}", CodeMapKey, "1:17"},
		{"map bool key", "flags: {'true': a}", "", ""},
		{"map bool key bad", "flags: {'yes': a}", CodeMapKey, "1:9"},
		{"map uint64 key", "big_keys: {'18446744073709551615': 1}", "", ""},
		{"oneof one", "cluster: c", "", ""},
		{"oneof two", "cluster: c\ntenant: {}", CodeOneof, "2:1"},
		{"oneof null does not count", "cluster: c\ntenant: null", "", ""},
		{"oneof null Value counts", "cluster: c\ndynamic: null", CodeOneof, "2:1"},
		{"null unsets", "header_name: null\ntimeout: ~", "", ""},
		{"duration", "timeout: 1.5s", "", ""},
		{"duration unit", "timeout: 1m", CodeDuration, "1:10"},
		{"duration range", "timeout: 315576000001s", CodeDuration, "1:10"},
		{"duration precision", "timeout: 1.0000000001s", CodeDuration, "1:10"},
		{"timestamp", "not_before: 2024-05-01T12:00:00+02:00", "", ""},
		{"timestamp no zone", "not_before: '2024-05-01T12:00:00'", CodeTimestamp, "1:13"},
		{"struct", "extra: {a: [1, {b: null}]}", "", ""},
		{"struct not object", "extra: [1]", CodeType, "1:8"},
		{"struct number range", "extra: {a: !!float 1e400}", CodeFloat, "1:12"},
		{"value anything", "anything: {x: [true]}", "", ""},
		{"listvalue", "items: [1, a]", "", ""},
		{"listvalue not list", "items: {}", CodeType, "1:8"},
		{"wrapper", "max_bytes: '9007199254740993'", "", ""},
		{"wrapper type", "toggle: 1", CodeType, "1:9"},
		{"fieldmask", "mask: a.bC,d", "", ""},
		{"fieldmask snake", "mask: a_b", CodeFieldMask, "1:7"},
		{"empty", "nothing: {}", "", ""},
		{"empty with field", "nothing: {a: 1}", CodeUnknownField, "1:11"},
		{"any message", "plugin: {'@type': type.googleapis.com/wasmgen.test.rules.Tenant, name: x}", "", ""},
		{"any field check", "plugin: {'@type': type.googleapis.com/wasmgen.test.rules.Tenant, nme: x}", CodeUnknownField, "1:66"},
		{"any wkt", "plugin: {'@type': type.googleapis.com/google.protobuf.Duration, value: 1s}", "", ""},
		{"any wkt missing value", "plugin: {'@type': type.googleapis.com/google.protobuf.Duration}", CodeAny, "1:9"},
		{"any unresolvable", "plugin: {'@type': type.googleapis.com/wasmgen.test.rules.Tenat}", CodeAny, "1:19"},
		{"any without type", "plugin: {name: x}", CodeAny, "1:9"},
		{"any empty", "plugin: {}", "", ""},
		{"null value enum", "null_value: null", "", ""},
		{"null value enum bad", "null_value: NULL_VALU", CodeEnum, "1:13"},
		{"imported message", "upstream: {host: h, port: 1}", "", ""},
		{"imported message field", "upstream: {hots: h}", CodeUnknownField, "1:12"},
		{"recursive", "tree: {next: {next: {children: [{label: x}]}}}", "", ""},
		{"recursive deep error", "tree: {next: {next: {children: [{label: 1}]}}}", CodeType, "1:41"},
		{"root not object", "[1]", CodeType, "1:1"},
		{"message not object", "upstream: x", CodeType, "1:11"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			n := parseYAML(t, tc.yaml)
			fs := Check(md, n, "c.yaml", "spec.config")
			js, err := ToJSON(n)
			if err != nil {
				t.Fatal(err)
			}
			pj := unmarshal(md, js, typesFor(md))
			if tc.code == "" {
				if len(fs) != 0 || pj != nil {
					t.Fatalf("want valid; Check: %v; protojson: %v", fs, pj)
				}
				return
			}
			if pj == nil {
				t.Errorf("protojson accepts %s", js)
			}
			if len(fs) == 0 {
				t.Fatalf("want %s, Check found nothing", tc.code)
			}
			f := fs[0]
			if f.Code != tc.code || !strings.HasSuffix(f.Pos.String(), ":"+tc.at) {
				t.Errorf("got %v, want code %s at %s", f, tc.code, tc.at)
			}
			if !strings.HasPrefix(f.Path, "spec.config") {
				t.Errorf("path %q", f.Path)
			}
		})
	}
}

func TestCheckHints(t *testing.T) {
	md := mustCompile(t, "testdata/rules.proto", "Config")
	fs := Check(md, parseYAML(t, "tenants:\n  gold:\n    wieght: 1\n    level: LEVEL_HIHG\n"), "s.yaml", "spec.config")
	got := fs.Error()
	for _, want := range []string{`s.yaml:3:5`, `spec.config.tenants.gold.wieght`, `did you mean "weight"?`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in %q", want, got)
		}
	}
	if len(fs) != 2 || fs[1].Hint != `did you mean "LEVEL_HIGH"?` || fs[1].Path != "spec.config.tenants.gold.level" {
		t.Errorf("findings: %v", fs)
	}
}

// TestCheckGolden pins the full listing for bad configs: every error, in order.
func TestCheckGolden(t *testing.T) {
	for _, tc := range []struct{ proto, yaml, golden string }{
		{"testdata/rules.proto", "testdata/bad/rules.yaml", "errors/rules.txt"},
		{"../examples/add-header/filter.proto", "testdata/bad/add-header.yaml", "errors/add-header.txt"},
	} {
		md := mustCompile(t, tc.proto, "Config")
		src, err := osLoader(tc.yaml)
		if err != nil {
			t.Fatal(err)
		}
		fs := Check(md, parseYAML(t, string(src)), tc.yaml, "spec.config")
		var b strings.Builder
		for _, f := range fs {
			b.WriteString(f.String() + "\n")
		}
		golden(t, tc.golden, []byte(b.String()))
	}
}

func FuzzCheck(f *testing.F) {
	md := mustCompile(f, "testdata/rules.proto", "Config")
	for _, c := range loadCorpusBases(f) {
		f.Add(c.src)
	}
	for _, s := range []string{"i64: 9007199254740993", "codes: {'1': a, '01': b}", "plugin: {'@type': x}", "a: &x [*x]", "<<: {a: 1}", "? [a]\n: b", "ratio: !!float 1_0.5", "i32: !!int 0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var n yamlNode
		if n.parse(src) != nil {
			return
		}
		chk, _, _ := walk(md, n.Node, "f.yaml", "spec.config")
		js, convErr := ToJSON(n.Node)
		if convErr != nil {
			if !chk.Findings.HasErrors() {
				t.Fatalf("ToJSON fails (%v), Check passes", convErr)
			}
			return
		}
		pj := unmarshal(md, js, typesFor(md))
		if chk.Findings.HasErrors() != (pj != nil) {
			t.Fatalf("walker %v vs protojson %v on %s", chk.Findings, pj, js)
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	md := mustCompile(b, "testdata/rules.proto", "Config")
	src, err := osLoader("testdata/valid/rules-1.yaml")
	if err != nil {
		b.Fatal(err)
	}
	n := parseYAML(b, string(src))
	b.ReportAllocs()
	for b.Loop() {
		if fs := Check(md, n, "c.yaml", "spec.config"); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}
