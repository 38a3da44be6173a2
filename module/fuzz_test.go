package module

import (
	"errors"
	"testing"
)

func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Add(proxyModule(ABI010))
	f.Add(proxyModule(ABI021))
	f.Add(wasmModule(section(secExport, vec(export("proxy_on_vm_start", 0, 0)))))
	f.Add(wasmModule(section(secImport, vec(importMemory("env", "m", 1, 1)))))
	f.Add(cat(header, []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f}))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Decode(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > int64(len(b)) {
				t.Fatalf("error %v has no offset within the input", err)
			}
			return
		}
		if info.Size != int64(len(b)) {
			t.Fatalf("size %d", info.Size)
		}
		if err := info.CheckProxyWasm(); err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > int64(len(b)) {
				t.Fatalf("CheckProxyWasm error %v has no offset within the input", err)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	b.Run("small", func(b *testing.B) {
		mod := proxyModule(ABI021)
		b.SetBytes(int64(len(mod)))
		for b.Loop() {
			if _, err := Decode(mod); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-wasip1", func(b *testing.B) {
		mod := buildGoModule(b)
		b.SetBytes(int64(len(mod)))
		b.ResetTimer()
		for b.Loop() {
			if _, err := Decode(mod); err != nil {
				b.Fatal(err)
			}
		}
	})
}
