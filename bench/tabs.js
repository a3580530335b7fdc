// P8: one tab of several sharing one client in the worker host: it watches
// the same 3 lists as every other tab (the bench list and two empty ones)
// and is done when all 3 are live. ?mux=on|off, ?host= (default shared-worker).
import { load } from '/js/src/index.js';
import { main, params } from './common.js';

const NAMESPACES = ['bench', 'p8-b', 'p8-c'];

main(async () => {
  const kl = await load({ wasmURL: params.get('wasm') || '/dist/bench/kubelive.wasm', multiplexer: params.get('mux') || 'off', host: params.get('host') || 'shared-worker', workerURL: '/js/src/worker.js' });
  window.kl = kl;
  const items = await Promise.all(
    NAMESPACES.map(
      (namespace) =>
        new Promise((resolve) => {
          kl.watchList({ lists: [{ cluster: 'bench', namespace }], endpoint: { version: 'v1', resource: 'pods' }, onError: (e) => console.error(e) }, (s) => {
            if (s.status === 'live') resolve(s.items.length);
          });
        }),
    ),
  );
  return { host: kl.stats().host, items };
});
