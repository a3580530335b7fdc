package cache

import "github.com/kubelive/kubelive/internal/jsonw"

// appendJSON appends q as encoding/json's Marshal writes it (members in
// field order, under the fields' names; nil slices as null), so that a
// query keeps the key it had when keys were written by Marshal.
func (q Query) appendJSON(b []byte) []byte {
	b = append(b, `{"Endpoint":{"Group":`...)
	b = jsonw.String(b, q.Endpoint.Group)
	b = jsonw.String(append(b, `,"Version":`...), q.Endpoint.Version)
	b = jsonw.String(append(b, `,"Resource":`...), q.Endpoint.Resource)
	b = jsonw.Array(append(b, `},"Lists":`...), q.Lists, func(b []byte, l ListRef) []byte {
		return pair(b, "Cluster", l.Cluster, "Namespace", l.Namespace)
	})
	b = jsonw.Array(append(b, `,"Params":`...), q.Params, func(b []byte, p Param) []byte {
		return pair(b, "Name", p.Name, "Value", p.Value)
	})
	b = jsonw.String(append(b, `,"Name":`...), q.Name)
	return append(b, '}')
}

// pair appends an object of two string members.
func pair(b []byte, k1, v1, k2, v2 string) []byte {
	b = jsonw.String(jsonw.Key(append(b, '{'), k1), v1)
	return append(jsonw.String(jsonw.Key(b, k2), v2), '}')
}
