package stream

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/transport"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// logFrame frames raw log bytes as the API server does: base64 text
// (base64.binary.k8s.io) or raw binary (binary.k8s.io).
func logFrame(p []byte, binary bool) transport.Frame {
	if binary {
		return transport.Frame{Binary: true, Size: len(p), Data: append([]byte(nil), p...)}
	}
	s := base64.StdEncoding.EncodeToString(p)
	return transport.Frame{Size: len(s), Data: []byte(s)}
}

func TestLogURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		base string
		o    LogOptions
		want string
	}{
		{name: "defaults", o: LogOptions{Pod: Pod{Namespace: "default", Name: "web-1", Container: "app"}},
			want: "/api/v1/namespaces/default/pods/web-1/log?container=app&follow=true&timestamps=true"},
		{name: "tail and previous", base: "/clusters/prod", o: LogOptions{Pod: Pod{Namespace: "ns", Name: "p", Container: "c"}, TailLines: ptr(100), Previous: true},
			want: "/clusters/prod/api/v1/namespaces/ns/pods/p/log?container=c&follow=true&previous=true&tailLines=100&timestamps=true"},
		{name: "sinceTime replaces tailLines", o: LogOptions{Pod: Pod{Namespace: "ns", Name: "p"}, TailLines: ptr(5), SinceTime: ts("2026-01-02T03:04:05.123456789Z")},
			want: "/api/v1/namespaces/ns/pods/p/log?follow=true&sinceTime=2026-01-02T03%3A04%3A05.123456789Z&timestamps=true"},
		{name: "negative tail is the whole log", o: LogOptions{Pod: Pod{Namespace: "ns", Name: "p"}, TailLines: ptr(-1)},
			want: "/api/v1/namespaces/ns/pods/p/log?follow=true&timestamps=true"},
		{name: "everything escaped", base: "/clusters/prod/", o: LogOptions{Pod: Pod{Namespace: "n/s", Name: "p?x", Container: "c&d=e f"}},
			want: "/clusters/prod/api/v1/namespaces/n%2Fs/pods/p%3Fx/log?container=c%26d%3De+f&follow=true&timestamps=true"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, LogURL(tc.base, tc.o))
		})
	}
}

func TestExecAndAttachURL(t *testing.T) {
	t.Parallel()
	p := ProcessOptions{Pod: Pod{Namespace: "ns", Name: "p", Container: "c"}, Command: []string{"sh", "-c", "echo a&b"}, Stdin: true, Stdout: true, TTY: true}
	assert.Equal(t, "/api/v1/namespaces/ns/pods/p/exec?command=sh&command=-c&command=echo+a%26b&container=c&stderr=false&stdin=true&stdout=true&tty=true", ExecURL("", p))
	assert.Equal(t, "/api/v1/namespaces/ns/pods/p/attach?container=c&stderr=false&stdin=true&stdout=true&tty=true", AttachURL("", p))
	p.Command = nil
	assert.Contains(t, ExecURL("", p), "?command=sh&")
}

func TestLineAssemblerSplitAtEveryPosition(t *testing.T) {
	t.Parallel()
	log := "2026-01-01T00:00:00.5Z héllo ✓\n2026-01-01T00:00:01Z 𝄞 crlf\r\n2026-01-01T00:00:01Z \nno timestamp\n"
	want := []Line{
		{Time: ts("2026-01-01T00:00:00.5Z"), Text: "héllo ✓"},
		{Time: ts("2026-01-01T00:00:01Z"), Text: "𝄞 crlf"},
		{Time: ts("2026-01-01T00:00:01Z"), Text: ""},
		{Text: "no timestamp"},
	}
	for _, binary := range []bool{true, false} {
		name := map[bool]string{true: "binary", false: "base64"}[binary]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw := []byte(log)
			for i := 0; i <= len(raw); i++ {
				a := LineAssembler{Timestamps: true}
				var got []Line
				for _, part := range [][]byte{raw[:i], raw[i:]} {
					lines, err := a.Feed(logFrame(part, binary))
					require.NoError(t, err)
					got = append(got, lines...)
				}
				require.Equal(t, want, got, "split at %d", i)
				assert.Zero(t, a.Partial())
			}
		})
	}
}

func TestLineAssemblerPartialAndReset(t *testing.T) {
	t.Parallel()
	a := LineAssembler{}
	assert.Equal(t, []Line{{Text: "one"}}, a.Write([]byte("one\ntw")))
	assert.Equal(t, 2, a.Partial())
	a.Reset()
	assert.Equal(t, []Line{{Text: "two"}, {Text: "bad \uFFFD"}}, a.Write([]byte("two\nbad \xff\n")))
	_, err := a.Feed(transport.Frame{Data: []byte("!!not base64")})
	assert.ErrorContains(t, err, "base64")
	_, err = a.Feed(transport.Frame{Value: "opaque"})
	assert.ErrorIs(t, err, ErrPayloadNotInGo)
}

func TestResumeDropsOverlap(t *testing.T) {
	t.Parallel()
	t1, t2, t3 := ts("2026-01-01T00:00:01Z"), ts("2026-01-01T00:00:02Z"), ts("2026-01-01T00:00:03Z")
	cases := []struct {
		name      string
		delivered []Line // before the drop
		resent    []Line // after the resume, overlap included
		want      []Line // admitted after the resume
	}{
		{name: "before last dropped",
			delivered: []Line{{t1, "a"}, {t2, "b"}},
			resent:    []Line{{t1, "a"}, {t2, "b"}, {t3, "c"}},
			want:      []Line{{t3, "c"}}},
		{name: "several lines share the last timestamp",
			delivered: []Line{{t1, "a"}, {t2, "b1"}, {t2, "b2"}},
			resent:    []Line{{t2, "b1"}, {t2, "b2"}, {t2, "b3"}, {t2, "b4"}, {t3, "c"}},
			want:      []Line{{t2, "b3"}, {t2, "b4"}, {t3, "c"}}},
		{name: "nothing new yet",
			delivered: []Line{{t2, "b1"}, {t2, "b2"}},
			resent:    []Line{{t2, "b1"}, {t2, "b2"}},
			want:      nil},
		{name: "nothing delivered before",
			delivered: nil,
			resent:    []Line{{t1, "a"}},
			want:      []Line{{t1, "a"}}},
		{name: "untimestamped lines pass",
			delivered: []Line{{t1, "a"}},
			resent:    []Line{{Text: "x"}, {t1, "a"}, {t2, "b"}},
			want:      []Line{{Text: "x"}, {t2, "b"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var r Resume
			r.Restart()
			for _, l := range tc.delivered {
				require.True(t, r.Admit(l))
			}
			r.Restart()
			var got []Line
			for _, l := range tc.resent {
				if r.Admit(l) {
					got = append(got, l)
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestLogBufferBounded(t *testing.T) {
	t.Parallel()
	b := NewLogBuffer(3)
	mk := func(texts ...string) []Line {
		ls := make([]Line, len(texts))
		for i, s := range texts {
			ls[i] = Line{Text: s}
		}
		return ls
	}
	assert.Equal(t, mk("a", "b"), b.Append(mk("a", "b")))
	assert.Equal(t, mk("c", "d"), b.Append(mk("c", "d")))
	assert.Equal(t, mk("b", "c", "d"), b.Lines())
	assert.Equal(t, 1, b.Dropped())
	assert.Equal(t, mk("f", "g", "h"), b.Append(mk("e", "f", "g", "h")), "only the kept suffix is returned")
	assert.Equal(t, mk("f", "g", "h"), b.Lines())
	assert.Equal(t, 5, b.Dropped())
	for i := range 100 {
		b.Append(mk(string(rune('a' + i%26))))
		assert.Equal(t, 3, b.Len())
		assert.LessOrEqual(t, cap(b.buf), 16, "memory stays bounded")
	}
	assert.Equal(t, 105, b.Dropped())
}

// A counter returns and counts what a buffer of the same bound does, and
// keeps nothing.
func TestLogCounterCountsAsTheBufferDoes(t *testing.T) {
	t.Parallel()
	batches := [][]Line{{{Text: "a"}, {Text: "b"}}, {{Text: "c"}, {Text: "d"}}, {{Text: "e"}, {Text: "f"}, {Text: "g"}, {Text: "h"}}, {}, {{Text: "i"}}}
	for _, limit := range []int{1, 3, 4, 20} {
		b, c := NewLogBuffer(limit), NewLogCounter(limit)
		for i, batch := range batches {
			assert.Equal(t, b.Append(batch), c.Append(batch), "limit %d, batch %d", limit, i)
			assert.Equal(t, b.Dropped(), c.Dropped(), "limit %d, batch %d", limit, i)
			assert.Empty(t, c.Lines())
			assert.Zero(t, c.Len())
		}
	}
}
