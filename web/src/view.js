// How the rows of a table without a live view are chosen and ordered, in
// the browser. A kind that defines a view (resources.jsx: the pods) is
// filtered, sorted and windowed in Go instead (components/ViewPage.jsx).

/** compare orders two cell keys: numbers numerically, the rest as text (numeric-aware). */
function compare(a, b) {
  if (a == null || a === '') return b == null || b === '' ? 0 : 1;
  if (b == null || b === '') return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true, sensitivity: 'base' });
}

/**
 * viewRows returns the rows to show: items whose text contains needle (lower
 * case; '' keeps all), ordered by column.sort in dir ('asc' | 'desc'). Empty
 * keys sort last either way; ties keep the cache's order (namespace, name).
 * It never mutates items.
 */
export function viewRows(items, { needle = '', column = null, dir = 'asc' } = {}) {
  const kept = needle ? items.filter((o) => searchText(o).includes(needle)) : items;
  if (!column?.sort) return kept;
  const sign = dir === 'desc' ? -1 : 1;
  const keyed = kept.map((o, i) => ({ o, i, k: column.sort(o) }));
  keyed.sort((x, y) => {
    const empty = (v) => v == null || v === '';
    if (empty(x.k) !== empty(y.k)) return empty(x.k) ? 1 : -1;
    return sign * compare(x.k, y.k) || x.i - y.i;
  });
  return keyed.map((x) => x.o);
}

function searchText(o) {
  return `${o.metadata?.name ?? ''} ${o.metadata?.namespace ?? ''} ${o.message ?? ''} ${o.reason ?? ''}`.toLowerCase();
}
