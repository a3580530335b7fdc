package persist

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kubelive/kubelive/internal/sha256lite"
	"github.com/kubelive/kubelive/internal/wire"
)

// ErrFormat marks a stored record that is not of this release's Format.
var ErrFormat = errors.New("persisted snapshot of another format")

// ErrCorrupt marks a stored record that cannot be read or does not check.
var ErrCorrupt = errors.New("persisted snapshot is corrupt")

// hashOf is SHA-256 over length-prefixed parts, so that no two different
// lists of parts hash alike ("a"+"bc" differs from "ab"+"c").
func hashOf(parts ...[]byte) string {
	h := sha256lite.New() // crypto/sha256's digest, without the FIPS module in wasm
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Identity is the salted hash of one set of credentials at one backend:
// the prefix of every key its lists are stored under. The salt is random
// per browser profile (kept beside the records), so the hash cannot be
// compared across profiles or tested against guessed tokens elsewhere.
func Identity(salt []byte, baseURL, token, userID string) string {
	return hashOf([]byte("identity"), salt, []byte(baseURL), []byte(token), []byte(userID))
}

// Principal names who the credentials are for at one backend without the
// token (the same for every token of one user): the key under which the
// last Identity is remembered, so a new token clears the old one's data.
func Principal(salt []byte, baseURL, userID string) string {
	return hashOf([]byte("principal"), salt, []byte(baseURL), []byte(userID))
}

// StoreKey is where one list of a query is stored: the identity, then a
// hash of the query key and the list (query keys hold names of namespaces
// and objects, which stay out of the key in the clear).
func StoreKey(identity, queryKey, cluster, namespace string) string {
	return identity + "/" + hashOf([]byte(queryKey), []byte(cluster), []byte(namespace))
}

// IdentityRange returns the bounds [lo, hi) of every StoreKey of identity.
func IdentityRange(identity string) (lo, hi string) {
	return identity + "/", identity + "0" // '0' follows '/' in ASCII
}

// Policy says which resources may be persisted: never Secrets, nor any
// resource the app excluded.
type Policy struct {
	exclude map[string]bool // "resource" (core) or "resource.group"
}

// NewPolicy reads the app's exclusions: each a resource name, plural and
// lower case, for the core group ("configmaps") or with its group
// ("deployments.apps", as kubectl writes it).
func NewPolicy(exclude []string) (Policy, error) {
	p := Policy{exclude: map[string]bool{}}
	for i, e := range exclude {
		if e == "" || strings.TrimSpace(e) != e || strings.ToLower(e) != e || strings.ContainsAny(e, "/ ") {
			return Policy{}, fmt.Errorf("persist.exclude[%d] %q: expected a plural lower-case resource such as \"configmaps\" or \"deployments.apps\"", i, e)
		}
		p.exclude[e] = true
	}
	return p, nil
}

// Allowed reports whether lists of group/resource may be persisted.
func (p Policy) Allowed(group, resource string) bool {
	if group == "" && resource == "secrets" {
		return false
	}
	name := resource
	if group != "" {
		name += "." + group
	}
	return !p.exclude[name]
}

// Snapshot is a decoded record: what a list held when it was saved.
type Snapshot struct {
	ResourceVersion string
	SavedAt         time.Time
	Items           []wire.Item // each Owned
}

// Encode writes one list as a record stored under key.
func Encode(key, rv string, savedAt time.Time, items []wire.Item) ([]byte, error) {
	if rv == "" {
		return nil, errors.New("encode persisted snapshot: the list has no resourceVersion to resume from")
	}
	rec := Record{Format: Format, Key: key, ResourceVersion: rv, SavedAtMs: savedAt.UnixMilli(), Items: make([]Object, len(items))}
	size := 64 + len(key) + len(rv)
	for i, it := range items {
		rec.Items[i] = Object{UID: it.UID, Namespace: it.Namespace, Name: it.Name, ResourceVersion: it.ResourceVersion, Raw: it.Raw}
		size += 32 + len(it.UID) + len(it.Namespace) + len(it.Name) + len(it.ResourceVersion) + len(it.Raw)
	}
	return rec.appendMsgpack(make([]byte, 0, size)), nil
}

// Decode reads the record stored under key. It fails (ErrFormat or
// ErrCorrupt, with a sentence saying why) for a record of another format,
// of another key, without a resourceVersion, or with an object that lacks
// a uid, a name or a resourceVersion, or whose raw JSON is not an object.
func Decode(key string, data []byte) (Snapshot, error) {
	var rec Record
	rest, err := rec.readMsgpack(data)
	switch {
	case err != nil:
		return Snapshot{}, fmt.Errorf("%w: %d bytes that are not a snapshot: %w", ErrCorrupt, len(data), err)
	case rec.Format != Format:
		return Snapshot{}, fmt.Errorf("%w: format %d, this release reads %d", ErrFormat, rec.Format, Format)
	case len(rest) != 0:
		return Snapshot{}, fmt.Errorf("%w: %d bytes after the snapshot", ErrCorrupt, len(rest))
	case rec.Key != key:
		return Snapshot{}, fmt.Errorf("%w: it was saved under another key", ErrCorrupt)
	case rec.ResourceVersion == "":
		return Snapshot{}, fmt.Errorf("%w: no resourceVersion", ErrCorrupt)
	}
	s := Snapshot{ResourceVersion: rec.ResourceVersion, SavedAt: time.UnixMilli(rec.SavedAtMs), Items: make([]wire.Item, len(rec.Items))}
	for i, o := range rec.Items {
		if o.UID == "" || o.Name == "" || o.ResourceVersion == "" || len(o.Raw) < 2 || o.Raw[0] != '{' || o.Raw[len(o.Raw)-1] != '}' {
			return Snapshot{}, fmt.Errorf("%w: object %d lacks a uid, a name, a resourceVersion or a JSON body", ErrCorrupt, i)
		}
		s.Items[i] = wire.Item{UID: o.UID, Namespace: o.Namespace, Name: o.Name, ResourceVersion: o.ResourceVersion, Raw: o.Raw, Owned: true}
	}
	return s, nil
}
