// Live views with the client in a SharedWorker, in real Chromium against the
// real server: two tabs' views of one list share one WATCH and one LIST
// (counted at the server's /metrics); after churn each tab's window equals
// the same filter, sort and window computed on the server's LIST; update()
// sends no LIST; rows that did not change keep their identity on the page;
// getObject answers with the whole object; a refused query gets the page
// host's sentence; a killed worker is replaced and the view comes back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './chaos.mjs';
import { launch, until } from './lib.mjs';

const NS = 'default';
const PODS = `api/v1/namespaces/${NS}/pods`;
const QUERY = {
  lists: [{ cluster: 'demo', namespace: NS }],
  endpoint: { group: '', version: 'v1', resource: 'pods' },
  sort: [{ by: 'metadata.name' }],
  window: { offset: 0, limit: 1000 },
  columns: { phase: 'status.phase' },
};

let browser;
let server;
before(async () => {
  browser = await launch();
  server = new Server(['--static', 'web/dist', '--admin', '--churn', '0', '--log-level', 'warn']);
  await server.start();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** metrics reads the server's watches being served and LISTs so far (cluster demo). */
async function metrics() {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const num = (re) => Number(re.exec(text)?.[1] ?? 0);
  return {
    watches: num(/^kubelive_watches\{cluster="demo"\} (\S+)$/m),
    lists: num(/^kubelive_requests_total\{cluster="demo",verb="LIST"\} (\S+)$/m),
  };
}

/** open loads the bare page in ctx with a client in a SharedWorker, and watches QUERY as a view. */
async function open(ctx) {
  const p = await ctx.newPage();
  p.errors = [];
  p.on('pageerror', (e) => p.errors.push(`pageerror: ${e.message}`));
  await p.goto(`${server.base}/bare.html?multiplexer=off&host=page`);
  await p.waitForSelector('#out[data-ready="1"]', { timeout: 30000 });
  await p.evaluate(async (query) => {
    window.kubelive.close(); // bare.html's own client (a page host)
    const { load } = await import('./kubelive.js');
    window.kubelive = await load({ wasmURL: 'kubelive.wasm', baseURL: location.origin, multiplexer: 'off', host: 'shared-worker' });
    const v = (window.v = { snaps: 0, last: null, errors: [], statuses: [] });
    v.stop = window.kubelive.watchView({ ...query, onError: (e) => v.errors.push(e.message) }, (s) => {
      v.snaps++;
      v.last = s;
      if (v.statuses.at(-1) !== s.status) v.statuses.push(s.status);
    });
  }, QUERY);
  return p;
}

const cmp = (a, b) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });

/** expected is the view computed on the server's LIST (one LIST, unless items are given): rows (uid, name, phase) passing text, sorted by name, in the window. */
async function expected(text = '', win = QUERY.window, items = null) {
  items ??= (await server.list(PODS)).items;
  const pass = items.filter((o) => !text || [o.metadata.name, o.metadata.namespace, ...Object.values(o.metadata.labels ?? {})].some((s) => s.toLowerCase().includes(text)));
  const rows = pass
    .map((o) => `${o.metadata.uid} ${o.metadata.name} ${o.status?.phase ?? null}`)
    .sort((a, b) => cmp(a.split(' ')[1], b.split(' ')[1]));
  return { rows: rows.slice(win.offset, win.offset + win.limit), total: pass.length, count: items.length };
}

/** shown is p's view as expected() states it, read on the page only (getView of its key). */
const shown = (p) =>
  p.evaluate(() => {
    const s = window.kubelive.getView(window.v.last?.key ?? '');
    return s && { status: s.status, rows: s.rows.map((r) => `${r.uid} ${r.name} ${r.phase}`), total: s.total, count: s.count };
  });

/** matches says whether p's view is live and equals want. */
async function matches(p, want) {
  const got = await shown(p);
  return got?.status === 'live' && JSON.stringify({ ...got, status: undefined }) === JSON.stringify(want);
}

const podNames = [];
async function createPod(name) {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app: 'e2e-view' } }, spec: { containers: [{ name: 'app', image: 'busybox:1.37' }] } };
  const r = await fetch(`${server.base}/clusters/demo/${PODS}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(pod) });
  assert.equal(r.status, 201, await r.text());
  podNames.push(name);
}
async function deletePod(name) {
  const r = await fetch(`${server.base}/clusters/demo/${PODS}/${name}`, { method: 'DELETE' });
  assert.ok(r.ok, `DELETE ${name}: HTTP ${r.status}`);
}

test('a view in a SharedWorker: two tabs share one WATCH and LIST, equal the server after churn, update() sends no LIST, unchanged rows keep identity', { timeout: 180000 }, async () => {
  const ctx = await browser.newContext();
  try {
    const m0 = await metrics();
    const tabs = [await open(ctx), await open(ctx)];
    // The test's own LISTs of the truth are counted too: the counts first, read before any.
    for (const p of tabs) await until('the view live', async () => (await shown(p))?.status === 'live', 30000);
    let m = await metrics();
    assert.equal(m.watches - m0.watches, 1, 'two tabs, one WATCH at the server');
    assert.equal(m.lists - m0.lists, 1, 'two tabs, one LIST at the server');
    for (const p of tabs) await until('the view equal to the server', async () => matches(p, await expected()), 30000);

    // Row identity: keep the rows, create one pod; every other row is the same object.
    for (const p of tabs) await p.evaluate(() => (window.v.kept = new Map(window.v.last.rows.map((r) => [r.uid, r]))));
    const tag = Date.now().toString(36);
    await createPod(`view-${tag}-0`);
    for (const p of tabs) {
      await until('the new pod in the view', async () => matches(p, await expected()), 30000);
      const changed = await p.evaluate(() => {
        const s = window.v.last;
        const frozen = Object.isFrozen(s) && Object.isFrozen(s.rows) && s.rows.every(Object.isFrozen);
        return { frozen, fresh: s.rows.filter((r) => window.v.kept.get(r.uid) !== r).map((r) => r.name) };
      });
      assert.ok(changed.frozen, 'the snapshot and its rows are frozen');
      assert.deepEqual(changed.fresh, [`view-${tag}-0`], 'only the new row is a new object');
    }

    // Churn: pods created and deleted; both tabs equal the server's LIST.
    for (let i = 1; i <= 12; i++) await createPod(`view-${tag}-${i}`);
    for (let i = 0; i < 12; i += 3) await deletePod(`view-${tag}-${i}`);
    for (const p of tabs) await until('the view equal to the server after churn', async () => matches(p, await expected()), 30000);

    // update(): a text filter and another window, for one tab only; no LIST at the server.
    const items = (await server.list(PODS)).items; // nothing changes from here on
    const all = await expected('', QUERY.window, items);
    const win = { offset: 2, limit: 3 };
    const want = await expected(tag, win, items);
    assert.equal(want.rows.length, 3);
    const mBefore = await metrics();
    const answer = await tabs[0].evaluate(({ query, win, tag }) => window.v.stop.update({ ...query, where: { text: tag }, window: win }), { query: QUERY, win, tag });
    assert.equal(answer, '', 'update() was accepted');
    await until('the updated window', () => matches(tabs[0], want), 30000);
    await until('the other tab keeps its window', () => matches(tabs[1], all), 30000);
    m = await metrics();
    assert.equal(m.lists, mBefore.lists, 'update() sent no LIST');
    assert.equal(m.watches - m0.watches, 1, 'still one WATCH');

    // update() of other lists is refused at once, as in the page host.
    const refused = await tabs[0].evaluate((query) => window.v.stop.update({ ...query, lists: [{ cluster: 'demo', namespace: 'kube-system' }] }), QUERY);
    assert.match(refused, /lists or the endpoint changed/);

    // getObject: the whole object of a row, once, as a Promise in a worker host.
    const obj = await tabs[0].evaluate(async () => {
      const r = window.v.last.rows[0];
      const o = await window.v.stop.getObject(r.cluster, r.uid);
      return { uid: r.uid, got: o?.metadata?.uid, kind: o?.kind ?? null, spec: !!o?.spec, missing: await window.v.stop.getObject('demo', 'no-such-uid') };
    });
    assert.equal(obj.got, obj.uid);
    assert.ok(obj.spec, 'the whole object');
    assert.equal(obj.missing, null);

    // A bad query: onError gets the page host's sentence.
    const sentences = await tabs[0].evaluate(async () => {
      const { load } = await import('./kubelive.js');
      const local = await load({ wasmURL: 'kubelive.wasm', baseURL: location.origin, multiplexer: 'off', host: 'page' });
      const bad = { lists: [{ cluster: 'demo', namespace: 'default' }], endpoint: { group: '', version: 'v1', resource: 'pods' }, where: { labelSelector: 'app in (' } };
      const ask = (kl) => new Promise((resolve) => kl.watchView({ ...bad, onError: (e) => resolve(e.message) }, () => {}));
      const out = [await ask(local), await ask(window.kubelive)];
      local.close();
      return out;
    });
    assert.ok(sentences[0].length > 0);
    assert.equal(sentences[1], sentences[0], 'the same sentence in both hosts');

    for (const p of tabs) assert.deepEqual(await p.evaluate(() => window.v.errors), []);
    for (const p of tabs) assert.deepEqual(p.errors, []);
  } finally {
    await ctx.close();
  }
});

test('a killed worker is replaced and the view comes back, saying reconnecting in between', { timeout: 120000 }, async () => {
  const ctx = await browser.newContext();
  try {
    const p = await open(ctx);
    await until('the view live and equal to the server', async () => matches(p, await expected()), 30000);
    const cdp = await browser.newBrowserCDPSession();
    const { targetInfos } = await cdp.send('Target.getTargets');
    const workers = targetInfos.filter((x) => x.type === 'shared_worker' && x.url.startsWith(server.base));
    assert.equal(workers.length, 1);
    await cdp.send('Target.closeTarget', { targetId: workers[0].targetId });
    await until('the view to say it is not live', () => p.evaluate(() => window.v.statuses.includes('reconnecting')), 10000);
    await until('the view live and equal to the server again', async () => matches(p, await expected()), 30000);
    assert.ok((await p.evaluate(() => window.kubelive.stats().restarts)) >= 1);
    await cdp.detach();
    assert.deepEqual(p.errors, []);
  } finally {
    await ctx.close();
  }
});
