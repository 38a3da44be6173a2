package scaffold

import (
	"bytes"
	"go/format"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/internal/testutil"
	"github.com/wasmgen/wasmgen/yamltree"
)

// The project init --filter go writes, for one name and module path, as one
// archive (WASMGEN_UPDATE=1 rewrites it). The build, the dry start, packaging
// and rendering of it are cmd/wasmgen/testdata/script/init_go.txtar.
func TestGoFilesGolden(t *testing.T) {
	fl, err := GoFiles("add-header", "example.com/filters/add-header")
	if err != nil {
		t.Fatal(err)
	}
	var a txtar.Archive
	for _, f := range fl {
		name := f.Name
		if f.Exec {
			name += " (executable)"
		}
		a.Files = append(a.Files, txtar.File{Name: name, Data: f.Data})
	}
	testutil.Golden(t, "testdata/go-project.txtar", txtar.Format(&a))
}

func TestGoFiles(t *testing.T) {
	for _, tc := range []struct{ name, module, wantModule string }{
		{"add-header", "", "add-header"},
		{"42", "", "42"},
		{strings.Repeat("z", 63), "example.com/x/y.v2", "example.com/x/y.v2"},
	} {
		fl, err := GoFiles(tc.name, tc.module)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		byName := map[string][]byte{}
		for _, f := range fl {
			names = append(names, f.Name)
			byName[f.Name] = f.Data
			if bytes.Contains(f.Data, []byte("__")) {
				t.Errorf("%s: %s: placeholder left:\n%s", tc.name, f.Name, f.Data)
			}
			if f.Exec != (path.Ext(f.Name) == ".sh") {
				t.Errorf("%s: %s: Exec %v", tc.name, f.Name, f.Exec)
			}
			if path.Ext(f.Name) == ".go" {
				// What users get is gofmt-clean, whatever the name.
				if got, err := format.Source(f.Data); err != nil || !bytes.Equal(got, f.Data) {
					t.Errorf("%s: %s is not gofmt-clean (%v)", tc.name, f.Name, err)
				}
			}
		}
		want := []string{".gitignore", ReadmeFile, BuildScript, DeploySpecFile, ProtoFile, SpecFile,
			"filter/abi.go", "filter/config.go", "filter/config_test.go", HandlerFile, "filter/handler_test.go",
			"filter/main.go", "filter/plugin.go", "go.mod", RequestFile}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("%s: files\n%q\nwant\n%q", tc.name, names, want)
		}
		if !bytes.HasPrefix(byName["go.mod"], []byte("module "+tc.wantModule+"\n")) {
			t.Errorf("%s: go.mod:\n%s", tc.name, byName["go.mod"])
		}
		if !bytes.Contains(byName[HandlerFile], []byte("const filterName = \""+tc.name+"\"\n")) {
			t.Errorf("%s: handler.go names the filter otherwise", tc.name)
		}
		for _, spec := range []string{SpecFile, DeploySpecFile} {
			var doc struct {
				Metadata struct{ Name any }
				Spec     struct {
					Module       map[string]string
					ConfigSchema struct{ Proto string } `yaml:"configSchema"`
				}
			}
			if err := yaml.Unmarshal(byName[spec], &doc); err != nil || doc.Metadata.Name != tc.name {
				t.Errorf("%s: %s: metadata.name decodes as %#v (%v)", tc.name, spec, doc.Metadata.Name, err)
			}
			// Both specs check the config against the one filter.proto.
			if p := path.Join(path.Dir(spec), doc.Spec.ConfigSchema.Proto); p != ProtoFile {
				t.Errorf("%s: %s: configSchema.proto is %s", tc.name, spec, p)
			}
			if spec == SpecFile && doc.Spec.Module["path"] != ModuleFile {
				t.Errorf("%s: %s: module %v, want path %s", tc.name, spec, doc.Spec.Module, ModuleFile)
			}
		}
	}
}

// deploy/filter.yaml renders for the mesh as it is, but for the tag its image
// has until package --pin replaces it by the pushed digest. (filter.yaml needs
// the built module: init_go.txtar renders it.)
func TestGoDeploySpecRenders(t *testing.T) {
	fl, err := GoFiles("add-header", "")
	if err != nil {
		t.Fatal(err)
	}
	fsys := relFiles{}
	for _, f := range fl {
		fsys["/p/"+f.Name] = f.Data
	}
	for _, target := range []generate.Target{generate.TargetIstio, generate.TargetWasmPlugin} {
		opts := compile.Options{Generate: generate.Options{Target: target}, Limits: yamltree.DefaultLimits}
		src := []load.Source{{Name: DeploySpecFile, Dir: "/p/deploy", Data: fsys["/p/"+DeploySpecFile]}}
		res, l := compile.Compile(src, fsys, opts)
		if len(l) != 1 || l[0].Code != "WG1307" || len(res.Objects) == 0 {
			t.Errorf("%s: %d objects, findings:\n%v", target, len(res.Objects), l)
		}
	}
}

// relFiles serves files by absolute path, resolving references as the file
// system would (deploy/filter.yaml names ../filter.proto).
type relFiles map[string][]byte

func (relFiles) Rel(abs string) string { return abs }

func (m relFiles) ReadFile(dir, ref string) ([]byte, string, error) {
	p := path.Join(dir, ref)
	b, ok := m[p]
	if !ok {
		return nil, "", &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	return b, p, nil
}

func TestCheckModulePath(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"example.com/filters/add-header", ""},
		{"add-header", ""},
		{"github.com/me/filters/v2", ""},
		{"", "empty string"},
		{"./x", "local import path"},
		{"..", "local import path"},
		{"/abs", "empty path element"},
		{"a//b", "double slash"},
		{"example.com/a b", "invalid char ' '"},
		{"example.com/.x", ""}, // go mod init takes it too (module.CheckImportPath)
		{"x/", "trailing slash"},
	} {
		err := CheckModulePath(tc.in)
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("CheckModulePath(%q) = %v, want %q", tc.in, err, tc.err)
		}
	}
	if _, err := GoFiles("add-header", "a b"); err == nil {
		t.Error("GoFiles with a bad module path: no error")
	}
	if _, err := GoFiles("Bad", ""); err == nil || !strings.Contains(err.Error(), "DNS-1123") {
		t.Errorf("GoFiles(Bad) = %v", err)
	}
}
