package generate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/schema"
)

// Codes of the generator's findings (WG2000–WG2099).
const (
	CodeIstioVersion    = "WG2001" // --istio-version outside what wasmgen can emit
	CodeDelivery        = "WG2002" // delivery does not fit the module source
	CodeNeedSHA256      = "WG2003" // hostPath delivery without a sha256
	CodeTooLarge        = "WG2004" // module too large for a ConfigMap
	CodeDeliveryIstio   = "WG2005" // delivery needs a newer Istio
	CodeFeatureIstio    = "WG2006" // a spec field the chosen Istio's proxy does not know
	CodeLegacyConfig    = "WG2007" // binary config on the legacy (string) dialect
	CodeWasmPlugin      = "WG2008" // the spec cannot be expressed as a WasmPlugin
	CodeWasmPluginOld   = "WG2009" // WasmPlugin before Istio 1.12
	CodePhase           = "WG2010" // phase placement relies on an Istio filter being present
	CodeEnvoySource     = "WG2011" // the envoy target cannot load the module
	CodeNoWorkload      = "WG2012" // no workload among the inputs matches the selector
	CodeAnnotation      = "WG2013" // an existing userVolume annotation is not JSON
	CodeImageVolume     = "WG2014" // image volumes need a recent Kubernetes
	CodeInternal        = "WG2015" // a proto could not be marshalled (a wasmgen bug)
	CodeWorkloadKind    = "WG2016" // a workload of a kind that has no pod template to patch
	CodeLabelPatchNote  = "WG2017" // label-targeted patches replace existing annotations
	CodeTargetRefsIstio = "WG2018" // targetRefs the chosen Istio does not admit or attach
	CodeWaypointFilter  = "WG2019" // an EnvoyFilter for a waypoint, or for a Gateway not said to be an ingress
	CodeEnvoyGateway    = "WG2020" // the spec cannot be an Envoy Gateway EnvoyExtensionPolicy
	CodeEGVersion       = "WG2021" // a field the chosen Envoy Gateway does not have
	CodeEGSHA256        = "WG2022" // an image sha256 that is not the OCI manifest digest
	CodeNoPatches       = "WG2023" // targetRefs: no workload patches are needed
)

// Object is one generated output: an Istio resource, a Kubernetes object, a
// kustomize patch or an Envoy bootstrap.
type Object struct {
	APIVersion, Kind, Name, Namespace string
	// FileName is the file the object gets with -o DIR, e.g. envoyfilter-add-header.yaml.
	FileName string
	// Body is the typed value: the spec (a proto.Message) for EnvoyFilter and WasmPlugin,
	// the whole *bootstrapv3.Bootstrap for Bootstrap, and a whole typed Kubernetes
	// object (*ConfigMap, *WorkloadPatch) otherwise.
	Body any
	// Source is the filter the object came from (the first one, for a patch shared
	// by several filters).
	Source *schema.Document
	// Standalone marks an object that is not a Kubernetes resource (an Envoy
	// bootstrap): it has no apiVersion or metadata and is written as it is.
	Standalone bool
	// PatchTargets is set for kustomize strategic-merge patches: the kustomization
	// lists the file under patches with one entry per target instead of under
	// resources. Nil for everything else.
	PatchTargets []PatchTarget
}

// IsPatch reports whether the object is a kustomize patch rather than a resource.
func (o Object) IsPatch() bool { return len(o.PatchTargets) > 0 }

// Kinds of the objects Objects emits, besides the workload kinds of patches.
const (
	KindEnvoyFilter = "EnvoyFilter"
	KindWasmPlugin  = "WasmPlugin"
	KindConfigMap   = "ConfigMap"
	KindBootstrap   = "Bootstrap"
)

// build is the state of one filter's compilation, shared by its steps.
type build struct {
	in    Input
	opts  Options
	f     *schema.WasmFilter
	d     delivery
	diags *diag.List
	rep   *diag.Reporter // findings about the filter, at its spec's fields
}

// step makes the objects of one kind for one filter.
type step struct {
	name    string
	targets []Target // the targets it runs for
	run     func(*build) []Object
}

func (s step) on(t Target) bool {
	for _, x := range s.targets {
		if t.includes(x) {
			return true
		}
	}
	return false
}

// steps is the whole compilation of one filter, in the order a reader would follow:
// the Istio resource, the alternative WasmPlugin, the module's ConfigMap, then the
// standalone bootstrap. Volume patches are made after all filters (they may merge).
var steps = []step{
	{"envoyfilter", []Target{TargetIstio}, envoyFilterStep},
	{"wasmplugin", []Target{TargetWasmPlugin}, wasmPluginStep},
	{"trafficextension", []Target{TargetTrafficExtension}, trafficExtensionStep},
	{"configmap", []Target{TargetIstio, TargetWasmPlugin, TargetTrafficExtension}, configMapStep},
	{"bootstrap", []Target{TargetEnvoy}, bootstrapStep},
	{"envoyextensionpolicy", []Target{TargetEnvoyGateway}, envoyGatewayStep},
}

// Objects compiles checked, defaulted filters into typed objects. It reports every
// problem it finds; the objects of a filter with an error finding are still
// returned where they could be built, but callers must not write any output when
// the list has errors.
func Objects(in []Input, opts Options) ([]Object, diag.List) {
	var l diag.List
	if opts.Target == "" {
		opts.Target = TargetIstio
	}
	if opts.Istio.Minor() < int(compat.OldestIstio) {
		l.Add(diag.Finding{Severity: diag.Error, Code: CodeIstioVersion,
			Msg:  fmt.Sprintf("Istio %s is not supported; wasmgen emits EnvoyFilters for Istio %s and later", opts.Istio, compat.OldestIstio),
			Hint: fmt.Sprintf("pass --istio-version %s or later", compat.OldestIstio)})
		return nil, l
	}
	sorted := append([]Input(nil), in...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i].Doc.Filter.Metadata, sorted[j].Doc.Filter.Metadata
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	var out []Object
	var mounts []filterMounts
	for _, x := range sorted {
		b := &build{in: x, opts: opts, f: &x.Doc.Filter, diags: &l, rep: diag.NewReporter(x.Doc, &l)}
		target := b.target()
		mesh := target.Mesh()
		// How the module reaches a sidecar matters only for mesh targets; a
		// standalone bootstrap reads the module itself (bootstrapStep).
		if mesh {
			b.d = resolveDelivery(b)
		}
		if mesh && b.targeted() && opts.Workloads != nil {
			b.rep.Infof("spec.targetRefs", CodeNoPatches, "",
				"no workload patches: istiod deploys waypoints and Gateway API gateways itself, and their istio-agent fetches the module")
		}
		for _, s := range steps {
			if s.on(target) {
				out = append(out, s.run(b)...)
			}
		}
		if mesh && b.d.volume != nil {
			mounts = append(mounts, filterMounts{b: b, volume: *b.d.volume, mount: *b.d.mount})
		}
	}
	out = append(out, volumePatches(mounts, opts, &l)...)
	sortObjects(out)
	uniqueFileNames(out)
	return out, l
}

// target is what the filter is built as. validate (Options.Check) checks a spec as
// render would for its default target, but a filter attached by targetRefs is
// only ever rendered as the object of its consumer: an Envoy Gateway
// EnvoyExtensionPolicy where it targets a route (HTTPRoute, GRPCRoute, ListenerSet
// are Envoy Gateway's targets), else a WasmPlugin unless it is for a Gateway API
// ingress gateway (envoyFilterGateways says why an EnvoyFilter is not).
func (b *build) target() Target {
	t := b.opts.Target
	if !b.opts.Check || t != TargetIstio || !b.targeted() {
		return t
	}
	for _, r := range b.f.Spec.TargetRefs {
		if schema.IsRouteKind(r.Kind) {
			return TargetEnvoyGateway
		}
	}
	if b.f.Spec.Context != "gateway" {
		return TargetWasmPlugin
	}
	return t
}

// sortObjects orders by filter namespace/name, then kind, then object name.
func sortObjects(objs []Object) {
	key := func(o Object) (string, string) {
		if o.Source == nil {
			return "", ""
		}
		m := o.Source.Filter.Metadata
		return m.Namespace, m.Name
	}
	sort.SliceStable(objs, func(i, j int) bool {
		ni, fi := key(objs[i])
		nj, fj := key(objs[j])
		if ni != nj {
			return ni < nj
		}
		if fi != fj {
			return fi < fj
		}
		ri, rj := kindRank(objs[i].Kind), kindRank(objs[j].Kind)
		if ri != rj {
			return ri < rj
		}
		if objs[i].Kind != objs[j].Kind {
			return objs[i].Kind < objs[j].Kind
		}
		if objs[i].Namespace != objs[j].Namespace {
			return objs[i].Namespace < objs[j].Namespace
		}
		return objs[i].Name < objs[j].Name
	})
}

// uniqueFileNames prefixes the namespace where two objects would share a file
// (same name in two namespaces), so -o DIR never overwrites its own output.
func uniqueFileNames(objs []Object) {
	count := map[string]int{}
	for _, o := range objs {
		count[o.FileName]++
	}
	for i := range objs {
		if count[objs[i].FileName] > 1 {
			n := objs[i].FileName
			dash := strings.IndexByte(n, '-')
			objs[i].FileName = n[:dash+1] + objs[i].Namespace + "-" + n[dash+1:]
		}
	}
}

// fileName is "<kind>-<name>.<ext>", lowercase.
func fileName(kind, name, ext string) string {
	return strings.ToLower(kind) + "-" + name + "." + ext
}

// Rules is the catalogue of the generator's codes.
var Rules = []diag.Rule{
	{Code: CodeIstioVersion, Severity: diag.Error, Consumer: "wasmgen", Summary: "an Istio release wasmgen cannot emit for"},
	{Code: CodeDelivery, Severity: diag.Error, Consumer: "wasmgen", Summary: "a delivery that does not fit the module source"},
	{Code: CodeNeedSHA256, Severity: diag.Error, Consumer: "wasme cache", Summary: "hostPath delivery without the module's sha256"},
	{Code: CodeTooLarge, Severity: diag.Error, Consumer: "Kubernetes", Summary: "a module too large for a ConfigMap (1 MiB)"},
	{Code: CodeDeliveryIstio, Severity: diag.Error, Consumer: "istio-agent", Summary: "a delivery the target Istio cannot do"},
	{Code: CodeFeatureIstio, Severity: diag.Error, Consumer: "Envoy", Summary: "a spec field the target proxy does not know"},
	{Code: CodeLegacyConfig, Severity: diag.Error, Consumer: "Envoy", Summary: "binary configuration on the 1.5–1.6 dialect, whose configuration is a string"},
	{Code: CodeWasmPlugin, Severity: diag.Error, Consumer: "istiod", Summary: "the spec cannot be a WasmPlugin"},
	{Code: CodeWasmPluginOld, Severity: diag.Error, Consumer: "istiod", Summary: "WasmPlugin before Istio 1.12"},
	{Code: CodePhase, Severity: diag.Info, Consumer: "istiod", Summary: "a phase placement relies on an Istio filter that may be absent"},
	{Code: CodeEnvoySource, Severity: diag.Error, Consumer: "Envoy", Summary: "a standalone Envoy cannot load the module (it cannot pull images)"},
	{Code: CodeNoWorkload, Severity: diag.Warning, Consumer: "wasmgen", Summary: "no given workload matches the selector: no volume patch"},
	{Code: CodeAnnotation, Severity: diag.Warning, Consumer: "Istio injector", Summary: "a workload's userVolume annotation is not JSON wasmgen can merge"},
	{Code: CodeImageVolume, Severity: diag.Info, Consumer: "Kubernetes", Summary: "image volumes need Kubernetes 1.33+"},
	{Code: CodeInternal, Severity: diag.Error, Consumer: "wasmgen", Summary: "a value could not be encoded (a bug of wasmgen)"},
	{Code: CodeWorkloadKind, Severity: diag.Warning, Consumer: "wasmgen", Summary: "the selector matches a kind wasmgen does not patch"},
	{Code: CodeLabelPatchNote, Severity: diag.Info, Consumer: "kustomize", Summary: "a label-targeted patch replaces the annotations a workload has"},
	{Code: CodeTargetRefsIstio, Severity: diag.Error, Consumer: "istiod", Summary: "targetRefs the target Istio does not admit or never attaches (kind, count, release, GatewayClass outside the root namespace)"},
	{Code: CodeWaypointFilter, Severity: diag.Error, Consumer: "istiod", Summary: "an EnvoyFilter for a waypoint (not supported) or for a Gateway not said to be an ingress gateway"},
	{Code: CodeEnvoyGateway, Severity: diag.Error, Consumer: "Envoy Gateway", Summary: "the spec cannot be an EnvoyExtensionPolicy (network filter, local module, selector, ports, runtime)"},
	{Code: CodeEGVersion, Severity: diag.Error, Consumer: "Envoy Gateway", Summary: "a field the target Envoy Gateway release does not have"},
	{Code: CodeEGSHA256, Severity: diag.Error, Consumer: "Envoy Gateway", Summary: "an image sha256 that is not the OCI manifest digest Envoy Gateway compares it with"},
	{Code: CodeNoPatches, Severity: diag.Info, Consumer: "wasmgen", Summary: "a waypoint or gateway filter needs no workload patches: istio-agent fetches the module"},
}
