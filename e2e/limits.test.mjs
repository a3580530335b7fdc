// Security and limits through the real page and server: a token appears in
// nothing the server or the page logged, requested or reported; the
// multiplexer's cap on subscriptions per socket and on message size hold,
// and reach the page as errors, not exceptions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, launch, page, start } from './lib.mjs';

const TOKEN = 'kl-e2e-secret-Zq8wX3vR7pLm2Nt5';
const B64 = Buffer.from(TOKEN).toString('base64url');
const MAX_SUBS = 3;
const MAX_MESSAGE = 64 << 10;

let server;
let browser;
let p;
let base;
const seen = []; // everything the page requested, logged or threw

before(async () => {
  server = await start(
    ROOT + '/.bin/kubelive',
    ['--addr', '127.0.0.1:0', '--static', 'web/dist', '--churn', '50', '--log-level', 'debug', '--log-interval', '200ms',
      '--max-subscriptions', String(MAX_SUBS), '--max-message', String(MAX_MESSAGE)],
    'KUBELIVE_ADDR',
  );
  base = `http://${server.addr}`;
  browser = await launch();
  p = await page(browser, `${base}/bare.html?multiplexer=off`);
  p.on('console', (m) => seen.push(`console.${m.type()}: ${m.text()}`));
  p.on('pageerror', (e) => seen.push(`pageerror: ${e.message}`));
  p.on('request', (r) => seen.push(`request: ${r.url()}`));
  p.on('requestfailed', (r) => seen.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  p.on('websocket', (ws) => {
    seen.push(`websocket: ${ws.url()}`);
    ws.on('socketerror', (e) => seen.push(`socketerror: ${e}`));
  });
  await p.waitForSelector('#out[data-ready="1"]', { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

const pods = (namespace) => ({ lists: [{ cluster: 'demo', namespace }], endpoint: { version: 'v1', resource: 'pods' } });

test('a token is in no URL, log, error or stat of the page or the server', async () => {
  const pod = await fetch(`${base}/clusters/demo/api/v1/namespaces/default/pods?limit=1`).then((r) => r.json());
  const name = pod.items[0].metadata.name;
  const report = await p.evaluate(
    async ({ token, name, lists }) => {
      const { load } = await import('/kubelive.js');
      const out = { errors: [], stats: [], snaps: [] };
      const clients = [];
      for (const multiplexer of ['on', 'off']) {
        const kl = await load({ wasmURL: 'kubelive.wasm', token, multiplexer, host: 'page' }); // the page host: its sockets are this page's
        clients.push(kl);
        // lists (one of them refused: no such cluster), a log stream, an
        // exec, a raw socket, and calls with bad arguments
        const keys = lists.map((q) => kl.listKey(q));
        const stops = lists.map((q) => kl.watchList({ ...q, onError: (e) => out.errors.push(e.message) }, () => {}));
        const logs = kl.logs({ cluster: 'demo', namespace: 'default', pod: name, follow: true, onError: (e) => out.errors.push(e.message) }, () => {});
        const ex = kl.exec({ cluster: 'demo', namespace: 'default', pod: name, command: ['sh'], onExit: (code, err) => err && out.errors.push(String(err)) });
        const sub = kl.subscribe({ cluster: 'nowhere', url: 'api/v1/pods?watch=1', onError: (e) => out.errors.push(e.message) });
        try {
          kl.watchList(null, null);
          kl.subscribe(42);
        } catch (e) {
          out.errors.push(`threw: ${e.message}`);
        }
        // wait (with a deadline) until the lists are live, the refused one
        // has reported, and the log stream and the exec are open
        const before = out.errors.length;
        const deadline = Date.now() + 15000;
        const ready = () => {
          const st = kl.stats();
          const live = keys.slice(0, 2).every((k) => kl.getList(k)?.status === 'live');
          const refused = (kl.getList(keys[2])?.errors?.length ?? 0) > 0 || out.errors.length > before;
          return live && refused && st.streams >= 2;
        };
        while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        out.ready = (out.ready ?? 0) + (ready() ? 1 : 0);
        out.stats.push(JSON.stringify(kl.stats()));
        out.snaps.push(JSON.stringify(keys.map((k) => kl.getList(k)?.errors ?? null)));
        ex.write('echo hi\n');
        ex.close();
        logs.cancel();
        sub();
        stops.forEach((s) => s());
      }
      clients.forEach((c) => c.close());
      return out;
    },
    { token: TOKEN, name, lists: [pods('default'), pods('team-a'), { ...pods('default'), lists: [{ cluster: 'no-such-cluster', namespace: 'x' }] }] },
  );
  const everything = [
    ...seen,
    ...report.errors,
    ...report.stats,
    ...report.snaps,
    ...server.logs,
    ...p.errors,
  ].join('\n');
  assert.ok(server.logs.length > 5, `the server logged at debug level (${server.logs.length} lines)`);
  assert.ok(seen.some((l) => l.startsWith('websocket: ')), 'the page opened sockets');
  assert.equal(report.ready, 2, 'both clients got their lists live, the refusal, the log and the exec');
  assert.ok(report.snaps.every((snap) => JSON.parse(snap)[2]?.length > 0), 'the refused cluster is in the errors of its list');
  assert.ok(everything.length > 1000);
  for (const secret of [TOKEN, B64]) {
    assert.equal(everything.includes(secret), false, `the token (${secret === TOKEN ? 'plain' : 'base64url'}) leaked`);
  }
  assert.deepEqual(seen.filter((l) => l.startsWith('pageerror')), []);
  assert.deepEqual(report.errors.filter((e) => e.startsWith('threw: ')), [], 'calls with wrong types return, never throw');
});

test(`a multiplexer socket holds at most ${MAX_SUBS} subscriptions; the next list gets an error`, async () => {
  const r = await p.evaluate(
    async ({ n }) => {
      const { load } = await import('/kubelive.js');
      const kl = await load({ wasmURL: 'kubelive.wasm', multiplexer: 'on', host: 'page' });
      const ns = ['default', 'kube-system', 'team-a', 'team-b', 'monitoring'].slice(0, n);
      const qs = ns.map((namespace) => ({ lists: [{ cluster: 'demo', namespace }], endpoint: { version: 'v1', resource: 'configmaps' } }));
      const stops = qs.map((q) => kl.watchList(q, () => {}));
      const deadline = Date.now() + 20000;
      let lists;
      for (;;) {
        lists = qs.map((q) => {
          const s = kl.getList(q);
          return { status: s?.status, error: s?.lists?.[0]?.lastError?.message ?? '' };
        });
        const live = lists.filter((l) => l.status === 'live').length;
        const refused = lists.filter((l) => l.error.includes('subscription limit reached')).length;
        if ((live === n - 1 && refused === 1) || Date.now() > deadline) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      const keys = kl.stats().multiplexer.keys;
      stops.forEach((s) => s());
      kl.close();
      return { lists, keys };
    },
    { n: MAX_SUBS + 1 },
  );
  assert.equal(r.lists.filter((l) => l.status === 'live').length, MAX_SUBS, JSON.stringify(r.lists));
  const refused = r.lists.filter((l) => l.status !== 'live');
  assert.equal(refused.length, 1);
  assert.match(refused[0].error, new RegExp(`subscription limit reached \\(${MAX_SUBS} per socket\\)`));
});

test(`a message over ${MAX_MESSAGE} bytes closes the multiplexer socket with 1009`, async () => {
  const r = await p.evaluate(async (size) => {
    const ws = new WebSocket(`ws://${location.host}/wsMultiplexer`);
    await new Promise((res, rej) => {
      ws.onopen = res;
      ws.onerror = () => rej(new Error('no open'));
    });
    const closed = new Promise((res) => {
      ws.onclose = (ev) => res({ code: ev.code, reason: ev.reason });
    });
    ws.send('x'.repeat(size));
    return closed;
  }, MAX_MESSAGE + 1);
  assert.equal(r.code, 1009, JSON.stringify(r));
});
