package embedded

import (
	"net/http"
	"runtime"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"
)

// versionInfo is the /version document: the embedded cluster poses as Kubernetes 1.37.
func versionInfo() version.Info {
	return version.Info{
		Major: "1", Minor: "37", GitVersion: "v1.37.1-kubelive", GitTreeState: "clean",
		GoVersion: runtime.Version(), Compiler: runtime.Compiler, Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
}

func appsGroup() metav1.APIGroup {
	return metav1.APIGroup{
		Name:             "apps",
		Versions:         []metav1.GroupVersionForDiscovery{{GroupVersion: "apps/v1", Version: "v1"}},
		PreferredVersion: metav1.GroupVersionForDiscovery{GroupVersion: "apps/v1", Version: "v1"},
	}
}

// discoveryRoot answers /api, /apis and /apis/apps.
func (h *Handler) discoveryRoot(p string, r *http.Request) any {
	group := appsGroup()
	group.Kind, group.APIVersion = "APIGroup", "v1"
	switch p {
	case "api":
		return metav1.APIVersions{
			TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}},
		}
	case "apis":
		group.Kind, group.APIVersion = "", ""
		return metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}, Groups: []metav1.APIGroup{group}}
	default:
		return group
	}
}

// resourceList answers /api/v1 and /apis/apps/v1.
func (h *Handler) resourceList(group string) metav1.APIResourceList {
	l := metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: "v1"}
	if group != "" {
		l.GroupVersion = group + "/v1"
	}
	verbs := metav1.Verbs{"create", "delete", "get", "list", "patch", "update", "watch"}
	for _, name := range sortedKeys(h.store.res) {
		r := h.store.res[name]
		if r.Group != group {
			continue
		}
		l.APIResources = append(l.APIResources, metav1.APIResource{
			Name: r.Plural, SingularName: r.Singular, Namespaced: r.Namespaced, Kind: r.Kind, Verbs: verbs, ShortNames: r.ShortNames,
		})
		if r.Plural == Pods || r.Plural == Deployments || r.Plural == Namespaces {
			l.APIResources = append(l.APIResources, metav1.APIResource{Name: r.Plural + "/status", Namespaced: r.Namespaced,
				Kind: r.Kind, Verbs: metav1.Verbs{"get", "patch", "update"}})
		}
		if r.Plural == Pods {
			for _, sub := range []string{"attach", "exec", "log"} {
				v := metav1.Verbs{"create", "get"}
				kind := "PodExecOptions"
				switch sub {
				case "attach":
					kind = "PodAttachOptions"
				case "log":
					kind, v = "Pod", metav1.Verbs{"get"}
				}
				l.APIResources = append(l.APIResources, metav1.APIResource{Name: "pods/" + sub, Namespaced: true, Kind: kind, Verbs: v})
			}
		}
	}
	slices.SortStableFunc(l.APIResources, func(a, b metav1.APIResource) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return l
}
