package cache

import (
	"cmp"
	"errors"
	"slices"
	"sort"
)

// Endpoint names a resource type.
type Endpoint struct {
	Group, Version, Resource string
}

// ListRef is one list of a query: a cluster and a namespace ("" for all
// namespaces, or for a cluster-scoped resource).
type ListRef struct {
	Cluster, Namespace string
}

// Param is one query parameter.
type Param struct {
	Name, Value string
}

// Query is what a UI asks for: one resource over some lists, with the same
// query parameters (selectors, ...) for each. Name, when set, makes it an
// object query: one named object in the only list.
type Query struct {
	Endpoint Endpoint
	Lists    []ListRef
	Params   []Param
	Name     string
}

// Key is a Query's canonical serialisation: two queries that ask for the
// same data have the same Key, whatever the order of their lists and params.
type Key string

// reserved reports the reflector's own params; they never make a query
// distinct (a resourceVersion is never part of an identity).
func reserved(name string) bool {
	switch name {
	case "watch", "resourceVersion", "resourceVersionMatch", "allowWatchBookmarks",
		"timeoutSeconds", "sendInitialEvents", "limit", "continue":
		return true
	}
	return false
}

// Errors returned for a Query the cache cannot serve.
var (
	ErrNoLists       = errors.New("cache: query has no lists")
	ErrObjectQuery   = errors.New("cache: an object query needs exactly one list")
	ErrClosed        = errors.New("cache: closed")
	errNoResourceSet = errors.New("cache: query has no resource")
)

// normalize returns q in canonical form: lists sorted and deduplicated (a
// cluster's all-namespaces list absorbs its namespaced ones), reserved
// params dropped, params sorted.
func (q Query) normalize() (Query, error) {
	if q.Endpoint.Resource == "" {
		return Query{}, errNoResourceSet
	}
	if len(q.Lists) == 0 {
		return Query{}, ErrNoLists
	}
	lists := slices.Clone(q.Lists)
	// sort.Slice rather than slices.SortFunc: one sort's code for every
	// element type (each SortFunc instantiation is ~24 KB of wasm).
	sort.Slice(lists, func(i, j int) bool {
		a, b := lists[i], lists[j]
		return cmp.Or(cmp.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Namespace, b.Namespace)) < 0
	})
	lists = slices.Compact(lists)
	if q.Name == "" {
		all := map[string]bool{}
		for _, l := range lists {
			if l.Namespace == "" {
				all[l.Cluster] = true
			}
		}
		lists = slices.DeleteFunc(lists, func(l ListRef) bool { return l.Namespace != "" && all[l.Cluster] })
	} else if len(lists) != 1 {
		return Query{}, ErrObjectQuery
	}
	params := make([]Param, 0, len(q.Params))
	for _, p := range q.Params {
		if !reserved(p.Name) {
			params = append(params, p)
		}
	}
	sort.Slice(params, func(i, j int) bool {
		a, b := params[i], params[j]
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Value, b.Value)) < 0
	})
	return Query{Endpoint: q.Endpoint, Lists: lists, Params: slices.Compact(params), Name: q.Name}, nil
}

// Key returns the canonical key of q, or an error if q is not servable.
func (q Query) Key() (Key, error) {
	n, err := q.normalize()
	if err != nil {
		return "", err
	}
	return n.key(), nil
}

// key serialises a normalized query. JSON quoting makes it unambiguous.
func (q Query) key() Key { return Key(q.appendJSON(nil)) }

// selectors splits the label and field selectors out of params.
func selectors(params []Param) (label, field string, rest []Param) {
	for _, p := range params {
		switch p.Name {
		case "labelSelector":
			label = p.Value
		case "fieldSelector":
			field = p.Value
		default:
			rest = append(rest, p)
		}
	}
	return label, field, rest
}
