//go:build js && wasm

package bridge

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hack-pad/safejs"

	"github.com/kubelive/kubelive/internal/live"
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

// streamJob is kl.stream, logs, exec and attach: the live streams by id
// (live.Handles, under its own lock). An id leaves when its stream ends,
// is cancelled by JS, or the job closes.
type streamJob struct {
	caller
	deps    Deps
	handles *live.Handles[streamHandle]
}

func (j *streamJob) methods() map[string]method {
	return map[string]method{
		"stream":     j.stream,
		"logs":       j.logs,
		"exec":       func(args []safejs.Value) any { return j.exec(args, false) },
		"attach":     func(args []safejs.Value) any { return j.exec(args, true) },
		"cancel":     j.cancel,
		"socket":     j.socket,
		"write":      j.write,
		"resize":     j.resize,
		"closeStdin": j.closeStdin,
	}
}

// count returns the number of live streams.
func (j *streamJob) count() int { return j.handles.Len() }

// close cancels every stream; later ones are cancelled at once.
func (j *streamJob) close() {
	for _, h := range j.handles.Close() {
		h.Cancel()
	}
}

// add registers a stream and returns its id for JS (0 once closed). The
// stream leaves when it ends, whether JS cancelled it or it ended by itself.
func (j *streamJob) add(h streamHandle) float64 {
	id, ok := j.handles.Add(h)
	if !ok {
		h.Cancel()
		return 0
	}
	go func() {
		<-h.Done()
		j.handles.Remove(id)
	}()
	return float64(id)
}

func (j *streamJob) handle(args []safejs.Value) (uint64, streamHandle) {
	if len(args) == 0 {
		return 0, nil
	}
	f, err := args[0].Float()
	if err != nil || f <= 0 {
		return 0, nil
	}
	h, _ := j.handles.Get(uint64(f))
	return uint64(f), h
}

// cancel(id): ends any stream; idempotent.
func (j *streamJob) cancel(args []safejs.Value) any {
	id, h := j.handle(args)
	if h == nil {
		return nil
	}
	j.handles.Remove(id)
	h.Cancel()
	return nil
}

// socket(id): the open browser WebSocket of a stream, or null.
func (j *streamJob) socket(args []safejs.Value) any {
	_, h := j.handle(args)
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
func (j *streamJob) stream(args []safejs.Value) any {
	if len(args) < 2 {
		return 0
	}
	path, err := args[0].String()
	o := options(args, 2)
	onErr := fn(o, "onError")
	cb := args[1]
	if err != nil || cb.Type() != safejs.TypeFunction {
		j.report(onErr, errors.New("stream: url must be a string and cb a function"))
		return 0
	}
	cluster, err1 := optString(o, "cluster")
	extra, err2 := optStrings(o, "additionalProtocols")
	if err := errors.Join(err1, err2); err != nil {
		j.report(onErr, fmt.Errorf("stream: %w", err))
		return 0
	}
	isJSON := optBool(o, "isJson")
	connectCb, failCb := fn(o, "connectCb"), fn(o, "failCb")
	opts := stream.Options{
		Protocols: j.deps.Endpoint.Protocols(extra),
		Binary:    !isJSON,
		Payload:   transport.PayloadOpaque,
		ConnectCb: func() { j.callJS(connectCb) },
		FailCb:    func(err error) { j.callJS(failCb, j.jsError(err)) },
		Reach:     j.deps.Reach,
		ReachKey:  cluster,
	}
	if failCb.IsUndefined() {
		opts.FailCb = nil
	}
	if v, ok := optBoolSet(o, "reconnectOnFailure"); ok {
		opts.ReconnectOnFailure = &v
	}
	url := j.deps.Endpoint.URL(cluster, path)
	return j.add(stream.New(j.deps.Dialer, j.deps.Clock, url, opts, func(frames []transport.Frame) {
		for _, f := range frames {
			v, _ := f.Value.(safejs.Value)
			if isJSON {
				p, err := j.shim.Call("parse", v)
				if err != nil || j.shim.IsBad(p) {
					j.report(onErr, fmt.Errorf("stream %s: frame of %d bytes is not valid JSON", path, f.Size))
					continue
				}
				v = p
			}
			if msg := j.callJS(cb, v); msg != "" {
				j.report(onErr, fmt.Errorf("stream %s: callback threw: %s", path, msg))
			}
		}
	}))
}

// logs({cluster, namespace, pod, container, tailLines, previous, maxLines,
// onError, onStatus}, onLines) -> id. onLines(lines, dropped) gets the lines
// just added ({text, time}) and how many lines are beyond the newest
// maxLines so far; the lines are kept only on the JS side.
func (j *streamJob) logs(args []safejs.Value) any {
	o := options(args, 0)
	onErr := fn(o, "onError")
	if len(args) < 2 || args[1].Type() != safejs.TypeFunction {
		j.report(onErr, errors.New("logs: onLines must be a function"))
		return 0
	}
	onLines := args[1]
	pod, cluster, err := podOf(o)
	if err != nil {
		j.report(onErr, fmt.Errorf("logs: %w", err))
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
	f := stream.FollowLogs(j.deps.Dialer, j.deps.Clock, lo, stream.FollowOptions{
		Base:      strings.TrimRight(j.deps.Endpoint.URL(cluster, ""), "/"),
		Protocols: j.deps.Endpoint.AuthProtocols(),
		MaxLines:  maxLines,
		// The page keeps the lines (useLogs, or the caller of kl.logs):
		// the wasm heap keeps none, only the count beyond maxLines.
		Unbuffered: true,
		OnError: func(err error) {
			last = err
			j.report(onErr, err)
			if errors.Is(err, stream.ErrRefused) { // final: the failed state with its reason
				j.callJS(onStatus, stream.StateFailed.String(), j.jsError(err))
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
				e = j.jsError(last)
			}
			j.callJS(onStatus, s.String(), e)
		},
		Probe:    live.PodProbe(j.deps.Fetch, j.deps.Endpoint, cluster, pod),
		Reach:    j.deps.Reach,
		ReachKey: cluster,
	}, func(lines []stream.Line, dropped int) {
		j.callJS(onLines, parseJSON(live.LinesJSON(lines)), dropped)
	})
	return j.add(follower{f})
}

// exec({cluster, namespace, pod, container, command, tty, stdin, stdout,
// stderr, onOutput, onExit}) -> id. onOutput(channel, text) gets stdout (1)
// and stderr (2) as whole UTF-8 characters; onExit(code, error) runs once.
func (j *streamJob) exec(args []safejs.Value, attach bool) any {
	o := options(args, 0)
	onOutput, onExit := fn(o, "onOutput"), fn(o, "onExit")
	pod, cluster, err := podOf(o)
	if err == nil {
		var cmd []string
		cmd, err = optStrings(o, "command")
		po := stream.ProcessOptions{Pod: pod, Command: cmd, TTY: optBool(o, "tty"),
			Stdin: optBoolDefault(o, "stdin", true), Stdout: optBoolDefault(o, "stdout", true), Stderr: optBoolDefault(o, "stderr", true)}
		if err == nil {
			base := strings.TrimRight(j.deps.Endpoint.URL(cluster, ""), "/")
			url := stream.ExecURL(base, po)
			if attach {
				url = stream.AttachURL(base, po)
			}
			onStatus := fn(o, "onStatus")
			return j.add(session{stream.NewExec(j.deps.Dialer, j.deps.Clock, url, stream.ExecOptions{
				Protocols: j.deps.Endpoint.AuthProtocols(),
				Probe:     live.PodProbe(j.deps.Fetch, j.deps.Endpoint, cluster, pod),
				OnState:   func(s stream.State) { j.callJS(onStatus, s.String()) },
				OnOutput:  func(ch int, data []byte) { j.callJS(onOutput, ch, string(data)) },
				OnExit: func(code int, err error) {
					var e any
					if err != nil {
						e = j.jsError(err)
					}
					j.callJS(onExit, code, e)
				},
			})})
		}
	}
	j.callJS(onExit, -1, j.jsError(fmt.Errorf("exec: %w", err)))
	return 0
}

func (j *streamJob) session(args []safejs.Value) *stream.Exec {
	_, h := j.handle(args)
	s, ok := h.(session)
	if !ok {
		return nil
	}
	return s.Exec
}

// write(id, data): data is a string (UTF-8) or a Uint8Array. Returns an
// error message, or "" when sent.
func (j *streamJob) write(args []safejs.Value) any {
	s := j.session(args)
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
func (j *streamJob) resize(args []safejs.Value) any {
	s := j.session(args)
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
func (j *streamJob) closeStdin(args []safejs.Value) any {
	s := j.session(args)
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
