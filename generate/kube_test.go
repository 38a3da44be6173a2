package generate

import (
	"bytes"
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestKubeTypesAreKubernetes: every ConfigMap, volume and mount wasmgen emits (all
// deliveries, sidecar and gateway) decodes into k8s.io/api's type with unknown
// fields refused, and encodes back to the same JSON. The own types in kube.go
// cannot drift from Kubernetes' names or omitempty rules unnoticed.
func TestKubeTypesAreKubernetes(t *testing.T) {
	var cms []*ConfigMap
	var vols []Volume
	var mnts []VolumeMount
	for _, lines := range [][]string{
		{"module: {path: f.wasm}", "delivery: configMap"},
		{"module: {path: f.wasm}", "delivery: configMap", "context: gateway"},
		{"module: {image: webassemblyhub.io/u/f:v1, sha256: " + testSHA + "}", "delivery: hostPath"},
		{"module: {image: webassemblyhub.io/u/f:v1, sha256: " + testSHA + "}", "delivery: hostPath", "context: gateway"},
		{"module: {image: webassemblyhub.io/u/f:v1}", "delivery: imageVolume"},
		{"module: {image: webassemblyhub.io/u/f:v1}", "delivery: imageVolume", "context: gateway"},
	} {
		objs, l := render(t, Options{}, input(t, "f", lines...))
		if l.HasErrors() {
			t.Fatalf("%v: %v", lines, l)
		}
		for _, o := range objs {
			switch b := o.Body.(type) {
			case *ConfigMap:
				cms = append(cms, b)
			case *WorkloadPatch:
				if s := b.PodTemplate().Spec; s != nil {
					vols = append(vols, s.Volumes...)
					for _, c := range s.Containers {
						mnts = append(mnts, c.VolumeMounts...)
					}
				}
			}
		}
	}
	if len(cms) != 2 || len(vols) != 3 || len(mnts) != 3 {
		t.Fatalf("%d ConfigMaps, %d volumes, %d mounts; want 2, 3, 3", len(cms), len(vols), len(mnts))
	}
	for _, cm := range cms {
		sameAsKubernetes(t, cm, &corev1.ConfigMap{})
	}
	for _, v := range vols {
		sameAsKubernetes(t, v, &corev1.Volume{})
		// The userVolume annotation carries the source alone, keyed by name.
		sameAsKubernetes(t, v.VolumeSource, &corev1.VolumeSource{})
	}
	for _, m := range mnts {
		sameAsKubernetes(t, m, &corev1.VolumeMount{})
	}
}

func sameAsKubernetes(t *testing.T, ours, theirs any) {
	t.Helper()
	js, err := json.Marshal(ours)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(theirs); err != nil {
		t.Fatalf("%T does not decode as %T: %v\n%s", ours, theirs, err, js)
	}
	back, err := json.Marshal(theirs)
	if err != nil {
		t.Fatal(err)
	}
	// Kubernetes writes an unset creationTimestamp as null; manifests drop nulls.
	back = bytes.ReplaceAll(back, []byte(`"creationTimestamp":null`), nil)
	back = bytes.ReplaceAll(back, []byte(`,}`), []byte(`}`))
	back = bytes.ReplaceAll(back, []byte(`{,`), []byte(`{`))
	if !bytes.Equal(normalJSON(t, js), normalJSON(t, back)) {
		t.Errorf("%T encodes as\n%s\nk8s.io/api's %T as\n%s", ours, js, theirs, back)
	}
}

func normalJSON(t *testing.T, js []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatalf("%v: %s", err, js)
	}
	out, _ := json.Marshal(v)
	return out
}
