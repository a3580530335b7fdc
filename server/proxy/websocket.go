package proxy

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/kubelive/kubelive/server/wsx"
)

// dialTimeout bounds the upstream WebSocket handshake.
const dialTimeout = 30 * time.Second

// upgradeRequest is what the proxy sends upstream for a browser's upgrade.
type upgradeRequest struct {
	// protocols holds at most one subprotocol for a watch (the API server's
	// watch handler refuses two or more): the first the browser offered
	// besides the authorization ones. Exec, attach and portforward negotiate
	// among several (v5.channel.k8s.io, v4...), so they get every one.
	protocols []string
	// authorization is "Bearer <token>" from the bearer subprotocol or the
	// browser's own Authorization header; "" to use the kubeconfig's credentials.
	authorization string
}

// parseUpgrade reads the browser's subprotocols and Authorization header. A
// malformed bearer protocol is an error whose message holds no token.
func parseUpgrade(r *http.Request) (upgradeRequest, error) {
	var up upgradeRequest
	negotiates := streamPath(r.URL.Path)
	for _, p := range wsx.Offered(r) {
		switch {
		case strings.HasPrefix(p, wsx.BearerPrefix):
			tok, err := decodeBearer(strings.TrimPrefix(p, wsx.BearerPrefix))
			if err != nil {
				return up, err
			}
			up.authorization = "Bearer " + tok
		case strings.HasPrefix(p, wsx.HeadlampUserPrefix):
		case negotiates || len(up.protocols) == 0:
			up.protocols = append(up.protocols, p)
		}
	}
	if up.authorization == "" {
		up.authorization = r.Header.Get("Authorization")
	}
	return up, nil
}

// streamPath reports a pod subresource whose handler picks one of several
// offered subprotocols.
func streamPath(path string) bool {
	for _, sub := range []string{"/exec", "/attach", "/portforward"} {
		if strings.HasSuffix(path, sub) {
			return true
		}
	}
	return false
}

var errBadBearer = errors.New("malformed bearer token subprotocol")

// decodeBearer decodes base64url with or without padding.
func decodeBearer(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 {
		return "", errBadBearer
	}
	return string(b), nil
}

// serveWebSocket checks the browser's Origin, then dials the API server (so
// its refusal reaches the browser as the same HTTP status), then accepts the
// browser with the subprotocol the API server chose and pumps frames both
// ways. A refused Origin dials nothing: no exec, attach or watch starts.
func (h *handler) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if err := wsx.CheckOrigin(r.Header.Get("Origin"), r.Host, h.opts.AcceptOptions.OriginPatterns); err != nil {
		h.log.Info("websocket refused", "path", r.URL.Path, "error", err.Error())
		writeStatus(w, http.StatusForbidden, "Forbidden", err.Error())
		return
	}
	up, err := parseUpgrade(r)
	if err != nil {
		writeStatus(w, http.StatusUnauthorized, "Unauthorized", err.Error())
		return
	}
	target := h.target(r.URL)
	target.Scheme = map[string]string{"https": "wss", "http": "ws"}[target.Scheme]
	header := http.Header{}
	header.Set("Origin", h.base.Scheme+"://"+h.base.Host)
	if a := r.Header.Get("Accept"); a != "" {
		header.Set("Accept", a)
	}
	rt := h.auth
	if up.authorization != "" {
		header.Set("Authorization", up.authorization)
		rt = h.anon
	}
	dctx, cancel := context.WithTimeout(r.Context(), dialTimeout)
	defer cancel()
	upstream, resp, err := websocket.Dial(dctx, target.String(), &websocket.DialOptions{
		HTTPClient:   &http.Client{Transport: rt},
		HTTPHeader:   header,
		Subprotocols: up.protocols,
	})
	if err != nil {
		h.refuse(w, r, resp, err)
		return
	}
	defer upstream.CloseNow()
	upstream.SetReadLimit(h.opts.MaxMessageBytes)

	accept := h.opts.AcceptOptions
	accept.Subprotocols = nil
	if p := upstream.Subprotocol(); p != "" {
		accept.Subprotocols = []string{p}
	}
	client, err := websocket.Accept(w, r, &accept)
	if err != nil {
		h.log.Warn("accept websocket", "path", r.URL.Path, "error", err.Error())
		_ = upstream.Close(websocket.StatusGoingAway, "client handshake failed")
		return
	}
	defer client.CloseNow()
	client.SetReadLimit(h.opts.MaxMessageBytes)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go wsx.KeepAlive(ctx, client, 0, 0) // the relay reads client frames, so pongs are seen
	if h.opts.Tracker != nil {
		untrack := h.opts.Tracker.Track(r.URL.Path, func() { stop(); _ = client.CloseNow(); _ = upstream.CloseNow() })
		defer untrack()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		relay(ctx, client, upstream)
	}()
	relay(ctx, upstream, client)
	<-done
}

// refuse forwards the API server's refusal of the upgrade (status and a
// little of its body), or a 502 when it could not be reached.
func (h *handler) refuse(w http.ResponseWriter, r *http.Request, resp *http.Response, err error) {
	if resp == nil || resp.StatusCode == http.StatusSwitchingProtocols {
		h.proxyError(w, r, err)
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(resp.StatusCode)
	if resp.Body != nil {
		_, _ = io.Copy(w, resp.Body)
	}
}

// relay copies messages from src to dst, keeping text/binary, until src
// fails; then it ends dst the same way: the same close code and reason for a
// close frame, an abrupt close for a dropped connection.
func relay(ctx context.Context, src, dst *websocket.Conn) {
	for {
		typ, data, err := src.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				_ = dst.Close(ce.Code, ce.Reason)
			} else {
				_ = dst.CloseNow()
			}
			return
		}
		if err := dst.Write(ctx, typ, data); err != nil {
			_ = src.CloseNow()
			return
		}
	}
}

// String describes an upgrade for debugging without its credentials.
func (u upgradeRequest) String() string {
	return fmt.Sprintf("protocols=%v authorization=%t", u.protocols, u.authorization != "")
}
