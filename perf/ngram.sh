#!/usr/bin/env bash
# perf/ngram.sh - n-gram build and query speed, model size and peak memory
# on the libreoffice train split (scored on its test split), orders 3..5,
# for bytes, chars, graphemes and one BPE tokenizer when the bpe scheme is
# built in. One process per (tokenizer, language), run one after the other
# on one core. Aim (issue 6): a 5-gram over a million tokens built in < 1 s,
# millions of queries per second.
#
# Then the ARPA export (issue 17): a 5-gram on the cl100k_base ids of each
# language, built and written with --arpa; prints the build time, the write
# time (ngram_s_arpa), their sum and the file's size.
#
# Absolute figures and the aim check only: the side-by-side comparison with
# KenLM (the reference; neither a Debian nor an npm package, taken from
# KENLM_BIN when the user has it) is perf/kenlm.sh.
#
# Usage: perf/ngram.sh [LANG...]   (default: en zh)
set -u
cd "$(dirname "$0")/.."
TB=${TOKBENCH:-build/opt/tokbench}
CORPUS=${BENCH_CORPUS:-libreoffice}
LANGS=("$@")
((${#LANGS[@]})) || LANGS=(en zh)
WORK=$(mktemp -d /tmp/tokbench-bench-ngram.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[[ -x $TB ]] || { echo "bench_ngram: $TB not built (make)"; exit 3; }
[[ -d corpora/data/$CORPUS ]] || { echo "bench_ngram: corpus $CORPUS missing (make corpora)"; exit 3; }

specs=(bytes chars graphemes)
if "$TB" tokenize -t bpe:4000 -c "$CORPUS" -l en --count </dev/null >/dev/null 2>&1; then
  specs+=(bpe:4000)
fi

get() { awk -F, -v m="$2" '$5==m {print $6}' "$1"; }
printf '%-10s %-4s %5s %10s %9s %9s %10s %11s %9s\n' tokenizer lang order train_tok s_build us_query Mquery/s model_MB peak_RSS_MB
for spec in "${specs[@]}"; do
  for lang in "${LANGS[@]}"; do
    out=$WORK/r.csv
    /usr/bin/time -f '%M' -o "$WORK/rss" "$TB" ngram -c "$CORPUS" -t "$spec" -l "$lang" -n 5 \
      --min-order 3 --no-suggest >"$out" 2>"$WORK/err" ||
      { echo "bench_ngram: $spec $lang failed: $(head -c 300 "$WORK/err")"; continue; }
    rss=$(awk '{printf "%.1f", $1/1024}' "$WORK/rss")
    ntok=$(get "$out" ngram_train_tokens)
    for k in 3 4 5; do
      sfx=_o$k; [[ $k == 5 ]] && sfx=
      sb=$(get "$out" ngram_s_build$sfx); uq=$(get "$out" ngram_us_query$sfx)
      mb=$(get "$out" ngram_bytes_model$sfx)
      printf '%-10s %-4s %5d %10d %9.3f %9.4f %10.1f %11.1f %9s\n' "$spec" "$lang" "$k" "$ntok" \
        "$sb" "$uq" "$(awk -v u="$uq" 'BEGIN{print 1/u}')" "$(awk -v b="$mb" 'BEGIN{print b/1e6}')" \
        "$([[ $k == 5 ]] && echo "$rss" || echo -)"
    done
    if [[ $spec == bytes && $lang == en ]]; then
      awk -v n="$ntok" -v s="$(get "$out" ngram_s_build)" 'BEGIN {
        printf "aim: 5-gram over %d tokens built in %.3f s -> %.3f s per million tokens (%s)\n",
          n, s, s * 1e6 / n, (s * 1e6 / n < 1) ? "met" : "NOT met" }'
    fi
  done
done

arpa_spec=tiktoken:cl100k_base
if "$TB" tokenize -t "$arpa_spec" </dev/null >/dev/null 2>&1; then
  echo
  printf '%-20s %-4s %5s %9s %9s %11s %9s %9s\n' tokenizer lang order s_build s_arpa s_build+arpa arpa_MB MB/s
  for lang in "${LANGS[@]}"; do
    out=$WORK/a.csv
    "$TB" ngram -c "$CORPUS" -t "$arpa_spec" -l "$lang" -n 5 --min-order 5 --no-suggest \
      --arpa "$WORK/m.arpa" >"$out" 2>"$WORK/err" ||
      { echo "bench_ngram: ARPA $arpa_spec $lang failed: $(head -c 300 "$WORK/err")"; continue; }
    sb=$(get "$out" ngram_s_build); sa=$(get "$out" ngram_s_arpa)
    mb=$(stat -c %s "$WORK/m.arpa" | awk '{print $1/1e6}')
    printf '%-20s %-4s %5d %9.3f %9.3f %11.3f %9.1f %9.1f\n' "$arpa_spec" "$lang" 5 "$sb" "$sa" \
      "$(awk -v a="$sb" -v b="$sa" 'BEGIN{print a+b}')" "$mb" "$(awk -v m="$mb" -v t="$sa" 'BEGIN{print m/t}')"
    rm -f "$WORK/m.arpa"
  done
else
  echo "bench_ngram: $arpa_spec not available, ARPA timing skipped"
fi
