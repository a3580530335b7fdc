// heapsummary takes a V8 heap snapshot over a CDP session and says what
// holds the memory, for P4's question of what the backing stores outside
// V8's heap are: the bytes of every ArrayBuffer's data (the module's memory,
// fetched bodies, transferred frames) grouped by what retains the buffer,
// and the strings by kind (external strings keep their text outside V8's
// heap: Blink's decoded text).
//
// Used by `node bench/run.mjs --p4-snapshot` (one snapshot per P4 visit, page
// and worker); run alone it summarises a saved .heapsnapshot file:
//   node bench/heapsummary.mjs file.heapsnapshot
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** take returns the snapshot's JSON text, read over send/on of one CDP target. */
export async function take(send, on, off) {
  const chunks = [];
  const onChunk = (e) => chunks.push(e.chunk);
  on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await send('HeapProfiler.enable');
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
  } finally {
    off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  return chunks.join('');
}

/**
 * summarise reads a snapshot's JSON text and returns { total, byType,
 * buffers, strings }: bytes per node type, ArrayBuffer data by retainer
 * path (the nearest named owners, up to depth 4), and string bytes by kind.
 */
export function summarise(text) {
  const s = JSON.parse(text);
  const { node_fields: nf, edge_fields: ef, node_types: nt, edge_types: et } = s.snapshot.meta;
  const N = nf.length;
  const E = ef.length;
  const nodes = s.nodes;
  const edges = s.edges;
  const strs = s.strings;
  const typeNames = nt[0];
  const edgeTypes = et[0];
  const iType = nf.indexOf('type');
  const iName = nf.indexOf('name');
  const iSize = nf.indexOf('self_size');
  const iEdges = nf.indexOf('edge_count');
  const eType = ef.indexOf('type');
  const eName = ef.indexOf('name_or_index');
  const eTo = ef.indexOf('to_node');
  const count = nodes.length / N;
  // retainers: for each node (by ordinal), the ordinals pointing at it (weak edges left out)
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * N + iEdges] * E;
  }
  firstEdge[count] = edges.length;
  const retainers = Array.from({ length: count }, () => []);
  for (let i = 0; i < count; i++) {
    for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += E) {
      if (edgeTypes[edges[e + eType]] === 'weak') continue;
      retainers[edges[e + eTo] / N].push(i);
    }
  }
  const type = (i) => typeNames[nodes[i * N + iType]];
  const name = (i) => strs[nodes[i * N + iName]];
  const size = (i) => nodes[i * N + iSize];
  const label = (i) => `${type(i)}:${name(i).slice(0, 60)}`;

  const byType = {};
  let total = 0;
  const strings = {};
  const buffers = {};
  for (let i = 0; i < count; i++) {
    const t = type(i);
    const sz = size(i);
    total += sz;
    byType[t] = (byType[t] ?? 0) + sz;
    if (t === 'string' || t === 'concatenated string' || t === 'sliced string') {
      strings[t] = (strings[t] ?? 0) + sz;
    }
    if (t === 'native' && /ArrayBuffer/.test(name(i))) {
      // the owners: up to three steps up through unnamed or system nodes
      const path = [];
      let cur = i;
      for (let d = 0; d < 4; d++) {
        const up = retainers[cur].filter((r) => type(r) !== 'synthetic');
        if (!up.length) break;
        cur = up[0];
        path.push(label(cur) + (up.length > 1 ? ` (+${up.length - 1})` : ''));
      }
      const key = `${name(i)} <- ${path.join(' <- ')}`;
      const b = (buffers[key] ??= { bytes: 0, n: 0 });
      b.bytes += sz;
      b.n++;
    }
  }
  return { total, byType, strings, buffers };
}

/** report formats a summary as lines, the largest first. */
export function report(sum, top = 12) {
  const mb = (x) => (x / 1e6).toFixed(1);
  const lines = [`snapshot: ${mb(sum.total)} MB in all`];
  lines.push(`  by type: ${Object.entries(sum.byType).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([t, x]) => `${t} ${mb(x)}`).join(', ')}`);
  lines.push(`  strings: ${Object.entries(sum.strings).map(([t, x]) => `${t} ${mb(x)}`).join(', ')}`);
  const bufs = Object.entries(sum.buffers).sort((a, b) => b[1].bytes - a[1].bytes);
  lines.push(`  ArrayBuffer data: ${mb(bufs.reduce((n, [, b]) => n + b.bytes, 0))} MB in ${bufs.reduce((n, [, b]) => n + b.n, 0)} buffers`);
  for (const [k, b] of bufs.slice(0, top)) lines.push(`    ${mb(b.bytes)} MB in ${b.n}: ${k}`);
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const l of report(summarise(readFileSync(process.argv[2], 'utf8')))) console.log(l);
}
