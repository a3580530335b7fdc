// The page host's lists hold lazy objects (js/src/lazy.js, made in
// wasm/bridge/lists.js): in Debian's Chromium against the kubelive server and
// its embedded cluster, with JSON.parse watched in the page. A flush parses
// no object whole; reading a member parses that member only; every object is
// frozen deep and equal to the server's (managedFields cut, the cluster
// member added), after a change, a delete and an add too; objects that did
// not change are the same objects in the next snapshot.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, launch, page, start, until } from './lib.mjs';

let kube;
let browser;
let base;

before(async () => {
  kube = await start(`${ROOT}/.bin/kubelive`, ['--addr', '127.0.0.1:0', '--static', 'web/dist', '--admin', '--churn', '0', '--log-level', 'warn'], 'KUBELIVE_ADDR');
  base = `http://${kube.addr}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  kube?.stop();
});

const NS = `lazy-${Date.now().toString(36)}`;
const PODS = `/clusters/demo/api/v1/namespaces/${NS}/pods`;

async function api(method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: body ? { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: HTTP ${r.status} ${text}`);
  return JSON.parse(text);
}

const newPod = (name) =>
  api('POST', PODS, {
    metadata: { name, labels: { app: 'lazy' }, annotations: { note: `pod ${name}` } },
    spec: { containers: [{ name: 'c', image: 'nginx', args: ['--port', '8080'], env: [{ name: 'MODE', value: 'lazy' }] }] },
  });

// serverPods is the server's LIST as the client holds it: managedFields cut, the cluster member last.
async function serverPods() {
  const l = await api('GET', PODS);
  return l.items.map((o) => {
    const { managedFields, ...metadata } = o.metadata;
    return { ...o, metadata, cluster: 'demo' };
  });
}

test('a page-host list parses only what is read, and its frozen objects equal the server\'s across updates with their identity kept', async () => {
  await api('POST', '/clusters/demo/api/v1/namespaces', { metadata: { name: NS } });
  for (let i = 0; i < 12; i++) await newPod(`p${i}`);
  const p = await page(browser, `${base}/bare.html?multiplexer=off&host=page`);
  await p.waitForSelector('#out[data-ready="1"]', { timeout: 30000 });
  assert.equal(await p.evaluate(() => window.kubelive.stats().host), 'page');
  await p.evaluate((ns) => {
    const parse = JSON.parse;
    const w = (window.lazyTest = { texts: [], snaps: [], errors: [] });
    // Every text JSON.parse gets in this page from now on that holds a pod's spec or more.
    JSON.parse = function (text, reviver) {
      if (typeof text === 'string' && text.includes('"containers"')) w.texts.push(text);
      return parse.call(this, text, reviver);
    };
    window.kubelive.watchList({ lists: [{ cluster: 'demo', namespace: ns }], endpoint: { version: 'v1', resource: 'pods' }, onError: (e) => w.errors.push(e.message) }, (s) => w.snaps.push(s));
  }, NS);
  await until('the list, live with 12 pods', () => p.evaluate(() => window.lazyTest.snaps.some((s) => s.status === 'live' && s.items.length === 12)));
  const first = await p.evaluate(() => {
    const w = window.lazyTest;
    const s = w.snaps.at(-1);
    const parsedByFlushes = w.texts.length;
    const names = s.items.map((o) => o.metadata.name);
    const afterNames = w.texts.length;
    const spec = s.items[0].spec;
    const specTexts = w.texts.slice(afterNames);
    const frozen = s.items.every((o) => Object.isFrozen(o) && Object.isFrozen(o.metadata) && Object.isFrozen(o.metadata.labels) && Object.isFrozen(o.spec.containers[0].env));
    w.kept = s.items;
    return { parsedByFlushes, names, afterNames, specTexts, specContainers: spec.containers.length, frozen, items: JSON.parse(JSON.stringify(s.items)), keys: s.items.map((o) => Object.keys(o)), clones: s.items.map((o) => structuredClone(o)) };
  });
  assert.equal(first.parsedByFlushes, 0, 'no flush JSON.parsed an object whole');
  assert.deepEqual(first.names.toSorted(), Array.from({ length: 12 }, (_, i) => `p${i}`).toSorted());
  assert.equal(first.afterNames, 0, 'reading metadata.name parses no spec');
  assert.equal(first.specTexts.length, 1, 'reading spec parses it once');
  assert.ok(first.specTexts[0].startsWith('{') && !first.specTexts[0].includes('"metadata"'), `the text parsed is the spec alone: ${first.specTexts[0].slice(0, 80)}`);
  assert.equal(first.specContainers, 1);
  assert.ok(first.frozen, 'every object is frozen deep');
  const byUid = (l) => new Map(l.map((o) => [o.metadata.uid, o]));
  const server = await serverPods();
  assert.deepEqual(byUid(first.items), byUid(server), 'equal to the server\'s objects');
  assert.deepEqual(byUid(first.clones), byUid(server), 'structuredClone gives the same');
  assert.deepEqual(first.keys[0], Object.keys(server[0]), 'the same keys in the same order');

  // p1 changes, p2 goes, p12 comes.
  await api('PATCH', `${PODS}/p1`, { metadata: { labels: { changed: 'yes' } } });
  await api('DELETE', `${PODS}/p2`);
  await newPod('p12');
  const want = await serverPods();
  await until('the list with p1 changed, p2 gone and p12 come', () =>
    p.evaluate(() => {
      const s = window.lazyTest.snaps.at(-1);
      const names = s.items.map((o) => o.metadata.name);
      return s.items.length === 12 && names.includes('p12') && !names.includes('p2') && s.items.find((o) => o.metadata.name === 'p1').metadata.labels.changed === 'yes';
    }),
  );
  const next = await p.evaluate(() => {
    const w = window.lazyTest;
    const s = w.snaps.at(-1);
    const kept = new Map(w.kept.map((o) => [o.metadata.name, o]));
    return {
      items: JSON.parse(JSON.stringify(s.items)),
      same: s.items.filter((o) => kept.get(o.metadata.name) === o).map((o) => o.metadata.name).toSorted(),
      frozen: s.items.every((o) => Object.isFrozen(o) && Object.isFrozen(o.spec)),
      errors: w.errors,
      lastErrors: s.lists.map((l) => l.lastError?.message ?? null),
    };
  });
  assert.deepEqual(byUid(next.items), byUid(want), 'equal to the server\'s objects after the updates');
  assert.deepEqual(next.same, ['p0', 'p10', 'p11', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'], 'unchanged pods are the same objects');
  assert.ok(next.frozen);
  assert.deepEqual(next.errors, []);
  assert.deepEqual(next.lastErrors, [null]);
  assert.deepEqual(p.errors, []);
  await p.close();
});
