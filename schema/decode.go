package schema

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/wasmgen/wasmgen/compat"
)

// Codes for decoding problems.
const (
	CodeUnknownField = "WG1101"
	CodeType         = "WG1102"
	CodeDuplicateKey = "WG1103"
	CodeKind         = "WG1104"
	CodeEnum         = "WG1201"
)

// Document is one decoded filter with the positions of its fields, so later checks
// can point at file:line:col.
type Document struct {
	File   string
	Filter WasmFilter
	// From is the kind the document was written as: WasmFilter or FilterDeployment.
	From string
	// WorkloadKind restricts patches to one kind (FilterDeployment's deployment.istio.kind).
	WorkloadKind string
	root         *yaml.Node
	pos          map[string]diag.Pos
	failed       map[string]bool // paths whose value did not decode
}

// MarkFailed records that the value at path is known bad, so later checks skip it.
func (d *Document) MarkFailed(path string) { d.failed[path] = true }

// Failed reports whether the value at path (or an ancestor) did not decode, so later
// checks need not pile more findings on it.
func (d *Document) Failed(path string) bool {
	for {
		if d.failed[path] {
			return true
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return false
		}
		path = path[:i]
	}
}

// Pos returns the position of the value at path, or of its nearest ancestor.
func (d *Document) Pos(path string) diag.Pos {
	for {
		if p, ok := d.pos[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	if d.root != nil {
		return yamltree.Pos(d.File, d.root)
	}
	return diag.Pos{File: d.File}
}

// Display is the path as the spec spells it: its own field names.
func (d *Document) Display(path string) string { return path }

// Has reports whether the field at path was written in the input.
func (d *Document) Has(path string) bool {
	_, ok := d.pos[path]
	return ok
}

// IsFilter reports whether a document is one wasmgen compiles (WasmFilter or
// FilterDeployment), or claims to be: any kind of the wasmgen.io and wasme.io groups,
// so that `kind: WasmFiltr` is an error with a suggestion, not a document skipped.
func IsFilter(doc *yaml.Node) bool {
	apiVersion, kind := yamltree.TypeMeta(doc)
	if kind == Kind || kind == WasmeKind {
		return true
	}
	g, _ := compat.SplitAPIVersion(apiVersion)
	return g == group(APIVersion) || g == group(WasmeAPIVersion)
}

func group(apiVersion string) string {
	g, _ := compat.SplitAPIVersion(apiVersion)
	return g
}

// Decode decodes a WasmFilter or FilterDeployment document strictly: unknown fields,
// wrong types and duplicate keys are errors, each at its position, all reported.
func Decode(file string, doc *yaml.Node) (*Document, diag.List) {
	apiVersion, kind := yamltree.TypeMeta(doc)
	switch {
	case kind == Kind:
		d := &Document{File: file, From: Kind, root: doc, pos: map[string]diag.Pos{}, failed: map[string]bool{}}
		dec := decoder{file: file, pos: d.pos, failed: d.failed}
		dec.value(doc, reflect.ValueOf(&d.Filter).Elem(), "")
		if apiVersion != APIVersion {
			dec.errs.Add(diag.Finding{Pos: d.Pos("apiVersion"), Path: "apiVersion", Severity: diag.Error, Code: CodeKind,
				Msg: fmt.Sprintf("unsupported apiVersion %q for kind %s; expected %q", apiVersion, Kind, APIVersion)})
		}
		return d, dec.errs
	case kind == WasmeKind:
		return decodeFilterDeployment(file, doc)
	}
	var l diag.List
	f := diag.Finding{Pos: yamltree.Pos(file, doc), Path: "kind", Severity: diag.Error, Code: CodeKind,
		Msg: fmt.Sprintf("found kind %q; expected %s or %s", kind, Kind, WasmeKind)}
	if k := yamltree.Field(doc, "kind"); k != nil {
		f.Pos = yamltree.Pos(file, k)
		f.Hint = diag.DidYouMean(kind, []string{Kind, WasmeKind})
	} else {
		f.Msg = "missing kind; expected " + Kind
	}
	l.Add(f)
	return nil, l
}

type decoder struct {
	file   string
	pos    map[string]diag.Pos
	failed map[string]bool
	errs   diag.List
}

var configType = reflect.TypeOf(Config{})

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	n = yamltree.Deref(n)
	d.pos[path] = yamltree.Pos(d.file, n)
	if v.Type() == configType {
		v.Set(reflect.ValueOf(Config{Node: yamltree.Expand(n)}))
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // null leaves the zero value, as in Kubernetes.
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, v.Elem(), path)
	case reflect.Struct:
		d.object(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.typeError(n, path, "a list")
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.value(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.typeError(n, path, "a mapping")
			return
		}
		m := reflect.MakeMap(v.Type())
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := yamltree.Deref(n.Content[i]), n.Content[i+1]
			p := join(path, k.Value)
			if k.Kind != yaml.ScalarNode {
				d.typeError(k, p, "a string key")
				continue
			}
			if seen[k.Value] {
				d.errs.Errorf(yamltree.Pos(d.file, k), p, CodeDuplicateKey, "duplicate key %q", k.Value)
				continue
			}
			seen[k.Value] = true
			ev := reflect.New(v.Type().Elem()).Elem()
			d.value(val, ev, p)
			m.SetMapIndex(reflect.ValueOf(k.Value), ev)
		}
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			f := diag.Finding{Pos: yamltree.Pos(d.file, n), Path: path, Severity: diag.Error, Code: CodeType,
				Msg: fmt.Sprintf("expected a string, found %s", yamltree.Describe(n))}
			if n.Kind == yaml.ScalarNode {
				f.Hint = fmt.Sprintf("quote it: %q", n.Value)
			}
			d.errs.Add(f)
			d.failed[path] = true
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.typeError(n, path, "true or false")
			return
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	case reflect.Int, reflect.Int32, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.typeError(n, path, "an integer")
			return
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil || v.OverflowInt(i) || (v.Kind() == reflect.Int && (i > math.MaxInt32 || i < math.MinInt32)) {
			d.errs.Errorf(yamltree.Pos(d.file, n), path, CodeType, "integer %s is out of range", n.Value)
			d.failed[path] = true
			return
		}
		v.SetInt(i)
	default:
		panic("schema: unsupported field type " + v.Type().String())
	}
}

func (d *decoder) typeError(n *yaml.Node, path, want string) {
	d.failed[path] = true
	d.errs.Errorf(yamltree.Pos(d.file, n), path, CodeType, "expected %s, found %s", want, yamltree.Describe(n))
}

// fields maps json names to struct field indexes.
func fields(t reflect.Type) (map[string]int, []string) {
	m := map[string]int{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		m[name] = i
		names = append(names, name)
	}
	return m, names
}

func (d *decoder) object(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, path, "a mapping")
		return
	}
	idx, names := fields(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := yamltree.Deref(n.Content[i]), n.Content[i+1]
		p := join(path, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.typeError(k, path, "a field name")
			continue
		}
		if seen[k.Value] {
			d.errs.Errorf(yamltree.Pos(d.file, k), p, CodeDuplicateKey, "duplicate field %q", k.Value)
			continue
		}
		seen[k.Value] = true
		fi, ok := idx[k.Value]
		if !ok {
			f := diag.Finding{Pos: yamltree.Pos(d.file, k), Path: p, Severity: diag.Error, Code: CodeUnknownField,
				Msg: fmt.Sprintf("unknown field %q", k.Value), Hint: diag.DidYouMean(k.Value, names)}
			if f.Hint == "" {
				sorted := append([]string(nil), names...)
				sort.Strings(sorted)
				f.Hint = "expected one of " + strings.Join(sorted, ", ")
				// A key dedented out of spec.config lands in spec: say so.
				if path == "spec" && yamltree.Field(n, "config") != nil {
					f.Hint += "; if it belongs to the filter's configuration, indent it under config"
				}
			}
			d.errs.Add(f)
			continue
		}
		d.value(val, v.Field(fi), p)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
