#!/usr/bin/env bash
# spm:PATH (tokenizers/spm.c, spm_bpe.c) against SentencePiece itself
# (issue 16): Unigram and BPE models trained here with Debian's spm_train on
# the udhr and libreoffice text of en, ru and zh - identity and nmt_nfkc
# normalization, with and without byte fallback, user-defined symbols, split
# digits, no dummy prefix, kept extra whitespace, whitespace as suffix, BPE
# pieces across spaces - and tokbench's ids compared with
# `spm_encode --output_format=id` on every segment of the three languages
# (other languages' text gives each model unseen scripts) and on the
# adversarial lines of tests/parity/adversarial.mjs plus the ones below (100
# kB single lines among them), and with the Python binding's EncodeAsIds
# (Debian python3-sentencepiece, tests/parity/spm_ids.py) on the same lines;
# detokenize compared with spm_decode.
# TB_TREE=san trains fewer models and encodes udhr and the adversarial lines.
# Then: bad .model files fail with exit 3 naming the file and byte offset.
cd "$(dirname "$0")/.."
. tests/lib.sh

command -v spm_train >/dev/null && command -v spm_encode >/dev/null ||
  { notok "spm_train and spm_encode are installed (apt-get install sentencepiece)"; finish cli_spm; exit; }
PAR=tests/parity
# Debian's python3-sentencepiece is for Debian's python3 (not another one on PATH)
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
"$PY" -c 'import sentencepiece' 2>/dev/null ||
  { notok "python3-sentencepiece is installed (make deps)"; finish cli_spm; exit; }

# ---- the input ------------------------------------------------------------------
node tests/parity/adversarial.mjs >"$WORK/adv.txt"
cat >>"$WORK/adv.txt" <<'ADV'
ﾊﾝｶｸｶﾀｶﾅ ﾃｽﾄ ｶﾞｷﾞｸﾞ ｱｲｳｴｵ
👨‍👩‍👧‍👦 👩🏽‍🚀 🏳️‍🌈 ❤️‍🔥 🇺🇦🇯🇵
ᚠᚢᚦᚨᚱᚲ ⴰⵣⵓⵍ ꦲꦏ꧀ꦱꦫ 𓀀𓀁𓀂 ትግርኛ ᏣᎳᎩ
①②③ ㎏㎞ ﬁﬂ Ⅻ ＡＢＣ１２３ ½ ²³ ㋿ ﷺ
   leading and   many   inner   spaces   
<unk> <s> </s> ⁇ ▁▁▁ ▁x <mask>the<mask> sing abab ab
e◌́ é é ë̈̈̈ 각 각
ADV
python3 -c '
import sys
print("a" * 20000); print("ー" * 5000); print(" " * 300 + "x" + " " * 300)
print("x" + "\u0300" * 2000); print("\u200b" * 1000); print("\t\u00a0\u3000\u2028\u000b\u000c\u001f")
print("1234567890" * 200)
print("a" * 100000)
print(("the quick fox \u0431\u044b\u0441\u0442\u0440\u0430\u044f \u4e2d\u6587\u6d4b\u8bd5 2026 ab<mask>ing " * 3000)[:100000])' >>"$WORK/adv.txt"
parity_input

# ---- the models: NAME LANG VOCAB spm_train-options -------------------------------
MODELS=(
  "en_id en 2000 --normalization_rule_name=identity"
  "en_nfkc_bf en 2000 --byte_fallback=true"
  "ru_nfkc ru 3000 --normalization_rule_name=nmt_nfkc"
  "ru_id_bf ru 3000 --normalization_rule_name=identity --byte_fallback=true"
  "zh_nfkc zh 4000 --normalization_rule_name=nmt_nfkc"
  "zh_id_bf zh 4000 --normalization_rule_name=identity --byte_fallback=true"
  "en_user en 1000 --user_defined_symbols=<mask>,▁the,ab,ing --split_digits=true"
  "ru_nodummy ru 1000 --add_dummy_prefix=false --remove_extra_whitespaces=false"
  "zh_suffix zh 2000 --treat_whitespace_as_suffix=true --byte_fallback=true"
  "en_nfkc_cf en 1000 --normalization_rule_name=nfkc_cf"
  "bpe_en_id en 2000 --model_type=bpe --normalization_rule_name=identity"
  "bpe_en_nfkc_bf en 2000 --model_type=bpe --byte_fallback=true"
  "bpe_ru_nfkc ru 3000 --model_type=bpe --normalization_rule_name=nmt_nfkc"
  "bpe_ru_id_bf ru 3000 --model_type=bpe --normalization_rule_name=identity --byte_fallback=true"
  "bpe_zh_nfkc zh 4000 --model_type=bpe --normalization_rule_name=nmt_nfkc"
  "bpe_zh_id_bf zh 4000 --model_type=bpe --normalization_rule_name=identity --byte_fallback=true"
  "bpe_en_user en 1000 --model_type=bpe --user_defined_symbols=<mask>,▁the,ab,ing --split_digits=true"
  "bpe_ru_nodummy ru 1000 --model_type=bpe --add_dummy_prefix=false --remove_extra_whitespaces=false"
  "bpe_zh_suffix zh 2000 --model_type=bpe --treat_whitespace_as_suffix=true --byte_fallback=true"
  "bpe_en_nosplit en 1500 --model_type=bpe --split_by_whitespace=false --split_digits=true"
)
[[ $TREE == opt ]] ||
  MODELS=("${MODELS[1]}" "${MODELS[5]}" "${MODELS[6]}" "${MODELS[7]}" "${MODELS[11]}" "${MODELS[15]}"
          "${MODELS[16]}")
train_one() { # NAME LANG VOCAB OPTS... (Unigram unless OPTS name a model_type)
  local name=$1 lang=$2 vocab=$3; shift 3
  local type=--model_type=unigram
  [[ " $* " == *" --model_type="* ]] && type=
  # shellcheck disable=SC2086
  spm_train --input="$WORK/train.$lang" --model_prefix="$WORK/$name" --vocab_size="$vocab" \
    $type --num_threads=1 "$@" >"$WORK/$name.log" 2>&1
}
pids=()
for m in "${MODELS[@]}"; do
  # shellcheck disable=SC2086
  train_one $m & pids+=($!)
  if ((${#pids[@]} >= 2)); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait
for m in "${MODELS[@]}"; do
  read -r name _ <<<"$m"
  if [[ ! -s $WORK/$name.model ]]; then
    notok "$name: spm_train makes a model" "$(tail -3 "$WORK/$name.log")"; continue; fi
  spm_encode --model "$WORK/$name.model" --output_format=id <"$IN" >"$WORK/ref" 2>/dev/null
  expect_exit 0 "$name: tokenize --ids" -- "$TB" tokenize -t "spm:$WORK/$name.model" --ids "$IN"
  k=$(wc -l <"$WORK/ref")
  if cmp -s "$WORK/ref" "$WORK/out"; then ok "$name: ids identical to spm_encode ($k segments)"
  else notok "$name: ids identical to spm_encode ($k segments)" \
      "$(diff "$WORK/ref" "$WORK/out" | head -4 | cut -c1-200)"; fi
  # the second reference: the Python binding's EncodeAsIds, line by line
  if "$PY" $PAR/spm_ids.py "$WORK/$name.model" "$IN" >"$WORK/pyref" 2>"$WORK/py.err"; then
    if cmp -s "$WORK/pyref" "$WORK/out"; then ok "$name: ids identical to python3-sentencepiece's EncodeAsIds ($k segments)"
    else notok "$name: ids identical to python3-sentencepiece's EncodeAsIds ($k segments)" \
        "$(diff "$WORK/pyref" "$WORK/out" | head -4 | cut -c1-200)"; fi
  else notok "$name: python3-sentencepiece encodes" "$(tail -3 "$WORK/py.err")"; fi
  # detokenize: the text spm_decode gives for the same ids
  cp "$WORK/out" "$WORK/ids"
  spm_decode --model "$WORK/$name.model" --input_format=id <"$WORK/ref" >"$WORK/dref" 2>/dev/null
  expect_exit 0 "$name: detokenize" -- "$TB" detokenize -t "spm:$WORK/$name.model" "$WORK/ref"
  if cmp -s "$WORK/dref" "$WORK/out"; then ok "$name: detokenize gives spm_decode's text"
  else notok "$name: detokenize gives spm_decode's text" \
      "$(diff "$WORK/dref" "$WORK/out" | head -4 | cut -c1-200)"; fi
  cp "$WORK/ids" "$WORK/out"
  # the ids are not all the same small set: unknowns and fallback bytes appear
  case $name in
    en_id|ru_nfkc|zh_nfkc|bpe_en_id|bpe_ru_nfkc|bpe_zh_nfkc)
      grep -qE '(^| )0( |$)' "$WORK/out" && ok "$name: unseen text gives unknown ids" ||
        notok "$name: unseen text gives unknown ids" ;;
    en_user|bpe_en_user)
      id=$(grep -n '^<mask>' "$WORK/$name.vocab" | cut -d: -f1)
      grep -qE "(^| )$((id - 1))( |\$)" "$WORK/out" && ok "$name: the user-defined <mask> appears" ||
        notok "$name: the user-defined <mask> appears" ;;
    *_bf)
      grep -qE '(^| )([3-9]|[1-9][0-9]|1[0-9][0-9]|2[0-5][0-9])( |$)' "$WORK/out" &&
        ok "$name: byte fallback ids appear" || notok "$name: byte fallback ids appear" ;;
  esac
done

# UNUSED pieces: BPE merges into them, then splits them back into the pair
# that made them (spm_train never writes one; tests/parity/spm_unused.py
# marks every third longer piece UNUSED)
for name in bpe_en_id bpe_en_nfkc_bf bpe_zh_id_bf; do
  [[ -s $WORK/$name.model ]] || continue
  python3 tests/parity/spm_unused.py "$WORK/$name.model" "$WORK/$name.unused.model"
  spm_encode --model "$WORK/$name.model" --output_format=id <"$IN" >"$WORK/ref0" 2>/dev/null
  spm_encode --model "$WORK/$name.unused.model" --output_format=id <"$IN" >"$WORK/ref" 2>/dev/null
  cmp -s "$WORK/ref0" "$WORK/ref" && notok "$name with UNUSED pieces: spm_encode's ids change"
  expect_exit 0 "$name with UNUSED pieces: tokenize --ids" -- \
    "$TB" tokenize -t "spm:$WORK/$name.unused.model" --ids "$IN"
  if cmp -s "$WORK/ref" "$WORK/out"; then ok "$name with UNUSED pieces: ids identical to spm_encode"
  else notok "$name with UNUSED pieces: ids identical to spm_encode" \
      "$(diff "$WORK/ref" "$WORK/out" | head -4 | cut -c1-200)"; fi
done

# detokenize gives identity-normalized text back (udhr ru, no unknowns in it)
grep -v '  \|^ \| $' "$DATA/udhr/ru.txt" >"$WORK/ru.clean"
for name in ru_id_bf bpe_ru_id_bf; do
  m=$WORK/$name.model
  [[ -s $m ]] || continue
  "$TB" tokenize -t "spm:$m" --ids "$WORK/ru.clean" >"$WORK/ru.ids"
  expect_exit 0 "$name: detokenize" -- "$TB" detokenize -t "spm:$m" "$WORK/ru.ids"
  cmp -s "$WORK/out" "$WORK/ru.clean" && ok "$name: round trip gives the text back" ||
    notok "$name: round trip gives the text back" "$(cmp "$WORK/out" "$WORK/ru.clean" 2>&1)"
done

# ---- bad files: exit 3, the file and the byte named ------------------------------
printf 'hello' >"$WORK/text.model"
expect_exit 3 "a text file is refused" -- "$TB" tokenize -t "spm:$WORK/text.model" --ids /dev/null
expect_err "spm model '$WORK/text.model': byte " "the message names the file and the byte"
if [[ -s $WORK/en_id.model || -s $WORK/en_nfkc_bf.model ]]; then
  src=$WORK/en_id.model; [[ -s $src ]] || src=$WORK/en_nfkc_bf.model
  head -c 1000 "$src" >"$WORK/cut.model"
  expect_exit 3 "a cut model is refused" -- "$TB" tokenize -t "spm:$WORK/cut.model" --ids /dev/null
  expect_err "runs past the end" "a cut model: the length that runs past the end"
fi
expect_exit 3 "a missing model is refused" -- "$TB" tokenize -t "spm:$WORK/none.model" --ids /dev/null
expect_err "none.model" "a missing model: the file named"
spm_train --input="$WORK/train.en" --model_prefix="$WORK/en_word" --vocab_size=500 \
  --model_type=word >"$WORK/word.log" 2>&1
expect_exit 3 "a WORD model is refused" -- "$TB" tokenize -t "spm:$WORK/en_word.model" --ids /dev/null
expect_err "model_type WORD is not supported" "a WORD model: the message names the type"

finish cli_spm
