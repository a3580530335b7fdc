// The benchmark driver (BENCHMARKS.md): one Chromium (playwright-core,
// Debian's /usr/bin/chromium, the e2e flags), one native benchserver, the
// same recorded stream for every contender, medians of several runs.
//
//   node bench/run.mjs [--smoke] [--runs N] [--sizes 1000,10000,50000]
//                      [--contenders t,a,b,kubelive,kubelive-mux,kubelive-mux-json,kubelive-worker,kubelive-worker-mux,kubelive-worker-mux-json] [--profile] [--only p1,p2,p3,p4,p5,p6,p7,p8]
//                      [--profile-contenders kubelive,b] (a worker contender: its SharedWorker too) [--profile-set n10000] [--profile-latency] (the profile of P2's paced stream) [--p6-contenders b,kubelive,kubelive-worker]
//                      [--other-wasm /dist/bench/kubelive-base.wasm] [--other-js /dist/bench/js-base] (contenders <name>@other)
//                      [--bundle] (the kubelive pages load esbuild bundles of the JS) [--no-p5-warm] (P5: the cold start only)
//                      [--relists 10] [--relists-n 10000] (P4's forced relists) [--p4-snapshot] (P4: what holds the memory, from heap snapshots)
//                      [--p7-sizes 50000,100000] [--p7-events 2000] [--p7-rate 200] [--p7-parts update,filter]
//                      [--p7-contenders kubelive,b,list,kubelive-worker] [--p7-filter-contenders kubelive,b,kubelive@other]
//                      [--wasm /dist/bench/kubelive.wasm] [--latency-n 10000] [--latency-events 3000]
//                      [--p8-set n10000] [--p8-pages 10] (P8: tabs sharing one SharedWorker)
//
// The data sets must exist in dist/bench/n<N> (scripts/bench.sh makes them)
// and .bin/benchserver must be built. Prints a Markdown report and writes
// dist/bench/results.json (and dist/bench/profiles/ with --profile).
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, launch, start } from '../e2e/lib.mjs';
import { checkRun } from './check.mjs';
import * as heapsummary from './heapsummary.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const SMOKE = flag('smoke');
const RUNS = Number(opt('runs', SMOKE ? 1 : 3));
const SIZES = opt('sizes', '1000,10000,50000').split(',').map(Number);
// Data set names: dist/bench/n<N>; the smoke run uses dist/bench/smoke (1,000 pods, 2,000 events).
const SETS = SMOKE ? ['smoke'] : SIZES.map((n) => `n${n}`);
const CONTENDERS = opt('contenders', 't,a,b,kubelive,kubelive-mux,kubelive-mux-json').split(',');
const WASM = encodeURIComponent(opt('wasm', '/dist/bench/kubelive.wasm'));
const PAGES = {
  t: { page: 'transport', query: '' },
  a: { page: 'headlamp', query: '' },
  b: { page: 'framebatch', query: '' },
  kubelive: { page: 'kubelive', query: `mux=off&wasm=${WASM}` },
  // the same page over the multiplexer (msgpack, events packed into frames)
  'kubelive-mux': { page: 'kubelive', query: `mux=on&wasm=${WASM}` },
  // the multiplexer with Headlamp's JSON framing (one event per frame, JSON in a JSON string)
  'kubelive-mux-json': { page: 'kubelive', query: `mux=json&wasm=${WASM}` },
  // the client in a SharedWorker: the page applies the changed objects once per frame
  'kubelive-worker': { page: 'kubelive', query: `mux=off&host=shared-worker&wasm=${WASM}` },
  // the same over the multiplexer, msgpack and Headlamp's JSON framing (what load()'s default host gives a Headlamp user)
  'kubelive-worker-mux': { page: 'kubelive', query: `mux=on&host=shared-worker&wasm=${WASM}` },
  'kubelive-worker-mux-json': { page: 'kubelive', query: `mux=json&host=shared-worker&wasm=${WASM}` },
};
// freshStats is the page client's stats() as the worker reports them after
// this call (a worker host's stats() returns the last report and asks for a
// newer one); a page host answers at once.
async function freshStats(page) {
  return page.evaluate(async () => {
    const kl = window.kl;
    const asked = Date.now();
    for (const deadline = performance.now() + 10000; ; ) {
      const s = kl.stats();
      if (s.host === 'page' || s.reportedAt >= asked) return s;
      if (performance.now() > deadline) return { ...s, stale: true };
      await new Promise((r) => setTimeout(r, 20));
    }
  });
}
// A contender named "<name>@other" is <name> with the module of --other-wasm
// (e.g. a build of an earlier commit), so that a change is measured against
// its parent in one run.
const OTHER_WASM = encodeURIComponent(opt('other-wasm', ''));
// --other-js: and the JS package from this copy of js/src (a path under the root, e.g. /dist/bench/js-base)
const OTHER_JS = encodeURIComponent(opt('other-js', ''));
// --bundle: the kubelive pages load the JS package and the worker's entry
// as one esbuild bundle each (as an app and the packed kubelive-worker.js
// ship them), built here into dist/bench/bundle (and bundle-other from
// --other-js, or js/src), instead of the unbundled modules of js/src.
const BUNDLE = flag('bundle');
if (BUNDLE) {
  const esbuild = path.join(ROOT, 'node_modules/.bin/esbuild');
  const from = (js) => path.join(ROOT, js ? decodeURIComponent(js).slice(1) : 'js/src');
  for (const [src, out] of [[from(''), 'bundle'], [from(OTHER_JS), 'bundle-other']]) {
    for (const entry of ['index.js', 'worker.js']) {
      const r = spawnSync(esbuild, [path.join(src, entry), '--bundle', '--format=esm', '--minify', '--target=es2022', '--log-level=warning', `--outfile=${path.join(ROOT, 'dist/bench', out, entry)}`], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`esbuild ${src}/${entry}: exit ${r.status}`);
    }
  }
}
const pageOf = (name) => {
  const [base, tag] = name.split('@');
  const p = PAGES[base];
  if (!p) throw new Error(`unknown contender ${name}`);
  const bundled = (q, dir) => (BUNDLE && p.page === 'kubelive' ? `${q.replace(/&js=[^&]*/, '')}&js=${encodeURIComponent(dir)}` : q);
  if (!tag) return { ...p, query: bundled(p.query, '/dist/bench/bundle') };
  if (tag !== 'other' || !OTHER_WASM || p.page !== 'kubelive') throw new Error(`${name}: only kubelive contenders take @other, with --other-wasm`);
  return { ...p, query: bundled(p.query.replace(/wasm=[^&]*/, `wasm=${OTHER_WASM}`) + (OTHER_JS ? `&js=${OTHER_JS}` : ''), '/dist/bench/bundle-other') };
};
const ONLY = opt('only', SMOKE ? 'p1,p8' : 'p1,p2,p3,p4,p5').split(',');
// --p4-snapshot takes a heap snapshot of the page (and the worker) at each P4
// measurement and logs what holds the memory (bench/heapsummary.mjs).
const P4_SNAPSHOT = flag('p4-snapshot');
const PROFILE = flag('profile');
// A kubelive.wasm with its name section (not built with -s -w), so that the profile names Go functions.
const PROFILE_WASM = opt('profile-wasm', '');
// Which contenders --profile records, and on which data set.
const PROFILE_CONTENDERS = opt('profile-contenders', 'kubelive,b').split(',');
const PROFILE_SET = opt('profile-set', 'n10000');
// --profile-latency profiles P2's stream instead (latency mode: the server
// paces --latency-events events at 1,000/s into --latency-n pods; the set is n<latency-n>).
const PROFILE_LATENCY = flag('profile-latency');
// --p5-profile records a CPU profile of kubelive's first warm P5 visit.
const P5_PROFILE = flag('p5-profile');
const LAT_N = Number(opt('latency-n', 10000));
const LAT_EVENTS = Number(opt('latency-events', 3000));
const LAT_RATE = Number(opt('latency-rate', 1000));
const OUT = path.join(ROOT, 'dist', 'bench');
const TIMEOUT = Number(opt('timeout', 240)) * 1000;

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '–');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '–');
const log = (...m) => console.error('#', ...m);

const server = await start(path.join(ROOT, '.bin/benchserver'), ['-root', ROOT], 'BENCH_ADDR');
process.on('exit', () => server.stop()); // also when a run fails
const base = `http://${server.addr}`;
const ctl = async (p) => {
  const r = await fetch(base + p);
  if (!r.ok) throw new Error(`${p}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
};
const browser = await launch();
const results = { machine: {}, p1: {}, p2: {}, p3: {}, p4: {}, p5: {}, p6: {}, profiles: {} };

/**
 * visit opens a fresh context and page, runs one contender in one mode and
 * returns its result; inspect(page, cdp, res) runs before the page closes.
 */
async function visit(name, mode, extra = '', inspect, shared, prepare) {
  const { page: file, query } = pageOf(name);
  // shared: a context (browser profile) the caller owns, e.g. to find its IndexedDB again
  const ctx = shared ?? (await browser.newContext({ viewport: { width: 1280, height: 800 } }));
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  try {
    const cdp = await ctx.newCDPSession(page);
    const q = [`mode=${mode}`, query, extra].filter(Boolean).join('&');
    if (prepare) await prepare(cdp);
    await page.goto(`${base}/bench/${file}.html?${q}`);
    await page.waitForFunction(() => document.title === 'done' || document.title === 'error', null, { timeout: TIMEOUT, polling: 50 });
    const res = await page.evaluate(() => window.benchResult ?? { error: window.benchError });
    if (res.error) throw new Error(`${name}: ${res.error}`);
    if (errors.length) log(`${name} ${mode}: page errors:`, errors.slice(0, 3).join(' | '));
    if (file === 'kubelive') checkRun(name, await freshStats(page));
    if (inspect) await inspect(page, cdp, res);
    return res;
  } finally {
    if (shared) await page.close();
    else await ctx.close();
  }
}

/**
 * memory is a page's JS heap and wasm memory after forced collections. In a
 * worker host the client (its Go module, its JS) lives in the SharedWorker,
 * so the worker's JS heap (CDP on its target, in the page's browser context)
 * and its module's memory (the worker's stats().wasmBytes, reported after
 * this call) are added to the page's: jsHeap and wasm are the sums, page and
 * worker the parts. jsHeap is V8's usedSize; backing is Runtime.getHeapUsage's
 * backingStorageSize: the data of ArrayBuffers and the text of external
 * strings (Blink's strings, e.g. what TextDecoder made of a lazy object's
 * JSON), memory the tab holds outside V8's heap. Measured in this Chromium
 * (2026-12-02): a WebAssembly.Memory is not in it (65 MB of touched module
 * memory added 0), 20 MB of ArrayBuffer added 20 MB, 10,000 distinct 3 KB
 * strings from TextDecoder added 30 MB (and 0.3 MB of V8 heap), so the
 * three parts add up without counting anything twice.
 */
async function memory(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const pageWasm = await page.evaluate(() => (window.benchWasmBytes ? window.benchWasmBytes() : 0));
  const stats = (await page.evaluate(() => Boolean(window.kl?.stats))) ? await freshStats(page) : null;
  // the Go heap of the client's module (stats().go: live after the last collection, the next goal, all the runtime maps)
  const go = stats?.go ?? null;
  const pagePart = { jsHeap: heap.usedSize, backing: heap.backingStorageSize ?? 0, wasm: pageWasm };
  if (P4_SNAPSHOT) {
    const text = await heapsummary.take((m, q) => cdp.send(m, q), (ev, f) => cdp.on(ev, f), (ev, f) => cdp.off(ev, f));
    log(`P4 page (backingStorageSize ${fmt(heap.backingStorageSize / 1e6, 1)} MB, wasm ${fmt(pageWasm / 1e6, 1)} MB):\n${heapsummary.report(heapsummary.summarise(text)).join('\n')}`);
  }
  if (!stats || stats.host === 'page') return { ...pagePart, jsHeapTotal: heap.totalSize, go };
  if (stats.stale) throw new Error('P4: the worker sent no stats');
  const { targetInfo } = await cdp.send('Target.getTargetInfo');
  const wh = await sharedWorkerHeap(targetInfo.browserContextId);
  const worker = { jsHeap: wh.usedSize, backing: wh.backingStorageSize ?? 0, wasm: stats.wasmBytes };
  return { jsHeap: pagePart.jsHeap + worker.jsHeap, backing: pagePart.backing + worker.backing, wasm: pagePart.wasm + worker.wasm, jsHeapTotal: heap.totalSize, go, page: pagePart, worker };
}


// ------------------------------------------------------------------ P1 (+P4)
if (ONLY.includes('p1') || ONLY.includes('p4')) {
  for (const set of SETS) {
    const per = Object.fromEntries(CONTENDERS.map((c) => [c, []]));
    let meta;
    for (let r = 0; r < RUNS; r++) {
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + r) % CONTENDERS.length]);
      for (const c of order) {
        const use = await ctl(`/ctl/use?set=${set}&hold=1`);
        meta = use.meta;
        const n = meta.n;
        let mem = null;
        const res = await visit(c, 'throughput', '', async (page, cdp) => {
          if (n === 10000 && c !== 't') mem = await memory(page, cdp);
        });
        const { sends } = await ctl('/ctl/sends');
        const eps = use.events / ((res.done - sends[0]) / 1000);
        if (res.ok === false) throw new Error(`${c} on ${set}: final state wrong: ${JSON.stringify({ bad: res.bad, got: res.got, expected: res.expected })}`);
        per[c].push({ eps, notifications: res.notifications, mem, wakes: res.stats?.browserSockets?.wakes });
        log(`P1 n=${n} run ${r + 1}/${RUNS} ${c}: ${fmt(eps)} events/s (${res.notifications ?? res.frames} notifications${mem ? `, heap ${fmt(mem.jsHeap / 1e6, 1)} MB, wasm ${fmt(mem.wasm / 1e6, 1)} MB, backing stores ${fmt(mem.backing / 1e6, 1)} MB${mem.worker ? ` (page ${fmt(mem.page.backing / 1e6, 1)} MB, worker ${fmt(mem.worker.backing / 1e6, 1)} MB)` : ''}${mem.worker ? ` (worker JS heap ${fmt(mem.worker.jsHeap / 1e6, 1)} MB, page JS heap ${fmt(mem.page.jsHeap / 1e6, 1)} MB)` : ''}${mem.go ? ` (Go live heap ${fmt(mem.go.heapLive / 1e6, 1)} MB, goal ${fmt(mem.go.heapGoal / 1e6, 1)} MB, mapped ${fmt(mem.go.mapped / 1e6, 1)} MB, ${mem.go.gcCycles} GC cycles)` : ''}` : ''})`);
      }
    }
    const n = meta.n;
    const med = Object.fromEntries(CONTENDERS.map((c) => [c, median(per[c].map((x) => x.eps))]));
    // vsB: each contender's median over B's, under its name (when B ran)
    const vsB = Number.isFinite(med.b) ? Object.fromEntries(CONTENDERS.filter((c) => c !== 'b').map((c) => [c, med[c] / med.b])) : {};
    results.p1[set] = { meta, runs: per, median: med, vsB };
    if (n === 10000 && !SMOKE) {
      results.p4 = {
        rawJSON: meta.listBytes,
        ...Object.fromEntries(
          CONTENDERS.filter((c) => c !== 't').map((c) => [
            c,
            // ratio counts all the tab holds (V8's heaps, the backing stores, the module's memory);
            // ratioHeapAndWasm leaves the backing stores out, as the figures before 2026-12-02 did
            (({ jsHeap, backing, wasm, workerJsHeap }) => ({ jsHeap, backing, wasm, ...(Number.isFinite(workerJsHeap) ? { workerJsHeap } : {}), ratio: (jsHeap + backing + wasm) / meta.listBytes, ratioHeapAndWasm: (jsHeap + wasm) / meta.listBytes }))({ jsHeap: median(per[c].map((x) => x.mem?.jsHeap)), backing: median(per[c].map((x) => x.mem?.backing)), wasm: median(per[c].map((x) => x.mem?.wasm)), workerJsHeap: median(per[c].map((x) => x.mem?.worker?.jsHeap)) }),
          ]),
        ),
      };
    }
  }
}

// ------------------------------------------------------------------ P4 relists
// Wasm memory across forced relists of the held 10,000 pods (the server's
// /ctl/expire: the watch dropped, its resume answered 410 Expired): after
// the first relist and after the last, and their ratio (p4.relists;
// --only p4r runs this part of P4 alone).
const RELISTS = Number(opt('relists', 10));
const RELISTS_N = Number(opt('relists-n', 10000));
if ((ONLY.includes('p4') || ONLY.includes('p4r')) && RELISTS > 0) {
  results.p4.relists = { n: RELISTS_N, relists: RELISTS };
  for (const c of CONTENDERS.filter((x) => pageOf(x).page === 'kubelive')) {
    const per = [];
    for (let r = 0; r < RUNS; r++) {
      await ctl(`/ctl/use?set=n${RELISTS_N}&hold=1`);
      const res = await visit(c, 'relists', `relists=${RELISTS}`);
      if (res.items !== RELISTS_N) throw new Error(`${c} relists: ${res.items} items, want ${RELISTS_N}`);
      per.push({ list: res.wasm[0], first: res.wasm[1], last: res.wasm.at(-1), ms: median(res.ms), ratio: res.wasm.at(-1) / res.wasm[1], wasm: res.wasm, each: res.ms });
      log(`P4 relists n=${RELISTS_N} run ${r + 1}/${RUNS} ${c}: wasm ${fmt(res.wasm[0] / 1e6, 1)} MB after the list, ${fmt(res.wasm[1] / 1e6, 1)} MB after the first relist, ${fmt(res.wasm.at(-1) / 1e6, 1)} MB after ${RELISTS} (${(res.wasm.at(-1) / res.wasm[1]).toFixed(2)}x), a relist ${fmt(median(res.ms))} ms`);
    }
    const m = (k) => median(per.map((x) => x[k]));
    results.p4.relists[c] = { list: m('list'), first: m('first'), last: m('last'), ratio: m('ratio'), relistMs: m('ms'), runs: per };
  }
}

// ------------------------------------------------------------------ P2
const SLOW_MS = 33.4; // two frames
if (ONLY.includes('p2')) {
  const per = Object.fromEntries(CONTENDERS.map((c) => [c, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const c of CONTENDERS) {
      await ctl(`/ctl/use?set=n${LAT_N}&hold=1&rate=${LAT_RATE}&limit=${LAT_EVENTS}`);
      const res = await visit(c, 'latency');
      const { sends, rvs } = await ctl('/ctl/sends');
      const lat = [];
      const slow = []; // send times of the events slower than two frames, in order
      if (c === 't') {
        res.times.forEach((t, i) => lat.push(t - sends[i]));
      } else {
        const calls = res.calls;
        let j = 0;
        for (let i = 0; i < sends.length; i++) {
          const rv = Number(rvs[i]);
          while (j < calls.length && calls[j + 1] < rv) j += 2;
          if (j < calls.length) lat.push(calls[j] - sends[i]);
          if (j < calls.length && calls[j] - sends[i] > SLOW_MS) slow.push(sends[i]);
        }
      }
      // slow spells: slow events sent within 100 ms of the one before count
      // as one (a collection, a busy worker or a loaded machine delays every
      // event sent meanwhile), to compare with the number of collections
      const spells = slow.filter((t, i) => i === 0 || t - slow[i - 1] > 100).length;
      lat.sort((x, y) => x - y);
      const p = { p50: pct(lat, 50), p99: pct(lat, 99), max: lat.at(-1), n: lat.length, slow: slow.length, spells };
      // gc: the module's collections during the stream (a kubelive contender's stats().go, read before and after)
      const [g0, g1] = [res.goBefore, res.goAfter];
      if (g0 && g1) {
        const cycles = g1.gcCycles - g0.gcCycles;
        p.gc = { cycles, cpuMs: g1.gcCpuMs - g0.gcCpuMs, bytesPerEvent: (g1.allocBytes - g0.allocBytes) / sends.length, objectsPerEvent: (g1.allocObjects - g0.allocObjects) / sends.length, heapLive: g1.heapLive, heapGoal: g1.heapGoal };
      }
      per[c].push(p);
      const gc = p.gc ? `; Go: ${p.gc.cycles} GC cycles, ${fmt(p.gc.cpuMs, 1)} ms GC CPU, ${fmt(p.gc.bytesPerEvent)} B and ${fmt(p.gc.objectsPerEvent, 1)} objects allocated per event, live heap ${fmt(p.gc.heapLive / 1e6, 1)} MB` : '';
      log(`P2 run ${r + 1}/${RUNS} ${c}: p50 ${fmt(p.p50, 1)} ms, p99 ${fmt(p.p99, 1)} ms (${p.n} events; ${p.slow} over ${SLOW_MS} ms in ${spells} spells)${gc}`);
    }
  }
  results.p2 = Object.fromEntries(
    CONTENDERS.map((c) => [c, { p50: median(per[c].map((x) => x.p50)), p99: median(per[c].map((x) => x.p99)), runs: per[c] }]),
  );
}

// ------------------------------------------------------------------ P3
if (ONLY.includes('p3') && CONTENDERS.includes('kubelive')) {
  await ctl(`/ctl/use?set=${SETS[0]}`);
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${base}/bench/sockets.html?mux=off`);
  await page.waitForFunction(() => document.title === 'done' || document.title === 'error', null, { timeout: 60000 });
  const res = await page.evaluate(() => window.benchResult ?? { error: window.benchError });
  // Chromium opens one WebSocket handshake per host at a time: wait until
  // the server holds as many watches as the page created (or 20 s).
  let during = await ctl('/ctl/sockets');
  for (let i = 0; i < 200 && during.others < res.browserSockets.live; i++) {
    await new Promise((r) => setTimeout(r, 100));
    during = await ctl('/ctl/sockets');
  }
  await ctx.close();
  if (res.error) throw new Error(`P3: ${res.error}`);
  results.p3 = { 'kubelive per-URL': { lists: res.lists, browser: res.browserSockets.live, server: during.others } };
  log(`P3 per-URL: ${res.lists} lists, ${res.browserSockets.live} browser sockets, ${during.others} at the server`);
}

// ------------------------------------------------------------------ P5
if (ONLY.includes('p5')) {
  const wasmFile = path.join(ROOT, opt('wasm', '/dist/bench/kubelive.wasm').slice(1));
  const raw = statSync(wasmFile).size;
  const gz = statSync(`${wasmFile}.gz`).size;
  // P5 takes a, b, the per-URL kubelive page in the page host (kubelive)
  // and in the SharedWorker host (kubelive-worker: load()'s default in
  // Chromium), and each @other (the module of --other-wasm, and the JS of
  // --other-js) for a before and after in one run.
  const P5_CONTENDERS = CONTENDERS.filter((c) => ['a', 'b', 'kubelive', 'kubelive@other', 'kubelive-worker', 'kubelive-worker@other'].includes(c));
  const loadsOf = () => Object.fromEntries(P5_CONTENDERS.filter((c) => c.startsWith('kubelive')).map((c) => [c, []]));
  let loads = loadsOf();
  results.p5 = { raw, gz, bySet: {} };
  // Cold, on every data set (results.p5.bySet[set]; the first set's also at results.p5's top).
  for (const set of SETS) {
    const per = Object.fromEntries(P5_CONTENDERS.map((c) => [c, []]));
    loads = loadsOf();
    const wasmBytes = Object.fromEntries(Object.keys(loads).map((c) => [c, []])); // wasm memory at the first list
    const rows = Object.fromEntries(Object.keys(loads).map((c) => [c, []])); // navigation -> the first snapshot with rows, any status
    const full = Object.fromEntries(Object.keys(loads).map((c) => [c, []])); // navigation -> the first snapshot with all rows, any status
    // navigation -> the first rendered list with all rows, any status (B: its first rendered list)
    const fullRendered = Object.fromEntries(P5_CONTENDERS.map((c) => [c, []]));
    const lines = Object.fromEntries(P5_CONTENDERS.map((c) => [c, []])); // each run's timeline (ms after navigation, by mark)
    for (let r = 0; r < Math.max(RUNS, 3); r++) {
      // the order rotates per run, as in P1
      for (const c of P5_CONTENDERS.map((_, i, a) => a[(i + r) % a.length])) {
        await ctl(`/ctl/use?set=${set}`);
        const res = await visit(c, 'first');
        per[c].push(res.firstList);
        if (!loads[c]) res.fullRendered = res.firstList;
        if (loads[c]) loads[c].push(res.loaded - res.loadStart);
        if (wasmBytes[c]) wasmBytes[c].push(res.wasmBytes);
        if (rows[c]) rows[c].push(res.rowsAt);
        if (full[c]) full[c].push(res.fullAt);
        if (fullRendered[c]) fullRendered[c].push(res.fullRendered);
        if (res.timeline) lines[c].push(res.timeline);
      }
    }
    const medians = (o) => Object.fromEntries(Object.entries(o).map(([c, xs]) => [c, median(xs)]));
    // timeline: per contender, each mark's median over the runs that have it
    const timeline = Object.fromEntries(P5_CONTENDERS.map((c) => [c, Object.fromEntries([...new Set(lines[c].flatMap((t) => Object.keys(t)))].map((k) => [k, median(lines[c].map((t) => t[k]))]))]));
    // fromScript: per run, from the contender's own script start (its module
    // evaluated: before it, the navigation and the HTML are the same page
    // work for every contender, and the noisiest part on a shared machine)
    // to its whole first list (any status) and to its first rendered list
    const span = (c, k) => median(lines[c].map((t) => t[k] - t.script));
    const fromScript = Object.fromEntries(P5_CONTENDERS.map((c) => [c, { full: span(c, 'full'), rendered: span(c, 'rendered') }]));
    const out = { n: (await ctl('/ctl/meta')).n, first: medians(per), wasmLoad: median(loads.kubelive ?? []), wasmLoadBy: medians(loads), wasmBytesBy: medians(wasmBytes), firstRowsBy: medians(rows), firstFullBy: medians(full), firstFullRenderedBy: medians(fullRendered), timeline, fromScript, runs: lines };
    results.p5.bySet[set] = out;
    if (set === SETS[0]) Object.assign(results.p5, out);
    log(`P5 first list (${set}): ${JSON.stringify(out.first)}; load() ${JSON.stringify(out.wasmLoadBy)} ms; first rows (any status) ${JSON.stringify(out.firstRowsBy)} ms; first snapshot with all rows (any status) ${JSON.stringify(out.firstFullBy)} ms; wasm memory at the first list ${JSON.stringify(out.wasmBytesBy)} bytes`);
    log(`P5 first rendered list with all rows, any status (${set}): ${P5_CONTENDERS.map((c) => `${c} ${fmt(out.firstFullRenderedBy[c])} ms (${ratio(out.firstFullRenderedBy[c], out.firstFullRenderedBy.b)} B)`).join('; ')}`);
    log(`P5 from the contender's script start (${set}), medians per run: ${P5_CONTENDERS.map((c) => `${c}: whole first list ${fmt(fromScript[c].full)} ms (${ratio(fromScript[c].full, fromScript.b?.full)} B), first rendered list ${fmt(fromScript[c].rendered)} ms`).join('; ')}`);
    for (const c of P5_CONTENDERS) log(`P5 timeline (${set}) ${c}: ${Object.entries(timeline[c]).sort((a, b) => a[1] - b[1]).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  }
  loads = loadsOf();
  // --no-p5-warm: the cold start only
  const warmers = flag('no-p5-warm') ? [] : Object.keys(loads);
  if (warmers.length) {
    // Warm: one profile, a cold visit with persist (it writes the list), then
    // a second visit that starts from IndexedDB; LISTs counted at the server.
    const w = Object.fromEntries(warmers.map((c) => [c, { warm: [], afterLoad: [], load: [], lists: [] }]));
    for (let r = 0; r < Math.max(RUNS, 3); r++) {
      for (const c of warmers.map((_, i, a) => a[(i + r) % a.length])) {
        await ctl(`/ctl/use?set=${SETS[0]}`);
        const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        try {
          await visit(c, 'first', 'persist=1', null, ctx);
          const before = (await ctl('/ctl/lists')).lists;
          // --p5-profile: a CPU profile of kubelive's first warm visit (dist/bench/profiles/).
          const profiled = P5_PROFILE && r === 0 && c === 'kubelive';
          const prepare = profiled ? async (cdp) => { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 200 }); await cdp.send('Profiler.start'); } : null;
          const inspect = profiled ? async (_page, cdp) => {
            const { profile } = await cdp.send('Profiler.stop');
            mkdirSync(path.join(OUT, 'profiles'), { recursive: true });
            writeFileSync(path.join(OUT, 'profiles', `p5-warm-${SETS[0]}.cpuprofile`), JSON.stringify(profile));
            results.p5.warmProfile = summarize(profile);
          } : null;
          const res = await visit(c, 'warm', 'persist=1', inspect, ctx, prepare);
          if (res.status !== 'stale') throw new Error(`P5 warm ${c}: the first snapshot was ${res.status}, not stale`);
          w[c].warm.push(res.firstList);
          w[c].afterLoad.push(res.firstList - res.loaded);
          w[c].load.push(res.loaded - res.loadStart);
          log(`P5 warm run ${r + 1} ${c}: load() ${fmt(res.loaded - res.loadStart)} ms, snapshot with rows ${fmt(res.rowsAt - res.loaded)} ms after load(), rendered ${fmt(res.firstList - res.rowsAt)} ms later`);
          w[c].lists.push((await ctl('/ctl/lists')).lists - before);
        } finally {
          await ctx.close();
        }
      }
    }
    results.p5.warmBy = Object.fromEntries(warmers.map((c) => [c, { warm: median(w[c].warm), afterLoad: median(w[c].afterLoad), load: median(w[c].load), lists: Math.max(...w[c].lists) }]));
    const k = results.p5.warmBy.kubelive;
    if (k) {
      results.p5.warm = k.warm;
      results.p5.warmAfterLoad = k.afterLoad;
      results.p5.warmLists = k.lists;
    }
    for (const [c, x] of Object.entries(results.p5.warmBy)) log(`P5 warm (${SETS[0]}) ${c}: first list ${fmt(x.warm)} ms (load() ${fmt(x.load)} ms, ${fmt(x.afterLoad)} ms after load()), LISTs ${x.lists}`);
  }

}

// ------------------------------------------------------------------ P7
// Live views (bench/view.js): P7a one-row update latency (server send ->
// the view's callback, with a filter, a sort and a 50-row window), P7b
// type-to-filter, P7c main-thread busy time per 1,000 events.
if (ONLY.includes('p7')) {
  const P7_SIZES = opt('p7-sizes', '50000,100000').split(',').map(Number);
  const UPDATE_N = Number(opt('p7-update-n', P7_SIZES.at(-1)));
  const EVENTS = Number(opt('p7-events', 2000));
  const RATE = Number(opt('p7-rate', 200));
  const PARTS = opt('p7-parts', 'update,filter').split(',');
  // kubelive-worker: the view page with the client in a SharedWorker (P7a/P7c only: its update() returns once posted);
  // <name>@other: the module of --other-wasm.
  const P7_CONTENDERS = opt('p7-contenders', 'kubelive,b,list,kubelive-worker').split(',');
  const P7_FILTER = opt('p7-filter-contenders', 'kubelive,b').split(',');
  const p7Page = (name) => {
    const [c, tag] = name.split('@');
    if (tag && (tag !== 'other' || !OTHER_WASM)) throw new Error(`${name}: only <name>@other, with --other-wasm`);
    const wasm = tag ? OTHER_WASM : WASM;
    if (c === 'kubelive-worker') return { c: 'kubelive', extra: `&host=shared-worker&wasm=${wasm}` };
    return { c, extra: `&wasm=${wasm}` };
  };
  results.p7 = { update: {}, filter: {}, mainThread: {}, runs: { update: {}, mainThread: {} } };
  const viewPage = async (name, mode, extra, inspect, after) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const { c, extra: which } = p7Page(name);
    try {
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Performance.enable');
      await page.goto(`${base}/bench/view.html?c=${c}&mode=${mode}${which}${extra}`);
      if (inspect) await inspect(page, cdp);
      await page.waitForFunction(() => document.title === 'done' || document.title === 'error', null, { timeout: TIMEOUT, polling: 50 });
      const res = await page.evaluate(() => window.benchResult ?? { error: window.benchError });
      if (res.error) throw new Error(`P7 ${name} ${mode}: ${res.error}`);
      if (after) res.after = await after(page, cdp);
      return res;
    } finally {
      await ctx.close();
    }
  };
  const taskMs = async (cdp) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value * 1000;
  // P7a and P7c: the same paced stream; main-thread time measured from the
  // page holding its list (benchReady) to the end of the run.
  for (const c of PARTS.includes('update') ? P7_CONTENDERS : []) {
    const lat = [];
    const busy = [];
    for (let r = 0; r < RUNS; r++) {
      await ctl(`/ctl/use?set=n${UPDATE_N}&hold=1&rate=${RATE}&limit=${EVENTS}`);
      let t0 = 0;
      let cdpRef;
      const res = await viewPage(c, 'update', '&profile=1', async (page, cdp) => {
        cdpRef = cdp;
        await page.waitForFunction(() => window.benchReady === true || document.title === 'error', null, { timeout: TIMEOUT, polling: 20 });
        t0 = await taskMs(cdp);
        await page.evaluate(() => window.benchProceed?.());
        // Polled every 250 ms: each poll is a task on the page's main thread, counted in P7c.
        await page.waitForFunction(() => document.title === 'done' || document.title === 'error', null, { timeout: TIMEOUT, polling: 250 });
        busy.push(((await taskMs(cdpRef)) - t0) / (EVENTS / 1000));
      });
      const { sends, rvs } = await ctl('/ctl/sends');
      const calls = res.calls;
      const l = [];
      let j = 0;
      for (let i = 0; i < sends.length; i++) {
        const rv = Number(rvs[i]);
        while (j < calls.length && calls[j + 1] < rv) j += 2;
        if (j < calls.length) l.push(calls[j] - sends[i]);
      }
      l.sort((x, y) => x - y);
      lat.push({ p50: pct(l, 50), p99: pct(l, 99), n: l.length });
      log(`P7a n=${UPDATE_N} run ${r + 1}/${RUNS} ${c}: p50 ${fmt(lat.at(-1).p50, 1)} ms, p99 ${fmt(lat.at(-1).p99, 1)} ms; P7c main thread ${fmt(busy.at(-1), 1)} ms per 1,000 events`);
    }
    results.p7.runs.update[c] = lat;
    results.p7.runs.mainThread[c] = busy;
    const summary = { p50: median(lat.map((x) => x.p50)), p99: median(lat.map((x) => x.p99)) };
    if (c === 'kubelive') results.p7.update = { ...summary, n: UPDATE_N };
    else if (c === 'b') results.p7.updateBaseline = summary;
    results.p7.mainThread[c === 'list' ? 'watchList' : c] = median(busy);
  }
  // P7b: type-to-filter, the median over every new text of several rounds,
  // --runs times per contender, the contenders in a rotated order each run
  // (on a loaded machine the load drifts within an invocation); the figure
  // is the median of the runs' medians, every run's kept in runs.filter.
  results.p7.runs.filter = {};
  for (const n of PARTS.includes('filter') ? P7_SIZES : []) {
    const row = {};
    const runs = (results.p7.runs.filter[String(n)] = {});
    for (let r = 0; r < RUNS; r++) {
      for (const c of [...P7_FILTER.slice(r % P7_FILTER.length), ...P7_FILTER.slice(0, r % P7_FILTER.length)]) {
        const use = await ctl(`/ctl/use?set=n${n}&hold=1`);
        // P4 with a view: page + wasm memory after the filter runs, against the raw LIST JSON.
        const res = await viewPage(c, 'filter', '', null, (page, cdp) => memory(page, cdp));
        const mem = res.after;
        results.p7.memory = results.p7.memory ?? {};
        (results.p7.memory[String(n)] ??= { rawJSON: use.meta.listBytes })[c === 'b' ? 'baseline' : c] = { ...mem, ratio: (mem.jsHeap + mem.backing + mem.wasm) / use.meta.listBytes, ratioHeapAndWasm: (mem.jsHeap + mem.wasm) / use.meta.listBytes };
        log(`P4 with a view, n=${n} ${c}: JS heap ${fmt(mem.jsHeap / 1e6, 1)} MB, backing stores ${fmt(mem.backing / 1e6, 1)} MB, wasm ${fmt(mem.wasm / 1e6, 1)} MB, ${((mem.jsHeap + mem.backing + mem.wasm) / use.meta.listBytes).toFixed(2)}x the raw LIST (${((mem.jsHeap + mem.wasm) / use.meta.listBytes).toFixed(2)}x without the backing stores)`);
        const run = { ms: median(res.times.map((t) => t.ms[0])), callback: median(res.times.map((t) => t.ms[1])), texts: res.times.map((t) => [t.text, t.ms[0]]) };
        (runs[c] ??= []).push(run);
        log(`P7b n=${n} run ${r + 1}/${RUNS} ${c}: ${fmt(run.ms, 1)} ms to the new window${c.startsWith('kubelive') ? ` (${fmt(run.callback, 1)} ms to the callback, on the next frame)` : ''}`);
      }
    }
    for (const c of P7_FILTER) {
      row[c] = median(runs[c].map((x) => x.ms));
      if (c === 'kubelive') row.kubeliveCallback = median(runs[c].map((x) => x.callback));
      log(`P7b n=${n} ${c}: median of ${RUNS} runs ${fmt(row[c], 1)} ms (runs ${runs[c].map((x) => fmt(x.ms, 1)).join(', ')})`);
    }
    results.p7.filter[String(n)] = { kubelive: row.kubelive, baseline: row.b, kubeliveCallback: row.kubeliveCallback };
    for (const c of P7_FILTER.filter((x) => !['kubelive', 'b'].includes(x))) results.p7.filter[String(n)][c] = row[c];
  }
}

// ------------------------------------------------------------------ P6
// The page's main-thread cost of the stream: CDP Performance.getMetrics
// TaskDuration (the renderer main thread's task time; a worker's threads are
// not in it) from the moment the page holds its list to the moment its
// subscriber saw the final state, per 1,000 events, and the frames the page
// rendered per second meanwhile. The window is the stream's, alike for every
// contender: the page's check of every item against final.json comes after
// it (?holdcheck=1: verify waits for the driver), not inside it.
const P6_CONTENDERS = opt('p6-contenders', 'b,kubelive,kubelive-worker').split(',');
if (ONLY.includes('p6')) {
  for (const set of SETS) {
    const per = Object.fromEntries(P6_CONTENDERS.map((c) => [c, []]));
    let meta;
    for (let r = 0; r < RUNS; r++) {
      for (const c of P6_CONTENDERS) {
        const use = await ctl(`/ctl/use?set=${set}&hold=1`);
        meta = use.meta;
        const m = await visitMainThread(c);
        const x = { msPer1000: (m.busyMs / use.events) * 1000, fps: m.fps, busyMs: m.busyMs, streamMs: m.streamMs, batches: m.batches, applies: m.applies };
        per[c].push(x);
        const counts = m.applies === undefined ? '' : `, ${m.batches} list batches in ${m.applies} applies (${fmt(m.busyMs / m.applies, 2)} ms per apply)`;
        log(`P6 n=${meta.n} run ${r + 1}/${RUNS} ${c}: main thread ${fmt(x.msPer1000, 1)} ms per 1,000 events (${fmt(m.busyMs)} ms over ${fmt(m.streamMs)} ms), ${fmt(m.fps, 1)} frames/s${counts}`);
      }
    }
    results.p6[meta.n] = Object.fromEntries(
      P6_CONTENDERS.map((c) => [c, { msPer1000: median(per[c].map((x) => x.msPer1000)), fps: median(per[c].map((x) => x.fps)), runs: per[c] }]),
    );
  }
}

// ------------------------------------------------------------------ P8
// Tabs sharing one client: P8_PAGES pages of one browser context (one
// origin, the same configuration) each watch the same 3 lists in the
// SharedWorker host, in each mode (the first page alone, the others at once). Read at the server: the WebSockets open
// once every page is live and settled, and the LISTs made (of any path);
// in the worker (CDP on its target): its JS heap after a forced GC, plus the
// module's linear memory (stats().wasmBytes). memoryRatio is that total for
// P8_PAGES pages over the total for 1 page, each in a fresh context (a
// fresh worker); the median over the runs.
const P8_SET = opt('p8-set', SMOKE ? 'smoke' : 'n10000');
const P8_PAGES = Number(opt('p8-pages', 10));
const P8_MODES = { mux: 'on', perURL: 'off' };
const P8_TARGET = { mux: 1, perURL: 3 }; // sockets; LISTs: 3 in both
if (ONLY.includes('p8')) {
  const per = Object.fromEntries(Object.keys(P8_MODES).map((m) => [m, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const [m, mux] of Object.entries(P8_MODES)) {
      const one = await visitTabs(mux, 1);
      const many = await visitTabs(mux, P8_PAGES);
      const x = { one, many, memoryRatio: many.total / one.total };
      per[m].push(x);
      log(`P8 run ${r + 1}/${RUNS} ${m}: ${P8_PAGES} pages: ${many.sockets} sockets, ${many.lists} LISTs at the server; worker ${fmt(many.total / 1e6, 1)} MB (JS ${fmt(many.jsHeap / 1e6, 1)} + wasm ${fmt(many.wasm / 1e6, 1)}) vs 1 page ${fmt(one.total / 1e6, 1)} MB (${one.sockets} sockets, ${one.lists} LISTs): ${x.memoryRatio.toFixed(2)}x`);
      if (SMOKE && (many.sockets !== P8_TARGET[m] || many.lists !== 3)) throw new Error(`P8 ${m}: ${P8_PAGES} pages made ${many.sockets} sockets and ${many.lists} LISTs at the server, not ${P8_TARGET[m]} and 3`);
    }
  }
  const pick = (m, f) => median(per[m].map(f));
  const modes = Object.keys(P8_MODES);
  results.p8 = {
    set: P8_SET,
    pages: P8_PAGES,
    sockets: Object.fromEntries(modes.map((m) => [m, pick(m, (x) => x.many.sockets)])),
    lists: Object.fromEntries(modes.map((m) => [m, pick(m, (x) => x.many.lists)])),
    memoryRatio: Object.fromEntries(modes.map((m) => [m, pick(m, (x) => x.memoryRatio)])),
    runs: per,
  };
}

/**
 * visitTabs opens k pages of bench/tabs.html in one fresh context, waits
 * until every page's 3 lists are live, and reads the server's counts and the
 * SharedWorker's memory.
 */
async function visitTabs(mux, k) {
  const { n } = (await ctl(`/ctl/use?set=${P8_SET}&hold=1`)).meta;
  await settle(() => ctl('/ctl/sockets').then((x) => x.live), (n) => n === 0, 'the sockets of the last visit to close');
  const lists0 = (await ctl('/ctl/lists')).all;
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const tab = async (i) => {
      const page = await ctx.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/bench/tabs.html?mux=${mux}&wasm=${WASM}`);
      await page.waitForFunction(() => document.title === 'done' || document.title === 'error', null, { timeout: TIMEOUT, polling: 50 });
      const res = await page.evaluate(() => window.benchResult ?? { error: window.benchError });
      if (res.error || errors.length) throw new Error(`P8 page ${i + 1}: ${res.error ?? errors[0]}`);
      if (res.host !== 'shared-worker') throw new Error(`P8 page ${i + 1}: the client ran in ${res.host}, not a shared worker`);
      if (res.items.join() !== [n, 0, 0].join()) throw new Error(`P8 page ${i + 1}: the lists hold ${res.items.join(', ')} pods, not ${n}, 0, 0`);
      return page;
    };
    // The first page starts the worker; the others join it at once, as restored tabs do.
    const pages = [await tab(0)];
    pages.push(...(await Promise.all(Array.from({ length: k - 1 }, (_, i) => tab(i + 1)))));
    // Sockets open after their LISTs: read once the count has held for 1 s.
    const sockets = await settle(() => ctl('/ctl/sockets').then((x) => x.live), null, 'the server sockets to settle');
    const lists = (await ctl('/ctl/lists')).all - lists0;
    const wasm = await pages[0].evaluate(async () => {
      const t = Date.now();
      const deadline = t + 10000;
      window.kl.stats(); // asks the worker for a report newer than t
      while (!(window.kl.stats().reportedAt >= t)) {
        if (Date.now() > deadline) throw new Error('the worker sent no stats');
        await new Promise((r) => setTimeout(r, 20));
      }
      return window.kl.stats().wasmBytes;
    });
    const jsHeap = (await sharedWorkerHeap()).usedSize;
    return { sockets, lists, jsHeap, wasm, total: jsHeap + wasm };
  } finally {
    await ctx.close();
  }
}

/**
 * settle polls read() every 200 ms until ok(value) (or, without ok, until
 * the value held for 1 s), within 20 s, and returns the value.
 */
async function settle(read, ok, what) {
  const deadline = Date.now() + 20000;
  let last = await read();
  let since = Date.now();
  for (;;) {
    if (ok ? ok(last) : Date.now() - since >= 1000) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last ${last})`);
    await new Promise((r) => setTimeout(r, 200));
    const v = await read();
    if (v !== last) since = Date.now();
    last = v;
  }
}

/**
 * sharedWorkerHeap is Runtime.getHeapUsage of this server's one SharedWorker
 * (within the browser context contextId when given) after a forced GC (CDP
 * on its target).
 */
async function sharedWorkerHeap(contextId) {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = await cdp.send('Target.getTargets');
    const workers = targetInfos.filter((x) => x.type === 'shared_worker' && x.url.startsWith(base) && (!contextId || x.browserContextId === contextId));
    if (workers.length !== 1) throw new Error(`${workers.length} shared workers, not 1: ${JSON.stringify(workers.map((x) => x.url))}`);
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: workers[0].targetId, flatten: false });
    const waiting = new Map();
    const listeners = new Map(); // the target's events, by method
    let seq = 0;
    cdp.on('Target.receivedMessageFromTarget', (e) => {
      if (e.sessionId !== sessionId) return;
      const m = JSON.parse(e.message);
      if (m.method) listeners.get(m.method)?.(m.params);
      else waiting.get(m.id)?.(m);
    });
    const send = (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = ++seq;
        waiting.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
        cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
      });
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    const heap = await send('Runtime.getHeapUsage');
    if (P4_SNAPSHOT) {
      const text = await heapsummary.take(send, (ev, f) => listeners.set(ev, f), (ev) => listeners.delete(ev));
      log(`P4 worker (backingStorageSize ${fmt(heap.backingStorageSize / 1e6, 1)} MB):\n${heapsummary.report(heapsummary.summarise(text)).join('\n')}`);
    }
    await cdp.send('Target.detachFromTarget', { sessionId });
    return heap;
  } finally {
    await cdp.detach();
  }
}

async function visitMainThread(name) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const pg = pageOf(name);
    await page.goto(`${base}/bench/${pg.page}.html?mode=throughput&profile=1&holdcheck=1&${pg.query}`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: TIMEOUT, polling: 20 });
    const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value * 1000;
    // Frames are counted until the final state is seen (window.benchSeen).
    await page.evaluate(() => {
      window.benchFrames = 0;
      const tick = () => {
        if (window.benchSeen !== undefined || document.title === 'error') return;
        window.benchFrames++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    // A worker host's list batches and applies (stats().pageBatches) are read outside the window.
    const batches = () => page.evaluate(() => window.kl?.stats?.().pageBatches ?? null);
    const b0 = await batches();
    const t0 = await task();
    const start = await page.evaluate(() => ({ at: performance.now(), frames: window.benchFrames }));
    await page.evaluate(() => window.benchProceed());
    await page.waitForFunction(() => window.benchSeen !== undefined || document.title === 'error', null, { timeout: TIMEOUT, polling: 50 });
    const t1 = await task();
    const end = await page.evaluate(() => ({ at: window.benchSeen, frames: window.benchFrames }));
    const b1 = await batches();
    // Then the page checks every item (outside the window) and publishes its result.
    await page.evaluate(() => window.benchCheck?.());
    await page.waitForFunction(() => document.title === 'done' || document.title === 'error', null, { timeout: TIMEOUT, polling: 50 });
    const res = await page.evaluate(() => window.benchResult ?? { error: window.benchError });
    if (res.error) throw new Error(`${name}: ${res.error}`);
    if (res.ok === false) throw new Error(`${name}: final state wrong: ${JSON.stringify({ bad: res.bad, got: res.got, expected: res.expected })}`);
    if (pg.page === 'kubelive') checkRun(name, await freshStats(page));
    const streamMs = end.at - start.at;
    const counts = b0 && b1 ? { batches: b1.received - b0.received, applies: b1.applies - b0.applies } : {};
    return { busyMs: t1 - t0, streamMs, fps: ((end.frames - start.frames) * 1000) / streamMs, ...counts };
  } finally {
    await ctx.close();
  }
}

// ------------------------------------------------------------------ profiles
if (PROFILE) {
  mkdirSync(path.join(OUT, 'profiles'), { recursive: true });
  for (const c of PROFILE_CONTENDERS) {
    await ctl(PROFILE_LATENCY ? `/ctl/use?set=n${LAT_N}&hold=1&rate=${LAT_RATE}&limit=${LAT_EVENTS}` : `/ctl/use?set=${PROFILE_SET}&hold=1`);
    let profile;
    let worker;
    const { eventsPerSec: ctxRes, notifications, pageBatches } = await visitProfiled(c, (p, w) => ((profile = p), (worker = w)));
    const set = PROFILE_LATENCY ? `latency-n${LAT_N}` : PROFILE_SET;
    const file = path.join(OUT, 'profiles', `${c}-${set}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    results.profiles[c] = { file: path.relative(ROOT, file), top: summarize(profile), eventsPerSec: ctxRes, notifications, pageBatches };
    if (worker) {
      // a worker host: the SharedWorker's own thread, where the client runs
      const wf = path.join(OUT, 'profiles', `${c}-worker-${set}.cpuprofile`);
      writeFileSync(wf, JSON.stringify(worker));
      results.profiles[`${c} (its SharedWorker)`] = { file: path.relative(ROOT, wf), top: summarize(worker), eventsPerSec: ctxRes };
    }
  }
}

/**
 * workerProfiler attaches to the SharedWorker a page started (a target not
 * in before, the targets seen before the page loaded) over a browser CDP
 * session and returns start() and stop() of its CPU profiler; null if the
 * page started none.
 */
async function workerProfiler(before) {
  const bs = await browser.newBrowserCDPSession();
  const { targetInfos } = await bs.send('Target.getTargets');
  const t = targetInfos.find((x) => x.type === 'shared_worker' && !before.has(x.targetId));
  if (!t) {
    await bs.detach();
    return null;
  }
  // Not flattened: playwright's session carries the worker's messages as events.
  const { sessionId } = await bs.send('Target.attachToTarget', { targetId: t.targetId, flatten: false });
  const waiting = new Map();
  let seq = 0;
  bs.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    const done = waiting.get(m.id);
    if (!done) return;
    waiting.delete(m.id);
    done(m);
  });
  const call = async (method, params = {}) => {
    const id = ++seq;
    const answer = new Promise((r) => waiting.set(id, r));
    await bs.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    const m = await answer;
    if (m.error) throw new Error(`the worker's ${method}: ${m.error.message}`);
    return m.result;
  };
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 200 });
  return {
    start: () => call('Profiler.start'),
    stop: async () => {
      const { profile } = await call('Profiler.stop');
      await bs.detach();
      return profile;
    },
  };
}

async function visitProfiled(name, keep) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  // The page holds its list and waits; the profile covers the stream only.
  const pg = pageOf(name);
  const query = pg.page === 'kubelive' && PROFILE_WASM ? pg.query.replace(/wasm=[^&]*/, `wasm=${encodeURIComponent(PROFILE_WASM)}`) : pg.query;
  const bs = await browser.newBrowserCDPSession();
  const before = new Set((await bs.send('Target.getTargets')).targetInfos.map((x) => x.targetId));
  await bs.detach();
  await page.goto(`${base}/bench/${pg.page}.html?mode=${PROFILE_LATENCY ? 'latency' : 'throughput'}&profile=1&${query}`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: TIMEOUT, polling: 20 });
  const worker = pg.query.includes('host=shared-worker') ? await workerProfiler(before) : null;
  if (pg.query.includes('host=shared-worker') && !worker) throw new Error(`${name}: no SharedWorker to profile`);
  await worker?.start();
  await cdp.send('Profiler.start');
  await page.evaluate(() => window.benchProceed());
  await page.waitForFunction(() => document.title === 'done' || document.title === 'error', null, { timeout: TIMEOUT, polling: 50 });
  const { profile } = await cdp.send('Profiler.stop');
  const workerProfile = await worker?.stop();
  const res = await page.evaluate(() => window.benchResult ?? { error: window.benchError });
  await ctx.close();
  if (res.error) throw new Error(res.error);
  keep(profile, workerProfile);
  const { sends } = await ctl('/ctl/sends');
  // notifications: snapshots the subscriber heard; pageBatches: a worker host's list batches and applies (the page's whole life)
  return { eventsPerSec: sends.length / ((res.done - sends[0]) / 1000), notifications: res.notifications, pageBatches: res.stats?.pageBatches };
}

/** summarize returns the top self-time functions of a CDP profile. */
function summarize(profile) {
  const dt = new Map();
  const { samples, timeDeltas, nodes } = profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const d = timeDeltas[i] ?? 0;
    total += d;
    const n = byId.get(samples[i]);
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? path.basename(f.url) : ''}`.trim();
    dt.set(key, (dt.get(key) ?? 0) + d);
  }
  const top = [...dt.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([fn, us]) => ({ fn, ms: us / 1000, share: us / total }));
  // Where the time went, by kind of code.
  const kinds = {};
  for (let i = 0; i < samples.length; i++) {
    const f = byId.get(samples[i]).callFrame;
    const u = f.url || '';
    const k = u.endsWith('.wasm')
      ? 'Go (wasm)'
      : u.endsWith('wasm_exec.js')
        ? 'wasm_exec.js (syscall/js glue)'
        : ['(idle)', '(program)', '(garbage collector)'].includes(f.functionName)
          ? f.functionName
          : u === '' ? 'JS without a URL (shim.js, lists.js, builtins)' : `JS ${path.basename(u)}`;
    kinds[k] = (kinds[k] ?? 0) + (timeDeltas[i] ?? 0);
  }
  return { top, kinds: Object.entries(kinds).sort((a, b) => b[1] - a[1]).map(([k, us]) => ({ k, ms: us / 1000, share: us / total })) };
}

await browser.close();
server.stop();

// ------------------------------------------------------------------ report
const out = [];
const p = (s = '') => out.push(s);
if (Object.keys(results.p1).length) {
  p(`### P1: events/s until the final state (median of ${RUNS}; higher is better)`);
  p();
  const mx = CONTENDERS.includes('kubelive-mux');
  // <name>/B for every other kubelive contender: mux-json, the worker hosts, and each @other
  const js = CONTENDERS.filter((c) => c.startsWith('kubelive') && !['kubelive', 'kubelive-mux'].includes(c));
  const jsHead = js.map((c) => ` ${c.replace('kubelive-', '')}/B |`).join('');
  p(`| N | events | ${CONTENDERS.join(' | ')} | kubelive/T | kubelive/A | kubelive/B |${mx ? ' mux/T | mux/A | mux/B |' : ''}${jsHead}`);
  p(`| ---: | ---: | ${CONTENDERS.map(() => '---:').join(' | ')} | ---: | ---: | ---: |${mx ? ' ---: | ---: | ---: |' : ''}${js.map(() => ' ---: |').join('')}`);
  for (const r of Object.values(results.p1)) {
    const n = r.meta.n;
    const m = r.median;
    const k = m['kubelive-mux'];
    p(`| ${fmt(Number(n))} | ${fmt(r.meta.events)} | ${CONTENDERS.map((c) => fmt(m[c])).join(' | ')} | ${ratio(m.kubelive, m.t)} | ${ratio(m.kubelive, m.a)} | ${ratio(m.kubelive, m.b)} |${mx ? ` ${ratio(k, m.t)} | ${ratio(k, m.a)} | ${ratio(k, m.b)} |` : ''}${js.map((c) => ` ${ratio(m[c], m.b)} |`).join('')}`);
  }
  p();
}
if (Object.keys(results.p2).length) {
  p(`### P2: latency, server send -> subscriber callback, ${fmt(LAT_EVENTS)} events at ${fmt(LAT_RATE)}/s into ${fmt(LAT_N)} pods (ms, median of ${RUNS})`);
  p();
  p('| contender | p50 | p99 |');
  p('| --- | ---: | ---: |');
  for (const [c, r] of Object.entries(results.p2)) p(`| ${c} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} |`);
  p();
}
if (Object.keys(results.p3).length) {
  p('### P3: sockets for 3 clusters x 10 namespaces x 3 resources');
  p();
  p('| mode | lists | browser sockets (kl.stats) | sockets at the server |');
  p('| --- | ---: | ---: | ---: |');
  for (const [m, r] of Object.entries(results.p3)) p(`| ${m} | ${r.lists} | ${r.browser} | ${r.server} |`);
  p();
}
if (results.p4.rawJSON) {
  p(`### P4: memory at 10,000 pods after the stream (raw LIST JSON ${fmt(results.p4.rawJSON / 1e6, 1)} MB)`);
  p();
  p('| contender | JS heap MB (page + worker) | backing stores MB (ArrayBuffers, external strings) | wasm memory MB | total / raw JSON | without the backing stores |');
  p('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const c of CONTENDERS.filter((x) => x !== 't')) {
    const m = results.p4[c];
    if (!m) continue;
    p(`| ${c} | ${fmt(m.jsHeap / 1e6, 1)} | ${fmt(m.backing / 1e6, 1)} | ${fmt(m.wasm / 1e6, 1)} | ${m.ratio.toFixed(2)}x | ${m.ratioHeapAndWasm.toFixed(2)}x |`);
  }
  p();
}
if (results.p4.relists) {
  const rl = results.p4.relists;
  p(`### P4: wasm memory across ${rl.relists} forced relists of ${fmt(rl.n)} pods (target: last <= 1.25x first)`);
  p();
  p('| contender | after the list MB | after the first relist MB | after the last MB | last / first | one relist ms |');
  p('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [c, m] of Object.entries(rl)) {
    if (typeof m !== 'object') continue;
    p(`| ${c} | ${fmt(m.list / 1e6, 1)} | ${fmt(m.first / 1e6, 1)} | ${fmt(m.last / 1e6, 1)} | ${m.ratio.toFixed(2)}x | ${fmt(m.relistMs)} |`);
  }
  p();
}
if (results.p5.raw) {
  const r = results.p5;
  p('### P5: size and first list');
  p();
  p(`kubelive.wasm: ${fmt(r.raw)} bytes raw, ${fmt(r.gz)} bytes gzipped (-9). load() (fetch gzipped + instantiate + Go start): ${fmt(r.wasmLoad)} ms.`);
  p();
  p(`| contender | navigation -> first rendered list of ${fmt(r.n)} pods (ms) |`);
  p('| --- | ---: |');
  for (const [c, v] of Object.entries(r.first)) p(`| ${c} | ${fmt(v)} |`);
  for (const [c, x] of Object.entries(r.warmBy ?? {})) p(`| ${c} warm (persist, from IndexedDB; load() ${fmt(x.load)} ms, then ${fmt(x.afterLoad)} ms; ${x.lists} LISTs at the server) | ${fmt(x.warm)} |`);
  p();
}
if (results.p7) {
  const r = results.p7;
  p(`### P7: live views (filter, sort by resourceVersion, 50-row window; median of ${RUNS})`);
  p();
  if (r.update.n) p(`P7a one-row update, server send -> view callback at ${fmt(r.update.n)} pods: kubelive p50 ${fmt(r.update.p50, 1)} ms, p99 ${fmt(r.update.p99, 1)} ms; baseline (B + filter and sort of the whole array per frame) p50 ${fmt(r.updateBaseline?.p50, 1)} ms, p99 ${fmt(r.updateBaseline?.p99, 1)} ms.`);
  p();
  if (r.update.n) p(`P7c main-thread busy time per 1,000 events: kubelive ${fmt(r.mainThread.kubelive, 1)} ms, baseline ${fmt(r.mainThread.b, 1)} ms (${ratio(r.mainThread.kubelive, r.mainThread.b)}); kubelive watchList without a view, for reference, ${fmt(r.mainThread.watchList, 1)} ms.${r.mainThread['kubelive-worker'] !== undefined ? ` kubelive-worker (the view in a SharedWorker) ${fmt(r.mainThread['kubelive-worker'], 1)} ms (${ratio(r.mainThread['kubelive-worker'], r.mainThread.b)}).` : ''}`);
  p();
  p('| N | P7b kubelive: new where.text -> new window (ms) | ... -> callback (next frame) | baseline: filter + sort + slice (ms) | baseline / kubelive |');
  p('| ---: | ---: | ---: | ---: | ---: |');
  for (const [n, f] of Object.entries(r.filter)) p(`| ${fmt(Number(n))} | ${fmt(f.kubelive, 1)} | ${fmt(f.kubeliveCallback, 1)} | ${fmt(f.baseline, 1)} | ${ratio(f.baseline, f.kubelive)} |`);
  p();
  if (r.memory) {
    p('| N | raw LIST MB | kubelive JS heap + backing stores + wasm MB (x raw) | baseline, the same MB (x raw) |');
    p('| ---: | ---: | ---: | ---: |');
    for (const [n, m] of Object.entries(r.memory)) {
      p(`| ${fmt(Number(n))} | ${fmt(m.rawJSON / 1e6, 1)} | ${fmt((m.kubelive.jsHeap + m.kubelive.backing + m.kubelive.wasm) / 1e6, 1)} (${m.kubelive.ratio.toFixed(2)}x) | ${fmt((m.baseline.jsHeap + m.baseline.backing + m.baseline.wasm) / 1e6, 1)} (${m.baseline.ratio.toFixed(2)}x) |`);
    }
    p();
  }
}
if (Object.keys(results.p6).length) {
  p(`### P6: the page's main thread during the stream (CDP TaskDuration per 1,000 events; frames/s; median of ${RUNS})`);
  p();
  p(`| N | ${P6_CONTENDERS.map((c) => `${c} ms/1,000 | ${c} fps`).join(' | ')} | worker/B |`);
  p(`| ---: | ${P6_CONTENDERS.map(() => '---: | ---:').join(' | ')} | ---: |`);
  for (const [n, r] of Object.entries(results.p6)) {
    p(`| ${fmt(Number(n))} | ${P6_CONTENDERS.map((c) => `${fmt(r[c]?.msPer1000, 1)} | ${fmt(r[c]?.fps, 1)}`).join(' | ')} | ${ratio(r['kubelive-worker']?.msPer1000, r.b?.msPer1000)} |`);
  }
  p();
}
if (results.p8) {
  const r = results.p8;
  p(`### P8: ${r.pages} tabs on the same 3 lists in one SharedWorker (${r.set}; median of ${RUNS})`);
  p();
  p('| mode | sockets at the server (target) | LISTs at the server (target 3) | worker memory, N tabs / 1 tab (target <= 1.2x) |');
  p('| --- | ---: | ---: | ---: |');
  for (const m of Object.keys(P8_MODES)) p(`| ${m === 'mux' ? 'multiplexer' : 'per-URL'} | ${r.sockets[m]} (${P8_TARGET[m]}) | ${r.lists[m]} | ${r.memoryRatio[m].toFixed(2)}x |`);
  p();
}
for (const [c, prof] of Object.entries(results.profiles)) {
  const heard = prof.notifications === undefined ? '' : `, ${fmt(prof.notifications)} snapshots heard${prof.pageBatches ? ` (list batches ${fmt(prof.pageBatches.received)}, applies ${fmt(prof.pageBatches.applies)}, the page's whole life)` : ''}`;
  p(`### Profile: ${c} on ${PROFILE_SET} (${fmt(prof.eventsPerSec)} events/s under the profiler${heard}), top self time`);
  p();
  p('| function | ms | share |');
  p('| --- | ---: | ---: |');
  for (const t of prof.top.top.slice(0, 15)) p(`| \`${t.fn}\` | ${fmt(t.ms)} | ${(t.share * 100).toFixed(1)}% |`);
  p();
  p('| kind of code | ms | share |');
  p('| --- | ---: | ---: |');
  for (const t of prof.top.kinds) p(`| ${t.k} | ${fmt(t.ms)} | ${(t.share * 100).toFixed(1)}% |`);
  p();
}
console.log(out.join('\n'));
mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 1));
