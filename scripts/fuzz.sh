#!/usr/bin/env bash
# Runs every fuzz target of the repository for a while each.
#   scripts/fuzz.sh [BUDGET]   BUDGET as go test -fuzztime takes it: 100000x (default, ~10 s
#                              each here), 1000000x for a long run.
# Counts, not durations: with a duration, go1.26's fuzz coordinator can fail a
# target at the deadline with "context deadline exceeded" and no crasher
# (golang/go#75804, fixed in go1.27).
# Targets are found by name (func FuzzX in a _test.go file), so a new one is
# fuzzed without editing this script. Seed corpora live in each package's
# testdata/fuzz/; a crasher found here is written there by go test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
time=${1:-100000x}
fail=0
while IFS=: read -r file _ decl; do
  name=${decl#func }
  name=${name%%(*}
  pkg=./$(dirname "${file#./}")
  start=$(date +%s)
  if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$time" "$pkg" >/tmp/fuzz-$$.log 2>&1; then
    execs=$(grep -o 'execs: [0-9]*' /tmp/fuzz-$$.log | tail -1 | cut -d' ' -f2)
    printf 'fuzz %-24s %-22s ok   %s execs, %ss\n' "$name" "$pkg" "${execs:-?}" "$(( $(date +%s) - start ))"
  else
    printf 'fuzz %-24s %-22s FAIL\n' "$name" "$pkg"
    cat /tmp/fuzz-$$.log
    fail=1
  fi
done < <(grep -rn --include='*_test.go' '^func Fuzz' . | sort)
rm -f /tmp/fuzz-$$.log
exit $fail
