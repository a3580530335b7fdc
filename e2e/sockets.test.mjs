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
  console.log(`# 200 frames crossed into Go with ${stats.browserSockets.wakes} wake-ups`);
  assert.equal(stats.sockets[0].listeners, 50);
  await screenshot(p, 'sockets-50-subscribers');

  await p.evaluate(() => window.cleanups.forEach((c) => c()));
  await p.waitForFunction(() => {
    const s = window.kubelive.stats();
    return s.sockets.length === 0 && s.browserSockets.live === 0;
  });
});

test('frames that arrive while Go is busy cross into Go in one burst, not one call each', async () => {
  await p.evaluate(() => {
    window.burst = [];
    window.stopBurst = window.kubelive.subscribe({
      cluster: 'demo',
      url: 'api/v1/burst',
      onMessage: (m) => {
        window.burst.push(m.seq);
        if (m.seq === 0) {
          const until = performance.now() + 100; // a listener busy for 100 ms
          while (performance.now() < until);
        }
      },
    });
  });
  await p.waitForFunction(() => window.kubelive.stats().sockets.some((s) => s.key.url === 'api/v1/burst' && s.state === 'open'));
  const before = await p.evaluate(() => window.kubelive.stats().browserSockets.wakes);
  // Frames 1-199 arrive while the listener of frame 0 still runs: they queue in JS.
  const frames = Array.from({ length: 200 }, (_, i) => JSON.stringify({ seq: i }));
  await ctl('send', { path: '/clusters/demo/api/v1/burst' }, frames.join('\n'));
  await p.waitForFunction(() => window.burst.length === 200);
  const wakes = (await p.evaluate(() => window.kubelive.stats().browserSockets.wakes)) - before;
  console.log(`# 200 frames, a busy listener: ${wakes} JS->Go wake-ups`);
  assert.ok(wakes <= 10, `${wakes} wake-ups for 200 frames`);
  assert.deepEqual(await p.evaluate(() => window.burst), Array.from({ length: 200 }, (_, i) => i));
  await p.evaluate(() => window.stopBurst());
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
