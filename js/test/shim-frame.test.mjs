// The wasm adapter's frame() in a worker (no document): how long the cache's
// next flush waits, by what the last one cost and how long ago it ended. Evaluated from
// wasm/browser/shim.js as NewShim does, with a fake clock and timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const SRC = readFileSync(new URL('../../wasm/browser/shim.js', import.meta.url), 'utf8');

function workerShim() {
  const clock = { now: 0 };
  const timers = [];
  const fakeTimeout = (fn, ms) => timers.push({ fn, ms });
  // eslint-disable-next-line no-new-func
  const shim = new Function('setTimeout', 'performance', `${SRC}\nreturn shim;`)(fakeTimeout, { now: () => clock.now });
  return { shim, clock, timers };
}

test('a worker flush after a quiet spell and a cheap flush runs on the next task; otherwise it waits as long as the last one took (2 to 16 ms)', () => {
  assert.equal(globalThis.document, undefined, 'the worker branch: no document');
  const { shim, clock, timers } = workerShim();
  const h = { fn: null };
  // [ms since the last flush ended, what this flush costs, the wait frame() asks for]
  const steps = [
    [0, 0.5, 0], // the first flush: nothing known yet, at once
    [0, 0.5, 2], // right after a cheap flush (a stream): at least 2 ms
    [20, 5, 0], // a quiet spell after a cheap flush: at once
    [20, 1.5, 5], // after a 5 ms flush, even quiet: 5 ms
    [0, 40, 2], // after a 1.5 ms flush: at least 2 ms
    [100, 0.2, 16], // after a 40 ms flush: at most one frame
    [16, 0, 0], // quiet, cheap again: at once
    [15, 0, 2], // not quiet for a whole frame: 2 ms
  ];
  for (const [i, [idle, cost, wait]] of steps.entries()) {
    clock.now += idle;
    let ran = 0;
    h.fn = () => {
      ran++;
      clock.now += cost;
    };
    shim.frame(h);
    assert.equal(timers.length, 1, `step ${i}: one timer`);
    const t = timers.pop();
    assert.equal(t.ms, wait, `step ${i}: the wait`);
    clock.now += t.ms;
    t.fn();
    assert.equal(ran, 1, `step ${i}: the flush ran once`);
  }
});
