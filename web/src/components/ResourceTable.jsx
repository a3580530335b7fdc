// A live table of objects. Items arrive sorted from the cache and keep their
// identity while unchanged, so a memoised row renders only when its object did.
import { memo } from 'react';
import { Empty } from './bits.jsx';

export function ResourceTable({ resource, items, showNamespace, onOpen, emptyText }) {
  const columns = resource.columns.filter((c) => showNamespace || !c.allNamespacesOnly);
  if (!items.length) return <Empty>{emptyText}</Empty>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid={`table-${resource.id}`}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.id} className={c.className}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((o) => (
            <Row key={o.metadata.uid} object={o} columns={columns} onOpen={onOpen} />
          ))}
        </tbody>
      </table>
    </div>
  );
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
        <td key={c.id} className={c.className}>
          {c.cell(object)}
        </td>
      ))}
    </tr>
  );
});
