// The Pods table as a live view computed in Go, end to end: 5,000 pods in
// the namespace scale (--scale), sorted by a header click, scrolled (the
// window follows the scroll), filtered by text and by label selector, with
// counts per phase, each checked against the server's LIST; and none of it
// sends a LIST to the server. Then every other table (Jobs, Services,
// Config Maps, Secrets, Nodes, Namespaces, Events and a custom resource's
// generic table), each as a live view too: its cells are what the dashboard
// showed when it computed them in JS from the objects (the reference
// functions below, on the server's LIST); a header click sorts in Go's
// order (missing values last, ties by namespace then name); the filter box
// and a label selector filter; the counts per status are the LIST's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeStatus } from '../web/src/format.js';
import { MIN_LIMIT } from '../web/src/view.js';
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
  // Each place in the window keeps its row's elements (only their content changes): a new
  // window or text makes no new rows where it has as many.
  await p.$$eval('[data-testid=table-pods] tbody tr', (trs) => trs.forEach((tr, i) => (tr.place = i)));
  await p.$eval('[data-testid=vscroll]', (el) => {
    el.scrollTop = 2500 * 37;
    el.dispatchEvent(new Event('scroll'));
  });
  await until('the window at the scroll position', async () => (await offset(p)) > 2000, 30000);
  const off = await offset(p);
  const middle = await rows(p);
  assert.deepEqual(middle, names.slice(off, off + middle.length));
  assert.ok(off <= 2500 && 2500 < off + middle.length, `the row at the scroll position (2500) is in the window [${off}, ${off + middle.length})`);
  const kept = await p.$$eval('[data-testid=table-pods] tbody tr', (trs) => trs.map((tr, i) => tr.place === i));
  assert.ok(kept.length >= shown - 10 && kept.slice(0, shown).every(Boolean), `every place of the window kept its element (${kept.filter(Boolean).length} of ${kept.length})`);
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

const api = async (path) => (await (await fetch(`${base}/clusters/demo/${path}`)).json()).items;

// What each cell showed when the page computed it in JS from the object.
const keysOf = (o) => [...Object.keys(o.data ?? {}), ...Object.keys(o.binaryData ?? {})];
const chips = (keys) => (keys.length ? keys.slice(0, 4).join('') + (keys.length > 4 ? `+${keys.length - 4}` : '') : '—');
const jobStatus = (o) => {
  const c = (o.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (c) return c.type === 'Complete' ? 'Completed' : 'Failed';
  return o.status?.active ? 'Running' : 'Pending';
};
const roles = (o) => {
  const r = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  return r.length ? r.join(', ') : '<none>';
};
const involved = (o) => `${(o.involvedObject?.kind ?? o.regarding?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? o.regarding?.name ?? ''}`;
const eventTime = (o) => o.lastTimestamp || o.eventTime || o.series?.lastObservedTime || o.metadata.creationTimestamp;
const ports = (o) => (o.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ') || '—';
const created = (o) => o.metadata.creationTimestamp;

/**
 * The pages, a window of their first rows checked where there are more:
 * cells maps a column to its text, times a column to its <time datetime>;
 * first is the column clicked twice (name unless given) and initial the
 * order before any click (namespace, name unless given); sort is a column
 * clicked once and the value it sorts by; countBy the value counted per
 * status in the header.
 */
const PAGES = [
  {
    id: 'jobs',
    path: 'apis/batch/v1/jobs',
    cells: { ready: (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`, status: jobStatus },
    times: { age: created },
    sort: { col: 'status', by: jobStatus },
    countBy: jobStatus,
  },
  {
    id: 'services',
    path: 'api/v1/services',
    cells: { type: (o) => o.spec?.type ?? '', clusterip: (o) => o.spec?.clusterIP || '—', ports },
    times: { age: created },
    sort: { col: 'clusterip', by: (o) => o.spec?.clusterIP },
  },
  {
    id: 'configmaps',
    path: 'api/v1/configmaps',
    cells: { count: (o) => String(keysOf(o).length), keys: (o) => chips(keysOf(o)) },
    times: { age: created },
    sort: { col: 'count', by: (o) => Object.keys(o.data ?? {}).length },
  },
  {
    id: 'secrets',
    path: 'api/v1/secrets',
    cells: { type: (o) => o.type ?? '', count: (o) => String(keysOf(o).length), keys: (o) => chips(keysOf(o)) },
    times: { age: created },
    sort: { col: 'type', by: (o) => o.type },
  },
  {
    id: 'nodes',
    path: 'api/v1/nodes',
    cells: { status: nodeStatus, roles, version: (o) => o.status?.nodeInfo?.kubeletVersion || '—' },
    times: { age: created },
    sort: { col: 'roles', by: (o) => (roles(o) === '<none>' ? '' : roles(o)) },
    countBy: (o) => nodeStatus(o).split(',')[0],
  },
  {
    id: 'namespaces',
    path: 'api/v1/namespaces',
    cells: { status: (o) => o.status?.phase ?? 'Unknown' },
    times: { age: created },
    sort: { col: 'age', by: created, desc: true },
    countBy: (o) => o.status?.phase,
  },
  {
    id: 'events',
    path: 'api/v1/events',
    cells: { type: (o) => o.type ?? 'Normal', reason: (o) => o.reason ?? '', object: involved, count: (o) => String(o.count ?? o.series?.count ?? 1), message: (o) => o.message ?? '' },
    times: { lastseen: eventTime },
    sort: { col: 'object', by: involved },
    first: { col: 'reason', by: (o) => o.reason, initial: { by: eventTime, desc: true } },
    countBy: (o) => o.type ?? 'Normal',
    // The filter box matches these too (where.textIn); the second needle comes from the last one's message.
    textIn: (o) => [o.reason ?? '', o.message ?? ''],
  },
  {
    id: 'widgets.demo.kubelive.io',
    path: 'apis/demo.kubelive.io/v1alpha1/widgets',
    cells: { p0: (o) => o.spec?.color ?? '', p1: (o) => String(o.spec?.size ?? ''), p2: (o) => o.status?.phase ?? '' },
    times: { age: created },
    sort: { col: 'p1', by: (o) => o.spec?.size },
  },
];

// Go's order (internal/view): numbers before text, text as people read it
// (digit runs by value, letters without case, then bytes), missing values
// last either way, ties by namespace then name in byte order.
const byte = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
function natural(a, b) {
  let i = 0;
  let j = 0;
  const digit = (c) => c >= '0' && c <= '9';
  while (i < a.length && j < b.length) {
    if (digit(a[i]) && digit(b[j])) {
      const si = i;
      const sj = j;
      while (i < a.length && digit(a[i])) i++;
      while (j < b.length && digit(b[j])) j++;
      const na = a.slice(si, i).replace(/^0+/, '');
      const nb = b.slice(sj, j).replace(/^0+/, '');
      const c = na.length - nb.length || byte(na, nb);
      if (c) return Math.sign(c);
      continue;
    }
    const c = byte(a[i].toLowerCase(), b[j].toLowerCase());
    if (c) return c;
    i++;
    j++;
  }
  return Math.sign(a.length - i - (b.length - j)) || byte(a, b);
}
function goOrder(items, by, desc) {
  const missing = (v) => v === undefined || v === null;
  const cmp = (x, y) => {
    const a = by(x);
    const b = by(y);
    if (missing(a) !== missing(b)) return missing(a) ? 1 : -1;
    if (!missing(a)) {
      const c = typeof a === 'number' && typeof b === 'number' ? Math.sign(a - b) : typeof a === 'number' ? -1 : typeof b === 'number' ? 1 : natural(String(a), String(b));
      if (c) return desc ? -c : c;
    }
    return byte(x.metadata.namespace ?? '', y.metadata.namespace ?? '') || byte(x.metadata.name, y.metadata.name);
  };
  return [...items].sort(cmp).map(key);
}
const fmt = (n) => n.toLocaleString('en');
const key = (o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** table reads the rows of a page: each its key (namespace/name), cells by column and <time> datetimes by column. */
const table = (p, id) =>
  p.$eval(`[data-testid="table-${id}"]`, (t) => {
    const cols = [...t.querySelectorAll('thead th')].map((th) => th.dataset.col);
    return [...t.querySelectorAll('tbody tr')].map((tr) => {
      const cells = {};
      const times = {};
      [...tr.children].forEach((td, i) => {
        cells[cols[i]] = td.textContent;
        const time = td.querySelector('time');
        if (time) times[cols[i]] = time.getAttribute('datetime');
      });
      return { key: `${cells.namespace ?? ''}/${tr.dataset.name}`, cells, times };
    });
  });
const keys = async (p, id) => (await table(p, id)).map((r) => r.key);
/** WINDOW is the rows a view page shows at the top, before any scroll (its first window). */
const WINDOW = MIN_LIMIT;
/** showing reports whether the page shows the first rows of want, as many as fit the window. */
const showing = async (p, id, want) => JSON.stringify(await keys(p, id)) === JSON.stringify(want.slice(0, WINDOW));
const countText = (p, id) => p.$eval(`[data-testid="page-${id}"] [data-testid=count]`, (el) => el.textContent);

// In both hosts of the dashboard's client: the default (a SharedWorker in Chromium) and the page.
for (const host of ['shared-worker', 'page']) {
  test(`every converted table is a live view (${host} host): cells, header sort, filter box, label selector and counts as the LIST has them, without a LIST`, () => convertedPages(host));
}

async function convertedPages(host) {
  const p = await page(browser, `${base}/?host=${host}#/demo/_all/pods`);
  await p.waitForSelector('[data-testid=page-pods] [data-testid=conn][data-state=live]', T);
  assert.equal(await p.evaluate(() => window.kubelive.stats().host), host);
  // Every kind in the sidebar counted: their LISTs are done before the count starts.
  await p.waitForFunction(() => ![...document.querySelectorAll('.nav-count')].some((el) => el.textContent === '…'), null, T);
  await p.waitForSelector('[data-testid="nav-widgets.demo.kubelive.io"]', T);
  const listed = {};
  for (const pg of PAGES) listed[pg.id] = await api(pg.path);
  const before = await lists();

  for (const pg of PAGES) {
    const items = listed[pg.id];
    const what = (s) => `${pg.id}: ${s}`;
    assert.ok(items.length >= 2, what(`the demo has some (${items.length})`));
    await p.click(`[data-testid="nav-${pg.id}"]`);
    await p.waitForSelector(`[data-testid="page-${pg.id}"] [data-testid=conn][data-state=live]`, T);
    const tbl = `[data-testid="table-${pg.id}"]`;
    await p.waitForFunction((sel) => document.querySelector(sel)?.dataset.total !== undefined, tbl, T);
    assert.equal(await p.$eval(tbl, (t) => t.dataset.total), String(items.length), what('the table is a view of every object (its total from Go)'));

    // The cells, row by row, as the page computed them from the objects.
    const byKey = new Map(items.map((o) => [key(o), o]));
    await until(what('a window of rows shown'), async () => (await table(p, pg.id)).length === Math.min(items.length, WINDOW), 30000);
    for (const row of await table(p, pg.id)) {
      const o = byKey.get(row.key);
      assert.ok(o, what(`row ${row.key} is an object of the LIST`));
      for (const [col, want] of Object.entries(pg.cells)) assert.equal(row.cells[col], want(o), what(`${row.key} ${col}`));
      for (const [col, want] of Object.entries(pg.times)) assert.equal(row.times[col], want(o), what(`${row.key} ${col} time`));
    }

    // The order before a click, then the first column descending (two clicks), then the kind's own column, in Go's order.
    const th = (col) => `${tbl} th[data-col="${col}"]`;
    const initial = pg.first?.initial ? goOrder(items, pg.first.initial.by, pg.first.initial.desc) : goOrder(items, () => undefined, false);
    await until(what('rows in the initial order'), () => showing(p, pg.id, initial), 30000);
    const first = pg.first ?? { col: 'name', by: (o) => o.metadata.name };
    await p.click(`${th(first.col)} button`);
    await p.waitForSelector(`${th(first.col)}[aria-sort=ascending]`, T);
    await p.click(`${th(first.col)} button`);
    await p.waitForSelector(`${th(first.col)}[aria-sort=descending]`, T);
    const desc = goOrder(items, first.by, true);
    await until(what(`rows in descending ${first.col} order`), () => showing(p, pg.id, desc), 30000);
    await p.click(`${th(pg.sort.col)} button`);
    await p.waitForSelector(`${th(pg.sort.col)}[aria-sort=${pg.sort.desc ? 'descending' : 'ascending'}]`, T);
    const sorted = goOrder(items, pg.sort.by, pg.sort.desc);
    await until(what(`rows by ${pg.sort.col}`), () => showing(p, pg.id, sorted), 30000);

    // Counts per status in the header.
    if (pg.countBy) {
      const counts = {};
      for (const o of items) counts[pg.countBy(o)] = (counts[pg.countBy(o)] ?? 0) + 1;
      for (const [k, n] of Object.entries(counts)) assert.equal(await p.textContent(`[data-testid="page-${pg.id}"] [data-testid="count-by-${k}"]`), `${k} ${fmt(n)}`, what(`count of ${k}`));
      assert.equal(await p.$$eval(`[data-testid="page-${pg.id}"] .count-by`, (els) => els.length), Object.keys(counts).length, what('no other count'));
    }

    // The filter box: name, namespace, a label value or (for some kinds) other fields holding the text, in the sort's order.
    const last = items[items.length - 1];
    const needles = [last.metadata.name.slice(0, 4).toLowerCase()];
    if (pg.textIn) needles.push(pg.textIn(last).at(-1).split(' ').sort((a, b) => b.length - a.length)[0].toLowerCase());
    for (const needle of needles) {
      const hit = (o) => [o.metadata.name, o.metadata.namespace ?? '', ...Object.values(o.metadata.labels ?? {}), ...(pg.textIn?.(o) ?? [])].some((s) => s.toLowerCase().includes(needle));
      const want = sorted.filter((k) => hit(byKey.get(k)));
      assert.ok(want.length > 0, what(`some hold ${needle}`));
      await p.fill(`[data-testid="page-${pg.id}"] [data-filter]`, needle);
      await until(what(`the rows holding ${needle}`), async () => (await countText(p, pg.id)) === `${fmt(want.length)} of ${fmt(items.length)}` && (await showing(p, pg.id, want)), 30000);
    }
    await p.fill(`[data-testid="page-${pg.id}"] [data-filter]`, '');

    // A label selector: the first label of the first labelled object.
    const labelled = items.find((o) => Object.keys(o.metadata.labels ?? {}).length);
    if (labelled) {
      const [k, v] = Object.entries(labelled.metadata.labels)[0];
      const selected = sorted.filter((x) => byKey.get(x).metadata.labels?.[k] === v);
      await p.fill(`[data-testid="page-${pg.id}"] [data-testid=label-selector]`, `${k}=${v}`);
      await until(what(`the rows labelled ${k}=${v}`), async () => (await countText(p, pg.id)) === `${fmt(selected.length)} of ${fmt(items.length)}` && (await showing(p, pg.id, selected)), 30000);
    }
  }

  assert.equal(await lists(), before, 'the pages sorted and filtered through views and sent no LIST');
  assert.deepEqual(p.errors, []);
  await p.close();
}
