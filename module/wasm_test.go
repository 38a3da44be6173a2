package module

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/compat"
)

func TestDecodeProxyModule(t *testing.T) {
	b := proxyModule(ABI021)
	info, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(b)) || len(info.SHA256) != 64 {
		t.Errorf("size %d sha256 %q", info.Size, info.SHA256)
	}
	wantImports := []Import{
		{"env", "proxy_log", KindFunc},
		{"wasi_snapshot_preview1", "fd_write", KindFunc},
		{"env", "memory", KindMemory},
		{"env", "g", KindGlobal},
		{"env", "t", KindTable},
	}
	if !reflect.DeepEqual(info.Imports, wantImports) {
		t.Errorf("imports = %v", info.Imports)
	}
	wantExports := []Export{{ABI021, KindFunc}, {"proxy_on_context_create", KindFunc}, {"memory", KindMemory}}
	if !reflect.DeepEqual(info.Exports, wantExports) {
		t.Errorf("exports = %v", info.Exports)
	}
	if !reflect.DeepEqual(info.ABIVersions, []string{ABI021}) || !info.IsProxyWasm || !info.WASI {
		t.Errorf("abi %v proxy %v wasi %v", info.ABIVersions, info.IsProxyWasm, info.WASI)
	}
	if !reflect.DeepEqual(info.CustomSections, []string{"name", "producers"}) {
		t.Errorf("custom sections = %v", info.CustomSections)
	}
	if err := info.CheckProxyWasm(); err != nil {
		t.Errorf("CheckProxyWasm: %v", err)
	}
}

func TestDecodeClassify(t *testing.T) {
	tests := []struct {
		name          string
		exports       [][]byte
		imports       [][]byte
		abi           []string
		proxy, wasi   bool
		checkContains string // "" = CheckProxyWasm passes
	}{
		{"abi marker only", [][]byte{export(ABI010, 0, 0)}, nil, []string{ABI010}, true, false, ""},
		{"two markers keep export order", [][]byte{export(ABI020, 0, 0), export(ABI010, 0, 0), export(ABI020, 0, 0)}, nil, []string{ABI020, ABI010}, true, false, ""},
		{"marker as a global does not count", [][]byte{export(ABI021, 3, 0)}, nil, []string{}, false, false, "not a proxy-wasm module"},
		{"callbacks without marker", [][]byte{export("proxy_on_vm_start", 0, 0)}, nil, []string{}, true, false, "Missing or unknown Proxy-Wasm ABI version"},
		{"unknown marker", [][]byte{export("proxy_abi_version_9_9_9", 0, 0)}, nil, []string{"proxy_abi_version_9_9_9"}, true, false, "unknown proxy-wasm ABI marker"},
		{"plain wasi program", [][]byte{export("_start", 0, 0)}, [][]byte{importFunc("wasi_unstable", "fd_write", 0)}, []string{}, false, true, "none of its 1 exports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secs := [][]byte{typeSection}
			if tt.imports != nil {
				secs = append(secs, section(secImport, vec(tt.imports...)))
			}
			secs = append(secs, section(secExport, vec(tt.exports...)))
			info, err := Decode(wasmModule(secs...))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(info.ABIVersions, tt.abi) || info.IsProxyWasm != tt.proxy || info.WASI != tt.wasi {
				t.Errorf("abi %v proxy %v wasi %v", info.ABIVersions, info.IsProxyWasm, info.WASI)
			}
			err = info.CheckProxyWasm()
			switch {
			case tt.checkContains == "" && err != nil:
				t.Errorf("CheckProxyWasm: %v", err)
			case tt.checkContains != "" && (err == nil || !strings.Contains(err.Error(), tt.checkContains)):
				t.Errorf("CheckProxyWasm = %v, want %q", err, tt.checkContains)
			}
		})
	}
}

func TestCheckProxyWasmNoExportSection(t *testing.T) {
	b := wasmModule(typeSection)
	info, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	var de *DecodeError
	if err := info.CheckProxyWasm(); !errors.As(err, &de) || de.Offset != int64(len(b)) || !strings.Contains(de.Msg, "no export section") {
		t.Errorf("got %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	valid := proxyModule(ABI021)
	tests := []struct {
		name   string
		in     []byte
		offset int64
		msg    string
	}{
		{"empty", nil, 0, "empty file"},
		{"text", []byte("hello world"), 0, `found "hell"`},
		{"wat", []byte("  (module)"), 0, "WebAssembly text"},
		{"gzip", []byte{0x1f, 0x8b, 0x08, 0x00}, 0, "not a WebAssembly module"},
		{"magic only", []byte("\x00asm"), 4, "truncated header"},
		{"short magic", []byte("\x00as"), 3, "truncated header"},
		{"version 2", []byte("\x00asm\x02\x00\x00\x00"), 4, "unsupported binary format version 2"},
		{"component", []byte("\x00asm\x0d\x00\x01\x00"), 4, "component"},
		{"truncated file", valid[:len(valid)-5], 0, "truncated file?"},
		{"unknown section", wasmModule(section(42, nil)), 8, "unknown section id 42"},
		{"out of order", wasmModule(section(secExport, vec()), section(secImport, vec())), 11, "import section out of order"},
		{"repeated", wasmModule(typeSection, typeSection), int64(8 + len(typeSection)), "type section out of order or repeated"},
		{"section size LEB overflow", cat(header, []byte{1, 0xff, 0xff, 0xff, 0xff, 0x7f}), 9, "malformed LEB128"},
		{"section size LEB truncated", cat(header, []byte{1, 0x80}), 10, "unexpected end of file"},
		{"name not utf8", wasmModule(section(secExport, vec(cat(wstr("\xff\xfe"), []byte{0}, uleb(0))))), 12, "not valid UTF-8"},
		{"name past section", wasmModule(section(secExport, cat(uleb(1), uleb(9), []byte("ab")))), 11, "its section has only 2 left"},
		{"export kind", wasmModule(section(secExport, vec(cat(wstr("x"), []byte{9}, uleb(0))))), 13, "unknown kind 0x09"},
		{"import kind", wasmModule(section(secImport, vec(cat(wstr("m"), wstr("n"), []byte{7})))), 15, "import m.n has unknown kind 0x07"},
		{"import cut in section", wasmModule(section(secImport, vec(cat(wstr("m"), wstr("n"))))), 15, "unexpected end of section"},
		{"leftover bytes", wasmModule(section(secExport, cat(vec(export("x", 0, 0)), []byte{0}))), 15, "1 bytes left over"},
		{"vector too long", wasmModule(section(secExport, uleb(1000))), 10, "vector declares 1000 entries"},
		{"bad limits", wasmModule(section(secImport, vec(cat(wstr("m"), wstr("n"), []byte{2, 9})))), 16, "unknown limits flags"},
		{"bad valtype", wasmModule(section(secImport, vec(cat(wstr("m"), wstr("n"), []byte{3, 0x40, 0})))), 16, "unknown value type 0x40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Decode(tt.in)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode = %v, %v; want a *DecodeError", info, err)
			}
			if (tt.offset != 0 || tt.name == "empty") && de.Offset != tt.offset {
				t.Errorf("offset = %d, want %d (%s)", de.Offset, tt.offset, de.Msg)
			}
			if !strings.Contains(de.Msg, tt.msg) {
				t.Errorf("msg = %q, want it to contain %q", de.Msg, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "byte offset ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestDecodeTruncatedEverywhere(t *testing.T) {
	// Every strict prefix of a valid module is refused, never accepted or panicking.
	valid := proxyModule(ABI020)
	ends := 0
	for n := 8; n < len(valid); n++ {
		if _, err := Decode(valid[:n]); err == nil {
			ends++
		}
	}
	if ends != 7 { // header only, then after each of the first 6 sections
		t.Errorf("%d prefixes decode cleanly, want 7 (one per section boundary)", ends)
	}
}

func TestLEB(t *testing.T) {
	tests := []struct {
		in   []byte
		bits uint
		want uint64
		ok   bool
	}{
		{[]byte{0x00}, 32, 0, true},
		{[]byte{0xe5, 0x8e, 0x26}, 32, 624485, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 32, 0xffffffff, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 32, 0, false},       // 33 bits
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 32, 0, false}, // too long
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x00}, 32, 0, true},        // padded, allowed
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 64, 1<<64 - 1, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 64, 0, false},
		{[]byte{0x80}, 32, 0, false},
	}
	for _, tt := range tests {
		r := &reader{b: tt.in, end: len(tt.in)}
		got, err := r.leb(tt.bits)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("leb(%x, %d) = %d, %v; want %d ok=%v", tt.in, tt.bits, got, err, tt.want, tt.ok)
		}
	}
}

const goProxyProgram = `package main

//go:wasmexport proxy_abi_version_0_2_1
func proxyABIVersion() {}

//go:wasmexport proxy_on_context_create
func proxyOnContextCreate(contextID, parentID int32) {}

//go:wasmexport proxy_on_vm_start
func proxyOnVMStart(rootID, size int32) int32 { return 1 }

func main() {}
`

// buildGoModule compiles a real proxy-wasm module with the Go toolchain.
func buildGoModule(t testing.TB) []byte {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module proxytest\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(goProxyProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "plugin.wasm")
	cmd := exec.Command(goBin, "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeGoWasip1Module(t *testing.T) {
	b := buildGoModule(t)
	info, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(info.ABIVersions, []string{ABI021}) || !info.IsProxyWasm || !info.WASI {
		t.Errorf("abi %v proxy %v wasi %v", info.ABIVersions, info.IsProxyWasm, info.WASI)
	}
	var names []string
	for _, e := range info.Exports {
		names = append(names, e.Name)
	}
	for _, want := range []string{ABI021, "proxy_on_context_create", "proxy_on_vm_start", "memory", "_initialize"} {
		if !contains(names, want) {
			t.Errorf("export %s missing from %v", want, names)
		}
	}
	if err := info.CheckProxyWasm(); err != nil {
		t.Error(err)
	}
	if ok, msg := CheckABI(info, compat.Istio(24)); !ok {
		t.Errorf("CheckABI(1.24): %s", msg)
	}
	if ok, _ := CheckABI(info, compat.Istio(6)); ok {
		t.Error("CheckABI(1.6) accepted a 0.2.1 module")
	}
	// Cut anywhere inside the code section: refused with the offset of the section.
	if _, err := Decode(b[:len(b)/2]); err == nil || !strings.Contains(err.Error(), "truncated file?") {
		t.Errorf("half a module: %v", err)
	}
}
