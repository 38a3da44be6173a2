package generate

import (
	"slices"
	"strings"
	"testing"
)

// TestTargetTable: every list of targets and kinds comes from the one table.
func TestTargetTable(t *testing.T) {
	if got := strings.Join(Targets(), ","); got != "istio,wasmplugin,envoy,trafficextension,envoy-gateway,all" {
		t.Errorf("Targets() = %s", got)
	}
	if got := strings.Join(KubernetesTargets(), ","); got != "istio,wasmplugin,trafficextension,envoy-gateway,all" {
		t.Errorf("KubernetesTargets() = %s", got)
	}
	if got := strings.Join(GeneratedKinds(), ","); got != "EnvoyFilter,ConfigMap,WasmPlugin,TrafficExtension,EnvoyExtensionPolicy" {
		t.Errorf("GeneratedKinds() = %s", got)
	}
	for _, info := range targetTable {
		if !strings.Contains(TargetHelp(Targets()), string(info.Name)+" (") {
			t.Errorf("help lacks %s", info.Name)
		}
		for _, k := range info.Kinds {
			if !slices.Contains(objectOrder, k) {
				t.Errorf("%s emits %s, which objectOrder does not place", info.Name, k)
			}
		}
		// Every target has a step, and every step's target is in the table.
		found := false
		for _, s := range steps {
			found = found || s.on(info.Name)
		}
		if !found {
			t.Errorf("target %s has no step", info.Name)
		}
	}
	if strings.Contains(TargetHelp(KubernetesTargets()), "envoy (") {
		t.Error("the KRM help offers the envoy target")
	}
	if !TargetAll.Mesh() || !TargetIstio.Mesh() || TargetEnvoy.Mesh() || TargetEnvoyGateway.Mesh() {
		t.Error("Mesh")
	}
	// all is every Istio and Envoy output; Envoy Gateway is another consumer.
	if !TargetAll.includes(TargetEnvoy) || TargetAll.includes(TargetEnvoyGateway) || TargetAll.includes(TargetTrafficExtension) || !TargetEnvoyGateway.includes(TargetEnvoyGateway) {
		t.Error("includes: all must leave envoy-gateway out")
	}
	if kindRank("Deployment") != kindRank("CronJob") || kindRank(KindEnvoyFilter) >= kindRank("Deployment") || kindRank("Deployment") >= kindRank(KindBootstrap) {
		t.Error("kindRank: workloads between the mesh kinds and the bootstrap")
	}
}
