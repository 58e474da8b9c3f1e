#!/usr/bin/env bash
# perf/shard.sh - wall time of a run as 1 shard against 2 shards under GNU
# parallel on local cores (each shard -j 1, so N shards use N cores), side by
# side in one invocation, BENCH_REPEAT times each (default 3), taking turns so
# a change in the machine's load hits both; prints the medians and their
# ratio, and the merge time. Prepare (training) is done once before and not
# timed. Checks that both merges equal the unsharded rows.
#   usage: perf/shard.sh [-c CORPUS] [SPEC...]   (default libreoffice; bytes chars
#          tiktoken:cl100k_base tiktoken:o200k_base)
set -u
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$(dirname "$0")/.."
TB=${TOKBENCH:-build/opt/tokbench}
DATA=${TOKBENCH_DATA:-corpora/data}
REPEAT=${BENCH_REPEAT:-3}
CORPUS=libreoffice
if [[ ${1:-} == -c ]]; then CORPUS=$2; shift 2; fi
SPECS=("$@")
((${#SPECS[@]})) || SPECS=(bytes chars tiktoken:cl100k_base tiktoken:o200k_base)
W=$(mktemp -d /tmp/tokbench-perf-shard.XXXXXX)
trap 'rm -rf "$W"' EXIT
TS=()
for s in "${SPECS[@]}"; do TS+=(-t "$s"); done
T=(-c "$CORPUS" --data "$DATA" --no-timing --ngram 0 -q "${TS[@]}")
"$TB" prepare -c "$CORPUS" --data "$DATA" "${TS[@]}" >/dev/null || exit 1
"$TB" run "${T[@]}" -j 1 -o "$W/single" 2>/dev/null || exit 1
now() { date +%s.%N; }
med() { LC_ALL=C sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for ((r = 0; r < REPEAT; r++)); do
  for N in 1 2; do
    t0=$(now)
    parallel -j "$N" "$TB" run "${T[@]}" -j 1 --shard {}/$N -o "$W/$N-{}" ::: $(seq 0 $((N - 1))) 2>/dev/null || exit 1
    t1=$(now)
    parts=(); for ((k = 0; k < N; k++)); do parts+=("$W/$N-$k"); done
    "$TB" merge "${parts[@]}" --data "$DATA" -q -o "$W/m$N" 2>/dev/null || exit 1
    t2=$(now)
    cmp -s "$W/m$N/results.csv" "$W/single/results.csv" || { echo "merge of $N differs from the unsharded rows" >&2; exit 1; }
    echo "$t0 $t1" | awk '{print $2-$1}' >>"$W/run$N"
    echo "$t1 $t2" | awk '{print $2-$1}' >>"$W/merge$N"
  done
done
r1=$(med <"$W/run1") r2=$(med <"$W/run2") g1=$(med <"$W/merge1") g2=$(med <"$W/merge2")
echo "shard perf: $CORPUS, ${SPECS[*]}; $(nproc) cores; load: $(uptime | sed 's/.*load average: //')"
printf 'shards  run_s   merge_s\n1       %.2f    %.2f\n2       %.2f    %.2f\n' "$r1" "$g1" "$r2" "$g2"
awk -v a="$r1" -v b="$r2" 'BEGIN {printf "speed-up of 2 shards over 1: %.2fx (run wall time, medians of %d)\n", a / b, '"$REPEAT"'}'
