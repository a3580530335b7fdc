package embedded

import (
	"net/http"
	"runtime"
	"slices"
	"strings"

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

// groups returns the served API groups (the core group "" excluded), sorted by name, each
// with its one version.
func (h *Handler) groups() []metav1.APIGroup {
	seen := map[string]metav1.APIGroup{}
	for _, r := range h.store.res {
		if r.Group == "" {
			continue
		}
		gv := metav1.GroupVersionForDiscovery{GroupVersion: r.GroupVersion(), Version: r.Version}
		seen[r.Group] = metav1.APIGroup{Name: r.Group, Versions: []metav1.GroupVersionForDiscovery{gv}, PreferredVersion: gv}
	}
	out := make([]metav1.APIGroup, 0, len(seen))
	for _, name := range sortedKeys(seen) {
		out = append(out, seen[name])
	}
	slices.SortFunc(out, func(a, b metav1.APIGroup) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// group returns the served group of that name.
func (h *Handler) group(name string) (metav1.APIGroup, bool) {
	for _, g := range h.groups() {
		if g.Name == name {
			return g, true
		}
	}
	return metav1.APIGroup{}, false
}

// discoveryRoot answers /api and /apis.
func (h *Handler) discoveryRoot(p string, r *http.Request) any {
	if p == "api" {
		return metav1.APIVersions{
			TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}},
		}
	}
	return metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}, Groups: h.groups()}
}

// resourceList answers /api/v1 and /apis/{group}/{version}.
func (h *Handler) resourceList(group string) metav1.APIResourceList {
	l := metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: "v1"}
	verbs := metav1.Verbs{"create", "delete", "get", "list", "patch", "update", "watch"}
	for _, name := range sortedKeys(h.store.res) {
		r := h.store.res[name]
		if r.Group != group {
			continue
		}
		l.GroupVersion = r.GroupVersion()
		l.APIResources = append(l.APIResources, metav1.APIResource{
			Name: r.Plural, SingularName: r.Singular, Namespaced: r.Namespaced, Kind: r.Kind, Verbs: verbs, ShortNames: r.ShortNames,
		})
		for _, sub := range r.Subresources {
			kind := r.Kind
			if sub == "scale" {
				kind = "Scale"
			}
			l.APIResources = append(l.APIResources, metav1.APIResource{Name: r.Plural + "/" + sub, Namespaced: r.Namespaced,
				Kind: kind, Verbs: metav1.Verbs{"get", "patch", "update"}})
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
