package wire

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestListContinue(t *testing.T) {
	cases := []struct {
		name, body, want, rv string
	}{
		{"metadata first", `{"kind":"PodList","metadata":{"resourceVersion":"9","continue":"tok"},"items":[{"bad"`, "tok", "9"},
		{"escaped", `{"metadata":{"continue":"a\"b"},"items":[]}`, `a"b`, ""},
		{"last page", `{"metadata":{"resourceVersion":"9"},"items":[]}`, "", "9"},
		{"items first", `{"items":[],"metadata":{"continue":"tok"}}`, "", ""},
		{"not an object", `[1]`, "", ""},
		{"cut in the metadata", `{"metadata":{"resourceVersion":"9","continue":"to`, "", ""},
		{"metadata not an object", `{"metadata":"x","items":[]}`, "", ""},
		{"empty", ``, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, ListContinue([]byte(c.body)))
			rv, cont := ListHead([]byte(c.body))
			assert.Equal(t, c.want, cont)
			assert.Equal(t, c.rv, rv)
		})
	}
}
