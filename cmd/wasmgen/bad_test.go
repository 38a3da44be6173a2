package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputs renders every file of the bad-input corpus (testdata/bad/*.yaml) and
// compares exit status and messages with <name>.golden: the error text users see
// is part of the contract.
func TestBadInputs(t *testing.T) {
	corpus, _ := filepath.Abs("../../testdata/bad")
	specs, err := filepath.Glob(filepath.Join(corpus, "*.yaml"))
	if err != nil || len(specs) == 0 {
		t.Fatal("empty bad-input corpus")
	}
	// Work on a copy so the oversize module need not live in the repository.
	root := t.TempDir()
	work := filepath.Join(root, "bad")
	if err := os.CopyFS(work, os.DirFS(corpus)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "big.wasm"), bigModule(3<<19), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	for _, spec := range specs {
		name := strings.TrimSuffix(filepath.Base(spec), ".yaml")
		t.Run(name, func(t *testing.T) {
			_, stderr, code := runCLI([]string{"render", "-f", "bad/" + name + ".yaml"})
			if code != exitInvalid {
				t.Errorf("exit %d, want %d", code, exitInvalid)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Fatalf("stack trace reached the user:\n%s", stderr)
			}
			got := fmt.Sprintf("exit %d\n%s", code, stderr)
			golden := filepath.Join(corpus, name+".golden")
			if update() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (WASMGEN_UPDATE=1 creates it)", err)
			}
			if string(want) != got {
				t.Errorf("messages differ (WASMGEN_UPDATE=1 rewrites):\n--- want\n%s--- got\n%s", want, got)
			}
		})
	}
}

// bigModule is a valid proxy-wasm module padded with a custom section to size bytes.
func bigModule(size int) []byte {
	m := []byte("\x00asm\x01\x00\x00\x00")
	m = append(m, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00) // type section: func () -> ()
	m = append(m, 0x03, 0x02, 0x01, 0x00)             // function section: one func
	m = append(m, 0x05, 0x03, 0x01, 0x00, 0x01)       // memory section: one page
	exp := "proxy_abi_version_0_2_1"
	// exports: the ABI marker and malloc (func 0), memory (memory 0)
	m = append(m, 0x07, byte(len(exp)+4+18), 0x03, byte(len(exp)))
	m = append(m, exp...)
	m = append(m, 0x00, 0x00)
	m = append(m, 6, 'm', 'a', 'l', 'l', 'o', 'c', 0x00, 0x00, 6, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00)
	m = append(m, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b) // code section
	pad := size - len(m)
	name := "pad"
	payload := append([]byte{byte(len(name))}, name...)
	payload = append(payload, make([]byte, pad)...)
	m = append(m, 0x00)
	n := len(payload)
	for {
		b := byte(n & 0x7f)
		n >>= 7
		if n != 0 {
			m = append(m, b|0x80)
			continue
		}
		m = append(m, b)
		break
	}
	return append(m, payload...)
}
