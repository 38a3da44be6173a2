// Package load is wasmgen's only door to the file system: it reads inputs and the
// files specs refer to, and keeps every reference inside the root (after symlinks),
// like kustomize's default load restrictor.
package load

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Source is one input file's bytes and where it came from.
type Source struct {
	Name string // as shown to the user: the path given, forward slashes; "-" → "<stdin>"
	Dir  string // absolute directory that relative references resolve against
	Data []byte
}

// Stdin is the display name of standard input.
const Stdin = "<stdin>"

// Root confines file references to one directory tree.
type Root struct {
	dir     string // absolute, symlinks resolved
	lexical string // absolute, as given
	shown   string // how messages name it: as the user gave it
	cwd     string // the working directory, which messages give paths relative to
	// MaxBytes bounds each file read (inputs and referenced files alike); 0 = no bound.
	MaxBytes int64
}

// NewRoot returns a Root at dir ("" = the working directory).
func NewRoot(dir string) (*Root, error) {
	shown := workingDir
	if dir == "" {
		dir = "."
	} else {
		shown = filepath.ToSlash(dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("--root %s: %w", dir, UnwrapPathError(err))
	}
	cwd, _ := os.Getwd()
	return &Root{dir: real, lexical: abs, shown: shown, cwd: cwd}, nil
}

const workingDir = "(the working directory)"

// Dir is the root directory.
func (r *Root) Dir() string { return r.dir }

// Rel returns a resolved path relative to the root, with forward slashes, so that
// what wasmgen writes about local files is the same on every machine.
func (r *Root) Rel(abs string) string {
	rel, err := filepath.Rel(r.dir, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}

// ErrOutsideRoot marks a reference that leaves the root.
var ErrOutsideRoot = errors.New("outside the root")

// Resolve turns ref (relative to dir, or absolute) into an absolute path inside the
// root after following symlinks, or explains why it cannot.
func (r *Root) Resolve(dir, ref string) (string, error) {
	p := ref
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, filepath.FromSlash(ref))
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if lerr := r.danglingLink(p); lerr != nil {
			return "", lerr
		}
		// A missing file that would be outside anyway is reported as outside: that is
		// the mistake to fix first.
		if abs, aerr := filepath.Abs(p); aerr == nil && !within(r.lexical, abs) && !within(r.dir, abs) {
			return "", r.outside(abs)
		}
		return "", UnwrapPathError(err)
	}
	if !within(r.dir, real) {
		return "", r.outside(real)
	}
	return real, nil
}

// outside explains a reference that resolves outside the root: where it leads, and
// where the root is.
// Both are said relative to the working directory, as the user typed paths.
func (r *Root) outside(abs string) error {
	shown := func(p string) string {
		if r.cwd != "" {
			if rel, err := filepath.Rel(r.cwd, p); err == nil {
				return filepath.ToSlash(rel)
			}
		}
		return filepath.ToSlash(p)
	}
	root := r.shown
	if root == workingDir {
		root = ". " + workingDir
	}
	return fmt.Errorf("%w: it resolves to %s, and the root is %s; keep files under the root or pass --root", ErrOutsideRoot, shown(abs), root)
}

// danglingLink explains a reference that is a symlink to nothing: where it points,
// and that this is outside the root when it is (the mistake to fix first). nil
// when p is not such a link.
func (r *Root) danglingLink(p string) error {
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	target, err := os.Readlink(p)
	if err != nil {
		return nil
	}
	abs := target
	if !filepath.IsAbs(abs) {
		dir, err := filepath.EvalSymlinks(filepath.Dir(p))
		if err != nil {
			return nil
		}
		abs = filepath.Join(dir, target)
	}
	if !within(r.dir, abs) {
		return fmt.Errorf("%w %s: %s is a symlink to %s; keep files under the root or pass --root", ErrOutsideRoot, r.shown, filepath.Base(p), target)
	}
	return fmt.Errorf("%s is a symlink to %s, which does not exist", filepath.Base(p), target)
}

// ReadFile reads a file inside the root (Resolve first).
func (r *Root) ReadFile(dir, ref string) ([]byte, string, error) {
	p, err := r.Resolve(dir, ref)
	if err != nil {
		return nil, "", err
	}
	b, err := readLimited(p, r.MaxBytes)
	return b, p, err
}

func within(root, p string) bool {
	if p == root {
		return true
	}
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// ErrTooLarge marks a file over the size limit.
type ErrTooLarge struct {
	Size, Limit int64
}

func (e *ErrTooLarge) Error() string {
	return fmt.Sprintf("file is %d bytes, over the limit of %d bytes; raise it with --max-input-bytes", e.Size, e.Limit)
}

func readLimited(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, UnwrapPathError(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errors.New("is a directory, expected a file")
	}
	if limit > 0 && st.Size() > limit {
		return nil, &ErrTooLarge{Size: st.Size(), Limit: limit}
	}
	return readAll(f, limit)
}

func readAll(rd io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		return io.ReadAll(rd)
	}
	b, err := io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &ErrTooLarge{Size: int64(len(b)), Limit: limit}
	}
	return b, nil
}

// UnwrapPathError drops the Go-style "open /x: " prefix; callers print the path themselves.
func UnwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return errors.New("no such file or directory")
		}
		return pe.Err
	}
	return err
}

// InputError is an input that could not be read: the path as given, and why.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Inputs reads every -f argument: files, directories (recursive *.yaml|*.yml|*.json,
// in lexical order) and "-" for stdin. Errors are per argument, so all are reported.
func Inputs(args []string, stdin io.Reader, limit int64) ([]Source, []error) {
	var out []Source
	var errs []error
	for _, a := range args {
		if a == "-" {
			b, err := readAll(stdin, limit)
			if err != nil {
				errs = append(errs, &InputError{Path: Stdin, Err: err})
				continue
			}
			wd, _ := os.Getwd()
			out = append(out, Source{Name: Stdin, Dir: wd, Data: b})
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			errs = append(errs, &InputError{Path: a, Err: UnwrapPathError(err)})
			continue
		}
		if !st.IsDir() {
			s, err := readSource(a, limit)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, s)
			continue
		}
		var files []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != a && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".yaml", ".yml", ".json":
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, &InputError{Path: a, Err: UnwrapPathError(err)})
			continue
		}
		sort.Strings(files)
		for _, p := range files {
			s, err := readSource(p, limit)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, s)
		}
	}
	return out, errs
}

func readSource(p string, limit int64) (Source, error) {
	b, err := readLimited(p, limit)
	if err != nil {
		return Source{}, &InputError{Path: filepath.ToSlash(p), Err: UnwrapPathError(err)}
	}
	abs, err := filepath.Abs(filepath.Dir(p))
	if err != nil {
		return Source{}, err
	}
	return Source{Name: filepath.ToSlash(filepath.Clean(p)), Dir: abs, Data: b}, nil
}
