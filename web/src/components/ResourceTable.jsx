// A live table of objects. Rows keep their identity while unchanged, so a
// memoised row renders only when its object did. Headers sort (click: one
// way, click again: the other); arrows move between rows and Enter opens one.
import { memo } from 'react';
import { Empty } from './bits.jsx';

/** cellClass adds the column's priority: priority 2 hides below 700 px, 3 below 1000 px, 4 below 1400 px. */
export const cellClass = (c) => `${c.className ?? ''} ${c.priority ? `prio-${c.priority}` : ''}`;

export function ResourceTable({ resource, items, showNamespace, onOpen, emptyText, sort, onSort }) {
  const columns = resource.columns.filter((c) => showNamespace || !c.allNamespacesOnly);
  if (!items.length) return <Empty>{emptyText}</Empty>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid={`table-${resource.id}`}>
        <SortHeader columns={columns} sort={sort} onSort={onSort} sortable={(c) => !!c.sort} />
        <tbody onKeyDown={onOpen && moveFocus}>
          {items.map((o) => (
            <Row key={o.metadata.uid} object={o} columns={columns} onOpen={onOpen} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** SortHeader is a table's head: a click on a sortable column's title sorts by it. */
export function SortHeader({ columns, sort, onSort, sortable }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => {
          const dir = sort?.id === c.id ? sort.dir : '';
          return (
            <th key={c.id} className={cellClass(c)} aria-sort={dir ? (dir === 'asc' ? 'ascending' : 'descending') : undefined} data-col={c.id}>
              {onSort && sortable(c) ? (
                <button type="button" className="th-sort" onClick={() => onSort(c)}>
                  {c.title}
                  <span className={`sort-mark ${dir ? '' : 'sort-idle'}`} aria-hidden="true">
                    {dir === 'desc' ? '↓' : '↑'}
                  </span>
                </button>
              ) : (
                c.title
              )}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}

/** moveFocus moves the focus between rows with the arrow keys (Home and End to the ends). */
export function moveFocus(e) {
  const row = e.target.closest('tr');
  if (!row) return;
  const next = { ArrowDown: row.nextElementSibling, ArrowUp: row.previousElementSibling, Home: row.parentElement.firstElementChild, End: row.parentElement.lastElementChild }[e.key];
  if (next) {
    e.preventDefault();
    next.focus();
  }
}

const Row = memo(function Row({ object, columns, onOpen }) {
  const open = onOpen ? () => onOpen(object) : undefined;
  return (
    <tr
      className={onOpen ? 'row-link' : undefined}
      data-name={object.metadata.name}
      onClick={open}
      onKeyDown={open && ((e) => e.key === 'Enter' && open())}
      tabIndex={onOpen ? 0 : undefined}
    >
      {columns.map((c) => (
        <td key={c.id} className={cellClass(c)}>
          {c.cell(object)}
        </td>
      ))}
    </tr>
  );
});
