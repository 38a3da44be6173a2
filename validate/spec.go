// Package validate holds wasmgen's pure checks: of WasmFilter specs, and of
// EnvoyFilter, WasmPlugin and Envoy bootstrap documents.
package validate

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/schema"
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
	CodeConfigSchema = "WG1315"
	CodeGatewayPort  = "WG1316"
)

var (
	dns1123Label = lazyRegexp(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	sha256Hex    = lazyRegexp(`^[a-f0-9]{64}$`)
	// An OCI reference: [registry/]repository[:tag][@sha256:digest], lowercase repository.
	imageRef = lazyRegexp(`^([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)
	envName  = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_]*$`)

	notLabelChars = lazyRegexp(`[^a-z0-9-]+`)
)

// IsDNS1123Label reports whether s can be a Kubernetes object name of the label kind
// (metadata.name of a WasmFilter): at most 63 lowercase letters, digits and '-'.
func IsDNS1123Label(s string) bool {
	return len(s) <= 63 && dns1123Label().MatchString(s)
}

// Spec checks one decoded filter for the mesh targets (EnvoyFilter, WasmPlugin).
// It reports every problem; it does no I/O (file references are checked by the
// loader, which can see the file system).
func Spec(d *schema.Document) diag.List { return SpecFor(d, true) }

// SpecFor checks one filter; mesh is false when only a standalone Envoy bootstrap
// is wanted, which has no workloads to select.
func SpecFor(d *schema.Document, mesh bool) diag.List {
	c := checker{d: d, mesh: mesh}
	f := &d.Filter
	c.name("metadata.name", f.Metadata.Name, true)
	c.name("metadata.namespace", f.Metadata.Namespace, false)
	s := &f.Spec
	c.module(&s.Module)
	c.enum("spec.runtime", s.Runtime, schema.Runtimes)
	c.enum("spec.type", s.Type, schema.Types)
	if s.Context != "" {
		c.enum("spec.context", schema.NormalizeContext(s.Context), schema.Contexts)
	}
	c.enum("spec.failStrategy", s.FailStrategy, schema.FailStrategies)
	c.enum("spec.delivery", s.Delivery, schema.Deliveries)
	c.ports(s.Ports)
	if schema.NormalizeContext(s.Context) == "gateway" {
		c.gatewayPorts(s.Ports)
	}
	c.placement(s)
	c.env(s.Env)
	c.selector(s)
	if s.Envoy != nil {
		c.envoy(s.Envoy)
	}
	if cs := s.ConfigSchema; cs != nil {
		if cs.Proto == "" {
			c.errorf("spec.configSchema.proto", CodeRequired, "missing proto; expected the path of a .proto file, relative to the spec file")
		}
		if cs.Message == "" {
			c.errorf("spec.configSchema.message", CodeRequired, "missing message; expected the name of the config message, e.g. Config")
		}
		c.enum("spec.configSchema.encoding", cs.Encoding, schema.Encodings)
	}
	return c.l
}

// Duplicates reports filters that share namespace and name across all inputs: they
// would generate objects that overwrite each other.
func Duplicates(docs []*schema.Document) diag.List {
	var l diag.List
	first := map[string]*schema.Document{}
	for _, d := range docs {
		ns := d.Filter.Metadata.Namespace
		if ns == "" {
			ns = schema.DefaultNamespace
		}
		key := ns + "/" + d.Filter.Metadata.Name
		if p, ok := first[key]; ok {
			l.Add(diag.Finding{Pos: d.Pos("metadata.name"), Path: "metadata.name", Severity: diag.Error, Code: CodeDuplicate,
				Msg:  fmt.Sprintf("duplicate filter %s: also defined at %s", key, p.Pos("metadata.name")),
				Hint: "give each filter a distinct name"})
			continue
		}
		first[key] = d
	}
	return l
}

type checker struct {
	d    *schema.Document
	mesh bool
	l    diag.List
}

func (c *checker) add(path, code string, sev diag.Severity, hint, format string, args ...any) {
	if c.d.Failed(path) {
		return // the decoder already reported this value
	}
	c.l.Add(diag.Finding{Pos: c.d.Pos(path), Path: path, Severity: sev, Code: code, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (c *checker) errorf(path, code, format string, args ...any) {
	c.add(path, code, diag.Error, "", format, args...)
}

func (c *checker) name(path, v string, required bool) {
	if v == "" {
		if required {
			c.errorf(path, CodeRequired, "missing name; expected a DNS-1123 label (lowercase letters, digits and '-')")
		}
		return
	}
	if !IsDNS1123Label(v) {
		hint := ""
		if fixed := toLabel(v); fixed != "" && fixed != v {
			hint = fmt.Sprintf("try %q", fixed)
		}
		c.add(path, CodeName, diag.Error, hint, "%q is not a DNS-1123 label; expected at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit", v)
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
	c.add(path, schema.CodeEnum, diag.Error, diag.DidYouMean(v, allowed),
		"unknown value %q; expected one of %s", v, strings.Join(allowed, ", "))
}

func (c *checker) module(m *schema.Module) {
	var set []string
	for _, kv := range []struct{ name, v string }{{"image", m.Image}, {"url", m.URL}, {"path", m.Path}} {
		if kv.v != "" {
			set = append(set, kv.name)
		}
	}
	switch len(set) {
	case 0:
		c.errorf("spec.module", CodeModuleSource, "missing module source; expected exactly one of image, url or path")
	case 1:
	default:
		c.add("spec.module."+set[1], CodeModuleSource, diag.Error, "keep one and delete the others",
			"conflicting module sources %s; expected exactly one of image, url or path", strings.Join(set, " and "))
	}
	if m.SHA256 != "" && !sha256Hex().MatchString(m.SHA256) {
		hint := ""
		if sha256Hex().MatchString(strings.ToLower(m.SHA256)) {
			hint = "write it in lowercase"
		} else if strings.HasPrefix(m.SHA256, "sha256:") {
			hint = "drop the \"sha256:\" prefix"
		}
		c.add("spec.module.sha256", CodeSHA256, diag.Error, hint, "%q is not a sha256; expected 64 lowercase hex digits", clip(m.SHA256))
	}
	if m.URL != "" {
		c.moduleURL(m)
	}
	if m.Image != "" {
		c.image(m.Image)
	}
}

func (c *checker) moduleURL(m *schema.Module) {
	u, err := url.Parse(m.URL)
	switch {
	case err != nil || u.Scheme == "":
		c.errorf("spec.module.url", CodeURL, "%q is not a URL; expected http://, https:// or file://", m.URL)
	case u.Scheme == "http" || u.Scheme == "https":
		if u.Host == "" {
			c.errorf("spec.module.url", CodeURL, "%q has no host", m.URL)
		}
		if m.SHA256 == "" {
			c.add("spec.module.sha256", CodeSHA256, diag.Error, "compute it with `sha256sum filter.wasm`",
				"missing sha256 for module.url; Envoy requires a sha256 for remote code")
		}
	case u.Scheme == "file":
		if !strings.HasPrefix(u.Path, "/") || u.Host != "" {
			c.add("spec.module.url", CodeURL, diag.Error, "write file:///absolute/path.wasm",
				"%q must name an absolute path inside the proxy", m.URL)
		}
	case u.Scheme == "oci":
		c.add("spec.module.url", CodeURL, diag.Error, fmt.Sprintf("use module.image: %s", strings.TrimPrefix(m.URL, "oci://")),
			"oci:// is not a url source")
	default:
		c.errorf("spec.module.url", CodeURL, "unsupported scheme %q; expected http, https or file", u.Scheme)
	}
}

func (c *checker) image(ref string) {
	r := strings.TrimPrefix(ref, "oci://")
	if !imageRef().MatchString(r) {
		c.errorf("spec.module.image", CodeImage, "%q is not an OCI image reference; expected [registry/]repository[:tag][@sha256:digest]", ref)
		return
	}
	if !strings.Contains(r, "@sha256:") {
		c.add("spec.module.image", CodeUnpinned, diag.Warning, "reference it by digest (@sha256:...) or render with --resolve",
			"image %q is referenced by tag, so the deployment is not pinned: a re-push changes what runs", ref)
	}
}

func (c *checker) ports(ports []int) {
	seen := map[int]bool{}
	for i, p := range ports {
		path := fmt.Sprintf("spec.ports[%d]", i)
		if p < 1 || p > 65535 {
			c.errorf(path, CodePort, "port %d is out of range; expected 1-65535", p)
		}
		if seen[p] {
			c.errorf(path, CodePort, "duplicate port %d", p)
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
			c.add(fmt.Sprintf("spec.ports[%d]", i), CodeGatewayPort, diag.Warning,
				"use the gateway container's target port (e.g. 8080 for 80, 8443 for 443)",
				"gateway listeners bind the container port, not the Service port: port %d matches no listener of a default Istio gateway", p)
		}
	}
}

func (c *checker) placement(s *schema.Spec) {
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
		c.enum("spec.placement.phase", p.Phase, schema.Phases)
	}
	if len(set) > 1 {
		c.add("spec.placement."+set[1], CodePlacement, diag.Error, "keep one of them",
			"placement sets %s; expected one of before, after, first or phase", strings.Join(set, " and "))
	}
	if s.Type == "network" && (p.Before == schema.DefaultRouter || p.After == schema.DefaultRouter) {
		c.errorf("spec.placement", CodePlacement, "%s is an HTTP filter; a network filter cannot be placed relative to it", schema.DefaultRouter)
	}
	if p.After == schema.DefaultRouter {
		c.add("spec.placement.after", CodePlacement, diag.Error, "use before: "+schema.DefaultRouter,
			"nothing may follow the router: Envoy requires it to be the last HTTP filter")
	}
	// An empty placement defaults to "before the router" for HTTP filters: relative too.
	relative := p.Before != "" || p.After != "" || (len(set) == 0 && s.Type != "network")
	if s.Priority != nil && *s.Priority == 0 && relative {
		c.add("spec.priority", CodePriority, diag.Warning, fmt.Sprintf("remove it to get the default %d, or pick another non-zero value", schema.DefaultRelativePriority),
			"priority 0 with a relative placement: istioctl analyze reports IST0151, and the filter's order against other EnvoyFilters is not pinned")
	}
}

func (c *checker) env(env []schema.EnvVar) {
	seen := map[string]bool{}
	for i, e := range env {
		path := fmt.Sprintf("spec.env[%d]", i)
		switch {
		case e.Name == "":
			c.errorf(path+".name", CodeRequired, "missing name; expected an environment variable name")
		case !envName().MatchString(e.Name):
			c.errorf(path+".name", CodeEnv, "%q is not a valid environment variable name; expected letters, digits and '_', not starting with a digit", e.Name)
		case seen[e.Name]:
			c.errorf(path+".name", CodeEnv, "duplicate environment variable %q", e.Name)
		}
		seen[e.Name] = true
		if e.FromHost && e.Value != "" {
			c.add(path, CodeEnv, diag.Error, "drop value, or drop fromHost", "sets both value and fromHost; expected one")
		}
	}
}

func (c *checker) selector(s *schema.Spec) {
	for k := range s.Selector.MatchLabels {
		if k == "" {
			c.errorf("spec.selector.matchLabels", CodeSelector, "empty key is not supported in selector")
		}
	}
	if c.mesh && len(s.Selector.MatchLabels) == 0 && schema.NormalizeContext(s.Context) != "gateway" {
		path := "spec.selector"
		if !c.d.Has(path) {
			path = "metadata.name"
		}
		c.add(path, CodeSelector, diag.Warning, "set selector.matchLabels to the workloads that should run it",
			"empty selector: the filter applies to every workload in the namespace")
	}
}

func (c *checker) envoy(e *schema.EnvoyOptions) {
	for _, p := range []struct {
		path string
		v    int
	}{{"spec.envoy.listenPort", e.ListenPort}, {"spec.envoy.adminPort", e.AdminPort}} {
		if p.v != 0 && (p.v < 1 || p.v > 65535) {
			c.errorf(p.path, CodePort, "port %d is out of range; expected 1-65535", p.v)
		}
	}
	if e.ListenPort != 0 && e.ListenPort == e.AdminPort {
		c.errorf("spec.envoy.adminPort", CodePort, "adminPort %d is also the listenPort", e.AdminPort)
	}
	if e.Upstream != "" {
		host, port, err := net.SplitHostPort(e.Upstream)
		n, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			c.errorf("spec.envoy.upstream", CodeEnvoy, "%q is not host:port; expected e.g. 127.0.0.1:9080", e.Upstream)
		}
	}
}

func clip(s string) string {
	if len(s) > 72 {
		return s[:69] + "..."
	}
	return s
}
