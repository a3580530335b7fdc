// kubelive: load() the wasm module and watch the list through kl.watchList.
// ?mux=on|off|auto is passed to load({ multiplexer }) (the hook for the
// multiplexer mode; per-URL today).
import { Tracker, captureWasm, ctl, main, mode, now, params, release, render, verify } from './common.js';

// P5's timeline: ms after navigation start of each step of this page's start.
const marks = { script: performance.now() };

// ?js= loads the JS package (and the worker's entry) from another copy of
// js/src under the server's root, e.g. an earlier commit's (bench/run.mjs --other-js).
const JS = params.get('js') || '/js/src';
const { load } = await import(`${JS}/index.js`);
marks.imported = performance.now();

captureWasm();

export const QUERY = { lists: [{ cluster: 'bench', namespace: 'bench' }], endpoint: { version: 'v1', resource: 'pods' } };

main(async () => {
  const run = await ctl('/ctl/run');
  const tracker = new Tracker(run);
  const t0 = performance.now();
  // ?wasm= loads another build (scripts/bench.sh --profile: one with function names).
  // ?host=shared-worker|worker runs the client in a worker (its entry unbundled, from js/src).
  // ?persist=1: load({ persist: true }); mode=warm renders the first snapshot
  // with rows (the persisted copy, 'stale') and then waits for 'live'.
  const persist = params.get('persist') === '1';
  marks.load = performance.now();
  const kl = await load({ wasmURL: params.get('wasm') || '/dist/bench/kubelive.wasm', multiplexer: params.get('mux') || 'off', host: params.get('host') || 'page', workerURL: `${JS}/worker.js`, persist });
  window.kl = kl;
  const tLoaded = performance.now();
  marks.loaded = tLoaded;
  let snap = null;
  let ready;
  let rows;
  const live = new Promise((r) => (ready = r));
  const withRows = new Promise((r) => (rows = r));
  const onError = (e) => console.error('kubelive list error', e);
  const statuses = []; // every snapshot's status, size and when it came, in order (mode=relists; fullAt)
  // mode=first renders each snapshot with rows as it comes, as an app
  // would (at most one render in flight; the newest waiting snapshot next):
  // the first rendered list with all rows, any status, is the figure B's
  // first rendered list compares with (fullRendered).
  const draw = drawer();
  kl.watchList({ ...QUERY, onError }, (s) => {
    snap = s;
    const entry = { status: s.status, n: s.items.length, at: now() };
    statuses.push(entry);
    if (mode === 'first' && s.items.length > 0) draw(entry, s.items);
    if (s.status === 'live') ready(s);
    if (s.items.length > 0) rows({ s, at: performance.now() });
    tracker.seen(s.resourceVersion, s.items.length, (uid) => rvByName(s.items, run.meta.lastName, uid));
  });
  if (mode === 'warm') {
    const { s: warm, at: rowsAt } = await withRows;
    await render(warm.items, (o) => o.metadata.name);
    const firstList = performance.now();
    const confirmed = await live;
    return { firstList, rowsAt, watchAt: tLoaded, status: warm.status, items: warm.items.length, liveAt: performance.now(), liveItems: confirmed.items.length, loadStart: t0, loaded: tLoaded, wasmBytes: window.benchWasmBytes() };
  }
  const first = await live;
  if (mode === 'first') {
    const liveAt = performance.now();
    await render(first.items, (o) => o.metadata.name);
    const firstList = performance.now();
    // rowsAt: the first snapshot with rows, e.g. a LIST's first page ('loading')
    const { at: rowsAt } = await withRows;
    const fullAt = firstFull(statuses) - performance.timeOrigin;
    const fullRendered = await fullRenderedAt(statuses);
    if (persist) await kl.flushPersisted(); // the next visit of this profile starts warm
    Object.assign(marks, { rows: rowsAt, full: fullAt, fullRendered, live: liveAt, rendered: firstList }, workerMarks(await freshStats(kl)));
    return { firstList, rowsAt, fullAt, fullRendered, items: first.items.length, loadStart: t0, loaded: tLoaded, wasmBytes: window.benchWasmBytes(), timeline: marks };
  }
  if (mode === 'relists') return relists(kl, first, statuses, () => snap);
  // P2: the module's Go heap and collector counters around the stream
  const goBefore = mode === 'latency' ? await goStats(kl) : null;
  await release();
  const end = await tracker.finished;
  const goAfter = mode === 'latency' ? await goStats(kl) : null;
  const check = mode === 'throughput' ? await verify(snap.items, (o) => o.metadata.uid, (o) => o.metadata.resourceVersion) : { ok: true };
  if (unordered) Object.assign(check, { ok: false, unordered: 'the last event\'s object was not where the order by name puts it' });
  return { done: end, calls: tracker.calls, notifications: tracker.notifications, ...check, stats: kl.stats(), finishedAt: now(), goBefore, goAfter };
});

// unordered: rvByName found the object it looked for only by a scan.
let unordered = false;

/**
 * rvByName is the resourceVersion of the object with uid, named name, in
 * items (a snapshot's: ordered by namespace, then name; one namespace here),
 * found by bisection: O(log n) objects read, as B's lookup is one Map get,
 * not a scan that reads every object's metadata (a worker host's objects
 * parse their metadata on its first read). Not where the order puts it: a
 * scan finds it, and the run fails (unordered).
 */
function rvByName(items, name, uid) {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].metadata.name < name) lo = mid + 1;
    else hi = mid;
  }
  const o = items[lo];
  if (o?.metadata.name === name && o.metadata.uid === uid) return o.metadata.resourceVersion;
  const found = items.find((x) => x.metadata.uid === uid);
  if (found) unordered = true;
  return found?.metadata.resourceVersion;
}

/**
 * freshStats is stats() as the worker reports them after this call (a page
 * host answers at once), or the last report when none comes within 10 s.
 */
async function freshStats(kl) {
  const asked = Date.now();
  for (const deadline = performance.now() + 10000; performance.now() < deadline; ) {
    const s = kl.stats();
    if (s.host === 'page' || s.reportedAt >= asked) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  return kl.stats();
}

/**
 * workerMarks is a worker host's start timeline (stats().start: epoch
 * ms) in ms after this page's navigation start: the worker's marks as
 * 'w.<name>' and, per prefetched LIST page i, 'w.list<i>.asked|headers|body'.
 */
function workerMarks(stats) {
  const out = {};
  const rel = (t) => (t ? t - performance.timeOrigin : NaN);
  for (const [k, t] of Object.entries(stats?.start?.marks ?? {})) out[`w.${k}`] = rel(t);
  (stats?.start?.pages ?? []).forEach((p, i) => {
    for (const k of ['asked', 'headers', 'body']) out[`w.list${i}.${k}`] = rel(p[k]);
  });
  return out;
}

/**
 * goStats is stats().go as the module reports it after this call (a worker
 * host's stats() returns the worker's last report and asks for a newer
 * one), or null when no report comes within 10 s.
 */
async function goStats(kl) {
  const asked = Date.now();
  const s = await freshStats(kl);
  return s.host === 'page' || s.reportedAt >= asked ? (s.go ?? null) : null;
}

/**
 * firstFull is when the first snapshot with every object of the first
 * complete LIST came (any status: e.g. the worker host's prefetched pages,
 * 'loading'): the LIST's size is that of the snapshot just before the first
 * live one when that is the largest so far and within 10% of the live one
 * (the module's whole list before its watch; the server's events change
 * the live count), else the first live one's.
 */
function firstFull(statuses) {
  const live = statuses.findIndex((x) => x.status === 'live');
  const last = statuses[live - 1];
  const most = Math.max(0, ...statuses.slice(0, live).map((x) => x.n));
  const n = last && last.n === most && last.n >= 0.9 * statuses[live].n ? last.n : statuses[live].n;
  return statuses.find((x) => x.n === n).at;
}

/**
 * drawer returns draw(entry, items): items rendered (common.js render: 50
 * names in the DOM, then a frame), entry.renderedAt set (epoch ms) once
 * shown. One render at a time: a snapshot that comes meanwhile waits, and
 * a newer one replaces it (its entry then never gets renderedAt: the
 * newer one showed its rows).
 */
function drawer() {
  let busy = false;
  let queued = null;
  const draw = (entry, items) => {
    if (busy) {
      queued = [entry, items];
      return;
    }
    busy = true;
    render(items, (o) => o.metadata.name).then(() => {
      entry.renderedAt = now();
      busy = false;
      const next = queued;
      queued = null;
      if (next) draw(...next);
    });
  };
  return draw;
}

/**
 * fullRenderedAt is when the first snapshot with every object of the first
 * LIST (firstFull's), or a later one, was rendered, in ms after navigation
 * start; it waits up to 10 s for that render.
 */
async function fullRenderedAt(statuses) {
  const full = statuses.findIndex((x) => x.at === firstFull(statuses));
  for (const deadline = performance.now() + 10000; performance.now() < deadline; ) {
    const shown = statuses.slice(full).find((x) => x.renderedAt);
    if (shown) return shown.renderedAt - performance.timeOrigin;
    await new Promise((r) => setTimeout(r, 10));
  }
  return NaN;
}

/**
 * relists forces ?relists= (default 10) relists of the held list (P4): each
 * /ctl/expire drops the watch and makes its resume get 410 Expired, so the
 * list relists (a LIST counted at the server) and goes live again. It
 * returns the wasm memory after the first list and after each relist, and
 * how long each relist took. Every wait has a deadline. The wasm memory is
 * the client's module's: the page's, or in a worker host the worker's (its
 * stats().wasmBytes, reported after the relist).
 */
async function relists(kl, first, statuses, current) {
  const count = Number(params.get('relists') || 10);
  const moduleBytes = async () => (kl.stats().host === 'page' ? window.benchWasmBytes() : (await freshStats(kl)).wasmBytes);
  const wasm = [await moduleBytes()];
  const ms = [];
  for (let i = 0; i < count; i++) {
    // Let the watch run a second first: a watch that ends sooner with no
    // event counts as too short for the client, which then backs off (a
    // server that keeps closing at once), and the relist times would
    // measure that backoff instead.
    const up = statuses.at(-1).at + 1100 - now();
    if (up > 0) await new Promise((r) => setTimeout(r, up));
    const { lists: before } = await ctl('/ctl/lists');
    const from = statuses.length;
    const t = performance.now();
    // The last relist's watch may not have reached the server yet.
    while ((await ctl('/ctl/expire')).dropped < 1) {
      if (performance.now() > t + 10000) throw new Error(`relist ${i + 1}: no watch to drop within 10 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Relisted: a LIST answered since the drop, and the list live with
    // every item in a snapshot taken after that LIST was written (the
    // resume shows 'live' before its 410 arrives; that one is older).
    for (const deadline = t + 60000; ; ) {
      const left = statuses.slice(from);
      const { lists, listedAt } = await ctl('/ctl/lists');
      const listed = lists > before;
      if (listed && left.at(-1)?.status === 'live' && left.at(-1).at > listedAt && current().items.length === first.items.length) break;
      if (performance.now() > deadline) throw new Error(`relist ${i + 1}: not live again within 60 s (statuses ${left.map((x) => x.status).join(',')}, listed ${listed})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    ms.push(performance.now() - t);
    wasm.push(await moduleBytes());
  }
  const { lists } = await ctl('/ctl/lists');
  return { relists: count, wasm, ms, lists, statuses: statuses.map((x) => x.status), items: current().items.length };
}
