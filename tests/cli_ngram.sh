#!/usr/bin/env bash
# cli_ngram.sh - `tokbench ngram`: a hand-checked perplexity on id files,
# determinism, ARPA export, the corpus mode on udhr, and bad input.
source tests/lib.sh
FX=tests/fixtures/ngram

# Order 2 on the tiny corpus of tests/test_ngram.c; test segment "10 20":
# p(10|<s>) = 0.18, p(20|10) = (5/6)/4 + 7/12*0.2025, p(</s>|20) = (4/9)/3 + 5/9*0.165
expect_exit 0 "ids mode runs" -- "$TB" ngram --train $FX/tiny.train.ids --test $FX/tiny.test.ids -n 2 --no-timing
cp "$WORK/out" "$WORK/tiny.csv"
ppl=$(value "$WORK/tiny.csv" - test - ids ngram_perplexity)
want=$(awk 'BEGIN { p = 0.18 * ((5/6)/4 + 7/12*0.2025) * ((4/9)/3 + 5/9*0.165); printf "%.10g", p^(-1/3) }')
check "hand-computed perplexity ($ppl vs $want)" awk -v a="$ppl" -v b="$want" 'BEGIN { d = a - b; exit !(a != "" && d < 1e-6 && d > -1e-6) }'
bits=$(value "$WORK/tiny.csv" - test - ids ngram_bits_per_token)
check "bits per token = log2 perplexity" awk -v a="$bits" -v p="$ppl" 'BEGIN { d = a - log(p)/log(2); exit !(a != "" && d < 1e-6 && d > -1e-6) }'
check "no timing rows with --no-timing" bash -c "! grep -q 'ngram_s_build' '$WORK/tiny.csv'"
check "hit@5 row" grep -q '^-,test,-,ids,ngram_hit_at_5,' "$WORK/tiny.csv"

"$TB" ngram --train $FX/tiny.train.ids --test $FX/tiny.test.ids -n 3 --no-timing --arpa "$WORK/a.arpa" >"$WORK/r1.csv" 2>/dev/null
"$TB" ngram --train $FX/tiny.train.ids --test $FX/tiny.test.ids -n 3 --no-timing --arpa "$WORK/b.arpa" >"$WORK/r2.csv" 2>/dev/null
check "deterministic rows" cmp -s "$WORK/r1.csv" "$WORK/r2.csv"
check "deterministic ARPA" cmp -s "$WORK/a.arpa" "$WORK/b.arpa"
check "ARPA header" grep -q '^ngram 3=7$' "$WORK/a.arpa"
check "lower orders suffixed" grep -q ',ngram_perplexity_o2,' "$WORK/r1.csv"

expect_exit 0 "--load scores with the exported ARPA" -- "$TB" ngram --load "$WORK/a.arpa" --test $FX/tiny.test.ids
check "ARPA model scores identically" test "$(value "$WORK/out" - test - ids ngram_bits_total)" = "$(value "$WORK/r1.csv" - test - ids ngram_bits_total)"
printf '\\data\\\nngram 1=50\n' >"$WORK/bad.arpa"
expect_exit 3 "truncated ARPA exits 3" -- "$TB" ngram --load "$WORK/bad.arpa" --test $FX/tiny.test.ids
expect_err "ARPA '$WORK/bad.arpa': line 2: n-gram count exceeds" "truncated ARPA names file and line"
expect_exit 0 "--arpa with timing" -- "$TB" ngram --train $FX/tiny.train.ids --test $FX/tiny.test.ids -n 3 --arpa "$WORK/c.arpa"
check "ngram_s_arpa row with --arpa" grep -q '^-,test,-,ids,ngram_s_arpa,[0-9.e-]*,s$' "$WORK/out"
check "no ngram_s_arpa row with --no-timing" bash -c "! grep -q ngram_s_arpa '$WORK/r1.csv'"
check "timed ARPA is the same file" cmp -s "$WORK/a.arpa" "$WORK/c.arpa"
expect_exit 2 "--load with --train exits 2" -- "$TB" ngram --load "$WORK/a.arpa" --train $FX/tiny.train.ids --test $FX/tiny.test.ids

expect_exit 3 "bad id file exits 3" -- "$TB" ngram --train $FX/bad.ids --test $FX/tiny.test.ids
expect_err "id file '$FX/bad.ids': line 2, column 4" "bad id file names line and column"
expect_exit 3 "missing id file exits 3" -- "$TB" ngram --train $WORK/nope.ids --test $FX/tiny.test.ids
expect_exit 2 "order out of range exits 2" -- "$TB" ngram --train $FX/tiny.train.ids --test $FX/tiny.test.ids -n 9
expect_exit 2 "no mode exits 2" -- "$TB" ngram -n 3
expect_exit 2 "--train without --test exits 2" -- "$TB" ngram --train $FX/tiny.train.ids

if [[ -f $DATA/udhr/en.txt ]]; then
  expect_exit 0 "corpus mode on udhr" -- "$TB" ngram -c "$DATA/udhr" -t bytes -l en -l zh -n 3 --no-timing
  cp "$WORK/out" "$WORK/u.csv"
  check "KSR row (0 for bytes: one key per token)" grep -q '^udhr,test,en,bytes,ngram_ksr,0,ratio$' "$WORK/u.csv"
  check "bits per English byte for zh" grep -q '^udhr,test,zh,bytes,ngram_bits_per_en_byte,' "$WORK/u.csv"
  en_bpt=$(value "$WORK/u.csv" udhr test en bytes ngram_bits_per_token)
  check "udhr en bytes: 1 < bits/token < 4 ($en_bpt)" awk -v a="$en_bpt" 'BEGIN { exit !(a > 1 && a < 4) }'
  # a cmd: tokenizer (ids only, no pieces) gets every n-gram row but the
  # keystroke savings, which type the pieces' texts; one note says so
  TOY="$ROOT/tests/fixtures/cmd/wordlen.sh"
  # (quick with timing: the selector latency needs the model's measured ms)
  for how in "--ngram 3 --no-timing" "--suite quick"; do
    expect_exit 0 "run $how -t cmd:" -- "$TB" run -c udhr --data "$DATA" -t "cmd:wordlen=$TOY" $how -q -o "$WORK/c"
    check "$how: n-gram rows for cmd:" test -n "$(value "$WORK/c/results.csv" udhr test ru cmd:wordlen ngram_bits_per_token)"
    check "$how: suggestions come from ids (hit@5 row)" test -n "$(value "$WORK/c/results.csv" udhr test en cmd:wordlen ngram_hit_at_5)"
    check "$how: no ngram_ksr row for cmd:" bash -c "! grep -q ',ngram_ksr,' '$WORK/c/results.csv'"
    check "$how: one note names the tokenizer and what was skipped" \
      test "$(grep -c 'note: cmd:wordlen has no pieces (an external program): keystroke savings (ngram_ksr) skipped' "$WORK/err")" = 1
  done
  check "--suite quick: selector latency rows for cmd:" test -n "$(value "$WORK/c/results.csv" udhr test en cmd:wordlen latency_ms_per_token_auto)"
  expect_exit 0 "ngram -c -t cmd:" -- "$TB" ngram -c "$DATA/udhr" -t "cmd:$TOY" -l en -n 3 --no-timing
  check "ngram -c -t cmd: writes n-gram rows" grep -q "^udhr,test,en,cmd:$TOY,ngram_perplexity," "$WORK/out"
  expect_err "tokbench ngram: note: cmd:$TOY has no pieces" "ngram -c -t cmd: states the skipped KSR"
  expect_exit 2 "--arpa with two languages exits 2" -- "$TB" ngram -c "$DATA/udhr" -t bytes -l en -l zh --arpa "$WORK/x.arpa"
  expect_exit 2 "unknown language exits 2" -- "$TB" ngram -c "$DATA/udhr" -t bytes -l xx
  expect_exit 3 "unknown tokenizer exits 3" -- "$TB" ngram -c "$DATA/udhr" -t nosuch -l en
  # an independent re-implementation of the estimator agrees n-gram by n-gram
  if command -v python3 >/dev/null; then
    "$TB" tokenize -t bytes "$DATA/udhr/ru.txt" >"$WORK/ru.ids" 2>/dev/null
    "$TB" ngram --train "$WORK/ru.ids" --test "$WORK/ru.ids" -n 4 --min-order 4 --no-timing --no-suggest \
      --arpa "$WORK/ru4.arpa" >/dev/null 2>&1
    check "reference re-implementation agrees (udhr ru bytes, order 4)" \
      python3 $FX/mkn_reference.py "$WORK/ru.ids" 4 "$WORK/ru4.arpa"
  fi
else
  notok "udhr corpus missing at $DATA/udhr (make corpora)"
fi
finish cli_ngram
