package main

import (
	"context"
	_ "embed"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// extra compiles envoy-wasm's v2 Wasm messages, which go-control-plane lacks, against
// the v2 core types it has.
func extra() []protoreflect.FileDescriptor {
	c := protocompile.Compiler{Resolver: protocompile.CompositeResolver{
		&protocompile.SourceResolver{ImportPaths: []string{"."}},
		protocompile.ResolverFunc(func(path string) (protocompile.SearchResult, error) {
			fd, err := protoregistry.GlobalFiles.FindFileByPath(path)
			if err != nil {
				return protocompile.SearchResult{}, err
			}
			return protocompile.SearchResult{Proto: protodesc.ToFileDescriptorProto(fd)}, nil
		}),
	}}
	files, err := c.Compile(context.Background(), "wasm.proto", "wasm_filters.proto", "wasm_network.proto")
	if err != nil {
		panic(err)
	}
	out := make([]protoreflect.FileDescriptor, len(files))
	for i, f := range files {
		out[i] = f
	}
	return out
}
