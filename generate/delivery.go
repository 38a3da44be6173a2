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
	// by the hex sha256 of the module (FACTS: wasme cache).
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

func moduleKind(in Input) (src, scheme string) {
	m := in.Doc.Filter.Spec.Module
	switch {
	case m.Path != "":
		return "path", ""
	case m.Image != "":
		return "image", ""
	case m.URL != "":
		u, err := url.Parse(m.URL)
		if err == nil {
			return "url", u.Scheme
		}
		return "url", ""
	}
	return "", ""
}

// resolveDelivery picks and checks the delivery; on an error the kind is "".
func resolveDelivery(b *build) delivery {
	s := &b.f.Spec
	src, scheme := moduleKind(b.in)
	httpURL := src == "url" && (scheme == "http" || scheme == "https")
	kind := s.Delivery
	if kind == "" || kind == "auto" {
		switch {
		case src == "path":
			kind = DeliveryConfigMap
		case httpURL:
			kind = DeliveryRemote
		case src == "url" && scheme == "file":
			kind = DeliveryLocal
		case src == "image" && b.opts.Istio.Has(compat.AgentOCI):
			kind = DeliveryAgent
		case src == "image":
			kind = DeliveryHostPath
		default:
			return delivery{}
		}
	} else if src == "url" && scheme == "file" {
		b.errorf("spec.delivery", CodeDelivery, "remove spec.delivery (or set auto)",
			"delivery %s with a file:// url: the module is already inside the proxy, there is nothing to deliver", kind)
		return delivery{}
	}
	mismatch := func(want string) delivery {
		b.errorf("spec.delivery", CodeDelivery, fmt.Sprintf("use module.%s, or another delivery", want),
			"delivery %s needs module.%s; this filter's module is a %s", kind, want, src)
		return delivery{}
	}
	name := b.f.Metadata.Name
	sha := b.in.ModuleSHA256
	if sha == "" {
		sha = s.Module.SHA256
	}
	d := delivery{kind: kind, sha256: sha}
	switch kind {
	case DeliveryLocal:
		u, _ := url.Parse(s.Module.URL)
		d.filename = u.Path
	case DeliveryHostPath:
		if sha == "" {
			b.errorf("spec.module.sha256", CodeNeedSHA256,
				"set module.sha256 to the hex sha256 of the module (for an image: of its wasm content layer, see `wasmgen inspect`), or use delivery: agent on Istio 1.12+",
				"delivery hostPath needs the module's sha256: wasme's cache names each file %s/<sha256>", WasmeCacheDir)
			return delivery{}
		}
		d.filename = WasmeCacheDir + "/" + sha
		d.volume = &Volume{Name: "wasme-cache", VolumeSource: VolumeSource{HostPath: &HostPathVolumeSource{Path: WasmeCacheDir}}}
		d.mount = &VolumeMount{Name: "wasme-cache", MountPath: WasmeCacheDir, ReadOnly: true}
	case DeliveryConfigMap:
		if src != "path" {
			return mismatch("path")
		}
		size := b.in.ModuleSize
		if n := int64(len(b.in.ModuleData)); n > size {
			size = n
		}
		if size > MaxConfigMapModule {
			b.errorf("spec.module.path", CodeTooLarge,
				"strip the module (e.g. wasm-opt -Oz, or build in release mode), publish it as an image (module.image with delivery agent or imageVolume), serve it over https (module.url, delivery remote), or use delivery: hostPath",
				"the module is %d bytes (%.2f MiB); a ConfigMap holds at most 1 MiB (%d bytes)", size, float64(size)/(1<<20), MaxConfigMapModule)
			return delivery{}
		}
		if sha == "" {
			h := sha256.Sum256(b.in.ModuleData)
			sha = hex.EncodeToString(h[:])
			d.sha256 = sha
		}
		// The content hash in the name makes a new module a new ConfigMap, so the
		// pod template changes and the workload rolls on purpose.
		cm := &ConfigMap{
			APIVersion: "v1", Kind: KindConfigMap,
			Metadata:   ObjectMeta{Name: name + "-wasm-" + sha[:10], Namespace: b.f.Metadata.Namespace, Labels: managedLabels(b)},
			BinaryData: map[string][]byte{configMapKey: b.in.ModuleData},
		}
		d.configMap = cm
		dir := path.Join(mountRoot, name)
		d.filename = dir + "/" + configMapKey
		vol := volumeName(name)
		d.volume = &Volume{Name: vol, VolumeSource: VolumeSource{ConfigMap: &ConfigMapVolumeSource{Name: cm.Metadata.Name}}}
		d.mount = &VolumeMount{Name: vol, MountPath: dir, ReadOnly: true}
	case DeliveryImageVolume:
		if src != "image" {
			return mismatch("image")
		}
		dir := path.Join(mountRoot, name)
		d.filename = dir + "/" + imageModuleFile
		vol := volumeName(name)
		d.volume = &Volume{Name: vol, VolumeSource: VolumeSource{Image: &ImageVolumeSource{
			Reference: strings.TrimPrefix(s.Module.Image, "oci://"), PullPolicy: PullIfNotPresent}}}
		d.mount = &VolumeMount{Name: vol, MountPath: dir, ReadOnly: true}
		b.infof("spec.delivery", CodeImageVolume, "check your clusters' version, or use delivery: agent",
			"image volumes need Kubernetes 1.33+ (the ImageVolume feature, beta) and an image whose filesystem holds /%s", imageModuleFile)
	case DeliveryRemote:
		if !httpURL {
			if src == "image" {
				b.errorf("spec.delivery", CodeDelivery, "use delivery: agent (istio-agent pulls images) or imageVolume",
					"delivery remote needs an http(s) module.url; Envoy cannot pull an OCI image")
				return delivery{}
			}
			return mismatch("url (http or https)")
		}
		if !b.opts.Istio.Has(compat.TypedStructDialect) {
			b.errorf("spec.delivery", CodeDeliveryIstio, fmt.Sprintf("render for --istio-version %s or later, or use delivery: hostPath", compat.TypedStructDialect.Since()),
				"delivery remote needs Istio %s or later: wasmgen writes the module's cluster with the v3 API", compat.TypedStructDialect.Since())
			return delivery{}
		}
		d.setRemote(s.Module.URL, "wasmgen_module_"+b.f.Metadata.Namespace+"_"+name)
	case DeliveryAgent:
		if src != "image" && !httpURL {
			return mismatch("image (or an http(s) url)")
		}
		if !b.opts.Istio.Has(compat.AgentOCI) {
			b.errorf("spec.delivery", CodeDeliveryIstio, fmt.Sprintf("render for --istio-version %s or later, or use delivery: hostPath", compat.AgentOCI.Since()),
				"delivery agent needs Istio %s or later: older istio-agents do not download Wasm modules", compat.AgentOCI.Since())
			return delivery{}
		}
		if src == "image" {
			d.uri = "oci://" + strings.TrimPrefix(s.Module.Image, "oci://")
		} else {
			d.uri = s.Module.URL
		}
		if s.Module.SHA256 != "" {
			d.sha256 = s.Module.SHA256
		} else {
			d.sha256 = agentNoSHA256
		}
	}
	return d
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
