// The JS half of live lists. A view mirrors one query of the Go cache: Go
// sends, once per flush, the JSON of the changed objects only, their slots,
// the removed slots and, when membership changed, the new order. Objects of
// untouched slots keep their identity across snapshots; every snapshot is
// frozen. A lazy view (after listsLazy: the page host's) makes each object
// with the LazyObjects it was given (js/src/lazy.js) from its JSON and its
// members' spans: a frozen object whose members are parsed on first read;
// a view made before holds each change's objects JSON.parse'd in one call.
// A raw view (the worker host's) holds no object's JSON: Go sends it slots
// only, and each object version is a handle (handlesOf) whose JSON the
// worker asks Go for when a page needs it. The query's status comes from Go
// (live.Overall) with the meta of each flush.
// Evaluated with the shim (browser.NewShim), whose object it extends.
const listDecoder = new TextDecoder();
// u32 reads little-endian uint32s: a view of bytes when they start on a
// 4-byte boundary (Go's u8new arrays do: an order of 50,000 slots is not
// copied again), else a copy.
const u32 = (bytes) => {
  if (!bytes) return null;
  return bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2) : new Uint32Array(bytes.slice().buffer);
};
shim.listsView = (key, isObject) => shim.lists.view(key, isObject);
shim.listsListen = (v, id, fn, onError) => shim.lists.listen(v, id, fn, onError);
shim.listsUnlisten = (v, id) => shim.lists.unlisten(v, id);
// listsApply answers whether the view took the change (a boolean: no
// snapshot object crosses back into Go per flush).
shim.listsApply = (...a) => shim.lists.apply(...a) !== undefined;
shim.listsAdd = (...a) => shim.lists.add(...a);
shim.listsNotify = (v) => shim.lists.notify(v);
shim.listsRaw = () => {
  shim.lists.raw = true;
};
shim.listsLazy = (lazy) => {
  shim.lists.lazy = lazy;
};
shim.u8new = (n) => new Uint8Array(n);
// u8scratch returns n bytes of one Uint8Array that every call reuses (grown
// by doubling, so it is never more than twice the largest change): for the
// JSON of a change, which listsAdd and listsApply decode before anything
// else, so that a flush allocates no buffer of its size (in a worker that
// allocation cost more than the copy into it).
shim.u8scratch = (n) => {
  if (!shim.scratch || shim.scratch.length < n) shim.scratch = new Uint8Array(Math.max(n, 2 * (shim.scratch?.length ?? 0)));
  return shim.scratch.subarray(0, n);
};
const NO_SPANS = 0xffffffff;
// spanWords is how many words of index, from index[k] (an object's member
// count) on, describe one object: its members' spans and its metadata's.
const spanWords = (index, k) => {
  const n = index[k];
  if (n === NO_SPANS) return 1;
  const m = index[k + 1 + 4 * n];
  return 1 + 4 * n + (m === NO_SPANS ? 1 : 1 + 4 * m);
};
// RAW is the key of a raw view's handles (a registered symbol: the worker's
// client reads it, and no object parsed from JSON has it).
const RAW = Symbol.for('kubelive.raw');
// handlesOf makes of each slot a handle of raw view v: a frozen object that
// stands for the object version Go holds in that slot ({ [RAW]: v, slot }),
// one per version, so that identity still says "unchanged". Its JSON stays
// in Go's cache (KubeliveClient._rawObjects reads it for the worker's
// pages); the worker keeps no copy of it.
const handlesOf = (v, slots) => {
  const out = new Array(slots.length);
  for (let i = 0; i < slots.length; i++) out[i] = Object.freeze({ [RAW]: v, slot: slots[i] });
  return out;
};
// lazyObjects makes of each object of json (cut at the ends of index: per
// object its end, then its members' spans, as Go's EncodeItemsSpans writes
// them) a lazy object of v's LazyObjects: each one decodes
// its own bytes (no string of the whole change is kept) and parses a member
// only when it is read; what does not parse is told to v.report.
const lazyObjects = (v, json, index) => {
  const out = [];
  for (let k = 0, start = 1; k < index.length; ) {
    const end = index[k];
    out.push(v.lazy.make(json.subarray(start, end), index, v.report, k + 1));
    k += 1 + spanWords(index, k + 1);
    start = end + 1;
  }
  return out;
};
// objectsOf is the objects of a change into slots: handles (a raw view,
// which Go sends no JSON), lazy (a lazy view, when Go sent the spans), or
// parsed.
const objectsOf = (v, json, endBytes, slots) => {
  if (v.raw) return handlesOf(v, slots || []);
  if (!json) return [];
  if (v.lazy && endBytes) return lazyObjects(v, json, u32(endBytes));
  return JSON.parse(listDecoder.decode(json));
};
// splicedItems applies splices (Go's live.SpliceWords: [at, removed,
// inserted, ...slots], ascending on positions of the previous order) to the
// view's order of slots (v.order) and returns prev's items so spliced;
// v.pos is brought up to date where positions changed: the inserted slots
// and the runs of the previous order that moved (one the splices before it
// left in place, as many removed as inserted, is not walked).
const splicedItems = (v, prev, splice) => {
  let size = prev.length;
  let max = 0;
  for (let k = 0; k < splice.length; k += 3 + splice[k + 2]) {
    size += splice[k + 2] - splice[k + 1];
    for (let m = 0; m < splice[k + 2]; m++) if (splice[k + 3 + m] > max) max = splice[k + 3 + m];
  }
  if (max >= v.pos.length) {
    const pos = new Int32Array(Math.max(max + 1, v.pos.length * 2));
    pos.set(v.pos);
    v.pos = pos;
  }
  const old = v.order;
  const pos = v.pos;
  const order = new Uint32Array(size);
  const starts = [];
  // kept copies the run old[from, to) to position at (re-indexed if it moved).
  const kept = (from, to, at) => {
    order.set(old.subarray(from, to), at);
    if (at !== from) for (let i = from, j = at + 1; i < to; i++, j++) pos[old[i]] = j;
  };
  for (let k = 0; k < splice.length; k += 3 + splice[k + 2]) {
    for (let i = splice[k]; i < splice[k] + splice[k + 1]; i++) pos[old[i]] = 0;
  }
  let from = 0;
  let at = 0;
  for (let k = 0; k < splice.length; k += 3 + splice[k + 2]) {
    starts.push(k);
    const start = splice[k];
    kept(from, start, at);
    at += start - from;
    for (let m = 0; m < splice[k + 2]; m++, at++) {
      order[at] = splice[k + 3 + m];
      pos[order[at]] = at + 1;
    }
    from = start + splice[k + 1];
  }
  kept(from, old.length, at);
  // A spread, then native splices last first (each a move of the tail):
  // V8 copies a frozen array fastest so, not element by element.
  const items = [...prev];
  for (let s = starts.length - 1; s >= 0; s--) {
    const k = starts[s];
    const ins = new Array(splice[k + 2]);
    for (let m = 0; m < ins.length; m++) ins[m] = v.obj[splice[k + 3 + m]];
    items.splice(splice[k], splice[k + 1], ...ins);
  }
  v.order = order;
  return items;
};
// mergeChanges is what changed between two items arrays as [at, removed,
// inserted] triples, ascending and not adjacent, on positions of the
// previous one: the splices (as splicedItems reads them, or null) and the
// previous positions replaced in place (each one removed and one inserted).
// Every position outside them holds the same object in both.
const mergeChanges = (splice, replaced) => {
  replaced.sort((a, b) => a - b);
  const out = [];
  const put = (at, removed, inserted) => {
    const n = out.length;
    if (n && out[n - 3] + out[n - 2] > at && removed === inserted) return; // a position replaced twice
    if (n && out[n - 3] + out[n - 2] >= at) {
      out[n - 2] = Math.max(out[n - 2], at + removed - out[n - 3]);
      out[n - 1] += inserted;
    } else out.push(at, removed, inserted);
  };
  let r = 0;
  for (let k = 0; splice && k < splice.length; k += 3 + splice[k + 2]) {
    for (; r < replaced.length && replaced[r] < splice[k]; r++) put(replaced[r], 1, 1);
    put(splice[k], splice[k + 1], splice[k + 2]);
  }
  for (; r < replaced.length; r++) put(replaced[r], 1, 1);
  return Uint32Array.from(out);
};
// snapshot makes v's snapshot of its items and its last meta (Go's
// live.MetaJSON), with v's read error as its lists' lastError (but where a
// list has a later one of its own), and returns it.
const snapshot = (v, changes) => {
  const m = JSON.parse(v.meta);
  const e = v.readError;
  const lists = m.lists.map((l) => {
    if (e && !(l.lastErrorAt > e.at)) {
      l.lastError = { message: e.message };
      l.lastErrorAt = e.at;
    }
    if (l.error) Object.freeze(l.error);
    if (l.lastError) Object.freeze(l.lastError);
    return Object.freeze(l);
  });
  const snap = {
    key: v.key,
    version: m.version,
    items: v.items,
    resourceVersion: lists.length === 1 ? lists[0].resourceVersion : '',
    resourceVersions: Object.fromEntries(lists.map((l) => [`${l.cluster}/${l.namespace}`, l.resourceVersion])),
    status: m.status, // the worst of the lists' (live.Overall, in Go)
    errors: Object.freeze(lists.filter((l) => l.error).map((l) => Object.freeze({ cluster: l.cluster, namespace: l.namespace, ...l.error }))),
    lists: Object.freeze(lists),
    updatedAt: m.updatedAt,
  };
  if (v.isObject) {
    snap.object = v.items[0] ?? null;
    snap.deleted = lists.length === 1 && !!lists[0].deleted;
  }
  // What changed since the previous items, for the worker host's
  // encodeList (not enumerable: no reader of the snapshot sees it).
  if (changes) Object.defineProperty(snap, 'changes', { value: Object.freeze(changes) });
  v.snap = Object.freeze(snap);
  return v.snap;
};
// readFailed is a lazy view's report: a member of one of its objects did
// not parse when read. On the next task, never inside the read (which
// returns a placeholder and does not throw), the view gets a new snapshot
// with the error as its lists' lastError, its listeners hear it, and their
// onError the error itself.
const readFailed = (v, message) => {
  v.readError = { message, at: Date.now() };
  if (v.readTimer !== null) return;
  v.readTimer = setTimeout(() => {
    v.readTimer = null;
    if (!v.snap) return;
    snapshot(v, null);
    shim.lists.notify(v);
    const err = new Error(v.readError.message);
    for (const l of [...v.listeners.values()]) {
      if (l.onError) guarded(l.onError, err);
    }
  }, 0);
};
// guarded calls f(x); what it throws is reported (reportError), never thrown on.
const guarded = (f, x) => {
  try {
    f(x);
  } catch (e) {
    if (typeof reportError === 'function') reportError(e);
    else console.error(e);
  }
};
shim.lists = {
  // raw: views made from now on hold handles, no JSON (never unset).
  raw: false,
  // lazy: the LazyObjects (js/src/lazy.js) of the views made from now on
  // but raw ones; null: their objects are parsed at once.
  lazy: null,
  // A view indexes objects by slot in plain arrays (slots are small, dense
  // integers that are never reused): obj[slot] and, for the current order
  // (order, the slots), pos[slot] + 1 (0: absent). A lazy view's
  // readError ({ message, at }, or null) is the last member of its objects
  // that did not parse when read: every snapshot from then on has it as its
  // lists' lastError, but a list's own later one.
  view(key, isObject) {
    const raw = shim.lists.raw;
    const v = { key, isObject, raw, lazy: raw ? null : shim.lists.lazy, report: null, readError: null, readTimer: null, meta: null,
      obj: [], pos: new Int32Array(1024), order: new Uint32Array(0), items: [], listeners: new Map(), snap: null };
    v.report = (message) => readFailed(v, message);
    return v;
  },
  // listen adds a listener; it hears the view's snapshot on the next
  // notify (each listener remembers the last snapshot it was given), and
  // onError (a function, or not) what of the view's objects did not parse.
  listen(v, id, fn, onError) {
    v.listeners.set(id, { fn, last: null, onError: typeof onError === 'function' ? onError : null });
  },
  unlisten(v, id) {
    v.listeners.delete(id);
  },
  // add parses objects into their slots without making a snapshot: a big
  // first snapshot crosses in chunks. reset empties the view first. Each
  // object arrives with its cluster member (Go writes it into the JSON).
  add(v, json, slotBytes, reset, endBytes) {
    if (reset) {
      v.obj = [];
      v.items = [];
    }
    const slots = u32(slotBytes) || [];
    const objs = objectsOf(v, json, endBytes, slots);
    v.pending = v.pending || [];
    for (let i = 0; i < objs.length; i++) {
      v.obj[slots[i]] = objs[i];
      v.pending.push(slots[i]);
    }
  },
  // apply moves the view to a new version; a full snapshot is an apply with
  // every object and the complete order. Returns the new snapshot.
  apply(v, json, slotBytes, removedBytes, orderBytes, meta, full, endBytes, spliceBytes) {
    if (full) {
      v.obj = [];
      v.items = [];
    }
    const slots = u32(slotBytes);
    const objs = objectsOf(v, json, endBytes, slots);
    for (let i = 0; i < objs.length; i++) v.obj[slots[i]] = objs[i];
    for (const r of u32(removedBytes) || []) v.obj[r] = undefined;
    let items;
    let changes = null;
    const order = u32(orderBytes);
    if (order) {
      let max = 0;
      for (let i = 0; i < order.length; i++) if (order[i] > max) max = order[i];
      if (max >= v.pos.length) v.pos = new Int32Array(Math.max(max + 1, v.pos.length * 2));
      else v.pos.fill(0);
      items = new Array(order.length);
      for (let i = 0; i < order.length; i++) {
        items[i] = v.obj[order[i]];
        v.pos[order[i]] = i + 1;
      }
      v.order = order;
    } else {
      const prev = v.items;
      // The previous positions of the objects replaced in place (their
      // slot was in the order before any splice), for encodeList.
      const replaced = v.raw ? [] : null;
      const note = (slot) => {
        const p = v.pos[slot];
        if (p && replaced) replaced.push(p - 1);
      };
      for (let i = 0; i < objs.length; i++) note(slots[i]);
      for (const slot of v.pending || []) note(slot);
      const splice = u32(spliceBytes);
      if (splice) items = splicedItems(v, prev, splice);
      // A spread, not slice(): v.items is frozen, and V8's slice() of a
      // frozen array takes a slow path (2-4 ms at 50,000 items, per flush).
      else items = [...prev];
      for (let i = 0; i < objs.length; i++) {
        const p = v.pos[slots[i]];
        if (p) items[p - 1] = objs[i];
      }
      for (const slot of v.pending || []) {
        const p = v.pos[slot];
        if (p) items[p - 1] = v.obj[slot];
      }
      if (replaced && !v.pending) changes = { prev, splice: mergeChanges(splice, replaced) };
    }
    v.pending = null;
    v.items = Object.freeze(items);
    v.meta = meta;
    return snapshot(v, changes);
  },
  // notify calls every listener of the view that does not hold its current
  // snapshot yet; a listener that throws is reported (reportError) and the
  // others still run.
  notify(v) {
    if (!v.snap) return;
    for (const l of [...v.listeners.values()]) {
      if (l.last === v.snap) continue;
      l.last = v.snap;
      guarded(l.fn, v.snap);
    }
  },
};
