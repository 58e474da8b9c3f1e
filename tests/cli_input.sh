#!/usr/bin/env bash
# Input that used to pass unnoticed: control characters in corpora, duplicate
# result keys and specs, test splits too small to measure, -0 values, and
# bpe:N vocabularies that training could not fill. TAP lines (tests/lib.sh).
cd "$(dirname "$0")/.."
. tests/lib.sh

# ---- control characters: refused by dir: import and by the corpus reader ----
expect_exit 3 "dir: import of a file with a NUL is refused" -- \
  "$TB" corpus import dir:tests/fixtures/dir_nul --name nul --data "$WORK/d"
expect_err "en.txt:2: control character U+0000 at byte 4" "the NUL error names file:line and byte"
[[ ! -e "$WORK/d/nul" ]] && ok "nothing written after the NUL" || notok "nothing written after the NUL"
expect_exit 3 "dir: import of a lone CR is refused" -- \
  "$TB" corpus import dir:tests/fixtures/dir_cr --name cr --data "$WORK/d"
expect_err "en.txt:1: carriage return at byte 4" "the CR error names file:line and byte"
mkdir -p "$WORK/two" "$WORK/three"
printf 'Hello there.\nSecond line here.\n' >"$WORK/two/en.txt"
printf 'Привет.\nВторая строка.\n' >"$WORK/two/ru.txt"
expect_exit 0 "dir: import of a 2-line folder" -- "$TB" corpus import "dir:$WORK/two" --name two --data "$WORK/d"
cp -r "$WORK/d/two" "$WORK/d/twonul"
printf 'Hello\0there.\nSecond line here.\n' >"$WORK/d/twonul/en.txt"
expect_exit 3 "a corpus folder edited to hold a NUL is refused on open (run)" -- \
  "$TB" run -c twonul --data "$WORK/d" -t bytes -o "$WORK/onul" -q
expect_err "en.txt:1: control character U+0000 at byte 6" "the reader's error names file:line and byte"
expect_exit 3 "... and by corpus stats" -- "$TB" corpus stats twonul --data "$WORK/d"

# ---- duplicate keys and specs -----------------------------------------------
B=tests/fixtures/check/base.csv
{ cat "$B"; sed -n 2p "$B"; } >"$WORK/dup.csv"
dupline=$(wc -l <"$WORK/dup.csv")
expect_exit 3 "check refuses results with a duplicated key" -- "$TB" check -b "$B" "$WORK/dup.csv"
expect_err "line $dupline: duplicate key" "check names the duplicate's line"
expect_err "first on line 2" "check names the first line of the key"
expect_exit 3 "check refuses a baseline with a duplicated key" -- "$TB" check -b "$WORK/dup.csv" "$B"
expect_err "dup.csv': line $dupline" "the baseline's file and line are named"
expect_exit 3 "report refuses results with a duplicated key" -- "$TB" report "$WORK/dup.csv" -o "$WORK/rdup"
expect_err "first on line 2" "report names both lines"
expect_exit 2 "run -t bytes -t bytes is a usage error" -- \
  "$TB" run -c two --data "$WORK/d" -t bytes -t bytes -o "$WORK/odup" -q
expect_err "tokenizer 'bytes' is given twice" "the repeated spec is named"
expect_exit 2 "a corpus given twice is a usage error" -- \
  "$TB" run -c two -c "$WORK/d/two/" --data "$WORK/d" -t bytes -o "$WORK/odup" -q
expect_err "corpus 'two' is given twice" "the repeated corpus is named"
[[ ! -e "$WORK/odup/results.csv" ]] && ok "no results after a usage error" || notok "no results after a usage error"

# ---- tiny test splits ---------------------------------------------------------
# ids are line numbers; "3" is the first test id (FNV-1a-64 % 10 == 0), so two
# lines have no test segment and three lines have one
expect_exit 3 "2-line corpus: the n-gram stage has nothing to measure" -- \
  "$TB" run -c two --data "$WORK/d" -t bytes --ngram 2 --no-timing -o "$WORK/o2n" -q
expect_err "corpus 'two': 0 test segments (2 segments: 2 train, 0 test)" "the refusal names the corpus and split sizes"
[[ ! -e "$WORK/o2n/results.csv" ]] && ok "no results when nothing is measured" || notok "no results when nothing is measured"
expect_exit 3 "2-line corpus: the model stage has nothing to measure" -- \
  "$TB" run -c two --data "$WORK/d" -t bytes --model tiny --no-timing -o "$WORK/o2m" -q
expect_err "the model stage" "the refusal names the stage"
expect_exit 0 "2-line corpus: counting stages alone still run" -- \
  "$TB" run -c two --data "$WORK/d" -t bytes -o "$WORK/o2" -q
expect_err "warning: corpus 'two' has 0 test segments of 2 (fewer than 100)" "... with a warning"
printf 'One line.\nTwo lines.\nThree lines.\n' >"$WORK/three/en.txt"
printf 'Одна.\nДве.\nТри.\n' >"$WORK/three/ru.txt"
expect_exit 0 "dir: import of a 3-line folder" -- "$TB" corpus import "dir:$WORK/three" --name three --data "$WORK/d"
expect_exit 0 "3-line corpus (1 test segment): run with n-grams" -- \
  "$TB" run -c three --data "$WORK/d" -t bytes -t chars --ngram 2 --no-timing -o "$WORK/o3" -q
expect_err "warning: corpus 'three' has 1 test segments of 3 (fewer than 100)" "a small test split is warned about"
expect_err "claims leave it out" "the warning says the claims ignore it"
[[ $(grep -c "warning:" "$WORK/err") == 1 ]] && ok "one warning line per corpus" || notok "one warning line per corpus" "$(cat "$WORK/err")"
if cat "$WORK"/o*/results.csv | awk -F, '$6 ~ /^-0(\.0*)?$/' | grep -q .; then
  notok "no -0 value in any results.csv" "$(cat "$WORK"/o*/results.csv | awk -F, '$6 ~ /^-0/' | head -3)"
else ok "no -0 value in any results.csv"; fi

# ---- bpe:N that training could not fill ---------------------------------------
need_corpus udhr && {
  expect_exit 0 "run bpe:1k on udhr" -- "$TB" run -c udhr --data "$DATA" -t bpe:1k -l en --no-timing -o "$WORK/ob" -q
  want=$(value "$WORK/ob/results.csv" udhr all en bpe:1k vocab_size)
  [[ -n "$want" && "$want" -lt 1000 ]] && ok "udhr en bpe:1k has fewer than 1000 entries ($want)" || notok "udhr en bpe:1k vocab_size" "got '$want'"
  expect_err "note: bpe:1k on udhr/en reached $want entries of 1000 (training stops when no pair occurs twice)" "the run says bpe:1k stopped short"
  expect_exit 0 "run bytes on udhr" -- "$TB" run -c udhr --data "$DATA" -t bytes -l en --no-timing -o "$WORK/ob2" -q
  grep -q "note:" "$WORK/err" && notok "no bpe note without a short bpe" "$(cat "$WORK/err")" || ok "no bpe note without a short bpe"
}

finish cli_input
