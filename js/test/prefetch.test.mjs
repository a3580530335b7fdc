// The worker host's prefetched first LIST: the URL it asks for is the
// module's (kubeurl.List + endpoint.HTTPURL: the same path, parameters and
// limit, compared in a canonical form), and the first snapshot a page makes
// of its answer is never 'live': 'loading' with the items sorted and tagged
// with their cluster, or 'error' with the module's sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAGE_SIZE, Prefetches, canonical, firstSnapshot, listURL } from '../src/prefetch.js';

const BASE = 'http://127.0.0.1:8080';

test('listURL is the module\'s first LIST page of a query, or empty for a query it does not serve', () => {
  const cases = [
    { name: 'core, namespaced', q: { lists: [{ cluster: 'demo', namespace: 'ns' }], endpoint: { version: 'v1', resource: 'pods' } }, want: `${BASE}/clusters/demo/api/v1/namespaces/ns/pods?limit=500` },
    { name: 'a group, all namespaces', q: { lists: [{ cluster: 'c', namespace: '' }], endpoint: { group: 'apps', version: 'v1', resource: 'deployments' } }, want: `${BASE}/clusters/c/apis/apps/v1/deployments?limit=500` },
    { name: 'no cluster: no /clusters/ part', q: { lists: [{ cluster: '', namespace: 'ns' }], endpoint: { version: 'v1', resource: 'pods' } }, want: `${BASE}/api/v1/namespaces/ns/pods?limit=500` },
    // Go's url.PathEscape and url.Values.Encode: the same request, compared canonically.
    { name: 'escaped parts, selectors, reserved parameters dropped', q: { lists: [{ cluster: 'a b', namespace: 'n/s' }], endpoint: { version: 'v1', resource: 'pods' }, queryParams: { labelSelector: 'app in (x,y)', resourceVersion: '5', limit: '7', watch: '1', fieldSelector: 'status.phase=Running' } }, want: `${BASE}/clusters/a%20b/api/v1/namespaces/n%2Fs/pods?fieldSelector=status.phase%3DRunning&labelSelector=app+in+%28x%2Cy%29&limit=500` },
    { name: 'two lists', q: { lists: [{ cluster: 'a', namespace: '' }, { cluster: 'b', namespace: '' }], endpoint: { version: 'v1', resource: 'pods' } }, want: '' },
    { name: 'no resource', q: { lists: [{ cluster: 'a', namespace: '' }], endpoint: { version: 'v1' } }, want: '' },
    { name: 'no endpoint', q: { lists: [{ cluster: 'a' }] }, want: '' },
    { name: 'not an object', q: null, want: '' },
  ];
  for (const c of cases) {
    const got = listURL(BASE, c.q);
    if (c.want === '') assert.equal(got, '', c.name);
    else assert.equal(canonical(got), canonical(c.want), `${c.name}: ${got}`);
  }
  assert.equal(PAGE_SIZE, 500);
});

test('canonical: the order of parameters does not matter, their values do', () => {
  assert.equal(canonical(`${BASE}/x?b=2&a=1`), canonical(`${BASE}/x?a=1&b=2`));
  assert.notEqual(canonical(`${BASE}/x?a=1`), canonical(`${BASE}/x?a=2`));
  assert.notEqual(canonical(`${BASE}/x?a=1`), canonical(`${BASE}/y?a=1`));
  assert.notEqual(canonical(`${BASE}/x`), canonical('http://127.0.0.1:8081/x'));
  assert.equal(canonical('not a url'), '');
});

test('a prefetched answer is taken once, by the same request', async () => {
  const p = new Prefetches('');
  const orig = globalThis.fetch;
  let calls = 0;
  globalThis.fetch = async () => {
    calls++;
    return new Response('{"items":[]}', { status: 200 });
  };
  try {
    const url = `${BASE}/api/v1/pods?limit=500&labelSelector=a`;
    const a = p.start(url);
    assert.equal(p.start(url), a, 'one fetch per URL');
    assert.equal(p.take(`${BASE}/api/v1/pods?limit=500`), null, 'another request takes nothing');
    const got = await p.take(`${BASE}/api/v1/pods?labelSelector=a&limit=500`);
    assert.equal(got.status, 200);
    assert.equal(new TextDecoder().decode(got.bytes), '{"items":[]}');
    assert.equal(p.take(url), null, 'once');
    assert.deepEqual(p.stats(), { started: 1, taken: 1, unused: 0 });
    p.ready();
    assert.equal(p.start(`${BASE}/other`), null, 'nothing is prefetched once the module runs');
    assert.equal(calls, 1);
  } finally {
    globalThis.fetch = orig;
    p.close();
  }
});

test('firstSnapshot: loading with the page\'s items, or error with a sentence; never live', () => {
  const q = { lists: [{ cluster: 'demo', namespace: 'ns' }], endpoint: { version: 'v1', resource: 'pods' } };
  const pod = (ns, name) => ({ metadata: { namespace: ns, name, uid: `${ns}/${name}`, resourceVersion: '1', managedFields: [{}] } });
  const body = JSON.stringify({ kind: 'PodList', metadata: { resourceVersion: '9', continue: 'c' }, items: [pod('ns', 'b'), pod('a', 'z'), pod('ns', 'a')] });
  const ok = firstSnapshot(q, { status: 200, text: body, err: '' }, false);
  assert.equal(ok.status, 'loading');
  assert.equal(ok.resourceVersion, '', 'no resume point before the module has one');
  assert.deepEqual(ok.items.map((o) => o.metadata.uid), ['a/z', 'ns/a', 'ns/b'], 'by namespace, then name');
  assert.ok(ok.items.every((o) => o.cluster === 'demo' && o.metadata.managedFields === undefined && Object.isFrozen(o)));
  assert.ok(ok.prefetched && Object.isFrozen(ok) && Object.isFrozen(ok.items));
  assert.deepEqual(ok.lists.map((l) => [l.cluster, l.namespace, l.status]), [['demo', 'ns', 'loading']]);
  assert.equal(firstSnapshot(q, { status: 200, text: body, err: '' }, true).items[0].metadata.managedFields.length, 1, 'kept when asked');

  const cases = [
    { name: '403 with a Status', a: { status: 403, text: JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'pods is forbidden.' }), err: '' }, want: { message: 'The server refused access (403): pods is forbidden.', code: 403, reason: 'Forbidden' } },
    { name: '401, no body', a: { status: 401, text: '', err: '' }, want: { message: 'The server did not accept the credentials (401).', code: 401 } },
    { name: '503', a: { status: 503, text: 'upstream down', err: '' }, want: { message: 'The server could not answer (503).', code: 503 } },
    { name: 'no answer', a: { status: 0, text: '', err: 'Failed to fetch' }, want: { message: 'The list could not be fetched: Failed to fetch.' } },
    { name: 'not a list', a: { status: 200, text: '{"kind":"PodList"}', err: '' }, want: { message: 'The server sent data that could not be read (the LIST has no items).' } },
    { name: 'not JSON', a: { status: 200, text: '{', err: '' }, want: { message: 'The server sent data that could not be read (the LIST has no items).' } },
  ];
  for (const c of cases) {
    const s = firstSnapshot(q, c.a, false);
    assert.equal(s.status, 'error', c.name);
    assert.equal(s.items.length, 0, c.name);
    assert.deepEqual({ ...s.errors[0] }, { cluster: 'demo', namespace: 'ns', ...c.want }, c.name);
    assert.deepEqual({ ...s.lists[0].error }, c.want, c.name);
  }
});
