package module

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
)

// Report is what `wasmgen inspect` prints: one Entry per module found
// (a .wasm file has one; an OCI layout one per image).
type Report struct {
	Path  string `json:"path"`
	Input string `json:"input"` // wasm | oci-layout | wasme-store
	// Envoy is the release whose Wasm host CheckHost compared the modules with.
	Envoy   string  `json:"envoy,omitempty"`
	Entries []Entry `json:"entries"`
}

// Entry is one module and, when it came from one, its image.
type Entry struct {
	Image  *Image       `json:"image,omitempty"`
	Module *Info        `json:"module,omitempty"`
	ABI    []ABISupport `json:"abiSupport,omitempty"`
	// Host is what the proxy's Wasm host would refuse (errors) or do otherwise than
	// the module expects (warnings); empty when it links.
	Host  []HostProblem `json:"host,omitempty"`
	Error *DecodeError  `json:"error,omitempty"` // why the module is refused
}

// CheckHost runs the import check of every decoded module against the host of
// this Envoy.
func (r *Report) CheckHost(envoy compat.Envoy) {
	r.Envoy = envoy.String()
	for i := range r.Entries {
		r.Entries[i].Host = CheckHost(r.Entries[i].Module, envoy)
	}
}

// ABISupport says which Istio versions speak one declared ABI.
type ABISupport struct {
	Version string `json:"version"`
	Istio   string `json:"istio"` // e.g. "1.8 and later"; "unknown" when no release is known to
}

// MarshalJSON keeps the offset and message as fields.
func (e *DecodeError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Offset int64  `json:"offset"`
		Msg    string `json:"message"`
	}{e.Offset, e.Msg})
}

// InspectModule decodes b and refuses what a proxy-wasm host would not load.
func InspectModule(b []byte) Entry {
	info, err := Decode(b)
	if err != nil {
		return Entry{Error: asDecodeError(err)}
	}
	e := Entry{Module: info, ABI: abiSupport(info.ABIVersions)}
	if err := info.CheckProxyWasm(); err != nil {
		e.Error = asDecodeError(err)
	}
	return e
}

// InspectImage inspects the module an image carries.
func InspectImage(im *Image) Entry {
	if im.Module == nil {
		return Entry{Image: im, Error: &DecodeError{0, "no Wasm module found in the image"}}
	}
	e := InspectModule(im.Module)
	e.Image = im
	// wasme's runtime config may repeat the module's own markers: say each once.
	for _, a := range abiSupport(im.DeclaredABIVersions) {
		if !slices.Contains(e.ABI, a) {
			e.ABI = append(e.ABI, a)
		}
	}
	return e
}

func asDecodeError(err error) *DecodeError {
	var de *DecodeError
	if errors.As(err, &de) {
		return de
	}
	return &DecodeError{0, err.Error()}
}

func abiSupport(versions []string) []ABISupport {
	var out []ABISupport
	for _, v := range versions {
		r := IstioRange(v)
		if r == "" {
			r = "unknown"
		}
		out = append(out, ABISupport{Version: v, Istio: r})
	}
	return out
}

// OK is false when a module is refused or an image is in a format Istio's
// agent refuses; that is exit status 1.
func (r *Report) OK() bool {
	if len(r.Entries) == 0 {
		return false
	}
	for _, e := range r.Entries {
		if e.Error != nil {
			return false
		}
		for _, p := range e.Host {
			if p.Error {
				return false
			}
		}
		if e.Image != nil && !e.Image.IstioAccepts && len(e.Image.Problems) > 0 {
			return false
		}
	}
	return true
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes a short report for people.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	line := func(k, format string, args ...any) {
		fmt.Fprintf(&b, "%-17s%s\n", k+":", fmt.Sprintf(format, args...))
	}
	line("path", "%s", r.Path)
	line("input", "%s", r.Input)
	for i, e := range r.Entries {
		if len(r.Entries) > 1 {
			fmt.Fprintf(&b, "\n--- entry %d of %d\n", i+1, len(r.Entries))
		}
		if im := e.Image; im != nil {
			if im.Ref != "" {
				line("image", "%s", im.Ref)
			}
			if im.Digest != "" {
				line("digest", "%s", im.Digest)
			}
			for j, l := range im.Layers {
				line(fmt.Sprintf("layer %d", j), "%s %s (%d bytes)", l.MediaType, l.Digest, l.Size)
			}
			line("format", "%s (%s)", im.Format, Verdict(im.IstioAccepts))
			if im.ModuleSource != "" {
				line("module in", "%s", im.ModuleSource)
			}
			for _, k := range slices.Sorted(maps.Keys(im.Annotations)) {
				line("annotation", "%s=%s", k, im.Annotations[k])
			}
			for _, k := range slices.Sorted(maps.Keys(im.Labels)) {
				line("label", "%s=%s", k, im.Labels[k])
			}
			if len(im.RootIDs) > 0 {
				line("root IDs", "%s", strings.Join(im.RootIDs, ", "))
			}
			for _, p := range im.Problems {
				line("problem", "%s", p)
			}
			if im.Note != "" {
				line("note", "%s", im.Note)
			}
			if im.Fix != "" {
				line("fix", "%s", im.Fix)
			}
		}
		if m := e.Module; m != nil {
			line("size", "%d bytes", m.Size)
			line("sha256", "%s", m.SHA256)
			line("proxy-wasm", "%s", yesNo(m.IsProxyWasm))
			for _, a := range e.ABI {
				line("abi", "%s (Istio %s)", a.Version, a.Istio)
			}
			if len(e.ABI) == 0 {
				line("abi", "none declared")
			}
			line("wasi", "%s", yesNo(m.WASI))
			line("imports", "%d", len(m.Imports))
			for _, im := range m.Imports {
				fmt.Fprintf(&b, "  %s.%s (%s)\n", im.Module, im.Name, im.Kind)
			}
			line("exports", "%d", len(m.Exports))
			for _, ex := range m.Exports {
				fmt.Fprintf(&b, "  %s (%s)\n", ex.Name, ex.Kind)
			}
			if len(m.CustomSections) > 0 {
				line("custom sections", "%s", strings.Join(m.CustomSections, ", "))
			}
			if r.Envoy != "" {
				writeHost(line, r.Envoy, e.Host)
			}
		}
		if e.Error != nil {
			line("error", "%s", e.Error.Error())
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Verdict says what Istio's agent and Envoy Gateway make of an image. They share
// one fetcher (envoyproxy/gateway internal/wasm/imagefetcher.go is istio/istio
// pkg/wasm/imagefetcher.go with its extraction rules unchanged), so one verdict
// holds for both.
func Verdict(accepted bool) string {
	if accepted {
		return "accepted by Istio's agent and Envoy Gateway"
	}
	return "refused by Istio's agent and Envoy Gateway"
}

// writeHost prints the import check: one line when the module links, else one
// per problem with Envoy's message and the cause.
func writeHost(line func(k, format string, args ...any), envoy string, ps []HostProblem) {
	errs := 0
	for _, p := range ps {
		if p.Error {
			errs++
		}
	}
	if errs == 0 {
		line("host", "Envoy %s links it", envoy)
	} else {
		line("host", "Envoy %s refuses it (%d problem%s)", envoy, errs, plural(errs))
	}
	for _, p := range ps {
		k := "host warning"
		if p.Error {
			k = "host error"
		}
		line(k, "%s", p)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
