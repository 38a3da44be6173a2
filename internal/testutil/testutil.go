// Package testutil holds what the project's tests share: the one switch that
// rewrites golden files.
package testutil

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Update reports whether golden files are rewritten: WASMGEN_UPDATE set to
// anything but "" or "0". A function, so the test cache sees the variable read.
func Update() bool {
	v := os.Getenv("WASMGEN_UPDATE")
	return v != "" && v != "0"
}

// Golden compares got with the file at path, rewriting it first under Update.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (WASMGEN_UPDATE=1 writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (WASMGEN_UPDATE=1 rewrites it; review the diff):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
