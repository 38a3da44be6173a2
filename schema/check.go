package schema

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"

	"github.com/google/go-containerregistry/pkg/name"
)

// Codes of the spec checks.
const (
	CodeRequired     = "WG1301"
	CodeName         = "WG1302"
	CodeModuleSource = "WG1303"
	CodeSHA256       = "WG1304"
	CodeURL          = "WG1305"
	CodeImage        = "WG1306"
	CodeUnpinned     = "WG1307"
	CodePort         = "WG1308"
	CodePlacement    = "WG1309"
	CodeEnv          = "WG1310"
	CodeSelector     = "WG1311"
	CodeDuplicate    = "WG1312"
	CodePriority     = "WG1313"
	CodeEnvoy        = "WG1314"
	CodeGatewayPort  = "WG1316"
	CodeTargetRef    = "WG1317"
	CodeAttachment   = "WG1318"
)

var (
	dns1123Label = lazyRegexp(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	sha256Hex    = lazyRegexp(`^[a-f0-9]{64}$`)
	envName      = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_]*$`)

	notLabelChars = lazyRegexp(`[^a-z0-9-]+`)
)

// IsDNS1123Label reports whether s can be a Kubernetes object name of the label kind
// (metadata.name of a WasmFilter): at most 63 lowercase letters, digits and '-'.
func IsDNS1123Label(s string) bool {
	return len(s) <= 63 && dns1123Label().MatchString(s)
}

// IsDNS1123Subdomain is the Kubernetes rule for most object names
// (k8s.io/apimachinery pkg/util/validation IsDNS1123Subdomain): at most 253
// characters, dot-separated DNS-1123 labels.
func IsDNS1123Subdomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Check checks one decoded filter: the rules of the WasmFilter API itself. mesh is
// false when only a standalone Envoy bootstrap is wanted, which has no workloads to
// select. It reports every problem; it does no I/O (file references are checked by
// the loader, which can see the file system).
func Check(d *Document, mesh bool) diag.List {
	c := checker{d: d, mesh: mesh}
	// What the decoder already reported is not reported again.
	c.rep = &diag.Reporter{Loc: d, List: &c.l, Skip: d.Failed}
	f := &d.Filter
	c.name("metadata.name", f.Metadata.Name, true)
	c.name("metadata.namespace", f.Metadata.Namespace, false)
	s := &f.Spec
	c.module(&s.Module)
	c.enum("spec.runtime", s.Runtime, Runtimes)
	c.enum("spec.type", s.Type, Types)
	if s.Context != "" {
		c.enum("spec.context", NormalizeContext(s.Context), Contexts)
	}
	c.enum("spec.failStrategy", s.FailStrategy, FailStrategies)
	c.enum("spec.delivery", s.Delivery, Deliveries)
	c.ports(s.Ports)
	// A Gateway API gateway's pods bind the Gateway's listener ports themselves
	// (istio/istio manifests/charts/istio-control/istio-discovery/files/
	// kube-gateway.yaml sets net.ipv4.ip_unprivileged_port_start=0).
	if NormalizeContext(s.Context) == "gateway" && len(s.TargetRefs) == 0 {
		c.gatewayPorts(s.Ports)
	}
	c.placement(s)
	c.env(s.Env)
	c.selector(s)
	c.targetRefs(s)
	if s.Envoy != nil {
		c.envoy(s.Envoy)
	}
	if cs := s.ConfigSchema; cs != nil {
		if cs.Proto == "" {
			c.rep.Errorf("spec.configSchema.proto", CodeRequired, "", "missing proto; expected the path of a .proto file, relative to the spec file")
		}
		if cs.Message == "" {
			c.rep.Errorf("spec.configSchema.message", CodeRequired, "", "missing message; expected the name of the config message, e.g. Config")
		}
		c.enum("spec.configSchema.encoding", cs.Encoding, Encodings)
	}
	return c.l
}

// Duplicates reports filters deployed together that share namespace and name: they
// would generate objects that overwrite each other. scope says which filters are
// deployed together (nil: all of them); filters of different scopes never clash.
func Duplicates(docs []*Document, scope func(*Document) string) diag.List {
	var l diag.List
	first := map[string]*Document{}
	for _, d := range docs {
		ns := d.Filter.Metadata.Namespace
		if ns == "" {
			ns = DefaultNamespace
		}
		key := ns + "/" + d.Filter.Metadata.Name
		if scope != nil {
			key = scope(d) + "\x00" + key
		}
		if p, ok := first[key]; ok {
			l.Add(diag.Finding{Pos: d.Pos("metadata.name"), Path: "metadata.name", Severity: diag.Error, Code: CodeDuplicate,
				Msg: "duplicate filter " + ns + "/" + d.Filter.Metadata.Name, Hint: "give each filter a distinct name", Related: []diag.Pos{p.Pos("metadata.name")}})
			continue
		}
		first[key] = d
	}
	return l
}

type checker struct {
	d    *Document
	mesh bool
	l    diag.List
	rep  *diag.Reporter
}

func (c *checker) name(path, v string, required bool) {
	if v == "" {
		if required {
			c.rep.Errorf(path, CodeRequired, "", "missing name; expected a DNS-1123 label (lowercase letters, digits and '-')")
		}
		return
	}
	if !IsDNS1123Label(v) {
		hint := ""
		if fixed := toLabel(v); fixed != "" && fixed != v {
			hint = fmt.Sprintf("try %q", fixed)
		}
		c.rep.Errorf(path, CodeName, hint, "%q is not a DNS-1123 label; expected at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit", v)
	}
}

func toLabel(s string) string {
	s = strings.ToLower(s)
	s = notLabelChars().ReplaceAllString(s, "-")
	s = strings.Trim(s, "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	return s
}

func (c *checker) enum(path, v string, allowed []string) {
	if v == "" {
		return
	}
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.rep.Errorf(path, CodeEnum, diag.DidYouMean(v, allowed),
		"unknown value %q; expected one of %s", v, strings.Join(allowed, ", "))
}

func (c *checker) module(m *Module) {
	var set []string
	for _, kv := range []struct{ name, v string }{{"image", m.Image}, {"url", m.URL}, {"path", m.Path}} {
		if kv.v != "" {
			set = append(set, kv.name)
		}
	}
	switch len(set) {
	case 0:
		c.rep.Errorf("spec.module", CodeModuleSource, "", "missing module source; expected exactly one of image, url or path")
	case 1:
	default:
		c.rep.Errorf("spec.module."+set[1], CodeModuleSource, "keep one and delete the others",
			"conflicting module sources %s; expected exactly one of image, url or path", strings.Join(set, " and "))
	}
	if m.SHA256 != "" && !sha256Hex().MatchString(m.SHA256) {
		hint := ""
		if sha256Hex().MatchString(strings.ToLower(m.SHA256)) {
			hint = "write it in lowercase"
		} else if strings.HasPrefix(m.SHA256, "sha256:") {
			hint = "drop the \"sha256:\" prefix"
		}
		c.rep.Errorf("spec.module.sha256", CodeSHA256, hint, "%q is not a sha256; expected 64 lowercase hex digits", clip(m.SHA256))
	}
	if m.URL != "" {
		c.moduleURL(m)
	}
	if m.Image != "" {
		c.image(m.Image)
	}
	if m.PullSecret != "" {
		switch {
		case m.Image == "":
			c.rep.Errorf("spec.module.pullSecret", CodeModuleSource, "remove pullSecret, or take the module from an image",
				"a pull secret is for pulling module.image; this module is not an image")
		case !IsDNS1123Subdomain(m.PullSecret):
			c.rep.Errorf("spec.module.pullSecret", CodeModuleSource, "use the Secret's name (lower case letters, digits, '-' and '.')",
				"%q is not a Secret name: a lowercase RFC 1123 subdomain of at most 253 characters", clip(m.PullSecret))
		}
	}
}

func (c *checker) moduleURL(m *Module) {
	u, err := url.Parse(m.URL)
	switch {
	case err != nil || u.Scheme == "":
		c.rep.Errorf("spec.module.url", CodeURL, "", "%q is not a URL; expected http://, https:// or file://", m.URL)
	case u.Scheme == "http" || u.Scheme == "https":
		if u.Host == "" {
			c.rep.Errorf("spec.module.url", CodeURL, "", "%q has no host", m.URL)
		}
		if m.SHA256 == "" {
			c.rep.Errorf("spec.module.sha256", CodeSHA256, "compute it with `sha256sum filter.wasm`",
				"missing sha256 for module.url; Envoy requires a sha256 for remote code")
		}
	case u.Scheme == "file":
		if !strings.HasPrefix(u.Path, "/") || u.Host != "" {
			c.rep.Errorf("spec.module.url", CodeURL, "write file:///absolute/path.wasm",
				"%q must name an absolute path inside the proxy", m.URL)
		}
	case u.Scheme == "oci":
		c.rep.Errorf("spec.module.url", CodeURL, fmt.Sprintf("use module.image: %s", strings.TrimPrefix(m.URL, "oci://")),
			"oci:// is not a url source")
	default:
		c.rep.Errorf("spec.module.url", CodeURL, "", "unsupported scheme %q; expected http, https or file", u.Scheme)
	}
}

// image checks the reference as istio-agent reads it: go-containerregistry's
// name.ParseReference (istio/istio pkg/wasm/imagefetcher.go).
func (c *checker) image(ref string) {
	r := strings.TrimPrefix(ref, "oci://")
	if _, err := name.ParseReference(r); err != nil {
		c.rep.Errorf("spec.module.image", CodeImage, "", "%q is not an OCI image reference (%v); expected [registry/]repository[:tag][@sha256:digest]", ref, err)
		return
	}
	if !strings.Contains(r, "@sha256:") {
		c.rep.Warnf("spec.module.image", CodeUnpinned, "reference it by digest (@sha256:...) or render with --resolve",
			"image %q is referenced by tag, so the deployment is not pinned: a re-push changes what runs", ref)
	}
}

func (c *checker) ports(ports []int) {
	seen := map[int]bool{}
	for i, p := range ports {
		path := fmt.Sprintf("spec.ports[%d]", i)
		if p < 1 || p > 65535 {
			c.rep.Errorf(path, CodePort, "", "port %d is out of range; expected 1-65535", p)
		}
		if seen[p] {
			c.rep.Errorf(path, CodePort, "", "duplicate port %d", p)
		}
		seen[p] = true
	}
}

// gatewayPorts warns about privileged ports: Istio's gateways run unprivileged and
// listen on the container (target) port — 8080 behind a Service port 80 — and an
// EnvoyFilter's portNumber matches the listener, so a patch for port 80 applies nowhere.
func (c *checker) gatewayPorts(ports []int) {
	for i, p := range ports {
		if p > 0 && p < 1024 {
			c.rep.Warnf(fmt.Sprintf("spec.ports[%d]", i), CodeGatewayPort,
				"use the gateway container's target port (e.g. 8080 for 80, 8443 for 443)",
				"gateway listeners bind the container port, not the Service port: port %d matches no listener of a default Istio gateway", p)
		}
	}
}

func (c *checker) placement(s *Spec) {
	p := &s.Placement
	var set []string
	if p.Before != "" {
		set = append(set, "before")
	}
	if p.After != "" {
		set = append(set, "after")
	}
	if p.First {
		set = append(set, "first")
	}
	if p.Phase != "" {
		set = append(set, "phase")
		c.enum("spec.placement.phase", p.Phase, Phases)
	}
	if len(set) > 1 {
		c.rep.Errorf("spec.placement."+set[1], CodePlacement, "keep one of them",
			"placement sets %s; expected one of before, after, first or phase", strings.Join(set, " and "))
	}
	if s.Type == "network" && (p.Before == DefaultRouter || p.After == DefaultRouter) {
		c.rep.Errorf("spec.placement", CodePlacement, "", "%s is an HTTP filter; a network filter cannot be placed relative to it", DefaultRouter)
	}
	if p.After == DefaultRouter {
		c.rep.Errorf("spec.placement.after", CodePlacement, "use before: "+DefaultRouter,
			"nothing may follow the router: Envoy requires it to be the last HTTP filter")
	}
	// An empty placement defaults to "before the router" for HTTP filters: relative too.
	relative := p.Before != "" || p.After != "" || (len(set) == 0 && s.Type != "network")
	if s.Priority != nil && *s.Priority == 0 && relative {
		c.rep.Warnf("spec.priority", CodePriority, fmt.Sprintf("remove it to get the default %d, or pick another non-zero value", DefaultRelativePriority),
			"priority 0 with a relative placement: istioctl analyze reports IST0151, and the filter's order against other EnvoyFilters is not pinned")
	}
}

func (c *checker) env(env []EnvVar) {
	seen := map[string]bool{}
	for i, e := range env {
		path := fmt.Sprintf("spec.env[%d]", i)
		switch {
		case e.Name == "":
			c.rep.Errorf(path+".name", CodeRequired, "", "missing name; expected an environment variable name")
		case !envName().MatchString(e.Name):
			c.rep.Errorf(path+".name", CodeEnv, "", "%q is not a valid environment variable name; expected letters, digits and '_', not starting with a digit", e.Name)
		case seen[e.Name]:
			c.rep.Errorf(path+".name", CodeEnv, "", "duplicate environment variable %q", e.Name)
		}
		seen[e.Name] = true
		if e.FromHost && e.Value != "" {
			c.rep.Errorf(path, CodeEnv, "drop value, or drop fromHost", "sets both value and fromHost; expected one")
		}
	}
}

func (c *checker) selector(s *Spec) {
	for k := range s.Selector.MatchLabels {
		if k == "" {
			c.rep.Errorf("spec.selector.matchLabels", CodeSelector, "", "empty key is not supported in selector")
		}
	}
	if c.mesh && len(s.Selector.MatchLabels) == 0 && len(s.TargetRefs) == 0 && NormalizeContext(s.Context) != "gateway" && NormalizeContext(s.Context) != "waypoint" {
		// Where there is no selector the finding is at spec (the nearest field there is).
		c.rep.Warnf("spec.selector", CodeSelector, "set selector.matchLabels to the workloads that should run it",
			"empty selector: the filter applies to every workload in the namespace")
	}
}

// targetRefs checks attachment by reference, and the attachments that would
// silently never apply: istiod ignores a targetRefs policy on a sidecar and a
// selector policy on a waypoint (pilot/pkg/model/policyattachment.go
// ShouldAttachPolicy), and a waypoint's HTTP chains look plugins up as
// SidecarInbound with port 0 (pilot/pkg/networking/core/listener_waypoint.go
// buildWaypointHTTPFilters; pilot/pkg/model/extensions.go
// workloadModeForListenerClass, matchPorts).
func (c *checker) targetRefs(s *Spec) {
	refs := s.TargetRefs
	ctx := NormalizeContext(s.Context)
	if ctx == "" {
		ctx = DefaultContext(refs) // Check runs before Default
	}
	if len(refs) == 0 {
		if ctx == "waypoint" {
			c.rep.Errorf("spec.context", CodeAttachment, "set spec.targetRefs to the waypoint (kind: Gateway, name: <waypoint>) or to the Services it serves (kind: Service)",
				"a waypoint never applies a selector policy: istiod attaches policies to waypoints by targetRefs only")
		}
		return
	}
	if len(s.Selector.MatchLabels) > 0 || c.d.Has("spec.selector") {
		c.rep.Errorf("spec.targetRefs", CodeAttachment, "keep targetRefs for waypoints and Gateway API gateways, or selector for sidecars",
			"only one of targetRefs or selector can be set")
	}
	switch ctx {
	case "inbound", "outbound":
		c.rep.Errorf("spec.context", CodeAttachment, "set context: waypoint (an ambient waypoint) or gateway (a Gateway API gateway), or select sidecars with selector.matchLabels",
			"targetRefs never reach sidecars: istiod ignores a policy with targetRefs on a workload that is not a Gateway API gateway or waypoint")
	}
	if len(refs) > 16 {
		c.rep.Errorf(fmt.Sprintf("spec.targetRefs[%d]", 16), CodeTargetRef, "split the filter in two",
			"%d targetRefs; at most 16 are allowed (the CRDs' maxItems)", len(refs))
	}
	seen := map[string]int{}
	for i, r := range refs {
		p := fmt.Sprintf("spec.targetRefs[%d]", i)
		if r.Kind == "" {
			c.rep.Errorf(p+".kind", CodeRequired, "", "missing kind; expected one of %s", strings.Join(TargetKinds, ", "))
		} else if _, ok := TargetGroups[r.Kind]; !ok {
			c.rep.Errorf(p+".kind", CodeEnum, diag.DidYouMean(r.Kind, TargetKinds), "unknown kind %q; expected one of %s", r.Kind, strings.Join(TargetKinds, ", "))
		} else if want := TargetGroups[r.Kind]; r.Group != "" && r.Group != want && !(want == "" && r.Group == "core") {
			c.rep.Errorf(p+".group", CodeTargetRef, "remove group: it is defaulted from the kind",
				"group %q does not have kind %s; expected %q", r.Group, r.Kind, want)
		}
		if r.Name == "" {
			c.rep.Errorf(p+".name", CodeRequired, "", "missing name; expected the name of the %s", orKind(r.Kind))
		}
		if r.Namespace != "" {
			c.rep.Errorf(p+".namespace", CodeTargetRef, "put the filter in the namespace of the "+orKind(r.Kind)+" (metadata.namespace) and remove targetRefs[].namespace",
				"cross namespace referencing is not currently supported")
		}
		key := r.Kind + "/" + r.Name + "/" + r.SectionName
		if j, ok := seen[key]; ok && r.Kind != "" {
			c.rep.Errorf(p, CodeTargetRef, "remove one of them", "targetRefs[%d] names the %s %s again", j, r.Kind, r.Name)
		}
		seen[key] = i
		switch {
		case waypointKinds[r.Kind] && ctx == "gateway":
			c.rep.Errorf(p+".kind", CodeAttachment, "target the gateway itself (kind: Gateway), or set context: waypoint",
				"a %s target attaches on waypoints only: istiod never matches it on an ingress gateway", r.Kind)
		case r.Kind == "GatewayClass" && r.Name != "" && r.Name != compat.WaypointGatewayClass:
			c.rep.Errorf(p+".name", CodeAttachment, "name: istio-waypoint (every waypoint of the mesh), or target one Gateway",
				"GatewayClass %q is never matched: istiod attaches a GatewayClass policy only for the class istio-waypoint", r.Name)
		case routeKinds[r.Kind] && ctx == "waypoint":
			c.rep.Errorf(p+".kind", CodeAttachment, "target the waypoint (kind: Gateway) or a Service",
				"a %s target is Envoy Gateway's; an Istio waypoint is attached by Gateway, Service, ServiceEntry or GatewayClass", r.Kind)
		}
	}
	if ctx == "waypoint" || ctx == "any" {
		for i := range s.Ports {
			if s.Type == "network" {
				break // a waypoint's TCP chains pass the service port (buildWaypointNetworkFilters)
			}
			hint := "remove ports"
			if ctx == "any" {
				hint = "set context: gateway if the Gateway is an ingress gateway, or remove ports"
			}
			c.rep.Errorf(fmt.Sprintf("spec.ports[%d]", i), CodeAttachment, hint,
				"match.ports never matches on a waypoint: its HTTP chains look plugins up without a port")
		}
	}
	if ctx == "waypoint" && s.Type == "network" {
		c.rep.Warnf("spec.type", CodeAttachment, "use type http for HTTP services",
			"a network filter runs on a waypoint's TCP chains only: traffic the waypoint handles as HTTP never passes it")
	}
}

func orKind(kind string) string {
	if kind == "" {
		return "target"
	}
	return kind
}

func (c *checker) envoy(e *EnvoyOptions) {
	for _, p := range []struct {
		path string
		v    int
	}{{"spec.envoy.listenPort", e.ListenPort}, {"spec.envoy.adminPort", e.AdminPort}} {
		if p.v != 0 && (p.v < 1 || p.v > 65535) {
			c.rep.Errorf(p.path, CodePort, "", "port %d is out of range; expected 1-65535", p.v)
		}
	}
	if e.ListenPort != 0 && e.ListenPort == e.AdminPort {
		c.rep.Errorf("spec.envoy.adminPort", CodePort, "", "adminPort %d is also the listenPort", e.AdminPort)
	}
	if e.Upstream != "" {
		host, port, err := net.SplitHostPort(e.Upstream)
		n, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			c.rep.Errorf("spec.envoy.upstream", CodeEnvoy, "", "%q is not host:port; expected e.g. 127.0.0.1:9080", e.Upstream)
		}
	}
}

func clip(s string) string {
	if len(s) > 72 {
		return s[:69] + "..."
	}
	return s
}

// lazyRegexp compiles expr on first use: package init runs in every wasmgen process,
// whatever the command, so it must stay cheap.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Rules is the catalogue of the WasmFilter API's codes.
var Rules = []diag.Rule{
	{Code: CodeUnknownField, Severity: diag.Error, Consumer: "wasmgen", Summary: "an unknown field in a spec"},
	{Code: CodeType, Severity: diag.Error, Consumer: "wasmgen", Summary: "a value of the wrong type in a spec"},
	{Code: CodeDuplicateKey, Severity: diag.Error, Consumer: "wasmgen", Summary: "a key given twice in a spec"},
	{Code: CodeKind, Severity: diag.Error, Consumer: "wasmgen", Summary: "a document of another kind or apiVersion where a spec was expected"},
	{Code: CodeEnum, Severity: diag.Error, Consumer: "wasmgen", Summary: "a value that is not one of a field's choices"},
	{Code: CodeRequired, Severity: diag.Error, Consumer: "wasmgen", Summary: "a required field is missing"},
	{Code: CodeName, Severity: diag.Error, Consumer: "Kubernetes", Summary: "a name or namespace that is not a DNS-1123 label"},
	{Code: CodeModuleSource, Severity: diag.Error, Consumer: "wasmgen", Summary: "not exactly one of module.image, url and path"},
	{Code: CodeSHA256, Severity: diag.Error, Consumer: "Envoy", Summary: "module.sha256 malformed, missing where required, or not the module's"},
	{Code: CodeURL, Severity: diag.Error, Consumer: "Envoy", Summary: "module.url not an http(s) or absolute file:// URL"},
	{Code: CodeImage, Severity: diag.Error, Consumer: "istio-agent", Summary: "module.image not an OCI reference the agent can parse"},
	{Code: CodeUnpinned, Severity: diag.Warning, Consumer: "wasmgen", Summary: "an image referenced by tag: a re-push changes what runs"},
	{Code: CodePort, Severity: diag.Error, Consumer: "wasmgen", Summary: "a port out of range or given twice"},
	{Code: CodePlacement, Severity: diag.Error, Consumer: "Envoy", Summary: "more than one placement, or one Envoy cannot build"},
	{Code: CodeEnv, Severity: diag.Error, Consumer: "Envoy", Summary: "an environment variable name invalid, repeated, or both value and fromHost"},
	{Code: CodeSelector, Severity: diag.Warning, Consumer: "istiod", Summary: "an empty selector (every workload of the namespace), or an empty label key"},
	{Code: CodeDuplicate, Severity: diag.Error, Consumer: "Kubernetes", Summary: "two filters of one namespace and name: their objects overwrite each other"},
	{Code: CodePriority, Severity: diag.Warning, Consumer: "istioctl analyze", Summary: "priority 0 with a relative placement (IST0151)"},
	{Code: CodeEnvoy, Severity: diag.Error, Consumer: "Envoy", Summary: "spec.envoy.upstream is not host:port"},
	{Code: CodeGatewayPort, Severity: diag.Warning, Consumer: "Istio gateways", Summary: "a privileged gateway port: gateway listeners bind the container port"},
	{Code: CodeTargetRef, Severity: diag.Error, Consumer: "Kubernetes / istiod", Summary: "a targetRef the CRDs or istiod refuse: a group not the kind's, a namespace, a duplicate, more than 16"},
	{Code: CodeAttachment, Severity: diag.Error, Consumer: "istiod", Summary: "an attachment istiod never applies: targetRefs on sidecars, selector on a waypoint, a waypoint-only kind on a gateway, ports on a waypoint"},
}
