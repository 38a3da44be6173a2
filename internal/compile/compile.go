// Package compile is the pipeline every adapter runs: parse the inputs (large files
// on every core), decode and check each filter, resolve its file references, default
// it, generate its objects, and lint the Istio and Envoy documents among the inputs.
// `wasmgen render` calls Compile, `wasmgen validate` Check, the KRM function and the
// post-renderer Filters and generate.Objects with workloads of their own. File
// access goes through the Files interface, so tests and the KRM function choose what
// it sees.
package compile

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
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/yamltree"

	"io/fs"

	"maps"

	"slices"
)

// Files reads the files specs refer to; *load.Root is the real one.
type Files interface {
	ReadFile(dir, ref string) (data []byte, abs string, err error)
	// Rel names an absolute path relative to the root (how a bootstrap names a
	// local module, so the output does not depend on the checkout).
	Rel(abs string) string
}

// Options for one run.
type Options struct {
	Generate generate.Options
	Limits   yamltree.Limits
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

// Result is what a run produced.
type Result struct {
	Inputs  []generate.Input
	Objects []generate.Object
}

// Compile runs the whole pipeline over the sources. Objects are generated only when
// no input has an error, so a bad input never yields partial output.
func Compile(srcs []load.Source, files Files, opts Options) (*Result, diag.List) {
	docs, l := Parse(srcs, opts.Limits)
	dirs := dirsOf(srcs)
	var filters []Source
	for _, d := range docs {
		switch {
		case schema.IsFilter(d.Node):
			filters = append(filters, Source{Doc: d, Dir: dirs[d.File]})
		default:
			if w, ok := WorkloadOf(d); ok {
				opts.Generate.Workloads = append(opts.Generate.Workloads, w)
			}
		}
	}
	res := &Result{}
	var errs diag.List
	res.Inputs, errs = Filters(filters, files, opts)
	l.Append(errs)
	if len(res.Inputs) == 0 && !l.HasErrors() {
		l.Add(noFilters(srcs, docs))
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

// Source is a filter document with the directory its file references resolve in.
type Source struct {
	Doc Doc
	Dir string
}

// Filters decodes, checks and resolves each filter (each alone, so its findings are
// about it), then checks them together: the step every adapter shares. It returns
// the inputs of the filters without errors.
func Filters(srcs []Source, files Files, opts Options) ([]generate.Input, diag.List) {
	var l diag.List
	var inputs []generate.Input
	var docs []*schema.Document
	for _, s := range srcs {
		in, doc, errs := Filter(s.Doc, s.Dir, files, opts)
		l.Append(errs)
		if doc != nil {
			docs = append(docs, doc)
		}
		if in != nil {
			inputs = append(inputs, *in)
		}
	}
	l.Append(schema.Duplicates(docs, duplicateScope(opts)))
	return inputs, l
}

// duplicateScope is which filters are deployed together. Everything render is given
// is written out together; validate reads a whole repository, where each directory
// is its own deployment (kustomize overlays/staging and overlays/prod define the same
// filter on purpose), so two filters clash there only within one directory.
func duplicateScope(opts Options) func(*schema.Document) string {
	if !opts.Generate.Check {
		return nil
	}
	return func(d *schema.Document) string { return filepath.Dir(d.File) }
}

// dirsOf maps each input's name to the directory its references resolve in.
func dirsOf(srcs []load.Source) map[string]string {
	dirs := make(map[string]string, len(srcs))
	for _, s := range srcs {
		dirs[s.Name] = s.Dir
	}
	return dirs
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
	l.Append(schema.Check(doc, opts.Generate.Target != generate.TargetEnvoy))
	if opts.Generate.Check { // validate: the wasme operator reads a FilterDeployment; render replaces it
		l.Append(schema.CheckWasme(doc, opts.Generate.Istio))
	}
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
		l.Errorf(doc.Pos("spec.module.sha256"), "spec.module.sha256", schema.CodeSHA256, "sha256 %s does not match %s, whose sha256 is %s", m.SHA256, m.Path, hexSum)
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
	in.ModuleFile = files.Rel(abs)
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

// noFilters says that the inputs hold no filter, and what they hold instead.
func noFilters(srcs []load.Source, docs []Doc) diag.Finding {
	f := diag.Finding{Severity: diag.Error, Code: CodeNoFilters, Hint: "run `wasmgen init` to scaffold one"}
	var names []string
	for _, s := range srcs {
		names = append(names, s.Name)
	}
	kinds := map[string]int{}
	for _, d := range docs {
		_, k := yamltree.TypeMeta(d.Node)
		if k == "" {
			k = "no kind"
		}
		kinds[k]++
	}
	var held []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		held = append(held, fmt.Sprintf("%d %s", kinds[k], k))
	}
	what := "nothing"
	if len(held) > 0 {
		what = strings.Join(held, ", ")
	}
	if len(names) == 1 {
		f.Pos.File = names[0]
	}
	f.Msg = fmt.Sprintf("no %s or %s among the inputs (%s: %s)", schema.Kind, schema.WasmeKind, strings.Join(names, ", "), what)
	if len(names) > 3 {
		f.Msg = fmt.Sprintf("no %s or %s among the %d inputs (they hold %s)", schema.Kind, schema.WasmeKind, len(names), what)
	}
	return f
}

// InputFindings are the inputs that could not be read, each at its own path.
func InputFindings(errs []error) diag.List {
	var l diag.List
	for _, err := range errs {
		f := diag.Finding{Severity: diag.Error, Code: CodeFile, Msg: err.Error()}
		var ie *load.InputError
		if errors.As(err, &ie) {
			f.Pos.File, f.Msg = ie.Path, "cannot read it: "+ie.Err.Error()
			if errors.Is(ie.Err, fs.ErrNotExist) || ie.Err.Error() == "no such file or directory" {
				f.Hint = "check the path (it is relative to the working directory)"
			}
		}
		l.Add(f)
	}
	return l
}

// Rules is the catalogue of the pipeline's codes.
var Rules = []diag.Rule{
	{Code: CodeFile, Severity: diag.Error, Consumer: "wasmgen", Summary: "a file a spec names cannot be read, or lies outside the root"},
	{Code: CodeNotWasm, Severity: diag.Error, Consumer: "Envoy", Summary: "module.path is not a WebAssembly module"},
	{Code: CodeNoFilters, Severity: diag.Error, Consumer: "wasmgen", Summary: "no WasmFilter or FilterDeployment among the inputs"},
	{Code: CodeConfig, Severity: diag.Error, Consumer: "wasmgen", Summary: "spec.config cannot be encoded as the plugin receives it"},
	{Code: CodeABI, Severity: diag.Warning, Consumer: "Envoy", Summary: "the module's proxy-wasm ABI is not one the target proxy speaks"},
	{Code: CodeResolve, Severity: diag.Error, Consumer: "registry", Summary: "--resolve could not turn an image tag into a digest"},
	{Code: CodeNotProxyWasm, Severity: diag.Error, Consumer: "Envoy", Summary: "module.path is WebAssembly but not a proxy-wasm module"},
	{Code: CodeHostImport, Severity: diag.Error, Consumer: "Envoy", Summary: "the proxy's Wasm host lacks an import the module needs, or the module lacks an export the host needs: Envoy fails the filter"},
	{Code: CodeHostWarning, Severity: diag.Warning, Consumer: "Envoy", Summary: "the proxy's Wasm host will do otherwise than the module expects"},
}
