// The dashboard's Pods page (All namespaces) at --scale N, for one or more
// builds in turn, in headless Chromium: the time from navigation to the
// first full count, keystrokes in the filter box to the new count, and
// jumps of the scroll position to the new window (each to the change on
// the page, or a timeout when nothing changes), with the LISTs and LIST
// pages the server served meanwhile (kubelive_requests_total). A build is a
// directory holding .bin/kubelive and web/dist (this tree by default; a
// branch point: git archive <commit> | tar -x -C DIR, then ./build.sh build
// there). Each build's line has the medians and p90s (nearest rank) of its
// keystrokes and jumps; a timeout counts as no figure.
//   ./build.sh build && node bench/dashboard-scale.mjs 100000 /tmp/base .
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import path from 'node:path';
import { ROOT, launch, page } from '../e2e/lib.mjs';

const N = Number(process.argv[2] ?? 20000);
const builds = process.argv.length > 3 ? process.argv.slice(3).map((d) => path.resolve(d)) : [ROOT];
const FIRST_MS = 1200000;
const STEP_MS = 10000;

/** serve starts a build's server at --scale N and waits until it answers (seeding N pods takes a while). */
async function serve(dir) {
  const proc = spawn(`${dir}/.bin/kubelive`, ['--addr', '127.0.0.1:0', '--static', `${dir}/web/dist`, '--scale', String(N), '--log-level', 'warn'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  const [first] = await once(createInterface({ input: proc.stdout }), 'line');
  const addr = /^KUBELIVE_ADDR=(.+)$/.exec(first)?.[1];
  if (!addr) throw new Error(`${dir}: the server printed ${first}`);
  for (const end = Date.now() + 900000; ; ) {
    if (await fetch(`http://${addr}/`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false)) break;
    if (Date.now() > end) throw new Error(`${dir}: the server never answered`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { addr, stop: () => proc.kill() };
}

/** lists reads the server's LIST requests so far. */
async function lists(addr) {
  const text = await (await fetch(`http://${addr}/metrics`)).text();
  return Number(/^kubelive_requests_total\{cluster="demo",verb="LIST"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

/** quantile q (0..1) of the times that came (nulls are timeouts, left out), nearest rank. */
const quantile = (xs, q) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : null;
};
const median = (xs) => quantile(xs, 0.5);

async function measure(dir) {
  const server = await serve(dir);
  const browser = await launch();
  try {
    const count = '[data-testid=page-pods] [data-testid=count]';
    const l0 = await lists(server.addr);
    const t0 = Date.now();
    const p = await page(browser, `http://${server.addr}/#/demo/_all/pods`);
    await p.waitForFunction(([sel, n]) => Number((document.querySelector(sel)?.textContent ?? '0').split(' ')[0].replace(/,/g, '')) >= n, [count, N], { timeout: FIRST_MS, polling: 250 });
    const first = Date.now() - t0;
    const listed = (await lists(server.addr)) - l0;
    // A change on the page within STEP_MS, or null.
    const step = async (act, changed, arg) => {
      const before = await p.evaluate(changed, arg);
      const s = Date.now();
      await act();
      const ok = await p.waitForFunction(([f, b, a]) => new Function('a', `return (${f})(a)`)(a) !== b, [changed.toString(), before, arg], { timeout: STEP_MS, polling: 'raf' }).then(() => true, () => false);
      return ok ? Date.now() - s : null;
    };
    const countOf = (sel) => document.querySelector(sel)?.textContent;
    const keys = [];
    // Characters of generated pod names (no 0, 1 or 3 there): each text changes the count.
    for (const t of ['2', '24', '245', '24', '2', '', '9', '', '7', '78', '7', '']) keys.push([t, await step(() => p.fill('[data-filter]', t), countOf, count)]);
    const offsetOf = () => document.querySelector('[data-testid=table-pods]')?.dataset.offset;
    const jumps = [];
    for (const row of [N / 2, N / 4, (3 * N) / 4, 100, N - 200, N / 3, N / 5, (2 * N) / 3, 5000, N / 8]) {
      jumps.push([Math.round(row), await step(() => p.$eval('[data-testid=vscroll]', (el, r) => { el.scrollTop = r * 37; el.dispatchEvent(new Event('scroll')); }, row), offsetOf)]);
    }
    const errors = p.errors.length;
    const k = keys.map((x) => x[1]);
    const j = jumps.map((x) => x[1]);
    return { dir, first, listed, keys, keyMedian: median(k), keyP90: quantile(k, 0.9), jumps, jumpMedian: median(j), jumpP90: quantile(j, 0.9), errors };
  } finally {
    await browser.close();
    server.stop();
  }
}

for (const dir of builds) {
  const r = await measure(dir);
  console.log(JSON.stringify(r));
}
