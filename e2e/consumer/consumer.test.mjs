// The consumer-app tier: the packed tarball (./build.sh pack) installed the way
// a third-party developer installs it, into a fresh copy of this directory's
// React app (npm ci from its lockfile, then npm install of the tarball), then
// type-checked with tsc, bundled with esbuild, served from a second origin and
// run in Chromium against cmd/kubelive. Every wait has a deadline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ROOT, launch, page, screenshot, start } from '../lib.mjs';

const run = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const VERSION = JSON.parse(readFileSync(path.join(ROOT, 'js/package.json'), 'utf8')).version;
const TARBALL = path.join(ROOT, 'dist', `kubelive-${VERSION}.tgz`);
const T = { timeout: 30000 };
const NPM = ['--no-audit', '--no-fund', '--loglevel=error'];

let tmp; // every directory this file makes, removed at the end
let app; // the consumer app, installed
let bin; // its node_modules/.bin
let server; // cmd/kubelive
let statics; // the second origin
let browser;

before(async () => {
  assert.ok(existsSync(TARBALL), `${TARBALL} is missing: run ./build.sh pack (or ./build.sh test-consumer)`);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kubelive-consumer-'));
  app = path.join(tmp, 'app');
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.bad.json', 'index.html', 'src']) {
    cpSync(path.join(HERE, f), path.join(app, f), { recursive: true });
  }
  await run('npm', ['ci', ...NPM], { cwd: app, timeout: 300000 });
  await run('npm', ['install', ...NPM, TARBALL], { cwd: app, timeout: 120000 });
  bin = path.join(app, 'node_modules', '.bin');
});

after(async () => {
  await browser?.close();
  server?.stop();
  statics?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** exec runs a command and resolves to { code, out } instead of rejecting on a non-zero exit. */
async function exec(cmd, args, cwd) {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, timeout: 120000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    if (typeof err.code !== 'number') throw err;
    return { code: err.code, out: `${err.stdout}${err.stderr}` };
  }
}

test('the tarball holds the ES modules, kubelive.wasm, the matching wasm_exec.js, the types and the docs', async () => {
  const { stdout } = await run('tar', ['tzf', TARBALL]);
  const files = stdout.split('\n').filter(Boolean).sort();
  for (const f of ['src/index.js', 'src/load.js', 'src/client.js', 'src/react.js', 'src/wasm_exec.js', 'src/kubelive.wasm', 'src/kubelive-worker.js',
    'src/index.d.ts', 'src/react.d.ts', 'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    assert.ok(files.includes(`package/${f}`), `package/${f} is not in the tarball: ${files.join(', ')}`);
  }
  const pkg = path.join(app, 'node_modules', 'kubelive');
  const { stdout: goroot } = await run('go', ['env', 'GOROOT']);
  assert.ok(
    readFileSync(path.join(pkg, 'src/wasm_exec.js')).equals(readFileSync(path.join(goroot.trim(), 'lib/wasm/wasm_exec.js'))),
    'wasm_exec.js is the one of the Go that built kubelive.wasm',
  );
  assert.ok(readFileSync(path.join(pkg, 'src/kubelive.wasm')).equals(readFileSync(path.join(ROOT, 'dist/kubelive.wasm'))));
  const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
  assert.equal(manifest.license, 'Apache-2.0');
  assert.match(readFileSync(path.join(pkg, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
  assert.equal(manifest.repository?.type, 'git');
  assert.match(manifest.repository?.url ?? '', /kubelive/);
});

test('React is an optional peer: an app without React installs no React and bundles the core entry', async () => {
  const bare = path.join(tmp, 'bare');
  cpSync(path.join(HERE, 'index.html'), path.join(bare, 'index.html'));
  writeFileSync(path.join(bare, 'package.json'), JSON.stringify({ name: 'bare', private: true, type: 'module' }));
  writeFileSync(path.join(bare, 'core.js'), "import { load } from 'kubelive';\nglobalThis.load = load;\n");
  writeFileSync(path.join(bare, 'hooks.js'), "import { useKubeList } from 'kubelive/react';\nglobalThis.useKubeList = useKubeList;\n");
  await run('npm', ['install', ...NPM, TARBALL], { cwd: bare, timeout: 120000 });
  assert.ok(existsSync(path.join(bare, 'node_modules/kubelive/package.json')));
  assert.ok(!existsSync(path.join(bare, 'node_modules/react')), 'npm installed React for a required peer');

  const core = await exec(path.join(bin, 'esbuild'), ['core.js', '--bundle', '--format=esm', '--outfile=out/core.js', '--metafile=out/meta.json', '--log-level=error'], bare);
  assert.equal(core.code, 0, core.out);
  const inputs = Object.keys(JSON.parse(readFileSync(path.join(bare, 'out/meta.json'), 'utf8')).inputs);
  assert.ok(inputs.some((i) => i.endsWith('kubelive/src/load.js')), inputs.join(', '));
  assert.deepEqual(inputs.filter((i) => /react/.test(i)), [], 'the core entry pulls in nothing from React');
  // The same bundler does see an import of React: kubelive/react needs it.
  const hooks = await exec(path.join(bin, 'esbuild'), ['hooks.js', '--bundle', '--format=esm', '--outfile=out/hooks.js', '--log-level=error'], bare);
  assert.notEqual(hooks.code, 0);
  assert.match(hooks.out, /Could not resolve "react"/);
});

test('kubelive/kubelive.wasm is exported for bundlers that turn an imported file into its URL', async () => {
  const dir = path.join(tmp, 'asset');
  writeFileSync(path.join(app, 'asset.js'), "import wasmURL from 'kubelive/kubelive.wasm';\nconsole.log(wasmURL);\n");
  const b = await exec(path.join(bin, 'esbuild'), ['asset.js', '--bundle', '--format=esm', '--loader:.wasm=file',
    '--asset-names=[name]', `--outdir=${path.join(dir, 'out')}`, '--log-level=error'], app);
  assert.equal(b.code, 0, b.out);
  assert.ok(readFileSync(path.join(dir, 'out/kubelive.wasm')).equals(readFileSync(path.join(app, 'node_modules/kubelive/src/kubelive.wasm'))));
  const { stdout } = await run('node', [path.join(dir, 'out/asset.js')]);
  assert.equal(stdout.trim(), './kubelive.wasm');
});

/** tsc type-checks the app with a tsconfig under one moduleResolution (and its matching module). */
function tsc(config, resolution, ...flags) {
  const mod = resolution === 'bundler' ? 'esnext' : resolution;
  return exec(path.join(bin, 'tsc'), ['-p', config, '--pretty', 'false', '--module', mod, '--moduleResolution', resolution, ...flags], app);
}

for (const resolution of ['bundler', 'nodenext']) {
  test(`tsc --noEmit passes under moduleResolution ${resolution} on every hook with the app's own types`, async () => {
    const r = await tsc('tsconfig.json', resolution);
    assert.equal(r.code, 0, r.out);
  });
}

test('tsc reports each deliberate type error of src/bad.tsx, and nothing else', async () => {
  const src = readFileSync(path.join(app, 'src/bad.tsx'), 'utf8').split('\n');
  const want = src.flatMap((l, i) => [...l.matchAll(/\/\/ error (TS\d+)$/g)].map((m) => `${i + 1} ${m[1]}`));
  assert.ok(want.length >= 3, 'bad.tsx marks its errors');
  // skipLibCheck, as many apps set it, hides errors inside the declarations: then only these
  // errors tell that the hooks kept their types instead of turning into `any`.
  for (const [resolution, ...flags] of [['bundler'], ['nodenext'], ['nodenext', '--skipLibCheck']]) {
    const r = await tsc('tsconfig.bad.json', resolution, ...flags);
    assert.notEqual(r.code, 0, `tsc passed on bad.tsx (${resolution} ${flags})`);
    const got = [...r.out.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+):/gm)].map((m) => `${m[1] === 'src/bad.tsx' ? '' : `${m[1]}:`}${m[2]} ${m[3]}`);
    assert.deepEqual(got, want, r.out);
  }
});

/** serveStatic serves dir on a loopback port of its own, recording each path asked for. */
async function serveStatic(dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };
  const seen = [];
  const srv = createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    seen.push(p);
    const file = path.join(dir, p.endsWith('/') ? `${p}index.html` : p);
    if (!file.startsWith(dir + path.sep) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return { origin: `http://127.0.0.1:${srv.address().port}`, seen, close: () => srv.close() };
}

/** rows is what the server LISTs, as the page renders it: namespace/name@resourceVersion, sorted. */
async function rows(base) {
  const r = await fetch(`${base}/clusters/demo/api/v1/pods`);
  assert.equal(r.status, 200);
  return (await r.json()).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}@${p.metadata.resourceVersion}`).sort();
}

/** tableMatchesServer waits until the page is live and its table equals the server's LIST. */
async function tableMatchesServer(p, base) {
  const deadline = Date.now() + T.timeout;
  let want = [];
  let got = [];
  let state = '';
  while (Date.now() < deadline) {
    want = await rows(base);
    ({ got, state } = await p.evaluate(() => ({
      got: [...document.querySelectorAll('#pods tr')].map((tr) => tr.dataset.row).sort(),
      state: document.getElementById('status')?.dataset.state ?? '',
    })));
    if (state === 'live' && got.length > 0 && JSON.stringify(got) === JSON.stringify(want)) return got;
    await p.waitForTimeout(100); // a poll interval between two comparisons, not a wait for an outcome
  }
  assert.fail(`after ${T.timeout} ms the page is ${state} with ${got.length} rows; the server lists ${want.length}\n` +
    `missing: ${want.filter((r) => !got.includes(r)).slice(0, 5)}\nextra: ${got.filter((r) => !want.includes(r)).slice(0, 5)}`);
}

let bundled; // the app bundled and served once, for the tests below

/** served bundles the app as a user would and serves it from its own origin (once). */
function served() {
  bundled ??= (async () => {
    const pub = path.join(tmp, 'public');
    // esbuild leaves new URL('./kubelive.wasm', import.meta.url) as is, so the module is copied
    // next to the bundle, in a folder of its own so that it is not also next to the page; a copy
    // elsewhere is for the wasmURL override.
    const b = await exec(path.join(bin, 'esbuild'), ['src/app.tsx', '--bundle', '--format=esm', '--jsx=automatic', '--minify',
      '--target=es2022', `--outfile=${pub}/assets/app.js`, '--metafile=meta.json', '--log-level=warning'], app);
    assert.equal(b.code, 0, b.out);
    const inputs = Object.keys(JSON.parse(readFileSync(path.join(app, 'meta.json'), 'utf8')).inputs);
    assert.ok(inputs.includes('node_modules/react/index.js'), inputs.join(', '));
    assert.deepEqual(inputs.filter((i) => /node_modules\/kubelive\/node_modules/.test(i)), [], "one copy of React, the app's");
    cpSync(path.join(app, 'index.html'), path.join(pub, 'index.html'));
    cpSync(path.join(app, 'node_modules/kubelive/src/kubelive.wasm'), path.join(pub, 'assets/kubelive.wasm'));
    cpSync(path.join(app, 'node_modules/kubelive/src/kubelive-worker.js'), path.join(pub, 'assets/kubelive-worker.js'));
    mkdirSync(path.join(pub, 'elsewhere'));
    cpSync(path.join(app, 'node_modules/kubelive/src/kubelive.wasm'), path.join(pub, 'elsewhere/k.wasm'));
    statics = await serveStatic(pub);
    browser = await launch();
  })();
  return bundled;
}

test('the bundled app, served from a second origin, shows the pods the server lists and follows a change', async () => {
  await served();
  server = await start(path.join(ROOT, '.bin/kubelive'),
    ['--addr', '127.0.0.1:0', '--static', '', '--churn', '0', '--allow-origin', statics.origin.replace('http://', '')], 'KUBELIVE_ADDR');
  const base = `http://${server.addr}`;
  assert.notEqual(new URL(base).origin, statics.origin);

  statics.seen.length = 0;
  const p = await page(browser, `${statics.origin}/?backend=${encodeURIComponent(base)}`);
  await tableMatchesServer(p, base);
  assert.ok(statics.seen.includes('/assets/kubelive.wasm'), `the default wasm URL is next to the bundle: ${statics.seen}`);
  assert.ok(statics.seen.includes('/assets/kubelive-worker.js'), `the default worker URL is next to the bundle: ${statics.seen}`);
  assert.equal(await p.evaluate(() => window.kubelive?.stats().host), 'shared-worker', 'host auto: a SharedWorker');
  // useLogs over a cross-origin WebSocket: lines of a pod from the live list arrive.
  await p.waitForSelector('#log[data-status=open]:not([data-lines="0"])', T);

  const name = `consumer-${process.pid}`;
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox:1.37' }] } };
  const r = await fetch(`${base}/clusters/demo/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(pod) });
  assert.equal(r.status, 201, await r.text());
  const changed = await tableMatchesServer(p, base);
  assert.ok(changed.some((row) => row.startsWith(`default/${name}@`)), 'the created pod is in the table');
  await screenshot(p, 'consumer-app');
  assert.deepEqual(p.errors, []);
  await p.close();

  statics.seen.length = 0;
  const q = await page(browser, `${statics.origin}/?backend=${encodeURIComponent(base)}&wasm=${encodeURIComponent('/elsewhere/k.wasm')}`);
  await tableMatchesServer(q, base);
  assert.ok(statics.seen.includes('/elsewhere/k.wasm') && !statics.seen.includes('/assets/kubelive.wasm'), `wasmURL overrides the default: ${statics.seen}`);
  assert.deepEqual(q.errors, []);
  await q.close();
});

test('without --allow-origin for its origin, the app gets no data and its list says why', async () => {
  await served();
  const other = await start(path.join(ROOT, '.bin/kubelive'), ['--addr', '127.0.0.1:0', '--static', '', '--churn', '0'], 'KUBELIVE_ADDR');
  try {
    // The page host: the browser reports the blocked requests in the page's console.
    const p = await page(browser, `${statics.origin}/?host=page&backend=${encodeURIComponent(`http://${other.addr}`)}`);
    await p.waitForSelector('#status[data-state=error]', T);
    const status = await p.evaluate(() => ({ errors: document.getElementById('status').dataset.errors, rows: document.querySelectorAll('#pods tr').length }));
    assert.equal(status.rows, 0);
    assert.match(status.errors, /GET api\/v1\/pods.*fetch/);
    assert.ok(p.errors.some((e) => /blocked by CORS policy/.test(e)), p.errors.join('\n'));
    await p.close();
  } finally {
    other.stop();
  }
});
