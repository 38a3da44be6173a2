package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// benchInput is bench/envoyfilter.yaml repeated n times, each copy with its own name
// and vm_id, as scripts/bench.sh builds it for the whole-process comparison.
func benchInput(b *testing.B, n int) []byte {
	b.Helper()
	one, err := os.ReadFile("../../bench/envoyfilter.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for i := 1; i <= n; i++ {
		if i > 1 {
			buf.WriteString("---\n")
		}
		doc := strings.Replace(string(one), "  name: add-header\n", fmt.Sprintf("  name: add-header-%d\n", i), 1)
		doc = strings.Replace(doc, "vm_id: bookinfo.add-header\n", fmt.Sprintf("vm_id: bookinfo.add-header-%d\n", i), 1)
		// Each its own priority: equal ones are a finding (istiod orders them by creation time).
		doc = strings.Replace(doc, "  priority: 10\n", fmt.Sprintf("  priority: %d\n", 10+i), 1)
		buf.WriteString(doc)
	}
	return buf.Bytes()
}

func benchmarkValidate(b *testing.B, n int) {
	in := benchInput(b, n)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		var out bytes.Buffer
		if code := run([]string{"validate", "-"}, bytes.NewReader(in), &out, io.Discard); code != exitOK || out.Len() > 0 {
			b.Fatalf("the input must be clean (the time of reporting findings is another benchmark); exit %d:\n%.2000s", code, out.String())
		}
	}
}

// In-process cost of validate: reading, parsing, every check, writing; process
// start-up (package init) is measured by scripts/bench.sh.
func BenchmarkValidate1(b *testing.B)    { benchmarkValidate(b, 1) }
func BenchmarkValidate1000(b *testing.B) { benchmarkValidate(b, 1000) }
