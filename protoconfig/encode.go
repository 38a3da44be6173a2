package protoconfig

import (
	"bytes"
	"encoding/json"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// decode parses config JSON into a dynamic message of md, resolving Any through
// md's own files, as Check does.
func decode(md protoreflect.MessageDescriptor, js []byte) (*dynamicpb.Message, *protoregistry.Types, error) {
	types := typesFor(md)
	m := dynamicpb.NewMessage(md)
	if err := (protojson.UnmarshalOptions{Resolver: types}).Unmarshal(js, m); err != nil {
		return nil, nil, err
	}
	return m, types, nil
}

// Canonical returns the proto3 canonical JSON of a config (lowerCamel names,
// int64 as strings, defaults omitted), compacted: protojson's own output varies
// its whitespace from run to run on purpose.
func Canonical(md protoreflect.MessageDescriptor, js []byte) ([]byte, error) {
	m, types, err := decode(md, js)
	if err != nil {
		return nil, err
	}
	out, err := protojson.MarshalOptions{Resolver: types}.Marshal(m)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Compact(&b, out); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Binary returns the config as deterministic binary protobuf, for a
// google.protobuf.BytesValue configuration.
func Binary(md protoreflect.MessageDescriptor, js []byte) ([]byte, error) {
	m, _, err := decode(md, js)
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}
