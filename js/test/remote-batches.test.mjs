// List batches on the page half of the worker host (RemoteClient), against a
// fake worker and a fake animation frame: a batch is acknowledged on receipt
// (the worker sends the next without waiting for this page's frame), every
// batch received before a frame is applied on it at once (one snapshot per
// list, patches and whole orders mixed), and a page whose frames stall holds
// a bounded number of batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteClient } from '../src/remote.js';
import { encodeList, newListState } from '../src/listwire.js';

const QUERY = { lists: [{ cluster: 'demo', namespace: 'default' }], endpoint: { group: '', version: 'v1', resource: 'pods' } };
const pod = (name, rv) => ({ cluster: 'demo', metadata: { uid: `u-${name}`, namespace: 'default', name, resourceVersion: String(rv) } });

/** frames replaces requestAnimationFrame with one the test runs by hand. */
function frames() {
  const f = { queue: [], had: Object.hasOwn(globalThis, 'requestAnimationFrame') ? globalThis.requestAnimationFrame : undefined };
  globalThis.requestAnimationFrame = (fn) => f.queue.push(fn);
  f.run = () => {
    const q = f.queue;
    f.queue = [];
    for (const fn of q) fn(0);
    return q.length;
  };
  f.restore = () => {
    if (f.had === undefined) delete globalThis.requestAnimationFrame;
    else globalThis.requestAnimationFrame = f.had;
  };
  return f;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test('batches are acknowledged on receipt, applied together on the next frame, and at most 8 wait unacknowledged', async (t) => {
  const f = frames();
  t.after(f.restore);
  const sent = [];
  let port = null;
  const connect = () => {
    port = {
      onmessage: null,
      postMessage: (m) => {
        if (m.t === 'init') queueMicrotask(() => port.onmessage({ data: { t: 'ready', lock: '', stats: {} } }));
        else if (m.t === 'batch') sent.push(...m.msgs);
      },
      start() {},
    };
    return { port, onDeath() {}, stop() {} };
  };
  const kl = new RemoteClient('shared-worker', connect, {});
  await kl.start();
  const snaps = [];
  const stop = kl.watchList(QUERY, (s) => snaps.push(s));
  await tick();
  const op = sent.find((m) => m.t === 'op');
  assert.ok(op, 'the watch is opened');
  const state = newListState(op.id);
  const acks = () => sent.filter((m) => m.t === 'ack').length;
  let items = [pod('a', 1), pod('b', 1)];
  const send = () => {
    const fresh = [];
    state.snap = { key: 'k', status: 'live', lists: [{ cluster: 'demo', namespace: 'default', status: 'live', resourceVersion: '1' }], items };
    const l = structuredClone(encodeList(state, fresh));
    port.onmessage({ data: { t: 'lists', lists: [l], json: JSON.stringify(fresh) } });
  };

  send();
  await tick();
  assert.equal(acks(), 1, 'acknowledged before any frame ran');
  assert.equal(snaps.length, 0, 'nothing applied before the frame');
  assert.equal(f.run(), 1, 'one frame was asked for');
  assert.equal(snaps.length, 1);
  const first = snaps[0];

  // Seven more batches before the next frame: each acknowledged at once, all applied on one frame.
  for (let i = 2; i <= 8; i++) {
    items = [items[0], pod('b', i)];
    send();
  }
  await tick();
  assert.equal(acks(), 8, 'every batch acknowledged on receipt');
  assert.equal(f.run(), 1);
  assert.equal(snaps.length, 2, 'one snapshot for every batch of the frame');
  assert.equal(snaps[1].items[1].metadata.resourceVersion, '8', 'the last batch wins');
  assert.equal(snaps[1].items[0], first.items[0], 'an unchanged object keeps its identity');

  // The frames stall: the 8th batch waiting is acknowledged only on the frame that applies them.
  for (let i = 9; i <= 16; i++) {
    items = [items[0], pod('b', i)];
    send();
  }
  await tick();
  assert.equal(acks(), 8 + 7, 'the 8th waiting batch is not acknowledged');
  f.run();
  await tick();
  assert.equal(acks(), 16, 'acknowledged once applied');
  assert.equal(snaps.at(-1).items[1].metadata.resourceVersion, '16');

  // In one frame: b changes (a patch), c is added (a whole order), c changes (a patch).
  const before = snaps.length;
  items = [items[0], pod('b', 17)];
  send();
  items = [items[0], items[1], pod('c', 18)];
  send();
  items = [items[0], items[1], pod('c', 19)];
  send();
  await tick();
  f.run();
  assert.equal(snaps.length, before + 1);
  const last = snaps.at(-1);
  assert.deepEqual(last.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`), ['a@1', 'b@17', 'c@19']);
  assert.equal(last.items[0], first.items[0], 'a is still the object of the first snapshot');
  assert.ok(Object.isFrozen(last) && Object.isFrozen(last.items));
  stop();
  kl.close();
});
