#!/usr/bin/env bash
# `tokbench train`: the tiny preset on udhr's English train split (seconds in
# both trees): checkpoints, loss going down, bit-identical runs with one
# OpenBLAS thread, the NaN/divergence stop, bad input; the test-split
# evaluation, the separator between segments, the rows of -o DIR and its
# atomic write. TAP lines for
# tests/run.sh. The trainer's math is tested in tests/test_train.c.
cd "$(dirname "$0")/.."
. tests/lib.sh
need_corpus udhr
export OPENBLAS_NUM_THREADS=1

expect_exit 0 "help train" -- "$TB" help train
tr "\n" " " <"$WORK/out" | grep -q "weight decay 0.1 on matrices" && ok "help train states the optimizer" ||
  notok "help train states the optimizer"

run() { "$TB" train -d "$DATA" -c udhr -l en -t bytes "$@"; }
expect_exit 0 "train 30 steps" -- run -n 30 --every 10
cp "$WORK/out" "$WORK/a"
steps=$(awk '$1 ~ /^[0-9]+$/ && NF == 9 { printf "%s ", $1 }' "$WORK/a")
check "checkpoints at steps 1, 10, 20, 30" test "$steps" = "1 10 20 30 "
first=$(awk '$1 == 1 && NF == 9 { print $2 }' "$WORK/a")
last=$(awk '$1 == 30 && NF == 9 { print $2 }' "$WORK/a")
# the vocabulary: the distinct bytes of udhr English (both splits) + the separator
nb=$(python3 -c 'import sys; print(len(set(open(sys.argv[1], "rb").read()) - {10}))' "$DATA/udhr/en.txt")
check "loss falls (step 1 $first, step 30 $last)" awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a - 0.5) }'
check "first loss is near ln($nb + 1)" awk -v a="$first" -v n="$nb" 'BEGIN { l = log(n + 1); exit !(a > l - 0.3 && a < l + 0.3) }'
grep -q '^memory: .*weights 0.4' "$WORK/a" && ok "memory line" || notok "memory line" "$(cat "$WORK/a")"
expect_exit 0 "train again" -- run -n 30 --every 10
# the curve without its seconds column (7)
curve() { awk '$1 ~ /^[0-9]+$/ && NF == 9 { $7 = ""; print }' "$1"; }
if diff <(curve "$WORK/a") <(curve "$WORK/out") >/dev/null; then
  ok "same seeds, same losses"; else notok "same seeds, same losses"; fi
expect_exit 0 "another data seed" -- run -n 30 --every 10 --data-seed 2
if ! diff <(curve "$WORK/a") <(curve "$WORK/out") >/dev/null; then
  ok "another data seed, other losses"; else notok "another data seed, other losses"; fi

expect_exit 3 "a huge learning rate stops" -- run -n 50 --warmup 0 --lr 1e4
expect_err "train: step " "the stop names the step"

# -o DIR: the rows
R=$WORK/r1/results.csv
expect_exit 0 "train -o" -- run -n 30 --every 10 -o "$WORK/r1"
check "-o writes results.csv" test -f "$R"
v() { value "$R" udhr "$1" en bytes "$2"; }
for m in train_loss train_bits_per_token train_bits_per_en_byte train_eval_targets; do
  [[ -n $(v test $m) ]] && ok "row test $m" || notok "row test $m"; done
for m in train_loss train_steps train_tokens_seen train_vocab train_flops train_flops_gemm_share \
  train_bytes_peak_measured train_bytes_analytic train_s train_gemm_time_share; do
  [[ -n $(v train $m) ]] && ok "row train $m" || notok "row train $m"; done
bpeb=$(v test train_bits_per_en_byte)
check "bits per English byte is finite and in (0, 8.5) ($bpeb)" \
  awk -v b="$bpeb" 'BEGIN { exit !(b + 0 == b && b > 0 && b < 8.5) }'
c1=$(v test train_curve_bits_per_en_byte@1) c30=$(v test train_curve_bits_per_en_byte@30)
check "test bits per English byte fall from step 1 to 30 ($c1, $c30)" \
  awk -v a="$c1" -v b="$c30" 'BEGIN { exit !(b < a - 0.5) }'
check "the last curve point is the final row" test "$c30" = "$bpeb"
l1=$(v test train_curve_loss@1) l30=$(v test train_curve_loss@30)
check "test loss falls from step 1 to 30 ($l1, $l30)" awk -v a="$l1" -v b="$l30" 'BEGIN { exit !(b < a - 0.5) }'
check "the test loss is printed at the checkpoint" \
  awk -v l="$l30" '$1 == 30 && NF == 7 { exit !(sprintf("%.4f", l) == $4) } ' "$WORK/out"
check "bits per token = loss / ln 2" awk -v l="$(v test train_loss)" -v b="$(v test train_bits_per_token)" \
  'BEGIN { exit !(b - l / log(2) < 1e-8 && l / log(2) - b < 1e-8) }'
check "curve at 1, 10, 20, 30 on both splits" \
  test "$(grep -c '^udhr,\(train\|test\),en,bytes,train_curve_loss@\(1\|10\|20\|30\),' "$R")" = 8
check "tokens seen = 30 steps x 4 x 64" test "$(v train train_tokens_seen)" = 7680
check "gemm share of FLOPs in (0.5, 1)" awk -v s="$(v train train_flops_gemm_share)" 'BEGIN { exit !(s > 0.5 && s < 1) }'
check "peak measured >= analytic" awk -v m="$(v train train_bytes_peak_measured)" \
  -v a="$(v train train_bytes_analytic)" 'BEGIN { exit !(m >= a && a > 0) }'
grep -q '^udhr,train,en,bytes,train_s,[0-9.e+-]*,s$' "$R" && ok "train_s is a timing row (unit s)" ||
  notok "train_s is a timing row (unit s)"
grep -q '^udhr,train,en,bytes,train_gemm_time_share,[0-9.e+-]*,time_ratio$' "$R" &&
  ok "train_gemm_time_share is a timing row (unit time_ratio)" || notok "train_gemm_time_share is a timing row"

# the boundary rule: SEP s1 SEP ... sN SEP, one separator id past bytes' 256;
# the targets are every test token plus one separator per segment
expect_exit 0 "run for the test split's counts" -- "$TB" run -d "$DATA" -c udhr -t bytes -l en \
  --no-timing --ngram 0 -q -o "$WORK/run"
tt=$(value "$WORK/run/results.csv" udhr test en bytes tokens)
ts=$(value "$WORK/run/results.csv" udhr test en bytes segments)
check "the vocabulary is the $nb bytes used + the separator" test "$(v train train_vocab)" = $((nb + 1))
check "the full vocabulary is 256 + the separator" test "$(v train train_vocab_full)" = 257
check "the full vocabulary costs more FLOPs" awk -v f="$(v train train_flops)" -v g="$(v train train_flops_full_vocab)" 'BEGIN { exit !(g > f) }'
check "7B projection: 3 x the prefill FLOPs of the windows, about 6 N D" awk \
  -v f="$(v train train_proj_flops_llama2-7b)" -v d="$(v train train_tokens_seen)" 'BEGIN { r = f / (6 * 6.74e9 * d); exit !(r > 0.95 && r < 1.1) }'
check "7B projection: GPU hours on the H100 profile" test -n "$(v train train_proj_gpu_hours_llama2-7b_h100-sxm)"
check "the curve's last FLOPs are the counted FLOPs" test "$(v train train_curve_flops@30)" = "$(v train train_flops)"
check "eval targets = test tokens $tt + segments $ts" test "$(v test train_eval_targets)" = $((tt + ts))
enb=$(value "$WORK/run/results.csv" udhr test en bytes bytes)
check "bits per English byte = bits per token x targets / English bytes ($enb)" \
  awk -v b="$bpeb" -v t="$(v test train_bits_per_token)" -v n="$(v test train_eval_targets)" -v e="$enb" \
  'BEGIN { x = t * n / e; exit !(b - x < 1e-6 && x - b < 1e-6) }'
expect_exit 0 "train on chars (a code-space vocabulary)" -- run -t chars -n 2 --warmup 1 -o "$WORK/rc"
tc=$(value "$WORK/run/results.csv" udhr test en bytes chars)
check "chars: eval targets = test chars $tc + segments $ts" \
  test "$(value "$WORK/rc/results.csv" udhr test en chars train_eval_targets)" = $((tc + ts))

# determinism: every row but the timing ones is identical run to run
expect_exit 0 "train -o again" -- run -n 30 --every 10 -o "$WORK/r2"
if diff <(tools/det-rows "$R") <(tools/det-rows "$WORK/r2/results.csv") >/dev/null; then
  ok "two runs, identical deterministic rows"; else notok "two runs, identical deterministic rows"; fi
expect_exit 0 "check passes the second run against the first" -- "$TB" check --baseline "$R" "$WORK/r2/results.csv"
check "det-rows keeps the losses" grep -q 'train_bits_per_en_byte' <(tools/det-rows "$R")
if ! grep -q ',train_s,\|,train_gemm_time_share,' <(tools/det-rows "$R"); then
  ok "det-rows leaves out the timing rows"; else notok "det-rows leaves out the timing rows"; fi

# -o atomicity: a failed train writes nothing
expect_exit 3 "a diverging train with -o fails" -- run -n 50 --warmup 0 --lr 1e4 -o "$WORK/bad"
check "no folder after a failed train" test ! -e "$WORK/bad"
check "no temporary folder left" test -z "$(ls -d "$WORK"/bad.* 2>/dev/null)"
cp "$R" "$WORK/r1.csv"
expect_exit 3 "a failed train over an earlier folder" -- run -n 50 --warmup 0 --lr 1e4 -o "$WORK/r1"
check "the earlier folder is untouched" cmp -s "$R" "$WORK/r1.csv"
mkdir -p "$WORK/foreign" && echo x >"$WORK/foreign/notes.txt"
expect_exit 3 "-o refuses a folder of other files" -- run -n 2 --warmup 1 -o "$WORK/foreign"
expect_err "will not replace" "names the refusal"
check "the foreign folder keeps its file" test -f "$WORK/foreign/notes.txt"

# budgets: equal FLOPs, equal passes, tokens
B=$WORK/budget/results.csv
expect_exit 0 "--budget: two tokenizers and two languages at 3e9 FLOPs" -- \
  "$TB" train -d "$DATA" -c udhr -l en -l ru -t bytes -t bpe:1k --budget 3e9 --eval-bytes 400 -o "$WORK/budget"
for l in en ru; do for t in bytes bpe:1k; do
  f=$(value "$B" udhr train $l $t train_flops) st=$(value "$B" udhr train $l $t train_steps)
  check "budget $l $t: FLOPs $f within 3e9 and one more step beyond it" \
    awk -v f="$f" -v s="$st" 'BEGIN { exit !(f <= 3e9 && f + f / s > 3e9) }'
  check "budget $l $t: the budget row" test "$(value "$B" udhr train $l $t train_budget_flops)" = 3000000000
done; done
check "a larger vocabulary buys fewer steps" awk -v a="$(value "$B" udhr train en bytes train_steps)" \
  -v b="$(value "$B" udhr train en bpe:1k train_steps)" 'BEGIN { exit !(b < a) }'
eb=$(value "$B" udhr test en bytes train_eval_en_bytes)
check "--eval-bytes 400: at most 400 English bytes ($eb)" awk -v e="$eb" 'BEGIN { exit !(e > 0 && e <= 400) }'
check "--eval-bytes: the same segments in every language" \
  test "$(value "$B" udhr test ru bytes train_eval_segments)" = "$(value "$B" udhr test en bytes train_eval_segments)"
check "--eval-bytes: fewer segments than the test split" awk -v n="$(value "$B" udhr test en bytes train_eval_segments)" \
  -v t="$ts" 'BEGIN { exit !(n < t) }'
check "--eval-bytes: the same English bytes for ru" test "$(value "$B" udhr test ru bytes train_eval_en_bytes)" = "$eb"
expect_exit 0 "--epochs 1" -- run --epochs 1 -o "$WORK/ep"
check "--epochs 1 sees at least the train stream once" awk \
  -v e="$(value "$WORK/ep/results.csv" udhr train en bytes train_epochs_seen)" 'BEGIN { exit !(e >= 1 && e < 1.05) }'
expect_exit 0 "--tokens 5000" -- run --tokens 5000 -o "$WORK/tk"
check "--tokens 5000: 20 steps of 4 x 64" test "$(value "$WORK/tk/results.csv" udhr train en bytes train_steps)" = 20
expect_exit 0 "--target 5.2" -- run -n 30 --every 5 --target 5.2 -o "$WORK/tg"
T=$WORK/tg/results.csv
ft=$(value "$T" udhr test en bytes train_flops_to_target)
check "--target: FLOPs to target between step 1 and the last" awk -v f="$ft" \
  -v a="$(value "$T" udhr train en bytes train_curve_flops@1)" -v b="$(value "$T" udhr train en bytes train_flops)" \
  'BEGIN { exit !(f >= a && f <= b) }'
check "--target: the target row" test "$(value "$T" udhr test en bytes train_target_bits_per_en_byte)" = 5.2
expect_exit 0 "--target never reached" -- run -n 5 --warmup 1 --target 0.01 -o "$WORK/tg2"
check "no FLOPs-to-target row when never reached" test -z "$(value "$WORK/tg2/results.csv" udhr test en bytes train_flops_to_target)"
expect_exit 0 "--target en: zh and en, zh given first" -- "$TB" train -d "$DATA" -c udhr -l zh -l en -t bytes --budget 3e9 --target en -o "$WORK/te"
E=$WORK/te/results.csv
check "--target en: English trained first" test "$(awk '/^train: corpus/ { print $4; exit }' "$WORK/out")" = "en,"
check "--target en: zh's target is English's final value" test "$(value "$E" udhr test zh bytes train_target_bits_per_en_byte)" = "$(value "$E" udhr test en bytes train_bits_per_en_byte)"
check "--target en: English reaches its own final value within its FLOPs" awk -v f="$(value "$E" udhr test en bytes train_flops_to_target)" \
  -v b="$(value "$E" udhr train en bytes train_flops)" 'BEGIN { exit !(f > 0 && f <= b) }'
expect_exit 3 "a budget below one step" -- run --budget 1e6
expect_err "buys 0 steps" "names what the budget buys"
expect_exit 2 "two budgets" -- run -n 10 --budget 1e9
expect_exit 2 "a tokenizer given twice" -- run -t bytes
# the suites' training: run trains the suite's training list on its corpora
if [[ -f $DATA/libreoffice/MANIFEST ]]; then
  rs() { "$TB" run -d "$DATA" --suite default -c libreoffice -t bytes -t chars --ngram 0 --model none -q "$@"; }
  expect_exit 0 "run --suite default trains its list (-j 2)" -- rs --train-budget 2e9 -j 2 -o "$WORK/rs2"
  S=$WORK/rs2/results.csv
  for l in en ru zh; do
    check "run: bytes trained in $l at the budget" test "$(value "$S" libreoffice train $l bytes train_budget_flops)" = 2000000000
  done
  check "run: chars is not in the training list" test -z "$(grep ',chars,train_' "$S")"
  check "run: the evaluation set is the suite's 20000 English bytes at most" awk \
    -v e="$(value "$S" libreoffice test ru bytes train_eval_en_bytes)" 'BEGIN { exit !(e > 19000 && e <= 20000) }'
  check "run: the manifest states the training" python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["training"]
assert t["corpora"] == ["libreoffice"] and "bytes" in t["tokenizers"]
r = t["regimes"][0]
assert r["budget"] == 2e9 and r["budget_unit"] == "flops" and r["target"] == "en" and r["seq"] == 64
' "$WORK/rs2/manifest.json"
  expect_exit 0 "run -j 1" -- rs --train-budget 2e9 -j 1 -o "$WORK/rs1"
  if diff <(tools/det-rows "$S" | grep ',train_') <(tools/det-rows "$WORK/rs1/results.csv" | grep ',train_') >/dev/null; then
    ok "run: -j does not change the training rows"; else notok "run: -j does not change the training rows"; fi
  expect_exit 0 "run --train-budget 0" -- rs --train-budget 0 -o "$WORK/rs0"
  check "run --train-budget 0: no training rows" test -z "$(grep ',train_' "$WORK/rs0/results.csv")"
  expect_exit 2 "run --train-budget x" -- rs --train-budget x -o "$WORK/rsx"
fi
expect_exit 0 "the quick suite does not train" -- "$TB" run -d "$DATA" --suite quick -t bytes --ngram 0 --model none -q -o "$WORK/rq"
check "quick: no training rows" test -z "$(grep ',train_' "$WORK/rq/results.csv")"
expect_exit 2 "unknown language" -- run -l xx
expect_exit 2 "missing -t" -- "$TB" train -d "$DATA" -c udhr -l en
expect_exit 2 "sequence beyond the context" -- run --seq 65
expect_err "context 64" "names the context"
expect_exit 2 "warm-up not below the steps" -- run -n 5 --warmup 5
expect_exit 2 "bad --lr" -- run --lr -1
expect_exit 3 "unknown tokenizer spec" -- run -t nonsense

finish cli_train
