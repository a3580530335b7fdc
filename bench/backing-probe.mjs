// backing-probe measures what Runtime.getHeapUsage's backingStorageSize
// counts in this Chromium, on a blank page: a WebAssembly.Memory (every
// byte written), an ArrayBuffer, and distinct strings from TextDecoder (Blink
// makes them external strings). bench/run.mjs counts P4 from the answer.
//   node bench/backing-probe.mjs
import { launch } from '../e2e/lib.mjs';

const browser = await launch();
try {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto('about:blank');
  const cdp = await ctx.newCDPSession(page);
  let last = null;
  const step = async (what, fn) => {
    if (fn) await page.evaluate(fn);
    await cdp.send('HeapProfiler.collectGarbage');
    const h = await cdp.send('Runtime.getHeapUsage');
    const d = (k) => (last ? ` (+${((h[k] - last[k]) / 1e6).toFixed(1)})` : '');
    console.log(`${what.padEnd(52)} usedSize ${(h.usedSize / 1e6).toFixed(1)} MB${d('usedSize')}, backingStorageSize ${(h.backingStorageSize / 1e6).toFixed(1)} MB${d('backingStorageSize')}`);
    last = h;
  };
  await step('blank');
  await step('a 65.5 MB WebAssembly.Memory, every byte written', () => {
    window.mem = new WebAssembly.Memory({ initial: 1000 });
    new Uint8Array(window.mem.buffer).fill(1);
  });
  await step('a 20 MB Uint8Array', () => {
    window.ab = new Uint8Array(20e6).fill(2);
  });
  await step('10,000 distinct 3 KB strings from TextDecoder', () => {
    const d = new TextDecoder();
    const b = new TextEncoder().encode(`{"a":"${'x'.repeat(3000)}"}`);
    window.strs = [];
    for (let i = 0; i < 10000; i++) {
      const c = b.slice();
      c[7] = 65 + (i % 26);
      c[8] = 65 + (Math.floor(i / 26) % 26);
      c[9] = 65 + (Math.floor(i / 676) % 26);
      window.strs.push(d.decode(c));
    }
  });
} finally {
  await browser.close();
}
