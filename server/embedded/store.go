package embedded

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// Options configures a Store. Zero values select the defaults.
type Options struct {
	// History is the number of events kept per resource for watch resumption and exact lists
	// (default 1000). A watch from a resourceVersion older than the history gets 410 Expired.
	History int
	// WatchQueue is the number of events a watcher may have pending before it is terminated
	// (default 4096), so that a slow watcher never blocks writers.
	WatchQueue int
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Seed makes uids and generated names deterministic (0: random).
	Seed uint64
}

// Store is the in-memory cluster state. All methods are safe for concurrent use.
//
// Invariants: every write takes mu, increments rv by one, stamps the object with rv, appends
// one event to its table's history and offers it to the table's watchers before mu is
// released, so watchers see events in rv order with no gap and no duplicate.
type Store struct {
	res        map[string]*Resource // immutable after NewStore
	tables     map[string]*table    // immutable map; table contents guarded by mu
	now        func() time.Time
	historyCap int
	queueCap   int

	inUse  atomic.Value // of podsInUse: set by SetPodsInUse
	hashes sync.Map     // hashKey -> the pod-template-hash of that version of a workload

	mu   sync.RWMutex
	rv   uint64     // last assigned resourceVersion; guarded by mu
	rand *rand.Rand // guarded by mu (write lock)
}

// table holds one resource type. Guarded by Store.mu.
type table struct {
	res *Resource
	// objects maps "namespace/name" ("/name" when cluster-scoped) to the current state.
	objects map[string]*Stored
	history ring
	// floor: every event of this resource with rv > floor is in history.
	floor uint64
	// order holds values of objects sorted by compareStored, and added the
	// others (at most addedMax, created since order was last merged), so
	// that a LIST sorts only those. Invariant: together, the values of
	// objects. Written only by set and unset, under mu.
	order    []*Stored
	added    []*Stored
	pods     *podIndex // the pods by controller; nil but for the table of pods
	watchers map[*Watcher]struct{}
}

// Stored is one immutable object version with its JSON encoding.
type Stored struct {
	Object Object // read-only
	JSON   []byte
	rv     uint64
	labels labels.Set
	fields fields.Set // includes metadata.name and metadata.namespace
}

// event is one change of a table. Immutable once committed, except prevJSON (guarded by mu).
type event struct {
	typ  watch.EventType
	rv   uint64
	obj  *Stored // new state; for DELETED the last state stamped with the deletion's rv
	prev *Stored // state before (MODIFIED, DELETED)
	// prevJSON is prev re-stamped with rv, sent as DELETED to a watcher the object left.
	prevJSON []byte
}

// NewStore returns an empty store (no namespaces).
func NewStore(opts Options) *Store {
	if opts.History <= 0 {
		opts.History = 1000
	}
	if opts.WatchQueue <= 0 {
		opts.WatchQueue = 4096
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s := &Store{
		res:        resources(),
		tables:     map[string]*table{},
		now:        opts.Now,
		historyCap: opts.History,
		queueCap:   opts.WatchQueue,
		rand:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	for name, r := range s.res {
		s.tables[name] = &table{res: r, objects: map[string]*Stored{}, history: ring{buf: make([]*event, opts.History)}, watchers: map[*Watcher]struct{}{}}
		if name == Pods {
			s.tables[name].pods = newPodIndex()
		}
	}
	return s
}

// Resource returns the descriptor of a served resource, or nil.
func (s *Store) Resource(plural string) *Resource { return s.res[plural] }

// ResourceVersion returns the last assigned resourceVersion.
func (s *Store) ResourceVersion() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return strconv.FormatUint(s.rv, 10)
}

func key(ns, name string) string { return ns + "/" + name }

func (s *Store) table(res string) (*table, error) {
	t, ok := s.tables[res]
	if !ok {
		return nil, apierrors.NewNotFound(metav1SchemaResource(res), "")
	}
	return t, nil
}

// Get returns the current state of one object.
func (s *Store) Get(res, ns, name string) (*Stored, error) {
	t, err := s.table(res)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cur, ok := t.objects[key(scope(t, ns), name)]
	if !ok {
		return nil, apierrors.NewNotFound(t.res.GroupResource(), name)
	}
	return cur, nil
}

// Create stores a new object in namespace ns (ignored for cluster-scoped resources).
// obj is owned by the store afterwards.
func (s *Store) Create(res, ns string, obj Object) (*Stored, error) {
	return s.createAt(res, ns, obj, time.Time{})
}

// createAt is Create with another creationTimestamp than now (zero: now), for the seeded
// objects of a cluster that has been running for a while.
func (s *Store) createAt(res, ns string, obj Object, created time.Time) (*Stored, error) {
	t, err := s.table(res)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createLocked(t, scope(t, ns), obj, created)
}

// PodsInUse reports whether a client has a stream open to a pod (exec, attach): churn never
// deletes such a pod.
type PodsInUse interface {
	InUse(namespace, pod string) bool
}

type podsInUse struct{ PodsInUse }

// SetPodsInUse tells the store which pods are in use; safe to call at any time.
func (s *Store) SetPodsInUse(u PodsInUse) { s.inUse.Store(podsInUse{u}) }

// podInUse reports whether the PodsInUse set with SetPodsInUse says the pod is in use.
func (s *Store) podInUse(ns, name string) bool {
	u, _ := s.inUse.Load().(podsInUse)
	return u.PodsInUse != nil && u.InUse(ns, name)
}

func (s *Store) createLocked(t *table, ns string, obj Object, created time.Time) (*Stored, error) {
	if obj.GetNamespace() != "" && obj.GetNamespace() != ns {
		return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	if t.res.Namespaced {
		if _, ok := s.tables[Namespaces].objects[key("", ns)]; !ok {
			return nil, apierrors.NewNotFound(s.res[Namespaces].GroupResource(), ns)
		}
	}
	if obj.GetName() == "" && obj.GetGenerateName() != "" {
		for {
			obj.SetName(obj.GetGenerateName() + s.suffixLocked())
			if _, taken := t.objects[key(ns, obj.GetName())]; !taken {
				break
			}
		}
	}
	if err := validate(t.res, obj); err != nil {
		return nil, err
	}
	if _, ok := t.objects[key(ns, obj.GetName())]; ok {
		return nil, apierrors.NewAlreadyExists(t.res.GroupResource(), obj.GetName())
	}
	obj.SetNamespace(ns)
	obj.SetUID(types.UID(s.uidLocked()))
	if created.IsZero() {
		created = s.now()
	}
	obj.SetCreationTimestamp(metav1.NewTime(created))
	obj.SetDeletionTimestamp(nil)
	if t.res.Default != nil {
		t.res.Default(obj, nil)
	}
	s.rv++
	st, err := s.stamp(t.res, obj, s.rv)
	if err != nil {
		s.rv--
		return nil, err
	}
	t.set(key(ns, obj.GetName()), st)
	s.commitLocked(t, &event{typ: watch.Added, rv: s.rv, obj: st})
	return st, nil
}

// Update replaces an object. A non-empty metadata.resourceVersion in obj is a precondition
// (409 Conflict when stale). An update that changes nothing returns the current state and
// writes nothing, like the real API server. obj is owned by the store afterwards.
func (s *Store) Update(res, ns, name string, obj Object) (*Stored, error) {
	t, err := s.table(res)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateLocked(t, scope(t, ns), name, obj)
}

func (s *Store) updateLocked(t *table, ns, name string, obj Object) (*Stored, error) {
	cur, ok := t.objects[key(ns, name)]
	if !ok {
		return nil, apierrors.NewNotFound(t.res.GroupResource(), name)
	}
	if obj.GetName() == "" {
		obj.SetName(name)
	}
	if obj.GetName() != name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", obj.GetName(), name))
	}
	if obj.GetNamespace() != "" && obj.GetNamespace() != ns {
		return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	if rv := obj.GetResourceVersion(); rv != "" && rv != cur.Object.GetResourceVersion() {
		return nil, conflict(t.res, name)
	}
	if uid := obj.GetUID(); uid != "" && uid != cur.Object.GetUID() {
		return nil, uidConflict(t.res, name, uid, cur.Object.GetUID())
	}
	if err := validate(t.res, obj); err != nil {
		return nil, err
	}
	obj.SetNamespace(ns)
	obj.SetUID(cur.Object.GetUID())
	obj.SetCreationTimestamp(cur.Object.GetCreationTimestamp())
	obj.SetGenerateName(cur.Object.GetGenerateName())
	if t.res.Default != nil {
		t.res.Default(obj, cur.Object)
	}
	same, err := s.stamp(t.res, obj, cur.rv)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(same.JSON, cur.JSON) {
		return cur, nil
	}
	s.rv++
	st, err := s.stamp(t.res, obj, s.rv)
	if err != nil {
		s.rv--
		return nil, err
	}
	t.set(key(ns, name), st)
	s.commitLocked(t, &event{typ: watch.Modified, rv: s.rv, obj: st, prev: cur})
	return st, nil
}

// Delete removes an object, returning its last state stamped with the deletion's
// resourceVersion. Deleting a namespace first deletes every object in it (one DELETED event
// each). pre, when set, is checked like the real DeleteOptions.preconditions.
func (s *Store) Delete(res, ns, name string, pre *metav1.Preconditions) (*Stored, error) {
	t, err := s.table(res)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteLocked(t, scope(t, ns), name, pre)
}

func (s *Store) deleteLocked(t *table, ns, name string, pre *metav1.Preconditions) (*Stored, error) {
	cur, ok := t.objects[key(ns, name)]
	if !ok {
		return nil, apierrors.NewNotFound(t.res.GroupResource(), name)
	}
	if pre != nil && pre.UID != nil && *pre.UID != cur.Object.GetUID() {
		return nil, uidConflict(t.res, name, *pre.UID, cur.Object.GetUID())
	}
	if pre != nil && pre.ResourceVersion != nil && *pre.ResourceVersion != cur.Object.GetResourceVersion() {
		return nil, apierrors.NewConflict(t.res.GroupResource(), name,
			fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v",
				*pre.ResourceVersion, cur.Object.GetResourceVersion()))
	}
	if t.res.Plural == Namespaces {
		for _, plural := range sortedKeys(s.tables) {
			inner := s.tables[plural]
			if !inner.res.Namespaced {
				continue
			}
			for _, k := range sortedKeys(inner.objects) {
				if o := inner.objects[k].Object; o.GetNamespace() == name {
					if _, err := s.deleteLocked(inner, name, o.GetName(), nil); err != nil {
						return nil, fmt.Errorf("delete %s %s/%s of namespace: %w", plural, name, o.GetName(), err)
					}
				}
			}
		}
	}
	s.rv++
	obj := cur.Object.DeepCopyObject().(Object)
	if ns, ok := obj.(*corev1.Namespace); ok {
		ns.Status.Phase = corev1.NamespaceTerminating
	}
	final, err := s.stamp(t.res, obj, s.rv)
	if err != nil {
		s.rv--
		return nil, err
	}
	t.unset(key(ns, name), cur)
	s.commitLocked(t, &event{typ: watch.Deleted, rv: s.rv, obj: final, prev: cur})
	return final, nil
}

// commitLocked appends ev to the history and offers it to every watcher. Caller holds mu.
func (s *Store) commitLocked(t *table, ev *event) {
	if evicted := t.history.push(ev); evicted != nil {
		t.floor = evicted.rv
	}
	for w := range t.watchers {
		w.offer(ev)
	}
}

// stamp sets the object's TypeMeta and resourceVersion and encodes it.
func (s *Store) stamp(r *Resource, obj Object, rv uint64) (*Stored, error) {
	obj.GetObjectKind().SetGroupVersionKind(metav1SchemaGVK(r))
	obj.SetResourceVersion(strconv.FormatUint(rv, 10))
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", r.Kind, obj.GetName(), err)
	}
	fs := fields.Set{"metadata.name": obj.GetName()}
	if r.Namespaced {
		fs["metadata.namespace"] = obj.GetNamespace()
	}
	if r.Fields != nil {
		for k, v := range r.Fields(obj) {
			fs[k] = v
		}
	}
	return &Stored{Object: obj, JSON: raw, rv: rv, labels: labels.Set(obj.GetLabels()), fields: fs}, nil
}

// withRV returns the JSON of st stamped with another resourceVersion.
func (s *Store) withRV(r *Resource, st *Stored, rv uint64) []byte {
	cp, err := s.stamp(r, st.Object.DeepCopyObject().(Object), rv)
	if err != nil {
		return st.JSON
	}
	return cp.JSON
}

func (s *Store) uidLocked() string {
	a, b := s.rand.Uint64(), s.rand.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>48&0x3fff|0x8000, b&0xffffffffffff)
}

// suffixLocked returns 5 characters from the alphabet the API server uses for generateName.
func (s *Store) suffixLocked() string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	var b strings.Builder
	for range 5 {
		b.WriteByte(alphabet[s.rand.IntN(len(alphabet))])
	}
	return b.String()
}

func scope(t *table, ns string) string {
	if !t.res.Namespaced {
		return ""
	}
	return ns
}
