// The worker host's start (RemoteClient.start, load.js's connect): the
// worker is created while the page takes its Web Lock, init (which names
// that lock) goes only once the lock is held, and a worker that dies before
// anyone listened still fails the start with its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteClient } from '../src/remote.js';
import { connect } from '../src/load.js';
import { fakeWorker } from './fakeworker.mjs';

// heldLocks is a LockManager whose grants the test gives by hand (grant()).
function heldLocks() {
  const asked = [];
  return {
    asked,
    request: (name, ...rest) => {
      asked.push({ name, cb: rest.at(-1) });
      return new Promise(() => {});
    },
    grant: () => asked.shift().cb(),
  };
}

test('start creates the worker while the page takes its lock, and sends init only once the lock is held', async () => {
  const w = fakeWorker();
  const inits = [];
  const connects = [];
  const conn = () => {
    const c = w.connect();
    const post = c.port.postMessage;
    c.port.postMessage = (m) => {
      if (m.t === 'init') inits.push(m);
      post(m);
    };
    connects.push(c);
    return c;
  };
  const locks = heldLocks();
  // connect may answer later (the worker's name is a digest): a Promise of the port.
  const kl = new RemoteClient('shared-worker', () => Promise.resolve(conn()), { token: 't' }, { locks });
  let started = false;
  const done = kl.start().then(() => (started = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  assert.equal(connects.length, 1, 'the worker exists before the lock is held');
  assert.equal(locks.asked.length, 1, 'the lock is asked for at the same time');
  assert.equal(inits.length, 0, 'no init before the lock is held: the worker would find it free');
  assert.equal(started, false);
  locks.grant();
  await done;
  assert.equal(inits.length, 1);
  assert.match(inits[0].lock, /^kubelive-page-/, 'init names the lock the page holds');
  assert.equal(connects.length, 1, 'one worker');
  kl.close();
});

test('a worker that dies before the page listened fails the start with its reason', { timeout: 5000 }, async () => {
  const made = [];
  globalThis.SharedWorker = class {
    constructor(url, opts) {
      this.args = [url, opts];
      this.onerror = null;
      this.port = { onmessage: null, postMessage() {}, close() {}, start() {} };
      made.push(this);
    }
  };
  try {
    const locks = heldLocks();
    const kl = new RemoteClient('shared-worker', () => Promise.resolve(connect('shared-worker', 'http://127.0.0.1/w.js', 'kubelive-x')), {}, { locks });
    const failed = kl.start().then(() => '', (e) => e.message);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    assert.equal(made.length, 1, 'the worker was created');
    assert.deepEqual(made[0].args, ['http://127.0.0.1/w.js', { type: 'module', name: 'kubelive-x' }]);
    // The script fails to load while the page still waits for its lock: nobody listens yet.
    made[0].onerror({ message: 'the script is not a module' });
    locks.grant();
    assert.equal(await failed, 'kubelive: the worker failed to start: the script is not a module');
    // And a listener added later hears it once.
    const c = connect('shared-worker', 'http://127.0.0.1/w.js', 'kubelive-y');
    made[1].onerror({});
    made[1].onerror({ message: 'again' });
    const reasons = [];
    c.onDeath((why) => reasons.push(why));
    await Promise.resolve();
    assert.deepEqual(reasons, ['the worker script failed to load']);
    kl.close();
  } finally {
    delete globalThis.SharedWorker;
  }
});
