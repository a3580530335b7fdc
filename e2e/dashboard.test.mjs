// The demo dashboard (web/) end to end: Debian's Chromium against the kubelive
// server and its embedded cluster with churn. Every wait has a deadline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, launch, page, screenshot, start } from './lib.mjs';

// DASHBOARD_HOST=page|shared-worker|worker picks where the dashboard's client runs (?host=; default auto).
const HOST = process.env.DASHBOARD_HOST ?? '';
const withHost = (q) => (HOST ? `${q}${q ? '&' : '?'}host=${HOST}` : q);

const NS = 'default';
const T = { timeout: 20000 };
let server;
let browser;
let p;
let base;

before(async () => {
  server = await start(ROOT + '/.bin/kubelive', ['--addr', '127.0.0.1:0', '--static', 'web/dist', '--admin', '--churn', '5'], 'KUBELIVE_ADDR');
  base = `http://${server.addr}`;
  browser = await launch();
  p = await page(browser, `${base}/${withHost('')}#/demo/${NS}/pods`);
  await p.waitForSelector('[data-testid=page-pods] [data-testid=conn][data-state=live]', T);
  // The dashboard's default host is auto: a SharedWorker in Chromium.
  assert.equal(await p.evaluate(() => window.kubelive.stats().host), HOST || 'shared-worker');
});

after(async () => {
  await browser?.close();
  if (server && server.proc.exitCode !== null) console.log(`# the server exited (${server.proc.exitCode}):\n${server.logs.slice(-40).join('\n')}`);
  server?.stop();
});

const api = (path, init) => fetch(`${base}/clusters/demo/${path}`, init);
const admin = (op, q = {}) => fetch(`${base}/admin/${op}?${new URLSearchParams(q)}`, { method: 'POST' }).then((r) => r.json());

// Page errors and console errors, less the browser's own log line for the
// multiplexer probe while the server has no /wsMultiplexer ('auto' falls back).
// The drop tests take the browser offline: its failed reconnects and requests (a relist, the
// sidebar's counts) are logged too, as net::ERR_INTERNET_DISCONNECTED, and the watches the
// server refused meanwhile as a 503 handshake; nothing else.
function pageErrors() {
  // The server refused the watches that reconnected meanwhile (/admin/refuse): their handshakes got 503.
  const offline = /(WebSocket connection to '[^']*' failed: .*|Failed to load resource: net::)ERR_INTERNET_DISCONNECTED|WebSocket connection to '[^']*[?&]watch=1' failed: Error during WebSocket handshake: Unexpected response code: 503$/;
  return p.errors.filter((e) => !/WebSocket connection to '[^']*\/wsMultiplexer' failed/.test(e) && !(offlineWasUsed && offline.test(e)));
}
let offlineWasUsed = false;

/**
 * tableMatchesServer waits until the pods table lists exactly the pods of the
 * server's LIST, in the cache's order (by name within one namespace). Churn
 * keeps changing both, so it compares until they agree, with a deadline.
 */
async function tableMatchesServer(ns = NS) {
  await p.waitForFunction(
    async (ns) => {
      const r = await fetch(`/clusters/demo/api/v1/namespaces/${ns}/pods`);
      const want = (await r.json()).items.map((i) => i.metadata.name).sort();
      const got = [...document.querySelectorAll('[data-testid=table-pods] tbody tr')].map((tr) => tr.dataset.name);
      const count = document.querySelector('[data-testid=page-pods] [data-testid=count]')?.textContent;
      return want.length > 0 && JSON.stringify(got) === JSON.stringify(want) && count === String(want.length);
    },
    ns,
    { ...T, polling: 200 },
  );
}

async function goto(hash) {
  await p.evaluate((h) => {
    location.hash = h;
  }, hash);
}

/** createPod creates a pod of our own in NS (churn only replaces the pods it made). */
async function createPod(name) {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: 'e2e' } },
    spec: { containers: [{ name: 'app', image: 'busybox:1.37' }] },
  };
  const r = await api(`api/v1/namespaces/${NS}/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(pod) });
  assert.equal(r.status, 201, await r.text());
}

test('the pods table shows exactly what the server lists, and follows namespace changes', async () => {
  await tableMatchesServer(NS);
  await screenshot(p, 'dashboard-pods');
  await p.selectOption('[data-testid=namespace-picker]', 'kube-system');
  await p.waitForFunction(() => location.hash === '#/demo/kube-system/pods');
  await tableMatchesServer('kube-system');
  await p.selectOption('[data-testid=namespace-picker]', NS);
  await tableMatchesServer(NS);
  for (const r of ['deployments', 'configmaps', 'events']) {
    await p.click(`[data-testid=nav-${r}]`);
    await p.waitForSelector(`[data-testid=page-${r}] [data-testid=conn][data-state=live]`, T);
    await p.waitForSelector(`[data-testid=table-${r}] tbody tr`, T);
    await screenshot(p, `dashboard-${r}`);
  }
  await p.click('[data-testid=nav-pods]');
  assert.deepEqual(pageErrors(), []);
});

test('a pod created and deleted through the API appears and disappears', async () => {
  const name = `e2e-${Date.now().toString(36)}`;
  await createPod(name);
  const row = `[data-testid=table-pods] tr[data-name="${name}"]`;
  await p.waitForSelector(row, T);
  await screenshot(p, 'dashboard-pod-created');
  const deleted = await api(`api/v1/namespaces/${NS}/pods/${name}`, { method: 'DELETE' });
  assert.ok(deleted.ok, `DELETE: HTTP ${deleted.status}`);
  await p.waitForSelector(row, { ...T, state: 'detached' });
  await tableMatchesServer(NS);
  assert.deepEqual(pageErrors(), []);
});

/**
 * droppedSocketsRecover drops every socket of the server and checks that the
 * pods view's badge goes reconnecting, then live, and the table is right again.
 */
async function droppedSocketsRecover(q, shot) {
  await p.goto(`${base}/${withHost(q)}#/demo/${NS}/pods`);
  const conn = '[data-testid=page-pods] [data-testid=conn]';
  await p.waitForSelector(`${conn}[data-state=live]`, T);
  await tableMatchesServer(NS);
  // Record every state the badge shows.
  await p.evaluate((sel) => {
    window.connStates = [document.querySelector(sel).dataset.state];
    new MutationObserver(() => {
      const s = document.querySelector(sel)?.dataset.state;
      if (s && s !== window.connStates.at(-1)) window.connStates.push(s);
    }).observe(document.querySelector('[data-testid=page-pods]'), { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  }, conn);
  // The server refuses new watches for a while, so the reconnect cannot succeed within a
  // frame and the badge must show it. (Offline emulation alone does not reach the client in a
  // SharedWorker, the dashboard's default host: it reconnected at once there, now and then
  // within one frame.) The page is offline too, as a user's would be.
  offlineWasUsed = true;
  await admin('refuse', { ms: 1500 });
  await p.context().setOffline(true);
  let dropped = 0;
  try {
    ({ dropped } = await admin('drop'));
    assert.ok(dropped > 0, 'the server dropped the dashboard sockets');
    await p.waitForSelector(`${conn}[data-state=reconnecting]`, T);
    await screenshot(p, `${shot}-reconnecting`);
  } finally {
    await p.context().setOffline(false); // a failure here must not leave the next tests offline
  }
  await p
    .waitForFunction(() => window.connStates.includes('reconnecting') && window.connStates.at(-1) === 'live', null, T)
    .catch(async (e) => assert.fail(`${e.message}; badge states: ${await p.evaluate(() => window.connStates.join(' -> '))}`));
  await tableMatchesServer(NS);
  const lastError = await p.$eval(conn, (el) => el.dataset.lastError);
  assert.ok(lastError, 'once live again, the badge still tells what went wrong last');
  const st = await p.evaluate(() => window.kubelive.stats());
  const states = await p.evaluate(() => window.connStates);
  console.log(`# ${st.multiplexer?.mode}: dropped ${dropped} sockets; badge ${states.join(' -> ')}; reconnects ${st.sockets.map((s) => s.reconnects)}`);
  await screenshot(p, shot);
  assert.deepEqual(pageErrors(), []);
}

test('dropped sockets, per-URL mode: the indicator shows reconnecting, then live, and the table is right again', async () => {
  await droppedSocketsRecover('?multiplexer=off', 'dashboard-after-drop-per-url');
});

test('dropped sockets, mux mode: the indicator shows reconnecting, then live, and the table is right again', async () => {
  await droppedSocketsRecover('', 'dashboard-after-drop-mux');
});

test('the inspector shows the sockets the module holds, live', async () => {
  await p.click('[data-testid=inspector-toggle]');
  await p.waitForSelector('[data-testid=inspector]', T);
  // The panel polls kl.stats() every second: wait until it agrees with a fresh call.
  await p.waitForFunction(() => {
    const st = window.kubelive.stats();
    const shown = document.querySelector('[data-testid=socket-count]')?.textContent;
    const items = document.querySelectorAll('[data-testid=sockets] li.socket:not(.socket-note)').length;
    return st.browserSockets.live > 0 && shown === String(st.browserSockets.live) && items === st.sockets.length;
  }, null, T);
  const st = await p.evaluate(() => window.kubelive.stats());
  const mode = await p.textContent('[data-testid=mux-mode]');
  if (st.multiplexer?.mode === 'mux') {
    assert.equal(st.browserSockets.live, 1, 'one socket in mux mode');
    assert.match(mode, /multiplexed/);
  } else {
    assert.match(mode, /per-URL/);
    // One socket per live list: namespaces + 4 resources of the sidebar counts.
    assert.ok(st.browserSockets.live >= 5, `live sockets: ${st.browserSockets.live}`);
  }
  await screenshot(p, 'dashboard-inspector');
  await p.click('[data-testid=inspector-toggle]');
  await p.waitForSelector('[data-testid=inspector]', { ...T, state: 'detached' });
  assert.deepEqual(pageErrors(), []);
});

/** podIO reports why pod logs/exec cannot be tested, or '' when the server serves them. */
async function podIO(pod) {
  const r = await api(`api/v1/namespaces/${NS}/pods/${pod}/log`);
  return r.status === 404 ? `pod logs and exec are not served yet (GET .../pods/${pod}/log: 404)` : '';
}

const SHELL_POD = `e2e-shell-${Date.now().toString(36)}`;

test('a log line written through the shell shows up in the log view', async (t) => {
  const pod = SHELL_POD;
  await createPod(pod);
  const missing = await podIO(pod);
  if (missing) return t.skip(missing);
  await goto(`#/demo/${NS}/pods/${pod}/logs`);
  await p.waitForSelector('[data-testid=log-status][data-status=open]', T);
  const marker = `kubelive-e2e-log-${Date.now().toString(36)}`;
  const code = await p.evaluate(
    ({ pod, ns, marker }) =>
      new Promise((resolve) => {
        window.kubelive.exec({ cluster: 'demo', namespace: ns, pod, command: ['sh', '-c', `log ${marker}`], stdout: true, stderr: true, onExit: (c) => resolve(c) });
      }),
    { pod, ns: NS, marker },
  );
  assert.equal(code, 0, 'the shell wrote the log line');
  await p.waitForFunction((m) => document.querySelector('[data-testid=log-lines]')?.textContent.includes(m), marker, T);
  // The filter keeps only matching lines.
  await p.fill('[data-testid=log-filter]', marker);
  await p.waitForFunction(() => document.querySelectorAll('[data-testid=log-lines] .log-line').length === 1, null, T);
  await screenshot(p, 'dashboard-logs');
  await p.fill('[data-testid=log-filter]', '');
  assert.deepEqual(pageErrors(), []);
});

test('the terminal runs echo in the pod and shows the exit code', async (t) => {
  const pod = SHELL_POD;
  const missing = await podIO(pod);
  if (missing) return t.skip(missing);
  await goto(`#/demo/${NS}/pods/${pod}/terminal`);
  await p.waitForFunction(() => document.querySelector('[data-testid=terminal] .xterm-rows')?.textContent.includes('$'), null, T);
  const marker = `hello-${Date.now().toString(36)}`;
  await p.click('[data-testid=terminal]');
  await p.keyboard.type(`echo ${marker}`);
  await p.keyboard.press('Enter');
  // The typed command is echoed once, its output once more on a line of its own.
  await p.waitForFunction(
    (m) => [...document.querySelectorAll('[data-testid=terminal] .xterm-rows > div')].some((row) => row.textContent.trim() === m),
    marker,
    T,
  );
  await screenshot(p, 'dashboard-terminal');
  await p.keyboard.type('exit 3');
  await p.keyboard.press('Enter');
  await p.waitForSelector('[data-testid=exit][data-code="3"]', T);
  await screenshot(p, 'dashboard-terminal-exit');
  assert.deepEqual(pageErrors(), []);
});
