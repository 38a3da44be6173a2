package generate

// The Kubernetes objects wasmgen emits, as the few fields of k8s.io/api/core/v1 it
// sets, with k8s.io/api's JSON names and omitempty rules. k8s.io/api itself is not
// linked: with apimachinery it costs every wasmgen process ~2 ms of package init
// and several MB of binary, and `wasmgen validate` is measured on start-up (issue
// #7). kube_test.go decodes each emitted object into k8s.io/api's type, unknown
// fields refused, and checks it encodes back to the same JSON.

// ConfigMap is a core/v1 ConfigMap holding binary data.
type ConfigMap struct {
	APIVersion string            `json:"apiVersion,omitempty"`
	Kind       string            `json:"kind,omitempty"`
	Metadata   ObjectMeta        `json:"metadata,omitempty"`
	BinaryData map[string][]byte `json:"binaryData,omitempty"`
}

// ObjectMeta is the metadata wasmgen sets on the objects it creates.
type ObjectMeta struct {
	Name      string            `json:"name,omitempty"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// Volume is a pod volume: its name and one source.
type Volume struct {
	Name string `json:"name"`
	VolumeSource
}

// VolumeSource is the volume's source; exactly one is set.
type VolumeSource struct {
	HostPath  *HostPathVolumeSource  `json:"hostPath,omitempty"`
	ConfigMap *ConfigMapVolumeSource `json:"configMap,omitempty"`
	Image     *ImageVolumeSource     `json:"image,omitempty"`
}

// HostPathVolumeSource mounts a directory of the node.
type HostPathVolumeSource struct {
	Path string `json:"path"`
}

// ConfigMapVolumeSource mounts a ConfigMap's keys as files.
type ConfigMapVolumeSource struct {
	Name string `json:"name,omitempty"`
}

// ImageVolumeSource mounts an OCI image's filesystem (Kubernetes 1.33+).
type ImageVolumeSource struct {
	Reference  string `json:"reference,omitempty"`
	PullPolicy string `json:"pullPolicy,omitempty"`
}

// PullIfNotPresent is the image pull policy of image volumes.
const PullIfNotPresent = "IfNotPresent"

// VolumeMount mounts a volume into a container.
type VolumeMount struct {
	Name      string `json:"name"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
	MountPath string `json:"mountPath"`
}
