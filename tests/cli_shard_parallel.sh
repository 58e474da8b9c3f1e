#!/usr/bin/env bash
# examples/shard-parallel.sh with GNU parallel over local slots: prepare,
# N shards and the merge give the unsharded run's results.csv byte for byte
# (N = 1, 3; and with SSHLOGIN ':', this machine named as a login); a
# failing shard stops the run with exit 1 naming the joblog, and no merge is
# written. Optimised tree only (cli_shard runs the shards of both trees).
# TAP-style lines for tests/run.sh.
cd "$(dirname "$0")/.."
. tests/lib.sh
if [[ $TREE != opt ]]; then finish cli_shard_parallel; exit $?; fi
command -v parallel >/dev/null || { notok "GNU parallel installed" "run 'make deps' (Debian parallel)"; finish cli_shard_parallel; exit; }
need_corpus udhr || { finish cli_shard_parallel; exit; }
export TOKBENCH=$ROOT/$TB
[[ $TB == /* ]] && TOKBENCH=$TB

SPECS=(-c udhr -t bytes -t tiktoken:cl100k_base -t bpe:1000)
expect_exit 2 "-n 0 is a usage error" -- examples/shard-parallel.sh -n 0 -- "${SPECS[@]}"
expect_err "positive number of shards" "-n 0 says what is expected"
expect_exit 2 "no run options is a usage error" -- examples/shard-parallel.sh -n 2
# The sharded run: the quick suite (the default suite's 35 specs and every
# stage - metrics, n-gram, model, selector latency, timing - on udhr)
RUN=(--suite quick)
keys() { cut -d, -f1-5 "$1" | LC_ALL=C sort; }
# same_rows NAME DIR: DIR's merged rows against the unsharded run's: every
# deterministic row identical, the same rows (timing rows are per-shard)
same_rows() {
  if [[ -s $2/merged/results.csv ]] &&
    cmp -s <(tools/det-rows "$2/merged/results.csv") <(tools/det-rows "$WORK/single/results.csv"); then
    ok "$1: merged deterministic rows == unsharded run's ($(tools/det-rows "$WORK/single/results.csv" | wc -l) rows)"
  else
    notok "$1: merged deterministic rows == unsharded run's" \
      "$(diff <(tools/det-rows "$2/merged/results.csv") <(tools/det-rows "$WORK/single/results.csv") 2>&1 | head -5)"
  fi
  cmp -s <(keys "$2/merged/results.csv") <(keys "$WORK/single/results.csv") &&
    ok "$1: the same rows as the unsharded run, timing rows included" ||
    notok "$1: the same rows as the unsharded run" "$(diff <(keys "$2/merged/results.csv") <(keys "$WORK/single/results.csv") | head -4)"
}
# the unsharded run needs the trained schemes: the example's prepare trains
# them the first time, so the unsharded run goes after the first example
for N in 1 3; do
  expect_exit 0 "shard-parallel.sh -n $N runs prepare, the shards and the merge (${RUN[*]})" -- \
    timeout 900 examples/shard-parallel.sh -n $N -j 2 -o "$WORK/p$N" -d "$DATA" -- "${RUN[@]}"
  [[ -f $WORK/single/results.csv ]] ||
    "$TB" run "${RUN[@]}" -q --data "$DATA" -o "$WORK/single" 2>"$WORK/err" ||
    notok "the unsharded run" "$(head -c 400 "$WORK/err")"
  same_rows "parallel, $N shards" "$WORK/p$N"
  [[ $(awk -F'\t' 'NR > 1 && $7 == 0' "$WORK/p$N/joblog" | wc -l) == "$N" ]] &&
    ok "the joblog has $N shards, each exit 0" || notok "the joblog has $N shards, each exit 0" "$(cat "$WORK/p$N/joblog")"
done

# SSHLOGIN is passed to parallel --sshlogin (with --workdir, --return and
# --env): the options must be accepted together; ':' is this machine, the one
# login a test without sshd can use (parallel then ignores --return)
SSHLOGIN=: expect_exit 0 "SSHLOGIN=: runs the shards through parallel --sshlogin" -- \
  timeout 900 examples/shard-parallel.sh -n 2 -o "$WORK/ssh" -d "$DATA" -- "${RUN[@]}"
same_rows "SSHLOGIN=:, 2 shards" "$WORK/ssh"

# a failing shard: shard 1 of 3 names a corpus that does not exist (the real
# binary and its real error)
cat >"$WORK/flaky-tokbench" <<EOF
#!/usr/bin/env bash
if [[ " \$* " == *" --shard 1/"* ]]; then exec "$TOKBENCH" "\$@" -c no-such-corpus; fi
exec "$TOKBENCH" "\$@"
EOF
chmod +x "$WORK/flaky-tokbench"
TOKBENCH=$WORK/flaky-tokbench expect_exit 1 "a failing shard: shard-parallel.sh exits 1" -- \
  timeout 120 examples/shard-parallel.sh -n 3 -j 1 -o "$WORK/fail" -d "$DATA" -- "${SPECS[@]}" --no-timing --ngram 0
expect_err "a shard failed" "it says a shard failed"
expect_err "joblog" "it names the joblog"
grep -q "no-such-corpus" "$WORK/err" && ok "tokbench's error of the shard is shown" || notok "tokbench's error of the shard is shown"
[[ $(awk -F'\t' 'NR > 1 && $7 == 3' "$WORK/fail/joblog" | grep -c -- '--shard 1/3') == 1 ]] &&
  ok "the joblog has shard 1 with exit 3" || notok "the joblog has shard 1 with exit 3" "$(cat "$WORK/fail/joblog")"
[[ ! -e $WORK/fail/merged ]] && ok "no merge is written" || notok "no merge is written"

finish cli_shard_parallel
