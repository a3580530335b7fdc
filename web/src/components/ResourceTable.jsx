// A live table of objects. Rows keep their identity while unchanged, so a
// memoised row renders only when its object did. Headers sort (click: one
// way, click again: the other); arrows move between rows and Enter opens one.
import { memo } from 'react';
import { Empty } from './bits.jsx';

/** cellClass adds the column's priority: priority 2 hides below 700 px, 3 below 1000 px, 4 below 1400 px. */
const cellClass = (c) => `${c.className ?? ''} ${c.priority ? `prio-${c.priority}` : ''}`;

export function ResourceTable({ resource, items, showNamespace, onOpen, emptyText, sort, onSort }) {
  const columns = resource.columns.filter((c) => showNamespace || !c.allNamespacesOnly);
  if (!items.length) return <Empty>{emptyText}</Empty>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid={`table-${resource.id}`}>
        <thead>
          <tr>
            {columns.map((c) => {
              const dir = sort?.id === c.id ? sort.dir : '';
              return (
                <th key={c.id} className={cellClass(c)} aria-sort={dir ? (dir === 'asc' ? 'ascending' : 'descending') : undefined} data-col={c.id}>
                  {onSort && c.sort ? (
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
        <tbody onKeyDown={onOpen && moveFocus}>
          {items.map((o) => (
            <Row key={o.metadata.uid} object={o} columns={columns} onOpen={onOpen} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** moveFocus moves the focus between rows with the arrow keys (Home and End to the ends). */
function moveFocus(e) {
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
