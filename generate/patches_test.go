package generate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/diag"
)

// dig follows a path of object keys through a generic JSON tree.
func dig(t any, path ...string) any {
	for _, k := range path {
		m, ok := t.(map[string]any)
		if !ok {
			return nil
		}
		t = m[k]
	}
	return t
}

// TestVolumePatchShapePerKind: a named patch puts the pod template where its kind
// keeps it, in the kind's API group, for sidecars (annotations) and gateways
// (volumes and the istio-proxy mounts); PodTemplate reads it back.
func TestVolumePatchShapePerKind(t *testing.T) {
	pod := map[string]string{"app": "productpage", "version": "v1"}
	cases := []struct {
		kind, apiVersion, group string
		template                []string // path of the pod template's metadata/spec parent; nil = the object itself
	}{
		{"Deployment", "apps/v1", "apps", []string{"spec", "template"}},
		{"StatefulSet", "apps/v1", "apps", []string{"spec", "template"}},
		{"DaemonSet", "apps/v1", "apps", []string{"spec", "template"}},
		{"ReplicaSet", "apps/v1", "apps", []string{"spec", "template"}},
		{"Job", "batch/v1", "batch", []string{"spec", "template"}},
		{"CronJob", "batch/v1", "batch", []string{"spec", "jobTemplate", "spec", "template"}},
		{"Pod", "v1", "", nil},
	}
	for _, c := range cases {
		for _, gw := range []bool{false, true} {
			name := c.kind
			lines := []string{"module: {path: a.wasm}"}
			if gw {
				name += "/gateway"
				lines = append(lines, "context: gateway")
			}
			t.Run(name, func(t *testing.T) {
				ws := []Workload{{APIVersion: c.apiVersion, Kind: c.kind, Name: "w", Namespace: "bookinfo", PodLabels: pod}}
				objs, l := render(t, Options{Workloads: ws}, input(t, "a", lines...))
				if l.HasErrors() || hasCode(l, CodeNoWorkload, diag.Warning) {
					t.Fatal(l)
				}
				o := one(t, objs, c.kind)
				if o.APIVersion != c.apiVersion || len(o.PatchTargets) != 1 {
					t.Fatalf("object %s %s, targets %+v", o.APIVersion, o.Kind, o.PatchTargets)
				}
				if tg := o.PatchTargets[0]; tg.Group != c.group || tg.Version != "v1" || tg.Kind != c.kind || tg.Name != "w" {
					t.Errorf("target %+v", tg)
				}
				js, err := json.Marshal(o.Body)
				if err != nil {
					t.Fatal(err)
				}
				var tree any
				if err := json.Unmarshal(js, &tree); err != nil {
					t.Fatal(err)
				}
				if dig(tree, "apiVersion") != c.apiVersion {
					t.Errorf("apiVersion in the body: %s", js)
				}
				tmpl := dig(tree, c.template...)
				ann := dig(tmpl, "metadata", "annotations", AnnotationUserVolume)
				vols := dig(tmpl, "spec", "volumes")
				mounts := dig(tmpl, "spec", "containers")
				if gw {
					cs, _ := mounts.([]any)
					if ann != nil || vols == nil || len(cs) != 1 || dig(cs[0], "name") != proxyContainer || dig(cs[0], "volumeMounts") == nil {
						t.Errorf("gateway patch not at %v: %s", c.template, js)
					}
				} else if ann == nil || vols != nil {
					t.Errorf("sidecar annotation not at %v.metadata: %s", c.template, js)
				}
				if c.kind != "Pod" && dig(tree, "metadata", "annotations") != nil {
					t.Errorf("annotations on the %s itself, not its pod template: %s", c.kind, js)
				}
				p := o.Body.(*WorkloadPatch).PodTemplate()
				if gw != (p.Spec != nil) || !gw != (p.Metadata.Annotations[AnnotationUserVolume] != "") {
					t.Errorf("PodTemplate() %+v", p)
				}
			})
		}
	}
}

// TestLabelPatchesTargetLongLivedKinds: without manifests, patches select only the
// kinds that run long-lived sidecars, though named patches accept more kinds.
func TestLabelPatchesTargetLongLivedKinds(t *testing.T) {
	objs, _ := render(t, Options{}, input(t, "a", "module: {path: a.wasm}"))
	var kinds []string
	for _, tg := range one(t, objs, "Deployment").PatchTargets {
		kinds = append(kinds, tg.Group+"/"+tg.Kind)
	}
	if got := strings.Join(kinds, ","); got != "apps/Deployment,apps/StatefulSet,apps/DaemonSet" {
		t.Errorf("label targets %s", got)
	}
}

// TestWorkloadKindRestrictsRealKind: a FilterDeployment's kind patches only
// workloads of that kind; a match of another kind is named in the warning.
func TestWorkloadKindRestrictsRealKind(t *testing.T) {
	pod := map[string]string{"app": "productpage", "version": "v1"}
	dep := Workload{APIVersion: "apps/v1", Kind: "Deployment", Name: "productpage-v1", Namespace: "bookinfo", PodLabels: pod}
	job := Workload{APIVersion: "batch/v1", Kind: "Job", Name: "migrate", Namespace: "bookinfo", PodLabels: pod}
	cases := []struct {
		name, kind string
		ws         []Workload
		patched    string
		warning    string // WG2012's message contains this; "" = no warning
	}{
		{"unrestricted", "", []Workload{dep, job}, "Deployment/productpage-v1,Job/migrate", ""},
		{"Deployment only", "Deployment", []Workload{dep, job}, "Deployment/productpage-v1", ""},
		{"only a Job matches", "Deployment", []Workload{job}, "", "no Deployment among the given workloads in namespace bookinfo has pod labels matching the selector (it matches Job migrate, which deployment.istio.kind: Deployment excludes)"},
		{"nothing matches", "", []Workload{{Kind: "Pod", Name: "x", Namespace: "bookinfo"}}, "", "none of the given workloads in namespace bookinfo has"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := input(t, "a", "module: {path: a.wasm}")
			in.Doc.WorkloadKind = c.kind
			objs, l := render(t, Options{Workloads: c.ws}, in)
			var patched []string
			for _, o := range objs {
				if o.IsPatch() {
					patched = append(patched, o.Kind+"/"+o.Name)
				}
			}
			if got := strings.Join(patched, ","); got != c.patched {
				t.Errorf("patched %q, want %q", got, c.patched)
			}
			var msg string
			for _, f := range l {
				if f.Code == CodeNoWorkload {
					msg = f.Msg
					if strings.Contains(f.Hint, "-f") {
						t.Errorf("hint names a CLI flag: %s", f.Hint)
					}
				}
			}
			if (c.warning == "") != (msg == "") || !strings.Contains(msg, c.warning) {
				t.Errorf("WG2012 %q, want one containing %q", msg, c.warning)
			}
		})
	}
}
