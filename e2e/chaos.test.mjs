// A shorter chaos run (./build.sh chaos runs the full one): 20 lists over the
// multiplexer and over per-URL sockets stay exactly equal to the server
// through churn, drops, forced 410s, pauses and server restarts (compared by
// uid, duplicates counted), and heal within 3 s of the last fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failures, runChaos } from './chaos.mjs';

test('20 lists in both modes equal the server after churn and faults', { timeout: 240000 }, async () => {
  const f = await runChaos({ events: 8000, drops: 10, expires: 4, restarts: 2, pauses: 3, maxPauseMs: 2000, rate: 800, seed: 2 });
  console.log(`chaos (short): ${JSON.stringify(f)}`);
  assert.ok(f.events >= 8000, `churned ${f.events} events`);
  assert.equal(f.restarts, 2);
  assert.equal(f.drops, 10);
  assert.ok(f.droppedStreams >= f.drops, `every drop cut something: ${f.droppedStreams} streams in ${f.drops} drops`);
  assert.ok(f.expiresTaken >= 1, `forced 410s taken: ${f.expiresTaken}/${f.expiresArmed}`);
  assert.deepEqual(failures(f), []);
  for (const mode of [f.mux, f.perURL]) {
    assert.deepEqual([mode.notLive, mode.missing, mode.extra, mode.stale, mode.duplicates], [0, 0, 0, 0, 0]);
    // The target, in both modes: per URL it holds because the page lets only a few
    // handshakes be in flight at once (transport.LimitDialer; Chromium delays each new socket
    // exponentially in the pending ones).
    const bound = 3000;
    assert.ok(mode.sinceLastFaultMs !== null && mode.sinceLastFaultMs < bound, `${mode.mode}: every list live and exact ${mode.sinceLastFaultMs} ms after the last fault (bound ${bound} ms, target 3 s)`);
    assert.ok(mode.objects > 100, `compared ${mode.objects} objects`);
    assert.ok(mode.phases.reconnecting >= 1, 'the lists went through reconnects');
  }
  assert.equal(f.mux.mode, 'mux');
  assert.equal(f.perURL.mode, 'per-url');
});

test('compare keys by uid: a duplicate is counted, a reused name is missing plus extra', async () => {
  const { byUID, compare } = await import('./chaos.mjs');
  const item = (uid, name, rv) => ({ metadata: { uid, name, resourceVersion: rv } });
  const server = byUID([item('u1', 'a', '5'), item('u2', 'b', '6')]).items;
  const dup = byUID([item('u1', 'a', '5'), item('u1', 'a', '5'), item('u2', 'b', '6')]);
  assert.deepEqual(compare(server, dup.items, dup.duplicates).duplicates, ['a']);
  const reused = byUID([item('u1', 'a', '5'), item('u9', 'b', '6')]);
  const d = compare(server, reused.items, reused.duplicates);
  assert.deepEqual([d.missing, d.extra, d.stale], [['b'], ['b'], []]);
});
