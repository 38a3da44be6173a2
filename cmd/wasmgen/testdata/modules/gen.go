// Command gen writes the binary fixtures of the inspect, abi and resolve
// scripts: hand-assembled Wasm modules and OCI image layouts. They are
// committed so the scripts need no build step; regenerate them with
//
//	cd cmd/wasmgen/testdata/modules && go run gen.go
//
// The output is deterministic: same bytes on every run.
package main

import (
	"log"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func main() {
	mod021 := proxyModule("proxy_abi_version_0_2_1")
	files := map[string][]byte{
		"proxy-0_2_1.wasm": mod021,
		"proxy-0_1_0.wasm": proxyModule("proxy_abi_version_0_1_0"),
		// Cut inside the export section: the decoder names the section's offset.
		"truncated.wasm": mod021[:len(mod021)-20],
		// proxy-wasm callbacks without an ABI marker: Envoy refuses it with
		// "Missing or unknown Proxy-Wasm ABI version".
		"no-abi.wasm": module(typeSection, section(3, vec(uleb(0))),
			section(7, vec(export("proxy_on_context_create", 0, 0))), section(10, vec(body))),
		// The WASI calls a Go 1.26 wasip1 module imports beyond the old set, and
		// AssemblyScript's env.abort, which no Envoy provides.
		"go-wasip1.wasm": proxyModule("proxy_abi_version_0_2_1",
			importFunc("wasi_snapshot_preview1", "sched_yield"), importFunc("wasi_snapshot_preview1", "poll_oneoff"),
			importFunc("wasi_snapshot_preview1", "fd_fdstat_set_flags"), importFunc("wasi_snapshot_preview1", "fd_filestat_get")),
		"abort.wasm":   proxyModule("proxy_abi_version_0_2_1", importFunc("env", "abort")),
		"dry-run.wasm": dryRunModule(),
		// Valid WebAssembly that no proxy-wasm host would load.
		"not-proxy.wasm": module(typeSection, section(3, vec(uleb(0))),
			section(7, vec(export("add", 0, 0))), section(10, vec(body))),
	}
	for name, b := range files {
		if err := os.WriteFile(name, b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	const rc = `{"type":"envoy_proxy","abiVersions":["v0-4689a30309abf31aee9ae36e73d34b1bb182685f"],"config":{"rootIds":["add_header_root_id"]}}`
	// wasme push's format, which Istio's agent accepts.
	writeLayout("oci-artifact", "example.com/filters/add-header:v1", img(types.OCIManifestSchema1, "application/vnd.module.wasm.config.v1+json",
		static.NewLayer([]byte(rc), "application/vnd.module.wasm.config.v1+json"),
		static.NewLayer(mod021, "application/vnd.module.wasm.content.layer.v1+wasm")))
	// The Wasm OCI artifact media types of istio#39990, which the agent refuses.
	writeLayout("oci-vnd-wasm", "example.com/filters/add-header:v2", img(types.OCIManifestSchema1, "application/vnd.wasm.config.v1+json",
		static.NewLayer(mod021, "application/vnd.wasm.content.layer.v1+wasm")))
}

func img(manifest, config types.MediaType, layers ...v1.Layer) v1.Image {
	im := mutate.ConfigMediaType(mutate.MediaType(empty.Image, manifest), config)
	im, err := mutate.AppendLayers(im, layers...)
	if err != nil {
		log.Fatal(err)
	}
	return im
}

func writeLayout(dir, ref string, im v1.Image) {
	if err := os.RemoveAll(dir); err != nil {
		log.Fatal(err)
	}
	p, err := layout.Write(filepath.Clean(dir), empty.Index)
	if err != nil {
		log.Fatal(err)
	}
	if err := p.AppendImage(im, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
		log.Fatal(err)
	}
}

// A minimal Wasm binary writer.

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

func section(id byte, b []byte) []byte { return cat([]byte{id}, uleb(uint64(len(b))), b) }

func module(sections ...[]byte) []byte {
	return cat([]byte("\x00asm\x01\x00\x00\x00"), cat(sections...))
}

func importFunc(mod, name string) []byte { return cat(wstr(mod), wstr(name), []byte{0x00, 0x00}) }

func export(name string, kind byte, idx uint64) []byte {
	return cat(wstr(name), []byte{kind}, uleb(idx))
}

// typeSection declares one func type () -> (); body is an empty function body.
var (
	typeSection = section(1, vec([]byte{0x60, 0x00, 0x00}))
	body        = []byte{0x02, 0x00, 0x0b}
)

// proxyModule is shaped like an SDK's output: host imports, WASI, an ABI
// marker, a callback, the allocator the host copies data through and the
// exported memory.
func proxyModule(abi string, more ...[]byte) []byte {
	imports := append([][]byte{importFunc("env", "proxy_log"), importFunc("wasi_snapshot_preview1", "fd_write")}, more...)
	n := uint64(len(imports)) // the module's own functions come after the imports
	return module(
		typeSection,
		section(2, vec(imports...)),
		section(3, vec(uleb(0), uleb(0))),
		section(5, vec([]byte{0x00, 0x01})), // one memory, min 1 page
		section(7, vec(export(abi, 0, n), export("proxy_on_context_create", 0, n+1), export("malloc", 0, n+1), export("memory", 2, 0))),
		section(10, vec(body, body)),
	)
}

func sleb(v int64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

func i32(v int64) []byte { return cat([]byte{0x41}, sleb(v)) }

func funcBody(code ...[]byte) []byte {
	b := cat(vec(), cat(code...), []byte{0x0b}) // no locals
	return cat(uleb(uint64(len(b))), b)
}

// dryRunModule is a proxy-wasm 0.2.1 plugin small enough to write by hand, for
// the --run scripts: proxy_on_configure reads the configuration and accepts it
// when it starts with "{" (logging "configured"), else logs an error and refuses;
// proxy_on_response_headers adds "x-dry-run: ok".
func dryRunModule() []byte {
	const (
		call, drop, eqz, brIf, ne, ret, end = 0x10, 0x1a, 0x45, 0x0d, 0x47, 0x0f, 0x0b
	)
	types := section(1, vec(
		[]byte{0x60, 0x00, 0x00},                                     // 0: () -> ()
		[]byte{0x60, 0x01, 0x7f, 0x01, 0x7f},                         // 1: (i32) -> i32
		[]byte{0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f},                   // 2: (i32, i32) -> i32
		[]byte{0x60, 0x02, 0x7f, 0x7f, 0x00},                         // 3: (i32, i32) -> ()
		[]byte{0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f},             // 4: (i32 x3) -> i32
		[]byte{0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f}, // 5: (i32 x5) -> i32
	))
	imp := func(name string, t byte) []byte { return cat(wstr("env"), wstr(name), []byte{0x00, t}) }
	imports := section(2, vec(imp("proxy_log", 4), imp("proxy_get_buffer_bytes", 5), imp("proxy_add_header_map_value", 5)))
	funcs := section(3, vec([]byte{0}, []byte{1}, []byte{3}, []byte{2}, []byte{2}, []byte{4}))
	memory := section(5, vec([]byte{0x00, 0x01}))
	exports := section(7, vec(
		export("proxy_abi_version_0_2_1", 0, 3), export("malloc", 0, 4), export("proxy_on_context_create", 0, 5),
		export("proxy_on_vm_start", 0, 6), export("proxy_on_configure", 0, 7), export("proxy_on_response_headers", 0, 8),
		export("memory", 2, 0)))
	local := func(i byte) []byte { return []byte{0x20, i} }
	logAt := func(level, at, n int64) []byte { return cat(i32(level), i32(at), i32(n), []byte{call, 0, drop}) }
	bad := "the configuration is not a JSON object"
	code := section(10, vec(
		funcBody(),          // proxy_abi_version_0_2_1
		funcBody(i32(4096)), // malloc: one buffer at 4096, read before the next call
		funcBody(),          // proxy_on_context_create
		funcBody(i32(1)),    // proxy_on_vm_start
		funcBody( // proxy_on_configure(root, size)
			i32(7), i32(0), local(1), i32(0), i32(4), []byte{call, 1, drop}, // get_buffer_bytes(PLUGIN_CONFIGURATION, 0, size, &ptr@0, &size@4)
			[]byte{0x02, 0x40}, // block
			local(1), []byte{eqz, brIf, 0},
			i32(0), []byte{0x28, 0x02, 0x00}, []byte{0x2d, 0x00, 0x00}, i32('{'), []byte{ne, brIf, 0},
			logAt(2, 100, 10), i32(1), []byte{ret},
			[]byte{end},
			logAt(4, 200, int64(len(bad))), i32(0)),
		funcBody(i32(2), i32(300), i32(9), i32(310), i32(2), []byte{call, 2, drop}, i32(0)), // proxy_on_response_headers
	))
	seg := func(at int64, s string) []byte { return cat([]byte{0x00}, i32(at), []byte{end}, wstr(s)) }
	data := section(11, vec(seg(100, "configured"), seg(200, bad), seg(300, "x-dry-run"), seg(310, "ok")))
	return module(types, imports, funcs, memory, exports, code, data)
}
