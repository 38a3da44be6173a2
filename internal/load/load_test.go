package load

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveStaysInsideRoot(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	must(t, os.MkdirAll(filepath.Join(root, "spec"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "spec", "f.wasm"), []byte("x"), 0o644))
	must(t, os.WriteFile(filepath.Join(base, "outside.wasm"), []byte("x"), 0o644))
	must(t, os.Symlink(filepath.Join(base, "outside.wasm"), filepath.Join(root, "spec", "link.wasm")))
	must(t, os.Symlink("f.wasm", filepath.Join(root, "spec", "inner.wasm")))
	must(t, os.Symlink(filepath.Join(base, "gone.wasm"), filepath.Join(root, "spec", "dangling-out.wasm")))
	must(t, os.Symlink("gone.wasm", filepath.Join(root, "spec", "dangling-in.wasm")))
	r, err := NewRoot(root)
	must(t, err)
	dir := filepath.Join(root, "spec")
	tests := []struct {
		ref     string
		outside bool
		missing bool
	}{
		{"f.wasm", false, false},
		{"inner.wasm", false, false}, // a symlink that stays inside is fine
		{"../spec/f.wasm", false, false},
		{"../../outside.wasm", true, false},
		{"link.wasm", true, false}, // a symlink that leaves the root is not
		{filepath.Join(base, "outside.wasm"), true, false},
		{"../../nope.wasm", true, false}, // missing and outside: outside is the error
		{"nope.wasm", false, true},
		{"dangling-out.wasm", true, false}, // a link to nothing outside: outside is the error
		{"dangling-in.wasm", false, true},  // a link to nothing inside: says where it points
	}
	for _, tt := range tests {
		_, err := r.Resolve(dir, tt.ref)
		switch {
		case tt.outside:
			if !errors.Is(err, ErrOutsideRoot) {
				t.Errorf("%s: want outside-root error, got %v", tt.ref, err)
			}
		case tt.missing:
			if err == nil || !strings.Contains(err.Error(), "no such file") && !strings.Contains(err.Error(), "symlink to gone.wasm, which does not exist") {
				t.Errorf("%s: want no such file, got %v", tt.ref, err)
			}
		default:
			if err != nil {
				t.Errorf("%s: %v", tt.ref, err)
			}
		}
	}
}

func TestReadLimit(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "big.yaml"), make([]byte, 100), 0o644))
	r, err := NewRoot(dir)
	must(t, err)
	r.MaxBytes = 10
	_, _, err = r.ReadFile(dir, "big.yaml")
	var tl *ErrTooLarge
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "--max-input-bytes") {
		t.Fatalf("want a size error naming the flag, got %v", err)
	}
}

func TestInputsWalkDirectories(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.yaml", "a.yml", "sub/c.json", "notes.txt", ".hidden/x.yaml"} {
		p := filepath.Join(dir, f)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte("a: 1\n"), 0o644))
	}
	srcs, errs := Inputs([]string{dir, filepath.Join(dir, "missing.yaml"), "-"}, strings.NewReader("k: v\n"), 0)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "missing.yaml: no such file or directory") {
		t.Fatalf("errs = %v", errs)
	}
	var names []string
	for _, s := range srcs {
		names = append(names, filepath.Base(s.Name))
	}
	if got := strings.Join(names, ","); got != "a.yml,b.yaml,c.json,"+Stdin {
		t.Fatalf("inputs = %s", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
