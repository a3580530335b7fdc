package wsx

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSelect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		offered []string
		want    string
	}{
		{name: "none", want: ""},
		{name: "one", offered: []string{"v4.channel.k8s.io"}, want: "v4.channel.k8s.io"},
		{name: "preferred first", offered: []string{"x", Binary, Base64Binary}, want: Base64Binary},
		{name: "second preference", offered: []string{"x", Binary}, want: Binary},
		{name: "bearer never", offered: []string{BearerPrefix + "dG9rZW4"}, want: ""},
		{name: "headlamp user never", offered: []string{HeadlampUserPrefix + "dXNlcg", "y"}, want: "y"},
		{name: "bearer beside one", offered: []string{BearerPrefix + "dG9rZW4", Base64Binary}, want: Base64Binary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Select(tt.offered, Base64Binary, Binary))
		})
	}
}

func TestOffered(t *testing.T) {
	t.Parallel()
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.Header.Add("Sec-WebSocket-Protocol", "a, b")
	r.Header.Add("Sec-WebSocket-Protocol", "c")
	assert.Equal(t, []string{"a", "b", "c"}, Offered(r))
	r.Header.Set("Upgrade", "WebSocket")
	assert.True(t, IsUpgrade(r))
}
