// A tiny hash router: #/<cluster>/<namespace|_all>/<resource>[/<name>[/<tab>]].
import { useSyncExternalStore } from 'react';

export const ALL = '_all';

function subscribe(cb) {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

const getHash = () => location.hash;

/** parseRoute turns a hash into { cluster, namespace, resource, name, tab }; '' where absent. */
export function parseRoute(hash) {
  const [cluster = '', namespace = '', resource = '', name = '', tab = ''] = hash
    .replace(/^#\/?/, '')
    .split('/')
    .map((s) => decodeURIComponent(s));
  return { cluster, namespace: namespace || ALL, resource: resource || 'pods', name, tab };
}

/** href builds the hash of a route, keeping unspecified parts of `from`. */
export function href(to, from = {}) {
  const r = { ...from, ...to };
  const parts = [r.cluster, r.namespace || ALL, r.resource || 'pods'];
  if (r.name) parts.push(r.name, ...(r.tab ? [r.tab] : []));
  return '#/' + parts.map(encodeURIComponent).join('/');
}

export function useRoute() {
  return parseRoute(useSyncExternalStore(subscribe, getHash, getHash));
}

export function navigate(to, from) {
  location.hash = href(to, from);
}
