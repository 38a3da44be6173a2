package main

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// config is the plugin configuration, the JSON object
// {"header_name": "...", "header_value": "..."} (examples/add-header/filter.proto).
type config struct {
	HeaderName  string
	HeaderValue string
}

// parseConfig reads the configuration and checks it the way Envoy would
// refuse the header later: an empty or non-token name, or a value holding
// CR, LF or NUL. It refuses at configure time, so a bad config fails the
// plugin's start instead of every response. msg is "" when c is good.
func parseConfig(b []byte) (c config, msg string) {
	const want = `; want {"header_name": "...", "header_value": "..."}`
	p := &parser{b: b}
	if err := p.object(&c); err != "" {
		return c, "add-header: bad configuration: " + err + want
	}
	if c.HeaderName == "" {
		return c, "add-header: bad configuration: header_name is missing or empty" + want
	}
	if i := strings.IndexFunc(c.HeaderName, func(r rune) bool { return !isTokenChar(r) }); i >= 0 {
		return c, "add-header: bad configuration: header_name " + strconv.Quote(c.HeaderName) +
			" is not a lower-case HTTP field name (character " + strconv.Quote(c.HeaderName[i:i+1]) + ")"
	}
	if strings.ContainsAny(c.HeaderValue, "\r\n\x00") {
		return c, "add-header: bad configuration: header_value " + strconv.Quote(c.HeaderValue) + " holds CR, LF or NUL"
	}
	return c, ""
}

// isTokenChar is RFC 9110's tchar without upper case: HTTP/2 and Envoy's
// header maps carry lower-case names.
func isTokenChar(r rune) bool {
	if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
		return true
	}
	return strings.ContainsRune("!#$%&'*+-.^_`|~", r)
}

// parser reads exactly one JSON object whose members are strings. It is
// stricter than encoding/json: no duplicate or unknown keys, no invalid
// UTF-8; whatever it accepts, encoding/json decodes to the same values.
type parser struct {
	b []byte
	i int
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) at() string { return " at offset " + strconv.Itoa(p.i) }

func (p *parser) object(c *config) string {
	if !utf8.Valid(p.b) {
		return "not valid UTF-8"
	}
	p.ws()
	if p.i == len(p.b) {
		return "the configuration is empty"
	}
	if p.b[p.i] != '{' {
		return "not a JSON object" + p.at()
	}
	p.i++
	p.ws()
	seen := map[string]bool{}
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
	} else {
		for {
			p.ws()
			key, err := p.str()
			if err != "" {
				return "object key: " + err
			}
			p.ws()
			if p.i >= len(p.b) || p.b[p.i] != ':' {
				return "expected ':' after key " + strconv.Quote(key) + p.at()
			}
			p.i++
			p.ws()
			var dst *string
			switch key {
			case "header_name":
				dst = &c.HeaderName
			case "header_value":
				dst = &c.HeaderValue
			default:
				return "unknown field " + strconv.Quote(key)
			}
			if seen[key] {
				return "duplicate field " + strconv.Quote(key)
			}
			seen[key] = true
			if p.i >= len(p.b) || p.b[p.i] != '"' {
				return key + " must be a string" + p.at()
			}
			v, err := p.str()
			if err != "" {
				return key + ": " + err
			}
			*dst = v
			p.ws()
			if p.i < len(p.b) && p.b[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.b) && p.b[p.i] == '}' {
				p.i++
				break
			}
			return "expected ',' or '}'" + p.at()
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return "trailing data after the object" + p.at()
	}
	return ""
}

// str reads a JSON string; p.b[p.i] must be '"'.
func (p *parser) str() (string, string) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", "expected a string" + p.at()
	}
	p.i++
	var sb strings.Builder
	for p.i < len(p.b) {
		ch := p.b[p.i]
		switch {
		case ch == '"':
			p.i++
			return sb.String(), ""
		case ch < 0x20:
			return "", "control character in string" + p.at()
		case ch != '\\':
			sb.WriteByte(ch)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.b) {
			break
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			sb.WriteByte(e)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", "bad \\u escape" + p.at()
			}
			if utf16.IsSurrogate(r) {
				// A pair makes one rune; anything else is U+FFFD, as in encoding/json.
				save := p.i
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					p.i += 2
					if r2, ok := p.hex4(); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							sb.WriteRune(d)
							continue
						}
					}
				}
				p.i = save
				r = utf8.RuneError
			}
			sb.WriteRune(r)
		default:
			return "", "bad escape \\" + string(rune(e)) + p.at()
		}
	}
	return "", "unterminated string"
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}
