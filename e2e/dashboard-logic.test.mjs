// The dashboard's pure helpers (no browser): row ordering and filtering,
// the STATUS words of pods and nodes, and their colours. They live in web/
// and run with the e2e tier, the one that builds and tests the dashboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockTime, nodeStatus, podStatus, tone } from '../web/src/format.js';
import { MIN_LIMIT, ROW_HEIGHT, viewPath, viewRows, windowAt } from '../web/src/view.js';

const obj = (name, extra = {}) => ({ metadata: { name, namespace: 'default', uid: name }, ...extra });

test('viewRows filters by text and sorts both ways, empty keys last, ties in cache order', () => {
  const items = [obj('web-10', { n: 2 }), obj('web-9', { n: '' }), obj('db-1', { n: 2 }), obj('web-2', { n: 1 })];
  const byName = { sort: (o) => o.metadata.name };
  const byN = { sort: (o) => o.n };
  const names = (rows) => rows.map((o) => o.metadata.name);
  const cases = [
    ['no column keeps the cache order', { column: null }, ['web-10', 'web-9', 'db-1', 'web-2']],
    ['names ascend, numbers inside them numerically', { column: byName }, ['db-1', 'web-2', 'web-9', 'web-10']],
    ['names descend', { column: byName, dir: 'desc' }, ['web-10', 'web-9', 'web-2', 'db-1']],
    ['numbers ascend, the empty key last, ties in cache order', { column: byN }, ['web-2', 'web-10', 'db-1', 'web-9']],
    ['numbers descend, the empty key still last', { column: byN, dir: 'desc' }, ['web-10', 'db-1', 'web-2', 'web-9']],
    ['the filter keeps matching names only', { needle: 'web-1', column: byName }, ['web-10']],
  ];
  for (const [what, opts, want] of cases) assert.deepEqual(names(viewRows(items, opts)), want, what);
  assert.deepEqual(names(items), ['web-10', 'web-9', 'db-1', 'web-2'], 'the input is not mutated');
});

test('podStatus reads like kubectl get pods: init progress, waiting reasons, terminations', () => {
  const waiting = (reason) => ({ state: { waiting: { reason } } });
  const cases = [
    ['running', { status: { phase: 'Running', containerStatuses: [{ state: { running: {} } }] } }, 'Running'],
    ['crash loop', { status: { phase: 'Running', containerStatuses: [waiting('CrashLoopBackOff')] } }, 'CrashLoopBackOff'],
    ['second init container running', { spec: { initContainers: [{}, {}] }, status: { phase: 'Pending', initContainerStatuses: [{ state: { terminated: { exitCode: 0 } } }, { state: { running: {} } }] } }, 'Init:1/2'],
    ['init container crashing', { spec: { initContainers: [{}] }, status: { phase: 'Pending', initContainerStatuses: [waiting('CrashLoopBackOff')] } }, 'Init:CrashLoopBackOff'],
    ['failed', { status: { phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 1, reason: 'Error' } } }] } }, 'Error'],
    ['terminating', { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } }, 'Terminating'],
  ];
  for (const [what, pod, want] of cases) assert.equal(podStatus(pod), want, what);
});

test('nodeStatus and tone: NotReady is bad, Init progress a warning, Warning events warn', () => {
  const node = (status, unschedulable) => ({ spec: { unschedulable }, status: { conditions: [{ type: 'Ready', status }] } });
  assert.equal(nodeStatus(node('True')), 'Ready');
  assert.equal(nodeStatus(node('False')), 'NotReady');
  assert.equal(nodeStatus(node('Unknown', true)), 'Unknown,SchedulingDisabled');
  assert.equal(nodeStatus({ status: {} }), 'Unknown');
  const tones = { Ready: 'ok', NotReady: 'bad', 'Init:1/2': 'warn', 'Init:CrashLoopBackOff': 'bad', 'event:Warning': 'warn', 'event:Normal': 'ok', CrashLoopBackOff: 'bad', Completed: 'ok' };
  for (const [word, want] of Object.entries(tones)) assert.equal(tone(word), want, word);
});

test('viewPath reads a printer column\'s JSONPath as a view expression, or null', () => {
  const cases = [
    ['.spec.size', 'spec.size'],
    ['spec.size', 'spec.size'],
    [".metadata.labels['app.kubernetes.io/name']", 'metadata.labels["app.kubernetes.io/name"]'],
    [".metadata.labels['app']", 'metadata.labels.app'],
    ['.status.conditions[0].type', 'status.conditions[*].type|first'],
    ['.status.conditions[?(@.type=="Ready")].status', 'status.conditions[type="Ready"].status|first'],
    [".status.conditions[?(@.type=='Ready')].status", 'status.conditions[type="Ready"].status|first'],
    ['.status.conditions[1].type', null],
    ['.spec.items[*].name', null],
    ['.spec..name', null],
    ['{.spec.size}', null],
    ['', null],
  ];
  for (const [path, want] of cases) assert.equal(viewPath(path), want, path);
});

test('windowAt holds the rows in sight with a margin at each edge, and not many more', () => {
  const cases = [
    ['the top of an 800 px table', 0, 800],
    ['the top of a short table', 0, 200],
    ['a few rows down', 5 * ROW_HEIGHT + 3, 590],
    ['the middle of 100,000 rows', 50000 * ROW_HEIGHT, 590],
    ['between two steps', 12345 * ROW_HEIGHT + 20, 590],
    ['a tall screen', 777 * ROW_HEIGHT, 1400],
  ];
  for (const [what, top, height] of cases) {
    const { offset, limit } = windowAt(top, height);
    const first = Math.floor(top / ROW_HEIGHT);
    const last = Math.ceil((top + height) / ROW_HEIGHT);
    assert.equal(offset % 10, 0, `${what}: the offset moves in steps of 10 rows`);
    assert.ok(offset <= Math.max(0, first - 10), `${what}: 10 rows above the first in sight are in the window (offset ${offset}, first ${first})`);
    assert.ok(offset + limit >= last + 10, `${what}: 10 rows below the last in sight are in the window (${offset} + ${limit}, last ${last})`);
    // Every row of the window is rendered, laid out and painted on each change: only a margin more than in sight.
    assert.ok(limit <= Math.max(MIN_LIMIT, last - first + 31), `${what}: ${limit} rows for ${last - first} in sight`);
  }
  assert.ok(MIN_LIMIT <= 60, `the window before the table is measured (${MIN_LIMIT} rows) is a screenful`);
  assert.deepEqual(windowAt(36 * ROW_HEIGHT, 590), windowAt(39 * ROW_HEIGHT, 590), 'a scroll within a step asks for no new window');
});

test('clockTime reads a time just after midnight as 00, never 24', () => {
  const d = new Date(2026, 11, 2, 0, 2, 29); // local time
  assert.equal(clockTime(d.getTime()), '00:02:29');
  assert.equal(clockTime(new Date(2026, 11, 2, 23, 59, 5).getTime()), '23:59:05');
  assert.equal(clockTime(0), '—');
});
