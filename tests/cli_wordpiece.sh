#!/usr/bin/env bash
# hf:<tokenizer.json> with a WordPiece model (tokenizers/wordpiece.c through
# spbpe.c) against HuggingFace tokenizers (npm @anush008/tokenizers, the Rust
# core) - issue 16. The vocabularies are built here: Debian's spm_train
# learns pieces on the udhr and libreoffice text of en, ru and zh, and
# tests/parity/wp_json.mjs turns them into BERT-style files (word-initial
# entries and ## continuations) with the components under test:
# BertNormalizer (clean_text, handle_chinese_chars, strip_accents,
# lowercase in several settings) or Sequence[NFD, Lowercase, StripAccents];
# BertPreTokenizer, Whitespace, or Sequence[WhitespaceSplit, Punctuation,
# Digits]; max_input_chars_per_word; the WordPiece decoder with and without
# cleanup. Ids and decodes are compared with the reference on every segment
# of the three languages and the adversarial lines. WordPiece is lossy: the
# test checks that [UNK] appears and is counted as fallback (unk_rate), and
# that detokenize does not give every line back.
# TB_TREE=san builds fewer files and encodes udhr and the adversarial lines.
cd "$(dirname "$0")/.."
. tests/lib.sh

command -v spm_train >/dev/null ||
  { notok "spm_train is installed (apt-get install sentencepiece)"; finish cli_wordpiece; exit; }
[[ -d deps/npm/node_modules/@anush008/tokenizers ]] ||
  { notok "@anush008/tokenizers is installed (make deps)"; finish cli_wordpiece; exit; }
PAR=tests/parity

# ---- the input ------------------------------------------------------------------
node $PAR/adversarial.mjs >"$WORK/adv.txt"
cat >>"$WORK/adv.txt" <<'ADV'
ﾊﾝｶｸｶﾀｶﾅ ﾃｽﾄ ｶﾞｷﾞｸﾞ ｱｲｳｴｵ
👨‍👩‍👧‍👦 👩🏽‍🚀 🏳️‍🌈 ❤️‍🔥 🇺🇦🇯🇵
ᚠᚢᚦᚨᚱᚲ ⴰⵣⵓⵍ ꦲꦏ꧀ꦱꦫ 𓀀𓀁𓀂 ትግርኛ ᏣᎳᎩ
①②③ ㎏㎞ ﬁﬂ Ⅻ ＡＢＣ１２３ ½ ²³ ﷺ İstanbul ΣΑΣ Straße
   leading and   many   inner   spaces   
[UNK] [CLS] [SEP] [MASK]the[MASK] ##ing don't I'm he 's they 've do not x , y . z ? !
e◌́ é é ë̈̈̈ 각 각 Ａ́ ｶﾞ Ǆ ǅ ǆ
中文，标点。「引号」《书名》 ４２ 一二三 𠀀𠀁 㐀 丽
ADV
python3 -c '
print("a" * 20000); print("ー" * 5000); print(" " * 300 + "x" + " " * 300)
print("x" + "\u0300" * 2000); print("\u200b" * 1000); print("\t\u00a0\u3000\u2028\u000b\u000c\u001f\u0085\ufffd\u00ad")
print("1234567890" * 200); print("\u00e9" * 3000); print("abc" * 40 + " " + "ab" * 49)' >>"$WORK/adv.txt"
parity_input

# ---- files: NAME LANG VOCAB wp_json-options -----------------------------------------
FILES=(
  "en_bert en 3000"
  "ru_cased ru 4000 --lowercase false --strip-accents false --pre whitespace"
  "zh_mixed zh 4000 --pre mixed --max 20"
  "en_parts en 2000 --norm parts --pre mixed --no-cleanup"
  "ru_raw ru 2000 --clean false --chinese false --strip-accents true --lowercase false --max 8"
  "zh_accents zh 3000 --strip-accents true --lowercase false --pre whitespace"
)
[[ $TREE == opt ]] || FILES=("${FILES[0]}" "${FILES[1]}" "${FILES[2]}")
for lv in $(printf '%s\n' "${FILES[@]}" | awk '{print $2 "_" $3}' | sort -u); do
  spm_train --input="$WORK/train.${lv%_*}" --model_prefix="$WORK/spm_$lv" --vocab_size="${lv#*_}" \
    --model_type=unigram --num_threads=1 >"$WORK/spm_$lv.log" 2>&1 &
  (($(jobs -r | wc -l) >= 2)) && wait -n
done
wait
for f in "${FILES[@]}"; do
  read -r name lang vocab conv <<<"$f"
  v=$WORK/spm_${lang}_$vocab.vocab
  if [[ ! -s $v ]]; then notok "$name: spm_train makes the pieces"; continue; fi
  # shellcheck disable=SC2086
  node $PAR/wp_json.mjs "$v" "$WORK/$name.json" $conv
  node $PAR/encode.mjs "hf:$WORK/$name.json" "$IN" >"$WORK/ref"
  expect_exit 0 "$name: tokenize --ids" -- "$TB" tokenize -t "hf:$WORK/$name.json" --ids "$IN"
  cp "$WORK/out" "$WORK/$name.ids"
  k=$(wc -l <"$WORK/ref")
  if [[ -s $WORK/ref ]] && cmp -s "$WORK/ref" "$WORK/out"; then
    ok "$name: ids identical to HF tokenizers ($k segments)"
  else notok "$name: ids identical to HF tokenizers ($k segments)" \
      "$(diff "$WORK/ref" "$WORK/out" | head -4 | cut -c1-200)"; fi
  node $PAR/encode.mjs "hf:$WORK/$name.json" "$WORK/$name.ids" --decode >"$WORK/refdec"
  expect_exit 0 "$name: detokenize" -- "$TB" detokenize -t "hf:$WORK/$name.json" "$WORK/$name.ids"
  if cmp -s "$WORK/refdec" "$WORK/out"; then ok "$name: decode identical to HF tokenizers"
  else notok "$name: decode identical to HF tokenizers" \
      "$(diff "$WORK/refdec" "$WORK/out" | head -4 | cut -c1-200)"; fi
done

# ---- lossy: [UNK] appears, is fallback, and the round trip loses text ---------------
if [[ -s $WORK/en_bert.ids ]]; then
  grep -qE '(^| )1( |$)' "$WORK/en_bert.ids" && ok "en_bert: unseen text gives [UNK] (id 1)" ||
    notok "en_bert: unseen text gives [UNK] (id 1)"
  "$TB" detokenize -t "hf:$WORK/en_bert.json" "$WORK/en_bert.ids" >"$WORK/en_bert.dec"
  lost=$(paste -d '\n' "$IN" "$WORK/en_bert.dec" | awk 'NR % 2 { a = $0; next } a != $0 { n++ } END { print n + 0 }')
  ((lost > 0)) && ok "en_bert: detokenize does not give $lost of $(wc -l <"$IN") lines back (lossy)" ||
    notok "en_bert: the round trip loses text (lowercase, accents, [UNK])"
  printf 'Zebra quagga \xe2\x80\xbd\n' >"$WORK/unk.txt"
  "$TB" tokenize -t "hf:$WORK/en_bert.json" --pieces "$WORK/unk.txt" >"$WORK/unk.pieces"
  grep -qF '[UNK]' "$WORK/unk.pieces" && ok "en_bert: an unknown word is the [UNK] piece" ||
    notok "en_bert: an unknown word is the [UNK] piece" "$(cat "$WORK/unk.pieces")"
fi

# ---- bad files --------------------------------------------------------------------
printf '%s' '{"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"a":0}}}' >"$WORK/nounk.json"
printf 'b\n' >"$WORK/b.txt"
expect_exit 3 "unk_token not in the vocab: an unknown word is refused" -- \
  "$TB" tokenize -t "hf:$WORK/nounk.json" --ids "$WORK/b.txt"
expect_err "unk_token, which is not in the vocab" "unk_token not in the vocab: the message says so"
printf '%s' '{"model":{"type":"WordPiece","unk_token":"[UNK]","max_input_chars_per_word":-1,"vocab":{"[UNK]":0}}}' >"$WORK/max.json"
expect_exit 3 "a negative max_input_chars_per_word is refused" -- \
  "$TB" tokenize -t "hf:$WORK/max.json" --ids "$WORK/b.txt"
expect_err "max_input_chars_per_word is not a count" "a negative max: the message says so"
grep -qF "$WORK/max.json" "$WORK/err" && ok "a negative max: the file is named" ||
  notok "a negative max: the file is named" "$(cat "$WORK/err")"
finish cli_wordpiece
