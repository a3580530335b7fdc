// kubelive: load() the wasm module and watch the list through kl.watchList.
// ?mux=on|off|auto is passed to load({ multiplexer }) (the hook for the
// multiplexer mode; per-URL today).
import { load } from '/js/src/index.js';
import { Tracker, captureWasm, ctl, main, mode, now, params, release, render, verify } from './common.js';

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
  const kl = await load({ wasmURL: params.get('wasm') || '/dist/bench/kubelive.wasm', multiplexer: params.get('mux') || 'off', host: params.get('host') || 'page', workerURL: '/js/src/worker.js', persist });
  window.kl = kl;
  const tLoaded = performance.now();
  let snap = null;
  let ready;
  let rows;
  const live = new Promise((r) => (ready = r));
  const withRows = new Promise((r) => (rows = r));
  const onError = (e) => console.error('kubelive list error', e);
  kl.watchList({ ...QUERY, onError }, (s) => {
    snap = s;
    if (s.status === 'live') ready(s);
    if (s.items.length > 0) rows({ s, at: performance.now() });
    tracker.seen(s.resourceVersion, s.items.length, (uid) => s.items.find((o) => o.metadata.uid === uid)?.metadata.resourceVersion);
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
    await render(first.items, (o) => o.metadata.name);
    const firstList = performance.now();
    if (persist) await kl.flushPersisted(); // the next visit of this profile starts warm
    return { firstList, items: first.items.length, loadStart: t0, loaded: tLoaded, wasmBytes: window.benchWasmBytes() };
  }
  await release();
  const end = await tracker.finished;
  const check = mode === 'throughput' ? await verify(snap.items, (o) => o.metadata.uid, (o) => o.metadata.resourceVersion) : { ok: true };
  return { done: end, calls: tracker.calls, notifications: tracker.notifications, ...check, stats: kl.stats(), finishedAt: now() };
});
