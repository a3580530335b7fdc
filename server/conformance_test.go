package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/kubelive/kubelive/server"
	"github.com/kubelive/kubelive/server/embedded"
	"github.com/kubelive/kubelive/server/faults"
)

// classicLW is a ListerWatcher that opts out of WatchList, so the reflector uses LIST + WATCH.
type classicLW struct{ *cache.ListWatch }

func (classicLW) IsWatchListSemanticsUnSupported() bool { return true }

type stack struct {
	mu       sync.Mutex
	requests map[string]int // by kind: list, initial (sendInitialEvents), resume (watch from an RV), other
	store    *embedded.Store
	inj      *faults.Injector
	ts       *httptest.Server
	cs       *kubernetes.Clientset
}

func newStack(t *testing.T, history int) *stack {
	t.Helper()
	inj := faults.New()
	store := embedded.NewStore(embedded.Options{History: history, Seed: 7})
	require.NoError(t, embedded.Seed(store, nil, 7))
	h := embedded.NewHandler(store, embedded.HandlerOptions{Faults: inj, BookmarkInterval: 100 * time.Millisecond, WatchTimeout: 3 * time.Second})
	st := &stack{store: store, inj: inj, requests: map[string]int{}}
	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		kind := "other"
		switch {
		case q.Get("sendInitialEvents") == "true":
			kind = "initial"
		case q.Get("watch") == "true" && q.Get("resourceVersion") != "" && q.Get("resourceVersion") != "0":
			kind = "resume"
		case q.Get("watch") == "":
			kind = "list"
		}
		st.mu.Lock()
		st.requests[kind]++
		st.mu.Unlock()
		h.ServeHTTP(w, r)
	})
	srv, err := server.New(server.Config{Clusters: []server.Cluster{{Name: "demo", Source: "embedded", Handler: count}}, Admin: inj.Handler()})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: ts.URL + "/clusters/demo", ContentConfig: rest.ContentConfig{ContentType: "application/json"}, QPS: 1000, Burst: 1000})
	require.NoError(t, err)
	st.ts, st.cs = ts, cs
	return st
}

func (s *stack) admin(t *testing.T, action string) map[string]int {
	t.Helper()
	resp, err := http.Post(s.ts.URL+"/admin/"+action, "", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, action)
	var out map[string]int
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

// TestInformerConformance runs two client-go reflectors (WatchList and classic LIST+WATCH)
// over the server's routes while churn runs and watches are dropped and expired, and checks
// that each ends with exactly the server's state.
func TestInformerConformance(t *testing.T) {
	t.Parallel()
	s := newStack(t, 300)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()

	podsLW := cache.NewListWatchFromClient(s.cs.CoreV1().RESTClient(), "pods", metav1.NamespaceAll, fields.Everything())
	lws := map[string]cache.ListerWatcher{"watchlist": podsLW, "classic": classicLW{podsLW}}
	stores := map[string]cache.Store{}
	reflectors := map[string]*cache.Reflector{}
	for name, lw := range lws {
		stores[name] = cache.NewStore(cache.MetaNamespaceKeyFunc)
		r := cache.NewReflectorWithOptions(lw, &corev1.Pod{}, stores[name], cache.ReflectorOptions{Name: name})
		reflectors[name] = r
		wg.Add(1)
		go func() { defer wg.Done(); r.RunWithContext(ctx) }()
	}
	synced := func() bool {
		for _, r := range reflectors {
			if r.LastSyncResourceVersion() == "" {
				return false
			}
		}
		return true
	}
	require.Eventually(t, synced, 10*time.Second, 5*time.Millisecond)

	churnCtx, stopChurn := context.WithCancel(ctx)
	churnDone := make(chan error, 1)
	go func() { churnDone <- embedded.NewChurn(s.store, 400, 11).Run(churnCtx) }()

	// progressed waits until every reflector has seen a newer resourceVersion than the server
	// had when called, i.e. they are watching again after the last fault.
	progressed := func() {
		mark := s.store.ResourceVersion()
		require.Eventually(t, func() bool {
			if s.inj.State().Open[faults.KindHTTP] != len(reflectors) {
				return false
			}
			for _, r := range reflectors {
				if r.LastSyncResourceVersion() == mark || !newer(r.LastSyncResourceVersion(), mark) {
					return false
				}
			}
			return true
		}, 15*time.Second, 5*time.Millisecond)
	}
	faultsPlan := []string{"drop", "expire-next", "drop", "expire-next", "drop"}
	for _, f := range faultsPlan {
		progressed()
		out := s.admin(t, f)
		if f == "expire-next" {
			out = s.admin(t, "drop") // make a watch resume now, so the armed 410 is used
		}
		assert.Equal(t, len(reflectors), out["dropped"], "one watch per reflector dropped")
	}
	progressed()
	stopChurn()
	require.NoError(t, <-churnDone)
	assert.Equal(t, 0, s.inj.State().ExpireNext, "every armed 410 was delivered")
	s.mu.Lock()
	assert.GreaterOrEqual(t, s.requests["initial"], 1, "the WatchList reflector streamed initial events: %v", s.requests)
	assert.GreaterOrEqual(t, s.requests["list"], 1, "the classic reflector listed: %v", s.requests)
	assert.GreaterOrEqual(t, s.requests["resume"], 4, "dropped watches resumed from their resourceVersion: %v", s.requests)
	assert.GreaterOrEqual(t, s.requests["initial"]+s.requests["list"], 2+2, "each forced 410 made a reflector start over: %v", s.requests)
	s.mu.Unlock()

	final := s.store.ResourceVersion()
	require.Eventually(t, func() bool {
		for _, r := range reflectors {
			if r.LastSyncResourceVersion() != final {
				return false
			}
		}
		return true
	}, 15*time.Second, 5*time.Millisecond, "reflectors reach the server's resourceVersion %s", final)

	list, err := s.cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.Equal(t, final, list.ResourceVersion)
	want := map[string]string{}
	for _, p := range list.Items {
		want[string(p.UID)] = p.ResourceVersion
	}
	for name, st := range stores {
		got := map[string]string{}
		for _, o := range st.List() {
			p := o.(*corev1.Pod)
			got[string(p.UID)] = p.ResourceVersion
		}
		assert.Equal(t, want, got, "%s reflector's store equals the server's LIST", name)
	}
}

// newer compares numeric resourceVersions; only the test, which knows the server, may do so.
func newer(a, b string) bool {
	return len(a) > len(b) || (len(a) == len(b) && strings.Compare(a, b) > 0)
}

// TestClientGoWatchEvents checks that client-go decodes our watch stream, bookmarks included.
// While /admin/refuse holds, a new watch gets 503 (a client cannot reconnect at once, whatever
// the browser's network emulation reaches); after it, watches are served again.
func TestRefusedWatchesThenServed(t *testing.T) {
	t.Parallel()
	s := newStack(t, 10)
	ctx := t.Context()
	s.admin(t, "refuse?ms=60000")
	_, err := s.cs.CoreV1().ConfigMaps("default").Watch(ctx, metav1.ListOptions{ResourceVersion: s.store.ResourceVersion()})
	require.Error(t, err, "a watch while refusing")
	assert.True(t, apierrors.IsServiceUnavailable(err), "%v", err)
	_, err = s.cs.CoreV1().ConfigMaps("default").List(ctx, metav1.ListOptions{})
	require.NoError(t, err, "only watches are refused")

	t2 := newStack(t, 10)
	t2.admin(t, "refuse?ms=50")
	require.Eventually(t, func() bool {
		w, err := t2.cs.CoreV1().ConfigMaps("default").Watch(ctx, metav1.ListOptions{ResourceVersion: t2.store.ResourceVersion()})
		if err != nil {
			return false
		}
		w.Stop()
		return true
	}, 10*time.Second, 20*time.Millisecond, "watches are served once the refusal ends")
}

func TestClientGoWatchEvents(t *testing.T) {
	t.Parallel()
	s := newStack(t, 100)
	ctx := t.Context()
	rv := s.store.ResourceVersion()
	w, err := s.cs.CoreV1().ConfigMaps("default").Watch(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
	require.NoError(t, err)
	defer w.Stop()
	cm, err := s.cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c1"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	// A bookmark may come before the ADDED (every 100 ms, and a loaded machine is slow to
	// create): the test waits for the ADDED and a bookmark after it.
	var seen []watch.EventType
	added := func() int { return slices.Index(seen, watch.Added) }
	timeout := time.After(10 * time.Second)
	for added() < 0 || seen[len(seen)-1] != watch.Bookmark {
		select {
		case ev, ok := <-w.ResultChan():
			require.True(t, ok, "watch ended early")
			seen = append(seen, ev.Type)
			if ev.Type == watch.Added {
				assert.Equal(t, cm.UID, ev.Object.(*corev1.ConfigMap).UID)
			}
			assert.IsType(t, (*corev1.ConfigMap)(nil), ev.Object, "decoded as %T", ev.Object)
		case <-timeout:
			t.Fatalf("no bookmark after the ADDED event: %v", seen)
		}
	}
	for _, typ := range seen[:added()] {
		assert.Equal(t, watch.Bookmark, typ, "only bookmarks before the ADDED: %v", seen)
	}
	_ = runtime.Object(cm)
}
