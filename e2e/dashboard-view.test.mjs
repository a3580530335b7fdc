// The Pods table as a live view computed in Go, end to end: 5,000 pods in
// the namespace scale (--scale), sorted by a header click, scrolled (the
// window follows the scroll), filtered by text and by label selector, with
// counts per phase, each checked against the server's LIST; and none of it
// sends a LIST to the server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, launch, page, screenshot, start, until } from './lib.mjs';

const N = 5000;
const T = { timeout: 30000 };
let server;
let browser;
let base;

before(async () => {
  server = await start(ROOT + '/.bin/kubelive', ['--addr', '127.0.0.1:0', '--static', 'web/dist', '--scale', String(N), '--churn', '0'], 'KUBELIVE_ADDR');
  base = `http://${server.addr}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/** lists counts the LISTs the server served (kubelive_requests_total). */
async function lists() {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = /^kubelive_requests_total\{cluster="demo",verb="LIST"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

const cmp = (a, b) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });
const rows = (p) => p.$$eval('[data-testid=table-pods] tbody tr', (trs) => trs.map((tr) => tr.dataset.name));
const offset = (p) => p.$eval('[data-testid=table-pods]', (t) => Number(t.dataset.offset));

test('the pods view sorts, scrolls and filters 5,000 pods, as the server lists them, without a LIST', async () => {
  const pods = (await (await fetch(`${base}/clusters/demo/api/v1/namespaces/scale/pods`)).json()).items;
  assert.equal(pods.length, N);
  const p = await page(browser, `${base}/#/demo/scale/pods`);
  await p.waitForSelector('[data-testid=page-pods] [data-testid=conn][data-state=live]', T);
  await p.waitForFunction((n) => document.querySelector('[data-testid=page-pods] [data-testid=count]')?.textContent === n, N.toLocaleString('en'), T);
  const before = await lists();

  // Counts per phase, from the server's LIST.
  const phases = {};
  for (const o of pods) phases[o.status.phase] = (phases[o.status.phase] ?? 0) + 1;
  for (const [phase, n] of Object.entries(phases)) {
    assert.equal(await p.textContent(`[data-testid="count-by-${phase}"]`), `${phase} ${n.toLocaleString('en')}`);
  }

  // Sort by name, descending: the first rows are the server's last names.
  const names = pods.map((o) => o.metadata.name).sort(cmp).reverse();
  await p.click('[data-testid=table-pods] th[data-col=name] button');
  await p.waitForSelector('[data-testid=table-pods] th[data-col=name][aria-sort=ascending]', T);
  await p.click('[data-testid=table-pods] th[data-col=name] button');
  await p.waitForSelector('[data-testid=table-pods] th[data-col=name][aria-sort=descending]', T);
  await until('the rows in descending order', async () => JSON.stringify((await rows(p)).slice(0, 30)) === JSON.stringify(names.slice(0, 30)), 30000);
  const shown = (await rows(p)).length;
  assert.ok(shown < 300, `only the window is in the page (${shown} rows of ${N})`);

  // Scroll to the middle: the window follows, and holds the rows the sort puts there.
  await p.$eval('[data-testid=vscroll]', (el) => {
    el.scrollTop = 2500 * 37;
    el.dispatchEvent(new Event('scroll'));
  });
  await until('the window at the scroll position', async () => (await offset(p)) > 2000, 30000);
  const off = await offset(p);
  const middle = await rows(p);
  assert.deepEqual(middle, names.slice(off, off + middle.length));
  assert.ok(off <= 2500 && 2500 < off + middle.length, `the row at the scroll position (2500) is in the window [${off}, ${off + middle.length})`);
  await screenshot(p, 'dashboard-view-scrolled');

  // Type to filter: the rows whose name, namespace or a label value holds the text.
  const needle = names[1234].slice(-5);
  const want = pods.filter((o) => [o.metadata.name, o.metadata.namespace, ...Object.values(o.metadata.labels ?? {})].some((s) => s.toLowerCase().includes(needle)));
  await p.fill('[data-filter]', needle);
  await p.waitForFunction(
    (t) => document.querySelector('[data-testid=page-pods] [data-testid=count]')?.textContent === t,
    `${want.length.toLocaleString('en')} of ${N.toLocaleString('en')}`,
    T,
  );
  await until('the filtered rows', async () => JSON.stringify(await rows(p)) === JSON.stringify(want.map((o) => o.metadata.name).sort(cmp).reverse()), 30000);

  // A label selector: one that matches nothing, then one the view refuses.
  await p.fill('[data-filter]', '');
  await p.fill('[data-testid=label-selector]', 'app=nothing');
  await p.waitForSelector('[data-testid=page-pods] .empty', T);
  await p.fill('[data-testid=label-selector]', 'app in (');
  await p.waitForSelector('[data-testid=label-selector][aria-invalid=true]', T);
  await p.waitForFunction((n) => document.querySelector('[data-testid=page-pods] [data-testid=count]')?.textContent === n, N.toLocaleString('en'), T);

  assert.equal(await lists(), before, 'sorting, scrolling and filtering sent no LIST');
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('the deployments table sorts and filters through a view, as the server lists them, without a LIST', async () => {
  const deps = (await (await fetch(`${base}/clusters/demo/apis/apps/v1/deployments`)).json()).items;
  assert.ok(deps.length >= 3, `the demo cluster has deployments (${deps.length})`);
  const p = await page(browser, `${base}/#/demo/_all/deployments`);
  const table = '[data-testid=table-deployments]';
  const names = () => p.$$eval(`${table} tbody tr`, (trs) => trs.map((tr) => tr.dataset.name));
  await p.waitForSelector('[data-testid=page-deployments] [data-testid=conn][data-state=live]', T);
  await p.waitForFunction((n) => document.querySelector('[data-testid=page-deployments] [data-testid=count]')?.textContent === n, deps.length.toLocaleString('en'), T);
  // Every kind in the sidebar counted, the pods' paged LIST to its end: their LISTs are done before the count starts.
  const pods = (await (await fetch(`${base}/clusters/demo/api/v1/pods`)).json()).items.length;
  await p.waitForFunction(
    (n) => ![...document.querySelectorAll('.nav-count')].some((el) => el.textContent === '…') && document.querySelector('[data-testid=nav-pods] .nav-count')?.textContent === n,
    pods.toLocaleString('en'),
    T,
  );
  const before = await lists();
  assert.equal(await p.$eval(table, (t) => t.dataset.total), String(deps.length), 'the table is a view (its total from Go)');

  // A numeric column, ascending: ties in namespace, then name order.
  const byte = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const upToDate = [...deps]
    .sort((a, b) => (a.status?.updatedReplicas ?? Infinity) - (b.status?.updatedReplicas ?? Infinity) || byte(a.metadata.namespace, b.metadata.namespace) || byte(a.metadata.name, b.metadata.name))
    .map((o) => o.metadata.name);
  await p.click(`${table} th[data-col=uptodate] button`);
  await p.waitForSelector(`${table} th[data-col=uptodate][aria-sort=ascending]`, T);
  await until('the rows by up-to-date replicas', async () => JSON.stringify(await names()) === JSON.stringify(upToDate), 30000);

  // Name, descending (two clicks).
  const desc = deps.map((o) => o.metadata.name).sort(cmp).reverse();
  await p.click(`${table} th[data-col=name] button`);
  await p.click(`${table} th[data-col=name] button`);
  await p.waitForSelector(`${table} th[data-col=name][aria-sort=descending]`, T);
  await until('the rows in descending name order', async () => JSON.stringify(await names()) === JSON.stringify(desc), 30000);

  // Type to filter: the deployments whose name, namespace or a label value holds the text.
  const needle = deps[0].metadata.name.slice(0, 3).toLowerCase();
  const want = deps.filter((o) => [o.metadata.name, o.metadata.namespace, ...Object.values(o.metadata.labels ?? {})].some((s) => s.toLowerCase().includes(needle)));
  await p.fill('[data-filter]', needle);
  await p.waitForFunction(
    (t) => document.querySelector('[data-testid=page-deployments] [data-testid=count]')?.textContent === t,
    `${want.length.toLocaleString('en')} of ${deps.length.toLocaleString('en')}`,
    T,
  );
  await until('the filtered rows', async () => JSON.stringify(await names()) === JSON.stringify(want.map((o) => o.metadata.name).sort(cmp).reverse()), 30000);
  const cells = await p.$$eval(`${table} tbody tr:first-child td`, (tds) => tds.map((td) => td.textContent));
  assert.ok(cells.some((c) => /^\d+\/\d+$/.test(c)), `a ready cell x/y in the first row (${cells.join(' | ')})`);

  assert.equal(await lists(), before, 'sorting and filtering the deployments sent no LIST');
  assert.deepEqual(p.errors, []);
  await p.close();
});
