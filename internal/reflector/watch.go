package reflector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubelive/kubelive/internal/wire"
)

// watch opens a watch from r.rv and applies its events until it ends. With
// initial set it is a WatchList: it asks for sendInitialEvents from
// r.listFrom, collects the initial ADDED events, replaces the Store at the
// initial-events-end bookmark, then goes on as a plain watch.
//
// It returns nil when the server ended a healthy watch (resume at once), and
// otherwise an error for Run to classify.
func (r *Reflector) watch(ctx context.Context, initial bool) error {
	opts := r.watchOptions(r.rv)
	if initial {
		opts.ResourceVersion, opts.SendInitialEvents, opts.ResourceVersionMatch = r.listFrom, true, "NotOlderThan"
	}
	start := r.cfg.Clock.Now()
	var w Watch
	var err error
	if e := r.early; e != nil && !initial && e.opts.ResourceVersion == opts.ResourceVersion {
		// The first list's watch, dialled while the list was read.
		r.early = nil
		defer e.cancel()
		opts = e.opts
		w, err = e.wait()
	} else {
		r.early.drop()
		r.early = nil
		w, err = r.cfg.ListerWatcher.Watch(ctx, opts)
	}
	if err != nil {
		if initial && clientError(err) && !Permanent(err) {
			return fmt.Errorf("watch %s: %w: %w", r.cfg.Name, ErrWatchListUnsupported, err)
		}
		return fmt.Errorf("watch %s from %q: %w: %w", r.cfg.Name, opts.ResourceVersion, ErrWatchRefused, err)
	}
	defer w.Close()
	if !initial {
		r.setStatus(PhaseLive, nil)
	}
	wl := watchList{active: initial}
	events := 0
	for {
		frames, err := w.Next(ctx)
		for _, f := range frames {
			events++
			if err := r.handle(f, &wl); err != nil {
				r.batchDone()
				return err
			}
		}
		if len(frames) > 0 {
			r.batchDone()
		}
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if wl.active {
			return fmt.Errorf("watch %s: %w: the watch ended before the initial events did: %w", r.cfg.Name, ErrWatchListUnsupported, err)
		}
		up := r.cfg.Clock.Now().Sub(start)
		if errors.Is(err, ErrTransportReconnects) {
			r.setStatus(PhaseReconnecting, err)
			return nil
		}
		if events == 0 && up < time.Second {
			return fmt.Errorf("watch %s from %q: %w: %w", r.cfg.Name, opts.ResourceVersion, ErrWatchTooShort, err)
		}
		r.backoff.Healthy(up)
		if events > 0 {
			// The backend served this watch: the next failure is a first one.
			r.backoff.Reset()
		}
		var why error // a clean end (the server's timeout) is no error
		if !cleanEnd(err) {
			why = err // shown until the resume succeeds: e.g. a frame over the cap
		}
		r.setStatus(PhaseReconnecting, why)
		return nil
	}
}

// watchOptions are the options of a plain watch from rv.
func (r *Reflector) watchOptions(rv string) WatchOptions {
	opts := WatchOptions{
		ResourceVersion:     rv,
		AllowWatchBookmarks: true,
		TimeoutSeconds:      r.timeoutSeconds(),
		LabelSelector:       r.cfg.LabelSelector,
		FieldSelector:       r.fieldSelector(),
	}
	// Waiting may run on another goroutine, and later than now: an early
	// watch of a first list still waits once the list is complete.
	opts.Waiting = func(err error) { r.report(err, r.hasData.Load()) }
	return opts
}

// earlyWatch is the watch of a first list, dialled from the list's
// resourceVersion as soon as its last page arrived, while that page is
// read, so that the handshake overlaps the scan. Its events wait in the
// Watch until the list replaced the Store: the list is live no sooner
// than before, only without waiting for a handshake after it.
type earlyWatch struct {
	opts   WatchOptions
	done   chan watchResult // buffered: the dial never blocks on it
	cancel context.CancelFunc
}

type watchResult struct {
	w   Watch
	err error
}

// dialEarly starts the watch of opts on its own goroutine; wait for it or
// drop it.
func (r *Reflector) dialEarly(ctx context.Context, opts WatchOptions) *earlyWatch {
	ctx, cancel := context.WithCancel(ctx)
	e := &earlyWatch{opts: opts, done: make(chan watchResult, 1), cancel: cancel}
	go func() {
		w, err := r.cfg.ListerWatcher.Watch(ctx, opts)
		e.done <- watchResult{w, err}
	}()
	return e
}

// wait returns the dial's outcome; the caller cancels e once done with the watch.
func (e *earlyWatch) wait() (Watch, error) {
	res := <-e.done
	return res.w, res.err
}

// drop abandons the watch (nil: nothing): the dial is canceled and waited
// for, and a watch that opened anyway is closed, so that none outlives it.
func (e *earlyWatch) drop() {
	if e == nil {
		return
	}
	e.cancel()
	if w, err := e.wait(); err == nil && w != nil {
		w.Close()
	}
}

// watchList is the state of a WatchList's initial phase.
type watchList struct {
	active bool        // waiting for the initial-events-end bookmark
	items  []wire.Item // the initial ADDED objects so far
}

// handle applies one frame. Invariant: r.rv is the resourceVersion of the
// last event applied (never advanced during a WatchList's initial phase,
// whose events are unordered).
func (r *Reflector) handle(frame []byte, wl *watchList) error {
	ev, err := r.cfg.Wire.ScanEvent(frame)
	if err != nil {
		return fmt.Errorf("watch %s after %q: %w: %w", r.cfg.Name, r.rv, ErrMalformed, err)
	}
	if ev.Status != nil {
		ae := statusError(ev.Status)
		if wl.active && clientError(ae) && !Permanent(ae) {
			return fmt.Errorf("watch %s: %w: %w", r.cfg.Name, ErrWatchListUnsupported, ae)
		}
		return fmt.Errorf("watch %s after %q: %w", r.cfg.Name, r.rv, ae)
	}
	if wl.active {
		switch {
		case ev.Type == wire.Added:
			// kept past the next Watch.Next, which may reuse the frame
			it := ev.Item()
			if !it.Owned {
				it.Raw, it.Owned = bytes.Clone(it.Raw), true
			}
			wl.items = append(wl.items, it)
		case ev.Type == wire.Bookmark && ev.InitialEventsEnd:
			r.replace(wl.items, ev.ResourceVersion, true)
			*wl = watchList{}
		case ev.Type == wire.Modified || ev.Type == wire.Deleted:
			// A server that ignores sendInitialEvents streams on from
			// "now" without ever ending the initial phase.
			return fmt.Errorf("watch %s: %w: %s before the initial events ended", r.cfg.Name, ErrWatchListUnsupported, ev.Type)
		}
		return nil
	}
	switch ev.Type {
	case wire.Added, wire.Modified:
		r.cfg.Store.Upsert(ev.Item())
	case wire.Deleted:
		r.cfg.Store.Delete(ev.Item())
	case wire.Bookmark:
		r.cfg.Store.Bookmark(ev.ResourceVersion)
	case wire.Error:
		return fmt.Errorf("watch %s after %q: %w: ERROR event without a Status", r.cfg.Name, r.rv, ErrMalformed)
	default:
		return nil // an unknown type: skipped, the resume point stays
	}
	r.rv = ev.ResourceVersion
	return nil
}

// batchDone records a batch of events: its time and the new resume point.
func (r *Reflector) batchDone() {
	now := r.cfg.Clock.Now()
	r.mu.Lock()
	r.status.LastEvent, r.status.ResourceVersion = now, r.rv
	r.mu.Unlock()
}

// fieldSelector adds metadata.name=<Object> to the configured selector.
func (r *Reflector) fieldSelector() string {
	if r.cfg.Object == "" {
		return r.cfg.FieldSelector
	}
	if r.cfg.FieldSelector == "" {
		return "metadata.name=" + r.cfg.Object
	}
	return r.cfg.FieldSelector + ",metadata.name=" + r.cfg.Object
}

// leaveLive moves a live list to reconnecting when its watch ended and Run
// goes on at once without reporting a failure (a relist after 410): a list
// is live only while its watch is open.
func (r *Reflector) leaveLive(ctx context.Context) {
	if ctx.Err() == nil && r.Status().Phase == PhaseLive {
		r.setStatus(PhaseReconnecting, nil)
	}
}
