// kubelive's lists in Debian's Chromium over a test double of Headlamp's
// backend (cmd/headlampdouble: Headlamp's /wsMultiplexer semantics in front
// of the kubelive server and its embedded cluster). Every upstream watch
// ends after 3-6 s (the double's --watch-timeout 3s); each run also cuts every
// upstream watch once and forces a 410 once, with two queries on one path.
// Each list must end exact, and never be live before the multiplexer
// confirmed its watch. The double plays the API server's watch timeout
// (the kubelive server honours the client's timeoutSeconds). The issue asks for a minute of forced timeouts; the
// default here is 20 s for CI (HEADLAMP_E2E_SECONDS=60 for the full minute).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ROOT, launch, screenshot, start, until } from './lib.mjs';

const SECONDS = Number(process.env.HEADLAMP_E2E_SECONDS ?? 20);
const TOKEN = 'hl-e2e-cookie-Vb7qK2';
const COOKIE = 'headlamp-auth-demo.0';

let kube;
let double;
let browser;
let base;

before(async () => {
  execFileSync('go', ['build', '-o', `${ROOT}/.bin/headlampdouble`, './cmd/headlampdouble'], { cwd: ROOT, stdio: 'inherit' });
  kube = await start(
    `${ROOT}/.bin/kubelive`,
    ['--addr', '127.0.0.1:0', '--static', 'web/dist', '--admin', '--churn', '0', '--log-level', 'warn', '--allow-host', '127.0.0.1'],
    'KUBELIVE_ADDR',
  );
  double = await start(`${ROOT}/.bin/headlampdouble`, ['--upstream', `http://${kube.addr}`, '--token', TOKEN, '--watch-timeout', '3s'], 'HEADLAMP_ADDR');
  base = `http://${double.addr}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  double?.stop();
  kube?.stop();
});

const admin = async (op, q = {}, method = 'POST') => {
  const r = await fetch(`${base}/admin/${op}?${new URLSearchParams(q)}`, { method });
  assert.ok(r.ok, `admin ${op}: HTTP ${r.status}`);
  return r.json();
};
const doubleState = () => fetch(`${base}/headlamptest/state`).then((r) => r.json());

// Two queries on one path (/api/v1/pods), and a list on another path.
const LISTS = {
  pods: { path: 'api/v1/pods', query: {} },
  apps: { path: 'api/v1/pods', query: { labelSelector: 'app' } },
  configmaps: { path: 'api/v1/namespaces/default/configmaps', query: {} },
};

/** open loads bare.html in mode, with Headlamp's cookie or without, and starts LISTS. */
async function open(mode, cookie) {
  const ctx = await browser.newContext();
  if (cookie) await ctx.addCookies([{ name: COOKIE, value: TOKEN, url: base }]);
  const p = await ctx.newPage();
  p.errors = [];
  p.on('pageerror', (e) => p.errors.push(`pageerror: ${e.message}`));
  await p.goto(`${base}/bare.html?multiplexer=${mode}`);
  await p.waitForSelector('#out[data-ready="1"]', { timeout: 30000 });
  await p.evaluate(() => {
    window.recs = {};
    const q = (resource, namespace, queryParams) => ({ lists: [{ cluster: 'demo', namespace }], endpoint: { version: 'v1', resource }, queryParams });
    const queries = {
      pods: q('pods', '', {}),
      apps: q('pods', '', { labelSelector: 'app' }),
      configmaps: q('configmaps', 'default', {}),
    };
    for (const [name, query] of Object.entries(queries)) {
      const rec = { statuses: [], snap: null };
      window.recs[name] = rec;
      window.kubelive.watchList(query, (s) => {
        rec.snap = { status: s.status, items: s.items.map((o) => [o.metadata.uid, o.metadata.resourceVersion]), errors: s.errors };
        if (rec.statuses.at(-1) !== s.status) rec.statuses.push(s.status);
      });
    }
  });
  return { ctx, p };
}

const recs = (p) => p.evaluate(() => window.recs);
const stats = (p) => p.evaluate(() => window.kubelive.stats());

/** serverItems lists path?query through the double, as [uid, resourceVersion] pairs sorted. */
async function serverItems({ path, query }) {
  const body = await fetch(`${base}/clusters/demo/${path}?${new URLSearchParams(query)}`).then((r) => r.json());
  return body.items.map((o) => [o.metadata.uid, o.metadata.resourceVersion]).sort();
}

/** exact waits until every list is live and holds exactly what the server lists. */
async function exact(p) {
  let last;
  await until(
    'every list live and exact',
    async () => {
      const got = await recs(p);
      for (const [name, l] of Object.entries(LISTS)) {
        const want = await serverItems(l);
        const have = (got[name].snap?.items ?? []).slice().sort();
        last = { name, status: got[name].snap?.status, want: want.length, have: have.length };
        if (got[name].snap?.status !== 'live' || JSON.stringify(want) !== JSON.stringify(have)) return false;
      }
      return true;
    },
    45000,
  ).catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify(last)}`);
  });
}

/** churn runs writes for SECONDS with a cut of every upstream watch and a 410 in between. */
async function churnWithFaults() {
  await admin('churn', { rate: 20, seconds: SECONDS });
  await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 3));
  const cut = await admin('drop');
  await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 3));
  await admin('expire-next');
  const expired = await admin('drop', { path: 'pods' });
  await until('the churn to stop', async () => (await admin('churn', {}, 'GET')).running === 0, SECONDS * 1000 + 30000);
  return { cut: cut.dropped, expired: expired.dropped };
}

for (const mode of ['on', 'auto']) {
  test(`${mode}, with Headlamp's cookie: lists stay exact through watch timeouts, a cut and a 410`, async () => {
    const before = await doubleState();
    const { ctx, p } = await open(mode, true);
    await exact(p);
    const faults = await churnWithFaults();
    await exact(p);
    const st = await stats(p);
    const after = await doubleState();
    const ended = after.ended - before.ended;
    console.log(`# ${mode}: ${SECONDS} s, ${after.requests - before.requests} REQUESTs, ${ended} upstream watches ended by the server, ` +
      `${after.closes - before.closes} CLOSEs, ${after.closesMissed - before.closesMissed} CLOSEs of no watch, ` +
      `cut ${faults.cut}, 410 on ${faults.expired}; mux socket reconnects ${st.multiplexer.reconnects}`);
    assert.equal(st.multiplexer.mode, 'mux', st.multiplexer.reason);
    assert.ok(ended >= SECONDS / 2, `the server ended watches every few seconds (${ended} in ${SECONDS} s)`);
    assert.equal(after.duplicates - before.duplicates, 0, 'no REQUEST collided with a watch of the same (cluster, path, userId)');
    for (const [name, r] of Object.entries(await recs(p))) {
      assert.equal(r.statuses[0], 'loading', `${name}: ${r.statuses}`);
      assert.ok(!r.statuses.includes('error'), `${name}: ${r.statuses}`);
    }
    await screenshot(p, `headlamp-${mode}`);
    assert.deepEqual(p.errors, []);
    await ctx.close();
  });
}

test("on, without Headlamp's cookie: every watch is refused and no list claims live", async () => {
  const { ctx, p } = await open('on', false);
  await until('a refusal reported', async () => Object.values(await recs(p)).every((r) => r.snap && r.snap.status !== 'loading'), 20000);
  // Give a wrongly optimistic client time to show live: several retries.
  const deadline = Date.now() + 6000;
  while (Date.now() < deadline) {
    for (const [name, r] of Object.entries(await recs(p))) {
      assert.ok(!r.statuses.includes('live'), `${name} went live on a refused watch: ${r.statuses}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const st = await stats(p);
  assert.equal(st.multiplexer.mode, 'mux');
  const all = await recs(p);
  assert.match(JSON.stringify(all.pods.snap.errors), /bad handshake/);
  // kl.mux.subscribe without onError: the backend's ERROR arrives as
  // Headlamp's frontend delivers it, to onMessage.
  const msg = await p.evaluate(async () => {
    const got = [];
    const stop = await window.kubelive.mux.subscribe('demo', '/api/v1/namespaces/default/secrets', 'watch=1', (m) => got.push(m));
    const deadline = Date.now() + 10000;
    while (!got.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    stop();
    return got[0];
  });
  assert.equal(msg?.type, 'ERROR', JSON.stringify(msg));
  assert.equal(msg.object.kind, 'Status');
  assert.equal(msg.object.status, 'Failure');
  assert.match(msg.object.message, /bad handshake/);
  assert.deepEqual(p.errors, []);
  await ctx.close();
});

test("auto, without Headlamp's cookie: the lists fall back to per-URL sockets and end exact", async () => {
  const { ctx, p } = await open('auto', false);
  await exact(p);
  const st = await stats(p);
  assert.equal(st.multiplexer.mode, 'per-url');
  assert.match(st.multiplexer.reason, /could not serve a watch .*bad handshake/);
  await admin('churn', { rate: 20, seconds: 3 });
  await until('the churn to stop', async () => (await admin('churn', {}, 'GET')).running === 0);
  await exact(p);
  // kl.mux.subscribe follows the lists to per-URL sockets.
  const got = await p.evaluate(async () => {
    const got = [];
    // Keys of watches the server ended may still be leaving the multiplexer client: the count
    // may fall while we look, but a subscription of ours would make it rise.
    const keysBefore = window.kubelive.stats().multiplexer.keys;
    const stop = await window.kubelive.mux.subscribe('demo', '/api/v1/namespaces/default/configmaps', 'watch=1', (m) => got.push(m.type));
    const deadline = Date.now() + 10000;
    while (!got.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const st = window.kubelive.stats();
    const perURL = st.sockets.filter((s) => JSON.stringify(s).includes('configmaps') && s.state === 'open').length;
    stop();
    return { got, keysBefore, keys: st.multiplexer.keys, perURL };
  });
  assert.equal(got.got[0], 'ADDED', JSON.stringify(got));
  assert.ok(got.keys <= got.keysBefore, `no multiplexer subscription: ${JSON.stringify(got)}`);
  assert.ok(got.perURL >= 1, `the subscription has a per-URL socket of its own: ${JSON.stringify(got)}`);
  assert.deepEqual(p.errors, []);
  await ctx.close();
});
