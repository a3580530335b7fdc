// Package reflector keeps one Kubernetes list in sync with the API server,
// the way client-go's Reflector does: LIST, then WATCH from the list's
// resourceVersion with bookmarks; resume from the last event or bookmark
// after a drop; on 410 Expired relist (at the last resourceVersion, then
// unset) and hand the store the whole list to diff; stop on 401/403/404.
//
// The Reflector knows nothing of its consumer: it talks to the server through
// a ListerWatcher and writes to a Store. It never decodes objects: events are
// read with internal/wire and objects stay raw bytes.
package reflector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kubelive/kubelive/internal/transport"
	"github.com/kubelive/kubelive/internal/wire"
)

// ListOptions are the parameters of one LIST (or GET) request.
type ListOptions struct {
	// Name, when set, asks for a GET of that one object instead of a LIST;
	// the body is then the object itself (or a Status).
	Name            string
	ResourceVersion string // "" asks for a consistent read
	// ResourceVersionMatch is "NotOlderThan" when ResourceVersion is set.
	ResourceVersionMatch string
	LabelSelector        string
	FieldSelector        string
	Limit                int64  // page size; 0 for no paging
	Continue             string // the previous page's continue token
}

// WatchOptions are the parameters of one WATCH request.
type WatchOptions struct {
	ResourceVersion     string
	AllowWatchBookmarks bool
	TimeoutSeconds      int64
	// SendInitialEvents with ResourceVersionMatch "NotOlderThan" asks the
	// server to stream the current state first (WatchList).
	SendInitialEvents    bool
	ResourceVersionMatch string
	LabelSelector        string
	FieldSelector        string
	// Waiting, set by the Reflector, may be called by a Watch that has not
	// returned yet, from any goroutine, to say why the watch is not open
	// (e.g. a shared socket that keeps failing to dial, and what a probe
	// learnt of it): the list shows it (reconnecting, or error for a 4xx)
	// while the Watch goes on waiting.
	Waiting func(err error)
}

// ListerWatcher talks to the API server for one list. Errors carrying an
// HTTP status are *APIError (or *transport.HandshakeError for a refused
// WebSocket upgrade).
type ListerWatcher interface {
	// List returns the raw body of a LIST (or GET, see ListOptions.Name).
	List(ctx context.Context, opts ListOptions) ([]byte, error)
	// Watch opens a watch. A watch that fails after the handshake reports
	// it as an ERROR event, not here.
	Watch(ctx context.Context, opts WatchOptions) (Watch, error)
}

// Watch is one open watch stream.
type Watch interface {
	// Next blocks until frames arrive and returns all of them, each one raw
	// watch event. The frames are valid until the next call of Next (an
	// implementation may reuse their memory then: transport's Borrow), so
	// the Reflector and its Store copy what they keep. It returns
	// *transport.CloseError or io.EOF when the server ended the watch, or
	// ctx.Err().
	Next(ctx context.Context) ([][]byte, error)
	// Close ends the watch; it is idempotent.
	Close()
}

// Store receives the list. A Reflector calls it from one goroutine at a
// time, in the order events arrived. Implementations must apply each call in
// O(1) (Replace: O(n)) and treat an object whose resourceVersion equals the
// stored one as unchanged (duplicates change nothing). An item's Raw
// aliases a LIST body or a frame unless the item is Owned: a Store that keeps
// it copies what is not Owned, before it returns (a frame is valid only
// until the Reflector's next Watch.Next).
type Store interface {
	// Replace sets the whole list after a LIST (or the initial events of a
	// WatchList). Objects whose uid and resourceVersion are unchanged must
	// keep their identity.
	Replace(items []wire.Item, rv string)
	// Upsert adds or updates the object with that uid (ADDED, MODIFIED).
	Upsert(it wire.Item)
	// Delete removes the object with that uid (DELETED).
	Delete(it wire.Item)
	// Bookmark records that the list is complete up to rv.
	Bookmark(rv string)
}

// PartialStore is a Store that can show a list before it is complete. A
// Reflector whose Store holds no list yet (a first LIST, not a relist nor a
// resumed cache) hands it the objects of a paged LIST's first page as soon
// as that page is read, when more pages follow; the Replace of the whole
// list comes later and must keep the identity of those objects. Partial
// sets no resume point: the list is complete, and may be resumed or
// shown live, only after that Replace.
type PartialStore interface {
	Store
	// Partial adds or updates the objects of a first page. Items marked
	// Owned are the Store's to keep; others must be copied.
	Partial(items []wire.Item)
}

// HoldingStore is a Store that says which objects it holds already, so
// that a relist copies only what changed. A Reflector reading a paged LIST
// copies each object of a page that more pages follow (so that the page's
// body can go); it does not copy an object the Store Holds at the same uid
// and resourceVersion, and hands it to Replace with a nil Raw instead.
// Invariant: the Reflector is the Store's only writer between the Holds
// and the Replace (its own calls, in order), so such an object is still
// held, unchanged, when Replace finds it, and Replace keeps the held one
// (objects with an unchanged resourceVersion keep their identity).
type HoldingStore interface {
	Store
	// Holds reports whether the Store holds the object uid at rv now.
	Holds(uid, rv string) bool
}

// StagingStore is a HoldingStore that keeps the objects of a LIST's page
// before the list is complete, without showing them, so that the Reflector
// need not keep a copy of its own of every page until the Replace (the
// LIST's peak of memory). The Reflector hands Stage the objects of a page
// that more pages follow and that the Store does not hold (aliasing the
// page's body: Stage copies them before it returns); when Stage returns
// true, Holds answers true for them at their resourceVersion and the
// Reflector hands them to Replace with a nil Raw. Invariant: a staged
// object is exactly the bytes its page had, and it is shown only once a
// Replace lists it.
type StagingStore interface {
	HoldingStore
	// Stage keeps items until a Replace; false: it took none (the
	// Reflector copies them as for any Store).
	Stage(items []wire.Item) bool
}

// Phase is a list's condition.
type Phase int

// Phases of a list.
const (
	// PhaseLoading: no data yet.
	PhaseLoading Phase = iota
	// PhaseLive: the data is current and a watch is open.
	PhaseLive
	// PhaseReconnecting: the watch ended or cannot open; the data is kept
	// and the Reflector retries.
	PhaseReconnecting
	// PhaseStale: the data is known to lag the server (set by consumers,
	// e.g. when their pending set overflowed).
	PhaseStale
	// PhaseError: the server refused a request or sent an ERROR; Status.Err
	// says why. The Reflector retries unless the error is permanent.
	PhaseError
)

func (p Phase) String() string {
	switch p {
	case PhaseLoading:
		return "loading"
	case PhaseLive:
		return "live"
	case PhaseReconnecting:
		return "reconnecting"
	case PhaseStale:
		return "stale"
	case PhaseError:
		return "error"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// Status describes a list at one moment.
type Status struct {
	Phase Phase
	Since time.Time // when Phase began
	// LastEvent is when the last batch of watch events (bookmarks included)
	// arrived; zero before the first. A consumer calls the list stale when
	// it is older than its threshold.
	LastEvent       time.Time
	ResourceVersion string // the resume point
	Err             error  // why, in PhaseError and PhaseReconnecting
	// LastErr is the last error the list went through, kept after it
	// recovered (a resume can succeed within one frame), and LastErrAt when.
	LastErr   error
	LastErrAt time.Time
}

// APIError is a failure the API server reported with an HTTP status.
type APIError struct {
	Code   int          // HTTP status, e.g. 403, 410
	Status *wire.Status // the body, when it was a Status
}

func (e *APIError) Error() string {
	if e.Status == nil {
		return fmt.Sprintf("HTTP %d", e.Code)
	}
	if e.Status.Message == "" {
		return fmt.Sprintf("HTTP %d: %s", e.Code, e.Status.Reason)
	}
	return fmt.Sprintf("HTTP %d: %s: %s", e.Code, e.Status.Reason, e.Status.Message)
}

// Sentinel errors.
var (
	// ErrWatchTooShort: a watch ended in under a second without any event;
	// it counts as a failure for backoff.
	ErrWatchTooShort = errors.New("watch closed in under a second with no events")
	// ErrTransportReconnects marks a watch ended by a shared transport that
	// reconnects by itself with its own backoff (the multiplexer's socket):
	// the Reflector resubscribes at once, from its last resourceVersion, and
	// the new subscription waits for the transport. Counting it as a failure
	// would stack every list's backoff on top of the socket's.
	ErrTransportReconnects = errors.New("the shared socket is reconnecting")
	// ErrWatchRefused: the watch could not be started (the server refused it
	// or could not be reached).
	ErrWatchRefused = errors.New("watch refused")
	// ErrWatchListUnsupported: the server does not support sendInitialEvents;
	// the Reflector falls back to LIST.
	ErrWatchListUnsupported = errors.New("sendInitialEvents not supported")
	// ErrMalformed: a LIST body or watch frame could not be read; the Reflector
	// retries with backoff (resuming a watch from the last good event).
	ErrMalformed = errors.New("malformed response")
)

// statusError turns a Status into an *APIError.
func statusError(st *wire.Status) *APIError {
	code := st.Code
	if code == 0 && st.Expired() {
		code = 410
	}
	return &APIError{Code: code, Status: st}
}

// Expired reports whether err says the resourceVersion is too old (410,
// reason Expired or Gone).
func Expired(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == 410 || ae.Status.Expired())
}

// MaxFruitlessResumes is how many resumes in a row may fail without a single
// event before the Reflector stops trusting its resume point and relists.
// resourceVersions are opaque: a server may refuse one it did not
// expect (one from before a restore, or a bad bookmark) with a 400 that a
// browser hides behind a closed socket, and retrying the same resume point
// forever would leave the list stale.
const MaxFruitlessResumes = 3

// cleanEnd reports a watch that ended the way watches end: EOF, or a close
// with 1000 (normal) or 1001 (going away).
func cleanEnd(err error) bool {
	var ce *transport.CloseError
	if errors.As(err, &ce) {
		return ce.Code == transport.CloseNormal || ce.Code == transport.CloseGoingAway
	}
	return errors.Is(err, io.EOF)
}

// fruitless reports a watch that ended without delivering anything.
func fruitless(err error) bool {
	return errors.Is(err, ErrWatchRefused) || errors.Is(err, ErrWatchTooShort)
}

// Permanent reports whether retrying cannot help: a 404 (the resource or
// the object does not exist) from a LIST, a GET, an ERROR event or a
// WebSocket handshake. A 401 or 403 is not permanent: it is retried on the
// ordinary backoff, since credentials and origin policies change.
func Permanent(err error) bool {
	return HTTPCode(err) == 404
}

// HTTPCode returns the HTTP status err carries (an *APIError, or a
// *transport.HandshakeError such as a refused upgrade learnt by a probe),
// or 0.
func HTTPCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	var he *transport.HandshakeError
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}

// TooLargeResourceVersion reports the API server's 504 "Too large resource
// version": the resume point is ahead of the server (one restored or
// restarted without its state). client-go relists at once with the
// resourceVersion unset.
func TooLargeResourceVersion(err error) bool {
	// Matched on the message, as client-go does: the multiplexer relays the
	// upstream's refusal as text.
	return err != nil && strings.Contains(err.Error(), "Too large resource version")
}

// clientError reports a 4xx that is not about the client's identity, the
// resource or the resume point (used to detect a server that refuses
// sendInitialEvents).
func clientError(err error) bool {
	switch code := HTTPCode(err); code {
	case 401, 403, 404, 410:
		return false
	default:
		return code >= 400 && code < 500
	}
}
