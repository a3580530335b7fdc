// The IndexedDB half of kubelive's persisted cache (wasm/browser/idb.go):
// one database, one object store of Uint8Array values under string keys.
// Every function calls done exactly once and never throws; it works in a
// page and in a worker (no window, no document needed).
const IDB_NAME = 'kubelive';
const IDB_STORE = 'snapshots';
const idbMessage = (e) => String((e && (e.message || e.name)) || e || 'unknown IndexedDB error');
// idbOpen calls done(db, '') or done(null, message).
shim.idbOpen = (done0) => {
  let settled = false;
  const done = (db, err) => {
    if (!settled) {
      settled = true;
      done0(db, err);
    }
  };
  let req;
  try {
    if (!globalThis.indexedDB) {
      done(null, 'IndexedDB is not available in this context');
      return;
    }
    req = globalThis.indexedDB.open(IDB_NAME, 1);
  } catch (e) {
    done(null, idbMessage(e));
    return;
  }
  req.onupgradeneeded = () => req.result.createObjectStore(IDB_STORE);
  req.onsuccess = () => done(req.result, '');
  req.onerror = () => done(null, idbMessage(req.error));
  req.onblocked = () => done(null, 'IndexedDB is blocked by another tab holding an older version');
};
// idbOp runs one operation in its own transaction and calls done(result,
// '') when the transaction completed, or done(null, message):
// get(key) -> Uint8Array | undefined; put(key, bytes); delete(key);
// range(lo, hi) -> [keys, values]; deleteRange(lo, hi).
shim.idbOp = (db, op, a, b, done) => {
  let settled = false;
  const once = (r, err) => {
    if (!settled) {
      settled = true;
      done(r, err);
    }
  };
  try {
    const tx = db.transaction(IDB_STORE, op === 'get' || op === 'range' ? 'readonly' : 'readwrite');
    const st = tx.objectStore(IDB_STORE);
    let result = null;
    switch (op) {
      case 'get': {
        const r = st.get(a);
        r.onsuccess = () => {
          result = r.result instanceof Uint8Array ? r.result : null;
        };
        break;
      }
      case 'put':
        st.put(b.slice(), a); // a copy: Go's buffer is not kept
        break;
      case 'delete':
        st.delete(a);
        break;
      case 'range': {
        const range = IDBKeyRange.bound(a, b, false, true);
        const keys = st.getAllKeys(range);
        const values = st.getAll(range);
        values.onsuccess = () => {
          result = [keys.result, values.result.map((v) => (v instanceof Uint8Array ? v : new Uint8Array(0)))];
        };
        break;
      }
      case 'deleteRange':
        st.delete(IDBKeyRange.bound(a, b, false, true));
        break;
      default:
        once(null, 'unknown IndexedDB operation ' + op);
        return;
    }
    tx.oncomplete = () => once(result, '');
    tx.onerror = () => once(null, idbMessage(tx.error));
    tx.onabort = () => once(null, idbMessage(tx.error || 'transaction aborted'));
  } catch (e) {
    once(null, idbMessage(e));
  }
};
// deferred returns {promise, resolve, reject} for a result Go settles later.
shim.deferred = () => {
  const d = {};
  d.promise = new Promise((resolve, reject) => {
    d.resolve = resolve;
    d.reject = reject;
  });
  return d;
};
// listenHide calls fn when the page hides (in a worker: never; its writer's
// timer covers it) and returns the function that stops listening.
shim.listenHide = (fn) => {
  const doc = globalThis.document;
  if (!doc || typeof doc.addEventListener !== 'function') return () => {};
  const hidden = () => {
    if (doc.visibilityState === 'hidden') fn();
  };
  doc.addEventListener('visibilitychange', hidden);
  globalThis.addEventListener?.('pagehide', fn);
  return () => {
    doc.removeEventListener('visibilitychange', hidden);
    globalThis.removeEventListener?.('pagehide', fn);
  };
};
