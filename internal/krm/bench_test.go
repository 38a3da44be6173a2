package krm_test

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmgen/wasmgen/internal/krm"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// scaleList is a ResourceList of n items: 100 WasmFilters (one per namespace,
// each selecting one app), and Deployments, Services and ConfigMaps in those
// namespaces, so that each filter matches a few Deployments.
func scaleList(n int) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	const filters = 100
	for i := 0; i < filters; i++ {
		fmt.Fprintf(&b, `- apiVersion: wasmgen.io/v1alpha1
  kind: WasmFilter
  metadata:
    name: filter-%d
    namespace: ns-%d
  spec:
    module:
      image: example.com/filters/f%d@sha256:72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584
      sha256: 72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584
    delivery: hostPath
    config: {header_name: x-filter, header_value: "%d"}
    selector:
      matchLabels: {app: app-%d}
`, i, i, i, i, i%40)
	}
	for i := filters; i < n; i++ {
		ns, app := i%filters, i%40
		switch i % 3 {
		case 0, 1:
			fmt.Fprintf(&b, `- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: app-%d
    namespace: ns-%d
    labels: {app: app-%d}
  spec:
    selector:
      matchLabels: {app: app-%d, instance: "%d"}
    template:
      metadata:
        labels: {app: app-%d, instance: "%d"}
      spec:
        containers:
        - name: main # the service
          image: "registry.example.com/app:%d"
`, i, ns, app, app, i, app, i, i)
		default:
			fmt.Fprintf(&b, `- apiVersion: v1
  kind: Service
  metadata:
    name: svc-%d
    namespace: ns-%d
  spec:
    selector: {app: app-%d}
    ports:
    - port: 80
      targetPort: 8080
`, i, ns, app)
		}
	}
	return []byte(b.String())
}

// identity is the baseline: a kyaml function that changes nothing.
var identity = framework.ResourceListProcessorFunc(func(*framework.ResourceList) error { return nil })

func benchExecute(b *testing.B, p framework.ResourceListProcessor, in []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	peak := watchHeap()
	for i := 0; i < b.N; i++ {
		rw := &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: io.Discard, KeepReaderAnnotations: true}
		if err := framework.Execute(p, rw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
}

// benchFn runs the function as `wasmgen fn` does: Processor.Execute.
func benchFn(b *testing.B, in []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	peak := watchHeap()
	for i := 0; i < b.N; i++ {
		p := &krm.Processor{Options: krm.Options{Dir: b.TempDir()}}
		if err := p.Execute(in, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
}

// watchHeap samples the live heap until the returned func is called, which
// reports the peak: B/op counts allocations, not the memory held at once.
func watchHeap() func() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var mu sync.Mutex
	var max uint64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				metrics.Read(s)
				mu.Lock()
				if v := s[0].Value.Uint64(); v > max {
					max = v
				}
				mu.Unlock()
			}
		}
	}()
	return func() uint64 {
		close(done)
		mu.Lock()
		defer mu.Unlock()
		return max
	}
}

// BenchmarkScale compares wasmgen fn with the identity function on a 5,000-item
// list (~1.4 MB) with 100 filters, and on twice that (time must at most double).
// Goals: ≤ 1.3× the identity's time, ≤ 1.2× its peak heap. wasmgen-kyaml is the
// same processor under framework.Execute (every item re-encoded), for reference.
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{5000, 10000} {
		in := scaleList(n)
		b.Run(fmt.Sprintf("identity/items=%d", n), func(b *testing.B) { benchExecute(b, identity, in) })
		b.Run(fmt.Sprintf("wasmgen/items=%d", n), func(b *testing.B) { benchFn(b, in) })
		b.Run(fmt.Sprintf("wasmgen-kyaml/items=%d", n), func(b *testing.B) {
			benchExecute(b, krm.Framework(&krm.Processor{Options: krm.Options{Dir: b.TempDir()}}), in)
		})
	}
}

// TestScaleList keeps the benchmark's input honest: its size and that every
// filter patches its workloads.
func TestScaleList(t *testing.T) {
	in := scaleList(5000)
	if len(in) < 1_200_000 || len(in) > 1_700_000 {
		t.Errorf("scale list is %d bytes, want ~1.4 MB", len(in))
	}
	if !krm.Splits(in) {
		t.Fatal("Execute hands the scale list to kyaml whole: the benchmark would measure that")
	}
	p := &krm.Processor{Options: krm.Options{Dir: t.TempDir()}}
	var out bytes.Buffer
	if err := p.Execute(in, &out); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "kind: EnvoyFilter"); got != 100 {
		t.Errorf("%d EnvoyFilters, want 100", got)
	}
	if got := strings.Count(out.String(), "sidecar.istio.io/userVolume:"); got == 0 {
		t.Error("no workload was patched")
	}
}

// TestExecuteScaleList: on the scale list as kustomize would send it (kyaml's
// own encoding), Execute writes exactly what framework.Execute writes, ~300
// patched workloads and 100 EnvoyFilters included.
func TestExecuteScaleList(t *testing.T) {
	var canonical bytes.Buffer
	if err := framework.Execute(identity, &kio.ByteReadWriter{Reader: bytes.NewReader(scaleList(1000)), Writer: &canonical, KeepReaderAnnotations: true}); err != nil {
		t.Fatal(err)
	}
	var want, got bytes.Buffer
	p := &krm.Processor{Options: krm.Options{Dir: t.TempDir()}}
	if err := framework.Execute(krm.Framework(p), &kio.ByteReadWriter{Reader: bytes.NewReader(canonical.Bytes()), Writer: &want, KeepReaderAnnotations: true}); err != nil {
		t.Fatal(err)
	}
	p = &krm.Processor{Options: krm.Options{Dir: t.TempDir()}}
	if err := p.Execute(canonical.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		w, g := strings.Split(want.String(), "\n"), strings.Split(got.String(), "\n")
		for i := range min(len(w), len(g)) {
			if w[i] != g[i] {
				t.Fatalf("line %d differs: kyaml %q, Execute %q", i+1, w[i], g[i])
			}
		}
		t.Fatalf("%d lines, kyaml %d", len(g), len(w))
	}
	if !strings.Contains(got.String(), "sidecar.istio.io/userVolume") {
		t.Fatal("nothing patched")
	}
}
