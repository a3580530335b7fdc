package podio

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/kubelive/kubelive/internal/clock"
)

// shell is the /bin/sh of every container: the POSIX shell interpreter of
// mvdan.cc/sh/v3/interp with every way it has to reach the host replaced by
// the container's own: commands run as the built-in programs of programs.go
// (never a host process), redirections, globs, `cd`, `test` and `.` see only
// the fake filesystem, and the few builtins that would read the host
// (`type`, `command -v`, `pwd -P`, `test -O`, `~user`, `$$`, `$UID`) are
// answered from the container's view. One shell serves one exec or one
// attach session.
type shell struct {
	ref   ContainerRef
	logs  *LogBook
	clock clock.Clock
	tty   bool
	term  *terminal // the tty's size; nil without a tty

	// stdin is the session's input, nil when the client sends none.
	stdin          io.Reader
	stdout, stderr io.Writer

	env []string // KEY=VALUE of the container's environment
	fs  *fakeFS

	mu sync.Mutex // guards what follows: a pipeline runs its commands at once
	// sessionIn are the readers that carry the session's stdin: the pipes
	// runner copies it into. An interactive `sh` reading nothing else, or
	// nothing (the stdin of a command an interactive shell runs), reads the
	// session's lines.
	sessionIn []*os.File
	// lines is the session's terminal (or stdin) as the interactive shells
	// read it, one line at a time; nil until one runs. A nested interactive
	// `sh` reads from it too, so input one has buffered is not lost.
	lines *lineSource
}

// shellPID is what $$ says: the shell of a container runs as its first process.
const shellPID = "1"

// isLogPath reports whether writes to p become container log lines: what a
// process writes to PID 1's stdout is what `kubectl logs` shows.
func isLogPath(p string) bool {
	return p == "/log" || p == "/proc/1/fd/1" || p == "/dev/termination-log"
}

func newShell(ref ContainerRef, logs *LogBook, clk clock.Clock, env []string, tty bool, term *terminal) *shell {
	s := &shell{ref: ref, logs: logs, clock: clk, tty: tty, term: term}
	s.env = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOSTNAME=" + ref.Pod,
		"HOME=/root",
		"KUBERNETES_SERVICE_HOST=10.96.0.1",
		"KUBERNETES_SERVICE_PORT=443",
	}
	if tty {
		s.env = append(s.env, "TERM=xterm")
	}
	s.env = append(s.env, env...)
	files := map[string]string{
		"/etc/hostname":   ref.Pod + "\n",
		"/etc/hosts":      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.244.0.17\t" + ref.Pod + "\n",
		"/etc/os-release": "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n",
		"/etc/passwd":     "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n",
		"/etc/resolv.conf": "search " + ref.Namespace + ".svc.cluster.local svc.cluster.local cluster.local\n" +
			"nameserver 10.96.0.10\noptions ndots:5\n",
		"/dev/null":   "",
		"/app/README": "container " + ref.Container + " of pod " + ref.Namespace + "/" + ref.Pod + "\n",
		"/var/run/secrets/kubernetes.io/serviceaccount/namespace": ref.Namespace,
	}
	// Empty directories of a small Alpine image; ".keep" entries are hidden by ls.
	for _, dir := range []string{"dev", "home", "lib", "proc", "root", "sbin", "sys", "tmp", "usr/bin", "var"} {
		files["/"+dir+"/.keep"] = ""
	}
	for _, prog := range programs() {
		files["/bin/"+prog] = ""
	}
	s.fs = newFakeFS(clk.Now().Add(-1e9*3600*24*9).Truncate(1e9*60), files)
	return s
}

// isShell reports whether argv[0] names the shell.
func isShell(name string) bool {
	switch path.Base(name) {
	case "sh", "bash", "ash", "dash":
		return true
	}
	return false
}

// run executes argv as the container's runtime would and returns the exit
// code: a shell reads commands from stdin (with a prompt and line editing on
// a tty), `sh -c SCRIPT` runs SCRIPT, anything else runs as one command with
// its arguments as given (no shell expansion).
func (s *shell) run(ctx context.Context, argv []string) int {
	if len(argv) == 0 {
		return 0
	}
	p := &proc{args: argv, dir: "/", env: s.environ(), stdin: s.stdin, stdout: s.stdout, stderr: s.stderr}
	if name := path.Base(argv[0]); !isProgram(name) && interp.IsBuiltin(name) {
		// A builtin as the whole command (`exit 3`): run it in a shell, quoted.
		words := make([]string, len(argv))
		for i, a := range argv {
			q, err := syntax.Quote(a, syntax.LangPOSIX)
			if err != nil {
				fmt.Fprintf(s.stderr, "sh: %v\n", err)
				return 2
			}
			words[i] = q
		}
		return s.script(ctx, p, strings.Join(words, " "), nil)
	}
	return s.program(ctx, p)
}

// sh is the shell as a program: `sh -c SCRIPT [NAME ARGS...]`, `sh FILE`, or
// an interactive shell on p's stdin (the terminal, when there is one).
func (s *shell) sh(ctx context.Context, p *proc) int {
	args := p.args[1:]
	for len(args) > 0 && (args[0] == "-i" || args[0] == "-l" || args[0] == "-s") {
		args = args[1:]
	}
	switch {
	case len(args) >= 2 && args[0] == "-c":
		return s.script(ctx, p, args[1], args[2:])
	case len(args) == 1 && args[0] == "-c":
		fmt.Fprintln(p.stderr, "sh: -c requires an argument")
		return 2
	case len(args) > 0:
		src, ok := s.fs.read(p.abs(args[0]))
		if !ok {
			fmt.Fprintf(p.stderr, "sh: can't open '%s': No such file or directory\n", args[0])
			return 2
		}
		return s.script(ctx, p, src, args)
	}
	lines := s.linesOf(p.stdin, p.stdout)
	r, done, err := s.runner(nil, p.stdout, p.stderr, p.dir, nil)
	if err != nil {
		fmt.Fprintf(p.stderr, "sh: %v\n", err)
		return 2
	}
	defer done()
	return s.interactive(ctx, r, lines, p.stdout, p.stderr)
}

// linesOf returns the lines an interactive shell reads from in: the
// session's (made on the first call) when in carries the session's input or
// is none, else in's own lines, never a terminal's: in `a | sh`, sh reads
// what a writes, and a pipe has no line editing or echo.
func (s *shell) linesOf(in io.Reader, echo io.Writer) *lineSource {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.isSessionInLocked(in) {
		return newLineSource(in, false, echo)
	}
	if s.lines == nil {
		s.lines = newLineSource(in, s.tty, echo)
	}
	return s.lines
}

func (s *shell) isSessionInLocked(in io.Reader) bool {
	if in == nil || isNilFile(in) || in == s.stdin {
		return true
	}
	f, ok := in.(*os.File)
	return ok && slices.Contains(s.sessionIn, f)
}

// script parses src as a shell program and runs it with positional
// parameters params ($0 first); a syntax error is exit code 2.
func (s *shell) script(ctx context.Context, p *proc, src string, params []string) int {
	name := "sh"
	if len(params) > 0 {
		name = params[0]
	}
	file, err := parseScript(src, name)
	if err != nil {
		fmt.Fprintf(p.stderr, "sh: syntax error: %v\n", err)
		return 2
	}
	r, done, err := s.runner(p.stdin, p.stdout, p.stderr, p.dir, params)
	if err != nil {
		fmt.Fprintf(p.stderr, "sh: %v\n", err)
		return 2
	}
	defer done()
	return exitCode(r.Run(ctx, file))
}

// newParser returns a parser of the shell's language: POSIX sh with the
// bash extensions busybox's ash also has (export as a keyword, [[ ]]).
func newParser() *syntax.Parser { return syntax.NewParser(syntax.Variant(syntax.LangBash)) }

// parseScript parses src and confines it (see confine).
func parseScript(src, name string) (*syntax.File, error) {
	f, err := newParser().Parse(strings.NewReader(src), "")
	if err != nil {
		return nil, err
	}
	f.Name = name // $0; errors keep positions only
	return f, confine(f, false)
}

// errProcSubst refuses process substitution: the interpreter backs it with
// named pipes in a host directory.
var errProcSubst = errors.New("process substitution is not supported")

// confine refuses process substitution and points $$ and $PPID, which the
// interpreter answers with the host process's ids, at the variables environ
// sets; interactive, it also points $0 (which the interpreter names after
// itself) at the shell's name.
func confine(n syntax.Node, interactive bool) error {
	var err error
	syntax.Walk(n, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.ProcSubst:
			err = fmt.Errorf("%s: %w", n.Pos(), errProcSubst)
		case *syntax.ParamExp:
			if n.Param == nil {
				break
			}
			switch {
			case n.Param.Value == "$":
				n.Param.Value = "KUBELIVE_SHELL_PID"
			case n.Param.Value == "PPID":
				n.Param.Value = "KUBELIVE_SHELL_PPID"
			case n.Param.Value == "0" && interactive:
				n.Param.Value = "KUBELIVE_SHELL_NAME"
			}
		}
		return err == nil
	})
	return err
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if code, ok := interp.IsExitStatus(err); ok {
		return int(code)
	}
	return 1
}

// errInterrupt is what the terminal returns to the parser on ^C.
var errInterrupt = errors.New("interrupted")

// interactive reads and runs commands from lines until EOF or exit and
// returns the last status. On a tty it prompts "$ " (and "> " inside an
// unfinished command); ^C discards what was typed and sets $? to 130.
func (s *shell) interactive(ctx context.Context, r *interp.Runner, lines *lineSource, stdout, stderr io.Writer) int {
	status := 0
	prompt := func(p string) {
		if lines.tty {
			_, _ = io.WriteString(stdout, p)
		}
	}
	for ctx.Err() == nil {
		parser := newParser()
		prompt("$ ")
		done := false
		err := parser.Interactive(lines, func(stmts []*syntax.Stmt) bool {
			if parser.Incomplete() {
				prompt("> ")
				return true
			}
			for _, st := range stmts {
				if err := confine(st, true); err != nil {
					fmt.Fprintf(stderr, "sh: syntax error: %v\n", err)
					status = s.setStatus(ctx, r, 2)
					continue
				}
				status = exitCode(r.Run(ctx, st))
				if r.Exited() || ctx.Err() != nil {
					done = true
					return false
				}
			}
			prompt("$ ")
			return true
		})
		switch {
		case done:
			return status
		case errors.Is(err, errInterrupt):
			status = s.setStatus(ctx, r, 130)
		case err == nil || errors.Is(err, io.EOF):
			return status
		default:
			fmt.Fprintf(stderr, "sh: syntax error: %v\n", err)
			status = s.setStatus(ctx, r, 2)
		}
	}
	return status
}

// setStatus makes $? say code.
func (s *shell) setStatus(ctx context.Context, r *interp.Runner, code int) int {
	f, err := newParser().Parse(strings.NewReader(fmt.Sprintf("(exit %d)", code)), "")
	if err == nil {
		_ = r.Run(ctx, f.Stmts[0])
	}
	return code
}

// runner returns an interpreter whose every handler stays in the container,
// and the function that releases it once it has run.
func (s *shell) runner(stdin io.Reader, stdout, stderr io.Writer, dir string, params []string) (*interp.Runner, func(), error) {
	opts := []interp.RunnerOption{
		interp.Env(s.environ()),
		func(r *interp.Runner) error { r.Dir = dir; return nil }, // interp.Dir would stat the host's dir
		interp.StdIO(nil, stdout, stderr),
		interp.CallHandler(s.call),
		interp.ExecHandler(s.exec),
		interp.OpenHandler(s.open),
		interp.ReadDirHandler2(s.readDir),
		interp.StatHandler(s.stat),
		interp.AccessHandler(s.access),
	}
	if len(params) > 0 {
		opts = append(opts, interp.Params(append([]string{"--"}, params[1:]...)...))
	}
	release := func() {}
	if stdin != nil && !isNilFile(stdin) {
		// The interpreter needs an *os.File and would copy any other reader
		// into an OS pipe it never closes; this one is closed after the run.
		pr, pw, err := os.Pipe()
		if err != nil {
			return nil, nil, fmt.Errorf("stdin pipe: %w", err)
		}
		go func() {
			_, _ = io.Copy(pw, stdin)
			_ = pw.Close()
		}()
		release = func() { _ = pr.Close() }
		s.mu.Lock()
		if s.isSessionInLocked(stdin) {
			s.sessionIn = append(s.sessionIn, pr)
			release = func() {
				s.mu.Lock()
				s.sessionIn = slices.DeleteFunc(s.sessionIn, func(f *os.File) bool { return f == pr })
				s.mu.Unlock()
				_ = pr.Close()
			}
		}
		s.mu.Unlock()
		opts[2] = interp.StdIO(pr, stdout, stderr)
	}
	r, err := interp.New(opts...)
	if err != nil {
		release()
		return nil, nil, fmt.Errorf("shell: %w", err)
	}
	return r, release, nil
}

// isNilFile reports whether r is a nil *os.File: the interpreter's stdin
// when there is none.
func isNilFile(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && f == nil
}

// environ is the shell's starting environment: the exported variables of
// the container plus, unexported, the ids the interpreter would otherwise
// take from the host (UID, EUID, GID, $$, $PPID) and the home of every user
// (`~name`, which the interpreter would look up in the host's user database).
func (s *shell) environ() expand.Environ {
	return containerEnv{expand.ListEnviron(s.env...)}
}

type containerEnv struct{ expand.Environ }

// hidden returns the value of a variable containerEnv defines without exporting it.
func hidden(name string) (string, bool) {
	switch name {
	case "UID", "EUID", "GID", "KUBELIVE_SHELL_PPID":
		return "0", true
	case "KUBELIVE_SHELL_PID":
		return shellPID, true
	case "KUBELIVE_SHELL_NAME":
		return "sh", true
	}
	return "", false
}

func (e containerEnv) Get(name string) expand.Variable {
	if v, ok := hidden(name); ok {
		return expand.Variable{Set: true, Kind: expand.String, ReadOnly: true, Str: v}
	}
	if user, ok := strings.CutPrefix(name, "HOME "); ok {
		home := "~" + user // an unknown user's ~name stays as typed, as in sh
		switch user {
		case "root":
			home = "/root"
		case "nobody":
			home = "/"
		}
		return expand.Variable{Set: true, Kind: expand.String, Str: home}
	}
	return e.Environ.Get(name)
}

// call guards the builtins that would read the host: it answers `type`,
// `command -v|-V` and `which` from the container's programs, drops `pwd -P`
// to `pwd`, refuses `test -O|-G`, and checks that `eval` and `.` run nothing
// confine refuses.
func (s *shell) call(ctx context.Context, args []string) ([]string, error) {
	hc := interp.HandlerCtx(ctx)
	refuse := func(format string, a ...any) ([]string, error) {
		fmt.Fprintf(hc.Stderr, "sh: "+format+"\n", a...)
		return []string{"false"}, nil
	}
	switch args[0] {
	case "builtin":
		if len(args) > 1 {
			return s.call(ctx, args[1:])
		}
	case "type":
		return append([]string{lookupProgram}, args[1:]...), nil
	case "command":
		if len(args) > 1 && (args[1] == "-v" || args[1] == "-V") {
			return append([]string{lookupProgram}, args[1:]...), nil
		}
	case "pwd":
		return []string{"pwd"}, nil
	case "test", "[":
		if slices.Contains(args[1:], "-O") || slices.Contains(args[1:], "-G") {
			return refuse("%s: -O and -G are not supported", args[0])
		}
	case "eval":
		if _, err := parseScript(strings.Join(args[1:], " "), "eval"); err != nil {
			return refuse("eval: syntax error: %v", err)
		}
	case "source", ".":
		if len(args) < 2 {
			break
		}
		p := absPath(hc.Dir, args[1])
		src, ok := s.fs.read(p)
		if !ok {
			return refuse("%s: can't open '%s': No such file or directory", args[0], args[1])
		}
		if _, err := parseScript(src, args[1]); err != nil {
			return refuse("%s: syntax error: %v", args[1], err)
		}
		return append([]string{args[0], p}, args[2:]...), nil
	}
	return args, nil
}

func absPath(dir, p string) string {
	if !path.IsAbs(p) {
		p = path.Join(dir, p)
	}
	return path.Clean(p)
}

// exec runs a command that is not a builtin or function as a program.
func (s *shell) exec(ctx context.Context, args []string) error {
	hc := interp.HandlerCtx(ctx)
	code := s.program(ctx, &proc{args: args, dir: hc.Dir, env: hc.Env, stdin: hc.Stdin, stdout: hc.Stdout, stderr: hc.Stderr})
	if code == 0 {
		return nil
	}
	return interp.ExitStatus(uint8(code))
}

func (s *shell) open(ctx context.Context, p string, flag int, _ os.FileMode) (io.ReadWriteCloser, error) {
	return s.fs.open(absPath(interp.HandlerCtx(ctx).Dir, p), flag, func(text string) { s.logs.Append(s.ref, text) })
}

func (s *shell) readDir(_ context.Context, p string) ([]fs.DirEntry, error) {
	if !s.fs.isDir(p) {
		return nil, &fs.PathError{Op: "readdir", Path: p, Err: errNoEnt}
	}
	infos := s.fs.list(p)
	out := make([]fs.DirEntry, len(infos))
	for i, fi := range infos {
		out[i] = fs.FileInfoToDirEntry(fi)
	}
	return out, nil
}

func (s *shell) stat(_ context.Context, p string, _ bool) (fs.FileInfo, error) {
	return s.fs.stat(p)
}

func (s *shell) access(_ context.Context, p string, mode interp.AccessMode) error {
	fi, err := s.fs.stat(p)
	if err != nil {
		return err
	}
	if mode&interp.AccessExec != 0 && !fi.IsDir() && !isProgram(path.Base(p)) {
		return &fs.PathError{Op: "access", Path: p, Err: fs.ErrPermission}
	}
	return nil
}

// lineSource is the input of an interactive shell, one line per Read (so
// the parser runs each line before the next is read): on a tty it is the
// terminal's canonical mode (echo and line editing through lineEditor),
// otherwise stdin's lines with any "\r" before "\n" dropped.
type lineSource struct {
	mu     sync.Mutex // held by a Read: shells run at once (`sh & sh`) take turns
	tty    bool
	in     io.Reader
	br     *bufio.Reader // without a tty
	ed     *lineEditor   // on a tty
	echo   *bufio.Writer // on a tty: what the terminal echoes, flushed before blocking
	raw    []byte        // read from in, not yet fed to ed
	buf    []byte
	line   []byte // the rest of the current line for the parser
	closed bool   // in ended
}

func newLineSource(in io.Reader, tty bool, echo io.Writer) *lineSource {
	if in == nil {
		in = strings.NewReader("")
	}
	l := &lineSource{tty: tty, in: in}
	if tty {
		l.echo = bufio.NewWriter(echo)
		l.ed = &lineEditor{echo: l.echo}
		l.buf = make([]byte, 4096)
	} else {
		l.br = bufio.NewReader(in)
	}
	return l
}

func (l *lineSource) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.line) == 0 {
		line, err := l.next()
		if err != nil {
			return 0, err
		}
		l.line = []byte(line + "\n")
	}
	n := copy(p, l.line)
	l.line = l.line[n:]
	return n, nil
}

// next returns the next line without its end.
func (l *lineSource) next() (string, error) {
	if !l.tty {
		line, err := l.br.ReadString('\n')
		if line == "" && err != nil {
			return "", err
		}
		return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
	}
	defer l.echo.Flush()
	for {
		for len(l.raw) > 0 {
			c := l.raw[0]
			l.raw = l.raw[1:]
			switch l.ed.feed(c) {
			case editLine:
				return l.ed.take(), nil
			case editInterrupt:
				return "", errInterrupt
			case editEOF:
				_, _ = l.echo.WriteString("exit\n")
				return "", io.EOF
			}
		}
		if l.closed {
			return "", io.EOF
		}
		_ = l.echo.Flush()
		n, err := l.in.Read(l.buf)
		l.raw = l.buf[:n]
		if err != nil {
			l.closed = true
		}
	}
}
