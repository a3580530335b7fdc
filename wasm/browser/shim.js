// The browser half of kubelive's socket adapter. Frames wait in a JS queue
// and Go is woken once per burst, not once per frame: a JS->Go call costs
// ~20 us, a Go->JS call well under 1 us. Evaluated once by NewShim.
const enc = new TextEncoder();
const BAD = Object.freeze({ kubeliveBadFrame: true });
// WORKER_FLUSH_MS is how long a worker host's cache gathers events before a
// flush at least: short against a page's frame, long enough that a burst
// flushes once; WORKER_FLUSH_MAX_MS at most (one frame).
const WORKER_FLUSH_MS = 2;
const WORKER_FLUSH_MAX_MS = 16;
// WORKER_FLUSH_CHEAP_MS: a change that comes after a quiet spell (no flush
// for WORKER_FLUSH_MAX_MS) flushes on the next task when the last flush took
// less: a lone change is not held back for a burst. In a stream, flushes
// keep their wait (flushing at once there cost a fifth of the events/s).
const WORKER_FLUSH_CHEAP_MS = 1;
const CLOSE_OK = (c) => c === 1000 || (c >= 3000 && c <= 4999);
// Wake-ups go through a setTimeout(0) task instead of running inside the
// message event: frames that arrive before that task runs join the burst.
// Go's funcs are called without a receiver (callBare), so that no `this`
// object crosses into Go with each call (a js.Value costs Go an allocation
// and a finalizer).
const callBare = (fn) => fn();
const pending = new Set();
const flush = () => {
  const batch = [...pending];
  pending.clear();
  for (const s of batch) {
    if (s.wake) {
      shim.wakes++;
      callBare(s.wake);
    }
  }
};
const shim = {
  created: 0, // sockets ever created
  live: 0, // sockets whose close event has not fired yet
  wakes: 0, // JS->Go wake-up calls made (one per burst, not per frame)
  BAD,
  // prepare makes the record of one socket-to-be; wake is Go's wake-up;
  // a frame longer than maxFrame (bytes, or UTF-16 units of a text frame;
  // 0: no limit) closes the socket instead of reaching Go.
  prepare(wake, maxFrame) {
    return { ws: null, q: [], armed: true, state: 'idle', code: 0, reason: '', proto: '', wake, maxFrame, over: false };
  },
  // later wakes Go on the next task, so that a subscribe and a cleanup made
  // in the same task (a React remount) never create a socket.
  later(s) {
    setTimeout(() => {
      if (s.wake) callBare(s.wake);
    }, 0);
  },
  // open creates the WebSocket; it returns '' or why it could not.
  open(s, url, protocols) {
    let ws;
    try {
      ws = new WebSocket(url, protocols);
    } catch (e) {
      return String((e && e.message) || e);
    }
    shim.created++;
    shim.live++;
    ws.binaryType = 'arraybuffer';
    s.ws = ws;
    s.state = 'connecting';
    const signal = () => {
      if (s.armed && s.wake) {
        s.armed = false;
        if (pending.size === 0) setTimeout(flush, 0);
        pending.add(s);
      }
    };
    ws.onopen = () => {
      s.state = 'open';
      s.proto = ws.protocol;
      signal();
    };
    ws.onmessage = (ev) => {
      if (s.over) return;
      const d = ev.data;
      const size = typeof d === 'string' ? d.length : d.byteLength;
      if (s.maxFrame > 0 && size > s.maxFrame) {
        // Too big to take in: end the socket as 1009 (message too big);
        // the frames before it stay queued, nothing after it is taken.
        s.over = true;
        s.code = 1009;
        s.reason = `a frame of ${size} ${typeof d === 'string' ? 'characters' : 'bytes'} exceeds the limit of ${s.maxFrame}`;
        try {
          ws.close(4009, 'message too big');
        } catch (e) {
          ws.close();
        }
        signal();
        return;
      }
      s.q.push(d);
      signal();
    };
    ws.onclose = (ev) => {
      shim.live--;
      s.state = 'closed';
      if (!s.over) {
        s.code = ev.code;
        s.reason = ev.reason;
      }
      signal();
    };
    return '';
  },
  // poll re-arms the wake-up and returns the socket's state.
  poll(s) {
    s.armed = true;
    return s.state;
  },
  // drain returns the queued payloads (strings and ArrayBuffers) and their
  // byte sizes, and re-arms the wake-up.
  drain(s) {
    const q = s.q;
    s.q = [];
    s.armed = true;
    const sizes = new Uint32Array(q.length);
    const kinds = new Uint8Array(q.length);
    for (let i = 0; i < q.length; i++) {
      const d = q[i];
      if (typeof d === 'string') {
        sizes[i] = d.length;
      } else {
        sizes[i] = d.byteLength;
        kinds[i] = 1;
      }
    }
    return { q, sizes: new Uint8Array(sizes.buffer), kinds };
  },
  // drainInto is drain with every payload copied into one byte array, so Go
  // copies a burst in one call, into arrays the socket keeps so that no JS
  // object crosses into Go per burst: s.data gets the payloads end to end
  // (text frames encoded as UTF-8; encodeInto writes a lone surrogate as
  // U+FFFD; binary frames as they are), s.meta their total length and a
  // flag (1: both arrays go after this burst), then each frame's length
  // (all little-endian uint32s), then each frame's kind (1 binary, 0 text).
  // It returns the frame count n, or -n-1 when s.data or s.meta is a new
  // array that Go must take again. It re-arms the wake-up.
  drainInto(s) {
    const q = s.q;
    s.q = [];
    s.armed = true;
    const n = q.length;
    if (n === 0) return 0;
    let fresh = false;
    let bound = 0;
    for (let i = 0; i < n; i++) bound += typeof q[i] === 'string' ? 3 * q[i].length : q[i].byteLength;
    if (!s.data || s.data.length < bound) {
      s.data = new Uint8Array(Math.max(bound, 2 * (s.data ? s.data.length : 0), 1 << 16));
      fresh = true;
    }
    if (!s.meta || s.meta.length < 8 + 5 * n) {
      s.meta = new Uint8Array(Math.max(8 + 5 * n, 2 * (s.meta ? s.meta.length : 0), 256));
      s.metaView = new DataView(s.meta.buffer);
      fresh = true;
    }
    const { data, meta, metaView } = s;
    let off = 0;
    for (let i = 0; i < n; i++) {
      const d = q[i];
      const start = off;
      if (typeof d === 'string') {
        off += enc.encodeInto(d, data.subarray(off)).written;
        meta[8 + 4 * n + i] = 0;
      } else {
        data.set(new Uint8Array(d), off);
        off += d.byteLength;
        meta[8 + 4 * n + i] = 1;
      }
      metaView.setUint32(8 + 4 * i, off - start, true);
    }
    // Arrays grown for one big burst are not kept for the bursts after it:
    // they go on the next task, and Go, which copies them before it yields,
    // lets go of them when the flag says so.
    const big = data.length > 8 << 20 || meta.length > 1 << 20;
    metaView.setUint32(0, off, true);
    metaView.setUint32(4, big ? 1 : 0, true);
    if (big) {
      setTimeout(() => {
        if (s.data === data) s.data = null;
        if (s.meta === meta) s.meta = null;
      }, 0);
    }
    return fresh ? -n - 1 : n;
  },
  // pollClosed re-arms the wake-up and says whether the socket is closed.
  pollClosed(s) {
    s.armed = true;
    return s.state === 'closed';
  },
  send(s, data) {
    if (s.ws.readyState !== 1) return 'socket is not open';
    try {
      s.ws.send(data);
    } catch (e) {
      return String((e && e.message) || e);
    }
    return '';
  },
  // close closes the socket and detaches Go: no wake-up after this call.
  close(s, code, reason) {
    s.wake = null;
    pending.delete(s);
    s.q = [];
    if (!s.ws) return;
    try {
      s.ws.close(CLOSE_OK(code) ? code : 1000, reason);
    } catch (e) {
      s.ws.close();
    }
  },
  // get fetches url (GET) and calls done(status, Uint8Array body, error)
  // exactly once, even when aborted. It returns the AbortController. A probe
  // (after a failed WebSocket dial) carries this page's origin in
  // Kubelive-Probe-Origin: browsers send no Origin on a same-origin GET.
  // A LIST a worker host fetched before the module was ready
  // (shim.prefetched: js/src/prefetch.js) answers its first GET of the same
  // URL, once; it cannot be aborted, done still comes once.
  get(url, token, done, probe) {
    const ctl = new AbortController();
    const pre = !probe && shim.prefetched ? shim.prefetched.take(url) : null;
    if (pre) {
      pre.then((a) => done(a.status, a.bytes, a.err));
      return ctl;
    }
    const headers = token ? { Authorization: 'Bearer ' + token } : {};
    if (probe && globalThis.navigator?.onLine === false) {
      // Offline: no server can answer; the browser would only log a failure.
      queueMicrotask(() => done(0, null, 'the browser is offline'));
      return ctl;
    }
    if (probe && globalThis.location) headers['Kubelive-Probe-Origin'] = globalThis.location.origin;
    fetch(url, { headers, signal: ctl.signal, credentials: 'same-origin' })
      .then(async (r) => done(r.status, new Uint8Array(await r.arrayBuffer()), ''))
      .catch((e) => done(0, null, String((e && e.message) || e)));
    return ctl;
  },
  // entries returns [[name, String(value)], ...] of a plain object.
  entries(o) {
    return o && typeof o === 'object' ? Object.entries(o).map(([k, v]) => [k, String(v)]) : [];
  },
  holder(fn) {
    return { fn };
  },
  abort(ctl) {
    ctl.abort();
  },
  // frame calls h.fn once on the next animation frame, or after 100 ms when
  // the page is hidden and frames stop. In a worker (no document), after
  // WORKER_FLUSH_MS to WORKER_FLUSH_MAX_MS (by what the last flush cost; on
  // the next task after a quiet spell and a cheap flush), whether or not it
  // has frames: the pages it serves batch
  // per their own frames, so a worker that waited for a frame of its own
  // would only add one to every update's latency. Go clears h.fn before
  // releasing it.
  frame(h) {
    let done = false;
    const run = () => {
      if (!done) {
        done = true;
        if (h.fn) callBare(h.fn);
      }
    };
    if (!globalThis.document) {
      // As long as the last flush took, so that flushes of big lists take at
      // most half of the worker's thread, within one frame; at once after a
      // quiet spell and a cheap flush.
      const cost = h.cost || 0;
      const quiet = h.end === undefined || performance.now() - h.end >= WORKER_FLUSH_MAX_MS;
      const wait = quiet && cost < WORKER_FLUSH_CHEAP_MS ? 0 : Math.min(WORKER_FLUSH_MAX_MS, Math.max(WORKER_FLUSH_MS, cost));
      setTimeout(() => {
        const t0 = performance.now();
        run();
        h.end = performance.now();
        h.cost = h.end - t0;
      }, wait);
      return;
    }
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run);
    setTimeout(run, 100);
  },
  // parse decodes a JSON frame, returning BAD instead of throwing.
  parse(d) {
    if (typeof d !== 'string') d = new TextDecoder().decode(d);
    try {
      return JSON.parse(d);
    } catch (e) {
      return BAD;
    }
  },
  // parseBytes decodes a UTF-8 JSON payload (binary payloads stay bytes).
  parseBytes(u8, binary) {
    if (binary) return u8;
    try {
      return JSON.parse(new TextDecoder().decode(u8));
    } catch (e) {
      return BAD;
    }
  },
  u8(d) {
    return typeof d === 'string' ? enc.encode(d) : new Uint8Array(d);
  },
  // error makes the Error a callback gets: message (a sentence), and the
  // raw HTTP code and reason when there are any.
  error(msg, code, reason) {
    const e = new Error(msg);
    if (code) e.code = code;
    if (reason) e.reason = reason;
    return e;
  },
  // listenReach calls fn when the browser may reach the server again (back
  // online, the page visible or resumed) and returns the function that
  // stops listening.
  listenReach(fn) {
    const on = (t, type) => t && typeof t.addEventListener === 'function' && t.addEventListener(type, fn);
    const off = (t, type) => t && typeof t.removeEventListener === 'function' && t.removeEventListener(type, fn);
    const doc = globalThis.document;
    const visible = () => {
      if (!doc || doc.visibilityState !== 'hidden') fn();
    };
    on(globalThis, 'online');
    if (doc) {
      doc.addEventListener('visibilitychange', visible);
      doc.addEventListener('resume', fn);
    }
    return () => {
      off(globalThis, 'online');
      if (doc) {
        doc.removeEventListener('visibilitychange', visible);
        doc.removeEventListener('resume', fn);
      }
    };
  },
  // ws returns the browser WebSocket of a socket record (getSocket()).
  ws(s) {
    return s.ws;
  },
  status(state, error) {
    return error ? { state, error } : { state };
  },
  // call invokes fn(a, b), returning null, or the message of what it threw.
  call(fn, a, b) {
    try {
      fn(a, b);
      return null;
    } catch (e) {
      return String((e && e.message) || e || 'listener threw');
    }
  },
};
