// Strings from the cluster are data, never markup: an Event whose reason and
// message carry HTML renders as text in the dashboard (React escapes; nothing
// uses dangerouslySetInnerHTML), and the admin endpoint is absent unless enabled.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, launch, page, screenshot, start } from './lib.mjs';

const PAYLOAD = '<img src=x onerror="window.__xss=1">';
let server;
let browser;
let p;
let base;

before(async () => {
  server = await start(ROOT + '/.bin/kubelive', ['--addr', '127.0.0.1:0', '--static', 'web/dist', '--churn', '0'], 'KUBELIVE_ADDR');
  base = `http://${server.addr}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('an event carrying HTML renders as text', async () => {
  const r = await fetch(`${base}/clusters/demo/api/v1/namespaces/default/events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      metadata: { name: 'xss-probe' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
      reason: PAYLOAD,
      message: `hello ${PAYLOAD}`,
      type: 'Warning',
    }),
  });
  assert.ok(r.ok, `create event: HTTP ${r.status}`);
  p = await page(browser, `${base}/#/demo/default/events`);
  await p.waitForFunction((s) => document.body.textContent.includes(s), PAYLOAD, { timeout: 20000 });
  const found = await p.evaluate(() => ({
    xss: window.__xss ?? null,
    imgs: [...document.querySelectorAll('img')].filter((i) => i.getAttribute('src') === 'x').length,
  }));
  await screenshot(p, 'security-escaped-event');
  assert.deepEqual(found, { xss: null, imgs: 0 });
  assert.deepEqual(p.errors, []);
});

test('the admin endpoint is absent unless --admin', async () => {
  const r = await fetch(`${base}/admin/drop`, { method: 'POST' });
  assert.equal(r.status, 404);
});
