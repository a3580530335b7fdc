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
 * when given, replaces the index words of object i).
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
  return shim.listsApply(v, json, words(changed.map(([s]) => s)), words(removed), words(order), meta(version, lists), full, words(ends), words(splice));
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
