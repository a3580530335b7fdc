package persist

import (
	"strconv"

	"github.com/kubelive/kubelive/internal/wire"
)

// handoffRecord is one list in the handoff's JSON: the cache key of its
// query, the list, its resourceVersion and its objects as JSON.
type handoffRecord struct {
	Key, Cluster, Namespace, RV string
	Items                       []byte // the items member's text (null too); nil when absent
}

// handoffRecords reads data, a JSON array of {key, cluster, namespace, rv,
// items} objects (null: none; a null element: a record of empty fields), as
// a decode into []handoffRecord would; the error names the element and the
// member of the wrong type.
func handoffRecords(data []byte) ([]handoffRecord, error) {
	n, err := wire.Parse(data)
	if err != nil {
		return nil, err
	}
	if err := n.CheckKind("the lists", wire.Array, "an array"); err != nil {
		return nil, err
	}
	recs := make([]handoffRecord, len(n.Elems))
	for i, e := range n.Elems {
		at := "list " + strconv.Itoa(i)
		if err := e.CheckKind(at, wire.Object, "an object"); err != nil {
			return nil, err
		}
		r := &recs[i]
		for _, f := range []struct {
			name string
			into *string
		}{{"key", &r.Key}, {"cluster", &r.Cluster}, {"namespace", &r.Namespace}, {"rv", &r.RV}} {
			if *f.into, err = e.Field(f.name).Text(at + "." + f.name); err != nil {
				return nil, err
			}
		}
		if items := e.Field("items"); items.Kind != wire.Absent {
			r.Items = items.Raw
		}
	}
	return recs, nil
}
