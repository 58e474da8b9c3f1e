#!/usr/bin/env bash
# tokbench check: the CI gate on crafted baselines (exact match, tolerance,
# regression, improvement, missing and extra rows, malformed CSV, --update),
# on runs of a cmd: tokenizer with knobs (tests/fixtures/check/wordlen_knob.sh:
# cheaper and costlier languages, derived and informational rows, split
# folding, tolerance syntax, markdown and JSON), and the committed udhr
# baseline that makes a token-count change fail CI.
cd "$(dirname "$0")/.."
. tests/lib.sh
B=tests/fixtures/check/base.csv

# variant NAME SED-EXPR: a copy of the baseline edited by sed
variant() { sed -e "$2" "$B" >"$WORK/$1.csv"; }

expect_exit 0 "identical results pass" -- "$TB" check -b "$B" "$B"
grep -q "^check: PASS: 0 regressed, 0 changed, 0 missing, 0 improved, 0 new" "$WORK/out" && ok "identical: summary says PASS" || notok "identical: summary" "$(cat "$WORK/out")"
grep -q "1 timing rows skipped" "$WORK/out" && ok "timing rows are skipped by default" || notok "timing rows skipped" "$(head -2 "$WORK/out")"

variant more 's/^udhr,all,ru,bytes,tokens,2000/udhr,all,ru,bytes,tokens,2001/'
expect_exit 1 "one more token is a regression" -- "$TB" check -b "$B" "$WORK/more.csv"
grep -qE '^  REGRESSED +udhr +all +ru +tokens +2,000 +2,001 +\+0.05% +exact' "$WORK/out" && grep -q '^tokenizer bytes$' "$WORK/out" && ok "regression row names language, tokenizer (heading), values and change" || notok "regression row" "$(cat "$WORK/out")"
expect_exit 0 "within --tol tokens=0.1% passes" -- "$TB" check -b "$B" --tol tokens=0.1% "$WORK/more.csv"
expect_exit 1 "outside --tol tokens=0.01% fails" -- "$TB" check -b "$B" --tol 'tok*=0.01%' "$WORK/more.csv"

variant fewer 's/^udhr,all,ru,bytes,tokens,2000/udhr,all,ru,bytes,tokens,1900/'
expect_exit 0 "fewer tokens is an improvement and passes" -- "$TB" check -b "$B" "$WORK/fewer.csv"
grep -q "^  improved" "$WORK/out" && ok "improvement is reported" || notok "improvement is reported" "$(cat "$WORK/out")"

variant bpt 's/^udhr,all,ru,bytes,bytes_per_token,1,/udhr,all,ru,bytes,bytes_per_token,0.9,/'
expect_exit 1 "lower bytes_per_token is a regression" -- "$TB" check -b "$B" "$WORK/bpt.csv"

variant vocab 's/,vocab_size,256,/,vocab_size,300,/'
expect_exit 1 "a changed vocab_size fails (no direction)" -- "$TB" check -b "$B" "$WORK/vocab.csv"
grep -q "^  CHANGED" "$WORK/out" && ok "undirected change is reported as CHANGED" || notok "CHANGED row" "$(cat "$WORK/out")"

variant slow 's/,encode_mb_per_s,300,/,encode_mb_per_s,100,/'
expect_exit 0 "slower timing passes without a timing tolerance" -- "$TB" check -b "$B" "$WORK/slow.csv"
expect_exit 1 "slower timing fails with --tol 'encode_*=25%'" -- "$TB" check -b "$B" --tol 'encode_*=25%' "$WORK/slow.csv"

variant missing '/,zh,bytes,tokens,/d'
expect_exit 1 "a missing row fails" -- "$TB" check -b "$B" "$WORK/missing.csv"
grep -q "^  MISSING" "$WORK/out" && ok "missing row is reported" || notok "missing row is reported"

cp "$B" "$WORK/extra.csv"; echo "udhr,all,zh,chars,tokens,300,tokens" >>"$WORK/extra.csv"
expect_exit 0 "an extra row passes" -- "$TB" check -b "$B" "$WORK/extra.csv"
grep -q "^  new" "$WORK/out" && ok "extra row is reported as new" || notok "extra row is new"

printf 'corpus,split,lang,tokenizer,metric,value,unit\nudhr,all,en,bytes,tokens\n' >"$WORK/bad.csv"
expect_exit 3 "malformed results are bad input" -- "$TB" check -b "$B" "$WORK/bad.csv"
expect_err "bad.csv': line 2: expected 7 fields" "malformed CSV error names file and line"
expect_exit 3 "malformed baseline is bad input" -- "$TB" check -b "$WORK/bad.csv" "$B"
expect_exit 2 "a bad tolerance is a usage error" -- "$TB" check -b "$B" --tol tokens=lots "$B"
expect_exit 2 "a bare-number tolerance is a usage error (it meant a fraction: 5 was 500%)" -- "$TB" check -b "$B" --tol tokens=5 "$WORK/more.csv"
expect_err "write tokens=5% for a relative change or tokens=abs:5" "the bare-number error says how to write it"
expect_exit 0 "an absolute tolerance: tokens=abs:1 allows one more token" -- "$TB" check -b "$B" --tol tokens=abs:1 "$WORK/more.csv"
expect_exit 1 "tokens=abs:0.5 does not" -- "$TB" check -b "$B" --tol tokens=abs:0.5 "$WORK/more.csv"
expect_exit 2 "an unknown metric in --tol is a usage error" -- "$TB" check -b "$B" --tol tokenz=5% "$WORK/more.csv"
expect_err "'tokenz' matches no known metric" "the unknown-metric error names the pattern"
grep -qE '^known metrics \([0-9]+\):' "$WORK/err" && grep -qw fertility "$WORK/err" && grep -qw vocab_size "$WORK/err" && ok "the unknown-metric error lists the known metrics" || notok "known metrics listed" "$(cat "$WORK/err")"
expect_exit 0 "a glob matching known metrics is accepted" -- "$TB" check -b "$B" --tol 'encode_*=50%' --tol 'ms_*=25%' "$B"
expect_exit 2 "a glob matching nothing is a usage error" -- "$TB" check -b "$B" --tol 'tokenz*=5%' "$B"
expect_exit 2 "an unknown --format is a usage error" -- "$TB" check -b "$B" --format html "$B"
expect_exit 2 "check without --baseline is a usage error" -- "$TB" check "$B"

cp "$B" "$WORK/newbase.csv"
expect_exit 0 "--update rewrites the baseline" -- "$TB" check -b "$WORK/newbase.csv" --update "$WORK/more.csv"
grep -q "ru,bytes,tokens,2001" "$WORK/newbase.csv" && ! grep -q "MB/s" "$WORK/newbase.csv" && ok "--update took the new rows and left timings out" || notok "--update content" "$(cat "$WORK/newbase.csv")"
expect_exit 0 "the updated baseline passes" -- "$TB" check -b "$WORK/newbase.csv" "$WORK/more.csv"
ls "$WORK"/newbase.csv.tmp.* >/dev/null 2>&1 && notok "--update leaves no temporary file" || ok "--update leaves no temporary file"

# ---- a cmd: tokenizer of one's own, cheaper and costlier ----------------------
need_corpus udhr
K=cmd:tests/fixtures/check/wordlen_knob.sh
knob() { local out=$1; shift; env "$@" "$TB" run -c udhr --data "$DATA" -t "$K" --no-timing -q -o "$WORK/$out" 2>"$WORK/$out.err" || notok "run $out" "$(tail -3 "$WORK/$out.err")"; }
knob k0
knob kmore TB_CHECK_MORE=ru
knob kfewer TB_CHECK_FEWER=ru
knob kfewer2 TB_CHECK_FEWER=ru,en
KB=$WORK/k0/results.csv

expect_exit 1 "more Russian tokens fail" -- "$TB" check -b "$KB" "$WORK/kmore/results.csv"
[[ $(grep -cE '^  REGRESSED .* ru +tokens ' "$WORK/out") == 1 ]] && ok "one line for ru tokens, not one per split" || notok "split folding" "$(cat "$WORK/out")"
grep -qE '^  REGRESSED +udhr +test +ru +tokens .*also: all,train$' "$WORK/out" && ok "the test split is shown, all and train folded" || notok "shown split" "$(cat "$WORK/out")"
grep -qE '^ +\+ 3 derived rows with it: .*fertility \+' "$WORK/out" && ! grep -qE '^  REGRESSED .* (fertility|bytes_per_token|chars_per_token) ' "$WORK/out" && ok "fertility, bytes/token, chars/token folded under the tokens line" || notok "derived folding" "$(cat "$WORK/out")"
grep -q "^check: FAIL: 1 regressed, 0 changed, 0 missing, 0 improved, 0 new" "$WORK/out" && ok "the summary counts the regression once" || notok "summary counts" "$(tail -1 "$WORK/out")"

expect_exit 0 "Russian only cheaper passes" -- "$TB" check -b "$KB" "$WORK/kfewer/results.csv"
grep -qE '^  improved +udhr +test +ru +tokens ' "$WORK/out" && ok "the cheaper language is listed as improved" || notok "improved listed" "$(cat "$WORK/out")"
grep -qE '^  info +udhr +ru .*renyi_efficiency -.*vocab_used|^  info +udhr +ru .*vocab_used .*renyi_efficiency -' "$WORK/out" && ok "renyi_efficiency and vocab_used are shown as informational" || notok "informational shown" "$(cat "$WORK/out")"
expect_exit 1 "a named informational metric gates in its direction" -- "$TB" check -b "$KB" --tol renyi_efficiency=0.1% "$WORK/kfewer/results.csv"
grep -qE '^  REGRESSED +udhr +test +ru +renyi_efficiency ' "$WORK/out" && ok "renyi_efficiency named: REGRESSED" || notok "renyi named" "$(cat "$WORK/out")"
expect_exit 1 "a named informational metric without direction fails on any change" -- "$TB" check -b "$KB" --tol vocab_used=0% "$WORK/kfewer/results.csv"
grep -qE '^  CHANGED +udhr +test +ru +vocab_used ' "$WORK/out" && ok "vocab_used named: CHANGED" || notok "vocab_used named" "$(cat "$WORK/out")"
expect_exit 0 "English and Russian cheaper, Chinese unchanged passes (its parity moved)" -- "$TB" check -b "$KB" "$WORK/kfewer2/results.csv"
grep -qE '^  info +udhr +zh +parity ' "$WORK/out" && ok "Chinese parity is informational" || notok "zh parity info" "$(cat "$WORK/out")"

# derived rows follow the tolerance of tokens (ru tokens +1.09% on udhr's test
# split, +3.09% on all and train)
expect_exit 0 "--tol tokens=5% covers fertility, bytes/token, chars/token and parity" -- "$TB" check -b "$KB" --tol 'tokens=5%' "$WORK/kmore/results.csv"
grep -qE '^  within +udhr +test +ru +tokens .* 5%  also: all,train$' "$WORK/out" && ok "the tokens row within tolerance is listed" || notok "within listed" "$(cat "$WORK/out")"
expect_exit 1 "--tol tokens=2% does not cover +3.09% on the all split" -- "$TB" check -b "$KB" --tol 'tokens=2%' "$WORK/kmore/results.csv"
grep -qE '^  REGRESSED +udhr +all +ru +tokens .*also: train$' "$WORK/out" && grep -qE '^  within +udhr +test +ru +tokens ' "$WORK/out" && ok "a split with another verdict gets a line of its own" || notok "split verdicts" "$(cat "$WORK/out")"
expect_exit 1 "an explicit --tol on a derived metric wins" -- "$TB" check -b "$KB" --tol 'tokens=5%' --tol fertility=0.5% "$WORK/kmore/results.csv"
grep -qE '^  REGRESSED +udhr +test +ru +fertility .* 0.5% ' "$WORK/out" && ! grep -qE '^  REGRESSED .* tokens ' "$WORK/out" && ok "fertility fails on its own tolerance, tokens pass" || notok "explicit derived tol" "$(cat "$WORK/out")"

# markdown: a verdict line, a table of regressions, the rest folded
expect_exit 1 "--format markdown keeps the exit status" -- "$TB" check -b "$KB" --format markdown "$WORK/kmore/results.csv"
M=$WORK/out
[[ $(head -1 "$M") == '**tokbench check: FAIL**: 1 regressed, 0 changed, 0 missing, 0 improved, 0 new' ]] && ok "markdown: verdict line first" || notok "markdown verdict line" "$(head -3 "$M")"
grep -q '^#### Regressions$' "$M" && grep -q '^| verdict | tokenizer | corpus | split | lang | metric | baseline | current | change | tolerance |$' "$M" && grep -qE '^\| REGRESSED \| `cmd:tests/fixtures/check/wordlen_knob.sh` \| udhr \| test \(also all,train\) \| ru \| tokens \| 92 \| 93 \| \+1.09% \| exact \|$' "$M" && ok "markdown: a table of regressions" || notok "markdown table" "$(cat "$M")"
grep -q '^<details><summary>' "$M" && grep -q '^</details>$' "$M" && grep -q '^| REGRESSED (with tokens) |' "$M" && ! grep -q '^#### Improvements' "$M" && ok "markdown: derived and informational rows folded in <details>" || notok "markdown details" "$(cat "$M")"
expect_exit 0 "markdown of a passing check" -- "$TB" check -b "$KB" --format markdown "$WORK/kfewer/results.csv"
head -1 "$WORK/out" | grep -q '^\*\*tokbench check: PASS\*\*: 0 regressed' && grep -q '^#### Improvements$' "$WORK/out" && ! grep -q '^#### Regressions' "$WORK/out" && ok "markdown: PASS, improvements table, no regressions table" || notok "markdown pass" "$(cat "$WORK/out")"

# json: parses, schema fields, the same exit status
expect_exit 1 "--format json keeps the exit status" -- "$TB" check -b "$KB" --format json "$WORK/kmore/results.csv"
cp "$WORK/out" "$WORK/fail.json"
python3 -m json.tool "$WORK/fail.json" >/dev/null && ok "json parses (python3 -m json.tool)" || notok "json parses" "$(head -c 600 "$WORK/fail.json")"
if command -v jq >/dev/null; then jq -e . "$WORK/fail.json" >/dev/null && ok "json parses (jq)" || notok "json parses (jq)"; fi
expect_exit 0 "json with a tolerance on tokens" -- "$TB" check -b "$KB" --format json --tol tokens=5% "$WORK/kmore/results.csv"
cp "$WORK/out" "$WORK/pass.json"
if python3 - "$WORK/fail.json" "$WORK/pass.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
for d in (f, p):
    assert d["schema"] == "tokbench-check" and d["version"] == 1, d
    for k in ("verdict", "exit_status", "baseline", "results", "tolerances", "counts", "items"):
        assert k in d, k
    for k in ("compared", "skipped_timing", "regressed", "changed", "missing", "improved", "new", "within", "info", "folded"):
        assert isinstance(d["counts"][k], int), k
    for it in d["items"]:
        for k in ("id", "verdict", "corpus", "split", "also_splits", "lang", "tokenizer", "metric", "unit",
                  "direction", "informational", "baseline", "current", "rel_change", "tolerance", "folded_under"):
            assert k in it, (k, it)
assert f["verdict"] == "fail" and f["exit_status"] == 1 and f["counts"]["regressed"] == 1
t = [i for i in f["items"] if i["metric"] == "tokens" and i["lang"] == "ru"]
assert len(t) == 1 and t[0]["verdict"] == "regressed" and t[0]["split"] == "test", t
assert t[0]["also_splits"] == ["all", "train"] and t[0]["baseline"] == 92 and t[0]["current"] == 93
assert abs(t[0]["rel_change"] - 1 / 92) < 1e-12 and t[0]["tolerance"]["kind"] == "exact"
fert = [i for i in f["items"] if i["metric"] == "fertility" and i["lang"] == "ru"][0]
assert fert["folded_under"] == t[0]["id"] and fert["direction"] == "lower"
assert p["verdict"] == "pass" and p["exit_status"] == 0
assert p["tolerances"] == [{"pattern": "tokens", "kind": "rel", "value": 0.05}], p["tolerances"]
fp = [i for i in p["items"] if i["metric"] == "fertility" and i["lang"] == "ru"][0]
assert fp["verdict"] == "within" and fp["tolerance"]["inherited_from"] == "tokens", fp
assert fp["tolerance"]["pattern"] == "tokens" and abs(fp["tolerance"]["value"] - (1 / 0.95 - 1)) < 1e-12
par = [i for i in f["items"] if i["metric"] == "parity" and i["lang"] == "ru"][0]
assert par["verdict"] == "info" and par["informational"] is True
PY
then ok "json has the schema fields, verdicts, tolerances and folding"; else notok "json schema" "$(head -c 800 "$WORK/fail.json")"; fi

# ---- the committed baseline: the quick suite on udhr -------------------------
BASE=reports/baseline/udhr.csv
expect_exit 0 "run --suite quick" -- "$TB" run --suite quick --data "$DATA" --no-timing -q -o "$WORK/quick"
if [[ ${TB_UPDATE_BASELINE:-} == 1 && $TREE == opt ]]; then
  "$TB" check -b "$BASE" --update "$WORK/quick/results.csv"
fi
expect_exit 0 "quick suite on udhr matches $BASE" -- "$TB" check -b "$BASE" "$WORK/quick/results.csv"
[[ $(cat "$WORK/out") == *"FAIL"* ]] && cat "$WORK/out" | head -30 | sed 's/^/# /'
grep -q " 0 missing, " "$WORK/out" && ok "every baseline row is still produced" || notok "baseline rows produced" "$(tail -1 "$WORK/out")"

finish cli_check
