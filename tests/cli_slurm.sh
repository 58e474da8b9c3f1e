#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine (Debian slurm-wlm and
# munge, started here as root, stopped at the end, also on failure or a
# signal): examples/shard-slurm.sh submits prepare, a shard array and the
# afterok merge; the merged results.csv equals the unsharded run's byte for
# byte. A failing shard: the merge job never runs, and the merge step run by
# hand refuses the missing shard, naming it (exit 3). A daemon that does not
# come up fails the test with its log's tail. Optimised tree only (the
# sanitized binary is covered by cli_shard). TAP-style lines for tests/run.sh.
cd "$(dirname "$0")/.."
. tests/lib.sh
if [[ $TREE != opt ]]; then finish cli_slurm; exit $?; fi

for b in munged mungekey slurmctld slurmd sbatch squeue scontrol scancel sinfo python3; do
  command -v "$b" >/dev/null || { notok "$b installed" "run 'make deps' (Debian slurm-wlm, munge)"; finish cli_slurm; exit; }
done
[[ $(id -u) == 0 ]] || { notok "runs as root (slurmd starts jobs as their user)" "uid $(id -u)"; finish cli_slurm; exit; }
need_corpus udhr || { finish cli_slurm; exit; }

# munged wants every folder on its socket's path searchable by all
chmod 755 "$WORK"
C=$WORK/cluster
mkdir -p -m 755 "$C" "$C/munge" "$C/state" "$C/spool"
unset $(compgen -e | grep '^SLURM_') 2>/dev/null
export SLURM_CONF=$C/slurm.conf

# stop what this test started (by the pids the daemons wrote), then remove
# the scratch folder; bounded so that a stuck daemon cannot hang the test
stop_cluster() {
  if [[ -f $C/slurmctld.pid ]]; then
    timeout 10 scancel --full --quiet --user=root 2>/dev/null
    for ((i = 0; i < 20; i++)); do
      [[ -z $(timeout 5 squeue -h -o %i 2>/dev/null) ]] && break
      sleep 0.5
    done
  fi
  local d p
  for d in slurmd slurmctld munged; do
    [[ -f $C/$d.pid ]] || continue
    p=$(<"$C/$d.pid")
    [[ $p =~ ^[0-9]+$ ]] || continue
    kill "$p" 2>/dev/null
    for ((i = 0; i < 50; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
}
# bounded CMD...: CMD in the background, waited for, so that a signal runs
# the trap at once (bash defers a trap until a foreground command ends) and
# the trap stops CMD too
CHILD=
bounded() { "$@" & CHILD=$!; wait "$CHILD"; local rc=$?; CHILD=; return $rc; }
cleanup() { [[ -n $CHILD ]] && kill "$CHILD" 2>/dev/null; stop_cluster; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT TERM

# down: NAME LOG -- the daemon did not come up: fail with its log's tail
down() { notok "$1 starts" "$(tail -15 "$2" 2>/dev/null)"; finish cli_slurm; exit; }

# munge: a fresh key, a private socket
mungekey --create --keyfile="$C/munge.key" 2>"$C/mungekey.log" || down mungekey "$C/mungekey.log"
munged --key-file="$C/munge.key" --socket="$C/munge/munge.socket" --pid-file="$C/munged.pid" \
  --log-file="$C/munged.log" --seed-file="$C/munge.seed" 2>>"$C/munged.log" || down munged "$C/munged.log"
munge -S "$C/munge/munge.socket" -n 2>>"$C/munged.log" | unmunge -S "$C/munge/munge.socket" >/dev/null 2>&1 ||
  down munged "$C/munged.log"
ok "munged starts and a credential round-trips"

read -r PCTL PD < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
cat >"$C/slurm.conf" <<EOF
ClusterName=tokbench
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$PCTL
SlurmdPort=$PD
AuthType=auth/munge
AuthInfo=socket=$C/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/slurmctld.pid
SlurmdPidFile=$C/slurmd.pid
SlurmctldLogFile=$C/slurmctld.log
SlurmdLogFile=$C/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MinJobAge=600
DependencyParameters=kill_invalid_depend
InactiveLimit=0
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=tb Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -f "$C/slurm.conf" 2>>"$C/slurmctld.log" || down slurmctld "$C/slurmctld.log"
for ((i = 0; i < 40; i++)); do
  timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP' && break
  sleep 0.5
done
((i < 40)) && ok "slurmctld starts (port $PCTL)" || down slurmctld "$C/slurmctld.log"
slurmd -f "$C/slurm.conf" -N localhost 2>>"$C/slurmd.log" || down slurmd "$C/slurmd.log"
for ((i = 0; i < 60; i++)); do
  [[ $(timeout 5 sinfo -h -n localhost -o %T 2>/dev/null) == idle ]] && break
  sleep 0.5
done
((i < 60)) && ok "slurmd registers the node idle (port $PD)" || down slurmd "$C/slurmd.log"

# state JOBID: "STATE REASON" of a job or array task, ended ones too
state() { timeout 5 squeue -h -j "$1" -t all -o '%T %r' 2>/dev/null; }

SPECS=(-c udhr -t bytes -t tiktoken:cl100k_base -t bpe:1000)
# The sharded run: the quick suite (the default suite's 35 specs and every
# stage - metrics, n-gram, model, selector latency, timing - on udhr)
RUN=(--suite quick)
bounded "$TB" run "${RUN[@]}" -q --data "$DATA" -o "$WORK/single" 2>"$WORK/err" ||
  notok "the unsharded run" "$(head -c 400 "$WORK/err")"
# the jobs read the binary, the corpora and the cache at absolute paths
export TOKBENCH=$ROOT/$TB
[[ $TB == /* ]] && TOKBENCH=$TB

O=$WORK/slurm-ok
if bounded timeout 900 examples/shard-slurm.sh -n 3 -o "$O" -d "$DATA" --wait --timeout 840 -- "${RUN[@]}" \
  >"$WORK/out" 2>"$WORK/err"; then
  ok "shard-slurm.sh: prepare, 3 shards and the merge complete under Slurm"
else
  notok "shard-slurm.sh: prepare, 3 shards and the merge complete under Slurm" \
    "$(tail -3 "$WORK/err")" "$(tail -5 "$O"/logs/* 2>/dev/null)" "$(tail -5 "$C/slurmctld.log")"
fi
read -r _ JP < <(grep '^prepare' "$O/jobs" 2>/dev/null)
read -r _ JA < <(grep '^shards' "$O/jobs" 2>/dev/null)
read -r _ JM < <(grep '^merge' "$O/jobs" 2>/dev/null)
tasks=$(for k in 0 1 2; do state "${JA:-none}_$k"; done | awk '{print $1}' | sort | uniq -c | xargs)
[[ $tasks == "3 COMPLETED" ]] && ok "the array job $JA ran 3 tasks, each COMPLETED" ||
  notok "the array job ran 3 tasks, each COMPLETED" "task states: '$tasks'"
[[ $(state "${JP:-none}") == COMPLETED* && $(state "${JM:-none}") == COMPLETED* ]] &&
  ok "the prepare job $JP and the merge job $JM COMPLETED" ||
  notok "the prepare and merge jobs COMPLETED" "prepare: '$(state "${JP:-none}")' merge: '$(state "${JM:-none}")'"
ls "$O"/logs/shard-"$JA"_{0,1,2}.out >/dev/null 2>&1 && ok "each shard task wrote its log" ||
  notok "each shard task wrote its log" "$(ls "$O/logs" 2>&1)"
for k in 0 1 2; do [[ -s $O/shards/$k/partial.tsv ]] || break; done
[[ -s $O/shards/2/partial.tsv && $k == 2 ]] && ok "every shard wrote its partial" || notok "every shard wrote its partial"
if [[ -s $O/merged/results.csv ]] &&
  cmp -s <(tools/det-rows "$O/merged/results.csv") <(tools/det-rows "$WORK/single/results.csv"); then
  ok "Slurm: merged deterministic rows == unsharded run's, byte for byte ($(tools/det-rows "$WORK/single/results.csv" | wc -l) rows)"
else
  notok "Slurm: merged deterministic rows == unsharded run's, byte for byte" \
    "$(diff <(tools/det-rows "$O/merged/results.csv") <(tools/det-rows "$WORK/single/results.csv") 2>&1 | head -5)"
fi
keys() { cut -d, -f1-5 "$1" | LC_ALL=C sort; }
cmp -s <(keys "$O/merged/results.csv") <(keys "$WORK/single/results.csv") &&
  ok "Slurm: the same rows as the unsharded run, timing rows included" ||
  notok "Slurm: the same rows as the unsharded run" "$(diff <(keys "$O/merged/results.csv") <(keys "$WORK/single/results.csv") | head -4)"
[[ -s $O/merged/REPORT.md ]] && ok "the merge job wrote REPORT.md" || notok "the merge job wrote REPORT.md"

# A failing shard: task 1 reads a corpus that does not exist (the real
# binary, its real error). The merge never runs (afterok; the controller
# cancels it: DependencyNeverSatisfied) and writes nothing.
cat >"$WORK/flaky-tokbench" <<EOF
#!/usr/bin/env bash
if [[ " \$* " == *" --shard 1/"* ]]; then exec "$TOKBENCH" "\$@" -c no-such-corpus; fi
exec "$TOKBENCH" "\$@"
EOF
chmod +x "$WORK/flaky-tokbench"
F=$WORK/slurm-fail
bounded env TOKBENCH="$WORK/flaky-tokbench" timeout 150 examples/shard-slurm.sh -n 3 -o "$F" -d "$DATA" --wait --timeout 120 \
  -- "${SPECS[@]}" --no-timing --ngram 0 >"$WORK/out" 2>"$WORK/err"
rc=$?
[[ $rc == 1 ]] && ok "shard-slurm.sh --wait exits 1 when a shard fails" ||
  notok "shard-slurm.sh --wait exits 1 when a shard fails" "exit $rc" "$(tail -3 "$WORK/err")"
expect_err "merge job" "it names the merge job that cannot run"
read -r _ JA < <(grep '^shards' "$F/jobs" 2>/dev/null)
read -r _ JM < <(grep '^merge' "$F/jobs" 2>/dev/null)
[[ $(state "${JA:-none}_1") == FAILED* ]] && ok "Slurm reports shard task 1 FAILED" ||
  notok "Slurm reports shard task 1 FAILED" "state '$(state "${JA:-none}_1")'"
[[ $(state "${JA:-none}_0") == COMPLETED* && $(state "${JA:-none}_2") == COMPLETED* ]] &&
  ok "the other shard tasks COMPLETED" || notok "the other shard tasks COMPLETED"
grep -q "no-such-corpus" "$F/logs/shard-${JA}_1.out" 2>/dev/null && ok "the failed task's log has tokbench's error" ||
  notok "the failed task's log has tokbench's error" "$(head -3 "$F/logs/shard-${JA}_1.out" 2>&1)"
[[ $(state "${JM:-none}") =~ ^(CANCELLED|PENDING)\ DependencyNeverSatisfied ]] &&
  ok "the merge job never runs ($(state "$JM"))" || notok "the merge job never runs" "state '$(state "${JM:-none}")'"
[[ ! -e $F/merged ]] && ! ls "$F"/logs/merge-* >/dev/null 2>&1 && ok "no merge output, no merge log" ||
  notok "no merge output, no merge log" "$(ls "$F" "$F/logs" 2>&1)"
# the merge step by hand: the missing shard is named, nothing is written
expect_exit 3 "the merge step refuses the missing shard (exit 3)" -- \
  env TOKBENCH_DATA="$DATA" bash examples/shard-slurm.sbatch merge "$F" 3
expect_err "shard 1/3 is missing" "the merge names the missing shard 1/3"
[[ ! -e $F/merged ]] && ok "the refused merge writes nothing" || notok "the refused merge writes nothing"

# the array must be 0..N-1: a shard task outside it is refused
expect_exit 2 "a shard step outside an array is refused" -- bash examples/shard-slurm.sbatch shard "$F" 3 -c udhr -t bytes
expect_err "--array=0-2" "it names the array to submit"
expect_exit 2 "shard-slurm.sh -n 0 is a usage error" -- examples/shard-slurm.sh -n 0 -- -c udhr -t bytes

finish cli_slurm
