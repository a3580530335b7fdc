// Live views with the client in a SharedWorker, in real Chromium against the
// real server: two tabs' views of one list share one WATCH and one LIST
// (counted at the server's /metrics); after churn each tab's window equals
// the same filter, sort and window computed on the server's LIST; update()
// sends no LIST; rows that did not change keep their identity on the page;
// getObject answers with the whole object; a refused query gets the page
// host's sentence; a hidden tab catches up with one snapshot; a killed
// worker is replaced and the view comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './chaos.mjs';
import { openBare, setHidden, until } from './lib.mjs';

const NS = 'default';
const PODS = `api/v1/namespaces/${NS}/pods`;
const QUERY = {
  lists: [{ cluster: 'demo', namespace: NS }],
  endpoint: { group: '', version: 'v1', resource: 'pods' },
  sort: [{ by: 'metadata.name' }],
  window: { offset: 0, limit: 1000 },
  columns: { phase: 'status.phase' },
};

const env = serverAndBrowser();
const metrics = () => env.server.metrics();

/** open loads the bare page in ctx with a client in a SharedWorker, and watches QUERY as a view. */
async function open(ctx) {
  const p = await openBare(ctx, env.server.base, { host: 'shared-worker' });
  await p.evaluate((query) => {
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
  items ??= (await env.server.list(PODS)).items;
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

async function createPod(name) {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app: 'e2e-view' } }, spec: { containers: [{ name: 'app', image: 'busybox:1.37' }] } };
  const r = await fetch(`${env.server.base}/clusters/demo/${PODS}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(pod) });
  assert.equal(r.status, 201, await r.text());
}
async function deletePod(name) {
  const r = await fetch(`${env.server.base}/clusters/demo/${PODS}/${name}`, { method: 'DELETE' });
  assert.ok(r.ok, `DELETE ${name}: HTTP ${r.status}`);
}

test('a view in a SharedWorker: two tabs share one WATCH and LIST, equal the server after churn, update() sends no LIST, unchanged rows keep identity', { timeout: 180000 }, async () => {
  const ctx = await env.browser.newContext();
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
    const items = (await env.server.list(PODS)).items; // nothing changes from here on
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

test('a hidden tab gets no view snapshot, then one catch-up snapshot equal to the server', { timeout: 120000 }, async () => {
  const ctx = await env.browser.newContext();
  try {
    const p = await open(ctx);
    await until('the view live and equal to the server', async () => matches(p, await expected()), 30000);
    await setHidden(p, true);
    await p.evaluate(() => (window.v.atHide = window.v.snaps));
    const tag = `hidden-${Date.now().toString(36)}`;
    for (let i = 0; i < 5; i++) await createPod(`${tag}-${i}`);
    // The worker holds the changes: wait until its cache has them (its stats count events).
    await until('the worker to take in the changes', async () => {
      const st = await p.evaluate(() => window.kubelive.stats());
      return st.sockets.reduce((n, s) => n + s.messagesIn, 0) >= 5 ? true : null;
    }, 15000);
    // Frames keep running in the hidden tab: give it several before reading.
    await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 200)))));
    assert.equal(await p.evaluate(() => window.v.snaps - window.v.atHide), 0, 'no view snapshot while hidden');
    await p.evaluate(() => (window.v.atShow = window.v.snaps));
    await setHidden(p, false);
    await until('the view equal to the server once visible', async () => matches(p, await expected()), 30000);
    assert.equal(await p.evaluate(() => window.v.snaps - window.v.atShow), 1, 'one catch-up snapshot');
    assert.deepEqual(p.errors, []);
  } finally {
    await ctx.close();
  }
});

test('a killed worker is replaced and the view comes back, saying reconnecting in between', { timeout: 120000 }, async () => {
  const ctx = await env.browser.newContext();
  try {
    const p = await open(ctx);
    await until('the view live and equal to the server', async () => matches(p, await expected()), 30000);
    const cdp = await env.browser.newBrowserCDPSession();
    const { targetInfos } = await cdp.send('Target.getTargets');
    const workers = targetInfos.filter((x) => x.type === 'shared_worker' && x.url.startsWith(env.server.base));
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
