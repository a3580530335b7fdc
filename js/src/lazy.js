// Objects parsed one top-level member at a time, on first read: what a page
// holds of a list, in every host (the page host's lists are made in
// wasm/bridge/lists.js with the LazyObjects load() gives the module, a worker
// host's page makes its own of what the worker sends). Go sends each changed object
// as its JSON bytes with the spans of its top-level members and of its
// metadata's members (Go's live.EncodeItemsSpans); LazyObjects.make makes
// of them a frozen plain object
// whose own enumerable properties are those members, in JSON.parse's order
// (integer-like keys first, then as they came; a duplicate key where it
// first came, with its last value), each an accessor that parses only its
// member's span on first read, deep-freezes it and returns that same value
// on every read after; metadata is such an object itself, over the same
// text. Object.keys, spread, Object.entries, JSON.stringify
// and structuredClone read through the accessors, so they see what
// JSON.parse of the bytes gives. A member that does not parse reads as a
// frozen {} (or [] or null, by its first character) and is reported once,
// through the report given to make; no read throws.
//
// Invariants: an object's text, spans and parsed values are in private
// fields (no key, symbol or enumerable member shows them); accessors are
// shared by every object of one sequence of keys made by one LazyObjects
// (the objects of a list share hidden classes); the module holds no state
// but a TextDecoder.

/** NO_SPANS is the member count Go sends for an object it could not cut: it is parsed whole. */
export const NO_SPANS = 0xffffffff;

const decoder = new TextDecoder();
const UNREAD = Symbol('unread');

// Base's constructor returns the object it is given, so that Lazy's private
// fields are put on a plain object (its prototype stays Object.prototype).
class Base {
  constructor(o) {
    return o;
  }
}

class Lazy extends Base {
  #text;
  #at; // [start, end] of each member's value in #text, by member index
  #values; // null until a member is read, then the parsed value (or UNREAD) by index
  #report;
  #nested; // null, or { i, spans, lazy }: member i is itself a lazy object of spans over #text

  constructor(o, text, at, report, nested) {
    super(o);
    this.#text = text;
    this.#at = at;
    this.#values = null;
    this.#report = report;
    this.#nested = nested;
  }

  // read is member i (named key) of o, parsed on first read.
  static read(o, i, key) {
    if (!(#text in o)) return undefined; // a getter borrowed by another object
    if (o.#values === null) o.#values = new Array(o.#at.length >> 1).fill(UNREAD);
    const had = o.#values[i];
    if (had !== UNREAD) return had;
    const nested = o.#nested;
    let v;
    if (nested !== null && nested.i === i) v = nested.lazy.fromText(o.#text, nested.spans, o.#report, 0, 1);
    else {
      const text = o.#text.slice(o.#at[2 * i], o.#at[2 * i + 1]);
      try {
        v = deepFreeze(JSON.parse(text));
      } catch (e) {
        v = placeholder(text);
        safeReport(o.#report, `kubelive: the member "${key}" of an object of this list is not valid JSON (${text.length} characters): ${e?.message ?? e}`);
      }
    }
    o.#values[i] = v;
    return v;
  }
}

function safeReport(report, message) {
  try {
    report?.(message);
  } catch {
    // a report that throws is the caller's; a read never throws
  }
}

// placeholder is what a member that does not parse reads as: an empty
// frozen value of the kind its text starts with.
function placeholder(text) {
  const c = text.trimStart()[0];
  if (c === '{') return Object.freeze({});
  if (c === '[') return Object.freeze([]);
  return null;
}

/** deepFreeze freezes v and every object and array in it (JSON.parse's output: no cycles). */
export function deepFreeze(v) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) deepFreeze(v[i]);
  } else {
    for (const k in v) deepFreeze(v[k]);
  }
  return Object.freeze(v);
}

/**
 * LazyObjects makes lazy objects (make) and keeps the accessors of each
 * sequence of keys it met, so that objects of one shape share them (and
 * their hidden class). One per client; at most MAX_SHAPES sequences are
 * kept (the shapes of Kubernetes objects are few), the rest get accessors
 * of their own.
 */
export class LazyObjects {
  #shapes = new Map(); // keys joined by NUL -> their property descriptors
  #freezeWhole;

  /**
   * options.freezeWhole: an object parsed whole (NO_SPANS) is deep-frozen
   * too, as every lazy object's values are (a page host's list, whose
   * objects are all frozen); without it such an object is left as
   * JSON.parse gives it (a worker host's view row, frozen by its reader).
   */
  constructor({ freezeWhole = false } = {}) {
    this.#freezeWhole = !!freezeWhole;
  }

  /**
   * make is the object of bytes (one JSON object, UTF-8) whose members
   * spans describes (a Uint32Array or array: n, then per member its key's
   * contents and its whole value as [start, end) offsets into bytes, then
   * the same for its metadata's members or NO_SPANS, as Go's
   * live.EncodeItemsSpans gives them), members parsed on first read.
   * spans[0] NO_SPANS (or spans too short for n): the object is JSON.parse'd
   * whole at once, as it is (a view's row; deep-frozen with freezeWhole). report(message) hears, once
   * per member, a member that did not parse, and an object that did not
   * parse whole (it is then a frozen {}). The words start at spans[from]
   * (a batch's index holds every object's).
   */
  make(bytes, spans, report, from = 0) {
    const n = spans[from];
    if (n === NO_SPANS || n === undefined || spans.length < from + 1 + 4 * n) {
      const o = wholeObject(decoder.decode(bytes), report);
      return this.#freezeWhole ? deepFreeze(o) : o;
    }
    const text = decoder.decode(bytes);
    if (text.length === bytes.length) return this.fromText(text, spans, report, from); // ASCII: the byte offsets are the text's
    // Not ASCII: each key and value decoded on its own, the values kept end
    // to end (metadata's members are parsed with metadata, not apart).
    const keys = new Array(n);
    const at = new Array(2 * n);
    const parts = new Array(n);
    let off = 0;
    for (let m = 0; m < n; m++) {
      const k = from + 1 + 4 * m;
      keys[m] = keyOf(decoder.decode(bytes.subarray(spans[k], spans[k + 1])));
      parts[m] = decoder.decode(bytes.subarray(spans[k + 2], spans[k + 3]));
      at[2 * m] = off;
      off += parts[m].length;
      at[2 * m + 1] = off;
    }
    return this.#build(parts.join(''), this.#descriptors(keys), at, report, null);
  }

  /**
   * fromText is make for an object already decoded: spans' offsets (from
   * spans[from] on) are text's. A member "metadata" whose members spans
   * lists too (after the object's own) reads as a lazy object of its own
   * over the same text.
   */
  fromText(text, spans, report, from = 0, level = 0) {
    const n = spans[from];
    const at = new Array(2 * n);
    for (let m = 0; m < n; m++) {
      const k = from + 1 + 4 * m;
      at[2 * m] = spans[k + 2];
      at[2 * m + 1] = spans[k + 3];
    }
    const shape = this.#shapeAt(text, spans, from, n, level);
    const after = from + 1 + 4 * n;
    const inner = spans[after];
    let nested = null;
    if (shape.meta >= 0 && inner !== undefined && inner !== NO_SPANS && spans.length >= after + 1 + 4 * inner) {
      // A plain array, not a typed one: one small backing store per object costs the collector.
      const words = new Array(1 + 4 * inner);
      for (let i = 0; i < words.length; i++) words[i] = spans[after + i];
      nested = { i: shape.meta, spans: words, lazy: this };
    }
    return this.#build(text, shape.descs, at, report, nested);
  }

  // shapeAt is the shape of the n members whose keys spans (from spans[from])
  // locates in text: the last shape made at that level (an object, a
  // metadata) when the keys are its keys (the
  // common case: a list's objects share one; compared in place, no key
  // string made), else the one of the keys read.
  #shapeAt(text, spans, from, n, level) {
    const last = this.#last[level];
    if (last !== null && last.keys.length === n) {
      let same = true;
      for (let m = 0; m < n && same; m++) {
        const k = from + 1 + 4 * m;
        const key = last.raw[m];
        same = spans[k + 1] - spans[k] === key.length && text.startsWith(key, spans[k]);
      }
      if (same) return last;
    }
    const raw = new Array(n);
    const keys = new Array(n);
    let meta = -1;
    for (let m = 0; m < n; m++) {
      const k = from + 1 + 4 * m;
      raw[m] = text.slice(spans[k], spans[k + 1]);
      keys[m] = keyOf(raw[m]);
      if (keys[m] === 'metadata') meta = m;
    }
    const shape = { raw, keys, meta, descs: this.#descriptors(keys) };
    this.#last[level] = shape;
    return shape;
  }

  // the last shape fromText made for an object (0) and for a metadata (1):
  // { raw: keys as written, keys, meta: metadata's index or -1, descs }
  #last = [null, null];

  #build(text, descs, at, report, nested) {
    const o = new Lazy({}, text, at, report, nested);
    Object.defineProperties(o, descs);
    return Object.freeze(o);
  }

  // descriptors are the accessors of an object with keys (a duplicate key
  // once, at its first place, reading its last value).
  #descriptors(keys) {
    const id = keys.join('\u0000');
    const had = this.#shapes.get(id);
    if (had) return had;
    const descs = Object.create(null); // a key "__proto__" is a key like the others
    const last = new Map();
    keys.forEach((k, i) => last.set(k, i));
    for (const [k, i] of last) descs[k] = { get: getter(i, k), enumerable: true, configurable: false };
    if (this.#shapes.size < MAX_SHAPES) this.#shapes.set(id, descs);
    return descs;
  }
}

const MAX_SHAPES = 4096;

function getter(i, key) {
  return function get() {
    return Lazy.read(this, i, key);
  };
}

// keyOf is a member's key from its contents between the quotes.
function keyOf(raw) {
  return raw.includes('\\') ? JSON.parse(`"${raw}"`) : raw;
}

// wholeObject is text parsed at once, as it is; a frozen {} (reported) when it does not parse.
function wholeObject(text, report) {
  try {
    return JSON.parse(text);
  } catch (e) {
    safeReport(report, `kubelive: an object of this list is not valid JSON (${text.length} characters): ${e?.message ?? e}`);
    return Object.freeze({});
  }
}
