//go:build js && wasm

package bridge

import (
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/cache"
)

// queryOf reads {lists: [{cluster, namespace}], endpoint: {group, version,
// resource}, queryParams: {name: value}} (and name, for watchObject).
func (j *listJob) queryOf(o safejs.Value, object bool) (cache.Query, error) {
	var q cache.Query
	if o.Type() != safejs.TypeObject {
		return q, errors.New("query must be an object")
	}
	ep, err := o.Get("endpoint")
	if err != nil || ep.Type() != safejs.TypeObject {
		return q, errors.New("endpoint {group, version, resource} is required")
	}
	g, e1 := optString(ep, "group")
	v, e2 := optString(ep, "version")
	r, e3 := optString(ep, "resource")
	if err := errors.Join(e1, e2, e3); err != nil {
		return q, fmt.Errorf("endpoint: %w", err)
	}
	if v == "" || r == "" {
		return q, errors.New("endpoint needs a version and a resource")
	}
	q.Endpoint = cache.Endpoint{Group: g, Version: v, Resource: r}
	if object {
		c, e1 := optString(o, "cluster")
		ns, e2 := optString(o, "namespace")
		name, e3 := optString(o, "name")
		if err := errors.Join(e1, e2, e3); err != nil {
			return q, err
		}
		if name == "" {
			return q, errors.New("name is required")
		}
		q.Lists, q.Name = []cache.ListRef{{Cluster: c, Namespace: ns}}, name
	} else {
		lists, err := o.Get("lists")
		if err != nil || lists.Type() != safejs.TypeObject {
			return q, errors.New("lists [{cluster, namespace}] is required")
		}
		n, err := lists.Length()
		if err != nil || n == 0 {
			return q, errors.New("lists must be a non-empty array")
		}
		for i := range n {
			l, _ := lists.Index(i)
			if l.Type() != safejs.TypeObject {
				return q, fmt.Errorf("lists[%d] must be an object", i)
			}
			c, e1 := optString(l, "cluster")
			ns, e2 := optString(l, "namespace")
			if err := errors.Join(e1, e2); err != nil {
				return q, fmt.Errorf("lists[%d]: %w", i, err)
			}
			q.Lists = append(q.Lists, cache.ListRef{Cluster: c, Namespace: ns})
		}
	}
	params, err := o.Get("queryParams")
	if err == nil && params.Type() == safejs.TypeObject {
		es, err := j.shim.Call("entries", params)
		if err != nil {
			return q, fmt.Errorf("queryParams: %w", err)
		}
		n, _ := es.Length()
		for i := range n {
			e, _ := es.Index(i)
			k, _ := e.Index(0)
			val, _ := e.Index(1)
			ks, _ := k.String()
			vs, _ := val.String()
			q.Params = append(q.Params, cache.Param{Name: ks, Value: vs})
		}
	}
	return q, nil
}
