package kubeurl

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubelive/kubelive/internal/reflector"
)

var (
	pods   = Resource{Version: "v1", Resource: "pods"}
	deploy = Resource{Group: "apps", Version: "v1", Resource: "deployments"}
)

func TestPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		r              Resource
		ns, obj, wantP string
	}{
		{"core all", pods, "", "", "api/v1/pods"},
		{"core namespaced", pods, "default", "", "api/v1/namespaces/default/pods"},
		{"group object", deploy, "team-a", "web", "apis/apps/v1/namespaces/team-a/deployments/web"},
		{"escaped", pods, "a/b", "c d", "api/v1/namespaces/a%2Fb/pods/c%20d"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.wantP, Path(tc.r, tc.ns, tc.obj))
		})
	}
}

func TestListAndWatch(t *testing.T) {
	t.Parallel()
	extra := Extra{{"pretty", "false"}}
	assert.Equal(t, "api/v1/namespaces/ns/pods?labelSelector=app%3Dweb&limit=500&pretty=false&resourceVersion=12&resourceVersionMatch=NotOlderThan",
		List(pods, "ns", reflector.ListOptions{LabelSelector: "app=web", ResourceVersion: "12", ResourceVersionMatch: "NotOlderThan", Limit: 500}, extra))
	assert.Equal(t, "api/v1/namespaces/ns/pods/p1?resourceVersion=7", List(pods, "ns", reflector.ListOptions{Name: "p1", ResourceVersion: "7"}, nil))
	assert.Equal(t, "apis/apps/v1/deployments?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dweb&resourceVersion=abc&timeoutSeconds=420&watch=1",
		Watch(deploy, "", reflector.WatchOptions{ResourceVersion: "abc", AllowWatchBookmarks: true, TimeoutSeconds: 420, FieldSelector: "metadata.name=web"}, nil))
	assert.Equal(t, "api/v1/pods?allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&watch=1",
		Watch(pods, "", reflector.WatchOptions{SendInitialEvents: true, ResourceVersionMatch: "NotOlderThan", AllowWatchBookmarks: true}, nil))
}
