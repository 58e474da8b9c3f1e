#!/usr/bin/env bash
# Charts and reports: tokbench plot on a fixed results file, the report with
# its charts, and a clear message (not a crash, not a failed run) without
# gnuplot.
cd "$(dirname "$0")/.."
. tests/lib.sh
FIX=tests/fixtures/report/results.csv

# report_shape NAME FILE: REPORT.md reads headline, claims at a glance,
# contents, then the long tables; every in-page link has its <a id> anchor;
# every chart image sits in a corpus's section (which one: test_results).
report_shape() {
  local name=$1 f=$2 order links missing
  order=$(grep -nE '^## (Headline|Claims at a glance|Contents|Corpus )|^\*\*Tokens \(each segment|^## Claims$' "$f" |
    sed -E 's/^[0-9]+:## (Headline|Claims at a glance|Contents|Claims).*/\1/; s/^[0-9]+:## Corpus .*/Corpus/; s/^[0-9]+:\*\*Tokens.*/tokens/' | uniq | tr '\n' ' ')
  [[ $order == "Headline Claims at a glance Contents Corpus tokens "*"Claims " ]] \
    && ok "$name: headline, claims at a glance, contents before the tables" || notok "$name: section order" "$order"
  links=$(grep -oE '\]\(#[^)]+\)' "$f" | sed -E 's/^\]\(#//; s/\)$//' | sort -u)
  missing=$(for l in $links; do grep -qF "<a id=\"$l\"></a>" "$f" || echo "$l"; done)
  [[ -n $links && -z $missing ]] && ok "$name: every contents link has its anchor" || notok "$name: links without anchors" "$missing"
  awk '/^## (Corpus `|Charts across corpora|Measured training)/ { in_sec = 1; next } /^## / { in_sec = 0 }
       /^!\[/ { n++; if (!in_sec) bad = bad " " $0 }
       END { if (bad != "") print bad; exit !(n > 0 && bad == "") }' "$f" >"$WORK/charts-misplaced" \
    && ok "$name: every chart in a corpus section" || notok "$name: charts outside the corpus sections" "$(cat "$WORK/charts-misplaced")"
}

expect_exit 0 "plot draws charts from a results file" -- "$TB" plot "$FIX" -o "$WORK/charts"
for c in tokens_base_udhr fertility_base_udhr bytes_per_token_base_udhr; do
  [[ "$(head -c 4 "$WORK/charts/$c.png" | od -An -c | tr -d ' ')" == *PNG* ]] && ok "$c.png is a PNG" || notok "$c.png is a PNG"
  grep -q "<svg" "$WORK/charts/$c.svg" && ok "$c.svg is an SVG" || notok "$c.svg is an SVG"
  [[ -s "$WORK/charts/$c.dat" && -s "$WORK/charts/$c.gp" ]] && ok "$c has its data and script" || notok "$c data and script"
done
awk '$2=="\"bytes\"" { exit !($4 > 0) }' "$WORK/charts/tokens_base_udhr.dat" && ok "chart data holds the token counts" || notok "chart data" "$(head -3 "$WORK/charts/tokens_base_udhr.dat")"
[[ ! -e "$WORK/charts/flops_base_udhr.png" ]] && ok "no chart without its rows (flops)" || notok "flops chart drawn without data"
expect_exit 2 "plot with a bad --split" -- "$TB" plot "$FIX" --split nope -o "$WORK/c2"
TOKBENCH_GNUPLOT=/nonexistent/gnuplot "$TB" plot "$FIX" -o "$WORK/c3" >"$WORK/out" 2>"$WORK/err"
[[ $? == 3 ]] && ok "plot without gnuplot exits 3" || notok "plot without gnuplot exits 3"
expect_err "install it with 'make deps'" "missing gnuplot names the install command"

cp "$FIX" "$WORK/results.csv"
expect_exit 0 "report draws charts and links them" -- "$TB" report "$WORK/results.csv"
grep -q '!\[tokens_base_udhr\](charts/tokens_base_udhr.png)' "$WORK/REPORT.md" && ok "REPORT.md embeds the charts" || notok "REPORT.md embeds the charts"
report_shape report "$WORK/REPORT.md"
TOKBENCH_GNUPLOT=/nonexistent/gnuplot "$TB" report "$WORK/results.csv" -o "$WORK/r2" >"$WORK/out" 2>"$WORK/err"
[[ $? == 0 && -s "$WORK/r2/REPORT.md" ]] && ok "report without gnuplot still writes the tables" || notok "report without gnuplot"
expect_err "warning: charts skipped" "report without gnuplot warns"

# ---- measured training: a section and charts only with train_* rows ---------
# train_rows PREFIX [no-timing]: training rows (bench/stage_train.h) of the
# fixture's udhr for bytes and graphemes in en and zh, checkpoints 1, 50, 100;
# zh's FLOPs 1.2x en's; no seconds rows with no-timing (tokbench run --no-timing)
train_rows() {
  local p=$1 timing=${2:-timing}
  awk -v p="$p" -v timing="$timing" 'BEGIN {
    split("en zh", L, " "); split("bytes graphemes", T, " "); split("1 50 100", S, " ")
    for (l = 1; l <= 2; l++) for (t = 1; t <= 2; t++) {
      k = "udhr,test," L[l] "," T[t] ","; j = "udhr,train," L[l] "," T[t] ","; f = (l == 2 ? 1.2 : 1) * (t == 2 ? 1.1 : 1)
      for (i = 1; i <= 3; i++) {
        s = S[i]; b = 8 / (1 + s / 20) + (l == 2 ? 0 : 0.2) + (t == 2 ? 0.1 : 0)
        printf "%s%scurve_bits_per_en_byte@%d,%.6f,bits/byte\n", k, p, s, b
        printf "%s%scurve_loss@%d,%.6f,nats/token\n", k, p, s, b / 2
        printf "%s%scurve_flops@%d,%.0f,FLOPs\n", j, p, s, s * 1e9 * f
        if (timing == "timing") printf "%s%scurve_s@%d,%.3f,s\n", j, p, s, s * 0.01 * f
      }
      printf "%s%sbits_per_en_byte,%.6f,bits/byte\n%s%seval_segments,8,segments\n%s%seval_en_bytes,900,bytes\n", k, p, b, k, p, k, p
      printf "%s%ssteps,100,steps\n%s%stokens_seen,25600,tokens\n%s%sepochs_seen,1.5,epochs\n", j, p, j, p, j, p
      printf "%s%svocab,%d,types\n%s%svocab_full,257,types\n%s%sflops,%.0f,FLOPs\n", j, p, 100 + l, j, p, j, p, 1e11 * f
      printf "%s%sflops_full_vocab,%.0f,FLOPs\n%s%sflops_gemm_share,0.958,ratio\n", j, p, 1.2e11 * f, j, p
      printf "%s%sbytes_peak_measured,5606400,bytes\n%s%sbytes_analytic,4612096,bytes\n", j, p, j, p
      if (p == "train_") printf "%s%sbudget_flops,100000000000,FLOPs\n", j, p
      if (timing == "timing") printf "%s%ss,1.25,s\n%s%sgemm_time_share,0.55,time_ratio\n", j, p, j, p
    } }'
}
mkdir -p "$WORK/tr"
{ cat "$FIX"; train_rows train_; train_rows train_content_; } >"$WORK/tr/results.csv"
expect_exit 0 "report over results with training rows" -- "$TB" report "$WORK/tr/results.csv"
R=$WORK/tr/REPORT.md
grep -q '^## Measured training$' "$R" && grep -q '^- \[Measured training\](#training): ' "$R" \
  && ok "the report has a Measured training section in its contents" || notok "Measured training section" "$(grep -n 'training' "$R" | head -5)"
grep -qF '| en | `bytes` | 101 (257) | 100 | 25,600 | 1.500 | 100 G | 120 G | 1.25 | 95.8% | 55.0% | 5.606 MB / 4.612 MB |' "$R" \
  && ok "a training row: vocabulary used (full), steps, tokens, passes, FLOPs, seconds, GEMM shares, memory" || notok "training table row" "$(grep -F '`bytes`' "$R" | grep '| en |' | head -3)"
grep -q '^#### Equal FLOPs (`udhr`, rows `train_\*`)' "$R" && grep -q '^#### One pass over the content (`udhr`, rows `train_content_\*`)' "$R" \
  && ok "one table per regime" || notok "one table per regime" "$(grep -n '^####' "$R" | tail -4)"
grep -q 'budget of 100 G FLOPs' "$R" && grep -q '8 test segments of 8, 900 English bytes' "$R" && grep -q 'timings of one run on this machine' "$R" \
  && ok "the text states the budget, the evaluation set and that timings are timings" || notok "training text" "$(sed -n '/^## Measured training/,/^####/p' "$R" | head -12)"
for c in training_flops_udhr training_s_udhr training_content_flops_udhr training_content_s_udhr; do
  [[ -s "$WORK/tr/charts/$c.png" && -s "$WORK/tr/charts/$c.svg" ]] && grep -q "^!\[$c\](charts/$c.png)" "$R" \
    && ok "training chart $c drawn and embedded" || notok "training chart $c" "$(ls "$WORK/tr/charts" | grep training | tr '\n' ' ')"
done
awk '/^## Measured training/ { s = 1 } /^## / && !/Measured training/ { s = 0 } /^!\[training_/ { n++; if (!s) bad = 1 }
     END { exit !(n == 4 && !bad) }' "$R" && ok "training charts sit in the Measured training section" || notok "training charts placement"
report_shape "training report" "$R"
# without train rows: neither the section nor the charts
grep -qE '^## Measured training|\(#training\)' "$WORK/REPORT.md" && notok "a report without training rows has no training section" || ok "a report without training rows has no training section"
ls "$WORK/charts" 2>/dev/null | grep -q '^training_' && notok "no training charts without training rows" || ok "no training charts without training rows"
# a run without timings: no seconds charts, no seconds column values
mkdir -p "$WORK/tn"
{ cat "$FIX"; train_rows train_ no-timing; } >"$WORK/tn/results.csv"
expect_exit 0 "report over training rows without timings" -- "$TB" report "$WORK/tn/results.csv"
[[ -s "$WORK/tn/charts/training_flops_udhr.png" && ! -e "$WORK/tn/charts/training_s_udhr.png" && ! -e "$WORK/tn/charts/training_content_flops_udhr.png" ]] \
  && ok "no seconds chart without seconds rows, no content chart without the regime" || notok "charts without timings" "$(ls "$WORK/tn/charts" | grep training | tr '\n' ' ')"
grep -qF '| en | `bytes` | 101 (257) | 100 | 25,600 | 1.500 | 100 G | 120 G | – | 95.8% | – |' "$WORK/tn/REPORT.md" \
  && ok "timing cells are empty without timing rows" || notok "timing cells" "$(grep -F '| en | `bytes`' "$WORK/tn/REPORT.md" | head -2)"

# ---- model charts from a real run (tiny model: seconds) ----------------------
need_corpus udhr
expect_exit 0 "run with --model tiny" -- "$TB" run -c udhr --data "$DATA" -t bytes -t tiktoken:cl100k_base -l en --model tiny --ngram 0 -o "$WORK/m" -q
for c in flops_base_udhr flops_production_udhr memory_1k_base_udhr memory_60k_production_udhr prefill_udhr decode_size_udhr; do
  [[ -s "$WORK/m/charts/$c.png" && -s "$WORK/m/charts/$c.svg" ]] && ok "model chart $c drawn" || notok "model chart $c drawn" "$(ls "$WORK/m/charts" | tr '\n' ' ')"
done
# the prefill data: both tokenizers, lengths ascending, every ms a positive
# number (whether ms grows with length is a timing: perf/model.sh)
awk 'BEGIN { b = 0 } /^#.*measured/ { b++; pl = 0; m = 1; next } /^#/ { m = 0; next } m && NF == 2 { if ($1 <= pl || !($2 > 0)) bad = 1; pl = $1; n++ }
     END { exit !(b == 2 && n >= 6 && !bad) }' "$WORK/m/charts/prefill_udhr.dat" \
  && ok "prefill chart data: two tokenizers, lengths ascending, ms > 0" || notok "prefill chart data" "$(head -12 "$WORK/m/charts/prefill_udhr.dat")"
# the priced curve is the pricing's: piecewise linear, through every measured
# point, each sample on the segment between its neighbouring measured points
awk '/^#.*measured/ { k++; n[k] = 0; m = 1; next } /^#.*priced/ { m = 2; next } /^#/ { m = 0; next }
     m == 1 && NF == 2 { n[k]++; X[k, n[k]] = $1; Y[k, n[k]] = $2 }
     m == 2 && NF == 3 { s++; for (i = 1; i < n[k]; i++) if ($1 >= X[k, i] - 1e-6 && $1 <= X[k, i + 1] + 1e-6) {
         y = Y[k, i] + (Y[k, i + 1] - Y[k, i]) * ($1 - X[k, i]) / (X[k, i + 1] - X[k, i])
         if ((y - $2) > 1e-6 * y || ($2 - y) > 1e-6 * y) bad = 1; break } }
     END { exit !(k == 2 && s >= 60 && !bad) }' "$WORK/m/charts/prefill_udhr.dat" \
  && ok "prefill chart draws the piecewise-linear curve the ms rows are priced with" || notok "prefill priced curve" "$(sed -n '1,40p' "$WORK/m/charts/prefill_udhr.dat")"
grep -q "x\*x" "$WORK/m/charts/prefill_udhr.gp" && notok "prefill chart still draws a quadratic" || ok "prefill chart draws no quadratic fit"
grep -q "set logscale x" "$WORK/m/charts/flops_production_udhr.gp" && grep -q "'%.0s%c'" "$WORK/m/charts/flops_production_udhr.gp" \
  && ok "FLOPs on a log axis with SI ticks" || notok "FLOPs axis" "$(grep -E 'logscale|format' "$WORK/m/charts/flops_production_udhr.gp")"
grep -q '"KV cache"' "$WORK/m/charts/memory_60k_production_udhr.gp" && ! grep -q 'title "bytes_' "$WORK/m/charts/memory_60k_production_udhr.gp" \
  && ok "memory legend names the parts for people" || notok "memory legend" "$(grep -o 'title "[^"]*"' "$WORK/m/charts/memory_60k_production_udhr.gp")"
# decode against size: each model named once (no label printed on another)
awk '/^# labels/ { l = 1; next } l && NF >= 3 { n++; if (seen[$1]++) bad = 1 } END { exit !(n >= 2 && !bad) }' "$WORK/m/charts/decode_size_udhr.dat" \
  && ok "decode-size labels: one per model size" || notok "decode-size labels" "$(tail -6 "$WORK/m/charts/decode_size_udhr.dat")"
grep -q "GEMM [0-9]*% of time" "$WORK/m/charts/prefill_udhr.gp" && ok "prefill legend gives the GEMM share" || notok "prefill legend gives the GEMM share"
# decode against size: every datasheet profile, model sizes ascending, ms growing with size
awk '/^# labels/ { exit_ok = 1 } /^#/ { if (!exit_ok) b++; pp = 0; pm = 0; next } !exit_ok && NF >= 3 { if ($1 <= pp || $2 < pm) bad = 1; pp = $1; pm = $2; n++ }
     END { exit !(b >= 3 && n >= 15 && !bad) }' "$WORK/m/charts/decode_size_udhr.dat" \
  && ok "decode-size chart data: profiles, sizes ascending, ms growing" || notok "decode-size chart data" "$(head -8 "$WORK/m/charts/decode_size_udhr.dat")"
grep -q "Inference memory at 60k tokens" "$WORK/m/REPORT.md" && ok "report has the long-context memory table" || notok "report has the long-context memory table"
report_shape "run's report" "$WORK/m/REPORT.md"

finish cli_report
