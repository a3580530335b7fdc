//go:build js && wasm

package bridge

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/live"
	"github.com/kubelive/kubelive/internal/probe"
	"github.com/kubelive/kubelive/internal/stream"
	"github.com/kubelive/kubelive/internal/transport"
)

// streamHandle is what every kind of stream (stream, logs, exec) offers the
// bridge: cancel, and the socket for getSocket().
type streamHandle interface {
	Cancel()
	Conn() transport.Conn
	Done() <-chan struct{}
}

type follower struct{ *stream.LogFollower }

func (f follower) Conn() transport.Conn  { return f.Stream().Conn() }
func (f follower) Done() <-chan struct{} { return f.Stream().Done() }

type session struct{ *stream.Exec }

func (s session) Cancel()               { s.Close() }
func (s session) Conn() transport.Conn  { return s.Stream().Conn() }
func (s session) Done() <-chan struct{} { return s.Stream().Done() }

// add registers a stream and returns its id for JS. The stream leaves the
// map when it ends, whether JS cancelled it or it ended by itself.
func (b *Bridge) add(h streamHandle) float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		h.Cancel()
		return 0
	}
	b.nextStream++
	id := b.nextStream
	b.streams[id] = h
	go func() {
		<-h.Done()
		b.mu.Lock()
		if b.streams[id] == h {
			delete(b.streams, id)
		}
		b.mu.Unlock()
	}()
	return float64(id)
}

func (b *Bridge) handle(args []safejs.Value) (uint64, streamHandle) {
	if len(args) == 0 {
		return 0, nil
	}
	f, err := args[0].Float()
	if err != nil || f <= 0 {
		return 0, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return uint64(f), b.streams[uint64(f)]
}

// cancel(id): ends any stream; idempotent.
func (b *Bridge) cancel(args []safejs.Value) any {
	id, h := b.handle(args)
	if h == nil {
		return nil
	}
	b.mu.Lock()
	delete(b.streams, id)
	b.mu.Unlock()
	h.Cancel()
	return nil
}

// socket(id): the open browser WebSocket of a stream, or null.
func (b *Bridge) socket(args []safejs.Value) any {
	_, h := b.handle(args)
	if h == nil {
		return nil
	}
	conn := h.Conn()
	if t, ok := conn.(*live.TrackedConn); ok {
		conn = t.Unwrap()
	}
	c, ok := conn.(interface{ WebSocket() safejs.Value })
	if !ok {
		return nil
	}
	return c.WebSocket()
}

// stream(url, cb, {isJson, additionalProtocols, connectCb, failCb,
// reconnectOnFailure, cluster, onError}) -> id. Headlamp's stream(): frames
// go to cb parsed (isJson) or raw (string or ArrayBuffer); bad JSON goes to
// onError with its length.
func (b *Bridge) stream(args []safejs.Value) any {
	if len(args) < 2 {
		return 0
	}
	path, err := args[0].String()
	o := options(args, 2)
	onErr := fn(o, "onError")
	cb := args[1]
	if err != nil || cb.Type() != safejs.TypeFunction {
		b.report(onErr, errors.New("stream: url must be a string and cb a function"))
		return 0
	}
	cluster, err1 := optString(o, "cluster")
	extra, err2 := optStrings(o, "additionalProtocols")
	if err := errors.Join(err1, err2); err != nil {
		b.report(onErr, fmt.Errorf("stream: %w", err))
		return 0
	}
	isJSON := optBool(o, "isJson")
	connectCb, failCb := fn(o, "connectCb"), fn(o, "failCb")
	opts := stream.Options{
		Protocols: b.deps.Endpoint.Protocols(extra),
		Binary:    !isJSON,
		Payload:   transport.PayloadOpaque,
		ConnectCb: func() { b.callJS(connectCb) },
		FailCb:    func(err error) { b.callJS(failCb, b.jsError(err)) },
		Reach:     b.deps.Reach,
		ReachKey:  cluster,
	}
	if failCb.IsUndefined() {
		opts.FailCb = nil
	}
	if v, ok := optBoolSet(o, "reconnectOnFailure"); ok {
		opts.ReconnectOnFailure = &v
	}
	url := b.deps.Endpoint.URL(cluster, path)
	return b.add(stream.New(b.deps.Dialer, b.deps.Clock, url, opts, func(frames []transport.Frame) {
		for _, f := range frames {
			v, _ := f.Value.(safejs.Value)
			if isJSON {
				p, err := b.shim.Call("parse", v)
				if err != nil || b.shim.IsBad(p) {
					b.report(onErr, fmt.Errorf("stream %s: frame of %d bytes is not valid JSON", path, f.Size))
					continue
				}
				v = p
			}
			if msg := b.callJS(cb, v); msg != "" {
				b.report(onErr, fmt.Errorf("stream %s: callback threw: %s", path, msg))
			}
		}
	}))
}

// logs({cluster, namespace, pod, container, tailLines, previous, maxLines,
// onError, onStatus}, onLines) -> id. onLines(lines, dropped) gets the lines
// just added ({text, time}) and the count dropped from the bounded buffer.
func (b *Bridge) logs(args []safejs.Value) any {
	o := options(args, 0)
	onErr := fn(o, "onError")
	if len(args) < 2 || args[1].Type() != safejs.TypeFunction {
		b.report(onErr, errors.New("logs: onLines must be a function"))
		return 0
	}
	onLines := args[1]
	pod, cluster, err := podOf(o)
	if err != nil {
		b.report(onErr, fmt.Errorf("logs: %w", err))
		return 0
	}
	lo := stream.LogOptions{Pod: pod, Previous: optBool(o, "previous")}
	if n, ok := optInt(o, "tailLines"); ok && n >= 0 {
		lo.TailLines = &n
	}
	maxLines, _ := optInt(o, "maxLines")
	onStatus := fn(o, "onStatus")
	// last is the failure that ended the last attempt, shown with the state
	// until a socket opens; both callbacks run on the stream's goroutine.
	var last error
	f := stream.FollowLogs(b.deps.Dialer, b.deps.Clock, lo, stream.FollowOptions{
		Base:      strings.TrimRight(b.deps.Endpoint.URL(cluster, ""), "/"),
		Protocols: b.deps.Endpoint.AuthProtocols(),
		MaxLines:  maxLines,
		OnError: func(err error) {
			last = err
			b.report(onErr, err)
			if errors.Is(err, stream.ErrRefused) { // final: the failed state with its reason
				b.callJS(onStatus, stream.StateFailed.String(), b.jsError(err))
			}
		},
		OnState: func(s stream.State) {
			var e any
			switch {
			case s == stream.StateFailed:
				return // reported by OnError, which has the reason
			case s == stream.StateOpen:
				last = nil
			case last != nil:
				e = b.jsError(last)
			}
			b.callJS(onStatus, s.String(), e)
		},
		Probe:    live.PodProbe(b.deps.Fetch, b.deps.Endpoint, cluster, pod),
		Reach:    b.deps.Reach,
		ReachKey: cluster,
	}, func(lines []stream.Line, dropped int) {
		b.callJS(onLines, parseJSON(linesJSON(lines)), dropped)
	})
	return b.add(follower{f})
}

type lineJSON struct {
	Text string `json:"text"`
	Time string `json:"time,omitempty"`
}

func linesJSON(lines []stream.Line) string {
	out := make([]lineJSON, len(lines))
	for i, l := range lines {
		out[i].Text = l.Text
		if !l.Time.IsZero() {
			out[i].Time = l.Time.Format(time.RFC3339Nano)
		}
	}
	text, _ := json.Marshal(out)
	return string(text)
}

// exec({cluster, namespace, pod, container, command, tty, stdin, stdout,
// stderr, onOutput, onExit}) -> id. onOutput(channel, text) gets stdout (1)
// and stderr (2) as whole UTF-8 characters; onExit(code, error) runs once.
func (b *Bridge) exec(args []safejs.Value, attach bool) any {
	o := options(args, 0)
	onOutput, onExit := fn(o, "onOutput"), fn(o, "onExit")
	pod, cluster, err := podOf(o)
	if err == nil {
		var cmd []string
		cmd, err = optStrings(o, "command")
		po := stream.ProcessOptions{Pod: pod, Command: cmd, TTY: optBool(o, "tty"),
			Stdin: optBoolDefault(o, "stdin", true), Stdout: optBoolDefault(o, "stdout", true), Stderr: optBoolDefault(o, "stderr", true)}
		if err == nil {
			base := strings.TrimRight(b.deps.Endpoint.URL(cluster, ""), "/")
			url := stream.ExecURL(base, po)
			if attach {
				url = stream.AttachURL(base, po)
			}
			onStatus := fn(o, "onStatus")
			return b.add(session{stream.NewExec(b.deps.Dialer, b.deps.Clock, url, stream.ExecOptions{
				Protocols: b.deps.Endpoint.AuthProtocols(),
				Probe:     live.PodProbe(b.deps.Fetch, b.deps.Endpoint, cluster, pod),
				OnState:   func(s stream.State) { b.callJS(onStatus, s.String()) },
				OnOutput:  func(ch int, data []byte) { b.callJS(onOutput, ch, string(data)) },
				OnExit: func(code int, err error) {
					var e any
					if err != nil {
						e = b.jsError(err)
					}
					b.callJS(onExit, code, e)
				},
			})})
		}
	}
	b.callJS(onExit, -1, b.jsError(fmt.Errorf("exec: %w", err)))
	return 0
}

func (b *Bridge) session(args []safejs.Value) *stream.Exec {
	_, h := b.handle(args)
	s, ok := h.(session)
	if !ok {
		return nil
	}
	return s.Exec
}

// write(id, data): data is a string (UTF-8) or a Uint8Array. Returns an
// error message, or "" when sent.
func (b *Bridge) write(args []safejs.Value) any {
	s := b.session(args)
	if s == nil || len(args) < 2 {
		return "no such session"
	}
	var data []byte
	if args[1].Type() == safejs.TypeString {
		str, _ := args[1].String()
		data = []byte(str)
	} else {
		n, err := args[1].Length()
		if err != nil {
			return "data must be a string or a Uint8Array"
		}
		data = make([]byte, n)
		if _, err := safejs.CopyBytesToGo(data, args[1]); err != nil {
			return "data must be a string or a Uint8Array"
		}
	}
	if err := s.Write(data); err != nil {
		return err.Error()
	}
	return ""
}

// resize(id, cols, rows)
func (b *Bridge) resize(args []safejs.Value) any {
	s := b.session(args)
	if s == nil || len(args) < 3 {
		return "no such session"
	}
	cols, err1 := args[1].Int()
	rows, err2 := args[2].Int()
	if errors.Join(err1, err2) != nil || cols <= 0 || rows <= 0 {
		return "cols and rows must be positive numbers"
	}
	if err := s.Resize(cols, rows); err != nil {
		return err.Error()
	}
	return ""
}

// closeStdin(id)
func (b *Bridge) closeStdin(args []safejs.Value) any {
	s := b.session(args)
	if s == nil {
		return "no such session"
	}
	if err := s.CloseStdin(); err != nil {
		return err.Error()
	}
	return ""
}

func podOf(o safejs.Value) (stream.Pod, string, error) {
	cluster, e1 := optString(o, "cluster")
	ns, e2 := optString(o, "namespace")
	name, e3 := optString(o, "pod")
	container, e4 := optString(o, "container")
	if err := errors.Join(e1, e2, e3, e4); err != nil {
		return stream.Pod{}, "", err
	}
	if ns == "" || name == "" {
		return stream.Pod{}, "", errors.New("namespace and pod are required")
	}
	return stream.Pod{Namespace: ns, Name: name, Container: container}, cluster, nil
}

// callJS calls a JS function (if it is one) with args, returning what it
// threw ("" if nothing). It never throws into Go.
func (b *Bridge) callJS(f safejs.Value, args ...any) string {
	if f.Type() != safejs.TypeFunction {
		return ""
	}
	callArgs := append([]any{f}, args...)
	r, err := b.shim.Call("call", callArgs...)
	if err != nil {
		return err.Error()
	}
	if r.IsNull() {
		return ""
	}
	msg, _ := r.String()
	return msg
}

// jsError makes the Error a JS callback gets: a sentence a person
// understands as its message, with the raw HTTP code and reason in fields
// (probe.Describe).
func (b *Bridge) jsError(err error) any {
	p := probe.Describe(err)
	e, cerr := b.shim.Call("error", p.Message, p.Code, p.Reason)
	if cerr != nil {
		return nil
	}
	return e
}

func (b *Bridge) report(onErr safejs.Value, err error) {
	b.callJS(onErr, b.jsError(err))
}
