// The loader: fetches and starts kubelive.wasm and resolves to a client.
import './wasm_exec.js';
import { KubeliveClient } from './client.js';

let seq = 0;

/**
 * Load the wasm module and start a client.
 *
 * Without options.wasmURL the module is fetched from next to this file:
 * `new URL('./kubelive.wasm', import.meta.url)`, the pattern Vite and webpack 5
 * turn into an emitted asset and esbuild leaves as is (the .wasm then belongs
 * next to the bundle).
 * @param {import('./index.js').LoadOptions} options
 * @returns {Promise<KubeliveClient>}
 */
export async function load(options = {}) {
  const { wasmURL = defaultWasmURL(), baseURL = globalThis.location?.origin, token = '', userId = '', multiplexer = 'auto', maxFrameBytes = 0, staleAfterMs = 0, keepManagedFields = false, persist = false } = options;
  const exclude = persistExclude(persist);
  if (!wasmURL) throw new Error('kubelive: cannot tell where kubelive.wasm is (import.meta.url is not set in this build): pass wasmURL');
  if (!baseURL) throw new Error('kubelive: baseURL is required outside a page');
  const GoCtor = globalThis.Go;
  if (typeof GoCtor !== 'function') throw new Error('kubelive: wasm_exec.js did not load');
  const go = new GoCtor();
  const name = `__kubelive_boot_${++seq}_${Math.random().toString(36).slice(2)}`;
  go.env = { KUBELIVE_BOOT: name };
  const instance = await instantiate(wasmURL, go.importObject);
  const api = await new Promise((resolve, reject) => {
    globalThis[name] = {
      config: { baseURL: String(baseURL), token: String(token), userId: String(userId), multiplexer: String(multiplexer), maxFrameBytes: Number(maxFrameBytes) || 0, staleAfterMs: Number(staleAfterMs) || 0, keepManagedFields: keepManagedFields ? 1 : 0, persist: persist ? 1 : 0, persistExclude: exclude.join('\n') },
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
  return new KubeliveClient(api);
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

// defaultWasmURL is the kubelive.wasm shipped beside this module, or '' when
// the bundle gives no import.meta.url (a classic-script or CommonJS build).
function defaultWasmURL() {
  try {
    return new URL('./kubelive.wasm', import.meta.url);
  } catch {
    return '';
  }
}
