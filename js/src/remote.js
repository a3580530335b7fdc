// The page half of the worker host: a client with KubeliveClient's JS API
// whose wasm module runs in a SharedWorker (or a dedicated Worker) and is
// reached over one MessagePort (worker.js is the other half).
//
// Protocol (structured clone; the token travels only inside 'init'):
//   page -> worker: { t: 'init', config, lock } once, then { t: 'batch', msgs }
//     with, in order: { t: 'op', id, kind, args } (open a subscription,
//     stream, session, watch or view), { t: 'end', id }, { t: 'call', id, m,
//     args } (a session's write/resize/closeStdin, a stream socket's
//     send/close, a view's update and getObject),
//     { t: 'ack' } (the last list batch arrived), { t: 'vis', hidden },
//     { t: 'retry' }, { t: 'stats' }, { t: 'persist', op: 'clear'|'flush', ask },
//     { t: 'shown' } (one per 'prefetch' received, once its snapshot was made
//     and heard: the module's start waits for it),
//     { t: 'close' } (also sent on pagehide); and, when the worker asked for
//     them, { t: 'beat' } every second (beat.js), outside the batches.
//   worker -> page: { t: 'started', stats } once the worker took the
//     configuration (load() resolves: calls are queued there until the
//     module runs; stats.ready false), then { t: 'ready', lock, beatMs,
//     stats } once the module runs, or { t: 'fail', message } (before
//     'started': load() rejects; after it: every list fails)
//     (beatMs > 0: this page holds no lock the worker can wait on, so it
//     beats); { t: 'beat' } (the answer to each beat);
//     { t: 'prefetch', id, n, status, text, err } (the answer of page n of
//     the LIST of watch id, fetched while the module started: prefetch.js);
//     { t: 'cb', msgs: [[id, name, args]] } (callbacks of one task; a view's
//     getObject answers as 'answer' [ask, object]); { t: 'lists', lists,
//     bytes, index } (list and view snapshots, a view's rows as its items,
//     the objects the page does not hold as listwire.js's encodeFresh
//     makes them, one batch at a time: the next once this one is
//     acknowledged); { t: 'stats', stats };
//     { t: 'persisted', ask, ok } (the answer of a 'persist'); { t: 'warn', text }
//     (a warning of the module, shown in this page's console).
//
// Invariants:
//   - Every open operation is kept here until it ends, so that a worker
//     that dies (its Web Lock is released, the Worker reports an error, or
//     this page's beats go unanswered for 3 s) is replaced and every
//     operation opened again, without the app doing anything; until then
//     lists say 'reconnecting' and sockets too. The new worker is handed
//     each list's objects and resourceVersion, so its lists resume (stale
//     until the server confirms them) instead of listing again, and objects
//     that did not change keep their identity here.
//   - Each watched list and view keeps its frozen snapshot here: getList(key)
//     and getView(key) are synchronous, and objects and rows the worker did
//     not resend keep their identity. A list's objects are lazy.js's: frozen
//     plain objects whose top-level members are parsed when first read (a
//     member that does not parse reads as an empty value and sets the
//     list's lastError, on the next task, never in the reader's call).
//   - Batches are applied at most once per animation frame of this page: a
//     batch that arrives in a frame with no apply yet is applied on arrival,
//     those after it in that frame together on the next frame, so a list's
//     listeners hear one snapshot per frame at most; a hidden page applies
//     nothing until visible, then gives one snapshot per list.
import { sessionCallbacks, sessionHandle } from './client.js';
import { stableKey } from './key.js';
import { applyList, decodeFresh, storeObjects } from './listwire.js';
import { LazyObjects } from './lazy.js';
import { pageBeats, systemClock } from './beat.js';
import { failedSnapshot, firstSnapshot } from './prefetch.js';

const noop = () => {};
// MAX_PENDING_BATCHES bounds the list batches received and not yet applied.
const MAX_PENDING_BATCHES = 8;
const WORKER_GONE = 'the kubelive worker stopped; starting it again';

// unwire rebuilds an Error the worker sent as a plain object.
function unwire(v) {
  if (v && typeof v === 'object' && v.__kubeliveError) {
    const e = new Error(v.message);
    if (v.code) e.code = v.code;
    if (v.reason) e.reason = v.reason;
    return e;
  }
  return v;
}

function randomId() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function reportError(e) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(e);
  else console.error(e);
}

function safeCall(fn, ...args) {
  try {
    fn?.(...args);
  } catch (e) {
    reportError(e);
  }
}

/** localKey is the page's key of a query: equal serialisations, equal keys. */
function localKey(kind, query) {
  return `${kind === 'watchObject' ? 'o' : kind === 'watchView' ? 'v' : 'l'}:${stableKey(query)}`;
}

/** listPart is a query without the fields of a view (where, sort, window, columns, countBy): what names its lists. */
function listPart(query) {
  const { where, sort, window: win, columns, countBy, ...lists } = query;
  return lists;
}

/** listsOf is the part of a view query that names its lists (what update() may not change). */
function listsOf(query) {
  return stableKey(listPart(query));
}

const VIEW_NOT_WATCHED = 'kubelive: the view is not watched';

export class RemoteClient {
  #host;
  #connect; // () => MessagePort-like with a terminate-on-error hook
  #config;
  #port = null;
  #out = [];
  #closed = false;
  #seq = 0;
  #ops = new Map(); // id -> { kind, args, h } (h: the page's handlers)
  #lists = new Map(); // local key -> list record
  #byWatch = new Map(); // watch id -> list record
  #byKey = new Map(); // the worker's key -> list record
  #views = new Set(); // view records (each watchView its own)
  #pendingBatches = [];
  #batchCounts = { received: 0, applies: 0 }; // list batches received, and the applies they took (stats().pageBatches)
  #ackOwed = false; // the last batch waits for the frame to be acknowledged
  #frameArmed = false;
  #appliedInFrame = false; // batches were applied since the last animation frame
  #stats = null;
  #statsAsked = false;
  #persistAsks = new Map(); // ask -> resolve of a clearPersisted/flushPersisted
  #persistSeq = 0;
  #pageLock = '';
  #releasePageLock = noop;
  #generation = 0;
  #restarts = 0;
  #timers = new Set();
  #locks; // navigator.locks, or null: then this page's lifetime is told by heartbeats
  #clock;
  #beats = null; // the heartbeats of the current worker, when it asked for them
  #onPageHide = null;
  #lazy = new LazyObjects();

  /**
   * @param {string} host 'shared-worker' or 'worker'
   * @param {() => { port: MessagePort, onDeath(fn): void, stop(): void } | Promise<...>} connect opens a port to a fresh or shared worker
   *   (onDeath also hears a death that came before it was called)
   * @param {object} config the client's configuration (with the token)
   * @param {{ locks?: LockManager | null, clock?: { now(): number, every(ms: number, fn: () => void): () => void } }} [opts]
   *   locks: the Web Locks to hold (default navigator.locks; null: none, the page beats);
   *   clock: what the heartbeats are timed by (default the system's)
   */
  constructor(host, connect, config, { locks = globalThis.navigator?.locks ?? null, clock = systemClock } = {}) {
    this.#host = host;
    this.#connect = connect;
    this.#config = config;
    this.#locks = locks;
    this.#clock = clock;
    this.mux = {
      subscribe: async (cluster, path, query, onMessage, onError) => {
        if (this.#closed) return noop;
        const hasOnError = typeof onError === 'function';
        const id = this.#open('mux', [cluster, path, query ?? '', hasOnError], { onMessage, onError: hasOnError ? onError : null });
        let done = false;
        // The worker's client delays the cleanup (MUX_UNSUBSCRIBE_DELAY_MS) as the page host does.
        return () => {
          if (done) return;
          done = true;
          this.#end(id);
        };
      },
    };
    if (globalThis.document) {
      this.#onVisibility = () => {
        this.#send({ t: 'vis', hidden: this.#hidden() });
        if (!this.#hidden()) this.#armFrame();
      };
      document.addEventListener('visibilitychange', this.#onVisibility);
    }
    if (typeof globalThis.addEventListener === 'function' && globalThis.document) {
      // A page that leaves for good says so: the worker lets it go at once,
      // lock or no lock (a page kept in the back/forward cache may come back).
      this.#onPageHide = (e) => {
        if (!e.persisted) this.#port?.postMessage({ t: 'batch', msgs: [{ t: 'close' }] });
      };
      globalThis.addEventListener('pagehide', this.#onPageHide);
    }
  }

  #onVisibility = null;

  #hidden() {
    return globalThis.document?.visibilityState === 'hidden';
  }

  /**
   * start connects to the worker and resolves once it took the
   * configuration. The worker is created (its script fetched and started)
   * while this page takes its Web Lock; init, which names that lock, is
   * sent only once the lock is held, so the worker never finds it free.
   */
  async start() {
    let held = null;
    if (this.#locks) {
      // Held until this page goes: its release tells the worker to end everything this page opened.
      this.#pageLock = `kubelive-page-${randomId()}`;
      held = new Promise((resolve) => {
        this.#locks.request(this.#pageLock, () => {
          resolve();
          return new Promise((release) => (this.#releasePageLock = release));
        });
      });
    }
    const [conn] = await Promise.all([this.#connect(), held]);
    await this.#attach(conn);
  }

  // attach sends init on conn (a new port by default) and waits for
  // started; the operations already open are sent again after it (a
  // replaced worker).
  async #attach(early = null) {
    const gen = ++this.#generation;
    const conn = early ?? (await this.#connect());
    let attached = false; // 'started' (or 'ready') came: the worker queues this page's calls
    const first = await new Promise((resolve, reject) => {
      conn.port.onmessage = (e) => {
        const m = e.data;
        if (gen === this.#generation) this.#beats?.answered();
        if (m?.t === 'beat') return;
        if (!attached && (m?.t === 'started' || m?.t === 'ready')) {
          attached = true;
          resolve(m);
        } else if (m?.t === 'ready') {
          if (gen === this.#generation) this.#ready(m, conn, gen);
        } else if (m?.t === 'fail') {
          if (!attached) reject(new Error(`kubelive: ${m.message}`));
          else if (gen === this.#generation) this.#failed(m.message);
        } else if (gen === this.#generation) this.#receive(m);
      };
      conn.onDeath((why) => reject(new Error(`kubelive: the worker failed to start: ${why}`)));
      conn.port.start?.();
      const config = this.#handoff ? { ...this.#config, handoff: this.#handoff.json, handoffAt: this.#handoff.at } : this.#config;
      conn.port.postMessage({ t: 'init', config, lock: this.#pageLock });
    });
    if (this.#closed) {
      conn.port.postMessage({ t: 'batch', msgs: [{ t: 'close' }] });
      return;
    }
    this.#stats = first.stats;
    this.#handoff = null;
    this.#port = conn.port;
    this.#conn = conn;
    conn.onDeath(() => this.#died(gen));
    if (first.t === 'ready') this.#ready(first, conn, gen);
    if (this.#hidden()) this.#out.push({ t: 'vis', hidden: true });
    for (const [id, op] of this.#ops) this.#out.push({ t: 'op', id, kind: op.kind, args: op.args });
    this.#flush();
  }

  #died(gen) {
    if (gen === this.#generation && !this.#closed) this.#workerDied();
  }

  // ready: the worker's module runs. From now on its Web Lock (or, where
  // there is none, the silence of its beats) tells this page it died.
  #ready(m, conn, gen) {
    this.#stats = m.stats;
    const died = () => this.#died(gen);
    if (m.lock && this.#locks) this.#locks.request(m.lock, { mode: 'shared' }, died);
    else if (m.beatMs > 0) {
      // No lock tells this page that the worker died: its silence does.
      this.#beats?.stop();
      this.#beats = pageBeats(this.#clock, () => conn.port.postMessage({ t: 'beat' }), died);
    }
  }

  // failed: the worker's module did not start, after load() resolved (a
  // worker host's load() resolves once the worker queues calls). Every list
  // says why, with status 'error', and every onError hears it.
  // Operations opened after that hear it too, on the next microtask.
  #failed(message) {
    this.#failure = String(message).startsWith('kubelive:') ? String(message) : `kubelive: ${message}`;
    this.#stats = { ...this.#stats, ready: false, failed: this.#failure };
    for (const id of this.#ops.keys()) this.#failOp(id);
  }

  #failure = '';

  #failOp(id) {
    const op = this.#ops.get(id);
    if (!op) return;
    const rec = this.#byWatch.get(id);
    if (rec && !rec.view) {
      rec.snap = failedSnapshot(op.args[0], this.#failure);
      for (const l of [...rec.listeners]) safeCall(l, rec.snap);
    }
    safeCall(op.h.onError, new Error(this.#failure));
  }

  // prefetched makes a watched list's first snapshot from the LIST pages
  // the worker fetched while its module started (prefetch.js), each page
  // (m.n: 0, 1, ...) added to the snapshot of those before it: 'loading'
  // (or 'error'), never 'live'; its objects are the ones the module's first
  // snapshot will hold (same cluster, uid and resourceVersion, same object).
  // Pages that come after the module's own first snapshot are not used.
  #prefetched(m) {
    const rec = this.#byWatch.get(m.id);
    const op = this.#ops.get(m.id);
    if (!rec || rec.view || !op || (rec.snap && !rec.snap.prefetched)) return;
    const prev = m.n > 0 && rec.snap?.status === 'loading' ? rec.snap : null;
    if (m.n > 0 && !prev) return;
    const added = []; // this page's objects: the snapshot's others are in rec.reuse already
    const snap = firstSnapshot(op.args[0], m, !!this.#config.keepManagedFields, prev, added);
    if (snap === prev) return;
    rec.snap = snap;
    if (added.length > 0) {
      if (!prev || !rec.reuse) rec.reuse = new Map();
      for (const o of added) rec.reuse.set(sameKey(o), o);
    }
    // It counts as this frame's apply: a batch arriving in the same frame waits for the next.
    this.#appliedInFrame = true;
    this.#armFrame();
    for (const l of [...rec.listeners]) safeCall(l, rec.snap);
  }

  // readFailed: a member of one of rec's objects did not parse when read
  // (lazy.js). On the next task, never inside the read: the list's
  // snapshot gets it as each list's lastError (kept until the worker
  // reports a later one) and its onError handlers hear it.
  #readFailed(rec, message) {
    if (this.#closed) return;
    rec.readError = { message, at: Date.now() };
    if (rec.readTimer) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      rec.readTimer = null;
      if (this.#closed) return;
      const err = new Error(rec.readError.message);
      if (rec.view) {
        safeCall(this.#ops.get(rec.id)?.h.onError, err);
        return;
      }
      if (rec.snap) {
        rec.snap = withReadError(rec.snap, rec.readError);
        for (const l of [...rec.listeners]) safeCall(l, rec.snap);
      }
      for (const f of rec.errorHandlers) safeCall(f, err);
    }, 0);
    rec.readTimer = t;
    this.#timers.add(t);
  }

  #conn = null;
  #handoff = null; // { json, at }: the lists handed to the next worker

  // handOff describes every list this page holds, with each list's
  // resourceVersion and objects, for the worker that replaces a dead one:
  // its lists resume from there instead of listing again. Lists with no
  // resourceVersion yet are left out (they list anyway).
  #handOff() {
    const out = [];
    for (const rec of this.#lists.values()) {
      const snap = rec.snap;
      if (!snap || typeof snap.key !== 'string') continue;
      for (const l of snap.lists) {
        if (!l.resourceVersion) continue;
        const items = snap.items.filter((o) => o.cluster === l.cluster && (!l.namespace || o.metadata?.namespace === l.namespace));
        out.push({ key: snap.key, cluster: l.cluster, namespace: l.namespace, rv: l.resourceVersion, items });
      }
    }
    return out.length ? { json: JSON.stringify(out), at: Date.now() } : null;
  }

  #workerDied() {
    this.#beats?.stop();
    this.#beats = null;
    this.#port = null;
    this.#conn?.stop();
    this.#conn = null;
    this.#restarts++;
    for (const done of this.#persistAsks.values()) done(false);
    this.#persistAsks.clear();
    this.#handoff = this.#handOff();
    // Nothing is confirmed any more: every list and socket says so.
    for (const rec of this.#byWatch.values()) {
      rec.byId = []; // the next worker numbers its objects anew
      // The next worker sends every object again: those unchanged keep the identity they have here.
      if (!rec.view && rec.snap) rec.reuse = new Map(rec.snap.items.map((o) => [sameKey(o), o]));
      for (const answer of rec.asks?.values() ?? []) answer(null);
      rec.asks?.clear();
      if (!rec.snap) continue;
      const lists = Object.freeze(rec.snap.lists.map((l) => Object.freeze({ ...l, status: 'reconnecting', since: Date.now() })));
      rec.snap = Object.freeze({ ...rec.snap, status: 'reconnecting', lists });
      for (const l of [...rec.listeners]) safeCall(l, rec.snap);
    }
    for (const [id, op] of this.#ops) {
      if (op.kind === 'subscribe') safeCall(op.h.onStatus, { state: 'reconnecting', error: WORKER_GONE });
      if (op.kind === 'logs') safeCall(op.h.onStatus, 'waiting-to-retry', new Error(`kubelive: ${WORKER_GONE}`));
      if (op.kind === 'stream') op.h.socket = { readyState: 3, protocol: '' };
      if (op.kind === 'exec' || op.kind === 'attach') {
        // A process cannot move to another worker: the session ends.
        this.#ops.delete(id);
        safeCall(op.h.onExit, -1, new Error(`kubelive: ${WORKER_GONE}`));
      }
    }
    this.#pendingBatches = [];
    this.#ackOwed = false;
    this.#frameArmed = false;
    this.#appliedInFrame = false;
    const retry = (delay) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        if (this.#closed) return;
        this.#attach().catch(() => retry(Math.min(delay * 2, 5000)));
      }, delay);
      this.#timers.add(t);
    };
    retry(50);
  }

  #send(m) {
    if (this.#closed && m.t !== 'close') return;
    if (this.#out.length === 0) queueMicrotask(() => this.#flush());
    this.#out.push(m);
  }

  #flush() {
    if (!this.#port || this.#out.length === 0) return;
    const msgs = this.#out;
    this.#out = [];
    this.#port.postMessage({ t: 'batch', msgs });
  }

  #open(kind, args, h) {
    const id = ++this.#seq;
    this.#ops.set(id, { kind, args, h });
    if (this.#failure) queueMicrotask(() => this.#failOp(id));
    else if (this.#port) this.#send({ t: 'op', id, kind, args });
    return id;
  }

  #end(id) {
    if (!this.#ops.delete(id)) return;
    if (this.#port) this.#send({ t: 'end', id });
  }

  #receive(m) {
    if (!m || typeof m !== 'object') return;
    if (m.t === 'cb') {
      for (const [id, name, args] of m.msgs) this.#callback(id, name, args.map(unwire));
    } else if (m.t === 'lists') {
      // Acknowledged on receipt, applied on the next frame with any batch
      // that follows it: the worker need not wait for this page's frame to
      // send the next changes, so they are not a frame late.
      // A page whose frames stall (throttled, busy) holds at most
      // MAX_PENDING_BATCHES: the ack of the last waits for the frame.
      // A batch that arrives in a frame with no apply yet is applied at
      // once (it is not a frame late); later ones in that frame wait for
      // the next.
      this.#pendingBatches.push(m);
      this.#batchCounts.received++;
      if (this.#pendingBatches.length < MAX_PENDING_BATCHES) this.#send({ t: 'ack' });
      else this.#ackOwed = true;
      if (!this.#appliedInFrame) this.#applyBatches();
      else this.#armFrame();
    } else if (m.t === 'prefetch') {
      this.#prefetched(m);
      this.#send({ t: 'shown' });
    } else if (m.t === 'stats') {
      this.#stats = m.stats;
      this.#statsAsked = false;
    } else if (m.t === 'warn') {
      console.warn(`${m.text} (in the ${this.#host})`);
    } else if (m.t === 'persisted') {
      const done = this.#persistAsks.get(m.ask);
      this.#persistAsks.delete(m.ask);
      done?.(!!m.ok);
    }
  }

  // persistCall asks the worker's client to clear or flush its persisted
  // lists; resolves to its answer, or false when the worker is gone.
  #persistCall(op) {
    if (this.#closed) return Promise.resolve(false);
    const ask = ++this.#persistSeq;
    return new Promise((resolve) => {
      this.#persistAsks.set(ask, resolve);
      this.#send({ t: 'persist', op, ask });
    });
  }

  /** As KubeliveClient.clearPersisted, done by the worker's client. */
  clearPersisted() {
    return this.#persistCall('clear');
  }

  /** As KubeliveClient.flushPersisted, done by the worker's client. */
  flushPersisted() {
    return this.#persistCall('flush');
  }

  #callback(id, name, args) {
    const op = this.#ops.get(id);
    if (!op) return;
    if (name === 'socket') {
      op.h.socket = { readyState: args[0], protocol: args[1] };
      return;
    }
    if (name === 'onExit' || (op.kind === 'stream' && name === 'failCb' && !op.h.reconnect)) this.#ops.delete(id);
    const fn = op.h[name];
    if (typeof fn === 'function') safeCall(fn, ...args);
  }

  // armFrame asks for the next animation frame while there is something to
  // apply or an apply happened in this frame (the frame's end lets the next
  // arrival be applied at once). The frame applies what waits; an apply
  // there counts for the frame it starts.
  #armFrame() {
    if (this.#frameArmed || (this.#pendingBatches.length === 0 && !this.#appliedInFrame) || this.#hidden()) return;
    this.#frameArmed = true;
    const run = () => {
      if (!this.#frameArmed) return;
      this.#frameArmed = false;
      this.#appliedInFrame = false;
      if (this.#pendingBatches.length > 0) this.#applyBatches();
    };
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
    else setTimeout(run, 16);
  }

  // applyBatches applies every batch received, then notifies each list once.
  // A list's items are built once per frame: the batches before its last
  // whole order only store their objects.
  #applyBatches() {
    if (this.#hidden()) return;
    const batches = this.#pendingBatches;
    this.#pendingBatches = [];
    this.#appliedInFrame = true;
    this.#batchCounts.applies++;
    this.#armFrame();
    const steps = new Map(); // list record -> [[list, fresh], ...] in the order received
    for (const b of batches) {
      const recs = b.lists.map((l) => this.#byWatch.get(l.id));
      const reportOf = (i) => {
        const k = b.lists.findIndex((l) => i >= l.fresh[0] && i < l.fresh[1]);
        return recs[k]?.report;
      };
      const fresh = decodeFresh(b.bytes, b.index, this.#lazy, reportOf);
      for (const l of b.lists) {
        const rec = this.#byWatch.get(l.id);
        if (!rec) continue;
        if (rec.reuse) {
          for (let i = l.fresh[0]; i < l.fresh[1]; i += 2) fresh[i] = rec.reuse.get(sameKey(fresh[i])) ?? fresh[i];
          rec.reuse = null;
        }
        const s = steps.get(rec);
        if (s) s.push([l, fresh]);
        else steps.set(rec, [[l, fresh]]);
      }
    }
    for (const [rec, s] of steps) {
      const whole = s.findLastIndex(([l]) => l.order);
      let items = rec.snap ? (rec.view ? rec.snap.rows : rec.snap.items) : [];
      // The items are copied once (by the first apply: a whole order makes
      // a new array, a patch or splices copy the snapshot's); the batches
      // after it change that copy in place.
      let owned = false;
      for (let i = 0; i < s.length; i++) {
        if (i < whole) storeObjects(rec.byId, s[i][0], s[i][1]);
        else {
          items = applyList(rec.byId, s[i][0], s[i][1], items, owned);
          owned = true;
        }
      }
      const l = s.at(-1)[0];
      if (rec.view) {
        rec.snap = viewSnapshot(l.meta, items);
        continue;
      }
      const snap = { ...l.meta, items: Object.freeze(items) };
      if (l.objectId >= 0) snap.object = l.objectId === 0 ? null : (rec.byId[l.objectId] ?? null);
      rec.snap = rec.readError ? withReadError(snap, rec.readError) : Object.freeze(snap);
      if (typeof l.meta.key === 'string') this.#byKey.set(l.meta.key, rec);
    }
    for (const rec of steps.keys()) for (const l of [...rec.listeners]) safeCall(l, rec.snap);
    if (this.#ackOwed) {
      this.#ackOwed = false;
      this.#send({ t: 'ack' });
    }
  }

  subscribe(options) {
    if (this.#closed) {
      if (typeof options?.onError === 'function') queueMicrotask(() => safeCall(options.onError, new Error('kubelive: client is closed')));
      return noop;
    }
    const { onMessage, onError, onStatus, ...rest } = options ?? {};
    const id = this.#open('subscribe', [{ options: rest, onError: typeof onError === 'function', onStatus: typeof onStatus === 'function' }], { onMessage, onError, onStatus });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#end(id);
    };
  }

  /**
   * stream(): getSocket() returns, while the worker's socket exists, an
   * object with send(data), close(code, reason), and readyState and protocol
   * as last reported by the worker (a WebSocket cannot cross to the page).
   */
  stream(url, cb, options = {}) {
    if (this.#closed) return { cancel: noop, getSocket: () => null };
    const { connectCb, failCb, onError, ...rest } = options ?? {};
    const h = { cb, connectCb, failCb, onError, socket: null, reconnect: rest.reconnectOnFailure ?? !failCb };
    const id = this.#open('stream', [url, { options: rest, connectCb: typeof connectCb === 'function', failCb: typeof failCb === 'function', onError: typeof onError === 'function' }], h);
    const proxy = {
      send: (data) => this.#call(id, 'send', [data]),
      close: (code, reason) => this.#call(id, 'close', code === undefined ? [] : [code, reason]),
      get readyState() {
        return h.socket ? h.socket.readyState : 0;
      },
      get protocol() {
        return h.socket ? h.socket.protocol : '';
      },
    };
    return {
      cancel: () => this.#end(id),
      getSocket: () => (!this.#closed && this.#ops.has(id) ? proxy : null),
    };
  }

  // call forwards a method call to the worker; the answer comes later, so it
  // returns '' when the call was sent, or why it could not be.
  #call(id, m, args) {
    if (this.#closed || !this.#ops.has(id)) return 'session is closed';
    this.#send({ t: 'call', id, m, args });
    return '';
  }

  logs(options, onLines) {
    if (this.#closed) return { cancel: noop };
    const { onError, onStatus, ...rest } = options ?? {};
    const id = this.#open('logs', [{ options: rest, onError: typeof onError === 'function', onStatus: typeof onStatus === 'function' }], { onLines, onError, onStatus });
    return { cancel: () => this.#end(id) };
  }

  exec(options) {
    return this.#session('exec', options);
  }

  attach(options) {
    return this.#session('attach', options);
  }

  #session(kind, options = {}) {
    const { onOutput, onExit, onStatus, ...rest } = options ?? {};
    let id = 0;
    const s = sessionHandle({ onOutput, onExit }, (m, args) => (id ? this.#call(id, m, args) : 'session is closed'), () => this.#end(id));
    if (this.#closed) return s;
    id = this.#open(kind, [{ options: rest, onStatus: typeof onStatus === 'function' }], { ...sessionCallbacks(s), onStatus });
    return s;
  }

  watchList(query, onChange) {
    return this.#watch('watchList', query, onChange);
  }

  watchObject(query, onChange) {
    return this.#watch('watchObject', query, onChange);
  }

  // watch keeps one worker watch per query per page, however many watchers.
  #watch(kind, query, onChange) {
    if (this.#closed || typeof onChange !== 'function') return noop;
    const { onError, ...q } = query ?? {};
    const key = localKey(kind, q);
    let rec = this.#lists.get(key);
    if (!rec) {
      rec = { key, id: 0, snap: null, byId: [], listeners: new Set(), errorHandlers: new Set(), readError: null, readTimer: null };
      const r = rec;
      rec.report = (message) => this.#readFailed(r, message);
      rec.id = this.#open(kind, [q, true], { onError: (e) => r.errorHandlers.forEach((f) => safeCall(f, e)) });
      this.#lists.set(key, rec);
      this.#byWatch.set(rec.id, rec);
    } else if (rec.snap) {
      // A second watcher of a list this page holds hears its snapshot on the next frame, as in Go.
      const snap = rec.snap;
      const t = setTimeout(() => {
        this.#timers.delete(t);
        if (rec.listeners.has(listener) && rec.snap === snap) safeCall(onChange, snap);
      }, 0);
      this.#timers.add(t);
    }
    const listener = (s) => onChange(s);
    rec.listeners.add(listener);
    if (typeof onError === 'function') rec.errorHandlers.add(onError);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      rec.listeners.delete(listener);
      rec.errorHandlers.delete(onError);
      if (rec.listeners.size === 0) {
        this.#lists.delete(key);
        this.#byWatch.delete(rec.id);
        if (rec.snap && this.#byKey.get(rec.snap.key) === rec) this.#byKey.delete(rec.snap.key);
        this.#end(rec.id);
      }
    };
  }

  /**
   * The snapshot of a list this page watches (by listKey(), the snapshot's
   * key, or the query), or null: a worker host keeps on the page only what
   * the page watches.
   */
  getList(keyOrQuery) {
    if (this.#closed || keyOrQuery == null) return null;
    if (typeof keyOrQuery === 'string') return (this.#lists.get(keyOrQuery) ?? this.#byKey.get(keyOrQuery))?.snap ?? null;
    const { onError, ...q } = keyOrQuery;
    const kind = typeof q.name === 'string' ? 'watchObject' : 'watchList';
    return this.#lists.get(localKey(kind, q))?.snap ?? null;
  }

  /**
   * The page's key of a query: equal for equal queries (the worker's
   * canonical key, snapshot.key, also finds the list in getList).
   */
  listKey(query) {
    if (this.#closed || !query || typeof query !== 'object') return '';
    // As in the page host, a view's where, sort and window do not change the key of its lists.
    const { onError, ...q } = listPart(query);
    return localKey(typeof q.name === 'string' ? 'watchObject' : 'watchList', q);
  }

  /**
   * watchView as in the page host (the same snapshots, rows frozen and
   * unchanged rows keeping their identity, the same sentences to
   * query.onError), with two differences, since the view lives in the
   * worker: update(query) returns '' once sent, or why not at once when the
   * lists or the endpoint changed, and a refusal of the rest reaches
   * query.onError; getObject(cluster, uid) returns a Promise of the object
   * or null.
   */
  watchView(query, onChange) {
    if (this.#closed || typeof onChange !== 'function') {
      return Object.assign(noop, { update: () => 'kubelive: client is closed', getObject: () => Promise.resolve(null) });
    }
    const { onError, ...q } = query ?? {};
    const rec = { view: true, id: 0, local: localKey('watchView', q), lists: listsOf(q), snap: null, byId: [], listeners: new Set([onChange]), asks: new Map(), ask: 0, readError: null, readTimer: null };
    rec.report = (message) => this.#readFailed(rec, message);
    const op = {
      onError: (e) => safeCall(onError, e),
      answer: (n, obj) => {
        rec.asks.get(n)?.(obj ?? null);
        rec.asks.delete(n);
      },
    };
    rec.id = this.#open('watchView', [q, true], op);
    this.#byWatch.set(rec.id, rec);
    this.#views.add(rec);
    const live = () => !this.#closed && this.#views.has(rec);
    const unwatch = () => {
      if (!live()) return;
      this.#views.delete(rec);
      this.#byWatch.delete(rec.id);
      for (const answer of rec.asks.values()) answer(null);
      rec.asks.clear();
      this.#end(rec.id);
    };
    unwatch.update = (next) => {
      if (!live()) return VIEW_NOT_WATCHED;
      const { onError: _, ...n } = next ?? {};
      if (listsOf(n) !== rec.lists) return 'updateView: the lists or the endpoint changed: watch a new view for them';
      rec.local = localKey('watchView', n);
      this.#ops.get(rec.id).args = [n, true]; // a replaced worker opens the view as it is now
      this.#send({ t: 'call', id: rec.id, m: 'update', args: [n] });
      return '';
    };
    unwatch.getObject = (cluster, uid) => {
      if (!live()) return Promise.resolve(null);
      const n = ++rec.ask;
      this.#send({ t: 'call', id: rec.id, m: 'getObject', args: [n, cluster ?? '', uid ?? ''] });
      return new Promise((resolve) => rec.asks.set(n, resolve));
    };
    return unwatch;
  }

  /** The last snapshot of a view this page watches, by its snapshot.key or viewKey(), or null. */
  getView(key) {
    if (this.#closed) return null;
    for (const rec of this.#views) if (rec.snap && (rec.snap.key === key || rec.local === key)) return rec.snap;
    return null;
  }

  /**
   * The page's key of a view query ('' if it is not an object): a worker
   * host cannot check the query synchronously, so a refused query still
   * gets a key, and its watchView's onError says why.
   */
  viewKey(query) {
    if (this.#closed || !query || typeof query !== 'object') return '';
    const { onError, ...q } = query;
    return localKey('watchView', q);
  }

  retry() {
    this.#send({ t: 'retry' });
  }

  /**
   * The worker client's stats as last reported (each call asks for newer
   * ones; reportedAt says when, in ms since the epoch), with host and the
   * page's own counts: restarts (workers replaced), pageOps (operations
   * this page holds open) and pageBatches ({ received, applies }: the list
   * batches the worker sent this page, and the applies, at most one per
   * animation frame, that gave their snapshots).
   */
  stats() {
    if (this.#closed) return { sockets: [], browserSockets: { created: 0, live: 0 }, funcs: 0, timers: 0, closed: true, host: this.#host };
    if (!this.#statsAsked && this.#port) {
      this.#statsAsked = true;
      this.#send({ t: 'stats' });
    }
    return { ...this.#stats, host: this.#host, restarts: this.#restarts, pageOps: this.#ops.size, pageTimers: this.#timers.size, pageBatches: { ...this.#batchCounts } };
  }

  close() {
    if (this.#closed) return;
    for (const done of this.#persistAsks.values()) done(false);
    this.#persistAsks.clear();
    this.#send({ t: 'close' });
    this.#flush();
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#ops.clear();
    this.#lists.clear();
    this.#byWatch.clear();
    this.#byKey.clear();
    for (const rec of this.#views) for (const answer of rec.asks.values()) answer(null);
    this.#views.clear();
    this.#pendingBatches = [];
    if (this.#onVisibility) document.removeEventListener('visibilitychange', this.#onVisibility);
    if (this.#onPageHide) globalThis.removeEventListener('pagehide', this.#onPageHide);
    this.#beats?.stop();
    this.#beats = null;
    this.#conn?.stop();
    this.#port = null;
    this.#releasePageLock();
  }

  get closed() {
    return this.#closed;
  }
}

// sameKey names an object as it is (its cluster, uid and resourceVersion):
// equal keys, the same object.
function sameKey(o) {
  return `${o?.cluster}/${o?.metadata?.uid}@${o?.metadata?.resourceVersion}`;
}

// withReadError is snap, frozen, with e ({ message, at }: a member that
// did not parse) as the lastError of each of its lists that has no later one.
function withReadError(snap, e) {
  const lists = (snap.lists ?? []).map((l) => (l.lastErrorAt > e.at ? l : Object.freeze({ ...l, lastError: Object.freeze({ message: e.message }), lastErrorAt: e.at })));
  return Object.freeze({ ...snap, lists: Object.freeze(lists) });
}

// viewSnapshot freezes a view snapshot the worker sent (rows are frozen as
// they arrive; freezing a row the page held already changes nothing).
function viewSnapshot(meta, rows) {
  for (const r of rows) Object.freeze(r);
  const lists = Object.freeze((meta.lists ?? []).map((l) => Object.freeze(l)));
  return Object.freeze({
    ...meta,
    rows: Object.freeze(rows),
    lastError: meta.lastError ? Object.freeze(meta.lastError) : null,
    countBy: meta.countBy ? Object.freeze(meta.countBy) : null,
    lists,
  });
}
