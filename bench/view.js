// P7: a table of the data set's pods, filtered, sorted (by resourceVersion,
// newest first, so every event moves a row into the 50-row window) and
// windowed, by one of two contenders (?c=):
//   kubelive  kl.watchView: the view is maintained in Go per event, only the
//             window crosses to JS (with &host=shared-worker: Go in a
//             SharedWorker, the window posted to the page)
//   b         B (a Map by uid, one snapshot per frame) plus what peers do per
//             frame: filter and sort the whole array, then slice the window
// Modes (?mode=):
//   update    the server replays events (paced by the driver); each callback
//             records its time and the top row's resourceVersion (P7a), and
//             with ?profile=1 the driver measures main-thread time (P7c)
//   filter    no events: time from a new where.text to the new window (P7b)
import { load } from '/js/src/index.js';
import { LIST_PATH, captureWasm, ctl, main, mode, now, params, release } from './common.js';

captureWasm();

const QUERY = { lists: [{ cluster: 'bench', namespace: 'bench' }], endpoint: { version: 'v1', resource: 'pods' } };
const LIMIT = 50;
const PHASES = ['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown'];
const TEXTS = ['1', '12', '123', '1234', '2', '23', '234', '3'];
const contender = params.get('c') || 'kubelive';

const viewQuery = (text = '') => ({
  ...QUERY,
  where: { fields: { 'status.phase': PHASES }, text },
  sort: [{ by: 'rv', desc: true }],
  window: { offset: 0, limit: LIMIT },
  columns: { rv: 'metadata.resourceVersion', phase: 'status.phase', restarts: 'status.containerStatuses[*].restartCount|sum' },
});

/** Contender kubelive: onTop(rv) per delivered window. */
async function kubelive(onTop) {
  // ?host=shared-worker runs the client in a SharedWorker (its entry unbundled, from js/src): only the window reaches the page.
  const kl = await load({ wasmURL: params.get('wasm') || '/dist/bench/kubelive.wasm', multiplexer: 'off', host: params.get('host') || 'page', workerURL: '/js/src/worker.js' });
  window.kl = kl; // P4 with a view reads its stats() (a worker host's module memory)
  let ready;
  const live = new Promise((r) => (ready = r));
  let last = null;
  let waiter = null;
  const watch = kl.watchView({ ...viewQuery(), onError: (e) => console.error('view error', e) }, (s) => {
    last = s;
    if (s.status === 'live' && s.count > 0) ready();
    if (s.rows.length) onTop(s.rows[0].rv);
    if (waiter) waiter(s);
  });
  await live;
  return {
    total: () => last.total,
    // setText returns [ms until the snapshot is made, ms until the callback].
    async setText(text) {
      // A window equal to the last one is not delivered again: wait 1 s at most.
      const delivered = new Promise((r) => {
        waiter = r;
        setTimeout(r, 1000);
      });
      const t0 = performance.now();
      const err = watch.update(viewQuery(text));
      if (err) throw new Error(err);
      const t1 = performance.now();
      await delivered;
      waiter = null;
      return [t1 - t0, performance.now() - t0];
    },
  };
}

/** Contender list: kl.watchList without a view (the whole list crosses), for reference. */
async function list(onTop) {
  const kl = await load({ wasmURL: params.get('wasm') || '/dist/bench/kubelive.wasm', multiplexer: 'off' });
  let ready;
  const live = new Promise((r) => (ready = r));
  kl.watchList(QUERY, (s) => {
    if (s.status === 'live') ready();
    onTop(s.resourceVersion);
  });
  await live;
  return { total: () => 0, setText: async () => [NaN, NaN] };
}

/** Contender b: the baseline. */
async function baseline(onTop) {
  const body = await (await fetch(LIST_PATH)).json();
  const byUid = new Map(body.items.map((o) => [o.metadata.uid, o]));
  let text = '';
  let total = 0;
  const phases = new Set(PHASES);
  const rv = (o) => Number(o.metadata.resourceVersion);
  const matches = (o) =>
    phases.has(o.status?.phase) &&
    (!text || o.metadata.name.toLowerCase().includes(text) || o.metadata.namespace.toLowerCase().includes(text) || Object.values(o.metadata.labels ?? {}).some((v) => v.toLowerCase().includes(text)));
  const computeWindow = () => {
    const kept = Array.from(byUid.values()).filter(matches);
    kept.sort((a, b) => rv(b) - rv(a) || a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name));
    total = kept.length;
    return Object.freeze(kept.slice(0, LIMIT));
  };
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const rows = computeWindow();
    if (rows.length) onTop(rows[0].metadata.resourceVersion);
  };
  const ws = new WebSocket(`ws://${location.host}${LIST_PATH}?${new URLSearchParams({ watch: '1', resourceVersion: body.metadata.resourceVersion, allowWatchBookmarks: 'true' })}`, ['base64.binary.k8s.io']);
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (ev) => {
    const e = JSON.parse(ev.data);
    if (e.type === 'DELETED') byUid.delete(e.object.metadata.uid);
    else if (e.type === 'ADDED' || e.type === 'MODIFIED') byUid.set(e.object.metadata.uid, e.object);
    else return;
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(flush);
    }
  };
  await new Promise((r) => (ws.onopen = r));
  computeWindow();
  return {
    total: () => total,
    async setText(t) {
      const t0 = performance.now();
      text = t.toLowerCase();
      computeWindow();
      const t1 = performance.now();
      return [t1 - t0, t1 - t0];
    },
  };
}

main(async () => {
  const run = await ctl('/ctl/run');
  const calls = [];
  let lastSeen = 0;
  const onTop = (rv) => {
    calls.push(now(), Number(rv));
    lastSeen = performance.now();
  };
  const c = await ({ b: baseline, list }[contender] ?? kubelive)(onTop);
  if (mode === 'filter') {
    const times = [];
    for (let round = 0; round < 3; round++) {
      for (const t of [...TEXTS, '']) times.push({ text: t, ms: await c.setText(t), total: c.total() });
    }
    return { times };
  }
  calls.length = 0;
  await release();
  // Done when a window shows the last event, or (its object filtered out or
  // deleted) when everything was sent and nothing moved for 500 ms.
  // The driver is asked only once the page is idle: the asking is main-thread time too (P7c).
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    if (calls.length && calls.at(-1) >= Number(run.lastRV)) break;
    if (performance.now() - lastSeen <= 500) continue;
    const { sends } = await ctl('/ctl/sends');
    if (sends.at(-1) > 0) break;
  }
  return { calls, done: now() };
});
