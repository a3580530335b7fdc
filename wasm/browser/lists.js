// The JS half of live lists. A view mirrors one query of the Go cache: Go
// sends, once per flush, the JSON of the changed objects only (one
// JSON.parse for all of them), their slots, the removed slots and, when
// membership changed, the new order. Objects of untouched slots keep their
// identity across snapshots; every snapshot is frozen.
const listDecoder = new TextDecoder();
const u32 = (bytes) => (bytes ? new Uint32Array(bytes.slice().buffer) : null);
shim.listsView = (key, isObject) => shim.lists.view(key, isObject);
shim.listsListen = (v, id, fn) => shim.lists.listen(v, id, fn);
shim.listsUnlisten = (v, id) => shim.lists.unlisten(v, id);
shim.listsApply = (...a) => shim.lists.apply(...a);
shim.listsNotify = (v) => shim.lists.notify(v);
shim.u8new = (n) => new Uint8Array(n);
shim.lists = {
  view(key, isObject) {
    return { key, isObject, slots: new Map(), pos: new Map(), items: [], listeners: new Map(), snap: null };
  },
  listen(v, id, fn) {
    v.listeners.set(id, fn);
  },
  unlisten(v, id) {
    v.listeners.delete(id);
  },
  // apply moves the view to a new version; a full snapshot is an apply with
  // every object and the complete order. Returns the new snapshot.
  apply(v, json, slotBytes, clusters, removedBytes, orderBytes, meta, full) {
    if (full) {
      v.slots = new Map();
      v.items = [];
    }
    const objs = json ? JSON.parse(listDecoder.decode(json)) : [];
    const slots = u32(slotBytes);
    for (let i = 0; i < objs.length; i++) {
      objs[i].cluster = clusters[i];
      v.slots.set(slots[i], objs[i]);
    }
    for (const r of u32(removedBytes) || []) v.slots.delete(r);
    let items;
    const order = u32(orderBytes);
    if (order) {
      items = new Array(order.length);
      v.pos = new Map();
      for (let i = 0; i < order.length; i++) {
        items[i] = v.slots.get(order[i]);
        v.pos.set(order[i], i);
      }
    } else {
      items = v.items.slice();
      for (let i = 0; i < objs.length; i++) {
        const p = v.pos.get(slots[i]);
        if (p !== undefined) items[p] = objs[i];
      }
    }
    v.items = Object.freeze(items);
    const m = JSON.parse(meta);
    const lists = m.lists.map((l) => Object.freeze(l));
    const snap = {
      key: v.key,
      version: m.version,
      items: v.items,
      resourceVersion: lists.length === 1 ? lists[0].resourceVersion : '',
      resourceVersions: Object.fromEntries(lists.map((l) => [`${l.cluster}/${l.namespace}`, l.resourceVersion])),
      status: overall(lists),
      errors: Object.freeze(lists.filter((l) => l.error).map((l) => ({ cluster: l.cluster, namespace: l.namespace, message: l.error }))),
      lists: Object.freeze(lists),
      updatedAt: m.updatedAt,
    };
    if (v.isObject) {
      snap.object = v.items[0] ?? null;
      snap.deleted = lists.length === 1 && !!lists[0].deleted;
    }
    v.snap = Object.freeze(snap);
    return v.snap;
  },
  // notify calls every listener of the view with its snapshot; a listener
  // that throws is reported (reportError) and the others still run.
  notify(v) {
    for (const fn of [...v.listeners.values()]) {
      try {
        fn(v.snap);
      } catch (e) {
        if (typeof reportError === 'function') reportError(e);
        else console.error(e);
      }
    }
  },
};
// overall is the worst status of the lists: error > reconnecting > loading > stale > live.
function overall(lists) {
  const rank = { error: 4, reconnecting: 3, loading: 2, stale: 1, live: 0 };
  let worst = 'live';
  for (const l of lists) if (rank[l.status] > rank[worst]) worst = l.status;
  return lists.length ? worst : 'loading';
}
