package podio

import (
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// fakeFS is a container's filesystem: regular files held in memory and the
// directories implied by their paths (a ".keep" entry makes an empty
// directory; ls hides it). Paths are absolute and clean. It is safe for
// concurrent use: the stages of a shell pipeline run in parallel.
type fakeFS struct {
	modTime time.Time // of every entry, like an image's files

	mu    sync.Mutex
	files map[string]string // guarded by mu
}

func newFakeFS(modTime time.Time, files map[string]string) *fakeFS {
	return &fakeFS{modTime: modTime, files: files}
}

// read returns the content of the regular file p.
func (f *fakeFS) read(p string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.files[p]
	return c, ok
}

// isDir reports whether p is a directory: "/" or the prefix of some path.
func (f *fakeFS) isDir(p string) bool {
	if p == "/" {
		return true
	}
	prefix := p + "/"
	f.mu.Lock()
	defer f.mu.Unlock()
	for q := range f.files {
		if strings.HasPrefix(q, prefix) {
			return true
		}
	}
	return false
}

// list returns the visible entries directly under the directory dir, sorted.
func (f *fakeFS) list(dir string) []fs.FileInfo {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]fs.FileInfo{}
	for p, content := range f.files {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		name, _, nested := strings.Cut(p[len(prefix):], "/")
		if name == "" || strings.HasPrefix(name, ".") && !nested {
			continue
		}
		if nested {
			seen[name] = fileInfo{name: name, dir: true, mod: f.modTime}
		} else if _, ok := seen[name]; !ok {
			seen[name] = fileInfo{name: name, size: int64(len(content)), mod: f.modTime}
		}
	}
	out := make([]fs.FileInfo, 0, len(seen))
	for _, fi := range seen {
		out = append(out, fi)
	}
	slices.SortFunc(out, func(a, b fs.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	return out
}

// stat describes p, or fails with a *fs.PathError wrapping fs.ErrNotExist.
func (f *fakeFS) stat(p string) (fs.FileInfo, error) {
	if c, ok := f.read(p); ok {
		return fileInfo{name: path.Base(p), size: int64(len(c)), mod: f.modTime}, nil
	}
	if f.isDir(p) {
		return fileInfo{name: path.Base(p), dir: true, mod: f.modTime}, nil
	}
	return nil, &fs.PathError{Op: "stat", Path: p, Err: errNoEnt}
}

// write replaces (or, with appendTo, extends) the regular file p. The parent
// directory must exist and p must not be a directory.
func (f *fakeFS) write(p, data string, appendTo bool) error {
	if f.isDir(p) {
		return &fs.PathError{Op: "can't create", Path: p, Err: errIsDir}
	}
	if !f.isDir(path.Dir(p)) {
		return &fs.PathError{Op: "can't create", Path: p, Err: errNoEnt}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if appendTo {
		data = f.files[p] + data
	}
	f.files[p] = data
	return nil
}

// remove deletes the regular file p.
func (f *fakeFS) remove(p string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.files[p]; !ok {
		return &fs.PathError{Op: "remove", Path: p, Err: errNoEnt}
	}
	delete(f.files, p)
	return nil
}

// mkdir creates the directory p (and its parents).
func (f *fakeFS) mkdir(p string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[path.Join(p, ".keep")] = ""
}

// fsErr is a filesystem error worded as busybox words it.
type fsErr struct {
	msg string
	is  error // what errors.Is matches, or nil
}

func (e fsErr) Error() string { return e.msg }
func (e fsErr) Unwrap() error { return e.is }

var (
	errNoEnt = fsErr{"No such file or directory", fs.ErrNotExist}
	errIsDir = fsErr{"Is a directory", nil}
)

// fileInfo is one entry of a fakeFS.
type fileInfo struct {
	name string
	size int64
	dir  bool
	mod  time.Time
}

func (fi fileInfo) Name() string { return fi.name }
func (fi fileInfo) Size() int64 {
	if fi.dir {
		return 4096
	}
	return fi.size
}
func (fi fileInfo) Mode() fs.FileMode {
	if fi.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
func (fi fileInfo) ModTime() time.Time { return fi.mod }
func (fi fileInfo) IsDir() bool        { return fi.dir }
func (fi fileInfo) Sys() any           { return nil }

// fakeFile is an open file of a fakeFS: reads come from its content at open
// time, each write lands in the filesystem at once (so a later reader in the
// same pipeline sees it).
type fakeFile struct {
	fs     *fakeFS
	path   string
	r      io.Reader
	onData func(string) // instead of fs, for /dev/null and log paths
}

func (f *fakeFile) Read(p []byte) (int, error) { return f.r.Read(p) }

func (f *fakeFile) Write(p []byte) (int, error) {
	if f.onData != nil {
		f.onData(string(p))
		return len(p), nil
	}
	if err := f.fs.write(f.path, string(p), true); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (f *fakeFile) Close() error { return nil }

// open opens p for the shell's redirections with the flags of os.OpenFile.
// Writes to /dev/null vanish; writes to a log path go to onLog when the file
// is closed, like a process's stdout reaching `kubectl logs`.
func (f *fakeFS) open(p string, flag int, onLog func(string)) (io.ReadWriteCloser, error) {
	writing := flag&(os.O_WRONLY|os.O_RDWR) != 0
	switch {
	case p == "/dev/null":
		return &fakeFile{r: strings.NewReader(""), onData: func(string) {}}, nil
	case isLogPath(p):
		return &logFile{onLog: onLog}, nil
	case f.isDir(p):
		return nil, &fs.PathError{Op: "can't open", Path: p, Err: errIsDir}
	}
	content, exists := f.read(p)
	if !exists && (!writing || flag&os.O_CREATE == 0) {
		return nil, &fs.PathError{Op: "can't open", Path: p, Err: errNoEnt}
	}
	if writing && (flag&os.O_TRUNC != 0 || !exists) {
		if err := f.write(p, "", false); err != nil {
			return nil, err
		}
	}
	return &fakeFile{fs: f, path: p, r: strings.NewReader(content)}, nil
}

// logFile collects what a shell writes to a log path and hands it over on Close.
type logFile struct {
	onLog func(string)
	buf   strings.Builder
}

func (l *logFile) Read([]byte) (int, error)    { return 0, io.EOF }
func (l *logFile) Write(p []byte) (int, error) { return l.buf.Write(p) }
func (l *logFile) Close() error {
	if l.buf.Len() > 0 {
		l.onLog(l.buf.String())
		l.buf.Reset()
	}
	return nil
}
