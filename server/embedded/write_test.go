package embedded

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func decodePod(t *testing.T, raw []byte) corev1.Pod {
	t.Helper()
	var p corev1.Pod
	require.NoError(t, json.Unmarshal(raw, &p), string(raw))
	return p
}

func decodeStatus(t *testing.T, raw []byte) metav1.Status {
	t.Helper()
	var st metav1.Status
	require.NoError(t, json.Unmarshal(raw, &st), string(raw))
	assert.Equal(t, "Status", st.Kind)
	assert.Equal(t, "v1", st.APIVersion)
	assert.Equal(t, metav1.StatusFailure, st.Status)
	return st
}

// TestWrites runs each write through HTTP and checks the reply and the watch event.
func TestWrites(t *testing.T) {
	t.Parallel()
	const base = "/api/v1/namespaces/team-b/pods"
	tests := []struct {
		name        string
		method      string
		path        string // relative to base
		contentType string
		body        func(existing corev1.Pod) string
		code        int
		reason      metav1.StatusReason
		event       string
		check       func(t *testing.T, existing, got corev1.Pod)
	}{
		{name: "create", method: "POST", body: func(corev1.Pod) string { return podJSON("new", map[string]string{"app": "x"}) },
			code: 201, event: "ADDED", check: func(t *testing.T, _, got corev1.Pod) {
				assert.Equal(t, "new", got.Name)
				assert.Equal(t, "team-b", got.Namespace)
				assert.NotEmpty(t, got.UID)
				assert.False(t, got.CreationTimestamp.IsZero())
				assert.Equal(t, corev1.PodPending, got.Status.Phase)
			}},
		{name: "create generateName", method: "POST", body: func(corev1.Pod) string {
			return `{"metadata":{"generateName":"gen-"},"spec":{"containers":[{"name":"c","image":"i"}]}}`
		}, code: 201, event: "ADDED", check: func(t *testing.T, _, got corev1.Pod) {
			assert.Regexp(t, `^gen-[a-z0-9]{5}$`, got.Name)
		}},
		{name: "create exists", method: "POST", body: func(e corev1.Pod) string { return podJSON(e.Name, nil) }, code: 409, reason: metav1.StatusReasonAlreadyExists},
		{name: "create no name", method: "POST", body: func(corev1.Pod) string { return podJSON("", nil) }, code: 422, reason: metav1.StatusReasonInvalid},
		{name: "create no containers", method: "POST", body: func(corev1.Pod) string { return `{"metadata":{"name":"empty"}}` }, code: 422, reason: metav1.StatusReasonInvalid},
		{name: "create wrong kind", method: "POST", body: func(corev1.Pod) string { return `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}` }, code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "create bad json", method: "POST", body: func(corev1.Pod) string { return `{` }, code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "update", method: "PUT", path: "/{name}", body: func(e corev1.Pod) string {
			e.Labels["updated"] = "yes"
			raw, _ := json.Marshal(e)
			return string(raw)
		}, code: 200, event: "MODIFIED", check: func(t *testing.T, e, got corev1.Pod) {
			assert.Equal(t, "yes", got.Labels["updated"])
			assert.Equal(t, e.UID, got.UID)
			assert.NotEqual(t, e.ResourceVersion, got.ResourceVersion)
		}},
		{name: "update stale", method: "PUT", path: "/{name}", body: func(e corev1.Pod) string {
			prev, _ := strconv.Atoi(e.ResourceVersion)
			e.ResourceVersion = strconv.Itoa(prev - 1)
			raw, _ := json.Marshal(e)
			return string(raw)
		}, code: 409, reason: metav1.StatusReasonConflict},
		{name: "update missing", method: "PUT", path: "/missing", body: func(corev1.Pod) string { return podJSON("missing", nil) }, code: 404, reason: metav1.StatusReasonNotFound},
		{name: "update name mismatch", method: "PUT", path: "/{name}", body: func(corev1.Pod) string { return podJSON("other", nil) }, code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "merge patch", method: "PATCH", path: "/{name}", contentType: "application/merge-patch+json",
			body: func(corev1.Pod) string { return `{"metadata":{"labels":{"patched":"merge"}}}` }, code: 200, event: "MODIFIED",
			check: func(t *testing.T, e, got corev1.Pod) {
				assert.Equal(t, "merge", got.Labels["patched"])
				assert.Equal(t, e.Labels["app"], got.Labels["app"], "other labels kept")
			}},
		{name: "strategic merge patch", method: "PATCH", path: "/{name}", contentType: "application/strategic-merge-patch+json",
			body: func(corev1.Pod) string { return `{"status":{"phase":"Succeeded"}}` }, code: 200, event: "MODIFIED",
			check: func(t *testing.T, _, got corev1.Pod) { assert.Equal(t, corev1.PodSucceeded, got.Status.Phase) }},
		{name: "json patch", method: "PATCH", path: "/{name}", contentType: "application/json-patch+json",
			body: func(corev1.Pod) string { return `[{"op":"add","path":"/metadata/annotations","value":{"j":"p"}}]` }, code: 200, event: "MODIFIED",
			check: func(t *testing.T, _, got corev1.Pod) { assert.Equal(t, "p", got.Annotations["j"]) }},
		{name: "patch stale rv", method: "PATCH", path: "/{name}", contentType: "application/merge-patch+json",
			body: func(corev1.Pod) string { return `{"metadata":{"resourceVersion":"1"}}` }, code: 409, reason: metav1.StatusReasonConflict},
		{name: "patch unknown type", method: "PATCH", path: "/{name}", contentType: "text/plain", body: func(corev1.Pod) string { return `x` },
			code: 415, reason: metav1.StatusReasonUnsupportedMediaType},
		{name: "patch failing test op", method: "PATCH", path: "/{name}", contentType: "application/json-patch+json",
			body: func(corev1.Pod) string { return `[{"op":"test","path":"/metadata/name","value":"nope"}]` }, code: 422, reason: metav1.StatusReasonInvalid},
		{name: "delete", method: "DELETE", path: "/{name}", body: func(corev1.Pod) string { return "" }, code: 200, event: "DELETED",
			check: func(t *testing.T, e, got corev1.Pod) {
				assert.Equal(t, e.UID, got.UID)
				assert.NotEqual(t, e.ResourceVersion, got.ResourceVersion, "the deletion has its own rv")
			}},
		{name: "delete precondition", method: "DELETE", path: "/{name}", body: func(corev1.Pod) string {
			return `{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"not-it"}}`
		}, code: 409, reason: metav1.StatusReasonConflict},
		{name: "delete missing", method: "DELETE", path: "/missing", body: func(corev1.Pod) string { return "" }, code: 404, reason: metav1.StatusReasonNotFound},
		{name: "delete collection", method: "DELETE", body: func(corev1.Pod) string { return "" }, code: 405, reason: metav1.StatusReasonMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, Options{}, HandlerOptions{})
			_, l, _ := c.list(t, base)
			existing := l.Items[0]
			w := c.watch(t, base+"?watch=1&resourceVersion="+c.store.ResourceVersion())
			path := base
			if tt.path == "/{name}" {
				path += "/" + existing.Name
			} else {
				path += tt.path
			}
			ct := tt.contentType
			if ct == "" && tt.method != "DELETE" {
				ct = "application/json"
			}
			code, raw := c.do(t, tt.method, path, ct, tt.body(existing))
			require.Equal(t, tt.code, code, string(raw))
			if tt.code >= 300 {
				assert.Equal(t, tt.reason, decodeStatus(t, raw).Reason)
				return
			}
			got := decodePod(t, raw)
			tt.check(t, existing, got)
			e := w.next(t)
			assert.Equal(t, tt.event, e.Type)
			assert.Equal(t, got.ResourceVersion, e.meta(t).ResourceVersion)
			assert.Equal(t, got.UID, e.meta(t).UID)
		})
	}
}

func TestNoOpUpdateWritesNothing(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{})
	st, err := c.store.Get(ConfigMaps, "default", "nginx-config")
	require.NoError(t, err)
	before := c.store.ResourceVersion()
	same, err := c.store.Update(ConfigMaps, "default", "nginx-config", st.Object.DeepCopyObject().(Object))
	require.NoError(t, err)
	assert.Equal(t, st.Object.GetResourceVersion(), same.Object.GetResourceVersion())
	assert.Equal(t, before, c.store.ResourceVersion())
}

func TestDeleteNamespaceCascades(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{})
	_, pods, _ := c.list(t, "/api/v1/namespaces/team-a/pods")
	pw := c.watch(t, "/api/v1/pods?watch=1&resourceVersion="+c.store.ResourceVersion())
	nw := c.watch(t, "/api/v1/namespaces?watch=1&resourceVersion="+c.store.ResourceVersion())
	code, raw := c.do(t, "DELETE", "/api/v1/namespaces/team-a", "", "")
	require.Equal(t, http.StatusOK, code, string(raw))
	deleted := map[string]bool{}
	for range pods.Items {
		e := pw.next(t)
		assert.Equal(t, "DELETED", e.Type)
		deleted[e.meta(t).Name] = true
	}
	for _, p := range pods.Items {
		assert.True(t, deleted[p.Name], p.Name)
	}
	e := nw.next(t)
	assert.Equal(t, "DELETED", e.Type)
	assert.Equal(t, "team-a", e.meta(t).Name)
	for _, path := range []string{"/api/v1/namespaces/team-a/pods", "/api/v1/namespaces/team-a/configmaps", "/apis/apps/v1/namespaces/team-a/deployments", "/api/v1/namespaces/team-a/events"} {
		_, l, _ := c.list(t, path)
		assert.Empty(t, l.Items, path)
	}
	code, raw = c.do(t, "POST", "/api/v1/namespaces/team-a/pods", "application/json", podJSON("p", nil))
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, `namespaces "team-a" not found`, decodeStatus(t, raw).Message)
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	sub := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("sub:" + r.URL.Path)) })
	with := newCluster(t, Options{}, HandlerOptions{PodSubresources: sub})
	without := newCluster(t, Options{}, HandlerOptions{})
	_, l, _ := with.list(t, "/api/v1/namespaces/default/pods")
	pod := "/api/v1/namespaces/default/pods/" + l.Items[0].Name
	tests := []struct {
		name    string
		c       *testCluster
		path    string
		code    int
		contain string
	}{
		{name: "version", c: with, path: "/version", code: 200, contain: `"gitVersion":"v1.37.1-kubelive"`},
		{name: "api", c: with, path: "/api", code: 200, contain: `"versions":["v1"]`},
		{name: "apis", c: with, path: "/apis", code: 200, contain: `"name":"apps"`},
		{name: "core resources", c: with, path: "/api/v1", code: 200, contain: `"name":"pods/log"`},
		{name: "apps resources", c: with, path: "/apis/apps/v1", code: 200, contain: `"name":"deployments"`},
		{name: "get pod", c: with, path: pod, code: 200, contain: `"kind":"Pod"`},
		{name: "get namespace", c: with, path: "/api/v1/namespaces/default", code: 200, contain: `"phase":"Active"`},
		{name: "pod status", c: with, path: pod + "/status", code: 200, contain: `"kind":"Pod"`},
		{name: "missing pod", c: with, path: "/api/v1/namespaces/default/pods/nope", code: 404, contain: `pods \"nope\" not found`},
		{name: "missing deployment", c: with, path: "/apis/apps/v1/namespaces/default/deployments/nope", code: 404, contain: `deployments.apps \"nope\" not found`},
		{name: "unknown resource", c: with, path: "/api/v1/widgets", code: 404, contain: `"reason":"NotFound"`},
		{name: "pods in wrong group", c: with, path: "/apis/apps/v1/pods", code: 404},
		{name: "log delegated", c: with, path: pod + "/log", code: 200, contain: "sub:" + pod + "/log"},
		{name: "exec delegated", c: with, path: pod + "/exec", code: 200, contain: "/exec"},
		{name: "attach without podio", c: without, path: pod + "/attach", code: 404, contain: `"kind":"Status"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, raw := tt.c.do(t, "GET", tt.path, "", "")
			assert.Equal(t, tt.code, code, string(raw))
			assert.Contains(t, string(raw), tt.contain)
		})
	}
}

func TestPodsInterface(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{})
	refs := c.store.Running()
	require.Len(t, refs, 29, "the containers of the 25 Running pods, three of which have two")
	first := refs[0]
	got, err := c.store.Container(first.Namespace, first.Pod, "")
	require.NoError(t, err)
	assert.Equal(t, first.Container, got)
	_, err = c.store.Container(first.Namespace, first.Pod, "nope")
	assert.Error(t, err)
	_, err = c.store.Container(first.Namespace, "nope", "")
	assert.Error(t, err)
}

func TestChurnDeterministic(t *testing.T) {
	t.Parallel()
	run := func() string {
		s := NewStore(Options{Now: fixedNow, Seed: 9})
		require.NoError(t, Seed(s, nil, 9))
		ch := NewChurn(s, 0, 4)
		for range 300 {
			require.NoError(t, ch.Step())
		}
		var out []byte
		for _, res := range []string{Pods, Events} {
			l, err := s.List(res, ListOptions{})
			require.NoError(t, err)
			out = l.AppendJSON(out)
		}
		return string(out)
	}
	a, b := run(), run()
	assert.Equal(t, a, b)
	assert.Contains(t, a, `"kind":"Event"`)
	assert.Contains(t, a, `"involvedObject":{"kind":"Pod"`)
}
