package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/protoconfig"
	"github.com/wasmgen/wasmgen/schema"
)

func runSchema(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("schema")
	proto := fs.String("proto", "", "print the schema of a config message from this .proto file instead of the spec's")
	message := fs.String("message", "", "the config message (short or fully qualified name); with --proto")
	importPaths := fs.StringArray("import-path", nil, "extra proto import root (repeatable); with --proto")
	draft := fs.String("draft", "2020-12", "JSON Schema draft: 2020-12 or 07 (editors' YAML language servers speak 07)")
	crd := fs.Bool("crd", false, "print a CustomResourceDefinition for WasmFilter instead")
	root := fs.String("root", "", "directory that proto imports must stay inside (default: the working directory)")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, fs, "unexpected argument %q", fs.Arg(0))
	}
	if *draft != "2020-12" && *draft != "07" {
		return usageError(stderr, fs, "invalid --draft %q; expected 2020-12 or 07", *draft)
	}
	if (*proto == "") != (*message == "") {
		return usageError(stderr, fs, "--proto and --message go together")
	}
	if *crd && *proto != "" {
		return usageError(stderr, fs, "--crd describes the WasmFilter spec; it does not take --proto")
	}
	var b []byte
	var err error
	switch {
	case *crd:
		b, err = schema.CRD()
	case *proto != "":
		r, rerr := load.NewRoot(*root)
		if rerr != nil {
			return usageError(stderr, fs, "%v", rerr)
		}
		dir, _ := filepath.Abs(".")
		loader := func(p string) ([]byte, error) {
			b, _, err := r.ReadFile(dir, p)
			return b, err
		}
		md, l := protoconfig.Compile(loader, *proto, *importPaths, *message)
		for i := range l {
			l[i].Path = "" // no spec here: the flags named the proto and message
		}
		if code := printFindings(stderr, l, false); code != exitOK || md == nil {
			return exitInvalid
		}
		b, err = protoconfig.JSONSchema(md, *draft)
	default:
		b, err = schema.JSONSchema(*draft)
	}
	if err != nil {
		return internalError(stderr, err)
	}
	if _, err := stdout.Write(b); err != nil {
		fmt.Fprintf(stderr, "wasmgen schema: %v\n", err)
		return exitInvalid
	}
	return exitOK
}
