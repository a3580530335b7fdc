// The shared-socket API through the real loader and facade (js/), in
// Debian's Chromium, against the native wstestserver over loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, launch, page, screenshot, start } from './lib.mjs';

let server;
let browser;
let p;

before(async () => {
  server = await start(path.join(ROOT, '.bin/wstestserver'), ['-static', ROOT], 'WSTEST_ADDR');
  browser = await launch();
  p = await page(browser, `http://${server.addr}/static/e2e/fixtures/sockets.html`);
  await p.waitForSelector('#out[data-ready="1"]', { timeout: 20000 });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

const ctl = (op, q, body = '') =>
  fetch(`http://${server.addr}/ctl/${op}?${new URLSearchParams(q)}`, { method: 'POST', body }).then((r) => r.json());

test('50 subscribers share one browser socket and all get every message in order', async () => {
  await p.evaluate(() => {
    window.got = Array.from({ length: 50 }, () => []);
    window.cleanups = window.got.map((g) =>
      window.kubelive.subscribe({ cluster: 'demo', url: 'api/v1/e2e?watch=1', onMessage: (m) => g.push(m.seq) }),
    );
  });
  await p.waitForFunction(() => window.kubelive.stats().sockets[0]?.state === 'open');
  const frames = Array.from({ length: 200 }, (_, i) => JSON.stringify({ seq: i }));
  const sent = await ctl('send', { path: '/clusters/demo/api/v1/e2e' }, frames.join('\n'));
  assert.equal(sent.sockets, 1, 'exactly one socket at the server');
  await p.waitForFunction(() => window.got.every((g) => g.length === 200));
  const ok = await p.evaluate(() => window.got.every((g) => g.every((v, i) => v === i)));
  assert.ok(ok, 'every subscriber got every message in order');
  const stats = await p.evaluate(() => window.kubelive.stats());
  assert.equal(stats.browserSockets.created, 1);
  // Frames cross into Go in bursts: far fewer JS->Go calls than frames.
  console.log(`# 200 frames crossed into Go with ${stats.browserSockets.wakes} wake-ups`);
  assert.ok(stats.browserSockets.wakes < 100, `wakes ${stats.browserSockets.wakes} for 200 frames`);
  assert.equal(stats.sockets[0].listeners, 50);
  await screenshot(p, 'sockets-50-subscribers');

  await p.evaluate(() => window.cleanups.forEach((c) => c()));
  await p.waitForFunction(() => {
    const s = window.kubelive.stats();
    return s.sockets.length === 0 && s.browserSockets.live === 0;
  });
});

test('a dropped socket reconnects and the page never sees an exception', async () => {
  await p.evaluate(() => {
    window.states = [];
    window.seen = [];
    window.errs = [];
    window.stop = window.kubelive.subscribe({
      cluster: 'demo',
      url: 'api/v1/drop',
      onMessage: (m) => window.seen.push(m),
      onError: (e) => window.errs.push(e.message),
      onStatus: (s) => window.states.push(s.state),
    });
  });
  await p.waitForFunction(() => window.states.at(-1) === 'open');
  await ctl('send', { path: '/clusters/demo/api/v1/drop' }, '{not json\n{"n":1}');
  await ctl('drop', { path: '/clusters/demo/api/v1/drop' });
  await p.waitForFunction(() => window.states.at(-1) === 'open' && window.states.includes('reconnecting'));
  await ctl('send', { path: '/clusters/demo/api/v1/drop' }, '{"n":2}');
  await p.waitForFunction(() => window.seen.length === 2);
  const errs = await p.evaluate(() => window.errs);
  assert.match(errs[0], /9 bytes are not valid JSON/);
  await p.evaluate(() => window.stop());
  assert.deepEqual(p.errors, []);
});
