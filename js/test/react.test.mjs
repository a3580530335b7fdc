import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionState, perFrame, stableKey } from '../src/react.js';

test('stableKey is equal for equal values, whatever the key order', () => {
  assert.equal(stableKey({ a: 1, b: { d: [1, 2], c: 'x' } }), stableKey({ b: { c: 'x', d: [1, 2] }, a: 1 }));
  assert.notEqual(stableKey({ a: [1, 2] }), stableKey({ a: [2, 1] }));
  assert.notEqual(stableKey({ a: '1' }), stableKey({ a: 1 }));
  assert.equal(stableKey(undefined), 'null');
});

test('connectionState reads the snapshot only: its status (staleness decided in Go) and first error', () => {
  const now = 1_000_000;
  assert.equal(connectionState(null).state, 'loading');
  const live = { status: 'live', lists: [{ since: now - 5000, lastEvent: now - 1000 }], errors: [] };
  assert.deepEqual(connectionState(live), { state: 'live', since: now - 5000, lastEvent: now - 1000, error: null });
  const quiet = { ...live, status: 'stale' };
  assert.equal(connectionState(quiet).state, 'stale', 'stale only when the snapshot says so');
  const refused = { status: 'error', lists: [{ since: now }], errors: [{ cluster: 'c', namespace: '', message: 'The server refused access (403).', code: 403, reason: 'Forbidden' }] };
  assert.deepEqual(connectionState(refused).error, { message: 'The server refused access (403).', code: 403, reason: 'Forbidden' });
  assert.equal(connectionState({ status: 'reconnecting', lists: [{ since: now - 3000 }] }).state, 'reconnecting');
});

test('perFrame sends the first value of a frame at once and the last of the rest on the next frame, at most one a frame', () => {
  // A fake frame clock: frames run when the test says.
  let queued = [];
  const frame = (f) => queued.push(f) && f;
  const cancel = (f) => (queued = queued.filter((g) => g !== f));
  const runFrame = () => {
    const q = queued;
    queued = [];
    for (const f of q) f();
  };
  const sent = [];
  const push = perFrame((v) => sent.push(v), frame, cancel);
  push('a');
  assert.deepEqual(sent, ['a'], 'the first value of a frame goes at once');
  push('ab');
  push('abc');
  assert.deepEqual(sent, ['a'], 'later ones in the same frame wait');
  runFrame();
  assert.deepEqual(sent, ['a', 'abc'], 'the next frame sends only the last of them');
  runFrame();
  assert.deepEqual(sent, ['a', 'abc'], 'a frame with nothing waiting sends nothing');
  push('x');
  assert.deepEqual(sent, ['a', 'abc', 'x'], 'after a quiet frame, at once again');
  push('xy');
  push.cancel();
  runFrame();
  assert.deepEqual(sent, ['a', 'abc', 'x'], 'cancel drops what waits');
  push('z');
  assert.deepEqual(sent, ['a', 'abc', 'x', 'z'], 'and the next value goes at once');
  // Per frame, never more than one send, however many pushes.
  for (let f = 0; f < 5; f++) {
    const before = sent.length;
    for (let i = 0; i < 10; i++) push(`${f}.${i}`);
    runFrame();
    assert.ok(sent.length - before <= 2, `frame ${f}: ${sent.length - before} sends for 10 pushes`);
    assert.equal(sent.at(-1), `${f}.9`, 'the last value pushed is sent');
  }
});
