package endpoint

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, base, cluster, path, want string
	}{
		{"cluster", "http://127.0.0.1:8080", "demo", "api/v1/pods?watch=1", "ws://127.0.0.1:8080/clusters/demo/api/v1/pods?watch=1"},
		{"leading slash", "http://h", "demo", "/api/v1/pods", "ws://h/clusters/demo/api/v1/pods"},
		{"no cluster", "https://h/prefix/", "", "wsMultiplexer", "wss://h/prefix/wsMultiplexer"},
		{"escaped cluster", "ws://h", "arn:aws:eks/x y", "api", "ws://h/clusters/arn:aws:eks%2Fx%20y/api"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(tc.base, "", "")
			require.NoError(t, err)
			assert.Equal(t, tc.want, e.URL(tc.cluster, tc.path))
		})
	}
}

func TestNewRejectsBadBase(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"ftp://h", "http://", "::", "http://h/?q=1", "http://h/#f"} {
		_, err := New(base, "", "")
		assert.Error(t, err, base)
	}
	_, err := New("http://h", "", "bad user!")
	assert.Error(t, err)
}

func TestProtocolOrder(t *testing.T) {
	t.Parallel()
	const token = "sha256~secret/with+chars="
	bearer := BearerPrefix + base64.RawURLEncoding.EncodeToString([]byte(token))
	cases := []struct {
		name   string
		token  Secret
		user   string
		caller []string
		want   []string
	}{
		{"bare", "", "", nil, []string{BinaryProtocol}},
		{"caller", "", "", []string{"v4.channel.k8s.io", "channel.k8s.io"}, []string{BinaryProtocol, "v4.channel.k8s.io", "channel.k8s.io"}},
		{"no duplicate binary", "", "", []string{BinaryProtocol, "x"}, []string{BinaryProtocol, "x"}},
		{"token and user", Secret(token), "u-1", []string{"x"}, []string{BinaryProtocol, "x", bearer, UserIDPrefix + "u-1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := New("http://h", tc.token, tc.user)
			require.NoError(t, err)
			assert.Equal(t, tc.want, e.Protocols(tc.caller))
		})
	}
	assert.NotContains(t, bearer, "=", "base64url without padding")
}

func TestTokenNeverPrinted(t *testing.T) {
	t.Parallel()
	e, err := New("http://h", "top-secret", "")
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprint(e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), e.URL("c", "api/v1/pods")} {
		assert.NotContains(t, s, "top-secret")
	}
}

func TestValidProtocol(t *testing.T) {
	t.Parallel()
	assert.True(t, ValidProtocol("v4.channel.k8s.io"))
	for _, bad := range []string{"", "a,b", "a b", "a\"", "é"} {
		assert.False(t, ValidProtocol(bad), bad)
	}
	assert.False(t, strings.Contains(BinaryProtocol, ","))
}

func TestAuthProtocols(t *testing.T) {
	t.Parallel()
	e, err := New("http://h", "t", "u")
	require.NoError(t, err)
	assert.Equal(t, []string{BearerPrefix + "dA", UserIDPrefix + "u"}, e.AuthProtocols())
	e, err = New("http://h", "", "")
	require.NoError(t, err)
	assert.Empty(t, e.AuthProtocols())
}

func TestHTTPURL(t *testing.T) {
	t.Parallel()
	e, err := New("https://h/p", "", "")
	require.NoError(t, err)
	assert.Equal(t, "https://h/p/clusters/c/api/v1/pods", e.HTTPURL("c", "api/v1/pods"))
	e, err = New("ws://h", "", "")
	require.NoError(t, err)
	assert.Equal(t, "http://h/x", e.HTTPURL("", "x"))
}
