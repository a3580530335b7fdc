package cache

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	rt "github.com/kubelive/kubelive/internal/reflector/reflectortest"
	"github.com/kubelive/kubelive/internal/wire"
)

// randomPod is a pod's JSON with random values and, now and then, random
// whitespace, a member more or a long value: what the server sent, to be read
// back byte for byte.
func randomPod(r *rand.Rand, uid, rv string) []byte {
	var b strings.Builder
	sp := func() string {
		if r.IntN(4) == 0 {
			i := r.IntN(3)
			return strings.Repeat(" \n\t"[i:i+1], 1+r.IntN(3))
		}
		return ""
	}
	fmt.Fprintf(&b, `{%s"metadata":{"uid":"%s","resourceVersion":"%s","name":"p-%d"},"spec":{"nodeName":"node-%d"`, sp(), uid, rv, r.IntN(1000), r.IntN(50))
	if r.IntN(3) == 0 {
		fmt.Fprintf(&b, `,"extra":"%s"`, strings.Repeat(string(rune('a'+r.IntN(26))), r.IntN(5000)))
	}
	fmt.Fprintf(&b, `},"status":{"phase":"Running","podIP":"10.%d.%d.%d"}%s}%s`, r.IntN(256), r.IntN(256), r.IntN(256), sp(), sp())
	return []byte(b.String())
}

// garble writes over every buffer of frames (as a reused frame is) and
// returns none.
func garble(frames [][]byte) [][]byte {
	for _, f := range frames {
		for i := range f {
			f[i] = '#'
		}
	}
	return nil
}

// TestKeptObjectsReadBackByteForByte is the oracle of the packed store:
// after random upserts, relists (Replace), first pages (Partial) and a seed,
// every reader of the kept bytes (a snapshot's items, Len, export for
// persistence) sees exactly the bytes last sent for each object, even after
// the buffers they came in are written over.
func TestKeptObjectsReadBackByteForByte(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 9))
	h, q, l, s := liveStore(t)
	e := l.e

	want := map[string]string{} // uid -> the JSON last sent
	var frames [][]byte         // every buffer handed to the store, garbled later
	item := func(uid string, rv int) wire.Item {
		raw := randomPod(r, uid, fmt.Sprint(rv))
		frames = append(frames, raw)
		want[uid] = string(raw)
		return wire.Item{UID: uid, Namespace: "ns", Name: uid, ResourceVersion: fmt.Sprint(rv), Raw: raw, Owned: r.IntN(2) == 0}
	}
	check := func(step string) {
		t.Helper()
		frames = garble(frames)
		h.sched.run()
		snap := h.mustGet(q)
		require.Len(t, snap.Items, len(want), step)
		for _, it := range snap.Items {
			require.Equal(t, want[it.UID], string(it.JSON()), "%s: %s", step, it.UID)
			require.Equal(t, len(want[it.UID]), it.Len(), "%s: %s", step, it.UID)
			require.Equal(t, "prefix"+want[it.UID], string(it.AppendJSON([]byte("prefix"))), "%s: %s", step, it.UID)
		}
		items, _ := l.export()
		require.Len(t, items, len(want), step)
		for _, it := range items {
			require.Equal(t, want[it.UID], string(it.Raw), "%s: export of %s", step, it.UID)
		}
	}
	rv := 10
	for round := 0; round < 20; round++ {
		for k := 0; k < 30; k++ {
			rv++
			s.Upsert(item(fmt.Sprintf("u%d", r.IntN(60)), rv))
		}
		check(fmt.Sprintf("round %d upserts", round))
		if round%5 == 4 {
			// a relist: some objects kept as they are, some changed, some gone
			var list []wire.Item
			keep := map[string]string{}
			for uid, raw := range want {
				switch r.IntN(3) {
				case 0:
					rv++
					list = append(list, item(uid, rv))
					keep[uid] = want[uid]
				case 1:
					e.mu.Lock()
					cur := l.recs[uid].live
					e.mu.Unlock()
					list = append(list, wire.Item{UID: uid, Namespace: "ns", Name: uid, ResourceVersion: cur.ResourceVersion})
					keep[uid] = raw
				}
			}
			want = keep
			rv++
			s.Replace(list, fmt.Sprint(rv))
			check(fmt.Sprintf("round %d relist", round))
		}
	}

	// A seed and a first page of another list (Partial) read back the same.
	q2 := query(ListRef{"c2", ""})
	_, _, _ = h.subscribe(q2)
	e2 := h.entry(q2)
	l2 := e2.lists[0]
	seeded := map[string]string{}
	var items []wire.Item
	for i := 0; i < 40; i++ {
		it := item(fmt.Sprintf("s%d", i), 100+i)
		seeded[it.UID] = string(it.Raw)
		items = append(items, it)
	}
	e2.mu.Lock()
	l2.seed(items, "200", time.Unix(1, 0))
	e2.mu.Unlock()
	garble(frames)
	h.sched.run()
	snap := h.mustGet(q2)
	require.Len(t, snap.Items, len(seeded))
	for _, it := range snap.Items {
		assert.Equal(t, seeded[it.UID], string(it.JSON()), "seeded %s", it.UID)
	}
}

// TestPagedFirstListIsStagedNotShown: the pages of a first LIST after the
// first one are staged (packed, not copied whole by the Reflector) and not
// shown before the list completes; the Replace shows every object with its
// exact bytes; a later relist of unchanged objects keeps their identity.
func TestPagedFirstListIsStagedNotShown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.PageSize = 2 })
	q := query(ListRef{"c1", "ns"})
	_, _, _ = h.subscribe(q)
	lw := h.lw("c1", "ns")
	a, b, c, d, e := pod("ns", "a", "1"), pod("ns", "b", "2"), pod("ns", "c", "3"), pod("ns", "d", "4"), pod("ns", "e", "5")
	c.Data, d.Data = strings.Repeat("x", 3000), "y"
	lw.NextList(t).Reply(rt.PageBody("10", "t1", a, b))
	lw.NextList(t).Reply(rt.PageBody("10", "t2", c, d))
	ent := h.entry(q)
	require.Eventually(t, func() bool {
		ent.mu.Lock()
		defer ent.mu.Unlock()
		return len(ent.lists[0].staged) == 2
	}, 10*time.Second, time.Millisecond, "the second page staged")
	h.sched.run()
	assert.Equal(t, []string{"ns/a@c1", "ns/b@c1"}, names(h.mustGet(q).Items), "only the first page is shown while the list loads")
	lw.NextList(t).Reply(rt.ListBody("10", e))
	lw.NextWatch(t).Accept()
	h.settle(q, 0, "10")
	snap := h.mustGet(q)
	require.Equal(t, []string{"ns/a@c1", "ns/b@c1", "ns/c@c1", "ns/d@c1", "ns/e@c1"}, names(snap.Items))
	for i, o := range []rt.Obj{a, b, c, d, e} {
		assert.Equal(t, o.JSON(), string(snap.Items[i].JSON()), o.Name)
	}
	ent.mu.Lock()
	assert.Nil(t, ent.lists[0].staged, "the Replace took the staged objects")
	slots := []SlotID{snap.Items[2].Slot, snap.Items[3].Slot}
	ent.mu.Unlock()
	assert.NotEqual(t, slots[0], slots[1], "each staged object has its own slot")
	assert.NotZero(t, slots[0])
}
