// The first LISTs of a worker host, fetched by the worker's JS while the
// wasm module compiles and starts (worker.js), and the first snapshot a page
// makes of them (remote.js).
//
// Invariants:
//   - A prefetched LIST is the module's LIST of the query: the first
//     page's URL (listURL mirrors the module's kubeurl.List and
//     endpoint.HTTPURL: the resource's path, the query's own parameters,
//     the selectors, limit=PAGE_SIZE), then each next page at that URL
//     with the previous page's metadata.continue (nextURL, as the module's
//     pager asks for it), each asking for PREFETCH_LIMIT objects instead
//     of PAGE_SIZE; the token only in an Authorization header, never in a
//     URL. URLs are compared in a canonical form (canonical), so the order
//     of parameters does not matter.
//   - The prefetched pages are fewer and larger than the module's own:
//     PREFETCH_LIMIT objects each. A page answers the module's request of
//     the same page whatever limit either asked for (pageKey: the canonical
//     URL without limit); the module's pager follows the continue token of
//     the page it got, so it asks next for the page after the objects it
//     holds, the one prefetched next.
//   - A list's pages are fetched one after the other, each once its
//     predecessor's answer came, and the chain stops at the first answer
//     that is not a page with a continue token (the last page, an HTTP
//     error such as 410 on an expired token, no answer, unreadable data).
//     The next page's request is registered before anyone else hears the
//     answer of the one before, so the module, taking the pages in order,
//     finds each one that was prefetched.
//   - Each prefetched answer is taken by the module at most once, for the
//     first GET of that URL (the shim's get); a page it asks for that was not
//     prefetched, or at another URL, it fetches itself. Once the module is
//     ready, what it has not taken when UNUSED_MS pass without a take is
//     dropped, and counted as unused (a module reading a long list takes
//     a page every few ms, so the pages fetched ahead of it stay).
//   - The module's start waits (settled) only for the lists whose pages a
//     page shows before it runs (a watchList's), and for the tabs' first
//     snapshots of the pages sent to them (sent, shown: Go's start would
//     take a core from the tab's parse on a machine of few cores); a
//     view's LIST (whose rows only Go computes) is fetched ahead of the
//     module without holding it.
//   - A snapshot made from prefetched pages is never 'live': 'loading'
//     (the module has not confirmed it: no watch is open), or 'error' with a
//     sentence when a page failed (not for a 410 on a later page: the
//     module lists again at once, as it does for its own).

// PAGE_SIZE is the module's page size of a LIST (listPageSize in
// wasm/bridge/start.go): listURL is its first page's request.
export const PAGE_SIZE = 500;

// PREFETCH_LIMIT sizes the prefetched pages, the first too: a big list
// comes in half as many requests as the module's, each parsed by the tabs
// while the next is fetched (pages of equal size: the tab's parse of the
// last page, after the last answer, stays short; ~3.4 MB of typical pods a
// page), and a list of up to 1,000 objects in one request (a first page of
// PAGE_SIZE showed the first rows earlier but the whole list one round
// trip later).
export const PREFETCH_LIMIT = 1000;

// UNUSED_MS is how long a prefetched answer waits for the module once it is ready.
const UNUSED_MS = 10000;

// RESERVED are the parameters the module sets itself (never a query's own).
const RESERVED = new Set(['watch', 'resourceVersion', 'resourceVersionMatch', 'allowWatchBookmarks', 'timeoutSeconds', 'sendInitialEvents', 'limit', 'continue']);

const esc = (s) => encodeURIComponent(String(s));

/** epoch is wall time in ms (performance.timeOrigin + now): comparable between a page and its workers. */
export const epoch = () => performance.timeOrigin + performance.now();

/**
 * listURL is the URL of the first page of a watchList query's LIST, or ''
 * when the query is not one a prefetch serves: exactly one list, an
 * endpoint with a version and a resource, string query parameters.
 * @param {string} baseURL the client's http(s) base, without a trailing slash
 */
export function listURL(baseURL, query) {
  const ep = query?.endpoint;
  const lists = query?.lists;
  if (!ep || typeof ep !== 'object' || !Array.isArray(lists) || lists.length !== 1) return '';
  const { cluster = '', namespace = '' } = lists[0] ?? {};
  if (typeof cluster !== 'string' || typeof namespace !== 'string' || typeof ep.version !== 'string' || !ep.version || typeof ep.resource !== 'string' || !ep.resource) return '';
  if (ep.group !== undefined && typeof ep.group !== 'string') return '';
  let path = ep.group ? `apis/${esc(ep.group)}/${esc(ep.version)}` : `api/${esc(ep.version)}`;
  if (namespace) path += `/namespaces/${esc(namespace)}`;
  path += `/${esc(ep.resource)}`;
  const q = new URLSearchParams();
  const params = query.queryParams ?? {};
  if (typeof params !== 'object') return '';
  for (const [k, v] of Object.entries(params)) if (!RESERVED.has(k)) q.append(k, String(v));
  q.set('limit', String(PAGE_SIZE));
  return `${baseURL}${cluster ? `/clusters/${esc(cluster)}` : ''}/${path}?${q}`;
}

/** nextURL is the URL of the page after url's, whose answer carried token as its metadata.continue. */
export function nextURL(url, token) {
  const u = new URL(url);
  u.searchParams.set('continue', token);
  return String(u);
}

/** withLimit is url asking for limit objects. */
export function withLimit(url, limit) {
  const u = new URL(url);
  u.searchParams.set('limit', String(limit));
  return String(u);
}

/**
 * pageKey names the page of a LIST that url asks for: canonical(url)
 * without its limit (a prefetched page of any size answers the module's
 * request of that page), or '' when url is not a URL.
 */
export function pageKey(url) {
  try {
    const u = new URL(url);
    u.searchParams.delete('limit');
    return canonical(String(u));
  } catch {
    return '';
  }
}

/** canonical is url with its path decoded and its parameters sorted: equal requests, equal strings. */
export function canonical(url) {
  try {
    const u = new URL(url);
    const params = [...u.searchParams].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return JSON.stringify([u.origin, decodeURIComponent(u.pathname), params]);
  } catch {
    return '';
  }
}

// HEAD_BYTES is how much of a page is read for its metadata when the
// server writes it ahead of the items (a Kubernetes API server does).
const HEAD_BYTES = 4096;

/**
 * continueOf is the metadata.continue of a LIST page's JSON (bytes), or ''
 * when it has none or is not a list. Only the head before "items" is
 * parsed when the metadata comes first; otherwise the whole page.
 */
export function continueOf(bytes) {
  if (!bytes?.length) return '';
  const head = new TextDecoder().decode(bytes.subarray(0, HEAD_BYTES));
  const at = head.indexOf('"items"');
  let doc = null;
  try {
    doc = JSON.parse(at > 0 ? `${head.slice(0, at)}"items":[]}` : null);
  } catch {
    doc = null;
  }
  if (!doc?.metadata) {
    try {
      doc = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return '';
    }
  }
  const c = doc?.metadata?.continue;
  return typeof c === 'string' && Array.isArray(doc.items) ? c : '';
}

/**
 * Prefetches holds the LISTs one worker client fetched before its module
 * was ready. list() fetches a list's pages; take() is the module's side (the
 * shim's get asks it first); ready() starts the wait after which unused
 * answers go.
 */
export class Prefetches {
  #token;
  #byURL = new Map(); // pageKey of a page -> Promise<{ status, bytes, err, before }>: fetched, not taken
  #lists = new Map(); // canonical URL of a first page -> { pages: [answer], hear: Set<(answer, n)>, done: Promise }
  #started = 0;
  #taken = 0;
  #held = 0;
  #waiters = new Set(); // settled()'s: told of each page that came
  #inflight = 0; // page requests asked for and not answered yet
  #unshown = 0; // pages sent to a tab whose snapshot of them it has not made yet (sent, shown)
  #timer = null;
  #open = true; // no new list once the module is ready
  #closed = false;
  #marks = {}; // name -> epoch ms of its first mark (stats().prefetch.marks)
  #times = []; // per page fetched, in order: { asked, headers, body } epoch ms (stats().prefetch.pages)

  constructor(token) {
    this.#token = String(token ?? '');
  }

  /**
   * list fetches the pages of the LIST whose first page is url, one after
   * the other (following metadata.continue), unless it is fetching them
   * already, and calls onPage(answer, n) for each page n (0, 1, ...) as it
   * comes (those that came already at once), answer being { status, bytes:
   * Uint8Array | null, err: '' | why no answer came, before: the objects of
   * the pages before it (their limits: each was full, since a token
   * followed) }. url is the module's first page (listURL); the pages asked
   * for hold PREFETCH_LIMIT objects. False when the module is ready already
   * (it fetches for itself; a tab asking then hears the module's snapshots,
   * so the pages are kept for replay only until then). With hold false, the
   * module's start does not wait for this list's pages (settled).
   */
  list(url, onPage, hold = true) {
    const key = canonical(url);
    if (this.#closed || !this.#open || !key) return false;
    let l = this.#lists.get(key);
    if (!l) {
      l = { pages: [], hear: new Set(), hold: false };
      let end;
      l.done = new Promise((resolve) => (end = resolve));
      this.#lists.set(key, l);
      this.#page(l, url, end, 0);
    }
    l.hold ||= hold;
    l.pages.forEach((a, n) => onPage(a, n));
    l.hear.add(onPage);
    return true;
  }

  // page fetches page n of l at url (with PREFETCH_LIMIT); its answer goes to
  // l's listeners once the next page's request is registered (when there
  // is one).
  #page(l, url, end, n) {
    const before = n * PREFETCH_LIMIT;
    const headers = this.#token ? { Authorization: `Bearer ${this.#token}` } : {};
    const t = { asked: epoch(), headers: 0, body: 0 };
    this.#times.push(t);
    const answer = fetch(withLimit(url, PREFETCH_LIMIT), { headers, credentials: 'same-origin' }).then(
      async (r) => {
        t.headers = epoch();
        const bytes = new Uint8Array(await r.arrayBuffer());
        t.body = epoch();
        return { status: r.status, bytes, err: '', before };
      },
      (e) => ({ status: 0, bytes: null, err: String(e?.message ?? e), before }),
    );
    this.#byURL.set(pageKey(url), answer);
    this.#started++;
    this.#inflight++;
    // Chained before the module can take it: the next page exists before the module asks for it.
    answer.then((a) => {
      this.#inflight--;
      if (this.#closed) return end();
      const next = a.status === 200 ? continueOf(a.bytes) : '';
      if (next) this.#page(l, nextURL(url, next), end, n + 1);
      else end();
      if (this.#open) l.pages.push(a); // for a tab that asks later, until the module runs
      for (const f of l.hear) f(a, n);
      for (const f of this.#waiters) f();
    });
  }

  /** sent notes n pages posted to a tab, each to be shown (or given up on when the tab left). */
  sent(n = 1) {
    this.#unshown += n;
  }

  /** shown notes n pages sent whose snapshot a tab made (or that a tab that left will not show). */
  shown(n = 1) {
    this.#unshown = Math.max(0, this.#unshown - n);
    for (const f of this.#waiters) f();
  }

  /**
   * settled resolves once every list started so far with hold has all its pages
   * (and what list()'s callers do with them ran) and every page sent to a
   * tab was shown there, once no page request is in flight, none is
   * waiting to be shown and nothing came for idleMs, or after maxMs,
   * whichever comes first: the module's start waits for the pages while
   * they are asked for (a page of a loaded server can take longer than
   * idleMs to answer, and the module would wait for that same answer
   * anyway), so that they reach the tabs (and each next page's request the
   * server) before the module takes the thread, and while the tabs parse
   * them (Go's start, on a machine of two cores, takes the core a tab's
   * parse would have).
   */
  settled(idleMs, maxMs = idleMs) {
    const held = [...this.#lists.values()].filter((l) => l.hold);
    if (held.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let idle;
      let all = false; // every held list has its last page
      const done = () => {
        clearTimeout(idle);
        clearTimeout(max);
        this.#waiters.delete(quiet);
        resolve();
      };
      const quiet = () => {
        clearTimeout(idle);
        if (all && this.#unshown === 0) done();
        else if (this.#inflight === 0 && this.#unshown === 0) idle = setTimeout(done, idleMs);
      };
      const max = setTimeout(done, maxMs);
      this.#waiters.add(quiet);
      quiet();
      Promise.all(held.map((l) => l.done)).then(() => {
        all = true;
        quiet();
      });
    });
  }

  /** take hands the module the answer of url's prefetch, once, or null. */
  take(url) {
    const key = pageKey(url);
    const answer = this.#byURL.get(key);
    if (!answer) return null;
    this.#byURL.delete(key);
    this.#taken++;
    if (this.#timer !== null) this.#unusedAfter();
    return answer;
  }

  /**
   * ready: the module runs; no list starts or is replayed to a tab any more
   * (those started go on to their last page, heard by the tabs listening),
   * so the pages kept for replay go now: what stays is each answer until
   * the module takes it, and what it has not taken once UNUSED_MS pass
   * without a take is dropped.
   */
  ready() {
    this.#open = false;
    for (const l of this.#lists.values()) l.pages = [];
    if (this.#timer === null && this.#lists.size > 0) this.#unusedAfter();
  }

  // unusedAfter (re)starts the wait after which what was not taken goes.
  #unusedAfter() {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.close(), UNUSED_MS);
  }

  /**
   * close drops every answer not taken, and the pages kept for tabs that
   * ask for a list later (none can once closed or ready: list is false), and fetches
   * no further page. The client keeps its Prefetches for its stats, so
   * what close leaves is all the pages' memory it holds for the client's
   * life (a whole LIST's bytes otherwise).
   */
  close() {
    this.#open = false;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#byURL.clear();
    for (const l of this.#lists.values()) {
      l.hear.clear();
      l.pages = [];
    }
  }

  /** keptBytes is the size of the pages' bytes this holds (for tests). */
  keptBytes() {
    let n = 0;
    for (const l of this.#lists.values()) for (const a of l.pages) n += a.bytes?.byteLength ?? 0;
    return n;
  }

  /** heldBack counts a snapshot of the module not sent: the page showed more of that list already. */
  heldBack() {
    this.#held++;
  }

  /** mark notes when a step of the client's start (name) first happened (at, epoch ms), for stats().start.marks. */
  mark(name, at = epoch()) {
    this.#marks[name] ??= at;
  }

  /**
   * stats: LIST pages prefetched, taken by the module, and waiting or
   * dropped unused; the module's snapshots held back (heldBack).
   */
  stats() {
    return { started: this.#started, taken: this.#taken, unused: this.#started - this.#taken, held: this.#held };
  }

  /**
   * timeline is the client's start in epoch ms (stats().start): marks
   * (mark) and, per page fetched, when it was asked for, its headers came
   * and its body was in.
   */
  timeline() {
    return { marks: { ...this.#marks }, pages: this.#times.map((t) => ({ ...t })) };
  }
}

/**
 * firstSnapshot is the snapshot of a list the page watches made of its
 * prefetched pages: prev (the snapshot of pages 0..n-1, null for page 0)
 * with page n's items (each tagged with its cluster, managedFields cut
 * unless kept), all sorted by namespace then name, status 'loading'; or,
 * when that page failed, prev's items and status 'error' with a sentence;
 * or prev itself when a later page is 410 Gone (its continue token
 * expired: the module lists again at once, and says nothing of it either).
 * Never 'live'. added, when given, gets page n's own items (those not in
 * prev), in order.
 * @param {{ status: number, text: string, err: string }} answer
 */
export function firstSnapshot(query, answer, keepManagedFields, prev = null, added = null) {
  const { cluster = '', namespace = '' } = query.lists[0];
  const before = prev?.items ?? [];
  let items = [];
  let error = null;
  let doc = null;
  try {
    doc = answer.text ? JSON.parse(answer.text) : null;
  } catch {
    doc = null;
  }
  if (answer.err) error = { message: `The list could not be fetched: ${answer.err}.` };
  else if (answer.status < 200 || answer.status > 299 || doc?.kind === 'Status') {
    if (prev && (answer.status === 410 || Number(doc?.code) === 410)) return prev;
    error = httpError(answer.status, doc);
  } else if (!doc || !Array.isArray(doc.items)) error = { message: 'The server sent data that could not be read (the LIST has no items).' };
  else {
    items = doc.items;
    for (const o of items) {
      if (!keepManagedFields && o?.metadata) delete o.metadata.managedFields;
      o.cluster = cluster;
      Object.freeze(o);
    }
    items.sort(byNamespaceName);
    if (added) for (const o of items) added.push(o);
  }
  return snapshotOf([{ cluster, namespace }], before.length ? merged(before, items) : items, error);
}

// merged is the sorted arrays a and b in one sorted array.
function merged(a, b) {
  const out = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = byNamespaceName(b[j], a[i]) < 0 ? b[j++] : a[i++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/**
 * failedSnapshot is the snapshot of a list whose module could not start:
 * no items, every list 'error' with message.
 */
export function failedSnapshot(query, message) {
  const lists = Array.isArray(query?.lists) ? query.lists.map((l) => ({ cluster: String(l?.cluster ?? ''), namespace: String(l?.namespace ?? '') })) : [];
  return snapshotOf(lists, [], { message });
}

// snapshotOf is a snapshot of lists (each { cluster, namespace }) with no
// resourceVersion yet: 'loading' with items, or 'error' with error.
function snapshotOf(lists, items, error) {
  const status = error ? 'error' : 'loading';
  const now = Date.now();
  const err = error ? Object.freeze(error) : null;
  return Object.freeze({
    key: '', // the module's canonical key comes with its first snapshot
    version: 0,
    items: Object.freeze(items),
    resourceVersion: '',
    resourceVersions: Object.freeze(Object.fromEntries(lists.map((l) => [`${l.cluster}/${l.namespace}`, '']))),
    status,
    errors: Object.freeze(err ? lists.map((l) => Object.freeze({ ...l, ...err })) : []),
    lists: Object.freeze(lists.map((l) => Object.freeze({ ...l, status, since: now, resourceVersion: '', ...(err ? { error: err } : {}) }))),
    updatedAt: now,
    prefetched: true,
  });
}

// httpError is a failed LIST as a snapshot's error: the module's sentences
// (probe.Describe), the HTTP code and the Status's reason.
function httpError(code, doc) {
  const status = doc?.kind === 'Status' ? doc : null;
  const said = typeof status?.message === 'string' && status.message ? `: ${status.message.replace(/\.$/, '')}.` : '.';
  const c = Number(status?.code) || code;
  let s;
  if (c === 401) s = 'The server did not accept the credentials (401)';
  else if (c === 403) s = 'The server refused access (403)';
  else if (c === 404) s = 'Not found (404)';
  else if (c >= 500) s = `The server could not answer (${c})`;
  else s = `The server refused the request (${c})`;
  const e = { message: s + said, code: c };
  if (typeof status?.reason === 'string' && status.reason) e.reason = status.reason;
  return e;
}

function byNamespaceName(a, b) {
  const na = a?.metadata?.namespace ?? '';
  const nb = b?.metadata?.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  const ma = a?.metadata?.name ?? '';
  const mb = b?.metadata?.name ?? '';
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}
