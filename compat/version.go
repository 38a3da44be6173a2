// Package compat is wasmgen's one home for what Istio and Envoy accept at which
// version: the version types and their parser, the features each release brought or
// removed (every threshold with its source, once), the proxy-wasm ABIs each proxy
// speaks, and the well-known filter names and type URLs (as Istio keeps them in
// pkg/wellknown). generate, validate and module ask it; none of them keeps a
// threshold of its own.
package compat

import (
	"fmt"
	"strconv"
	"strings"
)

// Istio is an Istio release line 1.N, by its minor number. The zero value means the
// newest release wasmgen knows (NewestIstio): every predicate reads it so.
type Istio int

// Envoy is an Envoy release line 1.N, by its minor number. The zero value means the
// newest release wasmgen knows (NewestEnvoy).
type Envoy int

const (
	// NewestIstio is the newest Istio wasmgen knows: the release whose API
	// (istio.io/api v1.32.0) it is built against. It is the default dialect.
	NewestIstio Istio = 32
	// OldestIstio is the first Istio that loads Wasm filters (1.5).
	OldestIstio Istio = 5
	// NewestEnvoy is the Envoy of NewestIstio, the API of go-control-plane v1.40.0.
	NewestEnvoy Envoy = 40
	// OldestEnvoy is the Envoy of OldestIstio: the envoy-wasm fork of Envoy 1.13.
	OldestEnvoy Envoy = 13
)

// Minor is the minor number, the zero value read as the newest.
func (v Istio) Minor() int {
	if v == 0 {
		return int(NewestIstio)
	}
	return int(v)
}

// String prints "1.N".
func (v Istio) String() string { return "1." + strconv.Itoa(v.Minor()) }

// Minor is the minor number, the zero value read as the newest.
func (v Envoy) Minor() int {
	if v == 0 {
		return int(NewestEnvoy)
	}
	return int(v)
}

// String prints "1.N".
func (v Envoy) String() string { return "1." + strconv.Itoa(v.Minor()) }

// Envoy is the Envoy release this Istio's proxy is built on. Istio 1.N ships Envoy
// 1.(N+8) (https://istio.io/latest/docs/releases/supported-releases/, "Supported
// Envoy Versions": 1.10→1.18, 1.12→1.20, 1.25→1.33); 1.5–1.8 carried the envoy-wasm
// fork of the same Envoy line (istio/proxy WORKSPACE pins istio/envoy).
func (v Istio) Envoy() Envoy { return Envoy(v.Minor() + 8) }

// IstioOf is the Istio release whose proxy carries this Envoy (the inverse of
// Istio.Envoy), for messages that name both.
func (v Envoy) IstioOf() Istio { return Istio(v.Minor() - 8) }

// ParseIstio reads "1.24", "1.24.3", "v1.8" or "1.8.0-beta.1". A version newer than
// NewestIstio is returned as written: callers decide whether to check it as the
// newest (see Known) and say so.
func ParseIstio(s string) (Istio, error) {
	minor, ok := parseMinor(s)
	if !ok {
		return 0, fmt.Errorf("invalid Istio version %q; expected 1.MINOR such as 1.5, 1.8 or %s", s, NewestIstio)
	}
	if minor < int(OldestIstio) {
		return 0, fmt.Errorf("Istio %s is not supported; Istio loads Wasm filters from %s on", s, OldestIstio)
	}
	return Istio(minor), nil
}

// ParseEnvoy reads an Envoy version as ParseIstio reads Istio's.
func ParseEnvoy(s string) (Envoy, error) {
	minor, ok := parseMinor(s)
	if !ok {
		return 0, fmt.Errorf("invalid Envoy version %q; expected 1.MINOR such as 1.17 or %s", s, NewestEnvoy)
	}
	if minor < int(OldestEnvoy) {
		return 0, fmt.Errorf("Envoy %s is not supported; Envoy loads Wasm filters from %s (the envoy-wasm fork) on", s, OldestEnvoy)
	}
	return Envoy(minor), nil
}

func parseMinor(s string) (int, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	s, _, _ = strings.Cut(s, "-")
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "1" {
		return 0, false
	}
	for _, p := range parts[1:] {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return 0, false
		}
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// Known clamps a version newer than wasmgen knows to the newest it knows; newer
// reports whether it did.
func (v Istio) Known() (known Istio, newer bool) {
	if v.Minor() > int(NewestIstio) {
		return NewestIstio, true
	}
	return v, false
}

// Known clamps as Istio.Known does.
func (v Envoy) Known() (known Envoy, newer bool) {
	if v.Minor() > int(NewestEnvoy) {
		return NewestEnvoy, true
	}
	return v, false
}

// Dialect is the shape of an EnvoyFilter patch value an Istio release accepts.
type Dialect int

const (
	// DialectLegacy (Istio 1.5–1.6): the v2 filter's deprecated `config` Struct with a
	// string configuration, and the pre-1.7 filter names, as wasme generated them
	// (solo-io/wasm tools/wasme/cli/pkg/deploy/istio/istio_provider.go isOlderIstio:
	// minor < 7; deploy/filter/envoy_filter.go MakeIstioWasmFilter).
	DialectLegacy Dialect = iota
	// DialectTypedStruct (Istio 1.7–1.8): typedConfig holding a udpa.type.v1.TypedStruct
	// whose type_url is the v3 Wasm filter, as wasme's MakeTypedIstioWasmFilter did.
	// Istio 1.7 dropped `config` (istio.io 1.7 upgrade notes, "EnvoyFilter syntax change").
	DialectTypedStruct
	// DialectTyped (Istio ≥ 1.9): typed_config with the real v3 Wasm type; Istio 1.9
	// proxies reject v2 types (istio.io 1.9 upgrade notes, "EnvoyFilter XDS v2 removal").
	DialectTyped
)

// Dialect is the EnvoyFilter dialect of this release.
func (v Istio) Dialect() Dialect {
	switch {
	case !v.Has(TypedStructDialect):
		return DialectLegacy
	case !v.Has(TypedDialect):
		return DialectTypedStruct
	}
	return DialectTyped
}
