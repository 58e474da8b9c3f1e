#!/usr/bin/env bash
# hf:<tokenizer.json> with a Unigram model (tokenizers/unigram.c through
# spbpe.c) against HuggingFace tokenizers (npm @anush008/tokenizers, the Rust
# core) - issue 16. SentencePiece Unigram models are trained here with
# Debian's spm_train on the udhr and libreoffice text of en, ru and zh (with
# and without byte fallback; nmt_nfkc, nfkc_cf and identity rules) and turned
# into tokenizer.json files by tests/parity/spm2json.mjs (Precompiled charsmap,
# NFKC or no normalizer; Metaspace with prepend_scheme always / first /
# never, split or not, alone or after WhitespaceSplit). tokbench's ids are
# compared with the reference's on every segment of the three languages and
# on the adversarial lines; so are the decodes of those ids. Then: the line
# where HF's Precompiled rule (whole grapheme, first match) and
# SentencePiece's (longest match) disagree gives each reference's ids, and
# bad Unigram files fail with exit 3 naming the file and the entry.
# TB_TREE=san trains fewer models and encodes udhr and the adversarial lines.
cd "$(dirname "$0")/.."
. tests/lib.sh

command -v spm_train >/dev/null && command -v spm_encode >/dev/null ||
  { notok "spm_train and spm_encode are installed (apt-get install sentencepiece)"; finish cli_unigram; exit; }
[[ -d deps/npm/node_modules/@anush008/tokenizers ]] ||
  { notok "@anush008/tokenizers is installed (make deps)"; finish cli_unigram; exit; }
PAR=tests/parity

# ---- the input ------------------------------------------------------------------
node $PAR/adversarial.mjs >"$WORK/adv.txt"
# the Precompiled rule: a grapheme under 6 bytes takes its first charsmap
# match whole (U+FF21 + U+0301 -> "A", the accent dropped; SentencePiece
# keeps it); a longer one goes character by character
GRAPH=$'\uFF21\u0301 \uFF76\uFF9E\u0301\u0301 \uFB01\u0308 \u2460\u20DD'
cat >>"$WORK/adv.txt" <<ADV
ﾊﾝｶｸｶﾀｶﾅ ﾃｽﾄ ｶﾞｷﾞｸﾞ ｱｲｳｴｵ
👨‍👩‍👧‍👦 👩🏽‍🚀 🏳️‍🌈 ❤️‍🔥 🇺🇦🇯🇵
ᚠᚢᚦᚨᚱᚲ ⴰⵣⵓⵍ ꦲꦏ꧀ꦱꦫ 𓀀𓀁𓀂 ትግርኛ ᏣᎳᎩ
①②③ ㎏㎞ ﬁﬂ Ⅻ ＡＢＣ１２３ ½ ²³ ㋿ ﷺ
   leading and   many   inner   spaces   
<unk> <s> </s> ⁇ ▁▁▁ ▁x <0x41> the<s>end
e◌́ é é ë̈̈̈ 각 각 Ａ́ ｶﾞ
$GRAPH
ADV
python3 -c '
print("a" * 20000); print("ー" * 5000); print(" " * 300 + "x" + " " * 300)
print("x" + "\u0300" * 2000); print("\u200b" * 1000); print("\t\u00a0\u3000\u2028\u000b\u000c\u001f\u0085")
print("1234567890" * 200); print("\u00e9" * 3000)' >>"$WORK/adv.txt"
parity_input

# ---- models: NAME LANG VOCAB "spm_train options" spm2json-options ---------------
MODELS=(
  "en_bf en 2000 --byte_fallback=true"
  "ru_nfkc ru 3000 --normalization_rule_name=nmt_nfkc --pre wssplit --prepend first"
  "zh_bf zh 4000 --byte_fallback=true --prepend never"
  "en_cf en 1000 --normalization_rule_name=nfkc_cf --no-split"
  "ru_id_bf ru 2000 --normalization_rule_name=identity,--byte_fallback=true --norm nfkc"
  "zh_id zh 3000 --normalization_rule_name=identity --norm none --pre wssplit"
)
[[ $TREE == opt ]] || MODELS=("${MODELS[0]}" "${MODELS[1]}" "${MODELS[4]}")
train_one() { # NAME LANG VOCAB OPTS (comma-joined)
  local name=$1 lang=$2 vocab=$3 opts
  IFS=, read -ra opts <<<"$4"
  spm_train --input="$WORK/train.$lang" --model_prefix="$WORK/$name" --vocab_size="$vocab" \
    --model_type=unigram --num_threads=1 "${opts[@]}" >"$WORK/$name.log" 2>&1
}
pids=()
for m in "${MODELS[@]}"; do
  # shellcheck disable=SC2086
  train_one $m & pids+=($!)
  if ((${#pids[@]} >= 2)); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait
for m in "${MODELS[@]}"; do
  read -r name _ _ _ conv <<<"$m"
  if [[ ! -s $WORK/$name.model ]]; then
    notok "$name: spm_train makes a model" "$(tail -3 "$WORK/$name.log")"; continue; fi
  # shellcheck disable=SC2086
  node $PAR/spm2json.mjs "$WORK/$name.model" "$WORK/$name.json" $conv
  # the NFKC normalizer: U+32FF (Unicode 12.1) is NFKC-mapped by utf8proc but
  # not by the reference's older Unicode tables - a known difference (README),
  # so its line is left out for these models
  in=$IN
  if [[ $conv == *"--norm nfkc"* ]]; then in=$WORK/in.nfkc; grep -v $'\u32FF' "$IN" >"$in"; fi
  node $PAR/encode.mjs "hf:$WORK/$name.json" "$in" >"$WORK/ref"
  expect_exit 0 "$name: tokenize --ids" -- "$TB" tokenize -t "hf:$WORK/$name.json" --ids "$in"
  cp "$WORK/out" "$WORK/$name.ids"
  k=$(wc -l <"$WORK/ref")
  if [[ -s $WORK/ref ]] && cmp -s "$WORK/ref" "$WORK/out"; then
    ok "$name: ids identical to HF tokenizers ($k segments)"
  else notok "$name: ids identical to HF tokenizers ($k segments)" \
      "$(diff "$WORK/ref" "$WORK/out" | head -4 | cut -c1-200)"; fi
  case $name in
    *_bf) grep -qE '(^| )([3-9]|[1-9][0-9]|1[0-9][0-9]|2[0-5][0-9])( |$)' "$WORK/out" &&
            ok "$name: byte fallback ids appear" || notok "$name: byte fallback ids appear" ;;
    *) grep -qE '(^| )0( |$)' "$WORK/out" && ok "$name: unseen text gives the unknown id" ||
         notok "$name: unseen text gives the unknown id" ;;
  esac
  node $PAR/encode.mjs "hf:$WORK/$name.json" "$WORK/$name.ids" --decode >"$WORK/refdec"
  expect_exit 0 "$name: detokenize" -- "$TB" detokenize -t "hf:$WORK/$name.json" "$WORK/$name.ids"
  if cmp -s "$WORK/refdec" "$WORK/out"; then ok "$name: decode identical to HF tokenizers"
  else notok "$name: decode identical to HF tokenizers" \
      "$(diff "$WORK/refdec" "$WORK/out" | head -4 | cut -c1-200)"; fi
done

# ---- the two charsmap rules on one line ----------------------------------------
m=$WORK/ru_nfkc
if [[ -s $m.model ]]; then
  printf '%s\n' "$GRAPH" >"$WORK/graph.txt"
  "$TB" tokenize -t "hf:$m.json" --ids "$WORK/graph.txt" >"$WORK/g.hf"
  "$TB" tokenize -t "spm:$m.model" --ids "$WORK/graph.txt" >"$WORK/g.spm"
  node $PAR/encode.mjs "hf:$m.json" "$WORK/graph.txt" >"$WORK/g.hfref"
  spm_encode --model "$m.model" --output_format=id <"$WORK/graph.txt" >"$WORK/g.spmref"
  cmp -s "$WORK/g.hf" "$WORK/g.hfref" && cmp -s "$WORK/g.spm" "$WORK/g.spmref" &&
    ok "charsmap rules: hf: matches HF, spm: matches SentencePiece" ||
    notok "charsmap rules: hf: matches HF, spm: matches SentencePiece" \
      "hf $(cat "$WORK/g.hf") / $(cat "$WORK/g.hfref"); spm $(cat "$WORK/g.spm") / $(cat "$WORK/g.spmref")"
  cmp -s "$WORK/g.hfref" "$WORK/g.spmref" &&
    notok "charsmap rules: the line tells HF's rule from SentencePiece's" ||
    ok "charsmap rules: the line tells HF's rule from SentencePiece's"
fi

# ---- bad files: exit 3, the file and the entry named ----------------------------
bad() { # NAME MESSAGE JSON
  printf '%s' "$3" >"$WORK/bad.json"
  expect_exit 3 "bad Unigram: $1" -- "$TB" tokenize -t "hf:$WORK/bad.json" --ids /dev/null
  expect_err "$2" "bad Unigram: $1: the message says so"
  grep -qF "$WORK/bad.json" "$WORK/err" && ok "bad Unigram: $1: the file is named" ||
    notok "bad Unigram: $1: the file is named" "$(cat "$WORK/err")"
}
bad "a piece without a score" "vocab[1]: expected" \
  '{"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0],["a"]]}}'
bad "unk_id outside" "unk_id is not an id" \
  '{"model":{"type":"Unigram","unk_id":5,"vocab":[["<unk>",0],["a",-1]]}}'
bad "a piece twice" "is already vocab[1]" \
  '{"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0],["a",-1],["a",-2]]}}'
bad "an empty vocab" "the vocab is empty" '{"model":{"type":"Unigram","vocab":[]}}'
bad "a charsmap that is not base64" "not base64" \
  '{"normalizer":{"type":"Precompiled","precompiled_charsmap":"@@@"},"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0]]}}'
bad "a cut charsmap" "does not fit" \
  '{"normalizer":{"type":"Precompiled","precompiled_charsmap":"/wAAAA=="},"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0]]}}'
printf 'b\n' >"$WORK/b.txt"
printf '%s' '{"model":{"type":"Unigram","unk_id":null,"vocab":[["a",-1]]}}' >"$WORK/nounk.json"
expect_exit 3 "no unk_id: an unknown character is refused" -- \
  "$TB" tokenize -t "hf:$WORK/nounk.json" --ids "$WORK/b.txt"
expect_err "U+0062 at byte 1 has no piece" "no unk_id: the character and byte are named"
finish cli_unigram
