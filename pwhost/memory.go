package pwhost

import (
	"encoding/binary"
	"errors"
	"slices"
)

// memory is the module's linear memory as the host functions see it: every access
// is bounds-checked, so a hostile pointer is a status code, never a crash.
// wazero's api.Memory satisfies it; the fuzz test uses a plain slice.
type memory interface {
	Read(offset, byteCount uint32) ([]byte, bool)
	Write(offset uint32, v []byte) bool
}

// call is what one host function call may touch: the memory, and the module's
// allocator (malloc or proxy_on_memory_allocate) for results handed back.
type call struct {
	mem   memory
	alloc func(size uint32) (uint32, bool)
}

// read copies size bytes at ptr (the module may change its memory later).
func (c call) read(ptr, size uint32) ([]byte, bool) {
	if size == 0 {
		return []byte{}, true
	}
	b, ok := c.mem.Read(ptr, size)
	if !ok {
		return nil, false
	}
	return slices.Clone(b), true
}

func (c call) readString(ptr, size uint32) (string, bool) {
	b, ok := c.read(ptr, size)
	return string(b), ok
}

// stringsAndPairs reads two strings and serialised pairs, each a (pointer, size)
// argument pair: InvalidMemoryAccess if one is out of bounds, BadArgument if the
// pairs are malformed.
func (c call) stringsAndPairs(p1, n1, p2, n2, pp, pn uint64) (a, b string, pairs []Pair, st Status) {
	a, ok1 := c.readString(uint32(p1), uint32(n1))
	b, ok2 := c.readString(uint32(p2), uint32(n2))
	raw, ok3 := c.read(uint32(pp), uint32(pn))
	if !ok1 || !ok2 || !ok3 {
		return "", "", nil, StatusInvalidMemoryAccess
	}
	pairs, err := decodePairs(raw)
	if err != nil {
		return "", "", nil, StatusBadArgument
	}
	return a, b, pairs, StatusOK
}

func (c call) putU32(ptr, v uint32) bool {
	return c.mem.Write(ptr, binary.LittleEndian.AppendUint32(nil, v))
}

func (c call) putU64(ptr uint32, v uint64) bool {
	return c.mem.Write(ptr, binary.LittleEndian.AppendUint64(nil, v))
}

func (c call) getU32(ptr uint32) (uint32, bool) {
	b, ok := c.mem.Read(ptr, 4)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}

// give copies data into memory the module allocates and stores its address and
// size at ptrPtr and sizePtr, as proxy-wasm-cpp-host's WasmBase::copyToPointerSize
// does. Empty data is handed back as a null pointer of size 0.
func (c call) give(data []byte, ptrPtr, sizePtr uint32) Status {
	var p uint32
	if len(data) > 0 {
		if uint64(len(data)) > 1<<32-1 {
			return StatusInvalidMemoryAccess
		}
		var ok bool
		p, ok = c.alloc(uint32(len(data)))
		if !ok || !c.mem.Write(p, data) {
			return StatusInvalidMemoryAccess
		}
	}
	if !c.putU32(ptrPtr, p) || !c.putU32(sizePtr, uint32(len(data))) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// Pair is one header (or metadata) entry, in order.
type Pair struct{ Key, Value string }

// encodePairs serialises pairs as the ABI does: the count, the size of every key
// and value, then each key and value followed by a NUL.
func encodePairs(pairs []Pair) []byte {
	size := 4
	for _, p := range pairs {
		size += 8 + len(p.Key) + len(p.Value) + 2
	}
	b := make([]byte, 0, size)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(pairs)))
	for _, p := range pairs {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p.Key)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p.Value)))
	}
	for _, p := range pairs {
		b = append(b, p.Key...)
		b = append(b, 0)
		b = append(b, p.Value...)
		b = append(b, 0)
	}
	return b
}

var errPairs = errors.New("malformed header pairs")

// decodePairs reads what a module serialised, refusing counts and sizes that do
// not fit the bytes (as proxy-wasm-cpp-host#305 hardened it).
func decodePairs(b []byte) ([]Pair, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) < 4 {
		return nil, errPairs
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	if n > uint64(len(b)-4)/8 {
		return nil, errPairs
	}
	sizes := b[4 : 4+8*n]
	data := b[4+8*n:]
	pairs := make([]Pair, 0, n)
	for i := range n {
		k := uint64(binary.LittleEndian.Uint32(sizes[8*i:]))
		v := uint64(binary.LittleEndian.Uint32(sizes[8*i+4:]))
		if k+1+v+1 > uint64(len(data)) || data[k] != 0 || data[k+1+v] != 0 {
			return nil, errPairs
		}
		pairs = append(pairs, Pair{string(data[:k]), string(data[k+1 : k+1+v])})
		data = data[k+1+v+1:]
	}
	return pairs, nil
}
