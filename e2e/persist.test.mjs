// The warm start of load({ persist: true }) in real Chromium against the real
// server: a reload shows the persisted rows before the server answers (its
// watch delivery paused), 'stale' until the server confirmed them, then
// 'live' and exact with no LIST counted at the server; after the history
// expired a reload relists; another token sees nothing of the first; Secrets
// never reach IndexedDB; clearPersisted() empties it; a corrupt or
// old-format record is ignored with a warning. Every wait has a deadline.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './chaos.mjs';
import { launch, until } from './lib.mjs';

const PODS = { lists: [{ cluster: 'demo', namespace: 'default' }], endpoint: { version: 'v1', resource: 'pods' } };
const SECRETS = { lists: [{ cluster: 'demo', namespace: 'default' }], endpoint: { version: 'v1', resource: 'secrets' } };
// PERSIST_MUX=off runs the file over per-URL sockets.
const MUX = process.env.PERSIST_MUX ?? 'on';
// PERSIST_HOST=shared-worker|worker runs it with the client in a worker (persist-worker.test.mjs does).
const HOST = process.env.PERSIST_HOST ?? 'page';
const TOKEN_A = 'persist-token-A-s3cret';
const TOKEN_B = 'persist-token-B-s3cret';

let browser;
let server;
let context; // one browser profile: IndexedDB survives reloads and new pages
before(async () => {
  browser = await launch();
  server = new Server(['--static', 'web/dist', '--admin', '--churn', '0', '--bookmark-interval', '200ms', '--log-level', 'warn']);
  await server.start();
  context = await browser.newContext();
});
after(async () => {
  await context?.close();
  await browser?.close();
  await server?.stop();
});

/** lists counts the LISTs the server answered so far (its /metrics). */
async function lists() {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const m = /^kubelive_requests_total\{cluster="demo",verb="LIST"\} (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** open loads bare.html with persist and starts watching qs, recording every snapshot. */
async function open(p, { token = TOKEN_A, qs = [PODS, SECRETS], mux = MUX } = {}) {
  p.warnings = p.warnings ?? [];
  p.errors = p.errors ?? [];
  if (!p.listening) {
    p.listening = true;
    p.on('console', (m) => {
      if (m.type() === 'warning') p.warnings.push(m.text());
      if (m.type() === 'error') p.errors.push(m.text());
    });
    p.on('pageerror', (e) => p.errors.push(e.message));
  }
  // The token reaches the page as a global set before its scripts run, never in the URL; the
  // last init script added wins, so a later open() with another token takes effect.
  await p.addInitScript((t) => {
    window.kubeliveToken = t;
  }, token);
  await p.goto(`${server.base}/bare.html?multiplexer=${mux}&persist=1&host=${HOST}`);
  await p.waitForSelector('#out[data-ready="1"]', { timeout: 30000 });
  await p.evaluate((qs) => {
    const w = (window.rec = { snaps: qs.map(() => []), first: [], items: [], loadedAt: performance.now() });
    qs.forEach((q, i) =>
      window.kubelive.watchList(q, (s) => (w.items[i] = s.items, (w.first[i] ??= s.items)) && w.snaps[i].push({ at: performance.now(), status: s.status, n: s.items.length, uids: s.items.map((it) => it.metadata.uid), lastEvent: s.lists[0]?.lastEvent ?? 0 })),
    );
  }, qs);
}

const snaps = (p, i = 0) => p.evaluate((i) => window.rec.snaps[i], i);
const last = async (p, i = 0) => (await snaps(p, i)).at(-1);

/** exact reports whether list i is live and holds exactly the server's objects. */
async function exact(p, path, i = 0) {
  const s = await last(p, i);
  if (!s || s.status !== 'live') return false;
  const truth = (await server.list(path)).items.map((it) => it.metadata.uid).sort();
  return JSON.stringify([...s.uids].sort()) === JSON.stringify(truth);
}

/** stored reads every key and value of kubelive's IndexedDB, values as latin1 text. */
function pageStored() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open('kubelive');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains('snapshots')) return resolve([]);
      const st = db.transaction('snapshots').objectStore('snapshots');
      const keys = st.getAllKeys();
      const values = st.getAll();
      values.onsuccess = () => {
        resolve(keys.result.map((k, i) => [k, Array.from(values.result[i], (b) => String.fromCharCode(b)).join('')]));
        db.close();
      };
    };
  });
}

/** records are the stored snapshots (not the salt and identity meta keys). */
const records = async (p) => (await p.evaluate(pageStored)).filter(([k]) => /^[0-9a-f]{64}\//.test(k));

/** pageCorrupt overwrites every snapshot record with what make(old) returns. */
function pageCorrupt(kind) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open('kubelive');
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction('snapshots', 'readwrite');
      const st = tx.objectStore('snapshots');
      const keys = st.getAllKeys();
      const values = st.getAll();
      values.onsuccess = () => {
        keys.result.forEach((k, i) => {
          if (!/^[0-9a-f]{64}\//.test(k)) return;
          const v = values.result[i];
          // garbage: not msgpack; old: the same record with format 0 (the
          // map's first value, "f": 1 -> 0).
          const out = kind === 'garbage' ? new TextEncoder().encode('not a snapshot') : (() => {
            const c = v.slice();
            const at = c.findIndex((b, j) => b === 0xa1 && c[j + 1] === 0x66); // fixstr "f"
            c[at + 2] = 0x00;
            return c;
          })();
          st.put(out, k);
        });
      };
      tx.oncomplete = () => (db.close(), resolve());
      tx.onerror = () => reject(tx.error);
    };
    req.onerror = () => reject(req.error);
  });
}

/** withPage runs fn with a new page of the shared profile and always closes it. */
async function withPage(fn) {
  const p = await context.newPage();
  try {
    await fn(p);
  } finally {
    await p.close();
  }
}

async function warmUp(p) {
  await open(p);
  await until('the pods live and exact', () => exact(p, 'api/v1/namespaces/default/pods'));
  await until('the secrets live', async () => (await last(p, 1))?.status === 'live');
  assert.equal(await p.evaluate(() => window.kubelive.flushPersisted()), true);
}

describe('persist', () => {
  test('a reload shows the persisted rows at once, stale, then live with no LIST', async () =>
    withPage(async (p) => {
      await warmUp(p);
      const recs = await records(p);
      assert.equal(recs.length, 1, 'one list persisted: the pods (Secrets never are)');

      const listsBefore = await lists();
      // The server delivers nothing on any watch for 5 s: the first snapshot
      // cannot have been confirmed by it.
      await server.admin('pause', { ms: 5000 });
      const t0 = Date.now();
      await open(p);
      const first = await until('a first snapshot', async () => (await snaps(p))[0]);
      const firstMs = Date.now() - t0;
      const afterLoadMs = Math.round(first.at - (await p.evaluate(() => window.rec.loadedAt)));
      assert.equal(first.status, 'stale', 'the persisted rows are stale until the server confirmed them');
      assert.ok(first.n > 0, 'the persisted rows at once');
      assert.ok(first.lastEvent > 0 && first.lastEvent <= Date.now(), 'lastEvent is when the rows were saved (their age)');
      const secretsFirst = (await snaps(p, 1))[0];
      assert.notEqual(secretsFirst?.status, 'stale', 'Secrets start cold: nothing of them was stored');
      await until('the pods and secrets live', async () => (await last(p))?.status === 'live' && (await last(p, 1))?.status === 'live');
      // Counted before this test asks the server anything: the pods resumed
      // without a LIST; the cold secrets listed once.
      assert.equal((await lists()) - listsBefore, 1, 'no LIST for the persisted pods, one for the secrets');
      const truth = (await server.list('api/v1/namespaces/default/pods')).items.length;
      assert.equal(first.n, truth, 'every row was there at once');
      await until('the pods live and exact', () => exact(p, 'api/v1/namespaces/default/pods'));
      const s = await snaps(p);
      assert.ok(s.findIndex((x) => x.status === 'live') > 0, 'live only after stale');
      console.log(`# persist: first snapshot ${firstMs} ms after navigation, ${afterLoadMs} ms after watchList (server paused), ${first.n} pods`);
      assert.deepEqual(p.errors, []);
    }));

  test('after the history expired a reload relists', async () =>
    withPage(async (p) => {
      await warmUp(p);
      // Leave the page and wait for the server to end its watches: the
      // multiplexer shares an upstream watch between sockets, and the next
      // page must open its own for the forced 410 to reach it.
      await p.goto('about:blank');
      await until('the old watches closed', async () => (await server.admin('state', {}, 'GET')).total === 0);
      await server.admin('expire-next'); // the next watch from an old resourceVersion gets 410
      const listsBefore = await lists();
      // In both modes: over the multiplexer the 410 (an ERROR event, then
      // STATUS closed, in one batch) must reach the list as per URL.
      await open(p, { qs: [PODS] });
      const first = await until('a first snapshot', async () => (await snaps(p))[0]);
      assert.equal(first.status, 'stale');
      await until('the pods live after a relist', async () => (await last(p))?.status === 'live');
      assert.ok((await lists()) - listsBefore >= 1, 'the 410 made a LIST');
      await until('the pods exact', () => exact(p, 'api/v1/namespaces/default/pods'));
      // Nothing changed at the server (no churn): the relist's diff keeps
      // every persisted object, the same JS object as in the first snapshot.
      const kept = await p.evaluate(() => window.rec.items[0].filter((it) => window.rec.first[0].includes(it)).length);
      assert.equal(kept, first.n, 'the relist kept the identity of every unchanged object');
    }));

  test('Secrets and the token never reach storage; another token sees nothing', async () =>
    withPage(async (p) => {
      await warmUp(p);
      const secrets = (await server.list('api/v1/namespaces/default/secrets')).items;
      assert.ok(secrets.length > 0, 'the demo has Secrets to leak');
      const all = (await p.evaluate(pageStored)).map(([k, v]) => k + v).join('\n');
      for (const s of secrets) {
        assert.ok(!all.includes(s.metadata.uid), `secret ${s.metadata.name} is not stored`);
        assert.ok(!all.includes(s.metadata.name), `secret ${s.metadata.name} is not stored`);
      }
      assert.ok(!all.includes(TOKEN_A), 'the token is stored nowhere');
      const keysA = (await records(p)).map(([k]) => k);
      assert.equal(keysA.length, 1);

      const listsBefore = await lists();
      await open(p, { token: TOKEN_B, qs: [PODS] });
      const first = await until('a first snapshot', async () => (await snaps(p))[0]);
      // Its first rows, if any, came from its own LIST, never from storage.
      assert.notEqual(first.status, 'stale', 'another identity gets nothing of the first');
      await until('the pods live for B', async () => (await last(p))?.status === 'live');
      assert.equal((await lists()) - listsBefore, 1, 'B listed for itself');
      const after = (await p.evaluate(pageStored)).map(([k, v]) => k + v).join('\n');
      assert.ok(!after.includes(TOKEN_B) && !after.includes(TOKEN_A), 'no token stored');
      const keysNow = (await records(p)).map(([k]) => k);
      for (const k of keysA) assert.ok(!keysNow.includes(k), "the new token cleared the old one's data");
      await until('the pods live for B', () => exact(p, 'api/v1/namespaces/default/pods'));
    }));

  test('a corrupt or old-format record is ignored with a warning', async () => {
    for (const kind of ['garbage', 'old']) {
      await withPage(async (p) => {
        await warmUp(p);
        await p.evaluate(pageCorrupt, kind);
        // In a worker host a navigation may rejoin the shared client with its lists still in
        // memory (as it should): leave, and wait until the worker ended every watch, so the next
        // load reads the (corrupted) store.
        if (HOST !== 'page') {
          await p.goto('about:blank');
          await until('the worker left', async () => ((await server.metrics()).watches === 0 ? true : null));
        }
        p.warnings = [];
        const listsBefore = await lists();
        await open(p, { qs: [PODS] });
        const first = await until('a first snapshot', async () => (await snaps(p))[0]);
        assert.notEqual(first.status, 'stale', `${kind}: never trusted`);
        await until(`${kind}: live`, async () => (await last(p))?.status === 'live');
        assert.equal((await lists()) - listsBefore, 1, `${kind}: the rows came from a LIST`);
        await until(`${kind}: a warning`, () => p.warnings.some((w) => w.includes('ignored the persisted pods')));
        await until(`${kind}: the pods live from a LIST`, () => exact(p, 'api/v1/namespaces/default/pods'));
      });
    }
  });

  test('clearPersisted() empties the store', async () =>
    withPage(async (p) => {
      await warmUp(p);
      assert.ok((await records(p)).length > 0);
      assert.equal(await p.evaluate(() => window.kubelive.clearPersisted()), true);
      assert.deepEqual(await records(p), []);
    }));
});
