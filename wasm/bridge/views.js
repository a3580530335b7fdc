// The JS half of live views. A mirror is one watchView: Go hands it, once
// per change, one JSON string holding the window's rows in order (and the
// lists' statuses as watchList snapshots carry them), where a
// row the mirror showed before and that did not change is null (found
// again by its slot), so unchanged rows keep their identity. Every
// snapshot and row is frozen.
shim.viewsMirror = (key, fn) => ({ key, fn, rows: new Map(), snap: null, last: null });
shim.viewsRekey = (m, key) => {
  m.key = key;
};
shim.viewsApply = (m, text, meta) => {
  const s = JSON.parse(text);
  const lists = JSON.parse(meta).lists.map((l) => {
    if (l.error) Object.freeze(l.error);
    if (l.lastError) Object.freeze(l.lastError);
    return Object.freeze(l);
  });
  const rows = new Array(s.slots.length);
  const next = new Map();
  for (let i = 0; i < rows.length; i++) {
    const r = s.rows[i] === null ? m.rows.get(s.slots[i]) : Object.freeze(s.rows[i]);
    rows[i] = r;
    next.set(s.slots[i], r);
  }
  m.rows = next;
  m.snap = Object.freeze({
    key: m.key,
    rows: Object.freeze(rows),
    total: s.total,
    count: s.count,
    offset: s.offset,
    version: s.version,
    status: s.status,
    lastError: s.lastError ? Object.freeze(s.lastError) : null,
    countBy: s.countBy ? Object.freeze(s.countBy) : null,
    lists: Object.freeze(lists),
  });
};
// viewsNotify calls the mirror's listener once per new snapshot; a throw
// is reported (reportError), never passed to Go.
shim.viewsNotify = (m) => {
  if (!m.fn || !m.snap || m.last === m.snap) return;
  m.last = m.snap;
  try {
    m.fn(m.snap);
  } catch (e) {
    if (typeof reportError === 'function') reportError(e);
    else console.error(e);
  }
};
shim.viewsClose = (m) => {
  m.fn = null;
};
// viewsObject parses one whole object, only when asked for.
shim.viewsObject = (text, cluster) => {
  const o = JSON.parse(text);
  o.cluster = cluster;
  return o;
};
