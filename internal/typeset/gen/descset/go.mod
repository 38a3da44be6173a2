module github.com/wasmgen/wasmgen/internal/typeset/gen/descset

go 1.26.0

require google.golang.org/protobuf v1.34.2
