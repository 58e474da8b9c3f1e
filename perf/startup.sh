#!/usr/bin/env bash
# perf/startup.sh - vocabulary start-up with the compiled-vocabulary cache
# (tokenizers/vocab_cache.h, issue 17), and whole-process `tokbench
# tokenize` against npm tiktoken, side by side in one run.
#
# (1) start-up: wall time of the whole process `tokbench tokenize -t SPEC`
#     on empty input, median of BENCH_REPEAT turns (default 5), for the
#     first use (a fresh cache folder: the slow load, which also writes the
#     compiled file) and the second use (the compiled file is mapped); the
#     baseline is the same process with -t bytes (no vocabulary: exec,
#     dynamic linking, locale); second - base is the whole-process cost of
#     the vocabulary (noisy on a loaded machine: two medians subtracted).
#     load_ms is what `tokenize --verbose` says the mapped load took inside
#     the process (open, mmap, checksum, table checks, regex compile): the
#     vocabulary start-up the bar is on; load_cpu the CPU time of that load
#     (what the machine's load does not inflate). hf:gemma3 and hf:llama2
#     are SentencePiece-style BPE (their compiled form: spbpe_cache.h).
#     Peer: the same empty-input process of
#     tests/parity/encode.mjs (npm tiktoken WASM for tiktoken:, npm
#     @anush008/tokenizers for hf:), module and vocabulary load included.
#     Bar: load_ms <= 20 ms on the second use for every spec.
# (2) whole process on a 14 MB file (10 copies of corpora/data/libreoffice/
#     LANG.txt; ru is 27 MB: Cyrillic is two bytes a letter): `tokbench
#     tokenize -t SPEC --ids FILE` (cache warm) against `node
#     tests/parity/encode.mjs SPEC FILE` (npm tiktoken, encode_ordinary per
#     line, the same output), both to /dev/null, timed the same way, taking
#     turns BENCH_REPEAT_BIG times (default 3), medians; the ids of both are
#     compared once. Bar: tokbench >= 5x faster for cl100k_base and
#     o200k_base in en, ru, zh.
# Exits 1 when a bar is missed or ids differ.
#   usage: perf/startup.sh
set -u
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$(dirname "$0")/.."
TB=${TOKBENCH:-build/opt/tokbench}
DATA=${TOKBENCH_DATA:-corpora/data}
REPEAT=${BENCH_REPEAT:-5}
REPEAT_BIG=${BENCH_REPEAT_BIG:-3}
WORK=$(mktemp -d /tmp/bench_startup.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[[ -x $TB ]] || { echo "startup: $TB not built (make)" >&2; exit 2; }
for l in en ru zh; do
  [[ -f $DATA/libreoffice/$l.txt ]] || { echo "startup: no $DATA/libreoffice/$l.txt (make corpora)" >&2; exit 2; }
done

now_ns() { date +%s%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# ms CMD...: wall milliseconds of one run (stdout and stderr discarded)
ms() { local t0 t1; t0=$(now_ns); "$@" >/dev/null 2>&1 </dev/null; t1=$(now_ns); echo $(((t1 - t0) / 1000)) | awk '{ printf "%.1f\n", $1 / 1000 }'; }

cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo "# startup: $(getconf _NPROCESSORS_ONLN) cores, $cpu, $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(hostname), $(date -u +%FT%TZ)"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version)"
echo
echo "## (1) start-up, ms (median of $REPEAT), empty input"
printf '%-22s %8s %8s %8s %8s %8s %8s %8s %9s %6s\n' spec base first second 2nd-base load_ms load_cpu npm_ms first/2nd bar
bad=0
for spec in tiktoken:cl100k_base tiktoken:o200k_base hf:qwen3 hf:llama3 hf:gpt4o hf:deepseek_v3 \
    hf:gemma3 hf:llama2; do
  : >"$WORK/base" ; : >"$WORK/first"; : >"$WORK/second"; : >"$WORK/load"; : >"$WORK/cpu"; : >"$WORK/npm"
  for ((r = 0; r < REPEAT; r++)); do
    rm -rf "$WORK/cache"
    export TOKBENCH_CACHE=$WORK/cache
    ms "$TB" tokenize -t bytes >>"$WORK/base"
    ms "$TB" tokenize -t "$spec" >>"$WORK/first"
    ms "$TB" tokenize -t "$spec" >>"$WORK/second"
    note=$("$TB" tokenize -v -t "$spec" </dev/null 2>&1 >/dev/null)
    sed -n 's/.*(\([0-9.]*\) ms, .*/\1/p' <<<"$note" >>"$WORK/load"
    sed -n 's/.*, \([0-9.]*\) ms CPU).*/\1/p' <<<"$note" >>"$WORK/cpu"
    ms node tests/parity/encode.mjs "$spec" /dev/null >>"$WORK/npm"
  done
  b=$(median <"$WORK/base") f=$(median <"$WORK/first") s=$(median <"$WORK/second")
  l=$(median <"$WORK/load") c=$(median <"$WORK/cpu") p=$(median <"$WORK/npm")
  v=$(awk -v s="$s" -v b="$b" 'BEGIN { printf "%.1f", s - b }')
  verdict=$(awk -v v="$l" 'BEGIN { print (v != "" && v <= 20 ? "ok" : "MISS") }')
  [[ $verdict == ok ]] || bad=1
  printf '%-22s %8s %8s %8s %8s %8s %8s %8s %8.1fx %6s\n' "$spec" "$b" "$f" "$s" "$v" "$l" "$c" "$p" \
    "$(awk -v f="$f" -v s="$s" 'BEGIN { print f / s }')" "$verdict"
done

echo
echo "## (2) whole process, 10 copies of libreoffice LANG.txt, s (median of $REPEAT_BIG, taken alternately)"
printf '%-22s %-4s %10s %9s %9s %7s %6s\n' spec lang bytes npm_s tb_s ratio bar
export TOKBENCH_CACHE=$WORK/cache
for l in en ru zh; do
  for ((i = 0; i < 10; i++)); do cat "$DATA/libreoffice/$l.txt"; done >"$WORK/$l.txt"
done
for spec in tiktoken:cl100k_base tiktoken:o200k_base; do
  "$TB" tokenize -t "$spec" </dev/null >/dev/null 2>&1   # compiled file written
  for l in en ru zh; do
    f=$WORK/$l.txt
    "$TB" tokenize -t "$spec" "$f" >"$WORK/tb.ids"
    node tests/parity/encode.mjs "$spec" "$f" >"$WORK/npm.ids"
    same=ok
    cmp -s "$WORK/tb.ids" "$WORK/npm.ids" || { same=IDS-DIFFER; bad=1; }
    : >"$WORK/tb"; : >"$WORK/npm"
    for ((r = 0; r < REPEAT_BIG; r++)); do
      ms node tests/parity/encode.mjs "$spec" "$f" >>"$WORK/npm"
      ms "$TB" tokenize -t "$spec" "$f" >>"$WORK/tb"
    done
    p=$(median <"$WORK/npm") t=$(median <"$WORK/tb")
    ratio=$(awk -v p="$p" -v t="$t" 'BEGIN { printf "%.1f", p / t }')
    verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 5 ? "ok" : "MISS") }')
    [[ $verdict == ok ]] || bad=1
    [[ $same == ok ]] || verdict=$same
    printf '%-22s %-4s %10s %9.2f %9.2f %6sx %6s\n' "$spec" "$l" "$(stat -c %s "$f")" \
      "$(awk -v p="$p" 'BEGIN { print p / 1000 }')" "$(awk -v t="$t" 'BEGIN { print t / 1000 }')" \
      "$ratio" "$verdict"
  done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $bad
