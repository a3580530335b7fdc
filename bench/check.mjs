// The bench driver's check that a kubelive contender ran where and how its
// name says. Pure: no I/O, no globals (js/test/bench-check.test.mjs).

export const MSGPACK = 'kubelive.mux.v1.msgpack';
export const HEADLAMP = 'headlamp.multiplexer.k8s.io';

/**
 * expectedRun is what a kubelive page loaded with query (the contender's
 * query string: ?host= and ?mux=) must report: its host, and the
 * multiplexer's subprotocol ('' for per-URL sockets).
 */
export function expectedRun(query) {
  const q = new URLSearchParams(query);
  const mux = q.get('mux');
  return { host: q.get('host') || 'page', protocol: mux === 'on' ? MSGPACK : mux === 'json' ? HEADLAMP : '' };
}

/**
 * checkRun throws unless stats (the page client's stats(), fresh from the
 * worker in a worker host) show that contender name, loaded with query, ran
 * in the host it asked for and over the framing it asked for: a worker
 * contender that ran on the page, or a mux contender that fell back to
 * per-URL sockets, measured something else, and the run must not report it.
 */
export function checkRun(name, query, stats) {
  const want = expectedRun(query);
  const mx = stats?.multiplexer ?? {};
  const got = { host: stats?.host, protocol: mx.mode === 'mux' ? (mx.protocol ?? '') : '' };
  if (stats?.stale) throw new Error(`${name}: the worker did not report its stats within 10 s, so where it ran is unknown`);
  if (got.host === want.host && got.protocol === want.protocol) return;
  const ran = `host ${JSON.stringify(got.host ?? null)} with ${got.protocol ? `the multiplexer over ${got.protocol}` : `per-URL sockets (multiplexer ${JSON.stringify(mx.mode ?? null)}${mx.reason ? `: ${mx.reason}` : ''})`}`;
  const wanted = `host ${JSON.stringify(want.host)} with ${want.protocol ? `the multiplexer over ${want.protocol}` : 'per-URL sockets'}`;
  throw new Error(`${name} ran in ${ran}, not in ${wanted}: its figures would measure another setup`);
}
