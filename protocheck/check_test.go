package protocheck

import (
	"strings"
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	yaml "go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/cncf/xds/go/udpa/type/v1"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"

	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/yamltree"

	"github.com/wasmgen/wasmgen/internal/typeset"

	"google.golang.org/protobuf/reflect/protoreflect"
)

func value(t *testing.T, src string) *yamltree.Value {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	v, errs := yamltree.Convert(&doc, "c.yaml", "", yamltree.DefaultLimits)
	if errs.HasErrors() {
		t.Fatal(errs)
	}
	return v
}

var cluster = (&clusterv3.Cluster{}).ProtoReflect().Descriptor()

// TestParsers: each leniency is off for protojson's parser and on for a parser that
// has it, and the JSON a lenient parser accepts decodes with protojson.
func TestParsers(t *testing.T) {
	strict := &Parser{Types: protoregistry.GlobalTypes}
	envoy := &Parser{Types: protoregistry.GlobalTypes, FoldEnums: true, SingleAsList: true}
	for _, tt := range []struct {
		name, src   string
		strictCode  string // "" = accepted
		lenientCode string
		check       func(*clusterv3.Cluster) bool
	}{
		{"lower-case enum", "name: c\ntype: strict_dns\nlb_policy: round_robin\n", CodeEnum, "",
			func(c *clusterv3.Cluster) bool {
				return c.GetType() == clusterv3.Cluster_STRICT_DNS && c.GetLbPolicy() == clusterv3.Cluster_ROUND_ROBIN
			}},
		{"mixed-case enum", "name: c\ntype: Logical_Dns\n", CodeEnum, "", func(c *clusterv3.Cluster) bool { return c.GetType() == clusterv3.Cluster_LOGICAL_DNS }},
		{"a name that is no enum in any case", "name: c\ntype: strict\n", CodeEnum, CodeEnum, nil},
		{"one element for a list", "name: c\nload_assignment: {cluster_name: c, endpoints: {lb_endpoints: [{endpoint: {address: {socket_address: {address: a, port_value: 1}}}}]}}\n", CodeType, "",
			func(c *clusterv3.Cluster) bool { return len(c.GetLoadAssignment().GetEndpoints()) == 1 }},
		{"a list as it should be", "name: c\nload_assignment: {cluster_name: c, endpoints: [{}]}\n", "", "", func(c *clusterv3.Cluster) bool { return len(c.GetLoadAssignment().GetEndpoints()) == 1 }},
		{"unknown field", "name: c\nnmae: d\n", CodeUnknownField, CodeUnknownField, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := value(t, tt.src)
			if got := firstCode(Check(cluster, v, "c.yaml", "", strict)); got != tt.strictCode {
				t.Errorf("protojson parser: %q, want %q", got, tt.strictCode)
			}
			res := Check(cluster, v, "c.yaml", "", envoy)
			if got := firstCode(res); got != tt.lenientCode {
				t.Errorf("Envoy parser: %q, want %q", got, tt.lenientCode)
			}
			if tt.check == nil || res.HasErrors() {
				return
			}
			var c clusterv3.Cluster
			if err := protojson.Unmarshal(res.JSON(v, nil), &c); err != nil || !tt.check(&c) {
				t.Errorf("the lenient value does not decode as meant: %v %s", err, res.JSON(v, nil))
			}
		})
	}
}

func firstCode(r *Result) string {
	for _, f := range r.Findings {
		if f.Severity == diag.Error {
			return f.Code
		}
	}
	return ""
}

// TestTypedStruct: the value is checked as the type the type_url names, by the
// inner parser, and an unknown type_url is its own class.
func TestTypedStruct(t *testing.T) {
	inner := &Parser{Types: protoregistry.GlobalTypes, FoldEnums: true}
	p := &Parser{Types: protoregistry.GlobalTypes, TypedStruct: true, Inner: inner}
	src := `name: c
cluster_type:
  name: x
  typed_config:
    '@type': type.googleapis.com/udpa.type.v1.TypedStruct
    type_url: type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
    value: {dynamic_stats: true, suppress_envoy_headers: 7}
`
	res := Check(cluster, value(t, src), "c.yaml", "", p)
	if len(res.Findings) != 1 || res.Findings[0].Code != CodeType || !strings.HasSuffix(res.Findings[0].Path, "value.suppress_envoy_headers") {
		t.Fatalf("the value is not checked as the named type: %v", res.Findings)
	}
	if res.Findings[0].Pos.Line != 7 {
		t.Errorf("no position: %v", res.Findings[0])
	}
	bad := strings.Replace(src, "router.v3.Router", "router.v3.Routr", 1)
	res = Check(cluster, value(t, bad), "c.yaml", "", p)
	if len(res.Findings) != 1 || !strings.Contains(res.Findings[0].Msg, "names no type") || !strings.Contains(res.Findings[0].Hint, "router.v3.Router") {
		t.Fatalf("unknown type_url: %v", res.Findings)
	}
	// Without TypedStruct reading, the value is just a Struct.
	res = Check(cluster, value(t, src), "c.yaml", "", &Parser{Types: protoregistry.GlobalTypes})
	if res.HasErrors() {
		t.Fatalf("a Struct takes anything: %v", res.Findings)
	}
}

// TestPolicy: a policy rewrites, demotes or drops issues, and what protojson refuses
// is recorded whatever the policy made of it.
func TestPolicy(t *testing.T) {
	var seen []Issue
	p := &Parser{Types: protoregistry.GlobalTypes, Policy: func(is *Issue) Verdict {
		seen = append(seen, *is)
		switch is.Class {
		case UnknownField:
			is.Msg = "rewritten"
			return Verdict{Severity: diag.Warning, Code: "X1"}
		case Duration:
			return Verdict{Drop: true}
		}
		return Verdict{Severity: diag.Error, Code: "X2"}
	}}
	res := Check(cluster, value(t, "name: c\nnmae: d\nconnect_timeout: 5\ntype: NOPE\n"), "c.yaml", "", p)
	if len(res.Findings) != 2 || res.Findings[0].Code != "X1" || res.Findings[0].Msg != "rewritten" || res.Findings[1].Code != "X2" {
		t.Fatalf("findings: %v", res.Findings)
	}
	if len(seen) != 3 || seen[0].Key != "nmae" || seen[0].Message.FullName() != cluster.FullName() {
		t.Errorf("issues: %+v", seen)
	}
	// The unknown field and the unknown enum name protojson discards; the duration it refuses.
	if len(res.Fatal) != 1 || res.Fatal[0] != "connect_timeout" {
		t.Errorf("Fatal = %v", res.Fatal)
	}
}

// TestJSONSkip: skipped values are written as null.
func TestJSONSkip(t *testing.T) {
	v := value(t, "a: {b: 1}\nc: [x]\n")
	res := &Result{}
	if got := string(res.JSON(v, nil)); got != `{"a":{"b":1},"c":["x"]}` {
		t.Errorf("JSON = %s", got)
	}
	skip := map[*yamltree.Value]bool{v.Members[0].Val: true}
	if got := string(res.JSON(v, skip)); got != `{"a":null,"c":["x"]}` {
		t.Errorf("JSON = %s", got)
	}
}

// TestOpaqueStructs: a parser that leaves Struct contents to another reader checks
// only their shape.
func TestOpaqueStructs(t *testing.T) {
	md := (&clusterv3.Cluster{}).ProtoReflect().Descriptor()
	// metadata.filter_metadata is a map of Structs.
	src := "name: c\nmetadata: {filter_metadata: {a: {n: !!float 1.0e999}}}\n"
	if res := Check(md, value(t, src), "c.yaml", "", &Parser{Types: protoregistry.GlobalTypes}); !res.HasErrors() {
		t.Errorf("protojson refuses a number out of a double's range inside a Struct: %s", value(t, src).AppendJSON(nil))
	}
	if res := Check(md, value(t, src), "c.yaml", "", &Parser{Types: protoregistry.GlobalTypes, OpaqueStructs: true}); res.HasErrors() {
		t.Errorf("opaque Structs: %v", res.Findings)
	}
	bad := "name: c\nmetadata: {filter_metadata: {a: [1]}}\n"
	if res := Check(md, value(t, bad), "c.yaml", "", &Parser{Types: protoregistry.GlobalTypes, OpaqueStructs: true}); !res.HasErrors() {
		t.Error("a list is no Struct, opaque or not")
	}
}

// TestNamedConfig: a v2 filter's untyped config is checked as the message its name
// converts to, and left alone for a name the parser does not know.
func TestNamedConfig(t *testing.T) {
	types := typeset.Resolver{typeset.V3, typeset.V2}
	mt, err := types.FindMessageByName("envoy.api.v2.listener.Filter")
	if err != nil {
		t.Fatal(err)
	}
	p := &Parser{Types: types, NamedConfig: func(holder protoreflect.FullName, name string) protoreflect.FullName {
		if holder == "envoy.api.v2.listener.Filter" && name == "envoy.tcp_proxy" {
			return "envoy.config.filter.network.tcp_proxy.v2.TcpProxy"
		}
		return ""
	}}
	for _, tt := range []struct{ src, want string }{
		{"name: envoy.tcp_proxy\nconfig: {stat_prefix: s, cluster: c}\n", ""},
		{"name: envoy.tcp_proxy\nconfig: {stat_prefx: s, cluster: c}\n", CodeUnknownField},
		{"name: acme.other\nconfig: {stat_prefx: s}\n", ""},
	} {
		if got := firstCode(Check(mt.Descriptor(), value(t, tt.src), "c.yaml", "", p)); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.src, got, tt.want)
		}
	}
}

// TestRequiredOneofs: a oneof protoc-gen-validate marks required, read from the
// descriptor, is reported unset only with RequiredOneofs and without NoRequired.
func TestRequiredOneofs(t *testing.T) {
	types := typeset.Resolver{typeset.V3, typeset.V2}
	mt, err := types.FindMessageByName("envoy.api.v2.core.AsyncDataSource")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		src  string
		p    *Parser
		want string
	}{
		{"local: {filename: /f}\n", &Parser{Types: types, RequiredOneofs: true}, ""},
		{"{}\n", &Parser{Types: types, RequiredOneofs: true}, CodeRequired},
		{"{}\n", &Parser{Types: types}, ""},
		{"{}\n", &Parser{Types: types, RequiredOneofs: true, NoRequired: true}, ""},
	} {
		if got := firstCode(Check(mt.Descriptor(), value(t, tt.src), "c.yaml", "", tt.p)); got != tt.want {
			t.Errorf("%q (RequiredOneofs %v, NoRequired %v): %q, want %q", tt.src, tt.p.RequiredOneofs, tt.p.NoRequired, got, tt.want)
		}
	}
}
