package podio

import (
	"context"
	"strings"
	"testing"

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
		{"exit x", "", "sh: exit: Illegal number: x\n", 2},
		{"echo hi > /tmp/x; echo there >> /tmp/x; cat /tmp/x", "hi\nthere\n", "", 0},
		{"echo gone > /dev/null", "", "", 0},
		{"stty size", "", "stty: standard input: Not a tty\n", 1},
		{"echo 'unterminated", "", "sh: syntax error\n", 2},
		{"echo a | wc", "", "sh: syntax error\n", 2},
		{"echo a &&", "", "sh: syntax error\n", 2},
		{"export A=1; echo $A", "1\n", "", 0},
		{"sh -c 'exit 7'", "", "", 7},
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

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{"echo a b", `echo "x $A" 'y' z\ w`, "a; b && c || d", "echo > /log", "${X}$?$", "#c", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmds, err := parseLine(line, func(string) string { return "v" })
		if err != nil {
			return
		}
		for _, c := range cmds {
			require.NotEmpty(t, c.args)
		}
	})
}
