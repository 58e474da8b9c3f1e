#!/usr/bin/env bash
# Charts a page can show: every PNG and SVG at most 1600 px wide, no
# e-notation on any axis, a caption for every chart, -t/-l drawing only what
# they name (and refusing names the results do not hold), the BPE sweep on
# the vocabulary size reached. On small fixed results files: no run needed.
cd "$(dirname "$0")/.."
. tests/lib.sh
FIX=tests/fixtures/report/results.csv

# The fixture (bytes, graphemes; en, zh) plus a "chars" copy of graphemes,
# two bpe:N whose training stopped short of N (vocab_size 900 and 950), and
# measured-training curves of bytes and graphemes (checkpoints 1, 50, 100:
# FLOPs step x 1e9, x 1.2 in zh; bits 8 / (1 + step / 20), + 0.2 in en).
R=$WORK/results.csv
{ cat "$FIX"
  awk 'BEGIN { split("en zh", L, " "); split("bytes graphemes", T, " "); split("1 50 100", S, " ")
    for (l = 1; l <= 2; l++) for (t = 1; t <= 2; t++) for (i = 1; i <= 3; i++) {
      s = S[i]; f = l == 2 ? 1.2 : 1
      printf "udhr,test,%s,%s,train_curve_bits_per_en_byte@%d,%.6f,bits/byte\n", L[l], T[t], s, 8 / (1 + s / 20) + (l == 1 ? 0.2 : 0)
      printf "udhr,train,%s,%s,train_curve_flops@%d,%.0f,FLOPs\n", L[l], T[t], s, s * 1e9 * f
      printf "udhr,train,%s,%s,train_curve_s@%d,%.3f,s\n", L[l], T[t], s, s * 0.01 * f
    } }'
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

# measured training: bits per English byte against FLOPs and seconds, a
# panel per language, the points the rows give in step order
[[ -s "$WORK/c/training_flops_udhr.png" && -s "$WORK/c/training_s_udhr.png" ]] && ok "training convergence charts drawn (FLOPs, seconds)" || notok "training charts" "$(ls "$WORK/c" | grep training | tr '\n' ' ')"
awk '/^# zh bytes:/ { b = 1; next } /^#/ { b = 0 } b && NF == 3 { n++; x[n] = $1; y[n] = $2; st[n] = $3 }
     END { exit !(n == 3 && x[1] == 1200000000 && x[3] == 120000000000 && st[2] == 50 && y[2] > 2.285 && y[2] < 2.286) }' "$WORK/c/training_flops_udhr.dat" \
  && ok "training data: zh bytes at the FLOPs and bits of its rows, by step" || notok "training data" "$(head -12 "$WORK/c/training_flops_udhr.dat")"
grep -q "set logscale x" "$WORK/c/training_flops_udhr.gp" && grep -q "tc rgb '#e6a700'" "$WORK/c/training_flops_udhr.gp" \
  && ok "training chart: log FLOPs axis, zh's panel in zh's colour" || notok "training chart axis and colours"
grep -P '^training_s_udhr\t.*a timing' "$WORK/captions" >/dev/null && ok "the seconds chart's caption says it is a timing" || notok "seconds caption" "$(grep training_s "$WORK/captions")"

# -t / -l: only what they name
expect_exit 0 "plot -t bytes -t chars -l zh" -- "$TB" plot "$R" -t bytes -t chars -l zh -o "$WORK/s"
toks=$(cat "$WORK"/s/*.dat | grep -oE '"[a-z][^"]*"' | sort -u | tr '\n' ' ')
[[ $toks == '"bytes" "chars" "zh" ' ]] && ok "-t/-l charts hold only bytes, chars and zh" || notok "-t/-l selection" "$toks"
[[ ! -e "$WORK/s/bpe_sweep_udhr.png" ]] && ok "-t without a bpe:N draws no BPE sweep" || notok "sweep drawn without its tokenizers"
blocks=$(grep -c '^# ' "$WORK/s/training_flops_udhr.dat"); grep -q '^# zh bytes:' "$WORK/s/training_flops_udhr.dat" && [[ $blocks == 1 ]] \
  && ok "-t/-l training chart: one curve, zh bytes" || notok "-t/-l training chart" "$(grep '^#' "$WORK/s/training_flops_udhr.dat")"
expect_exit 2 "plot -t with a tokenizer the results lack exits 2" -- "$TB" plot "$R" -t bytes -t nope -o "$WORK/s2"
expect_err "tokenizer 'nope' is not in" "the message names the unknown tokenizer"
expect_err "bytes, graphemes" "the message lists the tokenizers the results hold"
[[ ! -e "$WORK/s2" ]] && ok "nothing drawn for an unknown tokenizer" || notok "folder written for an unknown tokenizer"
expect_exit 2 "plot -l with a language the results lack exits 2" -- "$TB" plot "$R" -l ru -o "$WORK/s3"
expect_err "language 'ru' is not in" "the message names the unknown language"
expect_err "en, zh" "the message lists the languages"

finish cli_plot
