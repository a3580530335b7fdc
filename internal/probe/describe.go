package probe

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kubelive/kubelive/internal/reflector"
	"github.com/kubelive/kubelive/internal/transport"
)

// Problem is an error as the UI shows it: Message is a sentence a person
// understands; Code (an HTTP status, 0 when there was none) and Reason (the
// server's Status reason, or a socket close code as "close 1006") are the
// raw facts beside it.
type Problem struct {
	Message string
	Code    int
	Reason  string
}

// Describe explains err. It never quotes a payload: only what the error
// chain already carries (server messages, close codes).
func Describe(err error) Problem {
	if err == nil {
		return Problem{}
	}
	p := Problem{Code: reflector.HTTPCode(err)}
	var serverMsg string
	var ae *reflector.APIError
	var se *StatusError
	switch {
	case errors.As(err, &se):
		p.Reason, serverMsg = se.Reason, se.Message
	case errors.As(err, &ae) && ae.Status != nil:
		p.Reason, serverMsg = ae.Status.Reason, ae.Status.Message
	}
	var ce *transport.CloseError
	if p.Code == 0 && errors.As(err, &ce) && ce.Code != 0 {
		p.Reason = fmt.Sprintf("close %d", ce.Code)
		serverMsg = ce.Reason // e.g. "a frame of N bytes exceeds the limit of M"
	}
	p.Message = sentence(p, serverMsg, err)
	return p
}

func sentence(p Problem, serverMsg string, err error) string {
	say := func(s string) string {
		if serverMsg == "" {
			return s + "."
		}
		return s + ": " + strings.TrimSuffix(serverMsg, ".") + "."
	}
	switch {
	case p.Code == 401:
		return say("The server did not accept the credentials (401)")
	case p.Code == 403:
		return say("The server refused access (403)")
	case p.Code == 404:
		return say("Not found (404)")
	case p.Code >= 500:
		return say(fmt.Sprintf("The server could not answer (%d)", p.Code))
	case p.Code >= 400:
		return say(fmt.Sprintf("The server refused the request (%d)", p.Code))
	case errors.Is(err, reflector.ErrMalformed):
		return "The server sent data that could not be read (" + err.Error() + ")."
	case errors.Is(err, reflector.ErrTransportReconnects):
		return "The connection to the server dropped."
	case strings.HasPrefix(p.Reason, "close "):
		return say(fmt.Sprintf("The connection to the server failed or closed (WebSocket %s)", p.Reason))
	case errors.Is(err, reflector.ErrWatchRefused):
		// The detail is the server's or the socket's own words (a
		// multiplexer ERROR, a refused handshake): keep it.
		if _, detail, ok := strings.Cut(err.Error(), reflector.ErrWatchRefused.Error()+": "); ok && detail != "" {
			return "The watch could not connect to the server: " + strings.TrimSuffix(detail, ".") + "."
		}
		return "The watch could not connect to the server."
	}
	return err.Error() // not a server's or a socket's failure: already a sentence of ours
}
