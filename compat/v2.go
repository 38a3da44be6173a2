package compat

// The v2 API's untyped `config`: a google.protobuf.Struct that Envoy converts to
// the configuration message of the extension the filter's name registers
// (source/common/config/utility.cc translateOpaqueConfig, Envoy 1.13–1.17). The
// table maps each name, current and deprecated, to that v2 message; a name it does
// not hold is converted by a factory wasmgen does not know, and is not checked.

// V2Chain says which list a v2 filter sits in, by the message holding its name.
type V2Chain int

const (
	V2Network V2Chain = iota // envoy.api.v2.listener.Filter
	V2HTTP                   // ...http_connection_manager.v2.HttpFilter
)

// v2Configs are the v2 configuration messages by filter name, per chain. The v2
// packages are those of go-control-plane v0.9.9 (the last with the v2 API) and
// envoy-wasm's v2 Wasm (internal/typeset/gen/v2).
var v2Configs = [...]map[string]string{
	V2Network: {
		"envoy.filters.network.http_connection_manager": "envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager",
		"envoy.http_connection_manager":                 "envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager",
		"envoy.filters.network.tcp_proxy":               "envoy.config.filter.network.tcp_proxy.v2.TcpProxy",
		"envoy.tcp_proxy":                               "envoy.config.filter.network.tcp_proxy.v2.TcpProxy",
		"envoy.filters.network.wasm":                    "envoy.config.filter.network.wasm.v2.Wasm",
		"envoy.filters.network.rbac":                    "envoy.config.filter.network.rbac.v2.RBAC",
		"envoy.filters.network.ext_authz":               "envoy.config.filter.network.ext_authz.v2.ExtAuthz",
		"envoy.ext_authz":                               "envoy.config.filter.network.ext_authz.v2.ExtAuthz",
		"envoy.filters.network.redis_proxy":             "envoy.config.filter.network.redis_proxy.v2.RedisProxy",
		"envoy.redis_proxy":                             "envoy.config.filter.network.redis_proxy.v2.RedisProxy",
		"envoy.filters.network.mongo_proxy":             "envoy.config.filter.network.mongo_proxy.v2.MongoProxy",
		"envoy.mongo_proxy":                             "envoy.config.filter.network.mongo_proxy.v2.MongoProxy",
	},
	V2HTTP: {
		"envoy.filters.http.router":       "envoy.config.filter.http.router.v2.Router",
		"envoy.router":                    "envoy.config.filter.http.router.v2.Router",
		"envoy.filters.http.wasm":         "envoy.config.filter.http.wasm.v2.Wasm",
		"envoy.filters.http.cors":         "envoy.config.filter.http.cors.v2.Cors",
		"envoy.cors":                      "envoy.config.filter.http.cors.v2.Cors",
		"envoy.filters.http.fault":        "envoy.config.filter.http.fault.v2.HTTPFault",
		"envoy.fault":                     "envoy.config.filter.http.fault.v2.HTTPFault",
		"envoy.filters.http.lua":          "envoy.config.filter.http.lua.v2.Lua",
		"envoy.lua":                       "envoy.config.filter.http.lua.v2.Lua",
		"envoy.filters.http.jwt_authn":    "envoy.config.filter.http.jwt_authn.v2alpha.JwtAuthentication",
		"envoy.filters.http.rbac":         "envoy.config.filter.http.rbac.v2.RBAC",
		"envoy.filters.http.ext_authz":    "envoy.config.filter.http.ext_authz.v2.ExtAuthz",
		"envoy.ext_authz":                 "envoy.config.filter.http.ext_authz.v2.ExtAuthz",
		"envoy.filters.http.buffer":       "envoy.config.filter.http.buffer.v2.Buffer",
		"envoy.buffer":                    "envoy.config.filter.http.buffer.v2.Buffer",
		"envoy.filters.http.health_check": "envoy.config.filter.http.health_check.v2.HealthCheck",
		"envoy.health_check":              "envoy.config.filter.http.health_check.v2.HealthCheck",
		"envoy.filters.http.gzip":         "envoy.config.filter.http.gzip.v2.Gzip",
		"envoy.gzip":                      "envoy.config.filter.http.gzip.v2.Gzip",
		"envoy.filters.http.grpc_web":     "envoy.config.filter.http.grpc_web.v2.GrpcWeb",
		"envoy.grpc_web":                  "envoy.config.filter.http.grpc_web.v2.GrpcWeb",
		"envoy.filters.http.ratelimit":    "envoy.config.filter.http.rate_limit.v2.RateLimit",
		"envoy.rate_limit":                "envoy.config.filter.http.rate_limit.v2.RateLimit",
	},
}

// V2Config is the v2 message a filter's untyped config converts to, "" if unknown.
func V2Config(c V2Chain, name string) string {
	return v2Configs[c][name]
}

// V2Configs lists every message the table names, for a test that each is known.
func V2Configs() []string {
	var out []string
	for _, m := range v2Configs {
		for _, t := range m {
			out = append(out, t)
		}
	}
	return out
}
