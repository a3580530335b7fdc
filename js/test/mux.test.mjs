import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeliveClient, MUX_UNSUBSCRIBE_DELAY_MS } from '../src/client.js';

// muxApi records mux calls and keeps each subscription's callbacks, the way
// the wasm bridge receives them.
function muxApi() {
  const calls = [];
  const subs = new Map();
  let next = 0;
  return {
    calls,
    subs,
    muxSubscribe(cluster, path, query, onMessage, onError) {
      const id = ++next;
      calls.push(['muxSubscribe', id, query]);
      subs.set(id, { onMessage, onError });
      return id;
    },
    muxUnsubscribe(id) {
      calls.push(['muxUnsubscribe', id]);
    },
    close() {
      calls.push(['close']);
    },
  };
}

test('a mux cleanup takes effect after the delay, so a remount keeps its socket', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const api = muxApi();
  const kl = new KubeliveClient(api);
  const cleanup = await kl.mux.subscribe('c', '/api/v1/pods', 'watch=1', () => {});
  cleanup();
  cleanup();
  const again = await kl.mux.subscribe('c', '/api/v1/pods', 'watch=1', () => {});
  assert.deepEqual(api.calls, [
    ['muxSubscribe', 1, 'watch=1'],
    ['muxSubscribe', 2, 'watch=1'],
  ], 'the remount subscribes before the first cleanup unsubscribes');
  t.mock.timers.tick(MUX_UNSUBSCRIBE_DELAY_MS - 1);
  assert.equal(api.calls.length, 2);
  t.mock.timers.tick(1);
  assert.deepEqual(api.calls.at(-1), ['muxUnsubscribe', 1]);
  again();
  kl.close();
  t.mock.timers.tick(MUX_UNSUBSCRIBE_DELAY_MS);
  assert.deepEqual(api.calls.slice(2), [['muxUnsubscribe', 1], ['close']], 'close() drops pending cleanups');
});

test('without onError a backend ERROR reaches onMessage in Headlamp\'s shape', async () => {
  const api = muxApi();
  const kl = new KubeliveClient(api);
  const got = [];
  await kl.mux.subscribe('c', '/api/v1/pods', 'watch=1', (m) => got.push(m));
  const { onError } = api.subs.get(1);
  onError(new Error('mux: server error on ...: forbidden'), 'forbidden');
  onError(new Error('a listener threw'));
  assert.deepEqual(got, [{
    type: 'ERROR',
    object: {
      kind: 'Status',
      status: 'Failure',
      message: 'forbidden',
      metadata: { uid: 'c:/api/v1/pods:watch=1:ERROR:forbidden', resourceVersion: '0' },
    },
  }]);
});

test('with onError, errors go to onError and never to onMessage', async () => {
  const api = muxApi();
  const kl = new KubeliveClient(api);
  const msgs = [];
  const errs = [];
  await kl.mux.subscribe('c', '/p', '', (m) => msgs.push(m), (e) => errs.push(e.message));
  api.subs.get(1).onError(new Error('boom'), 'boom');
  assert.deepEqual(errs, ['boom']);
  assert.deepEqual(msgs, []);
});
