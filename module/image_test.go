package module

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const runtimeConfig = `{"type":"envoy_proxy","abiVersions":["v0-4689a30309abf31aee9ae36e73d34b1bb182685f"],"config":{"rootIds":["add_header_root_id"]}}`

func tarGz(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(files[name])
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func image(t testing.TB, manifest, config types.MediaType, layers ...v1.Layer) v1.Image {
	t.Helper()
	img := mutate.MediaType(empty.Image, manifest)
	img = mutate.ConfigMediaType(img, config)
	for _, l := range layers {
		var err error
		img, err = mutate.AppendLayers(img, l)
		if err != nil {
			t.Fatal(err)
		}
	}
	return img
}

// imageCase is an image in one of the formats Istio's agent accepts or refuses.
type imageCase struct {
	name    string
	img     func(t testing.TB, mod []byte) v1.Image
	format  Format
	accepts bool
	source  string
	rootIDs []string
	problem string // substring of Problems
	fix     string // substring of Fix
}

var imageCases = []imageCase{
	{
		name: "docker-compat",
		img: func(t testing.TB, mod []byte) v1.Image {
			return image(t, types.DockerManifestSchema2, types.DockerConfigJSON,
				static.NewLayer(tarGz(t, map[string][]byte{"README": []byte("x")}), types.DockerLayer),
				static.NewLayer(tarGz(t, map[string][]byte{"plugin.wasm": mod}), types.DockerLayer))
		},
		format: FormatDocker, accepts: true, source: "layer 1: plugin.wasm",
	},
	{
		name: "oci-compat",
		img: func(t testing.TB, mod []byte) v1.Image {
			return image(t, types.OCIManifestSchema1, types.OCIConfigJSON,
				static.NewLayer(tarGz(t, map[string][]byte{"./plugin.wasm": mod}), types.OCILayer))
		},
		format: FormatOCICompat, accepts: true, source: "layer 0: plugin.wasm",
	},
	{
		name: "oci-artifact",
		img: func(t testing.TB, mod []byte) v1.Image {
			return image(t, types.OCIManifestSchema1, MediaTypeWasmConfig,
				static.NewLayer([]byte(runtimeConfig), MediaTypeWasmConfig),
				static.NewLayer(mod, MediaTypeWasmContent))
		},
		format: FormatOCIArtifact, accepts: true, source: "layer 1: " + MediaTypeWasmContent, rootIDs: []string{"add_header_root_id"},
	},
	{
		name: "filter-wasm-in-tar",
		img: func(t testing.TB, mod []byte) v1.Image {
			return image(t, types.OCIManifestSchema1, types.OCIConfigJSON,
				static.NewLayer(tarGz(t, map[string][]byte{"filter.wasm": mod}), types.OCILayer))
		},
		format: FormatUnsupported, source: "layer 0: filter.wasm",
		problem: "no plugin.wasm in the last layer (it holds filter.wasm)", fix: "rename filter.wasm",
	},
	{
		name: "vnd-wasm-media-types",
		img: func(t testing.TB, mod []byte) v1.Image {
			return image(t, types.OCIManifestSchema1, "application/vnd.wasm.config.v1+json",
				static.NewLayer(mod, "application/vnd.wasm.content.layer.v1+wasm"))
		},
		format: FormatUnsupported, source: "layer 0: application/vnd.wasm.content.layer.v1+wasm",
		problem: "1 layer(s), expected exactly 2", fix: "istio#39990",
	},
	{
		name: "docker-manifest-oci-layer",
		img: func(t testing.TB, mod []byte) v1.Image {
			return image(t, types.DockerManifestSchema2, types.DockerConfigJSON,
				static.NewLayer(tarGz(t, map[string][]byte{"plugin.wasm": mod}), types.OCILayer))
		},
		format: FormatUnsupported, source: "layer 0: plugin.wasm",
		problem: "as a Docker image: last layer has media type application/vnd.oci.image.layer.v1.tar+gzip", fix: "docker build",
	},
	{
		name: "artifact-three-layers",
		img: func(t testing.TB, mod []byte) v1.Image {
			return image(t, types.OCIManifestSchema1, MediaTypeWasmConfig,
				static.NewLayer([]byte(runtimeConfig), MediaTypeWasmConfig),
				static.NewLayer(mod, MediaTypeWasmContent),
				static.NewLayer([]byte("sig"), "application/octet-stream"))
		},
		format: FormatUnsupported, source: "layer 1: " + MediaTypeWasmContent,
		problem: "3 layer(s), expected exactly 2",
	},
}

// writeLayout writes img into an OCI layout under dir, as `crane pull --format=oci` would.
func writeLayout(t testing.TB, dir string, ref string, img v1.Image) {
	t.Helper()
	p, err := layout.FromPath(dir)
	if err != nil {
		p, err = layout.Write(dir, empty.Index)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{refAnnotation: ref})); err != nil {
		t.Fatal(err)
	}
}

func readLayout(t testing.TB, dir string) []*Image {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := FromIndex(idx)
	if err != nil {
		t.Fatal(err)
	}
	return imgs
}

func TestImageFormats(t *testing.T) {
	mod := proxyModule(ABI021)
	for _, tc := range imageCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeLayout(t, dir, "example.com/filters/"+tc.name+":v1", tc.img(t, mod))
			imgs := readLayout(t, dir)
			if len(imgs) != 1 {
				t.Fatalf("%d images", len(imgs))
			}
			im := imgs[0]
			if im.Format != tc.format || im.IstioAccepts != tc.accepts || im.ModuleSource != tc.source {
				t.Errorf("format %s accepts %v source %q", im.Format, im.IstioAccepts, im.ModuleSource)
			}
			if im.Ref != "example.com/filters/"+tc.name+":v1" || !strings.HasPrefix(im.Digest, "sha256:") {
				t.Errorf("ref %q digest %q", im.Ref, im.Digest)
			}
			if !bytes.Equal(im.Module, mod) {
				t.Errorf("module not found (%d bytes)", len(im.Module))
			}
			if strings.Join(im.RootIDs, ",") != strings.Join(tc.rootIDs, ",") {
				t.Errorf("root IDs %v", im.RootIDs)
			}
			probs := strings.Join(im.Problems, "\n")
			if tc.accepts && (probs != "" || im.Fix != "") {
				t.Errorf("accepted image has problems %q fix %q", probs, im.Fix)
			}
			if !strings.Contains(probs, tc.problem) || !strings.Contains(im.Fix, tc.fix) {
				t.Errorf("problems %q fix %q; want %q, %q", probs, im.Fix, tc.problem, tc.fix)
			}
			e := InspectImage(im)
			if e.Error != nil || e.Module == nil || e.Module.ABIVersions[0] != ABI021 {
				t.Errorf("InspectImage: %+v", e)
			}
		})
	}
}

func TestImageWithoutModule(t *testing.T) {
	img := image(t, types.OCIManifestSchema1, types.OCIConfigJSON,
		static.NewLayer(tarGz(t, map[string][]byte{"etc/passwd": []byte("root")}), types.OCILayer))
	im, err := FromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if im.IstioAccepts || im.Module != nil || !strings.Contains(strings.Join(im.Problems, " "), "it holds etc/passwd") {
		t.Errorf("%+v", im)
	}
	if e := InspectImage(im); e.Error == nil || !strings.Contains(e.Error.Msg, "no Wasm module") {
		t.Errorf("InspectImage: %+v", e)
	}
	empty, err := FromImage(image(t, types.OCIManifestSchema1, types.OCIConfigJSON))
	if err != nil || !strings.Contains(strings.Join(empty.Problems, " "), "no layers") {
		t.Errorf("empty image: %v %+v", err, empty)
	}
}

func TestLayoutWithSeveralImages(t *testing.T) {
	dir := t.TempDir()
	mod := proxyModule(ABI010)
	writeLayout(t, dir, "a:v1", imageCases[1].img(t, mod))
	writeLayout(t, dir, "b:v1", imageCases[3].img(t, mod))
	imgs := readLayout(t, dir)
	if len(imgs) != 2 || imgs[0].Ref != "a:v1" || !imgs[0].IstioAccepts || imgs[1].Ref != "b:v1" || imgs[1].IstioAccepts {
		t.Errorf("got %d images", len(imgs))
	}
}

func wasmeStore(mod []byte, descriptor string) fstest.MapFS {
	return fstest.MapFS{
		"image_ref":           {Data: []byte("webassemblyhub.io/sunboy0213/add-header:v0.1\n")},
		"descriptor.json":     {Data: []byte(descriptor)},
		"runtime-config.json": {Data: []byte(runtimeConfig)},
		"filter.wasm":         {Data: mod},
	}
}

func TestWasmeStore(t *testing.T) {
	mod := proxyModule(ABI010)
	info, _ := Decode(mod)
	manifestDesc := `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000001","size":525}`
	goodLayer := `{"mediaType":"` + MediaTypeWasmContent + `","digest":"sha256:` + info.SHA256 + `","size":1}`
	staleLayer := `{"mediaType":"` + MediaTypeWasmContent + `","digest":"sha256:00","size":1}`
	tests := []struct {
		name, desc string
		problem    string
	}{
		{"manifest descriptor", manifestDesc, ""},
		{"layer descriptor", goodLayer, ""},
		{"stale layer descriptor", staleLayer, "stale or corrupt"},
		{"broken descriptor", `{`, "descriptor.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := wasmeStore(mod, tt.desc)
			if !IsWasmeStore(fsys) {
				t.Fatal("not recognised")
			}
			im, err := FromWasmeStore(fsys)
			if err != nil {
				t.Fatal(err)
			}
			if im.Format != FormatWasmeStore || im.IstioAccepts || im.Ref != "webassemblyhub.io/sunboy0213/add-header:v0.1" {
				t.Errorf("%+v", im)
			}
			if strings.Join(im.RootIDs, ",") != "add_header_root_id" || im.DeclaredABIVersions[0] != wasme4689 {
				t.Errorf("runtime config: %v %v", im.RootIDs, im.DeclaredABIVersions)
			}
			if !strings.Contains(im.Fix, "docker build -t webassemblyhub.io/sunboy0213/add-header:v0.1") || im.Note == "" {
				t.Errorf("fix %q note %q", im.Fix, im.Note)
			}
			probs := strings.Join(im.Problems, " ")
			if (tt.problem == "") != (probs == "") || !strings.Contains(probs, tt.problem) {
				t.Errorf("problems %q, want %q", probs, tt.problem)
			}
		})
	}
	if IsWasmeStore(fstest.MapFS{"filter.wasm": {Data: mod}}) {
		t.Error("a lone filter.wasm is not a store entry")
	}
	if _, err := FromWasmeStore(fstest.MapFS{"image_ref": {Data: []byte("x")}}); err == nil {
		t.Error("store without filter.wasm accepted")
	}
}

func TestWasmeStoreOnDisk(t *testing.T) {
	dir := t.TempDir()
	for name, f := range wasmeStore(proxyModule(ABI010), `{}`) {
		if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	im, err := FromWasmeStore(os.DirFS(dir))
	if err != nil || im.Module == nil {
		t.Fatalf("%v %+v", err, im)
	}
}

func TestParseRuntimeConfigSnakeCase(t *testing.T) {
	rc, err := ParseRuntimeConfig([]byte(`{"type":"envoy_proxy","abi_version":"v0-541b2c1155fffb15ccde92b8324f3e38f7339ba6","config":{"root_ids":["a","b"]}}`))
	if err != nil || strings.Join(rc.ABIVersions, ",") != "v0-541b2c1155fffb15ccde92b8324f3e38f7339ba6" || strings.Join(rc.Config.RootIDs, ",") != "a,b" {
		t.Errorf("%v %+v", err, rc)
	}
	if _, err := ParseRuntimeConfig([]byte(`[`)); err == nil {
		t.Error("bad JSON accepted")
	}
}
