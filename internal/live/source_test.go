package live

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/probe"
	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/transport"
)

func TestSourceListMapsTheAnswer(t *testing.T) {
	t.Parallel()
	const url = "http://backend.test/clusters/c1/api/v1/namespaces/ns/pods?limit=500"
	status := `{"kind":"Status","apiVersion":"v1","status":"Failure","code":410,"reason":"Expired"}`
	for _, tc := range []struct {
		name     string
		answer   answer
		wantBody string
		wantErr  string
		wantCode int
	}{
		{name: "2xx is the body", answer: answer{status: 200, body: `{"items":[]}`}, wantBody: `{"items":[]}`},
		{name: "a Status body goes to the Reflector", answer: answer{status: 410, body: status}, wantBody: status},
		{name: "any other failure is an APIError", answer: answer{status: 502, body: "bad gateway"}, wantErr: "GET ", wantCode: 502},
		{name: "no answer says what failed", answer: answer{err: errors.New("fetch: network down")}, wantErr: "network down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeFetcher{answers: map[string]answer{url: tc.answer}}
			lw := NewSource(testEndpoint(t), f, conntest.NewDialer()).ListerWatcher(pods("ns"))
			body, err := lw.List(context.Background(), reflector.ListOptions{Limit: 500})
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.wantBody, string(body))
				return
			}
			require.ErrorContains(t, err, tc.wantErr)
			var api *reflector.APIError
			if tc.wantCode != 0 {
				require.ErrorAs(t, err, &api)
				assert.Equal(t, tc.wantCode, api.Code)
			} else {
				assert.False(t, errors.As(err, &api))
			}
		})
	}
}

func TestSourceWatchDeliversBurstsAndExplainsFailedDials(t *testing.T) {
	t.Parallel()
	const watchURL = "ws://backend.test/clusters/c1/api/v1/namespaces/ns/pods?resourceVersion=7&watch=1"
	const probeURL = "http://backend.test/clusters/c1/api/v1/namespaces/ns/pods?limit=1&resourceVersion=7&resourceVersionMatch=NotOlderThan"
	d := conntest.NewDialer()
	f := &fakeFetcher{answers: map[string]answer{probeURL: {status: 403, body: `{"kind":"Status","code":403,"reason":"Forbidden","message":"pods is forbidden"}`}}}
	lw := NewSource(testEndpoint(t), f, d).ListerWatcher(pods("ns"))
	opts := reflector.WatchOptions{ResourceVersion: "7"}

	done := make(chan error, 1)
	go func() {
		_, err := lw.Watch(context.Background(), opts)
		done <- err
	}()
	nextDial(t, d, watchURL).Fail(errors.New("websocket: close 1006"))
	err := <-done
	require.Error(t, err)
	assert.ErrorContains(t, err, "close 1006")
	assert.ErrorContains(t, err, "the server answered")
	assert.Equal(t, []string{probeURL}, f.probed(), "one probe LIST per failed dial")

	go func() {
		w, err := lw.Watch(context.Background(), opts)
		if err == nil {
			defer w.Close()
			frames, nerr := w.Next(context.Background())
			if nerr == nil && (len(frames) != 2 || string(frames[0]) != "a" || string(frames[1]) != "b") {
				nerr = errors.New("wrong burst: " + string(frames[0]))
			}
			err = nerr
		}
		done <- err
	}()
	conn := nextDial(t, d, watchURL).Accept("")
	conn.PushText("a", "b")
	require.NoError(t, <-done)
	<-conn.Done() // Close closed the socket
}

// Five watches through a limit of two handshakes, every upgrade refused: a
// probe whose answer refuses the page's origin answers every dial pending
// (dialing or waiting for a slot) with its verdict, with no dial or probe of
// their own; a cluster's own 403 (one resource's RBAC) answers only its own
// watch. A watch started after the verdict dials on its own.
func TestOriginVerdictAnswersEveryPendingDial(t *testing.T) {
	t.Parallel()
	const origin = `{"kind":"Status","code":403,"reason":"Forbidden","message":"this server refuses WebSocket upgrades from origin http://app.test","details":{"causes":[{"reason":"OriginRefused","field":"origin"}]}}`
	const rbac = `{"kind":"Status","code":403,"reason":"Forbidden","message":"pods is forbidden"}`
	namespaces := []string{"a", "b", "c", "d", "e"}
	probeURL := func(ns string) string {
		return "http://backend.test/clusters/c1/api/v1/namespaces/" + ns + "/pods?limit=1"
	}
	watchURL := func(ns string) string {
		return "ws://backend.test/clusters/c1/api/v1/namespaces/" + ns + "/pods?watch=1"
	}
	for _, tc := range []struct {
		name       string
		body       string
		shared     bool
		wantProbes int
	}{
		{"the origin's verdict", origin, true, 1},
		{"a cluster's own 403", rbac, false, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := conntest.NewDialer()
			d.AbortOnCancel = true
			f := &fakeFetcher{answers: map[string]answer{}}
			for _, ns := range namespaces {
				f.answers[probeURL(ns)] = answer{status: 403, body: tc.body}
			}
			src := NewSource(testEndpoint(t), f, transport.LimitDialer(d, 2))
			errs := make(chan error, len(namespaces))
			for _, ns := range namespaces {
				lw := src.ListerWatcher(pods(ns))
				go func() {
					_, err := lw.Watch(context.Background(), reflector.WatchOptions{})
					errs <- err
				}()
			}
			first := d.Next(waitFor)
			require.NotNil(t, first)
			second := d.Next(waitFor) // the limit's other slot
			require.NotNil(t, second)
			require.Eventually(t, func() bool {
				src.pending.mu.Lock()
				defer src.pending.mu.Unlock()
				return len(src.pending.cancel) == len(namespaces)
			}, waitFor, time.Millisecond, "every watch's dial is pending")
			first.Fail(errors.New("websocket: close 1006"))
			if !tc.shared {
				// Each watch needs its own failed dial and probe.
				second.Fail(errors.New("websocket: close 1006"))
				for range len(namespaces) - 2 {
					a := d.Next(waitFor)
					require.NotNil(t, a, "the other watches dial on their own")
					a.Fail(errors.New("websocket: close 1006"))
				}
			}
			for range namespaces {
				select {
				case err := <-errs:
					require.Error(t, err)
					assert.Equal(t, 403, reflector.HTTPCode(err), "%v", err)
					assert.Equal(t, "The server refused access (403): "+map[bool]string{
						true:  "this server refuses WebSocket upgrades from origin http://app.test.",
						false: "pods is forbidden."}[tc.shared], probe.Describe(err).Message)
				case <-time.After(waitFor):
					t.Fatal("a watch did not report")
				}
			}
			assert.Len(t, f.probed(), tc.wantProbes, "probes")
			// A dial that took a slot freed just before the verdict was
			// aborted by it, unanswered.
			for d.Queued() > 0 {
				assert.Error(t, d.Next(waitFor).Ctx.Err(), "a dial left pending")
			}

			// After the verdict, a new watch dials itself.
			go func() {
				_, err := src.ListerWatcher(pods("a")).Watch(context.Background(), reflector.WatchOptions{})
				errs <- err
			}()
			nextDial(t, d, watchURL("a")).Fail(errors.New("websocket: close 1006"))
			require.Error(t, <-errs)
		})
	}
}
