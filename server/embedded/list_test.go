package embedded

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestListSelectors(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{})
	code, all, _ := c.list(t, "/api/v1/pods")
	require.Equal(t, http.StatusOK, code)
	require.Len(t, all.Items, 28, "seeded pods")
	first := all.Items[0]
	onNodeA := 0
	for _, p := range all.Items {
		if p.Spec.NodeName == "node-a" {
			onNodeA++
		}
	}
	tests := []struct {
		name, path string
		want       int
		code       int
		message    string
	}{
		{name: "equals", path: "/api/v1/pods?labelSelector=app%3Dnginx", want: 3},
		{name: "double equals", path: "/api/v1/pods?labelSelector=" + url.QueryEscape("app==nginx"), want: 3},
		{name: "not equals", path: "/api/v1/pods?labelSelector=" + url.QueryEscape("app!=nginx"), want: 25},
		{name: "in", path: "/api/v1/pods?labelSelector=" + url.QueryEscape("app in (web,worker)"), want: 5},
		{name: "notin", path: "/api/v1/pods?labelSelector=" + url.QueryEscape("app notin (web,worker,nginx)"), want: 20},
		{name: "exists", path: "/api/v1/pods?labelSelector=app", want: 28},
		{name: "not exists", path: "/api/v1/pods?labelSelector=" + url.QueryEscape("!app"), want: 0},
		{name: "namespace path", path: "/api/v1/namespaces/team-a/pods", want: 6},
		{name: "metadata.namespace", path: "/api/v1/pods?fieldSelector=metadata.namespace%3Dteam-b", want: 6},
		{name: "metadata.name", path: "/api/v1/pods?fieldSelector=metadata.name%3D" + first.Name, want: 1},
		{name: "status.phase", path: "/api/v1/pods?fieldSelector=status.phase%3DRunning", want: 25},
		{name: "status.phase not", path: "/api/v1/pods?fieldSelector=status.phase!%3DRunning", want: 3},
		{name: "spec.nodeName", path: "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a", want: onNodeA},
		{name: "label and field", path: "/api/v1/pods?labelSelector=app%3Dweb&fieldSelector=metadata.namespace%3Dteam-a", want: 3},
		{name: "deployments by label", path: "/apis/apps/v1/namespaces/default/deployments?labelSelector=app%3Dredis", want: 1},
		{name: "namespaces by name", path: "/api/v1/namespaces?fieldSelector=metadata.name%3Dmonitoring", want: 1},
		{name: "bad label selector", path: "/api/v1/pods?labelSelector=" + url.QueryEscape("app in ("), code: 400},
		{name: "unsupported field", path: "/api/v1/pods?fieldSelector=spec.foo%3Dbar", code: 400, message: "field label not supported: spec.foo"},
		{name: "pod field on configmaps", path: "/api/v1/configmaps?fieldSelector=status.phase%3DRunning", code: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, l, st := c.list(t, tt.path)
			if tt.code != 0 {
				require.Equal(t, tt.code, code)
				assert.Equal(t, "Status", st.Kind)
				assert.Equal(t, metav1.StatusReasonBadRequest, st.Reason)
				if tt.message != "" {
					assert.Equal(t, tt.message, st.Message)
				}
				return
			}
			require.Equal(t, http.StatusOK, code)
			assert.Len(t, l.Items, tt.want, names(l))
		})
	}
}

func TestListShapeAndOrder(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{})
	code, l, _ := c.list(t, "/api/v1/pods")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "PodList", l.Kind)
	assert.Equal(t, "v1", l.APIVersion)
	assert.Equal(t, c.store.ResourceVersion(), l.Metadata.ResourceVersion)
	assert.IsIncreasing(t, names(l))
	code, d, _ := c.list(t, "/apis/apps/v1/deployments")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "DeploymentList", d.Kind)
	assert.Equal(t, "apps/v1", d.APIVersion)
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query   string
		limit         int
		wantRemaining bool
	}{
		{name: "all pods by 4", query: "", limit: 4, wantRemaining: true},
		{name: "all pods by 1", query: "", limit: 1, wantRemaining: true},
		{name: "selector by 2", query: "&labelSelector=app+in+(web,nginx,api)", limit: 2, wantRemaining: false},
		{name: "limit larger than list", query: "", limit: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, Options{}, HandlerOptions{})
			_, full, _ := c.list(t, "/api/v1/pods?"+tt.query[min(1, len(tt.query)):])
			var got []string
			cont, rv := "", ""
			for page := 0; ; page++ {
				code, l, st := c.list(t, fmt.Sprintf("/api/v1/pods?limit=%d&continue=%s%s", tt.limit, url.QueryEscape(cont), tt.query))
				require.Equal(t, http.StatusOK, code, st.Message)
				if page == 0 {
					rv = l.Metadata.ResourceVersion
					// Writes between pages must not show: the pages are one consistent snapshot.
					_, err := c.store.Create(Pods, "default", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "aaa-late", Labels: map[string]string{"app": "web"}},
						Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}})
					require.NoError(t, err)
				}
				assert.Equal(t, rv, l.Metadata.ResourceVersion, "every page has the first page's resourceVersion")
				assert.LessOrEqual(t, len(l.Items), tt.limit)
				got = append(got, names(l)...)
				if l.Metadata.Continue == "" {
					assert.Nil(t, l.Metadata.RemainingItemCount)
					break
				}
				if tt.wantRemaining {
					require.NotNil(t, l.Metadata.RemainingItemCount)
					assert.Equal(t, int64(len(full.Items)-len(got)), *l.Metadata.RemainingItemCount)
				} else {
					assert.Nil(t, l.Metadata.RemainingItemCount, "no remainingItemCount with selectors")
				}
				cont = l.Metadata.Continue
			}
			assert.Equal(t, names(full), got)
		})
	}
}

func TestListContinueExpired(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{History: 10}, HandlerOptions{})
	code, l, _ := c.list(t, "/api/v1/pods?limit=5")
	require.Equal(t, http.StatusOK, code)
	require.NotEmpty(t, l.Metadata.Continue)
	churn := NewChurn(c.store, 0, 1)
	for range 60 {
		require.NoError(t, churn.Step())
	}
	code, _, st := c.list(t, "/api/v1/pods?limit=5&continue="+url.QueryEscape(l.Metadata.Continue))
	require.Equal(t, http.StatusGone, code)
	assert.Equal(t, metav1.StatusReasonExpired, st.Reason)
	assert.Equal(t, continueExpired, st.Message)
	assert.NotEmpty(t, st.ListMeta.Continue, "an inconsistent continue token is offered")

	code, _, st = c.list(t, "/api/v1/pods?continue=garbage")
	assert.Equal(t, http.StatusBadRequest, code, st.Message)
}

func TestListResourceVersion(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{History: 50}, HandlerOptions{})
	s := c.store
	before := s.ResourceVersion()
	created, err := s.Create(ConfigMaps, "default", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Data: map[string]string{"v": "1"}})
	require.NoError(t, err)
	rvA := created.Object.GetResourceVersion()
	cm := created.Object.DeepCopyObject().(*corev1.ConfigMap)
	cm.Data["v"] = "2"
	updated, err := s.Update(ConfigMaps, "default", "x", cm)
	require.NoError(t, err)
	rvB := updated.Object.GetResourceVersion()
	current := s.ResourceVersion()
	next, _ := strconv.Atoi(current)

	tests := []struct {
		name, query string
		code        int
		listRV      string
		xRV         string // "" means x is absent
		reason      metav1.StatusReason
	}{
		{name: "unset is most recent", query: "", code: 200, listRV: current, xRV: rvB},
		{name: "0 is any", query: "resourceVersion=0", code: 200, listRV: current, xRV: rvB},
		{name: "exact before creation", query: "resourceVersion=" + before + "&resourceVersionMatch=Exact", code: 200, listRV: before},
		{name: "exact at creation", query: "resourceVersion=" + rvA + "&resourceVersionMatch=Exact", code: 200, listRV: rvA, xRV: rvA},
		{name: "not older than", query: "resourceVersion=" + rvA + "&resourceVersionMatch=NotOlderThan", code: 200, listRV: current, xRV: rvB},
		{name: "rv without match", query: "resourceVersion=" + rvA, code: 200, listRV: current, xRV: rvB},
		{name: "exact too large", query: fmt.Sprintf("resourceVersion=%d&resourceVersionMatch=Exact", next+10), code: 504, reason: metav1.StatusReasonTimeout},
		{name: "not a number", query: "resourceVersion=abc", code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "match without rv", query: "resourceVersionMatch=Exact", code: 422, reason: metav1.StatusReasonInvalid},
		{name: "exact 0", query: "resourceVersion=0&resourceVersionMatch=Exact", code: 422, reason: metav1.StatusReasonInvalid},
		{name: "bad match", query: "resourceVersion=1&resourceVersionMatch=Newest", code: 422, reason: metav1.StatusReasonInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, l, st := c.list(t, "/api/v1/namespaces/default/configmaps?"+tt.query)
			require.Equal(t, tt.code, code, st.Message)
			if code != 200 {
				assert.Equal(t, tt.reason, st.Reason)
				return
			}
			assert.Equal(t, tt.listRV, l.Metadata.ResourceVersion)
			gotRV := ""
			for _, it := range l.Items {
				if it.Name == "x" {
					gotRV = it.ResourceVersion
				}
			}
			assert.Equal(t, tt.xRV, gotRV)
		})
	}
}

func TestListExactTooOld(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{History: 5}, HandlerOptions{})
	old := c.store.ResourceVersion()
	churn := NewChurn(c.store, 0, 3)
	for range 40 {
		require.NoError(t, churn.Step())
	}
	code, _, st := c.list(t, "/api/v1/pods?resourceVersionMatch=Exact&resourceVersion="+old)
	require.Equal(t, http.StatusGone, code)
	assert.Equal(t, metav1.StatusReasonExpired, st.Reason)
	assert.Equal(t, "The resourceVersion for the provided list is too old.", st.Message)
}
