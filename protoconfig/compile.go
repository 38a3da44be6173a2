// Package protoconfig makes a filter's filter.proto the contract for its config:
// it compiles the proto at run time, checks a YAML config against a message with
// the proto3 JSON rules protojson applies (reporting every violation at its YAML
// line:col), converts the config to the bytes the plugin receives, and derives a
// JSON Schema for editors.
//
// The package is pure: files arrive through a loader func supplied by the caller.
package protoconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/ast"
	"github.com/bufbuild/protocompile/parser"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/wasmgen/wasmgen/diag"
)

// Finding codes of this package (WG3000–WG3099).
const (
	CodeProtoCompile    = "WG3000" // the proto does not compile
	CodeImportDepth     = "WG3001" // imports nest deeper than the limit
	CodeMessageNotFound = "WG3002" // no message of that name
	CodeMessageAmbig    = "WG3003" // a short name matches several messages
	CodeProtoLoad       = "WG3004" // the proto file itself cannot be read
)

// DefaultMaxImportDepth bounds import chains; real filter protos nest a few levels.
const DefaultMaxImportDepth = 32

// Loader returns the content of a file named by a slash-separated path.
// A missing file should be reported with an error wrapping fs.ErrNotExist.
type Loader func(path string) ([]byte, error)

// Compile compiles protoFile (and its imports) and returns the named message.
// Imports resolve against the proto's own directory, then each import path, then
// Google's standard imports. message is a short name ("Config") or a full one
// ("my.pkg.Config", a leading dot allowed).
func Compile(loader func(path string) ([]byte, error), protoFile string, importPaths []string, message string) (protoreflect.MessageDescriptor, diag.List) {
	return CompileDepth(loader, protoFile, importPaths, message, DefaultMaxImportDepth)
}

// CompileDepth is Compile with an explicit import depth limit.
func CompileDepth(loader func(path string) ([]byte, error), protoFile string, importPaths []string, message string, maxDepth int) (protoreflect.MessageDescriptor, diag.List) {
	var findings diag.List
	root := path.Clean(protoFile)
	dir := path.Dir(root)
	rootName := path.Base(root)

	src, err := loader(root)
	if err != nil {
		findings.Add(diag.Finding{Pos: diag.Pos{File: protoFile}, Severity: diag.Error, Code: CodeProtoLoad,
			Msg: fmt.Sprintf("cannot read proto file %s: %v", protoFile, err), Hint: "check configSchema.proto"})
		return nil, findings
	}

	r := &resolver{loader: loader, roots: append([]string{dir}, cleanAll(importPaths)...),
		rootName: rootName, rootPath: root, rootSrc: src, found: map[string]string{rootName: root}, cache: map[string][]byte{}}

	if f := r.checkDepth(rootName, maxDepth); f != nil {
		findings.Add(*f)
		return nil, findings
	}

	comp := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(r),
		SourceInfoMode: protocompile.SourceInfoStandard,
		Reporter: reporter.NewReporter(func(e reporter.ErrorWithPos) error {
			findings.Add(r.finding(e))
			return nil // keep going: report every error
		}, nil),
	}
	files, err := comp.Compile(context.Background(), rootName)
	if err != nil {
		if !findings.HasErrors() {
			var ewp reporter.ErrorWithPos
			if errors.As(err, &ewp) {
				findings.Add(r.finding(ewp))
			} else {
				findings.Add(diag.Finding{Pos: diag.Pos{File: protoFile}, Severity: diag.Error, Code: CodeProtoCompile, Msg: err.Error()})
			}
		}
		findings.Sort()
		return nil, findings
	}
	md, f := findMessage(files[0], message)
	if f != nil {
		f.Pos = diag.Pos{File: protoFile}
		f.Path = "spec.configSchema.message"
		findings.Add(*f)
		return nil, findings
	}
	return md, findings
}

func cleanAll(ps []string) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, path.Clean(p))
	}
	return out
}

// resolver serves sources through the caller's loader and remembers, for each
// import name, the loader path it came from, so findings name a file the user can open.
type resolver struct {
	loader   func(string) ([]byte, error)
	roots    []string
	rootName string
	rootPath string
	rootSrc  []byte

	mu    sync.Mutex
	found map[string]string // import name -> loader path
	cache map[string][]byte
}

// load finds an import name under the roots. ok is false when no root has it.
func (r *resolver) load(name string) ([]byte, bool, error) {
	if name == r.rootName {
		return r.rootSrc, true, nil
	}
	r.mu.Lock()
	if b, ok := r.cache[name]; ok {
		r.mu.Unlock()
		return b, true, nil
	}
	r.mu.Unlock()
	if isStandardImport(name) {
		return nil, false, nil // always Google's copy
	}
	var firstErr error
	for _, root := range r.roots {
		p := path.Join(root, name)
		b, err := r.loader(p)
		if err == nil {
			r.mu.Lock()
			r.cache[name] = b
			r.found[name] = p
			r.mu.Unlock()
			return b, true, nil
		}
		if !errors.Is(err, fs.ErrNotExist) && firstErr == nil {
			firstErr = err
		}
	}
	return nil, false, firstErr
}

func (r *resolver) FindFileByPath(name string) (protocompile.SearchResult, error) {
	b, ok, err := r.load(name)
	if err != nil {
		return protocompile.SearchResult{}, err
	}
	if !ok {
		return protocompile.SearchResult{}, fs.ErrNotExist
	}
	return protocompile.SearchResult{Source: bytes.NewReader(b)}, nil
}

func isStandardImport(name string) bool {
	return strings.HasPrefix(name, "google/protobuf/")
}

// checkDepth walks the import graph breadth-first (parsing only) and refuses
// chains deeper than max, pointing at the import that goes too far.
func (r *resolver) checkDepth(rootName string, max int) *diag.Finding {
	type item struct {
		name  string
		depth int
	}
	depthOf := map[string]int{rootName: 0}
	queue := []item{{rootName, 0}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		b, ok, _ := r.load(it.name)
		if !ok {
			continue // the compiler reports missing imports with their position
		}
		h := reporter.NewHandler(reporter.NewReporter(func(reporter.ErrorWithPos) error { return nil }, nil))
		fileAST, err := parser.Parse(it.name, bytes.NewReader(b), h)
		if err != nil || fileAST == nil {
			continue
		}
		for _, decl := range fileAST.Decls {
			imp, ok := decl.(*ast.ImportNode)
			if !ok {
				continue
			}
			dep := imp.Name.AsString()
			if isStandardImport(dep) {
				continue
			}
			if _, seen := depthOf[dep]; seen {
				continue
			}
			if it.depth+1 > max {
				pos := fileAST.NodeInfo(imp).Start()
				return &diag.Finding{Pos: diag.Pos{File: r.path(it.name), Line: pos.Line, Col: pos.Col}, Severity: diag.Error,
					Code: CodeImportDepth, Msg: fmt.Sprintf("import %q nests deeper than %d levels", dep, max),
					Hint: "flatten the import chain or check it for an accidental cycle"}
			}
			depthOf[dep] = it.depth + 1
			queue = append(queue, item{dep, it.depth + 1})
		}
	}
	return nil
}

func (r *resolver) path(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.found[name]; ok {
		return p
	}
	return name
}

func (r *resolver) finding(e reporter.ErrorWithPos) diag.Finding {
	pos := e.GetPosition()
	msg := e.Unwrap().Error()
	return diag.Finding{Pos: diag.Pos{File: r.path(pos.Filename), Line: pos.Line, Col: pos.Col},
		Severity: diag.Error, Code: CodeProtoCompile, Msg: msg}
}

// findMessage looks a message up by full name anywhere in the compiled files,
// or by short name among the root file's messages (nested ones included).
func findMessage(f protoreflect.FileDescriptor, name string) (protoreflect.MessageDescriptor, *diag.Finding) {
	name = strings.TrimPrefix(name, ".")
	all := allMessages(f)
	if name == "" {
		return nil, &diag.Finding{Severity: diag.Error, Code: CodeMessageNotFound,
			Msg: "no message named", Hint: "set configSchema.message to one of: " + names(all)}
	}
	if md := findFullName(f, protoreflect.FullName(name), map[string]bool{}); md != nil {
		return md, nil
	}
	var matches []protoreflect.MessageDescriptor
	for _, md := range all {
		if string(md.Name()) == name || strings.HasSuffix(string(md.FullName()), "."+name) {
			matches = append(matches, md)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		var cands []string
		for _, md := range all {
			cands = append(cands, string(md.Name()), string(md.FullName()))
		}
		hint := diag.DidYouMean(name, cands)
		if hint != "" {
			hint += "; "
		}
		return nil, &diag.Finding{Severity: diag.Error, Code: CodeMessageNotFound,
			Msg:  fmt.Sprintf("message %q is not defined in %s", name, f.Path()),
			Hint: hint + "messages defined: " + names(all)}
	default:
		return nil, &diag.Finding{Severity: diag.Error, Code: CodeMessageAmbig,
			Msg:  fmt.Sprintf("message name %q is ambiguous", name),
			Hint: "use the fully qualified name, one of: " + names(matches)}
	}
}

func allMessages(f protoreflect.FileDescriptor) []protoreflect.MessageDescriptor {
	var out []protoreflect.MessageDescriptor
	var walk func(ms protoreflect.MessageDescriptors)
	walk = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			if m.IsMapEntry() {
				continue
			}
			out = append(out, m)
			walk(m.Messages())
		}
	}
	walk(f.Messages())
	return out
}

func names(ms []protoreflect.MessageDescriptor) string {
	if len(ms) == 0 {
		return "(none)"
	}
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m.FullName())
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// findFullName searches f and its transitive imports for a message.
func findFullName(f protoreflect.FileDescriptor, name protoreflect.FullName, seen map[string]bool) protoreflect.MessageDescriptor {
	if seen[f.Path()] {
		return nil
	}
	seen[f.Path()] = true
	for _, md := range allMessages(f) {
		if md.FullName() == name {
			return md
		}
	}
	imps := f.Imports()
	for i := 0; i < imps.Len(); i++ {
		if md := findFullName(imps.Get(i).FileDescriptor, name, seen); md != nil {
			return md
		}
	}
	return nil
}

// Rules is the catalogue of protoconfig's codes (the config checks' own are
// protocheck's).
var Rules = []diag.Rule{
	{Code: CodeProtoCompile, Severity: diag.Error, Consumer: "protoc", Summary: "configSchema.proto does not compile"},
	{Code: CodeImportDepth, Severity: diag.Error, Consumer: "wasmgen", Summary: "proto imports nest deeper than --max-import-depth"},
	{Code: CodeMessageNotFound, Severity: diag.Error, Consumer: "wasmgen", Summary: "configSchema.message names no message of the proto"},
	{Code: CodeMessageAmbig, Severity: diag.Error, Consumer: "wasmgen", Summary: "a short message name that matches several messages"},
	{Code: CodeProtoLoad, Severity: diag.Error, Consumer: "wasmgen", Summary: "configSchema.proto cannot be read"},
}
