// The worker host's list wire format: what a page rebuilds from encodeList's
// output (cloned as postMessage clones it) equals the worker's snapshot, and
// objects the worker did not change keep their identity on the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyList, composeChanges, decodeFresh, encodeFresh, encodeList, newListState, readRaw } from '../src/listwire.js';
import { LazyObjects } from '../src/lazy.js';
import { rawStore } from './golists.mjs';

// fromWire is what a page makes of encodeFresh's output: [object, id, ...].
const fromWire = ({ bytes, index }) => decodeFresh(bytes, index, new LazyObjects(), () => undefined);

/** page is one page's side of one list: it applies what the worker sends. */
function page() {
  return { byId: [], items: [] };
}

/**
 * send encodes items for the page and applies them there, as the worker
 * host does: the JSON of raw handles (store's) read from Go's cache.
 */
function send(w, p, items, object, store) {
  const fresh = [];
  w.snap = object === undefined ? { key: 'k', items } : { key: 'k', items, object };
  const l = structuredClone(encodeList(w, fresh));
  const raw = store ? readRaw(fresh, store.read) : null;
  if (raw) assert.deepEqual(raw.errors, [], 'every handle was read');
  const parsed = fromWire(encodeFresh(fresh, raw?.of));
  const prev = p.items;
  p.items = applyList(p.byId, l, parsed, prev);
  p.object = l.objectId < 0 ? undefined : l.objectId === 0 ? null : p.byId[l.objectId];
  return { l, sent: parsed.length / 2, prev };
}

const pod = (name, rv = 1) => ({ metadata: { name, uid: `uid-${name}`, resourceVersion: String(rv) } });

test('the encoding each change takes: whole order first, a patch for in-place changes, the order again otherwise', () => {
  const w = newListState(1);
  const p = page();
  const a = [pod('a'), pod('b'), pod('c'), pod('d'), pod('e'), pod('f'), pod('g'), pod('h'), pod('i')];
  const cases = [
    { name: 'first snapshot: every object', items: a, order: true, sent: 9 },
    { name: 'nothing changed: nothing sent', items: a.slice(), order: false, sent: 0 },
    { name: 'one object changed in place: a patch with it', items: a.map((o, i) => (i === 4 ? pod('e', 2) : o)), order: false, sent: 1 },
    { name: 'one added: the order, one object', items: null, add: pod('j'), order: true, sent: 1 },
    { name: 'two swapped: the order, no object', items: null, swap: true, order: true, sent: 0 },
    { name: 'two of ten changed (more than an eighth): the order', items: null, change: [0, 1], order: true, sent: 2 },
    { name: 'one removed: the order, its id freed', items: null, drop: 3, order: true, sent: 0, freed: 1 },
  ];
  let cur = a;
  for (const c of cases) {
    let items = c.items;
    if (c.add) items = [...cur, c.add];
    if (c.swap) items = [cur[1], cur[0], ...cur.slice(2)];
    if (c.change) items = cur.map((o, i) => (c.change.includes(i) ? pod(o.metadata.name, 9) : o));
    if (c.drop !== undefined) items = cur.filter((_, i) => i !== c.drop);
    const before = new Map(p.items.map((o, i) => [cur[i], o]));
    const { l, sent } = send(w, p, items);
    assert.equal(l.order !== null, c.order, `${c.name}: order`);
    assert.equal(l.patch !== null, !c.order, `${c.name}: patch`);
    assert.equal(sent, c.sent, `${c.name}: objects sent`);
    if (c.freed !== undefined) assert.equal(l.freed.length, c.freed, `${c.name}: freed ids`);
    assert.deepEqual(p.items, items, `${c.name}: the page's items`);
    for (const [i, o] of items.entries()) if (before.has(o)) assert.equal(p.items[i], before.get(o), `${c.name}: identity of ${o.metadata.name}`);
    cur = items;
  }
});

test('a freed id given to a new object in the same batch holds the new object', () => {
  const w = newListState(1);
  const p = page();
  const a = [pod('a'), pod('b')];
  send(w, p, a);
  const b = [pod('c'), a[1], pod('d')]; // a leaves, c and d arrive: one of them takes a's id
  const { l } = send(w, p, b);
  assert.ok(l.freed.length === 1 && [...l.order].includes(l.freed[0]), 'the freed id was reused in the batch');
  assert.deepEqual(p.items, b);
});

test('watchObject: the object goes by the id of its item, null once deleted', () => {
  const w = newListState(1);
  const p = page();
  const o = pod('x');
  send(w, p, [o], o);
  assert.equal(p.object, p.items[0]);
  assert.deepEqual(p.object, o);
  send(w, p, [], null);
  assert.equal(p.object, null);
});

test('2,000 random changes: the page always equals the worker, identity kept for unchanged objects', () => {
  let seed = 7;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 16) % n; // the high bits: an LCG's low bits repeat with a short period
  };
  const w = newListState(1);
  const p = page();
  let cur = Array.from({ length: 40 }, (_, i) => pod(`p${i}`));
  let next = 40;
  send(w, p, cur);
  for (let step = 0; step < 2000; step++) {
    const items = cur.slice();
    for (let k = rnd(4); k >= 0; k--) {
      const op = rnd(4);
      if (op === 0) items.push(pod(`p${next++}`));
      else if (op === 1 && items.length > 1) items.splice(rnd(items.length), 1);
      else if (op === 2) {
        const i = rnd(items.length);
        items[i] = pod(items[i].metadata.name, step + 2);
      } else if (items.length > 1) {
        const i = rnd(items.length);
        const j = rnd(items.length);
        [items[i], items[j]] = [items[j], items[i]];
      }
    }
    const held = new Map(p.items.map((o, i) => [cur[i], o]));
    send(w, p, items);
    assert.deepEqual(p.items, items, `step ${step}`);
    for (const [i, o] of items.entries()) if (held.has(o)) assert.equal(p.items[i], held.get(o), `step ${step}: identity`);
    cur = items;
  }
  assert.ok(w.next <= 2 * Math.max(40, cur.length) + 8, `ids are reused: the largest is ${w.next} after ${next} objects, ${cur.length} held`);
});

test('an add, a delete and a move in a long list: the page equals the worker, unchanged objects keep identity, and only the objects that changed place are looked up', () => {
  class CountingMap extends Map {
    gets = 0;
    get(k) {
      this.gets++;
      return super.get(k);
    }
  }
  const w = newListState(1);
  const p = page();
  let cur = Array.from({ length: 1000 }, (_, i) => pod(`p${i}`));
  send(w, p, cur);
  const counting = new CountingMap(w.ids);
  w.ids = counting;
  const cases = [
    ['delete one', (a) => a.splice(100, 1)],
    ['add one', (a) => a.splice(500, 0, pod('new-1'))],
    ['delete one, add one, change three', (a) => {
      a.splice(10, 1);
      a.splice(700, 0, pod('new-2'));
      for (const i of [3, 400, 900]) a[i] = pod(a[i].metadata.name, 2);
    }],
    ['move one', (a) => a.splice(800, 0, ...a.splice(200, 1))],
    ['append one, delete the first', (a) => {
      a.push(pod('new-3'));
      a.shift();
    }],
  ];
  for (const [what, change] of cases) {
    const items = cur.slice();
    change(items);
    const held = new Map(p.items.map((o, i) => [cur[i], o]));
    counting.gets = 0;
    const { l } = send(w, p, items);
    assert.ok(l.splice && !l.order, `${what}: goes as splices, not the whole order`);
    assert.ok(l.splice.length <= 20, `${what}: ${l.splice.length} numbers of splices for a change of at most five objects in 1,000`);
    assert.deepEqual(p.items, items, what);
    for (const [i, o] of items.entries()) if (held.has(o)) assert.equal(p.items[i], held.get(o), `${what}: identity at ${i}`);
    assert.ok(counting.gets <= 8, `${what}: ${counting.gets} lookups for a change of a few objects in 1,000`);
    cur = items;
  }
  assert.equal(w.ids.size, cur.length, 'the worker holds an id for each object sent, and no other');
});

test('raw objects (each the JSON bytes Go holds) across 1,500 random adds, deletes, moves and changes: the page gets exactly the parsed objects, identity kept, in splices, patches and whole orders', () => {
  let seed = 11;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 16) % n;
  };
  // As a raw view: one handle per object version, the same one while it is unchanged, its JSON in Go's cache.
  const store = rawStore();
  const raw = store.handle;
  const w = newListState(1);
  const p = page();
  let cur = Array.from({ length: 400 }, (_, i) => raw(pod(`p${i}`)));
  let next = 400;
  send(w, p, cur, undefined, store);
  const kinds = { splice: 0, patch: 0, order: 0 };
  const parse = store.parse;
  for (let step = 0; step < 1500; step++) {
    const items = cur.slice();
    for (let k = rnd(step % 3 === 0 ? 12 : 3); k >= 0; k--) {
      const op = rnd(step % 5 === 0 ? 4 : 3);
      if (op === 0) items.splice(rnd(items.length + 1), 0, raw(pod(`p${next++}`, step)));
      else if (op === 1 && items.length > 1) items.splice(rnd(items.length), 1);
      else if (op === 2) {
        const i = rnd(items.length);
        items[i] = raw(pod(parse(items[i]).metadata.name, step + 2));
      } else if (items.length > 1) items.splice(rnd(items.length), 0, ...items.splice(rnd(items.length), 1));
    }
    const held = new Map(p.items.map((o, i) => [cur[i], o]));
    const reads = store.reads;
    const { l } = send(w, p, items, undefined, store);
    assert.ok(store.reads - reads <= 1, `step ${step}: one read from Go per batch of a list`);
    kinds[l.splice ? 'splice' : l.patch ? 'patch' : 'order']++;
    assert.deepEqual(p.items, items.map(parse), `step ${step}`);
    for (const [i, o] of items.entries()) if (held.has(o)) assert.equal(p.items[i], held.get(o), `step ${step}: identity at ${i}`);
    cur = items;
  }
  assert.ok(kinds.splice > 100 && kinds.patch > 50 && kinds.order > 50, `every encoding was exercised: ${JSON.stringify(kinds)}`);
  assert.equal(w.ids.size, cur.length, 'the worker holds an id for each object sent, and no other');
});

test('a page that joins late gets every object, and one that was hidden through many changes gets one exact batch', () => {
  const store = rawStore();
  const raw = store.handle;
  const parse = store.parse;
  let cur = Array.from({ length: 300 }, (_, i) => raw(pod(`p${i}`)));
  const early = newListState(1);
  const ep = page();
  send(early, ep, cur, undefined, store);
  // 60 versions the early page does not see (hidden: the worker sends nothing).
  for (let v = 0; v < 60; v++) {
    cur = cur.slice();
    cur.splice((v * 37) % cur.length, 1);
    cur.splice((v * 11) % cur.length, 0, raw(pod(`n${v}`)));
    cur[(v * 7) % cur.length] = raw(pod(`c${v}`, v));
  }
  const held = new Map(ep.items.map((o, i) => [early.sent[i], o]));
  const { l } = send(early, ep, cur, undefined, store);
  assert.deepEqual(ep.items, cur.map(parse), 'the page visible again holds exactly the current list');
  for (const [i, o] of cur.entries()) if (held.has(o)) assert.equal(ep.items[i], held.get(o), `identity at ${i}`);
  assert.ok(l.fresh[1] - l.fresh[0] <= 2 * 120, 'only the objects it did not hold were sent');
  const late = newListState(1);
  const lp = page();
  const { sent } = send(late, lp, cur, undefined, store);
  assert.equal(sent, cur.length, 'a page that joins late is sent every object');
  assert.deepEqual(lp.items, cur.map(parse), 'and holds exactly the current list');
});

test('composeChanges: 2,000 random pairs of changes compose into the changes from the first list to the last, kept objects at their place', () => {
  let seed = 3;
  const rnd = (n) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 16) % n;
  };
  let serial = 0;
  // change makes random triples on list and the list they give.
  const change = (list) => {
    const t = [];
    const next = [];
    for (let i = 0; i <= list.length; i++) {
      const ins = rnd(8) === 0 ? Array.from({ length: 1 + rnd(3) }, () => ({ n: serial++ })) : [];
      const start = i;
      while (i < list.length && rnd(6) === 0) i++;
      if (i > start || ins.length) t.push(start, i - start, ins.length);
      next.push(...ins);
      if (i < list.length) next.push(list[i]);
    }
    return [next, t];
  };
  // apply is list with triples t applied, NEW for each object inserted.
  const apply = (list, t) => {
    const out = [];
    let from = 0;
    for (let k = 0; k < t.length; k += 3) {
      out.push(...list.slice(from, t[k]), ...Array(t[k + 2]).fill('NEW'));
      from = t[k] + t[k + 1];
    }
    return [...out, ...list.slice(from)];
  };
  for (let trial = 0; trial < 2000; trial++) {
    const p0 = Array.from({ length: rnd(30) }, () => ({ n: serial++ }));
    const [p1, a] = change(p0);
    const [p2, b] = change(p1);
    const c = composeChanges(a, b);
    const what = `trial ${trial}: a ${a}, b ${b}, composed ${c}`;
    const got = apply(p0, c);
    assert.equal(got.length, p2.length, what);
    const inP0 = new Set(p0);
    for (let i = 0; i < p2.length; i++) {
      if (got[i] === 'NEW') assert.ok(!inP0.has(p2[i]), `${what}: an object of the first list at ${i} is not new`);
      else assert.equal(got[i], p2[i], `${what}: position ${i}`);
    }
    for (let k = 3; k < c.length; k += 3) assert.ok(c[k] >= c[k - 3] + c[k - 2], `${what}: ascending`);
  }
});

test('readRaw: one read per list for the raw handles of a batch; a view row is stringified; a handle Go cannot read goes as {} and says why', () => {
  const a = rawStore('a');
  const b = rawStore('b');
  const reads = [];
  const read = (key, slots, pos) => {
    reads.push(key);
    return (key === 'a' ? a : b).read(key, slots, pos);
  };
  const ha = [a.handle(pod('a1')), a.handle(pod('a2'))];
  const hb = [b.handle(pod('b1')), b.handle(pod('b2'))];
  const row = { name: 'r', cpu: 2 };
  const fresh = [ha[0], 1, hb[0], 2, row, 3, ha[1], 4, hb[1], 5, ha[0], 6];
  const raw = readRaw(fresh, read);
  assert.deepEqual(reads, ['a', 'b'], 'one read per list, a handle given twice read once');
  assert.deepEqual(raw.errors, []);
  const objs = fromWire(encodeFresh(fresh, raw.of)).filter((_, i) => i % 2 === 0);
  assert.deepEqual(objs, [pod('a1'), pod('b1'), row, pod('a2'), pod('b2'), pod('a1')].map((o) => JSON.parse(JSON.stringify(o))));
  assert.equal(objs[0].metadata.name, 'a1', 'the spans Go gave let the page read a member of metadata');

  b.forget(hb[1]);
  const broken = readRaw([ha[0], 1, hb[1], 2], read);
  assert.equal(broken.errors.length, 1);
  assert.match(broken.errors[0], /1 of the 1 objects asked for are not in the last flush of b/);
  assert.ok(broken.of.has(ha[0]) && !broken.of.has(hb[0]), 'the other list was read');
  const got = fromWire(encodeFresh([ha[0], 1, hb[1], 2], broken.of));
  assert.deepEqual(got[2], {}, 'a handle not read goes as {}, never as its handle');
  assert.deepEqual(got[0], JSON.parse(JSON.stringify(pod('a1'))));
});

test('readRaw: an answer in several chunks gives every handle its own object, offsets taken in its chunk', () => {
  const s = rawStore('k', 2);
  const hs = ['p0', 'p1', 'p2', 'p3', 'p4'].map((n) => s.handle(pod(n)));
  const fresh = hs.flatMap((h, i) => [h, i + 1]);
  const raw = readRaw(fresh, (key, slots, pos) => s.read(key, slots, pos));
  assert.equal(s.reads, 1, 'one read for the list');
  assert.deepEqual(raw.errors, []);
  assert.equal(raw.of.size, 5);
  const objs = fromWire(encodeFresh(fresh, raw.of)).filter((_, i) => i % 2 === 0);
  assert.deepEqual(objs.map((o) => o.metadata.name), ['p0', 'p1', 'p2', 'p3', 'p4']);
});
