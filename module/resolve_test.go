package module

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestResolve(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	img := image(t, types.OCIManifestSchema1, MediaTypeWasmConfig,
		static.NewLayer([]byte(runtimeConfig), MediaTypeWasmConfig),
		static.NewLayer(proxyModule(ABI021), MediaTypeWasmContent))
	tag, err := name.NewTag(host + "/filters/add-header:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	ctx := context.Background()

	got, err := Resolve(ctx, host+"/filters/add-header:v1")
	if err != nil {
		t.Fatal(err)
	}
	if got != host+"/filters/add-header@"+want.String() {
		t.Errorf("Resolve = %s, want digest %s", got, want)
	}

	// A re-pushed tag resolves to the new content: the reason to pin.
	img2 := image(t, types.OCIManifestSchema1, MediaTypeWasmConfig,
		static.NewLayer([]byte(runtimeConfig), MediaTypeWasmConfig),
		static.NewLayer(proxyModule(ABI020), MediaTypeWasmContent))
	if err := remote.Write(tag, img2); err != nil {
		t.Fatal(err)
	}
	got2, err := Resolve(ctx, host+"/filters/add-header:v1")
	if err != nil || got2 == got {
		t.Errorf("after re-push: %s, %v", got2, err)
	}

	// A digest reference is returned without asking the registry.
	pinned := "registry.invalid/x/y@" + want.String()
	if got, err := Resolve(ctx, pinned); err != nil || got != pinned {
		t.Errorf("Resolve(digest) = %s, %v", got, err)
	}

	if _, err := Resolve(ctx, host+"/filters/add-header:missing"); err == nil || !strings.Contains(err.Error(), "MANIFEST_UNKNOWN") {
		t.Errorf("missing tag: %v", err)
	}
	if _, err := Resolve(ctx, "UPPER/case:tag"); err == nil || !strings.Contains(err.Error(), "parsing image reference") {
		t.Errorf("bad ref: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Resolve(cancelled, host+"/filters/add-header:v1"); err == nil {
		t.Error("cancelled context resolved")
	}
}
