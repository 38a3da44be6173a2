package module

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// An OCI image layout (github.com/opencontainers/image-spec image-layout.md) as
// files: what `wasmgen package -o DIR` writes into a directory and `-o FILE.tar`
// into a tar (the form `skopeo copy oci-archive:`, `docker load` since Docker 25
// and `crane` read). A tar of the layout keeps the manifest bytes, so the digest
// printed is the digest pushed later; `docker save`'s form would rewrite them.

// LayoutFile is one file of an OCI image layout.
type LayoutFile struct {
	Name string // slash-separated, relative
	Data []byte
}

const (
	layoutMarker  = "oci-layout"
	layoutIndex   = "index.json"
	layoutVersion = `{"imageLayoutVersion":"1.0.0"}`
)

// LayoutFiles lays out one image: oci-layout, index.json naming the image (with
// ref as its org.opencontainers.image.ref.name when not empty, and the module's
// sha256 so a later run knows the layout as one package wrote), and its blobs,
// in a fixed order.
func LayoutFiles(p *Packaged, ref string) ([]LayoutFile, error) {
	ann := map[string]string{AnnotationSHA256: p.Module.SHA256}
	if ref != "" {
		ann[refAnnotation] = ref
	}
	idx := v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests: []v1.Descriptor{{
			MediaType: p.MediaType, Size: int64(len(p.Manifest)), Digest: p.Digest, Annotations: ann,
		}},
	}
	raw, err := json.Marshal(idx)
	if err != nil {
		return nil, err
	}
	blobs := map[string][]byte{p.Digest.Hex: p.Manifest}
	cfg, err := p.Image.RawConfigFile()
	if err != nil {
		return nil, err
	}
	cfgName, err := p.Image.ConfigName()
	if err != nil {
		return nil, err
	}
	blobs[cfgName.Hex] = cfg
	layers, err := p.Image.Layers()
	if err != nil {
		return nil, err
	}
	for _, l := range layers {
		h, err := l.Digest()
		if err != nil {
			return nil, err
		}
		b, err := readLayer(l)
		if err != nil {
			return nil, err
		}
		blobs[h.Hex] = b
	}
	files := []LayoutFile{{layoutMarker, []byte(layoutVersion)}, {layoutIndex, raw}}
	names := make([]string, 0, len(blobs))
	for h := range blobs {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		files = append(files, LayoutFile{"blobs/sha256/" + h, blobs[h]})
	}
	return files, nil
}

// IsPackagedLayout reports whether index.json describes a layout LayoutFiles
// wrote: one image, annotated with the module's sha256.
func IsPackagedLayout(index []byte) bool {
	m, err := v1.ParseIndexManifest(bytes.NewReader(index))
	if err != nil || len(m.Manifests) != 1 {
		return false
	}
	return m.Manifests[0].Annotations[AnnotationSHA256] != ""
}

// LayoutTar is files as a tar with the directories they need: USTAR headers,
// mode 0644 (0755 for directories), owner 0:0 without names, mtime mtime.
func LayoutTar(files []LayoutFile, mtime time.Time) ([]byte, error) {
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{} // written already
	write := func(h *tar.Header, data []byte) error {
		h.ModTime, h.Format = mtime, tar.FormatUSTAR
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, f := range files {
		var parents []string
		for d := path.Dir(f.Name); d != "."; d = path.Dir(d) {
			parents = append([]string{d}, parents...)
		}
		for _, d := range parents {
			if !dirs[d] {
				dirs[d] = true
				if err := write(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755}, nil); err != nil {
					return nil, err
				}
			}
		}
		if err := write(&tar.Header{Typeflag: tar.TypeReg, Name: f.Name, Mode: 0o644, Size: int64(len(f.Data))}, f.Data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// IsTar reports whether b starts with a tar header (the ustar magic).
func IsTar(b []byte) bool {
	return len(b) >= 263 && bytes.HasPrefix(b[257:], []byte("ustar"))
}

// LayoutFromTar reads an OCI image layout from a tar (an "oci-archive"). Every
// blob must have the digest its name says; the error names what is wrong.
func LayoutFromTar(b []byte) (v1.ImageIndex, error) {
	tr := tar.NewReader(bytes.NewReader(b))
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not a tar: %v", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := strings.TrimPrefix(path.Clean(h.Name), "./")
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %v", h.Name, err)
		}
		files[name] = data
	}
	raw, ok := files[layoutIndex]
	if !ok {
		return nil, fmt.Errorf("not an OCI image layout: the tar has no %s", layoutIndex)
	}
	blobs := map[v1.Hash][]byte{}
	for name, data := range files {
		rest, ok := strings.CutPrefix(name, "blobs/")
		if !ok {
			continue
		}
		alg, hex, ok := strings.Cut(rest, "/")
		if !ok || strings.Contains(hex, "/") {
			continue
		}
		want, err := v1.NewHash(alg + ":" + hex)
		if err != nil {
			return nil, fmt.Errorf("%s: not a blob name: %v", name, err)
		}
		got, _, _ := v1.SHA256(bytes.NewReader(data))
		if want.Algorithm == "sha256" && got != want {
			return nil, fmt.Errorf("%s: the blob's sha256 is %s: the tar is corrupt", name, got)
		}
		blobs[want] = data
	}
	return newMemIndex(raw, types.OCIImageIndex, blobs)
}

// memIndex is an image index whose manifests and blobs are in memory.
type memIndex struct {
	raw       []byte
	mediaType types.MediaType
	manifest  *v1.IndexManifest
	blobs     map[v1.Hash][]byte
}

func newMemIndex(raw []byte, mt types.MediaType, blobs map[v1.Hash][]byte) (*memIndex, error) {
	m, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", layoutIndex, err)
	}
	return &memIndex{raw: raw, mediaType: mt, manifest: m, blobs: blobs}, nil
}

var _ v1.ImageIndex = (*memIndex)(nil)

func (i *memIndex) MediaType() (types.MediaType, error)       { return i.mediaType, nil }
func (i *memIndex) Digest() (v1.Hash, error)                  { return partial.Digest(i) }
func (i *memIndex) Size() (int64, error)                      { return partial.Size(i) }
func (i *memIndex) IndexManifest() (*v1.IndexManifest, error) { return i.manifest, nil }
func (i *memIndex) RawManifest() ([]byte, error)              { return i.raw, nil }

func (i *memIndex) find(h v1.Hash) (v1.Descriptor, []byte, error) {
	for _, d := range i.manifest.Manifests {
		if d.Digest == h {
			b, ok := i.blobs[h]
			if !ok {
				return d, nil, fmt.Errorf("blob %s is missing", h)
			}
			return d, b, nil
		}
	}
	return v1.Descriptor{}, nil, fmt.Errorf("the index names no manifest %s", h)
}

func (i *memIndex) Image(h v1.Hash) (v1.Image, error) {
	d, b, err := i.find(h)
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&blobImage{raw: b, mediaType: d.MediaType, blobs: i.blobs})
}

func (i *memIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	d, b, err := i.find(h)
	if err != nil {
		return nil, err
	}
	return newMemIndex(b, d.MediaType, i.blobs)
}
