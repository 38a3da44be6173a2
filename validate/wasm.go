package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/yamltree"
)

// wasmRuntimes are the Wasm runtimes Envoy registers (source/extensions/wasm_runtime).
var wasmRuntimes = []string{"envoy.wasm.runtime.v8", "envoy.wasm.runtime.wamr", "envoy.wasm.runtime.wasmtime", "envoy.wasm.runtime.null"}

const wasmRuntimesMessage = "envoy.wasm.runtime.v8, envoy.wasm.runtime.wamr, envoy.wasm.runtime.wasmtime or envoy.wasm.runtime.null"

// wasm applies the rules Envoy enforces only when it loads the plugin
// (source/extensions/common/wasm/wasm.cc and plugin.cc): they pass every schema
// check and fail at load time.
func (w *envoyWalk) wasm(pc *wasmv3.PluginConfig, path string) {
	rep := w.p.rep
	jsonConfig(w.p, pc.GetConfiguration(), yamltree.Join(path, "configuration"))
	// Envoy's plugin constructor, from the proxies that know failure_policy; older
	// ones ignore the field (olderProxy warns).
	//lint:ignore SA1019 the rule is about the deprecated field
	if pc.GetFailOpen() && pc.GetFailurePolicy() != wasmv3.FailurePolicy_UNSPECIFIED && w.envoy.Has(compat.FailurePolicy) {
		rep.Fail(yamltree.Join(path, "failure_policy"), CodeWasmFailBoth, "set only failure_policy (fail_open is deprecated; fail_open: true means FAIL_OPEN)",
			"only one of fail_open or failure_policy can be set")
	}
	vm := pc.GetVmConfig()
	vp := yamltree.Join(path, "vm_config")
	if vm == nil {
		if w.complete {
			rep.Errorf(path, CodeWasmNoVM, "add vm_config with runtime and code", "Wasm plugin %q has no vm_config", pc.GetName())
		}
		return
	}
	w.olderProxy(pc, path)
	switch rt := vm.GetRuntime(); {
	case rt == "" && w.complete && !w.envoy.Has(compat.RuntimeOptional):
		rep.Fail(yamltree.Join(vp, "runtime"), CodeWasmRuntime, "set runtime: envoy.wasm.runtime.v8",
			"vm_config.runtime is empty; expected %s (it may be empty from Envoy %s on)", wasmRuntimesMessage, compat.RuntimeOptional.EnvoySince)
	case rt != "" && !slices.Contains(wasmRuntimes, rt):
		rep.Fail(yamltree.Join(vp, "runtime"), CodeWasmRuntime, diag.DidYouMean(rt, wasmRuntimes), "unknown Wasm runtime %q; expected %s (official Envoy and Istio builds ship v8)", rt, wasmRuntimesMessage)
	}
	jsonConfig(w.p, vm.GetConfiguration(), yamltree.Join(vp, "configuration"))
	envKeys(w.p, pc, yamltree.Join(vp, "environment_variables"))
	cp := yamltree.Join(vp, "code")
	code := vm.GetCode()
	var id string
	switch {
	case code.GetLocal() != nil:
		lp := yamltree.Join(cp, "local")
		switch s := code.GetLocal().GetSpecifier().(type) {
		case *corev3.DataSource_Filename:
			id = "file:" + s.Filename
			if s.Filename == "" {
				rep.Fail(yamltree.Join(lp, "filename"), CodeWasmEmptyCode, "set the path of the .wasm file inside the proxy container",
					"code.local.filename is empty; Envoy rejects the filter (the module path inside the proxy is required)")
			}
		case *corev3.DataSource_InlineBytes:
			id = fmt.Sprintf("bytes:%x", s.InlineBytes)
			if len(s.InlineBytes) == 0 {
				rep.Fail(yamltree.Join(lp, "inline_bytes"), CodeWasmEmptyCode, "", "code.local.inline_bytes is empty; expected the module bytes")
			}
		case *corev3.DataSource_InlineString:
			id = "string:" + s.InlineString
			if s.InlineString == "" {
				rep.Fail(yamltree.Join(lp, "inline_string"), CodeWasmEmptyCode, "", "code.local.inline_string is empty; expected the module")
			}
		case nil:
			rep.Fail(lp, CodeWasmEmptyCode, "set filename to the .wasm file inside the proxy container", "code.local names no module (no filename, inline_bytes or inline_string)")
		}
	case code.GetRemote() != nil:
		r := code.GetRemote()
		id = "remote:" + r.GetHttpUri().GetUri() + "@" + r.GetSha256()
		w.remote(r, yamltree.Join(cp, "remote"))
	case w.complete:
		rep.Fail(vp, CodeWasmNoCode, "add code.local.filename or code.remote", "vm_config has no code; expected code.local.filename or code.remote with http_uri and sha256")
	}
	if vm.GetVmId() != "" {
		cfg, _ := proto.MarshalOptions{Deterministic: true}.Marshal(pc.GetConfiguration())
		vmCfg, _ := proto.MarshalOptions{Deterministic: true}.Marshal(vm.GetConfiguration())
		w.p.facts.vms = append(w.p.facts.vms, vmUse{vmID: vm.GetVmId(), rootID: pc.GetRootId(), code: id, config: string(cfg), vmConfig: string(vmCfg),
			ix: w.p.ix, path: yamltree.Join(vp, "vm_id"), owner: w.owner})
	}
}

// remote checks remote Wasm code: what Envoy needs to fetch it, or, where the
// istio-agent fetches it instead, what the agent needs.
func (w *envoyWalk) remote(r *corev3.RemoteDataSource, rp string) {
	rep := w.p.rep
	sha := r.GetSha256()
	if w.agentFetches() {
		// The agent reads only http_uri.uri, and takes "" or "nil" as no checksum
		// (pkg/wasm/convert.go): Envoy's rules for the rest do not apply.
		rep.Quiet(rp)
		switch {
		case (sha == "" || sha == "nil") && ociDigest(r.GetHttpUri().GetUri()):
			// An image named by digest is checked against that digest: with no
			// checksum the agent takes the URL's (istio/istio pkg/wasm/cache.go
			// getEntry) and refuses a pulled manifest of another digest (Get:
			// "module downloaded from ... has checksum ..., which does not match").
		case sha == "" || sha == "nil":
			w.p.l.Add(diag.Finding{Pos: w.p.ix.Pos(rp), Path: w.p.ix.Display(rp), Severity: diag.Warning, Code: CodeWasmRemoteSHA,
				Msg:  "remote code has no sha256: the istio-agent downloads the module without checking it, and again on every change of the resource",
				Hint: "add sha256: <64 hex digits of the .wasm file> (sha256sum filter.wasm)"})
		case !isSHA256(sha):
			w.p.l.Add(diag.Finding{Pos: w.p.ix.Pos(yamltree.Join(rp, "sha256")), Path: w.p.ix.Display(yamltree.Join(rp, "sha256")), Severity: diag.Error, Code: CodeWasmRemoteSHA,
				Msg:  fmt.Sprintf("sha256 %q is not 64 hex digits: the istio-agent compares it with the downloaded module's and refuses the module", yamltree.Clip(sha)),
				Hint: "write the module's sha256 (sha256sum filter.wasm), or leave it out"})
		}
		return
	}
	switch {
	case sha == "" && w.complete:
		rep.Errorf(rp, CodeWasmRemoteSHA, "add sha256: <64 hex digits of the .wasm file> (sha256sum filter.wasm)",
			"remote code has no sha256; Envoy requires it to verify the downloaded module and rejects the filter")
		rep.Quiet(rp)
	case sha != "" && !isSHA256(sha):
		// PGV asks only for a non-empty string; Envoy compares it with the download's
		// digest (source/common/config/remote_data_fetcher.cc), so anything else fails.
		rep.Fail(yamltree.Join(rp, "sha256"), CodeWasmRemoteSHA, "write the module's sha256 (sha256sum filter.wasm)",
			"sha256 %q is not 64 hex digits: Envoy compares it with the downloaded module's and rejects the module", yamltree.Clip(sha))
	}
}

// ociDigest reports whether uri names an image by its sha256 digest,
// oci://REPOSITORY@sha256:<64 hex>.
func ociDigest(uri string) bool {
	rest, ok := strings.CutPrefix(uri, "oci://")
	i := strings.LastIndex(rest, "@sha256:")
	return ok && i > 0 && isSHA256(rest[i+len("@sha256:"):])
}

// isSHA256 reports whether s is 64 hex digits (Envoy compares digests in hex,
// either case).
func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// envKeys is Envoy's rule when it builds a plugin's WasmConfig: every environment
// variable key is unique across host_env_keys and key_values (key_values, a map,
// cannot repeat one itself). The message is Envoy's (extensions/common/wasm/plugin.cc).
func envKeys(p *pass, pc *wasmv3.PluginConfig, ep string) {
	env := pc.GetVmConfig().GetEnvironmentVariables()
	seen := map[string]bool{}
	for i, k := range env.GetHostEnvKeys() {
		_, inValues := env.GetKeyValues()[k]
		if seen[k] || inValues {
			hint := "drop the repeated key"
			if inValues {
				hint = "keep the key in host_env_keys (the proxy's value) or in key_values (a fixed value), not both"
			}
			p.rep.Fail(yamltree.Index(yamltree.Join(ep, "host_env_keys"), i), CodeWasmEnvKey, hint,
				"Key %s is duplicated in envoy.extensions.wasm.v3.VmConfig.environment_variables for %s. All the keys must be unique.", k, pc.GetName())
		}
		seen[k] = true
	}
}

// jsonConfig checks a StringValue/BytesValue configuration that looks like JSON: the
// plugin receives the bytes as they are, and most plugins parse them as JSON.
func jsonConfig(p *pass, a *anypb.Any, path string) {
	if a == nil {
		return
	}
	var s string
	switch a.MessageName() {
	case "google.protobuf.StringValue":
		var v wrapperspb.StringValue
		if a.UnmarshalTo(&v) != nil {
			return
		}
		s = v.GetValue()
	case "google.protobuf.BytesValue":
		var v wrapperspb.BytesValue
		if a.UnmarshalTo(&v) != nil {
			return
		}
		s = string(v.GetValue())
	default:
		return
	}
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return
	}
	var v any
	err := json.Unmarshal([]byte(s), &v)
	if err == nil {
		return
	}
	vp := yamltree.Join(path, "value")
	pos := p.ix.ValuePos(vp)
	msg := err.Error()
	if se, ok := err.(*json.SyntaxError); ok {
		line := bytes.Count([]byte(s[:se.Offset]), []byte("\n"))
		msg = fmt.Sprintf("%s (line %d of the string)", se.Error(), line+1)
		if n := p.ix.Node(vp); n != nil && n.Style&yaml.LiteralStyle != 0 {
			pos.Line, pos.Col = n.Line+1+line, 0 // a literal block: the error's own line
		}
	}
	p.rep.Quiet(vp)
	p.l.Add(diag.Finding{Pos: pos, Path: p.ix.Display(vp), Severity: diag.Error, Code: CodeWasmConfigJSON,
		Msg:  "plugin configuration looks like JSON but does not parse: " + msg,
		Hint: "fix the JSON (the plugin receives the string as is), or use a google.protobuf.Struct"})
}

// olderProxy warns about fields an older proxy ignores: xDS accepts unknown fields,
// so the setting silently does not apply.
func (w *envoyWalk) olderProxy(pc *wasmv3.PluginConfig, path string) {
	v := w.envoy
	if !v.Has(compat.EnvVars) && pc.GetVmConfig().GetEnvironmentVariables() != nil {
		f := compat.EnvVars
		w.p.rep.Warnf(yamltree.Join(path, "vm_config.environment_variables"), CodeOlderIstio, fmt.Sprintf("target Envoy %s (Istio %s) or later, or pass the values in the plugin configuration", f.EnvoySince, f.Since()),
			"vm_config.environment_variables exists from Envoy %s (Istio %s); %s ignores it", f.EnvoySince, f.Since(), w.proxy())
	}
	if !v.Has(compat.FailurePolicy) && pc.GetFailurePolicy() != wasmv3.FailurePolicy_UNSPECIFIED {
		f := compat.FailurePolicy
		w.p.rep.Warnf(yamltree.Join(path, "failure_policy"), CodeOlderIstio, "use fail_open for this release",
			"failure_policy exists from Envoy %s (Istio %s); %s ignores it and fails closed", f.EnvoySince, f.Since(), w.proxy())
	}
}
