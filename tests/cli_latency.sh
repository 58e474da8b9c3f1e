#!/usr/bin/env bash
# cli_latency.sh - `tokbench latency`: the selector model's rows on udhr with
# the tiny model, their internal arithmetic, the Hick-Hyman overrides, fork
# shares by threshold, determinism of the counts, and usage errors.
source tests/lib.sh

if ! "$TB" help latency >/dev/null 2>&1; then
  notok "latency command registered" \
    "list {&latency_cmd, cmd_latency} in cli/commands.c"
  finish cli_latency
  exit
fi
ok "latency command registered"

# approx A B TOL: |A - B| <= TOL max(1, |B|) (rows carry 10 significant digits)
approx() { awk -v a="$1" -v b="$2" -v t="$3" \
  'BEGIN { d = a - b; s = b < 0 ? -b : b; if (s < 1) s = 1; exit !(a != "" && d <= t * s && d >= -t * s) }'; }
# le A B: A <= B (both numbers)
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a + 0 <= b + 0) }'; }

if [[ -f $DATA/udhr/en.txt ]]; then
  L=(latency -c "$DATA/udhr" --preset tiny)
  expect_exit 0 "udhr bytes en zh ru, tiny model" -- "$TB" "${L[@]}" -t bytes -l en -l ru -l zh -o "$WORK/a.csv"
  check "a table on stdout" grep -q '^bytes  *zh ' "$WORK/out"
  v() { value "$WORK/a.csv" udhr test "$1" bytes "$2"; }
  for m in latency_ms_per_segment_auto latency_ms_per_word_select latency_ms_per_en_byte_hybrid \
           latency_ms_per_token_hybrid latency_human_share_select latency_fork_share_t2 \
           latency_fork_share_t1 latency_fork_share_t4 latency_fork_share_t8 latency_ms_choice \
           latency_choices_per_segment_hybrid latency_ms_per_segment_hybrid_t4 \
           latency_fork_share_p0p5 latency_fork_share_p0p7 latency_fork_share_p0p9 \
           latency_error_share_p0p5 latency_error_share_p0p9 latency_ms_per_token_hybrid_p0p7 \
           latency_ms_per_segment_hybrid_p0p9 latency_ms_per_token_hybrid_corrected_p0p5 \
           latency_fork_share_oracle latency_ms_per_token_hybrid_oracle \
           latency_ms_per_token_human_hybrid latency_ms_per_token_machine_hybrid \
           latency_fork_tau latency_ms_best; do
    check "row $m" test -n "$(v zh $m)"
  done
  check "default Hick-Hyman choice = 150 log2 6 ms" approx "$(v en latency_ms_choice)" 387.7443751 1e-8
  # the arithmetic: select - auto = choices * RT + choices * top-k (small)
  for l in en ru zh; do
    sel=$(v $l latency_ms_per_segment_select) aut=$(v $l latency_ms_per_segment_auto)
    ch=$(v $l latency_choices_per_segment_select) rt=$(v $l latency_ms_choice) tk=$(v $l latency_ms_topk)
    check "$l: select = auto + choices (RT + top-k)" \
      approx "$sel" "$(awk -v a="$aut" -v c="$ch" -v r="$rt" -v k="$tk" 'BEGIN { printf "%.10g", a + c * (r + k) }')" 1e-8
    tok=$(awk -v c="$ch" 'BEGIN { print c - 1 }')
    check "$l: per token x tokens/segment = per segment (hybrid)" \
      approx "$(awk -v t="$(v $l latency_ms_per_token_hybrid)" -v n="$tok" 'BEGIN { printf "%.10g", t * n }')" \
      "$(v $l latency_ms_per_segment_hybrid)" 1e-8
    check "$l: fork share falls as the threshold rises" \
      bash -c "awk 'BEGIN { exit !($(v $l latency_fork_share_t1) >= $(v $l latency_fork_share_t2) && $(v $l latency_fork_share_t2) >= $(v $l latency_fork_share_t4) && $(v $l latency_fork_share_t4) >= $(v $l latency_fork_share_t8)) }'"
    check "$l: hybrid choices = p_max fork share (tau 0.5) x steps" \
      approx "$(v $l latency_choices_per_segment_hybrid)" \
      "$(awk -v f="$(v $l latency_fork_share_p0p5)" -v c="$ch" 'BEGIN { printf "%.10g", f * c }')" 1e-8
    check "$l: p_max fork share rises with tau (0.5 <= 0.7 <= 0.9)" \
      bash -c "awk 'BEGIN { exit !($(v $l latency_fork_share_p0p5) <= $(v $l latency_fork_share_p0p7) && $(v $l latency_fork_share_p0p7) <= $(v $l latency_fork_share_p0p9)) }'"
    check "$l: oracle fork share in [0, 1]" \
      awk -v a="$(v $l latency_fork_share_oracle)" 'BEGIN { exit !(a != "" && a >= 0 && a <= 1) }'
    check "$l: error share in [0, 1 - fork share] and falls as tau rises" \
      bash -c "awk 'BEGIN { e5 = $(v $l latency_error_share_p0p5); e9 = $(v $l latency_error_share_p0p9); exit !(e5 >= 0 && e5 <= 1 - $(v $l latency_fork_share_p0p5) + 1e-9 && e9 <= e5) }'"
    check "$l: forks + errors at tau 0.5 >= oracle forks (a wrong top-1 is one or the other)" \
      bash -c "awk 'BEGIN { exit !($(v $l latency_fork_share_p0p5) + $(v $l latency_error_share_p0p5) + 1e-9 >= $(v $l latency_fork_share_oracle)) }'"
    check "$l: human + machine = hybrid per token" \
      approx "$(awk -v h="$(v $l latency_ms_per_token_human_hybrid)" -v m="$(v $l latency_ms_per_token_machine_hybrid)" 'BEGIN { printf "%.10g", h + m }')" \
      "$(v $l latency_ms_per_token_hybrid)" 1e-8
    check "$l: the headline hybrid is the tau 0.5 row" \
      test "$(v $l latency_ms_per_token_hybrid)" = "$(v $l latency_ms_per_token_hybrid_p0p5)"
    check "$l: corrected = hybrid + error share x steps / tokens x RT (tau 0.5)" \
      approx "$(v $l latency_ms_per_token_hybrid_corrected_p0p5)" \
      "$(awk -v h="$(v $l latency_ms_per_token_hybrid_p0p5)" -v e="$(v $l latency_error_share_p0p5)" -v c="$ch" -v r="$rt" 'BEGIN { printf "%.10g", h + e * c / (c - 1) * r }')" 1e-8
    check "$l: auto <= hybrid <= select" \
      bash -c "awk 'BEGIN { exit !($(v $l latency_ms_per_segment_auto) <= $(v $l latency_ms_per_segment_hybrid) && $(v $l latency_ms_per_segment_hybrid) <= $(v $l latency_ms_per_segment_select)) }'"
  done
  check "bytes never fork above 8 bits (at most 259 words)" test "$(v zh latency_fork_share_t8)" = 0
  check "more tokens for the same content, more choices (ru bytes > en bytes)" \
    le "$(v en latency_choices_per_segment_select)" "$(v ru latency_choices_per_segment_select)"
  check "per English byte: ru bytes slower than en bytes (select)" \
    le "$(v en latency_ms_per_en_byte_select)" "$(v ru latency_ms_per_en_byte_select)"
  ent=$(v en latency_entropy_bits)
  check "mean entropy of en bytes in (0, 8) bits ($ent)" awk -v a="$ent" 'BEGIN { exit !(a > 0 && a < 8) }'

  # counts are deterministic; -o - prints CSV instead of the table
  expect_exit 0 "second run, CSV on stdout" -- "$TB" "${L[@]}" -t bytes -l en -l ru -l zh -o -
  check "CSV header on stdout" grep -q '^corpus,split,lang,tokenizer,metric,value,unit$' "$WORK/out"
  strip() { grep -E ',(ratio|choices|bits)$' "$1"; }
  check "deterministic counts and ratios" cmp -s <(strip "$WORK/a.csv") <(strip "$WORK/out")

  # Hick-Hyman overrides, cloud size and thresholds
  expect_exit 0 "k 3, a 100, b 50, thresholds 100, 0.5 and 2, tau 0 and 0.25" -- "$TB" "${L[@]}" -t bytes -l en -k 3 \
    --hick-a 100 --hick-b 50 --threshold 100 --threshold 0.5 --threshold 2 --tau 0 --tau 0.25 -o "$WORK/b.csv"
  w() { value "$WORK/b.csv" udhr test en bytes "$1"; }
  check "choice = 100 + 50 log2 4 = 200 ms" approx "$(w latency_ms_choice)" 200 1e-9
  check "k row" test "$(w latency_k)" = 3
  check "default threshold is the first given" test "$(w latency_threshold_bits)" = 100
  check "threshold tag t0p5" test -n "$(w latency_fork_share_t0p5)"
  check "no forks above 100 bits" test "$(w latency_fork_share_t100)" = 0
  check "no p_max forks below 0" test "$(w latency_fork_share_p0)" = 0
  check "default tau is the first given" test "$(w latency_fork_tau)" = 0
  check "tau tag p0p25" test -n "$(w latency_fork_share_p0p25)"
  check "no human time without forks (tau 0)" test "$(w latency_human_share_hybrid)" = 0
  check "tau 0: every wrong top-1 is an accepted error" \
    test "$(w latency_error_share_p0)" = "$(w latency_fork_share_oracle)"
  check "no tau rows beyond the taus given" bash -c "! grep -q 'latency_fork_share_p0p5' '$WORK/b.csv'"
  check "fork share does not depend on k or the Hick-Hyman constants" \
    test "$(w latency_fork_share_t2)" = "$(value "$WORK/a.csv" udhr test en bytes latency_fork_share_t2)"
  check "no sweep rows beyond the thresholds given" bash -c "! grep -q 'latency_fork_share_t8' '$WORK/b.csv'"

  # tokbench run: the hybrid priced with a projected 7B decode step
  expect_exit 0 "run with the tiny model: projected hybrid rows" -- "$TB" run -c "$DATA/udhr" -t bytes -l en \
    --model tiny -n 2 -j 1 -o "$WORK/run"
  r() { value "$WORK/run/results.csv" udhr test en bytes "$1"; }
  for hw in rtx4090 h100-sxm; do
    d=$(r proj_ms_decode_token_llama2-7b_$hw)
    check "row latency_ms_per_token_hybrid_llama2-7b_$hw" test -n "$(r latency_ms_per_token_hybrid_llama2-7b_$hw)"
    check "llama2-7b on $hw: (steps x decode + forks x RT) / tokens" \
      approx "$(r latency_ms_per_token_hybrid_llama2-7b_$hw)" \
      "$(awk -v s="$(r latency_choices_per_segment_select)" -v f="$(r latency_choices_per_segment_hybrid)" -v d="$d" -v rt="$(r latency_ms_choice)" 'BEGIN { printf "%.10g", (s * d + f * rt) / (s - 1) }')" 1e-8
  done
  check "no projected hybrid on the measured machine" \
    bash -c "! grep -q 'latency_ms_per_token_hybrid_.*this-machine' '$WORK/run/results.csv'"

  expect_exit 2 "unknown language exits 2" -- "$TB" "${L[@]}" -t bytes -l xx
  expect_err "no language 'xx'" "unknown language named"
  expect_exit 3 "unknown tokenizer exits 3" -- "$TB" "${L[@]}" -t nosuch -l en
  expect_exit 2 "unknown preset exits 2" -- "$TB" latency -c "$DATA/udhr" -t bytes -l en --preset huge
  expect_err "unknown model preset 'huge'" "unknown preset named"
else
  notok "udhr corpus missing at $DATA/udhr (make corpora)"
fi

expect_exit 2 "no corpus exits 2" -- "$TB" latency -t bytes
expect_exit 2 "k 0 exits 2" -- "$TB" latency -c udhr -t bytes -k 0
expect_exit 2 "k 65 exits 2" -- "$TB" latency -c udhr -t bytes -k 65
expect_exit 2 "negative threshold exits 2" -- "$TB" latency -c udhr -t bytes --threshold -1
expect_exit 2 "tau above 1 exits 2" -- "$TB" latency -c udhr -t bytes --tau 1.5
expect_err "--tau must be a probability in [0, 1], got '1.5'" "bad tau named"
expect_exit 2 "bad Hick-Hyman slope exits 2" -- "$TB" latency -c udhr -t bytes --hick-b fast
expect_err "--hick-b must be ms per bit >= 0, got 'fast'" "bad slope named"
expect_exit 2 "order 9 exits 2" -- "$TB" latency -c udhr -t bytes -n 9
expect_exit 3 "missing corpus exits 3" -- "$TB" latency -c "$WORK/nope" -t bytes
finish cli_latency
