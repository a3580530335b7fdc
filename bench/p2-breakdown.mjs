// p2-breakdown splits the worker host's P2 latency (server send -> the
// page's subscriber callback) into the stages of an event's path, for the
// slowest 1% of events apart from the rest. It reads the files that
// `P2_TRACE=1 node bench/run.mjs --only p2 ...` writes with the stamps of
// bench/p2-trace.patch applied (git apply bench/p2-trace.patch; rebuild the
// wasm; git apply -R to take them out again):
//
//   node bench/p2-breakdown.mjs /tmp/p2-trace-kubelive-worker-0.json ...
//
// Stages, per event i (the i-th socket message of the worker is the i-th
// event the server sent; per-URL mode, one watch):
//   net    server send -> the worker's message event (the worker's thread
//          busy, e.g. in a Go collection, shows here)
//   wake   -> the setTimeout(0) task that hands the burst to Go
//   gather -> the start of Go's next cache flush (the flush timer's wait)
//   go     -> the batch posted (the flush, the snapshot, encodeList)
//   post   -> the page's message event
//   wait   -> the page's apply (its next animation frame, or at once)
//   apply  -> the subscriber called
// floor: send -> the page's first frame with an apply after the send: what
// the latency would be if every stage before the page's frame took no time.
import fs from 'node:fs';

const FRAME_MS = 1000 / 60;
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];
// firstAtLeast returns the first element of sorted whose key is >= v.
function firstAtLeast(sorted, v, key = (x) => x) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (key(sorted[m]) < v) lo = m + 1;
    else hi = m;
  }
  return sorted[lo];
}
const mean = (rows) => Object.fromEntries(Object.keys(rows[0]).map((k) => [k, +(rows.reduce((s, r) => s + r[k], 0) / rows.length).toFixed(1)]));

for (const file of process.argv.slice(2)) {
  const { sends, rvs, calls, trace } = JSON.parse(fs.readFileSync(file, 'utf8'));
  const msgs = trace.flatMap((t) => t.msgs);
  const wakes = trace.flatMap((t) => t.wakes).sort((a, b) => a - b);
  const flushes = trace.flatMap((t) => t.flushes).map((f) => f[1]).sort((a, b) => a - b);
  const posts = [...trace].sort((a, b) => a.postAt - b.postAt);
  // The page's frames: its applies (nearly all in a frame's callback), the
  // spells with none (the worker stalled, nothing to apply) filled with
  // frames 16.7 ms apart.
  const applies = [];
  for (const t of [...new Set(trace.map((x) => x.applyAt))].sort((a, b) => a - b)) {
    for (let f = applies.at(-1) + FRAME_MS; t - f > FRAME_MS / 2; f += FRAME_MS) applies.push(f);
    applies.push(t);
  }
  const gcs = trace.flatMap((t) => t.gcs ?? []);
  const rows = [];
  const floor = [];
  let j = 0;
  for (let i = 0; i < sends.length && i < msgs.length; i++) {
    const rv = Number(rvs[i]);
    while (j < calls.length && calls[j + 1] < rv) j += 2;
    if (j >= calls.length) break;
    const m = msgs[i];
    const w = firstAtLeast(wakes, m);
    const f = firstAtLeast(flushes, w);
    const p = firstAtLeast(posts, f, (x) => x.postAt);
    const a = firstAtLeast(applies, sends[i]);
    if (w === undefined || f === undefined || !p || a === undefined) continue;
    floor.push(a - sends[i]);
    rows.push({ latency: calls[j] - sends[i], net: m - sends[i], wake: w - m, gather: f - w, go: p.postAt - f, post: p.recvAt - p.postAt, wait: p.applyAt - p.recvAt, apply: p.cbAt - p.applyAt });
  }
  rows.sort((x, y) => x.latency - y.latency);
  floor.sort((x, y) => x - y);
  const cut = Math.floor(rows.length * 0.99);
  const lat = rows.map((r) => r.latency);
  // The worker's longest stalls between two socket messages, and whether a Go collection ended within 3 messages of one.
  const gaps = msgs.slice(1).map((t, k) => [t - msgs[k], k + 1]).sort((x, y) => y[0] - x[0]).slice(0, 6);
  const nearGC = (k) => gcs.some((g) => { const n = msgs.findIndex((t) => t > g); return n >= k - 3 && n <= k + 3; });
  const per = {};
  for (const t of trace) per[t.nb] = (per[t.nb] ?? 0) + 1;
  console.log(`${file}: ${rows.length} events, ${trace.length} batches, p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms; floor p50 ${pct(floor, 50).toFixed(1)}, p99 ${pct(floor, 99).toFixed(1)}`);
  console.log(`  mean of the fastest 99%: ${JSON.stringify(mean(rows.slice(0, cut)))}`);
  console.log(`  mean of the slowest 1%:  ${JSON.stringify(mean(rows.slice(cut)))}`);
  console.log(`  batches per apply: ${JSON.stringify(per)}; Go collections during the stream: ${gcs.filter((g) => g > msgs[0]).length}`);
  console.log(`  longest stalls between socket messages: ${gaps.map(([g, k]) => `${g.toFixed(1)} ms${nearGC(k) ? ' (GC)' : ''}`).join(', ')}`);
}
