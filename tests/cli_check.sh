#!/usr/bin/env bash
# tokbench check: the CI gate on crafted baselines (exact match, tolerance,
# regression, improvement, missing and extra rows, malformed CSV, --update),
# and the committed udhr baseline that makes a token-count change fail CI.
cd "$(dirname "$0")/.."
. tests/lib.sh
B=tests/fixtures/check/base.csv

# variant NAME SED-EXPR: a copy of the baseline edited by sed
variant() { sed -e "$2" "$B" >"$WORK/$1.csv"; }

expect_exit 0 "identical results pass" -- "$TB" check -b "$B" "$B"
grep -q "0 regressed, 0 changed, 0 missing, 0 improved, 0 new: ok" "$WORK/out" && ok "identical: summary says ok" || notok "identical: summary" "$(cat "$WORK/out")"
grep -q "1 timing rows skipped" "$WORK/out" && ok "timing rows are skipped by default" || notok "timing rows skipped" "$(head -2 "$WORK/out")"

variant more 's/^udhr,all,ru,bytes,tokens,2000/udhr,all,ru,bytes,tokens,2001/'
expect_exit 1 "one more token is a regression" -- "$TB" check -b "$B" "$WORK/more.csv"
grep -qE '^REGRESSED +udhr +all +ru +bytes +tokens +2000 +2001 +\+0.050%' "$WORK/out" && ok "regression row names language, tokenizer, values and change" || notok "regression row" "$(cat "$WORK/out")"
expect_exit 0 "within --tol tokens=0.1% passes" -- "$TB" check -b "$B" --tol tokens=0.1% "$WORK/more.csv"
expect_exit 1 "outside --tol tokens=0.01% fails" -- "$TB" check -b "$B" --tol 'tok*=0.01%' "$WORK/more.csv"

variant fewer 's/^udhr,all,ru,bytes,tokens,2000/udhr,all,ru,bytes,tokens,1900/'
expect_exit 0 "fewer tokens is an improvement and passes" -- "$TB" check -b "$B" "$WORK/fewer.csv"
grep -q "^improved" "$WORK/out" && ok "improvement is reported" || notok "improvement is reported" "$(cat "$WORK/out")"

variant bpt 's/^udhr,all,ru,bytes,bytes_per_token,1,/udhr,all,ru,bytes,bytes_per_token,0.9,/'
expect_exit 1 "lower bytes_per_token is a regression" -- "$TB" check -b "$B" "$WORK/bpt.csv"

variant vocab 's/,vocab_size,256,/,vocab_size,300,/'
expect_exit 1 "a changed vocab_size fails (no direction)" -- "$TB" check -b "$B" "$WORK/vocab.csv"
grep -q "^CHANGED" "$WORK/out" && ok "undirected change is reported as CHANGED" || notok "CHANGED row" "$(cat "$WORK/out")"

variant slow 's/,encode_mb_per_s,300,/,encode_mb_per_s,100,/'
expect_exit 0 "slower timing passes without a timing tolerance" -- "$TB" check -b "$B" "$WORK/slow.csv"
expect_exit 1 "slower timing fails with --tol 'encode_*=25%'" -- "$TB" check -b "$B" --tol 'encode_*=25%' "$WORK/slow.csv"

variant missing '/,zh,bytes,tokens,/d'
expect_exit 1 "a missing row fails" -- "$TB" check -b "$B" "$WORK/missing.csv"
grep -q "^MISSING" "$WORK/out" && ok "missing row is reported" || notok "missing row is reported"

cp "$B" "$WORK/extra.csv"; echo "udhr,all,zh,chars,tokens,300,tokens" >>"$WORK/extra.csv"
expect_exit 0 "an extra row passes" -- "$TB" check -b "$B" "$WORK/extra.csv"
grep -q "^new" "$WORK/out" && ok "extra row is reported as new" || notok "extra row is new"

printf 'corpus,split,lang,tokenizer,metric,value,unit\nudhr,all,en,bytes,tokens\n' >"$WORK/bad.csv"
expect_exit 3 "malformed results are bad input" -- "$TB" check -b "$B" "$WORK/bad.csv"
expect_err "bad.csv': line 2: expected 7 fields" "malformed CSV error names file and line"
expect_exit 3 "malformed baseline is bad input" -- "$TB" check -b "$WORK/bad.csv" "$B"
expect_exit 2 "a bad tolerance is a usage error" -- "$TB" check -b "$B" --tol tokens=lots "$B"
expect_exit 2 "check without --baseline is a usage error" -- "$TB" check "$B"

cp "$B" "$WORK/newbase.csv"
expect_exit 0 "--update rewrites the baseline" -- "$TB" check -b "$WORK/newbase.csv" --update "$WORK/more.csv"
grep -q "ru,bytes,tokens,2001" "$WORK/newbase.csv" && ! grep -q "MB/s" "$WORK/newbase.csv" && ok "--update took the new rows and left timings out" || notok "--update content" "$(cat "$WORK/newbase.csv")"
expect_exit 0 "the updated baseline passes" -- "$TB" check -b "$WORK/newbase.csv" "$WORK/more.csv"
ls "$WORK"/newbase.csv.tmp.* >/dev/null 2>&1 && notok "--update leaves no temporary file" || ok "--update leaves no temporary file"

# ---- the committed baseline: the quick suite on udhr -------------------------
BASE=reports/baseline/udhr.csv
need_corpus udhr
expect_exit 0 "run --suite quick" -- "$TB" run --suite quick --data "$DATA" --no-timing -q -o "$WORK/quick"
if [[ ${TB_UPDATE_BASELINE:-} == 1 && $TREE == opt ]]; then
  "$TB" check -b "$BASE" --update "$WORK/quick/results.csv"
fi
expect_exit 0 "quick suite on udhr matches $BASE" -- "$TB" check -b "$BASE" "$WORK/quick/results.csv"
[[ $(cat "$WORK/out") == *"FAIL"* ]] && cat "$WORK/out" | head -30 | sed 's/^/# /'
grep -q " 0 missing, " "$WORK/out" && ok "every baseline row is still produced" || notok "baseline rows produced" "$(tail -1 "$WORK/out")"

finish cli_check
