#!/usr/bin/env bash
# perf/bpe.sh - BPE encoding throughput, tokbench vs the reference
# implementations, one thread, measured side by side in one run on the same
# input: every segment of the libreoffice corpus (each language), each line
# encoded alone without special tokens.
#   tiktoken:cl100k_base, tiktoken:o200k_base  vs npm tiktoken (WASM)
#   hf:qwen3                                   vs npm @anush008/tokenizers
#   hf:gemma3, hf:llama2 (SentencePiece-style BPE with byte fallback,
#     tokenizers/spbpe.c)                      vs npm @anush008/tokenizers
# Like with like: both numbers are medians of timed passes over all segments
# of one language, after a warm-up pass, loading excluded, one thread, over
# the same UTF-8 bytes (checked); for each (spec, language) the two sides
# take turns BENCH_REPEAT times (default 5), so a change in the machine's
# load hits both.
#   tokbench: median of the encode_mb_per_s rows of `tokbench run -j 1 -l
#     LANG` (split all; each the median of >= 3 passes after the pass that
#     counts the tokens);
#   peer: median of tests/parity/encode.mjs --bench with BENCH_REPEAT=1 (a
#     warm-up pass, then one timed pass).
# Load time excluded on both sides: tokbench's encode_mb_per_s times only
# the encode passes of a vocabulary already loaded; encode.mjs starts its
# clock after Tokenizer.fromFile / get_encoding and after the untimed
# warm-up pass over all lines, and stops it when the timed pass ends (node's
# start-up and the module load are outside it too).
# Also checks that both sides produce identical ids. Prints one table row
# per (spec, language). Bar: tokbench at least BENCH_BAR (default 5) times
# the peer's MB/s in every row. Exit 1 when ids or byte counts differ or a
# row misses the bar.
#   usage: perf/bpe.sh [-c CORPUS] [SPEC...]
set -u
# one thread everywhere (the library links OpenBLAS, whose idle pool would spin)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$(dirname "$0")/.."
TB=${TOKBENCH:-build/opt/tokbench}
DATA=${TOKBENCH_DATA:-corpora/data}
REPEAT=${BENCH_REPEAT:-5}
BAR=${BENCH_BAR:-5}
CORPUS=libreoffice
if [[ ${1:-} == -c ]]; then CORPUS=$2; shift 2; fi
SPECS=("$@")
((${#SPECS[@]})) || SPECS=(tiktoken:cl100k_base tiktoken:o200k_base hf:qwen3 hf:gemma3 hf:llama2)
WORK=$(mktemp -d /tmp/bench_bpe.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[[ -x $TB ]] || { echo "bench_bpe: $TB not built (make)" >&2; exit 2; }
# one job, no n-gram or model stages (when this tokbench has those options)
RUN_OPTS=()
help_run=$("$TB" help run 2>&1)
grep -q -- '--jobs' <<<"$help_run" && RUN_OPTS+=(-j 1)
grep -q -- '--ngram' <<<"$help_run" && RUN_OPTS+=(-n 0)
grep -q -- '--model' <<<"$help_run" && RUN_OPTS+=(--model none)
peer_name() { case $1 in tiktoken:*) echo "tiktoken-wasm" ;; hf:*) echo "hf-tokenizers" ;; esac; }
# row CSV LANG SPEC METRIC: the value of one 'all' row of results.csv
row() { awk -F, -v l="$2" -v t="$3" -v m="$4" '$2=="all" && $3==l && $4==t && $5==m {print $6}' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "# bench_bpe: corpus $CORPUS, one thread, $(getconf _NPROCESSORS_ONLN) cores on $(hostname), $(date -u +%FT%TZ)"
echo "# MB/s: median of $REPEAT turns each (tokbench run -l LANG; encode.mjs --bench), taken alternately"
printf '%-22s %-4s %10s %-14s %10s %8s %s\n' spec lang bytes peer peer_MB/s tb_MB/s ratio
bad=0
missed=0
for spec in "${SPECS[@]}"; do
  for f in "$DATA/$CORPUS"/*.txt; do
    lang=$(basename "$f" .txt)
    [[ $lang == ids ]] && continue
    : >"$WORK/tb"
    : >"$WORK/peer"
    for ((r = 0; r < REPEAT; r++)); do
      rm -rf "$WORK/run"
      "$TB" run -c "$DATA/$CORPUS" -t "$spec" -l "$lang" "${RUN_OPTS[@]}" -o "$WORK/run" -q \
        >"$WORK/run.log" 2>&1 ||
        { echo "bench_bpe: tokbench run failed for $spec $lang:"; tail -5 "$WORK/run.log"; exit 1; }
      row "$WORK/run/results.csv" "$lang" "$spec" encode_mb_per_s >>"$WORK/tb"
      tb_bytes=$(row "$WORK/run/results.csv" "$lang" "$spec" bytes)
      BENCH_REPEAT=1 node tests/parity/encode.mjs "$spec" "$f" --bench >"$WORK/one" ||
        { echo "bench_bpe: reference encoder failed for $spec $lang"; exit 1; }
      read -r bytes _ mbps _ <"$WORK/one"
      echo "$mbps" >>"$WORK/peer"
    done
    tb=$(median <"$WORK/tb")
    peer=$(median <"$WORK/peer")
    # identical ids on the same input
    node tests/parity/encode.mjs "$spec" "$f" >"$WORK/ref"
    "$TB" tokenize -t "$spec" --ids "$f" >"$WORK/got"
    same=identical
    cmp -s "$WORK/ref" "$WORK/got" || { same="IDS DIFFER"; bad=1; }
    [[ $tb_bytes == "$bytes" ]] || { same="$same, BYTES DIFFER ($tb_bytes)"; bad=1; }
    ratio=$(awk -v a="$tb" -v b="$peer" 'BEGIN { printf "%.2fx", a / b }')
    awk -v a="$tb" -v b="$peer" -v bar="$BAR" 'BEGIN { exit !(a >= bar * b) }' ||
      { same="$same, UNDER ${BAR}x"; missed=1; }
    printf '%-22s %-4s %10s %-14s %10.2f %8.2f %s %s\n' "$spec" "$lang" "$bytes" "$(peer_name "$spec")" "$peer" "$tb" "$ratio" "$same"
  done
done
if ((missed)); then echo "bench_bpe: bar (${BAR}x the peer) MISSED in at least one row"
else echo "bench_bpe: bar (${BAR}x the peer) met in every row"; fi
((bad || missed)) && exit 1
exit 0
