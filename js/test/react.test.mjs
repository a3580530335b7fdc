import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionState, stableKey } from '../src/react.js';

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
