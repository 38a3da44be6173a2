package yamltree

import (
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
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
	}
}

func parseYAML(t testing.TB, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("bad test YAML %q: %v", src, err)
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""}
	}
	return doc.Content[0]
}

// TestArena: converting into a reused arena gives what a fresh Convert gives, for
// documents larger and smaller than the arena's blocks.
func TestArena(t *testing.T) {
	var a Arena
	big := "a: [" + strings.Repeat("{b: [1, 2, {c: d}]}, ", 300) + "x]"
	for i, src := range []string{"a: 1", big, "k: {v: [true, null]}", big, "z: 'q'"} {
		want, err := ToJSON(parseYAML(t, src))
		if err != nil {
			t.Fatal(err)
		}
		v, errs := a.Convert(parseYAML(t, src), "f", "", DefaultLimits)
		if errs.HasErrors() {
			t.Fatal(errs)
		}
		if got := v.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("document %d: %s, want %s", i, got, want)
		}
		a.Reset()
	}
}
