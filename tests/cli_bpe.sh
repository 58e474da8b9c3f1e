#!/usr/bin/env bash
# BPE parity and robustness through the CLI (issue 3): tokbench's ids must be
# identical, segment by segment, to the reference implementations (npm
# `tiktoken` WASM for tiktoken:*, npm `@anush008/tokenizers` for hf:*; see
# tests/parity/encode.mjs) on
#   - every segment of udhr (en, ru, zh),
#   - TB_TREE=opt only: every 7th segment of libreoffice (2,277 per language),
#   - the hand-written adversarial lines of tests/parity/adversarial.mjs,
# and detokenize must give the text back (NFC text for hf:qwen3, whose
# tokenizer.json normalizes). hf:gemma3 and hf:llama2 are SentencePiece-style
# BPE (tokenizers/spbpe.c). Each spec and fixture is tokenized twice: the
# first use compiles the vocabulary into the cache, the second maps it. The hand-made tokenizer.json files of
# tests/fixtures/spbpe/ are compared the same way (ids and decodes).
# hf:gptoss and hf:llama3_1 must also give the ids of tiktoken:o200k_base and
# hf:llama3 (the same vocabularies published again). hf:claude (a byte-level
# file with an NFKC normalizer) is also compared with Anthropic's own package,
# npm @anthropic-ai/tokenizer, on every segment, and gives back the NFKC text.
# TB_TREE=san runs a subset of the specs.
cd "$(dirname "$0")/.."
. tests/lib.sh

if [[ $TREE == opt ]]; then
  SPECS=(tiktoken:r50k_base tiktoken:cl100k_base tiktoken:o200k_base
         hf:qwen3 hf:llama3 hf:gpt4o hf:deepseek_v3 hf:gemma3 hf:llama2
         hf:gptoss hf:llama3_1 hf:claude)
else
  SPECS=(tiktoken:cl100k_base tiktoken:o200k_base hf:qwen3 hf:llama2 hf:gemma3 hf:gptoss hf:claude)
fi

# ---- the parity input: sections of one file, remembered by line range ------
IN=$WORK/parity.txt
: >"$IN"
names=() firsts=() lasts=()
add_section() { # NAME FILE
  local first=$(($(wc -l <"$IN") + 1))
  cat "$2" >>"$IN"
  names+=("$1") firsts+=("$first") lasts+=("$(wc -l <"$IN")")
}
for l in en ru zh; do add_section "udhr $l" "$DATA/udhr/$l.txt"; done
if [[ $TREE == opt ]]; then
  for l in en ru zh; do
    awk 'NR % 7 == 0' "$DATA/libreoffice/$l.txt" >"$WORK/lo.$l"
    k=$(wc -l <"$WORK/lo.$l")
    ((k >= 2000)) && ok "libreoffice $l sample has $k >= 2000 segments" ||
      notok "libreoffice $l sample has $k >= 2000 segments"
    add_section "libreoffice $l (every 7th)" "$WORK/lo.$l"
  done
fi
node tests/parity/adversarial.mjs >"$WORK/adv.txt"
node tests/parity/adversarial.mjs --nfc >"$WORK/adv.nfc"
add_section "adversarial" "$WORK/adv.txt"
# the NFC form of the whole input, for the round trip of NFC models
node -e 'process.stdout.write(require("fs").readFileSync(0, "utf8").normalize("NFC"))' \
  <"$IN" >"$WORK/parity.nfc"
node -e 'process.stdout.write(require("fs").readFileSync(0, "utf8").normalize("NFKC"))' \
  <"$IN" >"$WORK/parity.nfkc"

# refs SPEC: the reference encoders of SPEC (hf:claude has two)
refs() { if [[ $1 == hf:claude ]]; then echo "$1 anthropic:claude"; else echo "$1"; fi; }
for spec in "${SPECS[@]}"; do
 for rspec in $(refs "$spec"); do
  if ! node tests/parity/encode.mjs "$rspec" "$IN" >"$WORK/ref" 2>"$WORK/node.err"; then
    notok "$spec: reference encoder $rspec runs" "$(head -c 300 "$WORK/node.err")"
    continue 2
  fi
  # the first use loads the vocabulary file and compiles it into the cache,
  # the second maps the compiled file (vocab_cache.h, spbpe_cache.h): both
  # must give the reference's ids (a second reference: the mapped file only)
  uses="first second"
  [[ $rspec != "$spec" ]] && uses=second
  for use in $uses; do
    expect_exit 0 "$spec: tokenize --ids ($use use)" -- "$TB" tokenize -v -t "$spec" --ids "$IN"
    if [[ $use == first ]]; then
      expect_err "vocabulary cache: built" "$spec: the first use compiles the vocabulary"
    else
      expect_err "vocabulary cache: loaded" "$spec: the second use maps the compiled file"
    fi
    cp "$WORK/out" "$WORK/got"
    cp "$WORK/out" "$WORK/got.${spec//[^a-z0-9_]/_}"
    for i in "${!names[@]}"; do
      a=${firsts[$i]} b=${lasts[$i]}
      if cmp -s <(sed -n "${a},${b}p" "$WORK/ref") <(sed -n "${a},${b}p" "$WORK/got"); then
        ok "$spec: ${names[$i]}: ids identical to $rspec's, $use use ($((b - a + 1)) segments)"
      else
        d=$(diff <(sed -n "${a},${b}p" "$WORK/ref") <(sed -n "${a},${b}p" "$WORK/got") | head -4 | cut -c1-200)
        notok "$spec: ${names[$i]}: ids identical to $rspec's, $use use ($((b - a + 1)) segments)" "$d"
      fi
    done
  done
 done
  expect_exit 0 "$spec: detokenize" -- "$TB" detokenize -t "$spec" "$WORK/got"
  want=$IN
  [[ $spec == hf:qwen3 ]] && want=$WORK/parity.nfc
  [[ $spec == hf:claude ]] && want=$WORK/parity.nfkc
  if cmp -s "$WORK/out" "$want"; then ok "$spec: round trip gives the text back"; else
    notok "$spec: round trip gives the text back" "$(cmp "$WORK/out" "$want" 2>&1 | head -2)"; fi
done
# vocabularies published twice: gpt-oss's o200k_harmony is o200k_base's ranks
# with other special tokens, Llama 3.1's file is Llama 3's with another
# post-processor; ordinary text must get the same ids from both
same_ids() { # SPEC_A SPEC_B
  local a=$WORK/got.${1//[^a-z0-9_]/_} b=$WORK/got.${2//[^a-z0-9_]/_}
  [[ -f $a && -f $b ]] || return 0
  if cmp -s "$a" "$b"; then ok "$1 and $2: the same ids on all $(wc -l <"$a") segments"; else
    notok "$1 and $2: the same ids on all $(wc -l <"$a") segments" "$(cmp "$a" "$b" 2>&1 | head -1)"; fi
}
same_ids hf:gptoss tiktoken:o200k_base
same_ids hf:llama3_1 hf:llama3
# the NFC fixture really differs from the raw one (else the qwen3 check is empty)
cmp -s "$WORK/adv.txt" "$WORK/adv.nfc" && notok "adversarial lines include non-NFC text" ||
  ok "adversarial lines include non-NFC text"
cmp -s "$WORK/parity.nfc" "$WORK/parity.nfkc" && notok "the input has text NFKC changes beyond NFC" ||
  ok "the input has text NFKC changes beyond NFC ($(diff "$WORK/parity.nfc" "$WORK/parity.nfkc" | grep -c '^<') lines)"

# ---- SentencePiece-style fixtures: ids and decodes against HF ---------------
FX=tests/fixtures/spbpe
cat "$FX/lines.txt" "$WORK/adv.txt" >"$WORK/fx.txt"
for f in first never affix; do
  spec=hf:$FX/$f.json
  if ! node tests/parity/encode.mjs "$spec" "$WORK/fx.txt" >"$WORK/fx.ref" 2>"$WORK/node.err"; then
    notok "$f.json: reference encoder runs" "$(head -c 300 "$WORK/node.err")"; continue
  fi
  for use in first second; do   # the second use maps the compiled file
    expect_exit 0 "$f.json: tokenize --ids ($use use)" -- "$TB" tokenize -t "$spec" --ids "$WORK/fx.txt"
    cp "$WORK/out" "$WORK/fx.got"
    d=$(diff "$WORK/fx.ref" "$WORK/fx.got" | head -4 | cut -c1-200)
    [[ -z $d ]] && ok "$f.json: ids identical, $use use ($(wc -l <"$WORK/fx.txt") lines)" ||
      notok "$f.json: ids identical, $use use" "$d"
  done
  node tests/parity/encode.mjs "$spec" "$WORK/fx.got" --decode >"$WORK/fx.dref" 2>"$WORK/node.err"
  expect_exit 0 "$f.json: detokenize" -- "$TB" detokenize -t "$spec" "$WORK/fx.got"
  cmp -s "$WORK/out" "$WORK/fx.dref" && ok "$f.json: decode identical to HF's" ||
    notok "$f.json: decode identical to HF's" "$(cmp "$WORK/out" "$WORK/fx.dref" 2>&1 | head -2)"
done
# what the fixtures must show (so the comparison above is not empty)
printf 'ab ab\n<s>ab ab\n\xc3\xa9\xc3\xa9\n\xc3\xa9\xe4\xb8\xad\n' >"$WORK/f1.txt"
expect_exit 0 "first.json: tokenize" -- "$TB" tokenize -t "hf:$FX/first.json" --ids "$WORK/f1.txt"
[[ $(tr '\n' '|' <"$WORK/out") == "10 10|1 9 10|5 0|5 2 3 4 0|" ]] &&
  ok "first.json: prepend first, added token, fused unk, bytes before a waiting unk" ||
  notok "first.json: prepend first, added token, fused unk, bytes before a waiting unk" "got $(tr '\n' '|' <"$WORK/out")"
printf 'ab ab\n\xc3\xa9\xc3\xa9\ncab\n' >"$WORK/f2.txt"
expect_exit 0 "never.json: tokenize" -- "$TB" tokenize -t "hf:$FX/never.json" --ids "$WORK/f2.txt"
[[ $(tr '\n' '|' <"$WORK/out") == "5 1 5|0 0|8|" ]] &&
  ok "never.json: no prepend, one unk per character, ignore_merges" ||
  notok "never.json: no prepend, one unk per character, ignore_merges" "got $(tr '\n' '|' <"$WORK/out")"
printf 'ab\xc3\xa9c\n' >"$WORK/f3.txt"
expect_exit 0 "never.json: pieces" -- "$TB" tokenize -t "hf:$FX/never.json" --pieces "$WORK/f3.txt"
[[ $(cat "$WORK/out") == 'ab <unk> c' ]] &&
  ok "never.json: pieces of an unk line" || notok "never.json: pieces of an unk line" "got $(cat "$WORK/out")"
# lossy: without an unk_token and byte fallback HF drops the character; tokbench refuses
sed 's/"unk_token": "<unk>"/"unk_token": null/' "$FX/never.json" >"$WORK/nounk.json"
expect_exit 3 "hf: an unknown character without unk_token is an error" -- "$TB" tokenize -t "hf:$WORK/nounk.json" "$WORK/f3.txt"
expect_err "U+00E9 at byte 3 has no token" "hf: the unknown character is named with its byte"

# ---- 100 kB of one character: a single 100 kB piece ------------------------
{ head -c 100000 /dev/zero | tr '\0' 'a'; echo; } >"$WORK/run_a"
expect_exit 0 "100 kB of 'a' encodes" -- "$TB" tokenize -t tiktoken:cl100k_base --count "$WORK/run_a"
n_a=$(cat "$WORK/out")
((n_a > 1000 && n_a < 100000)) && ok "100 kB of 'a' gives $n_a tokens" || notok "100 kB of 'a' token count" "got '$n_a'"
expect_exit 0 "100 kB of 'a' round-trips" -- bash -c \
  "'$TB' tokenize -t tiktoken:cl100k_base '$WORK/run_a' | '$TB' detokenize -t tiktoken:cl100k_base | cmp -s - '$WORK/run_a'"

# ---- bpe-file: a hand-made model ---------------------------------------------
# ranks 256 "ab", 257 "abab", 258 " a": "abab ab" -> pieces "abab", " ab"
# (gpt2 preset); "abab" is a token (257); " ab": pairs " a" (258) and "ab"
# (256): "ab" has the lower rank -> " " (32) + "ab" (256).
M=$WORK/m.bpe
{ echo "tokbench-bpe 1"; echo "pretok gpt2"; echo "vocab 259"
  for i in $(seq 0 255); do printf '%d %02x\n' "$i" "$i"; done
  echo "256 6162"; echo "257 61626162"; echo "258 2061"; } >"$M"
printf 'abab ab\n' >"$WORK/ab.txt"
expect_exit 0 "bpe-file: tokenize" -- "$TB" tokenize -t "bpe-file:$M" --ids "$WORK/ab.txt"
[[ $(cat "$WORK/out") == "257 32 256" ]] && ok "bpe-file: 'abab ab' is 257 32 256" ||
  notok "bpe-file: 'abab ab' is 257 32 256" "got '$(cat "$WORK/out")'"
cp "$WORK/out" "$WORK/ab.ids"
expect_exit 0 "bpe-file: detokenize" -- "$TB" detokenize -t "bpe-file:$M" "$WORK/ab.ids"
cmp -s "$WORK/out" "$WORK/ab.txt" && ok "bpe-file: round trip" || notok "bpe-file: round trip"
sed '260s/^256 /257 /' "$M" >"$WORK/bad.bpe"
expect_exit 3 "bpe-file: ranks out of order" -- "$TB" tokenize -t "bpe-file:$WORK/bad.bpe" "$WORK/ab.txt"
expect_err "bad.bpe': line 260: rank 257 where 256 was expected" "bpe-file: error names file and line"
head -n 100 "$M" >"$WORK/short.bpe"
expect_exit 3 "bpe-file: truncated model" -- "$TB" tokenize -t "bpe-file:$WORK/short.bpe" "$WORK/ab.txt"
expect_err "short.bpe': line 101: file ends after 97 of 259 entries" "bpe-file: truncation names the line"

# ---- bad rank files and tokenizer.json ----------------------------------------
R=deps/npm/node_modules/js-tiktoken/dist/ranks/r50k_base.js
[[ -n ${TOKBENCH_NPM:-} ]] && R=$TOKBENCH_NPM/node_modules/js-tiktoken/dist/ranks/r50k_base.js
head -c 300000 "$R" >"$WORK/trunc.js"
expect_exit 3 "tiktoken: truncated rank file" -- "$TB" tokenize -t "tiktoken:gpt2:$WORK/trunc.js" "$WORK/ab.txt"
expect_err "trunc.js: ends at byte 300000 in the middle of a line" "tiktoken: truncation names the file and where it ends"
sed 's/ IQ== / I!Q= /' "$R" >"$WORK/b64.js"
expect_exit 3 "tiktoken: bad base64" -- "$TB" tokenize -t "tiktoken:gpt2:$WORK/b64.js" "$WORK/ab.txt"
expect_err "bad base64 'I!Q='" "tiktoken: bad base64 is quoted"
expect_exit 3 "tiktoken: unknown encoding" -- "$TB" tokenize -t tiktoken:nosuch_base "$WORK/ab.txt"
expect_err "unknown tiktoken encoding 'nosuch_base'" "tiktoken: unknown name is named"
FX=tests/fixtures/spbpe
sed 's/"String": " "/"Regex": " +"/' "$FX/affix.json" >"$WORK/regex.json"
expect_exit 3 "hf: SentencePiece-style Replace with a Regex is refused" -- "$TB" tokenize -t "hf:$WORK/regex.json" "$WORK/ab.txt"
expect_err "regex.json: normalizer Replace with a Regex pattern is not supported" "hf: the Regex refusal names file and component"
sed 's/"fuse_unk": true/"fuse_unk": true, "dropout": 0.1/' "$FX/first.json" >"$WORK/dropout.json"
expect_exit 3 "hf: SentencePiece-style BPE with dropout is refused" -- "$TB" tokenize -t "hf:$WORK/dropout.json" "$WORK/ab.txt"
expect_err "dropout.json: model BPE with dropout is not supported" "hf: the dropout refusal names file and component"
sed 's/"b": 7,//' "$FX/first.json" >"$WORK/badmerge.json"
expect_exit 3 "hf: SentencePiece-style merge of an unknown token is refused" -- "$TB" tokenize -t "hf:$WORK/badmerge.json" "$WORK/ab.txt"
expect_err "badmerge.json: merges[1]: 'a b' uses a token not in vocab" "hf: the bad merge names file and entry"
printf '{"model": {"type": "WordLevel", "vocab": {}}}\n' >"$WORK/wl.json"
expect_exit 3 "hf: WordLevel is refused" -- "$TB" tokenize -t "hf:$WORK/wl.json" "$WORK/ab.txt"
expect_err "model type 'WordLevel' is not supported" "hf: WordLevel refusal names the model type"
printf '{"model": {"type": "BPE",\n "vocab": {"a": 0,\n' >"$WORK/trunc.json"
expect_exit 3 "hf: truncated tokenizer.json" -- "$TB" tokenize -t "hf:$WORK/trunc.json" "$WORK/ab.txt"
expect_err "trunc.json:3:" "hf: truncation names file and line"
# found by the long fuzz campaign: one huge rank or id once sized the tables
# at gigabytes
printf 'export default {"pat_str": "", "special_tokens": {}, "bpe_ranks": "! 444444256 YWI= YWJhYg=="};' >"$WORK/hugerank.js"
expect_exit 3 "tiktoken: a rank far beyond the entry count is refused" -- "$TB" tokenize -t "tiktoken:gpt2:$WORK/hugerank.js" "$WORK/ab.txt"
expect_err "rank or special id 444444257 is far beyond the 2 entries" "tiktoken: the huge rank is named"
# found by the long fuzz campaign: one huge id once sized the tables at 26.7 GB
printf '{"model": {"type": "BPE", "merges": [],\n "vocab": {"a": 0, "b": 3333333094}}}\n' >"$WORK/hugeid.json"
expect_exit 3 "hf: an id far beyond the entry count is refused" -- "$TB" tokenize -t "hf:$WORK/hugeid.json" "$WORK/ab.txt"
expect_err "entry 'b': id 3333333094 is far beyond the 2 entries" "hf: the huge id names its entry"
expect_exit 3 "hf: missing file" -- "$TB" tokenize -t "hf:$WORK/none.json" "$WORK/ab.txt"
expect_err "none.json" "hf: missing file is named"

finish cli_bpe
