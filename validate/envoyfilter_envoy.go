package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	// Types an Any in a filter or bootstrap may name; linking them lets Any resolve.
	_ "github.com/cncf/xds/go/udpa/type/v1"
	_ "github.com/cncf/xds/go/xds/type/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/file/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/compression/gzip/compressor/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/buffer/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/compressor/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/cors/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_authz/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/grpc_web/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/header_mutation/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/header_to_metadata/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/health_check/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/jwt_authn/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/local_ratelimit/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/lua/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ratelimit/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/http_inspector/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/original_dst/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/proxy_protocol/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/direct_response/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/echo/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/ext_authz/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/local_ratelimit/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/mongo_proxy/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/rbac/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/redis_proxy/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/sni_cluster/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/wasm/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"

	"github.com/wasmgen/wasmgen/yamltree"
)

// Codes of the checks that look inside Envoy config.
const (
	CodeWasmRuntime     = "WG7040" // unknown or empty vm_config.runtime
	CodeWasmConfigJSON  = "WG7041" // configuration looks like JSON and does not parse
	CodeWasmRemoteSHA   = "WG7042" // remote code without sha256
	CodeWasmEmptyCode   = "WG7043" // local code with an empty filename / inline body
	CodeWasmNoCode      = "WG7044" // vm_config without code
	CodeWasmSharedVM    = "WG7045" // one vm_id, different code or configuration
	CodeWasmNoVM        = "WG7047" // plugin without vm_config
	CodeWasmEnvKey      = "WG7048" // an environment variable key given twice
	CodeWasmFailBoth    = "WG7049" // fail_open and failure_policy both set
	CodeFilterOrder     = "WG7102" // terminal filter not last / last filter not terminal
	CodeMissingTyped    = "WG7106" // a filter named without typed_config (bootstrap)
	CodeDeprecatedName  = "WG7051" // deprecated filter name in a patch value or bootstrap
	wasmRuntimesMessage = "envoy.wasm.runtime.v8, envoy.wasm.runtime.wamr, envoy.wasm.runtime.wasmtime or envoy.wasm.runtime.null"
)

var wasmRuntimes = []string{"envoy.wasm.runtime.v8", "envoy.wasm.runtime.wamr", "envoy.wasm.runtime.wasmtime", "envoy.wasm.runtime.null"}

var terminalHTTPTypes = map[protoreflect.FullName]bool{
	"envoy.extensions.filters.http.router.v3.Router":                true,
	"envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec": true,
}

var terminalNetworkTypes = map[protoreflect.FullName]bool{
	"envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager": true,
	"envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy":                            true,
	"envoy.extensions.filters.network.redis_proxy.v3.RedisProxy":                        true,
	"envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy":                      true,
	"envoy.extensions.filters.network.dubbo_proxy.v3.DubboProxy":                        true,
	"envoy.extensions.filters.network.echo.v3.Echo":                                     true,
	"envoy.extensions.filters.network.direct_response.v3.Config":                        true,
	"envoy.extensions.filters.network.generic_proxy.v3.GenericProxy":                    true,
}

// vmUse records one Wasm plugin's VM, to find vm_ids shared across filters.
type vmUse struct {
	vmID, rootID, code, config string
	ix                         *posIndex // position looked up only when reported
	path, owner                string
}

// envoyChecker looks inside decoded Envoy config: it unpacks every Any and
// TypedStruct, applies the Wasm and filter-order rules, and runs protoc-gen-validate
// on every unpacked message.
type envoyChecker struct {
	istio    compat.Istio // the target proxy
	ix       *posIndex
	l        *diag.List
	bad      map[string]bool
	complete bool // the value is a whole object (not a MERGE fragment): required fields apply
	missing  func(path, name string)
	owner    string
	vms      []vmUse
	roots    []root
	skip     map[string]bool // paths a specific rule already reported: PGV stays quiet there
}

type root struct {
	m    proto.Message
	path string
}

func newEnvoyChecker(ix *posIndex, l *diag.List, bad map[string]bool, complete bool, owner string) *envoyChecker {
	return &envoyChecker{ix: ix, l: l, bad: bad, complete: complete, owner: owner, skip: map[string]bool{}}
}

func (c *envoyChecker) errorf(path, code, hint, format string, args ...any) {
	c.skip[yamltree.Canon(path)] = true
	c.l.Add(diag.Finding{Pos: c.ix.pos(path), Path: c.ix.display(path), Severity: diag.Error, Code: code,
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (c *envoyChecker) warnf(path, code, hint, format string, args ...any) {
	c.l.Add(diag.Finding{Pos: c.ix.pos(path), Path: c.ix.display(path), Severity: diag.Warning, Code: code,
		Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// check walks m (found at path) and then validates every root that was unpacked.
func (c *envoyChecker) check(m proto.Message, path string) {
	c.roots = append(c.roots, root{m, path})
	c.walk(m.ProtoReflect(), path)
	if !c.complete {
		return
	}
	for _, r := range c.roots {
		validatePGV(c.ix, c.l, r.m, r.path, c.skip)
	}
}

func (c *envoyChecker) walk(m protoreflect.Message, path string) {
	switch v := m.Interface().(type) {
	case *hcmv3.HttpConnectionManager:
		if c.complete {
			c.httpChain(v, path)
		}
	case *listenerv3.FilterChain:
		if c.complete {
			c.networkChain(v.GetFilters(), yamltree.Join(path, "filters"))
		}
	case *wasmv3.PluginConfig:
		c.wasm(v, path)
	}
	if c.missing != nil {
		c.missingTyped(m, path)
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind {
			return true
		}
		p := yamltree.Join(path, string(fd.Name()))
		switch {
		case fd.IsList():
			for i, l := 0, v.List(); i < l.Len(); i++ {
				c.child(l.Get(i).Message(), yamltree.Index(p, i))
			}
		case fd.IsMap():
			if fd.MapValue().Kind() != protoreflect.MessageKind {
				return true
			}
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				c.child(mv.Message(), yamltree.Join(p, k.String()))
				return true
			})
		default:
			c.child(v.Message(), p)
		}
		return true
	})
}

func (c *envoyChecker) child(m protoreflect.Message, path string) {
	a, ok := m.Interface().(*anypb.Any)
	if !ok {
		c.walk(m, path)
		return
	}
	inner, err := a.UnmarshalNew()
	if err != nil {
		return // the walker reported the unknown type
	}
	name := inner.ProtoReflect().Descriptor().FullName()
	switch {
	case typedStructNames[name]:
		c.typedStruct(inner, path)
	case opaqueJSON[name]:
	default:
		c.roots = append(c.roots, root{inner, path})
		c.walk(inner.ProtoReflect(), path)
	}
}

// typedStruct decodes a TypedStruct's value into the type it names, from the YAML so
// that errors keep their positions.
func (c *envoyChecker) typedStruct(ts proto.Message, path string) {
	fd := ts.ProtoReflect().Descriptor().Fields().ByName("type_url")
	url := ts.ProtoReflect().Get(fd).String()
	mt, err := protoregistry.GlobalTypes.FindMessageByURL(url)
	if err != nil {
		return
	}
	vp := yamltree.Join(path, "value")
	n := c.ix.node(vp)
	if n == nil {
		return
	}
	m := mt.New().Interface()
	if !decodeInto(c.ix, c.l, c.bad, n, vp, m, CodeIstioValidation) {
		return
	}
	c.roots = append(c.roots, root{m, vp})
	c.walk(m.ProtoReflect(), vp)
}

// missingTyped finds filters named without typed_config (Istio warns: Envoy no longer
// looks extensions up by name).
func (c *envoyChecker) missingTyped(m protoreflect.Message, path string) {
	fds := m.Descriptor().Fields()
	tc := fds.ByName("typed_config")
	if tc == nil || tc.Kind() != protoreflect.MessageKind || m.Has(tc) {
		return
	}
	if cd := fds.ByName("config_discovery"); cd != nil && m.Has(cd) {
		return
	}
	name := ""
	if nf := fds.ByName("name"); nf != nil && nf.Kind() == protoreflect.StringKind {
		name = m.Get(nf).String()
	}
	c.missing(path, name)
}

func typeOf(a *anypb.Any) protoreflect.FullName {
	if a == nil {
		return ""
	}
	return a.MessageName()
}

func (c *envoyChecker) httpChain(h *hcmv3.HttpConnectionManager, path string) {
	fs := h.GetHttpFilters()
	for i, f := range fs {
		p := yamltree.Index(yamltree.Join(path, "http_filters"), i)
		t := typeOf(f.GetTypedConfig())
		terminal := terminalHTTPTypes[t] || (t == "" && f.GetConfigDiscovery() == nil && compat.IsRouterName(f.GetName()))
		tn := string(t)
		if tn == "" {
			tn = "(none)"
		}
		switch {
		case terminal && i != len(fs)-1:
			c.errorf(p, CodeFilterOrder, "move the router to the end of http_filters",
				"terminal filter named %q of type %s must be the last filter in a http filter chain", f.GetName(), tn)
		case !terminal && i == len(fs)-1:
			c.errorf(p, CodeFilterOrder, "end http_filters with envoy.filters.http.router",
				"non-terminal filter named %q of type %s is the last filter in a http filter chain", f.GetName(), tn)
		}
		if n, ok := compat.CanonicalName(compat.HTTPChain, f.GetName()); ok {
			c.warnf(yamltree.Join(p, "name"), CodeDeprecatedName, "", "using deprecated filter name %q; use %q instead", f.GetName(), n)
		}
	}
}

func (c *envoyChecker) networkChain(fs []*listenerv3.Filter, path string) {
	for i, f := range fs {
		p := yamltree.Index(path, i)
		t := typeOf(f.GetTypedConfig())
		if t == "" {
			continue // config_discovery or name-only: the type is not known here
		}
		terminal := terminalNetworkTypes[t]
		switch {
		case terminal && i != len(fs)-1:
			c.errorf(p, CodeFilterOrder, "move it to the end of filters",
				"terminal filter named %q of type %s must be the last filter in a network filter chain", f.GetName(), t)
		case !terminal && i == len(fs)-1:
			c.errorf(p, CodeFilterOrder, "end the chain with a terminal filter such as envoy.filters.network.http_connection_manager or tcp_proxy",
				"non-terminal filter named %q of type %s is the last filter in a network filter chain", f.GetName(), t)
		}
		if n, ok := compat.CanonicalName(compat.NetworkChain, f.GetName()); ok {
			c.warnf(yamltree.Join(p, "name"), CodeDeprecatedName, "", "using deprecated filter name %q; use %q instead", f.GetName(), n)
		}
	}
}

// envKeys is Envoy's rule when it builds a plugin's WasmConfig: every environment
// variable key is unique across host_env_keys and key_values (key_values, a map,
// cannot repeat one itself). The message is Envoy's (extensions/common/wasm/plugin.cc).
func (c *envoyChecker) envKeys(pc *wasmv3.PluginConfig, ep string) {
	env := pc.GetVmConfig().GetEnvironmentVariables()
	seen := map[string]bool{}
	for i, k := range env.GetHostEnvKeys() {
		_, inValues := env.GetKeyValues()[k]
		if seen[k] || inValues {
			hint := "drop the repeated key"
			if inValues {
				hint = "keep the key in host_env_keys (the proxy's value) or in key_values (a fixed value), not both"
			}
			c.errorf(yamltree.Index(yamltree.Join(ep, "host_env_keys"), i), CodeWasmEnvKey, hint,
				"Key %s is duplicated in envoy.extensions.wasm.v3.VmConfig.environment_variables for %s. All the keys must be unique.", k, pc.GetName())
		}
		seen[k] = true
	}
}

// wasm applies the rules Envoy enforces only when it loads the plugin.
func (c *envoyChecker) wasm(pc *wasmv3.PluginConfig, path string) {
	c.jsonConfig(pc.GetConfiguration(), yamltree.Join(path, "configuration"))
	// Envoy's plugin constructor (wasm.cc), from the proxies that know failure_policy;
	// older ones ignore the field (olderProxy warns).
	//lint:ignore SA1019 the rule is about the deprecated field
	if pc.GetFailOpen() && pc.GetFailurePolicy() != wasmv3.FailurePolicy_UNSPECIFIED && c.istio.Has(compat.FailurePolicy) {
		c.errorf(yamltree.Join(path, "failure_policy"), CodeWasmFailBoth, "set only failure_policy (fail_open is deprecated; fail_open: true means FAIL_OPEN)",
			"only one of fail_open or failure_policy can be set")
	}
	vm := pc.GetVmConfig()
	vp := yamltree.Join(path, "vm_config")
	if vm == nil {
		if c.complete {
			c.errorf(path, CodeWasmNoVM, "add vm_config with runtime and code", "Wasm plugin %q has no vm_config", pc.GetName())
		}
		return
	}
	c.olderProxy(pc, path)
	switch rt := vm.GetRuntime(); {
	case rt == "" && c.complete:
		c.errorf(yamltree.Join(vp, "runtime"), CodeWasmRuntime, "set runtime: envoy.wasm.runtime.v8", "vm_config.runtime is empty; expected %s", wasmRuntimesMessage)
	case rt != "" && !contains(wasmRuntimes, rt):
		c.errorf(yamltree.Join(vp, "runtime"), CodeWasmRuntime, diag.DidYouMean(rt, wasmRuntimes), "unknown Wasm runtime %q; expected %s (official Envoy and Istio builds ship v8)", rt, wasmRuntimesMessage)
	}
	c.jsonConfig(vm.GetConfiguration(), yamltree.Join(vp, "configuration"))
	c.envKeys(pc, yamltree.Join(vp, "environment_variables"))
	cp := yamltree.Join(vp, "code")
	code := vm.GetCode()
	var id string
	switch {
	case code.GetLocal() != nil:
		lp := yamltree.Join(cp, "local")
		ds := code.GetLocal()
		switch s := ds.GetSpecifier().(type) {
		case *corev3.DataSource_Filename:
			id = "file:" + s.Filename
			if s.Filename == "" {
				c.errorf(yamltree.Join(lp, "filename"), CodeWasmEmptyCode, "set the path of the .wasm file inside the proxy container",
					"code.local.filename is empty; Envoy rejects the filter (the module path inside the proxy is required)")
			}
		case *corev3.DataSource_InlineBytes:
			id = fmt.Sprintf("bytes:%x", s.InlineBytes)
			if len(s.InlineBytes) == 0 {
				c.errorf(yamltree.Join(lp, "inline_bytes"), CodeWasmEmptyCode, "", "code.local.inline_bytes is empty; expected the module bytes")
			}
		case *corev3.DataSource_InlineString:
			id = "string:" + s.InlineString
			if s.InlineString == "" {
				c.errorf(yamltree.Join(lp, "inline_string"), CodeWasmEmptyCode, "", "code.local.inline_string is empty; expected the module")
			}
		case nil:
			c.errorf(lp, CodeWasmEmptyCode, "set filename to the .wasm file inside the proxy container", "code.local names no module (no filename, inline_bytes or inline_string)")
		}
	case code.GetRemote() != nil:
		r := code.GetRemote()
		id = "remote:" + r.GetHttpUri().GetUri() + "@" + r.GetSha256()
		if r.GetSha256() == "" && c.complete {
			c.skip[yamltree.Canon(yamltree.Join(yamltree.Join(cp, "remote"), "sha256"))] = true
			c.errorf(yamltree.Join(cp, "remote"), CodeWasmRemoteSHA, "add sha256: <64 hex digits of the .wasm file> (sha256sum filter.wasm)",
				"remote code has no sha256; Envoy requires it to verify the downloaded module and rejects the filter")
		}
	case c.complete:
		c.errorf(vp, CodeWasmNoCode, "add code.local.filename or code.remote", "vm_config has no code; expected code.local.filename or code.remote with http_uri and sha256")
	}
	if vm.GetVmId() != "" {
		cfg, _ := proto.MarshalOptions{Deterministic: true}.Marshal(pc.GetConfiguration())
		p := yamltree.Join(vp, "vm_id")
		c.vms = append(c.vms, vmUse{vmID: vm.GetVmId(), rootID: pc.GetRootId(), code: id, config: string(cfg),
			ix: c.ix, path: p, owner: c.owner})
	}
}

// jsonConfig checks a StringValue/BytesValue configuration that looks like JSON: the
// plugin receives the bytes as they are, and most plugins parse them as JSON.
func (c *envoyChecker) jsonConfig(a *anypb.Any, path string) {
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
	pos := c.ix.valuePos(vp)
	msg := err.Error()
	if se, ok := err.(*json.SyntaxError); ok {
		line := bytes.Count([]byte(s[:se.Offset]), []byte("\n"))
		msg = fmt.Sprintf("%s (line %d of the string)", se.Error(), line+1)
		if n := c.ix.node(vp); n != nil && n.Style&yaml.LiteralStyle != 0 {
			pos.Line, pos.Col = n.Line+1+line, 0 // a literal block: the error's own line
		}
	}
	c.skip[yamltree.Canon(vp)] = true
	c.l.Add(diag.Finding{Pos: pos, Path: c.ix.display(vp), Severity: diag.Error, Code: CodeWasmConfigJSON,
		Msg:  "plugin configuration looks like JSON but does not parse: " + msg,
		Hint: "fix the JSON (the plugin receives the string as is), or use a google.protobuf.Struct"})
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// sharedVMs reports vm_ids used by plugins that load different code, or that share a
// root_id with a different configuration: one VM's root context then serves both and
// configurations bleed between them (envoy-wasm#415).
func sharedVMs(uses []vmUse) diag.List {
	// (sameProxy limits the comparison to filters that can meet in one Envoy.)
	var l diag.List
	first := map[string][]vmUse{}
	var ids []string
	for _, u := range uses {
		if _, ok := first[u.vmID]; !ok {
			ids = append(ids, u.vmID)
		}
		first[u.vmID] = append(first[u.vmID], u)
	}
	sort.Strings(ids)
	for _, id := range ids {
		us := first[id]
		for i := 1; i < len(us); i++ {
			b := us[i]
			j := 0
			// The same EnvoyFilter twice (one object in two files) replaces itself:
			// that is not two filters sharing a VM.
			for j < i && (!sameProxy(us[j].owner, b.owner) || (us[j].owner == b.owner && us[j].ix != b.ix)) {
				j++
			}
			if j == i {
				continue // no earlier use can run in the same proxy
			}
			a := us[j]
			var what string
			switch {
			case a.code != b.code:
				what = "different code"
			case a.rootID == b.rootID && a.config != b.config:
				what = "the same root_id and a different configuration"
			default:
				continue
			}
			l.Add(diag.Finding{Pos: b.ix.pos(b.path), Path: b.ix.display(b.path), Severity: diag.Warning, Code: CodeWasmSharedVM,
				Msg: fmt.Sprintf("vm_id %q is also used by %s (%s) with %s; plugins sharing a VM share its root contexts and their configurations bleed between them (envoy-wasm#415)",
					id, a.owner, a.ix.pos(a.path), what),
				Hint: "give each filter its own vm_id (wasmgen uses <namespace>.<name>)"})
		}
	}
	return l
}

// sameProxy says whether two filters can be loaded by the same Envoy: EnvoyFilters
// of one namespace (those of Istio's root namespace apply to every proxy), or
// filters of one bootstrap. A bootstrap is its own Envoy, apart from the mesh.
func sameProxy(a, b string) bool {
	sa, everyA := vmScope(a)
	sb, everyB := vmScope(b)
	if strings.HasPrefix(sa, "ns/") && strings.HasPrefix(sb, "ns/") {
		return sa == sb || everyA || everyB
	}
	return sa == sb
}

func vmScope(owner string) (scope string, everywhere bool) {
	if rest, ok := strings.CutPrefix(owner, "EnvoyFilter "); ok {
		ns, _, _ := strings.Cut(rest, "/")
		return "ns/" + ns, ns == "istio-system"
	}
	return owner, false
}

// CodeOlderIstio marks a field the target Istio version's proxy or istiod does not know.
const CodeOlderIstio = "WG7110"

// olderProxy warns about fields an older proxy ignores: xDS accepts unknown fields,
// so the setting silently does not apply.
func (c *envoyChecker) olderProxy(pc *wasmv3.PluginConfig, path string) {
	v := c.istio
	if !v.Has(compat.EnvVars) && pc.GetVmConfig().GetEnvironmentVariables() != nil {
		f := compat.EnvVars
		c.warnf(yamltree.Join(yamltree.Join(path, "vm_config"), "environment_variables"), CodeOlderIstio, fmt.Sprintf("target Istio %s or later, or pass the values in the plugin configuration", f.Since()),
			"vm_config.environment_variables exists from Envoy %s (Istio %s); the proxy of Istio %s ignores it", f.EnvoySince, f.Since(), v)
	}
	if !v.Has(compat.FailurePolicy) && pc.GetFailurePolicy() != wasmv3.FailurePolicy_UNSPECIFIED {
		f := compat.FailurePolicy
		c.warnf(yamltree.Join(path, "failure_policy"), CodeOlderIstio, "use fail_open for this Istio version",
			"failure_policy exists from Envoy %s (Istio %s); the proxy of Istio %s ignores it and fails closed", f.EnvoySince, f.Since(), v)
	}
}
