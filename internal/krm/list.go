package krm

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/wasmgen/wasmgen/yamltree"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Execute is kyaml's framework.Execute over a ResourceList held in memory, as `wasmgen
// fn` runs: the same reading, the same path/index annotation bookkeeping and the
// same output, except that the items the function leaves alone are written back
// as their input bytes instead of being re-encoded. Re-encoding every item costs
// more than the function's own work on a large list, and it normalises layout
// the issue wants kept (sequence indentation). Edited and new items are encoded
// exactly as kyaml's writer does. Input whose items cannot be cut out of the text
// safely (flow style, JSON, anchors, comments between items, several documents)
// goes through kyaml as a whole.
func (p *Processor) Execute(in []byte, w io.Writer) error {
	return execute(p, in, w)
}

// tracker is a processor that says which of the items it edited in place.
type tracker interface {
	Process(*ResourceList) error
	edited(*yaml.RNode) bool
}

func (p *Processor) edited(n *yaml.RNode) bool { return p.touched[n] }

// rawList is a ResourceList split into its items' nodes and their text.
type rawList struct {
	apiVersion, kind string
	items            []*yaml.RNode
	index            map[*yaml.RNode]int
	text             []string // each item as it is written in the output (compact, at indent 0)
	functionConfig   *yaml.RNode
	results          *yaml.RNode
}

func execute(p tracker, in []byte, w io.Writer) error {
	l, ok := splitList(in)
	if !ok {
		return executeKio(p, &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: w, KeepReaderAnnotations: true})
	}
	// What follows is framework.Execute and kio.ByteWriter step by step, on the
	// nodes of the split list.
	rl := ResourceList{Items: l.items, FunctionConfig: l.functionConfig}
	before := make([]shape, len(l.items))
	plain := make([]bool, len(l.items))
	var managed []*yaml.RNode
	for i, it := range l.items {
		before[i] = shapeOf(it.YNode())
		if plain[i] = unmanaged(it.YNode()); !plain[i] {
			managed = append(managed, it)
		}
	}
	// The path/index bookkeeping adds an id annotation to every item and removes
	// it again; on an item without path, index or id annotations that is all it
	// does, so it runs only on the others (a third of the time on a large list).
	nodeAnnos, err := kio.PreprocessResourcesForInternalAnnotationMigration(managed)
	if err != nil {
		return err
	}
	if len(managed) < len(l.items) {
		// kyaml's map has an (empty) entry for each such item; only whether
		// the map is empty matters.
		nodeAnnos["unmanaged"] = map[string]string{}
	}
	retErr := p.Process(&rl)
	var reconcile []*yaml.RNode
	for _, it := range rl.Items {
		if j, ok := l.index[it]; ok && plain[j] && !p.edited(it) {
			continue
		}
		reconcile = append(reconcile, it)
	}
	if err := kio.ReconcileInternalAnnotations(reconcile, nodeAnnos); err != nil {
		return err
	}
	results, err := resultsNode(rl.Results, l.results)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.Grow(len(in) + len(in)/2)
	if err := writeHeader(&buf, l.apiVersion, l.kind, len(rl.Items) > 0); err != nil {
		return err
	}
	for i, it := range rl.Items {
		if err := yaml.ClearEmptyAnnotations(it); err != nil {
			return err
		}
		if j, ok := l.index[it]; ok && !p.edited(it) && before[j].same(it.YNode()) {
			buf.WriteString(l.text[j])
			continue
		}
		if err := encodeItem(&buf, it.YNode(), i > 0); err != nil {
			return err
		}
	}
	if err := writeTail(&buf, rl.FunctionConfig, results); err != nil {
		return err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	return retErr
}

// executeKio is framework.Execute: kyaml reads the list, keeps the path/index
// annotations in step around Process, and writes every item re-encoded.
func executeKio(p tracker, rw *kio.ByteReadWriter) error {
	items, err := rw.Read()
	if err != nil {
		return fmt.Errorf("failed to read ResourceList input: %w", err)
	}
	rl := ResourceList{Items: items, FunctionConfig: rw.FunctionConfig}
	nodeAnnos, err := kio.PreprocessResourcesForInternalAnnotationMigration(rl.Items)
	if err != nil {
		return err
	}
	retErr := p.Process(&rl)
	if err := kio.ReconcileInternalAnnotations(rl.Items, nodeAnnos); err != nil {
		return err
	}
	if rw.Results, err = resultsNode(rl.Results, rw.Results); err != nil {
		return err
	}
	if err := rw.Write(rl.Items); err != nil {
		return err
	}
	return retErr
}

// resultsNode is the results field to write: rs encoded, or the input's results
// when the function has none, as framework.Execute does.
func resultsNode(rs Results, input *yaml.RNode) (*yaml.RNode, error) {
	if len(rs) == 0 {
		return input, nil
	}
	b, err := yaml.Marshal(rs)
	if err != nil {
		return nil, err
	}
	return yaml.Parse(string(b))
}

// shape is what the annotation bookkeeping may change in an item: its top-level
// fields, metadata's fields and the annotations. Every edit the bookkeeping makes
// and takes back shows in one of them.
type shape struct {
	top, meta []*yaml.Node
	ann       []yaml.Node // copies: SetAnnotation rewrites value nodes in place
	annNode   *yaml.Node
}

func shapeOf(n *yaml.Node) shape {
	s := shape{top: append([]*yaml.Node(nil), n.Content...)}
	meta := yamltree.Get(n, "metadata")
	if meta == nil {
		return s
	}
	s.meta = append([]*yaml.Node(nil), meta.Content...)
	if a := yamltree.Get(meta, "annotations"); a != nil {
		s.annNode = a
		s.ann = make([]yaml.Node, len(a.Content))
		for i, c := range a.Content {
			s.ann[i] = *c
		}
	}
	return s
}

func (s shape) same(n *yaml.Node) bool {
	t := shapeOf(n)
	if !samePtrs(s.top, t.top) || !samePtrs(s.meta, t.meta) || s.annNode != t.annNode || len(s.ann) != len(t.ann) {
		return false
	}
	for i := range s.ann {
		a, b := &s.ann[i], &t.ann[i]
		if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value ||
			a.HeadComment != b.HeadComment || a.LineComment != b.LineComment || a.FootComment != b.FootComment || len(a.Content) != len(b.Content) {
			return false
		}
	}
	return true
}

// bookkeeping are the annotations kio's path/index bookkeeping reads or writes.
var bookkeeping = map[string]bool{
	kioutil.PathAnnotation: true, kioutil.IndexAnnotation: true, kioutil.IdAnnotation: true,
	annoPath: true, annoIndex: true, "config.k8s.io/id": true, // the legacy forms
	kioutil.InternalAnnotationsMigrationResourceIDAnnotation: true,
}

// unmanaged reports whether the bookkeeping leaves an item as it was: metadata a
// mapping, annotations absent or a mapping, none of them the bookkeeping's.
func unmanaged(n *yaml.Node) bool {
	meta, ok := single(n, "metadata")
	if !ok || meta == nil || meta.Kind != yaml.MappingNode {
		return false
	}
	a, ok := single(meta, "annotations")
	if !ok {
		return false
	}
	if a == nil {
		return true
	}
	if a.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(a.Content); i += 2 {
		if k := a.Content[i]; k.Kind != yaml.ScalarNode || bookkeeping[k.Value] {
			return false
		}
	}
	return true
}

// single is the value of key in mapping n (nil when absent); false when the key
// is there twice.
func single(n *yaml.Node, key string) (*yaml.Node, bool) {
	var v *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			if v != nil {
				return nil, false
			}
			v = n.Content[i+1]
		}
	}
	return v, true
}

func samePtrs(a, b []*yaml.Node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// separators are what kio.ByteReader splits documents at; a stream of several
// documents is not one ResourceList, and kyaml handles it.
var separators = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\n---.*\n`) })

// explicitIndent is a block scalar header with an indentation indicator, which
// would be wrong after the item is shifted left.
var explicitIndent = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[|>][-+]?[1-9]`) })

// splitList decodes a ResourceList as kio.ByteReader does and cuts each item's
// text out of the input, or reports that the input is not in the block layout
// that kustomize and kpt write (then the caller lets kyaml do everything).
func splitList(in []byte) (*rawList, bool) {
	s := strings.ReplaceAll(string(in), "\r\n", "\n")
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "%") || separators().MatchString(s) {
		return nil, false
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(strings.NewReader(s)).Decode(&doc); err != nil {
		return nil, false
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, false
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode || root.Style&yaml.FlowStyle != 0 || strings.ContainsAny(s, "&*") && hasAnchors(root) {
		return nil, false
	}
	l := &rawList{}
	var items *yaml.Node
	next := 0 // the line of the first key after items, 0 for none
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] || k.Kind != yaml.ScalarNode {
			return nil, false
		}
		seen[k.Value] = true
		if items != nil && next == 0 {
			if k.HeadComment != "" {
				return nil, false
			}
			next = k.Line
		}
		switch k.Value {
		case "apiVersion", "kind":
			if v.Kind != yaml.ScalarNode {
				return nil, false
			}
			if k.Value == "kind" {
				l.kind = v.Value
			} else {
				l.apiVersion = v.Value
			}
		case "items":
			items = v
		case "functionConfig":
			l.functionConfig = yaml.NewRNode(v)
		case "results":
			l.results = yaml.NewRNode(v)
		default:
			return nil, false
		}
	}
	if l.kind != kio.ResourceListKind && l.kind != "List" || items == nil || items.Kind != yaml.SequenceNode ||
		items.Style&yaml.FlowStyle != 0 || items.HeadComment != "" || items.LineComment != "" || items.FootComment != "" {
		return nil, false
	}
	lines := strings.SplitAfter(s, "\n")
	if next == 0 {
		next = len(lines) + 1
	}
	l.index = make(map[*yaml.RNode]int, len(items.Content))
	for i, it := range items.Content {
		end := next
		if i+1 < len(items.Content) {
			end = items.Content[i+1].Line
		}
		text, ok := itemText(it, lines, end)
		if !ok {
			return nil, false
		}
		rn := yaml.NewRNode(it)
		l.index[rn] = i
		l.items = append(l.items, rn)
		l.text = append(l.text, text)
	}
	return l, true
}

// itemText is the text of a block sequence entry from its "- " line up to the
// line end (exclusive), shifted so that the entry sits at column 0 as kyaml's
// writer puts it.
func itemText(it *yaml.Node, lines []string, end int) (string, bool) {
	if it.Kind != yaml.MappingNode || it.Style&yaml.FlowStyle != 0 || it.HeadComment != "" ||
		len(it.Content) == 0 || it.Content[0].HeadComment != "" || it.Line < 1 || end <= it.Line || end > len(lines)+1 {
		return "", false
	}
	first := lines[it.Line-1]
	col := it.Column - 1 // where the entry's keys start
	if col < 2 || len(first) < col || first[:col] != strings.Repeat(" ", col-2)+"- " {
		return "", false
	}
	shift, indent := col-2, strings.Repeat(" ", col)
	var b strings.Builder
	b.WriteString(first[shift:])
	for _, line := range lines[it.Line : end-1] {
		if line == "" {
			continue
		}
		if strings.TrimLeft(line, " \n") == "" {
			b.WriteString(line[min(shift, len(line)-1):])
			continue
		}
		// Every other line of the entry is indented past the dash: a line at
		// the sequence's own column is a comment the decoder may give to a
		// neighbour, or the end of the list.
		if !strings.HasPrefix(line, indent) {
			return "", false
		}
		b.WriteString(line[shift:])
	}
	text := b.String()
	if shift > 0 && explicitIndent().MatchString(text) {
		return "", false
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return text, true
}

func hasAnchors(n *yaml.Node) bool {
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		return true
	}
	for _, c := range n.Content {
		if hasAnchors(c) {
			return true
		}
	}
	return false
}

// writeHeader writes what kio.ByteWriter writes before the items.
func writeHeader(buf *bytes.Buffer, apiVersion, kind string, items bool) error {
	var b bytes.Buffer
	doc := listDoc(
		&yaml.Node{Kind: yaml.ScalarNode, Value: "apiVersion"}, &yaml.Node{Kind: yaml.ScalarNode, Value: apiVersion},
		&yaml.Node{Kind: yaml.ScalarNode, Value: "kind"}, &yaml.Node{Kind: yaml.ScalarNode, Value: kind},
		&yaml.Node{Kind: yaml.ScalarNode, Value: "items"}, &yaml.Node{Kind: yaml.SequenceNode})
	if err := encodeDoc(&b, doc); err != nil {
		return err
	}
	out := b.String()
	if items {
		out = strings.TrimSuffix(out, " []\n") + "\n"
	}
	buf.WriteString(out)
	return nil
}

// encodeItem writes an item as kio.ByteWriter does inside the list. A first
// entry before it (dropped again) keeps the encoder's view of its position.
func encodeItem(buf *bytes.Buffer, n *yaml.Node, notFirst bool) error {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	if notFirst {
		seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "x"})
	}
	seq.Content = append(seq.Content, n)
	var b bytes.Buffer
	if err := encodeDoc(&b, listDoc(&yaml.Node{Kind: yaml.ScalarNode, Value: "items"}, seq)); err != nil {
		return err
	}
	out := strings.TrimPrefix(b.String(), "items:\n")
	if notFirst {
		out = strings.TrimPrefix(out, "- x\n")
	}
	buf.WriteString(out)
	return nil
}

// writeTail writes functionConfig and results after the items, behind a first
// field (dropped again) as apiVersion is in kyaml's list.
func writeTail(buf *bytes.Buffer, fc, results *yaml.RNode) error {
	if fc == nil && results == nil {
		return nil
	}
	content := []*yaml.Node{{Kind: yaml.ScalarNode, Value: "a"}, {Kind: yaml.ScalarNode, Value: "b"}}
	if fc != nil {
		content = append(content, &yaml.Node{Kind: yaml.ScalarNode, Value: "functionConfig"}, fc.YNode())
	}
	if results != nil {
		content = append(content, &yaml.Node{Kind: yaml.ScalarNode, Value: "results"}, results.YNode())
	}
	var b bytes.Buffer
	if err := encodeDoc(&b, listDoc(content...)); err != nil {
		return err
	}
	buf.WriteString(strings.TrimPrefix(b.String(), "a: b\n"))
	return nil
}

func listDoc(content ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Content: content}}}
}

func encodeDoc(w io.Writer, doc *yaml.Node) error {
	enc := yaml.NewEncoder(w)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}
