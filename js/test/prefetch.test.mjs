// The worker host's prefetched first LIST: the URL it asks for is the
// module's (kubeurl.List + endpoint.HTTPURL: the same path, parameters and
// limit, compared in a canonical form), and the first snapshot a page makes
// of its answer is never 'live': 'loading' with the items sorted and tagged
// with their cluster, or 'error' with the module's sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAGE_SIZE, PREFETCH_LIMIT, Prefetches, canonical, continueOf, firstSnapshot, listURL, nextURL, pageKey } from '../src/prefetch.js';

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

// pagesServer stands in for fetch: the pages of a LIST of n pods, each of
// the limit asked for (pageSize when none), the continue token of the page
// from object i being `tok ${i}+/=` (characters a URL escapes); fail(k) may
// answer the k-th request otherwise. Every URL asked for is in asked.
function pagesServer(n, pageSize, fail = () => null, itemsFirst = false) {
  const asked = [];
  const fetch = async (url) => {
    const k = asked.push(url) - 1;
    const u = new URL(url);
    const c = u.searchParams.get('continue');
    const from = c === null ? 0 : Number(/^tok (\d+)\+\/=$/.exec(c)?.[1] ?? NaN);
    const limit = Number(u.searchParams.get('limit') ?? pageSize);
    const f = fail(k);
    if (f) return new Response(JSON.stringify(f.body), { status: f.status });
    const items = [];
    for (let i = from; i < Math.min(n, from + limit); i++) items.push({ metadata: { namespace: 'ns', name: `p${String(i).padStart(5, '0')}`, uid: `u${i}`, resourceVersion: '7' } });
    const more = from + limit < n;
    const metadata = { resourceVersion: '7', ...(more ? { continue: `tok ${from + limit}+/=` } : {}) };
    return new Response(JSON.stringify(itemsFirst ? { items, kind: 'PodList', metadata } : { kind: 'PodList', apiVersion: 'v1', metadata, items }), { status: 200 });
  };
  return { asked, fetch };
}

// withFetch runs f with globalThis.fetch replaced by fake.
async function withFetch(fake, f) {
  const orig = globalThis.fetch;
  globalThis.fetch = fake;
  try {
    return await f();
  } finally {
    globalThis.fetch = orig;
  }
}

test('nextURL is the module\'s request for the next page: the first page\'s URL with continue (kubeurl.List, compared canonically)', () => {
  const cases = [
    { name: 'plain', first: `${BASE}/clusters/demo/api/v1/namespaces/ns/pods?limit=500`, token: 'abc', want: `${BASE}/clusters/demo/api/v1/namespaces/ns/pods?continue=abc&limit=500` },
    { name: 'a token with characters to escape', first: `${BASE}/api/v1/pods?limit=500`, token: 'eyJ2Ijoi+/=&x', want: `${BASE}/api/v1/pods?continue=eyJ2Ijoi%2B%2F%3D%26x&limit=500` },
    { name: 'selectors and the query\'s own parameters kept', first: `${BASE}/apis/apps/v1/deployments?labelSelector=app+in+%28x%2Cy%29&limit=500&pretty=1`, token: 't', want: `${BASE}/apis/apps/v1/deployments?continue=t&labelSelector=app+in+%28x%2Cy%29&limit=500&pretty=1` },
    { name: 'a second token replaces the first', first: `${BASE}/api/v1/pods?continue=old&limit=500`, token: 'new', want: `${BASE}/api/v1/pods?continue=new&limit=500` },
  ];
  for (const c of cases) {
    const got = nextURL(c.first, c.token);
    assert.equal(canonical(got), canonical(c.want), `${c.name}: ${got}`);
    assert.equal(new URL(got).searchParams.get('continue'), c.token, c.name);
  }
});

test('continueOf reads metadata.continue, from the head when the metadata comes first', () => {
  const enc = (s) => new TextEncoder().encode(s);
  const big = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ metadata: { name: `p${i}`, annotations: { continue: 'not this' } } })));
  const cases = [
    { name: 'metadata first', text: `{"kind":"PodList","metadata":{"resourceVersion":"5","continue":"c1"},"items":${big}}`, want: 'c1' },
    { name: 'items first (the whole page is read)', text: `{"items":${big},"metadata":{"continue":"c2"}}`, want: 'c2' },
    { name: 'an escaped token', text: '{"metadata":{"continue":"a\\"b\\u0041"},"items":[]}', want: 'a"bA' },
    { name: 'the last page', text: `{"metadata":{"resourceVersion":"5"},"items":${big}}`, want: '' },
    { name: 'an empty continue', text: '{"metadata":{"continue":""},"items":[]}', want: '' },
    { name: 'a Status', text: '{"kind":"Status","code":410,"metadata":{"continue":"x"}}', want: '' },
    { name: 'not JSON', text: '{"metadata":{"continue":"x"', want: '' },
    { name: 'empty', text: '', want: '' },
  ];
  for (const c of cases) assert.equal(continueOf(enc(c.text)), c.want, c.name);
  assert.equal(continueOf(null), '');
});

test('list fetches every page in order, fewer and larger than the module\'s, each ready before the module asks for it, and each taken once', async () => {
  const srv = pagesServer(2500, 500);
  await withFetch(srv.fetch, async () => {
    const p = new Prefetches('tok');
    const heard = [];
    const first = `${BASE}/api/v1/namespaces/ns/pods?limit=500`;
    assert.equal(p.list(first, (a, n) => heard.push([n, a.status, a.before])), true);
    // The module's pager: take a page, and in the same task ask for the next by its token.
    const got = [];
    let url = first;
    for (;;) {
      const answer = p.take(url);
      assert.ok(answer, `page ${got.length} was prefetched: ${url}`);
      const a = await answer;
      const doc = JSON.parse(new TextDecoder().decode(a.bytes));
      got.push(doc.items.length);
      if (!doc.metadata.continue) break;
      url = nextURL(first, doc.metadata.continue);
    }
    assert.deepEqual(got, [1000, 1000, 500], 'the prefetched pages, whatever limit the module asked for');
    await p.settled(5000);
    assert.deepEqual(heard, [[0, 200, 0], [1, 200, 1000], [2, 200, 2000]], 'each page with the objects of those before it');
    assert.equal(srv.asked.length, 3, 'three pages fetched');
    assert.deepEqual(srv.asked.map((u) => new URL(u).searchParams.get('continue')), [null, 'tok 1000+/=', 'tok 2000+/=']);
    assert.deepEqual(srv.asked.map((u) => Number(new URL(u).searchParams.get('limit'))), [PREFETCH_LIMIT, PREFETCH_LIMIT, PREFETCH_LIMIT], 'pages of PREFETCH_LIMIT from the first');
    assert.equal(p.take(first), null, 'each page once');
    assert.deepEqual(p.stats(), { started: 3, taken: 3, unused: 0, held: 0 });
    // A second tab asking for the same list hears the pages so far, and nothing is fetched again.
    const again = [];
    assert.equal(p.list(first, (a, n) => again.push(n)), true);
    assert.deepEqual(again, [0, 1, 2]);
    assert.equal(srv.asked.length, 3);
    assert.ok(p.keptBytes() > 2500 * 10, 'until the module runs, the pages are kept for a tab that asks later');
    p.ready();
    assert.equal(p.list(`${BASE}/api/v1/configmaps?limit=500`, () => {}), false, 'no new list once the module runs');
    assert.equal(p.list(first, () => assert.fail('no replay once the module runs')), false, 'nor a replay: a tab asking now hears the module');
    assert.equal(p.keptBytes(), 0, 'the module runs and took every page: none of the pages\' bytes is held');
    p.close();
    assert.equal(p.keptBytes(), 0, 'closed, it holds none of the pages\' bytes');
    assert.equal(p.list(first, () => assert.fail('no replay once closed')), false);
  });
});

test('a list of up to PREFETCH_LIMIT objects is one request, taken by the module\'s request of its first page of PAGE_SIZE', async () => {
  const srv = pagesServer(PREFETCH_LIMIT, 500);
  await withFetch(srv.fetch, async () => {
    const p = new Prefetches('');
    const heard = [];
    p.list(`${BASE}/api/v1/pods?limit=500`, (a, n) => heard.push(n));
    await p.settled(5000, 60000);
    assert.deepEqual(heard, [0]);
    assert.equal(srv.asked.length, 1, 'one LIST at the server');
    const first = JSON.parse(new TextDecoder().decode((await p.take(`${BASE}/api/v1/pods?limit=500`)).bytes));
    assert.equal(first.items.length, PREFETCH_LIMIT, 'the module\'s first page (limit 500) is the whole list');
    assert.equal(first.metadata.continue, undefined, 'no page after it');
    p.close();
  });
});

test('pageKey ignores the limit only (a prefetched page of PREFETCH_LIMIT answers the module\'s of PAGE_SIZE)', () => {
  assert.ok(PAGE_SIZE < PREFETCH_LIMIT);
  assert.equal(pageKey(`${BASE}/x?limit=500&a=1`), pageKey(`${BASE}/x?a=1&limit=4000`));
  assert.equal(pageKey(`${BASE}/x?a=1`), pageKey(`${BASE}/x?limit=7&a=1`));
  assert.notEqual(pageKey(`${BASE}/x?limit=500&continue=a`), pageKey(`${BASE}/x?limit=500&continue=b`));
  assert.notEqual(pageKey(`${BASE}/x?limit=500`), pageKey(`${BASE}/y?limit=500`));
  assert.equal(pageKey('not a url'), '');
});

test('settled waits for a page still in flight, past the idle wait', async () => {
  // One page of 12 parts, one every 10 ms (120 ms in all), against an idle wait of 40 ms.
  const text = JSON.stringify({ kind: 'PodList', metadata: { resourceVersion: '7' }, items: [] });
  const slow = async () => {
    const bytes = new TextEncoder().encode(text);
    const parts = 12;
    let i = 0;
    const body = new ReadableStream({
      async pull(c) {
        await new Promise((r) => setTimeout(r, 10));
        const step = Math.ceil(bytes.length / parts);
        c.enqueue(bytes.slice(i * step, (i + 1) * step));
        if (++i === parts) c.close();
      },
    });
    return new Response(body, { status: 200 });
  };
  await withFetch(slow, async () => {
    const p = new Prefetches('');
    const heard = [];
    p.list(`${BASE}/api/v1/pods?limit=500`, (a, n) => heard.push([n, new TextDecoder().decode(a.bytes)]));
    await p.settled(40, 60000);
    assert.deepEqual(heard, [[0, text]], 'the whole page, in one piece, before settled resolved');
    p.close();
  });
});

test('list follows the tokens of pages whose metadata comes after their items too (read once the page is in)', async () => {
  const srv = pagesServer(2500, 500, () => null, true);
  await withFetch(srv.fetch, async () => {
    const p = new Prefetches('');
    const heard = [];
    p.list(`${BASE}/api/v1/pods?limit=500`, (a, n) => heard.push(n));
    await p.settled(5000, 60000);
    assert.deepEqual(heard, [0, 1, 2]);
    assert.deepEqual(srv.asked.map((u) => new URL(u).searchParams.get('continue')), [null, 'tok 1000+/=', 'tok 2000+/=']);
    p.close();
  });
});

test('list stops at the first page that fails: a 410 on a continue token ends the prefetch there', async () => {
  const gone = { status: 410, body: { kind: 'Status', code: 410, reason: 'Expired', message: 'The provided continue parameter is too old' } };
  const srv = pagesServer(2500, 500, (k) => (k === 1 ? gone : null));
  await withFetch(srv.fetch, async () => {
    const p = new Prefetches('');
    const heard = [];
    p.list(`${BASE}/api/v1/pods?limit=500`, (a, n) => heard.push([n, a.status]));
    await p.settled(5000);
    assert.deepEqual(heard, [[0, 200], [1, 410]]);
    assert.equal(srv.asked.length, 2, 'no page after the 410');
    assert.deepEqual(p.stats(), { started: 2, taken: 0, unused: 2, held: 0 });
    p.close();
  });
});

test('a closed Prefetches fetches no further page', async () => {
  const srv = pagesServer(2500, 500);
  await withFetch(srv.fetch, async () => {
    const p = new Prefetches('');
    const heard = [];
    p.list(`${BASE}/api/v1/pods?limit=500`, (a, n) => heard.push(n));
    p.close();
    await p.settled(5000); // the first page's answer came, and was dropped
    assert.equal(srv.asked.length, 1);
    assert.deepEqual(heard, []);
  });
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

test('firstSnapshot of a later page: the pages so far and this one, sorted; a 410 there leaves them as they were; another failure says why', () => {
  const q = { lists: [{ cluster: 'demo', namespace: '' }], endpoint: { version: 'v1', resource: 'pods' } };
  const pod = (ns, name) => ({ metadata: { namespace: ns, name, uid: `${ns}/${name}`, resourceVersion: '1' } });
  const page = (...items) => ({ status: 200, text: JSON.stringify({ kind: 'PodList', metadata: { continue: 'c' }, items }), err: '' });
  const p0 = firstSnapshot(q, page(pod('b', 'x'), pod('a', 'y')), false);
  const added = [];
  const p1 = firstSnapshot(q, page(pod('a', 'z'), pod('c', 'a'), pod('a', 'a')), false, p0, added);
  assert.deepEqual(added.map((o) => o.metadata.uid), ['a/a', 'a/z', 'c/a'], 'added: this page\'s own objects, sorted');
  assert.ok(added.every((o) => p1.items.includes(o) && !p0.items.includes(o)));
  const none = [];
  firstSnapshot(q, { status: 503, text: '', err: '' }, false, p1, none);
  assert.deepEqual(none, [], 'a failed page adds nothing');
  assert.equal(p1.status, 'loading');
  assert.ok(p1.prefetched && Object.isFrozen(p1.items));
  assert.deepEqual(p1.items.map((o) => o.metadata.uid), ['a/a', 'a/y', 'a/z', 'b/x', 'c/a'], 'merged by namespace, then name');
  assert.ok(p0.items.every((o) => p1.items.includes(o)), 'the objects of the pages before are the same objects');
  const gone = { status: 410, text: JSON.stringify({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old' }), err: '' };
  assert.equal(firstSnapshot(q, gone, false, p1), p1, 'a 410 on a later page: nothing changes');
  assert.equal(firstSnapshot(q, gone, false).status, 'error', 'a 410 on the first page is an error as any other');
  const down = firstSnapshot(q, { status: 503, text: '', err: '' }, false, p1);
  assert.equal(down.status, 'error');
  assert.equal(down.items.length, 5, 'the pages before are kept');
  assert.equal(down.errors[0].message, 'The server could not answer (503).');
});

test('settled waits for the tabs\' snapshots of the pages sent to them (sent, shown), past the idle wait, at most the bound', async () => {
  const srv = pagesServer(1500, 500); // two pages of PREFETCH_LIMIT
  await withFetch(srv.fetch, async () => {
    const p = new Prefetches('');
    let got = 0;
    p.list(`${BASE}/api/v1/pods?limit=500`, () => {
      got++;
      p.sent(); // posted to a tab
    });
    let settled = false;
    const done = p.settled(20, 60000).then(() => (settled = true));
    // Both pages in, sent, and not shown: settled waits, past several idle waits of 20 ms.
    await until(() => got === 2);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false, 'not settled while a page sent is not shown');
    p.shown();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false, 'one page of two shown');
    p.shown();
    await done;
    assert.equal(settled, true);
    p.close();
  });
  // A tab that never shows what it was sent: the bound.
  await withFetch(pagesServer(10, 500).fetch, async () => {
    const p = new Prefetches('');
    p.list(`${BASE}/api/v1/pods?limit=500`, () => p.sent());
    const t0 = Date.now();
    await p.settled(20, 300);
    const took = Date.now() - t0;
    assert.ok(took >= 250 && took < 30000, `the bound, not the idle wait: ${took} ms`);
    p.close();
  });
});

// until resolves once cond() holds, checked each 5 ms, or rejects after 10 s.
async function until(cond) {
  for (const deadline = Date.now() + 10000; !cond(); ) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('settled waits for every page while they are asked for, at most the bound', async () => {
  const srv = pagesServer(2500, 500);
  await withFetch(srv.fetch, async () => {
    const p = new Prefetches('');
    const heard = [];
    p.list(`${BASE}/api/v1/pods?limit=500`, (a, n) => heard.push(n));
    await p.settled(5000, 60000);
    assert.deepEqual(heard, [0, 1, 2], 'all three pages before it resolved');
    p.close();
  });
  // A page that never comes: settled ends at the bound.
  await withFetch(() => new Promise(() => {}), async () => {
    const p = new Prefetches('');
    p.list(`${BASE}/api/v1/pods?limit=500`, () => {});
    const t0 = Date.now();
    await p.settled(20, 300);
    const took = Date.now() - t0;
    assert.ok(took >= 250 && took < 30000, `the bound, not the idle wait (a page is in flight): ${took} ms`);
    p.close();
  });
  // No page asked for since the last answer (the callers of list() still at work): the idle wait.
  await withFetch(pagesServer(10, 500).fetch, async () => {
    const p = new Prefetches('');
    p.list(`${BASE}/api/v1/pods?limit=500`, () => {});
    await p.settled(5000, 60000); // the one page came: nothing in flight
    const t0 = Date.now();
    await p.settled(20, 60000);
    assert.ok(Date.now() - t0 < 30000, 'nothing in flight: done at once or after the idle wait');
    p.close();
  });
});

test('a list that does not hold the module (a view\'s) leaves settled to the lists that do', async () => {
  await withFetch(() => new Promise(() => {}), async () => {
    const p = new Prefetches('');
    assert.equal(p.list(`${BASE}/api/v1/pods?limit=500`, () => {}, false), true);
    const t0 = Date.now();
    await p.settled(20000, 60000);
    assert.ok(Date.now() - t0 < 10000, `settled at once: no held list (${Date.now() - t0} ms)`);
    // The same list asked for by a watchList holds it from then on.
    p.list(`${BASE}/api/v1/pods?limit=500`, () => {});
    const waited = await Promise.race([p.settled(20000, 60000).then(() => 'settled'), new Promise((r) => setTimeout(() => r('waiting'), 50))]);
    assert.equal(waited, 'waiting', 'a held list is waited for');
    p.close();
  });
});

test('once the module is ready, prefetched pages stay while it keeps taking them, and go once it stops for UNUSED_MS', async (t) => {
  const srv = pagesServer(2500, 500); // pages of 1,000, 1,000, 500
  await withFetch(srv.fetch, async () => {
    const p = new Prefetches('');
    const first = `${BASE}/api/v1/pods?limit=500`;
    p.list(first, () => {}, false);
    // Every page in before the clock is mocked: the chain runs on promises, not timers.
    for (let i = 0; i < 100 && p.stats().started < 3; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(p.stats().started, 3);
    t.mock.timers.enable({ apis: ['setTimeout'] });
    p.ready();
    t.mock.timers.tick(9000);
    assert.ok(p.take(first), 'page 0, 9 s after ready');
    t.mock.timers.tick(9000);
    assert.ok(p.take(nextURL(first, 'tok 1000+/=')), 'page 1, 18 s after ready but 9 s after the last take');
    t.mock.timers.tick(10001);
    assert.equal(p.take(nextURL(first, 'tok 2000+/=')), null, 'page 2 went: nothing was taken for 10 s');
    assert.deepEqual(p.stats(), { started: 3, taken: 2, unused: 1, held: 0 });
  });
});

test('pages that come once the module runs go to the tabs listening and to the module, and are not kept for replay', async () => {
  const srv = pagesServer(2500, 500);
  let release;
  const gate = new Promise((r) => (release = r));
  const gated = async (url) => {
    if (new URL(url).searchParams.has('continue')) await gate;
    return srv.fetch(url);
  };
  await withFetch(gated, async () => {
    const p = new Prefetches('');
    const first = `${BASE}/api/v1/namespaces/ns/pods?limit=500`;
    const heard = [];
    assert.equal(p.list(first, (a, n) => heard.push(n)), true);
    await until(() => heard.length === 1);
    const a0 = await p.take(first);
    p.ready(); // pages 1 and 2 are still on their way
    assert.equal(p.keptBytes(), 0, 'page 0 is no longer kept for replay');
    release();
    await until(() => heard.length === 3);
    assert.deepEqual(heard, [0, 1, 2], 'the tab listening hears every page');
    assert.equal(p.keptBytes(), 0, 'the pages that came once the module ran are not kept');
    const a1 = await p.take(nextURL(first, continueOf(a0.bytes)));
    assert.ok(a1?.bytes.byteLength > 0, 'the module takes the page that came later');
    p.close();
  });
});
