#!/usr/bin/env bash
# `tokbench train`: the tiny preset on udhr's English train split (seconds in
# both trees): checkpoints, loss going down, bit-identical runs with one
# OpenBLAS thread, the NaN/divergence stop, bad input. TAP lines for
# tests/run.sh. The trainer's math is tested in tests/test_train.c.
cd "$(dirname "$0")/.."
. tests/lib.sh
need_corpus udhr
export OPENBLAS_NUM_THREADS=1

expect_exit 0 "help train" -- "$TB" help train
grep -q "weight decay 0.1 on matrices" "$WORK/out" && ok "help train states the optimizer" ||
  notok "help train states the optimizer"

run() { "$TB" train -d "$DATA" -c udhr -l en -t bytes "$@"; }
expect_exit 0 "train 30 steps" -- run -n 30 --every 10
cp "$WORK/out" "$WORK/a"
steps=$(awk '$1 ~ /^[0-9]+$/ && NF == 5 { printf "%s ", $1 }' "$WORK/a")
check "checkpoints at steps 1, 10, 20, 30" test "$steps" = "1 10 20 30 "
first=$(awk '$1 == 1 && NF == 5 { print $2 }' "$WORK/a")
last=$(awk '$1 == 30 && NF == 5 { print $2 }' "$WORK/a")
check "loss falls (step 1 $first, step 30 $last)" awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a - 0.5) }'
check "first loss is near ln 256 = 5.55" awk -v a="$first" 'BEGIN { exit !(a > 5.2 && a < 5.9) }'
grep -q '^memory: .*weights 0.5' "$WORK/a" && ok "memory line" || notok "memory line" "$(cat "$WORK/a")"
expect_exit 0 "train again" -- run -n 30 --every 10
if diff <(grep -E '^ +[0-9]+ ' "$WORK/a") <(grep -E '^ +[0-9]+ ' "$WORK/out") >/dev/null; then
  ok "same seeds, same losses"; else notok "same seeds, same losses"; fi
expect_exit 0 "another data seed" -- run -n 30 --every 10 --data-seed 2
if ! diff <(grep -E '^ +[0-9]+ ' "$WORK/a") <(grep -E '^ +[0-9]+ ' "$WORK/out") >/dev/null; then
  ok "another data seed, other losses"; else notok "another data seed, other losses"; fi

expect_exit 3 "a huge learning rate stops" -- run -n 50 --warmup 0 --lr 1e4
expect_err "train: step " "the stop names the step"

expect_exit 2 "unknown language" -- run -l xx
expect_exit 2 "missing -t" -- "$TB" train -d "$DATA" -c udhr -l en
expect_exit 2 "sequence beyond the context" -- run --seq 65
expect_err "context 64" "names the context"
expect_exit 2 "warm-up not below the steps" -- run -n 5 --warmup 5
expect_exit 2 "bad --lr" -- run --lr -1
expect_exit 3 "unknown tokenizer spec" -- run -t nonsense

finish cli_train
