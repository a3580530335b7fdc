// Where the dashboard's time goes at --scale N, in headless Chromium
// through CDP: the Pods page of All namespaces, from navigation to the
// first full count, then keystrokes in the filter box and jumps of the
// scroll position (dashboard-steps.mjs: each to the change on the page, or
// 10 s when nothing changes). Beside it, in the same run:
//   - the server alone: every LIST page of the pods (limit=500, following
//     metadata.continue, one after the other) fetched by node;
//   - the floor in the browser: the same pages fetched by a plain page of
//     the same origin with fetch(), each parsed with JSON.parse;
//   - a CPU profile of the page and one of the client's worker (the
//     SharedWorker, attached through the browser's CDP target), each over
//     the first load and over the keystrokes and jumps: busy time and the
//     functions with the most self time.
//   ./build.sh build && node bench/dashboard-profile.mjs 20000 [--host page] [--static DIR] [--bin SERVER] [--no-floor] [--top 25] [--trace]
// --trace records a Chromium trace of the keystrokes (every thread of every
// process: the page's main thread and compositor, the SharedWorker) instead
// of the CPU profiles, and prints per keystroke where its wall time went on
// each thread (scripts, style, layout, paint, GC, the rest of its tasks),
// from the input event to the frame that showed the new count; the trace
// goes to dist/bench/profiles/dashboard-trace-N.json (chrome://tracing or
// Perfetto read it).
// --static serves another web/dist, e.g. one whose kubelive.wasm keeps its
// name section (GOOS=js GOARCH=wasm go build -trimpath -o DIR/kubelive.wasm ./wasm)
// so that the profile names Go's functions.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, launch, start } from '../e2e/lib.mjs';
import { figures, steps } from './dashboard-steps.mjs';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '' },
    static: { type: 'string', default: `${ROOT}/web/dist` },
    bin: { type: 'string', default: `${ROOT}/.bin/kubelive` },
    top: { type: 'string', default: '25' },
    'no-floor': { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
  },
});
const N = Number(positionals[0] ?? 20000);
const TOP = Number(opt.top);
const COUNT = '[data-testid=page-pods] [data-testid=count]';

const server = await start(opt.bin, ['--addr', '127.0.0.1:0', '--static', opt.static, '--scale', String(N), '--log-level', 'warn'], 'KUBELIVE_ADDR');
const base = `http://${server.addr}`;
// The server prints its address before it has made the N pods: wait until it answers.
for (const end = Date.now() + 900000; ; ) {
  if (await fetch(`${base}/`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false)) break;
  if (Date.now() > end) throw new Error('the server never answered');
  await new Promise((r) => setTimeout(r, 200));
}

/** pages fetches every LIST page of the pods of all namespaces in turn; runs in node and, as its source, in a page. */
async function pages(base) {
  const t0 = performance.now();
  let fetchMs = 0;
  let parseMs = 0;
  let bytes = 0;
  let items = 0;
  let n = 0;
  for (let token = ''; ; n++) {
    const s = performance.now();
    const r = await fetch(`${base}/clusters/demo/api/v1/pods?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    const text = await r.text();
    const p = performance.now();
    fetchMs += p - s;
    const doc = JSON.parse(text);
    parseMs += performance.now() - p;
    bytes += text.length;
    items += doc.items.length;
    token = doc.metadata?.continue ?? '';
    if (!token) break;
  }
  return { pages: n + 1, items, mb: +(bytes / 1e6).toFixed(1), wallMs: Math.round(performance.now() - t0), fetchMs: Math.round(fetchMs), parseMs: Math.round(parseMs) };
}

/**
 * summary is a CPU profile's busy time, its top functions by self time and
 * by total time (their own and that of what they called: a function on
 * the stack of a sample counts it once).
 */
function summary(profile) {
  const self = new Map();
  const total = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const k = name(byId.get(id));
    self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) seen.add(name(byId.get(at)));
    for (const f of seen) total.set(f, (total.get(f) ?? 0) + dt);
  });
  let busy = 0;
  let wasm = 0;
  for (const [k, us] of self) {
    if (!k.startsWith('(idle)')) busy += us;
    if (/wasm-function|\.wasm/.test(k) || /^[a-z_]+[./]/.test(k)) wasm += us;
  }
  const rank = (m) => [...m].filter(([k]) => !/^\((idle|root|program)\)/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([k, us]) => `${(us / 1000).toFixed(1).padStart(9)} ms  ${k}`);
  const idle = [...self].filter(([k]) => /^\((idle|program)\)/.test(k)).map(([k, us]) => `${(us / 1000).toFixed(1)} ms ${k.split(' ')[0]}`);
  return { busyMs: Math.round(busy / 1000), wasmMs: Math.round(wasm / 1000), idle, top: rank(self), topTotal: rank(total) };
}

/**
 * workerSession attaches to the dashboard's SharedWorker through the
 * browser's CDP session (playwright has no handle on shared workers) and
 * returns send(method, params), or null when there is none within ms.
 */
async function workerSession(browser, ms) {
  const b = await browser.newBrowserCDPSession();
  const end = Date.now() + ms;
  let target = null;
  while (!target && Date.now() < end) {
    const { targetInfos } = await b.send('Target.getTargets');
    target = targetInfos.find((t) => t.type === 'shared_worker' || t.type === 'worker');
    if (!target) await new Promise((r) => setTimeout(r, 20));
  }
  if (!target) return null;
  const { sessionId } = await b.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
  let next = 0;
  const waiting = new Map();
  b.on('Target.receivedMessageFromTarget', (e) => {
    if (e.sessionId !== sessionId) return;
    const m = JSON.parse(e.message);
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error) w.reject(new Error(m.error.message));
    else w.resolve(m.result);
  });
  return (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve, reject });
      b.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
    });
}

/** profiler starts a CPU profile on a session's send and returns stop() -> summary. */
async function profiler(send, intervalUs) {
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: intervalUs });
  await send('Profiler.start');
  return async () => summary((await send('Profiler.stop')).profile);
}

/** TRACE_CATEGORIES: the tasks of every thread, scripts, style, layout, paint and GC, and console.timeStamp. */
const TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'v8', 'blink.user_timing'];

/** PARTS are the kinds of work traceSteps adds up per thread: a trace event's name -> its part. */
const PARTS = {
  FunctionCall: 'script', EvaluateScript: 'script', 'v8.callFunction': 'script', TimerFire: 'script', FireAnimationFrame: 'script', EventDispatch: 'script',
  UpdateLayoutTree: 'style', Layout: 'layout', PrePaint: 'paint', Paint: 'paint', Layerize: 'paint', Commit: 'paint', RasterTask: 'raster',
  MinorGC: 'gc', MajorGC: 'gc', 'V8.GC_SCAVENGER': 'gc', 'V8.GC_MARK_COMPACTOR': 'gc', BlinkGC: 'gc',
};

/**
 * traceSteps reads a Chromium trace whose steps are marked "step i start" and "step i end"
 * (console.timeStamp on the page) and returns one line per step: its wall time and, per thread
 * that worked in it, its tasks' time (RunTask and the other top-level tasks) split into PARTS
 * (each part's outermost events only, so a part nested in itself counts once) and the rest.
 */
function traceSteps(events, names) {
  const threads = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  const marks = new Map();
  for (const e of events) {
    const m = e.name === 'TimeStamp' && /^step (\d+) (start|end)$/.exec(e.args?.data?.message ?? '');
    if (m) marks.set(`${m[1]} ${m[2]}`, e.ts);
  }
  const complete = events.filter((e) => e.ph === 'X' && typeof e.dur === 'number').sort((a, b) => a.ts - b.ts);
  const lines = [];
  names.forEach((name, i) => {
    const s = marks.get(`${i} start`);
    const end = marks.get(`${i} end`);
    if (s === undefined || end === undefined) return void lines.push(`${name}: not marked`);
    const per = new Map();
    const open = new Map(); // thread -> part -> end of its outermost event
    for (const e of complete) {
      if (e.ts + e.dur < s || e.ts > end) continue;
      const th = threads.get(`${e.pid}:${e.tid}`) ?? `${e.pid}:${e.tid}`;
      const part = e.cat.includes('toplevel') && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') ? 'tasks' : PARTS[e.name];
      if (!part) continue;
      const key = `${e.pid}:${e.tid}`;
      const o = open.get(key) ?? new Map();
      open.set(key, o);
      if ((o.get(part) ?? -1) > e.ts) continue;
      o.set(part, e.ts + e.dur);
      const t = per.get(th) ?? {};
      per.set(th, t);
      t[part] = (t[part] ?? 0) + (Math.min(end, e.ts + e.dur) - Math.max(s, e.ts)) / 1000;
    }
    const parts = [...per].filter(([, t]) => (t.tasks ?? 0) >= 1).map(([th, t]) => `${th} ${Object.entries(t).map(([k, ms]) => `${k} ${ms.toFixed(1)}`).join(' ')}`);
    lines.push(`${name}: ${((end - s) / 1000).toFixed(1)} ms | ${parts.join(' | ')}`);
  });
  return lines;
}

if (!opt['no-floor']) console.log('server alone (node fetch, one page after the other)', JSON.stringify(await pages(base)));

const browser = await launch();
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (!opt['no-floor']) {
    // The floor: a page of the same origin with nothing else on it.
    const plain = await ctx.newPage();
    await plain.goto(`${base}/no-such-page`).catch(() => {});
    const floor = await plain.evaluate(`(${pages.toString()})(location.origin)`);
    console.log('floor in the browser (fetch + JSON.parse of each page)', JSON.stringify(floor));
    await plain.close();
  }

  const p = await ctx.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(e.message));
  const cdp = await p.context().newCDPSession(p);
  const send = (m, a) => cdp.send(m, a);
  let stopPage = await profiler(send, 1000);
  const t0 = Date.now();
  await p.goto(`${base}/${opt.host ? `?host=${opt.host}` : ''}#/demo/_all/pods`);
  const worker = opt.host === 'page' ? null : await workerSession(browser, 10000);
  let stopWorker = worker && (await profiler(worker, 1000));
  const counted = () => p.evaluate((sel) => Number((document.querySelector(sel)?.textContent ?? '0').split(' ')[0].replace(/,/g, '')), COUNT);
  let firstRows = null;
  await p.waitForSelector('[data-testid=table-pods] tbody tr', { timeout: 900000 }).then(() => (firstRows = Date.now() - t0));
  await p.waitForFunction(([sel, n]) => Number((document.querySelector(sel)?.textContent ?? '0').split(' ')[0].replace(/,/g, '')) >= n, [COUNT, N], { timeout: 900000, polling: 100 });
  const first = Date.now() - t0;
  console.log('navigation -> first rows ms', firstRows, '-> first full count ms', first, 'count', await counted());
  console.log('page, first load', JSON.stringify((await stopPage()), null, 1));
  if (stopWorker) console.log('worker, first load', JSON.stringify(await stopWorker(), null, 1));

  if (opt.trace) await browser.startTracing(undefined, { categories: TRACE_CATEGORIES });
  else {
    stopPage = await profiler(send, 200);
    stopWorker = worker && (await profiler(worker, 200));
  }
  const { keys, jumps } = await steps(p, N);
  console.log('keystroke -> new count ms (from node, in the page)', JSON.stringify(keys.map(([t, x]) => [t, x.ms, x.pageMs])));
  console.log('scroll jump -> new window ms (from node, in the page)', JSON.stringify(jumps.map(([r, x]) => [r, x.ms, x.pageMs])));
  console.log('medians and p90s', JSON.stringify(figures({ keys, jumps })));
  if (opt.trace) {
    const buf = await browser.stopTracing();
    const file = `${ROOT}/dist/bench/profiles/dashboard-trace-${N}.json`;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, buf);
    console.log('trace', path.relative(ROOT, file));
    const trace = JSON.parse(buf.toString());
    const names = [...keys.map(([t]) => `key ${JSON.stringify(t)}`), ...jumps.map(([r]) => `jump ${r}`)];
    for (const line of traceSteps(trace.traceEvents ?? trace, names)) console.log(line);
  } else {
    console.log('page, keystrokes and jumps', JSON.stringify(await stopPage(), null, 1));
    if (stopWorker) console.log('worker, keystrokes and jumps', JSON.stringify(await stopWorker(), null, 1));
  }
  if (errors.length) console.log('page errors', errors);
} finally {
  await browser.close();
  server.stop();
}
