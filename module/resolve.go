package module

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Resolve turns an image reference into repo@sha256:… by asking the
// registry for the manifest digest (a HEAD, falling back to GET), so a tag
// that is re-pushed later cannot change what was deployed (wasme#98). A
// reference that already has a digest is returned normalised, without network.
// This is the only function in the package that touches the network; callers
// pass remote.WithAuthFromKeychain or remote.WithTransport as they need.
func Resolve(ctx context.Context, ref string, opts ...remote.Option) (string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("parsing image reference %q: %w", ref, err)
	}
	if d, ok := r.(name.Digest); ok {
		return d.Context().Name() + "@" + d.DigestStr(), nil
	}
	opts = append([]remote.Option{remote.WithContext(ctx)}, opts...)
	desc, err := remote.Head(r, opts...)
	if err != nil {
		g, gerr := remote.Get(r, opts...)
		if gerr != nil {
			return "", fmt.Errorf("resolving %s: %w", ref, gerr)
		}
		desc = &g.Descriptor
	}
	return r.Context().Name() + "@" + desc.Digest.String(), nil
}
