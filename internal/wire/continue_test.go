package wire

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestListContinue(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"metadata first", `{"kind":"PodList","metadata":{"resourceVersion":"9","continue":"tok"},"items":[{"bad"`, "tok"},
		{"escaped", `{"metadata":{"continue":"a\"b"},"items":[]}`, `a"b`},
		{"last page", `{"metadata":{"resourceVersion":"9"},"items":[]}`, ""},
		{"items first", `{"items":[],"metadata":{"continue":"tok"}}`, ""},
		{"not an object", `[1]`, ""},
		{"cut in the metadata", `{"metadata":{"continue":"to`, ""},
		{"metadata not an object", `{"metadata":"x","items":[]}`, ""},
		{"empty", ``, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, ListContinue([]byte(c.body)))
		})
	}
}
