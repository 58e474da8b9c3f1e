#!/usr/bin/env bash
# perf/symbol.sh - speed of the symbol scheme next to peers, measured side by
# side in one run on the same input (DESIGN.md "Performance"): ratios only.
#   1. vocabulary build: `tokbench tokenize -t symbol:all` with an empty cache
#      (ICU words of the train split, counting, ranking, cache write; plus the
#      graphemes fallback) vs the classic word-count pipeline
#      `grep -oE '[[:alnum:]]+' | sort | uniq -c | sort -nr` over the whole
#      language file (no ICU, no Chinese segmentation: less work than ours).
#   2. writing symbol text: `tokbench symbolize` of the whole file (cache warm)
#      vs `gzip -9` of the same file.
# Each timing is the median of RUNS wall-clock runs (default 3).
# Usage: bash perf/symbol.sh [CORPUS]   (default libreoffice)
set -u
cd "$(dirname "$0")/.."
TB=${TOKBENCH:-build/opt/tokbench}
CORPUS=${1:-libreoffice}
DATA=${TOKBENCH_DATA:-corpora/data}
RUNS=${RUNS:-3}
WORK=$(mktemp -d /tmp/bench_symbol.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C.UTF-8

# median wall seconds of RUNS runs of "$@" (output discarded); PRE runs first
med() {
  local ts=()
  for ((r = 0; r < RUNS; r++)); do
    [[ -n ${PRE:-} ]] && eval "$PRE"
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "bench_symbol: failed: $*" >&2; exit 1; }
    t1=$(date +%s.%N)
    ts+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${ts[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p"
}
peer_count() { grep -oE '[[:alnum:]]+' "$1" | sort | uniq -c | sort -nr >/dev/null; }

[[ -x $TB ]] || { echo "bench_symbol: build first ($TB missing)" >&2; exit 3; }
printf '%-5s %-28s %10s %10s %8s\n' lang "what (tokbench vs peer)" "tokbench s" "peer s" ratio
for lang in en ru zh; do
  f="$DATA/$CORPUS/$lang.txt"
  [[ -s $f ]] || { echo "bench_symbol: $f missing (tokbench corpus fetch $CORPUS)" >&2; exit 3; }
  export TOKBENCH_CACHE=$WORK/cache
  a=$(PRE='rm -rf "$WORK/cache"' med "$TB" tokenize -c "$CORPUS" -l "$lang" --data "$DATA" -t symbol:all --count /dev/null)
  b=$(med peer_count "$f")
  printf '%-5s %-28s %10.3f %10.3f %8.2f\n' "$lang" "vocab build vs sort|uniq -c" "$a" "$b" "$(echo "$a / $b" | bc -l)"
  "$TB" tokenize -c "$CORPUS" -l "$lang" --data "$DATA" -t symbol:all --count /dev/null >/dev/null
  a=$(med "$TB" symbolize -c "$CORPUS" -l "$lang" --data "$DATA" -t symbol:all "$f")
  b=$(med gzip -9 -c "$f")
  printf '%-5s %-28s %10.3f %10.3f %8.2f\n' "$lang" "symbolize vs gzip -9" "$a" "$b" "$(echo "$a / $b" | bc -l)"
done
echo "ratio = tokbench time / peer time (lower is better for tokbench); machine: $(nproc) cores"
