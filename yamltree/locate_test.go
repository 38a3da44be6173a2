package yamltree

import "testing"

// TestLocator maps folded spellings of a path back to the line the user wrote.
func TestLocator(t *testing.T) {
	doc := "spec:\n  config:\n    vm_config:\n      runtime: v8\n    typedConfig: {x: 1}\n"
	n := parseYAML(t, doc)
	ix := NewLocator("f.yaml", n)
	for path, line := range map[string]int{
		"spec.config.vm_config.runtime": 4, "spec.config.vmConfig.runtime": 4, "Spec.Config.VmConfig.Runtime": 4,
		"spec.config.typed_config.x": 5, "spec.config.vm_config.code.local.filename": 3, "nowhere": 1,
	} {
		if got := ix.Pos(path).Line; got != line {
			t.Errorf("Pos(%s) = line %d, want %d", path, got, line)
		}
	}
	if got := ix.Display("Spec.Config.VmConfig.Code"); got != "spec.config.vm_config.code" {
		t.Errorf("Display = %q", got)
	}
	if got := ix.ValuePos("spec.config.typedConfig").Col; got != 18 {
		t.Errorf("ValuePos col = %d, want the value's 18", got)
	}
	if ix.Node("spec.config.vm_config.runtime").Value != "v8" || ix.Node("nowhere") != nil {
		t.Error("Node")
	}
}
