package proxy

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseUpgradeForwardsOneProtocolForWatchesAllForExec(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, path string
		want       []string
	}{
		{"watch", "/api/v1/pods?watch=1", []string{"base64.binary.k8s.io"}},
		{"exec", "/api/v1/namespaces/d/pods/p/exec", []string{"base64.binary.k8s.io", "v5.channel.k8s.io", "v4.channel.k8s.io"}},
		{"attach", "/api/v1/namespaces/d/pods/p/attach", []string{"base64.binary.k8s.io", "v5.channel.k8s.io", "v4.channel.k8s.io"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", tc.path, nil)
			r.Header.Set("Sec-WebSocket-Protocol", "base64.binary.k8s.io, v5.channel.k8s.io, v4.channel.k8s.io, base64url.bearer.authorization.k8s.io.dG9r, base64url.headlamp.authorization.k8s.io.u1")
			up, err := parseUpgrade(r)
			require.NoError(t, err)
			assert.Equal(t, tc.want, up.protocols)
			assert.Equal(t, "Bearer tok", up.authorization)
		})
	}
}
