#!/usr/bin/env bash
# examples/shard-slurm.sh - submits a sharded tokbench run to Slurm as three
# jobs of examples/shard-slurm.sbatch: prepare (trains bpe:N once into the
# cache), an array of N shards (--array=0-N-1, afterok:prepare) and the
# merge (--dependency=afterok:ARRAY: it runs only when every shard exited 0).
#
#   examples/shard-slurm.sh [-n N] [-o DIR] [-d DATA] [--wait [--timeout S]]
#                           [--sbatch OPT]... -- RUN-ARGS...
#
#   -n N          number of shards (default 4; env SHARDS)
#   -o DIR        DIR/shards/K per shard, DIR/merged the results, DIR/logs
#                 the jobs' output, DIR/jobs the three job ids (default
#                 shard-out); on a filesystem every node shares
#   -d DATA       corpus folder (default $TOKBENCH_DATA, else corpora/data)
#   --wait        wait for the merge job; exit 0 when it completed, 1 when a
#                 job failed, the merge was cancelled or can never run (a
#                 failed shard: DependencyNeverSatisfied), or --timeout
#                 seconds passed (default: no limit)
#   --sbatch OPT  an option for all three sbatch calls (e.g. --partition=cpu,
#                 --account=x, --time=1:00:00); repeatable
#   RUN-ARGS      the run's options (--suite, -c, -t, -l, --pivot, --ngram, --model, ...)
#
# Environment: TOKBENCH_HARDWARE (default model/hardware.tsv, made absolute),
# TOKBENCH the binary (default: tokbench on PATH, else the
# build/opt/tokbench of this checkout), TOKBENCH_CACHE (default build/cache
# under the current folder); both, DATA and DIR are made absolute and passed
# to the jobs, so they must be the same paths on the nodes.
set -uo pipefail

die() { echo "shard-slurm: $*" >&2; exit 2; }
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
HERE=$(cd "$(dirname "$0")" && pwd)

N=${SHARDS:-4} OUT=shard-out DATA=${TOKBENCH_DATA:-corpora/data} WAIT=0 LIMIT=0 SB=()
while (($#)); do
  case $1 in
  -n) N=${2:-}; shift 2 || die "-n needs a number" ;;
  -o) OUT=${2:-}; shift 2 || die "-o needs a folder" ;;
  -d) DATA=${2:-}; shift 2 || die "-d needs a folder" ;;
  --wait) WAIT=1; shift ;;
  --timeout) LIMIT=${2:-}; shift 2 || die "--timeout needs seconds" ;;
  --sbatch) SB+=("${2:-}"); shift 2 || die "--sbatch needs an option" ;;
  --) shift; break ;;
  -h | --help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
  *) die "unknown option '$1' (the run's options go after --)" ;;
  esac
done
[[ $N =~ ^[1-9][0-9]*$ ]] || die "-n '$N': a positive number of shards is expected"
[[ $LIMIT =~ ^[0-9]+$ ]] || die "--timeout '$LIMIT': seconds expected"
(($#)) || die "give the run's options (--suite NAME, or -c and -t) after -- (see --help)"
command -v sbatch >/dev/null || { echo "shard-slurm: sbatch not found (Slurm client: apt-get install slurm-client)" >&2; exit 3; }

TB=${TOKBENCH:-}
if [[ -z $TB ]]; then
  TB=$(command -v tokbench || true)
  [[ -n $TB ]] || TB="$HERE/../build/opt/tokbench"
fi
[[ -x $TB ]] || { echo "shard-slurm: tokbench binary '$TB' not found (set TOKBENCH)" >&2; exit 3; }
export TOKBENCH TOKBENCH_DATA TOKBENCH_CACHE
TOKBENCH=$(abs "$TB") TOKBENCH_DATA=$(abs "$DATA") OUT=$(abs "$OUT")
TOKBENCH_CACHE=$(abs "${TOKBENCH_CACHE:-build/cache}")
# the hardware profiles of the model stage (run's default model/hardware.tsv
# is relative to the folder it starts in; the shards start in DIR)
HW=${TOKBENCH_HARDWARE:-model/hardware.tsv}
[[ -f $HW ]] && export TOKBENCH_HARDWARE && TOKBENCH_HARDWARE=$(abs "$HW")

mkdir -p "$OUT/logs" || exit 3
rm -rf "$OUT/shards" "$OUT/merged" "$OUT/jobs"
S=(sbatch --parsable --chdir="$OUT" --export=ALL "${SB[@]}")
SCRIPT=$HERE/shard-slurm.sbatch
jobid() { local id; id=$("$@") || exit 3; printf '%s\n' "${id%%;*}"; }  # --parsable: ID[;CLUSTER]
P=$(jobid "${S[@]}" --job-name=tokbench-prepare --output="$OUT/logs/prepare-%j.out" \
  "$SCRIPT" prepare "$OUT" "$@")
A=$(jobid "${S[@]}" --job-name=tokbench-shard --array="0-$((N - 1))" --dependency="afterok:$P" \
  --output="$OUT/logs/shard-%A_%a.out" "$SCRIPT" shard "$OUT" "$N" "$@")
M=$(jobid "${S[@]}" --job-name=tokbench-merge --dependency="afterok:$A" \
  --output="$OUT/logs/merge-%j.out" "$SCRIPT" merge "$OUT" "$N")
printf 'prepare\t%s\nshards\t%s\nmerge\t%s\n' "$P" "$A" "$M" >"$OUT/jobs"
echo "shard-slurm: prepare job $P, shard array $A (0-$((N - 1))), merge job $M; logs in $OUT/logs"
((WAIT)) || exit 0

# Poll the merge job until it ends (squeue -t all keeps ended jobs for
# MinJobAge seconds); a dependency that can never be satisfied ends the wait.
start=$SECONDS
while :; do
  st=$(squeue -h -j "$M" -t all -o '%T %r' 2>/dev/null)
  case $st in
  COMPLETED*)
    echo "shard-slurm: merged into $OUT/merged/results.csv"; exit 0 ;;
  PENDING*DependencyNeverSatisfied*)
    echo "shard-slurm: merge job $M can never run: a job it depends on failed (see $OUT/logs); scancel $M" >&2
    exit 1 ;;
  PENDING* | RUNNING* | CONFIGURING* | COMPLETING* | REQUEUED* | RESIZING* | SUSPENDED*) ;;
  "")
    echo "shard-slurm: merge job $M is no longer known to squeue (sacct -j $M tells how it ended)" >&2
    exit 1 ;;
  *)
    echo "shard-slurm: merge job $M ended ${st% *} (reason ${st#* }); see $OUT/logs" >&2
    exit 1 ;;
  esac
  if ((LIMIT && SECONDS - start >= LIMIT)); then
    echo "shard-slurm: merge job $M still ${st% *} after $LIMIT s (reason ${st#* })" >&2
    exit 1
  fi
  sleep 1
done
