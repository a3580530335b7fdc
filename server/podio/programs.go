package podio

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// proc is one run of a program: its argv, working directory, environment
// and standard streams (stdin nil or a nil *os.File when it has none).
type proc struct {
	args           []string
	dir            string
	env            expand.Environ
	stdin          io.Reader
	stdout, stderr io.Writer
}

func (p *proc) abs(name string) string { return absPath(p.dir, name) }

// input returns stdin, empty when there is none.
func (p *proc) input() io.Reader {
	if p.stdin == nil || isNilFile(p.stdin) {
		return strings.NewReader("")
	}
	return p.stdin
}

func (p *proc) errf(format string, a ...any) { fmt.Fprintf(p.stderr, format, a...) }

// lookupProgram is the program `type`, `command -v` and `which` become, so
// that they answer from the container's programs rather than the host's PATH.
const lookupProgram = "kubelive-lookup"

// programs lists the container's commands beside the shell's builtins; each
// has an empty file in /bin, like busybox's links.
func programs() []string {
	return []string{"basename", "cat", "date", "dirname", "echo", "env", "false", "grep", "head", "hostname", "id",
		"log", "ls", "mkdir", "printenv", "ps", "rm", "sh", "bash", "ash", "dash", "seq", "sleep", "sort", "stty",
		"tail", "tee", "touch", "true", "uname", "wc", "which", "whoami"}
}

func isProgram(name string) bool { return slices.Contains(programs(), name) }

// binDirs are the directories of $PATH, where a program may be named by path.
func isBinDir(dir string) bool {
	switch dir {
	case "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin":
		return true
	}
	return false
}

// program runs one command and returns its exit code. A name with a "/"
// runs a program of a $PATH directory, or a file of the container as a
// shell script.
func (s *shell) program(ctx context.Context, p *proc) int {
	name := p.args[0]
	if strings.Contains(name, "/") {
		abs := p.abs(name)
		if src, ok := s.fs.read(abs); ok && !(isBinDir(path.Dir(abs)) && isProgram(path.Base(abs))) {
			return s.script(ctx, p, src, p.args)
		}
		if !isBinDir(path.Dir(abs)) {
			p.errf("sh: %s: not found\n", name)
			return 127
		}
		name = path.Base(abs)
	}
	args := p.args[1:]
	switch name {
	case "echo":
		return echo(p, args)
	case "log":
		s.logs.Append(s.ref, strings.Join(args, " "))
		return 0
	case "ls":
		return s.ls(p, args)
	case "env", "printenv":
		return printenv(p, args)
	case "cat":
		return s.eachInput(p, "cat", args, func(r io.Reader) { _, _ = io.Copy(p.stdout, r) })
	case "whoami":
		fmt.Fprintln(p.stdout, "root")
	case "id":
		fmt.Fprintln(p.stdout, "uid=0(root) gid=0(root) groups=0(root)")
	case "hostname":
		fmt.Fprintln(p.stdout, s.ref.Pod)
	case "uname":
		if slices.Contains(args, "-a") {
			fmt.Fprintf(p.stdout, "Linux %s 6.6.0-kubelive #1 SMP x86_64 Linux\n", s.ref.Pod)
		} else {
			fmt.Fprintln(p.stdout, "Linux")
		}
	case "ps":
		fmt.Fprintf(p.stdout, "PID   USER     TIME  COMMAND\n    1 root      0:00 sh\n   %d root      0:00 ps\n", 7+len(s.ref.Pod))
	case "date":
		fmt.Fprintln(p.stdout, s.clock.Now().UTC().Format(time.UnixDate))
	case "stty":
		return s.stty(p, args)
	case "true":
	case "false":
		return 1
	case "sleep":
		return s.sleep(ctx, p, args)
	case "sh", "bash", "ash", "dash":
		return s.sh(ctx, p)
	case "basename", "dirname":
		if len(args) == 0 {
			p.errf("%s: missing operand\n", name)
			return 1
		}
		f := path.Base
		if name == "dirname" {
			f = path.Dir
		}
		fmt.Fprintln(p.stdout, f(args[0]))
	case "seq":
		return seq(ctx, p, args)
	case "wc", "head", "tail", "grep", "sort":
		return s.filter(p, name, args)
	case "tee":
		return s.tee(p, args)
	case "mkdir", "touch", "rm":
		return s.files(p, name, args)
	case "which", lookupProgram:
		return s.lookup(p, name, args)
	default:
		p.errf("sh: %s: not found\n", p.args[0])
		return 127
	}
	return 0
}

func echo(p *proc, args []string) int {
	newline := true
	if len(args) > 0 && args[0] == "-n" {
		newline, args = false, args[1:]
	}
	text := strings.Join(args, " ")
	if newline {
		text += "\n"
	}
	_, _ = io.WriteString(p.stdout, text)
	return 0
}

func printenv(p *proc, names []string) int {
	var all []string
	p.env.Each(func(name string, vr expand.Variable) bool {
		if vr.Exported && vr.IsSet() {
			all = append(all, name+"="+vr.String())
		}
		return true
	})
	slices.Sort(all)
	if len(names) == 0 {
		for _, kv := range all {
			fmt.Fprintln(p.stdout, kv)
		}
		return 0
	}
	code := 0
	for _, n := range names {
		if vr := p.env.Get(n); vr.Exported && vr.IsSet() {
			fmt.Fprintln(p.stdout, vr.String())
		} else {
			code = 1
		}
	}
	return code
}

// eachInput calls use with each named file (stdin for none or "-") and
// reports the ones that cannot be read; the exit code is 1 if any could not.
func (s *shell) eachInput(p *proc, cmd string, names []string, use func(io.Reader)) int {
	if len(names) == 0 {
		names = []string{"-"}
	}
	code := 0
	for _, n := range names {
		if n == "-" {
			use(p.input())
			continue
		}
		abs := p.abs(n)
		content, ok := s.fs.read(abs)
		switch {
		case ok:
			use(strings.NewReader(content))
		case isLogPath(abs):
		case s.fs.isDir(abs):
			p.errf("%s: read error: Is a directory\n", cmd)
			code = 1
		default:
			p.errf("%s: can't open '%s': No such file or directory\n", cmd, n)
			code = 1
		}
	}
	return code
}

func (s *shell) ls(p *proc, args []string) int {
	long := false
	var targets []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			long = long || strings.Contains(a, "l")
			continue
		}
		targets = append(targets, a)
	}
	if len(targets) == 0 {
		targets = []string{"."}
	}
	code := 0
	entry := func(name string, size int64, dir bool) {
		switch {
		case !long:
			fmt.Fprintln(p.stdout, name)
		case dir:
			fmt.Fprintf(p.stdout, "drwxr-xr-x    1 root     root     %8d %s %s\n", 4096, s.fs.modTime.Format("Jan _2 15:04"), name)
		default:
			fmt.Fprintf(p.stdout, "-rw-r--r--    1 root     root     %8d %s %s\n", size, s.fs.modTime.Format("Jan _2 15:04"), name)
		}
	}
	for _, t := range targets {
		abs := p.abs(t)
		if content, ok := s.fs.read(abs); ok {
			entry(t, int64(len(content)), false)
			continue
		}
		if !s.fs.isDir(abs) {
			p.errf("ls: %s: No such file or directory\n", t)
			code = 1
			continue
		}
		for _, fi := range s.fs.list(abs) {
			entry(fi.Name(), fi.Size(), fi.IsDir())
		}
	}
	return code
}

func (s *shell) stty(p *proc, args []string) int {
	if !s.tty || s.term == nil {
		p.errf("stty: standard input: Not a tty\n")
		return 1
	}
	sz := s.term.get()
	if len(args) == 1 && args[0] == "size" {
		fmt.Fprintf(p.stdout, "%d %d\n", sz.Height, sz.Width)
		return 0
	}
	fmt.Fprintf(p.stdout, "speed 38400 baud; rows %d; columns %d; line = 0;\n", sz.Height, sz.Width)
	return 0
}

// sleep waits on the shell's clock, or until the session ends (exit code 130).
func (s *shell) sleep(ctx context.Context, p *proc, args []string) int {
	if len(args) != 1 {
		p.errf("sleep: usage: sleep SECONDS\n")
		return 1
	}
	secs, err := strconv.ParseFloat(args[0], 64)
	if err != nil || secs < 0 {
		p.errf("sleep: invalid number '%s'\n", args[0])
		return 1
	}
	t := s.clock.NewTimer(time.Duration(secs * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C():
		return 0
	case <-ctx.Done():
		return 130
	}
}

// seq prints FIRST..LAST (FIRST defaults to 1), stopping when the session ends.
func seq(ctx context.Context, p *proc, args []string) int {
	nums := make([]int, 0, 2)
	for _, a := range args {
		n, err := strconv.Atoi(a)
		if err != nil {
			p.errf("seq: invalid number '%s'\n", a)
			return 1
		}
		nums = append(nums, n)
	}
	first, last := 1, 0
	switch len(nums) {
	case 1:
		last = nums[0]
	case 2:
		first, last = nums[0], nums[1]
	default:
		p.errf("seq: usage: seq [FIRST] LAST\n")
		return 1
	}
	for i := first; i <= last && ctx.Err() == nil; i++ {
		fmt.Fprintln(p.stdout, i)
	}
	return 0
}

// filter runs wc, head, tail, grep and sort over their inputs.
func (s *shell) filter(p *proc, name string, args []string) int {
	flags, n, operands := map[string]bool{}, 10, []string(nil)
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-n" && (name == "head" || name == "tail") && i+1 < len(args):
			i++
			v, err := strconv.Atoi(args[i])
			if err != nil {
				p.errf("%s: invalid number '%s'\n", name, args[i])
				return 1
			}
			n = v
		case len(a) > 1 && a[0] == '-' && a[1] >= '0' && a[1] <= '9':
			v, _ := strconv.Atoi(a[1:])
			n = v
		case len(a) > 1 && a[0] == '-':
			for _, f := range a[1:] {
				flags[string(f)] = true
			}
		default:
			operands = append(operands, a)
		}
	}
	var re *regexp.Regexp
	if name == "grep" {
		if len(operands) == 0 {
			p.errf("grep: usage: grep [-civnq] PATTERN [FILE]...\n")
			return 2
		}
		expr := operands[0]
		if flags["i"] {
			expr = "(?i)" + expr
		}
		var err error
		if re, err = regexp.Compile(expr); err != nil {
			p.errf("grep: bad regex '%s'\n", operands[0])
			return 2
		}
		operands = operands[1:]
	}
	var lines []string
	var bytes int
	code := s.eachInput(p, name, operands, func(r io.Reader) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			bytes += len(sc.Bytes()) + 1
		}
	})
	out := func(ls []string) {
		for _, l := range ls {
			fmt.Fprintln(p.stdout, l)
		}
	}
	switch name {
	case "wc":
		words := 0
		for _, l := range lines {
			words += len(strings.Fields(l))
		}
		counts := map[string]int{"l": len(lines), "w": words, "c": bytes}
		var cols []string
		for _, f := range []string{"l", "w", "c"} {
			if flags[f] || !flags["l"] && !flags["w"] && !flags["c"] {
				cols = append(cols, fmt.Sprintf("%7d", counts[f]))
			}
		}
		if len(cols) == 1 {
			cols[0] = strings.TrimSpace(cols[0])
		}
		fmt.Fprintln(p.stdout, strings.Join(cols, " "))
	case "head":
		out(lines[:min(max(n, 0), len(lines))])
	case "tail":
		out(lines[len(lines)-min(max(n, 0), len(lines)):])
	case "sort":
		sortLines(lines, flags["n"], flags["r"])
		if flags["u"] {
			lines = slices.Compact(lines)
		}
		out(lines)
	case "grep":
		matched := 0
		for i, l := range lines {
			if re.MatchString(l) == flags["v"] {
				continue
			}
			matched++
			switch {
			case flags["q"] || flags["c"]:
			case flags["n"]:
				fmt.Fprintf(p.stdout, "%d:%s\n", i+1, l)
			default:
				fmt.Fprintln(p.stdout, l)
			}
		}
		if flags["c"] {
			fmt.Fprintln(p.stdout, matched)
		}
		if code == 0 && matched == 0 {
			code = 1
		}
	}
	return code
}

func sortLines(lines []string, numeric, reverse bool) {
	slices.SortStableFunc(lines, func(a, b string) int {
		c := strings.Compare(a, b)
		if numeric {
			x, _ := strconv.ParseFloat(strings.TrimSpace(a), 64)
			y, _ := strconv.ParseFloat(strings.TrimSpace(b), 64)
			switch {
			case x < y:
				c = -1
			case x > y:
				c = 1
			default:
				c = 0
			}
		}
		if reverse {
			return -c
		}
		return c
	})
}

// tee copies stdin to stdout and to each file (appending with -a).
func (s *shell) tee(p *proc, args []string) int {
	appendTo := len(args) > 0 && args[0] == "-a"
	if appendTo {
		args = args[1:]
	}
	data, _ := io.ReadAll(p.input())
	_, _ = p.stdout.Write(data)
	code := 0
	for _, f := range args {
		abs := p.abs(f)
		if isLogPath(abs) {
			s.logs.Append(s.ref, string(data))
			continue
		}
		if err := s.fs.write(abs, string(data), appendTo); err != nil {
			p.errf("tee: %v\n", err)
			code = 1
		}
	}
	return code
}

// files runs mkdir, touch and rm on the fake filesystem.
func (s *shell) files(p *proc, name string, args []string) int {
	force, code := false, 0
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			force = force || strings.ContainsAny(a, "fp")
			continue
		}
		abs := p.abs(a)
		var err error
		switch name {
		case "mkdir":
			if !force && !s.fs.isDir(path.Dir(abs)) {
				err = fmt.Errorf("can't create directory '%s': No such file or directory", a)
			} else {
				s.fs.mkdir(abs)
			}
		case "touch":
			if _, ok := s.fs.read(abs); !ok && !s.fs.isDir(abs) {
				err = s.fs.write(abs, "", false)
			}
		case "rm":
			if err = s.fs.remove(abs); err != nil && force {
				err = nil
			} else if err != nil {
				err = fmt.Errorf("can't remove '%s': No such file or directory", a)
			}
		}
		if err != nil {
			p.errf("%s: %v\n", name, err)
			code = 1
		}
	}
	return code
}

// lookup answers `type`, `command -v`, `command -V` and `which` about the
// container's commands.
func (s *shell) lookup(p *proc, name string, args []string) int {
	short := name == "which"
	var names []string
	for _, a := range args {
		switch a {
		case "-v", "-p", "-P":
			short = true
		case "-V", "-t", "-a":
		default:
			names = append(names, a)
		}
	}
	code := 0
	for _, n := range names {
		switch {
		case syntax.IsKeyword(n) && !short:
			fmt.Fprintf(p.stdout, "%s is a shell keyword\n", n)
		case interp.IsBuiltin(n) && name != "which":
			if short {
				fmt.Fprintln(p.stdout, n)
			} else {
				fmt.Fprintf(p.stdout, "%s is a shell builtin\n", n)
			}
		case isProgram(n):
			if short {
				fmt.Fprintln(p.stdout, "/bin/"+n)
			} else {
				fmt.Fprintf(p.stdout, "%s is /bin/%s\n", n, n)
			}
		default:
			if !short {
				p.errf("sh: type: %s: not found\n", n)
			}
			code = 1
		}
	}
	return code
}
