#!/usr/bin/env bash
# perf/spm.sh - spm:PATH (tokenizers/spm.c, spm_bpe.c) next to SentencePiece
# itself, side by side in one run on the same input (DESIGN.md "Performance"):
#   a TYPE model (unigram or bpe; nmt_nfkc, byte fallback, 4000 pieces) trained with
#   spm_train on udhr + libreoffice of LANG, then `tokbench tokenize --ids`
#   vs `spm_encode --output_format=id` on en + ru + zh of both corpora
#   (ids checked identical), and on one 100 kB line (no quadratic blow-up).
# Each timing is the median of RUNS wall-clock runs (default 3). Bar:
# tokbench is at least as fast as spm_encode on the corpus text.
# Usage: bash perf/spm.sh [LANG [TYPE]]   (default zh unigram)
set -u
cd "$(dirname "$0")/.."
TB=${TOKBENCH:-build/opt/tokbench}
LANG_=${1:-zh}
TYPE=${2:-unigram}
DATA=${TOKBENCH_DATA:-corpora/data}
RUNS=${RUNS:-3}
WORK=$(mktemp -d /tmp/bench_spm.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

med() { # median wall seconds of RUNS runs of "$@" < $IN_FILE
  local ts=()
  for ((r = 0; r < RUNS; r++)); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" <"$IN_FILE" >/dev/null 2>&1 || { echo "bench_spm: failed: $*" >&2; exit 1; }
    t1=$(date +%s.%N)
    ts+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

cat "$DATA/udhr/$LANG_.txt" "$DATA/libreoffice/$LANG_.txt" >"$WORK/train.txt"
spm_train --input="$WORK/train.txt" --model_prefix="$WORK/m" --vocab_size=4000 \
  --model_type="$TYPE" --byte_fallback=true --num_threads=1 >/dev/null 2>&1 ||
  { echo "bench_spm: spm_train failed" >&2; exit 1; }
M=$WORK/m.model
cat "$DATA"/{udhr,libreoffice}/{en,ru,zh}.txt >"$WORK/all.txt"
python3 -c 'print("ab" * 25000 + "中文" * 8333)' >"$WORK/long.txt"
spm_encode --model "$M" --output_format=id <"$WORK/all.txt" >"$WORK/ref"
"$TB" tokenize -t "spm:$M" --ids "$WORK/all.txt" >"$WORK/got"
cmp -s "$WORK/ref" "$WORK/got" || { echo "bench_spm: ids differ from spm_encode" >&2; exit 1; }
status=0
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); model $TYPE $LANG_ 4000 pieces"
for input in all long; do
  IN_FILE=$WORK/$input.txt
  a=$(med "$TB" tokenize -t "spm:$M" --ids)
  b=$(med spm_encode --model "$M" --output_format=id)
  ratio=$(echo "scale=2; $b / $a" | bc)
  printf '%-5s %8d bytes: tokbench %.2f s, spm_encode %.2f s: %sx\n' "$input" \
    "$(wc -c <"$IN_FILE")" "$a" "$b" "$ratio"
  if [[ $input == all ]] && (($(echo "$ratio < 1" | bc))); then
    echo "bench_spm: slower than spm_encode (bar 1x)"; status=1; fi
done
exit $status
