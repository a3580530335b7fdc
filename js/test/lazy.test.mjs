// The page's lazy objects (js/src/lazy.js): made of an object's JSON bytes
// and the spans of its top-level members (as Go's wire.AppendMemberSpans
// reports them), each one must behave as JSON.parse's object, frozen deep:
// same keys in the same order, same values, JSON.stringify, structuredClone,
// spread and Object.entries equal, a member's value the same object on every
// read; and a member that does not parse must reach the list's lastError and
// onError, never throw into the reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LazyObjects, NO_SPANS } from '../src/lazy.js';
import { RemoteClient } from '../src/remote.js';
import { encodeFresh, encodeList, newListState } from '../src/listwire.js';
import { fakeWorker, until } from './fakeworker.mjs';

const utf8 = new TextEncoder();

/**
 * object writes members ([raw key text between the quotes, raw value text])
 * as one JSON object, with sep between the pieces, and returns its bytes and
 * the spans Go reports for it: byte offsets of each key's contents and value.
 */
function object(members, sep = '') {
  const spans = [members.length];
  let text = `{${sep}`;
  let at = utf8.encode(text).length;
  const put = (s) => {
    text += s;
    at += utf8.encode(s).length;
  };
  members.forEach(([k, v], i) => {
    if (i > 0) put(`${sep},${sep}`);
    put('"');
    const ks = at;
    put(k);
    spans.push(ks, at);
    put(`"${sep}:${sep}`);
    const vs = at;
    put(v);
    spans.push(vs, at);
  });
  put(`${sep}}`);
  // Then metadata's members, as Go's live.EncodeItemsSpans adds them: found
  // here by writing metadata's value the way object() writes, when it is
  // one of ours (no separators inside it).
  const mi = members.findLastIndex(([k]) => k === 'metadata');
  let inner = [NO_SPANS];
  if (mi >= 0 && members[mi][1].startsWith('{"')) {
    const start = spans[1 + 4 * mi + 2];
    inner = innerSpans(members[mi][1], start);
  }
  return { text, bytes: utf8.encode(text), spans: Uint32Array.from([...spans, ...inner]) };
}

// innerSpans is the member spans of the object JSON text v (written without
// spaces), offsets shifted by start.
function innerSpans(v, start) {
  const o = JSON.parse(v);
  if (JSON.stringify(o) !== v) return [NO_SPANS];
  const out = [0];
  let at = start + 1;
  for (const [k, x] of Object.entries(o)) {
    const key = utf8.encode(JSON.stringify(k)).length;
    const val = utf8.encode(JSON.stringify(x)).length;
    out.push(at + 1, at + key - 1, at + key + 1, at + key + 1 + val);
    at += key + 1 + val + 1;
    out[0]++;
  }
  return out;
}

const POD = [
  ['apiVersion', '"v1"'],
  ['kind', '"Pod"'],
  ['metadata', JSON.stringify({ name: 'web-1', namespace: 'default', uid: 'u-1', resourceVersion: '42', labels: { app: 'web' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web' }] })],
  ['spec', JSON.stringify({ containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }], nodeName: 'n1' })],
  ['status', JSON.stringify({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], podIP: null, restarts: 0, ready: true })],
  ['cluster', '"demo"'],
];

const cases = [
  { name: 'a pod as the server sends it', members: POD },
  { name: 'whitespace around every piece', members: POD, sep: ' \n\t' },
  { name: 'non-ASCII text (byte offsets differ from the string\'s)', members: [['metadata', '{"name":"caf\u00e9-\u2603","annotations":{"note":"\ud83d\ude80 launched"}}'], ['spec', '{"x":"\u00fc"}'], ['cluster', '"d\u00e9mo"']] },
  { name: 'a key with an escape', members: [['na\\u006de', '"n"'], ['quo\\"te', '1'], ['plain', 'true']] },
  { name: 'integer-like keys come first, as in JSON.parse', members: [['b', '1'], ['10', '2'], ['a', '3'], ['2', '4']] },
  { name: 'a duplicate key: first place, last value', members: [['cluster', '"x"'], ['spec', '{}'], ['cluster', '"demo"']] },
  { name: 'a key __proto__ is an own member', members: [['__proto__', '{"polluted":true}'], ['kind', '"Pod"']] },
  { name: 'every kind of value', members: [['s', '"str"'], ['n', '-1.5e3'], ['t', 'true'], ['f', 'false'], ['z', 'null'], ['a', '[1,[2,{"x":3}]]'], ['o', '{}'], ['e', '[]']] },
  { name: 'no member at all', members: [] },
];

for (const c of cases) {
  test(`a lazy object behaves as JSON.parse's, frozen: ${c.name}`, () => {
    'use strict';
    const { text, bytes, spans } = object(c.members, c.sep);
    const want = JSON.parse(text);
    const reports = [];
    const o = new LazyObjects().make(bytes, spans, (m) => reports.push(m));
    assert.deepEqual(Object.keys(o), Object.keys(want), 'the same keys in the same order');
    assert.equal(Object.getPrototypeOf(o), Object.prototype, 'a plain object');
    for (const k of Object.keys(want)) assert.deepEqual(o[k], want[k], `member ${k}`);
    assert.equal(JSON.stringify(o), JSON.stringify(want), 'JSON.stringify');
    assert.deepEqual(structuredClone(o), want, 'structuredClone');
    assert.deepEqual({ ...o }, want, 'spread');
    assert.deepEqual(Object.entries(o), Object.entries(want), 'Object.entries');
    assert.ok(Object.isFrozen(o), 'the object is frozen');
    assert.throws(() => {
      o.kind = 'x';
    }, TypeError, 'assignment throws in strict mode');
    assert.throws(() => {
      o.added = 1;
    }, TypeError, 'no member can be added');
    for (const k of Object.keys(want)) {
      const v = o[k];
      assert.equal(o[k], v, `member ${k}: the same value on every read`);
      if (v && typeof v === 'object') {
        assert.ok(Object.isFrozen(v), `member ${k} is frozen`);
        const walk = (x, path) => {
          if (!x || typeof x !== 'object') return;
          assert.ok(Object.isFrozen(x), `${path} is frozen`);
          for (const [kk, vv] of Object.entries(x)) walk(vv, `${path}.${kk}`);
        };
        walk(v, k);
      }
    }
    assert.equal(Object.getOwnPropertySymbols(o).length, 0, 'no hidden member shows');
    assert.deepEqual(reports, [], 'nothing reported');
  });
}

test('a member is parsed only when read, and once', () => {
  const { bytes, spans } = object(POD);
  const lazy = new LazyObjects();
  const o = lazy.make(bytes, spans, () => {});
  const parse = JSON.parse;
  let calls = 0;
  JSON.parse = (...a) => {
    calls++;
    return parse(...a);
  };
  try {
    assert.equal(o.metadata.name, 'web-1');
    assert.equal(calls, 1, 'reading metadata.name parses that string only: metadata is lazy too');
    assert.equal(o.metadata.name, 'web-1');
    assert.equal(o.metadata, o.metadata, 'metadata is the same object on every read');
    assert.equal(calls, 1, 'a second read parses nothing');
    assert.deepEqual(o.metadata.labels, { app: 'web' });
    assert.equal(calls, 2, 'another member of metadata is parsed when read');
    assert.deepEqual(o.spec.nodeName, 'n1');
    assert.equal(calls, 3, 'spec is parsed whole when read');
    const other = lazy.make(bytes, spans, () => {});
    assert.notEqual(other.metadata, o.metadata, 'another object has values of its own');
    assert.equal(calls, 3);
  } finally {
    JSON.parse = parse;
  }
});

test('an object Go could not cut (NO_SPANS) is parsed whole, as it is', () => {
  const text = '{"a":{"b":[1,2]},"c":"d"}';
  const o = new LazyObjects().make(utf8.encode(text), [NO_SPANS], () => {});
  assert.deepEqual(o, JSON.parse(text));
});

test('a member that does not parse reads as an empty value of its kind, reported once, and never throws', () => {
  const { bytes } = object(POD);
  // spans off by a few bytes: metadata.name's starts after its quote, spec's cuts its end, status's is not JSON
  const good = object(POD).spans;
  const bad = Uint32Array.from(good);
  const m = (i) => 1 + 4 * i; // member i's words
  const inner = 1 + 4 * POD.length; // metadata's members' count
  bad[inner + 1 + 2] += 1; // metadata's first member, name: its value starts past its quote
  bad[m(3) + 3] = good[m(3) + 3] - 5; // spec cut short
  bad[m(4) + 2] = good[m(4) + 2] + 1; // status starts after its '{'
  const reports = [];
  const o = new LazyObjects().make(bytes, bad, (msg) => reports.push(msg));
  assert.equal(o.apiVersion, 'v1', 'the members whose spans are right read as they are');
  assert.equal(o.metadata.uid, 'u-1', 'so do the right members of metadata');
  assert.doesNotThrow(() => o.spec.containers, 'reading under a bad member does not throw');
  assert.equal(o.metadata.name, null, 'a bad member that does not start an object or array reads as null');
  assert.deepEqual(o.spec, {}, 'a bad object member reads as {}');
  assert.ok(Object.isFrozen(o.spec));
  assert.equal(o.status, null);
  assert.equal(o.spec, o.spec, 'the same placeholder on every read');
  assert.equal(reports.length, 3, `one report per bad member, not per read: ${reports.join(' | ')}`);
  assert.match(reports.find((r) => r.includes('"name"')) ?? '', /^kubelive: the member "name" of an object of this list is not valid JSON \(\d+ characters\): /);
  assert.match(reports.find((r) => r.includes('"spec"')) ?? '', /^kubelive: the member "spec" of an object of this list is not valid JSON/);
  assert.doesNotThrow(() => JSON.stringify(o));
});

const QUERY = { lists: [{ cluster: 'demo', namespace: 'default' }], endpoint: { group: '', version: 'v1', resource: 'pods' } };

// raw is an object as a raw list of the worker's module holds it (a handle,
// its JSON in Go's cache), with what Go's rawObjects reads for it: its JSON
// bytes and the words of its members' spans.
function raw(bytes, spans, of) {
  const h = Object.freeze({ [Symbol.for('kubelive.raw')]: { key: 'k' }, slot: of.size + 1 });
  of.set(h, { bytes, head: spans });
  return h;
}

test('in a worker host list, a member that does not parse sets the list\'s lastError and reaches onError on the next task, not in the reader', async () => {
  const fw = fakeWorker();
  const kl = new RemoteClient('shared-worker', fw.connect, {});
  await kl.start();
  const snaps = [];
  const errors = [];
  const stop = kl.watchList({ ...QUERY, onError: (e) => errors.push(e) }, (s) => snaps.push(s));
  await until(() => fw.sent.some((m) => m.t === 'op'), 'the watch opened');
  const op = fw.sent.find((m) => m.t === 'op');
  const good = object(POD);
  const bad = Uint32Array.from(good.spans);
  bad[1 + 4 * 3 + 3] -= 3; // spec cut short
  const state = newListState(op.id);
  const of = new Map();
  state.snap = { key: 'k', status: 'live', lists: [{ cluster: 'demo', namespace: 'default', status: 'live', resourceVersion: '42' }], items: [raw(good.bytes, good.spans, of), raw(good.bytes, bad, of)] };
  const fresh = [];
  const l = structuredClone(encodeList(state, fresh));
  const { bytes, index } = encodeFresh(fresh, of);
  fw.send({ t: 'lists', lists: [l], bytes, index });
  await until(() => snaps.length === 1, 'the first snapshot');
  const [ok, broken] = snaps[0].items;
  assert.deepEqual(ok.spec, JSON.parse(good.text).spec, 'the good object reads as JSON.parse gives it');
  assert.equal(ok.metadata.uid, 'u-1');
  let read;
  assert.doesNotThrow(() => (read = broken.spec.containers), 'the render reading the bad member does not throw');
  assert.equal(read, undefined);
  assert.equal(snaps.length, 1, 'no snapshot inside the read');
  assert.equal(errors.length, 0, 'no onError inside the read');
  await until(() => snaps.length === 2 && errors.length === 1, 'the lastError snapshot and onError');
  const s = snaps[1];
  assert.ok(Object.isFrozen(s) && Object.isFrozen(s.lists) && Object.isFrozen(s.lists[0]));
  assert.match(s.lists[0].lastError.message, /^kubelive: the member "spec" of an object of this list is not valid JSON/);
  assert.equal(s.status, 'live', 'the status does not change: the data is what the server sent');
  assert.equal(s.items, snaps[0].items, 'the items are the same');
  assert.match(errors[0].message, /the member "spec"/);
  assert.equal(kl.getList(kl.listKey(QUERY)), s);
  stop();
  kl.close();
});

test('objects of different keys made one after the other by one LazyObjects each get their own keys', () => {
  const lazy = new LazyObjects();
  const seq = [
    [['ab', '1'], ['metadata', '{"name":"x"}']],
    [['cd', '2'], ['metadata', '{"nbme":"y"}']],
    [['ab', '3'], ['metadata', '{"name":"z"}']],
    [['ab', '4']],
    [['ab', '5'], ['metadatb', '{"name":"w"}']],
    [['a\\u0062', '6'], ['metadata', '{"n\\u0061me":"v"}']],
  ];
  const made = seq.map((members) => {
    const { bytes, spans } = object(members);
    return lazy.make(bytes, spans, () => {});
  });
  seq.forEach((members, i) => {
    const want = JSON.parse(object(members).text);
    assert.deepEqual(Object.keys(made[i]), Object.keys(want), `object ${i}: its keys`);
    assert.deepEqual(JSON.parse(JSON.stringify(made[i])), want, `object ${i}: its members`);
    if (want.metadata) assert.deepEqual(Object.keys(made[i].metadata), Object.keys(want.metadata), `object ${i}: its metadata's keys`);
  });
});
