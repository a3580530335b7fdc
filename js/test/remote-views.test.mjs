// Live views on the page half of the worker host (RemoteClient), against a
// fake worker on a fake port that answers as worker.js does: rows arrive in
// the list batches and keep their identity, update() refuses other lists at
// once and forwards the rest, getObject() answers once as a Promise, getView
// and viewKey are synchronous, and a replaced worker reopens the view as it
// was last updated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteClient } from '../src/remote.js';
import { encodeFresh, encodeList, newListState } from '../src/listwire.js';
import { fakeWorker, until } from './fakeworker.mjs';

const QUERY = { lists: [{ cluster: 'demo', namespace: 'default' }], endpoint: { group: '', version: 'v1', resource: 'pods' }, sort: [{ by: 'name' }] };

/** viewWorker is a fakeWorker that also sends view snapshots and getObject answers as worker.js does. */
function viewWorker() {
  const w = fakeWorker();
  /** view sends one view snapshot of rows for op id, as worker.js's watchView does. */
  w.view = (state, rows, meta = {}) => {
    const fresh = [];
    state.snap = { key: 'worker-key', total: rows.length, count: rows.length, offset: 0, version: 1, status: 'live', lastError: null, countBy: null, lists: [{ status: 'live' }], ...meta, items: rows };
    const l = structuredClone(encodeList(state, fresh));
    w.send({ t: 'lists', lists: [l], ...encodeFresh(fresh) });
  };
  w.answer = (id, ask, obj) => w.send({ t: 'cb', msgs: [[id, 'answer', [ask, obj]]] });
  return w;
}

const row = (name, phase = 'Running') => ({ uid: `u-${name}`, cluster: 'demo', namespace: 'default', name, phase });

async function start() {
  const w = viewWorker();
  const kl = new RemoteClient('shared-worker', w.connect, {});
  await kl.start();
  const snaps = [];
  const errors = [];
  const stop = kl.watchView({ ...QUERY, onError: (e) => errors.push(e.message) }, (s) => snaps.push(s));
  await until(() => w.sent.some((m) => m.t === 'op'), 'the op');
  const op = w.sent.find((m) => m.t === 'op');
  return { w, kl, snaps, errors, stop, op, state: newListState(op.id) };
}

test('view rows arrive frozen; unchanged rows keep their identity; getView and viewKey answer synchronously', async () => {
  const { w, kl, snaps, op, state } = await start();
  assert.equal(op.kind, 'watchView');
  assert.deepEqual(op.args, [QUERY, true], 'onError stays on the page; the worker is told there is one');
  const a = [row('a'), row('b'), row('c')];
  w.view(state, a);
  await until(() => snaps.length === 1, 'the first snapshot');
  const first = snaps[0];
  assert.deepEqual(first.rows.map((r) => r.name), ['a', 'b', 'c']);
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.rows) && first.rows.every(Object.isFrozen) && Object.isFrozen(first.lists));
  // b changes, d is added: a and c are the same objects on the page.
  w.view(state, [a[0], row('b', 'Failed'), a[2], row('d')]);
  await until(() => snaps.length === 2, 'the second snapshot');
  const second = snaps[1];
  assert.equal(second.rows[0], first.rows[0]);
  assert.equal(second.rows[2], first.rows[2]);
  assert.notEqual(second.rows[1], first.rows[1]);
  assert.equal(second.rows[1].phase, 'Failed');
  assert.equal(kl.getView('worker-key'), second, 'by snapshot.key');
  assert.equal(kl.getView(kl.viewKey(QUERY)), second, 'by viewKey');
  assert.equal(kl.viewKey(null), '');
  assert.equal(kl.getView('no such key'), null);
  kl.close();
});

test('update: other lists are refused at once and nothing is sent; the rest is forwarded and kept for a replaced worker', async () => {
  const { w, kl, errors, stop, op } = await start();
  w.sent.length = 0;
  const other = stop.update({ ...QUERY, lists: [{ cluster: 'demo', namespace: 'kube-system' }] });
  assert.equal(other, 'updateView: the lists or the endpoint changed: watch a new view for them');
  const next = { ...QUERY, where: { text: 'web' }, window: { offset: 10, limit: 5 } };
  assert.equal(stop.update(next), '');
  await until(() => w.sent.length > 0, 'the call');
  assert.deepEqual(w.sent, [{ t: 'call', id: op.id, m: 'update', args: [next] }]);
  // A refusal the worker finds reaches onError as its sentence.
  w.ports.at(-1).onmessage({ data: { t: 'cb', msgs: [[op.id, 'onError', [{ __kubeliveError: true, message: 'updateView: bad' }]]] } });
  assert.deepEqual(errors, ['updateView: bad']);
  // The worker dies: the next one is asked for the view as it was last updated.
  w.sent.length = 0;
  w.deaths.at(-1)('killed');
  await until(() => w.sent.some((m) => m.t === 'op'), 'the view opened again');
  assert.deepEqual(w.sent.find((m) => m.t === 'op'), { t: 'op', id: op.id, kind: 'watchView', args: [next, true] });
  stop();
  assert.equal(stop.update(next), 'kubelive: the view is not watched');
  kl.close();
});

test('getObject answers once, as a Promise; an unwatched view answers null', async () => {
  const { w, kl, stop, op } = await start();
  w.sent.length = 0;
  const asked = stop.getObject('demo', 'u-a');
  assert.ok(asked instanceof Promise);
  await until(() => w.sent.length > 0, 'the call');
  const [call] = w.sent;
  assert.equal(call.m, 'getObject');
  assert.deepEqual(call.args.slice(1), ['demo', 'u-a']);
  w.answer(op.id, call.args[0], { metadata: { uid: 'u-a' } });
  assert.deepEqual(await asked, { metadata: { uid: 'u-a' } });
  const pending = stop.getObject('demo', 'u-b');
  stop();
  assert.equal(await pending, null, 'pending answers end with the view');
  assert.equal(await stop.getObject('demo', 'u-a'), null);
  kl.close();
});

test('a closed client refuses views with the page host sentences', async () => {
  const w = viewWorker();
  const kl = new RemoteClient('shared-worker', w.connect, {});
  await kl.start();
  kl.close();
  const stop = kl.watchView(QUERY, () => {});
  assert.equal(stop.update(QUERY), 'kubelive: client is closed');
  assert.equal(await stop.getObject('demo', 'u'), null);
  assert.equal(kl.getView('k'), null);
  assert.equal(kl.viewKey(QUERY), '');
});

test("listKey of a view query ignores its where, sort, window, columns and countBy, as the page host's does", async () => {
  const { kl, stop } = await start();
  const key = kl.listKey(QUERY);
  assert.ok(key);
  const moved = { ...QUERY, where: { text: 'x', labelSelector: 'app=web' }, sort: [{ by: 'name', desc: true }], window: { offset: 2470, limit: 60 }, columns: ['name'], countBy: 'phase' };
  // A scroll or a sort must not look like other lists (useKubeView would watch a new view and show nothing meanwhile).
  assert.equal(kl.listKey(moved), key);
  assert.notEqual(kl.listKey({ ...QUERY, lists: [{ cluster: 'demo', namespace: 'other' }] }), key, 'other lists, another key');
  stop();
  kl.close();
});
