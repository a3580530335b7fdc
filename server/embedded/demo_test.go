package embedded

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// inconsistency describes the first Deployment whose counts are not its pods', or "".
func inconsistency(t *testing.T, s *Store) string {
	t.Helper()
	owned := podsByOwnerScan(t, s)
	deps, err := s.List(Deployments, ListOptions{})
	require.NoError(t, err)
	rsets, err := s.List(ReplicaSets, ListOptions{})
	require.NoError(t, err)
	for _, st := range deps.Items {
		d := st.Object.(*appsv1.Deployment)
		var pods []*corev1.Pod
		for _, rst := range rsets.Items {
			if ref := metav1.GetControllerOf(rst.Object); ref != nil && ref.UID == d.UID {
				pods = append(pods, owned[rst.Object.GetUID()]...)
			}
		}
		want := derefReplicas(d.Spec.Replicas)
		if int32(len(pods)) != want || d.Status.Replicas != want || d.Status.ReadyReplicas != countReady(pods) || d.Status.UpdatedReplicas != want {
			return fmt.Sprintf("deployment %s/%s: spec %d, %d pods (%d ready), status %d replicas (%d ready, %d updated)",
				d.Namespace, d.Name, want, len(pods), countReady(pods), d.Status.Replicas, d.Status.ReadyReplicas, d.Status.UpdatedReplicas)
		}
	}
	return ""
}

// podStatus is what kubectl's STATUS column says of a pod.
func podStatus(p *corev1.Pod) string {
	for i, cs := range p.Status.InitContainerStatuses {
		if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
			return fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
	}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			return w.Reason
		}
	}
	if p.Status.Phase == corev1.PodSucceeded {
		return "Completed"
	}
	return string(p.Status.Phase)
}

func TestSeedIsBelievable(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{})
	assert.Empty(t, inconsistency(t, c.store))

	pods, err := c.store.List(Pods, ListOptions{})
	require.NoError(t, err)
	statuses := map[string]int{}
	multi, restarts := 0, int32(0)
	oldest := fixedNow()
	for _, st := range pods.Items {
		p := st.Object.(*corev1.Pod)
		statuses[podStatus(p)]++
		if len(p.Spec.Containers) > 1 {
			multi++
		}
		if p.Annotations[behaviourKey] == "crashloop" {
			restarts = p.Status.ContainerStatuses[0].RestartCount
		}
		require.NotNil(t, metav1.GetControllerOf(p), "pod %s has a controller", p.Name)
		if p.CreationTimestamp.Before(&metav1.Time{Time: oldest}) {
			oldest = p.CreationTimestamp.Time
		}
	}
	for _, want := range []string{"Running", "CrashLoopBackOff", "Completed", "Failed", "Init:1/2"} {
		assert.Positive(t, statuses[want], "a pod is %s: %v", want, statuses)
	}
	assert.GreaterOrEqual(t, multi, 3, "multi-container pods")
	assert.Positive(t, restarts, "the crash-looping pod has restarted")
	assert.Greater(t, fixedNow().Sub(oldest), 24*time.Hour, "the oldest pod is days old")

	for _, tc := range []struct {
		path string
		min  int
	}{
		{"/api/v1/nodes", 3}, {"/api/v1/services", 10}, {"/api/v1/secrets", 4}, {"/api/v1/namespaces", 5},
		{"/apis/apps/v1/replicasets", 10}, {"/apis/apps/v1/statefulsets", 1}, {"/apis/apps/v1/daemonsets", 2},
		{"/apis/batch/v1/jobs", 2}, {"/apis/apiextensions.k8s.io/v1/customresourcedefinitions", 1},
		{"/apis/demo.kubelive.io/v1alpha1/widgets", 3}, {"/apis/demo.kubelive.io/v1alpha1/namespaces/default/widgets", 2},
	} {
		code, l, _ := c.list(t, tc.path)
		require.Equal(t, http.StatusOK, code, tc.path)
		assert.GreaterOrEqual(t, len(l.Items), tc.min, tc.path)
	}
	code, raw := c.do(t, http.MethodGet, "/api/v1/namespaces/team-b/secrets/postgres-credentials", "", "")
	require.Equal(t, http.StatusOK, code)
	var sec corev1.Secret
	require.NoError(t, json.Unmarshal(raw, &sec))
	assert.Equal(t, "correct-horse-battery-staple", string(sec.Data["password"]), "a Secret has its data")

	code, raw = c.do(t, http.MethodGet, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.demo.kubelive.io", "", "")
	require.Equal(t, http.StatusOK, code)
	var crd struct {
		Spec struct {
			Group    string `json:"group"`
			Versions []struct {
				Name    string `json:"name"`
				Columns []struct {
					Name, JSONPath string
				} `json:"additionalPrinterColumns"`
			} `json:"versions"`
		} `json:"spec"`
	}
	require.NoError(t, json.Unmarshal(raw, &crd))
	assert.Equal(t, WidgetGroup, crd.Spec.Group)
	require.Len(t, crd.Spec.Versions, 1)
	assert.Equal(t, "v1alpha1", crd.Spec.Versions[0].Name)
	assert.Equal(t, "Color", crd.Spec.Versions[0].Columns[0].Name)
	assert.Equal(t, ".spec.color", crd.Spec.Versions[0].Columns[0].JSONPath)
}

func TestDiscoveryListsEveryKind(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{})
	var groups metav1.APIGroupList
	code, raw := c.do(t, http.MethodGet, "/apis", "", "")
	require.Equal(t, http.StatusOK, code)
	require.NoError(t, json.Unmarshal(raw, &groups))
	var names []string
	for _, g := range groups.Groups {
		names = append(names, g.PreferredVersion.GroupVersion)
	}
	assert.Equal(t, []string{"apiextensions.k8s.io/v1", "apps/v1", "batch/v1", "demo.kubelive.io/v1alpha1"}, names)
	for gv, want := range map[string][]string{
		"/api/v1":                            {"configmaps", "events", "namespaces", "nodes", "pods", "pods/exec", "secrets", "services"},
		"/apis/apps/v1":                      {"daemonsets", "deployments", "deployments/scale", "replicasets", "statefulsets"},
		"/apis/batch/v1":                     {"jobs", "jobs/status"},
		"/apis/apiextensions.k8s.io/v1":      {"customresourcedefinitions"},
		"/apis/demo.kubelive.io/v1alpha1":    {"widgets", "widgets/status"},
		"/apis/demo.kubelive.io":             nil,
		"/apis/apiextensions.k8s.io/v1beta1": nil,
	} {
		code, raw := c.do(t, http.MethodGet, gv, "", "")
		if gv == "/apis/apiextensions.k8s.io/v1beta1" {
			assert.Equal(t, http.StatusNotFound, code, "a version not served")
			continue
		}
		require.Equal(t, http.StatusOK, code, gv)
		if want == nil {
			continue
		}
		var l metav1.APIResourceList
		require.NoError(t, json.Unmarshal(raw, &l))
		var have []string
		for _, r := range l.APIResources {
			have = append(have, r.Name)
		}
		assert.Subset(t, have, want, gv)
	}
}

// steppedStore is a seeded store whose clock moves by 50 ms per churn step (20 writes/s, the
// default rate).
func steppedStore(t *testing.T, seed uint64) (*Store, func(), *Churn) {
	now := fixedNow()
	s := NewStore(Options{Now: func() time.Time { return now }, Seed: seed})
	require.NoError(t, Seed(s, nil, seed))
	ch := NewChurn(s, 0, seed)
	step := func() {
		now = now.Add(50 * time.Millisecond)
		require.NoError(t, ch.Step())
	}
	return s, step, ch
}

// allInUse marks every pod in use.
type allInUse bool

func (a allInUse) InUse(string, string) bool { return bool(a) }

func podUIDs(t *testing.T, s *Store) map[string]bool {
	l, err := s.List(Pods, ListOptions{})
	require.NoError(t, err)
	out := map[string]bool{}
	for _, st := range l.Items {
		out[string(st.Object.GetUID())] = true
	}
	return out
}

// TestChurnIsBelievable churns ten minutes at the default rate: pods live minutes, some are
// replaced, a node goes NotReady, the crash-looping pod restarts, and once churn settles
// every Deployment's counts are its pods'. With every pod in use, none is deleted.
func TestChurnIsBelievable(t *testing.T) {
	t.Parallel()
	const steps = 20 * 600
	for _, inUse := range []bool{false, true} {
		t.Run(fmt.Sprintf("in use %v", inUse), func(t *testing.T) {
			t.Parallel()
			s, step, _ := steppedStore(t, 3)
			s.SetPodsInUse(allInUse(inUse))
			before := podUIDs(t, s)
			notReady := false
			for i := range steps {
				step()
				if i%20 == 0 {
					nodes, err := s.List(Nodes, ListOptions{})
					require.NoError(t, err)
					for _, n := range nodes.Items {
						for _, c := range n.Object.(*corev1.Node).Status.Conditions {
							notReady = notReady || c.Type == corev1.NodeReady && c.Status != corev1.ConditionTrue
						}
					}
				}
			}
			after := podUIDs(t, s)
			gone := 0
			for uid := range before {
				if !after[uid] {
					gone++
				}
			}
			if inUse {
				assert.Zero(t, gone, "no pod in use is deleted")
				return
			}
			// Mean lifetime = pods x time / deletions.
			lifetime := time.Duration(float64(len(before)) * float64(steps/20) / float64(max(gone, 1)) * float64(time.Second))
			t.Logf("%d of %d pods replaced in 10 simulated minutes at 20 writes/s: mean pod lifetime %s", gone, len(before), lifetime.Round(time.Second))
			assert.Positive(t, gone, "churn replaces pods")
			assert.Greater(t, lifetime, 3*time.Minute, "pods live minutes")
			assert.True(t, notReady, "a node went NotReady")
			for range 2000 {
				if inconsistency(t, s) == "" {
					break
				}
				step()
			}
			assert.Empty(t, inconsistency(t, s))
		})
	}
}

// TestScaleAndRestartThroughTheAPI scales a deployment through its scale subresource and
// restarts its rollout as kubectl does; churn, as the controllers, makes the pods follow.
func TestScaleAndRestartThroughTheAPI(t *testing.T) {
	t.Parallel()
	s, step, _ := steppedStore(t, 5)
	ts := httptest.NewServer(NewHandler(s, HandlerOptions{}))
	t.Cleanup(ts.Close)
	c := &testCluster{store: s, url: ts.URL}
	code, raw := c.do(t, http.MethodPatch, "/apis/apps/v1/namespaces/default/deployments/nginx/scale", "application/merge-patch+json", `{"spec":{"replicas":5}}`)
	require.Equal(t, http.StatusOK, code, string(raw))
	assert.Contains(t, string(raw), `"kind":"Scale"`)
	assert.Contains(t, string(raw), `"spec":{"replicas":5}`)
	code, raw = c.do(t, http.MethodPut, "/apis/apps/v1/namespaces/default/deployments/nginx/scale", "application/json", `{"spec":{"replicas":-1}}`)
	assert.Equal(t, http.StatusUnprocessableEntity, code, string(raw))

	settle := func(what string, done func() bool) {
		t.Helper()
		for range 5000 {
			if done() {
				return
			}
			step()
		}
		require.True(t, done(), what)
	}
	nginx := func() *appsv1.Deployment {
		st, err := s.Get(Deployments, "default", "nginx")
		require.NoError(t, err)
		return st.Object.(*appsv1.Deployment)
	}
	settle("5 nginx pods, all counted", func() bool {
		return inconsistency(t, s) == "" && nginx().Status.ReadyReplicas == 5
	})
	oldHash := templateHash(nginx().Spec.Template)

	restart := `{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-21T12:00:00Z"}}}}}`
	code, raw = c.do(t, http.MethodPatch, "/apis/apps/v1/namespaces/default/deployments/nginx", "application/strategic-merge-patch+json", restart)
	require.Equal(t, http.StatusOK, code, string(raw))
	newHash := templateHash(nginx().Spec.Template)
	require.NotEqual(t, oldHash, newHash)
	settle("every nginx pod of the new template", func() bool {
		l, err := s.List(Pods, ListOptions{Namespace: "default"})
		require.NoError(t, err)
		n := 0
		for _, st := range l.Items {
			switch st.Object.GetLabels()["pod-template-hash"] {
			case oldHash:
				return false
			case newHash:
				n++
			}
		}
		return n == 5 && inconsistency(t, s) == "" && nginx().Status.ReadyReplicas == 5
	})
	old, err := s.Get(ReplicaSets, "default", "nginx-"+oldHash)
	require.NoError(t, err)
	assert.Equal(t, int32(0), *old.Object.(*appsv1.ReplicaSet).Spec.Replicas, "the old ReplicaSet is scaled to 0")
	cur, err := s.Get(ReplicaSets, "default", "nginx-"+newHash)
	require.NoError(t, err)
	assert.Equal(t, "2", cur.Object.GetAnnotations()["deployment.kubernetes.io/revision"])
}

// TestNewKindsAcceptWrites creates, patches and deletes objects of the kinds beyond the
// first four, a custom resource among them.
func TestNewKindsAcceptWrites(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{})
	tests := []struct {
		collection, name, body, patch, want string
	}{
		{"/apis/demo.kubelive.io/v1alpha1/namespaces/team-b/widgets", "whatsit",
			`{"apiVersion":"demo.kubelive.io/v1alpha1","kind":"Widget","metadata":{"name":"whatsit"},"spec":{"color":"teal","size":2}}`,
			`{"spec":{"size":4}}`, `"size":4`},
		{"/api/v1/namespaces/team-b/secrets", "token", `{"metadata":{"name":"token"},"stringData":{"k":"v"},"data":{"k":"dg=="}}`,
			`{"data":{"k2":"dzI="}}`, `"k2":"dzI="`},
		{"/api/v1/namespaces/team-b/services", "extra", `{"metadata":{"name":"extra"},"spec":{"ports":[{"port":80}]}}`,
			`{"metadata":{"labels":{"a":"b"}}}`, `"labels":{"a":"b"}`},
		{"/apis/batch/v1/namespaces/team-b/jobs", "once", `{"metadata":{"name":"once"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}`,
			`{"spec":{"suspend":true}}`, `"suspend":true`},
		{"/api/v1/nodes", "node-z", `{"metadata":{"name":"node-z"}}`, `{"spec":{"unschedulable":true}}`, `"unschedulable":true`},
	}
	for _, tc := range tests {
		code, raw := c.do(t, http.MethodPost, tc.collection, "application/json", tc.body)
		require.Equal(t, http.StatusCreated, code, "%s: %s", tc.collection, raw)
		code, raw = c.do(t, http.MethodPatch, tc.collection+"/"+tc.name, "application/merge-patch+json", tc.patch)
		require.Equal(t, http.StatusOK, code, "%s: %s", tc.collection, raw)
		assert.Contains(t, string(raw), tc.want, tc.collection)
		code, raw = c.do(t, http.MethodDelete, tc.collection+"/"+tc.name, "", "")
		require.Equal(t, http.StatusOK, code, "%s: %s", tc.collection, raw)
		code, _ = c.do(t, http.MethodGet, tc.collection+"/"+tc.name, "", "")
		assert.Equal(t, http.StatusNotFound, code, tc.collection)
	}
	code, raw := c.do(t, http.MethodPost, "/apis/demo.kubelive.io/v1alpha1/namespaces/default/widgets", "application/json", `{"metadata":{"name":"nokind"}}`)
	assert.Equal(t, http.StatusBadRequest, code, string(raw))
	assert.Contains(t, string(raw), "must be of type Widget")
}

// TestSeedScaleNamesNeverCollide: thousands of random pod names collide
// (seed 1 at 5,000 did); each is drawn again until it is new.
func TestSeedScaleNamesNeverCollide(t *testing.T) {
	t.Parallel()
	s := NewStore(Options{Now: fixedNow, Seed: 1})
	require.NoError(t, Seed(s, nil, 1))
	require.NoError(t, SeedScale(s, 5000, 1))
	l, err := s.List(Pods, ListOptions{Namespace: ScaleNamespace})
	require.NoError(t, err)
	assert.Len(t, l.Items, 5000)
}

func TestSeedScale(t *testing.T) {
	t.Parallel()
	now := fixedNow()
	s := NewStore(Options{Now: func() time.Time { return now }, Seed: 2})
	require.NoError(t, Seed(s, nil, 2))
	require.NoError(t, SeedScale(s, 2000, 2))
	l, err := s.List(Pods, ListOptions{Namespace: ScaleNamespace})
	require.NoError(t, err)
	require.Len(t, l.Items, 2000)
	assert.Empty(t, inconsistency(t, s))
	bytes := 0
	for _, st := range l.Items {
		bytes += len(st.JSON)
	}
	t.Logf("%d pods of %d bytes on average", len(l.Items), bytes/len(l.Items))
	assert.Greater(t, bytes/len(l.Items), 2500, "realistic pods")
	ch := NewChurn(s, 0, 2)
	start := time.Now()
	for range 200 {
		now = now.Add(50 * time.Millisecond)
		require.NoError(t, ch.Step())
	}
	t.Logf("a churn step with %d pods takes %s", 2000+28, time.Since(start)/200)
}

func TestRestartsAndInitContainers(t *testing.T) {
	t.Parallel()
	c := newCluster(t, Options{}, HandlerOptions{})
	l, err := c.store.List(Pods, ListOptions{Namespace: "team-a", Labels: labels.SelectorFromSet(labels.Set{"app": "reports"})})
	require.NoError(t, err)
	require.Len(t, l.Items, 1)
	p := l.Items[0].Object.(*corev1.Pod)
	assert.Equal(t, int(p.Status.ContainerStatuses[0].RestartCount), c.store.Restarts("team-a", p.Name, "reports"))
	assert.Positive(t, c.store.Restarts("team-a", p.Name, "reports"))
	assert.Zero(t, c.store.Restarts("team-a", p.Name, "nope"))
	got, err := c.store.Container("team-b", "postgres-1", "wait-for-primary")
	require.NoError(t, err, "an init container is a container of the pod")
	assert.Equal(t, "wait-for-primary", got)
}
