package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/schema"
)

// Pod-template annotations Istio's sidecar injector reads extra volumes from. The
// injection template iterates `range $index, $value := fromJSON (index
// .ObjectMeta.Annotations "sidecar.istio.io/userVolume")` and emits `- name:
// "{{ $index }}"` (manifests/charts/istio-control/istio-discovery/files/
// injection-template.yaml), so the value is a JSON object keyed by volume name.
const (
	AnnotationUserVolume      = "sidecar.istio.io/userVolume"
	AnnotationUserVolumeMount = "sidecar.istio.io/userVolumeMount"
	// proxyContainer is the container the module is mounted into.
	proxyContainer = "istio-proxy"
)

// workloadAPIVersion is the group/version a patch of kind is written in.
func workloadAPIVersion(kind string) string {
	w, _ := schema.Workload(kind)
	return w.APIVersion
}

// PatchTarget selects the resources a kustomize patch applies to (the fields of
// kustomize's types.Selector that wasmgen uses).
type PatchTarget struct {
	Group         string `json:"group,omitempty"`
	Version       string `json:"version,omitempty"`
	Kind          string `json:"kind,omitempty"`
	Name          string `json:"name,omitempty"`
	Namespace     string `json:"namespace,omitempty"`
	LabelSelector string `json:"labelSelector,omitempty"`
}

// WorkloadPatch is a strategic-merge patch of a workload's pod template, placed
// where the kind keeps it. PodTemplate reads it back whatever the kind.
type WorkloadPatch struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Metadata   PatchMeta          `json:"metadata"`
	Spec       *WorkloadPatchSpec `json:"spec,omitempty"`
}

// PatchMeta names the patched workload (a placeholder when targets select by label:
// kustomize gives the patch each selected resource's identity). Annotations are
// set for a bare Pod only: its own metadata is its pod template's.
type PatchMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// WorkloadPatchSpec holds the pod template: spec.template (Deployment,
// StatefulSet, DaemonSet, ReplicaSet, Job), spec.jobTemplate.spec.template
// (CronJob), or for a bare Pod its own spec (the embedded PodSpecPatch).
type WorkloadPatchSpec struct {
	Template    *PodTemplatePatch `json:"template,omitempty"`
	JobTemplate *JobTemplatePatch `json:"jobTemplate,omitempty"`
	*PodSpecPatch
}

// JobTemplatePatch is a CronJob's spec.jobTemplate.
type JobTemplatePatch struct {
	Spec JobSpecPatch `json:"spec"`
}

// JobSpecPatch is the job spec inside a CronJob's jobTemplate.
type JobSpecPatch struct {
	Template *PodTemplatePatch `json:"template"`
}

// PodTemplatePatch adds annotations (sidecars) or volumes and mounts (gateways).
type PodTemplatePatch struct {
	Metadata PodMetaPatch  `json:"metadata,omitempty"`
	Spec     *PodSpecPatch `json:"spec,omitempty"`
}

// PodMetaPatch holds the userVolume annotations.
type PodMetaPatch struct {
	Annotations map[string]string `json:"annotations,omitempty"`
}

// PodSpecPatch adds volumes and the istio-proxy container's mounts; strategic merge
// merges both lists by name.
type PodSpecPatch struct {
	Volumes    []Volume         `json:"volumes,omitempty"`
	Containers []ContainerPatch `json:"containers,omitempty"`
}

// ContainerPatch adds mounts to one container, named for the merge.
type ContainerPatch struct {
	Name         string        `json:"name"`
	VolumeMounts []VolumeMount `json:"volumeMounts"`
}

// newWorkloadPatch places a pod template patch where kind keeps its pod template.
func newWorkloadPatch(kind, name, ns string, t PodTemplatePatch) *WorkloadPatch {
	p := &WorkloadPatch{APIVersion: workloadAPIVersion(kind), Kind: kind, Metadata: PatchMeta{Name: name, Namespace: ns}}
	switch kind {
	case "Pod":
		p.Metadata.Annotations = t.Metadata.Annotations
		if t.Spec != nil {
			p.Spec = &WorkloadPatchSpec{PodSpecPatch: t.Spec}
		}
	case "CronJob":
		p.Spec = &WorkloadPatchSpec{JobTemplate: &JobTemplatePatch{Spec: JobSpecPatch{Template: &t}}}
	default:
		p.Spec = &WorkloadPatchSpec{Template: &t}
	}
	return p
}

// PodTemplate is the pod template part of the patch, wherever the kind keeps it.
func (p *WorkloadPatch) PodTemplate() PodTemplatePatch {
	if p.Kind == "Pod" {
		t := PodTemplatePatch{Metadata: PodMetaPatch{Annotations: p.Metadata.Annotations}}
		if p.Spec != nil {
			t.Spec = p.Spec.PodSpecPatch
		}
		return t
	}
	switch {
	case p.Spec == nil:
	case p.Spec.Template != nil:
		return *p.Spec.Template
	case p.Spec.JobTemplate != nil && p.Spec.JobTemplate.Spec.Template != nil:
		return *p.Spec.JobTemplate.Spec.Template
	}
	return PodTemplatePatch{}
}

// filterMounts is one filter's module volume, collected for the patches.
type filterMounts struct {
	b      *build
	volume Volume
	mount  VolumeMount
}

// gateway reports whether the filter's pods are gateways. Istio's gateway injection
// template has no userVolume loop (gateway-injection-template.yaml), so gateway
// pods get the volume and the istio-proxy mount in their pod spec instead.
func (fm filterMounts) gateway() bool { return fm.b.f.Spec.Context == "gateway" }

// patchGroup is one patch: the filters whose volumes it carries.
type patchGroup struct {
	key      string
	kind     string
	name     string // workload name, or a placeholder
	ns       string
	file     string
	targets  []PatchTarget
	existing map[string]string // the workload's pod annotations (workload mode)
	wlFile   string
	gateway  bool
	mounts   []filterMounts
}

// target is a patch target for kind, split into group and version.
func target(kind, name, ns, sel string) PatchTarget {
	group, version, ok := strings.Cut(workloadAPIVersion(kind), "/")
	if !ok {
		group, version = "", group
	}
	return PatchTarget{Group: group, Version: version, Kind: kind, Name: name, Namespace: ns, LabelSelector: sel}
}

// volumePatches makes the workload patches that mount the filters' modules: per
// named workload when the workload manifests are given (merging their existing
// annotation entries), else per selector, targeted by label.
func volumePatches(mounts []filterMounts, opts Options, l *diag.List) []Object {
	groups := map[string]*patchGroup{}
	var order []string
	add := func(g *patchGroup, fm filterMounts) {
		if have, ok := groups[g.key]; ok {
			have.mounts = append(have.mounts, fm)
			return
		}
		g.mounts = []filterMounts{fm}
		groups[g.key] = g
		order = append(order, g.key)
	}
	for _, fm := range mounts {
		f := fm.b.f
		ns := f.Metadata.Namespace
		restrict := fm.b.in.Doc.WorkloadKind // FilterDeployment's deployment.istio.kind
		if opts.Workloads == nil {
			kinds := schema.WorkloadKindNames(func(w schema.WorkloadKind) bool { return w.ByLabel })
			if restrict != "" {
				kinds = []string{restrict}
			}
			sel := labelSelector(f.Spec.Selector.MatchLabels)
			key := fmt.Sprintf("label|%s|%s|%v|%s", ns, sel, fm.gateway(), strings.Join(kinds, ","))
			g := &patchGroup{key: key, kind: kinds[0], name: "wasmgen-" + f.Metadata.Name, ns: ns,
				file: "patch-" + f.Metadata.Name + ".yaml", gateway: fm.gateway()}
			for _, k := range kinds {
				g.targets = append(g.targets, target(k, "", ns, sel))
			}
			add(g, fm)
			continue
		}
		all := schema.WorkloadKindNames(nil)
		kinds := all
		if restrict != "" {
			kinds = []string{restrict}
		}
		matched := 0
		var excluded []string // matches of another kind than deployment.istio.kind
		for _, w := range opts.Workloads {
			wns := w.Namespace
			if wns == "" {
				wns = schema.DefaultNamespace
			}
			if wns != ns || !selects(f.Spec.Selector.MatchLabels, w.PodLabels) {
				continue
			}
			if !slices.Contains(all, w.Kind) {
				fm.b.rep.Warnf("spec.selector", CodeWorkloadKind, "patch the workload that owns its pods ("+strings.Join(all, ", ")+")",
					"the selector matches %s %s/%s (%s), which wasmgen does not patch", w.Kind, wns, w.Name, w.File)
				continue
			}
			if !slices.Contains(kinds, w.Kind) {
				excluded = append(excluded, w.Kind+" "+w.Name)
				continue
			}
			matched++
			key := "workload|" + w.Kind + "|" + wns + "|" + w.Name
			add(&patchGroup{key: key, kind: w.Kind, name: w.Name, ns: wns,
				file:     "patch-" + strings.ToLower(w.Kind) + "-" + w.Name + ".yaml",
				targets:  []PatchTarget{target(w.Kind, w.Name, wns, "")},
				existing: w.PodAnnotations, wlFile: w.File, gateway: fm.gateway()}, fm)
		}
		if matched == 0 {
			msg := "none of the given workloads in namespace " + ns + " has pod labels matching the selector"
			if restrict != "" {
				msg = "no " + restrict + " among the given workloads in namespace " + ns + " has pod labels matching the selector"
			}
			if len(excluded) > 0 {
				msg += fmt.Sprintf(" (it matches %s, which deployment.istio.kind: %s excludes)", strings.Join(excluded, ", "), restrict)
			}
			fm.b.rep.Warnf("spec.selector", CodeNoWorkload, "include the workload manifests among the inputs, or check spec.selector.matchLabels",
				"%s; no volume patch is generated and the proxy will not find the module", msg)
		}
	}
	var out []Object
	for _, key := range order {
		g := groups[key]
		out = append(out, g.object(l, opts.Workloads == nil))
	}
	return out
}

func (g *patchGroup) object(l *diag.List, byLabel bool) Object {
	vols := map[string]Volume{}
	mnts := map[string]VolumeMount{}
	for _, fm := range g.mounts {
		vols[fm.volume.Name] = fm.volume
		mnts[fm.mount.Name] = fm.mount
	}
	first := g.mounts[0].b
	var t PodTemplatePatch
	if g.gateway {
		spec := &PodSpecPatch{}
		c := ContainerPatch{Name: proxyContainer}
		for _, n := range slices.Sorted(maps.Keys(vols)) {
			spec.Volumes = append(spec.Volumes, vols[n])
			c.VolumeMounts = append(c.VolumeMounts, mnts[n])
		}
		spec.Containers = []ContainerPatch{c}
		t.Spec = spec
	} else {
		volJSON := map[string]any{}
		mntJSON := map[string]any{}
		g.mergeExisting(first, AnnotationUserVolume, volJSON)
		g.mergeExisting(first, AnnotationUserVolumeMount, mntJSON)
		for n, v := range vols {
			volJSON[n] = toJSONTree(v.VolumeSource)
			m := toJSONTree(mnts[n]).(map[string]any)
			delete(m, "name") // the key is the name
			mntJSON[n] = m
		}
		t.Metadata.Annotations = map[string]string{
			AnnotationUserVolume:      canonicalJSON(volJSON),
			AnnotationUserVolumeMount: canonicalJSON(mntJSON),
		}
		if byLabel {
			first.rep.Infof("spec.selector", CodeLabelPatchNote, "include the workload manifests among the inputs to merge with their annotations",
				"the patch targets workloads by label (their metadata.labels must carry the selector's labels) and sets %s outright, replacing entries a workload already has", AnnotationUserVolume)
		}
	}
	p := newWorkloadPatch(g.kind, g.name, g.ns, t)
	return Object{APIVersion: p.APIVersion, Kind: g.kind, Name: g.name, Namespace: g.ns, FileName: g.file,
		Body: p, Source: first.in.Doc, PatchTargets: g.targets}
}

// mergeExisting copies a workload's existing annotation entries: a JSON object
// keyed by name, or wasme's JSON array of named volumes/mounts.
func (g *patchGroup) mergeExisting(b *build, key string, into map[string]any) {
	raw, ok := g.existing[key]
	if !ok || strings.TrimSpace(raw) == "" {
		return
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				into[k] = e
			}
			return
		case []any:
			okAll := true
			for _, e := range t {
				m, isMap := e.(map[string]any)
				name, isStr := m["name"].(string)
				if !isMap || !isStr {
					okAll = false
					continue
				}
				rest := map[string]any{}
				for k, x := range m {
					if k != "name" {
						rest[k] = x
					}
				}
				into[name] = rest
			}
			if okAll {
				return
			}
		}
	}
	b.diags.Add(diag.Finding{Pos: diag.Pos{File: g.wlFile}, Severity: diag.Warning, Code: CodeAnnotation,
		Msg:  fmt.Sprintf("%s %s/%s: annotation %s is not a JSON object or list of named entries; its entries are dropped", g.kind, g.ns, g.name, key),
		Hint: "write it as a JSON object keyed by volume name"})
}

// selects reports whether a selector's labels are all among a pod's labels.
func selects(sel, pod map[string]string) bool {
	for k, v := range sel {
		if pv, ok := pod[k]; !ok || pv != v {
			return false
		}
	}
	return true
}

// labelSelector renders matchLabels as a Kubernetes label selector, keys sorted.
func labelSelector(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ",")
}

// toJSONTree turns a typed value into its generic JSON tree (numbers kept exact).
func toJSONTree(v any) any {
	js, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var t any
	_ = dec.Decode(&t)
	return t
}

// canonicalJSON is compact JSON with sorted keys (encoding/json sorts map keys),
// so annotation values are byte-identical across runs.
func canonicalJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n")
}
