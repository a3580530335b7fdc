#!/usr/bin/env bash
# Runs cmd gcstall as js/wasm under node (Go's wasm_exec_node.js) with
# GODEBUG=gctrace=1, for each shape given (default: all), and prints per
# shape the forced collections' wall time split into mark (gctrace's clock:
# sweep termination + concurrent mark + mark termination) and sweep (the rest
# of runtime.GC, which sweeps every span before it returns), medians and
# minimums, then the program's JSON line (the streamed stalls).
# Usage: bench/gcstall/run.sh [-n 10000] [-events 3000] [shape...]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
args=()
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do args+=("$1" "$2"); shift 2; done
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(bytes recs cache cache+view cache-rawstr inline slab-recs slab flat)
wasm=$(mktemp --suffix .wasm)
trap 'rm -f "$wasm"' EXIT
(cd "$here" && GOOS=js GOARCH=wasm go build -o "$wasm" .)
for s in "${shapes[@]}"; do
  GODEBUG=gctrace=1 node "$(go env GOROOT)/lib/wasm/wasm_exec_node.js" "$wasm" -shape "$s" "${args[@]}" 2>&1 |
    awk -v shape="$s" '
      /^gc [0-9]+ .*\(forced\)/ { split($5, c, "+"); mark = c[1] + c[2] + c[3] }
      /^forced-gc-wall/ { n++; w[n] = $2; m[n] = mark; sw[n] = $2 - mark }
      /^\{/ { json = $0 }
      function med(a, n,   i, j, t, b) { for (i = 1; i <= n; i++) b[i] = a[i]
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
        return b[int((n + 1) / 2)] }
      function mn(a, n,   i, r) { r = a[1]; for (i = 2; i <= n; i++) if (a[i] < r) r = a[i]; return r }
      END { printf "%-10s forced GC (n=%d) wall med %.1f min %.1f | mark med %.1f min %.1f | sweep med %.1f min %.1f ms\n",
              shape, n, med(w, n), mn(w, n), med(m, n), mn(m, n), med(sw, n), mn(sw, n)
            print "  " json }'
done
