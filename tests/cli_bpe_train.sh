#!/usr/bin/env bash
# Command-line tests of `tokbench train-bpe`, the bpe:N spec and bpe-file:
# reloading of trained models (udhr; libreoffice only in the optimised tree).
# TAP-style lines; tests/run.sh counts them.
cd "$(dirname "$0")/.."
. tests/lib.sh

UD=$DATA/udhr
M=$WORK/en.model

# ---- train, reload, round trip ---------------------------------------------
expect_exit 0 "train-bpe udhr en" -- "$TB" train-bpe -d "$DATA" -c udhr -l en --vocab 500 -o "$M"
check "train-bpe reports the vocabulary" grep -qE '^  vocab: +500$' "$WORK/out"
check "train-bpe reports pieces and seconds" grep -qE 'pieces.*distinct' "$WORK/out"
check "model header" test "$(head -3 "$M" | paste -sd'|')" = "tokbench-bpe 1|pretok gpt2|vocab 500"
check "model has 500 entries after the header" test "$(($(wc -l <"$M") - 3))" = 500
check "rank 256 is a merge of two bytes" grep -qE '^256 [0-9a-f]{4}$' "$M"

expect_exit 0 "tokenize -t bpe-file:MODEL" -- "$TB" tokenize -t "bpe-file:$M" "$UD/en.txt"
cp "$WORK/out" "$WORK/ids.file"
expect_exit 0 "detokenize -t bpe-file:MODEL" -- "$TB" detokenize -t "bpe-file:$M" "$WORK/ids.file"
if cmp -s "$WORK/out" "$UD/en.txt"; then ok "bpe-file round trip of udhr en is byte-exact"; else
  notok "bpe-file round trip of udhr en is byte-exact" "$(cmp "$WORK/out" "$UD/en.txt")"; fi
check "bpe-file ids are below the vocabulary" \
  awk '{for (i = 1; i <= NF; i++) if ($i >= 500) exit 1}' "$WORK/ids.file"
check "trained vocabulary compresses udhr en by more than 2x" \
  test $(($(wc -w <"$WORK/ids.file") * 2)) -lt "$(wc -c <"$UD/en.txt")"

# bpe:500 trains the same model on the same split (default preset gpt2),
# caches it, and gives the same ids as bpe-file:
expect_exit 0 "tokenize -t bpe:500 -c udhr -l en" -- \
  "$TB" tokenize -d "$DATA" -t bpe:500 -c udhr -l en "$UD/en.txt"
check "bpe:500 ids equal bpe-file ids" cmp -s "$WORK/out" "$WORK/ids.file"
cached=$(find "$TOKBENCH_CACHE" -name 'bpe-500-gpt2.model' -path '*/en/*' | head -1)
check "bpe:500 cached under <hash>/en/bpe-500-gpt2.model" test -n "$cached"
[[ -n $cached ]] && check "cached model equals the train-bpe model" cmp -s "$cached" "$M"
# a corrupt cache is rebuilt and rewritten
if [[ -n $cached ]]; then
  head -c 3000 "$M" >"$cached"
  expect_exit 0 "bpe:500 with a truncated cache" -- \
    "$TB" tokenize -d "$DATA" -t bpe:500 -c udhr -l en "$UD/en.txt"
  check "ids unchanged after rebuilding the cache" cmp -s "$WORK/out" "$WORK/ids.file"
  check "truncated cache rewritten" cmp -s "$cached" "$M"
fi
expect_exit 0 "detokenize -t bpe:500 -c udhr -l en" -- \
  "$TB" detokenize -d "$DATA" -t bpe:500 -c udhr -l en "$WORK/ids.file"
check "bpe:500 round trip is byte-exact" cmp -s "$WORK/out" "$UD/en.txt"

# joint and other presets
expect_exit 0 "train-bpe udhr joint, pretok cl100k" -- \
  "$TB" train-bpe -d "$DATA" -c udhr -l joint --vocab 1000 --pretok cl100k -o "$WORK/j.model"
check "joint model says pretok cl100k" test "$(sed -n 2p "$WORK/j.model")" = "pretok cl100k"
for l in en ru zh; do
  "$TB" tokenize -t "bpe-file:$WORK/j.model" "$UD/$l.txt" >"$WORK/j.ids" 2>"$WORK/err" &&
    "$TB" detokenize -t "bpe-file:$WORK/j.model" "$WORK/j.ids" >"$WORK/j.txt" 2>>"$WORK/err"
  check "joint model round trip of udhr $l" cmp -s "$WORK/j.txt" "$UD/$l.txt"
done
expect_exit 0 "tokenize -t bpe:1000:cl100k -l joint" -- \
  "$TB" tokenize -d "$DATA" -t bpe:1000:cl100k -c udhr -l joint "$UD/zh.txt"
"$TB" tokenize -t "bpe-file:$WORK/j.model" "$UD/zh.txt" >"$WORK/j.ids" 2>/dev/null
check "bpe:1000:cl100k joint ids equal train-bpe -l joint ids" cmp -s "$WORK/out" "$WORK/j.ids"

# ---- the cache answers a smaller target from a larger model ---------------
expect_exit 0 "tokenize -t bpe:900 -l ru trains and caches" -- \
  "$TB" tokenize -d "$DATA" -t bpe:900 -c udhr -l ru "$UD/ru.txt"
ru900=$(find "$TOKBENCH_CACHE" -name 'bpe-900-gpt2.model' -path '*/ru/*' | head -1)
ru_dir=$(dirname "${ru900:-/nonexistent/x}")
check "time file beside the cached model" test -s "$ru_dir/bpe-900-gpt2.time"
check "time file header" test "$(head -1 "$ru_dir/bpe-900-gpt2.time" 2>/dev/null)" = "tokbench-bpe-time 1"
check "time file ends with the model's vocabulary" \
  test "$(tail -1 "$ru_dir/bpe-900-gpt2.time" 2>/dev/null | cut -d' ' -f1-2)" = "at 900"
expect_exit 0 "tokenize -t bpe:600 -l ru is cut from bpe:900" -- \
  "$TB" tokenize -d "$DATA" -t bpe:600 -c udhr -l ru "$UD/ru.txt"
cp "$WORK/out" "$WORK/ids.cut"
check "bpe:600 came from the cache (no bpe-600 model written)" test ! -e "$ru_dir/bpe-600-gpt2.model"
TOKBENCH_CACHE=$WORK/fresh "$TB" tokenize -d "$DATA" -t bpe:600 -c udhr -l ru "$UD/ru.txt" \
  >"$WORK/ids.fresh" 2>"$WORK/err"
check "bpe:600 cut from bpe:900 gives the ids of a freshly trained bpe:600" \
  cmp -s "$WORK/ids.cut" "$WORK/ids.fresh"
check "the fresh bpe:600 was trained and cached" \
  test -n "$(find "$WORK/fresh" -name 'bpe-600-gpt2.model' -path '*/ru/*')"

# ---- bpe-file: errors name the file and the line, exit 3 -----------------------
head -c 3000 "$M" >"$WORK/trunc.model"
expect_exit 3 "bpe-file: on a truncated model exits 3" -- \
  "$TB" tokenize -t "bpe-file:$WORK/trunc.model" "$UD/en.txt"
expect_err "bpe model '$WORK/trunc.model': line " "truncated model: file and line named"
sed '1s/.*/tokbench-bpe 9/' "$M" >"$WORK/hdr.model"
expect_exit 3 "bpe-file: with a bad header exits 3" -- \
  "$TB" tokenize -t "bpe-file:$WORK/hdr.model" "$UD/en.txt"
expect_err "hdr.model': line 1: expected 'tokbench-bpe 1'" "bad header: file and line named"
sed '2s/.*/pretok nosuch/' "$M" >"$WORK/pre.model"
expect_exit 3 "bpe-file: with an unknown preset exits 3" -- \
  "$TB" tokenize -t "bpe-file:$WORK/pre.model" "$UD/en.txt"
expect_err "pre.model': line 2: unknown pre-tokenizer preset 'nosuch'" "unknown preset: file and line named"
sed '300s/ .*/ fffefd/' "$M" >"$WORK/merge.model"
expect_exit 3 "bpe-file: with an entry that is no merge exits 3" -- \
  "$TB" tokenize -t "bpe-file:$WORK/merge.model" "$UD/en.txt"
expect_err "merge.model': line 300: rank 296 is not the concatenation" "entry that is no merge: file and line named"
expect_exit 3 "bpe-file: on a missing file exits 3" -- \
  "$TB" tokenize -t "bpe-file:$WORK/nope.model" "$UD/en.txt"
expect_err "nope.model" "missing model file is named"

# --input FILE
printf 'aaabdaaabac\naaabdaaabac\n' >"$WORK/in.txt"
expect_exit 0 "train-bpe --input" -- \
  "$TB" train-bpe --input "$WORK/in.txt" --vocab 300 --pretok none -o "$WORK/in.model"
check "--input: stops early and says so" grep -q 'vocab:  263 of 300 requested (stopped early' "$WORK/out"
check "--input: merge sequence aa, ab, aaab" \
  test "$(sed -n 260,262p "$WORK/in.model" | paste -sd'|')" = "256 6161|257 6162|258 61616162"

# ---- bad input -------------------------------------------------------------
printf 'ok\nbad \xc3\n' >"$WORK/bad.txt"
expect_exit 3 "--input with invalid UTF-8 exits 3" -- \
  "$TB" train-bpe --input "$WORK/bad.txt" --vocab 300 -o "$WORK/bad.model"
expect_err "bad.txt': line 2: invalid UTF-8 at byte 5" "invalid UTF-8 names file, line and byte"
check "nothing written on failure" test ! -e "$WORK/bad.model"
: >"$WORK/empty.txt"
expect_exit 3 "empty --input exits 3" -- \
  "$TB" train-bpe --input "$WORK/empty.txt" --vocab 300 -o "$WORK/e.model"
expect_err "empty.txt: bpe train: no text to train on" "empty input is named"
check "nothing written for empty input" test ! -e "$WORK/e.model"
for v in 256 1000001 0 abc 12x; do
  expect_exit 3 "--vocab $v exits 3" -- \
    "$TB" train-bpe -d "$DATA" -c udhr -l en --vocab "$v" -o "$WORK/v.model"
  expect_err "257..1000000" "--vocab $v names the range"
done
expect_exit 3 "bpe:256 spec exits 3" -- "$TB" tokenize -d "$DATA" -t bpe:256 -c udhr -l en "$UD/en.txt"
expect_err "257..1000000" "bpe:256 names the range"
expect_exit 3 "bpe:abc spec exits 3" -- "$TB" tokenize -d "$DATA" -t bpe:abc -c udhr -l en "$UD/en.txt"
expect_exit 3 "bpe:500 without a corpus exits 3" -- "$TB" tokenize -t bpe:500 "$UD/en.txt"
expect_err "needs a corpus" "bpe:500 without a corpus says so"
expect_exit 3 "unknown preset exits 3" -- \
  "$TB" train-bpe -d "$DATA" -c udhr -l en --vocab 300 --pretok nosuch -o "$WORK/p.model"
expect_err "nosuch" "unknown preset is named"
expect_exit 3 "bpe:500:nosuch exits 3" -- \
  "$TB" tokenize -d "$DATA" -t bpe:500:nosuch -c udhr -l en "$UD/en.txt"
expect_exit 3 "missing input file exits 3" -- \
  "$TB" train-bpe --input "$WORK/nope.txt" --vocab 300 -o "$WORK/p.model"
expect_err "nope.txt" "missing input file is named"
expect_exit 3 "unwritable output exits 3" -- \
  "$TB" train-bpe --input "$WORK/in.txt" --vocab 300 -o "$WORK/no/such/dir/m.model"
expect_exit 2 "missing -o is a usage error" -- "$TB" train-bpe --input "$WORK/in.txt" --vocab 300
expect_exit 2 "missing --vocab is a usage error" -- "$TB" train-bpe --input "$WORK/in.txt" -o "$WORK/x"
expect_exit 2 "-c and --input together is a usage error" -- \
  "$TB" train-bpe -d "$DATA" -c udhr -l en --input "$WORK/in.txt" --vocab 300 -o "$WORK/x"
expect_exit 2 "-c without -l is a usage error" -- "$TB" train-bpe -d "$DATA" -c udhr --vocab 300 -o "$WORK/x"
expect_exit 2 "unknown language is a usage error" -- \
  "$TB" train-bpe -d "$DATA" -c udhr -l xx --vocab 300 -o "$WORK/x"
expect_exit 0 "help train-bpe" -- "$TB" help train-bpe
check "help train-bpe shows the synopsis" grep -q 'train-bpe (-c CORPUS' "$WORK/out"

# ---- libreoffice (optimised tree only: a few seconds) ----------------------
if [[ $TREE == opt && -f $DATA/libreoffice/ids.txt ]]; then
  for l in en ru zh; do
    expect_exit 0 "train-bpe libreoffice $l 16000" -- \
      "$TB" train-bpe -d "$DATA" -c libreoffice -l "$l" --vocab 16000 -o "$WORK/lo.model"
    "$TB" tokenize -t "bpe-file:$WORK/lo.model" "$DATA/libreoffice/$l.txt" >"$WORK/lo.ids" 2>"$WORK/err" &&
      "$TB" detokenize -t "bpe-file:$WORK/lo.model" "$WORK/lo.ids" >"$WORK/lo.txt" 2>>"$WORK/err"
    check "libreoffice $l round trip through its 16k model" cmp -s "$WORK/lo.txt" "$DATA/libreoffice/$l.txt"
  done
fi

finish cli_bpe_train
