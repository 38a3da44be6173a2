package protoconfig

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/wasmgen/wasmgen/yamltree"
)

// corpusCase is one generated config and the message it is checked against.
type corpusCase struct {
	name string
	md   protoreflect.MessageDescriptor
	src  string
	node *yaml.Node
}

// trickyScalars are the replacement values the mutator draws from: each sits on
// the edge of some proto3 JSON rule.
var trickyScalars = []string{
	`abc`, `""`, `"  "`, `5`, `-1`, `0`, `-0`, `1.5`, `1.0`, `1e2`, `"1e2"`, `" 1"`, `"1 "`, `"01"`, `"-0"`,
	`2147483647`, `2147483648`, `-2147483649`, `4294967295`, `4294967296`, `9223372036854775807`,
	`9223372036854775808`, `-9223372036854775809`, `18446744073709551615`, `18446744073709551616`,
	`9007199254740993`, `"9007199254740993"`, `99999999999999999999999`, `1e20`, `1e19`, `-1e-5`, `100e-2`,
	`true`, `"true"`, `false`, `null`, `~`, `.inf`, `-.inf`, `.nan`, `"NaN"`, `"Infinity"`, `"-Infinity"`, `"nan"`,
	`1e38`, `3.5e38`, `1e39`, `1e308`, `1e400`, `0x1F`, `0o17`, `0777`, `1_000`, `+5`, `.5`, `1.`,
	`LEVEL_LOW`, `LEVEL_HGH`, `level_low`, `"1"`, `"2147483648"`,
	`aGVsbG8=`, `aGVsbG8`, `a-_b`, `"!!!"`, `"a b"`, `"AAE="`, `"AAE"`, `"A"`, `"====="`,
	`1s`, `1.5s`, `1m`, `-.5s`, `.s`, `s`, `0s`, `00s`, `315576000000s`, `315576000001s`, `-315576000001s`,
	`1.000000001s`, `1.0000000001s`, `"1 s"`, `+1s`, `1.s`,
	`2024-01-01T00:00:00Z`, `2024-13-01T00:00:00Z`, `"2024-01-01T00:00:00.1234567891Z"`, `2024-01-01`,
	`"2024-01-01 00:00:00Z"`, `"0000-12-31T23:59:59Z"`, `"9999-12-31T23:59:59-01:00"`, `"2024-01-01T00:00:00+25:00"`,
	`a.b,cD`, `a_b`, `"a,,b"`, `"1a"`, `" a "`, `"a.b."`, `"fooBar.bazQux"`,
	`type.googleapis.com/wasmgen.test.rules.Tenant`, `type.googleapis.com/google.protobuf.Duration`,
	`type.googleapis.com/google.protobuf.Empty`, `type.googleapis.com/no.Such`, `wasmgen.test.rules.Node`,
	`NULL_VALUE`, `yes`, `"\xff"`, `"é"`,
	`{}`, `[]`, `[1, "x"]`, `{a: 1}`, `[null]`, `{a: null}`, `[[]]`, `{"@type": x}`,
}

var extraKeys = []string{
	"bogus", "headerName", "header_name", "customName", "custom", "cluster", "tenant", "dynamic", "maybe",
	"@type", "value", "[wasmgen.test.rules.ext]", "i64", "tenantList", "tenant_list", "label", "next", "name",
	"weight", "level", "1", "-1", "+1", "01", "1.0", "true", "abc", "18446744073709551616", "2147483648",
}

func loadCorpusBases(t testing.TB) []corpusCase {
	rules := mustCompile(t, "testdata/rules.proto", "Config")
	addHeader := mustCompile(t, "../examples/add-header/filter.proto", "Config")
	files, err := filepath.Glob("testdata/valid/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid configs: %v", err)
	}
	sort.Strings(files)
	var out []corpusCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		md := rules
		if strings.Contains(f, "add-header") {
			md = addHeader
		}
		out = append(out, corpusCase{name: filepath.Base(f), md: md, src: string(b), node: parseYAML(t, string(b))})
	}
	return out
}

func cloneNode(n *yaml.Node) *yaml.Node {
	cp := *n
	cp.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		cp.Content[i] = cloneNode(c)
	}
	return &cp
}

// allNodes lists value nodes (not mapping keys) under n.
func allNodes(n *yaml.Node, out *[]*yaml.Node) {
	*out = append(*out, n)
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			allNodes(c, out)
		}
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			allNodes(n.Content[i], out)
		}
	}
}

func scalarNode(t testing.TB, src string) *yaml.Node {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("v: "+src), &n); err != nil {
		t.Fatalf("bad tricky scalar %q: %v", src, err)
	}
	return n.Content[0].Content[1]
}

func camelSnake(k string) string {
	if strings.Contains(k, "_") {
		parts := strings.Split(k, "_")
		for i := 1; i < len(parts); i++ {
			if parts[i] != "" {
				parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
			}
		}
		return strings.Join(parts, "")
	}
	return yamltree.SnakeCase(k)
}

func typo(r *rand.Rand, k string) string {
	if len(k) < 2 {
		return k + "x"
	}
	i := r.IntN(len(k) - 1)
	switch r.IntN(3) {
	case 0: // swap
		b := []byte(k)
		b[i], b[i+1] = b[i+1], b[i]
		return string(b)
	case 1: // drop
		return k[:i] + k[i+1:]
	default: // double
		return k[:i] + k[i:i+1] + k[i:]
	}
}

// mutate applies one random edit to doc.
func mutate(t testing.TB, r *rand.Rand, doc *yaml.Node) string {
	var nodes []*yaml.Node
	allNodes(doc.Content[0], &nodes)
	var maps []*yaml.Node
	for _, n := range nodes {
		if n.Kind == yaml.MappingNode {
			maps = append(maps, n)
		}
	}
	n := nodes[r.IntN(len(nodes))]
	switch op := r.IntN(10); {
	case op < 4: // replace a value
		*n = *scalarNode(t, trickyScalars[r.IntN(len(trickyScalars))])
		return "replace"
	case op == 4 && len(maps) > 0: // add a key
		m := maps[r.IntN(len(maps))]
		k := extraKeys[r.IntN(len(extraKeys))]
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k},
			scalarNode(t, trickyScalars[r.IntN(len(trickyScalars))]))
		return "add-key"
	case op == 5 && len(maps) > 0: // typo or rename a key
		m := maps[r.IntN(len(maps))]
		if len(m.Content) == 0 {
			return "noop"
		}
		k := m.Content[2*r.IntN(len(m.Content)/2)]
		if r.IntN(2) == 0 {
			k.Value = typo(r, k.Value)
			return "typo"
		}
		k.Value = camelSnake(k.Value)
		return "rename"
	case op == 6 && len(maps) > 0: // duplicate a field under its other name
		m := maps[r.IntN(len(maps))]
		if len(m.Content) == 0 {
			return "noop"
		}
		i := 2 * r.IntN(len(m.Content)/2)
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: camelSnake(m.Content[i].Value)},
			cloneNode(m.Content[i+1]))
		return "dup-name"
	case op == 7: // wrap in a list or object
		inner := cloneNode(n)
		if r.IntN(2) == 0 {
			*n = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{inner}}
		} else {
			*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: "value"}, inner}}
		}
		return "wrap"
	case op == 8 && len(maps) > 0: // delete a key
		m := maps[r.IntN(len(maps))]
		if len(m.Content) == 0 {
			return "noop"
		}
		i := 2 * r.IntN(len(m.Content)/2)
		m.Content = append(m.Content[:i], m.Content[i+2:]...)
		return "delete"
	default: // oneof double at the root
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			return "noop"
		}
		choices := [][2]string{{"cluster", "c"}, {"tenant", "{}"}, {"dynamic", "null"}, {"dynamic", "1"}, {"tenant", "null"}, {"maybe", "null"}}
		ch := choices[r.IntN(len(choices))]
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ch[0]}, scalarNode(t, ch[1]))
		return "oneof"
	}
}

// genCorpus builds the differential corpus: the valid bases plus n mutants.
func genCorpus(t testing.TB, n int) []corpusCase {
	return mutateBases(t, loadCorpusBases(t), n)
}

func mutateBases(t testing.TB, bases []corpusCase, n int) []corpusCase {
	out := append([]corpusCase(nil), bases...)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; len(out) < n+len(bases); i++ {
		b := bases[r.IntN(len(bases))]
		doc := cloneNode(b.node)
		var ops []string
		for k := 0; k < 1+r.IntN(3); k++ {
			ops = append(ops, mutate(t, r, doc))
		}
		src, err := yaml.Marshal(doc)
		if err != nil {
			continue
		}
		var back yaml.Node
		if yaml.Unmarshal(src, &back) != nil {
			continue // not representable as YAML text (rare): skip
		}
		out = append(out, corpusCase{name: fmt.Sprintf("%s#%d(%s)", b.name, i, strings.Join(ops, ",")), md: b.md, src: string(src), node: &back})
	}
	return out
}

func TestDifferential(t *testing.T) {
	corpus := genCorpus(t, 4000)
	var agree, ok, bad, skipped int
	for _, c := range corpus {
		js, convErr := ToJSON(c.node)
		chk, _, _ := walk(c.md, c.node, "config.yaml", "spec.config")
		if convErr != nil {
			if !chk.Findings.HasErrors() {
				t.Errorf("%s: ToJSON fails (%v) but Check passes", c.name, convErr)
			}
			skipped++
			continue
		}
		pj := unmarshal(c.md, js, typesFor(c.md))
		mine := chk.Findings.HasErrors()
		if mine == (pj != nil) {
			agree++
		} else {
			t.Errorf("%s: walker error=%v, protojson=%v\nfindings: %v\nyaml:\n%s\njson: %s", c.name, mine, pj, chk.Findings, c.src, js)
		}
		if pj == nil {
			ok++
		} else {
			bad++
		}
		for _, f := range Check(c.md, c.node, "config.yaml", "spec.config") {
			if f.Code == CodeAuthority {
				t.Errorf("%s: protojson overruled the walker: %v", c.name, f)
			}
		}
	}
	if n := agree + skipped; n < 1000 {
		t.Fatalf("corpus too small: %d", n)
	}
	if ok < 50 || bad < 500 {
		t.Errorf("corpus unbalanced: %d valid, %d invalid", ok, bad)
	}
	t.Logf("differential: %d cases, %d agree (%d valid, %d invalid per protojson), %d not JSON-representable", len(corpus), agree, ok, bad, skipped)
}
