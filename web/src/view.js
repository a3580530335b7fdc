// How the rows of a table without a live view are chosen and ordered, in
// the browser; a kind that defines a view (resources.jsx) is filtered,
// sorted and windowed in Go instead (components/ViewPage.jsx), in the window
// of rows windowAt picks for the scroll position. And how a CRD's printer
// column becomes a view expression.

/**
 * ROW_HEIGHT is every row's height in px (styles.css .vtable); OVERSCAN rows
 * are kept beyond each edge; STEP is how far (in rows) the window's offset
 * moves at a time; MIN_LIMIT is the window before the table is measured.
 * Every row in the window is rendered, laid out and painted on each new
 * window or text, so the window is the rows in sight and little more.
 */
export const ROW_HEIGHT = 37;
const OVERSCAN = 10;
const STEP = 10;
export const MIN_LIMIT = 50;

/**
 * windowAt is the window for a scroll position: offsets move in steps of
 * STEP rows, so a scroll asks for a new window now and then, not per pixel;
 * the window holds the rows in sight with OVERSCAN more at each edge
 * (limit: the rows in sight, 2 x OVERSCAN and the STEP - 1 rows the offset
 * may be behind).
 */
export function windowAt(scrollTop, height) {
  const first = Math.floor(scrollTop / ROW_HEIGHT);
  const offset = Math.max(0, Math.floor((first - OVERSCAN) / STEP) * STEP);
  const limit = Math.max(MIN_LIMIT, Math.ceil(height / ROW_HEIGHT) + 2 * OVERSCAN + STEP);
  return { offset, limit };
}

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

/**
 * viewPath turns a printer column's JSONPath into a view expression: keys
 * (.spec.size, ['a.b']), [0] as the first value and [?(@.type=="Ready")] as
 * a filter; null for anything else (the kind is then listed, not viewed).
 */
export function viewPath(path) {
  const parts = [];
  let many = false;
  const word = /^[A-Za-z0-9_-]+$/;
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^'\\]*)'\]|\[\?\(@\.([A-Za-z0-9_-]+)\s*==\s*(?:"([^"\\]*)"|'([^'\\]*)')\)\]/y;
  const text = path.startsWith('.') || path.startsWith('[') ? path : `.${path}`;
  re.lastIndex = 0;
  while (re.lastIndex < text.length) {
    const m = re.exec(text);
    if (!m) return null;
    if (m[1] !== undefined) parts.push(`${parts.length ? '.' : ''}${m[1]}`);
    else if (m[2] !== undefined) {
      if (m[2] !== '0') return null;
      parts.push('[*]');
      many = true;
    } else if (m[3] !== undefined) parts.push(word.test(m[3]) ? `${parts.length ? '.' : ''}${m[3]}` : `[${JSON.stringify(m[3])}]`);
    else {
      parts.push(`[${m[4]}=${JSON.stringify(m[5] ?? m[6])}]`);
      many = true;
    }
  }
  if (!parts.length) return null;
  return many ? `${parts.join('')}|first` : parts.join('');
}
