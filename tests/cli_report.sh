#!/usr/bin/env bash
# Charts and reports: tokbench plot on a fixed results file, the report with
# its charts, and a clear message (not a crash, not a failed run) without
# gnuplot.
cd "$(dirname "$0")/.."
. tests/lib.sh
FIX=tests/fixtures/report/results.csv

expect_exit 0 "plot draws charts from a results file" -- "$TB" plot "$FIX" -o "$WORK/charts"
for c in tokens_udhr fertility_udhr bytes_per_token_udhr; do
  [[ "$(head -c 4 "$WORK/charts/$c.png" | od -An -c | tr -d ' ')" == *PNG* ]] && ok "$c.png is a PNG" || notok "$c.png is a PNG"
  grep -q "<svg" "$WORK/charts/$c.svg" && ok "$c.svg is an SVG" || notok "$c.svg is an SVG"
  [[ -s "$WORK/charts/$c.dat" && -s "$WORK/charts/$c.gp" ]] && ok "$c has its data and script" || notok "$c data and script"
done
awk '$1=="\"bytes\"" { exit !($2 > 0) }' "$WORK/charts/tokens_udhr.dat" && ok "chart data holds the token counts" || notok "chart data" "$(head -3 "$WORK/charts/tokens_udhr.dat")"
[[ ! -e "$WORK/charts/flops_udhr.png" ]] && ok "no chart without its rows (flops)" || notok "flops chart drawn without data"
expect_exit 2 "plot with a bad --split" -- "$TB" plot "$FIX" --split nope -o "$WORK/c2"
TOKBENCH_GNUPLOT=/nonexistent/gnuplot "$TB" plot "$FIX" -o "$WORK/c3" >"$WORK/out" 2>"$WORK/err"
[[ $? == 3 ]] && ok "plot without gnuplot exits 3" || notok "plot without gnuplot exits 3"
expect_err "install it with 'make deps'" "missing gnuplot names the install command"

cp "$FIX" "$WORK/results.csv"
expect_exit 0 "report draws charts and links them" -- "$TB" report "$WORK/results.csv"
grep -q '!\[tokens_udhr\](charts/tokens_udhr.png)' "$WORK/REPORT.md" && ok "REPORT.md embeds the charts" || notok "REPORT.md embeds the charts"
TOKBENCH_GNUPLOT=/nonexistent/gnuplot "$TB" report "$WORK/results.csv" -o "$WORK/r2" >"$WORK/out" 2>"$WORK/err"
[[ $? == 0 && -s "$WORK/r2/REPORT.md" ]] && ok "report without gnuplot still writes the tables" || notok "report without gnuplot"
expect_err "warning: charts skipped" "report without gnuplot warns"

finish cli_report
