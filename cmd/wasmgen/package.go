package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/wasmgen/wasmgen/internal/outdir"
	"github.com/wasmgen/wasmgen/internal/pin"
	"github.com/wasmgen/wasmgen/module"

	"github.com/wasmgen/wasmgen/internal/load"
)

// packageResult is what `wasmgen package --output json` prints; the keys are
// part of the interface (README "Packaging").
type packageResult struct {
	File      string `json:"file"`
	Format    string `json:"format"`
	MediaType string `json:"mediaType"`
	// ManifestDigest (sha256:…) is what module.image@ and WasmPlugin url pin;
	// ImageSHA256 is its hex: Envoy Gateway's image.sha256 and Istio's
	// WasmPlugin sha256 for an oci:// url.
	ManifestDigest string `json:"manifestDigest"`
	ImageSHA256    string `json:"imageSHA256"`
	// LayerSHA256 is the hex digest of the layer holding the module: for
	// --format wasme the module itself, the file name wasme's hostPath cache uses.
	LayerSHA256 string `json:"layerSHA256"`
	// ModuleSHA256 is the hex sha256 of the .wasm file: Envoy's remote code
	// sha256 (module.sha256 with module.url).
	ModuleSHA256 string            `json:"moduleSHA256"`
	ModuleSize   int64             `json:"moduleSize"`
	ABIVersions  []string          `json:"abiVersions"`
	Layers       []module.Layer    `json:"layers"`
	Annotations  map[string]string `json:"annotations"`
	AcceptedBy   []string          `json:"acceptedBy"`
	Output       *packageOutput    `json:"output,omitempty"`
	Pushed       string            `json:"pushed,omitempty"`    // the reference pushed to
	Reference    string            `json:"reference,omitempty"` // repository@sha256:…
	Pinned       *packagePinned    `json:"pinned,omitempty"`
	layerNote    string            // why LayerSHA256 matters, for text
	changes      []pin.Change      // for text
}

type packageOutput struct {
	Path string `json:"path"`
	Kind string `json:"kind"` // oci-layout | oci-archive
}

type packagePinned struct {
	File    string       `json:"file"`
	Changes []pin.Change `json:"changes"`
}

// runPackage is `wasmgen package FILE.wasm [-o DIR|FILE.tar] [--format F]
// [--push REF [--insecure] [--pin SPEC]] [--output text|json]`. Only --push
// touches the network.
func runPackage(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	flags := newFlagSet("package")
	out := flags.StringP("out", "o", "", "write the image here: an OCI image layout directory, or FILE.tar (that layout as a tar)")
	formatName := flags.String("format", "compat", "image format: compat (OCI, one tar+gzip layer holding plugin.wasm), docker (the same with Docker media types) or wasme (wasme's two-layer artifact)")
	push := flags.String("push", "", "push the image to this reference (REGISTRY/REPOSITORY[:TAG]), with the credentials docker uses")
	insecure := flags.Bool("insecure", false, "with --push: allow a registry that speaks plain HTTP")
	pinSpec := flags.String("pin", "", "with --push: point module.image of the WasmFilter in this spec file at the pushed digest")
	output := flags.String("output", "text", "output format: text or json")
	if code, done := parseFlags(flags, args, stdout, stderr); done {
		return code
	}
	format, ok := module.PackageFormat(*formatName)
	if !ok {
		var names []string
		for _, f := range module.PackageFormats {
			names = append(names, f.Name)
		}
		return usageError(stderr, flags, "invalid --format %q; expected one of %s%s", *formatName, strings.Join(names, ", "), hintFor(*formatName, names))
	}
	if *output != "text" && *output != "json" {
		return usageError(stderr, flags, "invalid --output %q; expected text or json", *output)
	}
	if flags.NArg() != 1 {
		return usageError(stderr, flags, "expected one FILE.wasm, got %d arguments", flags.NArg())
	}
	if *push == "" && (*insecure || *pinSpec != "") {
		return usageError(stderr, flags, "--insecure and --pin need --push REF: they apply to the pushed image")
	}
	created, err := sourceDateEpoch()
	if err != nil {
		return usageError(stderr, flags, "%v", err)
	}
	var ref name.Reference
	var pushed, repo string // as the user spelled them
	if *push != "" {
		var opts []name.Option
		if *insecure {
			opts = append(opts, name.Insecure)
		}
		in := strings.TrimPrefix(*push, "oci://")
		if ref, err = name.ParseReference(in, opts...); err != nil {
			return usageError(stderr, flags, "--push %q: %v; expected REGISTRY/REPOSITORY[:TAG]", *push, err)
		}
		pushed, repo = spelled(in, ref)
	}

	path := flags.Arg(0)
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "wasmgen package: "+format+"\n", args...)
		return exitInvalid
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fail("%s: %v", path, load.UnwrapPathError(pe))
		}
		return fail("%s: %v", path, err)
	}
	p, err := module.Package(wasm, module.PackageOptions{Format: format, Created: created})
	if err != nil {
		return fail("%s: %v; nothing was written", path, err)
	}
	if d, ok := ref.(name.Digest); ok && d.DigestStr() != p.Digest.String() {
		return fail("--push %s names digest %s, but the image's digest is %s: push to a tag, or to @%s", *push, d.DigestStr(), p.Digest, p.Digest)
	}
	res := summarize(path, *formatName, p)

	// Everything that can be refused is checked before anything is written or pushed.
	var pinned []byte
	var pinTarget string
	if *pinSpec != "" {
		if pinTarget, err = filepath.EvalSymlinks(*pinSpec); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = load.UnwrapPathError(pe)
			}
			return fail("--pin %s: %v; nothing was written or pushed", *pinSpec, err)
		}
		src, err := os.ReadFile(pinTarget)
		if err != nil {
			return fail("--pin %s: %v; nothing was written or pushed", *pinSpec, err)
		}
		t := pin.Target{
			Repository:     ref.Context().Name(),
			Reference:      repo + "@" + p.Digest.String(),
			ManifestSHA256: p.Digest.Hex,
			Format:         *formatName,
		}
		if format == module.FormatOCIArtifact {
			t.WasmeLayerSHA256 = p.Module.SHA256
		}
		var changes []pin.Change
		if pinned, changes, err = pin.Pin(*pinSpec, src, t); err != nil {
			return fail("%v; nothing was written or pushed", err)
		}
		res.Pinned = &packagePinned{File: *pinSpec, Changes: changes}
		res.changes = changes
	}
	if *out != "" {
		kind, err := writeImage(*out, p, pushed, created)
		if err != nil {
			return fail("%v", err)
		}
		res.Output = &packageOutput{Path: *out, Kind: kind}
	}
	if ref != nil {
		ctx := context.Background()
		if err := remote.Write(ref, p.Image, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithUserAgent("wasmgen")); err != nil {
			return fail("pushing %s: %s", pushed, explainPush(err, ref, *formatName))
		}
		res.Pushed = pushed
		res.Reference = repo + "@" + p.Digest.String()
	}
	if pinned != nil && len(res.changes) > 0 {
		if err := replaceFile(pinTarget, pinned); err != nil {
			return fail("--pin %s: %v (the image was pushed as %s)", *pinSpec, err, res.Reference)
		}
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(res)
	} else {
		err = writePackageText(stdout, res)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wasmgen package: writing output: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// spelled is the reference pushed to and its repository as the user wrote them
// (docker.io/library/x stays x), with the tag go-containerregistry defaults to.
func spelled(in string, ref name.Reference) (pushed, repo string) {
	switch r := ref.(type) {
	case name.Digest:
		return in, in[:strings.LastIndex(in, "@")]
	case name.Tag:
		if i := strings.LastIndex(in, ":"); i > strings.LastIndex(in, "/") && in[i+1:] == r.TagStr() {
			return in, in[:i]
		}
		return in + ":" + r.TagStr(), in
	}
	return ref.Name(), ref.Context().Name()
}

// sourceDateEpoch reads SOURCE_DATE_EPOCH (reproducible-builds.org/specs/source-date-epoch):
// the image's creation time; without it the Unix epoch, so the digest depends on the module only.
func sourceDateEpoch() (time.Time, error) {
	v, ok := os.LookupEnv("SOURCE_DATE_EPOCH")
	if !ok || v == "" {
		return time.Unix(0, 0), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970-01-01 (reproducible-builds.org/specs/source-date-epoch); set it to e.g. $(git log -1 --format=%%ct), or unset it", v)
	}
	return time.Unix(n, 0), nil
}

func summarize(path, formatName string, p *module.Packaged) *packageResult {
	res := &packageResult{
		File:           path,
		Format:         formatName,
		MediaType:      string(p.MediaType),
		ManifestDigest: p.Digest.String(),
		ImageSHA256:    p.Digest.Hex,
		LayerSHA256:    strings.TrimPrefix(p.ModuleLayer.Digest, "sha256:"),
		ModuleSHA256:   p.Module.SHA256,
		ModuleSize:     p.Module.Size,
		ABIVersions:    p.Module.ABIVersions,
		Layers:         p.Layers,
		Annotations:    p.Annotations,
		AcceptedBy:     []string{"istio-agent", "envoy-gateway"},
	}
	if p.Format == module.FormatOCIArtifact {
		res.layerNote = "the module itself: wasme's hostPath cache file name, module.sha256 with delivery: hostPath"
	} else {
		res.layerNote = "the tar+gzip of plugin.wasm; wasme's hostPath cache reads --format wasme images only"
	}
	return res
}

func writePackageText(w io.Writer, r *packageResult) error {
	var b strings.Builder
	line := func(k, format string, args ...any) {
		fmt.Fprintf(&b, "%-17s%s\n", k+":", fmt.Sprintf(format, args...))
	}
	abi := strings.Join(r.ABIVersions, ", ")
	line("module", "%s (%d bytes, ABI %s)", r.File, r.ModuleSize, abi)
	for _, f := range module.PackageFormats {
		if f.Name == r.Format {
			line("format", "%s: %s", f.Name, f.About)
		}
	}
	line("verdict", "%s", module.Verdict(true))
	if r.Output != nil {
		what := "OCI image layout"
		if r.Output.Kind == "oci-archive" {
			what = "OCI image layout in a tar"
		}
		line("written", "%s (%s)", r.Output.Path, what)
	}
	if r.Pushed != "" {
		line("pushed", "%s", r.Pushed)
		line("image", "%s (module.image; WasmPlugin url oci://…)", r.Reference)
	}
	line("manifest digest", "%s", r.ManifestDigest)
	line("image sha256", "%s (Envoy Gateway image.sha256; Istio WasmPlugin sha256)", r.ImageSHA256)
	line("layer sha256", "%s (%s)", r.LayerSHA256, r.layerNote)
	line("module sha256", "%s (the .wasm file: Envoy remote code sha256, module.sha256 with module.url)", r.ModuleSHA256)
	if r.Pinned != nil {
		if len(r.changes) == 0 {
			line("pinned", "%s: already pinned, unchanged", r.Pinned.File)
		}
		for _, c := range r.changes {
			line("pinned", "%s:%d:%d: %s %s = %s", r.Pinned.File, c.Line, c.Column, c.Filter, c.Field, c.New)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeImage writes the image as an OCI layout: a directory, or a tar when the
// path ends in .tar. It overwrites only a layout `wasmgen package` wrote.
func writeImage(path string, p *module.Packaged, ref string, mtime time.Time) (string, error) {
	files, err := module.LayoutFiles(p, ref)
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(strings.ToLower(path), ".tar") {
		if old, err := os.ReadFile(path); err == nil && !isPackagedTar(old) {
			return "", fmt.Errorf("refusing to overwrite %s: it is not an image tar wasmgen package wrote; choose another -o or remove it; nothing was written", path)
		}
		b, err := module.LayoutTar(files, mtime)
		if err != nil {
			return "", err
		}
		if err := replaceFile(path, b); err != nil {
			return "", fmt.Errorf("writing %s: %v", path, err)
		}
		return "oci-archive", nil
	}
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		return "", fmt.Errorf("-o %s is a file; -o takes a directory for an OCI layout, or FILE.tar", path)
	}
	if why := foreignDir(path); why != "" {
		return "", fmt.Errorf("refusing to write into %s: %s; -o takes a new or empty directory, or one wasmgen package wrote; nothing was written", path, why)
	}
	outFiles := make([]outdir.File, len(files))
	for i, f := range files {
		outFiles[i] = outdir.File{Name: f.Name, Data: f.Data}
	}
	res, err := outdir.Write(path, outFiles, false)
	if err != nil {
		return "", fmt.Errorf("writing %s: %v", path, err)
	}
	if len(res.Conflicts) > 0 {
		var whys []string
		for _, c := range res.Conflicts {
			whys = append(whys, c.Path+": "+c.Why)
		}
		return "", fmt.Errorf("refusing to overwrite %s; nothing was written", strings.Join(whys, ", "))
	}
	return "oci-layout", nil
}

func isPackagedTar(b []byte) bool {
	if !module.IsTar(b) {
		return false
	}
	idx, err := module.LayoutFromTar(b)
	if err != nil {
		return false
	}
	raw, err := idx.RawManifest()
	return err == nil && module.IsPackagedLayout(raw)
}

// foreignDir says why dir holds something other than an OCI layout `wasmgen
// package` wrote, "" when it is absent, empty or such a layout.
func foreignDir(dir string) string {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		return err.Error()
	}
	if len(ents) == 0 {
		return ""
	}
	for _, e := range ents {
		switch e.Name() {
		case "oci-layout", "index.json", "blobs", outdir.StateFile:
		default:
			return fmt.Sprintf("it holds %s, which is not part of an OCI image layout", e.Name())
		}
	}
	idx, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil || !module.IsPackagedLayout(idx) {
		return "it holds an OCI image layout that wasmgen package did not write"
	}
	return ""
}

// replaceFile writes data to path atomically, keeping the mode of the file it replaces.
func replaceFile(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	return outdir.WriteFileAtomic(path, data, mode)
}

// explainPush turns a failed push into the registry's answer and what to do.
func explainPush(err error, ref name.Reference, formatName string) string {
	reg, repo := ref.Context().RegistryStr(), ref.Context().RepositoryStr()
	var te *transport.Error
	if errors.As(err, &te) {
		codes := map[transport.ErrorCode]string{}
		var said []string
		for _, d := range te.Errors {
			codes[d.Code] = d.Message
			said = append(said, d.String())
		}
		answer := fmt.Sprintf("%d %s", te.StatusCode, http.StatusText(te.StatusCode))
		if len(said) > 0 {
			answer += " (" + strings.Join(said, "; ") + ")"
		}
		has := func(c transport.ErrorCode) bool { _, ok := codes[c]; return ok }
		switch {
		case te.StatusCode == http.StatusUnauthorized || has(transport.UnauthorizedErrorCode):
			return fmt.Sprintf("the registry %s answered %s: it takes no credentials wasmgen has for it; log in with `docker login %s` (wasmgen reads the Docker config, $DOCKER_CONFIG/config.json or ~/.docker/config.json, and its credential helpers, as docker and crane do)", reg, answer, reg)
		case te.StatusCode == http.StatusForbidden || has(transport.DeniedErrorCode):
			return fmt.Sprintf("the registry %s answered %s: the credentials it took may not push to %s; get push access to it, or push to a repository you can write", reg, answer, repo)
		case has(transport.NameUnknownErrorCode) || (te.StatusCode == http.StatusNotFound && !has(transport.BlobUnknownErrorCode)):
			return fmt.Sprintf("the registry %s answered %s: the repository %s does not exist there and the registry does not create repositories on push (ECR, Artifact Registry and Harbor projects must exist first); create it, then push again", reg, answer, repo)
		case has(transport.BlobUnknownErrorCode) || has(transport.ManifestBlobUnknownErrorCode) || has(transport.BlobUploadUnknownErrorCode):
			return fmt.Sprintf("the registry %s answered %s: it does not have a blob the manifest names, so it lost an upload; push again, and if it repeats check the registry's storage and upload limits", reg, answer)
		case has(transport.ManifestInvalidErrorCode) || has(transport.UnsupportedErrorCode) || te.StatusCode == http.StatusUnsupportedMediaType:
			if formatName == "wasme" {
				return fmt.Sprintf("the registry %s answered %s: it refuses the manifest, likely the custom media types of --format wasme; push --format compat, which every registry stores and Istio's agent and Envoy Gateway accept as well", reg, answer)
			}
			return fmt.Sprintf("the registry %s answered %s: it refuses the manifest; try --format docker for a registry that predates OCI media types", reg, answer)
		case te.StatusCode == http.StatusRequestEntityTooLarge:
			return fmt.Sprintf("the registry %s answered %s: the module is larger than it takes; strip it (wasm-opt -Oz, a release build) or raise the registry's upload limit", reg, answer)
		}
		return fmt.Sprintf("the registry %s answered %s", reg, answer)
	}
	msg := err.Error()
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	switch {
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return fmt.Sprintf("%s speaks plain HTTP, not HTTPS: pass --insecure if that is intended (%v)", reg, err)
	case strings.Contains(msg, "x509:") || strings.Contains(msg, "tls:"):
		return fmt.Sprintf("%s's TLS certificate is not trusted (%v): add its CA to the system's trust store (SSL_CERT_FILE or SSL_CERT_DIR select others)", reg, err)
	case errors.As(err, &de) || errors.As(err, &oe) || errors.As(err, &ne):
		return fmt.Sprintf("cannot reach the registry %s: %v", reg, err)
	}
	return msg
}
