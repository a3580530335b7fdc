// The dashboard's Pods page (All namespaces) at --scale N, for one or more
// builds in turn, in headless Chromium: the time from navigation to the
// first full count, keystrokes in the filter box to the new count, and
// jumps of the scroll position to the new window (each to the change on
// the page, or a timeout when nothing changes), with the LISTs and LIST
// pages the server served meanwhile (kubelive_requests_total). A build is a
// directory holding .bin/kubelive and web/dist (this tree by default; a
// branch point: git archive <commit> | tar -x -C DIR, then ./build.sh build
// there). Each build's line has the medians and p90s (nearest rank) of its
// keystrokes and jumps, from node (key*, jump*: playwright's own work on
// each act included) and in the page (*InPage*: from the input event or
// the scroll to the frame that shows the change; dashboard-steps.mjs); a
// timeout counts as no figure. Each step in keys and jumps is [text or
// row, ms, pageMs].
//   ./build.sh build && node bench/dashboard-scale.mjs 100000 /tmp/base .
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import path from 'node:path';
import { ROOT, launch, page } from '../e2e/lib.mjs';
import { figures, steps } from './dashboard-steps.mjs';

const N = Number(process.argv[2] ?? 20000);
const builds = process.argv.length > 3 ? process.argv.slice(3).map((d) => path.resolve(d)) : [ROOT];
const FIRST_MS = 1200000;

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
    const { keys, jumps } = await steps(p, N);
    const errors = p.errors.length;
    const f = figures({ keys, jumps });
    const flat = (xs) => xs.map(([x, { ms, pageMs }]) => [x, ms, pageMs]);
    return {
      dir, first, listed, keys: flat(keys), keyMedian: f.keys.median, keyP90: f.keys.p90, keyInPageMedian: f.keysInPage.median, keyInPageP90: f.keysInPage.p90,
      jumps: flat(jumps), jumpMedian: f.jumps.median, jumpP90: f.jumps.p90, jumpInPageMedian: f.jumpsInPage.median, jumpInPageP90: f.jumpsInPage.p90, errors,
    };
  } finally {
    await browser.close();
    server.stop();
  }
}

for (const dir of builds) {
  const r = await measure(dir);
  console.log(JSON.stringify(r));
}
