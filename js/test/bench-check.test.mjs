// The bench driver's self-check (bench/check.mjs): a contender's figures
// count only if its page ran in the host and over the framing its name says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEADLAMP, MSGPACK, checkRun, expectedRun } from '../../bench/check.mjs';

const perURL = { mode: 'per-url', reason: 'multiplexer: off' };
const mux = (protocol) => ({ mode: 'mux', reason: 'multiplexer: on', protocol, state: 'open' });

test('what each contender name asks for', () => {
  const cases = [
    ['kubelive', 'page', ''],
    ['kubelive-mux', 'page', MSGPACK],
    ['kubelive-mux-json', 'page', HEADLAMP],
    ['kubelive-worker', 'shared-worker', ''],
    ['kubelive-worker-mux', 'shared-worker', MSGPACK],
    ['kubelive-worker-mux-json', 'shared-worker', HEADLAMP],
    ['kubelive-worker-mux-json@other', 'shared-worker', HEADLAMP],
  ];
  for (const [name, host, protocol] of cases) assert.deepEqual(expectedRun(name), { host, protocol }, name);
});

test('a run passes only where its stats match its name', () => {
  const cases = [
    { what: 'page host, per-URL', contender: 'kubelive', stats: { host: 'page', multiplexer: perURL }, ok: true },
    { what: 'worker, per-URL', contender: 'kubelive-worker', stats: { host: 'shared-worker', multiplexer: perURL, reportedAt: 1 }, ok: true },
    { what: 'worker, msgpack mux', contender: 'kubelive-worker-mux', stats: { host: 'shared-worker', multiplexer: mux(MSGPACK) }, ok: true },
    { what: 'worker, JSON mux', contender: 'kubelive-worker-mux-json', stats: { host: 'shared-worker', multiplexer: mux(HEADLAMP) }, ok: true },
    { what: 'a worker contender that ran on the page', contender: 'kubelive-worker-mux-json', stats: { host: 'page', multiplexer: mux(HEADLAMP) }, ok: false, says: /ran in host "page"/ },
    { what: 'a worker contender in a dedicated worker', contender: 'kubelive-worker-mux', stats: { host: 'worker', multiplexer: mux(MSGPACK) }, ok: false, says: /not in host "shared-worker"/ },
    { what: 'a mux contender that fell back to per-URL sockets', contender: 'kubelive-worker-mux', stats: { host: 'shared-worker', multiplexer: { mode: 'per-url', reason: 'the multiplexer refused every watch' } }, ok: false, says: /per-URL sockets \(multiplexer "per-url": the multiplexer refused every watch\)/ },
    { what: 'the JSON contender over msgpack', contender: 'kubelive-mux-json', stats: { host: 'page', multiplexer: mux(MSGPACK) }, ok: false, says: /over kubelive\.mux\.v1\.msgpack, not in host "page" with the multiplexer over headlamp/ },
    { what: 'a per-URL contender over the multiplexer', contender: 'kubelive', stats: { host: 'page', multiplexer: mux(MSGPACK) }, ok: false, says: /with per-URL sockets: its figures/ },
    { what: 'stats the worker never refreshed', contender: 'kubelive-worker-mux', stats: { host: 'shared-worker', multiplexer: mux(MSGPACK), stale: true }, ok: false, says: /did not report its stats/ },
    { what: 'no stats at all', contender: 'kubelive-worker', stats: undefined, ok: false, says: /ran in host null/ },
  ];
  for (const c of cases) {
    if (c.ok) assert.doesNotThrow(() => checkRun(c.contender, c.stats), c.what);
    else assert.throws(() => checkRun(c.contender, c.stats), c.says, c.what);
  }
});
