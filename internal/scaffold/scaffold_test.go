package scaffold

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/load"
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/compat"

	"github.com/wasmgen/wasmgen/yamltree"
)

func TestNameFromDir(t *testing.T) {
	long := strings.Repeat("a", 62) + "_b"
	for _, tt := range []struct{ in, want string }{
		{"my-filter", "my-filter"},
		{"My_Filter", "my-filter"},
		{"add header (v2)", "add-header-v2"},
		{"--x--", "x"},
		{"123", "123"},
		{"Ünïcode", "n-code"},           // non-ASCII letters are dropped like punctuation
		{long, strings.Repeat("a", 62)}, // cut at 63, then the trailing '-' goes
		{"___", ""},
		{"/", ""},
	} {
		got := NameFromDir(tt.in)
		if got != tt.want {
			t.Errorf("NameFromDir(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got != "" {
			if err := CheckName(got); err != nil {
				t.Errorf("NameFromDir(%q) = %q, not a label: %v", tt.in, got, err)
			}
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"add-header", true},
		{"a", true},
		{"0", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"Add-Header", false},
		{"-a", false},
		{"a-", false},
		{"a_b", false},
		{"a.b", false},
		{"", false},
	} {
		err := CheckName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("CheckName(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
	if _, err := Files("Bad"); err == nil || !strings.Contains(err.Error(), "DNS-1123") {
		t.Errorf("Files(Bad) = %v", err)
	}
}

// memFiles serves the scaffold's own files to the pipeline.
type memFiles map[string][]byte

func (memFiles) Rel(abs string) string { return abs }

func (m memFiles) ReadFile(_, ref string) ([]byte, string, error) {
	b, ok := m[strings.TrimPrefix(ref, "./")]
	if !ok {
		return nil, "", fs.ErrNotExist
	}
	return b, "/scaffold/" + ref, nil
}

// The scaffold must compile clean out of the box, for every target and dialect:
// names of digits (YAML integers when bare), the longest label, and ordinary ones.
func TestScaffoldRendersClean(t *testing.T) {
	names := []string{"my-filter", "123", "0x1f", "null", "true", "1e3", strings.Repeat("z", 63)}
	for _, name := range names {
		fsys := memFiles{}
		fl, err := Files(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fl {
			fsys[f.Name] = f.Data
		}
		spec := fsys[SpecFile]
		if !strings.HasPrefix(string(spec), "# yaml-language-server: $schema="+SchemaURL+"\n") {
			t.Errorf("%s: spec does not start with the schema line", name)
		}
		var doc struct {
			Metadata struct {
				Name any `yaml:"name"`
			} `yaml:"metadata"`
		}
		if err := yaml.Unmarshal(spec, &doc); err != nil || doc.Metadata.Name != name {
			t.Errorf("%s: metadata.name decodes as %#v (%v)", name, doc.Metadata.Name, err)
		}
		for _, target := range generate.Targets() {
			for _, minor := range []compat.Istio{5, 8, 12, compat.NewestIstio} {
				if minor < 12 && (target == "wasmplugin" || target == "all") {
					continue // WasmPlugin arrived in Istio 1.12 (WG2009)
				}
				if (target == "trafficextension" && minor < 30) || target == "envoy-gateway" {
					continue // TrafficExtension arrived in 1.30; the scaffold is a sidecar's filter, which Envoy Gateway has none of
				}
				t.Run(fmt.Sprintf("%.12s/%s/1.%d", name, target, minor), func(t *testing.T) {
					opts := compile.Options{
						Generate: generate.Options{Target: generate.Target(target), Istio: minor},
						Limits:   yamltree.DefaultLimits,
					}
					src := []load.Source{{Name: "filter.yaml", Dir: "/scaffold", Data: spec}}
					res, l := compile.Compile(src, fsys, opts)
					if len(l) > 0 {
						t.Errorf("findings:\n%v", l)
					}
					if len(res.Objects) == 0 {
						t.Error("no objects")
					}
				})
			}
		}
	}
}

func TestScaffoldContent(t *testing.T) {
	fl, err := Files("9lives")
	if err != nil {
		t.Fatal(err)
	}
	if len(fl) != 3 || fl[0].Name != SpecFile || fl[1].Name != ProtoFile || fl[2].Name != ReadmeFile {
		t.Fatalf("files %v", fl)
	}
	for _, f := range fl {
		if strings.Contains(string(f.Data), "__") {
			t.Errorf("%s: placeholder left:\n%s", f.Name, f.Data)
		}
	}
	// A proto package component must start with a letter.
	if !strings.Contains(string(fl[1].Data), "package filter.f9lives.v1;") {
		t.Errorf("proto package:\n%s", fl[1].Data)
	}
	if !strings.Contains(string(fl[0].Data), "rootID: 9lives_root_id\n") {
		t.Errorf("rootID:\n%s", fl[0].Data)
	}
}

// Whatever a directory is called, init either gets a valid label or asks for --name,
// and the scaffold for that label decodes back to the same name.
func FuzzNameFromDir(f *testing.F) {
	for _, s := range []string{"my-filter", "My_Filter.v2", "123", "---", "", "Ünïcode", strings.Repeat("ab-", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, base string) {
		n := NameFromDir(base)
		if n == "" {
			return
		}
		fl, err := Files(n)
		if err != nil {
			t.Fatalf("NameFromDir(%q) = %q: %v", base, n, err)
		}
		var doc struct {
			Metadata struct{ Name any } `yaml:"metadata"`
		}
		if err := yaml.Unmarshal(fl[0].Data, &doc); err != nil || doc.Metadata.Name != n {
			t.Fatalf("name %q decodes as %#v (%v)", n, doc.Metadata.Name, err)
		}
	})
}
