package podio

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runShell(t *testing.T, logs *LogBook, tty bool, term *terminal, stdin string, argv ...string) (stdout, stderr string, code int) {
	t.Helper()
	sh := newShell(webApp, logs, newFakeClock(), []string{"APP_MODE=demo"}, tty, term)
	var out, errOut strings.Builder
	sh.stdin, sh.stdout, sh.stderr = strings.NewReader(stdin), &out, &errOut
	if tty {
		sh.stdout = &onlcr{w: &out}
		sh.stderr = sh.stdout
	}
	code = sh.run(context.Background(), argv)
	return out.String(), errOut.String(), code
}

func TestShellCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line   string
		stdout string
		stderr string
		code   int
	}{
		{"echo hello", "hello\n", "", 0},
		{"echo -n a b", "a b", "", 0},
		{`echo "a  b" 'c  $HOME' d\ e`, "a  b c  $HOME d e\n", "", 0},
		{"echo $HOSTNAME ${APP_MODE} $ $NOPE.", "web-1 demo $ .\n", "", 0},
		{"false; echo $?", "1\n", "", 0},
		{"false && echo no || echo yes", "yes\n", "", 0},
		{"true && echo yes # a comment", "yes\n", "", 0},
		{"cat /etc/hostname /etc/os-release", "web-1\nNAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n", "", 0},
		{"cat /nope", "", "cat: can't open '/nope': No such file or directory\n", 1},
		{"ls /etc", "hostname\nhosts\nos-release\npasswd\nresolv.conf\n", "", 0},
		{"ls /", "app\nbin\ndev\netc\nhome\nlib\nproc\nroot\nsbin\nsys\ntmp\nusr\nvar\n", "", 0},
		{"ls /nope", "", "ls: /nope: No such file or directory\n", 1},
		{"pwd; cd etc; pwd; cat hostname", "/\n/etc\nweb-1\n", "", 0},
		{"whoami; hostname", "root\nweb-1\n", "", 0},
		{"nosuch arg", "", "sh: nosuch: not found\n", 127},
		{"exit 3", "", "", 3},
		{"exit 300", "", "", 44},
		{"exit x", "", "invalid exit status code: \"x\"\n", 2},
		{"echo hi > /tmp/x; echo there >> /tmp/x; cat /tmp/x", "hi\nthere\n", "", 0},
		{"echo gone > /dev/null", "", "", 0},
		{"stty size", "", "stty: standard input: Not a tty\n", 1},
		{"echo 'unterminated", "", "sh: syntax error: 1:6: reached EOF without closing quote `'`\n", 2},
		{"echo a &&", "", "sh: syntax error: 1:8: `&&` must be followed by a statement\n", 2},
		{"cat <(echo no)", "", "sh: syntax error: 1:5: process substitution is not supported\n", 2},
		{"echo probe-$((6*7))", "probe-42\n", "", 0},
		{"echo a b | wc -w", "2\n", "", 0},
		{"printf 'b\\na\\nb\\n' | sort -u | head -n 1", "a\n", "", 0},
		{"for i in 1 2 3; do echo $i; done | tail -n 1", "3\n", "", 0},
		{"if grep -q alpine /etc/os-release; then echo yes; else echo no; fi", "yes\n", "", 0},
		{"n=0; while [ $n -lt 3 ]; do n=$((n+1)); done; echo $n", "3\n", "", 0},
		{"f() { return 4; }; f; echo $?", "4\n", "", 0},
		{"x=$(hostname); echo ${x%-1}", "web\n", "", 0},
		{"cat < /etc/hostname", "web-1\n", "", 0},
		{"cd /etc && echo host*", "hostname hosts\n", "", 0},
		{"test -f /etc/passwd && test -d /tmp && ! test -e /nope && echo ok", "ok\n", "", 0},
		{"echo $$ $UID ~root ~nobody ~ghost", "1 0 /root / ~ghost\n", "", 0},
		{"type echo ls nosuch", "echo is a shell builtin\nls is /bin/ls\n", "sh: type: nosuch: not found\n", 1},
		{"command -v cat", "/bin/cat\n", "", 0},
		{"echo 'echo sourced $1' > /tmp/s.sh; . /tmp/s.sh; sh /tmp/s.sh arg", "sourced\nsourced arg\n", "", 0},
		{"echo x > /nope/y", "", "can't create /nope/y: No such file or directory\n", 1},
		{"mkdir -p /tmp/d; touch /tmp/d/f; ls /tmp/d; rm /tmp/d/f; ls /tmp/d", "f\n", "", 0},
		{"export A=1; echo $A", "1\n", "", 0},
		{"sh -c 'exit 7'", "", "", 7},
		{"sh -c 'echo $0 $1' zero one", "zero one\n", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runShell(t, NewLogBook(newFakeClock(), 0), false, nil, "", "sh", "-c", tc.line)
			assert.Equal(t, tc.stdout, stdout)
			assert.Equal(t, tc.stderr, stderr)
			assert.Equal(t, tc.code, code)
		})
	}
}

func TestShellEnv(t *testing.T) {
	t.Parallel()
	stdout, _, code := runShell(t, NewLogBook(newFakeClock(), 0), false, nil, "", "env")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n")
	assert.Contains(t, stdout, "HOSTNAME=web-1\n")
	assert.Contains(t, stdout, "APP_MODE=demo\n")
	assert.NotContains(t, stdout, "TERM=", "no TERM without a tty")
}

func TestShellWritesLogs(t *testing.T) {
	t.Parallel()
	logs := NewLogBook(newFakeClock(), 0)
	_, _, code := runShell(t, logs, false, nil, "", "sh", "-c", "log hello  world; echo to stdout >> /proc/1/fd/1; echo two > /log")
	require.Equal(t, 0, code)
	var texts []string
	for _, l := range logs.Lines(webApp) {
		texts = append(texts, l.Text)
	}
	assert.Equal(t, []string{"hello world", "to stdout", "two"}, texts)
}

func TestShellInteractive(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := runShell(t, NewLogBook(newFakeClock(), 0), false, nil, "echo one\r\nnosuch\necho two\n", "sh")
	assert.Equal(t, "one\ntwo\n", stdout, "no prompt and no echo without a tty")
	assert.Equal(t, "sh: nosuch: not found\n", stderr)
	assert.Equal(t, 0, code, "EOF exits with the last status")
}

func TestShellTTY(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		want  string
		code  int
	}{
		{"prompt echo and resize", "echo hi\rstty size\rexit 5\r", "$ echo hi\r\nhi\r\n$ stty size\r\n30 100\r\n$ exit 5\r\n", 5},
		{"backspace erases a character", "echx\x7fo ok\r", "$ echx\b \bo ok\r\nok\r\n$ ", 0},
		{"backspace erases a whole multi-byte character", "echo é\x7fe\r", "$ echo é\b \be\r\ne\r\n$ ", 0},
		{"ctrl-c discards the line", "echo no\x03echo yes\r", "$ echo no^C\r\n$ echo yes\r\nyes\r\n$ ", 0},
		{"ctrl-d exits on an empty line", "\x04", "$ exit\r\n", 0},
		{"arrow keys are ignored", "\x1b[Aecho up\r", "$ echo up\r\nup\r\n$ ", 0},
		{"lf also ends a line", "echo lf\n", "$ echo lf\r\nlf\r\n$ ", 0},
		{"errors go to the terminal", "nosuch\r", "$ nosuch\r\nsh: nosuch: not found\r\n$ ", 127},
		{"a command over several lines", "if true\rthen echo ml\rfi\r", "$ if true\r\n> then echo ml\r\n> fi\r\nml\r\n$ ", 0},
		{"ctrl-c abandons an unfinished command", "if true\r\x03echo $?\r", "$ if true\r\n> ^C\r\n$ echo $?\r\n130\r\n$ ", 0},
		{"a syntax error does not end the shell", "fi\recho on\r", "$ fi\r\nsh: syntax error: 1:1: `fi` can only be used to end an `if`\r\n$ echo on\r\non\r\n$ ", 0},
		{"a nested shell shares the terminal", "sh\recho $0\rexit 2\recho $?\r", "$ sh\r\n$ echo $0\r\nsh\r\n$ exit 2\r\n$ echo $?\r\n2\r\n$ ", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			term := newTerminal()
			term.resize(termSize{Width: 100, Height: 30})
			stdout, stderr, code := runShell(t, NewLogBook(newFakeClock(), 0), true, term, tc.input, "sh")
			assert.Equal(t, tc.want, stdout)
			assert.Empty(t, stderr)
			assert.Equal(t, tc.code, code)
		})
	}
}

func FuzzShell(f *testing.F) {
	for _, s := range []string{"echo a b", `echo "x $A" 'y' z\ w`, "a; b && c || d", "echo > /log", "${X}$?$", "#c", "'", "for i in 1 2; do echo $i; done | wc -l", "cat < /etc/hostname"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		sh := newShell(webApp, NewLogBook(newFakeClock(), 0), newFakeClock(), nil, false, nil)
		sh.stdout, sh.stderr = io.Discard, io.Discard
		code := sh.run(ctx, []string{"sh", "-c", line})
		require.GreaterOrEqual(t, code, 0)
		require.LessOrEqual(t, code, 255)
	})
}

// TestShellNeverReachesTheHost runs what would read, write, list or execute
// host files in a real shell and checks that only the container's fake
// filesystem and programs answered.
func TestShellNeverReachesTheHost(t *testing.T) {
	t.Parallel()
	probe := filepath.Join(os.TempDir(), fmt.Sprintf("kubelive-probe-%d", time.Now().UnixNano()))
	t.Cleanup(func() { _ = os.Remove(probe) })
	hostExe, err := os.Executable()
	require.NoError(t, err)
	tests := []struct {
		name, line, stdin, stdout string
		code                      int
	}{
		{"cat /etc/passwd", "cat /etc/passwd", "", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n", 0},
		{"write a host path", "echo secret > " + probe + "; cat " + probe, "", "secret\n", 0},
		{"exec /bin/sh", "exec /bin/sh", "echo inner $$ $PPID $UID; cat /etc/hostname\n", "inner 1 0 0\nweb-1\n", 0},
		{"exec a host binary", "exec " + hostExe, "", "", 127},
		{"list /", "ls /", "", "app\nbin\ndev\netc\nhome\nlib\nproc\nroot\nsbin\nsys\ntmp\nusr\nvar\n", 0},
		{"glob the host's /proc", "cd /proc && echo *", "", "*\n", 0},
		{"test a host file", "test -e " + hostExe + " || echo absent", "", "absent\n", 0},
		{"look up in the host's PATH", "command -v ls; type -p sh; which cat", "", "/bin/ls\n/bin/sh\n/bin/cat\n", 0},
		{"pwd -P in a directory the host lacks", "cd /app && pwd -P", "", "/app\n", 0},
		{"host ids", "echo $$ $PPID $UID $EUID ~root ~nobody", "", "1 0 0 0 /root /\n", 0},
		{"process substitution", "cat <(id)", "", "", 2},
		{"eval of process substitution", "eval 'cat <(id)'", "", "", 1},
		{"test -O", "test -O /etc/passwd", "", "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, _, code := runShell(t, NewLogBook(newFakeClock(), 0), false, nil, tc.stdin, "sh", "-c", tc.line)
			assert.Equal(t, tc.stdout, stdout)
			assert.Equal(t, tc.code, code)
		})
	}
	_, err = os.Stat(probe)
	assert.ErrorIs(t, err, fs.ErrNotExist, "the redirection wrote to the host")
}

// TestShellStopsWhenTheSessionEnds ends the context of scripts that would
// run forever, once they are seen running: they return.
func TestShellStopsWhenTheSessionEnds(t *testing.T) {
	t.Parallel()
	for _, line := range []string{"while true; do echo y; done", "echo y; sleep 3600", "echo y; while true; do echo y; done | cat"} {
		t.Run(line, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			clk := newFakeClock()
			sh := newShell(webApp, NewLogBook(clk, 0), clk, nil, false, nil)
			running := make(chan struct{})
			var once sync.Once
			sh.stdout = writerFunc(func(p []byte) (int, error) { once.Do(func() { close(running) }); return len(p), nil })
			sh.stderr = io.Discard
			done := make(chan int, 1)
			go func() { done <- sh.run(ctx, []string{"sh", "-c", line}) }()
			select {
			case <-running:
			case <-time.After(10 * time.Second):
				t.Fatal("the script wrote nothing in 10 s")
			}
			if strings.Contains(line, "sleep") {
				_, armed := clk.WaitArmed(testCtx(t))
				require.True(t, armed, "sleep waits on the shell's clock")
			}
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("still running 10 s after the session ended")
			}
		})
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestShellPipedIntoSh runs an interactive `sh` whose stdin is a pipe: it
// reads what the left side writes, as a script without prompts or echo, and
// never the session's stdin or terminal, even in a pipeline of shells (where
// each one reading another's pipe would wait forever).
func TestShellPipedIntoSh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		tty         bool
		stdin, want string
		argv        []string
	}{
		{"a script", false, "", "piped 3\n", []string{"sh", "-c", "echo 'echo piped $((1+2))' | sh"}},
		{"a pipeline of shells", false, "", "inner\n", []string{"sh", "-c", "echo 'echo echo inner' | sh | sh"}},
		{"the fuzzer's hang", false, "", "", []string{"sh", "-c", "00|$0|$0"}},
		{"the session's stdin stays the outer shell's", false, "echo 'echo a' | sh\necho b\n", "a\nb\n", []string{"sh"}},
		{"on a terminal", true, "echo 'echo hi' | sh\r", "$ echo 'echo hi' | sh\r\nhi\r\n$ ", []string{"sh"}},
		{"a nested shell on a terminal keeps its lines", true, "echo hi\r", "$ echo hi\r\nhi\r\n$ ", []string{"sh", "-c", "sh"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var term *terminal
			if tc.tty {
				term = newTerminal()
				term.resize(termSize{Width: 100, Height: 30})
			}
			type result struct{ stdout string }
			done := make(chan result, 1)
			go func() {
				stdout, _, _ := runShell(t, NewLogBook(newFakeClock(), 0), tc.tty, term, tc.stdin, tc.argv...)
				done <- result{stdout}
			}()
			select {
			case r := <-done:
				assert.Equal(t, tc.want, r.stdout)
			case <-time.After(10 * time.Second):
				t.Fatal("the shell did not return within 10 s")
			}
		})
	}
}
