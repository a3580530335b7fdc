package persist

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kubelive/kubelive/internal/cache"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/wire"
)

// Backend is the whole persistent store: records under their StoreKey, and
// two meta keys outside every identity's range (the salt, and per
// principal the last identity). Its methods may block; they are never
// called on the JS event loop's own callbacks.
type Backend interface {
	Store
	Get(key string) ([]byte, bool, error)
	// Range returns every key in [lo, hi) and its value.
	Range(lo, hi string) (map[string][]byte, error)
	// DeleteRange deletes every key in [lo, hi).
	DeleteRange(lo, hi string) error
}

// Meta keys. Identity keys begin with a hex digit, so neither is in any
// IdentityRange.
const (
	saltKey      = "salt"
	principalKey = "principal/"
)

// Options configure Open.
type Options struct {
	BaseURL, Token, UserID string
	Exclude                []string // see NewPolicy
	Clock                  clock.Clock
	Interval               time.Duration // see NewWriter
	// Warn hears every record that was ignored, and every failed write: a
	// sentence, never a token.
	Warn func(msg string)
	// Random fills p with cryptographically random bytes (the salt); it is
	// required: crypto/rand.Read natively, crypto.getRandomValues in a
	// browser.
	Random func(p []byte) error
}

// Warm is a cache.Warm over a Backend for one identity.
type Warm struct {
	backend  Backend
	identity string
	// principal is the meta key remembering identity; salt the profile's.
	principal string
	salt      []byte
	policy    Policy
	clk       clock.Clock
	writer    *Writer
	warn      func(string)

	mu    sync.Mutex
	seeds map[string][]byte // guarded by mu: records loaded at Open, each taken once
}

// Open reads (or makes) the salt, clears the data of the identity the
// principal had before when its token changed, and loads this identity's
// records. Close the Warm to stop its writer.
func Open(b Backend, o Options) (*Warm, error) {
	policy, err := NewPolicy(o.Exclude)
	if err != nil {
		return nil, err
	}
	salt, ok, err := b.Get(saltKey)
	if err != nil {
		return nil, fmt.Errorf("persist: read the salt: %w", err)
	}
	if !ok || len(salt) < 16 {
		salt = make([]byte, 16)
		if o.Random == nil {
			return nil, errors.New("persist: make a salt: no source of randomness (Options.Random is nil)")
		}
		if err := o.Random(salt); err != nil {
			return nil, fmt.Errorf("persist: make a salt: %w", err)
		}
		if err := b.Put(saltKey, salt); err != nil {
			return nil, fmt.Errorf("persist: store the salt: %w", err)
		}
	}
	id := Identity(salt, o.BaseURL, o.Token, o.UserID)
	pk := principalKey + Principal(salt, o.BaseURL, o.UserID)
	prev, ok, err := b.Get(pk)
	if err != nil {
		return nil, fmt.Errorf("persist: read the last identity: %w", err)
	}
	if ok && string(prev) != id {
		// Another token for the same user and backend: what the old one
		// could see is not for this one, nor kept for a token that changed.
		if err := b.DeleteRange(IdentityRange(string(prev))); err != nil {
			return nil, fmt.Errorf("persist: clear the previous identity: %w", err)
		}
	}
	if !ok || string(prev) != id {
		if err := b.Put(pk, []byte(id)); err != nil {
			return nil, fmt.Errorf("persist: store the identity: %w", err)
		}
	}
	seeds, err := b.Range(IdentityRange(id))
	if err != nil {
		return nil, fmt.Errorf("persist: read the snapshots: %w", err)
	}
	warn := o.Warn
	if warn == nil {
		warn = func(string) {}
	}
	w := &Warm{backend: b, identity: id, principal: pk, salt: salt, policy: policy, clk: o.Clock, warn: warn, seeds: seeds}
	w.writer = NewWriter(b, o.Clock, o.Interval, func(err error) { warn("kubelive: persisting a list failed: " + err.Error()) })
	return w, nil
}

// Loaded returns how many records Open loaded that no list took yet.
func (w *Warm) Loaded() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seeds)
}

// Seed implements cache.Warm: the record of the list, if one was loaded,
// may be shown, and checks. A record that does not check is deleted and
// reported through Warn.
func (w *Warm) Seed(key cache.Key, q cache.Query, ref cache.ListRef) ([]wire.Item, string, time.Time, bool) {
	if !w.policy.Allowed(q.Endpoint.Group, q.Endpoint.Resource) {
		return nil, "", time.Time{}, false
	}
	sk := StoreKey(w.identity, string(key), ref.Cluster, ref.Namespace)
	w.mu.Lock()
	data, ok := w.seeds[sk]
	delete(w.seeds, sk)
	w.mu.Unlock()
	if !ok {
		return nil, "", time.Time{}, false
	}
	s, err := Decode(sk, data)
	if err != nil {
		w.warn(fmt.Sprintf("kubelive: ignored the persisted %s of %s/%s: %v", q.Endpoint.Resource, ref.Cluster, ref.Namespace, err))
		w.writer.Mark(sk, func() ([]byte, bool, error) { return nil, false, nil })
		return nil, "", time.Time{}, false
	}
	return s.Items, s.ResourceVersion, s.SavedAt, true
}

// Changed implements cache.Warm: the list is written within the writer's
// interval, as it is then. Excluded resources are never written.
func (w *Warm) Changed(key cache.Key, q cache.Query, ref cache.ListRef, export func() ([]wire.Item, string)) {
	if !w.policy.Allowed(q.Endpoint.Group, q.Endpoint.Resource) {
		return
	}
	sk := StoreKey(w.identity, string(key), ref.Cluster, ref.Namespace)
	w.writer.Mark(sk, func() ([]byte, bool, error) {
		items, rv := export()
		if rv == "" {
			return nil, false, nil
		}
		data, err := Encode(sk, rv, w.clk.Now(), items)
		return data, err == nil, err
	})
}

// Flush writes every pending list now (the page hides).
func (w *Warm) Flush() { w.writer.Flush() }

// Writes returns how many records were written.
func (w *Warm) Writes() int { return w.writer.Writes() }

// Clear deletes every record of every identity and drops what was loaded
// and not yet shown, or waits to be written; the salt and this identity's
// principal stay, so that lists that change later are written again under
// this identity and found by the next load.
func (w *Warm) Clear() error {
	w.mu.Lock()
	w.seeds = map[string][]byte{}
	w.mu.Unlock()
	return w.writer.Drop(func() error {
		if err := w.backend.DeleteRange("", "\x7f"); err != nil {
			return fmt.Errorf("persist: clear: %w", err)
		}
		if err := w.backend.Put(saltKey, w.salt); err != nil {
			return fmt.Errorf("persist: clear: store the salt: %w", err)
		}
		if err := w.backend.Put(w.principal, []byte(w.identity)); err != nil {
			return fmt.Errorf("persist: clear: store the identity: %w", err)
		}
		return nil
	})
}

// Close stops the writer (Flush first to keep what is pending).
func (w *Warm) Close() { w.writer.Close() }
