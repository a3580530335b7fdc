package podio

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/kubelive/kubelive/internal/clock"
)

// shell is the built-in /bin/sh of every container: builtins over a small
// fake filesystem. One shell serves one exec or one attach session and is
// used by one goroutine.
type shell struct {
	ref   ContainerRef
	logs  *LogBook
	clock clock.Clock
	tty   bool
	term  *terminal // the tty's size; nil without a tty

	stdin          io.Reader
	stdout, stderr io.Writer

	env    []string          // KEY=VALUE, in order
	files  map[string]string // absolute path -> content
	cwd    string
	status int  // $?
	exited bool // set by the exit builtin
}

// isLogPath reports whether writes to p become container log lines: what a
// process writes to PID 1's stdout is what `kubectl logs` shows.
func isLogPath(p string) bool {
	return p == "/log" || p == "/proc/1/fd/1" || p == "/dev/termination-log"
}

func newShell(ref ContainerRef, logs *LogBook, clk clock.Clock, env []string, tty bool, term *terminal) *shell {
	s := &shell{ref: ref, logs: logs, clock: clk, tty: tty, term: term, cwd: "/"}
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
	s.files = map[string]string{
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
	for _, dir := range []string{"bin", "dev", "home", "lib", "proc", "root", "sbin", "sys", "tmp", "usr", "var"} {
		s.files["/"+dir+"/.keep"] = ""
	}
	return s
}

// isShell reports whether argv starts an interactive shell or a `sh -c` script.
func isShell(name string) bool {
	switch path.Base(name) {
	case "sh", "bash", "ash", "dash":
		return true
	}
	return false
}

// run executes argv as the container's runtime would and returns the exit
// code: a shell reads commands from stdin (with a prompt on a tty), `sh -c
// SCRIPT` runs SCRIPT, anything else runs as one command.
func (s *shell) run(ctx context.Context, argv []string) int {
	switch {
	case len(argv) == 0:
		return 0
	case isShell(argv[0]) && len(argv) >= 3 && argv[1] == "-c":
		s.execLine(argv[2])
		return s.status
	case isShell(argv[0]) && (len(argv) == 1 || argv[1] == "-i" || argv[1] == "-l"):
		if s.tty {
			s.interactiveTTY(ctx)
		} else {
			s.interactive(ctx)
		}
		return s.status
	default:
		s.status = s.builtin(argv, s.stdout, true)
		return s.status
	}
}

// interactive reads one command line per "\n" until EOF or exit.
func (s *shell) interactive(ctx context.Context) {
	r := bufio.NewReader(s.stdin)
	for !s.exited && ctx.Err() == nil {
		line, err := r.ReadString('\n')
		if line != "" {
			s.execLine(strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"))
		}
		if err != nil {
			return
		}
	}
}

// interactiveTTY runs the shell on a terminal: prompt, echo, line editing.
func (s *shell) interactiveTTY(ctx context.Context) {
	var echo bytes.Buffer
	ed := &lineEditor{echo: &echo}
	flush := func() {
		if echo.Len() > 0 {
			_, _ = s.stdout.Write(echo.Bytes())
			echo.Reset()
		}
	}
	prompt := func() { _, _ = io.WriteString(s.stdout, "$ ") }
	prompt()
	buf := make([]byte, 4096)
	for !s.exited && ctx.Err() == nil {
		n, err := s.stdin.Read(buf)
		for _, c := range buf[:n] {
			if s.exited {
				break
			}
			switch ed.feed(c) {
			case editLine:
				flush()
				s.execLine(ed.take())
				if !s.exited {
					prompt()
				}
			case editInterrupt:
				flush()
				s.status = 130
				prompt()
			case editEOF:
				flush()
				_, _ = io.WriteString(s.stdout, "exit\n")
				s.exited = true
			}
		}
		flush()
		if err != nil {
			return
		}
	}
}

// execLine parses and runs one command line, setting $?.
func (s *shell) execLine(line string) {
	cmds, err := parseLine(line, s.lookup)
	if err != nil {
		fmt.Fprintf(s.stderr, "sh: %v\n", err)
		s.status = 2
		return
	}
	skip := false
	for i, c := range cmds {
		if !skip {
			s.status = s.runSource(c.src)
		}
		if s.exited || i == len(cmds)-1 {
			break
		}
		switch c.next {
		case "&&":
			skip = s.status != 0
		case "||":
			skip = s.status == 0
		default:
			skip = false
		}
	}
}

// runSource expands and runs the source of one command.
func (s *shell) runSource(src string) int {
	cmds, err := parseLine(src, s.lookup)
	if err != nil || len(cmds) != 1 {
		fmt.Fprintf(s.stderr, "sh: %v\n", errSyntax)
		return 2
	}
	return s.runCommand(cmds[0])
}

// runCommand runs one command, applying its redirection.
func (s *shell) runCommand(c command) int {
	if c.redirect == "" {
		return s.builtin(c.args, s.stdout, false)
	}
	var out bytes.Buffer
	code := s.builtin(c.args, &out, false)
	target := s.abs(c.redirect)
	switch {
	case target == "/dev/null":
	case isLogPath(target):
		if out.Len() > 0 {
			s.logs.Append(s.ref, out.String())
		}
	default:
		if _, isDir := s.dirEntries(target); isDir {
			fmt.Fprintf(s.stderr, "sh: can't create %s: Is a directory\n", c.redirect)
			return 1
		}
		s.files[target] += out.String()
	}
	return code
}

func (s *shell) lookup(name string) string {
	if name == "?" {
		return strconv.Itoa(s.status)
	}
	for _, kv := range s.env {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v
		}
	}
	return ""
}

func (s *shell) setenv(name, value string) {
	for i, kv := range s.env {
		if k, _, _ := strings.Cut(kv, "="); k == name {
			s.env[i] = name + "=" + value
			return
		}
	}
	s.env = append(s.env, name+"="+value)
}

func (s *shell) abs(p string) string {
	if !path.IsAbs(p) {
		p = path.Join(s.cwd, p)
	}
	return path.Clean(p)
}

// dirEntries lists the names directly under dir and whether dir is a directory.
func (s *shell) dirEntries(dir string) ([]string, bool) {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	seen := map[string]bool{}
	var names []string
	for p := range s.files {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		name, _, _ := strings.Cut(p[len(prefix):], "/")
		if name != "" && !seen[name] && !strings.HasPrefix(name, ".") {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names, len(seen) > 0 || dir == "/" || hasAnyPrefix(s.files, prefix)
}

func hasAnyPrefix(files map[string]string, prefix string) bool {
	for p := range files {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}
