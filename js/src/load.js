// The loader: fetches and starts kubelive.wasm and resolves to a client.
import './wasm_exec.js';
import { KubeliveClient } from './client.js';
import { LazyObjects } from './lazy.js';
import { RemoteClient } from './remote.js';

let seq = 0;

// A compiled module waits for the LIST pages a worker host started beside
// its compile while they keep coming: until every list has its last page,
// no page request was in flight and none came for PREFETCH_IDLE_MS, or
// PREFETCH_MAX_MS went by. Go's start,
// then its reading of the pages, hold the worker's thread: a page answered
// meanwhile is handled only when Go yields, so the pages would reach the
// tabs (and the next page's request the server) hundreds of ms later.
const PREFETCH_IDLE_MS = 100;
const PREFETCH_MAX_MS = 3000;

const HOSTS = ['auto', 'shared-worker', 'worker', 'page'];

/**
 * Load the wasm module and start a client.
 *
 * options.host says where the module runs: 'shared-worker' (one worker for
 * every page of this origin; pages with equal configurations share one
 * client), 'worker' (a dedicated Worker of this page), 'page' (this thread),
 * or 'auto' (the default: a SharedWorker where the browser has one, else a
 * Worker, else the page; a worker that fails to start falls back to the
 * page). stats().host says which one is in use.
 *
 * Without options.wasmURL the module is fetched from next to this file:
 * `new URL('./kubelive.wasm', import.meta.url)`, the pattern Vite and webpack 5
 * turn into an emitted asset and esbuild leaves as is (the .wasm then belongs
 * next to the bundle). The worker script is likewise kubelive-worker.js next
 * to this file (options.workerURL overrides it); the token reaches the worker
 * only by postMessage, never in its URL or name.
 *
 * options._noLocks (a hook for tests, not an app's option) makes a worker
 * host's page act as if it had no Web Locks: its lifetime and its worker's
 * are then told by heartbeats, as in a browser without Web Locks.
 * @param {import('./index.js').LoadOptions} options
 * @returns {Promise<KubeliveClient>}
 */
export async function load(options = {}) {
  const host = options.host ?? 'auto';
  if (!HOSTS.includes(host)) throw new Error(`kubelive: host must be one of ${HOSTS.join(', ')}, not ${JSON.stringify(host)}`);
  const chosen = host === 'auto' ? autoHost() : host;
  if (chosen === 'page') return startModule(options, 'page');
  const ctor = chosen === 'shared-worker' ? globalThis.SharedWorker : globalThis.Worker;
  if (typeof ctor !== 'function') throw new Error(`kubelive: host '${chosen}' is not available here: this browser has no ${chosen === 'shared-worker' ? 'SharedWorker' : 'Worker'}`);
  if (!secure()) throw new Error(`kubelive: host '${chosen}' needs a secure context (https, or http on localhost): a worker host names its workers with crypto.subtle, which exists only there`);
  const { config, workerURL } = workerConfig(options);
  // The name is digested while the page takes its lock (RemoteClient.start).
  const named = workerName(config);
  const locks = options._noLocks ? null : (globalThis.navigator?.locks ?? null);
  const client = new RemoteClient(chosen, () => named.then((name) => connect(chosen, workerURL, name)), config, { locks });
  try {
    await client.start();
  } catch (err) {
    client.close();
    if (host !== 'auto') throw err;
    return startModule(options, 'page');
  }
  return client;
}

// secure says whether this context has crypto.subtle, which the worker host
// needs (Web Locks it uses where they exist; heartbeats stand in elsewhere).
const secure = () => !!(globalThis.isSecureContext && globalThis.crypto?.subtle);

// autoHost is the best host this context has; inside a worker, the worker itself.
function autoHost() {
  if (!globalThis.document || !secure()) return 'page';
  if (typeof globalThis.SharedWorker === 'function') return 'shared-worker';
  if (typeof globalThis.Worker === 'function') return 'worker';
  return 'page';
}

// workerConfig is what the worker needs, with every URL absolute (the
// worker resolves relative URLs against its own script, not this page).
function workerConfig(options) {
  const base = globalThis.location?.href;
  const wasmURL = options.wasmURL ?? defaultURL('./kubelive.wasm');
  const workerURL = options.workerURL ?? defaultURL('./kubelive-worker.js');
  if (!wasmURL) throw new Error('kubelive: cannot tell where kubelive.wasm is (import.meta.url is not set in this build): pass wasmURL');
  if (!workerURL) throw new Error('kubelive: cannot tell where kubelive-worker.js is (import.meta.url is not set in this build): pass workerURL');
  const { baseURL = globalThis.location?.origin, token = '', userId = '', multiplexer = 'auto', maxFrameBytes = 0, staleAfterMs = 0, keepManagedFields = false, persist = false } = options;
  persistExclude(persist);
  if (!baseURL) throw new Error('kubelive: baseURL is required outside a page');
  return {
    workerURL: new URL(workerURL, base).href,
    config: { wasmURL: new URL(wasmURL, base).href, baseURL: new URL(String(baseURL), base).href.replace(/\/$/, ''), token: String(token), userId: String(userId), multiplexer: String(multiplexer), maxFrameBytes: Number(maxFrameBytes) || 0, staleAfterMs: Number(staleAfterMs) || 0, keepManagedFields: !!keepManagedFields, persist: persist && persist !== true ? { exclude: [...persist.exclude ?? []] } : !!persist },
  };
}

const SALT_KEY = 'kubelive-worker-salt';

/**
 * workerName names the worker of one configuration: pages with equal
 * configurations share it, others get their own (their own thread and
 * memory). It is a SHA-256 of the configuration and a random salt kept in
 * this origin's localStorage, so the name (visible in the browser's task
 * manager and devtools) reveals nothing about the token; without
 * localStorage the salt is this page's own and its worker is not shared.
 */
async function workerName(config) {
  const random = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (x) => x.toString(16).padStart(2, '0')).join('');
  let salt;
  try {
    salt = localStorage.getItem(SALT_KEY);
    if (!salt) localStorage.setItem(SALT_KEY, (salt = random()));
  } catch {
    salt = random();
  }
  const bytes = new TextEncoder().encode(JSON.stringify([salt, config]));
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return `kubelive-${Array.from(d.subarray(0, 12), (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * connect starts (or, for a SharedWorker, joins) the worker and returns its
 * port. onDeath(f) hears the worker's failure once, also one that came
 * before f was given (the worker starts before the page holds its lock).
 */
export function connect(host, url, name) {
  const deaths = [];
  let dead = null; // why the worker died, once it did
  const died = (e) => {
    dead ??= e?.message || 'the worker script failed to load';
    deaths.splice(0).forEach((f) => f(dead));
  };
  const onDeath = (f) => {
    if (dead === null) deaths.push(f);
    else queueMicrotask(() => f(dead));
  };
  if (host === 'shared-worker') {
    const w = new SharedWorker(url, { type: 'module', name });
    w.onerror = died;
    return { port: w.port, onDeath, stop: () => w.port.close() };
  }
  const w = new Worker(url, { type: 'module', name });
  const ch = new MessageChannel();
  w.onerror = died;
  w.postMessage({ t: 'port' }, [ch.port2]);
  return {
    port: ch.port1,
    onDeath,
    stop: () => {
      ch.port1.close();
      w.terminate();
    },
  };
}

/**
 * startModule runs the wasm module on this thread (a page, or inside the
 * worker host) and resolves to its client.
 */
export async function startModule(options = {}, host = 'page') {
  const { wasmURL = defaultURL('./kubelive.wasm'), baseURL = globalThis.location?.origin, token = '', userId = '', multiplexer = 'auto', maxFrameBytes = 0, staleAfterMs = 0, keepManagedFields = false, persist = false } = options;
  const exclude = persistExclude(persist);
  if (!wasmURL) throw new Error('kubelive: cannot tell where kubelive.wasm is (import.meta.url is not set in this build): pass wasmURL');
  if (!baseURL) throw new Error('kubelive: baseURL is required outside a page');
  const GoCtor = globalThis.Go;
  if (typeof GoCtor !== 'function') throw new Error('kubelive: wasm_exec.js did not load');
  const go = new GoCtor();
  const name = `__kubelive_boot_${++seq}_${Math.random().toString(36).slice(2)}`;
  go.env = { KUBELIVE_BOOT: name };
  options.prefetch?.mark?.('wasm');
  const instance = await instantiate(wasmURL, go.importObject);
  options.prefetch?.mark?.('compiled');
  // A worker host's first LISTs reach their pages before Go's start takes this thread (PREFETCH_IDLE_MS, PREFETCH_MAX_MS).
  await options.prefetch?.settled?.(PREFETCH_IDLE_MS, PREFETCH_MAX_MS);
  options.prefetch?.mark?.('go');
  const api = await new Promise((resolve, reject) => {
    globalThis[name] = {
      config: { baseURL: String(baseURL), token: String(token), userId: String(userId), multiplexer: String(multiplexer), maxFrameBytes: Number(maxFrameBytes) || 0, staleAfterMs: Number(staleAfterMs) || 0, keepManagedFields: keepManagedFields ? 1 : 0, persist: persist ? 1 : 0, persistExclude: exclude.join('\n'), ...handoffOf(options), ...prefetchOf(options) },
      ready: resolve,
      fail: (msg) => reject(new Error(`kubelive: ${msg}`)),
    };
    go.run(instance).then(
      () => reject(new Error('kubelive: module exited before it was ready')),
      reject,
    );
  }).finally(() => {
    delete globalThis[name];
  });
  // The lists' objects are lazy (lazy.js): each member parsed on its first
  // read. A module without lazyLists (an older build) parses them at once.
  const why = api.lazyLists?.(new LazyObjects({ freezeWhole: true }));
  if (why) console.warn(`${why} (the lists' objects are parsed whole)`);
  return new KubeliveClient(api, host, () => instance.exports.mem?.buffer.byteLength ?? 0);
}

// handoffOf passes on the lists a worker host's page handed to the worker
// that replaced a dead one (remote.js): internal, never an app's option.
function handoffOf(options) {
  return typeof options.handoff === 'string' ? { handoff: options.handoff, handoffAt: Number(options.handoffAt) || 0 } : {};
}

// prefetchOf passes on the LISTs a worker host fetched while the module
// compiled (prefetch.js: the module's fetches take them first): internal,
// never an app's option.
function prefetchOf(options) {
  return typeof options.prefetch?.take === 'function' ? { prefetch: options.prefetch } : {};
}

// persistExclude reads persist: true | false | { exclude: string[] }.
function persistExclude(persist) {
  if (!persist || persist === true) return [];
  const exclude = persist.exclude ?? [];
  if (typeof persist !== 'object' || !Array.isArray(exclude) || exclude.some((e) => typeof e !== 'string' || e.includes('\n'))) {
    throw new Error('kubelive: persist must be true, false or { exclude: [resource names such as "configmaps" or "deployments.apps"] }');
  }
  return exclude;
}

async function instantiate(url, imports) {
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(`kubelive: fetch ${url}: HTTP ${resp.status}`);
  if (WebAssembly.instantiateStreaming && resp.headers.get('content-type') === 'application/wasm') {
    return (await WebAssembly.instantiateStreaming(resp, imports)).instance;
  }
  return (await WebAssembly.instantiate(await resp.arrayBuffer(), imports)).instance;
}

// defaultURL is a file shipped beside this module (kubelive.wasm,
// kubelive-worker.js), or '' when the bundle gives no import.meta.url (a
// classic-script or CommonJS build).
function defaultURL(file) {
  try {
    return new URL(file, import.meta.url);
  } catch {
    return '';
  }
}
