// The first page of a paged LIST in real Chromium against the real server:
// with the later pages held back (the browser holds every request that
// carries a continue token), the page already shows the first 500 pods,
// status 'loading' (never 'live' while a page is missing); once the pages
// are let through, the list is 'live' and exact, and the first page's
// objects are the same JS objects in the complete list. Every wait has a
// deadline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './chaos.mjs';
import { launch, until } from './lib.mjs';

// The embedded cluster's namespace "scale" holds --scale pods: three LIST pages of 500.
const PODS = 1200;
const QUERY = { lists: [{ cluster: 'demo', namespace: 'scale' }], endpoint: { version: 'v1', resource: 'pods' } };

let browser;
let server;
before(async () => {
  browser = await launch();
  server = new Server(['--static', 'web/dist', '--churn', '0', '--scale', String(PODS), '--bookmark-interval', '200ms', '--log-level', 'warn']);
  await server.start();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const multiplexer of ['off', 'on']) {
  test(`the first LIST page is shown loading before the rest arrives (multiplexer ${multiplexer})`, async () => {
    const ctx = await browser.newContext();
    try {
      const held = [];
      let holding = true;
      // Only this namespace's later pages are held; the first page and everything else pass.
      await ctx.route(
        (url) => url.pathname.endsWith('/namespaces/scale/pods') && url.searchParams.has('continue'),
        (route) => (holding ? held.push(route) : route.continue()),
      );
      const p = await ctx.newPage();
      const errors = [];
      p.on('pageerror', (e) => errors.push(e.message));
      await p.goto(`${server.base}/bare.html?multiplexer=${multiplexer}&host=page`);
      await p.waitForSelector('#out[data-ready="1"]', { timeout: 30000 });
      await p.evaluate((q) => {
        window.rec = { snaps: [], first: null, last: null };
        window.kubelive.watchList(q, (s) => {
          if (s.items.length > 0) window.rec.first ??= s;
          window.rec.last = s;
          window.rec.snaps.push({ status: s.status, n: s.items.length, rv: s.resourceVersion });
        });
      }, QUERY);

      const first = await until('a snapshot with the first page', () => p.evaluate(() => window.rec.first && { status: window.rec.first.status, n: window.rec.first.items.length, rv: window.rec.first.resourceVersion }));
      assert.equal(first.n, 500, 'the first page alone');
      assert.equal(first.status, 'loading', 'a list missing pages is not live');
      assert.equal(first.rv, '', 'nor does it claim a resourceVersion');
      // The request reaches this test's route handler over the browser's protocol, a moment after the page asked.
      await until('the next page asked for and held', () => held.length === 1);

      // Let every held page through, and any later one.
      holding = false;
      for (const r of held.splice(0)) await r.continue();
      await until('the complete list, live', () => p.evaluate((n) => window.rec.last?.status === 'live' && window.rec.last.items.length === n, PODS), 30000).catch(async (e) => {
        throw new Error(`${e.message}: snapshots ${JSON.stringify(await p.evaluate(() => window.rec.snaps))}, page errors ${errors}`);
      });
      const snaps = await p.evaluate(() => window.rec.snaps);
      for (const s of snaps) if (s.status === 'live') assert.equal(s.n, PODS, `a live snapshot holds every pod: ${JSON.stringify(s)}`);
      const truth = (await server.list('api/v1/namespaces/scale/pods')).items.map((o) => o.metadata.uid).sort();
      const got = await p.evaluate(() => window.rec.last.items.map((o) => o.metadata.uid).sort());
      assert.deepEqual(got, truth, 'exactly the server\'s pods');
      const kept = await p.evaluate(() => {
        const byUid = new Map(window.rec.last.items.map((o) => [o.metadata.uid, o]));
        return window.rec.first.items.every((o) => byUid.get(o.metadata.uid) === o);
      });
      assert.ok(kept, 'the first page\'s objects keep their identity in the complete list');
      assert.deepEqual(errors, []);
    } finally {
      await ctx.close();
    }
  });
}
