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
  awk '/^## (Corpus `|Charts across corpora)/ { in_sec = 1; next } /^## / { in_sec = 0 }
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
