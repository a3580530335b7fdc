// The resource kinds a cluster serves, read from its discovery documents
// (/api/v1, /apis, /apis/{group}/{version}) once per cluster.
import { useEffect, useState } from 'react';
import { getJSON } from './api.js';

/**
 * discover lists the cluster's top-level resources that can be listed and
 * watched: [{ group, version, resource, kind, namespaced }], the preferred
 * version of each group only. Subresources (pods/log) are left out.
 */
export async function discover(cluster) {
  const root = `/clusters/${encodeURIComponent(cluster)}`;
  const docs = [getJSON(`${root}/api/v1`, 'the core API discovery').then((d) => ({ group: '', version: 'v1', d }))];
  const groups = await getJSON(`${root}/apis`, 'the API groups');
  for (const g of groups.groups ?? []) {
    const gv = g.preferredVersion ?? g.versions?.[0];
    if (gv) docs.push(getJSON(`${root}/apis/${gv.groupVersion}`, `the discovery of ${gv.groupVersion}`).then((d) => ({ group: g.name, version: gv.version, d })));
  }
  const out = [];
  for (const { group, version, d } of await Promise.all(docs)) {
    for (const r of d.resources ?? []) {
      if (r.name.includes('/') || !(r.verbs ?? []).includes('list')) continue;
      out.push({ group, version, resource: r.name, kind: r.kind, namespaced: !!r.namespaced });
    }
  }
  return out;
}

/** useDiscovery is { resources: [...] | null (loading), error: '' | sentence } for one cluster. */
export function useDiscovery(cluster) {
  const [state, setState] = useState({ cluster: '', resources: null, error: '' });
  useEffect(() => {
    if (!cluster) return undefined;
    let live = true;
    discover(cluster)
      .then((resources) => live && setState({ cluster, resources, error: '' }))
      .catch((e) => live && setState({ cluster, resources: [], error: e.message }));
    return () => {
      live = false;
    };
  }, [cluster]);
  return state.cluster === cluster ? state : { cluster, resources: null, error: '' };
}
