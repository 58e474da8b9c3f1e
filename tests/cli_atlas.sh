#!/usr/bin/env bash
# The atlas: a corpus of 12 languages (FLORES-style names, text chosen so every
# parity is a hand-computed ratio of code points) gets REPORT.md's Atlas
# section, its table in order of cost, the per-script medians, the fallback
# table and the atlas chart (PNG and SVG with every language's name); a run
# of 3 of those languages gets none of it; `--suite atlas` is a known suite.
# TAP lines (tests/lib.sh).
cd "$(dirname "$0")/.."
. tests/lib.sh

# lang, line 1, line 2: chars(lang) / chars(eng) = 8 for English
F=$WORK/fx
mkdir -p "$F"
while read -r lang a b; do printf '%s\n%s\n' "$a" "$b" >"$F/$lang.txt"; done <<'TXT'
eng_Latn aaaa bbbb
fra_Latn aaaaa bbbbb
spa_Latn aaaaaa bbbbbb
deu_Latn aaaaaaa bbbbbbb
rus_Cyrl жжжж зззз
ukr_Cyrl жжжжжж зззззз
cmn_Hans 中中 文文
jpn_Jpan 日日日 本本本
arb_Arab ببببببب تتتتتتت
hin_Deva कककककककक खखखखखखखख
ell_Grek αααααααααα ββββββββββ
tha_Thai กกกกกกกกกกกก ขขขขขขขขขขขข
TXT
expect_exit 0 "dir: import of 12 languages" -- "$TB" corpus import "dir:$F" --name fx --data "$WORK/d"
if command -v gnuplot >/dev/null; then
  expect_exit 0 "run -t bytes -t chars over 12 languages" -- \
    "$TB" run -c fx --data "$WORK/d" -t bytes -t chars --ngram 0 --model none --no-timing \
    -o "$WORK/o"
  check "run prints one summary line per tokenizer" \
    grep -q '^corpus fx (split all): 12 languages, parity with the pivot' "$WORK/out"
  line=$(grep '^chars ' "$WORK/out" | tr -s ' ')
  check "chars: median 1.5, cheapest cmn_Hans 0.5, dearest tha_Thai 3 ($line)" \
    test "$line" = "chars 1.500 0.500 cmn_Hans 3.000 tha_Thai "
  check "no line per language" sh -c "! grep -q '^chars *eng_Latn' '$WORK/out'"
  M=$WORK/o/REPORT.md
  check "REPORT.md has the Atlas section" grep -qx '## Atlas: corpus `fx` (12 languages)' "$M"
  check "the contents link to it" grep -q '^- \[Atlas: corpus `fx`\](#atlas-fx)$' "$M"
  # cost = chars' parity (bytes is the byte premium); ties by byte premium
  got=$(awk '/^### Every language by cost/ {on = 1; next} on && /^\| [0-9]+ \|/ {print} on && /^$/ && seen++ {exit}' "$M")
  want='| 1 | cmn_Hans | Hans | 1.500 | 0.500 | 0.500 |
| 2 | jpn_Jpan | Jpan | 2.250 | 0.750 | 0.750 |
| 3 | eng_Latn | Latn | 1.000 | 1.000 | 1.000 |
| 4 | rus_Cyrl | Cyrl | 2.000 | 1.000 | 1.000 |
| 5 | fra_Latn | Latn | 1.250 | 1.250 | 1.250 |
| 6 | spa_Latn | Latn | 1.500 | 1.500 | 1.500 |
| 7 | ukr_Cyrl | Cyrl | 3.000 | 1.500 | 1.500 |
| 8 | deu_Latn | Latn | 1.750 | 1.750 | 1.750 |
| 9 | arb_Arab | Arab | 3.500 | 1.750 | 1.750 |
| 10 | hin_Deva | Deva | 6.000 | 2.000 | 2.000 |
| 11 | ell_Grek | Grek | 5.000 | 2.500 | 2.500 |
| 12 | tha_Thai | Thai | 9.000 | 3.000 | 3.000 |'
  if [[ "$got" == "$want" ]]; then ok "every language in order of cost, hand-computed"; else
    notok "every language in order of cost, hand-computed" "$got"; fi
  check "the Latin row of the per-script table: 4 languages, medians 1.375" \
    grep -qx '| Latn | Latin | 4 | 1.375 | 1.375 | 1.375 |' "$M"
  check "Cyrillic: medians of (2, 3) and (1, 1.5)" grep -qx '| Cyrl | Cyrillic | 2 | 2.500 | 1.250 | 1.250 |' "$M"
  scripts=$(awk '/^### By script/ {on = 1; next} on && /^\| [A-Z][a-z]+ \|/ {printf "%s ", $2} on && /^### / {exit}' "$M")
  check "scripts by median cost ($scripts)" test "$scripts" = "Hans Jpan Cyrl Latn Arab Deva Grek Thai "
  check "the fallback table: chars falls back nowhere" grep -qx '| `chars` | 0 of 12 | none |' "$M"
  check "no per-language column tables for 12 languages" \
    sh -c "! grep -q '^| tokenizer | cmn_Hans |' '$M'"
  C=$WORK/o/charts
  check "the atlas chart: PNG" test -s "$C/atlas_fx.png"
  check "the atlas chart: SVG" test -s "$C/atlas_fx.svg"
  check "the report embeds it" grep -q '^!\[atlas_fx\](charts/atlas_fx.png)$' "$M"
  missing=0
  for f in "$F"/*.txt; do l=$(basename "$f" .txt); grep -q ">$l<" "$C/atlas_fx.svg" || missing=$((missing + 1)); done
  check "the SVG names every language ($missing missing)" test "$missing" = 0
  rows=$(grep -c '^[0-9]* [0-9]* ' "$C/atlas_fx.dat")
  check "the chart's data has a row per language ($rows)" test "$rows" = 12
  first=$(awk '!/^#/ {print $NF, $(NF - 1); exit}' "$C/atlas_fx.dat")
  check "its first row is the cheapest ($first)" test "$first" = '"Hans" "cmn_Hans"'
  check "no bar charts of one colour per language" sh -c "! ls '$C' | grep -q '^tokens_'"
  check "no names without MANIFEST lang: lines: no lang_names" sh -c "! grep -q lang_names '$WORK/o/manifest.json'"
  # names from the MANIFEST's lang: lines (as udhr-all writes them), and one
  # program under two names: one column, counted once in the cost
  cat >>"$WORK/d/fx/MANIFEST" <<'MAN'
lang: cmn_Hans iso639-3=cmn script=Hans script_from=text code=cmn_hans name=Chinese, Mandarin (Simplified)
lang: eng_Latn iso639-3=eng script=Latn script_from=text code=eng name=English
lang: tha_Thai iso639-3=tha script=Thai script_from=text code=tha name=Thai, the language of the Kingdom of Thailand
lang: rus_Cyrl iso639-3=rus script=Cyrl script_from=text code=rus name=Russian | Русский
MAN
  TOY="$ROOT/tests/fixtures/cmd/wordlen.sh"
  expect_exit 0 "run with names and cmd:wa, cmd:wb (the same program)" -- \
    "$TB" run -c fx --data "$WORK/d" -t bytes -t chars -t "cmd:wa=$TOY" -t "cmd:wb=$TOY" \
    --ngram 0 --model none --no-timing -q -o "$WORK/on"
  M=$WORK/on/REPORT.md
  check "manifest.json has the names" grep -q '"tha_Thai": "Thai, the language of the Kingdom of Thailand"' "$WORK/on/manifest.json"
  check "the lang: lines are not a source key" sh -c "! grep -q '\"lang\": ' '$WORK/on/manifest.json'"
  check "the column of both names" grep -q '^| rank | language | script | byte premium | cost | `chars` | `cmd:wa` = `cmd:wb` |$' "$M"
  check "the report says what was merged" grep -q 'Merged into one column: `cmd:wa` = `cmd:wb`\. ' "$M"
  # one token a line whatever the language: cost = median(chars, 1), not median(chars, 1, 1)
  check "named, whole, cost counted once" grep -qx '| 12 | tha_Thai Thai, the language of the Kingdom of Thailand | Thai | 9.000 | 2.000 | 3.000 | 1.000 |' "$M"
  check "a '|' in a name is escaped" grep -q '^| [0-9]* | rus_Cyrl Russian \\| Русский | Cyrl |' "$M"
  check "a language without a name: its code" grep -q '^| [0-9]* | fra_Latn | Latn |' "$M"
  S=$WORK/on/charts/atlas_fx.svg
  check "the SVG labels a row with code and name" grep -q '>eng_Latn English<' "$S"
  check "a long name cut in the chart (36 code points)" grep -q '>tha_Thai Thai, the language of the…<' "$S"
  check "the SVG: one panel title per name" sh -c "grep -q '>cmd:wa<' '$S' && grep -q '>= cmd:wb<' '$S'"
  check "the chart's data: the label column" grep -q '^12 [0-9]* .* "tha_Thai Thai, the language of the…" "tha_Thai" "Thai"$' "$WORK/on/charts/atlas_fx.dat"
  expect_exit 0 "report beside manifest.json" -- "$TB" report "$WORK/on/results.csv" -o "$WORK/rn"
  check "report: the names from manifest.json" grep -q '^| [0-9]* | eng_Latn English | Latn |' "$WORK/rn/REPORT.md"
  expect_exit 0 "plot beside manifest.json" -- "$TB" plot "$WORK/on/results.csv" -o "$WORK/pn"
  check "plot: the names from manifest.json" grep -q '>eng_Latn English<' "$WORK/pn/atlas_fx.svg"
  mkdir -p "$WORK/bare" && cp "$WORK/on/results.csv" "$WORK/bare/"
  expect_exit 0 "report on a bare results.csv" -- "$TB" report "$WORK/bare/results.csv"
  check "bare: codes only" sh -c "grep -q '^| [0-9]* | eng_Latn | Latn |' '$WORK/bare/REPORT.md' && ! grep -q 'English |' '$WORK/bare/REPORT.md'"
  check "bare: still one column for both names" grep -q '`cmd:wa` = `cmd:wb`' "$WORK/bare/REPORT.md"
  check "bare: the chart's labels are the codes" sh -c "grep -q '>eng_Latn<' '$WORK/bare/charts/atlas_fx.svg' && ! grep -q 'English<' '$WORK/bare/charts/atlas_fx.svg'"
  # three languages: the report as before, no atlas
  expect_exit 0 "run of 3 of the languages" -- \
    "$TB" run -c fx --data "$WORK/d" -t bytes -t chars -l eng_Latn -l rus_Cyrl -l cmn_Hans \
    --ngram 0 --model none --no-timing -q -o "$WORK/o3"
  check "3 languages: no Atlas section" sh -c "! grep -q '^## Atlas' '$WORK/o3/REPORT.md'"
  check "3 languages: the per-language tables" grep -q '^| tokenizer | cmn_Hans | eng_Latn | rus_Cyrl |$' "$WORK/o3/REPORT.md"
else
  notok "gnuplot is needed for the atlas chart (apt-get install gnuplot-nox)"
fi
expect_exit 2 "an unknown suite is refused" -- "$TB" run --suite atlaz -o "$WORK/x"
expect_err "known: default, quick, train, atlas" "the error lists the atlas suite"
finish cli_atlas
