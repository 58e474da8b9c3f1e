#!/usr/bin/env bash
# The round-trip rows (bench/stage_metrics.c): roundtrip_exact (share of
# segments that decode back byte for byte) and roundtrip_char_loss (code point
# edit distance of the decode / chars). A lossless scheme shows exactly 1 and
# 0 in every language and split (bytes, byte-level BPE from tiktoken and
# tokenizer.json); a WordPiece file that lowercases shows a loss above 0 and
# fewer exact segments, and the loss is what a recount from the decodes
# (tokbench detokenize, python's own Levenshtein) gives; a scheme that cannot
# decode (cmd:) has no round-trip rows. TAP-style lines for tests/run.sh.
cd "$(dirname "$0")/.."
. tests/lib.sh
need_corpus udhr || { finish cli_roundtrip; exit; }
WP=tests/fixtures/hf_models/wp_bert.json
SPECS=(-t bytes -t tiktoken:cl100k_base -t hf:qwen3 -t "hf:$WP" -t "cmd:cut=tests/fixtures/cmd/wordlen.sh")

expect_exit 0 "run on udhr with lossless, lossy and cmd: tokenizers" -- \
  "$TB" run -c udhr "${SPECS[@]}" --no-timing --ngram 0 -q --data "$DATA" -o "$WORK/r"
R=$WORK/r/results.csv
for tok in bytes tiktoken:cl100k_base hf:qwen3; do
  wrong=$(awk -F, -v t="$tok" '$4 == t && (($5 == "roundtrip_exact" && $6 != 1) ||
                              ($5 == "roundtrip_char_loss" && $6 != 0))' "$R")
  rows=$(awk -F, -v t="$tok" '$4 == t && $5 ~ /^roundtrip_/' "$R" | wc -l)
  [[ -z $wrong && $rows == 18 ]] && ok "$tok: lossless, roundtrip_exact 1 and roundtrip_char_loss 0 ($rows rows)" ||
    notok "$tok: lossless" "rows $rows" "$wrong"
done
for l in en ru zh; do
  loss=$(value "$R" udhr all $l "hf:$WP" roundtrip_char_loss)
  exact=$(value "$R" udhr all $l "hf:$WP" roundtrip_exact)
  awk -v x="$loss" -v e="$exact" 'BEGIN { exit !(x > 0 && e < 1) }' &&
    ok "WordPiece lowercasing loses text in $l: roundtrip_char_loss $loss, roundtrip_exact $exact" ||
    notok "WordPiece loses text in $l" "loss '$loss' exact '$exact'"
done
# the recount: detokenize(tokenize(line)) against each en line, Levenshtein in python
"$TB" tokenize -t "hf:$WP" "$DATA/udhr/en.txt" >"$WORK/ids" 2>"$WORK/err" &&
  "$TB" detokenize -t "hf:$WP" "$WORK/ids" >"$WORK/dec" 2>>"$WORK/err" ||
  notok "tokenize and detokenize en with the WordPiece file" "$(head -c 300 "$WORK/err")"
want=$(python3 - "$DATA/udhr/en.txt" "$WORK/dec" <<'PY'
import sys
def lev(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]
src = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
dec = open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1]
assert len(src) == len(dec), (len(src), len(dec))
edits = sum(lev(a, b) for a, b in zip(src, dec))
chars = sum(len(a) for a in src)
print("%.10g %.10g" % (edits / chars, sum(a == b for a, b in zip(src, dec)) / len(src)))
PY
)
got=$(awk -v a="$(value "$R" udhr all en "hf:$WP" roundtrip_char_loss)" -v b="$(value "$R" udhr all en "hf:$WP" roundtrip_exact)" 'BEGIN { printf "%.10g %.10g", a, b }')
[[ -n $want && $want == "$got" ]] && ok "en: the loss and exact share equal a recount from detokenize ($got)" ||
  notok "en: the loss equals a recount from detokenize" "run: $got" "recount: $want"
if [[ -x tests/fixtures/cmd/wordlen.sh ]]; then
  n_cmd=$(awk -F, '$4 == "cmd:cut" && $5 ~ /^roundtrip_/' "$R" | wc -l)
  n_tok=$(awk -F, '$4 == "cmd:cut" && $5 == "tokens"' "$R" | wc -l)
  [[ $n_cmd == 0 && $n_tok -gt 0 ]] && ok "cmd: (no decode) has token rows and no round-trip rows" ||
    notok "cmd: has no round-trip rows" "roundtrip rows $n_cmd, tokens rows $n_tok"
fi
finish cli_roundtrip
