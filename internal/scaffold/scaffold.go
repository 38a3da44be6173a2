// Package scaffold holds the files `wasmgen init` writes: a WasmFilter spec, a
// filter.proto for its config and a README section. They are plain embedded
// files with a few names substituted, so what users get is what is reviewed
// here; no template language decides their YAML structure.
package scaffold

import (
	"embed"
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/schema"

	"github.com/wasmgen/wasmgen/manifest"
)

//go:embed files/filter.yaml files/filter.proto files/README.md
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

// File is one scaffolded file, named relative to the target directory.
type File = manifest.File

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
	ident := strings.ReplaceAll(name, "-", "_")
	pkg := ident
	if pkg[0] >= '0' && pkg[0] <= '9' {
		pkg = "f" + pkg // proto identifiers start with a letter
	}
	rootID := ident + "_root_id"
	r := strings.NewReplacer(
		"__SCHEMA_URL__", SchemaURL,
		// The whole-scalar form: quoted when YAML would read the bare name as
		// something else (a name of digits is an integer).
		"__NAME__", scalar(name),
		"__NAME_PART__", name,
		"__ROOT_ID__", scalar(rootID),
		"__PACKAGE__", "filter."+pkg+".v1",
	)
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

// scalar is s as a YAML scalar that decodes back to the string s.
func scalar(s string) string {
	b, err := yaml.Marshal(s)
	if err != nil {
		return `"` + s + `"` // unreachable for a DNS-1123 label
	}
	return strings.TrimSuffix(string(b), "\n")
}
