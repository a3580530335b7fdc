package wire

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// podList returns a LIST body of n copies of the fixture pod with distinct
// uids, names and resourceVersions.
func podList(t testing.TB, n int) []byte {
	pod := string(readPod(t))
	var b strings.Builder
	b.WriteString(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"90000"},"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		p := strings.Replace(pod, "5f0c3a5e-8a53-4f4e-9a1b-2c7e3d9f0a11", fmt.Sprintf("uid-%06d", i), 1)
		p = strings.Replace(p, "web-7d9c5b8f6d-x2kqp", fmt.Sprintf("web-%06d", i), 1)
		p = strings.Replace(p, `"48213377"`, fmt.Sprintf(`"%d"`, 1000+i), 1)
		b.WriteString(p)
	}
	b.WriteString("]}\n")
	return []byte(b.String())
}

func TestScanList(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body string
		want List
	}{
		{
			name: "items in server order",
			body: `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"r10","continue":"tok"},"items":[` +
				`{"metadata":{"name":"b","namespace":"x","uid":"u2","resourceVersion":"5"}},` +
				`{"metadata":{"name":"a","namespace":"x","uid":"u1","resourceVersion":"6"}}]}`,
			want: List{Kind: "PodList", ResourceVersion: "r10", Continue: "tok", Items: []Item{
				{UID: "u2", Namespace: "x", Name: "b", ResourceVersion: "5", Raw: []byte(`{"metadata":{"name":"b","namespace":"x","uid":"u2","resourceVersion":"5"}}`)},
				{UID: "u1", Namespace: "x", Name: "a", ResourceVersion: "6", Raw: []byte(`{"metadata":{"name":"a","namespace":"x","uid":"u1","resourceVersion":"6"}}`)},
			}},
		},
		{
			name: "empty list, items null",
			body: `{"items":null,"metadata":{"resourceVersion":"7"},"kind":"ConfigMapList"}`,
			want: List{Kind: "ConfigMapList", ResourceVersion: "7"},
		},
		{
			name: "410 Status body",
			body: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (9)","reason":"Expired","code":410}`,
			want: List{Kind: "Status", Status: &Status{Code: 410, Reason: "Expired", Message: "too old resource version: 1 (9)"}},
		},
		{
			name: "403 Status body",
			body: `{"kind":"Status","status":"Failure","reason":"Forbidden","code":403,"message":"pods is forbidden"}`,
			want: List{Kind: "Status", Status: &Status{Code: 403, Reason: "Forbidden", Message: "pods is forbidden"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := ScanList([]byte(tc.body))
			require.NoError(t, err)
			assert.Equal(t, tc.want, l)
		})
	}
}

func TestScanListFixture(t *testing.T) {
	t.Parallel()
	l, err := ScanList(podList(t, 50))
	require.NoError(t, err)
	require.Len(t, l.Items, 50)
	assert.Equal(t, "90000", l.ResourceVersion)
	for i, it := range l.Items {
		assert.Equal(t, fmt.Sprintf("uid-%06d", i), it.UID)
		assert.Equal(t, "shop", it.Namespace)
		assert.Equal(t, fmt.Sprint(1000+i), it.ResourceVersion)
		assert.Equal(t, byte('{'), it.Raw[0])
		assert.Equal(t, byte('}'), it.Raw[len(it.Raw)-1])
	}
}

func TestScanListErrors(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-VALUE"
	cases := []struct {
		name   string
		body   string
		err    error
		reason string
	}{
		{"empty", "", ErrSyntax, "empty input"},
		{"array", `[{"metadata":{}}]`, ErrShape, "not an object"},
		{"item without uid", `{"items":[{"metadata":{"name":"` + secret + `","resourceVersion":"1"}}]}`, ErrShape, "metadata.uid missing"},
		{"item not an object", `{"items":["` + secret + `"]}`, ErrShape, "item is not an object"},
		{"items not an array", `{"items":{}}`, ErrShape, "items is not an array"},
		{"numeric list rv", `{"metadata":{"resourceVersion":5},"items":[]}`, ErrShape, "metadata.resourceVersion is not a string"},
		{"kind a number", `{"kind":5,"items":[]}`, ErrShape, "kind is not a string"},
		{"truncated", `{"items":[{"metadata":{"uid":"` + secret, ErrSyntax, "unterminated string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ScanList([]byte(tc.body))
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.err)
			assert.Contains(t, err.Error(), tc.reason)
			assert.Contains(t, err.Error(), fmt.Sprintf("list (%d bytes)", len(tc.body)))
			assert.NotContains(t, err.Error(), secret)
		})
	}
}
