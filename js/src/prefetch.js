// The first LISTs of a worker host, fetched by the worker's JS while the
// wasm module compiles and starts (worker.js), and the first snapshot a page
// makes of one (remote.js).
//
// Invariants:
//   - A prefetched LIST is the request the module would make for the
//     query's first page: the same URL (listURL mirrors the module's
//     kubeurl.List and endpoint.HTTPURL: the resource's path, the query's
//     own parameters, the selectors, limit=PAGE_SIZE), the token only in an
//     Authorization header, never in the URL. URLs are compared in a
//     canonical form (sameURL), so the order of parameters does not matter.
//   - Each prefetched answer is taken by the module at most once, for the
//     first GET of that URL (the shim's get); one that is not taken within
//     UNUSED_MS after the module is ready is dropped, and counted as unused.
//   - A snapshot made from a prefetched page is never 'live': 'loading'
//     (the module has not confirmed it: no watch is open), or 'error' with a
//     sentence when the LIST failed.

// PAGE_SIZE is the module's page size of a LIST (listPageSize in
// wasm/bridge/start.go): the prefetched request is its first page.
export const PAGE_SIZE = 500;

// UNUSED_MS is how long a prefetched answer waits for the module once it is ready.
const UNUSED_MS = 10000;

// RESERVED are the parameters the module sets itself (never a query's own).
const RESERVED = new Set(['watch', 'resourceVersion', 'resourceVersionMatch', 'allowWatchBookmarks', 'timeoutSeconds', 'sendInitialEvents', 'limit', 'continue']);

const esc = (s) => encodeURIComponent(String(s));

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

/**
 * Prefetches holds the LISTs one worker client fetched before its module
 * was ready. start() fetches; take() is the module's side (the shim's get
 * asks it first); ready() starts the wait after which unused answers go.
 */
export class Prefetches {
  #token;
  #byURL = new Map(); // canonical URL -> Promise<{ status, bytes, err }>
  #started = 0;
  #taken = 0;
  #timer = null;
  #open = true; // no prefetch once the module is ready

  constructor(token) {
    this.#token = String(token ?? '');
  }

  /**
   * start fetches url now (once per URL) and resolves to its answer as
   * { status, bytes: Uint8Array | null, err: '' | why no answer came }; null
   * when the module is ready already (it fetches for itself).
   */
  start(url) {
    const key = canonical(url);
    if (!this.#open || !key) return null;
    const had = this.#byURL.get(key);
    if (had) return had;
    const headers = this.#token ? { Authorization: `Bearer ${this.#token}` } : {};
    const answer = fetch(url, { headers, credentials: 'same-origin' }).then(
      async (r) => ({ status: r.status, bytes: new Uint8Array(await r.arrayBuffer()), err: '' }),
      (e) => ({ status: 0, bytes: null, err: String(e?.message ?? e) }),
    );
    this.#byURL.set(key, answer);
    this.#started++;
    return answer;
  }

  /**
   * settled resolves once every LIST started so far has its answer (and
   * what start()'s callers chained to it ran), or after ms, whichever
   * comes first: the module's start waits this long at most, so that the
   * answers reach the pages before the module's start takes the thread.
   */
  settled(ms) {
    if (this.#byURL.size === 0) return Promise.resolve();
    let timer;
    const wait = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([Promise.all(this.#byURL.values()), wait]).then(() => clearTimeout(timer));
  }

  /** take hands the module the answer of url's prefetch, once, or null. */
  take(url) {
    const key = canonical(url);
    const answer = this.#byURL.get(key);
    if (!answer) return null;
    this.#byURL.delete(key);
    this.#taken++;
    return answer;
  }

  /** ready: the module runs; what it has not taken within UNUSED_MS is dropped. */
  ready() {
    this.#open = false;
    if (this.#timer === null && this.#byURL.size > 0) this.#timer = setTimeout(() => this.#byURL.clear(), UNUSED_MS);
  }

  /** close drops every answer not taken. */
  close() {
    this.#open = false;
    clearTimeout(this.#timer);
    this.#byURL.clear();
  }

  /** stats: LISTs prefetched, taken by the module, and waiting or dropped unused. */
  stats() {
    return { started: this.#started, taken: this.#taken, unused: this.#started - this.#taken };
  }
}

/**
 * firstSnapshot is the snapshot of a prefetched first page for a list the
 * page watches: its items parsed here (each tagged with its cluster,
 * managedFields cut unless kept, sorted by namespace then name), status
 * 'loading'; or, when the LIST failed, no items and status 'error' with a
 * sentence. Never 'live'.
 * @param {{ status: number, text: string, err: string }} answer
 */
export function firstSnapshot(query, answer, keepManagedFields) {
  const { cluster = '', namespace = '' } = query.lists[0];
  let items = [];
  let error = null;
  let doc = null;
  try {
    doc = answer.text ? JSON.parse(answer.text) : null;
  } catch {
    doc = null;
  }
  if (answer.err) error = { message: `The list could not be fetched: ${answer.err}.` };
  else if (answer.status < 200 || answer.status > 299 || doc?.kind === 'Status') error = httpError(answer.status, doc);
  else if (!doc || !Array.isArray(doc.items)) error = { message: 'The server sent data that could not be read (the LIST has no items).' };
  else {
    items = doc.items;
    for (const o of items) {
      if (!keepManagedFields && o?.metadata) delete o.metadata.managedFields;
      o.cluster = cluster;
      Object.freeze(o);
    }
    items.sort(byNamespaceName);
  }
  return snapshotOf([{ cluster, namespace }], items, error);
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
