package krm

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/internal/compile"
	"github.com/wasmgen/wasmgen/manifest"
	"github.com/wasmgen/wasmgen/schema"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/wasmgen/wasmgen/yamltree"
)

// locator says where a finding's document is: the key a document is compiled
// under (its diag file name) maps back to the item.
type locator struct {
	ref   *yaml.ResourceIdentifier
	file  string // the item's path annotation, "" when it has none
	index int
	lines bool // line:col are positions in file (post-render specs), not in the ResourceList
	spec  bool // a spec given by flag, not an item: its outputs get no file
}

// filterDoc is one filter to compile.
type filterDoc struct {
	doc  compile.Doc
	dir  string
	item int // index in the items, -1 for functionConfig and specs
	path string
}

// run is the state of one Run.
type run struct {
	opts     Options
	items    []*yaml.RNode
	locs     map[string]*locator
	findings []Finding
	filters  []filterDoc
	// workloads found among the items, by (kind, namespace, name).
	workloads   map[string]int
	wl          []generate.Workload
	idx         *workloadIndex
	generated   map[string]int // identity → item index, for kinds wasmgen generates
	dropped     map[int]bool
	replaced    map[int]*yaml.RNode
	added       []*yaml.RNode
	touched     map[*yaml.RNode]bool
	hasPathItem bool
}

// generatedKinds are the kinds of generated objects; items of these kinds with the
// same identity are replaced rather than duplicated on a second run.
var generatedKinds = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range generate.GeneratedKinds() {
		m[k] = true
	}
	return m
}()

// Run is the function's work: it compiles the filters among items, in
// functionConfig and in specs, and returns the output items with the findings.
func Run(items []*yaml.RNode, functionConfig *yaml.RNode, specs []Spec, opts Options) Output {
	r := newRun(items, opts)
	unchanged := Output{Items: items, Touched: map[*yaml.RNode]bool{}}
	r.scan()
	r.functionConfig(functionConfig)
	for _, s := range specs {
		r.locs[s.Doc.File] = &locator{file: s.Doc.File, lines: true, spec: true}
		r.filters = append(r.filters, filterDoc{doc: s.Doc, dir: s.Dir, item: -1})
	}
	if len(r.filters) == 0 {
		r.add(diag.Finding{Severity: diag.Warning, Code: CodeNoFilters,
			Msg:  fmt.Sprintf("no %s or %s among the items or in the functionConfig; the items pass through unchanged", schema.Kind, schema.WasmeKind),
			Hint: "pass the spec as the functionConfig, or include it in the resources"}, nil)
		unchanged.Findings = r.sorted()
		return unchanged
	}
	inputs := r.compile()
	if r.hasErrors() {
		unchanged.Findings = r.sorted()
		return unchanged
	}
	return r.apply(inputs)
}

// apply generates the compiled filters' objects, patches the workloads among the
// items and assembles the output.
func (r *run) apply(inputs []generate.Input) Output {
	unchanged := Output{Items: r.items, Touched: map[*yaml.RNode]bool{}}
	gopts := r.opts.Render.Generate
	gopts.Workloads = r.candidates(inputs)
	objs, l := generate.Objects(inputs, gopts)
	r.addAll(l, nil)
	if r.hasErrors() {
		unchanged.Findings = r.sorted()
		return unchanged
	}
	if err := r.emit(objs); err != nil {
		r.add(diag.Finding{Severity: diag.Error, Code: generate.CodeInternal, Msg: err.Error()}, nil)
	}
	if r.hasErrors() {
		// Patches applied before the error stay in their nodes: say so.
		unchanged.Touched = r.touched
		unchanged.Findings = r.sorted()
		return unchanged
	}
	return Output{Items: r.output(), Touched: r.touched, Findings: r.sorted()}
}

func newRun(items []*yaml.RNode, opts Options) *run {
	return &run{opts: opts, items: items, locs: map[string]*locator{}, workloads: map[string]int{},
		generated: map[string]int{}, dropped: map[int]bool{}, replaced: map[int]*yaml.RNode{}, touched: map[*yaml.RNode]bool{}}
}

// scan classifies the items in one pass: filters, workloads, generated objects.
func (r *run) scan() {
	keys := map[string]int{}
	for i, it := range r.items {
		n := it.YNode()
		apiVersion, kind := yamltree.TypeMeta(n)
		meta := yamltree.Field(n, "metadata")
		name, ns := yamltree.StringField(meta, "name"), yamltree.StringField(meta, "namespace")
		path, index := itemPath(it)
		if path != "" {
			r.hasPathItem = true
		}
		isFilter := kind == schema.Kind || kind == schema.WasmeKind
		_, isWorkload := podPath(kind)
		if !isFilter && !isWorkload && !generatedKinds[kind] {
			continue
		}
		if generatedKinds[kind] {
			r.generated[identity(apiVersion, kind, ns, name)] = i
			continue
		}
		if isWorkload && localConfig(n) {
			// A label-targeted patch this function emitted on an earlier run.
			r.generated[identity(apiVersion, kind, ns, name)] = i
			continue
		}
		key := path
		if key == "" {
			key = kind + " " + strings.Trim(ns+"."+name, ".")
		}
		if c := keys[key]; c > 0 {
			keys[key] = c + 1
			key += "#" + strconv.Itoa(c)
		} else {
			keys[key] = 1
		}
		r.locs[key] = &locator{ref: ref(apiVersion, kind, ns, name), file: path, index: atoi(index)}
		doc := compile.Doc{File: key, Node: r.merged(key, n)}
		if isFilter {
			r.filters = append(r.filters, filterDoc{doc: doc, dir: r.dirOf(path), item: i, path: path})
			continue
		}
		w, ok := compile.WorkloadOf(doc)
		if !ok {
			continue
		}
		if ns == "" && r.opts.DefaultNamespace != "" {
			w.Namespace = r.opts.DefaultNamespace
		}
		r.workloads[identity("", w.Kind, w.Namespace, w.Name)] = i
		r.wl = append(r.wl, w)
	}
}

// merged is an item's node with YAML merge keys applied, as documents read from
// files are (yamltree.ParseDocuments), for reading; the item itself stays as it is.
func (r *run) merged(key string, n *yaml.Node) *yaml.Node {
	m, errs := yamltree.ResolveMerges(key, n)
	r.addAll(errs, nil)
	return m
}

// dirOf is the directory a spec item's file references resolve against.
func (r *run) dirOf(path string) string {
	if path == "" {
		return r.opts.Dir
	}
	return filepath.Join(r.opts.Dir, filepath.Dir(filepath.FromSlash(path)))
}

// functionConfig takes a filter (unless the same filter is also an item: kustomize
// passes a generator's config both ways) or a ConfigMap of options (kpt's
// function-input).
func (r *run) functionConfig(fc *yaml.RNode) {
	if fc.IsNilOrEmpty() {
		return
	}
	n := fc.YNode()
	apiVersion, kind := yamltree.TypeMeta(n)
	meta := yamltree.Field(n, "metadata")
	name, ns := yamltree.StringField(meta, "name"), yamltree.StringField(meta, "namespace")
	id := ref(apiVersion, kind, ns, name)
	switch kind {
	case schema.Kind, schema.WasmeKind:
		for _, f := range r.filters {
			if l := r.locs[f.doc.File]; l != nil && sameFilter(l.ref, id) {
				return
			}
		}
		path, index := itemPath(fc)
		key := "functionConfig"
		if path != "" {
			key = path
		}
		if _, taken := r.locs[key]; taken {
			key += "#functionConfig"
		}
		r.locs[key] = &locator{ref: id, file: path, index: atoi(index)}
		r.filters = append(r.filters, filterDoc{doc: compile.Doc{File: key, Node: r.merged(key, n)}, dir: r.dirOf(path), item: -1, path: path})
	case "ConfigMap":
		r.configMapOptions(fc, id)
	default:
		r.add(diag.Finding{Severity: diag.Warning, Code: CodeFunctionConfig,
			Msg:  fmt.Sprintf("functionConfig of kind %q is ignored; expected %s, %s or a ConfigMap of options", kind, schema.Kind, schema.WasmeKind),
			Hint: diag.DidYouMean(kind, []string{schema.Kind, schema.WasmeKind, "ConfigMap"})}, id)
	}
}

// Options a function-input ConfigMap may carry (kpt fn eval -- key=value).
var configMapKeys = []string{"istio-version", "target"}

func (r *run) configMapOptions(fc *yaml.RNode, id *yaml.ResourceIdentifier) {
	data := fc.GetDataMap()
	for _, k := range slices.Sorted(maps.Keys(data)) {
		v := data[k]
		switch k {
		case "istio-version":
			ver, err := compat.ParseIstio(v)
			if err != nil {
				r.add(diag.Finding{Path: "data.istio-version", Severity: diag.Error, Code: CodeIstioVersion, Msg: err.Error()}, id)
				continue
			}
			if known, newer := ver.Known(); newer {
				r.add(diag.Finding{Path: "data.istio-version", Severity: diag.Warning, Code: CodeIstioVersion,
					Msg: fmt.Sprintf("Istio %s is newer than the newest release wasmgen knows; emitting for %s", v, known)}, id)
				ver = known
			}
			r.opts.Render.Generate.Istio = ver
		case "target":
			if targets := generate.KubernetesTargets(); !slices.Contains(targets, v) {
				r.add(diag.Finding{Path: "data.target", Severity: diag.Error, Code: CodeIstioVersion,
					Msg:  fmt.Sprintf("invalid target %q; expected one of %s", v, strings.Join(targets, ", ")),
					Hint: diag.DidYouMean(v, targets)}, id)
				continue
			}
			r.opts.Render.Generate.Target = generate.Target(v)
		default:
			r.add(diag.Finding{Path: "data." + k, Severity: diag.Warning, Code: CodeFunctionConfig,
				Msg:  fmt.Sprintf("unknown option %q in the functionConfig ConfigMap; expected one of %s", k, strings.Join(configMapKeys, ", ")),
				Hint: diag.DidYouMean(k, configMapKeys)}, id)
		}
	}
}

// compile decodes, checks and resolves each filter (each alone, so its findings are
// known to be about it), then checks them together for duplicates.
func (r *run) compile() []generate.Input {
	srcs := make([]compile.Source, len(r.filters))
	for i, f := range r.filters {
		srcs[i] = compile.Source{Doc: f.doc, Dir: f.dir}
	}
	inputs, l := compile.Filters(srcs, r.opts.Files, r.opts.Render)
	r.addAll(l, nil)
	return inputs
}

// candidates are the workloads some filter may select, found through the index
// rather than by trying every filter on every workload. nil (label-targeted
// patches) when there are no workloads among the items at all.
func (r *run) candidates(inputs []generate.Input) []generate.Workload {
	if len(r.wl) == 0 {
		return nil
	}
	r.idx = newWorkloadIndex(r.wl)
	seen := map[int]bool{}
	out := []generate.Workload{}
	for _, in := range inputs {
		f := in.Doc.Filter
		for _, i := range r.idx.match(f.Metadata.Namespace, f.Spec.Selector.MatchLabels) {
			if !seen[i] {
				seen[i] = true
				out = append(out, r.wl[i])
			}
		}
	}
	return out
}

// emit turns the generated objects into items: patches are applied to their
// workloads (or emitted as local-config patches without workloads), everything else
// is added or replaces the item of the same identity.
func (r *run) emit(objs []generate.Object) error {
	var resources []generate.Object
	for _, o := range objs {
		if !manifest.IsKubernetes(o) {
			r.add(diag.Finding{Severity: diag.Warning, Code: CodeFunctionConfig,
				Msg:  fmt.Sprintf("the Envoy bootstrap %s is not a Kubernetes object and is left out of the items", o.Name),
				Hint: "write it with `wasmgen render --target envoy`"}, nil)
			continue
		}
		resources = append(resources, o)
	}
	if len(resources) == 0 {
		return nil
	}
	// Built from the generic tree straight into nodes: encoding the objects as
	// YAML only to parse them again would cost as much as the items themselves.
	nodes := make([]*yaml.RNode, len(resources))
	for i, o := range resources {
		t, err := manifest.Tree(o)
		if err != nil {
			return err
		}
		nodes[i] = yaml.NewRNode(manifest.Node(t))
	}
	for i, o := range resources {
		n := nodes[i]
		if o.IsPatch() {
			if err := r.patch(o, n); err != nil {
				return err
			}
			continue
		}
		if err := r.place(o, n, false); err != nil {
			return err
		}
	}
	return nil
}

// patch applies a named workload patch in place, or emits a label-targeted one.
func (r *run) patch(o generate.Object, n *yaml.RNode) error {
	named := len(o.PatchTargets) == 1 && o.PatchTargets[0].Name != ""
	if !named || r.idx == nil {
		if r.opts.PostRender {
			var sel []string
			for _, t := range o.PatchTargets {
				sel = append(sel, t.Kind)
			}
			r.add(diag.Finding{Pos: r.sourcePos(o), Path: "spec.selector", Severity: diag.Warning, Code: CodeGeneratorPatch,
				Msg: fmt.Sprintf("the chart renders no workload, so the volume patch for %s selected by %q has nothing to apply to and is left out; the proxies the EnvoyFilter selects will not find the module",
					strings.Join(sel, "/"), o.PatchTargets[0].LabelSelector)}, nil)
			return nil
		}
		if err := n.PipeE(yaml.SetAnnotation(annoLocalConfig, "true")); err != nil {
			return err
		}
		var sel []string
		for _, t := range o.PatchTargets {
			sel = append(sel, t.Kind)
		}
		r.add(diag.Finding{Pos: r.sourcePos(o), Path: "spec.selector", Severity: diag.Warning, Code: CodeGeneratorPatch,
			Msg: fmt.Sprintf("no workload among the items, so the volume patch for %s selected by %q is emitted as a local-config patch (%s) instead of applied; kustomize build drops it",
				strings.Join(sel, "/"), o.PatchTargets[0].LabelSelector, o.FileName),
			Hint: "run wasmgen fn as a transformer over the workloads (kustomization transformers:), or list the patch under patches:"}, nil)
		return r.place(o, n, true)
	}
	t := o.PatchTargets[0]
	i, ok := r.workloads[identity("", t.Kind, t.Namespace, t.Name)]
	if !ok {
		return fmt.Errorf("patch for %s %s/%s names no workload among the items", t.Kind, t.Namespace, t.Name)
	}
	item := r.items[i]
	changed, err := applyPatch(item, t.Kind, o.Body.(*generate.WorkloadPatch).PodTemplate())
	if err != nil {
		path, _ := itemPath(item)
		r.add(diag.Finding{Pos: diag.Pos{File: path}, Severity: diag.Error, Code: CodePatch,
			Msg: fmt.Sprintf("cannot patch %s %s/%s: %v", t.Kind, t.Namespace, t.Name, err)}, ref(item.GetApiVersion(), t.Kind, t.Namespace, t.Name))
		return nil
	}
	if changed {
		r.touched[item] = true
	}
	return nil
}

func (r *run) sourcePos(o generate.Object) diag.Pos {
	if o.Source == nil {
		return diag.Pos{}
	}
	return o.Source.Pos("spec.selector")
}

// place adds a generated object, or replaces the item of the same identity (keeping
// its position and file annotations). An equal item is kept as it is.
func (r *run) place(o generate.Object, n *yaml.RNode, patch bool) error {
	id := identity(o.APIVersion, o.Kind, o.Namespace, o.Name)
	if i, ok := r.generated[id]; ok {
		old := r.items[i]
		if _, isWorkload := podPath(o.Kind); isWorkload && !patch {
			return nil
		}
		if equalIgnoringFileAnnotations(old, n) {
			return nil
		}
		if err := copyFileAnnotations(old, n); err != nil {
			return err
		}
		r.replaced[i] = n
		r.touched[n] = true
		return nil
	}
	if path := r.filterPath(o); path != "" {
		p := filepath.ToSlash(filepath.Join(filepath.Dir(path), o.FileName))
		for _, kv := range [][2]string{{annoPath, p}, {annoInternalPath, p}, {annoIndex, "0"}, {annoInternalIndex, "0"}} {
			if err := n.PipeE(yaml.SetAnnotation(kv[0], kv[1])); err != nil {
				return err
			}
		}
	}
	r.added = append(r.added, n)
	r.touched[n] = true
	return nil
}

// filterPath is the file of the filter an object came from, when that filter was an
// item read from a file (kpt, kustomize fn run): the object is written next to it.
func (r *run) filterPath(o generate.Object) string {
	if o.Source == nil {
		return ""
	}
	if l := r.locs[o.Source.File]; l != nil && !l.spec {
		return l.file
	}
	return ""
}

// output assembles the items: inputs in order with filters dropped (unless they
// come from a file) and replacements in place, then the new objects.
func (r *run) output() []*yaml.RNode {
	for _, f := range r.filters {
		if f.item >= 0 && f.path == "" {
			r.dropped[f.item] = true
		}
	}
	out := make([]*yaml.RNode, 0, len(r.items)+len(r.added))
	for i, it := range r.items {
		switch {
		case r.dropped[i]:
		case r.replaced[i] != nil:
			out = append(out, r.replaced[i])
		default:
			out = append(out, it)
		}
	}
	return append(out, r.added...)
}

func (r *run) add(f diag.Finding, id *yaml.ResourceIdentifier) {
	if id == nil {
		r.addAll(diag.List{f}, nil)
		return
	}
	r.findings = append(r.findings, Finding{Finding: f, Ref: id})
}

// addAll locates findings: by the document key they carry, else at loc (the
// filter they came from, for findings in its proto files).
func (r *run) addAll(l diag.List, loc *locator) {
	for _, f := range l {
		out := Finding{Finding: f}
		at := loc
		if k, ok := r.locs[f.Pos.File]; ok {
			at = k
			out.Pos.File = k.file
			if !k.lines {
				out.Pos.Line, out.Pos.Col = 0, 0
			}
		}
		if at != nil {
			out.Ref = at.ref
			out.Index = at.index
		}
		r.findings = append(r.findings, out)
	}
}

func (r *run) hasErrors() bool {
	for _, f := range r.findings {
		if f.Severity == diag.Error {
			return true
		}
	}
	return false
}

func (r *run) sorted() []Finding {
	l := make(diag.List, len(r.findings))
	byFinding := map[string]Finding{}
	for i, f := range r.findings {
		l[i] = f.Finding
		byFinding[findingKey(f.Finding)] = f
	}
	l.Sort()
	out := make([]Finding, 0, len(l))
	for _, f := range l {
		out = append(out, byFinding[findingKey(f)])
	}
	return out
}

func findingKey(f diag.Finding) string {
	return f.String() + "\x00" + fmt.Sprint(f.Pos)
}

func ref(apiVersion, kind, ns, name string) *yaml.ResourceIdentifier {
	return &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: apiVersion, Kind: kind}, NameMeta: yaml.NameMeta{Name: name, Namespace: ns}}
}

// identity keys an object by group (not version), kind, namespace and name.
func identity(apiVersion, kind, ns, name string) string {
	group := apiVersion
	if i := strings.LastIndexByte(group, '/'); i >= 0 {
		group = group[:i]
	} else {
		group = ""
	}
	if ns == "" {
		ns = schema.DefaultNamespace
	}
	return group + "|" + kind + "|" + ns + "|" + name
}

func sameFilter(a, b *yaml.ResourceIdentifier) bool {
	if a == nil || b == nil {
		return false
	}
	na, nb := a.Namespace, b.Namespace
	if na == "" {
		na = schema.DefaultNamespace
	}
	if nb == "" {
		nb = schema.DefaultNamespace
	}
	return a.Kind == b.Kind && a.Name == b.Name && na == nb
}

func localConfig(n *yaml.Node) bool {
	return annotations(n)[annoLocalConfig] == "true"
}

// annotations reads metadata.annotations without building an RNode.
func annotations(n *yaml.Node) map[string]string {
	a := yamltree.Field(yamltree.Field(n, "metadata"), "annotations")
	if a == nil || a.Kind != yaml.MappingNode {
		return nil
	}
	m := make(map[string]string, len(a.Content)/2)
	for i := 0; i+1 < len(a.Content); i += 2 {
		m[a.Content[i].Value] = a.Content[i+1].Value
	}
	return m
}
