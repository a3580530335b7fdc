#!/usr/bin/env bash
# The benchmarks of BENCHMARKS.md: build what they need, generate the data
# sets, run the browser harness (bench/run.mjs) and the native Go benchmarks.
#   scripts/bench.sh            the full run (P1-P5, Go benchmarks); writes dist/bench/report.md
#   scripts/bench.sh --smoke    one small run: every contender must reach the final state
#   scripts/bench.sh --profile  the full run plus Chrome CPU profiles (B and kubelive at 10,000)
#                               and a Go CPU profile of the cache's apply path
# Extra arguments after the mode go to bench/run.mjs (e.g. --runs 5 --sizes 1000,10000).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$ROOT/.bin:$PATH:/usr/local/go/bin"
export GOFLAGS=${GOFLAGS:--buildvcs=false}
OUT=$ROOT/dist/bench
mode=full
case "${1:-}" in
  --smoke) mode=smoke; shift ;;
  --profile) mode=profile; shift ;;
esac
start=$(date +%s)
log() { printf '\n== %s\n' "$*" >&2; }

if [ "${KUBELIVE_BENCH_NOBUILD:-}" != 1 ]; then
  log "build (wasm, benchserver)"
  ./build.sh build >/dev/null
fi
mkdir -p "$ROOT/.bin" "$OUT"
# The pages load a private copy: another build of dist/kubelive.wasm during
# the run must not change (or truncate) the module under test.
cp dist/kubelive.wasm "$OUT/kubelive.wasm"
cp dist/kubelive.wasm.gz "$OUT/kubelive.wasm.gz"
go build -o "$ROOT/.bin/benchserver" ./cmd/benchserver
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error

log "data sets (bench/gen, seed 8; cached in dist/bench)"
gen() { go run ./bench/gen -n "$1" -events "$2" -out "$OUT/n$1"; }
if [ "$mode" = smoke ]; then
  go run ./bench/gen -n 1000 -events 2000 -out "$OUT/smoke"
  node bench/run.mjs --smoke "$@"
  log "smoke passed in $(( $(date +%s) - start )) s"
  exit 0
fi
gen 1000 20000
gen 10000 20000
gen 50000 10000
case " $* " in
  *p7*) gen 100000 5000 ;; # P7's 100,000 pods (about 400 MB)
esac

report=$OUT/report.md
{
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(/usr/bin/chromium --version 2>/dev/null | head -1), $(go version | cut -d' ' -f3), node $(node --version)"
  echo
} >"$report"

log "browser harness (bench/run.mjs)"
extra=()
if [ "$mode" = profile ]; then
  # the same module with its wasm name section, so that Chrome's profile names Go functions
  GOOS=js GOARCH=wasm go build -trimpath -o "$OUT/kubelive-names.wasm" ./wasm
  extra+=(--profile --profile-wasm /dist/bench/kubelive-names.wasm)
fi
node bench/run.mjs "${extra[@]}" "$@" | tee -a "$report"

log "native Go benchmarks"
{
  echo '### Native Go benchmarks (go test -bench . -benchmem -count 3)'
  echo
  echo '```'
  go test -run '^$' -bench . -benchmem -count 3 ./internal/wire ./internal/cache | grep -E '^(Benchmark|goos|goarch|cpu|pkg)'
  # P7's native figures: a one-row update and a new text at 100,000 pods (p50/p99 per operation)
  go test -run '^$' -bench 'Update|TextFilter|DeriveText' -benchtime 200x ./internal/view | grep -E '^(Benchmark|pkg)'
  echo '```'
} | tee -a "$report"

if [ "$mode" = profile ]; then
  log "Go CPU profile of the apply path (BenchmarkApply, BenchmarkFlush, BenchmarkSnapshot)"
  mkdir -p "$OUT/profiles"
  go test -run '^$' -bench 'Apply|Flush|Snapshot' -benchtime 3s -o "$OUT/profiles/cache.test" \
    -cpuprofile "$OUT/profiles/cache.cpu.pprof" ./internal/cache >/dev/null
  {
    echo
    echo '### Go pprof: internal/cache BenchmarkApply+Flush+Snapshot, top 20 by flat time'
    echo
    echo '```'
    go tool pprof -top -nodecount 20 "$OUT/profiles/cache.test" "$OUT/profiles/cache.cpu.pprof" 2>/dev/null | sed -n '1,26p'
    echo '```'
  } | tee -a "$report"
fi
log "bench done in $(( $(date +%s) - start )) s; report in ${report#$ROOT/}"
