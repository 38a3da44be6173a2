package yamltree

import (
	"strconv"
	"strings"
)

// Field paths name a value in a document: keys joined by ".", list items as "[i]"
// ("spec.configPatches[0].patch.value").

// Join appends a mapping key to a path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index appends a list index to a path.
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// Parent drops the last segment of a path ("a.b[2]" → "a.b", "a.b" → "a", "a" → "").
func Parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// Canon folds a path so that the lowerCamel, snake_case and Go CamelCase spellings
// of one proto field meet: "typedConfig", "typed_config" and "TypedConfig" are all
// "typedconfig".
func Canon(path string) string {
	clean := true
	for i := 0; i < len(path); i++ {
		if c := path[i]; c == '_' || (c >= 'A' && c <= 'Z') || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return path
	}
	b := make([]byte, 0, len(path))
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c == '_':
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c >= 0x80:
			return strings.ToLower(strings.ReplaceAll(path, "_", ""))
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// SnakeCase spells Go field names (protoc-gen-validate's "VmConfig") as proto names.
func SnakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && s[i-1] != '.' && s[i-1] != '[' {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
