// The wire format of list snapshots from the worker host to a page: per
// list, only the objects the page does not hold yet, and the order as a
// patch, splices or whole. encodeList, readRaw and encodeFresh run in the
// worker (where a list's objects may be handles whose JSON Go holds, one per
// object version), applyList on the page; all are pure (no I/O but the read
// readRaw is given; the only module state is a TextEncoder).
//
// Invariants: an id names one object of one list until the worker frees it;
// a freed id may name a new object in the same batch (applyList clears freed
// ids before it stores the batch's objects); objects the page holds and the
// snapshot kept keep their identity on the page.

import { NO_SPANS } from './lazy.js';

/** newListState is the worker's record of what one page holds of list id. */
export function newListState(id) {
  return { id, ids: new Map(), free: [], next: 1, sent: null, order: new Uint32Array(0), sentObject: undefined, mark: new Uint32Array(64), stamp: 0, snap: null, changes: null };
}

/**
 * noteSnapshot makes snap w's latest snapshot (the next encodeList sends
 * it) and keeps in w.changes what changed from the items the page holds
 * (w.sent) to snap's, as [at, removed, inserted] triples on positions of
 * w.sent, while every snapshot since says what changed since the one
 * before it (a raw view's snap.changes): those the page did not get (it
 * had not acknowledged the batch before) are composed, so that encodeList
 * still looks only at the positions they name, not at every item.
 */
export function noteSnapshot(w, snap) {
  const ch = snap.changes;
  const last = w.snap;
  if (ch == null || w.sent === null) w.changes = null;
  else if (ch.prev === w.sent) w.changes = { prev: ch.prev, splice: ch.splice, to: snap.items };
  else if (w.changes !== null && last !== null && w.changes.to === last.items && ch.prev === last.items) {
    w.changes = { prev: w.changes.prev, splice: composeChanges(w.changes.splice, ch.splice), to: snap.items };
  } else w.changes = null;
  w.snap = snap;
}

/**
 * composeChanges is the triples ([at, removed, inserted], ascending, on
 * positions of P0) of P0 -> P2, given a (P0 -> P1) and b (P1 -> P2) the
 * same way: every position outside them holds in P2 the object it held in
 * P0. An object a inserted and b removed is in neither.
 */
export function composeChanges(a, b) {
  // P1 as runs: [s, n] n objects kept from P0 position s, or [-1, n] n
  // objects a inserted; the last run (from P0) never ends.
  const runs = [];
  let cur = 0;
  for (let k = 0; k < a.length; k += 3) {
    if (a[k] > cur) runs.push([cur, a[k] - cur]);
    if (a[k + 2] > 0) runs.push([-1, a[k + 2]]);
    cur = a[k] + a[k + 1];
  }
  runs.push([cur, Infinity]);
  // P2 as runs: b applied to P1's runs.
  const out = [];
  let r = 0; // the run of P1 being read
  let off = 0; // objects of runs[r] read
  let p1 = 0; // the P1 position of runs[r][off]
  // take moves n objects of P1 to P2 (keep) or drops them.
  const take = (n, keep) => {
    while (n > 0) {
      const [s, len] = runs[r];
      const m = Math.min(n, len - off);
      if (keep) out.push([s < 0 ? -1 : s + off, m]);
      off += m;
      p1 += m;
      n -= m;
      if (off === len) {
        r++;
        off = 0;
      }
    }
  };
  for (let k = 0; k < b.length; k += 3) {
    take(b[k] - p1, true);
    take(b[k + 1], false);
    if (b[k + 2] > 0) out.push([-1, b[k + 2]]);
  }
  // The rest of P1 is in P2 as it is (its last run the rest of P0).
  for (; r < runs.length; r++, off = 0) out.push([runs[r][0] < 0 ? -1 : runs[r][0] + off, runs[r][1] - off]);
  // P2's runs as triples on P0: a gap between two kept runs, or inserted objects, is a triple.
  const triples = [];
  let at = 0; // the P0 position after the last kept run
  let inserted = 0;
  for (const [s2, n] of out) {
    if (s2 < 0) {
      inserted += n;
      continue;
    }
    if (s2 > at || inserted > 0) triples.push(at, s2 - at, inserted);
    at = s2 + n;
    inserted = 0;
  }
  return Uint32Array.from(triples);
}

// NONE is a stamp no encoding uses: nextStamp clears the marks before it.
const NONE = -1 >>> 0;

// nextStamp returns a stamp no id of w is marked with, w.mark holding a
// slot for every id given so far.
function nextStamp(w) {
  if (w.mark.length < w.next) {
    const m = new Uint32Array(Math.max(w.next, 2 * w.mark.length));
    m.set(w.mark);
    w.mark = m;
  }
  if (w.stamp === NONE) {
    w.mark.fill(0);
    w.stamp = 0;
  }
  return ++w.stamp;
}

// encodeList describes w's snapshot against what the page holds. Objects get
// small ids, reused once freed (the page indexes an array by them); objects
// the page already has go by id, new ones are appended to fresh with their
// id. When only some objects changed in place (same length, nothing moved),
// the list goes as a patch of [position, id] pairs; when a few came, went or
// moved, as splices of the previous order ([prevStart, removed, inserted,
// ...ids], ascending, each on positions of the previous order); otherwise
// as the whole order of ids; the last two with the ids they freed.
export function encodeList(w, fresh) {
  const { items, object, ...meta } = w.snap;
  const first = fresh.length;
  const alloc = (obj) => {
    const n = w.free.length ? w.free.pop() : w.next++;
    w.ids.set(obj, n);
    fresh.push(obj, n);
    return n;
  };
  const out = { id: w.id, meta, order: null, patch: null, splice: null, freed: null, objectId: -1, fresh: [first, first] };
  // A raw view's snapshot says what changed since its previous items (not
  // enumerable, see lists.js), and noteSnapshot composes those of the
  // snapshots the page did not get: when they start from what the page
  // holds, only the positions they name are looked at.
  const changes = w.changes?.to === items ? w.changes : w.snap.changes;
  const hinted = changes != null && object === undefined && w.sent !== null && changes.prev === w.sent;
  w.changes = null;
  const patch = hinted ? null : patchOf(w, items);
  if (hinted) {
    encodeChanges(w, items, changes.splice, alloc, out);
  } else if (patch) {
    const pairs = new Uint32Array(patch.length * 2);
    for (let k = 0; k < patch.length; k++) {
      const i = patch[k];
      const old = w.sent[i];
      w.free.push(w.ids.get(old));
      w.ids.delete(old);
      pairs[2 * k] = i;
      pairs[2 * k + 1] = alloc(items[i]);
      w.order[i] = pairs[2 * k + 1];
    }
    out.patch = pairs;
  } else {
    // The ids of objects kept are marked with this encoding's stamp; what
    // was sent and is not marked is freed. Objects at the place they had
    // (the previous order, shifted by what came and went) take their id from
    // it: only the objects that came, went or moved touch w.ids (rebuilding
    // it, or one lookup per object, cost 15-50 ms at 50,000 items).
    const stamp = nextStamp(w);
    const prev = w.sent ?? [];
    const prevOrder = w.order;
    const order = new Uint32Array(items.length);
    // The objects kept at their place are a common subsequence of prev and
    // items; between two of them, what prev had went and what items has
    // came: one splice [prevStart, removed, newStart, inserted] each, kept
    // while they are few (ops is null once they are not).
    let ops = prev.length ? [] : null;
    let budget = items.length >> 3;
    let lastI = -1;
    let lastJ = -1;
    const gap = (i, j) => {
      const removed = j - lastJ - 1;
      const inserted = i - lastI - 1;
      budget -= 4 + inserted;
      if (budget < 0) ops = null;
      else ops.push(lastJ + 1, removed, lastI + 1, inserted);
    };
    // One pass: what it skips of prev (the only candidates to free) and the
    // positions still without an id are noted, not looked for again.
    const skipped = [];
    const missing = [];
    const mark = w.mark;
    let j = 0;
    for (let i = 0; i < items.length; ) {
      if (j < prev.length && items[i] === prev[j]) {
        // A run of objects at their place: the common case, kept tight.
        if (ops && (i !== lastI + 1 || j !== lastJ + 1)) gap(i, j);
        do {
          const n = prevOrder[j++];
          order[i++] = n;
          mark[n] = stamp;
        } while (i < items.length && j < prev.length && items[i] === prev[j]);
        lastI = i - 1;
        lastJ = j - 1;
        continue;
      }
      const o = items[i];
      if (j < prev.length && (j + 1 < prev.length && o === prev[j + 1] || (i + 1 < items.length ? items[i + 1] : undefined) !== prev[j])) {
        skipped.push(j++); // prev[j] went, moved or was replaced by o; else o came before prev[j]
        if (j < prev.length && o === prev[j]) continue; // o is at its place after all: the run takes it
      }
      const n = w.ids.get(o);
      if (n === undefined) missing.push(i); // allocated below, once the freed ids are known
      else {
        order[i] = n;
        mark[n] = stamp;
      }
      i++;
    }
    if (ops && (items.length !== lastI + 1 || prev.length !== lastJ + 1)) gap(items.length, prev.length);
    const kept = object == null ? undefined : w.ids.get(object);
    if (kept !== undefined) w.mark[kept] = stamp;
    const freed = [];
    const release = (o, n) => {
      if (n === undefined || w.mark[n] === stamp) return;
      w.mark[n] = stamp; // an object sent twice is freed once
      w.ids.delete(o);
      freed.push(n);
    };
    for (const k of skipped) release(prev[k], prevOrder[k]);
    for (let k = j; k < prev.length; k++) release(prev[k], prevOrder[k]);
    if (w.sentObject != null) release(w.sentObject, w.ids.get(w.sentObject));
    w.free.push(...freed);
    for (const i of missing) order[i] = alloc(items[i]);
    w.order = order;
    if (ops) out.splice = spliceOf(ops, order);
    else out.order = order.slice(); // transferred: w.order stays here
    out.freed = new Uint32Array(freed);
  }
  if (object !== undefined) out.objectId = object === null ? 0 : (w.ids.get(object) ?? alloc(object));
  w.sent = items;
  w.sentObject = object;
  out.fresh[1] = fresh.length;
  return out;
}

// encodeChanges is encodeList for a snapshot whose items differ from the
// ones the page holds (w.sent) only at ch's [at, removed, inserted] triples
// (ascending, on positions of w.sent): a patch when each one replaces as
// many as it removes, else splices. O(changes) but for copying the order.
function encodeChanges(w, items, ch, alloc, out) {
  const prev = w.sent;
  const prevOrder = w.order;
  let patch = true;
  let size = 0;
  for (let k = 0; k < ch.length; k += 3) {
    if (ch[k + 1] !== ch[k + 2]) patch = false;
    size += 3 + ch[k + 2];
  }
  const freed = [];
  for (let k = 0; k < ch.length; k += 3) {
    for (let i = ch[k]; i < ch[k] + ch[k + 1]; i++) {
      w.ids.delete(prev[i]);
      freed.push(prevOrder[i]);
    }
  }
  w.free.push(...freed);
  const idOf = (o) => w.ids.get(o) ?? alloc(o);
  if (patch) {
    let pairs = 0;
    for (let k = 0; k < ch.length; k += 3) pairs += ch[k + 1];
    out.patch = new Uint32Array(2 * pairs);
    let at = 0;
    for (let k = 0; k < ch.length; k += 3) {
      for (let i = ch[k]; i < ch[k] + ch[k + 1]; i++) {
        w.order[i] = idOf(items[i]);
        out.patch[at++] = i;
        out.patch[at++] = w.order[i];
      }
    }
    return;
  }
  const splice = new Uint32Array(size);
  const order = new Uint32Array(items.length);
  let from = 0; // in prev
  let to = 0; // in items
  let at = 0; // in splice
  for (let k = 0; k < ch.length; k += 3) {
    order.set(prevOrder.subarray(from, ch[k]), to);
    to += ch[k] - from;
    splice[at++] = ch[k];
    splice[at++] = ch[k + 1];
    splice[at++] = ch[k + 2];
    for (let m = 0; m < ch[k + 2]; m++, to++) splice[at++] = order[to] = idOf(items[to]);
    from = ch[k] + ch[k + 1];
  }
  order.set(prevOrder.subarray(from), to);
  w.order = order;
  out.splice = splice;
  out.freed = new Uint32Array(freed);
}

// spliceOf encodes ops ([prevStart, removed, newStart, inserted], ...) as
// [prevStart, removed, inserted, ...the inserted ids], with the ids of
// order.
function spliceOf(ops, order) {
  let size = 0;
  for (let k = 0; k < ops.length; k += 4) size += 3 + ops[k + 3];
  const out = new Uint32Array(size);
  let at = 0;
  for (let k = 0; k < ops.length; k += 4) {
    out[at++] = ops[k];
    out[at++] = ops[k + 1];
    out[at++] = ops[k + 3];
    out.set(order.subarray(ops[k + 2], ops[k + 2] + ops[k + 3]), at);
    at += ops[k + 3];
  }
  return out;
}

// patchOf returns the positions whose object changed in place, or null when
// the list must go whole (first time, length changed, an object moved, or
// more than an eighth changed).
function patchOf(w, items) {
  const prev = w.sent;
  if (!prev || prev.length !== items.length) return null;
  const at = [];
  for (let i = 0; i < items.length; i++) {
    const o = items[i];
    if (o === prev[i]) continue;
    if (w.ids.has(o) || (at.length + 1) * 8 > items.length) return null;
    at.push(i);
  }
  return at;
}

const utf8 = new TextEncoder();
const EMPTY = utf8.encode('{}');
// RAW keys the handles of a raw list's objects (wasm/bridge/lists.js): the
// worker's module holds no object's JSON, Go's cache does.
const RAW = Symbol.for('kubelive.raw');

/**
 * readRaw reads the JSON of the raw handles among values (fresh, as
 * encodeList fills it) with read (KubeliveClient._rawObjects: key, slots,
 * positions -> [bytes, index, ...], the objects in chunks, or why not), one
 * call per list, as
 * { of, errors }: of maps each handle to { bytes, head }, its JSON and the
 * words of its members' spans; errors says why some could not be read
 * (those handles are not in of). Other values are left out.
 */
export function readRaw(values, read) {
  const of = new Map();
  const errors = [];
  const groups = new Map(); // a raw view -> its handles, each once
  for (const x of values) {
    const v = x !== null && typeof x === 'object' ? x[RAW] : undefined;
    if (v === undefined) continue;
    if (!groups.has(v)) groups.set(v, new Set());
    groups.get(v).add(x);
  }
  for (const [v, set] of groups) {
    const hs = [...set];
    const slots = new Uint32Array(hs.length);
    const pos = new Uint32Array(hs.length);
    for (let i = 0; i < hs.length; i++) {
      slots[i] = hs[i].slot;
      pos[i] = v.pos[hs[i].slot] - 1; // the view's order is Go's: a hint (absent: out of range)
    }
    const r = read(v.key, slots, pos);
    if (!Array.isArray(r)) {
      errors.push(String(r));
      continue;
    }
    let i = 0;
    for (let c = 0; c + 1 < r.length; c += 2) {
      const bytes = r[c];
      const ib = r[c + 1];
      const index = ib.byteOffset % 4 === 0 ? new Uint32Array(ib.buffer, ib.byteOffset, ib.byteLength >> 2) : new Uint32Array(ib.slice().buffer);
      for (let w = 0; i < hs.length && w + 2 < index.length; i++) {
        of.set(hs[i], { bytes: bytes.subarray(index[w], index[w + 1]), head: index.subarray(w + 3, w + 3 + index[w + 2]) });
        w += 3 + index[w + 2];
      }
    }
  }
  return { of, errors };
}

/**
 * encodeFresh is fresh ([object, id, ...] as encodeList made it) for the
 * page, as { bytes, index }: bytes the objects' JSON end to end, index per
 * object its id, its [start, end) in bytes, the number of words that
 * follow, then those words: the spans of its members (Go's
 * live.EncodeItemsSpans: n, four per member, then metadata's the same way;
 * offsets from the object's start) or NO_SPANS alone. An object raw maps
 * (readRaw's of: a raw list's handle, whose JSON Go holds) is copied as it
 * is, with its spans, never parsed; a handle raw does not map (Go could not
 * read it) goes as {}; any other value (a view's row) is stringified and
 * goes with NO_SPANS. Both are transferred: the page decodes each object's
 * bytes on its own and parses a member when it is read (lazy.js).
 */
export function encodeFresh(fresh, raw = new Map()) {
  const parts = [];
  const heads = [];
  let size = 0;
  let words = 0;
  for (let i = 0; i < fresh.length; i += 2) {
    const x = fresh[i];
    const r = raw.get(x);
    let bytes;
    let head;
    if (r !== undefined) {
      bytes = r.bytes;
      head = r.head;
    } else if (x !== null && typeof x === 'object' && x[RAW] !== undefined) {
      bytes = EMPTY;
      head = [NO_SPANS];
    } else {
      bytes = utf8.encode(JSON.stringify(x));
      head = [NO_SPANS];
    }
    parts.push(bytes);
    heads.push(head);
    size += bytes.length;
    words += 4 + head.length;
  }
  const bytes = new Uint8Array(size);
  const index = new Uint32Array(words);
  let at = 0;
  let w = 0;
  for (let k = 0; k < parts.length; k++) {
    index[w++] = fresh[2 * k + 1];
    index[w++] = at;
    bytes.set(parts[k], at);
    at += parts[k].length;
    index[w++] = at;
    index[w++] = heads[k].length;
    index.set(heads[k], w);
    w += heads[k].length;
  }
  return { bytes, index };
}

/**
 * decodeFresh is the [object, id, ...] array encodeFresh's { bytes, index }
 * describe, each object made by lazy (LazyObjects) with reportOf(i) (i its
 * place in the array) told of what does not parse.
 */
export function decodeFresh(bytes, index, lazy, reportOf) {
  const out = [];
  for (let w = 0; w < index.length; ) {
    const id = index[w];
    const obj = bytes.subarray(index[w + 1], index[w + 2]);
    out.push(lazy.make(obj, index, reportOf(out.length), w + 4), id);
    w += 4 + index[w + 3];
  }
  return out;
}

/**
 * storeObjects updates byId for the list l describes (its freed ids cleared,
 * its fresh objects stored) without building its items: what a batch needs
 * when a later batch of the same list sends its whole order.
 */
export function storeObjects(byId, l, fresh) {
  if (l.freed) for (const n of l.freed) byId[n] = undefined;
  for (let i = l.fresh[0]; i < l.fresh[1]; i += 2) byId[fresh[i + 1]] = fresh[i];
}

/**
 * applyList moves the page's objects (byId, an array indexed by id, updated
 * in place) to the list l describes, with fresh the parsed [object, id, ...]
 * of its batch, and returns the new items; prev is the items it had. When
 * owned, prev is the caller's own array (in no snapshot, not frozen): a
 * patch or splices change it in place and it is returned, so that several
 * batches applied together copy the items once; else prev is left as it is.
 */
export function applyList(byId, l, fresh, prev, owned = false) {
  storeObjects(byId, l, fresh);
  if (l.patch) {
    // Spread, not slice(): prev is frozen, and V8's slice() of a frozen
    // array takes a slow path (about 40x a spread at 50,000 items).
    const items = owned ? prev : [...prev];
    for (let k = 0; k < l.patch.length; k += 2) items[l.patch[k]] = byId[l.patch[k + 1]];
    return items;
  }
  if (l.splice) {
    // The splices, last first: each one's positions are the previous order's.
    const items = owned ? prev : [...prev];
    const starts = [];
    for (let k = 0; k < l.splice.length; k += 3 + l.splice[k + 2]) starts.push(k);
    for (let s = starts.length - 1; s >= 0; s--) {
      const k = starts[s];
      const ins = new Array(l.splice[k + 2]);
      for (let m = 0; m < ins.length; m++) ins[m] = byId[l.splice[k + 3 + m]];
      items.splice(l.splice[k], l.splice[k + 1], ...ins);
    }
    return items;
  }
  const items = new Array(l.order.length);
  for (let i = 0; i < l.order.length; i++) items[i] = byId[l.order[i]];
  return items;
}
