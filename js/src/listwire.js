// The wire format of list snapshots from the worker host to a page: per
// list, only the objects the page does not hold yet. encodeList runs in the
// worker, applyList on the page; both are pure (no I/O, no globals).
//
// Invariants: an id names one object of one list until the worker frees it;
// a freed id may name a new object in the same batch (applyList clears freed
// ids before it stores the batch's objects); objects the page holds and the
// snapshot kept keep their identity on the page.

/**
 * newListState is the worker's record of what one page holds of list id:
 * ids maps each object the page holds to its id; sent is the items last
 * sent and sentIds their ids, position by position; pos[id] is the position
 * of id in sent; mark[id] === gen marks the ids of the batch being encoded.
 */
export function newListState(id) {
  return { id, ids: new Map(), free: [], next: 1, sent: null, sentIds: null, pos: new Uint32Array(64), mark: new Uint32Array(64), gen: 0, loose: null };
}

// grow makes w.pos and w.mark hold index n.
function grow(w, n) {
  if (n < w.pos.length) return;
  const len = Math.max(n + 1, w.pos.length * 2);
  const pos = new Uint32Array(len);
  pos.set(w.pos);
  const mark = new Uint32Array(len);
  mark.set(w.mark);
  w.pos = pos;
  w.mark = mark;
}

// encodeList describes w's snapshot against what the page holds. Objects get
// small ids, reused once freed (the page indexes an array by them); objects
// the page already has go by id, new ones are appended to fresh with their
// id. When only some objects changed in place (same length, nothing moved),
// the list goes as a patch of [position, id] pairs; otherwise as the whole
// order of ids, with the ids it freed. Its cost is one comparison per item
// plus a Map lookup per item that is not where it was: an object the page
// holds at the same place (the bulk of a big list) costs no Map operation.
export function encodeList(w, fresh) {
  const { items, object, ...meta } = w.snap;
  const first = fresh.length;
  const alloc = (obj) => {
    const n = w.free.length ? w.free.pop() : w.next++;
    w.ids.set(obj, n);
    fresh.push(obj, n);
    return n;
  };
  if (w.loose) {
    // The last batch's object, which was not one of its items: its id is
    // free (no item of the page uses it; the page overwrites it when reused).
    w.free.push(w.ids.get(w.loose));
    w.ids.delete(w.loose);
    w.loose = null;
  }
  const out = { id: w.id, meta, order: null, patch: null, freed: null, objectId: -1, fresh: [first, first] };
  const patch = patchOf(w, items);
  if (patch) {
    const pairs = new Uint32Array(patch.length * 2);
    for (let k = 0; k < patch.length; k++) {
      const i = patch[k];
      const old = w.sent[i];
      w.free.push(w.sentIds[i]);
      w.ids.delete(old);
      const n = alloc(items[i]);
      pairs[2 * k] = i;
      pairs[2 * k + 1] = n;
      grow(w, n);
      w.sentIds[i] = n;
      w.pos[n] = i;
    }
    out.patch = pairs;
  } else {
    const prev = w.sent ?? [];
    const prevIds = w.sentIds ?? new Uint32Array(0);
    const gen = (w.gen = (w.gen + 1) >>> 0 || 1);
    const order = new Uint32Array(items.length);
    const NEW = -1 >>> 0;
    // Walk items against prev: equal at the cursor, the id is prev's; else
    // a Map lookup says whether the page holds the object or it is new.
    // Positions of prev the cursor skipped may hold objects that left: they
    // are checked below. Any path through here gives the same order; the
    // cursor only decides how many lookups it takes.
    const skipped = [];
    let j = 0;
    for (let i = 0; i < items.length; i++) {
      const o = items[i];
      let n;
      if (j < prev.length && o === prev[j]) {
        n = prevIds[j++];
      } else {
        n = w.ids.get(o);
        if (n === undefined) {
          order[i] = NEW; // allocated below, once the freed ids are known
          continue;
        }
        // o moved here from later in prev, or what lies between left: the
        // cursor jumps to o's old place unless prev's next object comes next
        // (o alone moved: the rest still matches at the cursor).
        const at = w.pos[n];
        if (at >= j && items[i + 1] !== prev[j]) {
          for (let k = j; k < at; k++) skipped.push(k);
          j = at + 1;
        }
      }
      order[i] = n;
      w.mark[n] = gen;
    }
    for (let k = j; k < prev.length; k++) skipped.push(k);
    const freed = [];
    for (const k of skipped) {
      const n = prevIds[k];
      if (w.mark[n] === gen) continue;
      w.mark[n] = gen; // freed once, however often its place was skipped
      w.ids.delete(prev[k]);
      freed.push(n);
    }
    w.free.push(...freed);
    for (let i = 0; i < items.length; i++) if (order[i] === NEW) order[i] = alloc(items[i]);
    grow(w, w.next);
    for (let i = 0; i < items.length; i++) w.pos[order[i]] = i;
    w.sentIds = order.slice();
    out.order = order;
    out.freed = new Uint32Array(freed);
  }
  if (object !== undefined) {
    if (object === null) out.objectId = 0;
    else {
      const n = w.ids.get(object);
      if (n !== undefined) out.objectId = n;
      else {
        out.objectId = alloc(object);
        w.loose = object;
      }
    }
  }
  w.sent = items;
  out.fresh[1] = fresh.length;
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
 * of its batch, and returns the new items; prev is the items it had.
 */
export function applyList(byId, l, fresh, prev) {
  storeObjects(byId, l, fresh);
  if (l.patch) {
    const items = prev.slice();
    for (let k = 0; k < l.patch.length; k += 2) items[l.patch[k]] = byId[l.patch[k + 1]];
    return items;
  }
  const items = new Array(l.order.length);
  for (let i = 0; i < l.order.length; i++) items[i] = byId[l.order[i]];
  return items;
}
