// The worker host's cold start in real Chromium against the real server:
// every page of the first LIST of a watchList is fetched by the worker's JS
// while the wasm module is still being fetched and compiled (the test holds
// kubelive.wasm back), the page shows them 'loading' as they come (never
// 'live' before the module's watch confirmed it, never fewer objects once
// it showed them all), and once the module runs it takes those pages as its
// own (each page fetched once), its snapshots keeping the page's objects. A
// failed prefetched LIST reaches the list's status with a sentence; a 410 on
// a continue token mid-prefetch makes the module list again, once. The token travels in the Authorization
// header only. Every wait has a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { serverAndBrowser } from './chaos.mjs';
import { ROOT, until } from './lib.mjs';

// The embedded cluster's namespace "scale" holds --scale pods: three
// prefetched LIST pages (1,000, 1,000 and 500: prefetch.js PREFETCH_LIMIT;
// the module's own pages are of 500, the first of them answered by the
// prefetched first page).
const PODS = 2500;
const FIRST = 1000; // the first prefetched page (PREFETCH_LIMIT)
const QUERY = { lists: [{ cluster: 'demo', namespace: 'scale' }], endpoint: { version: 'v1', resource: 'pods' } };
const TOKEN = 'prefetch-test-token-4f1c';
const isList = (url) => url.pathname.endsWith('/namespaces/scale/pods') && !url.searchParams.has('watch');

const env = serverAndBrowser(['--scale', String(PODS), '--bookmark-interval', '200ms']);

// bare loads the bare page, its own client closed, with window.start(options):
// load({ ...options, host, token }) then at once watch QUERY, every snapshot
// recorded in window.rec.
async function bare(ctx) {
  const p = await ctx.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(`${env.server.base}/bare.html?multiplexer=off&host=page`);
  await p.waitForSelector('#out[data-ready="1"]', { timeout: 30000 });
  await p.evaluate(({ q, n }) => {
    window.kubelive.close();
    // first: the first snapshot with rows; full: the first with all n.
    window.rec = { snaps: [], first: null, full: null, last: null };
    window.start = async (options, view = false) => {
      const { load } = await import('./kubelive.js');
      window.kubelive = await load({ wasmURL: 'kubelive.wasm', baseURL: location.origin, multiplexer: 'off', ...options });
      if (view) {
        // A view's snapshots, as window.rec.view: its count and its rows' names.
        window.kubelive.watchView({ ...q, window: { offset: 0, limit: 5 } }, (v) => (window.rec.view = { status: v.status, count: v.count, names: v.rows.map((r) => r.name) }));
        return;
      }
      window.kubelive.watchList(q, (s) => {
        if (s.items.length > 0) window.rec.first ??= s;
        if (s.items.length === n) window.rec.full ??= s;
        window.rec.last = s;
        window.rec.snaps.push({ status: s.status, n: s.items.length, rv: s.resourceVersion, ready: window.kubelive.stats().ready });
      });
    };
  }, { q: QUERY, n: PODS });
  return { p, errors };
}

// open is bare with a client in a dedicated worker (whose requests the
// browser context routes): its kubelive.wasm held until release(), the LISTs
// of namespace scale routed by onList, every request recorded.
async function open(ctx, onList, view = false) {
  const requests = [];
  ctx.on('request', (r) => requests.push({ url: r.url(), auth: r.headers().authorization ?? '' }));
  const { p, errors } = await bare(ctx);
  const wasm = [];
  let holding = true;
  await ctx.route((url) => url.pathname.endsWith('/kubelive.wasm'), (route) => (holding ? wasm.push(route) : route.continue()));
  await ctx.route(isList, onList);
  await p.evaluate(([token, view]) => window.start({ host: 'worker', token }, view), [TOKEN, view]);
  const release = async () => {
    holding = false;
    for (const r of wasm.splice(0)) await r.continue();
  };
  return { p, errors, requests, wasm, release };
}

// untilLive waits for the complete list, live, and returns every snapshot's
// summary, having checked that none claimed live with fewer pods.
async function untilLive(p, errors, what) {
  await until(what, () => p.evaluate((n) => window.rec.last?.status === 'live' && window.rec.last.items.length === n, PODS), 60000).catch(async (e) => {
    throw new Error(`${e.message}: snapshots ${JSON.stringify(await p.evaluate(() => window.rec.snaps))}, page errors ${errors}`);
  });
  const snaps = await p.evaluate(() => window.rec.snaps);
  for (const s of snaps) if (s.status === 'live') assert.equal(s.n, PODS, `a live snapshot holds every pod: ${JSON.stringify(snaps)}`);
  for (const s of snaps) if (!s.ready) assert.notEqual(s.status, 'live', `nothing is live before the module runs: ${JSON.stringify(snaps)}`);
  const full = snaps.findIndex((s) => s.n === PODS);
  for (const s of snaps.slice(full)) assert.equal(s.n, PODS, `once every pod was shown, no snapshot holds fewer: ${JSON.stringify(snaps)}`);
  return snaps;
}

// keptIdentity: every object of the first snapshot with all pods (or, with
// which 'first', with rows) is the same object in the last.
function keptIdentity(p, which = 'full') {
  return p.evaluate((w) => {
    const byUid = new Map(window.rec.last.items.map((o) => [o.metadata.uid, o]));
    return window.rec[w].items.every((o) => byUid.get(o.metadata.uid) === o);
  }, which);
}

// exact: the last snapshot (or, with which 'full', the first with all
// pods) holds exactly the server's pods, each at the server's resourceVersion.
async function exact(p, which = 'last') {
  const key = (o) => `${o.metadata.uid} ${o.metadata.resourceVersion}`;
  const truth = (await env.server.list('api/v1/namespaces/scale/pods')).items.map(key).sort();
  const shown = await p.evaluate((w) => window.rec[w].items.map((o) => `${o.metadata.uid} ${o.metadata.resourceVersion}`).sort(), which);
  assert.deepEqual(shown, truth, `exactly the server's pods (${which} snapshot)`);
}

// wasmServer serves kubelive.wasm on another loopback port, each answer held
// until release(): a SharedWorker's requests are not routed by the browser
// context, so its module is held here.
async function wasmServer() {
  const bytes = readFileSync(path.join(ROOT, 'web/dist/kubelive.wasm'));
  const held = [];
  let holding = true;
  const srv = http.createServer((req, res) => {
    const send = () => {
      res.writeHead(200, { 'content-type': 'application/wasm', 'access-control-allow-origin': '*' });
      res.end(bytes);
    };
    if (holding) held.push(send);
    else send();
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    url: `http://127.0.0.1:${srv.address().port}/kubelive.wasm`,
    held,
    release: () => {
      holding = false;
      for (const send of held.splice(0)) send();
    },
    close: () => {
      srv.closeAllConnections();
      srv.close();
    },
  };
}

test('every page of the first LIST is fetched beside the wasm compile, shown loading, and is the module\'s own LIST', async () => {
  const ctx = await env.browser.newContext();
  try {
    const lists0 = (await env.server.metrics()).lists;
    const seen = [];
    const { p, errors, requests, wasm, release } = await open(ctx, (route) => {
      seen.push(new URL(route.request().url()));
      return route.continue();
    });
    // load() resolved with the module held back: the worker queues the calls and fetches the pages.
    const rows = () => p.evaluate(() => window.rec.first && { status: window.rec.first.status, n: window.rec.first.items.length, rv: window.rec.first.resourceVersion });
    const first = await until('the prefetched first page on the page', rows);
    assert.equal(first.n, FIRST, 'the first page of the LIST, as soon as it came');
    assert.equal(first.status, 'loading', 'a list no watch confirmed is not live');
    assert.equal(first.rv, '', 'nor does it claim a resourceVersion');
    const full = await until('all 2,500 pods on the page', () => p.evaluate(() => window.rec.full && { status: window.rec.full.status, rv: window.rec.full.resourceVersion, ready: window.kubelive.stats().ready }));
    assert.deepEqual(full, { status: 'loading', rv: '', ready: false }, 'every page before the module runs, loading');
    assert.ok(wasm.length >= 1, 'the worker asked for kubelive.wasm and it is still held');
    assert.equal((await env.server.metrics()).lists - lists0, 3, 'the server answered the three LIST pages before the module exists');
    assert.deepEqual(seen.map((u) => u.searchParams.get('limit')), ['1000', '1000', '1000'], 'fewer, larger pages than the module\'s 500 from the first, which it takes as its own');
    assert.equal(seen.filter((u) => u.searchParams.has('continue')).length, 2, 'pages 2 and 3 by their continue tokens');
    const stats = await until('stats from the starting worker', () => p.evaluate(() => {
      const s = window.kubelive.stats();
      return s.prefetch?.started === 3 && s;
    }));
    assert.equal(stats.ready, false, 'stats() says the module is not ready yet');
    assert.deepEqual(stats.prefetch, { started: 3, taken: 0, unused: 3, held: 0 });

    await release();
    const snaps = await untilLive(p, errors, 'the complete list, live');
    assert.equal(snaps[0].ready, false, 'the first snapshot came before the module was ready');
    // The module took the prefetched pages: three pages in all, each fetched once.
    assert.equal((await env.server.metrics()).lists - lists0, 3, `three LIST pages at the server, not six: ${seen.map(String)}`);
    assert.equal(new Set(seen.map(String)).size, 3, 'each page fetched once');
    const after = await until('stats from the ready worker', () => p.evaluate(() => {
      const s = window.kubelive.stats();
      return s.ready && s;
    }));
    const { held, ...pages } = after.prefetch;
    assert.deepEqual(pages, { started: 3, taken: 3, unused: 0 }, 'the module took the prefetched pages');
    assert.ok(await keptIdentity(p), 'the prefetched page\'s objects keep their identity in the module\'s snapshots');
    await exact(p);
    const listed = requests.filter((r) => isList(new URL(r.url)));
    assert.ok(listed.length >= 3, 'the LISTs were seen');
    for (const r of listed) assert.equal(r.auth, `Bearer ${TOKEN}`, 'the token is sent as a bearer header');
    for (const r of requests) assert.ok(!r.url.includes(TOKEN), `no token in a URL: ${r.url}`);
    assert.ok(!JSON.stringify(after).includes(TOKEN), 'nor in stats()');
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('a view\'s LIST is fetched ahead too, every page beside the wasm compile, and is the module\'s own LIST', async () => {
  const ctx = await env.browser.newContext();
  try {
    const truth = (await env.server.list('api/v1/namespaces/scale/pods')).items.map((o) => o.metadata.name).sort();
    const lists0 = (await env.server.metrics()).lists;
    const { p, errors, wasm, release } = await open(ctx, (route) => route.continue(), true);
    await until('the three LIST pages at the server with the module held', async () => (await env.server.metrics()).lists - lists0 === 3);
    assert.ok(wasm.length >= 1, 'kubelive.wasm is still held');
    const early = await p.evaluate(() => ({ view: window.rec.view ?? null, ready: window.kubelive.stats().ready }));
    assert.deepEqual(early, { view: null, ready: false }, 'a view has no rows before Go computes them');
    await release();
    await until('the view of every pod, live', () => p.evaluate((n) => window.rec.view?.status === 'live' && window.rec.view.count === n, PODS), 60000);
    assert.deepEqual(await p.evaluate(() => window.rec.view.names), truth.slice(0, 5), 'the view\'s first rows are the server\'s');
    assert.equal((await env.server.metrics()).lists - lists0, 3, 'the module took the prefetched pages: three LIST pages in all');
    // stats() answers with what the worker reported last and asks for newer: wait for the module's takes.
    const stats = await until('stats with the module\'s takes', () => p.evaluate(() => {
      const s = window.kubelive.stats();
      return s.ready && s.prefetch?.taken > 0 && s;
    })).catch(async (e) => assert.fail(`${e.message}: ${JSON.stringify(await p.evaluate(() => window.kubelive.stats().prefetch))}`));
    const { held, ...pages } = stats.prefetch;
    assert.deepEqual(pages, { started: 3, taken: 3, unused: 0 }, 'every page fetched ahead and taken by the module');
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('a prefetched LIST that fails gives the list an error with a sentence, never live, then the module recovers', async () => {
  const ctx = await env.browser.newContext();
  try {
    let refuse = true;
    const { p, errors, release } = await open(ctx, (route) =>
      refuse
        ? route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'pods is forbidden for this test', reason: 'Forbidden', code: 403 }) })
        : route.continue(),
    );
    const snap = await until('the prefetched LIST\'s error on the page', () => p.evaluate(() => {
      const s = window.rec.last;
      return s && { status: s.status, n: s.items.length, errors: s.errors, ready: window.kubelive.stats().ready };
    }));
    assert.equal(snap.status, 'error');
    assert.equal(snap.n, 0);
    assert.equal(snap.ready, false, 'before the module runs');
    assert.equal(snap.errors.length, 1);
    assert.equal(snap.errors[0].message, 'The server refused access (403): pods is forbidden for this test.');
    assert.equal(snap.errors[0].code, 403);
    assert.equal(snap.errors[0].reason, 'Forbidden');
    refuse = false;
    await release();
    await untilLive(p, errors, 'the list, live, once the server lets it');
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('while the module reads the last prefetched page, its snapshot of the first page is not sent: the page never shows fewer pods', async () => {
  const ctx = await env.browser.newContext();
  try {
    // Page 3 of the prefetch is held until the module took pages 1 and 2 and waits on it.
    let third = null;
    let p2seen = 0;
    const { p, errors, release } = await open(ctx, (route) => {
      if (new URL(route.request().url()).searchParams.has('continue') && !third && p2seen++ === 1) {
        third = route;
        return undefined;
      }
      return route.continue();
    });
    const stats = () => p.evaluate(() => window.kubelive.stats());
    await until('pages 1 and 2 on the page', () => p.evaluate(() => window.rec.last?.items.length === 2000 || null));
    await release();
    await until('the module took the three pages, the third still held', async () => ((await stats()).prefetch?.taken === 3 && third ? true : null));
    // The module's snapshot of its first page: held back, or (broken) sent and shown with fewer pods.
    const shrank = () => p.evaluate(() => window.rec.snaps.some((s, i, a) => i > 0 && s.n < a[i - 1].n));
    await until('the module\'s first snapshot, held back or shown', async () => ((await stats()).prefetch.held > 0 || (await shrank()) ? true : null));
    assert.equal(await shrank(), false, `the page never shows fewer pods: ${JSON.stringify(await p.evaluate(() => window.rec.snaps))}`);
    await third.continue();
    await untilLive(p, errors, 'the complete list, live');
    assert.equal(await shrank(), false, `nor later: ${JSON.stringify(await p.evaluate(() => window.rec.snaps))}`);
    assert.ok(await keptIdentity(p), 'the prefetched pages\' objects keep their identity');
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('a 410 on a continue token mid-prefetch stops the prefetch there; the module lists again once and ends exact, never live before its watch', async () => {
  const ctx = await env.browser.newContext();
  try {
    const lists0 = (await env.server.metrics()).lists;
    let expired = 0;
    const seen = [];
    const { p, errors, release } = await open(ctx, (route) => {
      const u = new URL(route.request().url());
      seen.push(u);
      if (u.searchParams.has('continue') && expired++ === 0) {
        return route.fulfill({ status: 410, contentType: 'application/json', body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'The provided continue parameter is too old', reason: 'Expired', code: 410 }) });
      }
      return route.continue();
    });
    await until('the 410 on page 2', () => (expired > 0 ? true : null));
    // The prefetch stopped at the 410: page 1 on the page, loading, and no page 3.
    const shown = await until('the first page on the page', () => p.evaluate(() => window.rec.last && { status: window.rec.last.status, n: window.rec.last.items.length, ready: window.kubelive.stats().ready }));
    assert.deepEqual(shown, { status: 'loading', n: FIRST, ready: false }, 'a 410 is not a failure to show: the module lists again');
    const stats = await until('stats from the starting worker', () => p.evaluate(() => window.kubelive.stats().prefetch?.started === 2 && window.kubelive.stats().prefetch));
    assert.deepEqual(stats, { started: 2, taken: 0, unused: 2, held: 0 }, 'two pages fetched, none after the 410');
    assert.equal(seen.length, 2);
    await release();
    await untilLive(p, errors, 'the complete list, live, after one relist');
    // Prefetched: page 1 (server) and the 410 (the route). The module took both, then listed again in its own pages of 500.
    assert.equal((await env.server.metrics()).lists - lists0, 1 + Math.ceil(PODS / 500), `one relist: ${seen.map(String)}`);
    assert.equal(seen.filter((u) => !u.searchParams.has('continue')).length, 2, 'the first page twice: the prefetch\'s and the relist\'s');
    await exact(p);
    const snaps = await p.evaluate(() => window.rec.snaps);
    assert.ok(snaps.every((s) => s.status !== 'error'), `no error shown for the 410: ${JSON.stringify(snaps)}`);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

for (const multiplexer of ['off', 'on']) {
  test(`in a SharedWorker (the default host here) too: the LIST's pages before the module, loading, each page once at the server (multiplexer ${multiplexer})`, async () => {
    const ctx = await env.browser.newContext();
    const wasm = await wasmServer();
    try {
      const { p, errors } = await bare(ctx);
      const lists0 = (await env.server.metrics()).lists;
      await p.evaluate((o) => window.start({ host: 'auto', ...o }), { wasmURL: wasm.url, multiplexer });
      const first = await until('the prefetched first page on the page', () => p.evaluate(() => window.rec.first && { status: window.rec.first.status, n: window.rec.first.items.length, host: window.kubelive.stats().host }));
      assert.deepEqual(first, { status: 'loading', n: FIRST, host: 'shared-worker' });
      const full = await until('all 2,500 pods on the page', () => p.evaluate(() => window.rec.full?.status));
      assert.equal(full, 'loading');
      assert.equal(wasm.held.length, 1, 'the worker asked for kubelive.wasm and it is still held');
      assert.equal((await env.server.metrics()).lists - lists0, 3, 'the server answered the three LIST pages before the module exists');
      // The page's own snapshot of the prefetched pages is the server's list
      // (exact asks the server for its list: one more LIST, this test's).
      await exact(p, 'full');
      wasm.release();
      await untilLive(p, errors, 'the complete list, live');
      assert.equal((await env.server.metrics()).lists - lists0, 3 + 1, 'three LIST pages at the server (and exact\'s), not six: the module took them');
      assert.ok(await keptIdentity(p), 'the prefetched page\'s objects keep their identity');
      assert.deepEqual(errors, []);
    } finally {
      await ctx.close();
      wasm.close();
    }
  });
}

test('a module that fails to start after load() resolved gives every list an error with the reason, and onError hears it', async () => {
  const ctx = await env.browser.newContext();
  try {
    const { p, errors } = await bare(ctx);
    await p.evaluate(() => {
      window.heard = [];
      return window.start({ host: 'shared-worker', wasmURL: 'missing.wasm' });
    });
    await p.evaluate(() => window.kubelive.watchList({ lists: [{ cluster: 'demo', namespace: 'default' }], endpoint: { version: 'v1', resource: 'configmaps' }, onError: (e) => window.heard.push(e.message) }, () => {}));
    const got = await until('the lists to say the module failed', () => p.evaluate(() => {
      const s = window.rec.last;
      return s?.status === 'error' && window.heard.length > 0 && { errors: s.errors.map((e) => e.message), heard: window.heard, failed: window.kubelive.stats().failed, ready: window.kubelive.stats().ready };
    }));
    assert.match(got.errors[0], /^kubelive: fetch .*missing\.wasm: HTTP 404$/);
    assert.deepEqual(got.heard, [got.errors[0]]);
    assert.equal(got.failed, got.errors[0]);
    assert.equal(got.ready, false);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});
