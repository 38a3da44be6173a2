package main

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/internal/testutil"
)

// readmeOrder is the order the README lists the commands in: the main job first.
var readmeOrder = []string{"render", "validate", "explain", "schema", "fn", "post-render", "inspect", "package", "run", "init", "completion", "version"}

const (
	synopsisBegin = "<!-- synopsis: written by `WASMGEN_UPDATE=1 go test ./cmd/wasmgen -run TestReadmeSynopsis` -->\n```\n"
	synopsisEnd   = "```\n<!-- synopsis end -->\n"
)

// readmeSynopsis is the README's command block, from the help texts and the
// flag sets the commands parse, so the README cannot miss a flag a command has
// (or list one it lost). The --max-* input limits are left to the paragraph
// that explains them.
func readmeSynopsis(t *testing.T) string {
	docs := helpDocs()
	byName := map[string]completionCommand{}
	for _, c := range completionCommands() {
		byName[c.name] = c
		if !slices.Contains(readmeOrder, c.name) {
			t.Errorf("command %q is missing from readmeOrder", c.name)
		}
	}
	const indent, width = 20, 100
	var b strings.Builder
	for _, name := range readmeOrder {
		c, ok := byName[name]
		if !ok {
			t.Errorf("readmeOrder names %q, which is not a command", name)
			continue
		}
		head := strings.TrimSpace("wasmgen " + name + " " + docs[name].usage)
		b.WriteString(head)
		var flags []string
		for _, f := range c.flags {
			if strings.HasPrefix(f.long, "max-") {
				continue
			}
			if f.short != "" {
				flags = append(flags, "-"+f.short+"|--"+f.long)
			} else {
				flags = append(flags, "--"+f.long)
			}
		}
		col := len(head)
		switch {
		case len(flags) == 0:
		case col >= indent:
			b.WriteString("\n" + strings.Repeat(" ", indent))
		default:
			b.WriteString(strings.Repeat(" ", indent-col))
		}
		col = indent
		for i, f := range flags {
			if i > 0 && col+1+len(f) > width {
				b.WriteString("\n" + strings.Repeat(" ", indent))
				col = indent
			} else if i > 0 {
				b.WriteString(" ")
				col++
			}
			b.WriteString(f)
			col += len(f)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestReadmeSynopsis(t *testing.T) {
	const path = "../../README.md"
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(readme, []byte(synopsisBegin))
	j := bytes.Index(readme, []byte(synopsisEnd))
	if i < 0 || j < i {
		t.Fatalf("%s: no synopsis block (%q … %q)", path, synopsisBegin, synopsisEnd)
	}
	got := readmeSynopsis(t)
	want := string(readme[i+len(synopsisBegin) : j])
	if got == want {
		return
	}
	if testutil.Update() {
		out := slices.Concat(readme[:i+len(synopsisBegin)], []byte(got), readme[j:])
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's command synopsis is out of date (WASMGEN_UPDATE=1 rewrites it):\n--- got\n%s--- want\n%s", got, want)
}
