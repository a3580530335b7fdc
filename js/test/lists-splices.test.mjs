// A raw view (the worker host's, wasm/bridge/lists.js) applies the order's
// splices from Go to its items and says what changed on its snapshot;
// encodeList then encodes only those positions. The view is driven here as
// the Go bridge drives it (bytes for slots, objects' JSON and ends), over
// random adds, deletes and in-place changes, and the page must always
// equal the view's items with the identity of unchanged objects kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyList, decodeFresh, encodeFresh, encodeList, newListState, noteSnapshot, readRaw } from '../src/listwire.js';
import { LazyObjects } from '../src/lazy.js';
import { apply, goCache, newShim } from './golists.mjs';

// fromWire is what a page makes of encodeFresh's output: [object, id, ...].
const fromWire = ({ bytes, index }) => decodeFresh(bytes, index, new LazyObjects(), () => undefined);

// wired is encodeFresh of fresh with the raw handles' JSON read from Go's cache (as the worker does).
const wired = (cache, fresh) => {
  const raw = readRaw(fresh, cache.read);
  assert.deepEqual(raw.errors, [], 'every object the page needs is in the last flush');
  return encodeFresh(fresh, raw.of);
};

const obj = (slot, rv) => ({ metadata: { name: `p${slot}`, resourceVersion: String(rv) } });

/**
 * goChange is one random change of a view's order as Go sends it: each
 * previous position may go, new slots may come before it, some kept slots
 * change in place (only those when inPlace). Returns the new order, the
 * removed slots, the changed [slot, object] pairs and the splices' words.
 */
function goChange(rnd, order, newSlot, step, inPlace) {
  const splice = [];
  const next = [];
  const removed = [];
  const changed = [];
  const open = (at) => {
    const n = splice.length;
    if (n && splice[n - 1].at + splice[n - 1].removed === at) return splice[n - 1];
    splice.push({ at, removed: 0, slots: [] });
    return splice[n];
  };
  for (let i = 0; i <= order.length; i++) {
    if (!inPlace && rnd(150) === 0) {
      for (let k = rnd(3); k >= 0; k--) {
        const s = newSlot();
        open(i).slots.push(s);
        next.push(s);
        changed.push([s, obj(s, step)]);
      }
    }
    if (i === order.length) break;
    if (!inPlace && rnd(80) === 0) {
      open(i).removed++;
      removed.push(order[i]);
    } else {
      next.push(order[i]);
      if (rnd(70) === 0) changed.push([order[i], obj(order[i], step)]);
    }
  }
  return { next, removed, changed, flat: splice.length ? splice.flatMap((s) => [s.at, s.removed, s.slots.length, ...s.slots]) : null };
}

/** lcg is a seeded pseudo-random rnd(n) in [0, n). */
function lcg(seed) {
  return (n) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 16) % n;
  };
}

test('a raw view applies 300 random splices and in-place changes from Go; encodeList sends only what they name and the page equals the view', () => {
  const rnd = lcg(5);
  const shim = newShim({ raw: true });
  const cache = goCache(shim);
  const v = shim.listsView('k', false);
  let order = Array.from({ length: 500 }, (_, i) => i + 1);
  let nextSlot = order.length + 1;
  let snap = apply(shim, v, 1, order.map((s) => [s, obj(s, 0)]), { order, full: true });
  const w = newListState(1);
  const p = { byId: [], items: [] };
  const send = () => {
    w.snap = snap;
    const fresh = [];
    const l = structuredClone(encodeList(w, fresh));
    p.items = applyList(p.byId, l, fromWire(wired(cache, fresh)), p.items);
    return l;
  };
  send();
  const parse = cache.parse;
  const kinds = { splice: 0, patch: 0, order: 0 };
  for (let step = 2; step < 300; step++) {
    const before = snap.items;
    const held = p.items;
    // Go's splices (in-place changes only every 7th step).
    const { next, removed, changed, flat } = goChange(rnd, order, () => nextSlot++, step, step % 7 === 0);
    const whole = step % 50 === 0;
    snap = apply(shim, v, step, changed, whole ? { removed, order: next } : { removed, splice: flat });
    assert.deepEqual(snap.items.map(parse).map((o) => o.metadata.name), next.map((s) => `p${s}`), `step ${step}: the view's order`);
    const kept = new Set(before);
    const changedSlots = new Set(changed.map(([s]) => s));
    for (const [i, s] of next.entries()) {
      if (!changedSlots.has(s)) assert.ok(kept.has(snap.items[i]), `step ${step}: slot ${s} keeps its object`);
    }
    assert.ok(Object.isFrozen(snap.items) && Object.isFrozen(snap), 'frozen as before');
    assert.equal(Object.keys(snap).includes('changes'), false, 'what changed is not an enumerable member');
    const heldBy = new Map(before.map((o, i) => [o, held[i]]));
    const l = send();
    kinds[l.splice ? 'splice' : l.patch ? 'patch' : 'order']++;
    if (!whole) assert.equal(l.order, null, `step ${step}: a change of the view goes as a patch or splices`);
    assert.deepEqual(p.items, snap.items.map(parse), `step ${step}: the page equals the view`);
    for (const [i, o] of snap.items.entries()) if (heldBy.has(o)) assert.equal(p.items[i], heldBy.get(o), `step ${step}: identity at ${i}`);
    order = next;
  }
  assert.ok(kinds.splice > 200 && kinds.patch > 20, `both encodings were exercised: ${JSON.stringify(kinds)}`);
  assert.equal(w.ids.size, order.length, 'the worker holds an id for each object sent, and no other');
  assert.equal(cache.misses, 0, "every position given to Go pointed at its slot in the view's order");
});

test('snapshots the page did not take (no acknowledgement yet) are composed: 300 random changes of a raw view, a batch now and then, each exact, none walking every item but after a whole order', () => {
  const rnd = lcg(9);
  const shim = newShim({ raw: true });
  const cache = goCache(shim);
  const v = shim.listsView('k', false);
  let order = Array.from({ length: 800 }, (_, i) => i + 1);
  let nextSlot = order.length + 1;
  const w = newListState(1);
  const p = { byId: [], items: [] };
  noteSnapshot(w, apply(shim, v, 1, order.map((s) => [s, obj(s, 0)]), { order, full: true }));
  const parse = cache.parse;
  let held = new Map(); // the view's object -> the page's object for it
  const send = () => {
    const fresh = [];
    const l = structuredClone(encodeList(w, fresh));
    p.items = applyList(p.byId, l, fromWire(wired(cache, fresh)), p.items);
    const items = w.snap.items;
    assert.deepEqual(p.items, items.map(parse), 'the page equals the view');
    for (const [i, o] of items.entries()) if (held.has(o)) assert.equal(p.items[i], held.get(o), `identity at ${i}`);
    held = new Map(items.map((o, i) => [o, p.items[i]]));
    return l;
  };
  send();
  let walks = w.stamp; // encodeList walks every item (with a new stamp) only without a hint
  let wholeSince = false;
  let skipped = 0;
  let sends = 0;
  for (let step = 2; step < 300; step++) {
    const { next, removed, changed, flat } = goChange(rnd, order, () => nextSlot++, step, step % 5 === 0);
    const whole = step % 60 === 0;
    noteSnapshot(w, apply(shim, v, step, changed, whole ? { removed, order: next } : { removed, splice: flat }));
    wholeSince ||= whole;
    order = next;
    if (rnd(4) !== 0) {
      skipped++;
      continue;
    }
    const l = send();
    sends++;
    if (wholeSince) walks++;
    else assert.equal(l.order, null, `step ${step}: composed changes go as a patch or splices`);
    assert.equal(w.stamp, walks, `step ${step}: every item walked only after a whole order`);
    wholeSince = false;
  }
  assert.ok(skipped > 150 && sends > 50, `snapshots were composed (${skipped} not sent, ${sends} batches)`);
  send();
  assert.equal(w.ids.size, order.length, 'the worker holds an id for each object sent, and no other');
  assert.equal(cache.misses, 0, "every position given to Go pointed at its slot in the view's order");
});
