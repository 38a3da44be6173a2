package compile

import (
	"fmt"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/module"
	"github.com/wasmgen/wasmgen/schema"
)

// Codes of the import check (issue 17); internal/dryrun has --run's.
const (
	CodeHostImport  = "WG4004" // the proxy's Wasm host lacks an import, or the allocator export is missing: Envoy fails the filter
	CodeHostWarning = "WG4005" // the host will do otherwise than the module expects
)

// HostEnvoy is the Envoy whose Wasm host loads the module: the bootstrap's for
// --target envoy, else the proxy's of --istio-version (an older host, so the
// stricter check when all targets are rendered).
func HostEnvoy(o generate.Options) compat.Envoy {
	if o.Target == generate.TargetEnvoy && o.Envoy != 0 {
		return o.Envoy
	}
	return o.Istio.Envoy()
}

// hostFindings is module.CheckHost as findings on spec.module.path.
func hostFindings(doc *schema.Document, path, file string, info *module.Info, o generate.Options) diag.List {
	var l diag.List
	envoy := HostEnvoy(o)
	for _, p := range module.CheckHost(info, envoy) {
		f := diag.Finding{Pos: doc.Pos(path), Path: path, Severity: diag.Warning, Code: CodeHostWarning,
			Msg: fmt.Sprintf("%s: Envoy %s: %s: %s", file, envoy, p.Envoy, p.Cause)}
		if p.Error {
			f.Severity, f.Code = diag.Error, CodeHostImport
		}
		l.Add(f)
	}
	return l
}
