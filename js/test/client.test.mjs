import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeliveClient } from '../src/client.js';

// fakeApi records calls the way the wasm bridge would receive them.
function fakeApi() {
  const calls = [];
  let next = 0;
  return {
    calls,
    subscribe(o) {
      calls.push(['subscribe', o.url]);
      return o.url ? ++next : 0;
    },
    unsubscribe(id) {
      calls.push(['unsubscribe', id]);
    },
    stats() {
      return { sockets: [{ key: { url: 'x' } }] };
    },
    close() {
      calls.push(['close']);
    },
  };
}

test('cleanup unsubscribes its own id exactly once', () => {
  const api = fakeApi();
  const kl = new KubeliveClient(api);
  const a = kl.subscribe({ url: 'a', onMessage() {} });
  const b = kl.subscribe({ url: 'b', onMessage() {} });
  a();
  a();
  b();
  assert.deepEqual(api.calls, [
    ['subscribe', 'a'],
    ['subscribe', 'b'],
    ['unsubscribe', 1],
    ['unsubscribe', 2],
  ]);
});

test('a rejected subscribe returns a harmless cleanup', () => {
  const api = fakeApi();
  const kl = new KubeliveClient(api);
  const c = kl.subscribe({ url: '', onMessage() {} });
  c();
  assert.deepEqual(api.calls, [['subscribe', '']]);
});

test('after close, subscribe reports through onError and never throws', async () => {
  const api = fakeApi();
  const kl = new KubeliveClient(api);
  const cleanup = kl.subscribe({ url: 'a', onMessage() {} });
  kl.close();
  kl.close();
  cleanup(); // no unsubscribe into a stopped module
  const err = await new Promise((resolve) => {
    kl.subscribe({ url: 'a', onMessage() {}, onError: resolve });
  });
  assert.match(err.message, /closed/);
  kl.subscribe({ url: 'a', onMessage() {}, onError() { throw new Error('x'); } });
  await new Promise((r) => setTimeout(r, 0)); // let the microtask run: nothing escapes
  assert.deepEqual(api.calls, [['subscribe', 'a'], ['close']]);
  assert.equal(kl.stats().closed, true);
});

test('stats passes through, with host and the module memory as it is now', () => {
  let bytes = 1 << 20;
  const kl = new KubeliveClient(fakeApi(), 'shared-worker', () => bytes);
  assert.equal(kl.stats().sockets[0].key.url, 'x');
  assert.equal(kl.stats().host, 'shared-worker');
  assert.equal(kl.stats().wasmBytes, 1 << 20);
  bytes = 2 << 20; // memory grows: the next stats say so
  assert.equal(kl.stats().wasmBytes, 2 << 20);
  assert.equal(new KubeliveClient(fakeApi()).stats().wasmBytes, 0, 'no memory given: 0');
});

test('stream, logs and sessions cancel by id and are inert after close', () => {
  const calls = [];
  const api = {
    stream: (url) => (calls.push(['stream', url]), 7),
    logs: () => 8,
    exec: (o) => (calls.push(['exec', typeof o.onOutput]), 9),
    socket: (id) => ({ id }),
    cancel: (id) => calls.push(['cancel', id]),
    write: (id, d) => (calls.push(['write', id, d]), ''),
    close: () => calls.push(['close']),
  };
  const kl = new KubeliveClient(api);
  const st = kl.stream('api/v1/x', () => {});
  assert.deepEqual(st.getSocket(), { id: 7 });
  st.cancel();
  kl.logs({ namespace: 'n', pod: 'p' }, () => {}).cancel();
  const s = kl.exec({ namespace: 'n', pod: 'p' });
  assert.equal(s.write('ls\n'), '');
  s.close();
  kl.close();
  assert.equal(s.write('x'), 'session is closed');
  assert.equal(st.getSocket(), null);
  const late = kl.exec({});
  assert.equal(late.write('x'), 'session is closed');
  late.close();
  assert.deepEqual(calls, [
    ['stream', 'api/v1/x'],
    ['cancel', 7],
    ['cancel', 8],
    ['exec', 'function'],
    ['write', 9, 'ls\n'],
    ['cancel', 9],
    ['close'],
  ]);
});

test('retry asks the module to retry now, and nothing after close', () => {
  const api = { ...fakeApi(), retry() { api.calls.push(['retry']); } };
  const kl = new KubeliveClient(api);
  kl.retry();
  kl.close();
  kl.retry();
  assert.deepEqual(api.calls.filter(([c]) => c === 'retry'), [['retry']]);
});

// listApi is a fake bridge for lists: it keeps each watch's listener so the
// test delivers snapshots itself, and counts getList crossings.
function listApi() {
  const listeners = new Map();
  const api = { listeners, gets: 0, unwatched: [], next: 0 };
  api.watchList = (query, onChange) => {
    listeners.set(++api.next, onChange);
    return api.next;
  };
  api.unwatch = (id) => {
    listeners.delete(id);
    api.unwatched.push(id);
  };
  api.getList = () => {
    api.gets++;
    return null;
  };
  return api;
}

test("getList (React's getSnapshot) of a watched key reads the last delivered snapshot without calling the api", () => {
  const api = listApi();
  const kl = new KubeliveClient(api);
  const seen = [];
  const unwatchA = kl.watchList({ lists: [] }, (s) => seen.push(s));
  const unwatchB = kl.watchList({ lists: [] }, () => {});
  const first = Object.freeze({ key: 'k', version: 1 });
  for (const l of api.listeners.values()) l(first);
  assert.equal(kl.getList('k'), first);
  const second = Object.freeze({ key: 'k', version: 2 });
  for (const l of api.listeners.values()) l(second);
  assert.equal(kl.getList('k'), second);
  assert.equal(kl.getList('k'), second);
  assert.equal(api.gets, 0, 'getList crossed into the api for a snapshot the client already holds');
  assert.deepEqual(seen, [first, second]);
  unwatchA();
  assert.equal(kl.getList('k'), second, 'another watch still holds the key');
  assert.equal(api.gets, 0);
  unwatchB();
  assert.equal(kl.getList('k'), null, 'an unwatched key is asked of the api');
  assert.equal(api.gets, 1);
  assert.deepEqual(api.unwatched, [1, 2]);
});

test('clearPersisted and flushPersisted go to the module, and resolve false once closed', async () => {
  const api = fakeApi();
  api.clearPersisted = () => (api.calls.push(['clearPersisted']), Promise.resolve(true));
  api.flushPersisted = () => (api.calls.push(['flushPersisted']), Promise.resolve(true));
  const kl = new KubeliveClient(api);
  assert.equal(await kl.flushPersisted(), true);
  assert.equal(await kl.clearPersisted(), true);
  kl.close();
  assert.equal(await kl.clearPersisted(), false);
  assert.equal(await kl.flushPersisted(), false);
  assert.deepEqual(api.calls, [['flushPersisted'], ['clearPersisted'], ['close']]);
});

test('load() refuses a persist option it cannot read, with a sentence', async () => {
  const { load } = await import('../src/load.js');
  for (const persist of [{ exclude: 'configmaps' }, { exclude: [1] }, { exclude: ['a\nb'] }, 'yes']) {
    await assert.rejects(load({ wasmURL: 'http://127.0.0.1:9/kubelive.wasm', baseURL: 'http://127.0.0.1:9', persist }), /persist must be true, false or \{ exclude/);
  }
});
