import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionState, stableKey } from '../src/react.js';

test('stableKey is equal for equal values, whatever the key order', () => {
  assert.equal(stableKey({ a: 1, b: { d: [1, 2], c: 'x' } }), stableKey({ b: { c: 'x', d: [1, 2] }, a: 1 }));
  assert.notEqual(stableKey({ a: [1, 2] }), stableKey({ a: [2, 1] }));
  assert.notEqual(stableKey({ a: '1' }), stableKey({ a: 1 }));
  assert.equal(stableKey(undefined), 'null');
});

test('connectionState: loading, live, stale after the threshold, errors pass through', () => {
  const now = 1_000_000;
  assert.equal(connectionState(null, now).state, 'loading');
  const live = { status: 'live', lists: [{ since: now - 5000, lastEvent: now - 1000 }] };
  assert.deepEqual(connectionState(live, now), { state: 'live', since: now - 5000, lastEvent: now - 1000 });
  assert.equal(connectionState(live, now + 200_000, 150_000).state, 'stale');
  const quietButBookmarked = { status: 'live', lists: [{ since: now - 500_000, lastEvent: now - 10 }] };
  assert.equal(connectionState(quietButBookmarked, now).state, 'live');
  assert.equal(connectionState({ status: 'reconnecting', lists: [{ since: now - 3000 }] }, now).state, 'reconnecting');
  assert.equal(connectionState({ status: 'error', lists: [] }, now).state, 'error');
});
