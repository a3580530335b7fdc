// React hooks over the client. Each is useSyncExternalStore plus a key made
// from its inputs' values (never their identity); the logic lives in the
// client, not here.
import { createContext, useCallback, useContext, useLayoutEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import { stableKey } from './key.js';

export { stableKey };

/** Provides the loaded client to the hooks below. */
export const KubeliveContext = createContext(null);

function useClient(explicit) {
  const fromContext = useContext(KubeliveContext);
  return explicit ?? fromContext;
}

// useByValue returns a value that changes only when its serialisation does.
function useByValue(value) {
  const key = stableKey(value);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => value, [key]);
}

// useLatest keeps the latest callback without resubscribing.
function useLatest(fn) {
  const ref = useRef(fn);
  ref.current = fn;
  return ref;
}

const nothing = () => () => {};
const nullSnapshot = () => null;

/** A live list: the cache's immutable snapshot (null until the first one). */
export function useKubeList(query, client) {
  const kl = useClient(client);
  const q = useByValue(query);
  const key = useMemo(() => (kl && q ? kl.listKey(q) : ''), [kl, q]);
  const subscribe = useCallback((cb) => (key ? kl.watchList(q, cb) : () => {}), [kl, q, key]);
  const get = useCallback(() => (key ? kl.getList(key) : null), [kl, key]);
  return useSyncExternalStore(key ? subscribe : nothing, key ? get : nullSnapshot, key ? get : nullSnapshot);
}

/** A live object: snapshot.object (null once deleted). */
export function useKubeObject(query, client) {
  const kl = useClient(client);
  const q = useByValue(query);
  const key = useMemo(() => (kl && q ? kl.listKey(q) : ''), [kl, q]);
  const subscribe = useCallback((cb) => (key ? kl.watchObject(q, cb) : () => {}), [kl, q, key]);
  const get = useCallback(() => (key ? kl.getList(key) : null), [kl, key]);
  return useSyncExternalStore(key ? subscribe : nothing, key ? get : nullSnapshot, key ? get : nullSnapshot);
}

/**
 * A live view (see KubeliveClient.watchView): the snapshot of its window,
 * null until the first one. One view per set of lists: a new where, sort,
 * window or columns updates the live view (no new LIST or watch), so a
 * table's filter box and scrolling cost no request.
 */
export function useKubeView(query, client) {
  const kl = useClient(client);
  const q = useByValue(query);
  const lists = useMemo(() => (kl && q ? kl.listKey(q) : ''), [kl, q]);
  const st = useRef(null);
  st.current ??= { snap: null, unwatch: null, applied: null, push: perFrame((next) => st.current.unwatch?.update(next)) };
  const s = st.current;
  s.latest = q;
  // At commit, before the browser paints (a passive effect would wait for
  // the paint): the view hears a new query one frame sooner, and a burst of
  // them (keystrokes, scroll steps) as one update per frame.
  useLayoutEffect(() => {
    if (s.unwatch && s.applied !== q) {
      s.applied = q;
      s.push(q);
    }
  }, [s, q]);
  const subscribe = useCallback(
    (cb) => {
      if (!lists) return () => {};
      s.push.cancel(); // the new watch starts from the latest query
      s.applied = s.latest;
      const unwatch = kl.watchView(s.latest, (snap) => {
        s.snap = snap;
        s.snapLists = lists;
        cb();
      });
      s.unwatch = unwatch;
      return () => {
        unwatch();
        if (s.unwatch === unwatch) {
          s.unwatch = null;
          s.push.cancel();
        }
      };
    },
    [kl, lists, s],
  );
  // Never the snapshot of other lists (the one before a namespace change).
  const get = useCallback(() => (lists && s.snapLists === lists ? s.snap : null), [lists, s]);
  return useSyncExternalStore(subscribe, get, get);
}

const nextFrame = (f) => (typeof requestAnimationFrame === 'function' ? requestAnimationFrame(f) : setTimeout(f, 16));
const cancelFrame = (h) => (typeof cancelAnimationFrame === 'function' ? cancelAnimationFrame(h) : clearTimeout(h));

/**
 * perFrame returns push(value): the first value of a frame goes to send at
 * once, later ones in the same frame wait for the next frame, where only
 * the last of them is sent. So send runs at most once per frame, and never
 * with a value older than the last pushed. push.cancel() drops a waiting
 * value. frame and cancel schedule and unschedule a function for the next
 * frame (requestAnimationFrame, or 16 ms where there is none).
 */
export function perFrame(send, frame = nextFrame, cancel = cancelFrame) {
  let armed = null; // the frame's handle while one is pending
  let waiting = null; // [value] to send on that frame
  const tick = () => {
    armed = null;
    if (!waiting) return;
    const [v] = waiting;
    waiting = null;
    armed = frame(tick);
    send(v);
  };
  const push = (v) => {
    if (armed !== null) {
      waiting = [v];
      return;
    }
    armed = frame(tick);
    send(v);
  };
  push.cancel = () => {
    waiting = null;
    if (armed !== null) cancel(armed);
    armed = null;
  };
  return push;
}

// store is a tiny external store for hooks whose state is callback-driven.
function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    set(next) {
      state = next;
      for (const l of [...listeners]) l();
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/**
 * One shared WebSocket (the shape of Headlamp's useWebSocket): messages go to onMessage;
 * returns the socket status { state, error }.
 */
export function useWebSocket({ cluster, url, type, protocols, enabled = true, onMessage, onError }, client) {
  return useWebSockets({ connections: [{ cluster, url, onMessage }], type, protocols, enabled, onError }, client)[0] ?? null;
}

/** Several shared WebSockets (the shape of Headlamp's useWebSockets); returns their statuses. */
export function useWebSockets({ connections, type, protocols, enabled = true, onError }, client) {
  const kl = useClient(client);
  const spec = useByValue({ c: (connections ?? []).map(({ cluster, url }) => ({ cluster, url })), type, protocols, enabled });
  const handlers = useLatest({ connections, onError });
  const store = useMemo(() => createStore(spec.c.map(() => null)), [spec]);
  const subscribe = useCallback(
    (cb) => {
      if (!kl || !spec.enabled) return () => {};
      const unsub = store.subscribe(cb);
      const cleanups = spec.c.map(({ cluster, url }, i) =>
        kl.subscribe({
          cluster,
          url,
          type: spec.type,
          protocols: spec.protocols,
          onMessage: (m) => handlers.current.connections?.[i]?.onMessage?.(m),
          onError: (e) => handlers.current.onError?.(e),
          onStatus: (s) => {
            const next = store.get().slice();
            next[i] = s;
            store.set(next);
          },
        }),
      );
      return () => {
        cleanups.forEach((c) => c());
        unsub();
      };
    },
    [kl, spec, store, handlers],
  );
  return useSyncExternalStore(subscribe, store.get, store.get);
}

/** A followed log: { lines, dropped, status }, bounded by maxLines. */
export function useLogs(options, client) {
  const kl = useClient(client);
  const o = useByValue(options);
  const store = useMemo(() => createStore({ lines: [], dropped: 0, status: 'connecting', error: null }), [o]);
  const subscribe = useCallback(
    (cb) => {
      if (!kl || !o || o.enabled === false) return () => {};
      const unsub = store.subscribe(cb);
      const max = o.maxLines ?? 10000;
      const onStatus = (status, e) =>
        store.set({ ...store.get(), status, error: e ? { message: e.message, code: e.code, reason: e.reason } : null });
      const { cancel } = kl.logs({ ...o, onStatus }, (lines, dropped) => {
        const all = store.get().lines.concat(lines);
        store.set({ ...store.get(), lines: all.length > max ? all.slice(all.length - max) : all, dropped });
      });
      return () => {
        cancel();
        unsub();
      };
    },
    [kl, o, store],
  );
  return useSyncExternalStore(subscribe, store.get, store.get);
}

/**
 * An exec session: { session, exit, status }. Output goes to onOutput(channel,
 * text) (write it to a terminal); exit is { code, error } once the process ended.
 */
export function useExec(options, onOutput, client) {
  const kl = useClient(client);
  const o = useByValue(options);
  const out = useLatest(onOutput);
  const store = useMemo(() => createStore({ session: null, exit: null, status: 'connecting' }), [o]);
  const subscribe = useCallback(
    (cb) => {
      if (!kl || !o || o.enabled === false) return () => {};
      const unsub = store.subscribe(cb);
      const session = kl.exec({
        ...o,
        onOutput: (ch, text) => out.current?.(ch, text),
        onExit: (code, error) => store.set({ ...store.get(), exit: { code, error } }),
        onStatus: (status) => store.set({ ...store.get(), status }),
      });
      store.set({ ...store.get(), session, exit: null });
      return () => {
        session.close();
        unsub();
      };
    },
    [kl, o, store, out],
  );
  return useSyncExternalStore(subscribe, store.get, store.get);
}

/**
 * The connection state of a list snapshot: { state: 'loading'|'live'|
 * 'reconnecting'|'stale'|'error', since, lastEvent, error }. It only reads
 * the snapshot: the status (staleness included) is decided in Go and
 * delivered as a new snapshot, so this always agrees with snapshot.status.
 */
export function useConnectionState(snapshot) {
  return useMemo(() => connectionState(snapshot), [snapshot]);
}

/** connectionState is useConnectionState's pure reading, exported for tests. */
export function connectionState(snapshot) {
  if (!snapshot) return { state: 'loading', since: 0, lastEvent: 0, error: null };
  const lists = snapshot.lists ?? [];
  const since = Math.max(0, ...lists.map((l) => l.since ?? 0));
  const events = lists.map((l) => l.lastEvent || l.since || 0).filter(Boolean);
  const lastEvent = events.length ? Math.min(...events) : 0;
  const e = snapshot.errors?.[0];
  return { state: snapshot.status, since, lastEvent, error: e ? { message: e.message, code: e.code, reason: e.reason } : null };
}
