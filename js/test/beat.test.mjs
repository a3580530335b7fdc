// Heartbeats (beat.js), on a clock the tests move: the worker lets a visible
// page go after 4 s of silence and a hidden one only after 3 minutes, a late
// sweep lets nobody go; the page takes its worker for gone once a beat is
// unanswered for 4 s, but not when its own timers ran late. Then the page
// half of the worker host (RemoteClient) without Web Locks: it beats when the
// worker asks, and a silent worker is replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BEAT_MS, HIDDEN_SILENT_MS, SILENT_MS, SWEEP_MS, pageBeats, pageWatcher } from '../src/beat.js';
import { RemoteClient } from '../src/remote.js';
import { fakeClock, fakeWorker, until } from './fakeworker.mjs';

const watcher = () => {
  const clock = fakeClock();
  const gone = [];
  const w = pageWatcher(clock, (p) => gone.push(p));
  return { clock, gone, w };
};

test('the worker lets a silent page go after SILENT_MS, keeps one it hears from, and runs no timer once none is watched', () => {
  const { clock, gone, w } = watcher();
  const a = w.watch('a');
  const b = w.watch('b');
  assert.equal(clock.timers.size, 1, 'one timer for every page');
  for (let i = 0; i < 10; i++) {
    clock.advance(BEAT_MS);
    b.heard();
  }
  assert.deepEqual(gone, ['a'], 'a went silent 10 s ago; b beat every second');
  clock.advance(SILENT_MS - BEAT_MS);
  assert.deepEqual(gone, ['a'], 'b is silent for less than SILENT_MS');
  b.stop();
  assert.equal(w.size, 0);
  assert.equal(clock.timers.size, 0, 'no timer once no page is watched');
  a.heard(); // a page already let go stays gone
  clock.advance(60_000);
  assert.deepEqual(gone, ['a']);
});

test('a page let go is let go within SILENT_MS plus one sweep, never before SILENT_MS', () => {
  const { clock, gone, w } = watcher();
  w.watch('a');
  clock.advance(SILENT_MS - 1);
  assert.deepEqual(gone, []);
  clock.advance(SWEEP_MS + 1);
  assert.deepEqual(gone, ['a']);
});

test('a hidden page is kept while its beats are throttled to one a minute, and let go after HIDDEN_SILENT_MS of silence', () => {
  const { clock, gone, w } = watcher();
  const a = w.watch('a');
  a.hidden(true);
  for (let i = 0; i < 10; i++) {
    clock.advance(60_000);
    a.heard();
  }
  assert.deepEqual(gone, [], 'a throttled hidden page is alive');
  clock.advance(HIDDEN_SILENT_MS - BEAT_MS);
  assert.deepEqual(gone, []);
  clock.advance(2 * BEAT_MS);
  assert.deepEqual(gone, ['a'], 'a hidden page that stopped beating (crashed) is let go');
  const b = w.watch('b');
  b.hidden(true);
  clock.advance(30_000);
  b.hidden(false); // visible again: the short rule from now on
  clock.advance(SILENT_MS + BEAT_MS);
  assert.deepEqual(gone, ['a', 'b']);
});

test("a sweep that runs late (the worker's thread was busy) lets nobody go", () => {
  const { clock, gone, w } = watcher();
  w.watch('a');
  clock.jump(10_000);
  assert.deepEqual(gone, [], 'the page may have beaten while the worker was busy');
  clock.advance(SILENT_MS + BEAT_MS);
  assert.deepEqual(gone, ['a'], 'then the rule applies again');
});

test('the page calls its worker gone once a beat is unanswered for SILENT_MS, and not while answered or when it ran late', () => {
  const clock = fakeClock();
  let sent = 0;
  let silent = 0;
  const b = pageBeats(clock, () => sent++, () => silent++);
  assert.equal(sent, 1, 'a first beat at once');
  for (let i = 0; i < 20; i++) {
    clock.advance(BEAT_MS);
    b.answered();
  }
  assert.equal(sent, 21);
  assert.equal(silent, 0);
  // Throttled (a hidden page): one tick a minute, each late; the answer comes after it.
  for (let i = 0; i < 5; i++) {
    clock.jump(60_000);
    b.answered();
  }
  assert.equal(silent, 0, 'a page whose own timers ran late does not blame the worker');
  // Frozen right after a beat: on resume the tick runs before the queued answer; the count starts again.
  clock.jump(60_000);
  clock.jump(600_000);
  assert.equal(silent, 0, 'a beat sent before the page froze is not counted as unanswered');
  b.answered();
  // Unanswered from here: the next beat goes BEAT_MS later, and is given SILENT_MS.
  clock.advance(SILENT_MS);
  assert.equal(silent, 0);
  clock.advance(2 * BEAT_MS);
  assert.equal(silent, 1, 'the worker is gone');
  assert.equal(clock.timers.size, 0, 'the beats stop');
  clock.advance(60_000);
  assert.equal(silent, 1, 'once');
});

const QUERY = { lists: [{ cluster: 'demo', namespace: 'default' }], endpoint: { group: '', version: 'v1', resource: 'pods' } };

test('without Web Locks the page beats when the worker asks, holds no lock, and replaces a worker that falls silent', async () => {
  const clock = fakeClock();
  const w = fakeWorker({ beatMs: BEAT_MS });
  const kl = new RemoteClient('shared-worker', w.connect, {}, { locks: null, clock });
  await kl.start();
  const beats = () => w.direct.filter((d) => d.port === 0 && d.m.t === 'beat').length;
  assert.equal(beats(), 1);
  const statuses = [];
  kl.watchList(QUERY, (s) => statuses.push(s.status));
  await until(() => w.sent.some((m) => m.t === 'op'), 'the watch opened');
  w.send({ t: 'stats', stats: {} }); // any message answers
  for (let i = 0; i < 10; i++) {
    clock.advance(BEAT_MS);
    w.send({ t: 'beat' });
  }
  assert.equal(beats(), 11);
  assert.equal(w.ports.length, 1, 'an answering worker is kept');
  clock.advance(SILENT_MS);
  assert.equal(w.ports.length, 1, 'the beat after the last answer has had less than SILENT_MS');
  clock.advance(2 * BEAT_MS);
  await until(() => w.ports.length === 2, 'a new port to a replaced worker');
  await until(() => w.sent.filter((m) => m.t === 'op').length === 2, 'the watch opened again in the new worker');
  assert.equal(kl.stats().restarts, 1);
  assert.ok(w.direct.some((d) => d.port === 1 && d.m.t === 'beat'), 'the page beats to the new worker');
  kl.close();
  assert.equal(clock.timers.size, 0, 'a closed client beats no more');
});

test('with a worker that waits on its lock, the page does not beat', async () => {
  const clock = fakeClock();
  const w = fakeWorker({ beatMs: 0 });
  const requested = [];
  const locks = { request: (name, ...rest) => (requested.push(name), rest.at(-1)()) };
  const kl = new RemoteClient('shared-worker', w.connect, {}, { locks, clock });
  await kl.start();
  clock.advance(10 * SILENT_MS);
  assert.equal(w.direct.length, 0, 'no beat');
  assert.equal(w.ports.length, 1);
  assert.match(requested[0], /^kubelive-page-/, 'the page holds its lock');
  kl.close();
});
