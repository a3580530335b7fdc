// A lazy view (the page host's, wasm/bridge/lists.js after listsLazy) makes
// each changed object with lazy.js's LazyObjects from the JSON and member
// spans Go sends: the view is driven here as the Go bridge drives it, with
// the bench's pinned Pod. Its objects must be what JSON.parse gives (keys in
// order, JSON.stringify, structuredClone, spread, entries), frozen deep,
// parsed only where read, the same objects across snapshots while
// unchanged; a member that does not parse must reach the snapshot's
// lastError and the listener's onError on the next task, never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LazyObjects, NO_SPANS } from '../src/lazy.js';
import { apply, memberSpans, meta, newShim, words } from './golists.mjs';

const POD = JSON.parse(readFileSync(new URL('../../testdata/bench/pod.json', import.meta.url), 'utf8'));

// pod is the pinned Pod renamed to p<i> at resourceVersion rv, with the
// cluster member Go adds last.
const pod = (i, rv = 1) => ({ ...structuredClone(POD), metadata: { ...structuredClone(POD.metadata), name: `p${i}`, uid: `u${i}`, resourceVersion: String(rv) }, cluster: 'c1' });

const LIST = { cluster: 'c1', namespace: 'bench', status: 'live', resourceVersion: '1' };

// spyParse records the text of every JSON.parse while fn runs.
function spyParse(fn) {
  const parse = JSON.parse;
  const texts = [];
  JSON.parse = (t, r) => {
    texts.push(String(t));
    return parse(t, r);
  };
  try {
    fn();
  } finally {
    JSON.parse = parse;
  }
  return texts;
}

function lazyView() {
  const shim = newShim({ lazy: new LazyObjects({ freezeWhole: true }) });
  const v = shim.listsView('k', false);
  const heard = { snaps: [], errors: [] };
  shim.listsListen(v, 1, (s) => heard.snaps.push(s), (e) => heard.errors.push(e));
  return { shim, v, heard };
}

test('a lazy view holds frozen objects equal to the server\'s, parses only the members read, and keeps unchanged objects across updates', () => {
  const { shim, v } = lazyView();
  const server = new Map(Array.from({ length: 30 }, (_, i) => [i + 1, pod(i + 1)]));
  let snap;
  const applied = spyParse(() => {
    snap = apply(shim, v, 1, [...server], { order: [...server.keys()], full: true, lists: [LIST] });
  });
  assert.equal(snap.items.length, 30);
  assert.deepEqual(applied.filter((t) => t.includes('containers')), [], 'no object was parsed by the apply');
  const names = spyParse(() => assert.deepEqual(snap.items.map((o) => o.metadata.name), [...server.values()].map((o) => o.metadata.name)));
  assert.ok(names.length > 0 && names.every((t) => t.startsWith('"p')), `reading metadata.name parses the names alone: ${names.slice(0, 3)}`);
  const spec = spyParse(() => snap.items[0].spec);
  assert.deepEqual(spec, [JSON.stringify(POD.spec)], 'reading spec parses spec alone');
  for (const [i, o] of snap.items.entries()) {
    const want = server.get(i + 1);
    assert.equal(JSON.stringify(o), JSON.stringify(want), `object ${i}: JSON.stringify equals the server's`);
    assert.deepEqual(Object.keys(o), Object.keys(want));
    assert.deepEqual(structuredClone(o), want);
    assert.deepEqual({ ...o }.status, want.status);
    assert.deepEqual(Object.entries(o).map(([k]) => k), ['metadata', 'spec', 'status', 'cluster']);
    assert.ok(Object.isFrozen(o) && Object.isFrozen(o.metadata) && Object.isFrozen(o.metadata.labels) && Object.isFrozen(o.spec.containers[0]), `object ${i} is frozen deep`);
    assert.equal(o.spec, o.spec, 'a member is the same value on every read');
  }
  // p2 and p5 change, p3 goes, p31 comes at the end.
  const before = snap.items;
  server.set(2, pod(2, 2));
  server.set(5, pod(5, 2));
  server.delete(3);
  server.set(31, pod(31, 2));
  snap = apply(shim, v, 2, [[2, server.get(2)], [5, server.get(5)], [31, server.get(31)]], { removed: [3], splice: [2, 1, 0, 30, 0, 1, 31], lists: [LIST] });
  assert.deepEqual(snap.items.map((o) => JSON.stringify(o)), [...server.values()].map((o) => JSON.stringify(o)), 'the view equals the server after the update');
  for (const [i, o] of snap.items.entries()) {
    const slot = [...server.keys()][i];
    const was = before.find((b) => b.metadata.uid === `u${slot}`);
    if ([2, 5, 31].includes(slot)) assert.notEqual(o, was, `slot ${slot} changed: a new object`);
    else assert.equal(o, was, `slot ${slot} unchanged: the same object`);
  }
  assert.equal(snap.items[0].spec, before[0].spec, 'an unchanged object keeps its parsed members');
  assert.ok(Object.isFrozen(snap.items) && Object.isFrozen(snap));
});

test('a member that does not parse reads as a placeholder and becomes the lists\' lastError and the onError of the next task; an object Go could not cut is parsed whole and frozen', async () => {
  const { shim, v, heard } = lazyView();
  const objs = [[1, pod(1)], [2, pod(2)]];
  // Object 1's spec span ends one byte short (its value does not parse); object 2 goes without spans.
  const spansOf = (text, i) => {
    if (i === 1) return [NO_SPANS];
    const s = memberSpans(objs[i][1]);
    s[1 + 4 * 1 + 3] -= 1; // spec is member 1: its value's end
    return s;
  };
  const snap = apply(shim, v, 1, objs, { order: [1, 2], full: true, lists: [LIST], spansOf });
  shim.listsNotify(v);
  assert.equal(heard.snaps.length, 1);
  let spec;
  assert.doesNotThrow(() => (spec = snap.items[0].spec));
  assert.deepEqual(spec, {});
  assert.ok(Object.isFrozen(spec));
  assert.equal(snap.items[0].metadata.name, 'p1', 'the other members still read');
  assert.equal(snap.lists[0].lastError, undefined, 'not inside the read');
  const whole = snap.items[1];
  assert.equal(JSON.stringify(whole), JSON.stringify(objs[1][1]));
  assert.ok(Object.isFrozen(whole) && Object.isFrozen(whole.spec.containers[0]), 'parsed whole, frozen deep');
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(heard.snaps.length, 2, 'the listener hears a snapshot with the error');
  const next = heard.snaps[1];
  assert.equal(v.snap, next);
  assert.match(next.lists[0].lastError.message, /the member "spec" of an object of this list is not valid JSON/);
  assert.equal(next.items, snap.items, 'the same items');
  assert.equal(heard.errors.length, 1);
  assert.match(heard.errors[0].message, /member "spec"/);
  // A later flush keeps the error, but where Go reports a later one of its own.
  const later = apply(shim, v, 2, [], { lists: [LIST] });
  assert.match(later.lists[0].lastError.message, /member "spec"/);
  const own = apply(shim, v, 3, [], { lists: [{ ...LIST, lastError: { message: 'watch: cut' }, lastErrorAt: Date.now() + 1000 }] });
  assert.equal(own.lists[0].lastError.message, 'watch: cut');
});

test('listsApply answers Go a boolean, never the snapshot object (each object that crosses into Go costs it an allocation and a finalizer)', () => {
  const { shim, v } = lazyView();
  const took = shim.listsApply(v, null, words([]), null, words([]), meta(1, [LIST]), true, null, null);
  assert.equal(took, true);
  assert.equal(shim.lists.apply(v, null, words([]), null, null, meta(2, [LIST]), false, null, null).items.length, 0, 'the view itself still makes its snapshot');
});
