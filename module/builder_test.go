package module

// A tiny Wasm binary builder for hand-assembled fixtures.

func uleb(v uint64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		out = append(out, c)
		if v == 0 {
			return out
		}
	}
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func wstr(s string) []byte { return cat(uleb(uint64(len(s))), []byte(s)) }

func vec(entries ...[]byte) []byte { return cat(uleb(uint64(len(entries))), cat(entries...)) }

func section(id byte, body []byte) []byte { return cat([]byte{id}, uleb(uint64(len(body))), body) }

var header = []byte("\x00asm\x01\x00\x00\x00")

func wasmModule(sections ...[]byte) []byte { return cat(header, cat(sections...)) }

func importFunc(mod, name string, typeIdx uint64) []byte {
	return cat(wstr(mod), wstr(name), []byte{0x00}, uleb(typeIdx))
}

func importMemory(mod, name string, min, max uint64) []byte {
	return cat(wstr(mod), wstr(name), []byte{0x02, 0x01}, uleb(min), uleb(max))
}

func importGlobal(mod, name string) []byte {
	return cat(wstr(mod), wstr(name), []byte{0x03, 0x7f, 0x00})
}

func importTable(mod, name string) []byte {
	return cat(wstr(mod), wstr(name), []byte{0x01, 0x70, 0x00}, uleb(1))
}

func export(name string, kind byte, idx uint64) []byte {
	return cat(wstr(name), []byte{kind}, uleb(idx))
}

func customSection(name string, payload []byte) []byte {
	return section(secCustom, cat(wstr(name), payload))
}

// typeSection declares one func type () -> ().
var typeSection = section(1, vec([]byte{0x60, 0x00, 0x00}))

// proxyModule is a small proxy-wasm module as an SDK would emit it.
func proxyModule(abi string) []byte {
	return wasmModule(
		typeSection,
		section(secImport, vec(
			importFunc("env", "proxy_log", 0),
			importFunc("wasi_snapshot_preview1", "fd_write", 0),
			importMemory("env", "memory", 1, 2),
			importGlobal("env", "g"),
			importTable("env", "t"),
		)),
		section(3, vec(uleb(0), uleb(0))), // function section: 2 funcs
		section(secExport, vec(
			export(abi, 0x00, 2),
			export("proxy_on_context_create", 0x00, 3),
			export("memory", 0x02, 0),
		)),
		section(10, vec([]byte{0x02, 0x00, 0x0b}, []byte{0x02, 0x00, 0x0b})), // code
		customSection("name", []byte{0x00}),
		customSection("producers", nil),
	)
}
