#!/usr/bin/env bash
# The symbol schemes from the command line: symbolize round trips, bad
# input, golden udhr counts (tests/golden/symbol_udhr.csv), and invariants
# checked against independent counts. TAP-style lines for tests/run.sh.
cd "$(dirname "$0")/.."
. tests/lib.sh

expect_exit 0 "help symbolize" -- "$TB" help symbolize
expect_exit 2 "symbolize without -t is a usage error" -- "$TB" symbolize -c udhr -l en --data "$DATA"
expect_exit 3 "symbol:0 is bad input" -- "$TB" tokenize -c udhr -l en --data "$DATA" -t symbol:0 tests/fixtures/cli/lines.txt
expect_err "vocabulary size must be" "symbol:0 error says what is expected"
expect_exit 3 "unknown fallback is bad input" -- "$TB" tokenize -c udhr -l en --data "$DATA" -t symbol:10:words tests/fixtures/cli/lines.txt
expect_err "unknown fallback 'words'" "unknown fallback is named"
expect_exit 3 "symbol without a corpus" -- "$TB" tokenize -t symbol:10 tests/fixtures/cli/lines.txt
expect_err "needs a corpus" "symbol without a corpus says what it needs"

if [[ ! -s "$DATA/udhr/en.txt" ]]; then
  notok "udhr corpus present" "run: ./tokbench corpus fetch udhr"
  finish cli_symbol
  exit
fi

# ---- symbolize and tokenize round trips ------------------------------------
FIX=tests/fixtures/cli/lines.txt
for lang in en ru zh; do
  for spec in symbol:2000 symbol:20:bytes symbol-stem:all symbol-space:all; do
    src="$DATA/udhr/$lang.txt"
    for input in "$src" "$FIX"; do
      tag="$lang $spec $(basename "$input")"
      "$TB" symbolize -c udhr -l "$lang" --data "$DATA" -t "$spec" "$input" >"$WORK/sym" 2>"$WORK/err" &&
        "$TB" symbolize -c udhr -l "$lang" --data "$DATA" -t "$spec" --decode "$WORK/sym" >"$WORK/back" 2>>"$WORK/err"
      if cmp -s "$WORK/back" "$input"; then ok "symbolize round trip: $tag"; else
        notok "symbolize round trip: $tag" "$(head -c 300 "$WORK/err")"; fi
    done
    # one symbol per token: code points per line == tokens per line
    want=$("$TB" tokenize -c udhr -l "$lang" --data "$DATA" -t "$spec" --count "$FIX" | paste -sd' ')
    got=$("$TB" symbolize -c udhr -l "$lang" --data "$DATA" -t "$spec" "$FIX" |
      while IFS= read -r l; do printf '%s' "$l" | LC_ALL=C.UTF-8 wc -m; done | tr -d ' ' | paste -sd' ')
    [[ "$want" == "$got" ]] && ok "symbol text has one code point per token: $lang $spec" ||
      notok "symbol text has one code point per token: $lang $spec" "tokens $want" "chars  $got"
  done
done
printf 'no newline at the end' >"$WORK/nonl"
"$TB" symbolize -c udhr -l en --data "$DATA" -t symbol:all "$WORK/nonl" >"$WORK/sym" &&
  "$TB" symbolize -c udhr -l en --data "$DATA" -t symbol:all --decode "$WORK/sym" >"$WORK/back"
cmp -s "$WORK/back" "$WORK/nonl" && ok "a last line without newline stays without one" || notok "a last line without newline stays without one"
"$TB" tokenize -c udhr -l ru --data "$DATA" -t symbol-stem:2000 "$FIX" >"$WORK/ids" &&
  "$TB" detokenize -c udhr -l ru --data "$DATA" -t symbol-stem:2000 "$WORK/ids" >"$WORK/back"
cmp -s "$WORK/back" "$FIX" && ok "tokenize/detokenize round trip: symbol-stem:2000" || notok "tokenize/detokenize round trip: symbol-stem:2000"
# symbol-space: ids and back, on the corpus itself and on odd spacing
printf ' lead\ntrail \ntwo  spaces\nspace .before\ntab\there\nnb\xc2\xa0sp\n \n\n' >"$WORK/spaces"
for lang in en ru zh; do
  for spec in symbol-space:all symbol-space:300:bytes; do
    for input in "$DATA/udhr/$lang.txt" "$FIX" "$WORK/spaces"; do
      tag="$lang $spec $(basename "$input")"
      "$TB" tokenize -c udhr -l "$lang" --data "$DATA" -t "$spec" "$input" >"$WORK/ids" 2>"$WORK/err" &&
        "$TB" detokenize -c udhr -l "$lang" --data "$DATA" -t "$spec" "$WORK/ids" >"$WORK/back" 2>>"$WORK/err"
      cmp -s "$WORK/back" "$input" && ok "tokenize/detokenize round trip: $tag" ||
        notok "tokenize/detokenize round trip: $tag" "$(head -c 300 "$WORK/err")"
    done
  done
done
# the single space before a word is in the word's token: English gets
# fewer tokens than under symbol:all; the pieces show where the space went
sum_count() { "$TB" tokenize -c udhr -l "$1" --data "$DATA" -t "$2" --count "$DATA/udhr/$1.txt" | awk '{s+=$1} END {print s}'; }
a=$(sum_count en symbol:all) b=$(sum_count en symbol-space:all)
((b < a)) && ok "udhr en: symbol-space:all has fewer tokens than symbol:all ($b < $a)" || notok "udhr en: symbol-space:all fewer tokens than symbol:all" "space $b symbol $a"
got=$(printf 'Everyone has the right\n' | "$TB" tokenize -c udhr -l en --data "$DATA" -t symbol-space:all --pieces)
[[ "$got" == 'Everyone \x20has \x20the \x20right' ]] && ok "symbol-space pieces fold the single space" || notok "symbol-space pieces fold the single space" "$got"
got=$(printf 'Everyone  has\n' | "$TB" tokenize -c udhr -l en --data "$DATA" -t symbol-space:all --pieces)
# (unseen in train, "  " falls back to two grapheme tokens; "has" stays bare)
[[ "$got" == 'Everyone '* && "$got" == *' has' && "$got" != *'\x20has'* ]] && ok "symbol-space keeps two spaces out of the word" || notok "symbol-space keeps two spaces out of the word" "$got"

# ---- bad symbol text ---------------------------------------------------------
printf 'ok\n \xef\xbf\xbe\n' >"$WORK/badsym"
expect_exit 3 "decode rejects a noncharacter" -- "$TB" symbolize -c udhr -l en --data "$DATA" -t symbol:all --decode "$WORK/badsym"
expect_err "badsym:2: symbol text: byte 2: U+FFFE is not a symbol code point" "bad symbol text error names file, line and byte"
printf '\xf3\xa0\x80\x80\n' >"$WORK/bigsym"
expect_exit 3 "decode rejects a symbol outside the vocabulary" -- "$TB" symbolize -c udhr -l en --data "$DATA" -t symbol:all --decode "$WORK/bigsym"
expect_err "outside the vocabulary" "out-of-vocabulary symbol is explained"
# Symbol text whose decoding is no line of text (found by fuzz_symbol_text):
# byte-fallback symbols that are not valid UTF-8, or that spell a newline.
# Under symbol:20:bytes id E + b is byte b; '中' is E+0xE4 E+0xB8 E+0xAD.
# sym K prints the symbol of index K (1 or 2 bytes: K < 95 + 1888).
sym() { local k=$1 cp
  if ((k < 95)); then cp=$((0x20 + k)); printf '\\x%02x' "$cp"
  else cp=$((0xA0 + k - 95)); printf '\\x%02x\\x%02x' $((0xC0 | cp >> 6)) $((0x80 | (cp & 0x3F))); fi; }
SB=(-c udhr -l en --data "$DATA" -t symbol:20:bytes)
ids=$(printf '\xe4\xb8\xad\n' | "$TB" tokenize "${SB[@]}" --ids)
E=$((${ids%% *} - 0xE4))
if [[ "$ids" == "$((E + 0xE4)) $((E + 0xB8)) $((E + 0xAD))" ]] && ((E + 0xFF < 95 + 1888)); then
  ok "symbol:20:bytes spells unseen bytes as E + byte (E = $E)"
  printf 'ok\n' | "$TB" symbolize "${SB[@]}" >"$WORK/twolines"
  printf "$(sym $((E + 0xE4)))$(sym $((E + 0xB8)))\n" >>"$WORK/twolines"
  expect_exit 3 "decode rejects symbols that decode to invalid UTF-8" -- "$TB" symbolize "${SB[@]}" --decode "$WORK/twolines"
  expect_err "twolines:2: symbol text: byte 1: U+" "invalid decoded UTF-8 names file, line and byte"
  expect_err "begins invalid UTF-8" "invalid decoded UTF-8 is explained"
  [[ ! -s "$WORK/out" ]] && ok "bad symbol text on line 2 leaves no output" || notok "bad symbol text on line 2 leaves no output" "$(head -c 200 "$WORK/out" | od -c | head -3)"
  printf "$(sym $((E + 0xE4)))$(sym $((E + 0xB8)))$(sym $((E + 0xAD)))\n" >"$WORK/hanbytes"
  "$TB" symbolize "${SB[@]}" --decode "$WORK/hanbytes" >"$WORK/out" 2>"$WORK/err"
  [[ "$(cat "$WORK/out")" == $'\xe4\xb8\xad' ]] && ok "byte symbols that make UTF-8 decode" || notok "byte symbols that make UTF-8 decode" "$(cat "$WORK/err")"
  s1=$(printf "$(sym $((E + 0x61)))")
  printf "%s$(sym $((E + 10)))$(sym $((E + 0x62)))\n" "$s1" >"$WORK/nlsym"
  expect_exit 3 "decode rejects a symbol that spells a newline" -- "$TB" symbolize "${SB[@]}" --decode "$WORK/nlsym"
  expect_err "nlsym:1: symbol text: byte $(($(printf %s "$s1" | wc -c) + 1)): U+" "a decoded newline names file, line and byte"
  expect_err "decodes to a newline" "a decoded newline is explained"
else
  notok "symbol:20:bytes spells unseen bytes as E + byte" "ids '$ids'"
fi
printf 'fine\na\xffb\n' >"$WORK/badtxt2"
expect_exit 3 "symbolize rejects invalid UTF-8 on line 2" -- "$TB" symbolize -c udhr -l en --data "$DATA" -t symbol:all "$WORK/badtxt2"
expect_err "badtxt2:2: invalid UTF-8 at byte 2" "invalid UTF-8 on line 2 is located"
[[ ! -s "$WORK/out" ]] && ok "invalid UTF-8 on line 2 leaves no output" || notok "invalid UTF-8 on line 2 leaves no output"
printf 'a\xffb\n' >"$WORK/badtxt"
expect_exit 3 "symbolize rejects invalid UTF-8" -- "$TB" symbolize -c udhr -l en --data "$DATA" -t symbol:all "$WORK/badtxt"
expect_err "badtxt:1: invalid UTF-8 at byte 2" "invalid UTF-8 is located"

# ---- golden counts and invariants on udhr -----------------------------------
expect_exit 0 "run udhr with symbol specs" -- "$TB" run -c udhr --data "$DATA" -t symbol:2000 -t symbol:all \
  -t symbol:100 -t symbol-stem:all --no-timing -q -o "$WORK/sr"
R=$WORK/sr/results.csv
(head -1 "$R"; grep -E ',(tokens|unk_rate|vocab_size),' "$R") >"$WORK/golden.csv"
if diff tests/golden/symbol_udhr.csv "$WORK/golden.csv" >"$WORK/diff"; then ok "udhr symbol counts match tests/golden/symbol_udhr.csv"; else
  notok "udhr symbol counts match tests/golden/symbol_udhr.csv" "$(head -10 "$WORK/diff")"; fi
for lang in en ru zh; do
  u=$(value "$R" udhr train "$lang" symbol:all unk_rate)
  [[ "$u" == 0 ]] && ok "udhr $lang: symbol:all has no fallback on its train split" || notok "udhr $lang: symbol:all has no fallback on train" "unk_rate $u"
  want=$("$TB" tokenize -c udhr -l "$lang" --data "$DATA" -t symbol:all --count "$DATA/udhr/$lang.txt" | awk '{s+=$1} END {print s}')
  got=$(value "$R" udhr all "$lang" symbol:all tokens)
  [[ "$want" == "$got" ]] && ok "udhr $lang: run tokens == sum of tokenize --count ($want)" || notok "udhr $lang: run tokens == tokenize --count" "run $got tokenize $want"
  # the compression table: text_bytes is the file, symbol chars are tokens + newlines
  "$TB" symbolize -c udhr -l "$lang" --data "$DATA" -t symbol:all --sizes all >"$WORK/sizes.csv" 2>"$WORK/err"
  tb=$(value "$WORK/sizes.csv" udhr all "$lang" archive text_bytes)
  sc=$(value "$WORK/sizes.csv" udhr all "$lang" symbol:all symbol_text_chars)
  sb=$(value "$WORK/sizes.csv" udhr all "$lang" symbol:all symbol_text_bytes)
  segs=$(wc -l <"$DATA/udhr/$lang.txt")
  symb=$("$TB" symbolize -c udhr -l "$lang" --data "$DATA" -t symbol:all "$DATA/udhr/$lang.txt" | wc -c)
  [[ "$tb" == "$(wc -c <"$DATA/udhr/$lang.txt")" && "$sc" == $((got + segs)) && "$sb" == "$symb" ]] &&
    ok "udhr $lang: --sizes agrees with wc and symbolize" || notok "udhr $lang: --sizes agrees with wc and symbolize" "text $tb chars $sc bytes $sb symbolize $symb"
  gz=$(value "$WORK/sizes.csv" udhr all "$lang" archive gzip9_bytes)
  xzb=$(value "$WORK/sizes.csv" udhr all "$lang" archive xz9_bytes)
  if command -v xz >/dev/null; then
    want=$(xz -9 -c "$DATA/udhr/$lang.txt" | wc -c)
    [[ "$xzb" == "$want" ]] && ok "udhr $lang: xz9_bytes == xz -9 | wc -c" || notok "udhr $lang: xz9_bytes == xz -9" "got $xzb want $want"
  fi
  [[ -n "$gz" && "$gz" -gt 0 && "$gz" -lt "$tb" ]] && ok "udhr $lang: gzip9_bytes is a compression" || notok "udhr $lang: gzip9_bytes" "$gz"
done

# ---- libreoffice (optimised tree only: a few seconds) -----------------------
if [[ $TREE == opt && -s "$DATA/libreoffice/zh.txt" ]]; then
  f="$DATA/libreoffice/zh.txt"
  "$TB" symbolize -c libreoffice -l zh --data "$DATA" -t symbol:32k "$f" >"$WORK/lsym" &&
    "$TB" symbolize -c libreoffice -l zh --data "$DATA" -t symbol:32k --decode "$WORK/lsym" >"$WORK/lback"
  cmp -s "$WORK/lback" "$f" && ok "libreoffice zh symbol:32k symbolize round trip" || notok "libreoffice zh symbol:32k symbolize round trip"
fi
finish cli_symbol
