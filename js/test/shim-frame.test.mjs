// The wasm adapter's frame() in a worker (no document): how long the cache's
// next flush waits after the last one, by what that one cost. Evaluated from
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

test('a worker flush runs on the next task after a cheap flush, and waits as long as a costly one took (2 to 16 ms)', () => {
  assert.equal(globalThis.document, undefined, 'the worker branch: no document');
  const { shim, clock, timers } = workerShim();
  const h = { fn: null };
  // [what the flush costs, the wait the next frame() asks for]
  const steps = [
    [0.5, 0], // the first flush: nothing known yet, at once
    [5, 0], // after the 0.5 ms flush: at once
    [1.5, 5], // after a 5 ms flush: 5 ms
    [40, 2], // after a 1.5 ms flush: at least 2 ms
    [0.2, 16], // after a 40 ms flush: at most one frame
    [0, 0], // cheap again: at once
  ];
  for (const [i, [cost, wait]] of steps.entries()) {
    let ran = 0;
    h.fn = () => {
      ran++;
      clock.now += cost;
    };
    shim.frame(h);
    assert.equal(timers.length, 1, `step ${i}: one timer`);
    const t = timers.pop();
    assert.equal(t.ms, wait, `step ${i}: the wait after the last flush`);
    t.fn();
    assert.equal(ran, 1, `step ${i}: the flush ran once`);
  }
});
