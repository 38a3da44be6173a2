// Package startheap lets a wasmgen process grow its heap to 16 MiB before its
// first garbage collection, as the Go compiler does for itself
// (cmd/compile/internal/base/startheap.go). Checking one file allocates ~4 MiB in
// all, package init included; the collection that Go's 4 MiB minimum heap starts
// there costs ~10% of the process's wall time (measured with scripts/bench.sh). After
// that first collection GOGC is back to its default, so a large input's heap is
// bounded as always. A GOGC in the environment is left alone.
//
// main imports it for its init, which must run before package init has
// allocated 4 MiB: the package depends only on the runtime, so it runs early.
package startheap

import (
	"os"
	"runtime"
	"runtime/debug"
)

// startGOGC makes the minimum heap 4 MiB × 400/100 = 16 MiB.
const startGOGC = 400

func init() { start(os.Getenv) }

func start(getenv func(string) string) {
	if getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(startGOGC)
	// The sentinel is garbage from here on: the first collection finds it and its
	// cleanup puts GOGC back.
	runtime.AddCleanup(new(sentinel), func(int) { debug.SetGCPercent(100) }, 0)
}

// sentinel is large enough not to share a tiny-allocator block, whose cleanups
// can be delayed by its neighbours.
type sentinel struct{ _ [32]byte }
