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
  const kl = await load({ wasmURL: params.get('wasm') || '/dist/bench/kubelive.wasm', multiplexer: params.get('mux') || 'off', host: params.get('host') || 'page', workerURL: '/js/src/worker.js' });
  window.kl = kl;
  const tLoaded = performance.now();
  let snap = null;
  let ready;
  const live = new Promise((r) => (ready = r));
  const onError = (e) => console.error('kubelive list error', e);
  kl.watchList({ ...QUERY, onError }, (s) => {
    snap = s;
    if (s.status === 'live') ready(s);
    tracker.seen(s.resourceVersion, s.items.length, (uid) => s.items.find((o) => o.metadata.uid === uid)?.metadata.resourceVersion);
  });
  const first = await live;
  if (mode === 'first') {
    await render(first.items, (o) => o.metadata.name);
    return { firstList: performance.now(), items: first.items.length, loadStart: t0, loaded: tLoaded };
  }
  await release();
  const end = await tracker.finished;
  const check = mode === 'throughput' ? await verify(snap.items, (o) => o.metadata.uid, (o) => o.metadata.resourceVersion) : { ok: true };
  return { done: end, calls: tracker.calls, notifications: tracker.notifications, ...check, stats: kl.stats(), finishedAt: now() };
});
