// List batches on the page half of the worker host (RemoteClient), against a
// fake worker and a fake animation frame: a batch is acknowledged on receipt
// (the worker sends the next without waiting for this page's frame), the
// first batch of a frame is applied on arrival and the batches after it in
// that frame on the next frame at once (one snapshot per list, patches and
// whole orders mixed), and a page whose frames stall holds a bounded number
// of batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteClient } from '../src/remote.js';
import { encodeFresh, encodeList, newListState } from '../src/listwire.js';
import { fakeWorker } from './fakeworker.mjs';

const QUERY = { lists: [{ cluster: 'demo', namespace: 'default' }], endpoint: { group: '', version: 'v1', resource: 'pods' } };
const pod = (name, rv) => ({ cluster: 'demo', metadata: { uid: `u-${name}`, namespace: 'default', name, resourceVersion: String(rv) } });

/** frames replaces requestAnimationFrame with one the test runs by hand. */
function frames() {
  const f = { queue: [], had: Object.hasOwn(globalThis, 'requestAnimationFrame') ? globalThis.requestAnimationFrame : undefined };
  globalThis.requestAnimationFrame = (fn) => f.queue.push(fn);
  f.run = () => {
    const q = f.queue;
    f.queue = [];
    for (const fn of q) fn(0);
    return q.length;
  };
  f.restore = () => {
    if (f.had === undefined) delete globalThis.requestAnimationFrame;
    else globalThis.requestAnimationFrame = f.had;
  };
  return f;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

/** watching starts a client on a fake worker and frames, and watches QUERY into snaps. */
async function watching(t) {
  const f = frames();
  t.after(f.restore);
  const fw = fakeWorker();
  const kl = new RemoteClient('shared-worker', fw.connect, {});
  await kl.start();
  const snaps = [];
  const stop = kl.watchList(QUERY, (s) => snaps.push(s));
  await tick();
  return { f, fw, sent: fw.sent, kl, snaps, stop };
}

test('batches are acknowledged on receipt, the first of a frame applied at once, the rest together on the next frame, and at most 8 wait unacknowledged', async (t) => {
  const { f, fw, sent, kl, snaps, stop } = await watching(t);
  const op = sent.find((m) => m.t === 'op');
  assert.ok(op, 'the watch is opened');
  const state = newListState(op.id);
  const acks = () => sent.filter((m) => m.t === 'ack').length;
  let items = [pod('a', 1), pod('b', 1)];
  const send = () => {
    const fresh = [];
    state.snap = { key: 'k', status: 'live', lists: [{ cluster: 'demo', namespace: 'default', status: 'live', resourceVersion: '1' }], items };
    const l = structuredClone(encodeList(state, fresh));
    fw.send({ t: 'lists', lists: [l], ...encodeFresh(fresh) });
  };

  send();
  assert.equal(snaps.length, 1, 'the first batch of a frame is applied on arrival');
  await tick();
  assert.equal(acks(), 1, 'acknowledged before any frame ran');
  const first = snaps[0];

  // Seven more batches before the next frame: each acknowledged at once, all applied on one frame.
  for (let i = 2; i <= 8; i++) {
    items = [items[0], pod('b', i)];
    send();
  }
  await tick();
  assert.equal(acks(), 8, 'every batch acknowledged on receipt');
  assert.equal(f.run(), 1);
  assert.equal(snaps.length, 2, 'one snapshot for every batch of the frame');
  assert.equal(snaps[1].items[1].metadata.resourceVersion, '8', 'the last batch wins');
  assert.equal(snaps[1].items[0], first.items[0], 'an unchanged object keeps its identity');

  // The frames stall: the 8th batch waiting is acknowledged only on the frame that applies them.
  for (let i = 9; i <= 16; i++) {
    items = [items[0], pod('b', i)];
    send();
  }
  await tick();
  assert.equal(acks(), 8 + 7, 'the 8th waiting batch is not acknowledged');
  f.run();
  await tick();
  assert.equal(acks(), 16, 'acknowledged once applied');
  assert.equal(snaps.at(-1).items[1].metadata.resourceVersion, '16');

  // In one frame: b changes (a patch), c is added (a whole order), c changes (a patch).
  const before = snaps.length;
  items = [items[0], pod('b', 17)];
  send();
  items = [items[0], items[1], pod('c', 18)];
  send();
  items = [items[0], items[1], pod('c', 19)];
  send();
  await tick();
  f.run();
  assert.equal(snaps.length, before + 1);
  const last = snaps.at(-1);
  assert.deepEqual(last.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`), ['a@1', 'b@17', 'c@19']);
  assert.equal(last.items[0], first.items[0], 'a is still the object of the first snapshot');
  assert.ok(Object.isFrozen(last) && Object.isFrozen(last.items));
  stop();
  kl.close();
});

test('at most one apply per frame; the first arrival in a frame is applied at once, later ones on the next frame', async (t) => {
  const { f, fw, sent, kl, snaps, stop } = await watching(t);
  const state = newListState(sent.find((m) => m.t === 'op').id);
  let rv = 1;
  const a = pod('a', 1);
  const send = () => {
    const fresh = [];
    rv++;
    state.snap = { key: 'k', status: 'live', lists: [], resourceVersion: String(rv), items: [a, pod('b', rv)] };
    const l = structuredClone(encodeList(state, fresh));
    fw.send({ t: 'lists', lists: [l], ...encodeFresh(fresh) });
  };
  // A fixed pseudo-random sequence of arrivals and frames (seeded LCG).
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let appliesThisFrame = 0;
  let pendingSinceApply = false;
  let framesWithNothing = 0;
  let atOnce = 0;
  for (let step = 0; step < 400; step++) {
    if (rnd() < 0.6) {
      const before = snaps.length;
      const fresh = appliesThisFrame === 0;
      send();
      appliesThisFrame += snaps.length - before;
      if (fresh) {
        assert.equal(snaps.length, before + 1, `step ${step}: an arrival in a frame with no apply yet is applied at once`);
        assert.equal(snaps.at(-1).resourceVersion, String(rv));
        atOnce++;
      } else {
        assert.equal(snaps.length, before, `step ${step}: a later arrival in the frame waits for the next frame`);
        pendingSinceApply = true;
      }
    } else {
      const before = snaps.length;
      f.run();
      appliesThisFrame = snaps.length - before;
      if (pendingSinceApply) {
        assert.equal(appliesThisFrame, 1, `step ${step}: the frame applies what waited`);
        assert.equal(snaps.at(-1).resourceVersion, String(rv), 'the frame applies the last batch');
      } else {
        assert.equal(appliesThisFrame, 0, `step ${step}: nothing waited, nothing applied`);
        framesWithNothing++;
      }
      pendingSinceApply = false;
    }
    assert.ok(appliesThisFrame <= 1, `step ${step}: at most one apply per frame`);
  }
  assert.ok(atOnce > 20 && framesWithNothing > 20, `the sequence covers both cases (${atOnce} at once, ${framesWithNothing} idle frames)`);
  assert.equal(snaps.at(-1).items[0], snaps[0].items[0], 'an unchanged object keeps its identity');
  stop();
  kl.close();
});

test('a hidden page applies nothing on arrival, and gives one snapshot on the first frame once visible', async (t) => {
  const doc = { visibilityState: 'visible', listeners: [], addEventListener: (_, fn) => doc.listeners.push(fn), removeEventListener() {} };
  globalThis.document = doc;
  t.after(() => delete globalThis.document);
  const { f, fw, sent, kl, snaps, stop } = await watching(t);
  const state = newListState(sent.find((m) => m.t === 'op').id);
  const a = pod('a', 1);
  const send = (rv) => {
    const fresh = [];
    state.snap = { key: 'k', status: 'live', lists: [], resourceVersion: String(rv), items: [a, pod('b', rv)] };
    fw.send({ t: 'lists', lists: [structuredClone(encodeList(state, fresh))], ...encodeFresh(fresh) });
  };
  send(2);
  assert.equal(snaps.length, 1, 'visible: applied on arrival');
  f.run();
  doc.visibilityState = 'hidden';
  for (const fn of doc.listeners) fn();
  f.run(); // a frame that a hidden page would not get: nothing waits, nothing applied
  send(3);
  send(4);
  assert.equal(snaps.length, 1, 'hidden: nothing applied on arrival');
  assert.equal(f.run(), 0, 'hidden: no frame asked for');
  assert.equal(snaps.length, 1, 'hidden: nothing applied');
  doc.visibilityState = 'visible';
  for (const fn of doc.listeners) fn();
  assert.equal(snaps.length, 1, 'visible again: applied on the next frame, not in the event');
  assert.equal(f.run(), 1);
  assert.equal(snaps.length, 2, 'one snapshot for everything that came while hidden');
  assert.equal(snaps[1].resourceVersion, '4');
  assert.equal(snaps[1].items[0], snaps[0].items[0], 'an unchanged object keeps its identity');
  await tick();
  assert.deepEqual(sent.filter((m) => m.t === 'vis').map((m) => m.hidden), [true, false], 'the worker is told');
  stop();
  kl.close();
});

test('400 random arrivals and frames of patches, splices and whole orders: exact after every apply, one apply per frame, unchanged objects keep their identity, earlier snapshots untouched', async (t) => {
  const { f, fw, sent, kl, snaps, stop } = await watching(t);
  const state = newListState(sent.find((m) => m.t === 'op').id);
  let seed = 11;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 16) % n;
  };
  let rv = 1;
  let serial = 0;
  const make = () => pod(`p${String(serial++).padStart(5, '0')}`, rv);
  let items = Array.from({ length: 300 }, make);
  const label = (o) => `${o.metadata.name}@${o.metadata.resourceVersion}`;
  const sentItems = []; // per batch sent, the worker's items
  const send = () => {
    rv++;
    const fresh = [];
    state.snap = { key: 'k', status: 'live', lists: [], resourceVersion: String(rv), items };
    const l = structuredClone(encodeList(state, fresh));
    kinds[l.order ? 'order' : l.splice ? 'splice' : l.patch ? 'patch' : 'none']++;
    sentItems.push(items);
    fw.send({ t: 'lists', lists: [l], ...encodeFresh(fresh) });
  };
  // change makes the worker's next items: objects changed in place, some
  // added and deleted (splices), or now and then many (a whole order).
  const change = () => {
    const next = [];
    const kind = rnd(12); // 0: many changes, 1-4: in place only, else a few of each
    const [del, add, mod] = kind === 0 ? [3, 4, 5] : kind < 5 ? [0, 0, 40] : [150, 200, 150];
    for (const o of items) {
      if (del && rnd(del) === 0) continue; // deleted
      if (add && rnd(add) === 0) next.push(make()); // added before it
      next.push(rnd(mod) === 0 ? pod(o.metadata.name, rv + 1) : o);
    }
    if (kind >= 5 && rnd(3) === 0) next.push(make());
    next.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    items = next;
  };
  const kinds = { order: 0, splice: 0, patch: 0, none: 0 };
  const given = []; // [snapshot, its labels when given]
  const pageOf = new Map(); // the worker's object -> the page's object for it
  let checked = 0;
  // check: the snapshot just given equals the last batch sent, and every
  // object the page held for an unchanged worker object is the same object.
  const check = (step) => {
    const snap = snaps.at(-1);
    const want = sentItems.at(-1);
    assert.deepEqual(snap.items.map(label), want.map(label), `step ${step}: the page's items equal the worker's last batch`);
    assert.ok(Object.isFrozen(snap) && Object.isFrozen(snap.items), `step ${step}: frozen`);
    for (const [i, o] of want.entries()) {
      const had = pageOf.get(o);
      if (had) assert.equal(snap.items[i], had, `step ${step}: ${label(o)} keeps its identity`);
      else pageOf.set(o, snap.items[i]);
    }
    given.push([snap, snap.items.map(label)]);
    checked++;
  };
  send();
  check(0);
  let applies = 0; // snapshots since the last frame
  for (let step = 1; step <= 400; step++) {
    if (rnd(10) < 6) {
      const before = snaps.length;
      change();
      send();
      applies += snaps.length - before;
      if (snaps.length > before) check(step);
    } else {
      const before = snaps.length;
      f.run();
      applies = snaps.length - before;
      if (applies > 0) check(step);
    }
    assert.ok(applies <= 1, `step ${step}: at most one apply per frame`);
  }
  f.run();
  for (const [snap, labels] of given) assert.deepEqual(snap.items.map(label), labels, 'an earlier snapshot is as it was given');
  assert.ok(kinds.order > 5 && kinds.splice > 50 && kinds.patch > 5, `every encoding was exercised: ${JSON.stringify(kinds)}`);
  assert.ok(checked > 100 && checked < sentItems.length, `batches were applied alone and together (${checked} applies, ${sentItems.length} batches)`);
  assert.deepEqual(kl.stats().pageBatches, { received: sentItems.length, applies: checked }, 'stats() counts the batches and the applies');
  stop();
  kl.close();
});
