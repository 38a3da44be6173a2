// Package render is the pipeline behind `wasmgen render` and `wasmgen fn`: parse,
// decode, check, resolve file references, default, generate. File access goes
// through the Files interface, so tests and the KRM function choose what it sees.
package render

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/module"
	"github.com/wasmgen/wasmgen/protoconfig"
	"github.com/wasmgen/wasmgen/schema"
	"github.com/wasmgen/wasmgen/validate"
	yaml "go.yaml.in/yaml/v3"
)

// Files reads the files specs refer to; *load.Root is the real one.
type Files interface {
	ReadFile(dir, ref string) (data []byte, abs string, err error)
}

// Options for one run.
type Options struct {
	Generate generate.Options
	Limits   schema.Limits
	// MaxImportDepth bounds proto import chains (--max-import-depth).
	MaxImportDepth int
	// Resolve, when set (--resolve), turns an image tag into a digest reference.
	// It is the only step that may use the network.
	Resolve func(ref string) (string, error)
	// Run, when set (--run), starts each filter whose module.path was read under a
	// proxy-wasm host with its rendered configuration (issue 17); its findings are
	// the plugin's verdict. The pipeline calls it once per filter, defaulted.
	Run func(in *generate.Input) diag.List
}

// Codes of the pipeline's own findings.
const (
	CodeFile         = "WG1501" // a referenced file cannot be read
	CodeNotWasm      = "WG1502" // module.path is not WebAssembly
	CodeABI          = "WG4001" // the module's ABI does not match --istio-version
	CodeNoFilters    = "WG1503"
	CodeConfig       = "WG1504" // spec.config cannot be encoded
	CodeResolve      = "WG4002" // --resolve failed
	CodeNotProxyWasm = "WG4003" // module.path is WebAssembly but not proxy-wasm
)

// Doc is one parsed input document.
type Doc struct {
	File string
	Node *yaml.Node
}

// Parse splits sources into documents.
func Parse(srcs []load.Source, lim schema.Limits) ([]Doc, diag.List) {
	var docs []Doc
	var l diag.List
	for _, s := range srcs {
		nodes, errs := schema.ParseDocuments(s.Name, s.Data, lim)
		l.Append(errs)
		for _, n := range nodes {
			docs = append(docs, Items(Doc{File: s.Name, Node: n})...)
		}
	}
	return docs, l
}

// Items expands a `v1` List (what `kubectl get -o yaml` and `render --format
// json` write) into its items, as kubectl does; any other document is itself.
func Items(d Doc) []Doc {
	apiVersion, kind := schema.TypeMeta(d.Node)
	items := schema.Field(d.Node, "items")
	if apiVersion != "v1" || kind != "List" || items == nil || items.Kind != yaml.SequenceNode {
		return []Doc{d}
	}
	out := make([]Doc, 0, len(items.Content))
	for _, it := range items.Content {
		out = append(out, Doc{File: d.File, Node: it})
	}
	return out
}

// Result is what a run produced.
type Result struct {
	Inputs  []generate.Input
	Objects []generate.Object
	// Other counts documents that were neither filters nor workloads.
	Other int
}

// Compile runs the whole pipeline over the sources. Objects are generated only when
// no input has an error, so a bad input never yields partial output.
func Compile(srcs []load.Source, files Files, opts Options) (*Result, diag.List) {
	docs, l := Parse(srcs, opts.Limits)
	dirs := map[string]string{}
	for _, s := range srcs {
		dirs[s.Name] = s.Dir
	}
	res := &Result{}
	var filterDocs []*schema.Document
	for _, d := range docs {
		switch {
		case schema.IsFilter(d.Node):
			in, doc, errs := Filter(d, dirs[d.File], files, opts)
			l.Append(errs)
			if doc != nil {
				filterDocs = append(filterDocs, doc)
			}
			if in != nil {
				res.Inputs = append(res.Inputs, *in)
			}
		default:
			if w, ok := WorkloadOf(d); ok {
				opts.Generate.Workloads = append(opts.Generate.Workloads, w)
			} else {
				res.Other++
			}
		}
	}
	l.Append(validate.Duplicates(filterDocs))
	if len(res.Inputs) == 0 && !l.HasErrors() {
		l.Add(diag.Finding{Severity: diag.Error, Code: CodeNoFilters, Msg: fmt.Sprintf("no %s or %s found in the inputs", schema.Kind, schema.WasmeKind),
			Hint: "run `wasmgen init` to scaffold one"})
	}
	if l.HasErrors() {
		l.Sort()
		return res, l
	}
	objs, errs := generate.Objects(res.Inputs, opts.Generate)
	l.Append(errs)
	res.Objects = objs
	l.Sort()
	return res, l
}

// Filter decodes, checks and resolves one filter document. The Input is nil when
// the document has errors; the Document is nil only when it could not be decoded.
func Filter(d Doc, dir string, files Files, opts Options) (*generate.Input, *schema.Document, diag.List) {
	doc, l := schema.Decode(d.File, d.Node)
	if doc == nil {
		return nil, nil, l
	}
	s := &doc.Filter.Spec
	if opts.Resolve != nil && s.Module.Image != "" && !strings.Contains(s.Module.Image, "@sha256:") {
		ref, err := opts.Resolve(s.Module.Image)
		if err != nil {
			l.Errorf(doc.Pos("spec.module.image"), "spec.module.image", CodeResolve, "cannot resolve %s to a digest: %v", s.Module.Image, err)
			doc.MarkFailed("spec.module.image") // no "not pinned" warning on top
		} else {
			s.Module.Image = ref
		}
	}
	l.Append(validate.SpecFor(doc, opts.Generate.Target != generate.TargetEnvoy))
	in := &generate.Input{Doc: doc}
	if s.Module.Path != "" {
		l.Append(readModule(in, dir, files, opts))
	} else {
		in.ModuleSHA256 = s.Module.SHA256
	}
	l.Append(configuration(in, dir, files, opts))
	if l.HasErrors() {
		return nil, doc, l
	}
	doc.Filter.Default()
	if opts.Run != nil && in.ModuleData != nil { // --run (issue 17)
		run := opts.Run(in)
		l.Append(run)
		if run.HasErrors() {
			return nil, doc, l
		}
	}
	return in, doc, l
}

func readModule(in *generate.Input, dir string, files Files, opts Options) diag.List {
	var l diag.List
	doc := in.Doc
	m := &doc.Filter.Spec.Module
	const path = "spec.module.path"
	b, abs, err := files.ReadFile(dir, m.Path)
	if err != nil {
		l.Add(fileFinding(doc, path, m.Path, err))
		return l
	}
	sum := sha256.Sum256(b)
	hexSum := hex.EncodeToString(sum[:])
	if m.SHA256 != "" && m.SHA256 != hexSum {
		l.Errorf(doc.Pos("spec.module.sha256"), "spec.module.sha256", "WG1304", "sha256 %s does not match %s, whose sha256 is %s", m.SHA256, m.Path, hexSum)
	}
	info, err := module.Decode(b)
	if err != nil {
		l.Add(diag.Finding{Pos: doc.Pos(path), Path: path, Severity: diag.Error, Code: CodeNotWasm,
			Msg: fmt.Sprintf("%s is not a WebAssembly module: %v", m.Path, err)})
		return l
	}
	// Envoy refuses a module that is not proxy-wasm (no ABI marker, no callbacks).
	if err := info.CheckProxyWasm(); err != nil {
		l.Add(diag.Finding{Pos: doc.Pos(path), Path: path, Severity: diag.Error, Code: CodeNotProxyWasm,
			Msg: fmt.Sprintf("%s is not a proxy-wasm module: %v", m.Path, err),
		})
		return l
	}
	if ok, msg := module.CheckABI(info, opts.Generate.Istio); !ok {
		l.Add(diag.Finding{Pos: doc.Pos(path), Path: path, Severity: diag.Warning, Code: CodeABI, Msg: msg})
	}
	l.Append(hostFindings(doc, path, m.Path, info, opts.Generate)) // the import check (issue 17)
	in.ModuleSHA256 = hexSum
	in.ModuleSize = int64(len(b))
	in.ModuleData = b
	// The bootstrap names the module relative to the root (where Envoy is meant to
	// start): an absolute path would make the output depend on the checkout.
	in.ModuleFile = abs
	if r, ok := files.(interface{ Rel(string) string }); ok {
		in.ModuleFile = r.Rel(abs)
	}
	return l
}

// configuration encodes spec.config as the plugin receives it, checking it against
// its proto first when configSchema is set. A string config (wasme's form) is passed
// as it is; anything else becomes the JSON text of the user's keys and values.
func configuration(in *generate.Input, dir string, files Files, opts Options) diag.List {
	var l diag.List
	doc := in.Doc
	s := &doc.Filter.Spec
	var node *yaml.Node
	if s.Config != nil {
		node = s.Config.Node
	}
	if cs := s.ConfigSchema; cs != nil && cs.Proto != "" && cs.Message != "" {
		loader := func(p string) ([]byte, error) {
			b, _, err := files.ReadFile(dir, p)
			return b, err
		}
		depth := opts.MaxImportDepth
		if depth == 0 {
			depth = protoconfig.DefaultMaxImportDepth
		}
		md, errs := protoconfig.CompileDepth(loader, cs.Proto, cs.ImportPaths, cs.Message, depth)
		for i := range errs {
			// Findings without a place in a proto (a file that cannot be read, a
			// missing message) belong to the spec field that named it.
			if errs[i].Pos.Line == 0 {
				errs[i].Pos = doc.Pos("spec.configSchema.proto")
				errs[i].Path = "spec.configSchema.proto"
				if c := errs[i].Code; c == protoconfig.CodeMessageNotFound || c == protoconfig.CodeMessageAmbig {
					errs[i].Pos = doc.Pos("spec.configSchema.message")
					errs[i].Path = "spec.configSchema.message"
				}
			} else {
				errs[i].Pos.File = filepath.ToSlash(filepath.Join(filepath.Dir(doc.File), errs[i].Pos.File))
			}
		}
		l.Append(errs)
		if md == nil || l.HasErrors() {
			return l
		}
		if node == nil {
			node = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: doc.Pos("spec").Line, Column: doc.Pos("spec").Col}
		}
		l.Append(protoconfig.Check(md, node, doc.File, "spec.config"))
		if l.HasErrors() {
			return l
		}
		js, err := protoconfig.ToJSON(node)
		if err != nil {
			l.Errorf(doc.Pos("spec.config"), "spec.config", CodeConfig, "%v", err)
			return l
		}
		switch cs.Encoding {
		case "canonical":
			js, err = protoconfig.Canonical(md, js)
		case "binary":
			js, err = protoconfig.Binary(md, js)
			in.ConfigIsBytes = true
		}
		if err != nil {
			l.Errorf(doc.Pos("spec.config"), "spec.config", CodeConfig, "%v", err)
			return l
		}
		in.Configuration = js
		return l
	}
	if node == nil {
		return l
	}
	if node.Kind == yaml.ScalarNode && node.Tag == "!!str" {
		in.Configuration = []byte(node.Value)
		return l
	}
	js, err := protoconfig.ToJSON(node)
	if err != nil {
		l.Errorf(doc.Pos("spec.config"), "spec.config", CodeConfig, "%v", err)
		return l
	}
	in.Configuration = js
	return l
}

func fileFinding(doc *schema.Document, path, ref string, err error) diag.Finding {
	f := diag.Finding{Pos: doc.Pos(path), Path: path, Severity: diag.Error, Code: CodeFile,
		Msg: fmt.Sprintf("cannot read %s: %v", ref, err)}
	var tl *load.ErrTooLarge
	switch {
	case errors.Is(err, load.ErrOutsideRoot):
		f.Msg = fmt.Sprintf("%s is %v", ref, err)
	case errors.As(err, &tl):
		f.Msg = fmt.Sprintf("%s: %v", ref, err)
	}
	return f
}
