// A fake of one connection's worker side for tests of the page half of the
// worker host (RemoteClient): it answers init as worker.js does, records what
// the page sends, and lets a test send what worker.js would.

/**
 * fakeWorker returns { connect, sent, ports, deaths, send(data) }; ready is
 * merged into each 'ready' it answers (e.g. { beatMs: 1000 }); what the page
 * posts outside a batch (its beats) is counted in w.direct.
 */
export function fakeWorker(ready = {}) {
  const w = { sent: [], ports: [], deaths: [], direct: [] };
  w.connect = () => {
    const port = {
      onmessage: null,
      postMessage: (m) => {
        if (m.t === 'init') queueMicrotask(() => port.onmessage({ data: { t: 'ready', lock: '', stats: {}, ...ready } }));
        else if (m.t === 'batch') w.sent.push(...m.msgs);
        else w.direct.push({ port: w.ports.indexOf(port), m });
      },
      start() {},
    };
    w.ports.push(port);
    return { port, onDeath: (fn) => w.deaths.push(fn), stop() {} };
  };
  /** send delivers one message from the worker to the page on the latest port. */
  w.send = (data) => w.ports.at(-1).onmessage({ data });
  return w;
}

/** until waits (bounded, 2 s) for fn to hold. */
export async function until(fn, what) {
  const deadline = Date.now() + 2000;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * fakeClock is a clock for beat.js that a test moves by hand: advance(ms)
 * runs every timer due on the way, in order, each on time; jump(ms) moves
 * at once and runs each due timer once, late (a throttled or frozen page).
 */
export function fakeClock() {
  const c = { t: 0, timers: new Set() };
  c.now = () => c.t;
  c.every = (ms, fn) => {
    const x = { ms, fn, next: c.t + ms };
    c.timers.add(x);
    return () => c.timers.delete(x);
  };
  c.advance = (ms) => {
    const end = c.t + ms;
    for (;;) {
      let due = null;
      for (const x of c.timers) if (x.next <= end && (!due || x.next < due.next)) due = x;
      if (!due) break;
      c.t = due.next;
      due.next += due.ms;
      due.fn();
    }
    c.t = end;
  };
  c.jump = (ms) => {
    c.t += ms;
    for (const x of [...c.timers]) {
      if (x.next > c.t || !c.timers.has(x)) continue;
      x.next = c.t + x.ms;
      x.fn();
    }
  };
  return c;
}
