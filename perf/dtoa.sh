#!/usr/bin/env bash
# perf/dtoa.sh - shortest round-trip double text (common/dtoa.c) next to
# snprintf("%.17g"), the writer the ARPA export used before, and next to the
# %.Pg-then-strtod shortening that gives the same digits slowly: ns per value
# on the same million values in one process (best of 3 passes each), the
# ratio printed. Exit 1 when dtoa is not faster than %.17g.
# Usage: bash perf/dtoa.sh
set -u
cd "$(dirname "$0")/.."
CC=${CC:-cc}
WORK=$(mktemp -d /tmp/tokbench-bench-dtoa.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
"$CC" -std=c11 -D_GNU_SOURCE -O2 -o "$WORK/dtoa_bench" perf/dtoa_bench.c common/dtoa.c \
  common/timer.c -lm || { echo "bench_dtoa: build failed"; exit 3; }
"$WORK/dtoa_bench"
