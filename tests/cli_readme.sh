#!/usr/bin/env bash
# Runs the README's examples: every ```sh block right after a line
# "<!-- test: NAME -->" is executed with bash -e in a scratch folder that
# links the binary, the corpora and the test fixtures, so examples never
# write into the working tree. The examples use ./tokbench (the optimised
# build), so this runs in the optimised tree only.
cd "$(dirname "$0")/.."
. tests/lib.sh
if [[ $TREE != opt ]]; then finish cli_readme; exit $?; fi
need_corpus udhr
mkdir -p "$WORK/ex/corpora"
ln -s "$ROOT/$TB" "$WORK/ex/tokbench"
ln -s "$DATA" "$WORK/ex/corpora/data"
ln -s "$ROOT/tests" "$WORK/ex/tests"
blocks=0
while IFS= read -r name; do
  blocks=$((blocks + 1))
  awk -v want="$name" '
    $0 ~ "^<!-- test: " want " -->$" { armed = 1; next }
    armed && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }' README.md >"$WORK/block.sh"
  if [[ ! -s "$WORK/block.sh" ]]; then notok "README example '$name' has a sh block"; continue; fi
  if (cd "$WORK/ex" && bash -e "$WORK/block.sh") >"$WORK/out" 2>"$WORK/err"; then
    ok "README example '$name' runs"
  else
    notok "README example '$name' runs" "$(tail -5 "$WORK/err")"
  fi
done < <(sed -n 's/^<!-- test: \(.*\) -->$/\1/p' README.md)
((blocks >= 2)) && ok "README has tested examples ($blocks)" || notok "README has tested examples"
finish cli_readme
