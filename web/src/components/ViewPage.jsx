// One kind as a live view computed in Go: the filter (text and label
// selector), the sort and the window are the view's query, and only the
// rows in sight cross to the page. The table scrolls virtually: spacers
// stand for the rows above and below the window, which follows the scroll.
import { memo, useCallback, useContext, useMemo, useRef, useState } from 'react';
import { KubeliveContext, useKubeView } from '../../../js/src/react.js';
import { ALL, navigate } from '../route.js';
import { number } from '../format.js';
import { listQuery } from '../resources.jsx';
import { MIN_LIMIT, ROW_HEIGHT, windowAt } from '../view.js';
import { Empty, Icon } from './bits.jsx';
import { ConnectionBadge } from './ConnectionBadge.jsx';
import { ErrorBanner } from './ErrorBanner.jsx';
import { NotLoaded, Skeleton, useSort } from './ListPage.jsx';
import { cellClass, moveFocus, SortHeader } from './ResourceTable.jsx';

export function ViewPage({ resource, route }) {
  const kl = useContext(KubeliveContext);
  const ns = route.namespace === ALL ? '' : route.namespace;
  const [filter, setFilter] = useState('');
  const [selector, setSelector] = useState('');
  const [sort, onSort] = useSort(resource);
  const [win, setWin] = useState({ offset: 0, limit: MIN_LIMIT });
  const scroller = useRef(null);
  // Not deferred: the filtering is the view's, in Go; the page only sends the text (one update per frame).
  const text = filter.trim();
  const labels = selector.trim();
  const column = resource.columns.find((c) => c.id === sort.id && c.view);
  const base = listQuery(resource, route.cluster, ns);
  // A worker host cannot check a selector synchronously (its viewKey always answers): the view's
  // onError names the selector it refused, and the page shows that one as refused too.
  const [refused, setRefused] = useState(() => new Set());
  const onError = useCallback((e) => {
    const m = /where\.labelSelector ("(?:[^"\\]|\\.)*") is not a label selector/.exec(e?.message ?? '');
    let sel;
    try {
      sel = m && JSON.parse(m[1]);
    } catch {
      return; // a quoting JSON does not read: the view still refused it, the box just is not marked
    }
    if (typeof sel === 'string') setRefused((r) => new Set(r).add(sel));
  }, []);
  const make = (labelSelector) =>
    base && {
      ...base,
      ...resource.view,
      onError,
      where: { text, labelSelector, ...(resource.textIn && { textIn: resource.textIn }) },
      sort: column ? [{ by: column.view.by, desc: sort.dir === 'desc' }] : [],
      window: win,
    };
  // A selector the view refuses is shown as such; the table keeps the rest of the filter.
  const badSelector = !!(labels && kl && base && (refused.has(labels) || !kl.viewKey(make(labels))));
  const snap = useKubeView(make(badSelector ? '' : labels));
  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const next = windowAt(el.scrollTop, el.clientHeight);
    setWin((w) => (w.offset === next.offset && w.limit === next.limit ? w : next));
  };
  // Rows are keyed by their place in the window and memoised: a new text or window, which changes
  // most rows, updates the cells of each place's elements (none removed and made again), and as
  // onOpen and columns keep their identity, a place whose row the view kept is not rendered again.
  const at = useRef(route);
  at.current = route;
  const onOpen = useCallback((r) => navigate({ namespace: r.namespace || ALL, resource: resource.id, name: r.name, tab: '' }, at.current), [resource.id]);
  const lower = resource.title.toLowerCase();
  const filtered = !!(text || (labels && !badSelector));
  const rows = snap?.rows ?? [];
  const columns = useMemo(() => resource.columns.filter((c) => (!ns && resource.namespaced) || !c.allNamespacesOnly), [resource, ns]);
  const troubled = snap?.status === 'error' || snap?.status === 'reconnecting';
  const counts = Object.entries(snap?.countBy ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return (
    <section className="page" data-testid={`page-${resource.id}`}>
      <header className="page-head">
        <div className="page-title">
          <h1>{resource.title}</h1>
          <span className="count" data-testid="count">
            {snap ? (filtered ? `${fmt(snap.total)} of ${fmt(snap.count)}` : fmt(snap.total)) : ''}
          </span>
          {counts.map(([k, n]) => (
            <span key={k} className="count count-by" data-testid={`count-by-${k}`} title={`${k}: ${fmt(n)}`}>
              {k || 'none'} {fmt(n)}
            </span>
          ))}
          <ConnectionBadge snapshot={snap && { ...snap, errors: troubled && snap.lastError ? [snap.lastError] : [] }} />
        </div>
        <div className="filters">
          <label className="search">
            <Icon name="search" size={15} />
            <input type="search" placeholder={`Filter ${lower}…`} value={filter} onChange={(e) => setFilter(e.target.value)} data-filter="" aria-label={`Filter ${lower} (press /)`} />
            <kbd className="kbd">/</kbd>
          </label>
          <label className={`search selector ${badSelector ? 'search-bad' : ''}`}>
            <input
              type="search"
              placeholder="Label selector, e.g. app=web"
              value={selector}
              onChange={(e) => setSelector(e.target.value)}
              data-testid="label-selector"
              aria-label="Label selector"
              aria-invalid={badSelector}
              title={badSelector ? 'Not a label selector (e.g. app=web,tier!=db,env in (a,b))' : ''}
            />
          </label>
        </div>
      </header>
      <ErrorBanner
        errors={troubled && snap.lastError ? [snap.lastError] : []}
        bad={snap?.status === 'error'}
        prefix={snap?.status === 'error' ? '' : 'Resuming the watch after: '}
      />
      <div className="card">
        {!snap || (snap.status === 'loading' && !snap.count) ? (
          <Skeleton />
        ) : !snap.count && snap.status !== 'live' ? (
          <NotLoaded status={snap.status} what={lower} />
        ) : !snap.total ? (
          <Empty>{filtered ? `No ${lower} match the filter.` : `No ${lower} in ${ns ? `namespace ${ns}` : 'this cluster'}.`}</Empty>
        ) : (
          <div className="table-wrap vscroll" ref={scroller} onScroll={onScroll} data-testid="vscroll" key={`${route.cluster}/${ns}`}>
            <div style={{ height: snap.offset * ROW_HEIGHT }} />
            <table className="table vtable" data-testid={`table-${resource.id}`} data-total={snap.total} data-offset={snap.offset}>
              <SortHeader columns={columns} sort={sort} onSort={onSort} sortable={(c) => !!c.view} />
              <tbody onKeyDown={moveFocus}>
                {rows.map((r, i) => (
                  <Row key={i} row={r} columns={columns} onOpen={onOpen} />
                ))}
              </tbody>
            </table>
            <div style={{ height: Math.max(0, snap.total - snap.offset - rows.length) * ROW_HEIGHT }} />
          </div>
        )}
      </div>
    </section>
  );
}

const fmt = number;

const Row = memo(function Row({ row, columns, onOpen }) {
  const open = () => onOpen(row);
  return (
    <tr className="row-link" data-name={row.name} onClick={open} onKeyDown={(e) => e.key === 'Enter' && open()} tabIndex={0}>
      {columns.map((c) => (
        <td key={c.id} className={cellClass(c)}>
          {c.view ? c.view.cell(row) : null}
        </td>
      ))}
    </tr>
  );
});
