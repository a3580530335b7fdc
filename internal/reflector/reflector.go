package reflector

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubelive/kubelive/internal/backoff"
	"github.com/kubelive/kubelive/internal/clock"
	"github.com/kubelive/kubelive/internal/redial"
	"github.com/kubelive/kubelive/internal/wire"
)

// Config configures a Reflector. ListerWatcher, Store and Clock are required.
type Config struct {
	// Name describes the list in errors, e.g. "demo/default pods".
	Name          string
	ListerWatcher ListerWatcher
	Store         Store
	Clock         clock.Clock
	// Rand returns values in [0, 1) for backoff jitter and watch timeouts;
	// nil means math/rand/v2.
	Rand func() float64
	// Backoff is the retry policy; the zero value means backoff.Default.
	Backoff backoff.Policy
	// Reach, when set, cuts a waiting retry short when a socket to the
	// list's backend opens (ReachKey is the list's cluster): see
	// backoff.Reach.
	Reach    *backoff.Reach
	ReachKey string

	LabelSelector string
	FieldSelector string
	// Object, when set, keeps one object: GET it, then watch with
	// fieldSelector=metadata.name=<Object> from the GET's resourceVersion.
	Object string
	// ResourceVersion resumes a list the Store already holds (e.g. from a
	// cache): the Reflector watches from it and lists only on 410.
	ResourceVersion string
	// WatchList asks for the initial state as a stream of events
	// (sendInitialEvents=true) and falls back to LIST when the server does
	// not support it.
	WatchList bool
	// PageSize pages LIST requests (limit/continue); 0 lists in one request.
	PageSize int64
	// Wire says how objects are read; by default metadata.managedFields is
	// cut from each one (no UI shows it, and it is a large share of its bytes).
	Wire wire.Options
	// OnStatus, if set, is called whenever the phase, the error or the
	// resume resourceVersion changes (not per event): on the Run goroutine,
	// or on the goroutine of a ListerWatcher calling WatchOptions.Waiting.
	OnStatus func(Status)
}

// Reflector keeps one list in sync. Run it once; read Status from any goroutine.
type Reflector struct {
	cfg     Config
	backoff *backoff.Backoff
	rand    func() float64

	// The fields below belong to the Run goroutine.
	rv          string // resume point: the last event, bookmark or list RV
	needList    bool   // the Store does not hold a list to resume from
	listFrom    string // RV for the next LIST: rv after a 410, "" after a 410 on that
	noWatchList bool   // the server refused sendInitialEvents
	// hasData: the Store holds a list (listed, or resumed from a cache);
	// read by Waiting on any goroutine, it only ever turns true.
	hasData atomic.Bool
	early   *earlyWatch // a first list's watch, dialled during the list; nil if none

	mu     sync.Mutex
	status Status // guarded by mu
}

// New returns a Reflector for cfg.
func New(cfg Config) *Reflector {
	if cfg.Backoff == (backoff.Policy{}) {
		cfg.Backoff = backoff.Default
	}
	r := &Reflector{cfg: cfg, backoff: backoff.New(cfg.Backoff, cfg.Rand), rand: cfg.Rand}
	if r.rand == nil {
		r.rand = rand.Float64
	}
	r.rv = cfg.ResourceVersion
	r.needList = r.rv == ""
	r.hasData.Store(!r.needList)
	r.status = Status{Phase: PhaseLoading, Since: cfg.Clock.Now(), ResourceVersion: r.rv}
	if !r.needList {
		r.status.Phase = PhaseReconnecting
	}
	return r
}

// Status returns the list's current status.
func (r *Reflector) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// Run keeps the list in sync until ctx ends (it returns ctx.Err()) or the
// server says the list does not exist (404: it returns that error). A 401 or
// 403 is shown (PhaseError) and retried on the ordinary backoff: a token
// can be renewed and an origin allowed while the page stays open. It starts no
// goroutine, and leaves no timer or watch open when it returns.
func (r *Reflector) Run(ctx context.Context) error {
	defer func() { r.early.drop() }()
	expiredInARow := 0
	fruitlessInARow := 0 // resumes from r.rv that failed before any event
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		switch {
		case r.needList && r.cfg.WatchList && r.cfg.Object == "" && !r.noWatchList:
			err = r.watch(ctx, true)
		case r.needList:
			err = r.list(ctx)
		default:
			err = r.watch(ctx, false)
		}
		if err == nil {
			expiredInARow, fruitlessInARow = 0, 0
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if resuming := !r.needList; resuming && fruitless(err) && !Permanent(err) && !Expired(err) {
			if fruitlessInARow++; fruitlessInARow >= MaxFruitlessResumes {
				// Stop trusting the resume point: a consistent relist next.
				fruitlessInARow = 0
				r.needList, r.listFrom = true, ""
			}
		} else {
			fruitlessInARow = 0
		}
		switch {
		case Permanent(err):
			r.setStatus(PhaseError, err)
			return err
		case errors.Is(err, ErrWatchListUnsupported):
			r.noWatchList = true
			continue
		case TooLargeResourceVersion(err):
			// The server is behind the resume point (restored or restarted
			// without its state): as client-go, relist at once with the
			// resourceVersion unset.
			r.needList, r.listFrom = true, ""
			if expiredInARow++; expiredInARow < 3 {
				r.leaveLive(ctx)
				continue
			}
			r.failed(err)
		case Expired(err):
			// The ladder: relist at the last RV; if that is expired too,
			// relist with the RV unset (a consistent read).
			if r.needList {
				r.listFrom = ""
			} else {
				r.needList, r.listFrom = true, r.rv
			}
			if expiredInARow++; expiredInARow < 3 {
				r.leaveLive(ctx)
				continue
			}
			r.failed(err)
		default:
			r.failed(err)
		}
		if err := r.sleep(ctx, r.backoff.Next()); err != nil {
			return err
		}
	}
}

// sleep waits d on the injected clock, or until ctx ends; a kick of the
// list's backend cuts it short (redial.Loop.Wait).
func (r *Reflector) sleep(ctx context.Context, d time.Duration) error {
	l := redial.Loop{Clock: r.cfg.Clock, Reach: r.cfg.Reach, ReachKey: r.cfg.ReachKey, Rand: r.rand}
	if !l.Wait(ctx, d) {
		return ctx.Err()
	}
	return nil
}

// setStatus moves to phase with err and reports a change to OnStatus.
func (r *Reflector) setStatus(phase Phase, err error) {
	r.mu.Lock()
	old := r.status
	if old.Phase != phase {
		r.status.Since = r.cfg.Clock.Now()
	}
	r.status.Phase, r.status.Err, r.status.ResourceVersion = phase, err, r.rv
	if err != nil {
		r.status.LastErr, r.status.LastErrAt = err, r.cfg.Clock.Now()
	}
	st := r.status
	r.mu.Unlock()
	if r.cfg.OnStatus != nil && (old.Phase != st.Phase || old.Err != st.Err || old.ResourceVersion != st.ResourceVersion) {
		r.cfg.OnStatus(st)
	}
}

// failed reports a retryable failure: Error for a server's refusal (4xx),
// bad data, or a list that never had data; Reconnecting for a dropped or
// unreachable watch, or a server that cannot answer now (5xx).
func (r *Reflector) failed(err error) { r.report(err, r.hasData.Load()) }

// report is failed for a list that holds data or not; it is safe from any
// goroutine.
func (r *Reflector) report(err error, hasData bool) {
	if code := HTTPCode(err); code >= 400 && code < 500 || errors.Is(err, ErrMalformed) || !hasData {
		r.setStatus(PhaseError, err)
		return
	}
	r.setStatus(PhaseReconnecting, err)
}

// timeoutSeconds spreads watch timeouts over [300, 600] s, as client-go does.
func (r *Reflector) timeoutSeconds() int64 {
	return 300 + int64(r.rand()*301)
}
