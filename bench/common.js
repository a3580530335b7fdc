// Shared by the bench pages: the run's parameters, the server's control
// endpoints, a clock the server shares, and the result the driver reads.
//
// Every page runs one contender once, in one of these modes (?mode=):
//   throughput  replay the whole stream as fast as the socket takes it;
//               done when the final state is reached (P1)
//   latency     the server paces the events; record when each callback ran
//               and which resourceVersion it showed (P2)
//   first       time from navigation to the first rendered list (P5)
// and publishes window.benchResult (or window.benchError).

export const LIST_PATH = '/clusters/bench/api/v1/namespaces/bench/pods';
export const params = new URLSearchParams(location.search);
export const mode = params.get('mode') || 'throughput';

/** now is wall time in ms since the epoch, sub-ms, comparable with the server's stamps. */
export const now = () => performance.timeOrigin + performance.now();

export async function ctl(path) {
  const r = await fetch(path, { cache: 'no-store' });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

export function watchURL(rv) {
  const q = new URLSearchParams({ watch: '1', resourceVersion: rv, allowWatchBookmarks: 'true' });
  return `ws://${location.host}${LIST_PATH}?${q}`;
}

/**
 * release tells the server the page holds its list: the replay may start.
 * With ?profile=1 it first waits for the driver (window.benchProceed), so
 * that the CPU profile covers the stream and not the page's start.
 */
export async function release() {
  if (params.has('profile')) {
    await new Promise((r) => {
      window.benchProceed = r;
      window.benchReady = true;
    });
  }
  return ctl('/ctl/go');
}

/**
 * Tracker follows what a contender's subscriber sees and decides when the
 * run is over. In throughput mode the cheap test is O(1) per notification
 * (resourceVersion, then count); the last event's object is looked up once.
 */
export class Tracker {
  constructor(run) {
    this.run = run;
    this.meta = run.meta;
    this.calls = [];
    this.done = null;
    this.notifications = 0;
    this.finished = new Promise((resolve) => (this.resolve = resolve));
  }

  /**
   * seen is called by the contender's subscriber with the list's
   * resourceVersion, its item count and a lookup of an item's
   * resourceVersion by uid (called at most once per run).
   */
  seen(rv, count, rvOf) {
    const t = now();
    this.notifications++;
    if (this.done) return;
    if (mode === 'latency') {
      this.calls.push(t, Number(rv));
      if (rv === this.run.lastRV) this.finish(t);
      return;
    }
    if (rv !== this.meta.finalRV || count !== this.meta.finalCount) return;
    if (rvOf(this.meta.lastUID) !== this.meta.finalRV) return;
    this.finish(t);
  }

  finish(t) {
    this.done = t;
    this.resolve(t);
  }
}

/**
 * verify compares the final items with the server's final.json: {uid: rv}.
 * With ?holdcheck=1 (P6) it first says that the final state was seen
 * (window.benchSeen: performance.now() then) and waits for the driver's
 * window.benchCheck(), so that the driver's measured window is the
 * stream's and ends before this check, alike for every contender.
 */
export async function verify(items, uidOf, rvOf) {
  if (params.get('holdcheck') === '1') {
    await new Promise((r) => {
      window.benchCheck = r;
      window.benchSeen = performance.now();
    });
  }
  const want = await ctl('/ctl/final');
  let bad = 0;
  const seen = new Set();
  for (const it of items) {
    const uid = uidOf(it);
    if (want[uid] !== rvOf(it) || seen.has(uid)) bad++;
    seen.add(uid);
  }
  const expected = Object.keys(want).length;
  return { ok: bad === 0 && seen.size === expected, bad, got: items.length, expected };
}

/** capture remembers every wasm instance the page creates (P4: its memory). */
export function captureWasm() {
  const instances = [];
  const wrap = (name) => {
    const orig = WebAssembly[name];
    WebAssembly[name] = async (...args) => {
      const res = await orig.apply(WebAssembly, args);
      instances.push(res.instance ?? res);
      return res;
    };
  };
  wrap('instantiate');
  wrap('instantiateStreaming');
  window.benchWasmBytes = () =>
    instances.reduce((n, i) => n + (i.exports?.mem?.buffer?.byteLength ?? 0), 0);
}

/** render puts a list on the page (P5 "first rendered list") and resolves after the next frame. */
export function render(items, nameOf) {
  const out = document.getElementById('out');
  const ul = document.createElement('ul');
  for (const it of items.slice(0, 50)) {
    const li = document.createElement('li');
    li.textContent = nameOf(it);
    ul.append(li);
  }
  out.replaceChildren(`${items.length} pods`, ul);
  return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
}

/** main runs a contender's body and publishes its result. */
export function main(body) {
  body().then(
    (res) => {
      window.benchResult = res;
      document.title = 'done';
    },
    (e) => {
      window.benchError = String(e?.stack || e);
      document.title = 'error';
    },
  );
}
