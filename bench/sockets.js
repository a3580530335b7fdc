// P3: browser sockets for 3 clusters x 10 namespaces x 3 resources, one
// watchList per resource over the 30 lists. ?mux= as in kubelive.js.
import { load } from '/js/src/index.js';
import { main, params } from './common.js';

const RESOURCES = [
  { version: 'v1', resource: 'pods' },
  { version: 'v1', resource: 'services' },
  { group: 'apps', version: 'v1', resource: 'deployments' },
];

main(async () => {
  const kl = await load({ wasmURL: params.get('wasm') || '/dist/bench/kubelive.wasm', multiplexer: params.get('mux') || 'off', host: 'page' });
  window.kl = kl;
  const lists = [];
  for (let c = 0; c < 3; c++) for (let n = 0; n < 10; n++) lists.push({ cluster: `c${c}`, namespace: `ns${n}` });
  const live = RESOURCES.map(
    (endpoint) =>
      new Promise((resolve) => {
        kl.watchList({ lists, endpoint, onError: (e) => console.error(e) }, (s) => {
          if (s.status === 'live' && s.lists.length === lists.length && s.lists.every((l) => l.status === 'live')) resolve();
        });
      }),
  );
  await Promise.all(live);
  // Watches open after their LISTs: wait until the socket count settles.
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const n = kl.stats().browserSockets.live;
    if (n === last && n > 0) break;
    last = n;
    await new Promise((r) => setTimeout(r, 100));
  }
  const s = kl.stats();
  return { lists: lists.length * RESOURCES.length, browserSockets: s.browserSockets, sockets: s.sockets.length };
});
