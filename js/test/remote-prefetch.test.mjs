// The page half of the worker host and the LIST pages the worker
// prefetched while its module starts: each 'prefetch' is answered with one
// 'shown' once the page made its snapshot of it and its listeners heard it
// (the module's start waits for it: prefetch.js settled), the snapshot
// 'loading', never 'live'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteClient } from '../src/remote.js';
import { fakeWorker, until } from './fakeworker.mjs';

const QUERY = { lists: [{ cluster: 'demo', namespace: 'default' }], endpoint: { version: 'v1', resource: 'pods' } };
const pod = (name) => ({ metadata: { uid: `u-${name}`, namespace: 'default', name, resourceVersion: '1' } });
const page = (names, cont = '') => JSON.stringify({ kind: 'PodList', metadata: { resourceVersion: '', ...(cont ? { continue: cont } : {}) }, items: names.map(pod) });

test('each prefetched page is answered with one shown, after the page\'s listeners heard its loading snapshot', async () => {
  const fw = fakeWorker();
  const kl = new RemoteClient('shared-worker', fw.connect, {});
  await kl.start();
  const heard = []; // [status, items, shown messages sent when heard]
  const shown = () => fw.sent.filter((m) => m.t === 'shown').length;
  kl.watchList(QUERY, (s) => heard.push([s.status, s.items.length, shown()]));
  await until(() => fw.sent.some((m) => m.t === 'op'), 'the watch opened');
  const { id } = fw.sent.find((m) => m.t === 'op');
  fw.send({ t: 'prefetch', id, n: 0, status: 200, text: page(['a', 'b'], 'next'), err: '' });
  await until(() => shown() === 1, 'shown for page 0');
  fw.send({ t: 'prefetch', id, n: 1, status: 200, text: page(['c']), err: '' });
  await until(() => shown() === 2, 'shown for page 1');
  assert.deepEqual(heard, [['loading', 2, 0], ['loading', 3, 1]], 'each snapshot heard before its shown was sent, loading');
  // A page the page does not use (a watch it no longer has) is answered too: the module's start never waits for it.
  fw.send({ t: 'prefetch', id: id + 100, n: 0, status: 200, text: page(['z']), err: '' });
  await until(() => shown() === 3, 'shown for a page of no watch');
  assert.equal(heard.length, 2);
  kl.close();
});
