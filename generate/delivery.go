package generate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	"github.com/wasmgen/wasmgen/compat"

	"github.com/wasmgen/wasmgen/schema"
)

// Deliveries: how the .wasm reaches the proxy.
//
// `auto` resolves by module source and Istio version:
//
//	module source        | Istio   | delivery    | what is generated
//	---------------------|---------|-------------|--------------------------------------------------------------
//	path                 | any     | configMap   | ConfigMap (binaryData, content-hash name) + volume patch
//	url http(s)://       | ≥ 1.7   | remote      | code.remote + an EnvoyFilter CLUSTER patch for the host (TLS for https)
//	url file://          | any     | (none)      | code.local with the URL's path; the file is already in the proxy
//	image                | ≥ 1.12  | agent       | EXTENSION_CONFIG patch + config_discovery; istio-agent pulls the image
//	image                | < 1.12  | hostPath    | wasme's cache /var/local/lib/wasme-cache/<sha256> (needs module.sha256)
//
// A path module over 1 MiB is an error under auto rather than a silent switch to
// hostPath: hostPath needs the file on every node, which wasmgen cannot arrange.
// Explicit deliveries: hostPath (any source with a sha256), configMap (path),
// imageVolume (image; a Kubernetes image volume mounted into istio-proxy),
// remote (http(s) url), agent (image or http(s) url, Istio ≥ 1.12: oci:// pulls and
// the "nil" checksum need 1.12; 1.9–1.11 agents fetch only http(s) with a real sha256).
const (
	DeliveryHostPath    = "hostPath"
	DeliveryConfigMap   = "configMap"
	DeliveryImageVolume = "imageVolume"
	DeliveryRemote      = "remote"
	DeliveryAgent       = "agent"
	// DeliveryLocal is what auto resolves to for a file:// url: nothing to deliver.
	DeliveryLocal = "local"
)

const (
	// WasmeCacheDir is where wasme's cache DaemonSet put modules on each node, named
	// by the hex sha256 of the module (solo-io/wasm tools/wasme/cli/pkg/cache: the
	// cache DaemonSet writes each pulled image's module under its digest).
	WasmeCacheDir = "/var/local/lib/wasme-cache"
	// mountRoot holds the per-filter mounts of configMap and imageVolume deliveries.
	mountRoot = "/var/local/lib/wasmgen"
	// MaxConfigMapModule is the most a ConfigMap holds (data and binaryData together,
	// Kubernetes' 1 MiB object limit for ConfigMaps).
	MaxConfigMapModule = 1 << 20
	// configMapKey is the file name of the module inside a configMap mount.
	configMapKey = "filter.wasm"
	// imageModuleFile is where a Docker-format Wasm image keeps the module (the layout
	// istio-agent accepts: a last layer holding plugin.wasm).
	imageModuleFile = "plugin.wasm"
	// agentCluster is the cluster istiod names in remote code that istio-agent fetches
	// itself (pilot/pkg/model/extensions.go buildDataSource: Cluster "_").
	agentCluster = "_"
	// agentNoSHA256 stands for "checksum unknown": Envoy requires a non-empty
	// RemoteDataSource.sha256, and istio-agent clears this literal before fetching
	// (pkg/wasm/convert.go: `if remote.Sha256 == "nil" { remote.Sha256 = "" }`).
	agentNoSHA256 = "nil"
)

// delivery is the resolved delivery of one filter's module.
type delivery struct {
	kind      string
	filename  string // local code: the module's path inside the proxy
	uri       string // remote or agent code
	sha256    string
	cluster   string // remote: the cluster Envoy fetches through
	host      string // remote: host and port of the URL
	port      uint32
	tls       bool
	volume    *Volume
	mount     *VolumeMount
	configMap *ConfigMap
}

// code is the filter's code source as Envoy reads it inside the proxy (nil when
// the delivery did not resolve).
func (d delivery) code() *corev3.AsyncDataSource {
	switch d.kind {
	case DeliveryLocal, DeliveryHostPath, DeliveryConfigMap, DeliveryImageVolume:
		return localCode(d.filename)
	case DeliveryRemote:
		return remoteCode(d.uri, d.cluster, d.sha256)
	case DeliveryAgent:
		return remoteCode(d.uri, agentCluster, d.sha256)
	}
	return nil
}

func moduleSource(in Input) source {
	m := in.Doc.Filter.Spec.Module
	switch {
	case m.Path != "":
		return source{kind: "path"}
	case m.Image != "":
		return source{kind: "image"}
	case m.URL != "":
		if u, err := url.Parse(m.URL); err == nil {
			return source{kind: "url", scheme: u.Scheme}
		}
		return source{kind: "url"}
	}
	return source{}
}

// source is where a filter's module comes from: path, url (with its scheme) or image.
type source struct{ kind, scheme string }

func (s source) httpURL() bool { return s.kind == "url" && (s.scheme == "http" || s.scheme == "https") }
func (s source) fileURL() bool { return s.kind == "url" && s.scheme == "file" }

// strategy is one delivery: which module sources it takes, the Istio release it
// needs, and how it gets the module into the proxy.
type strategy struct {
	// takes reports whether the delivery can carry a module from src; need names
	// what it takes, for the message when it cannot.
	takes func(src source) bool
	need  string
	// since is the Istio feature the delivery relies on (nil: any release), and why.
	since *compat.Feature
	why   string
	// build fills in the delivery; false when it reported why it cannot.
	build func(b *build, src source, d *delivery) bool
}

// strategies are the deliveries by name; auto picks one by source and release.
var strategies = map[string]strategy{
	DeliveryLocal:    {takes: source.fileURL, build: localDelivery},
	DeliveryHostPath: {takes: func(source) bool { return true }, build: hostPathDelivery},
	DeliveryConfigMap: {takes: func(s source) bool { return s.kind == "path" }, need: "path",
		build: configMapDelivery},
	DeliveryImageVolume: {takes: func(s source) bool { return s.kind == "image" }, need: "image",
		build: imageVolumeDelivery},
	DeliveryRemote: {takes: source.httpURL, need: "url (http or https)",
		since: &compat.TypedStructDialect, why: "wasmgen writes the module's cluster with the v3 API",
		build: remoteDelivery},
	DeliveryAgent: {takes: func(s source) bool { return s.kind == "image" || s.httpURL() }, need: "image (or an http(s) url)",
		since: &compat.AgentOCI, why: "older istio-agents do not download Wasm modules",
		build: agentDelivery},
}

// autoDelivery is what `delivery: auto` resolves to for a source and release (the
// table in the package comment).
func autoDelivery(src source, v compat.Istio) string {
	switch {
	case src.kind == "path":
		return DeliveryConfigMap
	case src.httpURL():
		return DeliveryRemote
	case src.fileURL():
		return DeliveryLocal
	case src.kind == "image" && v.Has(compat.AgentOCI):
		return DeliveryAgent
	case src.kind == "image":
		return DeliveryHostPath
	}
	return ""
}

// resolveDelivery picks and checks the delivery; on an error the kind is "".
func resolveDelivery(b *build) delivery {
	s := &b.f.Spec
	src := moduleSource(b.in)
	kind := s.Delivery
	if kind == "" || kind == "auto" {
		kind = autoDelivery(src, b.opts.Istio)
		if kind == "" {
			return delivery{}
		}
	} else if src.fileURL() {
		b.rep.Errorf("spec.delivery", CodeDelivery, "remove spec.delivery (or set auto)",
			"delivery %s with a file:// url: the module is already inside the proxy, there is nothing to deliver", kind)
		return delivery{}
	}
	st, ok := strategies[kind]
	if !ok {
		return delivery{}
	}
	if b.targeted() && (kind == DeliveryHostPath || kind == DeliveryConfigMap || kind == DeliveryImageVolume) {
		// istiod creates the pods of waypoints and Gateway API gateways from its
		// gateway template (manifests/charts/istio-control/istio-discovery/files/
		// kube-gateway.yaml): there is no workload manifest to patch a volume into.
		path, what := "spec.delivery", "delivery "+kind
		if s.Delivery == "" || s.Delivery == "auto" {
			path, what = "spec.module.path", "a module.path"
		}
		b.rep.Errorf(path, CodeDelivery, "publish the module as an image (wasmgen package FILE.wasm --push REF --pin SPEC) or serve it over https (module.url with sha256)",
			"%s cannot reach a waypoint or Gateway API gateway: istiod creates their pods, so there is no workload to mount the module into; their istio-agent fetches an image or an http(s) module itself", what)
		return delivery{}
	}
	if !st.takes(src) {
		if kind == DeliveryRemote && src.kind == "image" {
			b.rep.Errorf("spec.delivery", CodeDelivery, "use delivery: agent (istio-agent pulls images) or imageVolume",
				"delivery remote needs an http(s) module.url; Envoy cannot pull an OCI image")
			return delivery{}
		}
		b.rep.Errorf("spec.delivery", CodeDelivery, fmt.Sprintf("use module.%s, or another delivery", st.need),
			"delivery %s needs module.%s; this filter's module is a %s", kind, st.need, src.kind)
		return delivery{}
	}
	if st.since != nil && !b.opts.Istio.Has(*st.since) {
		b.rep.Errorf("spec.delivery", CodeDeliveryIstio, fmt.Sprintf("render for --istio-version %s or later, or use delivery: hostPath", st.since.Since()),
			"delivery %s needs Istio %s or later: %s", kind, st.since.Since(), st.why)
		return delivery{}
	}
	sha := b.in.ModuleSHA256
	if sha == "" {
		sha = s.Module.SHA256
	}
	d := delivery{kind: kind, sha256: sha}
	if !st.build(b, src, &d) {
		return delivery{}
	}
	return d
}

func localDelivery(b *build, _ source, d *delivery) bool {
	u, _ := url.Parse(b.f.Spec.Module.URL)
	d.filename = u.Path
	return true
}

func hostPathDelivery(b *build, _ source, d *delivery) bool {
	switch {
	case d.sha256 != "":
		d.filename = WasmeCacheDir + "/" + d.sha256
	case b.opts.Check && b.in.Doc.From == schema.WasmeKind:
		d.filename = WasmeCacheDir + "/IMAGE-DIGEST" // the operator's to choose; never written
	default:
		b.rep.Errorf("spec.module.sha256", CodeNeedSHA256,
			"set module.sha256 to the hex sha256 of the module (for an image: of its wasm content layer, see `wasmgen inspect`), or use delivery: agent on Istio 1.12+",
			"delivery hostPath needs the module's sha256: wasme's cache names each file %s/<sha256>", WasmeCacheDir)
		return false
	}
	d.volume = &Volume{Name: "wasme-cache", VolumeSource: VolumeSource{HostPath: &HostPathVolumeSource{Path: WasmeCacheDir}}}
	d.mount = &VolumeMount{Name: "wasme-cache", MountPath: WasmeCacheDir, ReadOnly: true}
	return true
}

func configMapDelivery(b *build, _ source, d *delivery) bool {
	name := b.f.Metadata.Name
	size := b.in.ModuleSize
	if n := int64(len(b.in.ModuleData)); n > size {
		size = n
	}
	if size > MaxConfigMapModule {
		b.rep.Errorf("spec.module.path", CodeTooLarge,
			"strip the module (e.g. wasm-opt -Oz, or build in release mode), publish it as an image (module.image with delivery agent or imageVolume), serve it over https (module.url, delivery remote), or use delivery: hostPath",
			"the module is %d bytes (%.2f MiB); a ConfigMap holds at most 1 MiB (%d bytes)", size, float64(size)/(1<<20), MaxConfigMapModule)
		return false
	}
	if d.sha256 == "" {
		h := sha256.Sum256(b.in.ModuleData)
		d.sha256 = hex.EncodeToString(h[:])
	}
	// The content hash in the name makes a new module a new ConfigMap, so the pod
	// template changes and the workload rolls on purpose.
	cm := &ConfigMap{
		APIVersion: "v1", Kind: KindConfigMap,
		Metadata:   ObjectMeta{Name: name + "-wasm-" + d.sha256[:10], Namespace: b.f.Metadata.Namespace, Labels: managedLabels(b)},
		BinaryData: map[string][]byte{configMapKey: b.in.ModuleData},
	}
	d.configMap = cm
	dir := path.Join(mountRoot, name)
	d.filename = dir + "/" + configMapKey
	vol := volumeName(name)
	d.volume = &Volume{Name: vol, VolumeSource: VolumeSource{ConfigMap: &ConfigMapVolumeSource{Name: cm.Metadata.Name}}}
	d.mount = &VolumeMount{Name: vol, MountPath: dir, ReadOnly: true}
	return true
}

func imageVolumeDelivery(b *build, _ source, d *delivery) bool {
	name := b.f.Metadata.Name
	dir := path.Join(mountRoot, name)
	d.filename = dir + "/" + imageModuleFile
	vol := volumeName(name)
	d.volume = &Volume{Name: vol, VolumeSource: VolumeSource{Image: &ImageVolumeSource{
		Reference: strings.TrimPrefix(b.f.Spec.Module.Image, "oci://"), PullPolicy: PullIfNotPresent}}}
	d.mount = &VolumeMount{Name: vol, MountPath: dir, ReadOnly: true}
	b.rep.Infof("spec.delivery", CodeImageVolume, "check your clusters' version, or use delivery: agent",
		"image volumes need Kubernetes 1.33+ (the ImageVolume feature, beta) and an image whose filesystem holds /%s", imageModuleFile)
	return true
}

func remoteDelivery(b *build, _ source, d *delivery) bool {
	d.setRemote(b.f.Spec.Module.URL, "wasmgen_module_"+b.f.Metadata.Namespace+"_"+b.f.Metadata.Name)
	return true
}

func agentDelivery(b *build, src source, d *delivery) bool {
	m := b.f.Spec.Module
	if src.kind == "image" {
		d.uri = "oci://" + strings.TrimPrefix(m.Image, "oci://")
	} else {
		d.uri = m.URL
	}
	d.sha256 = m.SHA256
	if d.sha256 == "" {
		d.sha256 = agentNoSHA256
	}
	return true
}

// setRemote points the delivery at an http(s) URL fetched through cluster.
func (d *delivery) setRemote(rawURL, cluster string) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return
	}
	d.uri = rawURL
	d.cluster = cluster
	d.tls = u.Scheme == "https"
	d.host = u.Hostname()
	d.port = 80
	if d.tls {
		d.port = 443
	}
	if p, err := strconv.ParseUint(u.Port(), 10, 16); err == nil {
		d.port = uint32(p)
	}
}

// volumeName is the pod volume of one filter's module: a DNS-1123 label.
func volumeName(filter string) string {
	n := "wasm-" + filter
	if len(n) > 63 {
		n = strings.TrimRight(n[:63], "-")
	}
	return n
}

// managedLabels mark generated Kubernetes objects, so a reader can trace them back.
func managedLabels(b *build) map[string]string {
	return map[string]string{
		"app.kubernetes.io/managed-by": "wasmgen",
		"wasmgen.io/filter":            b.f.Metadata.Name,
	}
}

// configMapStep emits the module's ConfigMap for the configMap delivery.
func configMapStep(b *build) []Object {
	cm := b.d.configMap
	if cm == nil {
		return nil
	}
	return []Object{{APIVersion: "v1", Kind: KindConfigMap, Name: cm.Metadata.Name, Namespace: cm.Metadata.Namespace,
		FileName: fileName(KindConfigMap, b.f.Metadata.Name, "yaml"), Body: cm, Source: b.in.Doc}}
}
