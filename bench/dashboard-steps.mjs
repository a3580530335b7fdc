// The steps both dashboard benches take on the Pods page of All namespaces
// (dashboard-scale.mjs, dashboard-profile.mjs): 12 texts typed in the
// filter box, then 10 jumps of the scroll position, each timed to the
// change on the page it causes (the filtered count's number, the window's
// offset), or null after STEP_MS without one.

const STEP_MS = 10000;
const COUNT = '[data-testid=page-pods] [data-testid=count]';

/**
 * TEXTS are characters of generated pod names (no 0, 1 or 3 there): each
 * changes the filtered count.
 */
const TEXTS = ['2', '24', '245', '24', '2', '', '9', '', '7', '78', '7', ''];

/**
 * steps types TEXTS and makes the jumps on page p of n pods. Each step's
 * figure is { ms, pageMs }: ms from node, before the act, to the change
 * seen (playwright's fill and its actionability checks included), and
 * pageMs in the page, from the input event (or the scroll's start) to the
 * animation frame whose callbacks first see the change (the frame that
 * paints it). Every step is marked "step i start" and "step i end" in a
 * Chromium trace (console.timeStamp). The count is read as its first
 * number (the objects that pass the filter), not as its text: its text
 * changes as soon as a filter is typed ("N of N"), before any view answers.
 */
export async function steps(p, n) {
  await p.evaluate(() => {
    document.addEventListener('input', (e) => (window.benchStart = e.timeStamp), true);
  });
  let i = 0;
  const step = async (act, read, arg) => {
    const before = await p.evaluate(read, arg);
    const mark = i++;
    await p.evaluate((m) => console.timeStamp(m), `step ${mark} start`);
    const s = Date.now();
    await act();
    const changed = ([f, b, a, m]) => {
      if (new Function('a', `return (${f})(a)`)(a) === b) return false;
      console.timeStamp(m);
      window.benchSeen = performance.now();
      return true;
    };
    const ok = await p.waitForFunction(changed, [read.toString(), before, arg, `step ${mark} end`], { timeout: STEP_MS, polling: 'raf' }).then(() => true, () => false);
    if (!ok) return { ms: null, pageMs: null };
    const ms = Date.now() - s;
    const pageMs = await p.evaluate(() => Math.round(window.benchSeen - window.benchStart));
    return { ms, pageMs };
  };
  const total = (sel) => (document.querySelector(sel)?.textContent ?? '').split(' ')[0];
  const keys = [];
  for (const t of TEXTS) keys.push([t, await step(() => p.fill('[data-filter]', t), total, COUNT)]);
  const offset = () => document.querySelector('[data-testid=table-pods]')?.dataset.offset;
  const jumps = [];
  for (const row of [n / 2, n / 4, (3 * n) / 4, 100, n - 200, n / 3, n / 5, (2 * n) / 3, 5000, n / 8]) {
    const jump = () =>
      p.$eval('[data-testid=vscroll]', (el, r) => {
        window.benchStart = performance.now();
        el.scrollTop = r * 37;
        el.dispatchEvent(new Event('scroll'));
      }, row);
    jumps.push([Math.round(row), await step(jump, offset)]);
  }
  return { keys, jumps };
}

/** quantile q (0..1) of the times that came (nulls are timeouts, left out), nearest rank. */
export const quantile = (xs, q) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : null;
};

/** figures are the medians and p90s of steps' keys and jumps, from node (ms) and in the page (pageMs). */
export function figures({ keys, jumps }) {
  const of = (xs, f) => ({ median: quantile(xs.map((x) => x[1][f]), 0.5), p90: quantile(xs.map((x) => x[1][f]), 0.9) });
  return { keys: of(keys, 'ms'), keysInPage: of(keys, 'pageMs'), jumps: of(jumps, 'ms'), jumpsInPage: of(jumps, 'pageMs') };
}
