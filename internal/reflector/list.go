package reflector

import (
	"bytes"
	"context"
	"fmt"

	"github.com/kubelive/kubelive/internal/wire"
)

// list performs a LIST (or the GET of Config.Object) at r.listFrom and
// replaces the Store's content with the result.
func (r *Reflector) list(ctx context.Context) (err error) {
	opts := ListOptions{ResourceVersion: r.listFrom, LabelSelector: r.cfg.LabelSelector, FieldSelector: r.cfg.FieldSelector}
	if opts.ResourceVersion != "" {
		opts.ResourceVersionMatch = "NotOlderThan"
	}
	if r.cfg.Object != "" {
		return r.get(ctx, opts)
	}
	opts.Limit = r.cfg.PageSize
	var items []wire.Item
	var next *page // the next page, requested before this one's items were read
	defer func() {
		next.drop()
		if err != nil {
			r.early.drop()
			r.early = nil
		}
	}()
	for {
		var body []byte
		if next != nil && next.cont == opts.Continue {
			body, err = next.wait()
		} else {
			next.drop()
			body, err = r.cfg.ListerWatcher.List(ctx, opts)
		}
		next = nil
		if err != nil {
			return fmt.Errorf("list %s at %q: %w", r.cfg.Name, opts.ResourceVersion, err)
		}
		rv, c := wire.ListHead(body)
		if !r.hasData.Load() && r.early == nil && rv != "" && (c == "" || opts.Limit == 0) {
			// The last page of a first list: its watch is dialled now,
			// from the list's resourceVersion (every page is of that
			// snapshot), while the page is read, and used once the list
			// is complete at that resourceVersion. Not sooner: the events
			// of the watch wait in memory until then.
			r.early = r.dialEarly(ctx, r.watchOptions(rv))
		}
		if opts.Limit != 0 {
			// The continue token is in the metadata, ahead of the items: the
			// next page is fetched while this one is read (two page bodies
			// alive at most).
			if c != "" {
				o := opts
				o.Continue, o.ResourceVersion, o.ResourceVersionMatch = c, "", ""
				next = r.fetch(ctx, o)
			}
		}
		l, err := r.cfg.Wire.ScanList(body)
		if err != nil {
			return fmt.Errorf("list %s: %w: %w", r.cfg.Name, ErrMalformed, err)
		}
		if l.Status != nil {
			return fmt.Errorf("list %s at %q: %w", r.cfg.Name, opts.ResourceVersion, statusError(l.Status))
		}
		if l.Continue != "" && opts.Limit != 0 {
			// More pages follow: copy this page's objects now, so that only
			// this page's and the next one's bodies are alive at a time (wasm
			// memory keeps its high-water mark); the Store keeps the copies.
			// In a relist, an object the Store holds unchanged is not copied
			// (its Raw is dropped: HoldingStore): a relist of an unchanged
			// list copies nothing.
			// A StagingStore keeps the objects it does not hold itself, in
			// its own form: the Reflector then copies none.
			hs, _ := r.cfg.Store.(HoldingStore)
			_, partial := r.cfg.Store.(PartialStore)
			partial = partial && items == nil && !r.hasData.Load() // this page goes to Partial: every object whole
			if ss, ok := r.cfg.Store.(StagingStore); ok && !partial {
				fresh := l.Items[:0:0]
				for _, it := range l.Items {
					if !ss.Holds(it.UID, it.ResourceVersion) {
						fresh = append(fresh, it)
					}
				}
				if len(fresh) == 0 || ss.Stage(fresh) {
					hs = ss // every object is held now
				}
			}
			for i := range l.Items {
				it := &l.Items[i]
				if hs != nil && !partial && hs.Holds(it.UID, it.ResourceVersion) {
					it.Raw, it.Owned = nil, true
					continue
				}
				it.Raw, it.Owned = bytes.Clone(it.Raw), true
			}
		}
		if items == nil {
			items = l.Items
			if ps, ok := r.cfg.Store.(PartialStore); ok && !r.hasData.Load() && l.Continue != "" && opts.Limit != 0 {
				// A first list shows its first page at once; the
				// status stays loading until the last page replaced it.
				ps.Partial(l.Items)
			}
		} else {
			items = append(items, l.Items...)
		}
		if l.Continue == "" || opts.Limit == 0 {
			if l.ResourceVersion == "" {
				return fmt.Errorf("list %s: %w: no metadata.resourceVersion", r.cfg.Name, ErrMalformed)
			}
			r.replace(items, l.ResourceVersion, false)
			return nil
		}
		// Later pages are read from the first page's snapshot: the token
		// carries it, and the RV must be unset.
		opts.Continue, opts.ResourceVersion, opts.ResourceVersionMatch = l.Continue, "", ""
	}
}

// page is one LIST page being fetched on its own goroutine.
type page struct {
	cont   string // the continue token it was asked with
	done   chan pageResult
	cancel context.CancelFunc
}

type pageResult struct {
	body []byte
	err  error
}

// fetch starts the LIST of opts; wait or drop the page it returns.
func (r *Reflector) fetch(ctx context.Context, opts ListOptions) *page {
	ctx, cancel := context.WithCancel(ctx)
	p := &page{cont: opts.Continue, done: make(chan pageResult, 1), cancel: cancel}
	go func() {
		body, err := r.cfg.ListerWatcher.List(ctx, opts)
		p.done <- pageResult{body, err} // buffered: never blocks
	}()
	return p
}

// wait returns the page's body.
func (p *page) wait() ([]byte, error) {
	res := <-p.done
	p.cancel()
	return res.body, res.err
}

// drop abandons the page (nil: nothing); its request is canceled.
func (p *page) drop() {
	if p != nil {
		p.cancel()
	}
}

// get reads the one object of Config.Object.
func (r *Reflector) get(ctx context.Context, opts ListOptions) error {
	opts.Name, opts.LabelSelector, opts.FieldSelector = r.cfg.Object, "", ""
	body, err := r.cfg.ListerWatcher.List(ctx, opts)
	if err != nil {
		return fmt.Errorf("get %s: %w", r.cfg.Name, err)
	}
	it, st, err := r.cfg.Wire.ScanObject(body)
	if err != nil {
		return fmt.Errorf("get %s: %w: %w", r.cfg.Name, ErrMalformed, err)
	}
	if st != nil {
		return fmt.Errorf("get %s: %w", r.cfg.Name, statusError(st))
	}
	r.replace([]wire.Item{it}, it.ResourceVersion, false)
	return nil
}

// replace hands the Store a complete list, current at rv. live says a watch
// is open (a WatchList's initial events): only then is the list live. After
// a plain LIST no socket is open yet, so the list stays loading (first
// time) or reconnecting until its watch opens; the LIST's success clears
// the error.
func (r *Reflector) replace(items []wire.Item, rv string, live bool) {
	r.cfg.Store.Replace(items, rv)
	r.rv, r.needList, r.listFrom = rv, false, ""
	r.hasData.Store(true)
	switch {
	case live:
		r.setStatus(PhaseLive, nil)
	case r.Status().Phase == PhaseLoading:
		r.setStatus(PhaseLoading, nil)
	default:
		r.setStatus(PhaseReconnecting, nil)
	}
}
