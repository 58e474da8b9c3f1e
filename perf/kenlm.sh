#!/usr/bin/env bash
# perf/kenlm.sh - the n-gram model side by side with KenLM (issue 17), in one
# run on one machine: tokbench ngram vs KenLM's lmplz / build_binary / query
# on identical token streams.
#
# Input: the cl100k_base ids of each libreoffice language (`tokbench tokenize
# -t tiktoken:cl100k_base --ids`, one segment per line), split like tokbench
# splits (test when FNV-1a-64(segment id) % 10 == 0, DESIGN.md "Split"); the
# split is checked: the file-mode model's perplexity must equal the one of
# `tokbench ngram -c CORPUS -t tiktoken:cl100k_base` (corpus mode). Both
# toolkits read the same id text: lmplz and query take the ids as words.
#
# For orders 4 and 5, each side pinned to one core (taskset), BENCH_REPEAT
# turns (default 3) in which the two take turns; medians:
#   build: wall time of the whole process that reads the train ids, builds
#     the model and writes its ARPA file:
#       lmplz -o N -S 64M --discount_fallback --text train --arpa FILE
#       tokbench ngram --train train --test test -n N --min-order N
#         --no-suggest --arpa FILE
#     (tokbench's discounts are lmplz's defaults, the fallback 0.5 1 1.5
#     included: README "n-gram baseline"; tokbench also scores the test split
#     once, about 1% of its time). build_x = tokbench / lmplz, bar <= 0.5.
#   query: microseconds per scored token (every token plus one </s> per
#     segment) on the test split repeated until it holds >= BENCH_QUERY_EVENTS
#     (default 1,000,000) events:
#       KenLM: `build_binary probing` (multiplier 1.5), then
#         (wall of `query -v summary` on the text - wall of the same query on
#         empty input, i.e. loading) / events; this includes query's reading
#         of the text and its vocabulary look-up of each word string;
#       tokbench: its ngram_us_query row (scoring the preloaded ids, the id
#         to word look-up included).
#     query_x = tokbench / KenLM, bar <= 1.0.
#   peak RSS (GNU time %M) of both build processes; the query side lists
#     the size of KenLM's probing file and tokbench's ngram_bytes_model.
# Exactness, every (language, order); relative difference <= 1e-6 or exit 1:
#   tokbench's perplexity vs KenLM query's "Perplexity including OOVs" of
#   lmplz's model; KenLM query on tokbench's ARPA (build_binary) vs tokbench;
#   `tokbench ngram --load` of lmplz's ARPA vs KenLM.
#
# KenLM is neither a Debian nor an npm package and the project never installs
# it: set KENLM_BIN to a folder holding lmplz, build_binary and query. Without
# it the script says so, prints how to build KenLM, and exits 0 having
# compared nothing.
#
# Usage: KENLM_BIN=DIR perf/kenlm.sh [LANG...]   (default: en ru zh)
# Env: TOKBENCH, TOKBENCH_DATA, BENCH_CORPUS (libreoffice), BENCH_ORDERS
# ("4 5"), BENCH_REPEAT (3), BENCH_QUERY_EVENTS, BENCH_CPU (core to pin to,
# default 0). Exit: 0 every bar met, 1 a bar missed or perplexities differ,
# 2 something could not run.
set -u
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$(dirname "$0")/.."
TB=${TOKBENCH:-build/opt/tokbench}
DATA=${TOKBENCH_DATA:-corpora/data}
CORPUS=${BENCH_CORPUS:-libreoffice}
ORDERS=${BENCH_ORDERS:-4 5}
REPEAT=${BENCH_REPEAT:-3}
QEVENTS=${BENCH_QUERY_EVENTS:-1000000}
CPU=${BENCH_CPU:-0}
SPEC=tiktoken:cl100k_base
LANGS=("$@")
((${#LANGS[@]})) || LANGS=(en ru zh)
TIME=/usr/bin/time

die() { echo "bench_kenlm: $*" >&2; exit 2; }

K=${KENLM_BIN:-}
if [[ -z $K || ! -x $K/lmplz || ! -x $K/build_binary || ! -x $K/query ]]; then
  if [[ -z $K ]]; then
    echo "bench_kenlm: KENLM_BIN is not set: no KenLM, nothing compared (not a pass, not a fail)."
  else
    echo "bench_kenlm: KENLM_BIN=$K has no lmplz, build_binary and query: nothing compared."
  fi
  cat <<'EOF'
bench_kenlm: KenLM is not a Debian or npm package, so tokbench does not install it. To compare:
  apt-get install cmake libboost-program-options-dev libboost-system-dev libboost-thread-dev \
    libboost-test-dev libeigen3-dev zlib1g-dev libbz2-dev liblzma-dev
  git clone https://github.com/kpu/kenlm && mkdir kenlm/build && cd kenlm/build
  cmake -DCMAKE_BUILD_TYPE=Release .. && make -j2 lmplz build_binary query
  KENLM_BIN=$PWD/bin bash perf/kenlm.sh      (or KENLM_BIN=... make bench)
EOF
  exit 0
fi
[[ -x $TB ]] || die "$TB not built (make)"
[[ -x $TIME ]] || die "/usr/bin/time missing (apt-get install time)"
command -v python3 >/dev/null || die "python3 missing (apt-get install python3)"
[[ -f $DATA/$CORPUS/ids.txt ]] || die "no corpus at $DATA/$CORPUS (make corpora)"
"$TB" tokenize -t "$SPEC" </dev/null >/dev/null 2>&1 || die "$SPEC not available (make deps)"
PIN=()
if command -v taskset >/dev/null; then PIN=(taskset -c "$CPU"); fi

WORK=$(mktemp -d /tmp/tokbench-bench-kenlm.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# timed RSSFILE IN OUT CMD...: runs CMD pinned, stdin IN, stdout OUT, stderr
# to $WORK/err; prints its wall seconds; RSSFILE gets the peak RSS in kB.
timed() {
  local rssf=$1 in=$2 out=$3; shift 3
  local t0=$EPOCHREALTIME
  "${PIN[@]}" "$TIME" -f %M -o "$rssf" "$@" <"$in" >"$out" 2>"$WORK/err" ||
    { tail -5 "$WORK/err" >&2; die "failed: $*"; }
  local t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
get() { awk -F, -v m="$2" '$5 == m { print $6 }' "$1"; }
kppl() { awk -F'\t' '$1 == "Perplexity including OOVs:" { print $2 }' "$1"; }
kev() { awk -F'\t' '$1 == "Tokens:" { print $2 }' "$1"; }
# reldiff A B: |A - B| / |B|
reldiff() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; if (b < 0) b = -b; printf "%.2e\n", b ? d / b : d }'; }
mb() { awk -v k="$1" -v u="$2" 'BEGIN { printf "%.1f", k * u / 1e6 }'; }

echo "# bench_kenlm: corpus $CORPUS, $SPEC ids, orders $ORDERS; tokbench $TB vs KenLM in $K"
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(getconf _NPROCESSORS_ONLN) cores; one core each (${PIN[*]:-no taskset}); $(date -u +%FT%TZ)"
echo "# load at start: $(uptime | sed 's/.*load average: //')"
echo "# times: median of $REPEAT turns, the two sides alternating"

# The id streams: every segment's ids, then the split by segment id.
for lang in "${LANGS[@]}"; do
  [[ -f $DATA/$CORPUS/$lang.txt ]] || die "corpus $CORPUS has no language $lang"
  "$TB" tokenize -t "$SPEC" --ids "$DATA/$CORPUS/$lang.txt" >"$WORK/$lang.all" 2>"$WORK/err" ||
    { cat "$WORK/err" >&2; die "tokenize $lang failed"; }
done
python3 - "$DATA/$CORPUS/ids.txt" "$WORK" "$QEVENTS" "${LANGS[@]}" <<'EOF' || die "could not split the id streams"
import sys
ids_path, w, qevents, langs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
ids = open(ids_path, "rb").read().split(b"\n")
if ids and ids[-1] == b"":
    ids.pop()
def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
test = [fnv(i) % 10 == 0 for i in ids]
for l in langs:
    lines = open(f"{w}/{l}.all", "rb").read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) != len(ids):
        sys.exit(f"{l}: {len(lines)} id lines for {len(ids)} segments")
    tr = [s for s, t in zip(lines, test) if not t]
    te = [s for s, t in zip(lines, test) if t]
    open(f"{w}/{l}.train", "wb").write(b"".join(s + b"\n" for s in tr))
    open(f"{w}/{l}.test", "wb").write(b"".join(s + b"\n" for s in te))
    events = sum(len(s.split()) + 1 for s in te)
    reps = max(1, -(-qevents // events))
    open(f"{w}/{l}.qtest", "wb").write(b"".join(s + b"\n" for s in te) * reps)
EOF

printf '%-4s %2s %8s | %8s %8s %7s %7s | %8s %7s %5s | %8s %8s %7s | %8s %8s | %8s %8s | %-12s %8s\n' \
  lang N train_tok lmplz_s tb_s build_x tb_in_s lmplz_MB tb_MB rss_x kenlm_us tb_us query_x \
  probingMB tbmodelMB karpa_MB tarpa_MB perplexity max_reldiff
status=0 rows=0 build_met=0 query_met=0 ppl_bad=0
for lang in "${LANGS[@]}"; do
  tr=$WORK/$lang.train te=$WORK/$lang.test qte=$WORK/$lang.qtest
  for N in $ORDERS; do
    ka=$WORK/k.arpa ta=$WORK/t.arpa kb=$WORK/k.probing tbb=$WORK/t.probing
    LM=("$K/lmplz" -o "$N" -S 64M -T "$WORK" --discount_fallback --text "$tr" --arpa "$ka")
    TBN=("$TB" ngram --train "$tr" --test "$te" -n "$N" --min-order "$N" --no-suggest --arpa "$ta"
         -o "$WORK/tb.csv")
    TBQ=("$TB" ngram --train "$tr" --test "$qte" -n "$N" --min-order "$N" --no-suggest
         -o "$WORK/tbq.csv")
    # exactness (and a warm-up of every file)
    timed "$WORK/rss" /dev/null /dev/null "${LM[@]}" >/dev/null
    timed "$WORK/rss" /dev/null /dev/null "${TBN[@]}" >/dev/null
    timed "$WORK/rss" /dev/null /dev/null "$K/build_binary" probing "$ka" "$kb" >/dev/null
    timed "$WORK/rss" /dev/null /dev/null "$K/build_binary" probing "$ta" "$tbb" >/dev/null
    timed "$WORK/rss" "$te" "$WORK/kq" "$K/query" -v summary "$kb" >/dev/null
    timed "$WORK/rss" "$te" "$WORK/ktq" "$K/query" -v summary "$tbb" >/dev/null
    timed "$WORK/rss" /dev/null /dev/null "$TB" ngram --load "$ka" --test "$te" -o "$WORK/tl.csv" >/dev/null
    timed "$WORK/rss" /dev/null /dev/null "$TB" ngram -c "$DATA/$CORPUS" -t "$SPEC" -l "$lang" -n "$N" \
      --min-order "$N" --no-suggest --no-timing -o "$WORK/tc.csv" >/dev/null
    p_tb=$(get "$WORK/tb.csv" ngram_perplexity) p_k=$(kppl "$WORK/kq") p_kt=$(kppl "$WORK/ktq")
    p_tl=$(get "$WORK/tl.csv" ngram_perplexity) p_c=$(get "$WORK/tc.csv" ngram_perplexity)
    [[ -n $p_tb && -n $p_k && -n $p_kt && -n $p_tl && -n $p_c ]] ||
      die "$lang $N: a perplexity is missing (tokbench $p_tb, KenLM $p_k, KenLM on tokbench's ARPA $p_kt, tokbench on lmplz's ARPA $p_tl, corpus mode $p_c)"
    d1=$(reldiff "$p_tb" "$p_k") d2=$(reldiff "$p_kt" "$p_tb") d3=$(reldiff "$p_tl" "$p_k")
    d4=$(reldiff "$p_c" "$p_tb")
    dmax=$(printf '%s\n' "$d1" "$d2" "$d3" "$d4" | sort -g | tail -1)
    pcheck=ok
    if ! awk -v a="$d1" -v b="$d2" -v c="$d3" -v d="$d4" 'BEGIN { exit !(a <= 1e-6 && b <= 1e-6 && c <= 1e-6 && d <= 1e-12) }'; then
      pcheck=DIFFER; status=1 ppl_bad=$((ppl_bad + 1))
      echo "bench_kenlm: $lang $N: perplexities differ: tokbench $p_tb, KenLM $p_k ($d1)," \
        "KenLM on tokbench's ARPA $p_kt ($d2), tokbench on lmplz's ARPA $p_tl ($d3), corpus mode $p_c ($d4)"
    fi
    : >"$WORK/s.lm"; : >"$WORK/s.tb"; : >"$WORK/s.tin"; : >"$WORK/s.kl"; : >"$WORK/s.kq"; : >"$WORK/s.tq"
    lm_rss=0 tb_rss=0
    for ((r = 0; r < REPEAT; r++)); do
      if ((r % 2 == 0)); then sides=(lm tb); else sides=(tb lm); fi
      for side in "${sides[@]}"; do
        if [[ $side == lm ]]; then
          timed "$WORK/rss" /dev/null /dev/null "${LM[@]}" >>"$WORK/s.lm"
          m=$(<"$WORK/rss"); ((m > lm_rss)) && lm_rss=$m
          timed "$WORK/rss" /dev/null /dev/null "$K/query" -v summary "$kb" >>"$WORK/s.kl"
          timed "$WORK/rss" "$qte" "$WORK/kqq" "$K/query" -v summary "$kb" >>"$WORK/s.kq"
        else
          timed "$WORK/rss" /dev/null /dev/null "${TBN[@]}" >>"$WORK/s.tb"
          m=$(<"$WORK/rss"); ((m > tb_rss)) && tb_rss=$m
          awk -v a="$(get "$WORK/tb.csv" ngram_s_build)" -v b="$(get "$WORK/tb.csv" ngram_s_arpa)" \
            'BEGIN { print a + b }' >>"$WORK/s.tin"
          timed "$WORK/rss" /dev/null /dev/null "${TBQ[@]}" >/dev/null
          get "$WORK/tbq.csv" ngram_us_query >>"$WORK/s.tq"
        fi
      done
    done
    ev=$(kev "$WORK/kqq")
    tq_ev=$(awk '{ n += NF + 1 } END { print n }' "$qte")
    [[ $ev == "$tq_ev" ]] || die "$lang $N: KenLM scored $ev events, the query text has $tq_ev"
    lm_s=$(median <"$WORK/s.lm") tb_s=$(median <"$WORK/s.tb") tin_s=$(median <"$WORK/s.tin")
    k_us=$(awk -v f="$(median <"$WORK/s.kq")" -v l="$(median <"$WORK/s.kl")" -v n="$ev" \
      'BEGIN { printf "%.4f", 1e6 * (f - l) / n }')
    t_us=$(median <"$WORK/s.tq")
    read -r bx qx bok qok < <(awk -v a="$tb_s" -v b="$lm_s" -v c="$t_us" -v d="$k_us" 'BEGIN {
      bx = a / b; qx = c / d; printf "%.3f %.3f %d %d\n", bx, qx, bx <= 0.5, qx <= 1.0 }')
    rows=$((rows + 1)) build_met=$((build_met + bok)) query_met=$((query_met + qok))
    ((bok && qok)) || status=1
    printf '%-4s %2d %8d | %8.3f %8.3f %7s %7.3f | %8.1f %7.1f %5.2f | %8.4f %8.4f %7s | %8s %8s | %8s %8s | %-12.10g %8s %s\n' \
      "$lang" "$N" "$(get "$WORK/tb.csv" ngram_train_tokens)" "$lm_s" "$tb_s" "$bx" "$tin_s" \
      "$(mb "$lm_rss" 1024)" "$(mb "$tb_rss" 1024)" "$(awk -v a="$tb_rss" -v b="$lm_rss" 'BEGIN { print a / b }')" \
      "$k_us" "$t_us" "$qx" \
      "$(mb "$(stat -c %s "$kb")" 1)" "$(mb "$(get "$WORK/tb.csv" ngram_bytes_model)" 1)" \
      "$(mb "$(stat -c %s "$ka")" 1)" "$(mb "$(stat -c %s "$ta")" 1)" "$p_tb" "$dmax" "$pcheck"
    rm -f "$ka" "$ta" "$kb" "$tbb"
  done
done
echo "# build_x = tokbench wall / lmplz wall (read ids, build, write ARPA; bar <= 0.5); tb_in_s ="
echo "#   tokbench's in-process ngram_s_build + ngram_s_arpa; MB = peak RSS of the build processes (MB = 10^6 bytes), rss_x = tokbench / lmplz"
echo "# query_x = tokbench ngram_us_query / KenLM ProbingModel us per query (query minus its load; bar <= 1.0)"
echo "# max_reldiff: largest relative perplexity difference of tokbench vs KenLM, KenLM on tokbench's ARPA,"
echo "#   tokbench on lmplz's ARPA (each <= 1e-6) and file vs corpus mode (<= 1e-12)"
echo "# load at end: $(uptime | sed 's/.*load average: //')"
echo "bench_kenlm: build_x <= 0.5 in $build_met of $rows rows, query_x <= 1.0 in $query_met of $rows," \
  "perplexities equal in $((rows - ppl_bad)) of $rows"
if ((ppl_bad)); then echo "bench_kenlm: perplexities DIFFER"; fi
if ((rows - build_met || rows - query_met)); then echo "bench_kenlm: bar MISSED"; fi
((status)) || echo "bench_kenlm: every bar met"
exit $status
