package reflector_test

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubelive/kubelive/internal/reflector"
	rt "github.com/kubelive/kubelive/internal/reflector/reflectortest"
	"github.com/kubelive/kubelive/internal/transport"
)

func TestWatchListSupported(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.WatchList = true })
	wc := h.lw.NextWatch(t)
	assert.True(t, wc.Opts.SendInitialEvents)
	assert.Equal(t, "NotOlderThan", wc.Opts.ResourceVersionMatch)
	assert.True(t, wc.Opts.AllowWatchBookmarks)
	assert.Empty(t, wc.Opts.ResourceVersion)
	w := wc.Accept()
	w.Push(rt.Event("ADDED", obj("b", "7")), rt.Event("ADDED", obj("a", "9")), rt.BookmarkEvent("12", false))
	w.Push(rt.BookmarkEvent("15", true))
	h.call("replace", "15", "b", "a")
	h.status(reflector.PhaseLive)
	w.Modify(obj("a", "16"))
	h.call("upsert", "16", "a")
	w.End(io.EOF)
	h.watching("16") // a plain watch resumes
	assert.Zero(t, h.lw.Pending())
}

// TestWatchListKeepsItsObjectsPastTheFrames: the initial events' objects
// are held until the initial-events-end bookmark, past later Watch.Next
// calls, which may reuse the frames' memory (transport's Borrow): the
// Reflector copies them, and the Replace gets them intact.
func TestWatchListKeepsItsObjectsPastTheFrames(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.WatchList = true })
	w := h.lw.NextWatch(t).Accept()
	w.Lend()
	w.Add(obj("a", "7"))
	w.Drained(t)
	w.Add(obj("b", "9"))
	w.Drained(t)
	w.Push(rt.BookmarkEvent("12", true))
	c := h.call("replace", "12", "a", "b")
	assert.JSONEq(t, obj("a", "7").JSON(), string(c.Items[0].Raw), "the first object survives the reuse of its frame")
	assert.JSONEq(t, obj("b", "9").JSON(), string(c.Items[1].Raw))
	assert.True(t, c.Items[0].Owned && c.Items[1].Owned, "copies, the Store's to keep")
}

func TestWatchListFallsBackToList(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  func(h *harness)
	}{
		{"400 on the handshake", func(h *harness) {
			h.lw.NextWatch(h.t).Fail(rt.APIError(400, "BadRequest"))
		}},
		{"422 ERROR event", func(h *harness) {
			h.lw.NextWatch(h.t).Accept().Error(422, "Invalid")
		}},
		{"ends without the initial-events-end bookmark", func(h *harness) {
			w := h.lw.NextWatch(h.t).Accept()
			w.Add(obj("a", "1"))
			h.clk.Advance(5e9)
			w.End(&transport.CloseError{Code: transport.CloseNormal})
		}},
		{"streams on without the bookmark", func(h *harness) {
			w := h.lw.NextWatch(h.t).Accept()
			w.Add(obj("a", "1"))
			w.Modify(obj("a", "2"))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, func(c *reflector.Config) { c.WatchList = true })
			tc.run(h)
			h.listed("20", obj("a", "2"))
			_, opts := h.watching("20")
			assert.False(t, opts.SendInitialEvents, "remembered as unsupported")
			assert.Zero(t, h.clk.Pending(), "the fallback does not wait")
		})
	}
}

func TestObject(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.Object = "web-1" })
	lc := h.lw.NextList(t)
	assert.Equal(t, reflector.ListOptions{Name: "web-1"}, lc.Opts)
	lc.Reply([]byte(rt.Obj{UID: "u1", Namespace: "shop", Name: "web-1", RV: "31"}.JSON()))
	h.call("replace", "31", "u1")
	w, opts := h.watching("31")
	assert.Equal(t, "metadata.name=web-1", opts.FieldSelector)
	w.Delete(rt.Obj{UID: "u1", Namespace: "shop", Name: "web-1", RV: "35"})
	h.call("delete", "35", "u1")
	h.r.Status()
}

func TestObjectNotFound(t *testing.T) {
	t.Parallel()
	h := start(t, func(c *reflector.Config) { c.Object = "gone" })
	h.lw.NextList(t).Reply([]byte(rt.StatusJSON(404, "NotFound")))
	err := h.wait()
	assert.True(t, reflector.Permanent(err))
	assert.Contains(t, err.Error(), "HTTP 404: NotFound")
}
