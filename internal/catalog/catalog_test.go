package catalog

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/internal/testutil"
)

// TestCodesDoc keeps docs/codes.md equal to the catalogue.
func TestCodesDoc(t *testing.T) {
	testutil.Golden(t, "../../docs/codes.md", []byte(Markdown()))
}

var (
	codeRE  = regexp.MustCompile(`"((?:WG|IST)[0-9]{4})"`)
	identRE = regexp.MustCompile(`Code[A-Za-z0-9]+`)
	constRE = regexp.MustCompile(`(Code[A-Za-z0-9]+)\s*=\s*"((?:WG|IST)[0-9]{4})"`)
)

// TestEveryCodeCatalogued: a code written anywhere in the project's Go code is in
// the catalogue, once; and every catalogued code is used by the code and exercised
// by a test (it appears in a test or a golden file).
func TestEveryCodeCatalogued(t *testing.T) {
	all := All()
	codes := map[string]bool{}
	for _, r := range all {
		if codes[r.Code] {
			t.Errorf("%s is catalogued twice", r.Code)
		}
		codes[r.Code] = true
		if r.Summary == "" || r.Consumer == "" {
			t.Errorf("%s has no summary or consumer", r.Code)
		}
	}
	used, tested := map[string]bool{}, map[string]bool{}
	names := map[string][]string{} // constant name → codes (two packages may share a name)
	var tests []string             // the test files' text
	root := "../.."
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || n == "examples") {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(p, "_test.go"), strings.Contains(p, "testdata"):
			for _, c := range regexp.MustCompile(`(?:WG|IST)[0-9]{4}`).FindAllString(string(data), -1) {
				tested[c] = true
			}
			tests = append(tests, string(data))
		case strings.HasSuffix(p, ".go"):
			for _, m := range constRE.FindAllStringSubmatch(string(data), -1) {
				names[m[1]] = append(names[m[1]], m[2])
			}
			for _, m := range codeRE.FindAllStringSubmatch(string(data), -1) {
				used[m[1]] = true
				if !codes[m[1]] {
					t.Errorf("%s: code %s is not in the catalogue", p, m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A test may name a code by its constant (CodeOlderIstio) rather than spell it.
	idents := map[string]bool{}
	for _, text := range tests {
		for _, id := range identRE.FindAllString(text, -1) {
			idents[id] = true
		}
	}
	for name, cs := range names {
		if idents[name] {
			for _, c := range cs {
				tested[c] = true
			}
		}
	}
	// Codes no test can reach: a wasmgen bug, and what only a real registry answers.
	untestable := []string{"WG2015", "WG3098"}
	for _, r := range all {
		if !used[r.Code] {
			t.Errorf("%s is catalogued but no code reports it", r.Code)
		}
		if !tested[r.Code] && !slices.Contains(untestable, r.Code) {
			t.Errorf("%s (%s) appears in no test or golden file", r.Code, r.Summary)
		}
	}
}
