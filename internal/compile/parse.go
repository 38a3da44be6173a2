package compile

import (
	"bytes"
	"runtime"
	"sync"

	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/yamltree"
)

// Doc is one parsed input document.
type Doc struct {
	File string
	Node *yaml.Node
}

// parallelParseBytes is the input size from which Parse splits a file: below it,
// starting goroutines costs more than it saves.
const parallelParseBytes = 64 << 10

// Parse splits sources into documents, `v1` Lists expanded. A large file of many
// documents is split at its "---" lines and the parts parsed on every core: YAML
// parsing is the largest cost of checking a thousand EnvoyFilters. Anything the split
// could change (a directive, a syntax or encoding error, a limit reached) is parsed
// whole instead, so documents and findings are the same either way.
func Parse(srcs []load.Source, lim yamltree.Limits) ([]Doc, diag.List) {
	var docs []Doc
	var l diag.List
	for _, s := range srcs {
		d, ok := parseSplit(s, lim)
		if !ok {
			var errs diag.List
			d, errs = parseWhole(s, lim)
			l.Append(errs)
		}
		docs = append(docs, d...)
	}
	return docs, l
}

func parseWhole(s load.Source, lim yamltree.Limits) ([]Doc, diag.List) {
	nodes, errs := yamltree.ParseDocuments(s.Name, s.Data, lim)
	var docs []Doc
	for _, n := range nodes {
		docs = append(docs, Items(Doc{File: s.Name, Node: n})...)
	}
	return docs, errs
}

// Items expands a `v1` List (what `kubectl get -o yaml` and `render --format
// json` write) into its items, as kubectl does; any other document is itself.
func Items(d Doc) []Doc {
	apiVersion, kind := yamltree.TypeMeta(d.Node)
	items := yamltree.Field(d.Node, "items")
	if apiVersion != "v1" || kind != "List" || items == nil || items.Kind != yaml.SequenceNode {
		return []Doc{d}
	}
	out := make([]Doc, 0, len(items.Content))
	for _, it := range items.Content {
		out = append(out, Doc{File: d.File, Node: it})
	}
	return out
}

// parseSplit parses s in parts on every core; it reports false if s must be parsed
// whole.
func parseSplit(s load.Source, lim yamltree.Limits) ([]Doc, bool) {
	parts := splitDocuments(s.Data, runtime.GOMAXPROCS(0)*4)
	if len(parts) < 2 || (lim.MaxBytes > 0 && int64(len(s.Data)) > lim.MaxBytes) {
		return nil, false
	}
	nodes := make([][]*yaml.Node, len(parts))
	ok := make([]bool, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, errs := yamltree.ParseDocuments(s.Name, s.Data[p.start:p.end], lim)
			nodes[i], ok[i] = n, len(errs) == 0
		}()
	}
	wg.Wait()
	var docs []Doc
	for i, p := range parts {
		if !ok[i] {
			return nil, false
		}
		for _, n := range nodes[i] {
			yamltree.ShiftLines(n, p.line-1)
			docs = append(docs, Items(Doc{File: s.Name, Node: n})...)
		}
	}
	if lim.MaxDocuments > 0 && len(docs) > lim.MaxDocuments {
		return nil, false
	}
	return docs, true
}

type docPart struct {
	start, end int // byte offsets
	line       int // line number of start
}

// splitDocuments cuts data before "---" lines into at most n parts of about equal
// size. It returns nothing if the stream has a directive (%YAML, %TAG), which
// applies across the cut.
func splitDocuments(data []byte, n int) []docPart {
	if len(data) < parallelParseBytes || n < 2 {
		return nil
	}
	want := len(data) / n
	parts := []docPart{{start: 0, line: 1}}
	line := 1
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off + 1
		}
		ln := data[off:end]
		if len(ln) > 0 && ln[0] == '%' {
			return nil
		}
		if isDocumentStart(ln) && off-parts[len(parts)-1].start >= want {
			parts[len(parts)-1].end = off
			parts = append(parts, docPart{start: off, line: line})
		}
		off = end
		line++
	}
	parts[len(parts)-1].end = len(data)
	return parts
}

// isDocumentStart reports whether a line is a "---" document marker.
func isDocumentStart(ln []byte) bool {
	if !bytes.HasPrefix(ln, []byte("---")) {
		return false
	}
	return len(ln) == 3 || ln[3] == ' ' || ln[3] == '\t' || ln[3] == '\n' || ln[3] == '\r'
}
