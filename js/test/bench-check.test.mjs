// The bench driver's self-check (bench/check.mjs): a contender's figures
// count only if its page ran in the host and over the framing its name says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEADLAMP, MSGPACK, checkRun, expectedRun } from '../../bench/check.mjs';

const perURL = { mode: 'per-url', reason: 'multiplexer: off' };
const mux = (protocol) => ({ mode: 'mux', reason: 'multiplexer: on', protocol, state: 'open' });

test('what each query asks for', () => {
  assert.deepEqual(expectedRun('mux=off&wasm=x'), { host: 'page', protocol: '' });
  assert.deepEqual(expectedRun('mux=on&host=shared-worker&wasm=x'), { host: 'shared-worker', protocol: MSGPACK });
  assert.deepEqual(expectedRun('mux=json&host=shared-worker&wasm=x&js=%2Fdist%2Fbench%2Fjs-base'), { host: 'shared-worker', protocol: HEADLAMP });
});

test('a run passes only where its stats match its name', () => {
  const cases = [
    { name: 'page host, per-URL', query: 'mux=off', stats: { host: 'page', multiplexer: perURL }, ok: true },
    { name: 'worker, per-URL', query: 'mux=off&host=shared-worker', stats: { host: 'shared-worker', multiplexer: perURL, reportedAt: 1 }, ok: true },
    { name: 'worker, msgpack mux', query: 'mux=on&host=shared-worker', stats: { host: 'shared-worker', multiplexer: mux(MSGPACK) }, ok: true },
    { name: 'worker, JSON mux', query: 'mux=json&host=shared-worker', stats: { host: 'shared-worker', multiplexer: mux(HEADLAMP) }, ok: true },
    { name: 'a worker contender that ran on the page', query: 'mux=json&host=shared-worker', stats: { host: 'page', multiplexer: mux(HEADLAMP) }, ok: false, says: /ran in host "page"/ },
    { name: 'a worker contender in a dedicated worker', query: 'mux=on&host=shared-worker', stats: { host: 'worker', multiplexer: mux(MSGPACK) }, ok: false, says: /not in host "shared-worker"/ },
    { name: 'a mux contender that fell back to per-URL sockets', query: 'mux=on&host=shared-worker', stats: { host: 'shared-worker', multiplexer: { mode: 'per-url', reason: 'the multiplexer refused every watch' } }, ok: false, says: /per-URL sockets \(multiplexer "per-url": the multiplexer refused every watch\)/ },
    { name: 'the JSON contender over msgpack', query: 'mux=json', stats: { host: 'page', multiplexer: mux(MSGPACK) }, ok: false, says: /over kubelive\.mux\.v1\.msgpack, not in host "page" with the multiplexer over headlamp/ },
    { name: 'a per-URL contender over the multiplexer', query: 'mux=off', stats: { host: 'page', multiplexer: mux(MSGPACK) }, ok: false, says: /with per-URL sockets: its figures/ },
    { name: 'stats the worker never refreshed', query: 'mux=on&host=shared-worker', stats: { host: 'shared-worker', multiplexer: mux(MSGPACK), stale: true }, ok: false, says: /did not report its stats/ },
    { name: 'no stats at all', query: 'mux=off&host=shared-worker', stats: undefined, ok: false, says: /ran in host null/ },
  ];
  for (const c of cases) {
    if (c.ok) assert.doesNotThrow(() => checkRun('x', c.query, c.stats), c.name);
    else assert.throws(() => checkRun('x', c.query, c.stats), c.says, c.name);
  }
});
