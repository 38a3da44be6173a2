// Package pin points the module of a WasmFilter spec at a pushed image by
// digest. It changes only the bytes of module.image (and of module.sha256, or adds
// that one line, where the delivery needs it): comments, quoting, key order,
// indentation, line endings and every other document stay as they were. It is
// pure: text in, text out; `wasmgen package --pin` does the file I/O.
package pin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/go-containerregistry/pkg/name"
	yaml "go.yaml.in/yaml/v3"
)

// Target is the pushed image.
type Target struct {
	// Repository is the pushed repository as go-containerregistry names it
	// (name.Repository.Name()), to tell which filter of several to pin.
	Repository string
	// Reference is repository@sha256:<hex>, the new module.image.
	Reference string
	// ManifestSHA256 is the manifest digest's hex: what istio-agent and Envoy
	// Gateway compare a checksum with for an oci:// module (istio/istio
	// pkg/wasm/cache.go, envoyproxy/gateway internal/wasm/cache.go: dChecksum is the
	// image digest PrepareFetch returns).
	ManifestSHA256 string
	// WasmeLayerSHA256 is the hex sha256 of the image's raw Wasm content layer,
	// the name wasme's cache gives the file (solo-io/wasm
	// tools/wasme/cli/pkg/deploy/istio/istio_provider.go: Digest2filename of the
	// content layer's descriptor); "" when the image is not in wasme's format,
	// which is the only one wasme's cache pulls (tools/wasme/pkg/pull/image.go
	// looks up the application/vnd.module.wasm.content.layer.v1+wasm layer).
	WasmeLayerSHA256 string
	// Format is the image's --format name, for messages.
	Format string
}

// Change is one scalar pin changed or added.
type Change struct {
	Filter string `json:"filter"` // namespace/name
	Field  string `json:"field"`  // spec.module.image or spec.module.sha256
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Old    string `json:"old,omitempty"` // empty when the field was added
	New    string `json:"new"`
}

// Error is a spec pin refuses to change, with its position.
type Error struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

const hostPath = "hostPath"

// filter is one WasmFilter document of the file.
type filter struct {
	id       string // namespace/name
	line     int
	module   *yaml.Node // the module mapping
	imageKey *yaml.Node
	image    *yaml.Node
	shaKey   *yaml.Node
	sha      *yaml.Node
	delivery *yaml.Node
}

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// Pin rewrites the WasmFilter of src whose module.image is the pushed
// repository (or the only one with a module.image) to t. It refuses, changing
// nothing, when it cannot tell which filter is meant or where exactly the bytes
// to change are. Pinning twice changes nothing the second time.
func Pin(file string, src []byte, t Target) ([]byte, []Change, error) {
	fail := func(n *yaml.Node, format string, args ...any) ([]byte, []Change, error) {
		e := &Error{File: file, Msg: fmt.Sprintf(format, args...)}
		if n != nil {
			e.Line, e.Column = n.Line, n.Column
		}
		return nil, nil, e
	}
	docs, err := decodeAll(src)
	if err != nil {
		return fail(nil, "%v", err)
	}
	var filters []*filter
	for _, d := range docs {
		f, ferr := findFilter(file, d)
		if ferr != nil {
			return nil, nil, ferr
		}
		if f != nil {
			filters = append(filters, f)
		}
	}
	var withImage []*filter
	for _, f := range filters {
		if f.image != nil {
			withImage = append(withImage, f)
		}
	}
	switch {
	case len(filters) == 0:
		return fail(nil, "no WasmFilter (apiVersion wasmgen.io/v1alpha1) in the file: --pin rewrites a WasmFilter spec's module.image")
	case len(withImage) == 0:
		f := filters[0]
		return fail(f.module, "WasmFilter %s has no spec.module.image (its module is a path or url): set module.image to %s yourself, or leave out --pin", f.id, t.Reference)
	}
	chosen := withImage
	if len(withImage) > 1 {
		chosen = nil
		for _, f := range withImage {
			if repositoryOf(f.image.Value) == t.Repository {
				chosen = append(chosen, f)
			}
		}
		if len(chosen) == 0 {
			var list []string
			for _, f := range withImage {
				list = append(list, fmt.Sprintf("%s (line %d: %s)", f.id, f.image.Line, f.image.Value))
			}
			return fail(nil, "%d WasmFilters have a module.image and none is in %s, so it is not clear which to pin: %s; push to the repository of the one you mean, or keep one filter per file",
				len(withImage), t.Repository, strings.Join(list, ", "))
		}
	}

	var edits []edit
	var changes []Change
	for _, f := range chosen {
		es, cs, err := pinFilter(file, src, f, t)
		if err != nil {
			return nil, nil, err
		}
		edits = append(edits, es...)
		changes = append(changes, cs...)
	}
	out := apply(src, edits)
	if err := sameBut(docs, out, chosen, changes); err != nil {
		return fail(nil, "internal error: pinning would change more than module.image and module.sha256 (%v); nothing was written", err)
	}
	return out, changes, nil
}

func pinFilter(file string, src []byte, f *filter, t Target) ([]edit, []Change, error) {
	fail := func(n *yaml.Node, format string, args ...any) ([]edit, []Change, error) {
		return nil, nil, &Error{File: file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)}
	}
	var edits []edit
	var changes []Change
	img := t.Reference
	if strings.HasPrefix(f.image.Value, "oci://") {
		img = "oci://" + img
	}
	if f.image.Value != img {
		e, err := replace(src, f.image, img)
		if err != nil {
			return fail(f.image, "spec.module.image: %v", err)
		}
		edits = append(edits, e)
		changes = append(changes, Change{f.id, "spec.module.image", f.image.Line, f.image.Column, f.image.Value, img})
	}
	sha := ""
	switch {
	case f.delivery != nil && f.delivery.Value == hostPath:
		if t.WasmeLayerSHA256 == "" {
			return fail(f.delivery, "spec.delivery: delivery hostPath loads the module from wasme's cache (/var/local/lib/wasme-cache/<sha256>), and wasme's cache pulls only images in wasme's format (a %s layer), not --format %s: package with --format wasme, or use delivery: agent (Istio 1.12+)",
				"application/vnd.module.wasm.content.layer.v1+wasm", t.Format)
		}
		sha = t.WasmeLayerSHA256
	case f.sha != nil && f.sha.Value != "":
		// A checksum beside an oci:// module is compared with the manifest digest;
		// the old one would fail the new image. Without one, the digest in the
		// reference is the checksum (istio/istio pkg/wasm/cache.go getEntry).
		sha = t.ManifestSHA256
	}
	if sha == "" || (f.sha != nil && f.sha.Value == sha) {
		return edits, changes, nil
	}
	if f.sha != nil {
		e, err := replace(src, f.sha, sha)
		if err != nil {
			return fail(f.sha, "spec.module.sha256: %v", err)
		}
		edits = append(edits, e)
		changes = append(changes, Change{f.id, "spec.module.sha256", f.sha.Line, f.sha.Column, f.sha.Value, sha})
		return edits, changes, nil
	}
	e, line, col, err := insertSHA(src, f, sha)
	if err != nil {
		return fail(f.imageKey, "spec.module: %v", err)
	}
	edits = append(edits, e)
	changes = append(changes, Change{f.id, "spec.module.sha256", line, col, "", sha})
	return edits, changes, nil
}

func decodeAll(src []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("invalid YAML: %v", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		docs = append(docs, &n)
	}
}

// findFilter finds the parts of a WasmFilter document pin reads; nil for another kind.
func findFilter(file string, doc *yaml.Node) (*filter, error) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	root := doc.Content[0]
	_, kind := get(root, "kind")
	_, api := get(root, "apiVersion")
	if kind == nil || kind.Value != "WasmFilter" || api == nil || !strings.HasPrefix(api.Value, "wasmgen.io/") {
		return nil, nil
	}
	f := &filter{line: root.Line}
	name, ns := "", "default"
	if _, md := get(root, "metadata"); md != nil && md.Kind == yaml.MappingNode {
		if _, n := get(md, "name"); n != nil {
			name = n.Value
		}
		if _, n := get(md, "namespace"); n != nil && n.Value != "" {
			ns = n.Value
		}
	}
	f.id = ns + "/" + name
	refuse := func(n *yaml.Node, format string, args ...any) (*filter, error) {
		return nil, &Error{File: file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)}
	}
	_, spec := get(root, "spec")
	if spec == nil || spec.Kind != yaml.MappingNode {
		f.module = root
		return f, nil
	}
	if _, d := get(spec, "delivery"); d != nil {
		f.delivery = d
	}
	_, mod := get(spec, "module")
	if mod == nil {
		f.module = spec
		return f, nil
	}
	f.module = mod
	if mod.Kind == yaml.AliasNode || mod.Anchor != "" {
		return refuse(mod, "spec.module of WasmFilter %s is a YAML anchor or alias, shared with other places: pin would change them too; write the module out", f.id)
	}
	if mod.Kind != yaml.MappingNode {
		return f, nil
	}
	if k, _ := get(mod, "<<"); k != nil {
		return refuse(k, "spec.module of WasmFilter %s uses a YAML merge key (<<): pin cannot tell which text holds module.image; write the module out", f.id)
	}
	var err error
	if f.imageKey, f.image, err = scalarField(mod, "image"); err != nil {
		return refuse(f.imageKey, "spec.module.image of WasmFilter %s: %v", f.id, err)
	}
	if f.shaKey, f.sha, err = scalarField(mod, "sha256"); err != nil {
		return refuse(f.shaKey, "spec.module.sha256 of WasmFilter %s: %v", f.id, err)
	}
	if f.image != nil && f.image.Value == "" {
		f.image = nil
	}
	return f, nil
}

// scalarField is a string field pin may rewrite.
func scalarField(m *yaml.Node, key string) (*yaml.Node, *yaml.Node, error) {
	var k, v *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			if k != nil {
				return m.Content[i], nil, fmt.Errorf("the key is there twice")
			}
			k, v = m.Content[i], m.Content[i+1]
		}
	}
	switch {
	case v == nil:
		return nil, nil, nil
	case v.Kind == yaml.AliasNode || v.Anchor != "":
		return k, nil, fmt.Errorf("the value is a YAML anchor or alias, shared with other places: write it out")
	case v.Kind != yaml.ScalarNode || !slices.Contains([]string{"!!str", "!!null", "!!int", "!!float"}, v.Tag):
		// A plain digest of digits reads as a number; the spec decoder takes it as text.
		return k, nil, fmt.Errorf("expected a string")
	case v.Tag == "!!null" && key == "image":
		return k, nil, nil
	case v.Tag == "!!null":
		return k, nil, fmt.Errorf("the value is empty: write %s: \"\" or remove the key", key)
	}
	return k, v, nil
}

func get(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func repositoryOf(ref string) string {
	r, err := name.ParseReference(strings.TrimPrefix(ref, "oci://"))
	if err != nil {
		return ""
	}
	return r.Context().Name()
}

// offset is the byte offset of a node's line and column (1-based, columns in
// characters, as yaml.v3 counts them; a byte order mark is not counted).
func offset(src []byte, line, col int) (int, bool) {
	off := 0
	if bytes.HasPrefix(src, []byte("\ufeff")) {
		off = 3
	}
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return 0, false
		}
		off += i + 1
	}
	for c := 1; c < col; c++ {
		if off >= len(src) || src[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(src[off:])
		off += size
	}
	return off, true
}

// token is the extent of a scalar's text in src: [start, end).
func token(src []byte, n *yaml.Node) (int, int, error) {
	start, ok := offset(src, n.Line, n.Column)
	if !ok {
		return 0, 0, errors.New("cannot locate the value in the file")
	}
	end := -1
	switch n.Style {
	case 0:
		if bytes.HasPrefix(src[start:], []byte(n.Value)) {
			end = start + len(n.Value)
			if end < len(src) && !strings.ContainsRune(" \t\r\n,]}", rune(src[end])) {
				end = -1
			}
		}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		end = quotedEnd(src, start, n.Style == yaml.DoubleQuotedStyle)
	}
	if end < 0 {
		return 0, 0, errors.New("the value spans several lines or is a block scalar: write it on one line")
	}
	// The text must read back as the value it replaces.
	var v string
	if err := yaml.Unmarshal(src[start:end], &v); err != nil || v != n.Value {
		return 0, 0, errors.New("cannot locate the value in the file: write it on one line")
	}
	return start, end, nil
}

// quotedEnd is the offset just past the closing quote of a one-line quoted
// scalar starting at start, or -1.
func quotedEnd(src []byte, start int, double bool) int {
	q := byte('\'')
	if double {
		q = '"'
	}
	if start >= len(src) || src[start] != q {
		return -1
	}
	for i := start + 1; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\n' || c == '\r':
			return -1
		case double && c == '\\':
			i++
		case c == q && !double && i+1 < len(src) && src[i+1] == '\'':
			i++
		case c == q:
			return i + 1
		}
	}
	return -1
}

// render writes value in style, as plain text only where YAML reads it back as
// that string (a digest could look like a number).
func render(value string, style yaml.Style) string {
	switch style {
	case yaml.SingleQuotedStyle:
		return "'" + strings.ReplaceAll(value, "'", "''") + "'"
	case 0:
		if plainSafe(value) {
			var n yaml.Node
			if yaml.Unmarshal([]byte(value), &n) == nil && len(n.Content) == 1 && n.Content[0].Tag == "!!str" && n.Content[0].Value == value {
				return value
			}
		}
	}
	b, _ := json.Marshal(value) // JSON strings are YAML double-quoted scalars
	return string(b)
}

// plainSafe: only characters an image reference or a hex digest has, none of
// which can start or end a plain scalar's syntax.
func plainSafe(s string) bool {
	if s == "" || !isAlnum(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && !strings.ContainsRune("._/:@+-", rune(c)) {
			return false
		}
	}
	return !strings.HasSuffix(s, ":")
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func replace(src []byte, n *yaml.Node, value string) (edit, error) {
	start, end, err := token(src, n)
	if err != nil {
		return edit{}, err
	}
	return edit{start, end, render(value, n.Style)}, nil
}

// insertSHA adds sha256 beside module.image: in a flow mapping right after the
// image value, in a block mapping on the line after it, indented like image.
func insertSHA(src []byte, f *filter, sha string) (edit, int, int, error) {
	_, end, err := token(src, f.image)
	if err != nil {
		return edit{}, 0, 0, err
	}
	key := render("sha256", f.imageKey.Style)
	val := render(sha, f.image.Style)
	if f.module.Style&yaml.FlowStyle != 0 {
		return edit{end, end, ", " + key + ": " + val}, f.image.Line, f.image.Column, nil
	}
	keyStart, ok := offset(src, f.imageKey.Line, f.imageKey.Column)
	if !ok {
		return edit{}, 0, 0, errors.New("cannot locate module.image in the file")
	}
	lineStart := bytes.LastIndexByte(src[:keyStart], '\n') + 1
	indent := src[lineStart:keyStart]
	if bytes.HasPrefix(src, []byte("\ufeff")) && lineStart == 0 {
		indent = indent[3:]
	}
	if strings.Trim(string(indent), " ") != "" {
		return edit{}, 0, 0, errors.New("module.image does not start its line: add sha256 yourself")
	}
	eol := "\n"
	at := len(src)
	if i := bytes.IndexByte(src[end:], '\n'); i >= 0 {
		at = end + i + 1
		if i > 0 && src[end+i-1] == '\r' {
			eol = "\r\n"
		}
		return edit{at, at, string(indent) + key + ": " + val + eol}, f.image.Line + 1, f.imageKey.Column, nil
	}
	return edit{at, at, eol + string(indent) + key + ": " + val}, f.image.Line + 1, f.imageKey.Column, nil
}

func apply(src []byte, edits []edit) []byte {
	slices.SortFunc(edits, func(a, b edit) int { return b.start - a.start })
	out := bytes.Clone(src)
	for _, e := range edits {
		out = slices.Concat(out[:e.start], []byte(e.text), out[e.end:])
	}
	return out
}

// sameBut checks that out decodes to docs with exactly the changes made.
func sameBut(docs []*yaml.Node, out []byte, chosen []*filter, changes []Change) error {
	got, err := decodeAll(out)
	if err != nil {
		return err
	}
	if len(got) != len(docs) {
		return fmt.Errorf("%d documents, was %d", len(got), len(docs))
	}
	// Make the intended changes on the old tree, then compare.
	for _, f := range chosen {
		for _, c := range changes {
			if c.Filter != f.id {
				continue
			}
			switch {
			case c.Field == "spec.module.image":
				f.image.Value, f.image.Tag = c.New, "!!str"
			case f.sha != nil:
				f.sha.Value, f.sha.Tag = c.New, "!!str"
			default:
				f.module.Content = append(f.module.Content,
					&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "sha256"},
					&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: c.New})
			}
		}
	}
	for i := range docs {
		if err := equal(docs[i], got[i], ""); err != nil {
			return err
		}
	}
	return nil
}

// equal compares trees by content, ignoring positions, styles and comments;
// mappings as sets of keys (an added key may come anywhere).
func equal(a, b *yaml.Node, path string) error {
	if a.Kind != b.Kind || a.Tag != b.Tag || a.Value != b.Value || a.Anchor != b.Anchor || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s differs", strings.TrimPrefix(path, "."))
	}
	if a.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(a.Content); i += 2 {
			found := false
			for j := 0; j+1 < len(b.Content); j += 2 {
				if b.Content[j].Value == a.Content[i].Value {
					if err := equal(a.Content[i+1], b.Content[j+1], path+"."+a.Content[i].Value); err != nil {
						return err
					}
					found = true
					break
				}
			}
			if !found {
				return fmt.Errorf("%s.%s is missing", strings.TrimPrefix(path, "."), a.Content[i].Value)
			}
		}
		return nil
	}
	for i := range a.Content {
		if err := equal(a.Content[i], b.Content[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}
