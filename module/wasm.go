// Package module reads Wasm modules and the images that carry them, and says
// what a proxy will make of them before anything is deployed: which
// proxy-wasm ABI a module speaks, whether Istio's agent can pull its image,
// and which digest a tag points at.
//
// The decoder reads only what a deploy decision needs (imports, exports,
// custom section names); it never compiles or validates function bodies.
package module

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wasmgen/wasmgen/compat"
)

// DecodeError says what is wrong with a module and at which byte.
type DecodeError struct {
	Offset int64 // byte offset into the module where the problem was found
	Msg    string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("byte offset %d: %s", e.Offset, e.Msg)
}

// Kind is what an import or export refers to.
type Kind string

const (
	KindFunc   Kind = "func"
	KindTable  Kind = "table"
	KindMemory Kind = "memory"
	KindGlobal Kind = "global"
	KindTag    Kind = "tag"
)

var kinds = [...]Kind{KindFunc, KindTable, KindMemory, KindGlobal, KindTag}

// Import is one entry of the import section.
type Import struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	Kind   Kind   `json:"kind"`
}

// Export is one entry of the export section.
type Export struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
}

// Info is what Decode learnt about a module.
type Info struct {
	Size           int64    `json:"size"`
	SHA256         string   `json:"sha256"`
	Imports        []Import `json:"imports"`
	Exports        []Export `json:"exports"`
	CustomSections []string `json:"customSections"`
	// ABIVersions are the proxy_abi_version_* marker exports, in export
	// order: proxy-wasm-cpp-host uses the first one it recognises.
	ABIVersions []string `json:"abiVersions"`
	IsProxyWasm bool     `json:"proxyWasm"`
	WASI        bool     `json:"wasi"`

	exportOffset int64 // start of the export section, -1 when there is none
}

// ABI marker exports (compat holds the list and which proxies speak each).
const (
	ABI010 = compat.ABI010
	ABI020 = compat.ABI020
	ABI021 = compat.ABI021
	ABI030 = compat.ABI030
)

const abiPrefix = "proxy_abi_version_"

var knownABIs = []string{ABI010, ABI020, ABI021, ABI030}

// Section IDs of the core binary format.
const (
	secCustom    = 0
	secImport    = 2
	secExport    = 7
	secDataCount = 12
	secTag       = 13
)

var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory",
	"global", "export", "start", "element", "code", "data", "data count", "tag"}

// sectionRank is the order the spec requires non-custom sections to appear in
// (data count sits before code, tag between memory and global).
var sectionRank = [...]int{0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6}

// Decode reads a core WebAssembly module (binary format version 1).
func Decode(b []byte) (*Info, error) {
	sum := sha256.Sum256(b)
	info := &Info{
		Size:         int64(len(b)),
		SHA256:       hex.EncodeToString(sum[:]),
		Imports:      []Import{},
		Exports:      []Export{},
		exportOffset: -1,
	}
	if err := checkHeader(b); err != nil {
		return nil, err
	}
	r := &reader{b: b, pos: 8, end: len(b)}
	lastRank := 0
	for r.pos < len(b) {
		start := r.pos
		id := b[r.pos]
		r.pos++
		if int(id) >= len(sectionNames) {
			return nil, r.errAt(start, "unknown section id %d", id)
		}
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		body := r.pos
		if int64(size) > int64(len(b)-body) {
			return nil, r.errAt(start, "%s section declares %d bytes but only %d remain (truncated file?)",
				sectionNames[id], size, len(b)-body)
		}
		end := body + int(size)
		if id != secCustom {
			rank := sectionRank[id]
			if rank <= lastRank {
				return nil, r.errAt(start, "%s section out of order or repeated", sectionNames[id])
			}
			lastRank = rank
		}
		sub := &reader{b: b, pos: body, end: end, inSection: true}
		switch id {
		case secCustom:
			name, err := sub.name()
			if err != nil {
				return nil, err
			}
			info.CustomSections = append(info.CustomSections, name)
			sub.pos = end // the payload is the producer's business
		case secImport:
			if err := readImports(sub, info); err != nil {
				return nil, err
			}
		case secExport:
			info.exportOffset = int64(start)
			if err := readExports(sub, info); err != nil {
				return nil, err
			}
		default:
			sub.pos = end
		}
		if sub.pos != end {
			return nil, r.errAt(sub.pos, "%s section has %d bytes left over after its last entry",
				sectionNames[id], end-sub.pos)
		}
		r.pos = end
	}
	classify(info)
	return info, nil
}

func checkHeader(b []byte) error {
	const magic = "\x00asm"
	if len(b) == 0 {
		return &DecodeError{0, "empty file: not a WebAssembly module"}
	}
	n := min(len(b), 4)
	if string(b[:n]) != magic[:n] {
		if bytes.HasPrefix(bytes.TrimSpace(b[:min(len(b), 64)]), []byte("(module")) {
			return &DecodeError{0, "this is WebAssembly text (.wat), not a binary module; compile it with wat2wasm"}
		}
		return &DecodeError{0, fmt.Sprintf("not a WebAssembly module: expected magic \\0asm, found %q", b[:n])}
	}
	if len(b) < 8 {
		return &DecodeError{int64(len(b)), fmt.Sprintf("truncated header: a module starts with 8 bytes (magic and version), file has %d", len(b))}
	}
	if b[4] == 0x0d && b[5] == 0x00 && b[6] == 0x01 && b[7] == 0x00 {
		return &DecodeError{4, "this is a WebAssembly component, not a core module; proxy-wasm hosts load core modules only"}
	}
	if v := uint32(b[4]) | uint32(b[5])<<8 | uint32(b[6])<<16 | uint32(b[7])<<24; v != 1 {
		return &DecodeError{4, fmt.Sprintf("unsupported binary format version %d (expected 1)", v)}
	}
	return nil
}

func readImports(r *reader, info *Info) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	for range n {
		mod, err := r.name()
		if err != nil {
			return err
		}
		name, err := r.name()
		if err != nil {
			return err
		}
		at := r.pos
		k, err := r.byte()
		if err != nil {
			return err
		}
		switch k {
		case 0x00: // func: type index
			_, err = r.u32()
		case 0x01: // table: reftype, limits
			if err = r.refType(); err == nil {
				err = r.limits()
			}
		case 0x02: // memory: limits
			err = r.limits()
		case 0x03: // global: valtype, mutability
			if err = r.valType(); err == nil {
				_, err = r.byte()
			}
		case 0x04: // tag: attribute, type index
			if _, err = r.byte(); err == nil {
				_, err = r.u32()
			}
		default:
			return r.errAt(at, "import %s.%s has unknown kind 0x%02x", mod, name, k)
		}
		if err != nil {
			return err
		}
		info.Imports = append(info.Imports, Import{Module: mod, Name: name, Kind: kinds[k]})
	}
	return nil
}

func readExports(r *reader, info *Info) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	for range n {
		name, err := r.name()
		if err != nil {
			return err
		}
		at := r.pos
		k, err := r.byte()
		if err != nil {
			return err
		}
		if int(k) >= len(kinds) {
			return r.errAt(at, "export %q has unknown kind 0x%02x", name, k)
		}
		if _, err := r.u32(); err != nil {
			return err
		}
		info.Exports = append(info.Exports, Export{Name: name, Kind: kinds[k]})
	}
	return nil
}

func classify(info *Info) {
	callbacks := false
	for _, e := range info.Exports {
		if e.Kind != KindFunc {
			continue
		}
		switch {
		case strings.HasPrefix(e.Name, abiPrefix):
			if !contains(info.ABIVersions, e.Name) {
				info.ABIVersions = append(info.ABIVersions, e.Name)
			}
		case strings.HasPrefix(e.Name, "proxy_on_"):
			callbacks = true
		}
	}
	info.IsProxyWasm = len(info.ABIVersions) > 0 || callbacks
	for _, im := range info.Imports {
		if im.Module == "wasi_snapshot_preview1" || im.Module == "wasi_unstable" {
			info.WASI = true
			break
		}
	}
	if info.ABIVersions == nil {
		info.ABIVersions = []string{}
	}
	if info.CustomSections == nil {
		info.CustomSections = []string{}
	}
}

// CheckProxyWasm refuses a module a proxy-wasm host would not load: one with
// no proxy-wasm exports at all, or callbacks without an ABI marker the host
// recognises.
func (i *Info) CheckProxyWasm() error {
	at := i.exportOffset
	if at < 0 {
		at = i.Size
	}
	if !i.IsProxyWasm {
		if i.exportOffset < 0 {
			return &DecodeError{at, "not a proxy-wasm module: it has no export section (expected a proxy_abi_version_* export and proxy_on_* callbacks)"}
		}
		return &DecodeError{at, fmt.Sprintf("not a proxy-wasm module: none of its %d exports is a proxy_abi_version_* marker or a proxy_on_* callback", len(i.Exports))}
	}
	for _, v := range i.ABIVersions {
		if contains(knownABIs, v) {
			return nil
		}
	}
	if len(i.ABIVersions) == 0 {
		return &DecodeError{at, "proxy-wasm callbacks but no proxy_abi_version_* export: Envoy refuses it with \"Missing or unknown Proxy-Wasm ABI version\"; build with a proxy-wasm SDK that exports the marker"}
	}
	return &DecodeError{at, fmt.Sprintf("unknown proxy-wasm ABI marker %s (known: %s)", strings.Join(i.ABIVersions, ", "), strings.Join(knownABIs, ", "))}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// reader walks the module; end is where the current section stops. Every
// error names the offset it stopped at.
type reader struct {
	b         []byte
	pos       int
	end       int
	inSection bool
}

func (r *reader) errAt(pos int, format string, args ...any) error {
	return &DecodeError{Offset: int64(pos), Msg: fmt.Sprintf(format, args...)}
}

func (r *reader) eof(what string) error {
	if r.inSection {
		return r.errAt(r.pos, "unexpected end of section while reading %s", what)
	}
	return r.errAt(r.pos, "unexpected end of file while reading %s (truncated file?)", what)
}

func (r *reader) byte() (byte, error) {
	if r.pos >= r.end {
		return 0, r.eof("a byte")
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

// leb reads an unsigned LEB128 of at most bits bits, refusing overlong or
// overflowing encodings as the spec does.
func (r *reader) leb(bits uint) (uint64, error) {
	start := r.pos
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if r.pos >= r.end {
			return 0, r.eof("a LEB128 integer")
		}
		c := r.b[r.pos]
		r.pos++
		if shift+7 >= bits { // last byte this width allows
			if c&0x80 != 0 || c>>(bits-shift) != 0 {
				return 0, r.errAt(start, "malformed LEB128 integer: too large for %d bits", bits)
			}
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
}

func (r *reader) u32() (uint32, error) {
	v, err := r.leb(32)
	return uint32(v), err
}

// count reads a vector length, refusing one that cannot fit in what is left
// (each entry takes at least one byte), so a hostile length cannot make us loop.
func (r *reader) count() (uint32, error) {
	at := r.pos
	n, err := r.u32()
	if err != nil {
		return 0, err
	}
	if int64(n) > int64(r.end-r.pos) {
		return 0, r.errAt(at, "vector declares %d entries but only %d bytes remain", n, r.end-r.pos)
	}
	return n, nil
}

func (r *reader) name() (string, error) {
	at := r.pos
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	if int64(n) > int64(r.end-r.pos) {
		if !r.inSection {
			return "", r.errAt(at, "name declares %d bytes but only %d remain (truncated file?)", n, r.end-r.pos)
		}
		return "", r.errAt(at, "name declares %d bytes but its section has only %d left", n, r.end-r.pos)
	}
	s := r.b[r.pos : r.pos+int(n)]
	if !utf8.Valid(s) {
		return "", r.errAt(r.pos, "name is not valid UTF-8")
	}
	r.pos += int(n)
	return string(s), nil
}

func (r *reader) limits() error {
	at := r.pos
	flags, err := r.byte()
	if err != nil {
		return err
	}
	if flags > 0x07 {
		return r.errAt(at, "unknown limits flags 0x%02x", flags)
	}
	bits := uint(32)
	if flags&0x04 != 0 { // memory64 / table64
		bits = 64
	}
	if _, err := r.leb(bits); err != nil {
		return err
	}
	if flags&0x01 != 0 {
		_, err = r.leb(bits)
	}
	return err
}

// refType accepts the MVP reference types and the function-references/GC
// encodings (0x63/0x64 followed by a heap type).
func (r *reader) refType() error {
	at := r.pos
	c, err := r.byte()
	if err != nil {
		return err
	}
	switch {
	case c == 0x63 || c == 0x64:
		return r.heapType()
	case c >= 0x69 && c <= 0x74:
		return nil
	}
	return r.errAt(at, "unknown reference type 0x%02x", c)
}

func (r *reader) valType() error {
	at := r.pos
	c, err := r.byte()
	if err != nil {
		return err
	}
	switch {
	case c >= 0x7b && c <= 0x7f: // i32 i64 f32 f64 v128
		return nil
	case c == 0x63 || c == 0x64:
		return r.heapType()
	case c >= 0x69 && c <= 0x74:
		return nil
	}
	return r.errAt(at, "unknown value type 0x%02x", c)
}

// heapType is a signed 33-bit LEB128; only its length matters here.
func (r *reader) heapType() error {
	start := r.pos
	for i := 0; i < 5; i++ {
		c, err := r.byte()
		if err != nil {
			return err
		}
		if c&0x80 == 0 {
			return nil
		}
	}
	return r.errAt(start, "heap type LEB128 too long")
}
