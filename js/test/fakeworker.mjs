// A fake of one connection's worker side for tests of the page half of the
// worker host (RemoteClient): it answers init as worker.js does, records what
// the page sends, and lets a test send what worker.js would.

/** fakeWorker returns { connect, sent, ports, deaths, send(data) }. */
export function fakeWorker() {
  const w = { sent: [], ports: [], deaths: [] };
  w.connect = () => {
    const port = {
      onmessage: null,
      postMessage: (m) => {
        if (m.t === 'init') queueMicrotask(() => port.onmessage({ data: { t: 'ready', lock: '', stats: {} } }));
        else if (m.t === 'batch') w.sent.push(...m.msgs);
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
