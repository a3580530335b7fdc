package view

import "github.com/kubelive/kubelive/internal/jsonw"

// appendJSON appends s as encoding/json's Marshal writes it (members in
// field order under the fields' names, maps in sorted key order, nil
// slices and maps as null, an empty TextIn left out), so that SpecKey
// stays what it was when Marshal wrote it: the same spec, the same key.
func (s Spec) appendJSON(b []byte) []byte {
	b = jsonw.String(append(b, `{"Where":{"LabelSelector":`...), s.Where.LabelSelector)
	b = jsonw.Map(append(b, `,"Fields":`...), s.Where.Fields, jsonw.Strings)
	b = jsonw.String(append(b, `,"Text":`...), s.Where.Text)
	if len(s.Where.TextIn) > 0 {
		b = jsonw.Strings(append(b, `,"TextIn":`...), s.Where.TextIn)
	}
	b = jsonw.Array(append(b, `},"Sort":`...), s.Sort, func(b []byte, k SortKey) []byte {
		b = jsonw.String(append(b, `{"By":`...), k.By)
		return append(jsonw.Bool(append(b, `,"Desc":`...), k.Desc), '}')
	})
	b = s.Window.AppendJSON(append(b, `,"Window":`...))
	b = jsonw.Map(append(b, `,"Columns":`...), s.Columns, jsonw.String[string])
	b = jsonw.String(append(b, `,"CountBy":`...), s.CountBy)
	return append(b, '}')
}

// AppendJSON appends w as encoding/json's Marshal writes it:
// {"Offset":..,"Limit":..}.
func (w Window) AppendJSON(b []byte) []byte {
	b = jsonw.Int(append(b, `{"Offset":`...), w.Offset)
	return append(jsonw.Int(append(b, `,"Limit":`...), w.Limit), '}')
}
