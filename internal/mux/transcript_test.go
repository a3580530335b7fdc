package mux

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/muxwire"
)

// TestGoldenTranscripts replays frames recorded from Headlamp's backend
// (testdata/mux) into the client over the JSON protocol.
// A transcript is a list of steps: "sub N cluster path query", "> frame"
// (the client must send it next), "< frame" (the server sends it, with
// gorilla's trailing newline), "unsub N", "advance 100ms", and "! N event"
// lines that list what subscription N's listener must see, in order.
func TestGoldenTranscripts(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../testdata/mux/headlamp_*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			replay(t, file)
		})
	}
}

func replay(t *testing.T, file string) {
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	h := newHarness(t, func(o *Options) { o.JSONOnly = true })
	recs := map[int]*recorder{}
	ids := map[int]ID{}
	want := map[int][]string{}
	var conn *conntest.Conn
	nSent := 0
	check := func() {
		for i, w := range want {
			require.Eventually(t, func() bool { return len(recs[i].server()) >= len(w) }, waitFor, time.Millisecond,
				"subscription %d: want %q, have %q", i, w, recs[i].server())
			require.Equal(t, w, recs[i].server(), "subscription %d", i)
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, rest, _ := strings.Cut(line, " ")
		switch op {
		case "sub":
			p := strings.SplitN(rest, " ", 4)
			n, _ := strconv.Atoi(p[0])
			recs[n] = &recorder{}
			ids[n] = h.subscribe(p[1], p[2], p[3], recs[n])
		case ">":
			if conn == nil {
				conn = h.accept(muxwire.HeadlampProtocol)
			}
			nSent++
			got := sent(t, conn, nSent)
			raw := conn.Sent()[nSent-1].Data
			require.JSONEq(t, rest, string(raw), "frame %d sent (decoded %s)", nSent, kinds(got[nSent-1:nSent]))
		case "<":
			conn.PushText(rest + "\n")
		case "unsub":
			check()
			n, _ := strconv.Atoi(rest)
			h.c.Unsubscribe(ids[n])
		case "advance":
			d, err := time.ParseDuration(rest)
			require.NoError(t, err)
			h.advanceTo(d)
		case "!":
			n, ev, _ := strings.Cut(rest, " ")
			i, _ := strconv.Atoi(n)
			if strings.HasPrefix(ev, "data ") {
				var s string
				require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(ev, "data ")), &s))
				ev = "data " + s
			}
			want[i] = append(want[i], ev)
		default:
			t.Fatalf("%s: unknown step %q", file, line)
		}
	}
	require.NoError(t, sc.Err())
	check()
	for i, r := range recs {
		require.Empty(t, r.with("fail "), "subscription %d", i)
	}
}
