// Package typeset resolves the protobuf types of Envoy configuration that wasmgen
// does not link: every Envoy v3 API type go-control-plane has (v3.pb), and the v2
// API of Envoy 1.17 and older with envoy-wasm's v2 Wasm messages (v2.pb). The sets
// are descriptors embedded in the binary and built into a registry on first use only,
// so a process that never meets such a type pays nothing for them (linking the ~500
// Go packages instead would cost every process their package init). gen/gen.sh
// writes them.
package typeset

import (
	_ "embed"
	"errors"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

var (
	//go:embed v3.pb
	v3data []byte
	//go:embed v2.pb
	v2data []byte
)

// A Set is the types of one embedded descriptor set. Opening it reads its index
// (which file declares which messages); a file is built, with the files it imports,
// when one of its messages is first looked up.
type Set struct {
	name string
	data []byte

	once   sync.Once
	err    error
	files  []setFile
	byName map[protoreflect.FullName]int // message → file

	mu    sync.Mutex
	built *protoregistry.Files
	types *protoregistry.Types
}

type setFile struct {
	path string
	deps []int
	raw  []byte // the marshalled FileDescriptorProto
	done bool
}

var (
	// V3 is every Envoy v3 API type of go-control-plane.
	V3 = &Set{name: "v3", data: v3data}
	// V2 is the v2 API (go-control-plane v0.9.9) and envoy-wasm's v2 Wasm.
	V2 = &Set{name: "v2", data: v2data}
)

func (s *Set) open() error {
	s.once.Do(func() { s.err = s.read() })
	return s.err
}

func (s *Set) read() error {
	b := s.data
	idx, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return errors.New("typeset: bad index")
	}
	b = b[n:]
	s.byName = map[protoreflect.FullName]int{}
	for line := range strings.Lines(string(idx)) {
		path, rest, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		deps, names, _ := strings.Cut(rest, "\t")
		f := setFile{path: path}
		for _, d := range strings.Split(deps, ",") {
			if i, err := strconv.Atoi(d); err == nil {
				f.deps = append(f.deps, i)
			}
		}
		raw, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return errors.New("typeset: bad record of " + path)
		}
		f.raw, b = raw, b[n:]
		for _, name := range strings.Fields(names) {
			s.byName[protoreflect.FullName(name)] = len(s.files)
		}
		s.files = append(s.files, f)
	}
	s.built = new(protoregistry.Files)
	s.types = new(protoregistry.Types)
	return nil
}

// buildFile builds file i after the files it imports, and registers its types.
func (s *Set) buildFile(i int) error {
	f := &s.files[i]
	if f.done {
		return nil
	}
	for _, d := range f.deps {
		// A file the binary links is used as it is, not built again.
		if _, err := protoregistry.GlobalFiles.FindFileByPath(s.files[d].path); err == nil {
			continue
		}
		if err := s.buildFile(d); err != nil {
			return err
		}
	}
	var fdp descriptorpb.FileDescriptorProto
	if err := proto.Unmarshal(f.raw, &fdp); err != nil {
		return err
	}
	fd, err := protodesc.NewFile(&fdp, linkedFirst{s.built})
	if err != nil {
		return err
	}
	if err := s.built.RegisterFile(fd); err != nil {
		return err
	}
	register(s.types, fd.Messages())
	exts := fd.Extensions()
	for j := 0; j < exts.Len(); j++ {
		_ = s.types.RegisterExtension(dynamicpb.NewExtensionType(exts.Get(j)))
	}
	f.done = true
	return nil
}

// message finds a message of the set by name, building its file.
func (s *Set) message(name protoreflect.FullName) (protoreflect.MessageType, error) {
	if err := s.open(); err != nil {
		return nil, err
	}
	i, ok := s.byName[name]
	if !ok {
		return nil, errNotFound
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.buildFile(i); err != nil {
		return nil, err
	}
	return s.types.FindMessageByName(name)
}

// extension finds an extension among the files built so far.
func (s *Set) extension(name protoreflect.FullName) (protoreflect.ExtensionType, error) {
	if err := s.open(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.types.FindExtensionByName(name)
}

// names lists the set's messages (for suggestions), without building anything.
func (s *Set) names() []protoreflect.FullName {
	if s.open() != nil {
		return nil
	}
	out := make([]protoreflect.FullName, 0, len(s.byName))
	for n := range s.byName {
		out = append(out, n)
	}
	return out
}

// linkedFirst resolves a file's imports in the linked registry, then in the set.
type linkedFirst struct{ set *protoregistry.Files }

func (r linkedFirst) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	if fd, err := protoregistry.GlobalFiles.FindFileByPath(path); err == nil {
		return fd, nil
	}
	return r.set.FindFileByPath(path)
}

func (r linkedFirst) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if d, err := protoregistry.GlobalFiles.FindDescriptorByName(name); err == nil {
		return d, nil
	}
	return r.set.FindDescriptorByName(name)
}

func register(t *protoregistry.Types, ms protoreflect.MessageDescriptors) {
	for i := 0; i < ms.Len(); i++ {
		m := ms.Get(i)
		_ = t.RegisterMessage(dynamicpb.NewMessageType(m))
		register(t, m.Messages())
	}
}

// Resolver finds message types in the linked registry first (real Go types, which the
// rules and protoc-gen-validate work on), then in each set in turn.
type Resolver []*Set

var errNotFound = protoregistry.NotFound

// FindMessageByName looks a message up by its full name.
func (r Resolver) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	if mt, err := protoregistry.GlobalTypes.FindMessageByName(name); err == nil {
		return mt, nil
	}
	for _, s := range r {
		if mt, err := s.message(name); err == nil || !errors.Is(err, errNotFound) {
			return mt, err
		}
	}
	return nil, errNotFound
}

// FindMessageByURL looks a message up by its type URL (the name after the last '/').
func (r Resolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	name := url
	if i := strings.LastIndexByte(url, '/'); i >= 0 {
		name = url[i+1:]
	}
	return r.FindMessageByName(protoreflect.FullName(name))
}

// FindExtensionByName looks an extension up by its full name.
func (r Resolver) FindExtensionByName(field protoreflect.FullName) (protoreflect.ExtensionType, error) {
	if xt, err := protoregistry.GlobalTypes.FindExtensionByName(field); err == nil {
		return xt, nil
	}
	for _, s := range r {
		if xt, err := s.extension(field); err == nil {
			return xt, nil
		}
	}
	return nil, errNotFound
}

// FindExtensionByNumber looks an extension up by its message and number.
func (r Resolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	return protoregistry.GlobalTypes.FindExtensionByNumber(message, field)
}

// RangeMessages calls f for the linked types and then the sets' (each name once),
// for did-you-mean suggestions. It builds every file of the sets: only for an error.
func (r Resolver) RangeMessages(f func(protoreflect.MessageType) bool) {
	seen := map[protoreflect.FullName]bool{}
	cont := true
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		seen[mt.Descriptor().FullName()] = true
		cont = f(mt)
		return cont
	})
	for _, s := range r {
		for _, n := range s.names() {
			if !cont {
				return
			}
			if seen[n] {
				continue
			}
			seen[n] = true
			if mt, err := s.message(n); err == nil {
				cont = f(mt)
			}
		}
	}
}
