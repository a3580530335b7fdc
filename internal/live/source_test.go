package live

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubelive/kubelive/internal/conntest"
	"github.com/kubelive/kubelive/internal/reflector"
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
