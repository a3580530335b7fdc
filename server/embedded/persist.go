package embedded

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// snapshot is the file format of Save and Load: the global resourceVersion and every object's
// JSON (which carries its own resourceVersion), by resource.
type snapshot struct {
	ResourceVersion string                       `json:"resourceVersion"`
	Objects         map[string][]json.RawMessage `json:"objects"`
}

// Save writes the store's objects and resourceVersion to w, so that a new process can Load
// them: the embedded cluster then survives a restart the way a real one survives an API
// server restart. The watch history is not saved: after Load, a watch from a resourceVersion
// older than the saved one gets 410 Expired (as after an etcd compaction) and the client
// relists; a watch from the saved resourceVersion itself resumes with nothing missed.
func (s *Store) Save(w io.Writer) error {
	s.mu.RLock()
	snap := snapshot{ResourceVersion: strconv.FormatUint(s.rv, 10), Objects: map[string][]json.RawMessage{}}
	for _, plural := range sortedKeys(s.tables) {
		t := s.tables[plural]
		objs := make([]json.RawMessage, 0, len(t.objects))
		for _, k := range sortedKeys(t.objects) {
			objs = append(objs, t.objects[k].JSON)
		}
		snap.Objects[plural] = objs
	}
	s.mu.RUnlock()
	if err := json.NewEncoder(w).Encode(snap); err != nil {
		return fmt.Errorf("save embedded cluster: %w", err)
	}
	return nil
}

// Load fills an empty store from what Save wrote. Every object keeps its uid, resourceVersion
// and content; the store's resourceVersion continues from the saved one, and the uid generator
// is reseeded from it so that new objects never reuse a uid of the previous process.
func (s *Store) Load(r io.Reader) error {
	var snap snapshot
	if err := json.NewDecoder(r).Decode(&snap); err != nil {
		return fmt.Errorf("load embedded cluster: %w", err)
	}
	rv, err := strconv.ParseUint(snap.ResourceVersion, 10, 64)
	if err != nil {
		return fmt.Errorf("load embedded cluster: resourceVersion %q: %w", snap.ResourceVersion, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rv != 0 {
		return fmt.Errorf("load embedded cluster: the store is not empty (resourceVersion %d)", s.rv)
	}
	for plural, objs := range snap.Objects {
		t, ok := s.tables[plural]
		if !ok {
			return fmt.Errorf("load embedded cluster: unknown resource %q", plural)
		}
		for i, raw := range objs {
			obj := t.res.New()
			if err := json.Unmarshal(raw, obj); err != nil {
				return fmt.Errorf("load embedded cluster: %s #%d: %w", plural, i, err)
			}
			orv, err := strconv.ParseUint(obj.GetResourceVersion(), 10, 64)
			if err != nil || orv > rv {
				return fmt.Errorf("load embedded cluster: %s %s: bad resourceVersion %q", plural, obj.GetName(), obj.GetResourceVersion())
			}
			st, err := s.stamp(t.res, obj, orv)
			if err != nil {
				return fmt.Errorf("load embedded cluster: %w", err)
			}
			t.set(key(scope(t, obj.GetNamespace()), obj.GetName()), st)
		}
	}
	s.rv = rv
	for _, t := range s.tables {
		t.floor = rv
	}
	s.rand = rand.New(rand.NewPCG(rv, rv^0x9e3779b97f4a7c15^s.rand.Uint64()))
	return nil
}
