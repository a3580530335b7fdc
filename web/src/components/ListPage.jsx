// One resource kind as a live table, with its own connection badge and a name filter.
import { useDeferredValue, useState } from 'react';
import { useKubeList } from '../../../js/src/react.js';
import { ALL, navigate } from '../route.js';
import { listQuery } from '../resources.jsx';
import { Icon } from './bits.jsx';
import { ConnectionBadge } from './ConnectionBadge.jsx';
import { ErrorBanner } from './ErrorBanner.jsx';
import { ResourceTable } from './ResourceTable.jsx';

export function ListPage({ resource, route }) {
  const ns = route.namespace === ALL ? '' : route.namespace;
  const snap = useKubeList(listQuery(resource, route.cluster, ns));
  const [filter, setFilter] = useState('');
  const needle = useDeferredValue(filter.trim().toLowerCase());
  const items = snap?.items ?? [];
  const shown = needle ? items.filter((o) => o.metadata.name.toLowerCase().includes(needle) || (o.message ?? '').toLowerCase().includes(needle)) : items;
  const onOpen = resource.linkToDetail ? (o) => navigate({ namespace: o.metadata.namespace, resource: resource.id, name: o.metadata.name, tab: 'logs' }, route) : undefined;
  return (
    <section className="page" data-testid={`page-${resource.id}`}>
      <header className="page-head">
        <div className="page-title">
          <h1>{resource.title}</h1>
          <span className="count" data-testid="count">
            {needle ? `${shown.length} of ${items.length}` : items.length}
          </span>
          <ConnectionBadge snapshot={snap} />
        </div>
        <label className="search">
          <Icon name="search" size={15} />
          <input type="search" placeholder={`Filter ${resource.title.toLowerCase()}…`} value={filter} onChange={(e) => setFilter(e.target.value)} />
        </label>
      </header>
      <ErrorBanner errors={snap?.errors} bad={snap?.status === 'error'} prefix={snap?.status === 'error' ? '' : 'Resuming the watch after: '} />
      <div className="card">
        {!snap || (snap.status === 'loading' && !items.length) ? (
          <Skeleton />
        ) : !items.length && snap.status !== 'live' ? (
          // Not confirmed by the server: never claim that there is nothing.
          <div className="empty" data-testid="not-loaded">
            {snap.status === 'stale' ? 'No data confirmed recently.' : `Could not load ${resource.title.toLowerCase()} yet.`}
          </div>
        ) : (
          <ResourceTable
            resource={resource}
            items={shown}
            showNamespace={!ns}
            onOpen={onOpen}
            emptyText={needle ? `No ${resource.title.toLowerCase()} match “${filter}”.` : `No ${resource.title.toLowerCase()} in ${ns ? `namespace ${ns}` : 'this cluster'}.`}
          />
        )}
      </div>
    </section>
  );
}

function Skeleton() {
  return (
    <div className="skeleton" aria-busy="true">
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className="skeleton-row" />
      ))}
    </div>
  );
}
