// The bench driver's check that a kubelive contender ran where and how its
// name says. Pure: no I/O, no globals (js/test/bench-check.test.mjs).

export const MSGPACK = 'kubelive.mux.v1.msgpack';
export const HEADLAMP = 'headlamp.multiplexer.k8s.io';

/**
 * expectedRun is what kubelive contender name (e.g. kubelive-worker-mux-json,
 * or with @other) must report, read from its name alone, so that a query
 * that asks for another host fails too: '-worker' runs in a SharedWorker,
 * else on the page; '-mux-json' over Headlamp's JSON framing, '-mux' over
 * msgpack, else per-URL sockets ('' protocol).
 */
export function expectedRun(name) {
  const parts = name.split('@')[0].split('-');
  const mux = parts.indexOf('mux');
  return { host: parts.includes('worker') ? 'shared-worker' : 'page', protocol: mux < 0 ? '' : parts[mux + 1] === 'json' ? HEADLAMP : MSGPACK };
}

/**
 * checkRun throws unless stats (the page client's stats(), fresh from the
 * worker in a worker host) show that contender name ran in the host and
 * over the framing its name says: a worker contender that ran on the page,
 * or a mux contender that fell back to per-URL sockets, measured something
 * else, and the run must not report it.
 */
export function checkRun(name, stats) {
  const want = expectedRun(name);
  const mx = stats?.multiplexer ?? {};
  const got = { host: stats?.host, protocol: mx.mode === 'mux' ? (mx.protocol ?? '') : '' };
  if (stats?.stale) throw new Error(`${name}: the worker did not report its stats within 10 s, so where it ran is unknown`);
  if (got.host === want.host && got.protocol === want.protocol) return;
  const ran = `host ${JSON.stringify(got.host ?? null)} with ${got.protocol ? `the multiplexer over ${got.protocol}` : `per-URL sockets (multiplexer ${JSON.stringify(mx.mode ?? null)}${mx.reason ? `: ${mx.reason}` : ''})`}`;
  const wanted = `host ${JSON.stringify(want.host)} with ${want.protocol ? `the multiplexer over ${want.protocol}` : 'per-URL sockets'}`;
  throw new Error(`${name} ran in ${ran}, not in ${wanted}: its figures would measure another setup`);
}
