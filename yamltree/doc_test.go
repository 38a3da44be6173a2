package yamltree

import (
	"strings"
	"testing"
)

func TestParseLimits(t *testing.T) {
	bomb := "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	tests := []struct {
		name, src string
		lim       Limits
		want      string
	}{
		{"alias bomb", bomb, DefaultLimits, "--max-nodes"},
		{"depth", deep, DefaultLimits, "--max-depth"},
		{"documents", "a: 1\n---\nb: 2\n---\nc: 3\n", Limits{MaxDocuments: 2}, "--max-documents"},
		{"size", "a: 1\n", Limits{MaxBytes: 3}, "--max-input-bytes"},
		{"binary", "a: \x00\x01", DefaultLimits, "not UTF-8 text (binary data at byte offset 3)"},
		{"tab indentation", "a:\n\tb: 1\n", DefaultLimits, "f.yaml:2:1: error: invalid YAML: found a tab character in indentation"},
		{"truncated", "a: [1, 2\n", DefaultLimits, "invalid YAML"},
		// The line that is off is named, not the mapping the parser was in.
		{"dedent between blocks", "spec:\n  module:\n    url: x\n   selector: {}\n", DefaultLimits,
			"f.yaml:4:4: error: invalid YAML: line 4 is indented by 3 spaces, which lines up with no enclosing block (the open blocks are indented by 0, 2, 4); indent `selector:` by 4 spaces to sit beside `url:`, or by 2 to sit beside `module:`"},
		{"dedent inside a sequence item", "a:\n  - name: x\n    v: 1\n   w: 2\n", DefaultLimits,
			"f.yaml:4:4: error: invalid YAML: line 4 is indented by 3 spaces, which lines up with no enclosing block (the open blocks are indented by 0, 2, 4); indent `w:` by 4 spaces to sit beside `v:`, or by 2"},
		// Lines inside a flow collection may sit at any column.
		{"flow continuation", "a:\n  b: {x: 1,\n y: 2}\n  c: d: e\n", DefaultLimits, "f.yaml:4: error: invalid YAML: mapping values are not allowed in this context"},
		// A key too deep is the parser's own line.
		{"too deep", "a:\n  - name: x\n      v: 1\n", DefaultLimits, "f.yaml:3: error: invalid YAML: mapping values are not allowed in this context"},
		{"one space", "a:\n  b: 1\n c: 2\n", DefaultLimits, "f.yaml:3:2: error: invalid YAML: line 3 is indented by 1 space,"},
		// Not an indentation problem: the parser's message stands.
		{"unclosed quote", "a: \"x\nb: 1\n", DefaultLimits, "f.yaml:3: error: invalid YAML: found unexpected end of stream"},
		{"ok", "a: 1\n---\n---\nb: 2\n", DefaultLimits, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, l := ParseDocuments("f.yaml", []byte(tt.src), tt.lim)
			if tt.want == "" {
				if len(l) != 0 || len(docs) != 2 {
					t.Fatalf("want 2 docs and no findings, got %d, %v", len(docs), l)
				}
				return
			}
			if len(l) != 1 || !strings.Contains(l[0].String(), tt.want) || (strings.HasPrefix(tt.want, "--max") && l[0].Code != CodeLimit) {
				t.Fatalf("want %q, got %v", tt.want, l)
			}
		})
	}
}

// BenchmarkAliasBomb measures how fast the billion-laughs document is refused.
func BenchmarkAliasBomb(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n")
	for i := 1; i < 9; i++ {
		sb.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				sb.WriteString(",")
			}
			sb.WriteString("*a" + string(rune('0'+i-1)))
		}
		sb.WriteString("]\n")
	}
	src := []byte(sb.String())
	b.ReportAllocs()
	for b.Loop() {
		if _, l := ParseDocuments("bomb.yaml", src, DefaultLimits); !l.HasErrors() {
			b.Fatal("bomb accepted")
		}
	}
}

func TestParseJSONStream(t *testing.T) {
	src := "{\"apiVersion\": \"v1\", \"kind\": \"List\"}\n  {\n  \"kind\": \"X\",\n  \"a\": [1, 2]\n}\n"
	docs, l := ParseDocuments("s.json", []byte(src), DefaultLimits)
	if len(l) != 0 || len(docs) != 2 {
		t.Fatalf("want 2 documents, got %d: %v", len(docs), l)
	}
	if k := Field(docs[1], "kind"); k == nil || k.Line != 3 || k.Column != 11 {
		t.Fatalf("position of the second value's kind: %+v", k)
	}
	if _, l := ParseDocuments("s.json", []byte("{\"a\": 1} {\"b\": "), DefaultLimits); len(l) != 1 || !strings.Contains(l[0].String(), "invalid JSON") {
		t.Fatalf("truncated JSON: %v", l)
	}
}
