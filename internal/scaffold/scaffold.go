// Package scaffold holds the files `wasmgen init` writes: a WasmFilter spec, a
// filter.proto for its config and a README section; with --filter go, a whole
// filter project (files/go). They are plain embedded files with a few names
// substituted, so what users get is what is reviewed here; no template
// language decides their structure.
package scaffold

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/mod/module"

	"github.com/wasmgen/wasmgen/schema"
)

//go:embed files/filter.yaml files/filter.proto files/README.md files/go
var files embed.FS

// SchemaURL is where the WasmFilter JSON Schema is published (the repository's
// schema/wasmfilter.schema.json); editors with the YAML language server use it
// to complete and check the spec.
const SchemaURL = "https://raw.githubusercontent.com/wasmgen/wasmgen/main/schema/wasmfilter.schema.json"

// Names of the files Files returns.
const (
	SpecFile   = "filter.yaml"
	ProtoFile  = "filter.proto"
	ReadmeFile = "README.md"
)

// File is one scaffolded file, named relative to the target directory
// (slash-separated).
type File struct {
	Name string
	Data []byte
	Exec bool // a script: written with the executable bits
}

// CheckName says why name cannot be a filter's metadata.name, or nil.
func CheckName(name string) error {
	if !schema.IsDNS1123Label(name) {
		return fmt.Errorf("%q is not a DNS-1123 label; expected at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit", name)
	}
	return nil
}

// NameFromDir turns a directory's base name into a DNS-1123 label:
// "My_Filter" becomes "my-filter". It returns "" when nothing usable is left.
func NameFromDir(base string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(base) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	s := b.String()
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	return s
}

// Files returns the scaffold for a filter named name, in a fixed order:
// spec, proto, README.
func Files(name string) ([]File, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	r := replacer(name)
	var out []File
	for _, n := range []string{SpecFile, ProtoFile, ReadmeFile} {
		b, err := files.ReadFile("files/" + n)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: n, Data: []byte(r.Replace(string(b)))})
	}
	return out, nil
}

// Names of files of the Go filter project, beside SpecFile, ProtoFile and ReadmeFile.
const (
	DeploySpecFile = "deploy/filter.yaml"
	RequestFile    = "request.yaml"
	BuildScript    = "build.sh"
	ModuleFile     = "filter.wasm" // what BuildScript writes, where SpecFile's module.path points
	HandlerFile    = "filter/handler.go"
)

// Filters are the languages `init --filter` scaffolds a filter project in.
var Filters = []string{"go"}

// CheckModulePath says why p cannot be the module path of the Go project, or
// nil: the check `go mod init` makes (module.CheckImportPath, with "is a
// local import path" for ./ and ../; cmd/go/internal/modload CreateModFile).
func CheckModulePath(p string) error {
	if p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") {
		return fmt.Errorf("%q is a local import path; expected a module path such as example.com/filters/my-filter", p)
	}
	if err := module.CheckImportPath(p); err != nil {
		var pe *module.InvalidPathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%q is not a module path: %v; expected one such as example.com/filters/my-filter", p, err)
	}
	return nil
}

// GoFiles returns the Go filter project for a filter named name in the Go
// module modulePath ("" = name): the filter's source (files/go/filter, the
// add-header filter of examples/envoy with its handlers in HandlerFile), its
// go.mod, build script, filter.proto, the two specs (SpecFile with
// module.path for `wasmgen run` and a standalone Envoy, DeploySpecFile with
// module.image for the mesh, in a directory of its own because validate
// reads a directory as one deployment), a request fixture and the README,
// sorted by name.
func GoFiles(name, modulePath string) ([]File, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if modulePath == "" {
		modulePath = name
	}
	if err := CheckModulePath(modulePath); err != nil {
		return nil, err
	}
	r := replacer(name, "__MODULE__", modulePath)
	sub, err := fs.Sub(files, "files/go")
	if err != nil {
		return nil, err
	}
	var out []File
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		n := strings.TrimSuffix(p, ".tmpl")
		if n == "gitignore" {
			n = ".gitignore" // embed leaves out dot files it is not named
		}
		out = append(out, File{Name: n, Data: []byte(r.Replace(string(b))), Exec: path.Ext(n) == ".sh"})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// replacer substitutes the names of a filter named name, and the extra
// placeholder/value pairs, in the embedded files.
func replacer(name string, extra ...string) *strings.Replacer {
	ident := strings.ReplaceAll(name, "-", "_")
	pkg := ident
	if pkg[0] >= '0' && pkg[0] <= '9' {
		pkg = "f" + pkg // proto identifiers start with a letter
	}
	rootID := ident + "_root_id"
	return strings.NewReplacer(append([]string{
		"__SCHEMA_URL__", SchemaURL,
		// The whole-scalar form: quoted when YAML would read the bare name as
		// something else (a name of digits is an integer).
		"__NAME__", scalar(name),
		"__NAME_PART__", name,
		"__ROOT_ID__", scalar(rootID),
		"__PACKAGE__", "filter." + pkg + ".v1",
	}, extra...)...)
}

// scalar is s as a YAML scalar that decodes back to the string s.
func scalar(s string) string {
	b, err := yaml.Marshal(s)
	if err != nil {
		return `"` + s + `"` // unreachable for a DNS-1123 label
	}
	return strings.TrimSuffix(string(b), "\n")
}
