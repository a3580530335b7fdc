package view

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzSpecKeyMatchesMarshal: SpecKey is what json.Marshal wrote for the
// spec before the module dropped encoding/json.
func FuzzSpecKeyMatchesMarshal(f *testing.F) {
	f.Add("app=web", "status.phase", "Running", "x", "name", true, "age", "metadata.name", 7)
	f.Add("", "", "", "", "", false, "", "", 0)
	f.Fuzz(func(t *testing.T, sel, field, value, text, by string, desc bool, col, expr string, n int) {
		s := Spec{Where: Where{LabelSelector: sel, Text: text}, CountBy: expr, Window: Window{Offset: n, Limit: -n}}
		if n&1 != 0 {
			s.Where.Fields = map[string][]string{field: {value, text}, value: nil}
			s.Where.TextIn = []string{col}
		}
		if n&2 != 0 {
			s.Sort = []SortKey{{By: by, Desc: desc}, {}}
			s.Columns = map[string]string{col: expr, expr: col}
		}
		if n&4 != 0 {
			s.Where.TextIn = []string{}
			s.Sort = []SortKey{}
		}
		want, err := json.Marshal(s)
		require.NoError(t, err)
		require.Equal(t, string(want), string(s.appendJSON(nil)))
		w, err := json.Marshal(s.Window)
		require.NoError(t, err)
		require.Equal(t, string(w), string(s.Window.AppendJSON(nil)))
	})
}
