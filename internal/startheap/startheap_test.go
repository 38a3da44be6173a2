package startheap

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// gcPercent reads GOGC as the runtime has it.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

func TestFirstCollectionRestoresDefault(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	start(func(string) string { return "" })
	if p := gcPercent(); p != startGOGC {
		t.Fatalf("GOGC %d after start, want %d", p, startGOGC)
	}
	// Cleanups run on their own goroutine after the collection that finds the
	// sentinel unreachable.
	for range 200 {
		runtime.GC()
		if gcPercent() == 100 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("GOGC still %d after collections, want 100", gcPercent())
}

func TestGOGCInEnvironmentIsLeftAlone(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	start(func(k string) string {
		if k == "GOGC" {
			return "150"
		}
		return ""
	})
	if p := gcPercent(); p != 150 {
		t.Fatalf("GOGC %d, want the environment's 150 kept", p)
	}
}
