// Never "live" when it is not in real Chromium against the real
// server, in both multiplexer modes: an app on another origin whose upgrades
// the server refuses, a killed server, a missing pod's logs, a restart
// without --state-dir, and a page frozen with CDP. Every wait has a deadline;
// the times measured are printed as "# freshness: ...".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Server, queries } from './chaos.mjs';
import { launch, page, screenshot, until } from './lib.mjs';

const MODES = ['on', 'off']; // multiplexer on, per-URL sockets
// Where the client runs (load's host): FRESHNESS_HOST=shared-worker|worker runs every test with
// the client in a worker (freshness-worker.test.mjs does, for the shared worker).
const HOST = process.env.FRESHNESS_HOST ?? 'page';
const IN = HOST === 'page' ? '' : ` (${HOST} host)`;
const NON_LIVE_MS = 2000; // the promise: not live within 2 s of a failed dial or a close
const REFUSED_ALL_MS = 3000; // every upgrade refused: all twenty lists say why within this of the start
// The target: live and exact within 3 s of the server answering again. Over
// the multiplexer that is one socket; per URL it is one socket per list, and
// Chromium opens the sockets to one host one at a time (RFC 6455 4.1), so on
// a loaded machine 20 handshakes in a row can take longer: per-URL gets a
// looser bound, and the figure is printed either way.
const HEAL_MS = { on: 3000, off: 8000 };
// A page frozen this long with CDP (FRESHNESS_FREEZE_MS=60000 for the laptop-sleep figure).
const FREEZE_MS = Number(process.env.FRESHNESS_FREEZE_MS ?? 5000);
// The lists of each page: the chaos run's 20 (5 namespaces x 4 resources).
const QUERIES = queries();
// The browser's own log lines for refused sockets and failed requests.
const NETWORK_NOISE = /WebSocket connection to .* failed|Failed to load resource|net::ERR_/;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function newServer(extra = []) {
  return new Server(['--static', 'web/dist', '--admin', '--churn', '0', '--log-level', 'warn', '--log-interval', '200ms', ...extra]);
}

async function openBare(base, mode) {
  const p = await page(browser, `${base}/bare.html?multiplexer=${mode}&host=${HOST}`);
  await p.waitForSelector('#out[data-ready="1"]', { timeout: 30000 });
  assert.equal(await p.evaluate(() => window.kubelive.stats().host), HOST);
  return p;
}

/**
 * In the page: watch the queries, follow one pod's log and open a shell in
 * it, recording every status with Date.now(): lists from their snapshots,
 * the log from onStatus, the shell from its exit.
 */
function pageWatch({ queries, pod, exec, debug }) {
  const kl = window.kubelive;
  const w = (window.fresh = { lists: [], keys: [], log: [], exec: [], errors: [], cleanups: [], debug, ws: [] });
  {
    // Every socket's creation, open and close: a failed dial is timed by its close.
    const WS = window.WebSocket;
    window.WebSocket = function (url, protos) {
      const s = new WS(url, protos);
      const rec = { url: url.includes('wsMultiplexer') ? 'mux' : url.replace(/^.*\/namespaces\//, '').replace(/\?.*$/, ''), t: Date.now() };
      w.ws.push(rec);
      s.addEventListener('open', () => (rec.open = Date.now()));
      s.addEventListener('close', (e) => (rec.close = Date.now()));
      return s;
    };
    if (debug) {
      const f = window.fetch;
      window.fetch = (u, o) => {
        const rec = { url: String(u).replace(/^.*\/namespaces\//, 'F '), t: Date.now() };
        w.ws.push(rec);
        return f(u, o).then((r) => ((rec.open = Date.now()), r), (e) => ((rec.close = Date.now()), Promise.reject(e)));
      };
    }
  }
  queries.forEach((q, i) => {
    w.lists[i] = [];
    w.keys[i] = kl.listKey(q);
    w.cleanups.push(
      kl.watchList(q, (s) => {
        const seen = w.lists[i];
        const e = s.errors[0] ?? s.lists.find((l) => l.lastError)?.lastError ?? null;
        for (const x of [...s.errors, ...s.lists.map((l) => l.lastError).filter(Boolean)]) w.errors.push(x.message);
        const last = seen[seen.length - 1];
        if (!last || last.status !== s.status || (w.debug && (last.rv !== s.resourceVersion || last.error?.message !== e?.message)))
          seen.push({ at: Date.now(), status: s.status, rv: s.resourceVersion, error: e && { message: e.message, code: e.code, reason: e.reason } });
      }),
    );
  });
  if (pod) {
    const { cancel } = kl.logs({ cluster: 'demo', namespace: 'default', pod, onStatus: (state, e) => w.log.push({ at: Date.now(), state, error: e && { message: e.message, code: e.code } }) }, () => {});
    w.cleanups.push(cancel);
  }
  if (exec) {
    const s = kl.exec({ cluster: 'demo', namespace: 'default', pod: exec, command: ['sh'], onStatus: (state) => w.exec.push({ at: Date.now(), state }), onExit: (code, e) => w.exec.push({ at: Date.now(), state: 'exited', code, error: e?.message }) });
    w.cleanups.push(() => s.close());
  }
}

const pageRecord = () => window.fresh;

/** In the client's worker: every socket's creation, open and close, in self.freshWs (as pageWatch does on the page). */
const WORKER_SOCKETS = `(() => {
  const WS = self.WebSocket;
  const ws = (self.freshWs = []);
  self.WebSocket = function (url, protos) {
    const s = new WS(url, protos);
    const rec = { url: url.includes('wsMultiplexer') ? 'mux' : url.replace(/^.*\\/namespaces\\//, '').replace(/\\?.*$/, ''), t: Date.now() };
    ws.push(rec);
    s.addEventListener('open', () => (rec.open = Date.now()));
    s.addEventListener('close', () => (rec.close = Date.now()));
    return s;
  };
  Object.assign(self.WebSocket, WS);
  self.WebSocket.prototype = WS.prototype;
  return true;
})()`;

/**
 * workerEval evaluates expression in page p's client worker (its dedicated
 * Worker, or origin's one SharedWorker through the browser's CDP) and
 * returns its value.
 */
async function workerEval(p, origin, expression) {
  if (HOST === 'worker') return p.workers()[0].evaluate(expression);
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = await cdp.send('Target.getTargets');
    const workers = targetInfos.filter((x) => x.type === 'shared_worker' && x.url.startsWith(origin));
    assert.equal(workers.length, 1, `one shared worker of ${origin}: ${JSON.stringify(targetInfos.map((x) => [x.type, x.url]))}`);
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: workers[0].targetId, flatten: false });
    const answer = new Promise((resolve) => cdp.on('Target.receivedMessageFromTarget', (e) => e.sessionId === sessionId && JSON.parse(e.message).id === 1 && resolve(JSON.parse(e.message))));
    await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression, returnByValue: true } }) });
    const m = await answer;
    if (m.error || m.result.exceptionDetails) throw new Error(`in the worker: ${JSON.stringify(m.error ?? m.result.exceptionDetails)}`);
    return m.result.result.value;
  } finally {
    await cdp.detach();
  }
}

/** the items of every watched list, by uid, with their status. */
function pageItems() {
  return window.fresh.keys.map((k) => {
    const s = window.kubelive.getList(k);
    return { status: s?.status ?? 'none', items: (s?.items ?? []).map((it) => [it.metadata.uid, it.metadata.resourceVersion]) };
  });
}

/** exactly reports whether every list is live and holds exactly the server's objects (by uid, no duplicate). */
async function exactly(p, server) {
  const lists = await p.evaluate(pageItems);
  for (let i = 0; i < QUERIES.length; i++) {
    const l = lists[i];
    if (l.status !== 'live') return false;
    const truth = (await server.list(apiPath(QUERIES[i]))).items.map((it) => [it.metadata.uid, it.metadata.resourceVersion]);
    const got = new Map(l.items);
    if (got.size !== l.items.length || got.size !== truth.length || truth.some(([uid, rv]) => got.get(uid) !== rv)) return false;
  }
  return true;
}

function apiPath(q) {
  const { group, version, resource } = q.endpoint;
  return `${group ? `apis/${group}/${version}` : `api/${version}`}/namespaces/${q.lists[0].namespace}/${resource}`;
}

/**
 * bounded awaits work, and if it has not settled within ms fails naming what,
 * with whether each page still answers and what its client says: a renderer
 * that no longer answers is beyond Playwright's own timeouts.
 */
async function bounded(what, pages, work, ms = 30000) {
  let timer;
  const LATE = {};
  const won = await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms, LATE)))]).finally(() => clearTimeout(timer));
  if (won !== LATE) return won;
  const probe = (pg) =>
    Promise.race([
      pg.evaluate(() => JSON.stringify({ stats: window.kubelive?.stats?.(), conn: [...document.querySelectorAll('[data-testid=conn]')].map((e) => e.dataset.state) })),
      sleep(3000).then(() => 'no answer within 3 s'),
    ]).catch((e) => `failed: ${e.message}`);
  const answers = await Promise.all(pages.map(probe));
  assert.fail(`${what} did not settle within ${ms} ms; the pages say: ${answers.join(' | ')}`);
}

/** firstAfter returns the first record at or after t whose state matches. */
const firstAfter = (records, t, ok) => records.find((r) => r.at >= t && ok(r));

async function firstPod(server) {
  return (await server.list('api/v1/namespaces/default/pods')).items[0].metadata.name;
}

/**
 * A proxy on its own port, as a dev server's: the app is same-origin to it,
 * it forwards every request and upgrade to target with the target's Host, and
 * the browser's Origin (this proxy's) goes through unchanged.
 */
async function proxy(target) {
  const srv = http.createServer((req, res) => {
    const [h, p] = target().split(':');
    const up = http.request({ host: h, port: p, method: req.method, path: req.url, headers: { ...req.headers, host: target() } }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  srv.on('upgrade', (req, socket, head) => {
    const [h, p] = target().split(':');
    const up = net.connect(Number(p), h, () => {
      const headers = Object.entries({ ...req.headers, host: target() }).map(([k, v]) => `${k}: ${v}`);
      up.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  // Every socket either way, so that close ends them: http.Server.close alone
  // waits for the pages' keep-alive and upgraded connections, which a test
  // that failed midway leaves open (its failure then showed as a timeout).
  const open = new Set();
  const track = (sock) => {
    open.add(sock);
    sock.once('close', () => open.delete(sock));
  };
  srv.on('connection', track);
  srv.listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  return {
    origin: `http://127.0.0.1:${srv.address().port}`,
    close: () => {
      const closed = new Promise((r) => srv.close(r));
      for (const sock of open) sock.destroy();
      return closed;
    },
  };
}

describe('an app on another origin whose upgrades the server refuses', () => {
  for (const mode of MODES) {
    test(`${mode === 'on' ? 'mux' : 'per-URL'}${IN}: lists and the log pane are non-live within 2 s with a message naming the origin; allowed, they converge`, { timeout: 120000 }, async () => {
      const server = newServer();
      await server.start();
      const px = await proxy(() => server.addr);
      const host = px.origin.replace('http://', '');
      try {
        const pod = await firstPod(server);
        const p = await openBare(px.origin, mode);
        // In a worker host the sockets are the worker's: recorded there.
        if (HOST !== 'page') await workerEval(p, px.origin, WORKER_SOCKETS);
        const t0 = await p.evaluate(() => Date.now());
        await p.evaluate(pageWatch, { queries: QUERIES, pod });
        let seen;
        const rec = await until('every list and the log pane to say why they are not live', async () => {
          const r = await p.evaluate(pageRecord);
          const why = (x) => x?.error?.message?.includes(px.origin);
          seen = { lists: r.lists.map((l) => l.at(-1)), log: r.log.at(-1) };
          return r.lists.every((l) => l.some(why)) && r.log.some(why) ? r : null;
        }, 15000).catch((e) => assert.fail(`${e.message}: ${JSON.stringify(seen)}`));
        if (HOST !== 'page') rec.ws = await workerEval(p, px.origin, 'self.freshWs');
        // From each one's failed dial (its socket's close; the multiplexer's
        // for every list over it) to its status saying why.
        // A list answered by another list's verdict (per URL, its dial
        // aborted or never made) is timed from the page's first failed dial.
        const closes = (f) => rec.ws.filter((x) => x.close && f(x)).map((x) => x.close);
        // No failed dial recorded: from the start (a stricter bound).
        const dialFailed = (path, at) => {
          const own = closes((x) => x.url === path || x.url === 'mux').filter((c) => c <= at);
          const any = closes((c) => c.close <= at);
          return own.length ? Math.min(...own) : any.length ? Math.min(...any) : t0;
        };
        const times = rec.lists.map((l, i) => {
          const at = l.find((x) => x.error?.message?.includes(px.origin)).at;
          return at - dialFailed(mode === 'on' ? 'mux' : apiPath(QUERIES[i]).replace(/^.*\/namespaces\//, ''), at);
        });
        const logErr = rec.log.find((x) => x.error?.message?.includes(px.origin)).at;
        const logAt = logErr - dialFailed(`default/pods/${pod}/log`, logErr);
        const fromStart = Math.max(...rec.lists.map((l) => l.find((x) => x.error?.message?.includes(px.origin)).at - t0));
        console.log(`# freshness: ${mode}${IN}: refused origin: lists non-live with the reason ${times.join(', ')} ms after their failed dial (all said why within ${fromStart} ms of the start, ${rec.ws.length} sockets created); log pane ${logAt} ms after its failed dial`);
        for (const l of rec.lists) {
          assert.ok(!l.some((x) => x.status === 'live'), `never live: ${JSON.stringify(l)}`);
          const e = l.find((x) => x.error?.message?.includes(px.origin));
          assert.equal(e.status, 'error');
          assert.equal(e.error.code, 403);
          assert.match(e.error.message, new RegExp(`--allow-origin ${host}`));
        }
        assert.ok(Math.max(...times, logAt) <= NON_LIVE_MS, `non-live with the reason within ${NON_LIVE_MS} ms: lists ${times}, log ${logAt}`);
        // One failed dial's verdict speaks for every dial pending (per URL,
        // twenty lists would otherwise fail one by one through the page's
        // handshake limit: 8 s).
        assert.ok(fromStart <= REFUSED_ALL_MS, `every list says why within ${REFUSED_ALL_MS} ms of the start: ${fromStart} ms`);
        assert.ok(!rec.log.some((x) => x.state === 'open'), 'the log pane never streamed');

        // The dashboard on that origin: the reason in a banner with Retry, no "No pods" claim.
        const step = (what) => console.log(`# freshness: ${mode}${IN}: refused origin: ${what} at ${Date.now() - t0} ms`); // where a slow run spent its time
        step('the dashboard opens');
        const d = await page(browser, `${px.origin}/?multiplexer=${mode}&host=${HOST}#/demo/default/pods`);
        const said = new RegExp(`origin ${px.origin}.*--allow-origin ${host}`);
        await d
          .waitForFunction((re) => new RegExp(re).test(document.querySelector('[data-testid=page-pods] [data-testid=error-banner]')?.textContent ?? ''), said.source, { timeout: 15000 })
          .catch(async (e) => assert.fail(`${e.message}: the banner says ${await d.textContent('[data-testid=page-pods]')}`));
        assert.ok(await d.$('[data-testid=page-pods] [data-testid=retry]'), 'a Retry action');
        assert.doesNotMatch(await d.textContent('[data-testid=page-pods]'), /No pods in/, 'never an empty-state claim beside the error');
        await screenshot(d, `freshness-refused-origin-${mode}`);

        // The server restarted allowing the origin: the lists converge to its LIST.
        server.args.push('--allow-origin', host);
        step('the server restarts');
        await server.restart();
        step('Retry');
        const tBack = Date.now();
        // The dashboard retries at once. The client may have redialled on its own
        // since the restart (its backoff is short): the banner, and the button,
        // are then gone, and waiting for a button to click would wait forever.
        const clicked = await d.evaluate(() => {
          const b = document.querySelector('[data-testid=page-pods] [data-testid=retry]');
          b?.click();
          return !!b;
        });
        step(clicked ? 'Retry clicked' : 'no Retry to click (live again on its own)');
        await bounded("the dashboard's list to be live", [p, d], d.waitForSelector('[data-testid=page-pods] [data-testid=conn][data-state=live]', { timeout: 15000 }));
        console.log(`# freshness: ${mode}${IN}: the dashboard's list live ${Date.now() - tBack} ms after the restart`);
        assert.equal(await d.$('[data-testid=page-pods] [data-testid=error-banner]'), null, 'the banner is gone once live');
        await d.close();
        step('the lists converge');
        await until('the lists to equal the server', () => exactly(p, server), 45000, 100);
        const logOpen = await until('the log pane to stream', async () => (await p.evaluate(pageRecord)).log.find((x) => x.state === 'open'), 45000);
        console.log(`# freshness: ${mode}${IN}: origin allowed: lists exact ${Date.now() - tBack} ms after the restart, log streaming after ${logOpen.at - tBack} ms`);
        assert.deepEqual(p.errors.filter((e) => !NETWORK_NOISE.test(e)), []);
        await p.close();
      } finally {
        await px.close();
        await server.stop();
      }
    });
  }
});

describe('the server is killed, then comes back', () => {
  for (const mode of MODES) {
    test(`${mode === 'on' ? 'mux' : 'per-URL'}${IN}: lists, log pane and terminal leave live/open within 2 s; back, all live and exact`, { timeout: 120000 }, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'kubelive-fresh-'));
      const server = newServer(['--state-dir', dir]);
      await server.start();
      try {
        const pod = await firstPod(server);
        const p = await openBare(server.base, mode);
        await p.evaluate(pageWatch, { queries: QUERIES, pod, exec: pod, debug: !!process.env.FRESHNESS_DEBUG });
        await until('lists live, log streaming, shell open', async () => {
          const r = await p.evaluate(pageRecord);
          return r.lists.every((l) => l.at(-1)?.status === 'live') && r.log.at(-1)?.state === 'open' && r.exec.at(-1)?.state === 'open';
        });
        const tKill = Date.now(); // the signal is sent now; the page may notice before node sees the exit
        await server.kill();
        let seen;
        const rec = await until('everything to leave live', async () => {
          const r = await p.evaluate(pageRecord);
          const lists = r.lists.map((l) => firstAfter(l, tKill, (x) => x.status !== 'live'));
          const log = firstAfter(r.log, tKill, (x) => x.state !== 'open');
          const exec = firstAfter(r.exec, tKill, (x) => x.state !== 'open');
          seen = { lists: lists.map((x, i) => x?.status ?? `still ${r.lists[i].at(-1)?.status}`), log: log?.state ?? 'still open', exec: exec?.state ?? `still open: ${JSON.stringify(r.exec.map((x) => ({ ...x, at: x.at - tKill })))}` };
          return lists.every(Boolean) && log && exec ? { lists, log, exec } : null;
        }, 10000, 20).catch((e) => assert.fail(`${e.message}: ${JSON.stringify(seen)}`));
        const listMs = rec.lists.map((x) => x.at - tKill);
        console.log(`# freshness: ${mode}${IN}: server killed: lists ${rec.lists.map((x) => x.status)} after ${listMs.join(', ')} ms; log pane ${rec.log.state} after ${rec.log.at - tKill} ms; terminal ${rec.exec.state} after ${rec.exec.at - tKill} ms`);
        for (const x of rec.lists) assert.ok(['reconnecting', 'error'].includes(x.status) && x.error, `reconnecting with a reason: ${JSON.stringify(x)}`);
        assert.equal(rec.log.state, 'waiting-to-retry');
        assert.ok(Math.max(...listMs, rec.log.at - tKill, rec.exec.at - tKill) <= NON_LIVE_MS, 'within 2 s');

        await server.start(server.addr);
        const tBack = Date.now();
        await until('the lists to equal the server', () => exactly(p, server), 30000, 50);
        const healed = Date.now() - tBack;
        const logOpen = await until('the log pane to stream again', async () => (await p.evaluate(pageRecord)).log.find((x) => x.at >= tBack && x.state === 'open'), 30000);
        console.log(`# freshness: ${mode}${IN}: server back: lists live and exact after ${healed} ms, log streaming after ${logOpen.at - tBack} ms`);
        if (process.env.FRESHNESS_DEBUG) {
          const r = await p.evaluate(pageRecord);
          console.log(`# ws: ${r.ws.filter((x) => x.t >= tBack - 3000).map((x) => `${x.url}@${x.t - tBack}${x.open ? `+${x.open - x.t}` : ''}${x.close ? `x${x.close - x.t}` : ''}`).join(' ')}`);
          r.lists.forEach((l, i) => console.log(`# ${i}: ${l.filter((x) => x.at >= tKill).map((x) => `${x.at - tBack}:${x.status}:${x.rv}:${x.error?.message?.slice(0, 70) ?? ''}`).join(' | ')}`));
        }
        assert.ok(healed <= HEAL_MS[mode], `live and exact within ${HEAL_MS[mode]} ms of the server answering: ${healed} ms`);
        await p.close();
      } finally {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

test(`logs of a missing pod${IN}: the stream ends with the 404 reason, and the server sees no more than 2 dials`, { timeout: 60000 }, async () => {
  const server = new Server(['--static', 'web/dist', '--churn', '0', '--log-level', 'debug']);
  await server.start();
  try {
    const p = await openBare(server.base, 'off');
    const end = await p.evaluate(
      () =>
        new Promise((resolve) => {
          const states = [];
          const timer = setTimeout(() => resolve({ states, timedOut: true }), 15000);
          window.kubelive.logs({ cluster: 'demo', namespace: 'default', pod: 'ghost', onStatus: (s, e) => {
            states.push({ s, message: e?.message, code: e?.code });
            if (s === 'failed') {
              clearTimeout(timer);
              resolve({ states });
            }
          } }, () => {});
        }),
    );
    assert.ok(!end.timedOut, `the stream ended: ${JSON.stringify(end.states)}`);
    const failed = end.states.at(-1);
    assert.equal(failed.code, 404);
    assert.match(failed.message, /ghost.*not found/);
    await sleep(2000); // a stream that kept retrying would dial again meanwhile
    const dials = server.cur.logs.filter((l) => l.includes('/pods/ghost/log')).length;
    console.log(`# freshness: missing pod: ended "${failed.message}" after ${dials} dial(s)`);
    assert.ok(dials >= 1 && dials <= 2, `${dials} dials`);
  } finally {
    await server.stop();
  }
});

describe('a restart without --state-dir (the server behind the resume point)', () => {
  for (const mode of MODES) {
    test(`${mode === 'on' ? 'mux' : 'per-URL'}${IN}: the lists relist at once and show no raw 504`, { timeout: 120000 }, async () => {
      const server = newServer();
      await server.start();
      try {
        await server.admin('churn', { rate: 400, seconds: 2 }); // the resourceVersion climbs past the fresh seed's
        await until('the churn to stop', async () => (await server.admin('churn', {}, 'GET')).running === 0);
        const p = await openBare(server.base, mode);
        await p.evaluate(pageWatch, { queries: QUERIES });
        await until('the lists to equal the server', () => exactly(p, server));
        await server.restart();
        const tBack = Date.now();
        await until('the lists to equal the restarted server', () => exactly(p, server), 30000, 50);
        const healed = Date.now() - tBack;
        const rec = await p.evaluate(pageRecord);
        console.log(`# freshness: ${mode}${IN}: restart without state: lists exact after ${healed} ms; errors shown: ${JSON.stringify([...new Set(rec.errors)])}`);
        assert.deepEqual(rec.errors.filter((m) => /504|Too large/i.test(m)), [], 'no raw 504');
        assert.ok(healed <= HEAL_MS[mode], `relisted within ${HEAL_MS[mode]} ms: ${healed} ms`);
        await p.close();
      } finally {
        await server.stop();
      }
    });
  }
});

describe('a page frozen with CDP, then resumed', () => {
  for (const mode of MODES) {
    test(`${mode === 'on' ? 'mux' : 'per-URL'}${IN}: live and exact within 3 s of the resume`, { timeout: 180000 }, async () => {
      const server = newServer();
      await server.start();
      try {
        const p = await openBare(server.base, mode);
        await p.evaluate(pageWatch, { queries: QUERIES });
        await until('the lists to equal the server', () => exactly(p, server));
        const cdp = await p.context().newCDPSession(p);
        await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
        await server.admin('churn', { rate: 200, seconds: Math.min(2, FREEZE_MS / 2000) });
        await sleep(FREEZE_MS);
        await until('the churn to stop', async () => (await server.admin('churn', {}, 'GET')).running === 0);
        await cdp.send('Page.setWebLifecycleState', { state: 'active' });
        const tResume = Date.now();
        await until('the lists to equal the server', () => exactly(p, server), 30000, 50);
        const healed = Date.now() - tResume;
        console.log(`# freshness: ${mode}${IN}: frozen ${FREEZE_MS} ms: live and exact ${healed} ms after the resume`);
        assert.ok(healed <= HEAL_MS[mode], `within ${HEAL_MS[mode]} ms: ${healed} ms`);
        await p.close();
      } finally {
        await server.stop();
      }
    });
  }
});
