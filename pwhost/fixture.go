package pwhost

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Request is a request fixture (`wasmgen run --request FILE`): one HTTP stream to
// play through the plugin, and what the proxy would know about it.
//
//	request:
//	  headers: {":method": GET, ":path": /, ":authority": example.com, x-user: [a, b]}
//	  body: "..."
//	  trailers: {grpc-status: "0"}
//	response:
//	  headers: {":status": "200"}
//	  body: "..."
//	properties:          # Envoy attributes the plugin reads with proxy_get_property
//	  source.address: 10.0.0.1:52314
//	  source.port: 52314 # numbers are 8-byte little-endian integers, as Envoy encodes them
//	httpCalls:           # answers to proxy_http_call, by upstream (cluster) name
//	  auth:
//	    headers: {":status": "200"}
//	    body: allowed
type Request struct {
	Request    Message                 `yaml:"request"`
	Response   Message                 `yaml:"response"`
	Properties map[string]Property     `yaml:"properties"`
	HTTPCalls  map[string]HTTPResponse `yaml:"httpCalls"`
}

// Message is one direction of the stream.
type Message struct {
	Headers  Headers `yaml:"headers"`
	Body     string  `yaml:"body"`
	Trailers Headers `yaml:"trailers"`
}

// HTTPResponse answers a proxy_http_call.
type HTTPResponse struct {
	Headers  Headers `yaml:"headers"`
	Body     string  `yaml:"body"`
	Trailers Headers `yaml:"trailers"`
}

func (r HTTPResponse) headers() []Pair {
	h := r.Headers.pairs()
	if !hasKey(h, ":status") {
		h = append([]Pair{{":status", "200"}}, h...)
	}
	return h
}

// Headers keep the fixture's order; a value may be a list (a repeated header).
type Headers []Pair

func (h Headers) pairs() []Pair { return append([]Pair(nil), h...) }

// UnmarshalYAML reads a mapping of names to a string or a list of strings.
func (h *Headers) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: headers are a mapping of names to values", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := strings.ToLower(k.Value)
		switch v.Kind {
		case yaml.ScalarNode:
			*h = append(*h, Pair{name, v.Value})
		case yaml.SequenceNode:
			for _, e := range v.Content {
				if e.Kind != yaml.ScalarNode {
					return fmt.Errorf("line %d: header %s: a value is a string", e.Line, k.Value)
				}
				*h = append(*h, Pair{name, e.Value})
			}
		default:
			return fmt.Errorf("line %d: header %s: a value is a string or a list of strings", v.Line, k.Value)
		}
	}
	return nil
}

// Property is an attribute's value as Envoy serialises it for proxy_get_property.
type Property []byte

// UnmarshalYAML encodes strings as their bytes, integers as 8-byte little-endian
// int64 and booleans as one byte, as Envoy's attribute serialisation does.
func (p *Property) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a property is a string, an integer or a boolean", n.Line)
	}
	switch n.Tag {
	case "!!int":
		v, err := strconv.ParseInt(n.Value, 0, 64)
		if err != nil {
			return fmt.Errorf("line %d: %v", n.Line, err)
		}
		*p = binary.LittleEndian.AppendUint64(nil, uint64(v))
	case "!!bool":
		*p = []byte{0}
		if v, _ := strconv.ParseBool(n.Value); v {
			*p = []byte{1}
		}
	default:
		*p = []byte(n.Value)
	}
	return nil
}

// ParseRequest reads a fixture; unknown fields are errors (a typo must not pass as
// an empty request).
func ParseRequest(name string, data []byte) (*Request, error) {
	var r Request
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil && err != io.EOF {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			msgs := make([]string, len(te.Errors))
			for i, e := range te.Errors {
				// "line 1: field requets not found in type pwhost.Request"
				line, rest, ok := strings.Cut(e, ": field ")
				if f, _, found := strings.Cut(rest, " not found"); ok && found {
					e = line + ": unknown field " + strconv.Quote(f) + " (a fixture has request, response, properties and httpCalls; a message headers, body and trailers)"
				}
				msgs[i] = e
			}
			return nil, fmt.Errorf("%s: %s", name, strings.Join(msgs, "; "))
		}
		return nil, fmt.Errorf("%s: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	r.fillDefaults()
	return &r, nil
}

// fillDefaults gives the request the pseudo-headers every Envoy request has and
// the response a :status, so a fixture may name only what matters to the filter.
func (r *Request) fillDefaults() {
	var missing []Pair
	for _, p := range []Pair{{":authority", "example.com"}, {":path", "/"}, {":method", "GET"}, {":scheme", "http"}} {
		if !hasKey(r.Request.Headers, p.Key) {
			missing = append(missing, p)
		}
	}
	r.Request.Headers = append(missing, r.Request.Headers...)
	if !hasKey(r.Response.Headers, ":status") {
		r.Response.Headers = append(Headers{{":status", "200"}}, r.Response.Headers...)
	}
}

func hasKey(h []Pair, k string) bool {
	for _, p := range h {
		if p.Key == k {
			return true
		}
	}
	return false
}

// sortedKeys keeps map output deterministic.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
