package module

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/wasmgen/wasmgen/compat"
)

// istioExtract applies the rules of istio-agent's image fetcher, transcribed from
// istio/istio@1.30.3 pkg/wasm/imagefetcher.go (PrepareFetch's binaryFetcher,
// extractDockerImage, extractOCIStandardImage, extractWasmPluginBinary,
// extractOCIArtifactImage), independently of FromImage. Envoy Gateway's fetcher
// (envoyproxy/gateway@v1.9.0 internal/wasm/imagefetcher.go) is the same code with
// one more check, a tar entry larger than 256 MiB, which is checked here too.
func istioExtract(img v1.Image) ([]byte, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	extractTar := func(want types.MediaType) ([]byte, error) {
		if len(layers) == 0 {
			return nil, errors.New("number of layers must be greater than zero")
		}
		l := layers[len(layers)-1]
		mt, err := l.MediaType()
		if err != nil {
			return nil, err
		}
		if mt != want {
			return nil, fmt.Errorf("invalid media type %s (expect %s)", mt, want)
		}
		rc, err := l.Compressed()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		zr, err := gzip.NewReader(rc)
		if err != nil {
			return nil, err
		}
		tr := tar.NewReader(io.LimitReader(zr, maxImageModule))
		for {
			h, err := tr.Next()
			if err != nil {
				return nil, fmt.Errorf("plugin.wasm not found in the archive: %v", err)
			}
			// Any entry type whose base name is plugin.wasm (filepath.Base).
			if filepath.Base(h.Name) == "plugin.wasm" {
				if h.Size > maxImageModule {
					return nil, errors.New("too large")
				}
				b := make([]byte, h.Size)
				if _, err := io.ReadFull(tr, b); err != nil {
					return nil, err
				}
				return b, nil
			}
		}
	}
	if m.MediaType == types.DockerManifestSchema2 {
		return extractTar(types.DockerLayer)
	}
	if b, err := extractTar(types.OCILayer); err == nil {
		return b, nil
	}
	if len(layers) != 2 {
		return nil, fmt.Errorf("number of layers must be 2 but got %d", len(layers))
	}
	for _, l := range layers {
		if mt, _ := l.MediaType(); mt == "application/vnd.module.wasm.content.layer.v1+wasm" {
			rc, err := l.Compressed()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(io.LimitReader(rc, maxImageModule))
		}
	}
	return nil, errors.New("could not find the layer of type application/vnd.module.wasm.content.layer.v1+wasm")
}

// TestIstioRulesMatchFromImage: FromImage (what inspect and package apply) and the
// transcription of istio-agent's fetcher agree on every image format of the
// inspect tests, accepted or refused, and find the same module.
func TestIstioRulesMatchFromImage(t *testing.T) {
	mod := proxyModule(ABI021)
	for _, tc := range imageCases {
		t.Run(tc.name, func(t *testing.T) {
			img := tc.img(t, mod)
			got, err := istioExtract(img)
			im, ferr := FromImage(img)
			if ferr != nil {
				t.Fatal(ferr)
			}
			if (err == nil) != im.IstioAccepts {
				t.Fatalf("istio rules: %v; FromImage accepts: %v", err, im.IstioAccepts)
			}
			if err == nil && !bytes.Equal(got, im.Module) {
				t.Error("istio rules and FromImage found different modules")
			}
		})
	}
}

// TestPackageEveryFormatIsAccepted packages a module in every --format and proves
// that Istio's agent (and so Envoy Gateway) extracts exactly that module: by the
// transcribed rules, by FromImage, and after a round trip through an OCI layout
// directory read by go-containerregistry and a layout tar read by LayoutFromTar.
func TestPackageEveryFormatIsAccepted(t *testing.T) {
	mod := proxyModule(ABI021)
	for _, pf := range PackageFormats {
		t.Run(pf.Name, func(t *testing.T) {
			p, err := Package(mod, PackageOptions{Format: pf.Format})
			if err != nil {
				t.Fatal(err)
			}
			files, err := LayoutFiles(p, "example.com/filters/add-header:v1")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, f := range files {
				path := filepath.Join(dir, filepath.FromSlash(f.Name))
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			fromDir, err := layout.ImageIndexFromPath(dir)
			if err != nil {
				t.Fatal(err)
			}
			tb, err := LayoutTar(files, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			fromTar, err := LayoutFromTar(tb)
			if err != nil {
				t.Fatal(err)
			}
			images := map[string]v1.Image{"built": p.Image}
			for name, idx := range map[string]v1.ImageIndex{"layout dir": fromDir, "layout tar": fromTar} {
				imgs, err := FromIndex(idx)
				if err != nil || len(imgs) != 1 {
					t.Fatalf("%s: %v, %d images", name, err, len(imgs))
				}
				if imgs[0].Ref != "example.com/filters/add-header:v1" || imgs[0].Digest != p.Digest.String() {
					t.Errorf("%s: ref %q digest %s, want %s", name, imgs[0].Ref, imgs[0].Digest, p.Digest)
				}
				img, err := idx.Image(p.Digest)
				if err != nil {
					t.Fatal(err)
				}
				images[name] = img
			}
			for name, img := range images {
				got, err := istioExtract(img)
				if err != nil || !bytes.Equal(got, mod) {
					t.Errorf("%s: Istio's rules: %v (module found: %v)", name, err, bytes.Equal(got, mod))
				}
				im, err := FromImage(img)
				if err != nil {
					t.Fatal(err)
				}
				if !im.IstioAccepts || im.Format != pf.Format || !bytes.Equal(im.Module, mod) {
					t.Errorf("%s: FromImage: format %s accepts %v problems %v", name, im.Format, im.IstioAccepts, im.Problems)
				}
				if e := InspectImage(im); e.Error != nil || !(&Report{Entries: []Entry{e}}).OK() {
					t.Errorf("%s: inspect refuses it: %+v", name, e.Error)
				}
				d, _ := img.Digest()
				if d != p.Digest {
					t.Errorf("%s: digest %s, want %s", name, d, p.Digest)
				}
			}
			if !p.Check.IstioAccepts || p.Format != pf.Format || p.Module.SHA256 != p.Annotations[AnnotationSHA256] {
				t.Errorf("%+v", p)
			}
		})
	}
}

// TestPackageAnnotations: the ABI versions and sha256 are recorded, under wasme's
// names for wasme's format (solo-io/wasm tools/wasme/pkg/push/push.go) and as
// config labels on a Docker image, which has no manifest annotations.
func TestPackageAnnotations(t *testing.T) {
	mod := proxyModule(ABI021)
	info, _ := Decode(mod)
	tests := []struct {
		format              Format
		annotations, labels map[string]string
	}{
		{FormatOCICompat, map[string]string{
			"module.wasm.image/variant":      "compat",
			"io.wasmgen.module.sha256":       info.SHA256,
			"io.wasmgen.module.abi-versions": ABI021,
		}, nil},
		{FormatDocker, nil, map[string]string{
			"io.wasmgen.module.sha256":       info.SHA256,
			"io.wasmgen.module.abi-versions": ABI021,
		}},
		{FormatOCIArtifact, map[string]string{
			"module.wasm.runtime/type":        "envoy_proxy",
			"module.wasm.runtime/abi_version": ABI021,
			"io.wasmgen.module.sha256":        info.SHA256,
		}, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			p, err := Package(mod, PackageOptions{Format: tt.format})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(p.Check.Annotations) != fmt.Sprint(tt.annotations) || fmt.Sprint(p.Check.Labels) != fmt.Sprint(tt.labels) {
				t.Errorf("annotations %v labels %v", p.Check.Annotations, p.Check.Labels)
			}
		})
	}
	// wasme's runtime config and layer titles, as wasme push writes them.
	p, _ := Package(mod, PackageOptions{Format: FormatOCIArtifact})
	raw, _ := p.Image.RawConfigFile()
	if string(raw) != `{"type":"envoy_proxy","abiVersions":["proxy_abi_version_0_2_1"]}` {
		t.Errorf("runtime config %s", raw)
	}
	m, _ := p.Image.Manifest()
	if m.Layers[0].Annotations[titleAnnotation] != "runtime-config.json" || m.Layers[1].Annotations[titleAnnotation] != "filter.wasm" ||
		m.Layers[1].Digest.Hex != info.SHA256 || p.ModuleLayer.Digest != "sha256:"+info.SHA256 {
		t.Errorf("layers %+v", m.Layers)
	}
	if p.Check.DeclaredABIVersions[0] != ABI021 {
		t.Errorf("declared ABIs %v", p.Check.DeclaredABIVersions)
	}
}

// TestPackageLayerBytes: the compat layer is one USTAR entry plugin.wasm, mode
// 0644, owner 0:0 without names, mtime the creation time; gzip without name or time;
// the config's diff_id is the tar's sha256 (containerd checks it when unpacking).
func TestPackageLayerBytes(t *testing.T) {
	mod := proxyModule(ABI010)
	created := time.Unix(1700000000, 0)
	p, err := Package(mod, PackageOptions{Created: created})
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := p.Image.Layers()
	rc, _ := layers[0].Compressed()
	gz, _ := io.ReadAll(rc)
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() || zr.OS != 255 {
		t.Errorf("gzip header %+v", zr.Header)
	}
	raw, _ := io.ReadAll(zr)
	tr := tar.NewReader(bytes.NewReader(raw))
	h, err := tr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "plugin.wasm" || h.Mode != 0o644 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" ||
		!h.ModTime.Equal(created) || h.Format != tar.FormatUSTAR || h.Size != int64(len(mod)) {
		t.Errorf("tar header %+v", h)
	}
	if _, err := tr.Next(); err != io.EOF {
		t.Errorf("more than one entry: %v", err)
	}
	cf, err := p.Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	diffID, _, _ := v1.SHA256(bytes.NewReader(raw))
	if len(cf.RootFS.DiffIDs) != 1 || cf.RootFS.DiffIDs[0] != diffID || !cf.Created.Time.Equal(created) || cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Errorf("config %+v", cf)
	}
}

// TestPackageReproducible: the same module and options give the same bytes; the
// creation time is the only input besides them. The golden file pins the digests,
// so a change of wasmgen or of Go's compress/flate that would change every user's
// digest fails here first (WASMGEN_UPDATE=1 rewrites it).
func TestPackageReproducible(t *testing.T) {
	mod := proxyModule(ABI021)
	var golden strings.Builder
	for _, pf := range PackageFormats {
		a, err := Package(mod, PackageOptions{Format: pf.Format})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Package(bytes.Clone(mod), PackageOptions{Format: pf.Format, Created: time.Unix(0, 0).In(time.FixedZone("X", 3600))})
		if !bytes.Equal(a.Manifest, b.Manifest) || a.Digest != b.Digest {
			t.Errorf("%s: two runs differ", pf.Name)
		}
		later, _ := Package(mod, PackageOptions{Format: pf.Format, Created: time.Unix(1700000000, 0)})
		if (later.Digest == a.Digest) != (pf.Format == FormatOCIArtifact) {
			t.Errorf("%s: the creation time should change the digest exactly when the image records one", pf.Name)
		}
		cfg, _ := a.Image.RawConfigFile()
		fmt.Fprintf(&golden, "%s %s\nmanifest %s\nconfig %s\n", pf.Name, a.Digest, a.Manifest, cfg)
		for _, l := range a.Layers {
			fmt.Fprintf(&golden, "layer %s %s %d\n", l.MediaType, l.Digest, l.Size)
		}
		golden.WriteString("\n")
	}
	file := filepath.Join("testdata", "golden", "package.txt")
	if os.Getenv("WASMGEN_UPDATE") == "1" {
		if err := os.WriteFile(file, []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if golden.String() != string(want) {
		t.Errorf("packaged images differ from %s (WASMGEN_UPDATE=1 rewrites it):\n%s", file, golden.String())
	}
}

func TestPackageRefuses(t *testing.T) {
	notProxy := wasmModule(typeSection, section(secExport, vec(export("_start", 0, 0))))
	noABI := wasmModule(typeSection, section(3, vec(uleb(0))), section(secExport, vec(export("proxy_on_context_create", 0, 0))))
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"not wasm", []byte("hello"), "byte offset 0: "},
		{"truncated", proxyModule(ABI021)[:40], "byte offset "},
		{"not proxy-wasm", notProxy, "not a proxy-wasm module"},
		{"no ABI marker", noABI, "Missing or unknown Proxy-Wasm ABI version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Package(tt.b, PackageOptions{})
			var de *DecodeError
			if err == nil || !errors.As(err, &de) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want a DecodeError with %q", err, tt.want)
			}
		})
	}
	if _, err := Package(proxyModule(ABI021), PackageOptions{Format: FormatWasmeStore}); err == nil {
		t.Error("a wasme store is not a format package writes")
	}
}

// TestPackageSizeLimit: a module the fetchers would cut short is refused, and one
// at the limit is extracted whole by their rules (the tar header counts against a
// compat image's limit, not against wasme's raw layer). The limit is lowered so the
// test needs no 256 MiB module.
func TestPackageSizeLimit(t *testing.T) {
	if maxImageModule != compat.MaxImageModule || compat.MaxImageModule != 256<<20 {
		t.Fatalf("limit %d", maxImageModule)
	}
	mod := proxyModule(ABI021)
	n := int64(len(mod))
	defer func(v int64) { maxImageModule = v }(maxImageModule)
	for _, pf := range PackageFormats {
		header := int64(tarHeaderSize)
		if pf.Format == FormatOCIArtifact {
			header = 0
		}
		maxImageModule = n + header
		p, err := Package(mod, PackageOptions{Format: pf.Format})
		if err != nil {
			t.Fatalf("%s at the limit: %v", pf.Name, err)
		}
		if got, err := istioExtract(p.Image); err != nil || !bytes.Equal(got, mod) {
			t.Errorf("%s at the limit: Istio's rules: %v", pf.Name, err)
		}
		maxImageModule = n + header - 1
		_, err = Package(mod, PackageOptions{Format: pf.Format})
		want := fmt.Sprintf("the module is %d bytes; Istio's agent and Envoy Gateway read at most %d bytes of a %s image", n, n-1, pf.Name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s over the limit: %v", pf.Name, err)
		}
		// What the fetchers would do with it: cut it short.
		maxImageModule = n + header
		p, _ = Package(mod, PackageOptions{Format: pf.Format})
		maxImageModule = n + header - 1
		if got, err := istioExtract(p.Image); err == nil && bytes.Equal(got, mod) {
			t.Errorf("%s: Istio's rules read a module over the limit whole", pf.Name)
		}
	}
}

func TestLayoutTar(t *testing.T) {
	p, err := Package(proxyModule(ABI021), PackageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := LayoutFiles(p, "")
	tb, err := LayoutTar(files, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := LayoutTar(files, time.Time{})
	if !bytes.Equal(tb, again) || !IsTar(tb) {
		t.Fatal("layout tar not reproducible or not recognised")
	}
	var names []string
	tr := tar.NewReader(bytes.NewReader(tb))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Uid != 0 || h.Gid != 0 || !h.ModTime.Equal(time.Unix(0, 0)) || (h.Mode != 0o644 && h.Mode != 0o755) {
			t.Errorf("header %+v", h)
		}
		names = append(names, h.Name)
	}
	want := "oci-layout index.json blobs/ blobs/sha256/"
	if got := strings.Join(names[:4], " "); got != want || len(names) != 4+3 {
		t.Errorf("entries %v", names)
	}
	idx, _ := LayoutFromTar(tb)
	raw, _ := idx.RawManifest()
	if !IsPackagedLayout(raw) {
		t.Error("package's own layout not recognised")
	}
	if IsPackagedLayout([]byte(`{"schemaVersion":2,"manifests":[]}`)) || IsPackagedLayout([]byte(`{`)) {
		t.Error("a foreign layout recognised as package's")
	}
	var ix v1.IndexManifest
	json.Unmarshal(files[1].Data, &ix)
	if _, ok := ix.Manifests[0].Annotations[refAnnotation]; ok {
		t.Error("ref annotation without a ref")
	}
}

func TestLayoutFromTarRefuses(t *testing.T) {
	p, _ := Package(proxyModule(ABI021), PackageOptions{})
	files, _ := LayoutFiles(p, "")
	corrupt := make([]LayoutFile, len(files))
	copy(corrupt, files)
	corrupt[2] = LayoutFile{corrupt[2].Name, []byte("not the blob")}
	noIndex := append([]LayoutFile{files[0]}, files[2:]...)
	tarOf := func(fs []LayoutFile) []byte { b, _ := LayoutTar(fs, time.Time{}); return b }
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"corrupt blob", tarOf(corrupt), "the tar is corrupt"},
		{"no index", tarOf(noIndex), "the tar has no index.json"},
		{"bad index", tarOf([]LayoutFile{{"index.json", []byte("{")}}), "index.json: "},
		{"not a tar", []byte("hello"), "not a tar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := LayoutFromTar(tt.b); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
	// A manifest missing from the tar is an error reading it, not a panic.
	missing := tarOf([]LayoutFile{files[0], files[1]})
	idx, err := LayoutFromTar(missing)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromIndex(idx); err == nil || !strings.Contains(err.Error(), "is missing") {
		t.Errorf("err %v", err)
	}
}

func FuzzLayoutFromTar(f *testing.F) {
	p, _ := Package(proxyModule(ABI021), PackageOptions{})
	files, _ := LayoutFiles(p, "r:v1")
	good, _ := LayoutTar(files, time.Time{})
	f.Add(good)
	f.Add(good[:700])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, err := LayoutFromTar(b)
		if err != nil {
			return
		}
		imgs, err := FromIndex(idx)
		if err != nil {
			return
		}
		for _, im := range imgs {
			_ = InspectImage(im)
		}
	})
}

// BenchmarkPackage packages a 1 MiB module (most of it a custom section, as
// debug info is) in each format, the acceptance check included.
func BenchmarkPackage(b *testing.B) {
	pad := make([]byte, 1<<20)
	for i := range pad {
		pad[i] = byte(i * 7 % 251)
	}
	mod := append(proxyModule(ABI021), customSection("pad", pad)...)
	for _, pf := range PackageFormats {
		b.Run(pf.Name, func(b *testing.B) {
			b.SetBytes(int64(len(mod)))
			for b.Loop() {
				if _, err := Package(mod, PackageOptions{Format: pf.Format}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
