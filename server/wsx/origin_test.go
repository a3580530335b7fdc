package wsx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckOrigin(t *testing.T) {
	t.Parallel()
	patterns := []string{"localhost:*", "https://*.trusted.example"}
	tests := []struct {
		origin string
		ok     bool
	}{
		{"", true}, // not a browser
		{"http://127.0.0.1:8080", true},
		{"http://LOCALHOST:5173", true},
		{"https://a.trusted.example", true},
		{"http://a.trusted.example", false},
		{"http://127.0.0.1:8081", false},
		{"http://evil.example", false},
		{"null", false},
		{"http://localhost.evil.example", false},
		{"://", false},
	}
	for _, tt := range tests {
		err := CheckOrigin(tt.origin, "127.0.0.1:8080", patterns)
		if tt.ok {
			assert.NoError(t, err, tt.origin)
		} else {
			assert.ErrorIs(t, err, ErrOrigin, tt.origin)
		}
	}
}

// TestAcceptRefusesForeignOrigins: the socket every watch uses refuses a foreign Origin with
// 403 and accepts its own and allowed ones.
func TestAcceptRefusesForeignOrigins(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, Options{OriginPatterns: []string{"localhost:*"}})
		if err == nil {
			_ = c.Close(websocket.StatusNormalClosure, "")
		}
	}))
	t.Cleanup(srv.Close)
	ws := "ws" + strings.TrimPrefix(srv.URL, "http")
	for origin, want := range map[string]int{
		"http://evil.example":   http.StatusForbidden,
		srv.URL:                 http.StatusSwitchingProtocols,
		"http://localhost:3000": http.StatusSwitchingProtocols,
	} {
		c, resp, err := websocket.Dial(t.Context(), ws, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
		require.NotNil(t, resp, origin)
		assert.Equal(t, want, resp.StatusCode, origin)
		if err == nil {
			_ = c.CloseNow()
		}
	}
}
