package embedded

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fixedNow is the injected clock of every test store.
func fixedNow() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }

// testCluster is a seeded store behind an httptest server.
type testCluster struct {
	store *Store
	url   string
}

func newCluster(t *testing.T, sopts Options, hopts HandlerOptions) *testCluster {
	t.Helper()
	if sopts.Now == nil {
		sopts.Now = fixedNow
	}
	if sopts.Seed == 0 {
		sopts.Seed = 42
	}
	s := NewStore(sopts)
	require.NoError(t, Seed(s, nil, 42))
	ts := httptest.NewServer(NewHandler(s, hopts))
	t.Cleanup(ts.Close)
	return &testCluster{store: s, url: ts.URL}
}

// do sends a request and returns the status code and the body.
func (c *testCluster) do(t *testing.T, method, path, contentType, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, c.url+path, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, raw
}

type listBody struct {
	Kind       string          `json:"kind"`
	APIVersion string          `json:"apiVersion"`
	Metadata   metav1.ListMeta `json:"metadata"`
	Items      []corev1.Pod    `json:"items"` // only metadata is inspected, whatever the kind
}

func (c *testCluster) list(t *testing.T, path string) (int, listBody, metav1.Status) {
	t.Helper()
	code, raw := c.do(t, http.MethodGet, path, "", "")
	var l listBody
	var st metav1.Status
	if code == http.StatusOK {
		require.NoError(t, json.Unmarshal(raw, &l), string(raw))
	} else {
		require.NoError(t, json.Unmarshal(raw, &st), string(raw))
	}
	return code, l, st
}

func names(l listBody) []string {
	out := []string{}
	for _, it := range l.Items {
		out = append(out, it.Namespace+"/"+it.Name)
	}
	return out
}

// wireEvent is one decoded watch line.
type wireEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
	raw    string
}

func (e wireEvent) meta(t *testing.T) metav1.ObjectMeta {
	t.Helper()
	var o struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	require.NoError(t, json.Unmarshal(e.Object, &o))
	return o.Metadata
}

// httpWatch is an open chunked HTTP watch read line by line in the background.
type httpWatch struct {
	code   int
	lines  chan string
	closed chan struct{} // closed when the body ends
}

func (c *testCluster) watch(t *testing.T, path string) *httpWatch {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, c.url+path, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	w := &httpWatch{code: resp.StatusCode, lines: make(chan string, 10000), closed: make(chan struct{})}
	go func() {
		defer close(w.closed)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			w.lines <- sc.Text()
		}
	}()
	return w
}

// next returns the next event, failing the test after a deadline.
func (w *httpWatch) next(t *testing.T) wireEvent {
	t.Helper()
	decode := func(line string) wireEvent {
		e := wireEvent{raw: line}
		require.NoError(t, json.Unmarshal([]byte(line), &e), line)
		return e
	}
	select {
	case line := <-w.lines:
		return decode(line)
	case <-w.closed:
		select {
		case line := <-w.lines:
			return decode(line)
		default:
		}
		t.Fatal("watch ended")
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event within 10s")
	}
	return wireEvent{}
}

// nextOf skips events until one of type typ.
func (w *httpWatch) nextOf(t *testing.T, typ string) wireEvent {
	t.Helper()
	for {
		if e := w.next(t); e.Type == typ {
			return e
		}
	}
}

// ended waits for the end of the body.
func (w *httpWatch) ended(t *testing.T) {
	t.Helper()
	select {
	case <-w.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not end within 10s")
	}
}

func podJSON(name string, labels map[string]string) string {
	p := corev1.Pod{TypeMeta: metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	raw, _ := json.Marshal(p)
	return string(raw)
}

func compact(s string) string {
	var b bytes.Buffer
	_ = json.Compact(&b, []byte(s))
	return b.String()
}
