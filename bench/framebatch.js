// B: "good JS". A Map by uid, events applied as they come, one immutable
// snapshot and one notification per animation frame.
import { LIST_PATH, Tracker, ctl, main, mode, now, release, render, verify, watchURL } from './common.js';

// P5's timeline: ms after navigation start of each step of this page's start.
const marks = { script: performance.now() };

class LiveList {
  constructor(items, rv) {
    this.byUid = new Map();
    for (const o of items) this.byUid.set(o.metadata.uid, o);
    this.rv = rv;
    this.listeners = new Set();
    this.scheduled = false;
    this.snapshot = this.snap();
  }
  snap() {
    return Object.freeze({ items: Object.freeze(Array.from(this.byUid.values())), resourceVersion: this.rv });
  }
  apply(ev) {
    const o = ev.object;
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.byUid.set(o.metadata.uid, o);
        break;
      case 'DELETED':
        this.byUid.delete(o.metadata.uid);
        break;
      default:
        return; // BOOKMARK, ERROR: not in this stream
    }
    this.rv = o.metadata.resourceVersion;
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }
  flush() {
    this.scheduled = false;
    this.snapshot = this.snap();
    for (const fn of this.listeners) fn(this.snapshot);
  }
}

main(async () => {
  const run = await ctl('/ctl/run');
  const tracker = new Tracker(run);
  marks.asked = performance.now();
  const resp = await fetch(LIST_PATH);
  marks.headers = performance.now();
  const body = await resp.json();
  marks.parsed = performance.now();
  const live = new LiveList(body.items, body.metadata.resourceVersion);
  if (mode === 'first') {
    marks.full = performance.now();
    await render(live.snapshot.items, (o) => o.metadata.name);
    marks.rendered = performance.now();
    marks.body = performance.getEntriesByName(resp.url).at(-1)?.responseEnd ?? NaN;
    return { firstList: marks.rendered, items: live.snapshot.items.length, timeline: marks };
  }
  live.listeners.add((s) => tracker.seen(s.resourceVersion, s.items.length, (uid) => live.byUid.get(uid)?.metadata.resourceVersion));
  const ws = new WebSocket(watchURL(body.metadata.resourceVersion), ['base64.binary.k8s.io']);
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (ev) => live.apply(JSON.parse(ev.data));
  ws.onopen = () => release();
  const end = await tracker.finished;
  ws.close();
  const items = live.snapshot.items;
  const check = mode === 'throughput' ? await verify(items, (o) => o.metadata.uid, (o) => o.metadata.resourceVersion) : { ok: true };
  window.benchHold = live;
  return { done: end, calls: tracker.calls, notifications: tracker.notifications, ...check, finishedAt: now() };
});
