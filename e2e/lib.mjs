// Shared harness of the browser end-to-end tests: Debian's Chromium driven
// by playwright-core with the flags that keep it on loopback, and native
// servers started fresh per test file.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHOTS = path.join(ROOT, 'dist', 'screenshots');

export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-component-update',
  '--disable-background-networking',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]',
];

export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * start runs a server binary that prints NAME=host:port as its first line
 * and resolves to { addr, proc, logs }.
 */
export async function start(bin, args, varName) {
  const proc = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  createInterface({ input: proc.stderr }).on('line', (l) => logs.push(l));
  const lines = createInterface({ input: proc.stdout });
  const timer = setTimeout(() => proc.kill(), 15000);
  const [first] = await once(lines, 'line');
  clearTimeout(timer);
  const m = new RegExp(`^${varName}=(.+)$`).exec(first);
  if (!m) throw new Error(`${bin} printed ${first}`);
  return { addr: m[1], proc, logs, stop: () => proc.kill() };
}

/** page opens a new page that records console errors and page errors. */
export async function page(browser, url) {
  const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  p.errors = [];
  p.on('pageerror', (e) => p.errors.push(`pageerror: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() === 'error') p.errors.push(`console: ${m.text()}`);
  });
  await p.goto(url);
  return p;
}

export async function screenshot(p, name) {
  mkdirSync(SHOTS, { recursive: true });
  await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * until polls fn until it returns a truthy value (and returns it), or fails after timeoutMs
 * naming what it waited for: tests wait on conditions with deadlines, never on fixed sleeps.
 */
export async function until(what, fn, timeoutMs = 30000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * openBare loads base's bare page in browser context ctx and replaces its
 * own client (a page host) with load({ ...options, host, token, multiplexer }): the token
 * reaches the client by postMessage only. p.errors collects what the page throws.
 */
export async function openBare(ctx, base, { host, token = '', multiplexer = 'off', options = {} }) {
  const p = await ctx.newPage();
  p.errors = [];
  p.on('pageerror', (e) => p.errors.push(`pageerror: ${e.message}`));
  await p.goto(`${base}/bare.html?multiplexer=${multiplexer}&host=page`);
  await p.waitForSelector('#out[data-ready="1"]', { timeout: 30000 });
  await p.evaluate(async ({ host, token, multiplexer, options }) => {
    window.kubelive.close();
    const { load } = await import('./kubelive.js');
    window.kubelive = await load({ ...options, wasmURL: 'kubelive.wasm', baseURL: location.origin, multiplexer, host, token });
  }, { host, token, multiplexer, options });
  return p;
}

/**
 * setHidden tells page p it is hidden (or visible again) as a browser tells
 * it: document.visibilityState and a visibilitychange event (headless tabs
 * are always visible otherwise).
 */
export function setHidden(p, hidden) {
  return p.evaluate((hidden) => {
    window.hiddenNow = hidden;
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (window.hiddenNow ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}
