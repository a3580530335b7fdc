// The worker host's list wire format: what a page rebuilds from encodeList's
// output (cloned as postMessage clones it) equals the worker's snapshot, and
// objects the worker did not change keep their identity on the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyList, encodeList, newListState } from '../src/listwire.js';

/** page is one page's side of one list: it applies what the worker sends. */
function page() {
  return { byId: [], items: [] };
}

/** send encodes items for the page and applies them there, as the worker host does. */
function send(w, p, items, object) {
  const fresh = [];
  w.snap = object === undefined ? { key: 'k', items } : { key: 'k', items, object };
  const l = structuredClone(encodeList(w, fresh));
  const parsed = JSON.parse(JSON.stringify(fresh));
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
    const { sent } = send(w, p, items);
    assert.deepEqual(p.items, items, `step ${step}`);
    assert.equal(sent, items.filter((o) => !held.has(o)).length, `step ${step}: only the objects the page does not hold are sent`);
    for (const [i, o] of items.entries()) if (held.has(o)) assert.equal(p.items[i], held.get(o), `step ${step}: identity`);
    cur = items;
  }
  assert.ok(w.next <= 2 * Math.max(40, cur.length) + 8, `ids are reused: the largest is ${w.next} after ${next} objects, ${cur.length} held`);
});

test('a big list costs a Map operation per object not where it was, not one per object', () => {
  // Every Map operation while a batch is encoded and applied, counted: 10,000
  // items of which a few changed must not cost one per item.
  const w = newListState(1);
  const p = page();
  let cur = Array.from({ length: 10000 }, (_, i) => pod(`p${i}`));
  send(w, p, cur);
  const cases = [
    { name: 'one added at the front, one removed in the middle', make: (a) => [pod('new-1'), ...a.slice(0, 5000), ...a.slice(5001)], most: 8 },
    { name: 'one moved from the end to the front', make: (a) => [a.at(-1), ...a.slice(0, -1)], most: 8 },
    { name: 'two changed and one added at the end', make: (a) => [...a.slice(0, 3), pod('p3', 2), ...a.slice(4, 9000), pod('p9000', 2), ...a.slice(9001), pod('new-2')], most: 12 },
  ];
  const names = ['get', 'set', 'has', 'delete'];
  const orig = names.map((k) => Map.prototype[k]);
  for (const c of cases) {
    const items = c.make(cur);
    let ops = 0;
    names.forEach((k, i) => {
      Map.prototype[k] = function (...a) {
        ops++;
        return orig[i].apply(this, a);
      };
    });
    try {
      send(w, p, items);
    } finally {
      names.forEach((k, i) => (Map.prototype[k] = orig[i]));
    }
    assert.deepEqual(p.items, items, `${c.name}: the page's items`);
    assert.ok(ops <= c.most, `${c.name}: ${ops} Map operations, want at most ${c.most}`);
    cur = items;
  }
});
