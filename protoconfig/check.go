package protoconfig

import (
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/protocheck"
	"github.com/wasmgen/wasmgen/yamltree"
)

// CodeYAML marks YAML with no JSON form (yamltree's transcoder refuses it).
const CodeYAML = yamltree.CodeYAML

// Codes of config checks: protocheck's, under which Check runs.
const (
	CodeUnknownField   = protocheck.CodeUnknownField
	CodeDuplicateField = protocheck.CodeDuplicateField
	CodeOneof          = protocheck.CodeOneof
	CodeType           = protocheck.CodeType
	CodeInt            = protocheck.CodeInt
	CodeUnsigned       = protocheck.CodeUnsigned
	CodeFloat          = protocheck.CodeFloat
	CodeEnum           = protocheck.CodeEnum
	CodeBytes          = protocheck.CodeBytes
	CodeMapKey         = protocheck.CodeMapKey
	CodeDuration       = protocheck.CodeDuration
	CodeTimestamp      = protocheck.CodeTimestamp
	CodeFieldMask      = protocheck.CodeFieldMask
	CodeAny            = protocheck.CodeAny
	CodeRequired       = protocheck.CodeRequired
	CodeAuthority      = protocheck.CodeAuthority
)

// Check validates a YAML config against md exactly as protojson.Unmarshal into a
// dynamicpb message would decide, but reports every violation at its YAML
// position with the field path (path is the config's own path, e.g. "spec.config").
// protojson still runs last; if it rejects a config the walker passed, its error
// is reported at the config's root.
func Check(md protoreflect.MessageDescriptor, config *yaml.Node, file string, path string) diag.List {
	res, v, types := walk(md, config, file, path)
	l := res.Findings
	if v != nil && !l.HasErrors() {
		if err := unmarshal(md, v.AppendJSON(nil), types); err != nil {
			l.Errorf(yamltree.Pos(file, v.Node), path, CodeAuthority, "protojson rejects the config: %v", err)
		}
	}
	l.Sort()
	return l
}

// walk is Check without protojson's final word: the differential test compares the
// two. The value is nil when the YAML has no JSON form.
func walk(md protoreflect.MessageDescriptor, config *yaml.Node, file, path string) (*protocheck.Result, *yamltree.Value, *protoregistry.Types) {
	types := typesFor(md)
	v, errs := yamltree.Convert(config, file, path, yamltree.DefaultLimits)
	if errs.HasErrors() {
		return &protocheck.Result{Findings: errs}, nil, types
	}
	return protocheck.Check(md, v, file, path, &protocheck.Parser{Types: types}), v, types
}

func unmarshal(md protoreflect.MessageDescriptor, js []byte, types *protoregistry.Types) error {
	m := dynamicpb.NewMessage(md)
	return protojson.UnmarshalOptions{Resolver: types}.Unmarshal(js, m)
}

// ToJSON renders a YAML config as JSON text with the user's keys, key order and
// values (yamltree.ToJSON).
func ToJSON(config *yaml.Node) ([]byte, error) { return yamltree.ToJSON(config) }
