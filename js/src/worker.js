// The worker host: the entry of the SharedWorker (or dedicated Worker) that
// runs kubelive's wasm module off the page's thread. Each page talks to it
// over one MessagePort (see remote.js for the page half and the protocol).
//
// Invariants:
//   - Pages whose (wasmURL, baseURL, token, userId, options) are equal share
//     one client (one socket set, one watch and one LIST per query, one
//     cache); any difference gets a client of its own, in its own wasm
//     instance, so different credentials share nothing. The page names the
//     worker after a salted hash of its configuration (load.js), so each
//     configuration normally has a worker of its own; within a worker,
//     clients are still found by a SHA-256 of the configuration, never by
//     the token itself.
//   - Everything a page opened ends when the page leaves: its close() (also
//     sent on pagehide), the release of the Web Lock it holds (a page that
//     closes, navigates or crashes releases it) or, where the page or this
//     worker has no Web Locks, the end of its heartbeats (beat.js: 3 s of
//     silence for a visible page, 3 minutes for a hidden one). A client
//     with no page left is closed.
//   - List snapshots reach a page one batch at a time: a batch is sent only
//     when the page acknowledged the previous one (it does on receipt, and
//     applies at most once per frame of its own) and is visible, and
//     carries per list only the objects the page does not hold yet (their
//     JSON bytes end to end in one transferred buffer, with the spans of
//     each object's top-level members that Go found: a list's objects are
//     handles here, whose JSON Go's cache holds and hands over per batch,
//     never parsed, decoded or stringified here nor kept; the page parses
//     a member when it is read) plus the order of ids (or splices of it).
//   - A page's load() resolves once its configuration is taken ('started'),
//     before the module is ready; its calls wait in conn.early until then.
//     The LIST of a watchList that waits there is fetched at once, every
//     page (prefetch.js): each page's answer goes to the page, and the
//     module's GET of each page takes it instead of fetching again; the
//     module's snapshots of that list that hold fewer objects than the
//     prefetched pages are not sent (behind). A watchView's LIST is
//     fetched ahead the same way, every page, but only for the module (the
//     page shows a view's rows, which only Go makes), and without holding
//     the module's start: Go reads each page as it comes while the next
//     ones are on their way, instead of asking for each once it read the
//     one before.
//   - A live view is a list for this purpose: its window's rows are its
//     items (rows Go did not change are the same objects, so they cross
//     once); its update and getObject are calls on its op, and getObject's
//     answer goes back as an 'answer' callback.
import { startModule } from './load.js';
import { encodeFresh, encodeList, newListState, noteSnapshot, readRaw } from './listwire.js';
import { BEAT_MS, pageWatcher, systemClock } from './beat.js';
import { Prefetches, epoch, listURL } from './prefetch.js';
// The modules load.js imports, named here as well: an unbundled worker
// fetches its whole graph in one round of requests instead of one level
// after another (the worker's script runs that much sooner, and with it
// the first LIST).
import './wasm_exec.js';
import './client.js';
import './lazy.js';
import './remote.js';
import './key.js';

// scriptAt is when this worker's script (its imports loaded) began to run, in epoch ms.
const scriptAt = epoch();

const enc = new TextEncoder();
const dec = new TextDecoder();

/** clients: configuration hash -> { ready: Promise<KubeliveClient>, conns: Set } */
const clients = new Map();

// The module's own warnings (those starting "kubelive:", e.g. a persisted
// record it ignored) are shown in every connected page's console too: a
// worker's console is one an app's developer rarely opens.
const workerWarn = console.warn.bind(console);
console.warn = (...args) => {
  workerWarn(...args);
  const text = args.map(String).join(' ');
  if (!text.startsWith('kubelive:')) return;
  for (const e of clients.values()) for (const c of e.conns) if (!c.closed) c.port.postMessage({ t: 'warn', text });
};

// workerLock is held for this worker's whole life: a page waiting on it in
// shared mode learns that the worker died the moment it is released.
const workerLock = `kubelive-worker-${randomId()}`;
const lockHeld = new Promise((resolve) => {
  if (!globalThis.navigator?.locks) return resolve(false);
  navigator.locks.request(workerLock, () => {
    resolve(true);
    return new Promise(() => {});
  });
});

// beats lets go of the pages that hold no Web Lock here once they fall silent.
const beats = pageWatcher(systemClock, (conn) => leave(conn));

if (typeof globalThis.SharedWorkerGlobalScope === 'function' && globalThis instanceof globalThis.SharedWorkerGlobalScope) {
  globalThis.onconnect = (e) => accept(e.ports[0]);
} else {
  // A dedicated worker gets its port from the page in a first message.
  globalThis.onmessage = (e) => {
    if (e.data?.t === 'port' && e.ports[0]) accept(e.ports[0]);
  };
}

function randomId() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

async function configHash(cfg) {
  const text = JSON.stringify([cfg.wasmURL, cfg.baseURL, cfg.token, cfg.userId, cfg.multiplexer, cfg.maxFrameBytes, cfg.staleAfterMs, !!cfg.keepManagedFields]);
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(text)));
  return Array.from(d, (x) => x.toString(16).padStart(2, '0')).join('');
}

// wire turns what a callback got into something structured clone keeps:
// an Error loses its code and reason in a clone, a plain object does not.
function wire(v) {
  if (v instanceof Error) return { __kubeliveError: true, message: v.message, code: v.code, reason: v.reason };
  return v;
}

/** accept serves one page on port. */
function accept(port) {
  const conn = {
    port,
    entry: null,
    client: null,
    ops: new Map(), // id -> { end(), call(m, args) }
    watches: new Map(), // id -> watch record
    dirty: new Set(), // watch records with a snapshot the page does not have
    credit: true, // the page applied the last batch
    hidden: false,
    out: [], // callback messages of this task
    closed: false,
    beat: null, // this page's heartbeat timing, when it holds no lock here
    ahead: new Map(), // watch id -> the objects the page holds at least of its prefetched LIST: those before its last page (prefetch)
    unshown: 0, // prefetched pages sent to the page and not yet shown there ('shown')
  };
  port.onmessage = (e) => {
    const m = e.data;
    if (!m || typeof m !== 'object') return;
    conn.beat?.heard();
    if (m.t === 'beat') {
      if (!conn.closed) conn.port.postMessage({ t: 'beat' });
    } else if (m.t === 'init') init(conn, m);
    else if (m.t === 'batch') for (const x of m.msgs) handle(conn, x);
  };
  port.start?.();
}

async function init(conn, m) {
  try {
    const initAt = epoch();
    const cfg = m.config ?? {};
    const hash = await configHash(cfg);
    let entry = clients.get(hash);
    const joined = !!entry;
    if (!entry) {
      // The module takes the LISTs its pages' first watchLists started while it compiled (prefetch.js).
      const prefetch = new Prefetches(cfg.token);
      // The start's timeline: the worker's creation, its script's start, this init.
      prefetch.mark('worker', performance.timeOrigin);
      prefetch.mark('script', scriptAt);
      prefetch.mark('init', initAt);
      entry = { hash, conns: new Set(), prefetch, ready: startModule({ ...cfg, prefetch }), started: false };
      clients.set(hash, entry);
      entry.ready.then(
        () => {
          entry.started = true;
          prefetch.mark('ready');
          prefetch.ready();
        },
        () => {
          prefetch.close();
          if (clients.get(hash) === entry) clients.delete(hash);
        },
      );
    }
    entry.conns.add(conn);
    conn.entry = entry;
    conn.cfg = cfg;
    // The page's load() resolves now: its calls wait here (handle) until the module is ready.
    entry.prefetch.mark('started');
    conn.port.postMessage({ t: 'started', stats: startingStats(conn) });
    const client = await entry.ready;
    if (conn.closed) return;
    conn.client = client;
    if (joined && typeof cfg.handoff === 'string') {
      // This page held lists in the worker before too: they resume from its copy, not a LIST.
      const why = client._handOver(cfg.handoff, cfg.handoffAt);
      if (why) conn.port.postMessage({ t: 'warn', text: `kubelive: the lists of the worker before were not taken over: ${why}` });
    }
    const locks = (await lockHeld) && globalThis.navigator?.locks;
    if (typeof m.lock === 'string' && m.lock && locks) {
      // Granted when the page's lock is released: the page is gone.
      locks.request(m.lock, () => leave(conn));
    } else {
      // No lock to wait on: the page beats, and its silence lets it go.
      conn.beat = beats.watch(conn);
      conn.beat.hidden(conn.hidden);
    }
    conn.port.postMessage({ t: 'ready', lock: locks ? workerLock : '', beatMs: conn.beat ? BEAT_MS : 0, stats: readyStats(conn, client) });
    for (const x of conn.early ?? []) handle(conn, x);
    conn.early = null;
  } catch (err) {
    conn.port.postMessage({ t: 'fail', message: String(err?.message ?? err) });
    leave(conn);
  }
}

/** leave ends everything conn opened and closes its client if no page is left. */
function leave(conn) {
  if (conn.closed) return;
  conn.closed = true;
  conn.beat?.stop();
  for (const op of conn.ops.values()) op.end();
  conn.ops.clear();
  conn.watches.clear();
  conn.dirty.clear();
  try {
    conn.port.close();
  } catch {
    // already closed
  }
  const entry = conn.entry;
  if (!entry) return;
  entry.prefetch.shown(conn.unshown); // a page that left shows nothing more
  conn.unshown = 0;
  entry.conns.delete(conn);
  if (entry.conns.size === 0 && clients.get(entry.hash) === entry) {
    clients.delete(entry.hash);
    entry.prefetch.close();
    entry.ready.then((c) => c.close(), () => {});
  }
}

// emit queues a callback for the page; one message per task carries them all.
function emit(conn, id, name, ...args) {
  if (conn.closed) return;
  if (conn.out.length === 0) queueMicrotask(() => flushOut(conn));
  conn.out.push([id, name, args.map(wire)]);
}

function flushOut(conn) {
  const msgs = conn.out;
  conn.out = [];
  if (!conn.closed && msgs.length) conn.port.postMessage({ t: 'cb', msgs });
}

// startingStats are the stats of a client whose module is not ready yet.
function startingStats(conn) {
  return { ready: false, sockets: [], browserSockets: { created: 0, live: 0 }, prefetch: conn.entry?.prefetch.stats(), start: conn.entry?.prefetch.timeline(), reportedAt: Date.now() };
}

// readyStats are the module's stats, with the prefetched LISTs.
function readyStats(conn, client) {
  return { ...client.stats(), ready: true, prefetch: conn.entry?.prefetch.stats(), start: conn.entry?.prefetch.timeline(), reportedAt: Date.now() };
}

// prefetch starts the LIST of a watchList or watchView that came before the
// module was ready (prefetch.js), every page of it; a watchList's pages go
// to the page as the first snapshot's data, noting in conn.ahead how many
// objects the page holds at least (those of the pages before the last); a
// watchView's are for the module only (its rows only Go computes) and do
// not hold its start. Not for a client that persists (its lists may start from
// IndexedDB with no LIST at all) nor one taking over the lists of a dead
// worker (they resume with no LIST).
function prefetch(conn, m) {
  const cfg = conn.cfg;
  if (!cfg || cfg.persist || typeof cfg.handoff === 'string' || conn.entry.started) return;
  const url = listURL(cfg.baseURL, m.args?.[0]);
  if (!url) return;
  const pf = conn.entry.prefetch;
  pf.mark('op');
  if (m.kind === 'watchView') {
    pf.list(url, () => {}, false);
    return;
  }
  pf.list(url, (a, n) => {
    if (conn.closed) return;
    if (a.status === 200) conn.ahead.set(m.id, a.before);
    conn.port.postMessage({ t: 'prefetch', id: m.id, n, status: a.status, text: a.bytes ? dec.decode(a.bytes) : '', err: a.err });
    // The module's start waits for the page's snapshot of it ('shown'): Go's start would slow the page's parse.
    conn.unshown++;
    pf.sent();
    pf.mark(`posted${n}`);
  });
}

// shown: the page made its snapshot of one prefetched page sent to it.
function shown(conn) {
  if (conn.unshown === 0) return;
  conn.unshown--;
  conn.entry?.prefetch.shown();
}

// behind says whether snap, a snapshot of watch id by the module, holds
// less than the prefetched pages the page shows already (the module's
// first page while it reads the others): it is not sent, so the page's
// list does not shrink back to one page, and its objects are matched
// once, with the whole list. The module's next snapshot is sent as usual.
function behind(conn, id, snap) {
  const before = conn.ahead.get(id);
  if (before === undefined) return false;
  if (snap.status === 'loading' && snap.items.length <= before) {
    conn.entry.prefetch.heldBack();
    return true;
  }
  conn.ahead.delete(id);
  return false;
}

function handle(conn, m) {
  if (conn.closed) return;
  if (!conn.client) {
    if (m.t === 'stats') {
      conn.port.postMessage({ t: 'stats', stats: startingStats(conn) });
      return;
    }
    if (m.t === 'shown') {
      shown(conn);
      return;
    }
    if (m.t === 'op' && (m.kind === 'watchList' || m.kind === 'watchView')) prefetch(conn, m);
    (conn.early ??= []).push(m);
    return;
  }
  if (m.t === 'shown') return shown(conn);
  const kl = conn.client;
  switch (m.t) {
    case 'op':
      open(conn, kl, m);
      break;
    case 'end': {
      const op = conn.ops.get(m.id);
      conn.ops.delete(m.id);
      op?.end();
      break;
    }
    case 'call':
      // What the call answers stays here: the page was told '' when it sent it.
      conn.ops.get(m.id)?.call?.(m.m, m.args);
      break;
    case 'ack':
      conn.credit = true;
      sendLists(conn);
      break;
    case 'vis':
      conn.hidden = !!m.hidden;
      conn.beat?.hidden(conn.hidden);
      sendLists(conn);
      // The worker has no page of its own to hide: when the last page of a
      // client hides, its persisted lists are written now (as a page host
      // does on its own hide).
      if (conn.hidden && [...(conn.entry?.conns ?? [])].every((c) => c.hidden || c.closed)) kl.flushPersisted?.().catch(() => {});
      break;
    case 'retry':
      kl.retry();
      break;
    case 'persist': {
      const done = (ok) => conn.port.postMessage({ t: 'persisted', ask: m.ask, ok });
      (m.op === 'clear' ? kl.clearPersisted() : kl.flushPersisted()).then(done, () => done(false));
      break;
    }
    case 'stats':
      conn.port.postMessage({ t: 'stats', stats: readyStats(conn, kl) });
      break;
    case 'close':
      leave(conn);
      break;
    default:
  }
}

function open(conn, kl, { id, kind, args }) {
  const cb = (name) => (...a) => emit(conn, id, name, ...a);
  switch (kind) {
    case 'subscribe': {
      const o = args[0];
      const end = kl.subscribe({
        ...o.options,
        onMessage: cb('onMessage'),
        onError: o.onError ? cb('onError') : undefined,
        onStatus: o.onStatus ? cb('onStatus') : undefined,
      });
      conn.ops.set(id, { end });
      break;
    }
    case 'mux': {
      const [cluster, path, query, hasOnError] = args;
      let end = null;
      let ended = false;
      conn.ops.set(id, { end: () => (ended = true) && end?.() });
      kl.mux.subscribe(cluster, path, query, cb('onMessage'), hasOnError ? cb('onError') : undefined).then((c) => {
        end = c;
        if (ended) c();
      });
      break;
    }
    case 'stream': {
      const [url, o] = args;
      let s = null;
      let last = '';
      const state = () => {
        const ws = s?.getSocket();
        const now = ws ? `${ws.readyState} ${ws.protocol}` : '';
        if (now !== last) {
          last = now;
          emit(conn, id, 'socket', ws ? ws.readyState : 3, ws ? ws.protocol : '');
        }
      };
      const on = (name) => (...a) => {
        state();
        emit(conn, id, name, ...a);
      };
      s = kl.stream(url, on('cb'), {
        ...o.options,
        connectCb: o.connectCb ? on('connectCb') : state,
        failCb: o.failCb ? on('failCb') : undefined,
        onError: o.onError ? on('onError') : undefined,
      });
      state();
      conn.ops.set(id, {
        end: () => s.cancel(),
        call: (m, a) => {
          const ws = s.getSocket();
          if (!ws) return 'socket is not open';
          try {
            if (m === 'send') ws.send(a[0]);
            else if (m === 'close') ws.close(...a);
          } catch (e) {
            return String(e?.message ?? e);
          }
          queueMicrotask(state);
          return '';
        },
      });
      break;
    }
    case 'logs': {
      const o = args[0];
      const { cancel } = kl.logs({ ...o.options, onError: o.onError ? cb('onError') : undefined, onStatus: o.onStatus ? cb('onStatus') : undefined }, cb('onLines'));
      conn.ops.set(id, { end: cancel });
      break;
    }
    case 'exec':
    case 'attach': {
      const o = args[0];
      const s = kl[kind]({ ...o.options, onStatus: o.onStatus ? cb('onStatus') : undefined });
      s.onOutput = cb('onOutput');
      s.onExit = cb('onExit');
      conn.ops.set(id, {
        end: () => s.close(),
        call: (m, a) => (m === 'write' || m === 'resize' || m === 'closeStdin' ? s[m](...a) : 'unknown call'),
      });
      break;
    }
    case 'watchList':
    case 'watchObject': {
      watchInto(conn, id, args, cb, (q, onSnap) => kl[kind](q, onSnap), (snap) => snap);
      break;
    }
    case 'watchView': {
      // A view's rows go as a list's items: rows Go left unchanged are the same objects, so they cross once.
      const unwatch = watchInto(conn, id, args, cb, (q, onSnap) => kl.watchView(q, onSnap), ({ rows, ...meta }) => ({ ...meta, items: rows }));
      conn.ops.get(id).call = (m, a) => {
        if (m === 'update') {
          // The page was told '' (its lists are unchanged); any other refusal goes to onError.
          const why = unwatch.update(a[0]);
          if (why) emit(conn, id, 'onError', new Error(why));
        } else if (m === 'getObject') emit(conn, id, 'answer', a[0], unwatch.getObject(a[1], a[2]));
      };
      break;
    }
    default:
      emit(conn, id, 'onError', new Error(`kubelive: unknown operation ${String(kind)}`));
  }
}

// watchInto opens a watch (watchList, watchObject or watchView: start) whose
// snapshots, as asItems makes them ({ items, ...meta }), go to the page in
// the list batches; it returns the watch's unwatch.
function watchInto(conn, id, [query, hasOnError], cb, start, asItems) {
  // Objects go to the page as the JSON Go holds, never parsed here.
  conn.client._rawLists?.();
  const w = newListState(id);
  const q = { ...query };
  if (hasOnError) q.onError = cb('onError');
  conn.watches.set(id, w);
  const unwatch = start(q, (snap) => {
    noteSnapshot(w, asItems(snap));
    if (behind(conn, id, snap)) return;
    conn.dirty.add(w);
    sendLists(conn);
  });
  conn.ops.set(id, {
    end: () => {
      conn.watches.delete(id);
      conn.ahead.delete(id);
      conn.dirty.delete(w);
      unwatch();
    },
  });
  return unwatch;
}

// sendLists sends one batch with the latest snapshot of every list that
// changed since the last batch, when the page can take it.
function sendLists(conn) {
  if (conn.closed || !conn.credit || conn.hidden || conn.dirty.size === 0) return;
  conn.credit = false;
  const lists = [];
  const fresh = [];
  for (const w of conn.dirty) lists.push(encodeList(w, fresh));
  conn.dirty.clear();
  // The JSON of the lists' objects is read from Go's cache now, one call per list: the worker keeps none.
  const raw = readRaw(fresh, (key, slots, pos) => conn.client._rawObjects(key, slots, pos));
  for (const why of raw.errors) console.warn(`kubelive: objects of a list could not be read from the cache, and went to a page as {}: ${why}`);
  const { bytes, index } = encodeFresh(fresh, raw.of);
  const buffers = [bytes.buffer, index.buffer];
  for (const l of lists) for (const b of [l.order, l.patch, l.splice, l.freed]) if (b) buffers.push(b.buffer);
  conn.port.postMessage({ t: 'lists', lists, bytes, index }, buffers);
  conn.entry?.prefetch.mark('lists');
}
