//go:build js && wasm

package bridge

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Lists under load: 2 namespaces x 2 resources while the cluster churns at
// 500 writes/s for 20 s, the sockets are dropped 10 times and two resumes
// get 410; afterwards every snapshot equals the server's LIST.
func TestListsStayExactUnderChurnDropsAnd410(t *testing.T) {
	eachMode(t, func(t *testing.T, l *listHarness) {
		var rs []safejs.Value
		var paths []string
		for _, ns := range []string{"team-a", "team-b"} {
			for _, res := range []string{"pods", "events"} {
				rs = append(rs, l.watch(listQuery("demo", ns, res, ""), false))
				paths = append(paths, "/api/v1/namespaces/"+ns+"/"+res)
			}
		}
		for i, r := range rs {
			l.equalToServer(r, paths[i])
		}
		const seconds = 20
		l.k.do("POST", "/admin/churn?rate=500&seconds=20&cluster=demo", nil, "")
		start := time.Now()
		for drop := range 10 {
			if drop == 3 || drop == 7 {
				l.k.do("POST", "/admin/expire-next", nil, "")
			}
			next := start.Add(time.Duration(drop+1) * seconds * time.Second / 11)
			l.waitForWithin(seconds*time.Second, "the next drop", func() bool { return time.Now().After(next) })
			l.k.do("POST", "/admin/drop", nil, "")
		}
		l.waitForWithin(40*time.Second, "the churn to end", func() bool {
			var st struct{ Running int }
			require.NoError(t, json.Unmarshal(l.k.do("GET", "/admin/churn", nil, ""), &st))
			return st.Running == 0
		})
		total := 0
		for i, r := range rs {
			total += len(l.equalToServer(r, paths[i]).Items)
		}
		st := l.stats()
		t.Logf("%d objects exact after 20 s of churn, 10 drops, 2 forced 410s; sockets created %d, mux %+v",
			total, st.BrowserSockets.Created, st.Multiplexer)
		assert.Positive(t, total)
	})
}

// A quiet list outlives the server's watch timeout (3-6 s in the test
// server) and stays live: the watch is resumed, not left dead.
func TestQuietListSurvivesWatchTimeout(t *testing.T) {
	eachMode(t, func(t *testing.T, l *listHarness) {
		ns := testNS(t)
		l.k.namespace(ns)
		r := l.watch(podsQuery(ns), false)
		l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
		quiet := time.Now().Add(8 * time.Second) // beyond at least one server-side timeout
		l.waitForWithin(15*time.Second, "a quiet period", func() bool {
			return time.Now().After(quiet) && l.summary(r).Status == "live"
		})
		l.k.pod(ns, "after-timeout")
		got := l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
		assert.Equal(t, []string{"after-timeout"}, names(got))
	})
}

// Bad input end to end: a malformed frame injected into the watch reaches
// the list's errors, throws nothing into JS, and the list stays exact.
func TestMalformedWatchFrameLeavesTheListIntact(t *testing.T) {
	eachMode(t, func(t *testing.T, l *listHarness) {
		ns, r := l.podListWithA(t)
		var sent struct{ Sent int }
		require.NoError(t, json.Unmarshal(l.k.do("POST", "/admin/malformed?path="+ns, nil, ""), &sent))
		require.Positive(t, sent.Sent, "the watch of the list got the malformed frame")
		l.k.pod(ns, "b")
		got := l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
		assert.Equal(t, []string{"a", "b"}, names(got))
	})
}

// Bad input end to end: frames that are JSON but not what a watch may carry
// reach no list as objects; each list stays exactly the server's.
func TestBadWatchFramesNeverBecomeObjects(t *testing.T) {
	bad := map[string]string{
		"status as object": `{"type":"ADDED","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"boom","code":500}}`,
		"missing metadata": `{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1"}}`,
		"unknown type":     `{"type":"TELEPORTED","object":{"kind":"Pod","metadata":{"name":"ghost","namespace":"x","uid":"ghost-uid","resourceVersion":"1"}}}`,
		"error 500":        `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"etcd is sad","reason":"InternalError","code":500}}`,
		"not an object":    `["type","ADDED"]`,
	}
	eachMode(t, func(t *testing.T, l *listHarness) {
		ns, r := l.podListWithA(t)
		for name, frame := range bad {
			var sent struct{ Sent int }
			l.waitForWithin(45*time.Second, "a watch to inject into", func() bool {
				require.NoError(t, json.Unmarshal(l.k.do("POST", "/admin/inject?path="+ns, json.RawMessage(frame), "application/json"), &sent))
				return sent.Sent > 0
			})
			l.k.pod(ns, "after-"+strings.ReplaceAll(name, " ", "-"))
			got := l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
			for _, it := range got.Items {
				assert.NotEqual(t, "ghost", it[2], "%s: a bad frame became an object", name)
			}
		}
	})
}

// Bad input end to end: a 64 MiB frame. Per-URL, the browser socket refuses
// it (1009) before it reaches Go; over the mux the server ends only that
// subscription. Either way the list says why, resumes from its last
// resourceVersion and stays exactly the server's; nothing is thrown.
func TestFrameOf64MiBLeavesTheListIntact(t *testing.T) {
	eachMode(t, func(t *testing.T, l *listHarness) {
		ns, r := l.podListWithA(t)
		var sent struct{ Sent int }
		l.waitForWithin(45*time.Second, "a watch to send 64 MiB to", func() bool {
			require.NoError(t, json.Unmarshal(l.k.do("POST", "/admin/oversize?bytes=67108864&path="+ns, nil, ""), &sent))
			return sent.Sent > 0
		})
		l.waitForWithin(45*time.Second, "the list to report the frame", func() bool {
			for _, e := range l.errorsSeen(r) {
				if strings.Contains(e, "exceeds the limit") {
					return true
				}
			}
			return false
		})
		l.k.pod(ns, "b")
		got := l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
		assert.Equal(t, []string{"a", "b"}, names(got))
		assert.Empty(t, got.Errors, "the error clears once the watch is back")
	})
}

// resourceVersions are opaque: a BOOKMARK carrying one the server will
// not take back ("not-a-number") becomes the resume point; after a drop the
// server refuses it, and the list relists instead of retrying it forever.
func TestNonNumericResourceVersionRelists(t *testing.T) {
	eachMode(t, func(t *testing.T, l *listHarness) {
		ns, r := l.podListWithA(t)
		bookmark := `{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"not-a-number"}}}`
		var sent struct{ Sent, Dropped int }
		l.waitForWithin(45*time.Second, "a watch to inject into", func() bool {
			require.NoError(t, json.Unmarshal(l.k.do("POST", "/admin/inject?path="+ns, json.RawMessage(bookmark), "application/json"), &sent))
			return sent.Sent > 0
		})
		l.waitForWithin(10*time.Second, "the bookmark's resourceVersion", func() bool {
			return l.summary(r).RV == "not-a-number"
		})
		require.NoError(t, json.Unmarshal(l.k.do("POST", "/admin/drop?path="+ns, nil, ""), &sent))
		require.Positive(t, sent.Dropped)
		l.k.pod(ns, "b")
		got := l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
		assert.Equal(t, []string{"a", "b"}, names(got))
		assert.NotEqual(t, "not-a-number", got.RV)
	})
}

// podListWithA makes the test's namespace with one pod "a", watches its pods
// and waits until the list equals the server's.
func (l *listHarness) podListWithA(t *testing.T) (string, safejs.Value) {
	t.Helper()
	ns := testNS(t)
	l.k.namespace(ns)
	l.k.pod(ns, "a")
	r := l.watch(podsQuery(ns), false)
	l.equalToServer(r, "/api/v1/namespaces/"+ns+"/pods")
	return ns, r
}
