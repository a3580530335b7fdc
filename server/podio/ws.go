package podio

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/coder/websocket"

	"github.com/kubelive/kubelive/server/wsx"
)

// isWebSocket reports whether r asks for a WebSocket upgrade.
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		headerHasToken(r.Header, "Connection", "upgrade")
}

func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// offeredProtocols returns the client's subprotocols in its order, without
// the authentication protocols a browser adds (the API server strips the
// bearer one, Headlamp's backend the userId one).
func offeredProtocols(r *http.Request) []string {
	var out []string
	for _, p := range wsx.Offered(r) {
		if !strings.HasPrefix(p, wsx.BearerPrefix) && !strings.HasPrefix(p, wsx.HeadlampUserPrefix) {
			out = append(out, p)
		}
	}
	return out
}

// negotiate picks the first offered protocol that supported accepts, in the
// client's order, as the API server's stream handshake does. No offer at all
// selects "" (the protocol's binary default).
func negotiate(offered []string, supported func(string) bool) (string, bool) {
	if len(offered) == 0 {
		return "", true
	}
	for _, p := range offered {
		if supported(p) {
			return p, true
		}
	}
	return "", false
}

// accept upgrades r, answering with proto ("" for none).
func (h *Handler) accept(w http.ResponseWriter, r *http.Request, proto string) (*websocket.Conn, error) {
	opts := h.opts.AcceptOptions
	opts.Subprotocols = nil
	if proto != "" {
		opts.Subprotocols = []string{proto}
	}
	conn, err := websocket.Accept(w, r, &opts)
	if err != nil {
		return nil, fmt.Errorf("accept %s: %w", r.URL.Path, err)
	}
	// Every podio socket has a reader (stdin, or CloseRead for logs), which
	// sees the pongs: a browser that vanished is cut within a ping interval.
	go wsx.KeepAlive(r.Context(), conn, 0, 0)
	return conn, nil
}
