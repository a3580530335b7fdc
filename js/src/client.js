// The client facade: a thin, stable JS API over the object the wasm module
// exports. No logic lives here beyond turning ids into cleanup functions and
// refusing calls after close(); see wasm/bridge for the behaviour.

const noop = () => {};

export class KubeliveClient {
  #api;
  #closed = false;

  /** @param {object} api the object exported by the wasm module */
  constructor(api) {
    this.#api = api;
  }

  /**
   * Subscribe to a shared WebSocket. Sockets are shared per
   * (cluster, url, protocols, type). Returns an idempotent cleanup function.
   */
  subscribe(options) {
    if (this.#closed) {
      reportClosed(options);
      return noop;
    }
    const id = this.#api.subscribe(options ?? {});
    if (!id) return noop;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (!this.#closed) this.#api.unsubscribe(id);
    };
  }

  /** Every socket, subscription and counter the module holds. */
  stats() {
    if (this.#closed) return { sockets: [], browserSockets: { created: 0, live: 0 }, funcs: 0, closed: true };
    return this.#api.stats();
  }

  /** Ends every subscription, closes every socket and stops the module. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#api.close();
  }

  get closed() {
    return this.#closed;
  }
}

function reportClosed(options) {
  const onError = options && options.onError;
  if (typeof onError === 'function') {
    queueMicrotask(() => {
      try {
        onError(new Error('kubelive: client is closed'));
      } catch {
        // a throwing onError is the caller's; never rethrow into the caller
      }
    });
  }
}
