package krm

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Document is one document of a plain manifest stream (Helm's rendered output),
// kept as its exact bytes so that what passes through is written back byte for
// byte: comments (Helm's "# Source:" lines), quoting, key order and indentation.
type Document struct {
	Sep  string      // the separator line before it ("---\n"), "" for the first
	Raw  string      // the document's text
	Node *yaml.RNode // nil for a document with no object (only comments, or empty)
	doc  *yaml.Node  // the document node, head comments included
}

var separator = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^---[ \t]*(?:#.*)?(?:\n|$)`) })

// ReadStream splits a manifest stream into documents and parses each one.
func ReadStream(b []byte) ([]Document, error) {
	s := string(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")))
	locs := separator().FindAllStringIndex(s, -1)
	var docs []Document
	add := func(sep, raw string) error {
		d := Document{Sep: sep, Raw: raw}
		if err := d.parse(len(docs)); err != nil {
			return err
		}
		docs = append(docs, d)
		return nil
	}
	end := len(s)
	if len(locs) > 0 {
		end = locs[0][0]
	}
	if end > 0 {
		if err := add("", s[:end]); err != nil {
			return nil, err
		}
	}
	for i, loc := range locs {
		next := len(s)
		if i+1 < len(locs) {
			next = locs[i+1][0]
		}
		if err := add(s[loc[0]:loc[1]], s[loc[1]:next]); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

func (d *Document) parse(i int) error {
	var n yaml.Node
	err := yaml.NewDecoder(bytes.NewBufferString(d.Raw)).Decode(&n)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("document %d: %v", i+1, err)
	}
	if len(n.Content) == 0 || n.Content[0].Tag == "!!null" {
		return nil
	}
	if n.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("document %d: expected a Kubernetes object (a mapping), found a %s", i+1, describeKind(n.Content[0].Kind))
	}
	d.doc = &n
	d.Node = yaml.NewRNode(n.Content[0])
	return nil
}

func describeKind(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	}
	return "document"
}

// Items are the stream's objects, in order.
func Items(docs []Document) []*yaml.RNode {
	var items []*yaml.RNode
	for _, d := range docs {
		if d.Node != nil {
			items = append(items, d.Node)
		}
	}
	return items
}

// WriteStream writes the output of a run over the stream: documents that were not
// touched as their original bytes, edited ones re-encoded in their own sequence
// indentation, dropped ones left out, and the new objects at the end.
func WriteStream(w io.Writer, docs []Document, out Output) error {
	kept := make(map[*yaml.RNode]bool, len(out.Items))
	for _, it := range out.Items {
		kept[it] = true
	}
	var buf bytes.Buffer
	original := map[*yaml.RNode]bool{}
	for _, d := range docs {
		if d.Node == nil {
			buf.WriteString(d.Sep + d.Raw)
			continue
		}
		original[d.Node] = true
		if !kept[d.Node] {
			continue
		}
		buf.WriteString(d.Sep)
		if !out.Touched[d.Node] {
			buf.WriteString(d.Raw)
			continue
		}
		if err := encode(&buf, d.doc, string(yaml.DeriveSeqIndentStyle(d.Raw))); err != nil {
			return err
		}
	}
	for _, it := range out.Items {
		if original[it] {
			continue
		}
		if buf.Len() > 0 && !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
			buf.WriteByte('\n')
		}
		buf.WriteString("---\n")
		if err := encode(&buf, it.Document(), ""); err != nil {
			return err
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func encode(w io.Writer, n *yaml.Node, seqIndent string) error {
	enc := yaml.NewEncoder(w)
	if seqIndent == string(yaml.WideSequenceStyle) {
		enc.DefaultSeqIndent()
	} else {
		enc.CompactSeqIndent()
	}
	if err := enc.Encode(n); err != nil {
		return err
	}
	return enc.Close()
}
