#!/usr/bin/env bash
# kubelive's one entry point. ./build.sh help lists the subcommands.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BIN=$ROOT/.bin
DIST=$ROOT/dist
export PATH="$BIN:$PATH:/usr/local/go/bin"
export GOFLAGS=${GOFLAGS:--buildvcs=false}

log() { printf '\n== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- installs
# Everything a fresh Debian machine with Go and Node lacks, pinned.
need_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  log "installing Debian chromium"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
}

need_gotools() {
  mkdir -p "$BIN"
  # wasmbrowsertest v0.11.0 built against chromedp v0.14.2 (tools/go.mod pins both)
  [ -x "$BIN/wasmbrowsertest" ] && [ "$BIN/wasmbrowsertest" -nt tools/go.sum ] ||
    go build -C tools -o "$BIN/wasmbrowsertest" github.com/agnivade/wasmbrowsertest
  install -m 0755 scripts/chromium-shim "$BIN/chromium"
  go build -o "$BIN/wstestserver" ./cmd/wstestserver
  go build -o "$BIN/kubelive" ./cmd/kubelive
}

need_npm() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

deps() { need_chromium; need_gotools; need_npm; }

# ---------------------------------------------------------------- build
# wasm_exec_js puts the Go toolchain's wasm_exec.js in js/src, where the loader imports it from.
wasm_exec_js() { cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" js/src/wasm_exec.js; }

# WASM_GCFLAGS compile three cold standard packages without inlining: their
# helpers, inlined into every caller, cost the module 36 KB gzipped (fmt
# alone 25 KB; BENCHMARKS.md, issue 19). fmt formats errors and log text,
# time parses and formats timestamps, net/url builds request URLs: calls,
# never an inner loop of the data path.
WASM_GCFLAGS=(-gcflags=fmt=-l -gcflags=time=-l -gcflags=net/url=-l)
# WASM_GZ_MAX: the contract's P5 size, "the .wasm gzipped under 1.5 MB".
WASM_GZ_MAX=1500000

build_wasm() {
  mkdir -p "$DIST"
  wasm_exec_js
  GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' "${WASM_GCFLAGS[@]}" -o "$DIST/kubelive.wasm" ./wasm
  gzip -9 -c "$DIST/kubelive.wasm" >"$DIST/kubelive.wasm.gz"
  local raw gz; raw=$(stat -c %s "$DIST/kubelive.wasm"); gz=$(stat -c %s "$DIST/kubelive.wasm.gz")
  printf 'wasm: %s bytes raw, %s bytes gzipped\n' "$raw" "$gz" >&2
  if [ "$gz" -ge "$WASM_GZ_MAX" ]; then
    echo "wasm: $gz bytes gzipped is not under $WASM_GZ_MAX (P5); ./build.sh size shows where the code goes" >&2
    exit 1
  fi
}

# size_report prints the module's code per package group, from a build that keeps
# its name section (the shipped one is stripped), and the shipped sizes.
size_report() {
  build_wasm
  GOOS=js GOARCH=wasm go build -trimpath "${WASM_GCFLAGS[@]}" -o "$DIST/kubelive-names.wasm" ./wasm
  go run ./scripts/wasmsize "$DIST/kubelive-names.wasm"
}

build_web() {
  need_npm
  mkdir -p web/dist
  if [ -f web/src/main.jsx ]; then
    node_modules/.bin/esbuild web/src/main.jsx --bundle --format=esm --minify --sourcemap \
      --jsx=automatic --target=es2022 --log-level=warning --outfile=web/dist/app.js
  fi
  # the client alone (an ES module) and a bare page exposing it as window.kubelive
  node_modules/.bin/esbuild js/src/index.js --bundle --format=esm --minify --target=es2022 \
    --log-level=warning --outfile=web/dist/kubelive.js
  # the worker host's entry, self-contained, next to kubelive.js (its default URL)
  build_worker web/dist/kubelive-worker.js
  cp web/index.html web/bare.html web/dist/
  cp "$DIST/kubelive.wasm" "$DIST/kubelive.wasm.gz" web/dist/
}

# build_worker bundles the worker host (js/src/worker.js with the loader,
# the client and wasm_exec.js) into one module file: kubelive-worker.js.
build_worker() {
  need_npm
  node_modules/.bin/esbuild js/src/worker.js --bundle --format=esm --minify --target=es2022 \
    --log-level=warning --outfile="$1"
}

build_server() {
  go build -o "$BIN/kubelive" ./cmd/kubelive
  go build -o "$BIN/headlampdouble" ./cmd/headlampdouble
}

# build runs once per invocation: the tiers of `test` share it.
BUILT=""
build() {
  [ -z "$BUILT" ] || return 0
  build_wasm; build_web; build_server
  BUILT=1
}

# pack_tarball stages js/ with the built kubelive.wasm and the wasm_exec.js of
# the Go that built it (the two must match), README, LICENSE and CHANGELOG,
# then npm-packs it into dist/kubelive-<version>.tgz. It uses the last build.
pack_tarball() {
  [ -f "$DIST/kubelive.wasm" ] || { echo "pack: dist/kubelive.wasm is missing: run ./build.sh build" >&2; exit 1; }
  local stage=$ROOT/.tmp/pack
  rm -rf "$stage"
  mkdir -p "$stage"
  cp -R js/package.json js/src "$stage/"
  cp README.md LICENSE CHANGELOG.md "$stage/"
  install -m 0644 "$DIST/kubelive.wasm" "$stage/src/kubelive.wasm"
  cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$stage/src/wasm_exec.js"
  cp "$stage/src/wasm_exec.js" js/src/wasm_exec.js
  build_worker "$stage/src/kubelive-worker.js"
  local tgz
  tgz=$(cd "$stage" && npm pack --pack-destination "$DIST" --loglevel=error)
  printf 'pack: dist/%s, %s bytes\n' "$tgz" "$(stat -c %s "$DIST/$tgz")" >&2
}

pack() { build_wasm; pack_tarball; }

serve() {
  build
  [ -x "$BIN/kubelive" ] || { echo "the server (cmd/kubelive) is not built yet" >&2; exit 1; }
  exec "$BIN/kubelive" --addr "${KUBELIVE_ADDR:-127.0.0.1:8080}" --static web/dist "$@"
}

# ---------------------------------------------------------------- test tiers
test_vet() {
  log "vet (native and js/wasm)"
  go vet ./...
  GOOS=js GOARCH=wasm go vet ./wasm/... ./internal/...
  local bad; bad=$(gofmt -l internal wasm server cmd js 2>/dev/null || true)
  [ -z "$bad" ] || { echo "gofmt needed: $bad" >&2; exit 1; }
}

test_go() {
  log "native go test -race"
  go test -race -timeout 10m ./...
}

test_wasm() {
  need_chromium; need_gotools
  log "wasm tests in headless Chromium"
  GOOS=js GOARCH=wasm go test -exec "$ROOT/scripts/go_js_wasm_exec" -timeout 5m -parallel 4 ./wasm/...
}

test_js() {
  need_gotools; wasm_exec_js
  log "JS unit tests"
  node --test js/test/*.test.mjs
}

test_e2e() {
  need_chromium; need_gotools; need_npm; build
  log "browser end-to-end tests (playwright-core + Debian chromium)"
  node --test --test-concurrency=1 e2e/*.test.mjs
}

test_consumer() {
  need_chromium; need_gotools; need_npm; build; pack_tarball
  log "consumer app: the packed tarball in a fresh React app (npm ci, esbuild, tsc, Chromium)"
  node --test e2e/consumer/consumer.test.mjs
}

test_real() {
  need_chromium; need_gotools
  if [ -x scripts/realtier/run.sh ]; then
    log "real-cluster tier (etcd + kube-apiserver)"
    scripts/realtier/run.sh
  else
    echo "real-cluster tier: not present yet" >&2
  fi
}

test_bench() {
  need_chromium; need_gotools; need_npm; build
  log "benchmark smoke run (every contender must reach the final state)"
  KUBELIVE_BENCH_NOBUILD=1 scripts/bench.sh --smoke
}

test_chaos() {
  need_chromium; need_gotools; need_npm; build
  log "chaos run: 20 lists x 2 modes, churn, drops, forced 410s, pauses, server restarts"
  node e2e/chaos.mjs "$@"
}

test_fuzz() {
  log "fuzz smoke: every target, ${FUZZTIME:-100000x} executions"
  scripts/fuzz.sh "${FUZZTIME:-100000x}"
}

test_all() {
  deps
  test_vet
  test_go
  test_fuzz
  test_wasm
  test_js
  test_e2e
  test_consumer
  test_bench
  test_real
  log "all tiers passed"
}

usage() {
  cat <<'USAGE'
usage: ./build.sh COMMAND
  build       build the wasm module, the JS, the dashboard and the server
  pack        build the wasm module, then npm-pack the JS package into dist/kubelive-<version>.tgz
  size        build the wasm module (failing at 1.5 MB gzipped), then print its code per package
  serve       build, then serve the dashboard on $KUBELIVE_ADDR (default 127.0.0.1:8080; extra args go to the server)
  test        install what is missing, then run every tier below
  deps        install chromium (apt), pinned Go tools, npm packages from the lockfile
  test-vet    go vet (native and js/wasm) and gofmt
  test-go     native go test -race
  test-wasm   wasm tests in headless Chromium (wasmbrowsertest)
  test-js     JS unit tests (node --test)
  test-e2e    browser end-to-end tests (playwright-core), a short chaos run among them
  test-consumer  pack, install the tarball into a fresh React app (e2e/consumer), bundle and
              type-check it, and run it in Chromium from a second origin
  chaos       the full chaos run (100,000 events, 100 drops, 20 forced 410s, 5 restarts,
              10 pauses up to 5 s); flags such as --events N go to e2e/chaos.mjs
  test-real   the real-cluster tier (real etcd + kube-apiserver)
  test-bench  one small benchmark run as a smoke test
  test-fuzz   every fuzz target, 100,000 executions each (FUZZTIME=1000000x for a long run)
  bench       the benchmarks of BENCHMARKS.md (P1-P5); --profile adds CPU profiles
USAGE
}

case "${1:-help}" in
  build) build ;;
  serve) shift; serve "$@" ;;
  test) test_all ;;
  deps) deps ;;
  test-vet) test_vet ;;
  test-go) test_go ;;
  test-wasm) test_wasm ;;
  test-js) test_js ;;
  test-e2e) test_e2e ;;
  test-consumer) test_consumer ;;
  pack) pack ;;
  size) size_report ;;
  chaos) shift; test_chaos "$@" ;;
  test-real) test_real ;;
  test-bench) test_bench ;;
  test-fuzz) test_fuzz ;;
  bench) shift; need_chromium; need_gotools; need_npm; scripts/bench.sh "$@" ;;
  help|-h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
