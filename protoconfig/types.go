package protoconfig

import (
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// typesFor returns the registry an Any in a config may name: every message and
// extension of md's file and its transitive imports, plus the well-known types.
// Check and protojson both resolve through it, so they agree on what resolves.
func typesFor(md protoreflect.MessageDescriptor) *protoregistry.Types {
	t := new(protoregistry.Types)
	seen := map[string]bool{}
	var addFile func(f protoreflect.FileDescriptor)
	addFile = func(f protoreflect.FileDescriptor) {
		if seen[f.Path()] {
			return
		}
		seen[f.Path()] = true
		imps := f.Imports()
		for i := 0; i < imps.Len(); i++ {
			addFile(imps.Get(i).FileDescriptor)
		}
		addMessages(t, f.Messages())
		addExtensions(t, f.Extensions())
	}
	if md != nil {
		addFile(md.ParentFile())
	}
	for _, f := range []protoreflect.FileDescriptor{
		anypb.File_google_protobuf_any_proto, durationpb.File_google_protobuf_duration_proto,
		emptypb.File_google_protobuf_empty_proto, fieldmaskpb.File_google_protobuf_field_mask_proto,
		structpb.File_google_protobuf_struct_proto, timestamppb.File_google_protobuf_timestamp_proto,
		wrapperspb.File_google_protobuf_wrappers_proto,
	} {
		addFile(f)
	}
	return t
}

func addMessages(t *protoregistry.Types, ms protoreflect.MessageDescriptors) {
	for i := 0; i < ms.Len(); i++ {
		m := ms.Get(i)
		if _, err := t.FindMessageByName(m.FullName()); err != nil {
			_ = t.RegisterMessage(dynamicpb.NewMessageType(m))
		}
		addMessages(t, m.Messages())
		addExtensions(t, m.Extensions())
	}
}

func addExtensions(t *protoregistry.Types, xs protoreflect.ExtensionDescriptors) {
	for i := 0; i < xs.Len(); i++ {
		_ = t.RegisterExtension(dynamicpb.NewExtensionType(xs.Get(i)))
	}
}
