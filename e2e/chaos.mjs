// The chaos run: 20 live lists in headless Chromium, once over the
// multiplexer and once over per-URL sockets (two pages side by side), kept
// in sync with the embedded cluster while a driver churns it and injects
// socket drops, forced 410s, pauses and server process restarts on the same
// port (the cluster's state persists across them through --state-dir). At
// the end every list must be live and equal the server's LIST, compared by uid: no
// missing object, no extra one, no duplicate, no stale resourceVersion. It reports the time
// from the last fault to every list exact.
//
//   node e2e/chaos.mjs [--events N] [--drops N] [--expires N] [--restarts N]
//                      [--pauses N] [--max-pause-ms N] [--rate N] [--seed N]
//                      [--last-down-ms N]
// CHAOS_HOST=shared-worker|worker puts the pages' clients in a worker host (default: page).
//
// ./build.sh chaos runs it at full size; ./build.sh test runs a shorter one
// (e2e/chaos.test.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import { after, before } from 'node:test';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, launch, page, start, until } from './lib.mjs';

// lastDownMs: the last restart keeps the server down this long, longer than
// the first redials' backoffs (0.8 + 1.6 + 3.2 s at most), so that healing
// within 3 s of its return does not rest on a quick restart.
export const FULL = { events: 100000, drops: 100, expires: 20, restarts: 5, pauses: 10, maxPauseMs: 5000, lastDownMs: 3000, rate: 1200, seed: 1, host: process.env.CHAOS_HOST ?? 'page' };

const NAMESPACES = ['default', 'kube-system', 'team-a', 'team-b', 'monitoring'];
const RESOURCES = [
  { group: '', version: 'v1', resource: 'pods' },
  { group: '', version: 'v1', resource: 'events' },
  { group: '', version: 'v1', resource: 'configmaps' },
  { group: 'apps', version: 'v1', resource: 'deployments' },
];
const MODES = ['on', 'off']; // multiplexer on, per-URL sockets
// The browser's own reports of a refused connection while the server restarts:
// network noise, not something kubelive threw or logged.
const NETWORK_NOISE = /WebSocket connection to .* failed|Failed to load resource|net::ERR_/;

/** queries returns the 20 list queries (5 namespaces x 4 resources). */
export function queries() {
  return NAMESPACES.flatMap((namespace) => RESOURCES.map((endpoint) => ({ lists: [{ cluster: 'demo', namespace }], endpoint })));
}

function apiPath(q) {
  const { group, version, resource } = q.endpoint;
  const base = group ? `apis/${group}/${version}` : `api/${version}`;
  return `${base}/namespaces/${q.lists[0].namespace}/${resource}`;
}

/** mulberry32: a small seeded PRNG, so a run's fault schedule repeats. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** schedule spreads each kind of fault over the run by progress (0..1). */
export function schedule(o) {
  const r = rng(o.seed);
  const faults = [];
  const spread = (n, kind, extra = () => ({})) => {
    for (let i = 0; i < n; i++) faults.push({ at: (i + 0.2 + 0.6 * r()) / n, kind, ...extra() });
  };
  spread(o.drops, 'drop');
  spread(o.expires, 'expire', () => ({ list: Math.floor(r() * 20) }));
  spread(o.restarts, 'restart');
  spread(o.pauses, 'pause', () => ({ ms: Math.round(250 + r() * (o.maxPauseMs - 250)) }));
  return faults.sort((a, b) => a.at - b.at);
}

/**
 * compare diffs a client list against the server's, both keyed by uid
 * (uid -> { name, rv }): a name can be reused by a new object, and a client
 * list holding one object twice is counted (duplicates: how many items
 * repeat a uid already seen), never collapsed.
 * @returns {{missing: string[], extra: string[], stale: string[], duplicates: string[]}}
 */
export function compare(server, client, duplicates = []) {
  const missing = [];
  const stale = [];
  for (const [uid, want] of Object.entries(server)) {
    const got = client[uid];
    if (!got) missing.push(want.name);
    else if (got.rv !== want.rv) stale.push(`${want.name}@${got.rv}!=${want.rv}`);
  }
  const extra = Object.keys(client)
    .filter((uid) => !(uid in server))
    .map((uid) => client[uid].name);
  return { missing, extra, stale, duplicates: [...duplicates] };
}

/** byUID indexes a list's items by uid and reports the uids seen more than once. */
export function byUID(items) {
  const out = {};
  const duplicates = [];
  for (const it of items) {
    const { uid, name, resourceVersion } = it.metadata;
    if (uid in out) duplicates.push(name);
    out[uid] = { name, rv: resourceVersion };
  }
  return { items: out, duplicates };
}

/** exact reports a diff with nothing wrong. */
const exact = (d) => d.status === 'live' && !d.missing.length && !d.extra.length && !d.stale.length && !d.duplicates.length;

/** Server is one kubelive process at a fixed port, restartable. */
export class Server {
  constructor(args) {
    this.args = args;
    this.logs = [];
  }

  async start(addr = '127.0.0.1:0') {
    const s = await start(path.join(ROOT, '.bin/kubelive'), ['--addr', addr, ...this.args], 'KUBELIVE_ADDR');
    this.cur = s;
    this.addr = s.addr;
    this.base = `http://${s.addr}`;
  }

  /**
   * restart stops the process (SIGTERM: it saves the state) and, downMs
   * later, starts a new one on the same port.
   */
  async restart(downMs = 0) {
    const { code, signal, logs } = await this.stop();
    if (code !== 0) throw new Error(`chaos: kubelive exited with ${code ?? signal} on SIGTERM:\n${logs.slice(-20).join('\n')}`);
    if (downMs > 0) await sleep(downMs);
    await this.start(this.addr);
  }

  /** stop ends the process with SIGTERM (SIGKILL after 20 s) and returns how it exited. */
  async stop() {
    if (!this.cur) return { code: 0, signal: null, logs: [] };
    const { proc, logs } = this.cur;
    this.cur = null;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20000);
    const [code, signal] = await exited;
    clearTimeout(timer);
    this.logs.push(...logs);
    return { code, signal, logs };
  }

  /** kill ends the process with SIGKILL (nothing saved) and waits for its exit. */
  async kill() {
    if (!this.cur) return;
    const { proc, logs } = this.cur;
    this.cur = null;
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;
    this.logs.push(...logs);
  }

  async admin(op, q = {}, method = 'POST') {
    const r = await fetch(`${this.base}/admin/${op}?${new URLSearchParams(q)}`, { method });
    if (!r.ok) throw new Error(`chaos: admin ${op}: HTTP ${r.status}`);
    return r.json();
  }

  /** metrics reads the server's watches being served and LISTs so far (cluster demo) from /metrics. */
  async metrics() {
    const text = await (await fetch(`${this.base}/metrics`)).text();
    const num = (re) => Number(re.exec(text)?.[1] ?? 0);
    return {
      watches: num(/^kubelive_watches\{cluster="demo"\} (\S+)$/m),
      lists: num(/^kubelive_requests_total\{cluster="demo",verb="LIST"\} (\S+)$/m),
    };
  }

  async list(p) {
    const r = await fetch(`${this.base}/clusters/demo/${p}`);
    if (!r.ok) throw new Error(`chaos: LIST ${p}: HTTP ${r.status}`);
    return r.json();
  }

  /** rv is the cluster's resourceVersion: one more per write. */
  async rv() {
    return Number((await this.list('api/v1/namespaces?limit=1')).metadata.resourceVersion);
  }
}

/**
 * serverAndBrowser registers before/after hooks that start Chromium and a
 * server of the dashboard (with /admin, no churn) and stop them; the
 * returned object holds them (browser, server) once started.
 */
export function serverAndBrowser(extraArgs = []) {
  const env = { browser: null, server: null };
  before(async () => {
    env.browser = await launch();
    env.server = new Server(['--static', 'web/dist', '--admin', '--churn', '0', '--log-level', 'warn', ...extraArgs]);
    await env.server.start();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

// In the page: start the 20 lists and count what they go through.
function pageStart(qs) {
  const c = (window.chaos = { keys: [], changes: 0, errors: [], phases: {}, cleanups: [] });
  for (const q of qs) {
    let last = '';
    c.keys.push(window.kubelive.listKey(q));
    c.cleanups.push(
      window.kubelive.watchList({ ...q, onError: (e) => c.errors.push(String(e?.message ?? e)) }, (snap) => {
        c.changes++;
        if (snap.status !== last) {
          last = snap.status;
          c.phases[last] = (c.phases[last] ?? 0) + 1;
        }
      }),
    );
  }
}

// In the page: every list's items (uid, name, resourceVersion, in the
// snapshot's order, duplicates kept) and its status.
function pageLists() {
  return window.chaos.keys.map((k) => {
    const s = window.kubelive.getList(k);
    const items = (s?.items ?? []).map((it) => ({ metadata: { uid: it.metadata.uid, name: it.metadata.name, resourceVersion: it.metadata.resourceVersion } }));
    const l = s?.lists?.[0];
    return { status: s?.status ?? 'none', items, why: l ? `${l.status} for ${Date.now() - (l.since ?? 0)} ms: ${l.error?.message ?? ''}` : '' };
  });
}

function pageFigures() {
  const st = window.kubelive.stats();
  const c = window.chaos;
  return {
    changes: c.changes,
    errors: c.errors.length,
    phases: c.phases,
    muxReconnects: st.multiplexer?.reconnects ?? 0,
    socketsCreated: st.browserSockets.created,
    socketsLive: st.browserSockets.live,
    resyncs: st.cache.resyncs,
    mode: st.multiplexer?.mode,
    funcs: st.funcs,
  };
}

/**
 * runChaos runs the whole scenario and resolves to its figures, among them per
 * mode the lists not live and the objects missing, extra or stale at the end
 * (after up to 60 s to converge), and what the pages threw or logged.
 */
export async function runChaos(opts = {}) {
  const o = { ...FULL, ...opts };
  const log = o.log ?? ((s) => process.stderr.write(`${s}\n`));
  const qs = queries();
  const faults = schedule(o);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'kubelive-chaos-'));
  const server = new Server([
    '--static', 'web/dist', '--admin', '--churn', '0', '--state-dir', stateDir, '--log-level', 'warn',
    '--bookmark-interval', '2s', '--watch-timeout', '20s', '--log-interval', '1h',
  ]);
  let browser;
  const figures = { events: 0, drops: 0, droppedStreams: 0, expiresArmed: 0, expiresTaken: 0, restarts: 0, pauses: 0, pausedMs: 0, maxPauseMs: 0 };
  const t0 = Date.now();
  try {
    await server.start();
    browser = await launch();
    const pages = {};
    for (const mode of MODES) {
      const p = await page(browser, `${server.base}/bare.html?multiplexer=${mode}&host=${o.host}`);
      await p.waitForSelector('#out[data-ready="1"]', { timeout: 30000 });
      await p.evaluate(pageStart, qs);
      pages[mode] = p;
    }
    for (const p of Object.values(pages)) {
      await until('the first lists', async () => (await p.evaluate(pageLists)).every((l) => l.status === 'live'), 30000);
    }
    const rv0 = await server.rv();
    log(`chaos: ${qs.length} lists x ${MODES.length} modes live at resourceVersion ${rv0}; ${o.events} events at ${o.rate}/s, ${faults.length} faults`);

    // Churn in bursts (a restart ends the running one), faults by progress.
    let armed = 0; // armed in the current process, not yet counted
    const countTaken = async () => {
      const { expireNext } = await server.admin('state', {}, 'GET');
      figures.expiresTaken += armed - expireNext;
      armed = 0;
    };
    let done = 0;
    let next = 0;
    let tLastFault = Date.now(); // when the last fault was over (a restarted server answering again)
    let lastBurst = 0;
    let lastLog = Date.now();
    while (done < o.events) {
      const rv = await server.rv();
      done = rv - rv0;
      const progress = done / o.events;
      if (Date.now() - lastBurst > 900) {
        const left = Math.max(1, o.events - done);
        await server.admin('churn', { rate: o.rate, seconds: Math.min(1, left / o.rate + 0.05) });
        lastBurst = Date.now();
      }
      if (process.env.CHAOS_DEBUG) {
        const m = await pages.on.evaluate(() => { const s = window.kubelive.stats().multiplexer; const b = window.kubelive.stats().browserSockets; return `${s.state} keys=${s.keys} frames=${s.framesIn} reconnects=${s.reconnects} created=${b.created} live=${b.live} err=${s.lastError ?? ''}`; });
        log(`t=${Date.now() - t0} done=${done} mux: ${m}`);
      }
      while (next < faults.length && faults[next].at <= progress) {
        const f = faults[next++];
        if (process.env.CHAOS_DEBUG) log(`t=${Date.now() - t0} fault ${JSON.stringify(f)}`);
        if (f.kind === 'drop') {
          figures.drops++;
          figures.droppedStreams += (await server.admin('drop')).dropped;
        } else if (f.kind === 'expire') {
          // Arm one 410 and drop one list's watch: its resume gets it.
          figures.expiresArmed++;
          armed++;
          await server.admin('expire-next');
          figures.droppedStreams += (await server.admin('drop', { path: apiPath(qs[f.list]) })).dropped;
        } else if (f.kind === 'pause') {
          figures.pauses++;
          figures.pausedMs += f.ms;
          figures.maxPauseMs = Math.max(figures.maxPauseMs, f.ms);
          await server.admin('pause', { ms: f.ms });
        } else if (f.kind === 'restart') {
          // Armed 410s live in the process: count the ones taken before it ends.
          await countTaken();
          await server.restart();
          figures.restarts++;
          lastBurst = 0;
        }
        tLastFault = Date.now();
        figures.lastFault = f.kind;
      }
      if (Date.now() - lastLog > 10000) {
        lastLog = Date.now();
        log(`chaos: ${done} events, ${figures.drops} drops, ${figures.expiresArmed} 410s, ${figures.restarts} restarts, ${figures.pauses} pauses, ${Math.round((Date.now() - t0) / 1000)} s`);
      }
      await sleep(100);
    }
    await until('the churn to stop', async () => (await server.admin('churn', {}, 'GET')).running === 0, 30000);
    await until('the pause to end', async () => !(await server.admin('state', {}, 'GET')).paused, 30000);
    await countTaken();
    figures.events = (await server.rv()) - rv0;
    figures.churnSeconds = Math.round((Date.now() - t0) / 100) / 10;
    // The last fault: a restart once the churn has stopped, so that "exact"
    // has a fixed target: the time from the server answering again to every
    // list live and exact is the figure of healing (target: under 3 s).
    await server.restart(o.lastDownMs);
    tLastFault = Date.now();
    figures.lastFault = `restart after the churn, down ${o.lastDownMs} ms`;

    // Converge: every list equals the server's LIST.
    const truth = [];
    for (const q of qs) {
      truth.push(byUID((await server.list(apiPath(q))).items).items);
    }
    const tConverge = Date.now();
    const result = {};
    // Both pages are watched at once, so that each mode's time is its own.
    await Promise.all(Object.entries(pages).map(async ([mode, p]) => {
      let diffs = [];
      const converged = await until(
        `the ${mode === 'on' ? 'mux' : 'per-URL'} lists to equal the server`,
        async () => {
          const lists = await p.evaluate(pageLists);
          diffs = lists.map((l, i) => {
            const c = byUID(l.items);
            return { key: apiPath(qs[i]), status: l.status, why: l.why, ...compare(truth[i], c.items, c.duplicates) };
          });
          if (process.env.CHAOS_DEBUG) log(`${mode} ${Date.now() - tConverge} ms: ${diffs.filter((d) => !exact(d)).map((d) => `${d.key}:${d.status}:${d.missing.length}/${d.extra.length}/${d.stale.length}/${d.duplicates.length} (${d.why})`).join(' ')}`);
          return diffs.every(exact);
        },
        60000,
        100,
      ).catch(() => false);
      const exactAt = Date.now();
      const pf = await p.evaluate(pageFigures);
      const sum = (k) => diffs.reduce((n, d) => n + d[k].length, 0);
      result[mode === 'on' ? 'mux' : 'perURL'] = {
        ...pf,
        objects: truth.reduce((n, t) => n + Object.keys(t).length, 0),
        convergeMs: converged ? exactAt - tConverge : null,
        // from the end of the last fault (a restart: the server answering
        // again) to every list live and exact; the churn may still run then
        sinceLastFaultMs: converged ? exactAt - tLastFault : null,
        notLive: diffs.filter((d) => d.status !== 'live').length,
        missing: sum('missing'),
        extra: sum('extra'),
        stale: sum('stale'),
        duplicates: sum('duplicates'),
        ...(converged ? {} : { diffs: diffs.filter((d) => !exact(d)) }),
        // what the page threw or logged, beyond the browser's network noise
        pageErrors: p.errors.filter((e) => !NETWORK_NOISE.test(e)),
      };
    }));
    figures.lists = qs.length;
    figures.seconds = Math.round((Date.now() - t0) / 100) / 10;
    Object.assign(figures, result);
    await server.stop();
    figures.serverPanics = server.logs.filter((l) => /panic|fatal error|DATA RACE/.test(l));
    return figures;
  } finally {
    await browser?.close();
    await server.stop().catch(() => {});
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** failures lists what is wrong with a run's figures (empty: it passed). */
export function failures(f) {
  const out = [];
  for (const [name, m] of [['mux', f.mux], ['per-URL', f.perURL]]) {
    if (m.notLive) out.push(`${name}: ${m.notLive} lists not live`);
    if (m.missing + m.extra + m.stale + m.duplicates) out.push(`${name}: ${m.missing} missing, ${m.extra} extra, ${m.stale} stale, ${m.duplicates} duplicated`);
    if (m.pageErrors.length) out.push(`${name}: the page threw or logged: ${m.pageErrors.slice(0, 5).join(' | ')}`);
  }
  if (f.serverPanics.length) out.push(`the server logged: ${f.serverPanics.slice(0, 5).join(' | ')}`);
  return out;
}

function parseArgs(argv) {
  const o = {};
  const names = { events: 'events', drops: 'drops', expires: 'expires', restarts: 'restarts', pauses: 'pauses', 'max-pause-ms': 'maxPauseMs', 'last-down-ms': 'lastDownMs', rate: 'rate', seed: 'seed' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = names[argv[i].replace(/^--/, '')];
    const v = Number(argv[i + 1]);
    if (!k || !Number.isFinite(v) || v < 0) throw new Error(`chaos: bad argument ${argv[i]} ${argv[i + 1] ?? ''}`);
    o[k] = v;
  }
  return o;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const f = await runChaos(parseArgs(process.argv.slice(2)));
    console.log(JSON.stringify(f, null, 2));
    const bad = failures(f);
    if (bad.length) throw new Error(`chaos: FAIL: ${bad.join('; ')}`);
    console.log(
      `chaos: PASS: ${f.lists} lists x 2 modes equal the server after ${f.events} events, ${f.drops} drops ` +
        `(${f.droppedStreams} streams cut), ${f.expiresTaken}/${f.expiresArmed} forced 410s taken, ${f.restarts} restarts, ` +
        `${f.pauses} pauses (${f.pausedMs} ms, max ${f.maxPauseMs} ms) in ${f.seconds} s; converged in ${f.mux.convergeMs} ms (mux) and ${f.perURL.convergeMs} ms (per-URL) after the churn stopped; ` +
        `${f.mux.sinceLastFaultMs} ms (mux) and ${f.perURL.sinceLastFaultMs} ms (per-URL) after the last fault (${f.lastFault})`,
    );
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
