#!/usr/bin/env bash
# cli_layout.sh - tools/layout-check: the repository follows the folder table
# of docs/DESIGN.md, and the check fails, naming file and line, on an include
# that runs upward, one that runs sideways, one that leaves the repository,
# and a folder the table does not list (each injected into a copy).
source tests/lib.sh

expect_exit 0 "the repository's includes follow the layout" -- tools/layout-check "$ROOT"
grep -qE '^layout-check: [0-9]+ includes follow the layout$' "$WORK/out" &&
  ok "layout-check prints how many includes it checked" ||
  notok "layout-check prints how many includes it checked" "stdout: $(head -c 300 "$WORK/out")"

# A copy of the library folders to break one way at a time.
fresh() {
  rm -rf "$WORK/tree" && mkdir -p "$WORK/tree/tools"
  cp -r "$ROOT"/{cli,reports,bench,model,ngram,tokenizers,corpora,results,common} "$WORK/tree/"
  cp "$ROOT/tools/layout-check" "$WORK/tree/tools/"
}

fresh
printf '#include "../bench/run.h"\n' >>"$WORK/tree/model/cost.h"
line=$(wc -l <"$WORK/tree/model/cost.h")
expect_exit 1 "an upward include (model -> bench) fails" -- "$WORK/tree/tools/layout-check" "$WORK/tree"
grep -qF "model/cost.h:$line: model/ may not include bench/" "$WORK/out" &&
  ok "the failure names the file, the line and both folders" ||
  notok "the failure names the file, the line and both folders" "stdout: $(head -c 400 "$WORK/out")"

fresh
printf '#include "../tokenizers/tokenizer.h"\n' >>"$WORK/tree/ngram/ngram.c"
expect_exit 1 "a sideways include (ngram -> tokenizers) fails" -- "$WORK/tree/tools/layout-check" "$WORK/tree"

fresh
printf '#include "../bench/run.h"\n' >>"$WORK/tree/reports/report.c"
expect_exit 1 "reports reading the engine instead of results fails" -- "$WORK/tree/tools/layout-check" "$WORK/tree"

fresh
printf '#include "../../outside.h"\n' >>"$WORK/tree/common/tb.c"
expect_exit 1 "an include that leaves the repository fails" -- "$WORK/tree/tools/layout-check" "$WORK/tree"
grep -qF "does not name a file of the repository" "$WORK/out" &&
  ok "and says so" || notok "and says so" "stdout: $(head -c 400 "$WORK/out")"

fresh
mkdir -p "$WORK/tree/extra" && printf 'int extra;\n' >"$WORK/tree/extra/x.c"
expect_exit 1 "a folder of C code the table does not list fails" -- "$WORK/tree/tools/layout-check" "$WORK/tree"

fresh
printf '#include "../results/results.h"\n' >>"$WORK/tree/bench/run.h"
expect_exit 0 "an allowed include (bench -> results) passes" -- "$WORK/tree/tools/layout-check" "$WORK/tree"

finish cli_layout
