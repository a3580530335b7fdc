package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/bench/pod.json")

type genOut struct {
	meta                Meta
	list, events, final bytes.Buffer
}

func generate(t *testing.T, n, events int) *genOut {
	t.Helper()
	var g genOut
	m, err := Generate(8, n, events, "bench", &g.list, &g.events, &g.final)
	require.NoError(t, err)
	g.meta = m
	return &g
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	a, b := generate(t, 300, 1000), generate(t, 300, 1000)
	assert.Equal(t, a.list.Bytes(), b.list.Bytes())
	assert.Equal(t, a.events.Bytes(), b.events.Bytes())
	assert.Equal(t, a.meta, b.meta)
}

// TestReplayReachesFinal applies the events to the LIST the way a client
// does and checks that the result is final.json and meta's summary.
func TestReplayReachesFinal(t *testing.T) {
	t.Parallel()
	g := generate(t, 500, 2000)
	var list struct {
		Metadata struct{ ResourceVersion string }
		Items    []struct {
			Metadata struct{ UID, ResourceVersion string }
		}
	}
	require.NoError(t, json.Unmarshal(g.list.Bytes(), &list))
	require.Len(t, list.Items, 500)
	assert.Equal(t, g.meta.ListRV, list.Metadata.ResourceVersion)
	state := map[string]string{}
	for _, it := range list.Items {
		state[it.Metadata.UID] = it.Metadata.ResourceVersion
	}
	sc := bufio.NewScanner(&g.events)
	sc.Buffer(nil, 1<<20)
	var ev struct {
		Type   string
		Object struct {
			Metadata struct{ UID, Name, ResourceVersion string }
		}
	}
	count := map[string]int{}
	prev := g.meta.ListRV
	for sc.Scan() {
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev))
		md := ev.Object.Metadata
		require.Greater(t, atoi(t, md.ResourceVersion), atoi(t, prev), "resourceVersions increase")
		prev = md.ResourceVersion
		count[ev.Type]++
		switch ev.Type {
		case "ADDED":
			require.NotContains(t, state, md.UID)
			state[md.UID] = md.ResourceVersion
		case "MODIFIED":
			require.Contains(t, state, md.UID)
			state[md.UID] = md.ResourceVersion
		case "DELETED":
			require.Contains(t, state, md.UID)
			delete(state, md.UID)
		}
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, 2000, count["ADDED"]+count["MODIFIED"]+count["DELETED"])
	assert.InDelta(t, 0.90, float64(count["MODIFIED"])/2000, 0.03)
	assert.InDelta(t, 0.05, float64(count["ADDED"])/2000, 0.02)
	assert.Equal(t, "MODIFIED", ev.Type, "the stream ends in a MODIFIED")
	assert.Equal(t, g.meta.LastUID, ev.Object.Metadata.UID)
	assert.Equal(t, g.meta.FinalRV, prev)
	assert.Equal(t, g.meta.FinalCount, len(state))

	var final map[string]string
	require.NoError(t, json.Unmarshal(g.final.Bytes(), &final))
	assert.Equal(t, state, final)
}

// TestPodLooksReal pins the first pod of the default seed to the committed
// fixture (go test ./bench/gen -update rewrites it) and checks its size.
func TestPodLooksReal(t *testing.T) {
	t.Parallel()
	g := generate(t, 1000, 0)
	assert.InDelta(t, 3000, g.meta.ListBytes/1000, 500, "about 3 KB a pod")
	var list struct{ Items []json.RawMessage }
	require.NoError(t, json.Unmarshal(g.list.Bytes(), &list))
	first := append(append([]byte{}, list.Items[0]...), '\n')
	const fixture = "../../testdata/bench/pod.json"
	if *update {
		require.NoError(t, os.MkdirAll("../../testdata/bench", 0o755))
		require.NoError(t, os.WriteFile(fixture, first, 0o644))
	}
	want, err := os.ReadFile(fixture)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(first))
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}
