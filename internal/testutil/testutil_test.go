package testutil

import "testing"

func TestUpdate(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "1": true, "true": true} {
		t.Setenv("WASMGEN_UPDATE", v)
		if got := Update(); got != want {
			t.Errorf("WASMGEN_UPDATE=%q: Update() = %v", v, got)
		}
	}
}
