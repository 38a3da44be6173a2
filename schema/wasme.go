package schema

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"

	"github.com/wasmgen/wasmgen/yamltree"

	"strconv"

	"github.com/wasmgen/wasmgen/compat"
)

// FilterDeployment is the wasme operator's resource (wasme.io/v1), accepted as input
// so existing wasme users can switch without rewriting their specs.
type FilterDeployment struct {
	APIVersion string               `json:"apiVersion"`
	Kind       string               `json:"kind"`
	Metadata   ObjectMeta           `json:"metadata"`
	Spec       FilterDeploymentSpec `json:"spec"`
}

// FilterDeploymentSpec mirrors wasme's spec.filter and spec.deployment.
type FilterDeploymentSpec struct {
	Filter     WasmeFilter     `json:"filter"`
	Deployment WasmeDeployment `json:"deployment"`
}

// WasmeFilter is wasme's filter: its image, config and root id.
type WasmeFilter struct {
	ID               string            `json:"id,omitempty"`
	Image            string            `json:"image"`
	Config           *Config           `json:"config,omitempty"`
	RootID           string            `json:"rootID,omitempty"`
	PatchContext     string            `json:"patchContext,omitempty"`
	ImagePullOptions *ImagePullOptions `json:"imagePullOptions,omitempty"`
}

// ImagePullOptions is accepted and ignored: the cluster pulls images, not wasmgen.
type ImagePullOptions struct {
	PullSecret string `json:"pullSecret,omitempty"`
	PullPolicy string `json:"pullPolicy,omitempty"`
}

// WasmeDeployment is where wasme deployed the filter.
type WasmeDeployment struct {
	Istio *WasmeIstio `json:"istio,omitempty"`
}

// WasmeIstio selects the workloads of one kind by labels.
type WasmeIstio struct {
	Kind           string            `json:"kind,omitempty"`
	Labels         map[string]string `json:"labels,omitempty"`
	IstioNamespace string            `json:"istioNamespace,omitempty"`
}

// stringValueType is the Any type wasme's config used after Aug 2020.
const stringValueType = "type.googleapis.com/google.protobuf.StringValue"

// decodeFilterDeployment decodes a FilterDeployment and maps it onto a WasmFilter,
// keeping wasme's choices: vm_id = plugin name = filter id; "" context = inbound.
func decodeFilterDeployment(file string, doc *yaml.Node) (*Document, diag.List) {
	d := &Document{File: file, From: WasmeKind, root: doc, pos: map[string]diag.Pos{}, failed: map[string]bool{}}
	var fd FilterDeployment
	dec := decoder{file: file, pos: d.pos, failed: d.failed}
	// status is written by the operator; ignore it rather than call it unknown.
	stripped := *doc
	stripped.Content = nil
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "status" {
			continue
		}
		stripped.Content = append(stripped.Content, doc.Content[i], doc.Content[i+1])
	}
	dec.value(&stripped, reflect.ValueOf(&fd).Elem(), "")
	if fd.APIVersion != WasmeAPIVersion {
		dec.errs.Errorf(d.Pos("apiVersion"), "apiVersion", CodeKind, "unsupported apiVersion %q for kind %s; expected %q", fd.APIVersion, WasmeKind, WasmeAPIVersion)
	}
	f := &d.Filter
	f.APIVersion, f.Kind = APIVersion, Kind
	f.Metadata = fd.Metadata
	s := &f.Spec
	s.Module.Image = fd.Spec.Filter.Image
	d.alias("spec.module.image", "spec.filter.image")
	s.RootID = fd.Spec.Filter.RootID
	d.alias("spec.rootID", "spec.filter.rootID")
	s.VMID = fd.Spec.Filter.ID
	d.alias("spec.vmID", "spec.filter.id")
	if s.VMID == "" && f.Metadata.Name != "" {
		ns := f.Metadata.Namespace
		if ns == "" {
			ns = DefaultNamespace
		}
		s.VMID = f.Metadata.Name + "." + ns
	}
	s.Context = fd.Spec.Filter.PatchContext
	d.alias("spec.context", "spec.filter.patchContext")
	if c := fd.Spec.Filter.Config; c != nil && c.Node != nil {
		s.Config = unwrapStringValue(c, &dec.errs, d)
	}
	d.alias("spec.config", "spec.filter.config")
	if ist := fd.Spec.Deployment.Istio; ist != nil {
		s.Selector.MatchLabels = ist.Labels
		d.alias("spec.selector.matchLabels", "spec.deployment.istio.labels")
		d.WorkloadKind = ist.Kind
		if w, ok := Workload(ist.Kind); ist.Kind != "" && (!ok || !w.Wasme) {
			kinds := WorkloadKindNames(func(w WorkloadKind) bool { return w.Wasme })
			dec.errs.Add(diag.Finding{Pos: d.Pos("spec.deployment.istio.kind"), Path: "spec.deployment.istio.kind", Severity: diag.Error, Code: CodeEnum,
				Msg:  fmt.Sprintf("unknown workload kind %q; expected one of %s", ist.Kind, strings.Join(kinds, ", ")),
				Hint: diag.DidYouMean(ist.Kind, kinds)})
		}
	}
	return d, dec.errs
}

// alias makes a WasmFilter field path report at the FilterDeployment field it came from.
func (d *Document) alias(to, from string) {
	if p, ok := d.pos[from]; ok {
		d.pos[to] = p
	}
}

// unwrapStringValue accepts wasme's two config forms: a plain string, or an Any
// {"@type": ".../google.protobuf.StringValue", value: "..."}.
func unwrapStringValue(c *Config, errs *diag.List, d *Document) *Config {
	n := c.Node
	if n.Kind == yaml.ScalarNode {
		return c
	}
	if n.Kind == yaml.MappingNode {
		t := yamltree.Field(n, "@type")
		v := yamltree.Field(n, "value")
		if t != nil && t.Value == stringValueType && v != nil && v.Kind == yaml.ScalarNode {
			return &Config{Node: v}
		}
		if t != nil {
			errs.Errorf(yamltree.Pos(d.File, t), "spec.filter.config.@type", CodeType, "unsupported config type %q; expected %q (wasme's string config)", t.Value, stringValueType)
			return nil
		}
	}
	return c
}

// CheckWasme checks what of a FilterDeployment depends on the wasme release that
// reads it, taken as the one for Istio release v.
func CheckWasme(d *Document, v compat.Istio) diag.List {
	var l diag.List
	if d == nil || d.From != WasmeKind {
		return l
	}
	c := yamltree.Field(yamltree.Field(yamltree.Field(d.root, "spec"), "filter"), "config")
	if c != nil && c.Kind == yaml.ScalarNode && c.Tag != "!!null" && v.Has(compat.WasmeAnyConfig) {
		l.Add(diag.Finding{Pos: yamltree.Pos(d.File, c), Path: "spec.filter.config", Severity: diag.Error, Code: CodeType,
			Msg:  fmt.Sprintf("the wasme operator for Istio %s (wasme v0.0.21 and later) reads spec.filter.config as a google.protobuf.Any: a plain string fails to decode and the filter is never deployed", v),
			Hint: fmt.Sprintf("wrap it: config: {'@type': %s, value: %s}", stringValueType, strconv.Quote(c.Value))})
	}
	return l
}
