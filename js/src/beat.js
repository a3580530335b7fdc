// Heartbeats between a page and its worker host, for where Web Locks are
// missing (in the page or in the worker): how the worker tells that a page
// is gone (closed, navigated, crashed) and how a page tells that its worker
// is gone or has let it go.
//
// The rule (both halves run it on a clock they are given, so that it is
// tested without waiting):
//   - A page sends a beat every BEAT_MS; the worker answers each one.
//   - The worker lets a visible page go (ends everything it opened) when it
//     has heard nothing from it for SILENT_MS (well within the 5 s promise). A
//     page says 'hidden' before it hides; a hidden page's timers are
//     throttled by the browser (in Chrome, to about once a minute after 5
//     minutes hidden) and stop while the page is frozen, so a hidden page is
//     let go only after HIDDEN_SILENT_MS of silence. A page that leaves
//     normally says goodbye (pagehide): it is let go at once (it turns
//     hidden as it unloads, so without the goodbye it would be kept that
//     long; a page that crashes while hidden is).
//   - A page whose oldest unanswered beat is SILENT_MS old takes its worker
//     for gone and connects again, handing over its lists: that covers a
//     worker that died and a page the worker let go while it was frozen.
//     The beat is timed by the page's own clock when it was sent, so a
//     throttled page (whose beats, and checks, run late together) never
//     misreads its own lateness as the worker's silence.

export const BEAT_MS = 1000;
export const SILENT_MS = 3000;
// SWEEP_MS is how often the worker looks for silent pages: a page is let go
// at most SILENT_MS + SWEEP_MS after its last beat, so within 3.25 s of a crash.
export const SWEEP_MS = 250;
export const HIDDEN_SILENT_MS = 180_000;

/**
 * systemClock is the clock of the real hosts: now() in ms, and every(ms, fn)
 * running fn every ms until the function it returns is called.
 * @type {{ now(): number, every(ms: number, fn: () => void): () => void }}
 */
export const systemClock = {
  now: () => Date.now(),
  every: (ms, fn) => {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  },
};

/**
 * pageWatcher is the worker's half: watch(page) starts timing one page and
 * returns { heard() (on every message from it), hidden(h) (it said it hid or
 * showed), stop() (it left otherwise) }; onGone(page) is called once for a
 * page silent too long for its visibility, which is then no longer watched.
 * One timer runs while any page is watched. A sweep that runs late (the
 * worker's thread was busy, so the pages' messages may be queued behind it)
 * lets nobody go: it counts every page as heard now.
 */
export function pageWatcher(clock, onGone) {
  const pages = new Map(); // page -> { last, hidden }
  let cancel = null;
  let lastSweep = 0;
  const sweep = () => {
    const now = clock.now();
    const late = now - lastSweep > 4 * SWEEP_MS;
    lastSweep = now;
    for (const [page, p] of pages) {
      if (late) p.last = now;
      else if (now - p.last >= (p.hidden ? HIDDEN_SILENT_MS : SILENT_MS)) {
        pages.delete(page);
        onGone(page);
      }
    }
    if (pages.size === 0) stopTimer();
  };
  const stopTimer = () => {
    cancel?.();
    cancel = null;
  };
  return {
    watch(page) {
      const p = { last: clock.now(), hidden: false };
      pages.set(page, p);
      if (!cancel) {
        lastSweep = clock.now();
        cancel = clock.every(SWEEP_MS, sweep);
      }
      return {
        heard: () => (p.last = clock.now()),
        hidden: (h) => {
          p.hidden = !!h;
          p.last = clock.now();
        },
        stop: () => {
          pages.delete(page);
          if (pages.size === 0) stopTimer();
        },
      };
    },
    get size() {
      return pages.size;
    },
  };
}

/**
 * pageBeats runs a page's half: send() every BEAT_MS, and onSilent() once
 * (then it stops) when a beat has been unanswered for SILENT_MS; answered()
 * on every message from the worker. A tick that runs late (the page was
 * throttled or frozen, and the answer may be queued behind it) starts the
 * count again from a fresh beat. It returns { answered, stop }.
 */
export function pageBeats(clock, send, onSilent) {
  let unanswered = -1; // when the oldest unanswered beat was sent; -1 when none is
  let lastTick = clock.now();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    const now = clock.now();
    if (now - lastTick > 2 * BEAT_MS) unanswered = -1;
    lastTick = now;
    if (unanswered >= 0 && now - unanswered >= SILENT_MS) {
      stop();
      onSilent();
      return;
    }
    if (unanswered < 0) unanswered = now;
    send();
  };
  const cancel = clock.every(BEAT_MS, tick);
  const stop = () => {
    stopped = true;
    cancel();
  };
  tick();
  return {
    answered() {
      unanswered = -1;
    },
    stop,
  };
}
