// One resource kind as a live table, with its own connection badge, a name
// filter ('/' focuses it) and sortable columns.
import { useDeferredValue, useState } from 'react';
import { useKubeList } from '../../../js/src/react.js';
import { ALL, navigate } from '../route.js';
import { listQuery } from '../resources.jsx';
import { viewRows } from '../view.js';
import { Icon } from './bits.jsx';
import { ConnectionBadge } from './ConnectionBadge.jsx';
import { ErrorBanner } from './ErrorBanner.jsx';
import { ResourceTable } from './ResourceTable.jsx';
import { ViewPage } from './ViewPage.jsx';

/** useSort is the table's { id, dir } and a header click: ascending first (descending for times), then the other way. */
export function useSort(resource) {
  // No column picked: the cache's order (namespace, then name).
  const [sort, setSort] = useState(resource.defaultSort ?? { id: '', dir: 'asc' });
  const onSort = (column) =>
    setSort((s) => (s.id === column.id ? { id: s.id, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { id: column.id, dir: column.desc ? 'desc' : 'asc' }));
  return [sort, onSort];
}

/** ListPage is one kind's table: a live view computed in Go when the kind defines one, else the whole list. */
export function ListPage(props) {
  return props.resource.view ? <ViewPage {...props} /> : <ObjectListPage {...props} />;
}

function ObjectListPage({ resource, route }) {
  const ns = route.namespace === ALL ? '' : route.namespace;
  const snap = useKubeList(listQuery(resource, route.cluster, ns));
  const [filter, setFilter] = useState('');
  const [sort, onSort] = useSort(resource);
  const needle = useDeferredValue(filter.trim().toLowerCase());
  const items = snap?.items ?? [];
  const column = resource.columns.find((c) => c.id === sort.id);
  const shown = viewRows(items, { needle, column, dir: sort.dir });
  const onOpen = (o) => navigate({ namespace: o.metadata.namespace || ALL, resource: resource.id, name: o.metadata.name, tab: '' }, route);
  const lower = resource.title.toLowerCase();
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
          <input type="search" placeholder={`Filter ${lower}…`} value={filter} onChange={(e) => setFilter(e.target.value)} data-filter="" aria-label={`Filter ${lower} (press /)`} />
          <kbd className="kbd">/</kbd>
        </label>
      </header>
      <ErrorBanner errors={snap?.errors} bad={snap?.status === 'error'} prefix={snap?.status === 'error' ? '' : 'Resuming the watch after: '} />
      <div className="card">
        {!snap || (snap.status === 'loading' && !items.length) ? (
          <Skeleton />
        ) : !items.length && snap.status !== 'live' ? (
          <NotLoaded status={snap.status} what={lower} />
        ) : (
          <ResourceTable
            resource={resource}
            items={shown}
            showNamespace={!ns && resource.namespaced}
            onOpen={onOpen}
            sort={sort}
            onSort={onSort}
            emptyText={needle ? `No ${lower} match “${filter}”.` : `No ${lower} in ${ns && resource.namespaced ? `namespace ${ns}` : 'this cluster'}.`}
          />
        )}
      </div>
    </section>
  );
}

/** NotLoaded stands for a list the server has not confirmed: never claim that there is nothing. */
export function NotLoaded({ status, what }) {
  return (
    <div className="empty" data-testid="not-loaded">
      {status === 'stale' ? 'No data confirmed recently.' : `Could not load ${what} yet.`}
    </div>
  );
}

export function Skeleton() {
  return (
    <div className="skeleton" aria-busy="true">
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className="skeleton-row" />
      ))}
    </div>
  );
}
