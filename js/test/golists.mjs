// lists.js (wasm/bridge) as the Go bridge drives it, for node tests: the
// shim evaluated as browser.NewShim does, and one change handed to a view
// as lists.go's applyJS hands it (bytes for slots, the objects' JSON array
// and, per object, its end and its members' spans as Go's
// live.EncodeItemsSpans gives them).
import { readFileSync } from 'node:fs';

const listsJS = readFileSync(new URL('../../wasm/bridge/lists.js', import.meta.url), 'utf8');
const utf8 = new TextEncoder();

/** newShim evaluates lists.js as the Go shim does; raw: listsRaw (the worker host), lazy: listsLazy(lazy) (the page host). */
export function newShim({ raw = false, lazy = null } = {}) {
  const shim = {};
  new Function('shim', listsJS)(shim);
  if (raw) shim.listsRaw();
  if (lazy) shim.listsLazy(lazy);
  return shim;
}

/** words is a list of uint32s as Go's live.SlotBytes sends it (null for null). */
export const words = (a) => (a === null ? null : new Uint8Array(Uint32Array.from(a).buffer));

/** meta is Go's live.MetaJSON of one list at version. */
export const meta = (version, lists = []) => JSON.stringify({ version, updatedAt: version, status: 'live', lists });

/**
 * apply hands view v one change the way lists.go's applyJS does: changed
 * is [[slot, object], ...], written with JSON.stringify (spansOf(text, i),
 * when given, replaces the index words of object i). It returns the view's
 * snapshot: shim.lists.apply, which listsApply calls (and answers Go only
 * whether the view took the change).
 */
export function apply(shim, v, version, changed, { removed = null, order = null, splice = null, full = false, lists = [], spansOf = null }) {
  const parts = changed.map(([, o]) => JSON.stringify(o));
  const ends = []; // Go's EncodeItemsSpans index: each object's end, then its members' spans
  let at = 1;
  for (const [i, p] of parts.entries()) {
    at += utf8.encode(p).length;
    ends.push(at, ...(spansOf?.(p, i) ?? memberSpans(changed[i][1])));
    at++;
  }
  const json = changed.length ? utf8.encode(`[${parts.join(',')}]`) : null;
  // A raw view gets no JSON from Go: its objects stay in Go's cache.
  shim.goCache?.note(v, changed, removed, full);
  if (v.raw) return shim.lists.apply(v, null, words(changed.map(([s]) => s)), words(removed), words(order), meta(version, lists), full, null, words(splice));
  return shim.lists.apply(v, json, words(changed.map(([s]) => s)), words(removed), words(order), meta(version, lists), full, words(ends), words(splice));
}

/**
 * memberSpans is what Go's live.EncodeItemsSpans gives for JSON.stringify(o):
 * the count of o's members, then per member its key's contents and its
 * value, then the same for o.metadata (or NO_SPANS when it is no object).
 */
export function memberSpans(o) {
  const members = (x, from) => {
    const out = [0];
    const spans = {};
    let at = from + 1; // past '{'
    for (const [k, v] of Object.entries(x)) {
      const key = utf8.encode(JSON.stringify(k)).length;
      const val = utf8.encode(JSON.stringify(v)).length;
      out.push(at + 1, at + key - 1, at + key + 1, at + key + 1 + val);
      spans[k] = at + key + 1;
      at += key + 1 + val + 1; // the key, ':', the value, ','
      out[0]++;
    }
    return { out, spans };
  };
  const top = members(o, 0);
  const meta = o.metadata && typeof o.metadata === 'object' && !Array.isArray(o.metadata) ? members(o.metadata, top.spans.metadata).out : [0xffffffff];
  return [...top.out, ...meta];
}

const RAW = Symbol.for('kubelive.raw');

/**
 * goObjects is what Go's rawObjects answers for objs (JSON.stringify'd, in
 * order): chunks [bytes, index, ...] of per objects each (Go cuts them by
 * size), as live.EncodeObjects writes them (per object its start and end in
 * its chunk, the count of its spans' words, then those words).
 */
export function goObjects(objs, per = Infinity) {
  const out = [];
  for (let c = 0; c < objs.length; c += per) {
    const chunk = objs.slice(c, c + per);
    const parts = chunk.map((o) => utf8.encode(JSON.stringify(o)));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    const index = [];
    let at = 0;
    for (const [i, p] of parts.entries()) {
      bytes.set(p, at);
      const spans = memberSpans(chunk[i]);
      index.push(at, at + p.length, spans.length, ...spans);
      at += p.length;
    }
    out.push(bytes, new Uint8Array(Uint32Array.from(index).buffer));
  }
  return out;
}

/**
 * rawStore is a raw list's objects as the worker's module holds them (a
 * handle per object version, as lists.js's handlesOf makes them) over a
 * fake Go cache that holds their JSON by slot. handle(o) makes a new
 * version's handle; parse(h) is the object h stands for; forget(h) drops
 * it from the cache (as if no flush held it); read is
 * KubeliveClient._rawObjects over the cache (reads counts its calls), its
 * answer in chunks of per objects.
 */
export function rawStore(key = 'k', per = Infinity) {
  const view = { key, pos: new Int32Array(0) }; // no positions: every hint is out of range
  const objs = new Map();
  let next = 1;
  const store = {
    reads: 0,
    handle(o) {
      const slot = next++;
      objs.set(slot, o);
      return Object.freeze({ [RAW]: view, slot });
    },
    parse: (h) => objs.get(h.slot),
    forget: (h) => objs.delete(h.slot),
    read(key, slots) {
      store.reads++;
      if (key !== view.key) return `no data for ${key}`;
      const missing = [...slots].filter((s) => !objs.has(s));
      if (missing.length) return `${missing.length} of the ${slots.length} objects asked for are not in the last flush of ${key}`;
      return goObjects([...slots].map((s) => objs.get(s)), per);
    },
  };
  return store;
}

/**
 * goCache keeps, per view, the objects apply handed to it by slot, as Go's
 * cache holds them at the last flush, and answers rawObjects from them;
 * misses counts the positions given as hints that did not point at their
 * slot in the view's order.
 */
export function goCache(shim) {
  const byKey = new Map(); // view key -> { view, objs: slot -> object }
  const cache = {
    misses: 0,
    note(v, changed, removed, full) {
      if (!byKey.has(v.key)) byKey.set(v.key, { view: v, objs: new Map() });
      const { objs } = byKey.get(v.key);
      if (full) objs.clear();
      for (const [s, o] of changed) objs.set(s, o);
      for (const s of removed ?? []) objs.delete(s);
    },
    read(key, slots, pos) {
      const e = byKey.get(key);
      if (!e) return `no data for ${key}`;
      for (let i = 0; i < slots.length; i++) if (e.view.order[pos[i]] !== slots[i]) cache.misses++;
      const missing = [...slots].filter((s) => !e.objs.has(s));
      if (missing.length) return `${missing.length} of the ${slots.length} objects asked for are not in the last flush of ${key}`;
      return goObjects([...slots].map((s) => e.objs.get(s)));
    },
    parse: (h) => byKey.get(h[RAW].key).objs.get(h.slot),
  };
  shim.goCache = cache;
  return cache;
}
