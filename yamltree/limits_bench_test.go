package yamltree

import (
	"strings"
	"testing"
)

// Each refusal must be quick and small whatever the input: these benchmarks
// measure time and allocations of refusing hostile input (figures in the issue notes).

func BenchmarkRefuseDeepNesting(b *testing.B) {
	src := []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000))
	b.ReportAllocs()
	for b.Loop() {
		if _, l := ParseDocuments("deep.yaml", src, DefaultLimits); !l.HasErrors() {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkRefuseManyDocuments(b *testing.B) {
	src := []byte(strings.Repeat("a: 1\n---\n", 20000))
	b.ReportAllocs()
	for b.Loop() {
		if _, l := ParseDocuments("many.yaml", src, DefaultLimits); !l.HasErrors() {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkRefuseOversize(b *testing.B) {
	src := make([]byte, DefaultLimits.MaxBytes+1)
	b.ReportAllocs()
	for b.Loop() {
		if _, l := ParseDocuments("big.yaml", src, DefaultLimits); !l.HasErrors() {
			b.Fatal("accepted")
		}
	}
}
