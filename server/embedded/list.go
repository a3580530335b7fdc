package embedded

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ListOptions are the parsed query parameters of a LIST or WATCH.
type ListOptions struct {
	Namespace            string // "" means every namespace
	Labels               labels.Selector
	Fields               fields.Selector
	ResourceVersion      string
	ResourceVersionMatch metav1.ResourceVersionMatch
	Limit                int64
	Continue             string

	Watch               bool
	AllowWatchBookmarks bool
	SendInitialEvents   bool
	TimeoutSeconds      int64 // 0: server default
}

// ParseListOptions reads the query of a LIST or WATCH of r in namespace ns, validating it the
// way the real API server does (400 for bad selectors, 422 for inconsistent options).
func ParseListOptions(r *Resource, ns string, q url.Values) (ListOptions, error) {
	o := ListOptions{
		Namespace:            ns,
		ResourceVersion:      q.Get("resourceVersion"),
		ResourceVersionMatch: metav1.ResourceVersionMatch(q.Get("resourceVersionMatch")),
		Continue:             q.Get("continue"),
		Watch:                isTrue(q.Get("watch")),
		AllowWatchBookmarks:  isTrue(q.Get("allowWatchBookmarks")),
		SendInitialEvents:    isTrue(q.Get("sendInitialEvents")),
	}
	var err error
	if o.Labels, err = labels.Parse(q.Get("labelSelector")); err != nil {
		return o, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
	}
	if o.Fields, err = fields.ParseSelector(q.Get("fieldSelector")); err != nil {
		return o, apierrors.NewBadRequest(fmt.Sprintf("invalid field selector: %v", err))
	}
	supported := fieldNames(r)
	for _, req := range o.Fields.Requirements() {
		if !supported[req.Field] {
			return o, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
		}
	}
	for name, dst := range map[string]*int64{"limit": &o.Limit, "timeoutSeconds": &o.TimeoutSeconds} {
		if v := q.Get(name); v != "" {
			if *dst, err = strconv.ParseInt(v, 10, 64); err != nil || *dst < 0 {
				return o, apierrors.NewBadRequest(fmt.Sprintf("invalid %s: %q", name, v))
			}
		}
	}
	return o, validateListOptions(o)
}

func validateListOptions(o ListOptions) error {
	var errs field.ErrorList
	match := field.NewPath("resourceVersionMatch")
	switch o.ResourceVersionMatch {
	case "":
	case metav1.ResourceVersionMatchExact, metav1.ResourceVersionMatchNotOlderThan:
		if o.ResourceVersion == "" && !o.SendInitialEvents {
			errs = append(errs, field.Forbidden(match, "resourceVersionMatch is forbidden unless resourceVersion is provided"))
		}
		if o.Continue != "" {
			errs = append(errs, field.Forbidden(match, "resourceVersionMatch is forbidden when continue is provided"))
		}
		if o.ResourceVersionMatch == metav1.ResourceVersionMatchExact && o.ResourceVersion == "0" {
			errs = append(errs, field.Forbidden(match, `resourceVersionMatch "exact" is forbidden for resourceVersion "0"`))
		}
	default:
		errs = append(errs, field.NotSupported(match, o.ResourceVersionMatch, []string{"Exact", "NotOlderThan", ""}))
	}
	if o.SendInitialEvents {
		if !o.Watch {
			errs = append(errs, field.Forbidden(field.NewPath("sendInitialEvents"), "sendInitialEvents is forbidden for list"))
		}
		if o.ResourceVersionMatch != metav1.ResourceVersionMatchNotOlderThan {
			errs = append(errs, field.Forbidden(match, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
		}
		if !o.AllowWatchBookmarks {
			errs = append(errs, field.Forbidden(field.NewPath("allowWatchBookmarks"), "sendInitialEvents requires setting allowWatchBookmarks to true"))
		}
	}
	if o.Continue != "" && o.ResourceVersion != "" && o.ResourceVersion != "0" {
		errs = append(errs, field.Forbidden(field.NewPath("resourceVersion"), "specifying resource version is not allowed when using continue"))
	}
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: "ListOptions"}, "", errs)
}

func isTrue(v string) bool { return v != "" && v != "false" && v != "0" }

func fieldNames(r *Resource) map[string]bool {
	names := map[string]bool{"metadata.name": true}
	if r.Namespaced {
		names["metadata.namespace"] = true
	}
	if r.Fields != nil {
		for k := range r.Fields(r.New()) {
			names[k] = true
		}
	}
	return names
}

// List is the result of a LIST: items sorted by namespace, then name.
type List struct {
	Resource        *Resource
	ResourceVersion string
	Continue        string
	Remaining       *int64
	Items           []*Stored
}

// continueToken is the opaque continue parameter: the list's resourceVersion and the last key
// returned, like the real API server's (base64url JSON).
type continueToken struct {
	V     string `json:"v"`
	RV    uint64 `json:"rv"`
	Start string `json:"start"`
}

func (c continueToken) encode() string {
	raw, _ := json.Marshal(c) //nolint:errchkjson // plain struct
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeContinue(s string) (continueToken, error) {
	var c continueToken
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil || c.V != "meta.k8s.io/v1" {
		return c, apierrors.NewBadRequest(fmt.Sprintf("continue key is not valid: %v", err))
	}
	return c, nil
}

const continueExpired = "The provided continue parameter is too old to display a consistent list result. " +
	"You can start a new list without the continue parameter, or use the continue token in this response to retrieve " +
	"the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that " +
	"were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."

// List serves a LIST of resource res with the real semantics of resourceVersion,
// resourceVersionMatch, limit and continue.
func (s *Store) List(res string, o ListOptions) (*List, error) {
	t, err := s.table(res)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	at, start := s.rv, ""
	switch {
	case o.Continue != "":
		tok, err := decodeContinue(o.Continue)
		if err != nil {
			return nil, err
		}
		at, start = tok.RV, tok.Start
		if at < t.floor {
			e := apierrors.NewResourceExpired(continueExpired)
			e.ErrStatus.ListMeta.Continue = continueToken{V: "meta.k8s.io/v1", RV: s.rv, Start: start}.encode()
			return nil, e
		}
	case o.ResourceVersion == "" || o.ResourceVersion == "0":
	default:
		rv, err := parseRV(o.ResourceVersion)
		if err != nil {
			return nil, err
		}
		if rv > s.rv {
			return nil, tooLarge(rv, s.rv)
		}
		if o.ResourceVersionMatch == metav1.ResourceVersionMatchExact {
			if rv < t.floor {
				return nil, apierrors.NewResourceExpired("The resourceVersion for the provided list is too old.")
			}
			at = rv
		}
	}
	f := filter{namespace: o.Namespace, labels: o.Labels, fields: o.Fields}
	items, rest := t.pageAt(at, f, start, o.Limit)
	l := &List{Resource: t.res, ResourceVersion: strconv.FormatUint(at, 10), Items: items}
	if o.Limit > 0 && int64(len(items)) > o.Limit {
		l.Items = items[:o.Limit]
		l.Continue = continueToken{V: "meta.k8s.io/v1", RV: at, Start: storedKey(l.Items[len(l.Items)-1])}.encode()
		if rest >= 0 {
			rest -= o.Limit
			l.Remaining = &rest
		}
	}
	return l, nil
}

// pageAt returns the objects matching f as they were at resourceVersion at
// whose keys come after start ("": from the first), sorted by
// compareStored: all of them when limit is 0, else at most limit+1 (one more
// than a page: it tells whether another page follows). rest counts every
// such object, or is -1 when f selects by labels or fields (which only a
// pass over every object could count). The cost is O(page + changes since
// at, log n): t.order is entered by binary search at start (and at f's
// namespace), and only objects changed since at (from the history) and
// those in t.added are sorted. Caller holds mu and has checked at >= t.floor.
func (t *table) pageAt(at uint64, f filter, start string, limit int64) (page []*Stored, rest int64) {
	lo, hi := t.span(f.namespace, start)
	after := func(st *Stored) bool {
		k := storedKey(st)
		return (start == "" || compareKeys(k, start) > 0) && (f.namespace == "" || st.Object.GetNamespace() == f.namespace)
	}
	// then maps a key changed after at to its state at at (nil: absent
	// then); now holds the current states of those keys, left out of
	// t.order's pass below.
	then := map[string]*Stored{}
	for i := t.history.n - 1; i >= t.history.after(at); i-- {
		ev := t.history.at(i)
		then[storedKey(ev.obj)] = ev.prev
	}
	now := make(map[*Stored]bool, len(then))
	var old []*Stored // objects outside t.order[lo:hi] or changed since at, as they were at at
	for k, st := range then {
		if cur := t.objects[k]; cur != nil {
			now[cur] = true
		}
		if st != nil && after(st) && f.matches(st) {
			old = append(old, st)
		}
	}
	for _, st := range t.added {
		if !now[st] && after(st) && f.matches(st) {
			old = append(old, st)
		}
	}
	slices.SortFunc(old, compareStored)
	rest = -1
	if f.empty() {
		rest = int64(hi-lo) + int64(len(old))
		for st := range now {
			if i, found := slices.BinarySearchFunc(t.order, st, compareStored); found && t.order[i] == st && lo <= i && i < hi {
				rest--
			}
		}
	}
	want := -1
	if limit > 0 {
		want = int(limit) + 1
		page = make([]*Stored, 0, min(want, hi-lo+len(old)))
	}
	full := func() bool { return want >= 0 && len(page) >= want }
	// The objects of t.order[lo:hi] and old, merged: each of old finds its
	// place by binary search and the run of t.order before it is copied, so
	// the objects of t.order are compared only in those searches.
	for i, j := lo, 0; ; j++ {
		end := hi
		if j < len(old) {
			end = i + sort.Search(hi-i, func(k int) bool { return compareStored(t.order[i+k], old[j]) > 0 })
		}
		for ; i < end && !full(); i++ {
			if st := t.order[i]; !now[st] && f.matches(st) {
				page = append(page, st)
			}
		}
		if full() || j == len(old) {
			return page, rest
		}
		page = append(page, old[j])
	}
}

// span is the part of t.order after key start ("": from the first) and in
// namespace ns ("": every namespace), found by binary search.
func (t *table) span(ns, start string) (lo, hi int) {
	// first returns the first position whose object's key is past k (at
	// or past it when strict is false).
	first := func(k string, strict bool) int {
		i, _ := slices.BinarySearchFunc(t.order, k, func(st *Stored, k string) int {
			if c := compareKeys(storedKey(st), k); c < 0 || (c == 0 && strict) {
				return -1
			}
			return 1
		})
		return i
	}
	hi = len(t.order)
	if ns != "" {
		lo = first(key(ns, ""), false)
		hi = lo + sort.Search(hi-lo, func(i int) bool { return t.order[lo+i].Object.GetNamespace() > ns })
	}
	if start != "" {
		lo = max(lo, min(first(start, true), hi))
	}
	return lo, hi
}

func storedKey(st *Stored) string { return key(st.Object.GetNamespace(), st.Object.GetName()) }

// compareStored orders objects as compareKeys orders their keys, without building them.
func compareStored(a, b *Stored) int {
	if c := cmp.Compare(a.Object.GetNamespace(), b.Object.GetNamespace()); c != 0 {
		return c
	}
	return cmp.Compare(a.Object.GetName(), b.Object.GetName())
}

// parseRV parses a non-zero resourceVersion.
func parseRV(s string) (uint64, error) {
	rv, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %s", s))
	}
	return rv, nil
}

// filter selects objects for a LIST or WATCH.
type filter struct {
	namespace string
	labels    labels.Selector
	fields    fields.Selector
}

func (f filter) empty() bool {
	return (f.labels == nil || f.labels.Empty()) && (f.fields == nil || f.fields.Empty())
}

func (f filter) matches(st *Stored) bool {
	if f.namespace != "" && st.Object.GetNamespace() != f.namespace {
		return false
	}
	if f.labels != nil && !f.labels.Matches(st.labels) {
		return false
	}
	return f.fields == nil || f.fields.Matches(st.fields)
}

// tooLarge is the real API server's 504 for a resourceVersion it has not reached yet.
func tooLarge(rv, current uint64) error {
	e := apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", rv, current), 1)
	e.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: metav1.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}
	return e
}
