// The React hooks of js/src/react.js in a real React tree in Chromium, against
// a fake client (e2e/fixtures/hooks.jsx, bundled here with esbuild).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { ROOT, launch, page, start } from './lib.mjs';

let server;
let browser;
let results;

before(async () => {
  const out = path.join(ROOT, 'dist', 'e2e-hooks');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [path.join(ROOT, 'e2e/fixtures/hooks.jsx')],
    bundle: true, format: 'esm', jsx: 'automatic', outfile: path.join(out, 'hooks.js'), logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"development"' },
  });
  writeFileSync(path.join(out, 'index.html'),
    '<!doctype html><link rel="icon" href="data:,"><div id="root"></div><script type="module" src="hooks.js"></script>');
  server = await start(path.join(ROOT, '.bin/wstestserver'), ['-static', ROOT], 'WSTEST_ADDR');
  browser = await launch();
  const p = await page(browser, `http://${server.addr}/static/dist/e2e-hooks/index.html`);
  results = await p.evaluate(() => window.hookResults);
  assert.deepEqual(p.errors, []);
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('the hooks ran', () => assert.equal(results.error, undefined));

test('useKubeList subscribes once, keyed by value, and re-renders only on a new snapshot', () => {
  assert.equal(results.subscribedOnce, 1);
  assert.equal(results.resubscribedOnEqualQuery, 0, 'an equal query object does not resubscribe');
  assert.equal(results.rerenderOnSame, 0, 'the same snapshot does not re-render');
  assert.ok(results.versionsInOrder, 'snapshots are seen in version order');
  assert.equal(results.lastVersion, 3);
  assert.equal(results.text, '1');
});

test('useKubeList unsubscribes on unmount', () => {
  assert.equal(results.unwatchedOnUnmount, 1);
  assert.equal(results.watchersLeft, 0);
});

test('useWebSockets shows the status, calls the latest onMessage, and cleans up (StrictMode)', () => {
  assert.equal(results.socketStatus, 'open');
  assert.deepEqual(results.messages, ['a1', 'b2']);
  assert.equal(results.liveSubscriptions, 1, 'StrictMode remounts leave one live subscription');
  assert.equal(results.socketsLeft, 0);
});
