package podio

import (
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// builtin runs one command and returns its exit code. oneShot is true when
// the command is the whole exec (so `cat` with no file copies stdin).
func (s *shell) builtin(args []string, out io.Writer, oneShot bool) int {
	name := path.Base(args[0])
	switch name {
	case "echo":
		return s.echo(args[1:], out)
	case "log":
		s.logs.Append(s.ref, strings.Join(args[1:], " "))
		return 0
	case "ls":
		return s.ls(args[1:], out)
	case "env", "printenv":
		for _, kv := range s.env {
			fmt.Fprintln(out, kv)
		}
		return 0
	case "export":
		for _, a := range args[1:] {
			if k, v, ok := strings.Cut(a, "="); ok {
				s.setenv(k, v)
			}
		}
		return 0
	case "cat":
		return s.cat(args[1:], out, oneShot)
	case "pwd":
		fmt.Fprintln(out, s.cwd)
		return 0
	case "cd":
		return s.cd(args[1:])
	case "whoami":
		fmt.Fprintln(out, "root")
		return 0
	case "hostname":
		fmt.Fprintln(out, s.ref.Pod)
		return 0
	case "date":
		fmt.Fprintln(out, s.clock.Now().UTC().Format(time.UnixDate))
		return 0
	case "stty":
		return s.stty(args[1:], out)
	case "true", ":":
		return 0
	case "false":
		return 1
	case "exit":
		return s.exit(args[1:])
	case "sh", "bash", "ash", "dash":
		if len(args) >= 3 && args[1] == "-c" {
			s.execLine(args[2])
			return s.status
		}
		return 0
	}
	fmt.Fprintf(s.stderr, "sh: %s: not found\n", args[0])
	return 127
}

func (s *shell) echo(args []string, out io.Writer) int {
	newline := true
	if len(args) > 0 && args[0] == "-n" {
		newline, args = false, args[1:]
	}
	text := strings.Join(args, " ")
	if newline {
		text += "\n"
	}
	_, _ = io.WriteString(out, text)
	return 0
}

func (s *shell) ls(args []string, out io.Writer) int {
	long := false
	var targets []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			long = long || strings.Contains(a, "l")
			continue
		}
		targets = append(targets, a)
	}
	if len(targets) == 0 {
		targets = []string{s.cwd}
	}
	code := 0
	for _, t := range targets {
		p := s.abs(t)
		if content, ok := s.files[p]; ok {
			s.lsEntry(out, long, t, len(content))
			continue
		}
		names, isDir := s.dirEntries(p)
		if !isDir {
			fmt.Fprintf(s.stderr, "ls: %s: No such file or directory\n", t)
			code = 1
			continue
		}
		slices.Sort(names)
		for _, n := range names {
			size := -1
			if c, ok := s.files[path.Join(p, n)]; ok {
				size = len(c)
			}
			s.lsEntry(out, long, n, size)
		}
	}
	return code
}

// lsEntry prints one name; size < 0 marks a directory.
func (s *shell) lsEntry(out io.Writer, long bool, name string, size int) {
	if !long {
		fmt.Fprintln(out, name)
		return
	}
	mode, n := "-rw-r--r--", size
	if size < 0 {
		mode, n = "drwxr-xr-x", 4096
	}
	fmt.Fprintf(out, "%s    1 root     root     %8d Nov 21 23:43 %s\n", mode, n, name)
}

func (s *shell) cat(args []string, out io.Writer, oneShot bool) int {
	if len(args) == 0 {
		if oneShot && s.stdin != nil {
			_, _ = io.Copy(out, s.stdin)
		}
		return 0
	}
	code := 0
	for _, a := range args {
		p := s.abs(a)
		content, ok := s.files[p]
		switch {
		case ok:
			_, _ = io.WriteString(out, content)
		case isLogPath(p):
		default:
			if _, isDir := s.dirEntries(p); isDir {
				fmt.Fprintf(s.stderr, "cat: read error: Is a directory\n")
			} else {
				fmt.Fprintf(s.stderr, "cat: can't open '%s': No such file or directory\n", a)
			}
			code = 1
		}
	}
	return code
}

func (s *shell) cd(args []string) int {
	target := "/root"
	if len(args) > 0 {
		target = args[0]
	}
	p := s.abs(target)
	if _, isDir := s.dirEntries(p); !isDir {
		fmt.Fprintf(s.stderr, "sh: cd: can't cd to %s: No such file or directory\n", target)
		return 2
	}
	s.cwd = p
	s.setenv("PWD", p)
	return 0
}

func (s *shell) stty(args []string, out io.Writer) int {
	if !s.tty || s.term == nil {
		fmt.Fprintln(s.stderr, "stty: standard input: Not a tty")
		return 1
	}
	if len(args) == 1 && args[0] == "size" {
		sz := s.term.get()
		fmt.Fprintf(out, "%d %d\n", sz.Height, sz.Width)
		return 0
	}
	sz := s.term.get()
	fmt.Fprintf(out, "speed 38400 baud; rows %d; columns %d; line = 0;\n", sz.Height, sz.Width)
	return 0
}

func (s *shell) exit(args []string) int {
	s.exited = true
	if len(args) == 0 {
		return s.status
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 0 {
		fmt.Fprintf(s.stderr, "sh: exit: Illegal number: %s\n", args[0])
		return 2
	}
	return n & 0xff
}
