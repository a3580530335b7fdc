package wire

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readPod(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/pod.json")
	require.NoError(t, err)
	return bytes.TrimSpace(b)
}

func podEvent(t testing.TB, typ string) []byte {
	return []byte(`{"type":"` + typ + `","object":` + string(readPod(t)) + "}\n")
}

func TestScanEvent(t *testing.T) {
	t.Parallel()
	const status410 = `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 123 (456)","reason":"Expired","code":410}`
	cases := []struct {
		name  string
		frame string
		want  Event // Object is checked separately against wantObj
		obj   string
	}{
		{
			name:  "added",
			frame: `{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","namespace":"ns","uid":"u1","resourceVersion":"10"}}}`,
			want:  Event{Type: Added, UID: "u1", Namespace: "ns", Name: "a", ResourceVersion: "10"},
			obj:   `{"kind":"Pod","metadata":{"name":"a","namespace":"ns","uid":"u1","resourceVersion":"10"}}`,
		},
		{
			name:  "modified, fields in any order, whitespace, trailing newline",
			frame: " {\n\t\"object\" : { \"metadata\" : { \"resourceVersion\" : \"11\" , \"uid\" : \"u1\" } , \"kind\" : \"Pod\" } ,\r\n \"type\" : \"MODIFIED\" }\n",
			want:  Event{Type: Modified, UID: "u1", ResourceVersion: "11"},
			obj:   `{ "metadata" : { "resourceVersion" : "11" , "uid" : "u1" } , "kind" : "Pod" }`,
		},
		{
			name:  "deleted, cluster-scoped",
			frame: `{"type":"DELETED","object":{"metadata":{"name":"n1","uid":"u9","resourceVersion":"12"}}}`,
			want:  Event{Type: Deleted, UID: "u9", Name: "n1", ResourceVersion: "12"},
			obj:   `{"metadata":{"name":"n1","uid":"u9","resourceVersion":"12"}}`,
		},
		{
			name:  "bookmark",
			frame: `{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12746"}}}`,
			want:  Event{Type: Bookmark, ResourceVersion: "12746"},
			obj:   `{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12746"}}`,
		},
		{
			name:  "bookmark ending the initial events",
			frame: `{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7","annotations":{"other":"x","k8s.io/initial-events-end":"true"}}}}`,
			want:  Event{Type: Bookmark, ResourceVersion: "7", InitialEventsEnd: true},
			obj:   `{"metadata":{"resourceVersion":"7","annotations":{"other":"x","k8s.io/initial-events-end":"true"}}}`,
		},
		{
			name:  "error 410",
			frame: `{"type":"ERROR","object":` + status410 + "}\n",
			want:  Event{Type: Error, Status: &Status{Code: 410, Reason: "Expired", Message: "too old resource version: 123 (456)"}},
			obj:   status410,
		},
		{
			name:  "a Status inside an ADDED is still a Status",
			frame: `{"type":"ADDED","object":{"kind":"Status","code":500,"reason":"InternalError","message":"boom"}}`,
			want:  Event{Type: Added, Status: &Status{Code: 500, Reason: "InternalError", Message: "boom"}},
			obj:   `{"kind":"Status","code":500,"reason":"InternalError","message":"boom"}`,
		},
		{
			name:  "escaped strings",
			frame: `{"type":"ADD\u0045D","object":{"metadata":{"name":"caf\u00e9 \"x\"\\\/","uid":"u\u0031","resourceVersion":"r\ud83d\ude00"}}}`,
			want:  Event{Type: Added, UID: "u1", Name: "café \"x\"\\/", ResourceVersion: "r😀"},
			obj:   `{"metadata":{"name":"caf\u00e9 \"x\"\\\/","uid":"u\u0031","resourceVersion":"r\ud83d\ude00"}}`,
		},
		{
			name:  "opaque non-numeric resourceVersion",
			frame: `{"type":"MODIFIED","object":{"metadata":{"uid":"u1","resourceVersion":"etcd:AbC/9+=="}}}`,
			want:  Event{Type: Modified, UID: "u1", ResourceVersion: "etcd:AbC/9+=="},
			obj:   `{"metadata":{"uid":"u1","resourceVersion":"etcd:AbC/9+=="}}`,
		},
		{
			name:  "unknown type returned as is",
			frame: `{"type":"SURPRISE","object":{}}`,
			want:  Event{Type: "SURPRISE"},
			obj:   `{}`,
		},
		{
			name:  "duplicate keys: the last wins",
			frame: `{"type":"ADDED","object":{"metadata":{"uid":"old","resourceVersion":"1"}},"object":{"metadata":{"uid":"new","resourceVersion":"2"}}}`,
			want:  Event{Type: Added, UID: "new", ResourceVersion: "2"},
			obj:   `{"metadata":{"uid":"new","resourceVersion":"2"}}`,
		},
		{
			name:  "nested metadata keys are not mistaken for the object's",
			frame: `{"type":"ADDED","object":{"spec":{"metadata":{"uid":"inner"},"uid":"x"},"metadata":{"uid":"outer","resourceVersion":"3","labels":{"uid":"l","name":"l"}}}}`,
			want:  Event{Type: Added, UID: "outer", ResourceVersion: "3"},
			obj:   `{"spec":{"metadata":{"uid":"inner"},"uid":"x"},"metadata":{"uid":"outer","resourceVersion":"3","labels":{"uid":"l","name":"l"}}}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev, err := ScanEvent([]byte(tc.frame))
			require.NoError(t, err)
			assert.Equal(t, tc.obj, string(ev.Object))
			ev.Object = nil
			assert.Equal(t, tc.want, ev)
		})
	}
}

func TestScanEventObjectIsASubslice(t *testing.T) {
	t.Parallel()
	frame := podEvent(t, Modified)
	ev, err := ScanEvent(frame)
	require.NoError(t, err)
	require.NotEmpty(t, ev.Object)
	assert.Same(t, &frame[len(`{"type":"MODIFIED","object":`)], &ev.Object[0], "Object must alias the frame")
	assert.Equal(t, readPod(t), ev.Object)
	assert.Equal(t, Event{Type: Modified, UID: "5f0c3a5e-8a53-4f4e-9a1b-2c7e3d9f0a11", Namespace: "shop",
		Name: "web-7d9c5b8f6d-x2kqp", ResourceVersion: "48213377"}, Event{Type: ev.Type, UID: ev.UID,
		Namespace: ev.Namespace, Name: ev.Name, ResourceVersion: ev.ResourceVersion})
}

func TestScanEventErrors(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-TOP-SECRET"
	cases := []struct {
		name   string
		frame  string
		err    error
		reason string
	}{
		{"empty", "", ErrSyntax, "empty input"},
		{"only whitespace", " \n", ErrSyntax, "empty input"},
		{"not an object", `["` + secret + `"]`, ErrShape, "not an object"},
		{"truncated", `{"type":"ADDED","object":{"metadata":{"uid":"` + secret, ErrSyntax, "unterminated string"},
		{"two documents", `{"type":"ADDED","object":{}} {}`, ErrSyntax, "data after"},
		{"missing type", `{"object":{"metadata":{"uid":"u","resourceVersion":"1"}}}`, ErrShape, "type missing"},
		{"type not a string", `{"type":1,"object":{}}`, ErrShape, "type missing or not a string"},
		{"missing object", `{"type":"ADDED"}`, ErrShape, "object missing"},
		{"object null", `{"type":"ADDED","object":null}`, ErrShape, "object missing"},
		{"missing metadata", `{"type":"ADDED","object":{"kind":"Pod","spec":"` + secret + `"}}`, ErrShape, "metadata.uid missing"},
		{"metadata not an object", `{"type":"ADDED","object":{"metadata":"` + secret + `"}}`, ErrShape, "metadata is not an object"},
		{"missing uid", `{"type":"MODIFIED","object":{"metadata":{"resourceVersion":"1"}}}`, ErrShape, "metadata.uid missing"},
		{"missing rv", `{"type":"DELETED","object":{"metadata":{"uid":"u"}}}`, ErrShape, "metadata.resourceVersion missing"},
		{"bookmark without rv", `{"type":"BOOKMARK","object":{"metadata":{}}}`, ErrShape, "metadata.resourceVersion missing"},
		{"numeric rv", `{"type":"ADDED","object":{"metadata":{"uid":"u","resourceVersion":12}}}`, ErrShape, "metadata.resourceVersion is not a string"},
		{"uid an object", `{"type":"ADDED","object":{"metadata":{"uid":{},"resourceVersion":"1"}}}`, ErrShape, "metadata.uid is not a string"},
		{"status code a string", `{"type":"ERROR","object":{"kind":"Status","code":"410"}}`, ErrShape, "Status code is not a number"},
		{"status code a float", `{"type":"ERROR","object":{"kind":"Status","code":410.5}}`, ErrShape, "Status code is not an integer"},
		{"bad escape", `{"type":"ADDED","object":{"metadata":{"uid":"\q"}}}`, ErrSyntax, "invalid escape"},
		{"control character", "{\"type\":\"ADDED\x01\",\"object\":{}}", ErrSyntax, "control character"},
		{"trailing comma", `{"type":"ADDED","object":{},}`, ErrSyntax, "expected a key"},
		{"bad literal", `{"type":"ADDED","object":{"a":tru}}`, ErrSyntax, "invalid literal"},
		{"bad number", `{"type":"ADDED","object":{"a":01}}`, ErrSyntax, "expected ',' or '}'"},
		{"too deep", `{"type":"ADDED","object":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`, ErrSyntax, "nesting too deep"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev, err := ScanEvent([]byte(tc.frame))
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.err)
			assert.Contains(t, err.Error(), tc.reason)
			assert.Contains(t, err.Error(), "bytes)", "the error states the length")
			assert.NotContains(t, err.Error(), secret, "the error must not leak the payload")
			assert.Equal(t, Event{}, ev)
			var se *ScanError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, len(tc.frame), se.Len)
		})
	}
}

func TestScanEventHugeFrame(t *testing.T) {
	t.Parallel()
	big := strings.Repeat(`{"k":"`+strings.Repeat("x", 1000)+`"},`, 20000) // ~20 MB
	frame := `{"type":"ADDED","object":{"data":[` + big + `{}],"metadata":{"uid":"u","resourceVersion":"9"}}}`
	ev, err := ScanEvent([]byte(frame))
	require.NoError(t, err)
	assert.Equal(t, "u", ev.UID)
	assert.Equal(t, "9", ev.ResourceVersion)
	assert.Len(t, ev.Object, len(frame)-len(`{"type":"ADDED","object":}`))
}

func TestScanObject(t *testing.T) {
	t.Parallel()
	it, st, err := ScanObject(readPod(t))
	require.NoError(t, err)
	assert.Nil(t, st)
	assert.Equal(t, "web-7d9c5b8f6d-x2kqp", it.Name)
	assert.Equal(t, "48213377", it.ResourceVersion)

	it, st, err = ScanObject([]byte(`{"kind":"Status","code":404,"reason":"NotFound","message":"pods \"x\" not found"}`))
	require.NoError(t, err)
	assert.Equal(t, Item{}, it)
	assert.Equal(t, &Status{Code: 404, Reason: "NotFound", Message: `pods "x" not found`}, st)

	_, _, err = ScanObject([]byte(`{"metadata":{"uid":"u"}}`))
	assert.ErrorIs(t, err, ErrShape)
	_, _, err = ScanObject([]byte(`"x"`))
	assert.ErrorIs(t, err, ErrShape)
	_, _, err = ScanObject(nil)
	assert.ErrorIs(t, err, ErrSyntax)
}

func TestStatusExpired(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		st   *Status
		want bool
	}{
		{"nil", nil, false},
		{"410", &Status{Code: 410}, true},
		{"Expired", &Status{Code: 0, Reason: "Expired"}, true},
		{"Gone", &Status{Reason: "Gone"}, true},
		{"500", &Status{Code: 500, Reason: "InternalError"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, tc.st.Expired())
		})
	}
}
