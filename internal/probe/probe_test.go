package probe

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/internal/wire"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	dial := fmt.Errorf("watch api/v1/pods: handshake failed: %w", &transport.CloseError{Code: 1006})
	cases := []struct {
		name string
		err  error
		want Problem
	}{
		{"origin refused, learnt by a probe",
			fmt.Errorf("%w; the server answered: %w", dial, FromResponse(403, []byte(`{"kind":"Status","reason":"Forbidden","message":"origin http://app.test is not allowed; start the server with --allow-origin app.test"}`), "")),
			Problem{Code: 403, Reason: "Forbidden", Message: "The server refused access (403): origin http://app.test is not allowed; start the server with --allow-origin app.test."}},
		{"unreachable kubeconfig cluster",
			fmt.Errorf(`list prod-dead/ pods at "": %w`, &reflector.APIError{Code: 502, Status: &wire.Status{Code: 502, Reason: "ServiceUnavailable", Message: "cluster prod-dead is unreachable"}}),
			Problem{Code: 502, Reason: "ServiceUnavailable", Message: "The server could not answer (502): cluster prod-dead is unreachable."}},
		{"missing pod", fmt.Errorf("stream refused: %w", FromResponse(404, nil, `pod shop/ghost not found`)),
			Problem{Code: 404, Message: "Not found (404): pod shop/ghost not found."}},
		{"socket closed, no status", dial,
			Problem{Reason: "close 1006", Message: "The connection to the server failed or closed (WebSocket close 1006)."}},
		{"frame over the cap", fmt.Errorf("watch: %w", &transport.CloseError{Code: 1009, Reason: "a frame of 67108864 bytes exceeds the limit of 16777216"}),
			Problem{Reason: "close 1009", Message: "The connection to the server failed or closed (WebSocket close 1009): a frame of 67108864 bytes exceeds the limit of 16777216."}},
		{"shared socket failing to dial", fmt.Errorf("watch pods: %w: multiplexer socket: handshake failed: socket closed: code 1006", reflector.ErrWatchRefused),
			Problem{Message: "The watch could not connect to the server: multiplexer socket: handshake failed: socket closed: code 1006."}},
		{"multiplexer refused the subscription", fmt.Errorf("watch pods: %w: subscription limit reached (3 per socket)", reflector.ErrWatchRefused),
			Problem{Message: "The watch could not connect to the server: subscription limit reached (3 per socket)."}},
		{"refused with no detail", reflector.ErrWatchRefused,
			Problem{Message: "The watch could not connect to the server."}},
		{"shared socket dropped", reflector.ErrTransportReconnects,
			Problem{Message: "The connection to the server dropped."}},
		{"401 without a body", FromResponse(401, []byte("<html>"), ""),
			Problem{Code: 401, Message: "The server did not accept the credentials (401)."}},
		{"nil", nil, Problem{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, Describe(tc.err))
		})
	}
}

func TestFromResponse(t *testing.T) {
	t.Parallel()
	assert.NoError(t, FromResponse(0, nil, ""), "no answer: the dial's error stands")
	assert.NoError(t, FromResponse(200, []byte(`{}`), ""), "served: the dial's error stands")
	err := FromResponse(403, []byte(`{"kind":"Status","reason":"Forbidden","message":"no"}`), "")
	var he *transport.HandshakeError
	assert.True(t, errors.As(err, &he))
	assert.Equal(t, 403, he.Status)
	assert.Equal(t, "handshake refused: HTTP 403: HTTP 403: Forbidden: no", err.Error())
}

func TestOriginRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body string
		want bool
	}{
		{"marked by the server", `{"kind":"Status","reason":"Forbidden","message":"origin","details":{"causes":[{"reason":"OriginRefused","field":"origin"}]}}`, true},
		{"a cluster's own 403", `{"kind":"Status","reason":"Forbidden","message":"pods is forbidden"}`, false},
		{"another cause", `{"kind":"Status","reason":"Forbidden","details":{"causes":[{"reason":"FieldValueInvalid"}]}}`, false},
		{"not a Status", `{"details":{"causes":[{"reason":"OriginRefused"}]}}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := fmt.Errorf("watch: %w", FromResponse(403, []byte(tc.body), ""))
			assert.Equal(t, tc.want, OriginRefused(err))
		})
	}
	assert.False(t, OriginRefused(nil))
}
