#!/usr/bin/env bash
# Charts a page can show: every PNG and SVG at most 1600 px wide, no
# e-notation on any axis, a caption for every chart, -t/-l drawing only what
# they name (and refusing names the results do not hold), the BPE sweep on
# the vocabulary size reached. On small fixed results files: no run needed.
cd "$(dirname "$0")/.."
. tests/lib.sh
FIX=tests/fixtures/report/results.csv

# The fixture (bytes, graphemes; en, zh) plus a "chars" copy of graphemes and
# two bpe:N whose training stopped short of N (vocab_size 900 and 950).
R=$WORK/results.csv
{ cat "$FIX"
  awk -F, 'NR > 1 && $4 == "graphemes" { OFS = ","; $4 = "chars"; print }' "$FIX"
  for s in all test train; do for l in en zh; do
    t=400; [[ $l == zh ]] && t=500
    printf 'udhr,%s,%s,bpe:1k,tokens,%d,tokens\nudhr,%s,%s,bpe:1k,vocab_size,900,types\n' "$s" "$l" "$t" "$s" "$l"
    printf 'udhr,%s,%s,bpe:64k,tokens,%d,tokens\nudhr,%s,%s,bpe:64k,vocab_size,950,types\n' "$s" "$l" 300 "$s" "$l"
  done; done
} >"$R"

# width of a PNG: bytes 16..19 of the IHDR chunk, big-endian
png_width() { od -An -tu1 -j16 -N4 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }'; }

expect_exit 0 "plot draws the charts and lists their captions" -- "$TB" plot "$R" -o "$WORK/c" --captions
cp "$WORK/out" "$WORK/captions"
drawn=$(sed -n 's/^plot: \([0-9]*\) charts.*/\1/p' "$WORK/captions")
[[ ${drawn:-0} -ge 5 ]] && ok "plot drew the fixture's charts ($drawn)" || notok "plot drew charts" "$(head -3 "$WORK/captions")"
awk -F'\t' 'NR > 1 { n++; if (NF != 2 || $1 == "" || length($2) < 20) bad = 1 } END { exit !(n == '"${drawn:-0}"' && !bad) }' "$WORK/captions" \
  && ok "--captions gives every chart a name and a sentence" || notok "every chart has a caption" "$(head -5 "$WORK/captions")"
missing=""
for c in $(awk -F'\t' 'NR > 1 { print $1 }' "$WORK/captions"); do
  [[ -s "$WORK/c/$c.png" && -s "$WORK/c/$c.svg" && -s "$WORK/c/$c.dat" && -s "$WORK/c/$c.gp" ]] || missing+=" $c"
done
[[ -z $missing ]] && ok "each listed chart has PNG, SVG, data and script" || notok "charts lack files" "$missing"

wide=""
for p in "$WORK"/c/*.png; do (( $(png_width "$p") <= 1600 )) || wide+=" $(basename "$p"):$(png_width "$p")"; done
[[ -z $wide ]] && ok "every PNG is at most 1600 px wide" || notok "PNG wider than 1600 px" "$wide"
wide=$(for s in "$WORK"/c/*.svg; do sed -n 's/.*<svg[^>]* width="\([0-9]*\)".*/\1/p' "$s" | head -1 | awk -v f="$(basename "$s")" '$1 > 1600 || $1 == "" { print f }'; done)
[[ -z $wide ]] && ok "every SVG is at most 1600 px wide" || notok "SVG wider than 1600 px" "$wide"
found=$(grep -h "set format" "$WORK"/c/*.gp | grep -vE "^set format [xy] '(%\.0s%c|%g|%g%%)'$" | sort -u)
[[ -z $found ]] && ok "tick formats are SI prefixes or plain numbers" || notok "a tick format could print e-notation" "$found"
found=$(grep -lE '(^|[^a-z_])[0-9.]+e[+-]?[0-9]' "$WORK"/c/*.gp)
[[ -z $found ]] && ok "no number in a script is in e-notation" || notok "e-notation in a script" "$found"
found=$(grep -ohE '<text[^>]*>[^<]*[0-9]e[+-]?[0-9][^<]*<' "$WORK"/c/*.svg | head -3)
[[ -z $found ]] && ok "no drawn text is in e-notation" || notok "e-notation drawn" "$found"

# grouping: bytes, chars, graphemes are base schemes, bpe:N trained
[[ -s "$WORK/c/tokens_base_udhr.png" && -s "$WORK/c/tokens_trained_udhr.png" && ! -e "$WORK/c/tokens_udhr.png" ]] \
  && ok "tokens are drawn per tokenizer group" || notok "tokens per group" "$(ls "$WORK/c" | grep tokens | tr '\n' ' ')"
grep -q '"graphemes"' "$WORK/c/tokens_base_udhr.dat" && ! grep -q '"bpe:1k"' "$WORK/c/tokens_base_udhr.dat" \
  && ok "a group's chart holds its tokenizers only" || notok "group chart content" "$(head -5 "$WORK/c/tokens_base_udhr.dat")"
grep -q '"bytes" "zh" 517 517 " ×0.87"' "$WORK/c/tokens_base_udhr.dat" && ok "tokens bars carry their parity with English" || notok "parity labels" "$(head -5 "$WORK/c/tokens_base_udhr.dat")"
# the sweep's x is the vocabulary reached, not the nominal N
awk '!/^#/ && NF == 2 { x[$1] = 1 } END { exit !(length(x) == 2 && (900 in x) && (950 in x)) }' "$WORK/c/bpe_sweep_udhr.dat" \
  && ok "BPE sweep plots the vocab_size reached (900, 950), not 1k and 64k" || notok "BPE sweep x" "$(cat "$WORK/c/bpe_sweep_udhr.dat")"
grep -q "set logscale x" "$WORK/c/bpe_sweep_udhr.gp" && ok "BPE sweep on a log x axis" || notok "BPE sweep log x"

# -t / -l: only what they name
expect_exit 0 "plot -t bytes -t chars -l zh" -- "$TB" plot "$R" -t bytes -t chars -l zh -o "$WORK/s"
toks=$(cat "$WORK"/s/*.dat | grep -oE '"[a-z][^"]*"' | sort -u | tr '\n' ' ')
[[ $toks == '"bytes" "chars" "zh" ' ]] && ok "-t/-l charts hold only bytes, chars and zh" || notok "-t/-l selection" "$toks"
[[ ! -e "$WORK/s/bpe_sweep_udhr.png" ]] && ok "-t without a bpe:N draws no BPE sweep" || notok "sweep drawn without its tokenizers"
expect_exit 2 "plot -t with a tokenizer the results lack exits 2" -- "$TB" plot "$R" -t bytes -t nope -o "$WORK/s2"
expect_err "tokenizer 'nope' is not in" "the message names the unknown tokenizer"
expect_err "bytes, graphemes" "the message lists the tokenizers the results hold"
[[ ! -e "$WORK/s2" ]] && ok "nothing drawn for an unknown tokenizer" || notok "folder written for an unknown tokenizer"
expect_exit 2 "plot -l with a language the results lack exits 2" -- "$TB" plot "$R" -l ru -o "$WORK/s3"
expect_err "language 'ru' is not in" "the message names the unknown language"
expect_err "en, zh" "the message lists the languages"

finish cli_plot
