package protoconfig

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

func mapLoader(files map[string]string) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
}

func TestCompile(t *testing.T) {
	files := map[string]string{
		"f/filter.proto": `syntax = "proto3"; package a.b; import "dep.proto"; import "lib/x.proto"; import "google/protobuf/duration.proto";
message Config { Dep d = 1; X x = 2; google.protobuf.Duration t = 3; message Inner {} }
message Other { message Inner {} }`,
		"f/dep.proto":        `syntax = "proto3"; package a.b; message Dep {}`,
		"vendor/lib/x.proto": `syntax = "proto3"; package a.b; message X {}`,
	}
	load := mapLoader(files)
	for _, tc := range []struct{ msg, want, code string }{
		{"Config", "a.b.Config", ""},
		{"a.b.Config", "a.b.Config", ""},
		{".a.b.Config", "a.b.Config", ""},
		{"Config.Inner", "a.b.Config.Inner", ""},
		{"Dep", "", CodeMessageNotFound}, // short names search the filter's own file
		{"a.b.Dep", "a.b.Dep", ""},       // full names reach imports
		{"Inner", "", CodeMessageAmbig},
		{"Confg", "", CodeMessageNotFound},
	} {
		md, fs := Compile(load, "f/filter.proto", []string{"vendor"}, tc.msg)
		if tc.code == "" {
			if fs.HasErrors() || md == nil || string(md.FullName()) != tc.want {
				t.Errorf("%s: got %v, %v", tc.msg, md, fs)
			}
			continue
		}
		if md != nil || len(fs) != 1 || fs[0].Code != tc.code {
			t.Errorf("%s: got %v, want %s", tc.msg, fs, tc.code)
		}
	}
	_, fs := Compile(load, "f/filter.proto", []string{"vendor"}, "Confg")
	if h := fs[0].Hint; !strings.Contains(h, `did you mean "Config"?`) || !strings.Contains(h, "a.b.Config, a.b.Config.Inner, a.b.Other") {
		t.Errorf("hint: %q", h)
	}
	// Without the import path, the import is reported where it is written.
	_, fs = Compile(load, "f/filter.proto", nil, "Config")
	if !fs.HasErrors() || fs[0].Pos.String() != "f/filter.proto:1:60" || fs[0].Code != CodeProtoCompile {
		t.Errorf("missing import: %v", fs)
	}
}

func TestCompileErrors(t *testing.T) {
	md, fs := Compile(osLoader, "testdata/broken.proto", nil, "Config")
	if md != nil {
		t.Fatal("broken proto compiled")
	}
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String() + "\n")
	}
	golden(t, "errors/broken-proto.txt", []byte(b.String()))
	if len(fs) < 2 {
		t.Errorf("want every error, got %v", fs)
	}
	_, fs = Compile(osLoader, "testdata/nope.proto", nil, "Config")
	if len(fs) != 1 || fs[0].Code != CodeProtoLoad {
		t.Errorf("missing file: %v", fs)
	}
}

func TestCompileImportDepth(t *testing.T) {
	files := map[string]string{}
	const n = 40
	for i := 0; i < n; i++ {
		imp := ""
		if i+1 < n {
			imp = fmt.Sprintf(`import "p%d.proto";`, i+1)
		}
		files[fmt.Sprintf("p%d.proto", i)] = fmt.Sprintf(`syntax = "proto3"; %s message M%d {}`, imp, i)
	}
	if _, fs := CompileDepth(mapLoader(files), "p0.proto", nil, "M0", 64); fs.HasErrors() {
		t.Fatalf("depth 40 under limit 64: %v", fs)
	}
	_, fs := CompileDepth(mapLoader(files), "p0.proto", nil, "M0", 32)
	if len(fs) != 1 || fs[0].Code != CodeImportDepth || fs[0].Pos.String() != "p32.proto:1:20" {
		t.Errorf("got %v", fs)
	}
}

func TestExampleProto(t *testing.T) {
	md := mustCompile(t, "../examples/add-header/filter.proto", "Config")
	if md.FullName() != "filter.add_header.v1.Config" || md.Fields().Len() != 2 {
		t.Errorf("got %s", md.FullName())
	}
	if fs := Check(md, parseYAML(t, "header_name: hello\nheader_value: world!\n"), "s.yaml", "spec.config"); len(fs) != 0 {
		t.Errorf("article's config rejected: %v", fs)
	}
}
