package view

// The encoding/json-based ParseSpec that wire.Parse replaced, kept in the
// tests to check that the new one decodes and refuses as it did.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// parseSpecJSON decodes the view part of a query from its JSON (the members
// where, sort, window, columns and countBy; the others, the watchList part,
// are ignored) and checks it.
func parseSpecJSON(text string) (Spec, error) {
	var raw struct {
		Where *struct {
			LabelSelector string                     `json:"labelSelector"`
			Fields        map[string]json.RawMessage `json:"fields"`
			Text          string                     `json:"text"`
			TextIn        json.RawMessage            `json:"textIn"`
		} `json:"where"`
		Sort    json.RawMessage                   `json:"sort"`
		Window  *struct{ Offset, Limit *float64 } `json:"window"`
		Columns map[string]string                 `json:"columns"`
		CountBy string                            `json:"countBy"`
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &members); err != nil {
		return Spec{}, fmt.Errorf("%w: not a JSON object (%v)", ErrQuery, err)
	}
	for k := range members {
		if !slices.Contains(queryMembers, k) {
			return Spec{}, fmt.Errorf("%w: unknown member %q (a view query has %s)", ErrQuery, k, strings.Join(queryMembers, ", "))
		}
	}
	if w := members["where"]; w != nil && string(w) != "null" {
		var where map[string]json.RawMessage
		if json.Unmarshal(w, &where) == nil {
			for k := range where {
				if !slices.Contains(whereMembers, k) {
					return Spec{}, fmt.Errorf("%w: unknown member where.%s (where has %s)", ErrQuery, k, strings.Join(whereMembers, ", "))
				}
			}
		}
	}
	// Each member is decoded from its part of the text, read once above
	// (a second decode of the whole query cost as much again in wasm as
	// this one, on every new text).
	for _, p := range []struct {
		name string
		into any
	}{{"where", &raw.Where}, {"sort", &raw.Sort}, {"window", &raw.Window}, {"columns", &raw.Columns}, {"countBy", &raw.CountBy}} {
		if m, ok := members[p.name]; ok {
			if err := json.Unmarshal(m, p.into); err != nil {
				return Spec{}, fmt.Errorf("%w: not a JSON object of the expected shape (%s: %v)", ErrQuery, p.name, err)
			}
		}
	}
	s := Spec{Columns: raw.Columns, CountBy: raw.CountBy}
	if raw.Where != nil {
		s.Where.LabelSelector, s.Where.Text = raw.Where.LabelSelector, raw.Where.Text
		if t := bytes.TrimSpace(raw.Where.TextIn); len(t) > 0 && string(t) != "null" {
			if err := json.Unmarshal(t, &s.Where.TextIn); err != nil {
				return Spec{}, fmt.Errorf("%w: where.textIn must be an array of column names or expressions", ErrQuery)
			}
		}
		for path, v := range raw.Where.Fields {
			vals, err := fieldValuesJSON(v)
			if err != nil {
				return Spec{}, fmt.Errorf("%w: where.fields[%q] %v", ErrQuery, path, err)
			}
			if s.Where.Fields == nil {
				s.Where.Fields = map[string][]string{}
			}
			s.Where.Fields[path] = vals
		}
	}
	sort, err := sortKeysJSON(raw.Sort)
	if err != nil {
		return Spec{}, err
	}
	s.Sort = sort
	s.Window.Limit = DefaultLimit
	if w := raw.Window; w != nil {
		if s.Window.Offset, err = count("window.offset", w.Offset); err != nil {
			return Spec{}, err
		}
		if w.Limit != nil {
			if s.Window.Limit, err = count("window.limit", w.Limit); err != nil {
				return Spec{}, err
			}
		}
	}
	if _, err := compile(s); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// fieldValuesJSON reads a string or an array of strings.
func fieldValuesJSON(v json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(v, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(v, &many); err != nil {
		return nil, errors.New("must be a string or an array of strings")
	}
	return many, nil
}

// sortKeysJSON reads sort: one {by, desc} or an array of them.
func sortKeysJSON(v json.RawMessage) ([]SortKey, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil, nil
	}
	type key struct {
		By   string `json:"by"`
		Desc bool   `json:"desc"`
	}
	var keys []key
	if v[0] == '{' {
		var k key
		if err := json.Unmarshal(v, &k); err != nil {
			return nil, fmt.Errorf("%w: sort must be {by, desc} or an array of them", ErrQuery)
		}
		keys = []key{k}
	} else if err := json.Unmarshal(v, &keys); err != nil {
		return nil, fmt.Errorf("%w: sort must be {by, desc} or an array of them", ErrQuery)
	}
	out := make([]SortKey, len(keys))
	for i, k := range keys {
		if k.By == "" {
			return nil, fmt.Errorf("%w: sort[%d].by is empty", ErrQuery, i)
		}
		out[i] = SortKey(k)
	}
	return out, nil
}

// FuzzParseSpecMatchesJSON: ParseSpec returns the spec the encoding/json
// version returned, and fails where it failed with the same sentence before
// the decoder's own words (the part in parentheses). Which unknown member
// or which bad where.fields entry is named may differ: the JSON version
// took them in a map's random order, ParseSpec takes the first.
func FuzzParseSpecMatchesJSON(f *testing.F) {
	for _, s := range []string{
		`{"where":{"labelSelector":"app=web","fields":{"status.phase":["Running","Pending"],"spec.nodeName":"n1"},"text":"x","textIn":["reason"]},"sort":[{"by":"name","desc":true}],"window":{"offset":10,"limit":50},"columns":{"reason":"reason"},"countBy":"status.phase"}`,
		`{"sort":{"By":"name"},"window":{"Offset":1}}`, `null`, `[]`, `{"where":[1]}`, `{"window":{"limit":"x"}}`, `{"columns":{"a":1}}`,
		`{"where":{"textIn":"x"}}`, `{"where":{"fields":{"a":1}}}`, `{"sort":[{"by":""}]}`, `{"sort":"x"}`, `{"nope":1}`, `{"where":{"nope":1}}`,
		`{"window":{"offset":1e400}}`, `{"where":{"fields":{"a":null}}}`, `{"countBy":null,"where":null,"sort":null,"window":null}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, err := ParseSpec(text)
		want, werr := parseSpecJSON(text)
		if werr != nil {
			require.Error(t, err, "the JSON version failed: %v", werr)
			before := func(e error) string {
				s, _, _ := strings.Cut(e.Error(), " (")
				for _, sep := range []string{"unknown member", "where.fields["} {
					if i := strings.Index(s, sep); i >= 0 {
						return s[:i+len(sep)]
					}
				}
				return s
			}
			require.Equal(t, before(werr), before(err))
			return
		}
		require.NoError(t, err)
		require.Equal(t, want, got)
	})
}
