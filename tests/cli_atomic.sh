#!/usr/bin/env bash
# Output folders as sets: a run replaces DIR whole (no stale charts), a run
# killed at any point leaves DIR with the complete old set or the complete
# new one, the next command removes the leftovers of killed writers, a failed
# run moves the previous set to DIR.previous and leaves DIR absent, and a
# folder that is not a tokbench output is refused. The same for an
# interrupted corpus import. Correctness never depends on timing: a kill that
# lands after the run finished must find the new complete set.
cd "$(dirname "$0")/.."
. tests/lib.sh
need_corpus udhr || { finish cli_atomic; exit; }
need_corpus libreoffice || { finish cli_atomic; exit; }
# run in the background with SIGINT at its default action (a non-interactive
# shell starts background jobs with SIGINT ignored)
bg_run() { env --default-signal=INT "$TB" "$@" >"$WORK/bg.out" 2>"$WORK/bg.err" & BG=$!; }
# wait_for PATTERN SECONDS: 0 once a path matching the glob exists
wait_for() {
  local end=$((SECONDS + $2))
  while ((SECONDS < end)); do compgen -G "$1" >/dev/null && return 0; sleep 0.05; done
  return 1
}
# consistent DIR: one complete set. results.csv, manifest.json and REPORT.md
# are there; the tokenizers of results.csv are the -t specs of manifest.json;
# every chart REPORT.md names exists (PNG and SVG) and every PNG in charts/
# is named; no gnuplot.log.
consistent() {
  local d=$1 why=
  for f in results.csv manifest.json REPORT.md; do [[ -s $d/$f ]] || why+="no $f; "; done
  if [[ -z $why ]]; then
    local want got named have
    want=$(awk '/"-t",/ { getline; gsub(/[ ",]/, ""); print }' "$d/manifest.json" | sort -u | tr '\n' ' ')
    got=$(awk -F, 'NR > 1 { print $4 }' "$d/results.csv" | sort -u | tr '\n' ' ')
    [[ $want == "$got" ]] || why+="results.csv tokenizers '$got', manifest '$want'; "
    named=$(grep -o '](charts/[^)]*\.png)' "$d/REPORT.md" | sed 's/](charts\///; s/\.png)//' | sort | tr '\n' ' ')
    have=$(ls "$d/charts" 2>/dev/null | sed -n 's/\.png$//p' | sort | tr '\n' ' ')
    [[ $named == "$have" ]] || why+="REPORT.md charts '$named', charts/ '$have'; "
    for c in $named; do [[ -s $d/charts/$c.svg ]] || why+="no $c.svg; "; done
  fi
  [[ -z $(find "$d" -name gnuplot.log) ]] || why+="gnuplot.log in the set; "
  [[ -z $why ]] && return 0
  echo "$why" >"$WORK/why"; return 1
}
# debris DIR: leftovers of writers beside DIR
debris() { compgen -G "$1.tmp.*" || compgen -G "$1.old.*" || compgen -G "$1.*.tmp.*"; }

OUT=$WORK/res
QUICK=(run -c udhr --data "$DATA" -t bytes -l en --ngram 0 --no-timing -q -o "$OUT")

# ---- a second run with fewer charts leaves none of the first's -------------
expect_exit 0 "run with the model charts" -- "$TB" run -c udhr --data "$DATA" -t bytes -l en --ngram 0 --model tiny --no-timing -q -o "$OUT"
[[ -s $OUT/charts/flops_base_udhr.png ]] && ok "first run drew flops_base_udhr" || notok "first run drew flops_base_udhr" "$(ls "$OUT/charts")"
expect_exit 0 "second run without the model" -- "$TB" "${QUICK[@]}"
[[ ! -e $OUT/charts/flops_base_udhr.png && ! -e $OUT/charts/flops_base_udhr.gp ]] && ok "no stale chart of the first run" || notok "no stale chart of the first run" "$(ls "$OUT/charts")"
consistent "$OUT" && ok "second run's set is complete" || notok "second run's set is complete" "$(cat "$WORK/why")"
[[ -z $(debris "$OUT") ]] && ok "no tmp or old folder after a run" || notok "no tmp or old folder after a run" "$(debris "$OUT")"

# ---- SIGKILL and SIGINT at several points of a slow run --------------------
SLOW=(run -c libreoffice --data "$DATA" -t bytes -t chars -t graphemes -t tiktoken:cl100k_base --ngram 2 --no-timing -q -o "$OUT")
# WHEN: seconds after the start (the work, before any output), "tmp" (as soon
# as the new set's folder exists: results.csv being written) or "charts"
# (once gnuplot scripts are there)
kill_case() { # NAME SIGNAL WHEN
  "$TB" "${QUICK[@]}" >/dev/null 2>&1 || { notok "$1: the old set" "quick run failed"; return; }
  bg_run "${SLOW[@]}"
  case $3 in
    tmp) wait_for "$OUT.tmp.$BG" 120 || true ;;
    charts) wait_for "$OUT.tmp.$BG/charts/*.gp" 120 || true ;;
    *) sleep "$3" ;;
  esac
  kill -s "$2" "$BG" 2>/dev/null
  { wait "$BG"; } 2>/dev/null
  # (a comment, not a check: whether the kill landed mid-write is timing)
  echo "# $1: left $(debris "$OUT" | sed 's|.*/||' | tr '\n' ' ')"
  if consistent "$OUT"; then ok "$1: DIR holds one complete set"; else
    notok "$1: DIR holds one complete set" "$(cat "$WORK/why")"; fi
  # the next command (a quick run) removes what the killed one left
  "$TB" "${QUICK[@]}" >/dev/null 2>"$WORK/next.err"
  [[ -z $(debris "$OUT") ]] && ok "$1: no debris after the next run" || notok "$1: no debris after the next run" "$(debris "$OUT")"
}
kill_case "SIGKILL after 0.5 s" KILL 0.5
kill_case "SIGINT after 2 s" INT 2
kill_case "SIGKILL as the new set's folder appears" KILL tmp
kill_case "SIGKILL while charts are drawn" KILL charts
kill_case "SIGINT while charts are drawn" INT charts
# a leftover of a dead writer is removed and named on stderr
mkdir -p "$OUT.tmp.999999999"
"$TB" "${QUICK[@]}" >/dev/null 2>"$WORK/err"
[[ ! -e $OUT.tmp.999999999 ]] && ok "a dead writer's DIR.tmp.PID is removed" || notok "a dead writer's DIR.tmp.PID is removed"
expect_err "removed 1 leftover of interrupted runs" "the removal is said on stderr"

# ---- gnuplot fails: no log in the set, the log kept beside it, named -------
printf '#!/bin/sh\necho "line 1: bad script" >&2\nexit 1\n' >"$WORK/badgp"
chmod +x "$WORK/badgp"
TOKBENCH_GNUPLOT=$WORK/badgp "$TB" "${QUICK[@]}" >/dev/null 2>"$WORK/err"
[[ $? == 0 && ! -e $OUT/charts ]] && ok "a gnuplot failure: the run's set has no charts" || notok "gnuplot failure: no charts in the set" "$(ls "$OUT")"
consistent "$OUT" && ok "a gnuplot failure: the set is complete" || notok "gnuplot failure: set complete" "$(cat "$WORK/why")"
log=$(sed -n "s/.*log is kept in '\([^']*\)'.*/\1/p" "$WORK/err")
[[ -n $log && -s $log ]] && ok "the warning names gnuplot's kept log" || notok "the warning names gnuplot's kept log" "$(cat "$WORK/err")"
expect_exit 3 "plot with a failing gnuplot exits 3" -- env TOKBENCH_GNUPLOT="$WORK/badgp" "$TB" plot "$OUT/results.csv" -o "$WORK/pc"
[[ ! -e $WORK/pc ]] && ok "plot's DIR untouched when gnuplot fails" || notok "plot's DIR untouched"
expect_err "gnuplot's log is kept in '$WORK/pc.tmp." "plot names the kept log"
expect_exit 0 "plot draws its charts" -- "$TB" plot "$OUT/results.csv" -o "$WORK/pc"
[[ -z $(debris "$WORK/pc") ]] && ok "the next plot removed the kept log's folder" || notok "the next plot removed the kept folder" "$(debris "$WORK/pc")"
expect_exit 0 "run after the gnuplot failure" -- "$TB" "${QUICK[@]}"
[[ -z $(debris "$OUT") ]] && ok "the next run removed the kept charts folder" || notok "the next run removed the kept charts folder" "$(debris "$OUT")"

# ---- report -o DIR: REPORT.md and charts/ switched as a set ----------------
touch "$OUT/charts/stale.png" "$OUT/notes.txt"
expect_exit 0 "report rewrites the run folder" -- "$TB" report "$OUT/results.csv"
[[ ! -e $OUT/charts/stale.png && -e $OUT/notes.txt && -s $OUT/manifest.json ]] && ok "report: charts replaced, other files kept" || notok "report: charts replaced, other files kept" "$(ls "$OUT" "$OUT/charts")"
consistent "$OUT" && ok "report: the set is complete" || notok "report: the set is complete" "$(cat "$WORK/why")"

# ---- a folder that is not a tokbench output is refused ---------------------
mkdir -p "$WORK/mine" && echo keep >"$WORK/mine/notes.txt"
expect_exit 3 "run refuses a folder of other files" -- "$TB" run -c udhr --data "$DATA" -t bytes -l en --ngram 0 -q -o "$WORK/mine"
expect_err "will not replace '$WORK/mine'" "the refusal names the folder"
[[ $(cat "$WORK/mine/notes.txt") == keep ]] && ok "the refused folder is untouched" || notok "the refused folder is untouched"
expect_exit 3 "plot refuses it too" -- "$TB" plot "$OUT/results.csv" -o "$WORK/mine"
expect_exit 3 "report refuses it too" -- "$TB" report "$OUT/results.csv" -o "$WORK/mine"
mkdir -p "$WORK/empty"
expect_exit 0 "an empty folder is accepted" -- "$TB" run -c udhr --data "$DATA" -t bytes -l en --ngram 0 -q -o "$WORK/empty"

# ---- a failed run: the previous set to DIR.previous, DIR absent ------------
expect_exit 0 "a good run before the failure" -- "$TB" "${QUICK[@]}"
cp "$OUT/results.csv" "$WORK/base.csv"
"$TB" run -c udhr --data "$DATA" -t cmd:false -l en --ngram 0 -q -o "$OUT" >"$WORK/out" 2>"$WORK/err"
[[ $? != 0 ]] && ok "a run whose tokenizer exits 1 fails" || notok "a run whose tokenizer exits 1 fails"
[[ ! -e $OUT && -s $OUT.previous/results.csv ]] && ok "failed run: DIR absent, previous set in DIR.previous" || notok "failed run: DIR absent, DIR.previous" "$(ls "$WORK")"
expect_err "previous results are now in '$OUT.previous'" "the failure says where the previous set went"
expect_exit 3 "check on DIR/results.csv after a failed run fails" -- "$TB" check --baseline "$WORK/base.csv" "$OUT/results.csv"
expect_err "cannot open" "check says it cannot open the results"
expect_exit 0 "the next good run" -- "$TB" "${QUICK[@]}"
[[ -s $OUT/results.csv && ! -e $OUT.previous ]] && ok "a good run removes DIR.previous" || notok "a good run removes DIR.previous"

# ---- an interrupted corpus import ------------------------------------------
CD=$WORK/data
mkdir -p "$WORK/big" "$CD"
awk 'BEGIN { for (i = 0; i < 300000; i++) { print "id" i > "'"$WORK"'/big/ids.txt";
  print "segment " i " of the big corpus" > "'"$WORK"'/big/en.txt";
  print "сегмент " i " большого корпуса" > "'"$WORK"'/big/ru.txt" } }'
for when in 0 0.3; do
  bg_run corpus import "dir:$WORK/big" --data "$CD" --name big
  wait_for "$CD/big.tmp.$BG" 60 || true
  sleep "$when"
  kill -KILL "$BG" 2>/dev/null
  { wait "$BG"; } 2>/dev/null
  echo "# import killed after ${when}s: left $(ls "$CD" | tr '\n' ' ')"
  [[ ! -e $CD/big || -s $CD/big/MANIFEST ]] && ok "import killed after ${when}s: the corpus is whole or absent" || notok "import killed: whole or absent" "$(ls "$CD/big")"
done
mkdir -p "$CD/other.tmp.999999999"
cp -r tests/fixtures/dir_ok "$WORK/dir_ok"
expect_exit 0 "the next import" -- "$TB" corpus import "dir:$WORK/dir_ok" --data "$CD"
[[ -z $(compgen -G "$CD/*.tmp.*"; compgen -G "$CD/*.old.*") ]] && ok "no import debris after the next import" || notok "no import debris" "$(ls "$CD")"
expect_err "removed" "the import says what it removed"
[[ $(grep -c . <<<"$(grep removed "$WORK/err")") == 1 ]] && ok "in one line" || notok "in one line" "$(cat "$WORK/err")"

# ---- half-written cache files of killed trainers ---------------------------
# a trainer killed before its commit leaves NAME.tmp.PID in the cache folder;
# the next trainer that writes there removes those of dead processes
expect_exit 0 "train bpe:300" -- "$TB" run -c udhr --data "$DATA" -t bpe:300 -t graphemes -l en --ngram 0 --no-timing -q -o "$WORK/cache-run"
CDIR=$(dirname "$(find "$TOKBENCH_CACHE" -name 'bpe-300-*.model' | head -1)")
GDIR=$(dirname "$(find "$TOKBENCH_CACHE" -name 'graphemes*' | head -1)")
if [[ -d $CDIR && -d $GDIR ]]; then
  echo half >"$CDIR/bpe-301-gpt2.model.tmp.999999999"
  echo half >"$GDIR/graphemes.vocab.tmp.999999998"
  expect_exit 0 "train bpe:302 and symbol:50" -- "$TB" run -c udhr --data "$DATA" -t bpe:302 -t symbol:50 -l en --ngram 0 --no-timing -q -o "$WORK/cache-run"
  [[ ! -e $CDIR/bpe-301-gpt2.model.tmp.999999999 ]] && ok "a dead trainer's half-written model is removed" || notok "a dead trainer's half-written model is removed" "$(ls "$CDIR")"
  [[ ! -e $GDIR/graphemes.vocab.tmp.999999998 ]] && ok "a dead writer's half-written vocabulary is removed" || notok "a dead writer's half-written vocabulary is removed" "$(ls "$GDIR")"
  [[ -s $CDIR/bpe-302-gpt2.model ]] && ok "the new model is cached" || notok "the new model is cached" "$(ls "$CDIR")"
else
  notok "cache folders of bpe:300 and graphemes found" "$(find "$TOKBENCH_CACHE" | head)"
fi

finish cli_atomic
