package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	extensions "istio.io/api/extensions/v1alpha1"
	typev1beta1 "istio.io/api/type/v1beta1"

	"github.com/wasmgen/wasmgen/compat"
)

// WasmPlugin API version.
const WasmPluginAPIVersion = "extensions.istio.io/v1alpha1"

var pluginPhases = map[string]extensions.PluginPhase{
	"authn": extensions.PluginPhase_AUTHN,
	"authz": extensions.PluginPhase_AUTHZ,
	"stats": extensions.PluginPhase_STATS,
}

// workloadModes maps spec.context onto the WasmPlugin's match mode. A gateway is a
// client: "CLIENT: Select for client workloads. If the workload is a gateway,
// selects this." (istio.io/api type/v1beta1/selector.proto; istiod maps the
// gateway listener class to CLIENT in pilot/pkg/model/extensions.go).
var workloadModes = map[string]typev1beta1.WorkloadMode{
	"inbound":  typev1beta1.WorkloadMode_SERVER,
	"outbound": typev1beta1.WorkloadMode_CLIENT,
	"gateway":  typev1beta1.WorkloadMode_CLIENT,
	"any":      typev1beta1.WorkloadMode_CLIENT_AND_SERVER,
}

// pluginMode is the WasmPlugin's match mode. Attached by targetRefs: CLIENT for a
// Gateway API gateway (its listener class is Gateway, whose mode is CLIENT), and
// none for a waypoint, whose HTTP chains are looked up as SidecarInbound
// (pilot/pkg/networking/core/listener_waypoint.go) so that CLIENT never matches, or
// for a Gateway that may be either.
func (b *build) pluginMode() typev1beta1.WorkloadMode {
	if b.targeted() {
		if b.f.Spec.Context == "gateway" {
			return typev1beta1.WorkloadMode_CLIENT
		}
		return typev1beta1.WorkloadMode_UNDEFINED
	}
	return workloadModes[b.f.Spec.Context]
}

// wasmPluginStep emits the WasmPlugin equivalent of the filter, where the spec can
// be expressed as one.
func wasmPluginStep(b *build) []Object {
	// Asked for on its own, a WasmPlugin that cannot be made is an error; as part of
	// --target all it is a warning next to the EnvoyFilter that is still made.
	report := b.rep.Errorf
	if b.opts.Target == TargetAll {
		report = b.rep.Warnf
	}
	if v := b.opts.Istio; !v.Has(compat.WasmPlugin) {
		report("metadata.name", CodeWasmPluginOld, fmt.Sprintf("render for --istio-version %s or later, or use --target istio", compat.WasmPlugin.Since()),
			"WasmPlugin needs Istio %s or later; this render is for Istio %s", compat.WasmPlugin.Since(), v)
		return nil
	}
	s := &b.f.Spec
	spec := &extensions.WasmPlugin{
		PluginName: s.RootID,
		Phase:      pluginPhases[s.Placement.Phase],
	}
	if mode := b.pluginMode(); mode != typev1beta1.WorkloadMode_UNDEFINED || len(s.Ports) > 0 {
		spec.Match = []*extensions.WasmPlugin_TrafficSelector{{Mode: mode}}
	}
	switch {
	case b.opts.Istio.Has(compat.PluginType) && s.Type == "network":
		spec.Type = extensions.PluginType_NETWORK
	case b.opts.Istio.Has(compat.PluginType):
		spec.Type = extensions.PluginType_HTTP
	case s.Type == "network":
		report("spec.type", CodeWasmPlugin, fmt.Sprintf("render for --istio-version %s or later, or use --target istio", compat.PluginType.Since()),
			"a network WasmPlugin needs Istio %s or later (WasmPlugin.type); this render is for Istio %s", compat.PluginType.Since(), b.opts.Istio)
		return nil
	}
	if b.targeted() {
		refs := b.istioTargetRefs("WasmPlugin", report)
		if refs == nil {
			return nil
		}
		if b.opts.Istio.Has(compat.TargetRefs) {
			spec.TargetRefs = refs
		} else {
			spec.TargetRef = refs[0] // 1.20–1.21: the single targetRef, a Gateway
		}
	} else if len(s.Selector.MatchLabels) > 0 {
		labels := map[string]string{}
		for k, v := range s.Selector.MatchLabels {
			labels[k] = v
		}
		spec.Selector = &typev1beta1.WorkloadSelector{MatchLabels: labels}
	}
	for _, p := range s.Ports {
		spec.Match[0].Ports = append(spec.Match[0].Ports, &typev1beta1.PortSelector{Number: uint32(p)})
	}
	if s.Priority != nil {
		spec.Priority = wrapperspb.Int32(*s.Priority)
	}
	if s.FailStrategy == "open" {
		spec.FailStrategy = extensions.FailStrategy_FAIL_OPEN
	}
	for _, e := range s.Env {
		ev := &extensions.EnvVar{Name: e.Name, Value: e.Value}
		if e.FromHost {
			ev.ValueFrom = extensions.EnvValueSource_HOST
		}
		if spec.VmConfig == nil {
			spec.VmConfig = &extensions.VmConfig{}
		}
		spec.VmConfig.Env = append(spec.VmConfig.Env, ev)
	}
	p := s.Placement
	if p.Phase == "" && (p.First || p.After != "" || (p.Before != "" && p.Before != compat.Router)) {
		b.rep.Warnf("spec.placement", CodeWasmPlugin, "use placement.phase to order a WasmPlugin",
			"a WasmPlugin cannot be placed before/after a named filter or first; it runs in the unspecified phase, just before the router")
	}

	if s.Module.PullSecret != "" && (b.d.kind != DeliveryAgent || !strings.HasPrefix(b.d.uri, "oci://")) {
		b.rep.Warnf("spec.module.pullSecret", CodeWasmPlugin, "use delivery: agent, or give the pod imagePullSecrets",
			"pullSecret is not used: with delivery %s the istio-agent does not pull the image", b.d.kind)
	}
	switch d := b.d; {
	case d.kind == DeliveryAgent && strings.HasPrefix(d.uri, "oci://"):
		spec.Url = d.uri
		spec.Sha256 = s.Module.SHA256
		spec.ImagePullSecret = s.Module.PullSecret
	case d.kind == DeliveryAgent || d.kind == DeliveryRemote:
		// istio-agent fetches http(s) modules itself for a WasmPlugin.
		spec.Url = d.uri
		spec.Sha256 = s.Module.SHA256
	case d.filename != "":
		spec.Url = "file://" + d.filename
	default:
		return nil // the delivery's finding says why
	}

	if c := b.in.Configuration; c != nil {
		if b.in.ConfigIsBytes {
			report("spec.configSchema.encoding", CodeWasmPlugin, "use encoding json or canonical for a WasmPlugin",
				"binary configuration cannot be a WasmPlugin: pluginConfig is a google.protobuf.Struct that istiod passes on as JSON")
			return nil
		}
		st, path, msg := pluginConfig(c)
		if msg != "" {
			report("spec.config"+path, CodeWasmPlugin, "use --target istio, whose EnvoyFilter passes the configuration unchanged",
				"%s, so it cannot be a WasmPlugin's pluginConfig", msg)
			return nil
		}
		spec.PluginConfig = st
	}
	m := b.f.Metadata
	return []Object{{APIVersion: WasmPluginAPIVersion, Kind: KindWasmPlugin, Name: m.Name, Namespace: m.Namespace,
		FileName: fileName(KindWasmPlugin, m.Name, "yaml"), Body: spec, Source: b.in.Doc}}
}

// pluginConfig parses the configuration into the Struct a WasmPlugin carries. It
// refuses what a Struct would change: a non-object, or a number a double cannot hold
// exactly (Struct numbers are doubles; istiod re-encodes them). On refusal it
// returns the offending path (".a.b[2]") and why.
func pluginConfig(c []byte) (*structpb.Struct, string, string) {
	dec := json.NewDecoder(bytes.NewReader(c))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, "", "the configuration is not JSON"
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, "", "the configuration is not one JSON value"
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, "", fmt.Sprintf("the configuration is %s, not a JSON object", jsonKind(v))
	}
	if path, num := inexact(obj, ""); path != "" || num != "" {
		return nil, path, fmt.Sprintf("the number %s would change to %s as a double", num, strconv.FormatFloat(mustFloat(num), 'g', -1, 64))
	}
	tree, _ := toFloatTree(obj).(map[string]any)
	st, err := structpb.NewStruct(tree)
	if err != nil {
		return nil, "", err.Error()
	}
	return st, "", ""
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a value"
}

// inexact finds the first number (in sorted key order) a double cannot represent.
func inexact(v any, path string) (string, string) {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if p, n := inexact(t[k], path+"."+k); n != "" {
				return p, n
			}
		}
	case []any:
		for i, e := range t {
			if p, n := inexact(e, fmt.Sprintf("%s[%d]", path, i)); n != "" {
				return p, n
			}
		}
	case json.Number:
		s := string(t)
		f := mustFloat(s)
		if math.IsInf(f, 0) {
			return path, s
		}
		// An integer must survive the trip through a double digit for digit.
		if !strings.ContainsAny(s, ".eE") && strconv.FormatFloat(f, 'f', -1, 64) != strings.TrimPrefix(s, "+") {
			return path, s
		}
	}
	return "", ""
}

func mustFloat(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func toFloatTree(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = toFloatTree(e)
		}
	case []any:
		for i, e := range t {
			t[i] = toFloatTree(e)
		}
	case json.Number:
		return mustFloat(string(t))
	}
	return v
}
