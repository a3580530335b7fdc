// The backend acts for no other web page. A page on a second origin (another port of
// 127.0.0.1, as an attacker's site would be) tries each attack in real Chromium against the
// real server, and the server's own state says what reached it:
//   1. a cross-site exec WebSocket: the command never runs (its `log` line never appears);
//   2. CSRF: no-cors POSTs with no Content-Type or text/plain create nothing;
//   3. DNS rebinding: the page's origin reaches the server under a Host it does not serve
//      (a TCP forwarder stands in for the rebound name): every request and upgrade is 403;
//   4. dot segments, over HTTP and in a multiplexer REQUEST: 400 / ERROR, never a cluster.
// Controls show each trace would be seen: the same exec from the server's own origin runs,
// and with `--allow-host *` the rebound page reads the list.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHTTPServer } from 'node:http';
import { createServer as createTCPServer, connect } from 'node:net';
import { once } from 'node:events';
import { ROOT, launch, start, until } from './lib.mjs';

let server;
let browser;
let base;
let evil; // the attacker's origin: a plain page on another port
let evilServer;
const forwarders = [];
let pod; // { namespace, name } of a running pod of the embedded cluster

async function listen(srv) {
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return srv.address().port;
}

/** forwarder accepts on a new port and pipes every connection to target (host:port). */
async function forwarder(target) {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const srv = createTCPServer((c) => {
    const up = connect(port, host);
    c.pipe(up).pipe(c);
    const end = () => { c.destroy(); up.destroy(); };
    c.on('error', end);
    up.on('error', end);
  });
  forwarders.push(srv);
  return `http://127.0.0.1:${await listen(srv)}`;
}

function kubelive(extra = []) {
  return start(ROOT + '/.bin/kubelive', ['--addr', '127.0.0.1:0', '--static', 'web/dist', '--churn', '0', ...extra], 'KUBELIVE_ADDR');
}

before(async () => {
  server = await kubelive();
  base = `http://${server.addr}`;
  evilServer = createHTTPServer((_, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>a page on another site</title>');
  });
  evil = `http://127.0.0.1:${await listen(evilServer)}`;
  const pods = await fetch(`${base}/clusters/demo/api/v1/pods?limit=100`).then((r) => r.json());
  const p = pods.items.find((i) => i.status?.phase === 'Running') ?? pods.items[0];
  pod = { namespace: p.metadata.namespace, name: p.metadata.name };
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
  evilServer?.close();
  for (const f of forwarders) f.close();
});

/** openPage opens url and records the HTTP status of every response, fetches included. */
async function openPage(url) {
  const p = await browser.newPage();
  p.statuses = [];
  p.on('response', (r) => p.statuses.push({ url: r.url(), status: r.status() }));
  await p.goto(url);
  return p;
}

const execURL = (origin, marker) => {
  const ws = origin.replace(/^http/, 'ws');
  return `${ws}/clusters/demo/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/exec?command=log&command=${marker}&stdout=true`;
};

// tryWebSocket resolves to 'open' or 'closed:<code>' (in the page).
const tryWebSocket = ([url, protocols]) => new Promise((resolve) => {
  const ws = new WebSocket(url, protocols);
  ws.onopen = () => { ws.close(); resolve('open'); };
  ws.onclose = (e) => resolve(`closed:${e.code}`);
});

async function podLog() {
  const r = await fetch(`${base}/clusters/demo/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/log`);
  assert.equal(r.status, 200);
  return r.text();
}

async function waitForLog(marker, deadlineMs = 10000) {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if ((await podLog()).includes(marker)) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('1. a cross-site exec WebSocket never runs its command', async () => {
  const p = await openPage(evil + '/');
  const results = {};
  for (const [name, url, protocols] of [
    ['exec', execURL(base, 'pwned-by-exec'), ['v5.channel.k8s.io']],
    ['watch', `${base.replace(/^http/, 'ws')}/clusters/demo/api/v1/pods?watch=1`, ['base64.binary.k8s.io']],
    ['mux', `${base.replace(/^http/, 'ws')}/wsMultiplexer`, []],
    ['log', `${base.replace(/^http/, 'ws')}/clusters/demo/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/log?follow=true`, ['base64.binary.k8s.io']],
  ]) {
    results[name] = await p.evaluate(tryWebSocket, [url, protocols]);
  }
  assert.deepEqual(results, { exec: 'closed:1006', watch: 'closed:1006', mux: 'closed:1006', log: 'closed:1006' });

  // Control: the same exec from the server's own origin runs, and its trace appears.
  const own = await openPage(base + '/config');
  assert.equal(await own.evaluate(tryWebSocket, [execURL(base, 'control-exec'), ['v5.channel.k8s.io']]), 'open');
  assert.ok(await waitForLog('control-exec'), 'the control exec ran');
  assert.ok(!(await podLog()).includes('pwned-by-exec'), 'the cross-site exec ran');
  // The control's socket closes on its own time: once it has, no exec socket is left open.
  const execOpen = async () => /^kubelive_websockets_open\{route="exec"\} 0$/m.test(await fetch(`${base}/metrics`).then((r) => r.text()));
  await until('no exec socket left open at the server', execOpen, 10000);
  await p.close();
  await own.close();
});

test('2. no-cors writes from another origin create nothing', async () => {
  const p = await openPage(evil + '/');
  const url = `${base}/clusters/demo/api/v1/namespaces/default/configmaps`;
  const cm = (name) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });
  await p.evaluate(async ([u, bodies]) => {
    await fetch(u, { method: 'POST', mode: 'no-cors', body: new Blob([bodies[0]]) });
    await fetch(u, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: bodies[1] });
    await fetch(u, { method: 'POST', mode: 'no-cors', credentials: 'include', body: new Blob([bodies[2]]) });
  }, [url, [cm('csrf-blob'), cm('csrf-text'), cm('csrf-cred')]]);
  const refused = p.statuses.filter((s) => s.url === url).map((s) => s.status);
  assert.deepEqual(refused, [403, 403, 403]);
  for (const name of ['csrf-blob', 'csrf-text', 'csrf-cred']) {
    const r = await fetch(`${url}/${name}`);
    assert.equal(r.status, 404, `${name} was created`);
  }
  // A preflighted write (JSON) from that origin is refused at the preflight: no CORS headers.
  const preflighted = await p.evaluate(async (u) => {
    try {
      await fetch(u, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      return 'sent';
    } catch (e) {
      return e.name;
    }
  }, url);
  assert.equal(preflighted, 'TypeError');
  await p.close();
});

test('3. a rebound name (Host not served) gets 403 on every route', async () => {
  const rebound = await forwarder(server.addr);
  // The page's document is the server's own refusal: its scripts run in the rebound origin.
  const p = await openPage(rebound + '/');
  assert.equal(p.statuses[0].status, 403);
  const got = await p.evaluate(async () => {
    const out = {};
    for (const path of ['/clusters/demo/api/v1/namespaces/kube-system/secrets', '/config', '/metrics', '/clusters/demo/api/v1/pods']) {
      const r = await fetch(path);
      out[path] = [r.status, (await r.json()).message.includes('--allow-host')];
    }
    return out;
  });
  for (const [path, v] of Object.entries(got)) assert.deepEqual(v, [403, true], path);
  assert.equal(await p.evaluate(tryWebSocket, [execURL(rebound, 'pwned-by-rebinding'), ['v5.channel.k8s.io']]), 'closed:1006');
  assert.ok(!(await waitForLog('pwned-by-rebinding', 500)), 'the rebound exec ran');
  await p.close();

  // Control: with every Host allowed the same page reads the list: the test sees the hole.
  const open = await kubelive(['--allow-host', '*']);
  try {
    const p2 = await openPage((await forwarder(open.addr)) + '/');
    const status = await p2.evaluate(async () => (await fetch('/clusters/demo/api/v1/namespaces/kube-system/pods')).status);
    assert.equal(status, 200);
    await p2.close();
  } finally {
    open.stop();
  }
});

test('4. dot segments never reach a cluster, over HTTP or the multiplexer', async () => {
  const before = await fetch(`${base}/metrics`).then((r) => r.text());
  const p = await openPage(evil + '/');
  const escapes = ['/clusters/demo/%2e%2e/%2e%2e/v3/users', '/clusters/demo/api/%2e%2e/%2e%2e/v3/users', '/clusters/demo/api/v1/namespaces/%2e%2e%2f%2e%2e%2fv3/x'];
  await p.evaluate(async (urls) => {
    for (const u of urls) await fetch(u, { mode: 'no-cors' });
  }, escapes.map((e) => base + e));
  // Chromium resolves a leading %2e%2e itself (the first URL leaves /clusters/ and gets the
  // dashboard); every request still under /clusters/ is refused.
  const responses = p.statuses.filter((s) => s.url.startsWith(base));
  assert.equal(responses.length, escapes.length);
  for (const r of responses) {
    if (new URL(r.url).pathname.startsWith('/clusters/')) assert.equal(r.status, 400, r.url);
  }
  assert.ok(responses.filter((r) => r.status === 400).length >= 2);
  await p.close();

  // Even the server's own page (say, a script injected into it) cannot send one through the
  // multiplexer; nor a REQUEST that is not a watch.
  const own = await openPage(base + '/config');
  const replies = await own.evaluate(async (paths) => {
    const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/wsMultiplexer');
    await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
    const out = {};
    const done = new Promise((resolve) => {
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'ERROR') out[m.path + '?' + m.query] = JSON.parse(m.data).error;
        if (Object.keys(out).length === paths.length) resolve();
      };
      setTimeout(resolve, 10000); // a deadline: a REQUEST that got no ERROR fails below
    });
    for (const [path, query] of paths) ws.send(JSON.stringify({ clusterId: 'demo', path, query, userId: '', type: 'REQUEST' }));
    await done;
    ws.close();
    return out;
  }, [['/api/../../v3/users', 'watch=1'], ['/api/v1/namespaces/%2e%2e/pods', 'watch=1'], ['/api/v1/namespaces/x/secrets', '']]);
  assert.match(replies['/api/../../v3/users?watch=1'], /bad API path/);
  assert.match(replies['/api/v1/namespaces/%2e%2e/pods?watch=1'], /bad API path/);
  assert.match(replies['/api/v1/namespaces/x/secrets?'], /watches only/);
  await own.close();
  const after = await fetch(`${base}/metrics`).then((r) => r.text());
  const reached = (t) => [...t.matchAll(/^kubelive_requests_total\{cluster="demo",verb="\w+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(reached(after), reached(before), 'a refused path or REQUEST reached the cluster');
});
