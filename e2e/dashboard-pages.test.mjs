// The dashboard's pages end to end against the default (believable) demo:
// every kind from discovery, YAML, secrets, sorting, actions checked against
// the server's LIST, keyboard, dark mode, the phone layout, logs; and a
// screenshot of every page at 1280x800 and 390x844 in both themes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, launch, screenshot, start } from './lib.mjs';

const T = { timeout: 20000 };
let server;
let browser;
let base;

before(async () => {
  server = await start(ROOT + '/.bin/kubelive', ['--addr', '127.0.0.1:0', '--static', 'web/dist'], 'KUBELIVE_ADDR');
  base = `http://${server.addr}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server && server.proc.exitCode !== null) console.log(`# the server exited (${server.proc.exitCode}):\n${server.logs.slice(-40).join('\n')}`);
  server?.stop();
});

const api = (path, init) => fetch(`${base}/clusters/demo/${path}`, init).then(async (r) => (r.ok ? r.json() : Promise.reject(new Error(`${path}: HTTP ${r.status} ${await r.text()}`))));

/** open starts a page in its own context (theme, size, storage) that records page and console errors. */
async function open(hash, { width = 1280, height = 800, scheme = 'light' } = {}) {
  const ctx = await browser.newContext({ viewport: { width, height }, colorScheme: scheme });
  const p = await ctx.newPage();
  p.errors = [];
  p.on('pageerror', (e) => p.errors.push(`pageerror: ${e.message}`));
  p.on('console', (m) => m.type() === 'error' && !/wsMultiplexer/.test(m.text()) && p.errors.push(`console: ${m.text()}`));
  await p.goto(`${base}/${hash}`);
  return p;
}

const live = (p, id) => p.waitForSelector(`[data-testid="page-${id}"] [data-testid=conn][data-state=live]`, T);
const rowNames = (p, id) => p.$$eval(`[data-testid="table-${id}"] tbody tr`, (trs) => trs.map((tr) => tr.dataset.name));

test('the sidebar lists the kinds discovery serves, a custom resource included, with its printer columns', async () => {
  const p = await open('#/demo/_all/pods');
  for (const id of ['pods', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'services', 'configmaps', 'secrets', 'nodes', 'namespaces', 'events', 'customresourcedefinitions', 'widgets.demo.kubelive.io']) {
    await p.waitForSelector(`[data-testid="nav-${id}"]`, T);
  }
  await p.click('[data-testid="nav-widgets.demo.kubelive.io"]');
  await live(p, 'widgets.demo.kubelive.io');
  const heads = await p.$$eval('[data-testid="table-widgets.demo.kubelive.io"] th', (ths) => ths.map((th) => th.textContent.replace(/[↑↓]/g, '').trim()));
  assert.deepEqual(heads, ['Name', 'Namespace', 'Color', 'Size', 'Phase', 'Age']);
  const want = (await api('apis/demo.kubelive.io/v1alpha1/widgets')).items.map((w) => w.metadata.name).sort();
  await p.waitForFunction((n) => document.querySelectorAll('[data-testid="table-widgets.demo.kubelive.io"] tbody tr').length === n, want.length, T);
  assert.deepEqual((await rowNames(p, 'widgets.demo.kubelive.io')).sort(), want);
  // A cluster-scoped kind lists without a namespace column.
  await p.click('[data-testid=nav-nodes]');
  await live(p, 'nodes');
  const nodes = (await api('api/v1/nodes')).items.map((n) => n.metadata.name);
  await p.waitForFunction((n) => document.querySelectorAll('[data-testid=table-nodes] tbody tr').length === n, nodes.length, T);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('an unknown route shows a not-found page, not another page', async () => {
  const p = await open('#/demo/_all/no-such-kind');
  await p.waitForSelector('[data-testid=not-found-page]', T);
  assert.equal(await p.$('[data-testid=page-pods]'), null);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('a secret shows its keys; each value only when asked, in the data tab and the YAML', async () => {
  const p = await open('#/demo/team-b/secrets/postgres-credentials');
  await p.waitForSelector('[data-testid=secret-data] tr[data-key=password]', T);
  const row = '[data-testid=secret-data] tr[data-key=password]';
  const hidden = await p.textContent(`${row} [data-testid=secret-value]`);
  assert.ok(!hidden.includes('correct-horse'), `hidden value shows: ${hidden}`);
  await p.click(`${row} [data-testid=secret-toggle]`);
  assert.equal((await p.textContent(`${row} [data-testid=secret-value]`)).trim(), 'correct-horse-battery-staple');
  await p.click('[data-testid=tab-yaml]');
  await p.waitForSelector('[data-testid=yaml-text]', T);
  const masked = await p.textContent('[data-testid=yaml-text]');
  const b64 = Buffer.from('correct-horse-battery-staple').toString('base64');
  assert.ok(!masked.includes(b64) && masked.includes('password: <hidden>'), masked);
  await p.click('[data-testid=yaml-reveal]');
  assert.ok((await p.textContent('[data-testid=yaml-text]')).includes(`password: ${b64}`));
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('headers sort both ways; events read newest first', async () => {
  const p = await open('#/demo/_all/pods');
  await live(p, 'pods');
  await p.waitForSelector('[data-testid=table-pods] tbody tr', T);
  const cmp = (a, b) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });
  await p.click('[data-testid=table-pods] th[data-col=name] button');
  await p.waitForSelector('[data-testid=table-pods] th[data-col=name][aria-sort=ascending]', T);
  const asc = await rowNames(p, 'pods');
  assert.deepEqual(asc, [...asc].sort(cmp));
  await p.click('[data-testid=table-pods] th[data-col=name] button');
  await p.waitForSelector('[data-testid=table-pods] th[data-col=name][aria-sort=descending]', T);
  const desc = await rowNames(p, 'pods');
  assert.deepEqual(desc, [...desc].sort(cmp).reverse());
  await p.click('[data-testid=nav-events]');
  await live(p, 'events');
  await p.waitForSelector('[data-testid=table-events] tbody tr', T);
  const times = await p.$$eval('[data-testid=table-events] tbody tr td.col-age time', (ts) => ts.map((t) => Date.parse(t.getAttribute('datetime'))));
  assert.ok(times.length > 1, 'the demo has events');
  for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] >= times[i], `events out of order at row ${i}: ${times[i - 1]} < ${times[i]}`);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

/** confirm clicks an action, checks the dialog, and confirms it. */
async function confirm(p, action, fill) {
  await p.click(`[data-testid=action-${action}]`);
  await p.waitForSelector('[data-testid=dialog]', T);
  if (fill) await p.fill('[data-testid=replicas]', fill);
  await p.click('[data-testid=confirm]');
}

test('actions go through the real API: delete a pod, scale a deployment, restart a rollout', async () => {
  // Scale: the server's LIST shows the new replicas.
  const p = await open('#/demo/default/deployments/redis');
  await p.waitForSelector('[data-testid=action-scale]', T);
  await screenshot(p, 'pages-action-scale-before');
  await confirm(p, 'scale', '2');
  await p.waitForSelector('[data-testid=dialog]', { ...T, state: 'detached' });
  const deps = await api('apis/apps/v1/namespaces/default/deployments');
  assert.equal(deps.items.find((d) => d.metadata.name === 'redis').spec.replicas, 2);
  // Restart: the template's restartedAt annotation in the LIST.
  await confirm(p, 'restart');
  await p.waitForSelector('[data-testid=dialog]', { ...T, state: 'detached' });
  const after = (await api('apis/apps/v1/namespaces/default/deployments')).items.find((d) => d.metadata.name === 'redis');
  assert.ok(Date.parse(after.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']) > Date.now() - 60000);
  // A bad replica count is refused with a sentence, before any request.
  await confirm(p, 'scale', '-3');
  assert.match(await p.textContent('[data-testid=action-error]'), /^Replicas must be a whole number from 0 to 1000/);
  await p.keyboard.press('Escape');
  await p.waitForSelector('[data-testid=dialog]', { ...T, state: 'detached' });
  // Delete: the pod leaves the server's LIST and the page goes back to the table.
  const pods = (await api('api/v1/namespaces/default/pods')).items.filter((x) => x.metadata.name.startsWith('nginx-'));
  const victim = pods[0].metadata.name;
  await p.goto(`${base}/#/demo/default/pods/${victim}/yaml`);
  await p.waitForSelector('[data-testid=yaml-text]', T);
  await confirm(p, 'delete');
  await p.waitForSelector('[data-testid=page-pods]', T);
  const left = (await api('api/v1/namespaces/default/pods')).items.map((x) => x.metadata.name);
  assert.ok(!left.includes(victim), `${victim} still listed`);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('a refused action reads as a sentence with the server’s reason', async () => {
  const p = await open('#/demo/default/deployments/nginx');
  await p.waitForSelector('[data-testid=action-delete]', T);
  // The server would allow it: answer this one DELETE with a Status as an API server refusing it would.
  await p.route('**/deployments/nginx', (r) =>
    r.request().method() === 'DELETE'
      ? r.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'deployments.apps "nginx" is forbidden: User "demo" cannot delete resource "deployments"' }) })
      : r.continue(),
  );
  await confirm(p, 'delete');
  await p.waitForSelector('[data-testid=action-error]', T);
  assert.equal(
    await p.textContent('[data-testid=action-error]'),
    'Could not delete deployment default/nginx: deployments.apps "nginx" is forbidden: User "demo" cannot delete resource "deployments" (HTTP 403 Forbidden).',
  );
  await p.context().close();
});

test('keyboard: / focuses the filter, arrows and Enter move through rows, Escape closes panels', async () => {
  const p = await open('#/demo/default/deployments');
  await live(p, 'deployments');
  await p.waitForSelector('[data-testid=table-deployments] tbody tr', T);
  await p.keyboard.press('/');
  assert.equal(await p.evaluate(() => document.activeElement.matches('[data-filter]')), true);
  await p.focus('[data-testid=table-deployments] tbody tr:first-child');
  await p.keyboard.press('ArrowDown');
  const second = await p.$eval('[data-testid=table-deployments] tbody tr:nth-child(2)', (tr) => tr.dataset.name);
  assert.equal(await p.evaluate(() => document.activeElement.dataset.name), second);
  await p.keyboard.press('Enter');
  await p.waitForFunction((n) => location.hash.includes(`/deployments/${n}`), second, T);
  await p.waitForSelector('[data-testid=object-page]', T);
  await p.click('[data-testid=action-scale]');
  await p.waitForSelector('[data-testid=dialog]', T);
  await p.keyboard.press('Escape');
  await p.waitForSelector('[data-testid=dialog]', { ...T, state: 'detached' });
  await p.click('text=Inspector');
  await p.waitForSelector('[data-testid=inspector]', T);
  await p.keyboard.press('Escape');
  await p.waitForSelector('[data-testid=inspector]', { ...T, state: 'detached' });
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('dark mode follows the system and a toggle that is remembered (and no token is ever stored)', async () => {
  const p = await open('#/demo/_all/pods', { scheme: 'dark' });
  await live(p, 'pods');
  assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), 'dark');
  const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(11, 16, 24)');
  await p.click('[data-testid=theme-toggle]');
  assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), 'light');
  await p.reload();
  await live(p, 'pods');
  assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), 'light');
  const stored = await p.evaluate(() => Object.entries(localStorage));
  assert.deepEqual(stored.find(([k]) => k === 'kubelive.theme'), ['kubelive.theme', 'light']);
  assert.ok(stored.every(([k, v]) => !/token|bearer/i.test(k + v)), JSON.stringify(stored));
  await p.context().close();
});

test('at 390 px: no sideways scroll, the sidebar is a drawer, names and IPs stay whole', async () => {
  const p = await open('#/demo/team-a/pods', { width: 390, height: 844 });
  await live(p, 'pods');
  await p.waitForSelector('[data-testid=table-pods] tbody tr', T);
  const side = await p.$eval('[data-testid=sidebar]', (el) => el.getBoundingClientRect().right);
  assert.ok(side <= 0, `the sidebar shows at ${side}px`);
  assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= 390), 'the page scrolls sideways');
  const cols = await p.$$eval('[data-testid=table-pods] thead th', (ths) => ths.filter((th) => th.offsetParent).length);
  assert.ok(cols >= 3, `only ${cols} columns at 390 px`);
  await p.click('[data-testid=menu-toggle]');
  await p.waitForFunction(() => document.querySelector('[data-testid=sidebar]').getBoundingClientRect().left === 0, null, T);
  await screenshot(p, 'pages-menu-390');
  await p.click('[data-testid=nav-deployments]');
  await p.waitForFunction(() => document.querySelector('[data-testid=sidebar]').getBoundingClientRect().right <= 0, null, T);
  const pod = (await api('api/v1/namespaces/team-a/pods')).items.find((x) => x.metadata.name.startsWith('web-'));
  await p.goto(`${base}/#/demo/team-a/pods/${pod.metadata.name}/details`);
  await p.waitForSelector('[data-testid=pod-page] .summary', T);
  const oneLine = (sel) => p.$eval(sel, (el) => el.getClientRects().length === 1 && el.getBoundingClientRect().height < parseFloat(getComputedStyle(el).lineHeight) * 1.5);
  assert.ok(await oneLine('.object-name'), 'the pod name wraps');
  assert.ok(await oneLine('.summary .mono'), 'the pod IP wraps');
  assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= 390), 'the pod page scrolls sideways');
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('logs: a container picker with init containers, previous, wrap, local times with the date on hover', async () => {
  const pod = (await api('api/v1/namespaces/team-b/pods')).items.find((x) => x.spec.initContainers?.length);
  // host=page: the test reads the log requests off the page's own sockets, which a worker host would open instead.
  const p = await open(`?host=page#/demo/team-b/pods/${pod.metadata.name}/logs`);
  const urls = [];
  p.on('websocket', (ws) => urls.push(ws.url()));
  p.on('request', (r) => urls.push(r.url()));
  await p.waitForSelector('[data-testid=log-container]', T);
  const options = await p.$$eval('[data-testid=log-container] option', (os) => os.map((o) => o.value));
  assert.deepEqual(options, [...pod.spec.containers, ...pod.spec.initContainers].map((c) => c.name));
  // One container: the picker is there all the same.
  const single = (await api('api/v1/namespaces/default/pods')).items.find((x) => x.spec.containers.length === 1 && x.status.phase === 'Running' && !x.metadata.name.startsWith('report-'));
  await p.goto(`${base}/?host=page#/demo/default/pods/${single.metadata.name}/logs`);
  await p.waitForSelector('[data-testid=log-status][data-status=open]', T);
  assert.equal(await p.$$eval('[data-testid=log-container] option', (os) => os.length), 1);
  await p.waitForSelector('[data-testid=log-lines] .log-ts', T);
  const ts = await p.$eval('[data-testid=log-lines] .log-ts', (t) => ({ text: t.textContent, title: t.title, iso: t.dateTime }));
  const d = new Date(ts.iso);
  assert.equal(ts.text.slice(0, 8), d.toLocaleTimeString([], { hourCycle: 'h23' }));
  assert.match(ts.title, new RegExp(String(d.getFullYear())));
  assert.equal(await p.$eval('[data-testid=log-lines]', (b) => b.classList.contains('log-wrap')), true);
  await p.click('[data-testid=log-wrap]');
  assert.equal(await p.$eval('[data-testid=log-lines]', (b) => b.classList.contains('log-nowrap')), true);
  await p.click('[data-testid=log-previous]');
  // The previous instance's log is asked for; the status reads as words whatever it is.
  const deadline = Date.now() + T.timeout;
  while (!urls.some((u) => u.includes('/log?') && u.includes('previous=true'))) {
    assert.ok(Date.now() < deadline, `no log request asked for previous=true: ${urls.filter((u) => u.includes('/log')).join(' ')}`);
    await p.waitForEvent('websocket', { timeout: 1000 }).catch(() => {});
  }
  assert.doesNotMatch(await p.textContent('[data-testid=log-status]'), /-/);
  await p.context().close();
});

test('the inspector takes its own space at 1280 and 390 px, never covering the table', async () => {
  for (const [width, height] of [[1280, 800], [390, 844]]) {
    const p = await open('#/demo/_all/pods', { width, height });
    await live(p, 'pods');
    await p.click('.topbar-actions button:last-child');
    await p.waitForSelector('[data-testid=inspector]', T);
    const [a, b] = await p.evaluate(() => [document.querySelector('.content'), document.querySelector('[data-testid=inspector]')].map((el) => el.getBoundingClientRect().toJSON()));
    const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    assert.ok(!overlap, `at ${width} px the inspector ${JSON.stringify(b)} covers the content ${JSON.stringify(a)}`);
    assert.ok(a.width > 0 && a.height > 100, `the content is squeezed to ${JSON.stringify(a)}`);
    await screenshot(p, `pages-inspector-${width}`);
    await p.context().close();
  }
});

const PAGES = [
  ['pods', '#/demo/_all/pods'],
  ['deployments', '#/demo/_all/deployments'],
  ['replicasets', '#/demo/_all/replicasets'],
  ['statefulsets', '#/demo/_all/statefulsets'],
  ['daemonsets', '#/demo/_all/daemonsets'],
  ['jobs', '#/demo/_all/jobs'],
  ['services', '#/demo/_all/services'],
  ['configmaps', '#/demo/_all/configmaps'],
  ['secrets', '#/demo/_all/secrets'],
  ['nodes', '#/demo/_all/nodes'],
  ['namespaces', '#/demo/_all/namespaces'],
  ['events', '#/demo/_all/events'],
  ['crds', '#/demo/_all/customresourcedefinitions'],
  ['widgets', '#/demo/_all/widgets.demo.kubelive.io'],
  ['not-found', '#/demo/_all/no-such-kind'],
];

test('screenshots of every page at 1280x800 and 390x844 in both themes; no table scrolls sideways', async () => {
  const pod = (await api('api/v1/namespaces/monitoring/pods')).items.find((x) => x.metadata.name.startsWith('prometheus-')).metadata.name;
  const node = (await api('api/v1/nodes')).items[0].metadata.name;
  const widget = (await api('apis/demo.kubelive.io/v1alpha1/widgets')).items[0];
  const pages = [
    ...PAGES,
    ['pod-logs', `#/demo/monitoring/pods/${pod}/logs`, '[data-testid=log-status][data-status=open]'],
    ['pod-details', `#/demo/monitoring/pods/${pod}/details`, '[data-testid=pod-page] .details'],
    ['pod-yaml', `#/demo/monitoring/pods/${pod}/yaml`, '[data-testid=yaml-text]'],
    ['pod-events', `#/demo/monitoring/pods/${pod}/events`, '[data-testid=object-events] .table, [data-testid=object-events] .empty'],
    ['deployment-yaml', '#/demo/team-a/deployments/web/yaml', '[data-testid=yaml-text]'],
    ['secret-data', '#/demo/team-b/secrets/postgres-credentials/data', '[data-testid=secret-data]'],
    ['node-yaml', `#/demo/_all/nodes/${node}/yaml`, '[data-testid=yaml-text]'],
    ['widget-yaml', `#/demo/${widget.metadata.namespace}/widgets.demo.kubelive.io/${widget.metadata.name}/yaml`, '[data-testid=yaml-text]'],
  ];
  let n = 0;
  for (const scheme of ['light', 'dark']) {
    for (const [width, height] of [[1280, 800], [390, 844]]) {
      const p = await open('#/demo/_all/pods', { width, height, scheme });
      for (const [name, hash, ready] of pages) {
        await p.evaluate((h) => (location.hash = h), hash);
        const id = hash.split('/')[3];
        await p.waitForSelector(ready ?? (name === 'not-found' ? '[data-testid=not-found-page]' : `[data-testid="page-${id}"] [data-testid=conn][data-state=live]`), T);
        if (!ready && name !== 'not-found') {
          // Every column shown fits: priority columns go before the table scrolls sideways.
          await p.waitForSelector(`[data-testid="table-${id}"] tbody tr`, T);
          const [table, wrap] = await p.$eval(`[data-testid="table-${id}"]`, (t) => [t.getBoundingClientRect().width, t.parentElement.clientWidth]);
          assert.ok(table <= wrap + 1, `${name} at ${width} px: the table is ${table} px wide in ${wrap} px`);
        }
        await screenshot(p, `pages-${name}-${width}-${scheme}`);
        n++;
      }
      assert.deepEqual(p.errors, []);
      await p.context().close();
    }
  }
  console.log(`# ${n} screenshots`);
});
