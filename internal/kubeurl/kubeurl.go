// Package kubeurl builds the API paths and query strings of LIST, GET and
// WATCH requests from the options of internal/reflector. Every part is
// escaped; the result is relative to a cluster (no leading slash), ready for
// endpoint.Endpoint.URL or an HTTP base.
package kubeurl

import (
	"strconv"

	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/weburl"
)

// Resource names a resource type: group "" is the core group (/api/v1).
type Resource struct {
	Group, Version, Resource string
}

// Path returns the path of a resource list, namespaced if namespace is set,
// and of one object if name is set: api/v1/namespaces/ns/pods/name.
func Path(r Resource, namespace, name string) string {
	p := "api/" + weburl.PathEscape(r.Version)
	if r.Group != "" {
		p = "apis/" + weburl.PathEscape(r.Group) + "/" + weburl.PathEscape(r.Version)
	}
	if namespace != "" {
		p += "/namespaces/" + weburl.PathEscape(namespace)
	}
	p += "/" + weburl.PathEscape(r.Resource)
	if name != "" {
		p += "/" + weburl.PathEscape(name)
	}
	return p
}

// Extra are the query's own parameters (beyond the selectors), in order.
type Extra []struct{ Name, Value string }

// List returns the path and query of a LIST, or of a GET when o.Name is set.
func List(r Resource, namespace string, o reflector.ListOptions, extra Extra) string {
	q := weburl.Values{}
	for _, p := range extra {
		q.Add(p.Name, p.Value)
	}
	if o.Name != "" {
		if o.ResourceVersion != "" {
			q.Set("resourceVersion", o.ResourceVersion)
		}
		return withQuery(Path(r, namespace, o.Name), q)
	}
	set(q, "labelSelector", o.LabelSelector)
	set(q, "fieldSelector", o.FieldSelector)
	set(q, "resourceVersion", o.ResourceVersion)
	set(q, "resourceVersionMatch", o.ResourceVersionMatch)
	if o.Limit > 0 {
		q.Set("limit", strconv.FormatInt(o.Limit, 10))
	}
	set(q, "continue", o.Continue)
	return withQuery(Path(r, namespace, ""), q)
}

// Watch returns the path and query of a WATCH.
func Watch(r Resource, namespace string, o reflector.WatchOptions, extra Extra) string {
	q := weburl.Values{}
	for _, p := range extra {
		q.Add(p.Name, p.Value)
	}
	q.Set("watch", "1")
	set(q, "labelSelector", o.LabelSelector)
	set(q, "fieldSelector", o.FieldSelector)
	set(q, "resourceVersion", o.ResourceVersion)
	set(q, "resourceVersionMatch", o.ResourceVersionMatch)
	if o.AllowWatchBookmarks {
		q.Set("allowWatchBookmarks", "true")
	}
	if o.SendInitialEvents {
		q.Set("sendInitialEvents", "true")
	}
	if o.TimeoutSeconds > 0 {
		q.Set("timeoutSeconds", strconv.FormatInt(o.TimeoutSeconds, 10))
	}
	return withQuery(Path(r, namespace, ""), q)
}

func set(q weburl.Values, name, value string) {
	if value != "" {
		q.Set(name, value)
	}
}

func withQuery(path string, q weburl.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
