// The benchmark driver (BENCHMARKS.md): one Chromium (playwright-core,
// Debian's /usr/bin/chromium, the e2e flags), one native benchserver, the
// same recorded stream for every contender, medians of several runs.
//
//   node bench/run.mjs [--smoke] [--runs N] [--sizes 1000,10000,50000]
//                      [--contenders t,a,b,kubelive] [--profile] [--only p1,p2,p3,p4,p5]
//                      [--wasm /dist/bench/kubelive.wasm] [--latency-n 10000] [--latency-events 3000]
//
// The data sets must exist in dist/bench/n<N> (scripts/bench.sh makes them)
// and .bin/benchserver must be built. Prints a Markdown report and writes
// dist/bench/results.json (and dist/bench/profiles/ with --profile).
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, launch, start } from '../e2e/lib.mjs';

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
};
const ONLY = opt('only', SMOKE ? 'p1' : 'p1,p2,p3,p4,p5').split(',');
const PROFILE = flag('profile');
// A kubelive.wasm with its name section (not built with -s -w), so that the profile names Go functions.
const PROFILE_WASM = opt('profile-wasm', '');
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
const results = { machine: {}, p1: {}, p2: {}, p3: {}, p4: {}, p5: {}, profiles: {} };

/**
 * visit opens a fresh context and page, runs one contender in one mode and
 * returns its result; inspect(page, cdp, res) runs before the page closes.
 */
async function visit(name, mode, extra = '', inspect, shared) {
  const { page: file, query } = PAGES[name];
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
    await page.goto(`${base}/bench/${file}.html?${q}`);
    await page.waitForFunction(() => document.title === 'done' || document.title === 'error', null, { timeout: TIMEOUT, polling: 50 });
    const res = await page.evaluate(() => window.benchResult ?? { error: window.benchError });
    if (res.error) throw new Error(`${name}: ${res.error}`);
    if (errors.length) log(`${name} ${mode}: page errors:`, errors.slice(0, 3).join(' | '));
    if (inspect) await inspect(page, cdp, res);
    return res;
  } finally {
    if (shared) await page.close();
    else await ctx.close();
  }
}

async function memory(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const wasm = await page.evaluate(() => (window.benchWasmBytes ? window.benchWasmBytes() : 0));
  return { jsHeap: heap.usedSize, jsHeapTotal: heap.totalSize, wasm };
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
        log(`P1 n=${n} run ${r + 1}/${RUNS} ${c}: ${fmt(eps)} events/s (${res.notifications ?? res.frames} notifications${mem ? `, heap ${fmt(mem.jsHeap / 1e6, 1)} MB, wasm ${fmt(mem.wasm / 1e6, 1)} MB` : ''})`);
      }
    }
    const n = meta.n;
    results.p1[set] = { meta, runs: per, median: Object.fromEntries(CONTENDERS.map((c) => [c, median(per[c].map((x) => x.eps))])) };
    if (n === 10000 && !SMOKE) {
      results.p4 = {
        rawJSON: meta.listBytes,
        ...Object.fromEntries(
          CONTENDERS.filter((c) => c !== 't').map((c) => [
            c,
            (({ jsHeap, wasm }) => ({ jsHeap, wasm, ratio: (jsHeap + wasm) / meta.listBytes }))({ jsHeap: median(per[c].map((x) => x.mem?.jsHeap)), wasm: median(per[c].map((x) => x.mem?.wasm)) }),
          ]),
        ),
      };
    }
  }
}

// ------------------------------------------------------------------ P2
if (ONLY.includes('p2')) {
  const per = Object.fromEntries(CONTENDERS.map((c) => [c, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const c of CONTENDERS) {
      await ctl(`/ctl/use?set=n${LAT_N}&hold=1&rate=${LAT_RATE}&limit=${LAT_EVENTS}`);
      const res = await visit(c, 'latency');
      const { sends, rvs } = await ctl('/ctl/sends');
      const lat = [];
      if (c === 't') {
        res.times.forEach((t, i) => lat.push(t - sends[i]));
      } else {
        const calls = res.calls;
        let j = 0;
        for (let i = 0; i < sends.length; i++) {
          const rv = Number(rvs[i]);
          while (j < calls.length && calls[j + 1] < rv) j += 2;
          if (j < calls.length) lat.push(calls[j] - sends[i]);
        }
      }
      lat.sort((x, y) => x - y);
      const p = { p50: pct(lat, 50), p99: pct(lat, 99), max: lat.at(-1), n: lat.length };
      per[c].push(p);
      log(`P2 run ${r + 1}/${RUNS} ${c}: p50 ${fmt(p.p50, 1)} ms, p99 ${fmt(p.p99, 1)} ms (${p.n} events)`);
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
  const per = { kubelive: [], b: [], a: [] };
  let loads = [];
  for (let r = 0; r < Math.max(RUNS, 3); r++) {
    for (const c of Object.keys(per).filter((x) => CONTENDERS.includes(x))) {
      await ctl(`/ctl/use?set=${SETS[0]}`);
      const res = await visit(c, 'first');
      per[c].push(res.firstList);
      if (c === 'kubelive') loads.push(res.loaded - res.loadStart);
    }
  }
  results.p5 = { raw, gz, n: (await ctl('/ctl/meta')).n, first: Object.fromEntries(Object.entries(per).map(([c, xs]) => [c, median(xs)])), wasmLoad: median(loads) };
  log(`P5 first list (${SETS[0]}): ${JSON.stringify(results.p5.first)}; load() ${fmt(results.p5.wasmLoad)} ms`);
  if (CONTENDERS.includes('kubelive')) {
    // Warm: one profile, a cold visit with persist (it writes the list), then
    // a second visit that starts from IndexedDB; LISTs counted at the server.
    const warm = [];
    const afterLoad = [];
    const warmLists = [];
    for (let r = 0; r < Math.max(RUNS, 3); r++) {
      await ctl(`/ctl/use?set=${SETS[0]}`);
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        await visit('kubelive', 'first', 'persist=1', null, ctx);
        const before = (await ctl('/ctl/lists')).lists;
        const res = await visit('kubelive', 'warm', 'persist=1', null, ctx);
        if (res.status !== 'stale') throw new Error(`P5 warm: the first snapshot was ${res.status}, not stale`);
        warm.push(res.firstList);
        afterLoad.push(res.firstList - res.loaded);
        log(`P5 warm run ${r + 1}: load() ${fmt(res.loaded - res.loadStart)} ms, snapshot with rows ${fmt(res.rowsAt - res.loaded)} ms after load(), rendered ${fmt(res.firstList - res.rowsAt)} ms later`);
        warmLists.push((await ctl('/ctl/lists')).lists - before);
      } finally {
        await ctx.close();
      }
    }
    results.p5.warm = median(warm);
    results.p5.warmAfterLoad = median(afterLoad);
    results.p5.warmLists = Math.max(...warmLists);
    log(`P5 warm (${SETS[0]}): first list ${fmt(results.p5.warm)} ms (${fmt(results.p5.warmAfterLoad)} ms after load()), LISTs ${results.p5.warmLists}`);
  }
}

// ------------------------------------------------------------------ profiles
if (PROFILE) {
  mkdirSync(path.join(OUT, 'profiles'), { recursive: true });
  for (const c of ['kubelive', 'b']) {
    await ctl(`/ctl/use?set=n10000&hold=1`);
    let profile;
    const ctxRes = await visitProfiled(c, (p) => (profile = p));
    const file = path.join(OUT, 'profiles', `${c}-n10000.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    results.profiles[c] = { file: path.relative(ROOT, file), top: summarize(profile), eventsPerSec: ctxRes };
  }
}

async function visitProfiled(name, keep) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  // The page holds its list and waits; the profile covers the stream only.
  const query = name === 'kubelive' && PROFILE_WASM ? `mux=off&wasm=${encodeURIComponent(PROFILE_WASM)}` : PAGES[name].query;
  await page.goto(`${base}/bench/${PAGES[name].page}.html?mode=throughput&profile=1&${query}`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: TIMEOUT, polling: 20 });
  await cdp.send('Profiler.start');
  await page.evaluate(() => window.benchProceed());
  await page.waitForFunction(() => document.title === 'done' || document.title === 'error', null, { timeout: TIMEOUT, polling: 50 });
  const { profile } = await cdp.send('Profiler.stop');
  const res = await page.evaluate(() => window.benchResult ?? { error: window.benchError });
  await ctx.close();
  if (res.error) throw new Error(res.error);
  keep(profile);
  const { sends } = await ctl('/ctl/sends');
  return sends.length / ((res.done - sends[0]) / 1000);
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
  p(`| N | events | ${CONTENDERS.join(' | ')} | kubelive/T | kubelive/A | kubelive/B |${mx ? ' mux/T | mux/A | mux/B |' : ''}`);
  p(`| ---: | ---: | ${CONTENDERS.map(() => '---:').join(' | ')} | ---: | ---: | ---: |${mx ? ' ---: | ---: | ---: |' : ''}`);
  for (const r of Object.values(results.p1)) {
    const n = r.meta.n;
    const m = r.median;
    const k = m['kubelive-mux'];
    p(`| ${fmt(Number(n))} | ${fmt(r.meta.events)} | ${CONTENDERS.map((c) => fmt(m[c])).join(' | ')} | ${ratio(m.kubelive, m.t)} | ${ratio(m.kubelive, m.a)} | ${ratio(m.kubelive, m.b)} |${mx ? ` ${ratio(k, m.t)} | ${ratio(k, m.a)} | ${ratio(k, m.b)} |` : ''}`);
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
  p('| contender | JS heap MB | wasm memory MB | total / raw JSON |');
  p('| --- | ---: | ---: | ---: |');
  for (const c of CONTENDERS.filter((x) => x !== 't')) {
    const m = results.p4[c];
    if (!m) continue;
    p(`| ${c} | ${fmt(m.jsHeap / 1e6, 1)} | ${fmt(m.wasm / 1e6, 1)} | ${((m.jsHeap + m.wasm) / results.p4.rawJSON).toFixed(2)}x |`);
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
  if (Number.isFinite(r.warm)) p(`| kubelive warm (persist, from IndexedDB; ${fmt(r.warmAfterLoad)} ms after load(); ${r.warmLists} LISTs at the server) | ${fmt(r.warm)} |`);
  p();
}
for (const [c, prof] of Object.entries(results.profiles)) {
  p(`### Profile: ${c} at 10,000 pods (${fmt(prof.eventsPerSec)} events/s under the profiler), top self time`);
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
