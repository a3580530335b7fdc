package reflector_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/reflector"
	rt "github.com/kubelive/kubelive/internal/reflector/reflectortest"
	"github.com/kubelive/kubelive/internal/transport"
)

func TestListThenWatch(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.LabelSelector = "app=web" })
	assert.Equal(t, reflector.PhaseLoading, h.r.Status().Phase)
	lc := h.listed("r10", obj("a", "1"), obj("b", "2"))
	assert.Equal(t, reflector.ListOptions{LabelSelector: "app=web"}, lc.Opts, "the first LIST is a consistent read")
	_, opts := h.watching("r10")
	assert.True(t, opts.AllowWatchBookmarks)
	assert.Equal(t, "app=web", opts.LabelSelector)
	assert.Equal(t, int64(450), opts.TimeoutSeconds, "300 + 0.5*301")
	assert.False(t, opts.SendInitialEvents)
	st := h.status(reflector.PhaseLive)
	assert.Equal(t, "r10", st.ResourceVersion)
}

func TestTimeoutSpread(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rnd  float64
		want int64
	}{{"low", 0, 300}, {"high", 0.9999, 600}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, func(c *reflector.Config) { c.Rand = func() float64 { return tc.rnd } })
			h.listed("1")
			_, opts := h.watching("1")
			assert.Equal(t, tc.want, opts.TimeoutSeconds)
		})
	}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		frame []byte
		op    string // "" when the store must not be called
		rv    string // resume point afterwards
	}{
		{"added", rt.Event("ADDED", obj("c", "11")), "upsert", "11"},
		{"modified", rt.Event("MODIFIED", obj("a", "12")), "upsert", "12"},
		{"deleted", rt.Event("DELETED", obj("b", "13")), "delete", "13"},
		{"bookmark", rt.BookmarkEvent("14", false), "bookmark", "14"},
		{"opaque non-numeric rv", rt.Event("MODIFIED", obj("a", "etcd:Zz/9+==")), "upsert", "etcd:Zz/9+=="},
		{"unknown type skipped", []byte(`{"type":"SURPRISE","object":{}}`), "", "10"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, nil)
			h.listed("10", obj("a", "1"), obj("b", "2"))
			w, _ := h.watching("10")
			h.clk.Advance(3 * time.Second)
			w.Push(tc.frame)
			if tc.op != "" {
				c := h.store.Next(t)
				assert.Equal(t, tc.op, c.Op)
				assert.Equal(t, tc.rv, c.RV)
			}
			w.End(&transport.CloseError{Code: transport.CloseNormal})
			h.watching(tc.rv)
			assert.Zero(t, h.store.Pending())
		})
	}
}

func TestResumeAfterDrop(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.listed("10")
	w, _ := h.watching("10")
	w.Push(rt.Event("ADDED", obj("a", "11")), rt.Event("MODIFIED", obj("a", "12")))
	h.call("upsert", "11", "a")
	h.call("upsert", "12", "a")
	assert.Equal(t, h.clk.Now(), h.r.Status().LastEvent)
	w.End(io.EOF) // a dropped stream with events: resume at once, no backoff
	w2, _ := h.watching("12")
	assert.Zero(t, h.clk.Pending(), "a healthy watch resumes without waiting")
	w2.Bookmark("20")
	h.call("bookmark", "20")
	w2.End(&transport.CloseError{Code: transport.CloseAbnormal})
	h.watching("20")
	assert.Zero(t, h.lw.Pending(), "no relist")
}

func TestShortWatchBacksOff(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.listed("10")
	w, _ := h.watching("10")
	w.End(&transport.CloseError{Code: transport.CloseNormal})
	assert.Equal(t, 400*time.Millisecond, h.armed(), "a watch closed in under a second with no events is a failure")
	st := h.status(reflector.PhaseReconnecting)
	assert.ErrorIs(t, st.Err, reflector.ErrWatchTooShort)
	h.clk.Advance(400 * time.Millisecond)
	w2, _ := h.watching("10")
	w2.End(io.EOF)
	assert.Equal(t, 800*time.Millisecond, h.armed(), "backoff grows")
}

func TestExpiredRelistsAtLastRV(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.listed("10", obj("a", "1"))
	w, _ := h.watching("10")
	w.Modify(obj("a", "15"))
	h.call("upsert", "15", "a")
	w.Error(410, "Expired")
	w.WaitClosed(t)
	lc := h.listed("30", obj("a", "15"), obj("b", "29"))
	assert.Equal(t, reflector.ListOptions{ResourceVersion: "15", ResourceVersionMatch: "NotOlderThan"}, lc.Opts)
	h.watching("30")
	assert.Zero(t, h.clk.Pending(), "the relist does not wait")
}

func TestExpiredRelistExpiredToo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		fail func(*rt.ListCall)
	}{
		{"410 error", func(lc *rt.ListCall) { lc.Fail(rt.APIError(410, "Expired")) }},
		{"Status body", func(lc *rt.ListCall) { lc.Reply([]byte(rt.StatusJSON(410, "Gone"))) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, nil)
			h.listed("10")
			w, _ := h.watching("10")
			w.Bookmark("12")
			h.call("bookmark", "12")
			w.Error(410, "Expired")
			lc := h.lw.NextList(t)
			assert.Equal(t, "12", lc.Opts.ResourceVersion)
			tc.fail(lc)
			lc2 := h.listed("40", obj("a", "39"))
			assert.Equal(t, reflector.ListOptions{}, lc2.Opts, "then relist with the RV unset")
			h.watching("40")
		})
	}
}

func TestPermanentErrorsStop(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  func(h *harness)
	}{
		{"404 on list", func(h *harness) { h.lw.NextList(h.t).Fail(rt.APIError(404, "NotFound")) }},
		{"404 watch handshake", func(h *harness) {
			h.listed("1")
			h.lw.NextWatch(h.t).Fail(&transport.HandshakeError{Status: 404, Err: io.EOF})
		}},
		{"404 ERROR event", func(h *harness) {
			h.listed("1")
			w, _ := h.watching("1")
			w.Error(404, "NotFound")
		}},
		{"404 Status body", func(h *harness) { h.lw.NextList(h.t).Reply([]byte(rt.StatusJSON(404, "NotFound"))) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, nil)
			tc.run(h)
			err := h.wait()
			require.Error(t, err)
			assert.True(t, reflector.Permanent(err), "%v", err)
			st := h.r.Status()
			assert.Equal(t, reflector.PhaseError, st.Phase)
			assert.Equal(t, err, st.Err)
			assert.Zero(t, h.lw.Pending(), "no retry")
			assert.Zero(t, h.clk.Pending())
		})
	}
}

func TestRetryableErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		trigger func(w *rt.Watch)
		is      error
		phase   reflector.Phase
	}{
		{"500 ERROR event: the server cannot answer now", func(w *rt.Watch) { w.Error(500, "InternalError") }, nil, reflector.PhaseReconnecting},
		{"403 ERROR event", func(w *rt.Watch) { w.Error(403, "Forbidden") }, nil, reflector.PhaseError},
		{"401 ERROR event", func(w *rt.Watch) { w.Error(401, "Unauthorized") }, nil, reflector.PhaseError},
		{"malformed frame", func(w *rt.Watch) { w.Push([]byte(`{"type":"ADDED","object":{"metadata":`)) }, reflector.ErrMalformed, reflector.PhaseError},
		{"ERROR without Status", func(w *rt.Watch) { w.Push([]byte(`{"type":"ERROR","object":{"kind":"Pod"}}`)) }, reflector.ErrMalformed, reflector.PhaseError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, w := startWithA(t)
			tc.trigger(w)
			w.WaitClosed(t)
			assert.Equal(t, 400*time.Millisecond, h.armed())
			st := h.status(tc.phase)
			require.Error(t, st.Err)
			if tc.is != nil {
				assert.ErrorIs(t, st.Err, tc.is)
			}
			assert.NotContains(t, st.Err.Error(), `"metadata"`, "errors never hold payloads")
			h.clk.Advance(400 * time.Millisecond)
			h.watching("11")
			h.status(reflector.PhaseLive)
		})
	}
}

func TestListFailureRetries(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.lw.NextList(t).Fail(rt.APIError(503, "ServiceUnavailable"))
	assert.Equal(t, 400*time.Millisecond, h.armed())
	st := h.status(reflector.PhaseError)
	assert.Contains(t, st.Err.Error(), "list demo/shop pods")
	h.clk.Advance(400 * time.Millisecond)
	h.listed("5")
	h.watching("5")
}

func TestCancel(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		at   func(h *harness) *rt.Watch
	}{
		{"while listing", func(h *harness) *rt.Watch { h.lw.NextList(h.t); return nil }},
		{"while watching", func(h *harness) *rt.Watch { h.listed("1"); w, _ := h.watching("1"); return w }},
		{"while backing off", func(h *harness) *rt.Watch {
			h.lw.NextList(h.t).Fail(io.ErrUnexpectedEOF)
			h.armed()
			return nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, nil)
			w := tc.at(h)
			assert.ErrorIs(t, h.stop(), context.Canceled)
			if w != nil {
				w.WaitClosed(t)
			}
			assert.Zero(t, h.clk.Pending(), "no timer left")
		})
	}
}

func TestResumeFromCachedRV(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.ResourceVersion = "77" })
	assert.Equal(t, reflector.PhaseReconnecting, h.r.Status().Phase)
	h.watching("77")
	h.status(reflector.PhaseLive)
	assert.Zero(t, h.lw.Pending(), "no LIST when the store already holds the list")
}

func TestPaging(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.PageSize = 2 })
	lc := h.lw.NextList(t)
	assert.Equal(t, int64(2), lc.Opts.Limit)
	page1 := []byte(`{"metadata":{"resourceVersion":"9","continue":"tok"},"items":[` + obj("a", "1").JSON() + "," + obj("b", "2").JSON() + "]}")
	lc.Reply(page1)
	lc2 := h.lw.NextList(t)
	assert.Equal(t, reflector.ListOptions{Limit: 2, Continue: "tok"}, lc2.Opts)
	h.call("partial", "", "a", "b")
	lc2.Reply(rt.ListBody("9", obj("c", "3")))
	c := h.call("replace", "9", "a", "b", "c")
	h.watching("9")
	// Pages before the last are copied at once (one page body alive at a
	// time) and marked Owned; the last page is left to the Store.
	for i := range page1 {
		page1[i] = 'x'
	}
	assert.Equal(t, []bool{true, true, false}, []bool{c.Items[0].Owned, c.Items[1].Owned, c.Items[2].Owned})
	assert.JSONEq(t, obj("a", "1").JSON(), string(c.Items[0].Raw), "a copy, not the page body")
}

// A first list hands its first page to the Store before the next page
// arrives, and stays loading: the partial list is never shown live, and
// the watch opens only after the last page replaced it.
func TestPagingShowsTheFirstPageLoading(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.PageSize = 2 })
	h.lw.NextList(t).Reply(rt.PageBody("9", "tok", obj("a", "1"), obj("b", "2")))
	lc2 := h.lw.NextList(t)
	c := h.call("partial", "", "a", "b")
	assert.Equal(t, []bool{true, true}, []bool{c.Items[0].Owned, c.Items[1].Owned}, "the page's copies are the Store's")
	assert.Equal(t, reflector.PhaseLoading, h.r.Status().Phase)
	assert.Empty(t, h.r.Status().ResourceVersion, "a partial list has no resume point")
	lc2.Reply(rt.PageBody("9", "tok2", obj("c", "3")))
	lc3 := h.lw.NextList(t)
	assert.Equal(t, reflector.PhaseLoading, h.r.Status().Phase)
	lc3.Reply(rt.ListBody("9", obj("d", "4")))
	h.call("replace", "9", "a", "b", "c", "d") // only the first page came early
	w, _ := h.watching("9")
	w.Bookmark("9")
	h.status(reflector.PhaseLive)
}

// A relist (the Store holds a list) or a list in one page shows nothing
// early: the Store's list is replaced whole, as before.
func TestPagingPartialOnlyForAFirstList(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.PageSize = 2 })
	h.listed("10", obj("a", "1")) // one page: a replace and no partial
	w, _ := h.watching("10")
	w.Error(410, "Expired")
	w.WaitClosed(t)
	h.lw.NextList(t).Reply(rt.PageBody("30", "tok", obj("a", "1"), obj("b", "2")))
	h.lw.NextList(t).Reply(rt.ListBody("30", obj("c", "3")))
	h.call("replace", "30", "a", "b", "c")
	h.watching("30")
}

// The next page is requested from the page's metadata, before its items are
// read: here they never scan, and the request was still made.
func TestPagingFetchesAhead(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.PageSize = 2 })
	lc := h.lw.NextList(t)
	lc.Reply([]byte(`{"metadata":{"resourceVersion":"9","continue":"tok"},"items":[{"not":`))
	lc2 := h.lw.NextList(t)
	assert.Equal(t, reflector.ListOptions{Limit: 2, Continue: "tok"}, lc2.Opts)
	lc2.Reply(rt.ListBody("9", obj("c", "3")))
}

// A page fetched ahead under a token the whole scan does not confirm (two
// metadata members: the last one counts) is dropped, never used.
func TestPagingDropsAnUnconfirmedPage(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.PageSize = 2 })
	lc := h.lw.NextList(t)
	lc.Reply([]byte(`{"metadata":{"continue":"early"},"metadata":{"resourceVersion":"9","continue":"tok"},"items":[` + obj("a", "1").JSON() + "]}"))
	// the early fetch and the confirmed one race: either may come first
	calls := map[string]*rt.ListCall{}
	for i := 0; i < 2; i++ {
		lc := h.lw.NextList(t)
		calls[lc.Opts.Continue] = lc
	}
	require.Contains(t, calls, "early")
	require.Contains(t, calls, "tok")
	calls["early"].Reply(rt.ListBody("9", obj("x", "5")))
	calls["tok"].Reply(rt.ListBody("9", obj("c", "3")))
	h.call("partial", "", "a")
	h.call("replace", "9", "a", "c")
	h.watching("9")
}

// resourceVersions are opaque: a bookmark may carry one the server later
// refuses to resume from. After MaxFruitlessResumes refused resumes in a row
// the list is fetched afresh instead of retrying the same point forever;
// a resume that delivers an event resets the count.
func TestFruitlessResumesRelist(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		refuse func(h *harness)
	}{
		{"refused with 400", func(h *harness) {
			wc := h.lw.NextWatch(h.t)
			require.Equal(h.t, "not-a-number", wc.Opts.ResourceVersion)
			wc.Fail(rt.APIError(400, "BadRequest"))
		}},
		{"closed at once", func(h *harness) {
			w, _ := h.watching("not-a-number")
			w.End(&transport.CloseError{Code: transport.CloseAbnormal})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, nil)
			h.listed("10", obj("a", "10"))
			w, _ := h.watching("10")
			w.Bookmark("not-a-number")
			h.call("bookmark", "not-a-number")
			w.End(io.EOF)
			for i := range reflector.MaxFruitlessResumes {
				tc.refuse(h)
				h.clk.Advance(h.armed())
				if i < reflector.MaxFruitlessResumes-1 {
					// The next resume may already be asked for (the next refuse
					// takes it as a watch from the refused point); no List may be.
					assert.Zero(t, h.lw.PendingLists(), "no relist before the limit")
				}
			}
			lc := h.listed("40", obj("a", "33"))
			assert.Equal(t, reflector.ListOptions{}, lc.Opts, "a consistent relist, not from the refused point")
			w2, _ := h.watching("40")
			h.status(reflector.PhaseLive)
			w2.Modify(obj("a", "41"))
			h.call("upsert", "41", "a")
		})
	}
}

// A resume that works in between resets the count of refusals.
func TestFruitlessCountResetsOnProgress(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.listed("10")
	w, _ := h.watching("10")
	w.End(io.EOF) // < 1 s, no events: fruitless #1
	h.clk.Advance(h.armed())
	w, _ = h.watching("10")
	w.End(io.EOF) // #2
	h.clk.Advance(h.armed())
	w, _ = h.watching("10")
	w.Add(obj("a", "11"))
	h.call("upsert", "11", "a")
	w.End(io.EOF) // progress: the count starts over
	for range reflector.MaxFruitlessResumes - 1 {
		w, _ = h.watching("11")
		w.End(io.EOF)
		h.clk.Advance(h.armed())
	}
	h.watching("11")
	assert.Zero(t, h.lw.Pending(), "no relist")
}

// A shared socket that reconnects by itself ends the watch without a
// failure: the Reflector resubscribes at once from its last resourceVersion
// and arms no backoff of its own, however short the watch was.
func TestTransportReconnectsResubscribesAtOnce(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.listed("10")
	for range 5 {
		w, _ := h.watching("10")
		h.status(reflector.PhaseLive)
		w.End(fmt.Errorf("mux: %w", reflector.ErrTransportReconnects))
		st := h.status(reflector.PhaseReconnecting)
		assert.ErrorIs(t, st.Err, reflector.ErrTransportReconnects)
	}
	h.watching("10")
	assert.Zero(t, h.clk.Pending(), "no backoff timer: the socket has its own")
	assert.Zero(t, h.lw.Pending(), "no relist")
}

// Why a healthy watch ended is shown until the resume works, unless it ended
// the way watches end (EOF, 1000, 1001).
func TestWhyAWatchEndedIsShown(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		end  error
		want string // "" for no error
	}{
		{"frame over the cap", &transport.CloseError{Code: transport.CloseTooBig, Reason: "a frame of 67108864 bytes exceeds the limit of 16777216"}, "exceeds the limit"},
		{"abnormal close", &transport.CloseError{Code: transport.CloseAbnormal}, "1006"},
		{"server timeout", &transport.CloseError{Code: transport.CloseNormal}, ""},
		{"going away", &transport.CloseError{Code: transport.CloseGoingAway}, ""},
		{"EOF", io.EOF, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, w := startWithA(t)
			w.End(tc.end)
			st := h.status(reflector.PhaseReconnecting)
			if tc.want == "" {
				assert.NoError(t, st.Err)
			} else {
				require.Error(t, st.Err)
				assert.Contains(t, st.Err.Error(), tc.want)
			}
			h.watching("11")
			live := h.status(reflector.PhaseLive)
			assert.NoError(t, live.Err)
			if tc.want != "" {
				require.Error(t, live.LastErr, "the last error outlives the recovery")
				assert.Contains(t, live.LastErr.Error(), tc.want)
				assert.Equal(t, h.clk.Now(), live.LastErrAt)
			}
		})
	}
}

// A first list dials its watch from the list's resourceVersion when its
// last page arrives; the open watch does not make the list live before
// that page replaced the Store, and it is the watch used then (no second
// dial).
func TestFirstListDialsItsWatchEarly(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.PageSize = 2 })
	h.lw.NextList(t).Reply(rt.PageBody("9", "tok", obj("a", "1"), obj("b", "2")))
	lc2 := h.lw.NextList(t)
	h.call("partial", "", "a", "b")
	lc2.Reply(rt.ListBody("9", obj("c", "3")))
	wc := h.lw.NextWatch(t)
	assert.Equal(t, "9", wc.Opts.ResourceVersion)
	h.call("replace", "9", "a", "b", "c")
	assert.Equal(t, reflector.PhaseLoading, h.r.Status().Phase, "listed, the watch not open yet")
	w := wc.Accept()
	h.status(reflector.PhaseLive)
	w.Add(obj("z", "10"))
	h.call("upsert", "10", "z")
	assert.Zero(t, h.lw.Pending(), "no second watch")
}

// The watch is dialled before the last page is read: when that page turns
// out malformed, the dial is canceled, and the next list dials its own.
func TestEarlyWatchOfAFailedListIsCanceled(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.PageSize = 2 })
	h.lw.NextList(t).Reply(rt.PageBody("9", "tok", obj("a", "1")))
	lc2 := h.lw.NextList(t)
	h.call("partial", "", "a")
	lc2.Reply([]byte(`{"metadata":{"resourceVersion":"9"},"items":[{"not":`))
	wc := h.lw.NextWatch(t) // the list failed: only an early dial asks for this
	assert.Equal(t, "9", wc.Opts.ResourceVersion)
	select {
	case <-wc.Canceled():
	case <-time.After(rt.Deadline):
		t.Fatal("the early dial of a failed list was not canceled")
	}
	h.armed() // the malformed list's backoff
	h.clk.Advance(time.Minute)
	h.listed("20", obj("a", "1"))
	h.watching("20")
	h.status(reflector.PhaseLive)
}

// holding is a Store that holds the objects of held (uid -> rv).
type holding struct {
	*rt.Store
	held map[string]string
}

func (s holding) Holds(uid, rv string) bool { return s.held[uid] == rv }

// TestPagedRelistCopiesOnlyWhatTheStoreLacks: a relist in pages copies each
// page's changed objects and hands an object the Store holds at the same
// resourceVersion to Replace without its bytes (the Store keeps its own);
// a first list's page, shown by Partial, keeps every object whole.
func TestPagedRelistCopiesOnlyWhatTheStoreLacks(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) {
		c.PageSize = 2
		c.Store = holding{Store: c.Store.(*rt.Store), held: map[string]string{"a": "1", "b": "2"}}
	})
	h.lw.NextList(t).Reply([]byte(`{"metadata":{"resourceVersion":"10","continue":"t1"},"items":[` + obj("a", "1").JSON() + "," + obj("b", "2").JSON() + "]}"))
	p := h.call("partial", "", "a", "b")
	assert.JSONEq(t, obj("a", "1").JSON(), string(p.Items[0].Raw), "a first page is shown whole, held or not")
	h.lw.NextList(t).Reply(rt.ListBody("10"))
	h.call("replace", "10", "a", "b")
	w, _ := h.watching("10")
	h.clk.Advance(3 * time.Second)
	w.Error(410, "Expired")
	h.lw.NextList(t).Reply([]byte(`{"metadata":{"resourceVersion":"30","continue":"t2"},"items":[` + obj("a", "1").JSON() + "," + obj("b", "5").JSON() + "]}"))
	h.lw.NextList(t).Reply(rt.ListBody("30", obj("c", "6")))
	c := h.call("replace", "30", "a", "b", "c")
	assert.Nil(t, c.Items[0].Raw, "a, held at 1, is not copied")
	assert.True(t, c.Items[0].Owned)
	assert.JSONEq(t, obj("b", "5").JSON(), string(c.Items[1].Raw), "b changed: copied")
	assert.True(t, c.Items[1].Owned)
	assert.JSONEq(t, obj("c", "6").JSON(), string(c.Items[2].Raw), "the last page is left to the Store")
}
