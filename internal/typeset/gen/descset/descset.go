// Package descset writes a descriptor set in the layout internal/typeset reads
// (see ../gen.sh): every file the linked packages register, with the files they
// import, in dependency order: an index (one line per file: path, the indexes of
// the files it imports, the messages it declares), then each FileDescriptorProto
// marshalled deterministically, length-prefixed: the same dependencies give the
// same bytes, and a reader can build one file without the rest. Not compressed:
// reading the set costs a process nothing but the bytes' place in the binary.
// Its own module, shared by v2/ and v3/, which are modules of their own because
// go-control-plane's v2 and v3 releases cannot share a build.
package descset

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Write writes to out every file the linked packages register, plus extra.
func Write(out string, extra []protoreflect.FileDescriptor) error {
	var files []protoreflect.FileDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(f protoreflect.FileDescriptor) bool {
		files = append(files, f)
		return true
	})
	files = append(files, extra...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path() < files[j].Path() })
	var order []protoreflect.FileDescriptor
	index := map[string]int{}
	var add func(f protoreflect.FileDescriptor)
	add = func(f protoreflect.FileDescriptor) {
		if _, ok := index[f.Path()]; ok {
			return
		}
		imps := f.Imports()
		for i := 0; i < imps.Len(); i++ {
			add(imps.Get(i).FileDescriptor)
		}
		index[f.Path()] = len(order)
		order = append(order, f)
	}
	for _, f := range files {
		add(f)
	}
	var idx, recs bytes.Buffer
	for _, f := range order {
		var deps []string
		imps := f.Imports()
		for i := 0; i < imps.Len(); i++ {
			deps = append(deps, strconv.Itoa(index[imps.Get(i).Path()]))
		}
		var names []string
		var walk func(ms protoreflect.MessageDescriptors)
		walk = func(ms protoreflect.MessageDescriptors) {
			for i := 0; i < ms.Len(); i++ {
				names = append(names, string(ms.Get(i).FullName()))
				walk(ms.Get(i).Messages())
			}
		}
		walk(f.Messages())
		fmt.Fprintf(&idx, "%s\t%s\t%s\n", f.Path(), strings.Join(deps, ","), strings.Join(names, " "))
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(protodesc.ToFileDescriptorProto(f))
		if err != nil {
			return err
		}
		recs.Write(protowire.AppendBytes(nil, b))
	}
	b := append(protowire.AppendBytes(nil, idx.Bytes()), recs.Bytes()...)
	fmt.Fprintf(os.Stderr, "%s: %d files, %d bytes\n", out, len(order), len(b))
	return os.WriteFile(out, b, 0o644)
}
