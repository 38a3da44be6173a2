package module

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/wasmgen/wasmgen/compat"
)

// Annotations wasmgen writes on the images it packages.
const (
	// AnnotationVariant marks an OCI compat image (solo-io/wasm spec/spec-compat.md, "Annotation").
	AnnotationVariant = "module.wasm.image/variant"
	// AnnotationRuntimeType and AnnotationABIVersion are the manifest annotations
	// wasme push writes (solo-io/wasm tools/wasme/pkg/push/push.go ManifestAnnotations):
	// the runtime type and the ABI versions joined by commas.
	AnnotationRuntimeType = "module.wasm.runtime/type"
	AnnotationABIVersion  = "module.wasm.runtime/abi_version"
	// AnnotationSHA256 is the hex sha256 of the .wasm file (wasmgen's own key, reverse
	// DNS of wasmgen.io as the OCI annotation rules ask).
	AnnotationSHA256 = "io.wasmgen.module.sha256"
	// AnnotationABIVersions is the module's ABI marker exports joined by commas, on
	// compat and Docker images (wasme's key stays on wasme's format).
	AnnotationABIVersions = "io.wasmgen.module.abi-versions"
	// titleAnnotation names a layer's file, as oras (and so wasme push) records it.
	titleAnnotation = "org.opencontainers.image.title"
	// envoyRuntime is the runtime type of wasme's runtime-config.json.
	envoyRuntime = "envoy_proxy"
	// wasmeConfigFile and wasmeModuleFile are the file names wasme gives the two
	// layers (solo-io/wasm tools/wasme/pkg/model/image.go ConfigFilename, CodeFilename).
	wasmeConfigFile = "runtime-config.json"
	wasmeModuleFile = "filter.wasm"
	// tarHeaderSize is what one USTAR header adds before the module in a compat layer.
	tarHeaderSize = 512
)

// maxImageModule is compat.MaxImageModule, a variable so tests can try the limit
// with small modules.
var maxImageModule int64 = compat.MaxImageModule

// Image platform of compat and Docker images. Istio's agent and Envoy Gateway
// never read it; a Kubernetes image volume (delivery: imageVolume) does, and
// containerd 2.2 unpacks an image only when its config names the node's platform
// (Azure/AgentBaker#8815). linux/amd64 is what `docker build` of the FROM scratch
// Dockerfile Istio documents gives on an amd64 machine; a fixed value keeps the digest
// the same on every machine.
const (
	imageOS   = "linux"
	imageArch = "amd64"
)

// PackageFormats are the names `wasmgen package --format` takes, in help order,
// with the image format each one writes.
var PackageFormats = []struct {
	Name   string
	Format Format
	About  string
}{
	{"compat", FormatOCICompat, "OCI manifest, one " + string(types.OCILayer) + " layer holding " + pluginFile},
	{"docker", FormatDocker, "Docker manifest, one " + string(types.DockerLayer) + " layer holding " + pluginFile},
	{"wasme", FormatOCIArtifact, "wasme's two layers: " + MediaTypeWasmConfig + " runtime config and " + MediaTypeWasmContent + " module"},
}

// PackageFormat is the image format a --format name stands for.
func PackageFormat(name string) (Format, bool) {
	for _, f := range PackageFormats {
		if f.Name == name {
			return f.Format, true
		}
	}
	return "", false
}

// PackageFormatName is the --format name of an image format, "" for one package does not write.
func PackageFormatName(f Format) string {
	for _, pf := range PackageFormats {
		if pf.Format == f {
			return pf.Name
		}
	}
	return ""
}

// PackageOptions say how to package a module.
type PackageOptions struct {
	Format Format // FormatOCICompat (the default when empty), FormatDocker or FormatOCIArtifact
	// Created is the image's creation time and the mtime of plugin.wasm; the zero
	// value stands for the Unix epoch, so the same module always gives the same digest.
	Created time.Time
}

// Packaged is a module packaged as an image.
type Packaged struct {
	Image     v1.Image
	Format    Format
	Module    *Info
	Digest    v1.Hash         // the manifest digest: what @sha256: pins
	MediaType types.MediaType // the manifest media type
	Manifest  []byte
	// ModuleLayer is the layer holding the module: for wasme's format the module
	// itself (so its digest is the module's sha256), otherwise the tar+gzip of plugin.wasm.
	ModuleLayer Layer
	Layers      []Layer
	// Annotations are the manifest annotations, or the config labels of a Docker
	// image (a Docker manifest has no annotations).
	Annotations map[string]string
	// Check is what FromImage, which applies istio-agent's rules, made of the image.
	Check *Image
}

// Package puts a proxy-wasm module into an image that Istio's agent and Envoy
// Gateway accept (they share one fetcher: istio/istio pkg/wasm/imagefetcher.go,
// envoyproxy/gateway internal/wasm/imagefetcher.go). The bytes depend only on the
// module and the options: fixed names, modes, owner, times and gzip settings.
// A module a proxy would not load is refused with the decoder's error.
func Package(wasm []byte, opts PackageOptions) (*Packaged, error) {
	info, err := Decode(wasm)
	if err != nil {
		return nil, err
	}
	if err := info.CheckProxyWasm(); err != nil {
		return nil, err
	}
	format := opts.Format
	if format == "" {
		format = FormatOCICompat
	}
	limit := maxImageModule
	if format != FormatOCIArtifact {
		limit -= tarHeaderSize
	}
	if info.Size > limit {
		return nil, fmt.Errorf("the module is %d bytes; Istio's agent and Envoy Gateway read at most %d bytes of a %s image (%d with its tar header; ISTIO_WASM_MAX_BINARY_SIZE_BYTES) and would cut it short: strip it (wasm-opt -Oz, a release build)",
			info.Size, limit, PackageFormatName(format), maxImageModule)
	}
	created := opts.Created
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	created = created.UTC()

	b := &builder{blobs: map[v1.Hash][]byte{}}
	p := &Packaged{Format: format, Module: info}
	switch format {
	case FormatOCICompat, FormatDocker:
		err = b.compat(p, wasm, created)
	case FormatOCIArtifact:
		err = b.wasme(p, wasm)
	default:
		return nil, fmt.Errorf("unknown image format %q", format)
	}
	if err != nil {
		return nil, err
	}
	img, err := partial.CompressedToImage(&blobImage{raw: p.Manifest, mediaType: p.MediaType, blobs: b.blobs})
	if err != nil {
		return nil, err
	}
	p.Image = img
	if p.Digest, err = img.Digest(); err != nil {
		return nil, err
	}
	// Prove the promise on every run: the image must be one the agent accepts, in
	// the format asked for, carrying exactly this module.
	check, err := FromImage(img)
	if err != nil {
		return nil, err
	}
	if !check.IstioAccepts || check.Format != format || !bytes.Equal(check.Module, wasm) {
		return nil, fmt.Errorf("internal error: the %s image is not one Istio's agent accepts as %s: %s", format, format, strings.Join(check.Problems, "; "))
	}
	p.Check = check
	return p, nil
}

type builder struct {
	blobs map[v1.Hash][]byte
}

// add stores a blob and returns its descriptor.
func (b *builder) add(data []byte, mt types.MediaType, annotations map[string]string) v1.Descriptor {
	h, _, _ := v1.SHA256(bytes.NewReader(data))
	b.blobs[h] = data
	return v1.Descriptor{MediaType: mt, Size: int64(len(data)), Digest: h, Annotations: annotations}
}

// imageConfig is an OCI / Docker image config with only the fields a scratch
// image needs, in a fixed order.
type imageConfig struct {
	Architecture string `json:"architecture"`
	Created      string `json:"created"`
	OS           string `json:"os"`
	Config       *struct {
		Labels map[string]string `json:"Labels,omitempty"`
	} `json:"config,omitempty"`
	RootFS struct {
		Type    string    `json:"type"`
		DiffIDs []v1.Hash `json:"diff_ids"`
	} `json:"rootfs"`
}

func (b *builder) compat(p *Packaged, wasm []byte, created time.Time) error {
	raw, gz, err := pluginLayer(wasm, created)
	if err != nil {
		return err
	}
	manifestType, configType, layerType := types.OCIManifestSchema1, types.OCIConfigJSON, types.OCILayer
	ann := map[string]string{
		AnnotationVariant:     "compat",
		AnnotationSHA256:      p.Module.SHA256,
		AnnotationABIVersions: strings.Join(p.Module.ABIVersions, ","),
	}
	if p.Format == FormatDocker {
		manifestType, configType, layerType = types.DockerManifestSchema2, types.DockerConfigJSON, types.DockerLayer
		delete(ann, AnnotationVariant) // the spec asks it of OCI compat images only
	}
	cfg := imageConfig{Architecture: imageArch, Created: created.Format(time.RFC3339), OS: imageOS}
	cfg.RootFS.Type = "layers"
	diffID, _, _ := v1.SHA256(bytes.NewReader(raw))
	cfg.RootFS.DiffIDs = []v1.Hash{diffID}
	var manifestAnn map[string]string
	if p.Format == FormatDocker {
		cfg.Config = &struct {
			Labels map[string]string `json:"Labels,omitempty"`
		}{ann}
	} else {
		manifestAnn = ann
	}
	cfgBytes, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	layer := b.add(gz, layerType, nil)
	return b.manifest(p, manifestType, b.add(cfgBytes, configType, nil), []v1.Descriptor{layer}, manifestAnn, ann, 0)
}

func (b *builder) wasme(p *Packaged, wasm []byte) error {
	// runtime-config.json as wasme writes it (jsonpb of solo-io/wasm
	// tools/wasme/pkg/config/runtime.proto: camelCase, empty fields left out). The
	// root IDs are not in the module, so config is left out too.
	rc, err := json.Marshal(struct {
		Type        string   `json:"type"`
		ABIVersions []string `json:"abiVersions,omitempty"`
	}{envoyRuntime, p.Module.ABIVersions})
	if err != nil {
		return err
	}
	cfg := b.add(rc, MediaTypeWasmConfig, map[string]string{titleAnnotation: wasmeConfigFile})
	mod := b.add(wasm, MediaTypeWasmContent, map[string]string{titleAnnotation: wasmeModuleFile})
	ann := map[string]string{
		AnnotationRuntimeType: envoyRuntime,
		AnnotationABIVersion:  strings.Join(p.Module.ABIVersions, ","),
		AnnotationSHA256:      p.Module.SHA256,
	}
	// wasme push (oras) names the runtime config as the manifest's config and as its first layer.
	return b.manifest(p, types.OCIManifestSchema1, cfg, []v1.Descriptor{cfg, mod}, ann, ann, 1)
}

func (b *builder) manifest(p *Packaged, mt types.MediaType, config v1.Descriptor, layers []v1.Descriptor, manifestAnn, shown map[string]string, moduleLayer int) error {
	m := v1.Manifest{SchemaVersion: 2, MediaType: mt, Config: config, Layers: layers, Annotations: manifestAnn}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	p.Manifest, p.MediaType, p.Annotations = raw, mt, shown
	for _, l := range layers {
		p.Layers = append(p.Layers, Layer{MediaType: string(l.MediaType), Digest: l.Digest.String(), Size: l.Size})
	}
	p.ModuleLayer = p.Layers[moduleLayer]
	return nil
}

// pluginLayer is the tar holding plugin.wasm and its gzip: USTAR (no PAX records),
// mode 0644, owner 0:0 without names, mtime created; gzip at the best compression
// with no name and no time in its header, so the bytes depend on nothing else.
func pluginLayer(wasm []byte, created time.Time) (raw, gz []byte, err error) {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	h := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     pluginFile,
		Mode:     0o644,
		Size:     int64(len(wasm)),
		ModTime:  created,
		Format:   tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(h); err != nil {
		return nil, nil, err
	}
	if _, err := tw.Write(wasm); err != nil {
		return nil, nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, nil, err
	}
	var gb bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gb, gzip.BestCompression)
	if err != nil {
		return nil, nil, err
	}
	if _, err := zw.Write(tb.Bytes()); err != nil {
		return nil, nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	return tb.Bytes(), gb.Bytes(), nil
}

// blobImage is an image whose manifest and blobs are in memory: what Package
// builds, and what an OCI layout tar holds.
type blobImage struct {
	raw       []byte
	mediaType types.MediaType
	blobs     map[v1.Hash][]byte
	manifest  *v1.Manifest
}

var _ partial.CompressedImageCore = (*blobImage)(nil)

func (i *blobImage) MediaType() (types.MediaType, error) { return i.mediaType, nil }
func (i *blobImage) RawManifest() ([]byte, error)        { return i.raw, nil }

func (i *blobImage) parsed() (*v1.Manifest, error) {
	if i.manifest == nil {
		m, err := v1.ParseManifest(bytes.NewReader(i.raw))
		if err != nil {
			return nil, err
		}
		i.manifest = m
	}
	return i.manifest, nil
}

func (i *blobImage) RawConfigFile() ([]byte, error) {
	m, err := i.parsed()
	if err != nil {
		return nil, err
	}
	return i.blob(m.Config.Digest)
}

func (i *blobImage) blob(h v1.Hash) ([]byte, error) {
	b, ok := i.blobs[h]
	if !ok {
		return nil, fmt.Errorf("blob %s is missing", h)
	}
	return b, nil
}

func (i *blobImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	m, err := i.parsed()
	if err != nil {
		return nil, err
	}
	for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
		if d.Digest == h {
			b, err := i.blob(h)
			if err != nil {
				return nil, err
			}
			return &memBlob{data: b, desc: d}, nil
		}
	}
	return nil, fmt.Errorf("no layer %s in the image", h)
}

type memBlob struct {
	data []byte
	desc v1.Descriptor
}

func (b *memBlob) Digest() (v1.Hash, error)            { return b.desc.Digest, nil }
func (b *memBlob) Size() (int64, error)                { return b.desc.Size, nil }
func (b *memBlob) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }
func (b *memBlob) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(b.data)), nil
}
func (b *memBlob) Descriptor() (*v1.Descriptor, error) { d := b.desc; return &d, nil }
