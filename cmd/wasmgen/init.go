package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wasmgen/wasmgen/internal/scaffold"
)

// runInit is `wasmgen init [DIR]`: it writes DIR/filter.yaml, DIR/filter.proto
// and DIR/README.md, a spec that renders and validates clean as it is. With
// --filter go it writes a whole filter project (scaffold.GoFiles): the
// filter's Go source, go.mod (--module), build script, specs, request fixture.
//
// It never overwrites: an existing filter.yaml or filter.proto stops it before
// anything is written (exit 1, unless --force). README.md is the user's own
// document, so an existing one is left alone even with --force; the section
// init would have written goes to stdout instead, ready for `>> README.md`.
func runInit(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	flags := newFlagSet("init")
	name := flags.String("name", "", "metadata.name of the filter (default: the directory's name as a DNS-1123 label)")
	force := flags.Bool("force", false, "overwrite the files init writes if they exist (README.md is never overwritten)")
	filter := flags.String("filter", "", "also scaffold the filter itself, as a project in this language: go (plain Go for GOOS=wasip1, built with the Go toolchain alone)")
	modPath := flags.String("module", "", "with --filter go: the module path of its go.mod (default: the filter's name)")
	if code, done := parseFlags(flags, args, stdout, stderr); done {
		return code
	}
	if flags.NArg() > 1 {
		return usageError(stderr, flags, "expected at most one DIR, got %d arguments", flags.NArg())
	}
	switch {
	case *filter != "" && !slices.Contains(scaffold.Filters, *filter):
		return usageError(stderr, flags, "invalid --filter %q; expected %s", *filter, strings.Join(scaffold.Filters, ", "))
	case *modPath != "" && *filter == "":
		return usageError(stderr, flags, "--module is the Go module path of the filter project; it needs --filter go")
	case *modPath != "":
		if err := scaffold.CheckModulePath(*modPath); err != nil {
			return usageError(stderr, flags, "invalid --module: %v", err)
		}
	}
	dir := "."
	if flags.NArg() == 1 {
		dir = flags.Arg(0)
	}
	n := *name
	if n == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return usageError(stderr, flags, "%v", err)
		}
		n = scaffold.NameFromDir(filepath.Base(abs))
		if n == "" {
			return usageError(stderr, flags, "cannot make a filter name of directory %q; pass --name", filepath.Base(abs))
		}
	} else if err := scaffold.CheckName(n); err != nil {
		return usageError(stderr, flags, "invalid --name: %v", err)
	}
	var files []scaffold.File
	var err error
	if *filter != "" {
		files, err = scaffold.GoFiles(n, *modPath)
	} else {
		files, err = scaffold.Files(n)
	}
	if err != nil {
		return internalError(stderr, err)
	}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		fmt.Fprintf(stderr, "wasmgen init: %s is not a directory\n", dir)
		return exitInvalid
	}

	var write []scaffold.File
	var readme *scaffold.File
	var conflicts []string
	for i, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		_, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			write = append(write, f)
		case err != nil:
			fmt.Fprintf(stderr, "wasmgen init: %v\n", err)
			return exitInvalid
		case f.Name == scaffold.ReadmeFile:
			readme = &files[i]
		case *force:
			write = append(write, f)
		default:
			conflicts = append(conflicts, p)
		}
	}
	if len(conflicts) > 0 {
		for _, p := range conflicts {
			fmt.Fprintf(stderr, "%s: error: refusing to overwrite: the file exists (pass --force to overwrite it)\n", filepath.ToSlash(p))
		}
		fmt.Fprintln(stderr, "nothing was written")
		return exitInvalid
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "wasmgen init: %v\n", err)
		return exitInvalid
	}
	for _, f := range write {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fmt.Fprintf(stderr, "wasmgen init: %v\n", err)
			return exitInvalid
		}
		perm := os.FileMode(0o644)
		if f.Exec {
			perm = 0o755
		}
		if err := writeNew(p, f.Data, *force, perm); err != nil {
			fmt.Fprintf(stderr, "wasmgen init: %v\n", err)
			return exitInvalid
		}
		fmt.Fprintf(stderr, "wrote %s\n", filepath.ToSlash(p))
	}
	if readme != nil {
		fmt.Fprintf(stderr, "%s exists and was left as it is; its wasmgen section is on stdout\n", filepath.ToSlash(filepath.Join(dir, scaffold.ReadmeFile)))
		if _, err := stdout.Write(readme.Data); err != nil {
			fmt.Fprintf(stderr, "wasmgen init: %v\n", err)
			return exitInvalid
		}
	}
	spec := filepath.ToSlash(filepath.Join(dir, scaffold.SpecFile))
	if *filter != "" {
		// The project's commands run from its directory (the README's, and
		// the spec's references stay inside it).
		cd := ""
		if filepath.Clean(dir) != "." {
			cd = "cd " + filepath.ToSlash(dir) + " && "
		}
		fmt.Fprintf(stderr, "filter %q: build and try it: %s./%s && wasmgen run -f %s --request %s (%s walks on to package and render)\n",
			n, cd, scaffold.BuildScript, scaffold.SpecFile, scaffold.RequestFile, scaffold.ReadmeFile)
		return exitOK
	}
	fmt.Fprintf(stderr, "filter %q: point spec.module at your build, then run: wasmgen render -f %s\n", n, spec)
	return exitOK
}

// writeNew creates p. Without force it fails if p appeared since the check
// (O_EXCL); with force it replaces p by a rename, so a symlink at p is
// replaced rather than followed.
func writeNew(p string, data []byte, force bool, perm os.FileMode) error {
	if !force {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}
