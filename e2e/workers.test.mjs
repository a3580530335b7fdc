// The client in a SharedWorker (and a dedicated Worker), in real Chromium
// against the real server: tabs of one browser context share one client
// (one WATCH and one LIST per query, counted at the server's /metrics),
// different tokens share nothing, a tab that closes or crashes releases its
// watches within 5 s (with Web Locks, and without them by heartbeats), a
// killed worker is replaced and every tab comes back live and exact, and a
// hidden tab gets one catch-up snapshot per list.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { queries, serverAndBrowser } from './chaos.mjs';
import { openBare, page, setHidden, until } from './lib.mjs';

const RELEASE_MS = 5000; // the promise: a page that leaves releases its watches within 5 s
const ALL = queries();
// Three lists every tab watches, and one per tab that only that tab watches.
const SHARED = ALL.slice(0, 3);
const own = (i) => ALL[4 + 4 * i];

const env = serverAndBrowser();
const metrics = (e = env) => e.server.metrics();

function apiPath(q) {
  const { group, version, resource } = q.endpoint;
  return `${group ? `apis/${group}/${version}` : `api/${version}`}/namespaces/${q.lists[0].namespace}/${resource}`;
}

/**
 * open loads the bare page in ctx with the client in host, optionally with a
 * token (given by postMessage only); noLocks: the page acts as if it had no
 * Web Locks (load's _noLocks test hook), so heartbeats tell its lifetime.
 */
async function open(ctx, host, { token = '', multiplexer = 'off', noLocks = false } = {}, e = env) {
  const p = await openBare(ctx, e.server.base, { host, token, multiplexer, options: noLocks ? { _noLocks: true } : {} });
  await p.evaluate(() => (window.rec = { snaps: [], statuses: [], cleanups: [] }));
  return p;
}

/** watch starts watching queries in p, counting each list's snapshots. */
async function watch(p, qs) {
  await p.evaluate((qs) => {
    for (const q of qs) {
      const i = window.rec.snaps.length;
      window.rec.snaps.push(0);
      const key = window.kubelive.listKey(q);
      window.rec.statuses.push([]);
      window.rec.cleanups.push({
        key,
        stop: window.kubelive.watchList(q, (s) => {
          window.rec.snaps[i]++;
          if (window.rec.statuses[i].at(-1) !== s.status) window.rec.statuses[i].push(s.status);
        }),
      });
    }
  }, qs);
}

/** live says whether every list p watches is live (read in the page only: no request to the server). */
const live = (p) => p.evaluate(() => window.rec.cleanups.every(({ key }) => window.kubelive.getList(key)?.status === 'live'));

/** exact says whether every list p watches is live and holds exactly the server's objects. */
async function exact(p, qs, e = env) {
  const got = await p.evaluate(() =>
    window.rec.cleanups.map(({ key }) => {
      const s = window.kubelive.getList(key);
      return { status: s?.status ?? 'none', items: (s?.items ?? []).map((it) => `${it.metadata.uid}@${it.metadata.resourceVersion}`) };
    }),
  );
  for (let i = 0; i < qs.length; i++) {
    if (got[i].status !== 'live') return false;
    const truth = (await e.server.list(apiPath(qs[i]))).items.map((it) => `${it.metadata.uid}@${it.metadata.resourceVersion}`);
    if (JSON.stringify(got[i].items.slice().sort()) !== JSON.stringify(truth.sort())) return false;
  }
  return true;
}

const watchesAt = (want, what) => until(what, async () => ((await metrics()).watches === want ? true : null), 15000);

/**
 * threeTabs opens 3 tabs in ctx (open's options o), each watching SHARED and
 * a list of its own, and checks that they share one WATCH and one LIST per
 * query at the server and are live and exact; it returns the tabs and the
 * server's counts before them.
 */
async function threeTabs(ctx, o) {
  const m0 = await metrics();
  const tabs = [];
  for (let i = 0; i < 3; i++) {
    const p = await open(ctx, 'shared-worker', o);
    await watch(p, [...SHARED, own(i)]);
    tabs.push(p);
  }
  // The counts first (the test's own LISTs of the truth below are counted too), then exactness.
  for (const [i, p] of tabs.entries()) await until(`tab ${i} live`, () => live(p), 30000);
  const m = await metrics();
  assert.equal(m.watches - m0.watches, SHARED.length + 3, 'one watch per query at the server, however many tabs');
  assert.equal(m.lists - m0.lists, SHARED.length + 3, 'one LIST per query at the server');
  for (const [i, p] of tabs.entries()) await until(`tab ${i} exact`, () => exact(p, [...SHARED, own(i)]), 30000);
  assert.equal(await tabs[0].evaluate(() => window.kubelive.stats().host), 'shared-worker');
  return { tabs, m0 };
}

/** crash crashes tab p (CDP Page.crash) and returns the ms until the server holds want watches. */
async function crash(ctx, p, want) {
  const cdp = await ctx.newCDPSession(p);
  const t = Date.now();
  cdp.send('Page.crash').catch(() => {}); // answered only when the target is gone: not awaited
  await watchesAt(want, 'the crashed tab to release its watch');
  return Date.now() - t;
}

// GOODBYE_MS: a tab without Web Locks that leaves says goodbye (pagehide) and
// is released at once. Without the goodbye a closing tab would be kept 3
// minutes (it turns hidden before it goes), a navigating one released by its
// beats' silence, at least 2 s later (3 s, the last beat up to 1 s before).
const GOODBYE_MS = 2000;

/**
 * closeAndCrash closes the third of threeTabs' tabs and crashes the second:
 * each releases its own list's watch within 5 s (the closed one within
 * goodbyeMs when given), the shared ones stay, and the first tab stays live
 * and exact; then it closes the first.
 */
async function closeAndCrash(ctx, { tabs, m0 }, what, goodbyeMs = RELEASE_MS) {
  const t = Date.now();
  await tabs[2].close();
  await watchesAt(m0.watches + SHARED.length + 2, 'the closed tab to release its watch');
  const closedMs = Date.now() - t;
  const crashedMs = await crash(ctx, tabs[1], m0.watches + SHARED.length + 1);
  console.log(`# ${what}: released ${closedMs} ms after a tab closed, ${crashedMs} ms after a tab crashed`);
  assert.ok(closedMs <= RELEASE_MS && crashedMs <= RELEASE_MS, `released within ${RELEASE_MS} ms: closed ${closedMs}, crashed ${crashedMs}`);
  assert.ok(closedMs < goodbyeMs, `the closed tab said goodbye: released ${closedMs} ms after it closed`);
  assert.ok(await exact(tabs[0], [...SHARED, own(0)]), 'the remaining tab is live and exact');
  assert.deepEqual(tabs[0].errors, []);
  await tabs[0].close();
  await watchesAt(m0.watches, 'every watch to end once the last tab left');
}

describe('shared worker', () => {
  test('tabs share one worker: one WATCH and one LIST per query; a second token shares nothing; closing and crashing tabs release within 5 s', { timeout: 120000 }, async () => {
    const ctx = await env.browser.newContext();
    try {
      const three = await threeTabs(ctx, {});
      const { m0 } = three;

      // Another token: a client of its own (its own watch and LIST of the same queries).
      const other = await open(ctx, 'shared-worker', { token: 'another-user' });
      const m1 = await metrics();
      await watch(other, SHARED);
      await until('the other token live', () => live(other), 30000);
      const m = await metrics();
      assert.equal(m.watches - m1.watches, SHARED.length, 'a different token shares no watch');
      assert.equal(m.lists - m1.lists, SHARED.length, 'a different token shares no LIST');
      await until('the other token exact', () => exact(other, SHARED), 30000);
      // The token reached its worker by postMessage only: no worker's URL or name holds it.
      const cdp0 = await env.browser.newBrowserCDPSession();
      const { targetInfos } = await cdp0.send('Target.getTargets');
      const workers = targetInfos.filter((x) => x.type === 'shared_worker');
      assert.equal(workers.length, 2, `a worker per configuration: ${JSON.stringify(workers.map((x) => [x.url, x.title]))}`);
      for (const x of workers) assert.ok(!JSON.stringify(x).includes('another-user'), `no token in ${JSON.stringify(x)}`);
      await cdp0.detach();
      await other.close();
      await watchesAt(m0.watches + SHARED.length + 3, "the other token's watches to end");
      await closeAndCrash(ctx, three, 'workers');
    } finally {
      await ctx.close();
    }
  });

  test('a hidden tab gets nothing, then one snapshot per list with everything that changed', { timeout: 120000 }, async () => {
    const ctx = await env.browser.newContext();
    try {
      const p = await open(ctx, 'shared-worker');
      const qs = [ALL[0], ALL[4]]; // pods of default and kube-system
      await watch(p, qs);
      await until('live and exact', () => exact(p, qs), 30000);
      await setHidden(p, true);
      await p.evaluate(() => {
        window.rec.atHide = window.rec.snaps.slice();
        window.rec.before = window.rec.cleanups.map(({ key }) => window.kubelive.getList(key).items);
      });
      for (let i = 0; i < 5; i++) {
        for (const q of qs) {
          const ns = q.lists[0].namespace;
          const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `hidden-${process.pid}-${i}`, namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
          const r = await fetch(`${env.server.base}/clusters/demo/api/v1/namespaces/${ns}/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(pod) });
          assert.equal(r.status, 201);
        }
      }
      // The worker holds the changes: wait until its cache has them (its stats count events).
      await until('the worker to take in the changes', async () => {
        const st = await p.evaluate(() => window.kubelive.stats());
        return st.sockets.reduce((n, s) => n + s.messagesIn, 0) >= 10 ? true : null;
      }, 15000);
      // Frames keep running in the hidden tab: give it several before reading.
      await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 200)))));
      const hidden = await p.evaluate(() => window.rec.snaps.map((n, i) => n - window.rec.atHide[i]));
      assert.deepEqual(hidden, [0, 0], 'no snapshot while hidden');
      await p.evaluate(() => (window.rec.atShow = window.rec.snaps.slice()));
      await setHidden(p, false);
      await until('exact after visible', () => exact(p, qs), 15000);
      const shown = await p.evaluate(() => window.rec.snaps.map((n, i) => n - window.rec.atShow[i]));
      assert.deepEqual(shown, [1, 1], 'one catch-up snapshot per list');
      // Only the created pods crossed: every object the tab had keeps its identity.
      const kept = await p.evaluate(() =>
        window.rec.cleanups.map(({ key }, i) => {
          const now = new Set(window.kubelive.getList(key).items);
          return [window.rec.before[i].filter((o) => now.has(o)).length, window.rec.before[i].length, now.size];
        }),
      );
      for (const [same, before, now] of kept) {
        assert.equal(same, before, 'unchanged objects keep their identity');
        assert.equal(now, before + 5);
      }
    } finally {
      await ctx.close();
    }
  });
});

describe('a replaced worker', () => {
  // Its own server, whose bookmarks confirm on a quiet server the lists a
  // replaced worker resumed (stale until then).
  const renv = serverAndBrowser(['--bookmark-interval', '500ms']);

  test('a killed worker is replaced and every tab comes back live and exact, every tab\'s lists resumed (no LIST, also the lists only one tab watches) and unchanged objects the same objects', { timeout: 120000 }, async () => {
    const ctx = await renv.browser.newContext();
    try {
      const m0 = await metrics(renv);
      const tabs = [await open(ctx, 'shared-worker', {}, renv), await open(ctx, 'shared-worker', {}, renv)];
      // Each tab also watches a list of its own: whichever tab reaches the new worker first
      // cannot hand over the other's, which the other tab must.
      const qsOf = [[...SHARED, own(0)], [...SHARED, own(1)]];
      for (const [i, p] of tabs.entries()) await watch(p, qsOf[i]);
      for (const [i, p] of tabs.entries()) await until('tabs live and exact', () => exact(p, qsOf[i], renv), 30000);
      const cdp = await renv.browser.newBrowserCDPSession();
      const { targetInfos } = await cdp.send('Target.getTargets');
      const workers = targetInfos.filter((x) => x.type === 'shared_worker' && x.url.startsWith(renv.server.base));
      assert.equal(workers.length, 1, `one shared worker for both tabs: ${JSON.stringify(targetInfos.map((x) => [x.type, x.url]))}`);
      // Every object each tab holds, to tell after the restart which are still the same objects.
      for (const p of tabs) await p.evaluate(() => (window.rec.before = window.rec.cleanups.map(({ key }) => window.kubelive.getList(key).items)));
      const lists0 = (await metrics(renv)).lists;
      const t = Date.now();
      await cdp.send('Target.closeTarget', { targetId: workers[0].targetId });
      // Nothing claims live while no worker serves the tabs.
      // Nothing claims live while no worker serves the tabs: each list said so.
      for (const p of tabs) await until('every list to say it is not live', () => p.evaluate(() => window.rec.statuses.every((l) => l.includes('reconnecting'))), 10000);
      // Live again, read in the pages only (exact() LISTs at the server itself).
      for (const p of tabs) await until('tabs live again', () => live(p), 30000);
      const relists = (await metrics(renv)).lists - lists0;
      for (const [i, p] of tabs.entries()) await until('tabs live and exact again', () => exact(p, qsOf[i], renv), 30000);
      console.log(`# workers: every tab live and exact ${Date.now() - t} ms after the worker was killed`);
      assert.equal(relists, 0, 'the new worker resumed every list from its resourceVersion: no LIST at the server');
      for (const p of tabs) {
        const st = await p.evaluate(() => window.rec.statuses);
        for (const l of st) assert.deepEqual(l.slice(-3), ['reconnecting', 'stale', 'live'], 'handed-over lists are stale until the server confirms them');
      }
      for (const p of tabs) {
        const same = await p.evaluate(() =>
          window.rec.cleanups.map(({ key }, i) => {
            const was = new Map(window.rec.before[i].map((o) => [`${o.metadata.uid}@${o.metadata.resourceVersion}`, o]));
            const unchanged = window.kubelive.getList(key).items.filter((o) => was.has(`${o.metadata.uid}@${o.metadata.resourceVersion}`));
            return { unchanged: unchanged.length, same: unchanged.filter((o) => was.get(`${o.metadata.uid}@${o.metadata.resourceVersion}`) === o).length };
          }),
        );
        assert.ok(same.reduce((n, x) => n + x.unchanged, 0) > 0, `some objects unchanged: ${JSON.stringify(same)}`);
        for (const x of same) assert.equal(x.same, x.unchanged, `every unchanged object is the object the tab held: ${JSON.stringify(same)}`);
      }
      for (const p of tabs) assert.ok((await p.evaluate(() => window.kubelive.stats().restarts)) >= 1);
      const after = await cdp.send('Target.getTargets');
      assert.equal(after.targetInfos.filter((x) => x.type === 'shared_worker' && x.url.startsWith(renv.server.base)).length, 1, 'one new worker');
      await until('one watch per query after the restart', async () => (await metrics(renv)).watches === m0.watches + SHARED.length + 2, 15000);
      for (const p of tabs) assert.deepEqual(p.errors, []);
    } finally {
      await ctx.close();
    }
  });
});

describe('dedicated worker', () => {
  test('host worker: live and exact, stats say worker, leaving ends its watches', { timeout: 60000 }, async () => {
    const ctx = await env.browser.newContext();
    try {
      const m0 = await metrics();
      const p = await open(ctx, 'worker', { multiplexer: 'on' });
      await watch(p, SHARED);
      await until('live and exact', () => exact(p, SHARED), 30000);
      assert.equal(await p.evaluate(() => window.kubelive.stats().host), 'worker');
      await p.evaluate(() => window.kubelive.close());
      await watchesAt(m0.watches, 'the watches to end after close()');
      assert.deepEqual(p.errors, []);
    } finally {
      await ctx.close();
    }
  });
});

describe('the same API in the worker host', () => {
  test('subscribe, mux.subscribe, stream (getSocket), logs, exec and retry work in a shared worker', { timeout: 60000 }, async () => {
    const ctx = await env.browser.newContext();
    try {
      // A pod of the seed (the hidden-tab test's pods have written no log yet).
      const pod = (await env.server.list('api/v1/namespaces/default/pods')).items.find((x) => !x.metadata.name.startsWith('hidden-')).metadata.name;
      const p = await open(ctx, 'shared-worker', { multiplexer: 'on' });
      const got = await p.evaluate(async (pod) => {
        const kl = window.kubelive;
        const r = { sub: [], subStatus: [], mux: [], stream: [], lines: 0, logStatus: [], out: '', exit: null };
        const wait = async (what, ok) => {
          const deadline = Date.now() + 20000;
          while (!ok()) {
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(r)}`);
            await new Promise((res) => setTimeout(res, 50));
          }
        };
        const stopSub = kl.subscribe({ cluster: 'demo', url: 'api/v1/namespaces/default/configmaps?watch=1', onMessage: (m) => r.sub.push(m.type), onStatus: (s) => r.subStatus.push(s.state) });
        const stopMux = await kl.mux.subscribe('demo', '/api/v1/namespaces/default/pods', 'watch=1', (m) => r.mux.push(m.type));
        const st = kl.stream('api/v1/namespaces/default/secrets?watch=1', (m) => r.stream.push(m.type), { isJson: true, cluster: 'demo' });
        const logs = kl.logs({ cluster: 'demo', namespace: 'default', pod, onStatus: (s) => r.logStatus.push(s) }, (lines) => (r.lines += lines.length));
        kl.exec({ cluster: 'demo', namespace: 'default', pod, command: ['sh', '-c', 'echo kubelive-worker'], stdout: true, onOutput: (ch, text) => (r.out += text), onExit: (code) => (r.exit = code) });
        await wait('subscribe', () => r.sub.length > 0 && r.subStatus.includes('open'));
        await wait('mux.subscribe', () => r.mux.length > 0);
        await wait('stream', () => r.stream.length > 0 && st.getSocket()?.readyState === 1);
        const sock = st.getSocket();
        r.socket = { readyState: sock.readyState, protocol: sock.protocol, send: typeof sock.send, close: typeof sock.close };
        await wait('logs', () => r.lines > 0 && r.logStatus.includes('open'));
        await wait('exec', () => r.exit !== null);
        // A session's write crosses to the worker: the shell runs what it is sent.
        r.shell = '';
        const sh = kl.exec({ cluster: 'demo', namespace: 'default', pod, command: ['sh'], stdin: true, stdout: true, onOutput: (ch, text) => (r.shell += text), onStatus: (s) => (r.shellStatus = s) });
        await wait('the shell to open', () => r.shellStatus === 'open');
        r.wrote = sh.write('echo written-through\n');
        await wait('the shell to answer', () => r.shell.includes('written-through'));
        sh.close();
        kl.retry();
        stopSub();
        stopMux();
        st.cancel();
        logs.cancel();
        r.afterCancel = st.getSocket();
        const t = Date.now(); // a report made after the cancels
        await wait('everything to end in the worker', () => {
          const s = kl.stats();
          return s.reportedAt > t && s.streams === 0 && s.sockets.length === 0;
        });
        return r;
      }, pod);
      assert.ok(got.sub.includes('ADDED'));
      assert.ok(got.mux.includes('ADDED'));
      assert.deepEqual(got.socket, { readyState: 1, protocol: got.socket.protocol, send: 'function', close: 'function' });
      assert.equal(got.afterCancel, null);
      assert.equal(got.exit, 0);
      assert.match(got.out, /kubelive-worker/);
      assert.equal(got.wrote, '');
      assert.deepEqual(p.errors, []);
    } finally {
      await ctx.close();
    }
  });
});

describe('leaks', () => {
  test('10,000 subscribe/cleanup cycles leave nothing behind in the worker or the page', { timeout: 120000 }, async () => {
    const ctx = await env.browser.newContext();
    try {
      const p = await open(ctx, 'shared-worker', { multiplexer: 'on' });
      const stat = () => p.evaluate(() => window.kubelive.stats());
      // The worker's baseline: its stats once answered (the first stats() asks, the next reads).
      await until('the first stats', async () => (await stat()).funcs > 0, 10000);
      const base = await stat();
      const q = SHARED[0];
      await p.evaluate(async (q) => {
        const kl = window.kubelive;
        // Bursts of 100 held for 20 ms, so that the worker opens their sockets and watch before they end.
        for (let i = 0; i < 10000; i += 100) {
          const stops = [];
          for (let j = i; j < i + 100; j++)
            stops.push(j % 2 ? kl.subscribe({ cluster: 'demo', url: `api/v1/namespaces/default/configmaps?watch=1&i=${j % 50}`, onMessage: () => {} }) : kl.watchList(q, () => {}));
          await new Promise((r) => setTimeout(r, 20));
          stops.forEach((stop) => stop());
        }
      }, q);
      const t = await p.evaluate(() => Date.now());
      const end = await until('the worker back to its baseline', async () => {
        const s = await stat();
        return s.reportedAt > t && s.funcs === base.funcs && s.sockets.length === 0 && s.streams === 0 && s.cache.watchers === 0 && s.pageOps === 0 && s.pageTimers === 0 ? s : null;
      }, 60000).catch(async (e) => assert.fail(`${e.message}: ${JSON.stringify({ base, now: await stat() })}`));
      console.log(`# workers: after 10,000 cycles: ${end.funcs} js.Funcs (baseline ${base.funcs}), ${end.browserSockets.created} sockets created`);
      assert.ok(end.browserSockets.created > 0, 'the cycles opened sockets in the worker');
      assert.deepEqual(p.errors, []);
    } finally {
      await ctx.close();
    }
  });
});

describe('without Web Locks (heartbeats)', () => {
  /** pageLocks counts the kubelive page locks held in p's origin. */
  const pageLocks = (p) => p.evaluate(async () => (await navigator.locks.query()).held.filter((l) => l.name.startsWith('kubelive-page-')).length);

  test('tabs without Web Locks share one client; a tab that closes or crashes releases its watch within 5 s; the last stays live and exact', { timeout: 120000 }, async () => {
    const ctx = await env.browser.newContext();
    try {
      const three = await threeTabs(ctx, { noLocks: true });
      assert.equal(await pageLocks(three.tabs[0]), 0, 'no tab holds a lock: only heartbeats can tell the worker a tab left');
      await closeAndCrash(ctx, three, 'workers without Web Locks', GOODBYE_MS);
    } finally {
      await ctx.close();
    }
  });

  test("'auto' picks the shared worker in pages with no navigator.locks at all; a crashed tab is released within 5 s, one that navigates away at once", { timeout: 120000 }, async () => {
    const ctx = await env.browser.newContext();
    try {
      await ctx.addInitScript(() => delete Navigator.prototype.locks);
      const m0 = await metrics();
      const tabs = [await open(ctx, 'auto'), await open(ctx, 'auto'), await open(ctx, 'auto')];
      assert.equal(await tabs[0].evaluate(() => typeof navigator.locks), 'undefined');
      for (const [i, p] of tabs.entries()) await watch(p, [own(i)]);
      for (const [i, p] of tabs.entries()) await until(`tab ${i} live and exact`, () => exact(p, [own(i)]), 30000);
      for (const p of tabs) assert.equal(await p.evaluate(() => window.kubelive.stats().host), 'shared-worker');
      await watchesAt(m0.watches + 3, 'a watch per tab');
      // A tab that navigates away says goodbye (another tab keeps the worker running).
      const t = Date.now();
      await tabs[2].goto('about:blank');
      await watchesAt(m0.watches + 2, 'the tab that navigated away to release its watch');
      const navigatedMs = Date.now() - t;
      const crashedMs = await crash(ctx, tabs[1], m0.watches + 1);
      console.log(`# workers without navigator.locks: released ${navigatedMs} ms after a tab navigated away, ${crashedMs} ms after a tab crashed`);
      assert.ok(navigatedMs < GOODBYE_MS, `the tab that navigated away said goodbye: released ${navigatedMs} ms after`);
      assert.ok(crashedMs <= RELEASE_MS, `released within ${RELEASE_MS} ms: ${crashedMs}`);
      assert.ok(await exact(tabs[0], [own(0)]), 'the other tab is live and exact');
      assert.deepEqual(tabs[0].errors, []);
    } finally {
      await ctx.close();
    }
  });

  test('a hidden tab that stops beating is kept; a visible one that stops beating is let go, and comes back live and exact when it runs again', { timeout: 120000 }, async () => {
    const ctx = await env.browser.newContext();
    try {
      const m0 = await metrics();
      const hidden = await open(ctx, 'shared-worker', { noLocks: true });
      const visible = await open(ctx, 'shared-worker', { noLocks: true });
      // A third tab that keeps running: a worker whose every page is frozen may be frozen too.
      await open(ctx, 'shared-worker', { noLocks: true });
      await watch(hidden, [own(0)]);
      await watch(visible, [own(1)]);
      await until('both tabs live and exact', async () => (await exact(hidden, [own(0)])) && exact(visible, [own(1)]), 30000);
      await watchesAt(m0.watches + 2, 'a watch per tab');
      // Paused in the debugger, a page runs no timer and sends no beat, as a
      // throttled or frozen hidden tab (CDP's frozen lifecycle state leaves
      // this Chromium's timers running).
      const pause = async (p) => {
        const cdp = await ctx.newCDPSession(p);
        await cdp.send('Debugger.enable');
        await cdp.send('Debugger.pause');
        return () => cdp.send('Debugger.resume');
      };
      await setHidden(hidden, true);
      const resumeHidden = await pause(hidden);
      const resumeVisible = await pause(visible);
      const t = Date.now();
      await watchesAt(m0.watches + 1, "the silent visible tab's watch to end");
      const releasedMs = Date.now() - t;
      // Twice the release window: the hidden tab, silent as long, is kept.
      while (Date.now() - t < 2 * RELEASE_MS) {
        assert.equal((await metrics()).watches, m0.watches + 1, "the hidden tab's watch is kept while it is silent");
        await new Promise((r) => setTimeout(r, 250));
      }
      console.log(`# workers without Web Locks: a silent visible tab released after ${releasedMs} ms; a silent hidden tab kept ${Date.now() - t} ms`);
      assert.ok(releasedMs <= RELEASE_MS, `released within ${RELEASE_MS} ms: ${releasedMs}`);
      await resumeHidden();
      await setHidden(hidden, false);
      await resumeVisible();
      // The visible tab finds its beats unanswered and connects again, its lists handed over.
      const tResume = Date.now();
      await until('the let-go tab to connect again', () => visible.evaluate(() => window.kubelive.stats().restarts >= 1), 15000);
      const reconnectMs = Date.now() - tResume;
      await until('the let-go tab live and exact again', () => exact(visible, [own(1)]), 30000);
      console.log(`# workers without Web Locks: the let-go tab connected again ${reconnectMs} ms after it resumed, live and exact ${Date.now() - tResume} ms after`);
      assert.ok(await exact(hidden, [own(0)]), 'the kept tab is live and exact');
      assert.equal(await hidden.evaluate(() => window.kubelive.stats().restarts), 0, 'the kept tab never lost its worker');
      await watchesAt(m0.watches + 2, 'a watch per tab again');
      assert.deepEqual([...hidden.errors, ...visible.errors], []);
    } finally {
      await ctx.close();
    }
  });
});
