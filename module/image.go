package module

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types of the Wasm image specs Istio's agent reads
// (istio/istio pkg/wasm/imagefetcher.go; solo-io/wasm spec/spec.md).
const (
	MediaTypeWasmContent = "application/vnd.module.wasm.content.layer.v1+wasm"
	MediaTypeWasmConfig  = "application/vnd.module.wasm.config.v1+json"
	// pluginFile is the only name the agent looks for in a compat layer.
	pluginFile = "plugin.wasm"
	// refAnnotation names an image inside an OCI layout's index.json.
	refAnnotation = "org.opencontainers.image.ref.name"
)

// Format is how an image carries its module.
type Format string

const (
	// FormatDocker: Docker schema 2 manifest whose last layer is a
	// tar.gz (application/vnd.docker.image.rootfs.diff.tar.gzip) holding plugin.wasm.
	FormatDocker Format = "docker"
	// FormatOCICompat: OCI manifest whose last layer is
	// application/vnd.oci.image.layer.v1.tar+gzip holding plugin.wasm.
	FormatOCICompat Format = "oci-compat"
	// FormatOCIArtifact: exactly two layers, one of them
	// application/vnd.module.wasm.content.layer.v1+wasm (wasme push, oras).
	FormatOCIArtifact Format = "oci-artifact"
	// FormatWasmeStore: wasme's local cache directory, not an image at all.
	FormatWasmeStore Format = "wasme-store"
	// FormatUnsupported: an image Istio's agent refuses.
	FormatUnsupported Format = "unsupported"
)

// Layer is one layer descriptor of an image.
type Layer struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

// Image is what an image (or wasme store entry) says about its module and
// whether Istio's agent would accept it.
type Image struct {
	Ref       string  `json:"ref,omitempty"`       // tag or name recorded with the image
	Digest    string  `json:"digest,omitempty"`    // manifest digest (sha256:…)
	MediaType string  `json:"mediaType,omitempty"` // manifest media type
	Layers    []Layer `json:"layers"`
	Format    Format  `json:"format"`
	// IstioAccepts is true when istio-agent's image fetcher can extract the module.
	IstioAccepts bool     `json:"istioAccepts"`
	Problems     []string `json:"problems,omitempty"` // why the agent refuses it, or what is broken
	Note         string   `json:"note,omitempty"`     // a verdict that is not an error (wasme store)
	Fix          string   `json:"fix,omitempty"`      // how to repackage it
	// ModuleSource says where the module was found, e.g. "layer 1: plugin.wasm".
	ModuleSource string `json:"moduleSource,omitempty"`
	// RootIDs and DeclaredABIVersions come from wasme's runtime-config.json.
	RootIDs             []string `json:"rootIds,omitempty"`
	DeclaredABIVersions []string `json:"declaredAbiVersions,omitempty"`
	// Annotations are the manifest's, Labels the image config's (where a
	// Docker image, which has no manifest annotations, keeps them).
	Annotations map[string]string `json:"annotations,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	// Module is the Wasm binary, also when the agent would refuse the image,
	// so it can still be inspected. Nil when none was found.
	Module []byte `json:"-"`
}

// RuntimeConfig is wasme's runtime-config.json (also the config layer of
// an OCI artifact). wasme wrote camelCase; the spec's example snake_case.
type RuntimeConfig struct {
	Type        string   `json:"type"`
	ABIVersions []string `json:"abiVersions"`
	ABIVersion  string   `json:"abi_version"`
	Config      struct {
		RootIDs      []string `json:"rootIds"`
		RootIDsSnake []string `json:"root_ids"`
	} `json:"config"`
}

// ParseRuntimeConfig reads runtime-config.json.
func ParseRuntimeConfig(b []byte) (*RuntimeConfig, error) {
	var rc RuntimeConfig
	if err := json.Unmarshal(b, &rc); err != nil {
		return nil, fmt.Errorf("runtime config: %w", err)
	}
	if rc.ABIVersion != "" && !contains(rc.ABIVersions, rc.ABIVersion) {
		rc.ABIVersions = append(rc.ABIVersions, rc.ABIVersion)
	}
	rc.Config.RootIDs = append(rc.Config.RootIDs, rc.Config.RootIDsSnake...)
	return &rc, nil
}

// FromIndex inspects every image of an index (an OCI layout's index.json),
// descending into nested indexes. The error is for unreadable content only;
// a format Istio refuses is reported in the Image.
func FromIndex(idx v1.ImageIndex) ([]*Image, error) {
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading index: %w", err)
	}
	var out []*Image
	for _, d := range m.Manifests {
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("reading index %s: %w", d.Digest, err)
			}
			imgs, err := FromIndex(child)
			if err != nil {
				return nil, err
			}
			out = append(out, imgs...)
		default:
			img, err := idx.Image(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("reading image %s: %w", d.Digest, err)
			}
			im, err := FromImage(img)
			if err != nil {
				return nil, fmt.Errorf("image %s: %w", d.Digest, err)
			}
			im.Ref = d.Annotations[refAnnotation]
			out = append(out, im)
		}
	}
	return out, nil
}

// FromImage finds the module in img the way istio-agent does: a Docker
// manifest must be a compat image; otherwise a compat image is tried first,
// then a two-layer artifact. When the agent would refuse it, Problems say why
// and Fix how to repackage, and the module is still located where possible.
func FromImage(img v1.Image) (*Image, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	dg, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading layers: %w", err)
	}
	im := &Image{Digest: dg.String(), MediaType: string(m.MediaType), Layers: []Layer{}}
	for _, d := range m.Layers {
		im.Layers = append(im.Layers, Layer{MediaType: string(d.MediaType), Digest: d.Digest.String(), Size: d.Size})
	}
	im.Annotations = m.Annotations
	switch m.Config.MediaType {
	case MediaTypeWasmConfig:
		if raw, err := img.RawConfigFile(); err == nil {
			im.setRuntimeConfig(raw)
		}
	case types.OCIConfigJSON, types.DockerConfigJSON:
		if cf, err := img.ConfigFile(); err == nil && len(cf.Config.Labels) > 0 {
			im.Labels = cf.Config.Labels
		}
	}

	if m.MediaType == types.DockerManifestSchema2 {
		mod, src, prob := compatLayer(layers, types.DockerLayer)
		if prob == "" {
			im.accept(FormatDocker, mod, src)
			return im, nil
		}
		im.Problems = append(im.Problems, "as a Docker image: "+prob)
	} else {
		mod, src, probCompat := compatLayer(layers, types.OCILayer)
		if probCompat == "" {
			im.accept(FormatOCICompat, mod, src)
			return im, nil
		}
		mod, src, probArtifact := artifact(layers, im)
		if probArtifact == "" {
			im.accept(FormatOCIArtifact, mod, src)
			return im, nil
		}
		im.Problems = append(im.Problems, "as an OCI compat image: "+probCompat, "as an OCI artifact: "+probArtifact)
	}
	im.Format = FormatUnsupported
	im.Module, im.ModuleSource = salvage(layers)
	im.Fix = fixFor(m, im)
	return im, nil
}

func (im *Image) accept(f Format, mod []byte, src string) {
	im.Format, im.IstioAccepts, im.Module, im.ModuleSource = f, true, mod, src
}

func (im *Image) setRuntimeConfig(raw []byte) {
	rc, err := ParseRuntimeConfig(raw)
	if err != nil {
		im.Problems = append(im.Problems, err.Error())
		return
	}
	im.RootIDs = rc.Config.RootIDs
	im.DeclaredABIVersions = rc.ABIVersions
}

// compatLayer reads the last layer as a tar.gz holding plugin.wasm.
func compatLayer(layers []v1.Layer, want types.MediaType) ([]byte, string, string) {
	if len(layers) == 0 {
		return nil, "", "the image has no layers"
	}
	i := len(layers) - 1
	mt, err := layers[i].MediaType()
	if err != nil {
		return nil, "", err.Error()
	}
	if mt != want {
		return nil, "", fmt.Sprintf("last layer has media type %s, expected %s", mt, want)
	}
	files, mod, err := scanTarGz(layers[i], pluginFile)
	if err != nil {
		return nil, "", fmt.Sprintf("last layer: %v", err)
	}
	if mod == nil {
		return nil, "", fmt.Sprintf("no %s in the last layer (it holds %s)", pluginFile, listOr(files, "no files"))
	}
	return mod, fmt.Sprintf("layer %d: %s", i, pluginFile), ""
}

// artifact reads a two-layer image with a raw Wasm content layer.
func artifact(layers []v1.Layer, im *Image) ([]byte, string, string) {
	if len(layers) != 2 {
		return nil, "", fmt.Sprintf("%d layer(s), expected exactly 2 (runtime config and %s)", len(layers), MediaTypeWasmContent)
	}
	for i, l := range layers {
		mt, err := l.MediaType()
		if err != nil {
			return nil, "", err.Error()
		}
		if string(mt) == MediaTypeWasmConfig && im.RootIDs == nil {
			if raw, err := readLayer(l); err == nil {
				im.setRuntimeConfig(raw)
			}
		}
		if string(mt) != MediaTypeWasmContent {
			continue
		}
		// The content layer is raw Wasm, not gzip, whatever ggcr guesses.
		mod, err := readLayer(l)
		if err != nil {
			return nil, "", fmt.Sprintf("layer %d: %v", i, err)
		}
		// The config layer may come after the content layer.
		for _, o := range layers[i+1:] {
			if omt, _ := o.MediaType(); string(omt) == MediaTypeWasmConfig && im.RootIDs == nil {
				if raw, err := readLayer(o); err == nil {
					im.setRuntimeConfig(raw)
				}
			}
		}
		return mod, fmt.Sprintf("layer %d: %s", i, MediaTypeWasmContent), ""
	}
	return nil, "", fmt.Sprintf("no layer of media type %s", MediaTypeWasmContent)
}

// salvage finds a module in an image the agent refuses, so it can still be
// inspected: a raw Wasm layer, else a .wasm file in a tar.gz layer (last first).
func salvage(layers []v1.Layer) ([]byte, string) {
	for i, l := range layers {
		mt, _ := l.MediaType()
		if strings.HasSuffix(string(mt), "+wasm") || strings.HasSuffix(string(mt), ".wasm") {
			if mod, err := readLayer(l); err == nil {
				return mod, fmt.Sprintf("layer %d: %s", i, mt)
			}
		}
	}
	for i := len(layers) - 1; i >= 0; i-- {
		files, _, err := scanTarGz(layers[i], "")
		if err != nil {
			continue
		}
		for _, f := range files {
			if strings.HasSuffix(f, ".wasm") {
				_, mod, err := scanTarGz(layers[i], path.Base(f))
				if err == nil && mod != nil {
					return mod, fmt.Sprintf("layer %d: %s", i, f)
				}
			}
		}
	}
	return nil, ""
}

func fixFor(m *v1.Manifest, im *Image) string {
	var vndWasm []string
	if strings.HasPrefix(string(m.Config.MediaType), "application/vnd.wasm.") {
		vndWasm = append(vndWasm, string(m.Config.MediaType))
	}
	for _, l := range im.Layers {
		if strings.HasPrefix(l.MediaType, "application/vnd.wasm.") {
			vndWasm = append(vndWasm, l.MediaType)
		}
	}
	const compatHowTo = "repackage the module as a compat image: `wasmgen package MODULE.wasm --push IMAGE`, or `printf 'FROM scratch\\nCOPY plugin.wasm ./\\n' | docker build -t IMAGE -f - .` with the module saved as plugin.wasm, then push it"
	switch {
	case len(vndWasm) > 0:
		return fmt.Sprintf("Istio's agent does not read %s media types (istio#39990; wasm-to-oci and oras write them): %s, or push it as an OCI artifact with the module in a layer of media type %s and the runtime config in one of %s",
			strings.Join(dedupe(vndWasm), ", "), compatHowTo, MediaTypeWasmContent, MediaTypeWasmConfig)
	case strings.HasSuffix(im.ModuleSource, ".wasm") && path.Base(moduleFile(im.ModuleSource)) != pluginFile:
		return fmt.Sprintf("Istio's agent only looks for %s in the last layer; rename %s: %s",
			pluginFile, moduleFile(im.ModuleSource), compatHowTo)
	}
	return compatHowTo
}

// moduleFile is the file name in a ModuleSource such as "layer 0: filter.wasm".
func moduleFile(src string) string {
	_, f, _ := strings.Cut(src, ": ")
	return f
}

func readLayer(l v1.Layer) ([]byte, error) {
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// scanTarGz lists a tar.gz layer's regular files and returns the content of
// the first whose base name is want (as the agent matches it).
func scanTarGz(l v1.Layer, want string) ([]string, []byte, error) {
	rc, err := l.Compressed()
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("not a tar.gz: %v", err)
	}
	tr := tar.NewReader(zr)
	var files []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil, nil
		}
		if err != nil {
			return files, nil, fmt.Errorf("not a tar.gz: %v", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		files = append(files, h.Name)
		if want != "" && path.Base(h.Name) == want {
			b, err := io.ReadAll(tr)
			if err != nil {
				return files, nil, fmt.Errorf("reading %s: %v", h.Name, err)
			}
			return files, b, nil
		}
	}
}

// FromWasmeStore reads one entry of wasme's local store
// (~/.wasme/store/<md5(ref)>/: image_ref, descriptor.json,
// runtime-config.json, filter.wasm). Istio cannot pull from it, so the Image
// always says how to publish it in a format the agent accepts.
func FromWasmeStore(fsys fs.FS) (*Image, error) {
	mod, err := fs.ReadFile(fsys, "filter.wasm")
	if err != nil {
		return nil, fmt.Errorf("wasme store: %w", err)
	}
	im := &Image{Format: FormatWasmeStore, Layers: []Layer{}, Module: mod, ModuleSource: "filter.wasm"}
	if ref, err := fs.ReadFile(fsys, "image_ref"); err == nil {
		im.Ref = strings.TrimSpace(string(ref))
	}
	sum := sha256.Sum256(mod)
	modDigest := "sha256:" + hex.EncodeToString(sum[:])
	if raw, err := fs.ReadFile(fsys, "descriptor.json"); err == nil {
		var d struct {
			MediaType string `json:"mediaType"`
			Digest    string `json:"digest"`
			Size      int64  `json:"size"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			im.Problems = append(im.Problems, fmt.Sprintf("descriptor.json: %v", err))
		} else if d.MediaType == MediaTypeWasmContent || d.Digest == modDigest {
			if d.Digest != modDigest {
				im.Problems = append(im.Problems, fmt.Sprintf("filter.wasm has digest %s but descriptor.json says %s: the store entry is stale or corrupt; pull it again", modDigest, d.Digest))
			}
			im.Layers = append(im.Layers, Layer{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size})
		} else {
			im.Digest, im.MediaType = d.Digest, d.MediaType
		}
	}
	if raw, err := fs.ReadFile(fsys, "runtime-config.json"); err == nil {
		im.setRuntimeConfig(raw)
	}
	im.Note = "this is wasme's local store, not an image: Istio's agent pulls modules from a registry (or http/file URLs) only, and never reads filter.wasm"
	ref := im.Ref
	if ref == "" {
		ref = "IMAGE"
	}
	im.Fix = fmt.Sprintf("publish it in a format the agent reads: `wasmgen package filter.wasm --push %s`, or `cp filter.wasm plugin.wasm && printf 'FROM scratch\\nCOPY plugin.wasm ./\\n' | docker build -t %s -f - . && docker push %s`, or `wasme push %s` (a two-layer %s artifact), then reference the pushed image by digest",
		ref, ref, ref, ref, MediaTypeWasmContent)
	return im, nil
}

// IsWasmeStore reports whether fsys looks like a wasme store entry.
func IsWasmeStore(fsys fs.FS) bool {
	_, err := fs.Stat(fsys, "filter.wasm")
	if err != nil {
		return false
	}
	for _, f := range []string{"descriptor.json", "runtime-config.json", "image_ref"} {
		if _, err := fs.Stat(fsys, f); err == nil {
			return true
		}
	}
	return false
}

func listOr(xs []string, none string) string {
	if len(xs) == 0 {
		return none
	}
	return strings.Join(xs, ", ")
}

func dedupe(xs []string) []string {
	sort.Strings(xs)
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}
