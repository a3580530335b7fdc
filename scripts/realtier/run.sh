#!/usr/bin/env bash
# run.sh: the real-cluster tier. Starts a real etcd + kube-apiserver with
# ../shared/tools/real-apiserver.sh (built once and cached in
# ~/.cache/realk8s: ~5-10 min cold, seconds afterwards), runs the proxy's
# realk8s-tagged tests against it, and always stops it again.
#
#   scripts/realtier/run.sh [extra go test flags]
#
# Settings (environment):
#   REALK8S_TOOL   path of real-apiserver.sh  [<repo>/../shared/tools/real-apiserver.sh]
#   REALK8S_RUN    run dir of the instance    [a fresh temp dir, deleted at the end, so a
#                  cluster someone else started with the default run dir is left alone]
#   REALTIER_RUN   go test -run pattern       [Real]
# Prints the wall time of every step on stderr as "[realtier] <step>: <seconds> s".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOL=${REALK8S_TOOL:-$ROOT/../shared/tools/real-apiserver.sh}
[ -x "$TOOL" ] || { echo "run.sh: $TOOL not found (set REALK8S_TOOL)" >&2; exit 2; }
command -v go >/dev/null 2>&1 || PATH=$PATH:/usr/local/go/bin

OWN_RUN=0
if [ -z "${REALK8S_RUN:-}" ]; then
  REALK8S_RUN=$(mktemp -d "${TMPDIR:-/tmp}/kubelive-realtier.XXXXXX")
  OWN_RUN=1
fi
export REALK8S_RUN

log() { printf '[realtier] %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

T_ALL=$(now)
cleanup() {
  local rc=$? t
  t=$(now)
  "$TOOL" stop --clean >/dev/null 2>&1 || log "stop failed (rc $?)"
  log "stop: $(since "$t") s"
  if [ "$OWN_RUN" = 1 ]; then rm -rf "$REALK8S_RUN"; fi
  log "total: $(since "$T_ALL") s (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t=$(now)
"$TOOL" build >&2
log "build (cached after the first run): $(since "$t") s"

# start can lose a race right after launching etcd (its first liveness check
# may look at the forked shell before exec), so retry a few times.
t=$(now)
ENV_FILE=$REALK8S_RUN/realtier.env
for attempt in 1 2 3; do
  if "$TOOL" start >"$ENV_FILE"; then break; fi
  [ "$attempt" = 3 ] && { log "real-apiserver.sh start failed 3 times"; exit 1; }
  log "start attempt $attempt failed, retrying"
done
log "start (etcd + kube-apiserver ready): $(since "$t") s"

set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a
log "server $REALK8S_SERVER, kube-apiserver $REALK8S_K8S_VERSION"

t=$(now)
cd "$ROOT"
rc=0
go test -tags realk8s -race -count=1 -run "${REALTIER_RUN:-Real}" ./server/proxy/ -v "$@" || rc=$?
log "go test (compile + run): $(since "$t") s (exit $rc)"

# Live lists in Chromium through the kubeconfig proxy, in both watch modes:
# the wasm test wrapper starts the kubelive server with this kubeconfig.
if [ "$rc" = 0 ] && [ -x "$ROOT/.bin/wasmbrowsertest" ] && [ -x "$ROOT/.bin/kubelive" ]; then
  t=$(now)
  KUBELIVE_KUBECONFIG=$REALK8S_KUBECONFIG PATH="$ROOT/.bin:$PATH" GOOS=js GOARCH=wasm \
    go test -exec "$ROOT/scripts/go_js_wasm_exec" -timeout 5m -run RealCluster -v ./wasm/bridge/ || rc=$?
  log "browser lists against the real cluster: $(since "$t") s (exit $rc)"
fi
exit "$rc"
