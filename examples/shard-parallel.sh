#!/usr/bin/env bash
# examples/shard-parallel.sh - a sharded tokbench run under GNU parallel:
# `tokbench prepare` trains the trained schemes (bpe:N) once into the cache,
# GNU parallel runs the N shards (`run --shard K/N`, local job slots or remote
# hosts over ssh) and `tokbench merge` writes the rows of the unsharded run.
#
#   examples/shard-parallel.sh [-n N] [-j JOBS] [-o DIR] [-d DATA]
#                              [-S SSHLOGIN] [--workdir WD] -- RUN-ARGS...
#
#   -n N         number of shards (default 4; env SHARDS)
#   -j JOBS      parallel job slots per host (default: one per core)
#   -o DIR       DIR/shards/K/partial.tsv per shard, DIR/merged/ the results
#                (results.csv, REPORT.md, charts), DIR/joblog parallel's log
#                (default shard-out)
#   -d DATA      corpus folder (default $TOKBENCH_DATA, else corpora/data)
#   -S SSHLOGIN  run the shards on these hosts: parallel's --sshlogin, e.g.
#                "8/node1,8/node2" or ":,node1" (':' is this machine); env
#                SSHLOGIN. The tokbench binary, DATA and the cache
#                (TOKBENCH_CACHE) must be at the same paths there (a shared
#                filesystem, or copied once: they are large and read by every
#                shard, so they are not sent per job with --transferfile).
#   --workdir WD where the shards run on a remote host (parallel --workdir;
#                default DIR, the same path). Each shard's partial is written
#                under WD and brought back into DIR with parallel --return.
#   RUN-ARGS     the options of the run, given to every shard (--suite, -c,
#                -t, -l, --pivot, --ngram, --model, --no-timing, ...); prepare
#                gets the ones it takes (--suite, -c, -t, -l, --pivot).
#
# Exit status: 0 when every shard and the merge succeeded. A failing shard
# stops the run (parallel --halt now,fail=1): exit 1, naming the joblog;
# prepare's or merge's own status (2 usage, 3 bad input) otherwise.
# Environment: TOKBENCH_HARDWARE (default model/hardware.tsv, made absolute),
# TOKBENCH the binary (default: tokbench on PATH, else the
# build/opt/tokbench of this checkout), TOKBENCH_CACHE (default build/cache
# under the current folder; made absolute, as DATA and DIR are, since the
# shards run in DIR).
set -uo pipefail

die() { echo "shard-parallel: $*" >&2; exit 2; }
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }

N=${SHARDS:-4} JOBS= OUT=shard-out DATA=${TOKBENCH_DATA:-corpora/data}
SSH=${SSHLOGIN:-} WD=
while (($#)); do
  case $1 in
  -n) N=${2:-}; shift 2 || die "-n needs a number" ;;
  -j) JOBS=${2:-}; shift 2 || die "-j needs a number" ;;
  -o) OUT=${2:-}; shift 2 || die "-o needs a folder" ;;
  -d) DATA=${2:-}; shift 2 || die "-d needs a folder" ;;
  -S) SSH=${2:-}; shift 2 || die "-S needs a login list" ;;
  --workdir) WD=${2:-}; shift 2 || die "--workdir needs a folder" ;;
  --) shift; break ;;
  -h | --help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
  *) die "unknown option '$1' (the run's options go after --)" ;;
  esac
done
[[ $N =~ ^[1-9][0-9]*$ ]] || die "-n '$N': a positive number of shards is expected"
[[ -z $JOBS || $JOBS =~ ^[1-9][0-9]*$ ]] || die "-j '$JOBS': a positive number of slots is expected"
(($#)) || die "give the run's options (--suite NAME, or -c and -t) after -- (see --help)"
command -v parallel >/dev/null || { echo "shard-parallel: GNU parallel is not installed (apt-get install parallel)" >&2; exit 3; }

TB=${TOKBENCH:-}
if [[ -z $TB ]]; then
  TB=$(command -v tokbench || true)
  [[ -n $TB ]] || TB="$(cd "$(dirname "$0")/.." && pwd)/build/opt/tokbench"
fi
[[ -x $TB ]] || { echo "shard-parallel: tokbench binary '$TB' not found (set TOKBENCH)" >&2; exit 3; }
TB=$(abs "$TB") DATA=$(abs "$DATA") OUT=$(abs "$OUT")
export TOKBENCH_CACHE
TOKBENCH_CACHE=$(abs "${TOKBENCH_CACHE:-build/cache}")
# the hardware profiles of the model stage (run's default model/hardware.tsv
# is relative to the folder it starts in; the shards start in DIR)
HW=${TOKBENCH_HARDWARE:-model/hardware.tsv}
[[ -f $HW ]] && export TOKBENCH_HARDWARE && TOKBENCH_HARDWARE=$(abs "$HW")

# prepare takes the run's -c, -t, -l, --pivot and --suite (with their
# values); every other option of RUN-ARGS is the shards' only
prep_args() {
  PREP=()
  while (($#)); do
    case $1 in
    -c | -t | -l | --corpus | --tokenizer | --lang | --pivot | --suite) PREP+=("$1" "${2:-}"); shift 2 || shift ;;
    --corpus=* | --tokenizer=* | --lang=* | --pivot=* | --suite=* | -c?* | -t?* | -l?*) PREP+=("$1"); shift ;;
    *) shift ;;
    esac
  done
}

# 1. train once, into the cache every shard reads
prep_args "$@"
"$TB" prepare --data "$DATA" "${PREP[@]}" || exit $?

# 2. the shards; each writes shards/K/partial.tsv relative to its folder
mkdir -p "$OUT" || exit 3
rm -rf "$OUT/shards" "$OUT/merged"
P=(--halt now,fail=1 --joblog "$OUT/joblog")
[[ -n $JOBS ]] && P+=(-j "$JOBS")
if [[ -n $SSH ]]; then
  P+=(--sshlogin "$SSH" --workdir "${WD:-$OUT}" --return 'shards/{}' --env TOKBENCH_CACHE)
  [[ -n ${TOKBENCH_HARDWARE:-} ]] && P+=(--env TOKBENCH_HARDWARE)
fi
(cd "$OUT" && parallel "${P[@]}" "$TB" run --data "$DATA" "$@" -q \
  --shard "{}/$N" -o "shards/{}" ::: $(seq 0 $((N - 1))))
rc=$?
if ((rc != 0)); then
  echo "shard-parallel: a shard failed (parallel exit $rc); see $OUT/joblog" >&2
  exit 1
fi

# 3. the merge: refuses a missing or duplicated shard, naming it
parts=()
for ((k = 0; k < N; k++)); do parts+=("$OUT/shards/$k"); done
"$TB" merge "${parts[@]}" --data "$DATA" -q -o "$OUT/merged" || exit $?
echo "shard-parallel: $N shards merged into $OUT/merged/results.csv"
