package stream

import (
	"strconv"
	"strings"
	"time"

	"github.com/kubelive/kubelive/internal/weburl"
)

// Pod names a container of a pod.
type Pod struct {
	Namespace string
	Name      string
	Container string // "" lets the server pick the pod's only container
}

// path returns base + /api/v1/namespaces/<ns>/pods/<name>/<sub>, every
// segment escaped. base is the cluster prefix ("" or "/clusters/<c>").
func (p Pod) path(base, sub string) string {
	return strings.TrimRight(base, "/") + "/api/v1/namespaces/" + weburl.PathEscape(p.Namespace) +
		"/pods/" + weburl.PathEscape(p.Name) + "/" + sub
}

func (p Pod) query() weburl.Values {
	q := weburl.Values{}
	if p.Container != "" {
		q.Set("container", p.Container)
	}
	return q
}

// LogOptions select the log to follow.
type LogOptions struct {
	Pod
	// TailLines starts from the last N lines; nil means the whole log.
	TailLines *int
	// Previous follows the previous (terminated) instance of the container.
	Previous bool
	// SinceTime, when set, starts from the first line at or after it; it
	// replaces TailLines (a resume).
	SinceTime time.Time
}

// LogURL returns the URL that follows a log, with timestamps (needed to
// resume): .../pods/<name>/log?container=<c>&follow=true&timestamps=true
// [&tailLines=N][&previous=true][&sinceTime=<RFC3339Nano>], every part
// URL-encoded.
func LogURL(base string, o LogOptions) string {
	q := o.query()
	q.Set("follow", "true")
	q.Set("timestamps", "true")
	switch {
	case !o.SinceTime.IsZero():
		q.Set("sinceTime", o.SinceTime.UTC().Format(time.RFC3339Nano))
	case o.TailLines != nil && *o.TailLines >= 0:
		q.Set("tailLines", strconv.Itoa(*o.TailLines))
	}
	if o.Previous {
		q.Set("previous", "true")
	}
	return o.path(base, "log") + "?" + q.Encode()
}

// ProcessOptions select the process of an exec or the streams of an attach.
type ProcessOptions struct {
	Pod
	Command []string // exec only; empty means ["sh"]
	Stdin   bool
	Stdout  bool
	Stderr  bool // with TTY the server merges stderr into stdout
	TTY     bool
}

func (o ProcessOptions) query() weburl.Values {
	q := o.Pod.query()
	for _, k := range []struct {
		name string
		on   bool
	}{{"stdin", o.Stdin}, {"stdout", o.Stdout}, {"stderr", o.Stderr}, {"tty", o.TTY}} {
		q.Set(k.name, strconv.FormatBool(k.on))
	}
	return q
}

// ExecURL returns .../pods/<name>/exec?command=..&command=..&container=..
// &stdin=..&stdout=..&stderr=..&tty=.., every part URL-encoded.
func ExecURL(base string, o ProcessOptions) string {
	q := o.query()
	cmd := o.Command
	if len(cmd) == 0 {
		cmd = []string{"sh"}
	}
	q["command"] = append([]string(nil), cmd...)
	return o.path(base, "exec") + "?" + q.Encode()
}

// AttachURL returns .../pods/<name>/attach?container=..&stdin=..&stdout=..
// &stderr=..&tty=.., every part URL-encoded.
func AttachURL(base string, o ProcessOptions) string {
	return o.path(base, "attach") + "?" + o.query().Encode()
}
