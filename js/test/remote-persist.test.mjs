// clearPersisted and flushPersisted on the page half of the worker host: each
// asks the worker once and resolves to its answer; a worker that dies, or a
// client that closes, resolves what is pending to false.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteClient } from '../src/remote.js';
import { fakeWorker, until } from './fakeworker.mjs';

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
  w.send({ t: 'persisted', ask: f.ask, ok: false });
  w.send({ t: 'persisted', ask: c.ask, ok: true });
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
