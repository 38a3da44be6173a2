package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		want       config
		errContain string
	}{
		{name: "article", in: `{"header_name": "hello", "header_value": "world!"}`, want: config{"hello", "world!"}},
		{name: "whitespace", in: " \n\t{ \"header_value\" : \"v\" ,\r\n\"header_name\":\"x-a\" } \n", want: config{"x-a", "v"}},
		{name: "empty value", in: `{"header_name":"x-empty","header_value":""}`, want: config{"x-empty", ""}},
		{name: "escapes", in: `{"header_name":"x-e","header_value":"a\"b\\c\/d\tz \u00e9 \ud83d\ude00"}`, want: config{"x-e", "a\"b\\c/d\tz é 😀"}},
		{name: "lone surrogate", in: `{"header_name":"x-s","header_value":"\ud800x"}`, want: config{"x-s", "\uFFFDx"}},
		{name: "token chars", in: `{"header_name":"x-!#$%&'*+.^_|~0","header_value":"1"}`, want: config{"x-!#$%&'*+.^_|~0", "1"}},

		{name: "empty", in: "", errContain: "the configuration is empty"},
		{name: "blank", in: "  \n", errContain: "the configuration is empty"},
		{name: "array", in: `["hello"]`, errContain: "not a JSON object"},
		{name: "empty object", in: `{}`, errContain: "header_name is missing or empty"},
		{name: "empty name", in: `{"header_name":""}`, errContain: "header_name is missing or empty"},
		{name: "unknown field", in: `{"header_name":"a","name":"b"}`, errContain: `unknown field "name"`},
		{name: "duplicate", in: `{"header_name":"a","header_name":"b"}`, errContain: `duplicate field "header_name"`},
		{name: "number", in: `{"header_name":"a","header_value":1}`, errContain: "header_value must be a string"},
		{name: "null", in: `{"header_name":null}`, errContain: "header_name must be a string"},
		{name: "no colon", in: `{"header_name" "a"}`, errContain: "expected ':'"},
		{name: "trailing comma", in: `{"header_name":"a",}`, errContain: "object key: expected a string"},
		{name: "unterminated", in: `{"header_name":"a`, errContain: "unterminated string"},
		{name: "bad escape", in: `{"header_name":"\q"}`, errContain: `bad escape \q`},
		{name: "bad unicode escape", in: `{"header_name":"\u12"}`, errContain: `bad \u escape`},
		{name: "raw newline", in: "{\"header_name\":\"a\nb\"}", errContain: "control character"},
		{name: "invalid UTF-8", in: "{\"header_name\":\"a\xffb\"}", errContain: "not valid UTF-8"},
		{name: "trailing", in: `{"header_name":"a"}x`, errContain: "trailing data"},
		{name: "upper case", in: `{"header_name":"Hello"}`, errContain: `header_name "Hello" is not a lower-case HTTP field name (character "H")`},
		{name: "space in name", in: `{"header_name":"x a"}`, errContain: "not a lower-case HTTP field name"},
		{name: "pseudo header", in: `{"header_name":":path"}`, errContain: "not a lower-case HTTP field name"},
		{name: "LF in value", in: `{"header_name":"a","header_value":"x\ny"}`, errContain: "holds CR, LF or NUL"},
		{name: "NUL in value", in: `{"header_name":"a","header_value":"x\u0000"}`, errContain: "holds CR, LF or NUL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := parseConfig([]byte(tc.in))
			if tc.errContain != "" {
				if !strings.Contains(msg, tc.errContain) {
					t.Fatalf("msg = %q, want it to contain %q", msg, tc.errContain)
				}
				if !strings.HasPrefix(msg, "add-header: bad configuration: ") {
					t.Fatalf("msg = %q lacks the filter's prefix", msg)
				}
				return
			}
			if msg != "" || got != tc.want {
				t.Fatalf("parseConfig(%q) = %+v, %q; want %+v", tc.in, got, msg, tc.want)
			}
		})
	}
}

// FuzzParseConfig checks the hand-written reader against encoding/json:
// whatever it accepts, encoding/json (strict: no unknown fields) decodes to
// the same values; and it never panics.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		`{"header_name": "hello", "header_value": "world!"}`,
		`{"header_value":"\ud83d\ude00","header_name":"x"}`,
		`{"header_name":"a\u0041"}`, `{}`, `[]`, ``, `{"header_name":"\ud800\u0041"}`,
		`{"header_name":"a"} `, `{"header_name":"a",}`, "{\"header_name\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, msg := parseConfig(b)
		if msg != "" {
			return
		}
		var want struct {
			HeaderName  *string `json:"header_name"`
			HeaderValue *string `json:"header_value"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("parseConfig accepted %q (%+v), encoding/json refuses it: %v", b, got, err)
		}
		if dec.More() {
			t.Fatalf("parseConfig accepted trailing data in %q", b)
		}
		if want.HeaderName == nil || *want.HeaderName != got.HeaderName {
			t.Fatalf("header_name: parseConfig %q, encoding/json %v for %q", got.HeaderName, want.HeaderName, b)
		}
		if v := ""; (want.HeaderValue == nil && got.HeaderValue != v) || (want.HeaderValue != nil && *want.HeaderValue != got.HeaderValue) {
			t.Fatalf("header_value: parseConfig %q, encoding/json %v for %q", got.HeaderValue, want.HeaderValue, b)
		}
	})
}

func BenchmarkParseConfig(b *testing.B) {
	in := []byte(`{"header_name": "hello", "header_value": "world!"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, msg := parseConfig(in); msg != "" {
			b.Fatal(msg)
		}
	}
}
