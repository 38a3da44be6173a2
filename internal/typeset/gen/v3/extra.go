package main

import "google.golang.org/protobuf/reflect/protoreflect"

// extra: the v3 set is what go-control-plane registers, nothing more.
func extra() []protoreflect.FileDescriptor { return nil }
