#!/usr/bin/env bash
# perf/shard.sh - wall time of a run as 1 shard against 2 shards under GNU
# parallel on local cores (each shard -j 1, so N shards use N cores), side by
# side in one invocation, BENCH_REPEAT times each (default 3), taking turns so
# a change in the machine's load hits both; prints the medians and their
# ratio, and the merge time. Prepare (training) is done once before and not
# timed. Checks that every merge equals the unsharded results.csv.
# For the cluster projection it also measures the fixed cost of one shard
# process (a shard of 1/1000 of the segments: start, vocabularies, corpus
# read, partial write) and the merge of 8 partials; the projection line
# assumes the rest of the run (the encode work) divides by N. shard_cpu_s is
# the user+sys CPU seconds of the shards summed: the work does not grow with
# N but by one process's fixed cost per shard, whatever the machine's load.
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
# nproc obeys OMP_NUM_THREADS, set to 1 above for the shards
CORES=$(getconf _NPROCESSORS_ONLN)
TIME=/usr/bin/time
[[ -x $TIME ]] || { echo "perf/shard.sh: $TIME missing (Debian time; make deps)" >&2; exit 3; }
W=$(mktemp -d /tmp/tokbench-perf-shard.XXXXXX)
trap 'rm -rf "$W"' EXIT
TS=()
for s in "${SPECS[@]}"; do TS+=(-t "$s"); done
T=(-c "$CORPUS" --data "$DATA" --no-timing --ngram 0 -q "${TS[@]}")
"$TB" prepare -c "$CORPUS" --data "$DATA" "${TS[@]}" >/dev/null || exit 1
"$TB" run "${T[@]}" -j 1 -o "$W/single" 2>/dev/null || exit 1
now() { date +%s.%N; }
med() { LC_ALL=C sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
since() { echo "$1 $(now)" | awk '{print $2-$1}'; }
# merge N: merge the partials $W/N-0..N-1 into $W/mN and check it; prints the seconds
merge() {
  local parts=() k t0
  for ((k = 0; k < $1; k++)); do parts+=("$W/$1-$k"); done
  t0=$(now)
  "$TB" merge "${parts[@]}" --data "$DATA" -q -o "$W/m$1" 2>/dev/null || exit 1
  since "$t0"
  cmp -s "$W/m$1/results.csv" "$W/single/results.csv" || { echo "merge of $1 differs from the unsharded results" >&2; exit 1; }
}
# shards N SLOTS: the N shards, SLOTS at a time; each shard's user+sys CPU
# seconds go to $W/cpuN-K (GNU time)
shards() {
  parallel -j "$2" "$TIME" -f '%U+%S' -o "$W/cpu$1-{}" "$TB" run "${T[@]}" -j 1 --shard {}/$1 -o "$W/$1-{}" \
    ::: $(seq 0 $(($1 - 1))) 2>/dev/null || exit 1
}
# cpu N: the CPU seconds of the last N shards, summed
cpu() { cat "$W"/cpu"$1"-* | awk -F+ '{s += $1 + $2} END {print s}'; }
for ((r = 0; r < REPEAT; r++)); do
  for N in 1 2; do
    t0=$(now)
    shards $N $N
    since "$t0" >>"$W/run$N"
    cpu $N >>"$W/cpus$N"
    merge $N >>"$W/merge$N"
  done
  t0=$(now)
  "$TB" run "${T[@]}" -j 1 --shard 0/1000 -o "$W/fixed-out" 2>/dev/null || exit 1
  since "$t0" >>"$W/fixed"
done
shards 8 "$CORES"
for ((r = 0; r < REPEAT; r++)); do merge 8 >>"$W/merge8"; done
r1=$(med <"$W/run1") r2=$(med <"$W/run2") g1=$(med <"$W/merge1") g2=$(med <"$W/merge2")
g8=$(med <"$W/merge8") f=$(med <"$W/fixed") c1=$(med <"$W/cpus1") c2=$(med <"$W/cpus2")
echo "shard perf: $CORPUS, ${SPECS[*]}; $CORES cores; load: $(uptime | sed 's/.*load average: //')"
printf 'shards  run_s   shard_cpu_s  merge_s\n1       %.2f    %.2f         %.2f\n2       %.2f    %.2f         %.2f\n8       -       -            %.2f\n' \
  "$r1" "$c1" "$g1" "$r2" "$c2" "$g2" "$g8"
awk -v a="$r1" -v b="$r2" 'BEGIN {printf "speed-up of 2 shards over 1: %.2fx (run wall time, medians of %d)\n", a / b, '"$REPEAT"'}'
awk -v t="$r1" -v f="$f" -v g="$g8" 'BEGIN {
  w = t - f; if (w < 0) w = 0
  printf "fixed cost of one shard process: %.2f s; divisible work: %.2f s\n", f, w
  printf "projection, N shards on N nodes (not measured): %.2f + %.2f/N s + merge (%.2f s measured for 8)\n", f, w, g
  for (n = 8; n <= 64; n *= 8) printf "  N=%d: %.2f s + merge\n", n, f + w / n }'
