package schema

import (
	"strings"
	"testing"

	"github.com/wasmgen/wasmgen/diag"

	"github.com/wasmgen/wasmgen/yamltree"
)

const base = `apiVersion: wasmgen.io/v1alpha1
kind: WasmFilter
metadata:
  name: add-header
  namespace: bookinfo
spec:
  module:
    image: ghcr.io/example/add-header@sha256:72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584
  selector:
    matchLabels: {app: productpage}
`

func check(t *testing.T, src string) diag.List {
	t.Helper()
	docs, l := yamltree.ParseDocuments("f.yaml", []byte(src), yamltree.DefaultLimits)
	if l.HasErrors() || len(docs) != 1 {
		t.Fatalf("parse: %v", l)
	}
	d, l := Decode("f.yaml", docs[0])
	if l.HasErrors() {
		t.Fatalf("decode: %v", l)
	}
	return Check(d, true)
}

// Each rule has a passing and a failing spec; the failing one must report the code
// at the given line.
func TestSpecRules(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(string) string // applied to base
		code      string              // "" = no finding expected
		line      int
		severity  diag.Severity
		msgSubstr string
	}{
		{"valid", func(s string) string { return s }, "", 0, 0, ""},
		{"configSchema without message", func(s string) string { return s + "  configSchema: {proto: f.proto}\n" }, CodeRequired, 11, diag.Error, "missing message"},
		{"configSchema encoding", func(s string) string {
			return s + "  configSchema: {proto: f.proto, message: C, encoding: xml}\n"
		}, CodeEnum, 11, diag.Error, "expected one of json, canonical, binary"},
		{"name not DNS-1123", func(s string) string { return strings.Replace(s, "name: add-header", "name: Add_Header", 1) }, CodeName, 4, diag.Error, `try "add-header"`},
		{"name missing", func(s string) string { return strings.Replace(s, "  name: add-header\n", "", 1) }, CodeRequired, 0, diag.Error, "missing name"},
		{"namespace bad", func(s string) string { return strings.Replace(s, "bookinfo", "Book.Info", 1) }, CodeName, 5, diag.Error, "DNS-1123"},
		{"no module source", func(s string) string {
			return strings.Replace(s, "    image: ghcr.io/example/add-header@sha256:72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584\n", "    sha256: \"\"\n", 1)
		}, CodeModuleSource, 8, diag.Error, "exactly one of image, url or path"},
		{"two module sources", func(s string) string { return strings.Replace(s, "  module:\n", "  module:\n    path: ./f.wasm\n", 1) }, CodeModuleSource, 8, diag.Error, "image and path"},
		{"sha256 uppercase", func(s string) string {
			return strings.Replace(s, "  module:\n", "  module:\n    sha256: 72AD74E260C99FD77BBFD62F5DFAB16AF666DBDEE8BACCA39D97EAFE60C69584\n", 1)
		}, CodeSHA256, 8, diag.Error, "lowercase"},
		{"url needs sha256", func(s string) string {
			return strings.Replace(s, "image: ghcr.io/example/add-header@sha256:72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584", "url: https://example.com/f.wasm", 1)
		}, CodeSHA256, 8, diag.Error, "missing sha256"},
		{"url relative file", func(s string) string {
			return strings.Replace(s, "image: ghcr.io/example/add-header@sha256:72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584", "url: file://f.wasm", 1)
		}, CodeURL, 8, diag.Error, "absolute path"},
		{"url bad scheme", func(s string) string {
			return strings.Replace(s, "image: ghcr.io/example/add-header@sha256:72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584", "url: ftp://x/f.wasm", 1)
		}, CodeURL, 8, diag.Error, "unsupported scheme"},
		{"image by tag warns", func(s string) string {
			return strings.Replace(s, "@sha256:72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584", ":v1", 1)
		}, CodeUnpinned, 8, diag.Warning, "not pinned"},
		{"image invalid", func(s string) string {
			return strings.Replace(s, "ghcr.io/example/add-header@sha256:72ad74e260c99fd77bbfd62f5dfab16af666dbdee8bacca39d97eafe60c69584", "Not An Image", 1)
		}, CodeImage, 8, diag.Error, "not an OCI image reference"},
		{"runtime enum", func(s string) string { return s + "  runtime: v9\n" }, CodeEnum, 11, diag.Error, `did you mean "v8"?`},
		{"type enum", func(s string) string { return s + "  type: tcp\n" }, CodeEnum, 11, diag.Error, "expected one of http, network"},
		{"context enum", func(s string) string { return s + "  context: inbund\n" }, CodeEnum, 11, diag.Error, `did you mean "inbound"?`},
		{"context Istio name accepted", func(s string) string { return s + "  context: SIDECAR_OUTBOUND\n" }, "", 0, 0, ""},
		{"failStrategy enum", func(s string) string { return s + "  failStrategy: closed\n" }, CodeEnum, 11, diag.Error, `did you mean "close"?`},
		{"delivery enum", func(s string) string { return s + "  delivery: hostpath\n" }, CodeEnum, 11, diag.Error, `did you mean "hostPath"?`},
		{"port range", func(s string) string { return s + "  ports: [80, 70000]\n" }, CodePort, 11, diag.Error, "out of range"},
		{"gateway privileged port", func(s string) string { return s + "  context: gateway\n  ports: [8080, 443]\n" }, CodeGatewayPort, 12, diag.Warning, "8443 for 443"},
		{"gateway target port", func(s string) string { return s + "  context: gateway\n  ports: [8080, 8443]\n" }, "", 0, 0, ""},
		{"port duplicate", func(s string) string { return s + "  ports: [80, 80]\n" }, CodePort, 11, diag.Error, "duplicate port"},
		{"two placements", func(s string) string { return s + "  placement: {first: true, after: envoy.filters.http.cors}\n" }, CodePlacement, 11, diag.Error, "after and first"},
		{"after router", func(s string) string { return s + "  placement: {after: envoy.filters.http.router}\n" }, CodePlacement, 11, diag.Error, "last HTTP filter"},
		{"phase enum", func(s string) string { return s + "  placement: {phase: authx}\n" }, CodeEnum, 11, diag.Error, `did you mean "authn"?`},
		{"network before router", func(s string) string {
			return s + "  type: network\n  placement: {before: envoy.filters.http.router}\n"
		}, CodePlacement, 12, diag.Error, "HTTP filter"},
		{"explicit priority 0 with relative op", func(s string) string { return s + "  priority: 0\n" }, CodePriority, 11, diag.Warning, "IST0151"},
		{"env both", func(s string) string { return s + "  env: [{name: A, value: x, fromHost: true}]\n" }, CodeEnv, 11, diag.Error, "both value and fromHost"},
		{"env bad name", func(s string) string { return s + "  env: [{name: 1A}]\n" }, CodeEnv, 11, diag.Error, "not a valid environment variable name"},
		{"env duplicate", func(s string) string { return s + "  env: [{name: A}, {name: A}]\n" }, CodeEnv, 11, diag.Error, "duplicate"},
		{"empty selector warns", func(s string) string {
			return strings.Replace(s, "    matchLabels: {app: productpage}\n", "    matchLabels: {}\n", 1)
		}, CodeSelector, 10, diag.Warning, "every workload"},
		{"envoy upstream", func(s string) string { return s + "  envoy: {upstream: localhost}\n" }, CodeEnvoy, 11, diag.Error, "host:port"},
		{"envoy port clash", func(s string) string { return s + "  envoy: {listenPort: 9000, adminPort: 9000}\n" }, CodePort, 11, diag.Error, "also the listenPort"},
		{"configSchema message missing", func(s string) string { return s + "  configSchema: {proto: f.proto}\n" }, CodeRequired, 11, diag.Error, "missing message"},
		{"configSchema encoding", func(s string) string { return s + "  configSchema: {proto: f.proto, message: C, encoding: bin}\n" }, CodeEnum, 11, diag.Error, "json, canonical, binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := check(t, tt.edit(base))
			if tt.code == "" {
				if len(l) != 0 {
					t.Fatalf("want no findings, got %v", l)
				}
				return
			}
			for _, f := range l {
				if f.Code == tt.code && strings.Contains(f.Message(), tt.msgSubstr) {
					if f.Severity != tt.severity {
						t.Errorf("severity %v, want %v", f.Severity, tt.severity)
					}
					if tt.line != 0 && f.Pos.Line != tt.line {
						t.Errorf("line %d, want %d: %s", f.Pos.Line, tt.line, f)
					}
					return
				}
			}
			t.Fatalf("want %s containing %q, got %v", tt.code, tt.msgSubstr, l)
		})
	}
}

func TestDuplicates(t *testing.T) {
	src := base + "---\n" + base + "---\n" + strings.Replace(base, "name: add-header", "name: other", 1)
	docs, _ := yamltree.ParseDocuments("f.yaml", []byte(src), yamltree.DefaultLimits)
	var ds []*Document
	for _, n := range docs {
		d, _ := Decode("f.yaml", n)
		ds = append(ds, d)
	}
	l := Duplicates(ds, nil)
	if len(l) != 1 || l[0].Code != CodeDuplicate || l[0].Pos.Line != 15 || len(l[0].Related) != 1 || l[0].Related[0].String() != "f.yaml:4:9" || !strings.Contains(l[0].String(), "(also at f.yaml:4:9)") {
		t.Fatalf("got %v", l)
	}
	if l := Duplicates(ds[1:], nil); len(l) != 0 {
		t.Fatalf("distinct names: got %v", l)
	}
	// Two scopes (overlay directories) may each define the filter.
	scope := func(d *Document) string {
		if d == ds[0] {
			return "overlays/staging"
		}
		return "overlays/prod"
	}
	if l := Duplicates(ds, scope); len(l) != 0 {
		t.Fatalf("different scopes: got %v", l)
	}
}
