// The package's two entries (index.js for a page, worker.js for the worker
// host) name every module of their import graph themselves, so that an
// unbundled page or worker fetches the whole graph in one round of
// requests instead of one level after another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src');

// importsOf is the package modules file imports or re-exports statically
// (relative specifiers, as file names).
function importsOf(file) {
  const text = readFileSync(path.join(SRC, file), 'utf8');
  const out = new Set();
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"]\.\/([^'"]+)['"]/gm)) out.add(m[1]);
  return out;
}

// graphOf is every module reachable from file, file itself left out.
function graphOf(file) {
  const seen = new Set();
  const walk = (f) => {
    for (const d of importsOf(f)) {
      if (seen.has(d)) continue;
      seen.add(d);
      walk(d);
    }
  };
  walk(file);
  seen.delete(file);
  return seen;
}

for (const entry of ['index.js', 'worker.js']) {
  test(`${entry} imports every module of its graph itself (one round of requests unbundled)`, () => {
    const direct = importsOf(entry);
    const graph = graphOf(entry);
    assert.ok(graph.size >= 5, `the graph was read: ${[...graph]}`);
    const missing = [...graph].filter((f) => !direct.has(f));
    assert.deepEqual(missing, [], `${entry} does not name these modules of its graph`);
  });
}

test('importsOf reads import, side-effect import and re-export forms', () => {
  const direct = importsOf('index.js');
  assert.ok(direct.has('load.js') && direct.has('client.js'), 'export ... from');
  assert.ok(direct.has('wasm_exec.js'), 'a side-effect import');
});
