package pwhost

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// sliceMemory is linear memory as a plain slice, for the fuzz target.
type sliceMemory []byte

func (m sliceMemory) Read(off, n uint32) ([]byte, bool) {
	if uint64(off)+uint64(n) > uint64(len(m)) {
		return nil, false
	}
	return m[off : off+n], true
}

func (m sliceMemory) Write(off uint32, v []byte) bool {
	if uint64(off)+uint64(len(v)) > uint64(len(m)) {
		return false
	}
	copy(m[off:], v)
	return true
}

// fuzzVM is a VM in the middle of a stream, with every map and buffer handed out,
// without a module: host functions that would call back into it (the allocator)
// get a bump allocator over the same memory.
func fuzzVM() *VM {
	vm := &VM{
		contexts: map[uint32]uint32{1: 0, 2: 1}, properties: map[string][]byte{"a": []byte("b")},
		shared: map[string]*sharedValue{}, ticks: map[uint32]uint32{}, nextID: 3, nextToken: 1,
		rng: rand.NewChaCha8([32]byte{}), root: 1, current: 2, report: &StartReport{},
		stream: &streamState{id: 2, resumed: map[StreamType]bool{}},
		plugin: Plugin{Configuration: []byte("cfg"), Env: map[string]string{"A": "1"}},
	}
	vm.logs = &vm.report.Logs
	h := []Pair{{":path", "/"}, {"x", "y"}}
	vm.maps = map[MapType]*[]Pair{}
	for t := range maxMapType + 1 {
		c := slices.Clone(h)
		vm.maps[t] = &c
	}
	vm.buffers = map[BufferType][]byte{}
	for t := range maxBufferType + 1 {
		vm.buffers[t] = []byte("body")
	}
	vm.reqHeaders = vm.maps[MapRequestHeaders]
	return vm
}

// FuzzHostCalls calls every host function with arbitrary arguments over an
// arbitrary memory: a hostile module must get status codes, never crash the host.
func FuzzHostCalls(f *testing.F) {
	names := make([]string, 0, len(hostFunctions()))
	for n := range hostFunctions() {
		names = append(names, n)
	}
	sort.Strings(names)
	seed := make([]byte, 64)
	binary.LittleEndian.PutUint32(seed[4:], 8)
	f.Add(uint8(0), seed, []byte("\x02\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00a\x00b\x00c\x00d\x00"))
	f.Add(uint8(3), []byte{0xff, 0xff, 0xff, 0xff}, []byte{})
	f.Fuzz(func(t *testing.T, which uint8, args, mem []byte) {
		if len(mem) > 1<<16 {
			mem = mem[:1<<16]
		}
		memory := make(sliceMemory, len(mem)+256)
		copy(memory, mem)
		next := uint32(len(mem))
		c := call{mem: memory, alloc: func(size uint32) (uint32, bool) {
			if uint64(next)+uint64(size) > uint64(len(memory)) {
				return 0, false
			}
			p := next
			next += size
			return p, true
		}}
		name := names[int(which)%len(names)]
		fn := hostFunctions()[name]
		stack := make([]uint64, max(len(fn.params), len(fn.results), 1))
		for i := range fn.params {
			if len(args) >= 4*(i+1) {
				stack[i] = uint64(binary.LittleEndian.Uint32(args[4*i:]))
			}
		}
		vm := fuzzVM()
		fn.fn(vm, c, stack)
		// Twice, with state the first call left (a queue, a shared value, a callout).
		fn.fn(vm, c, stack)
	})
}

// FuzzPairs decodes arbitrary bytes as header pairs; what decodes re-encodes to the
// same bytes.
func FuzzPairs(f *testing.F) {
	f.Add(encodePairs([]Pair{{"a", "b"}, {":path", "/x"}}))
	f.Add([]byte("\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pairs, err := decodePairs(b)
		if err != nil || len(b) == 0 {
			return
		}
		if got := encodePairs(pairs); string(got) != string(b[:len(got)]) {
			t.Fatalf("round trip: % x -> %q -> % x", b, pairs, got)
		}
	})
}

func TestDecodePairs(t *testing.T) {
	in := []Pair{{"a", "b"}, {"", ""}, {":path", "/x?y"}}
	got, err := decodePairs(encodePairs(in))
	if err != nil || !slices.Equal(got, in) {
		t.Fatalf("round trip %q, %v", got, err)
	}
	for _, bad := range [][]byte{
		{1, 0, 0},
		{1, 0, 0, 0},                         // one pair, no sizes
		{1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0}, // a key longer than the data
		{1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 'a', 'x', 0}, // no NUL after the key
		{0xff, 0xff, 0xff, 0x7f},
	} {
		if _, err := decodePairs(bad); err == nil {
			t.Errorf("decodePairs(% x) accepted", bad)
		}
	}
}
