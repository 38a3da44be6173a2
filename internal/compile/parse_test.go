package compile

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/yamltree"
)

// TestParseSplitMatchesWhole: splitting a large file and parsing the parts on every
// core must give the documents, positions and findings of parsing it whole.
func TestParseSplitMatchesWhole(t *testing.T) {
	var big strings.Builder
	big.WriteString("# leading comment\n")
	for i := 0; big.Len() < 3*parallelParseBytes; i++ {
		switch i % 8 {
		case 0:
			fmt.Fprintf(&big, "---\nkind: EnvoyFilter\nmetadata: {name: f%d}\nspec:\n  text: |\n    ---\n    not a marker\n", i)
		case 1:
			fmt.Fprintf(&big, "--- {kind: ConfigMap, n: %d}\n", i)
		case 2:
			fmt.Fprintf(&big, "---\r\na: &x [%d, 2]\r\nb: *x\r\n...\r\n", i)
		case 3:
			big.WriteString("---\n# only a comment\n")
		case 4:
			fmt.Fprintf(&big, "---   \nlist:\n- 'quoted %d'\n- \"two\n  lines\"\n", i)
		case 5:
			fmt.Fprintf(&big, "--- |\n  root block scalar %d\n  ---x\n", i)
		case 6:
			fmt.Fprintf(&big, "---\napiVersion: v1\nkind: List\nitems:\n- {kind: A, n: %d}\n- {kind: B}\n", i)
		default:
			fmt.Fprintf(&big, "--- !!map\nk: v%d\n", i)
		}
	}
	clean := big.String()
	replace := func(old, new string) string {
		if !strings.Contains(clean, old) {
			t.Fatalf("%q is not in the input", old)
		}
		return strings.Replace(clean, old, new, 1)
	}
	cases := map[string]struct {
		data string
		lim  yamltree.Limits
	}{
		"clean":          {clean, yamltree.Limits{}},
		"syntax error":   {clean + "---\na: [1\n---\nb: 2\n", yamltree.Limits{}},
		"error mid-file": {replace("k: v7\n", "k: v7\n  bad: indent\n"), yamltree.Limits{}},
		"directive":      {"%TAG !e! tag:example.com,2000:\n" + clean, yamltree.Limits{}},
		"max documents":  {clean, yamltree.Limits{MaxDocuments: 100}},
		"max bytes":      {clean, yamltree.Limits{MaxBytes: int64(len(clean) - 1)}},
		"binary":         {replace("k: v7", "k: v\x007"), yamltree.Limits{}},
		"small":          {"a: 1\n---\nb: 2\n", yamltree.Limits{}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			srcs := []load.Source{{Name: "big.yaml", Data: []byte(c.data)}}
			want, wantErrs := parseWhole(srcs[0], c.lim)
			got, gotErrs := Parse(srcs, c.lim)
			if len(want) == 0 && len(wantErrs) == 0 {
				t.Fatal("the case parses to nothing")
			}
			if bad := name != "clean" && name != "directive" && name != "small"; bad != wantErrs.HasErrors() {
				t.Fatalf("the case should have errors: %v; has %v", bad, wantErrs)
			}
			if !reflect.DeepEqual(gotErrs, wantErrs) {
				t.Errorf("findings:\n got %v\nwant %v", gotErrs, wantErrs)
			}
			if len(got) != len(want) {
				t.Fatalf("%d documents, want %d", len(got), len(want))
			}
			for i := range want {
				if g, w := nodeDump(got[i].Node), nodeDump(want[i].Node); g != w {
					t.Fatalf("document %d:\n got %s\nwant %s", i, g, w)
				}
			}
		})
	}
	if parts := splitDocuments([]byte(clean), 8); len(parts) < 2 {
		t.Errorf("the clean case was not split: %v", parts)
	}
}

// nodeDump spells out a YAML tree with every node's position.
func nodeDump(n *yaml.Node) string {
	var b strings.Builder
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		fmt.Fprintf(&b, "(%d %s %q %d:%d", n.Kind, n.Tag, n.Value, n.Line, n.Column)
		for _, c := range n.Content {
			walk(c)
		}
		b.WriteString(")")
	}
	walk(n)
	return b.String()
}
