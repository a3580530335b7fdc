// A CPU profile of the dashboard's Pods page (All namespaces) at --scale N,
// in headless Chromium through CDP: the time to the first full count, a few
// keystrokes in the filter box and jumps of the scroll position (each to the
// next change on the page, or 5 s when nothing changes), then the main
// thread's busy time and the 25 functions with the most self time.
//   ./build.sh build && node bench/dashboard-profile.mjs 20000
import { ROOT, launch, page, start } from '../e2e/lib.mjs';
const N = Number(process.argv[2] ?? 20000);
const server = await start(ROOT + '/.bin/kubelive', ['--addr', '127.0.0.1:0', '--static', ROOT + '/web/dist', '--scale', String(N)], 'KUBELIVE_ADDR');
// The server prints its address before it has made the N pods: wait until it answers.
for (const end = Date.now() + 900000; ; ) {
  if (await fetch(`http://${server.addr}/`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false)) break;
  if (Date.now() > end) throw new Error('the server never answered');
  await new Promise((r) => setTimeout(r, 200));
}
const browser = await launch();
try {
  const t0 = Date.now();
  const p = await page(browser, `http://${server.addr}/#/demo/_all/pods`);
  await p.waitForFunction((n) => Number((document.querySelector('[data-testid=page-pods] [data-testid=count]')?.textContent ?? '0').replace(/,/g, '')) >= n, N, { timeout: 600000 });
  console.log('first full count ms', Date.now() - t0);
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const times = [];
  for (const t of ['1', '12', '123', '12', '1', '']) {
    const before = await p.textContent('[data-testid=page-pods] [data-testid=count]');
    const s = Date.now();
    await p.fill('[data-filter]', t);
    await p.waitForFunction((b) => document.querySelector('[data-testid=page-pods] [data-testid=count]')?.textContent !== b, before, { timeout: 5000 }).catch(() => {});
    times.push([t, Date.now() - s]);
  }
  const jumps = [];
  for (const row of [N / 2, N / 4, (3 * N) / 4, 100]) {
    const before = await p.$eval('[data-testid=table-pods]', (t) => t.dataset.offset);
    const s = Date.now();
    await p.$eval('[data-testid=vscroll]', (el, r) => { el.scrollTop = r * 37; el.dispatchEvent(new Event('scroll')); }, row);
    await p.waitForFunction((b) => document.querySelector('[data-testid=table-pods]')?.dataset.offset !== b, before, { timeout: 5000 }).catch(() => {});
    jumps.push([row, Date.now() - s]);
  }
  console.log('scroll jump ms', JSON.stringify(jumps));
  const { profile } = await cdp.send('Profiler.stop');
  console.log('keystroke ms', JSON.stringify(times));
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + (dt[i] ?? 0));
  });
  let busy = 0;
  for (const [k, us] of self) if (!k.startsWith('(idle)')) busy += us;
  console.log('busy ms (not idle)', (busy / 1000).toFixed(0));
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [k, us] of top) console.log((us / 1000).toFixed(1).padStart(8), 'ms', k);
} finally {
  await browser.close();
  server.stop();
}
