package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/wasmgen/wasmgen/internal/load"
	"github.com/wasmgen/wasmgen/module"
)

// runInspect is `wasmgen inspect FILE.wasm|FILE.tar|OCI-LAYOUT-DIR|WASME-STORE-DIR`.
// It reads the input here (the module package stays free of I/O) and exits
// 1 when the module or its image would be refused.
func runInspect(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	flags := newFlagSet("inspect")
	output := flags.String("output", "text", "output format: text or json")
	istio := flags.String("istio-version", defaultIstioVersion(), "Istio whose proxy's Wasm host to check the imports against")
	envoyFlag := flags.String("envoy-version", "", "Envoy whose Wasm host to check the imports against (default: the Envoy of --istio-version)")
	if code, done := parseFlags(flags, args, stdout, stderr); done {
		return code
	}
	envoy, err := envoyVersion(*istio, *envoyFlag, stderr)
	if err != nil {
		return usageError(stderr, flags, "%v", err)
	}
	if *output != "text" && *output != "json" {
		return usageError(stderr, flags, "invalid --output %q; expected text or json", *output)
	}
	if flags.NArg() != 1 {
		return usageError(stderr, flags, "expected one FILE.wasm, OCI layout directory or tar, or wasme store directory, got %d arguments", flags.NArg())
	}
	path := flags.Arg(0)
	rep, err := inspectPath(path)
	if err == nil {
		rep.CheckHost(envoy)
	}
	if err != nil {
		// A file that cannot be read is bad input (exit 1), as in render and validate.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			fmt.Fprintf(stderr, "wasmgen inspect: %s: %v\n", path, load.UnwrapPathError(pe))
			return exitInvalid
		}
		fmt.Fprintf(stderr, "wasmgen inspect: %s: %v\n", path, err)
		return exitInvalid
	}
	if *output == "json" {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wasmgen inspect: writing output: %v\n", err)
		return exitUsage
	}
	if !rep.OK() {
		for _, e := range rep.Entries {
			for _, p := range e.Host {
				if p.Error {
					fmt.Fprintf(stderr, "wasmgen inspect: %s: Envoy %s would not load it: %s\n", path, rep.Envoy, p)
				}
			}
			if e.Error != nil {
				fmt.Fprintf(stderr, "wasmgen inspect: %s: %v\n", path, e.Error)
			} else if e.Image != nil && !e.Image.IstioAccepts && len(e.Image.Problems) > 0 {
				fmt.Fprintf(stderr, "wasmgen inspect: %s: image in a format Istio's agent and Envoy Gateway refuse; %s\n", path, e.Image.Fix)
			}
		}
		return exitInvalid
	}
	return exitOK
}

func inspectPath(path string) (*module.Report, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if module.IsTar(b) {
			// An OCI layout in a tar, as `wasmgen package -o FILE.tar` writes it.
			idx, err := module.LayoutFromTar(b)
			if err != nil {
				return nil, fmt.Errorf("reading OCI layout tar: %w", err)
			}
			return indexReport(path, "oci-archive", idx)
		}
		return &module.Report{Path: path, Input: "wasm", Entries: []module.Entry{module.InspectModule(b)}}, nil
	}
	dir := os.DirFS(path)
	if isFile(dir, "index.json") || isFile(dir, "oci-layout") {
		idx, err := layout.ImageIndexFromPath(path)
		if err != nil {
			return nil, fmt.Errorf("reading OCI layout: %w", err)
		}
		return indexReport(path, "oci-layout", idx)
	}
	if module.IsWasmeStore(dir) {
		im, err := module.FromWasmeStore(dir)
		if err != nil {
			return nil, err
		}
		return &module.Report{Path: path, Input: "wasme-store", Entries: []module.Entry{module.InspectImage(im)}}, nil
	}
	// wasme's store root (~/.wasme/store) holds one directory per image.
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() && module.IsWasmeStore(os.DirFS(filepath.Join(path, e.Name()))) {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, errors.New("not an OCI image layout (no index.json or oci-layout) and not a wasme store (no filter.wasm beside descriptor.json, runtime-config.json or image_ref)")
	}
	sort.Strings(names)
	rep := &module.Report{Path: path, Input: "wasme-store"}
	for _, n := range names {
		im, err := module.FromWasmeStore(os.DirFS(filepath.Join(path, n)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		rep.Entries = append(rep.Entries, module.InspectImage(im))
	}
	return rep, nil
}

func indexReport(path, input string, idx v1.ImageIndex) (*module.Report, error) {
	imgs, err := module.FromIndex(idx)
	if err != nil {
		return nil, err
	}
	if len(imgs) == 0 {
		return nil, errors.New("the OCI layout's index.json lists no images")
	}
	rep := &module.Report{Path: path, Input: input}
	for _, im := range imgs {
		rep.Entries = append(rep.Entries, module.InspectImage(im))
	}
	return rep, nil
}

func isFile(fsys fs.FS, name string) bool {
	st, err := fs.Stat(fsys, name)
	return err == nil && !st.IsDir()
}
