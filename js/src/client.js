// The client facade: a thin, stable JS API over the object the wasm module
// exports. No logic lives here beyond turning ids into cleanup functions,
// refusing calls after close() and keeping the last snapshot delivered per
// watched key (so getList reads it without a call into wasm); see
// wasm/bridge for the behaviour.

const noop = () => {};

/**
 * MUX_UNSUBSCRIBE_DELAY_MS delays every mux.subscribe cleanup, as Headlamp's
 * WebSocketManager does: a cleanup followed at once by a subscribe of the
 * same key (a React remount) keeps its watch and socket, in either mode.
 */
export const MUX_UNSUBSCRIBE_DELAY_MS = 100;

export class KubeliveClient {
  #api;
  #host;
  #closed = false;
  #pending = new Set(); // timers of delayed mux cleanups; cleared by close()
  // #delivered holds, per key with a live watch, the last snapshot delivered
  // and the watches that hold it: getList reads it without crossing into Go.
  // A key leaves when its last watch ends (the data may then go stale).
  #delivered = new Map();
  // #deliveredViews is the same for watchView, by view key.
  #deliveredViews = new Map();
  #wasmBytes;

  /**
   * @param {object} api the object exported by the wasm module
   * @param {string} host where the module runs, as stats().host reports it
   * @param {() => number} [wasmBytes] the size of the module's linear memory now
   */
  constructor(api, host = 'page', wasmBytes = () => 0) {
    this.#api = api;
    this.#host = host;
    this.#wasmBytes = wasmBytes;
    /**
     * The shape of Headlamp's WebSocketManager: mux.subscribe(cluster, path, query,
     * onMessage, onError) resolves to a cleanup. One socket for every watch
     * when the backend has /wsMultiplexer; per-URL sockets otherwise. The
     * cleanup takes effect MUX_UNSUBSCRIBE_DELAY_MS later. Without onError, a
     * backend ERROR reaches onMessage as Headlamp delivers it: { type:
     * 'ERROR', object: { kind: 'Status', status: 'Failure', message } }.
     */
    this.mux = {
      subscribe: async (cluster, path, query, onMessage, onError) => {
        if (this.#closed) return noop;
        const q = query ?? '';
        const errors = typeof onError === 'function' ? onError : serverErrorAsMessage(cluster, path, q, onMessage);
        const id = this.#api.muxSubscribe(cluster, path, q, onMessage, errors);
        if (!id) return noop;
        let done = false;
        return () => {
          if (done) return;
          done = true;
          const t = setTimeout(() => {
            this.#pending.delete(t);
            if (!this.#closed) this.#api.muxUnsubscribe(id);
          }, MUX_UNSUBSCRIBE_DELAY_MS);
          this.#pending.add(t);
        };
      },
    };
  }

  /**
   * Subscribe to a shared WebSocket. Sockets are shared per
   * (cluster, url, protocols, type). Returns an idempotent cleanup function.
   */
  subscribe(options) {
    if (this.#closed) {
      reportClosed(options);
      return noop;
    }
    const id = this.#api.subscribe(options ?? {});
    if (!id) return noop;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (!this.#closed) this.#api.unsubscribe(id);
    };
  }

  /**
   * Headlamp's stream(): one reconnecting socket to url (path below the
   * cluster). Returns { cancel, getSocket }; cancel() at any moment leaves no
   * socket and no timer behind.
   */
  stream(url, cb, options = {}) {
    if (this.#closed) return { cancel: noop, getSocket: () => null };
    const id = this.#api.stream(url, cb, options);
    return {
      cancel: () => this.#cancel(id),
      getSocket: () => (id && !this.#closed ? this.#api.socket(id) : null),
    };
  }

  /**
   * Follow a container's log across dropped sockets, without losing or
   * repeating a line. onLines(lines, dropped): the lines just added
   * ({ text, time }) and how many the bounded buffer dropped so far.
   * Returns { cancel }.
   */
  logs(options, onLines) {
    if (this.#closed) return { cancel: noop };
    const id = this.#api.logs(options ?? {}, onLines);
    return { cancel: () => this.#cancel(id) };
  }

  /** An exec session: { write, resize, closeStdin, close }; output and exit go to options.onOutput(channel, text) and options.onExit(code, error). */
  exec(options) {
    return this.#session('exec', options);
  }

  /** An attach session, like exec. */
  attach(options) {
    return this.#session('attach', options);
  }

  #session(kind, options = {}) {
    let id = 0;
    const s = sessionHandle(
      options,
      (m, args) => (id && !this.#closed ? this.#api[m](id, ...args) : 'session is closed'),
      () => this.#cancel(id),
    );
    if (this.#closed) return s;
    id = this.#api[kind]({ ...options, ...sessionCallbacks(s) });
    return s;
  }

  #cancel(id) {
    if (id && !this.#closed) this.#api.cancel(id);
  }

  /**
   * Keep a list live in the query cache: LIST, then WATCH, resumed and
   * relisted as needed. onChange(snapshot) runs at most once per animation
   * frame. Returns an idempotent unwatch function.
   * query: { lists: [{ cluster, namespace }], endpoint: { group, version, resource }, queryParams }
   */
  watchList(query, onChange) {
    return this.#watch('watchList', query, onChange);
  }

  /** Keep one object live: { cluster, namespace, name, endpoint }. snapshot.object is null once deleted. */
  watchObject(query, onChange) {
    return this.#watch('watchObject', query, onChange);
  }

  #watch(kind, query, onChange) {
    if (this.#closed || typeof onChange !== 'function') return noop;
    const watch = {}; // this watch's identity in #delivered
    let key = null;
    let done = false;
    const id = this.#api[kind](query ?? {}, (snap) => {
      if (!done && snap && typeof snap.key === 'string') {
        key = snap.key;
        let d = this.#delivered.get(key);
        if (!d) this.#delivered.set(key, (d = { snap, watches: new Set() }));
        d.snap = snap;
        d.watches.add(watch);
      }
      onChange(snap);
    });
    if (!id) return noop;
    return () => {
      if (done) return;
      done = true;
      const d = key === null ? null : this.#delivered.get(key);
      if (d) {
        d.watches.delete(watch);
        if (d.watches.size === 0) this.#delivered.delete(key);
      }
      if (!this.#closed) this.#api.unwatch(id);
    };
  }

  /**
   * Keep a live view: a watchList query plus where ({ labelSelector, fields,
   * text }), sort ([{ by, desc }]), window ({ offset, limit }), columns
   * ({ name: path }) and countBy, maintained in Go per event; only the
   * window's rows cross. onChange({ rows, total, count, offset, version,
   * status, lastError, countBy }) runs at most once per frame. Returns an
   * idempotent unwatch function with update(query) (a new where, sort,
   * window or columns for the same lists: no new LIST or watch; returns ''
   * or why it was refused) and getObject(cluster, uid) (the whole object,
   * parsed only then, or null).
   */
  watchView(query, onChange) {
    const closed = () => 'kubelive: client is closed';
    if (this.#closed || typeof onChange !== 'function') return Object.assign(noop, { update: closed, getObject: () => null });
    const watch = {};
    let key = null;
    let done = false;
    const id = this.#api.watchView(query ?? {}, (snap) => {
      if (done || !snap) return;
      if (snap.key !== key) {
        this.#forget(this.#deliveredViews, key, watch);
        key = snap.key;
      }
      let d = this.#deliveredViews.get(key);
      if (!d) this.#deliveredViews.set(key, (d = { snap, watches: new Set() }));
      d.snap = snap;
      d.watches.add(watch);
      onChange(snap);
    });
    const unwatch = () => {
      if (done) return;
      done = true;
      this.#forget(this.#deliveredViews, key, watch);
      if (id && !this.#closed) this.#api.unwatchView(id);
    };
    unwatch.update = (next) => (id && !done && !this.#closed ? this.#api.updateView(id, next ?? {}) : 'kubelive: the view is not watched');
    unwatch.getObject = (cluster, uid) => (id && !done && !this.#closed ? this.#api.getObject(id, cluster ?? '', uid ?? '') ?? null : null);
    return unwatch;
  }

  #forget(map, key, watch) {
    const d = key === null ? null : map.get(key);
    if (!d) return;
    d.watches.delete(watch);
    if (d.watches.size === 0) map.delete(key);
  }

  /** The last snapshot of a watched view of that key (see viewKey), or null. */
  getView(key) {
    if (this.#closed) return null;
    const d = this.#deliveredViews.get(key);
    return d ? d.snap : this.#api.getView(key) ?? null;
  }

  /** The canonical key of a view query ('' if the query is refused). */
  viewKey(query) {
    return this.#closed ? '' : this.#api.viewKey(query ?? {});
  }

  /**
   * The current immutable snapshot of a query (or of its key), or null:
   * { items, resourceVersion, status, errors, lists, updatedAt }. The same
   * object is returned until the data changes. For a key this client
   * watches, it is the last snapshot delivered, read without calling into
   * the wasm module (React's getSnapshot runs on every render).
   */
  getList(keyOrQuery) {
    if (this.#closed) return null;
    const d = typeof keyOrQuery === 'string' ? this.#delivered.get(keyOrQuery) : undefined;
    return d ? d.snap : this.#api.getList(keyOrQuery) ?? null;
  }

  /** The canonical key of a query: equal for queries asking for the same data. */
  listKey(query) {
    return this.#closed ? '' : this.#api.listKey(query);
  }

  /**
   * Retry now: every list, stream and socket waiting out a backoff tries
   * again (spread over half a second). For a Retry button beside an error.
   */
  retry() {
    if (!this.#closed) this.#api.retry();
  }

  /**
   * Delete every list persisted in this browser profile (load({ persist })),
   * for every identity. Resolves to true (false when this client does not
   * persist); lists that change afterwards are written again.
   */
  clearPersisted() {
    if (this.#closed) return Promise.resolve(false);
    return this.#api.clearPersisted();
  }

  /** Write every list waiting to be persisted now; resolves once written (false without persist). */
  flushPersisted() {
    if (this.#closed) return Promise.resolve(false);
    return this.#api.flushPersisted();
  }

  /**
   * Used by the worker host, not by apps: lists (the JSON of a page's
   * handoff) that a page held in a worker that died, as they were at
   * savedAtMs; lists this client lists later resume from them. Returns ''
   * or why nothing was taken over.
   */
  _handOver(lists, savedAtMs) {
    if (this.#closed) return 'kubelive: client is closed';
    const err = this.#api.handOver(String(lists), Number(savedAtMs) || 0);
    return err ? String(err.message ?? err) : '';
  }

  /**
   * Used by the worker host, not by apps: list and object snapshots of
   * watches opened from now on hold each object as a handle (a frozen
   * object, one per object version, so identity still says "unchanged")
   * whose JSON stays in Go's cache; _rawObjects reads it. Idempotent.
   * Returns '' or why not.
   */
  _rawLists() {
    if (this.#closed) return 'kubelive: client is closed';
    return String(this.#api.rawLists() ?? '');
  }

  /**
   * Used by the worker host, not by apps: the JSON of the objects that
   * slots (a Uint32Array) hold at the last flush of the list key, in
   * order, as chunks [bytes, index, bytes, index, ...] (each Go's
   * live.EncodeObjects: its objects end to end; per object its start and
   * end in that chunk, and the count and words of its members' spans), or
   * a string saying why not. pos (a Uint32Array) is where each slot
   * stands in the list's order: a hint. See listwire.js's readRaw.
   */
  _rawObjects(key, slots, pos) {
    if (this.#closed) return 'kubelive: client is closed';
    const r = this.#api.rawObjects(String(key), new Uint8Array(slots.buffer, slots.byteOffset, slots.byteLength), new Uint8Array(pos.buffer, pos.byteOffset, pos.byteLength));
    return Array.isArray(r) ? r : String(r);
  }

  /** Every socket, subscription and counter the module holds. */
  stats() {
    if (this.#closed) return { sockets: [], browserSockets: { created: 0, live: 0 }, funcs: 0, timers: 0, closed: true, host: this.#host };
    return { ...this.#api.stats(), host: this.#host, wasmBytes: this.#wasmBytes() };
  }

  /** Ends every subscription, closes every socket and stops the module. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#pending) clearTimeout(t);
    this.#pending.clear();
    this.#delivered.clear();
    this.#deliveredViews.clear();
    this.#api.close();
  }

  get closed() {
    return this.#closed;
  }
}

/**
 * sessionHandle is the object exec() and attach() return, in every host:
 * write, resize and closeStdin go through call(method, args), which returns
 * '' or why not; close ends the session.
 */
export function sessionHandle(options, call, close) {
  return {
    onOutput: options.onOutput ?? null,
    onExit: options.onExit ?? null,
    write: (data) => call('write', [data]),
    resize: (cols, rows) => call('resize', [cols, rows]),
    closeStdin: () => call('closeStdin', []),
    close,
  };
}

/**
 * sessionCallbacks read s.onOutput / s.onExit at call time, so they may be
 * set after exec() returns.
 */
export function sessionCallbacks(s) {
  return { onOutput: (ch, text) => s.onOutput?.(ch, text), onExit: (code, err) => s.onExit?.(code, err) };
}

function reportClosed(options) {
  const onError = options && options.onError;
  if (typeof onError === 'function') {
    queueMicrotask(() => {
      try {
        onError(new Error('kubelive: client is closed'));
      } catch {
        // a throwing onError is the caller's; never rethrow into the caller
      }
    });
  }
}

/**
 * serverErrorAsMessage is the onError of a mux subscription that has none:
 * the bridge passes a backend ERROR's own text as the second argument, which
 * becomes the synthetic watch event Headlamp's frontend delivers; other
 * failures (a bad frame, a throwing listener) have no such text and are
 * dropped, as Headlamp drops them.
 */
function serverErrorAsMessage(cluster, path, query, onMessage) {
  return (_err, message) => {
    if (typeof message !== 'string' || typeof onMessage !== 'function') return;
    onMessage({
      type: 'ERROR',
      object: {
        kind: 'Status',
        status: 'Failure',
        message,
        metadata: { uid: `${cluster}:${path}:${query}:ERROR:${message}`, resourceVersion: '0' },
      },
    });
  };
}
