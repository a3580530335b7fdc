// clearPersisted and flushPersisted on the page half of the worker host: each
// asks the worker once and resolves to its answer; a worker that dies, or a
// client that closes, resolves what is pending to false.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteClient } from '../src/remote.js';

function fakeWorker() {
  const w = { sent: [], ports: [], deaths: [] };
  w.connect = () => {
    const port = {
      onmessage: null,
      postMessage: (m) => {
        if (m.t === 'init') queueMicrotask(() => port.onmessage({ data: { t: 'ready', lock: '', stats: {} } }));
        else if (m.t === 'batch') w.sent.push(...m.msgs);
      },
      start() {},
    };
    w.ports.push(port);
    return { port, onDeath: (fn) => w.deaths.push(fn), stop() {} };
  };
  w.answer = (ask, ok) => w.ports.at(-1).onmessage({ data: { t: 'persisted', ask, ok } });
  return w;
}

async function until(fn, what) {
  const deadline = Date.now() + 2000;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('clearPersisted and flushPersisted ask the worker and resolve to its answer', async () => {
  const w = fakeWorker();
  const kl = new RemoteClient('shared-worker', w.connect, {});
  await kl.start();
  const cleared = kl.clearPersisted();
  const flushed = kl.flushPersisted();
  await until(() => w.sent.filter((m) => m.t === 'persist').length === 2, 'two persist asks');
  const [c, f] = w.sent.filter((m) => m.t === 'persist');
  assert.equal(c.op, 'clear');
  assert.equal(f.op, 'flush');
  assert.notEqual(c.ask, f.ask);
  w.answer(f.ask, false);
  w.answer(c.ask, true);
  assert.equal(await cleared, true);
  assert.equal(await flushed, false);
  kl.close();
});

test('a pending persist ask resolves to false when the worker dies or the client closes', async () => {
  const w = fakeWorker();
  const kl = new RemoteClient('shared-worker', w.connect, {});
  await kl.start();
  const dying = kl.flushPersisted();
  await until(() => w.sent.some((m) => m.t === 'persist'), 'the ask');
  for (const d of w.deaths.splice(0)) d('killed');
  assert.equal(await dying, false);
  await until(() => w.ports.length === 2, 'a new worker');
  const closing = kl.clearPersisted();
  kl.close();
  assert.equal(await closing, false);
  assert.equal(await kl.clearPersisted(), false);
});
