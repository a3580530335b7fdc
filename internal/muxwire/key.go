package muxwire

import (
	"errors"
	"fmt"

	"github.com/kubelive/kubelive/internal/weburl"
)

// ErrBadKey is wrapped by the errors of NewKey and CanonicalQuery.
var ErrBadKey = errors.New("mux: invalid subscription key")

// Key identifies one multiplexed watch: a cluster, an API path and a
// canonical query. It is a comparable struct, never a joined string, so two
// keys that differ in any field never share a subscription. Build it with
// NewKey; the client canonicalises a hand-made Key before use.
type Key struct {
	Cluster string
	Path    string // e.g. "/api/v1/namespaces/ns/pods"
	Query   string // canonical: see CanonicalQuery
}

// NewKey validates and canonicalises the parts of a Key.
func NewKey(cluster, path, query string) (Key, error) {
	if cluster == "" {
		return Key{}, fmt.Errorf("%w: empty cluster", ErrBadKey)
	}
	if path == "" {
		return Key{}, fmt.Errorf("%w: empty path", ErrBadKey)
	}
	q, err := CanonicalQuery(query)
	if err != nil {
		return Key{}, err
	}
	return Key{Cluster: cluster, Path: path, Query: q}, nil
}

// CanonicalQuery sorts the parameters of q by name (keeping the order of the
// values of one name) and re-encodes them, so that "watch=1&labelSelector=a"
// and "labelSelector=a&watch=1" are one key. It is idempotent.
func CanonicalQuery(q string) (string, error) {
	if q == "" {
		return "", nil
	}
	v, err := weburl.ParseQuery(q)
	if err != nil {
		return "", fmt.Errorf("%w: query of %d bytes does not parse", ErrBadKey, len(q))
	}
	return v.Encode(), nil
}

// String is for logs and errors.
func (k Key) String() string {
	return fmt.Sprintf("cluster=%q path=%q query=%q", k.Cluster, k.Path, k.Query)
}
