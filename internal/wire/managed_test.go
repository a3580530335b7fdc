package wire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withoutManaged decodes obj and deletes metadata.managedFields, the
// reference the cut bytes must equal.
func withoutManaged(t *testing.T, obj string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(obj), &m))
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "managedFields")
	}
	return m
}

func decoded(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m), "raw is valid JSON: %s", raw)
	return m
}

const managed = `[{"manager":"kubectl","operation":"Update","fieldsV1":{"f:metadata":{"f:labels":{".":{}}}}}]`

var managedCases = []struct {
	name, obj string
	cut       bool
}{
	{"first", `{"metadata":{"managedFields":` + managed + `,"uid":"u","resourceVersion":"1"},"spec":{}}`, true},
	{"middle", `{"kind":"Pod","metadata":{"uid":"u", "managedFields" : ` + managed + ` , "resourceVersion":"1"}}`, true},
	{"last", `{"metadata":{"uid":"u","resourceVersion":"1","managedFields":` + managed + `}}`, true},
	{"only member besides identity in a nested-looking spec", `{"spec":{"managedFields":1},"metadata":{"uid":"u","resourceVersion":"1"}}`, false},
	{"null", "{\"metadata\":{\n\t\"managedFields\": null,\n\t\"uid\":\"u\",\"resourceVersion\":\"1\"}}", true},
	{"none", `{"metadata":{"uid":"u","resourceVersion":"1"}}`, false},
}

func TestManagedFieldsCutFromEvents(t *testing.T) {
	t.Parallel()
	for _, tc := range managedCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			frame := `{"type":"MODIFIED","object":` + tc.obj + "}\n"
			ev, err := ScanEvent([]byte(frame))
			require.NoError(t, err)
			assert.Equal(t, withoutManaged(t, tc.obj), decoded(t, ev.Object))
			assert.Equal(t, "u", ev.UID)
			assert.Equal(t, tc.cut, ev.Owned, "a copy only when something was cut")
			assert.NotContains(t, string(ev.Object), `"managedFields"`+":"+managed)

			kept, err := Options{KeepManagedFields: true}.ScanEvent([]byte(frame))
			require.NoError(t, err)
			assert.Equal(t, tc.obj, string(kept.Object), "the option keeps the bytes as sent")
			assert.False(t, kept.Owned)
		})
	}
}

func TestManagedFieldsCutFromListsAndObjects(t *testing.T) {
	t.Parallel()
	body := `{"kind":"PodList","metadata":{"resourceVersion":"9"},"items":[` + managedCases[0].obj + `,` + managedCases[1].obj + `,` + managedCases[5].obj + `]}`
	l, err := ScanList([]byte(body))
	require.NoError(t, err)
	require.Len(t, l.Items, 3)
	for i, c := range []int{0, 1, 5} {
		assert.Equal(t, withoutManaged(t, managedCases[c].obj), decoded(t, l.Items[i].Raw), "item %d", i)
	}
	it, st, err := ScanObject([]byte(managedCases[2].obj))
	require.NoError(t, err)
	require.Nil(t, st)
	assert.Equal(t, withoutManaged(t, managedCases[2].obj), decoded(t, it.Raw))
	kept, err := Options{KeepManagedFields: true}.ScanList([]byte(body))
	require.NoError(t, err)
	assert.Equal(t, managedCases[0].obj, string(kept.Items[0].Raw))
}
