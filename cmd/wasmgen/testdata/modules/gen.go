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
		"abort.wasm": proxyModule("proxy_abi_version_0_2_1", importFunc("env", "abort")),
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
