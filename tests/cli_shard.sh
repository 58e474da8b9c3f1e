#!/usr/bin/env bash
# Sharded runs (run --shard K/N, merge): for N = 1, 2, 3, 7 on udhr and
# libreoffice the shards run under GNU parallel over local slots and the
# merged deterministic rows equal the unsharded run's, byte for byte; so do
# the model stage's and measured training's rows (N = 1, 2, 3), and with
# timing the deterministic rows, the timing rows being per-shard; a
# missing, duplicated or foreign shard is refused and nothing is written; a
# failing shard gives parallel a non-zero exit. TAP-style lines for tests/run.sh.
cd "$(dirname "$0")/.."
. tests/lib.sh

expect_exit 2 "--shard 3/3 is a usage error" -- "$TB" run -c udhr -t bytes --no-timing --ngram 0 --shard 3/3 --data "$DATA" -o "$WORK/x"
expect_err "--shard must be K/N" "--shard 3/3 says what is expected"
expect_exit 2 "--shard with the n-gram stage is refused" -- "$TB" run -c udhr -t bytes --no-timing --ngram 2 --shard 0/2 --data "$DATA" -o "$WORK/x"
expect_err "--ngram 0" "--shard with --ngram names it"
[[ ! -e "$WORK/x" ]] && ok "a refused shard writes nothing" || notok "a refused shard writes nothing"
expect_exit 3 "a shard never trains: bpe:1000 not in the cache fails" -- "$TB" run -c udhr -t bpe:1000 --no-timing --ngram 0 --shard 0/2 --data "$DATA" -o "$WORK/x"
expect_err "run 'tokbench prepare'" "the untrained shard says to run prepare"
[[ ! -e "$WORK/x/partial.tsv" ]] && ! find "$WORK/cache" -name "*.model" 2>/dev/null | grep -q . && ok "the untrained shard wrote no partial and trained nothing" ||
  notok "the untrained shard wrote no partial and trained nothing" "$(ls -R "$WORK/cache" 2>&1 | head -5)"

command -v parallel >/dev/null || { notok "GNU parallel installed" "apt-get install parallel"; finish cli_shard; exit; }
expect_exit 3 "a shard never counts graphemes: not in the cache fails" -- "$TB" run -c udhr -t graphemes --no-timing --ngram 0 --shard 0/2 --data "$DATA" -o "$WORK/x"
expect_err "run 'tokbench prepare'" "the uncounted graphemes shard says to run prepare"
[[ ! -e "$WORK/x/partial.tsv" ]] && ! find "$WORK/cache" -name "graphemes.vocab" 2>/dev/null | grep -q . && ok "the graphemes shard wrote no partial and no vocabulary" ||
  notok "the graphemes shard wrote no partial and no vocabulary" "$(ls -R "$WORK/cache" 2>&1 | head -5)"
for spec in symbol:2k symbol-space:all; do
  expect_exit 3 "a shard never counts $spec: not in the cache fails" -- "$TB" run -c udhr -t "$spec" --no-timing --ngram 0 --shard 0/2 --data "$DATA" -o "$WORK/x"
  expect_err "run 'tokbench prepare'" "the uncounted $spec shard says to run prepare"
  expect_err "tokenizer '$spec'" "the uncounted $spec shard names the scheme"
done
[[ ! -e "$WORK/x/partial.tsv" ]] && ! find "$WORK/cache" -name "*.units" 2>/dev/null | grep -q . && ok "the symbol shards wrote no partial and counted no units" ||
  notok "the symbol shards wrote no partial and counted no units" "$(ls -R "$WORK/cache" 2>&1 | head -5)"
# symbol schemes: their oov and symbol-text rows merge from per-segment sums,
# the archivers' rows (gzip/xz/zstd of the whole text) are made by merge
SPECS=(-t bytes -t chars -t graphemes -t tiktoken:cl100k_base -t bpe:1000 -t symbol:2k -t symbol-space:all)
for corp in udhr libreoffice; do
  need_corpus "$corp" || continue
  expect_exit 0 "prepare trains bpe:1000, counts graphemes and symbol units on $corp once" -- "$TB" prepare -c "$corp" "${SPECS[@]}" --data "$DATA"
  "$TB" run -c "$corp" "${SPECS[@]}" --no-timing --ngram 0 -q --data "$DATA" -o "$WORK/$corp-full" 2>"$WORK/err" ||
    notok "unsharded run $corp" "$(head -c 400 "$WORK/err")"
  tools/det-rows "$WORK/$corp-full/results.csv" >"$WORK/$corp-full.rows"
  for N in 1 2 3 7; do
    if parallel -j 2 "$TB" run -c "$corp" "${SPECS[@]}" --no-timing --ngram 0 -q --data "$DATA" \
      --shard {}/$N -o "$WORK/$corp-$N-{}" ::: $(seq 0 $((N - 1))) 2>"$WORK/err"; then
      ok "$corp: $N shards under GNU parallel"
    else notok "$corp: $N shards under GNU parallel" "$(head -c 400 "$WORK/err")"; fi
    parts=()
    for ((k = 0; k < N; k++)); do parts+=("$WORK/$corp-$N-$k"); done
    "$TB" merge "${parts[@]}" --data "$DATA" -q -o "$WORK/$corp-$N-merged" 2>"$WORK/err" ||
      notok "$corp: merge of $N" "$(head -c 400 "$WORK/err")"
    if [[ -s "$WORK/$corp-$N-merged/results.csv" ]] &&
      tools/det-rows "$WORK/$corp-$N-merged/results.csv" | cmp -s - "$WORK/$corp-full.rows"; then
      ok "$corp: merged rows of $N shards == unsharded ($(wc -l <"$WORK/$corp-full.rows") rows, $(grep -c ',symbol' "$WORK/$corp-full.rows") symbol, $(grep -c ',archive,' "$WORK/$corp-full.rows") archive)"
    else notok "$corp: merged rows of $N shards == unsharded"; fi
    [[ -s "$WORK/$corp-$N-merged/REPORT.md" ]] && ok "$corp: merge of $N writes REPORT.md" ||
      notok "$corp: merge of $N writes REPORT.md"
  done
done

P="$WORK/udhr-3"
expect_exit 3 "a missing shard is refused" -- "$TB" merge "$P-0" "$P-2" --data "$DATA" -o "$WORK/bad"
expect_err "shard 1/3 is missing" "the missing shard is named"
expect_exit 3 "a duplicated shard is refused" -- "$TB" merge "$P-0" "$P-1" "$P-1" "$P-2" --data "$DATA" -o "$WORK/bad"
expect_err "shard 1/3 is given twice" "the duplicated shard is named"
expect_exit 3 "mixed N is refused" -- "$TB" merge "$P-0" "$P-1" "$WORK/udhr-2-1" --data "$DATA" -o "$WORK/bad"
expect_err "one sharding at a time" "mixed N is named"
expect_exit 3 "partials of two corpora's runs are refused" -- "$TB" merge "$P-0" "$P-1" "$WORK/libreoffice-3-2" --data "$DATA" -o "$WORK/bad"
expect_err "corpus 'libreoffice'" "the other corpus is named"
sed 's/^C\tudhr\t[0-9a-f]*/C\tudhr\t0000/' "$P-2/partial.tsv" >"$WORK/other-manifest.tsv"
expect_exit 3 "another MANIFEST is refused" -- "$TB" merge "$P-0" "$P-1" "$WORK/other-manifest.tsv" --data "$DATA" -o "$WORK/bad"
expect_err "MANIFEST sha256 0000 differs" "the MANIFEST difference is named"
sed '1s/.*/tokbench-partial 1/' "$P-2/partial.tsv" >"$WORK/v1.tsv"
expect_exit 3 "another format version is refused" -- "$TB" merge "$P-0" "$P-1" "$WORK/v1.tsv" --data "$DATA" -o "$WORK/bad"
expect_err "format version '1'" "the version is named"
mkdir -p "$WORK/nodata"
expect_exit 3 "a symbol run's merge without its corpus is refused" -- "$TB" merge "$P-0" "$P-1" "$P-2" --data "$WORK/nodata" -o "$WORK/bad"
expect_err "corpus 'udhr': no folder" "the missing corpus is named"
for k in 0 1 2; do sed 's/^C\tudhr\t[0-9a-f]*/C\tudhr\t0000/' "$P-$k/partial.tsv" >"$WORK/m$k.tsv"; done
expect_exit 3 "a symbol run's merge over another version of the corpus is refused" -- "$TB" merge "$WORK"/m{0,1,2}.tsv --data "$DATA" -o "$WORK/bad"
expect_err "the partials' 0000" "the corpus MANIFEST difference is named"
awk -F'\t' -v OFS='\t' '$1 == "Y" && !done { $3 = $3 + 1; done = 1 } { print }' "$P-2/partial.tsv" >"$WORK/y.tsv"
"$TB" merge "$P-0" "$P-1" "$WORK/y.tsv" --data "$DATA" -q -o "$WORK/y" 2>"$WORK/err" &&
  ! tools/det-rows "$WORK/y/results.csv" | cmp -s - "$WORK/udhr-full.rows" && ok "the merged symbol rows come from the partials (one word more, other rows)" ||
  notok "the merged symbol rows come from the partials (one word more, other rows)" "$(head -c 400 "$WORK/err")"
sed '/^spec chars$/d' "$P-2/partial.tsv" >"$WORK/specs.tsv"
expect_exit 3 "another spec list is refused" -- "$TB" merge "$P-0" "$P-1" "$WORK/specs.tsv" --data "$DATA" -o "$WORK/bad"
expect_err "another spec list" "the spec list difference is named"
head -c 3000 "$P-2/partial.tsv" >"$WORK/cut.tsv"
expect_exit 3 "a cut partial is refused" -- "$TB" merge "$P-0" "$P-1" "$WORK/cut.tsv" --data "$DATA" -o "$WORK/bad"
expect_err "cut.tsv" "the cut file is named"
[[ ! -e "$WORK/bad" ]] && ok "a refused merge writes nothing" || notok "a refused merge writes nothing"

# the model stage (analytic rows, proj_* rows; chars is a code-space scheme,
# priced by the distinct ids of every shard) and -l without the pivot
MSPECS=(-t bytes -t chars -t tiktoken:cl100k_base --model small --no-timing --ngram 0)
for corp in udhr libreoffice; do
  need_corpus "$corp" || continue
  "$TB" run -c "$corp" "${MSPECS[@]}" -q --data "$DATA" -o "$WORK/m-$corp-full" 2>"$WORK/err" ||
    notok "unsharded model run $corp" "$(head -c 400 "$WORK/err")"
  for N in 1 2 3; do
    parallel -j 2 "$TB" run -c "$corp" "${MSPECS[@]}" -q --data "$DATA" --shard {}/$N \
      -o "$WORK/m-$corp-$N-{}" ::: $(seq 0 $((N - 1))) 2>"$WORK/err" ||
      notok "$corp: $N model-stage shards" "$(head -c 400 "$WORK/err")"
    "$TB" merge $(for ((k = 0; k < N; k++)); do echo "$WORK/m-$corp-$N-$k"; done) --data "$DATA" -q \
      -o "$WORK/m-$corp-$N" 2>"$WORK/err" || notok "$corp: merge of $N model-stage shards" "$(head -c 400 "$WORK/err")"
    if [[ -s "$WORK/m-$corp-$N/results.csv" ]] && cmp -s "$WORK/m-$corp-full/results.csv" "$WORK/m-$corp-$N/results.csv"; then
      ok "$corp: model stage, $N shards: merged results.csv == unsharded, byte for byte ($(grep -c ',flops_\|,bytes_\|,proj_\|,vocab_priced,' "$WORK/m-$corp-full/results.csv") model and proj rows)"
    else notok "$corp: model stage, $N shards: merged results.csv == unsharded" "$(diff "$WORK/m-$corp-full/results.csv" "$WORK/m-$corp-$N/results.csv" 2>&1 | head -5)"; fi
  done
done
if need_corpus libreoffice; then
  grep -q '^libreoffice,test,zh,chars,vocab_priced,' "$WORK/m-libreoffice-full/results.csv" &&
    ! grep -q '^libreoffice,test,zh,chars,vocab_priced,256,' "$WORK/m-libreoffice-full/results.csv" &&
    ok "libreoffice zh chars prices more than 256 ids (the shards' distinct ids are a union)" ||
    notok "libreoffice zh chars prices more than 256 ids"
  L=(-c libreoffice -l zh "${MSPECS[@]}" -q --data "$DATA")
  "$TB" run "${L[@]}" -o "$WORK/l-full" 2>/dev/null && parallel -j 2 "$TB" run "${L[@]}" --shard {}/2 -o "$WORK/l-{}" ::: 0 1 2>/dev/null &&
    "$TB" merge "$WORK/l-0" "$WORK/l-1" --data "$DATA" -q -o "$WORK/l-m" 2>"$WORK/err" &&
    cmp -s "$WORK/l-full/results.csv" "$WORK/l-m/results.csv" &&
    grep -q '^libreoffice,test,zh,chars,flops_total_vs_en,' "$WORK/l-m/results.csv" &&
    ok "-l zh (the pivot measured, not emitted): merged model rows == unsharded, _vs_en included" ||
    notok "-l zh: merged model rows == unsharded" "$(head -c 400 "$WORK/err")"
  P2=("$WORK/m-libreoffice-2-0" "$WORK/m-libreoffice-2-1")
  sed 's/^model\tsmall\t/model\ttiny\t/' "${P2[1]}/partial.tsv" >"$WORK/otherpreset.tsv"
  expect_exit 3 "partials of another model preset are refused" -- "$TB" merge "${P2[0]}" "$WORK/otherpreset.tsv" --data "$DATA" -o "$WORK/bad"
  expect_err "another model line" "the model line difference is named"
  { cat model/hardware.tsv; echo "# changed"; } >"$WORK/hw.tsv"
  TOKBENCH_HARDWARE="$WORK/hw.tsv" expect_exit 3 "merge with other hardware profiles is refused" -- "$TB" merge "${P2[@]}" --data "$DATA" -o "$WORK/bad"
  expect_err "the profiles the shards ran with" "the profiles difference is named"

  # measured training: a 600-segment libreoffice (the suite trains on the
  # corpus named libreoffice), the default suite's train list at 2e9 FLOPs
  mkdir -p "$WORK/tsrc" "$WORK/tdata"
  for f in en ru zh ids; do head -600 "$DATA/libreoffice/$f.txt" >"$WORK/tsrc/$f.txt"; done
  "$TB" corpus import "dir:$WORK/tsrc" --name libreoffice --data "$WORK/tdata" >/dev/null 2>&1 ||
    notok "import the 600-segment libreoffice"
  T=(--suite default -c libreoffice -t bytes -t chars -t tiktoken:cl100k_base --train-budget 2e9 --model small --no-timing --ngram 0 -q --data "$WORK/tdata")
  "$TB" run "${T[@]}" -j 1 -o "$WORK/t-full" 2>"$WORK/err" || notok "unsharded training run" "$(head -c 400 "$WORK/err")"
  "$TB" run "${T[@]}" -j 1 -o "$WORK/t-again" 2>/dev/null
  nt=$(grep -c ',train_' "$WORK/t-full/results.csv")
  [[ $nt -gt 100 ]] && cmp -s <(grep ',train_' "$WORK/t-full/results.csv") <(grep ',train_' "$WORK/t-again/results.csv") &&
    ok "training rows are deterministic: two unsharded runs, the same $nt train_* rows" ||
    notok "training rows are deterministic" "$nt rows; $(diff <(grep ',train_' "$WORK/t-full/results.csv") <(grep ',train_' "$WORK/t-again/results.csv") | head -4)"
  for N in 1 2 3; do
    parallel -j 2 "$TB" run "${T[@]}" --shard {}/$N -o "$WORK/t-$N-{}" ::: $(seq 0 $((N - 1))) 2>"$WORK/err" ||
      notok "training: $N shards" "$(head -c 400 "$WORK/err")"
    "$TB" merge $(for ((k = 0; k < N; k++)); do echo "$WORK/t-$N-$k"; done) --data "$WORK/tdata" -q -o "$WORK/t-$N" 2>"$WORK/err" ||
      notok "training: merge of $N" "$(head -c 400 "$WORK/err")"
    if [[ -s "$WORK/t-$N/results.csv" ]] && cmp -s "$WORK/t-full/results.csv" "$WORK/t-$N/results.csv"; then
      ok "training and model stage, $N shards: merged results.csv == unsharded, byte for byte ($nt train_* rows, $(cat "$WORK"/t-$N-*/partial.tsv | grep -c '^J') job lines)"
    else notok "training, $N shards: merged results.csv == unsharded" "$(diff "$WORK/t-full/results.csv" "$WORK/t-$N/results.csv" 2>&1 | head -5)"; fi
    cmp -s <(grep -v '^- date:\|^- command:\|^- sharded:' "$WORK/t-full/REPORT.md") <(grep -v '^- date:\|^- command:\|^- sharded:' "$WORK/t-$N/REPORT.md") &&
      ok "training, $N shards: REPORT.md == unsharded (but for date, command, the sharded line)" ||
      notok "training, $N shards: REPORT.md == unsharded" "$(diff "$WORK/t-full/REPORT.md" "$WORK/t-$N/REPORT.md" | head -6)"
  done
  owners=$(cat "$WORK"/t-3-*/partial.tsv | awk -F'\t' '$1 == "J" { print $2 }' | sort -u | wc -l)
  [[ $owners -ge 2 ]] && ok "the training jobs spread over $owners of 3 shards" || notok "the training jobs spread over the shards" "$owners"
  # the owner's rows are the job's rows: take them out, the merge refuses
  J=$(grep -l "$(printf '^R\t')" "$WORK"/t-2-*/partial.tsv | head -1)
  awk -F'\t' '$1 != "R"' "$J" >"$WORK/norows.tsv"
  others=$(ls "$WORK"/t-2-*/partial.tsv | grep -v "^$J\$")
  expect_exit 3 "a training job's owner without its rows is refused" -- "$TB" merge $others "$WORK/norows.tsv" --data "$WORK/tdata" -o "$WORK/bad"
  expect_err "holds none of its rows" "the job without rows is named"
  awk -F'\t' -v OFS='\t' '$1 == "J" { $2 = ($2 + 1) % 2 } { print }' "$J" >"$WORK/owner.tsv"
  expect_exit 3 "R lines in a shard that does not own the job are refused" -- "$TB" merge $others "$WORK/owner.tsv" --data "$WORK/tdata" -o "$WORK/bad"
  expect_err "training" "the foreign rows are named"
  [[ ! -e "$WORK/bad" ]] && ok "the refused model and training merges wrote nothing" || notok "the refused model and training merges wrote nothing"
fi

# timing: each shard measures; the merged deterministic rows equal the
# unsharded run's, the merged run has the same rows (timing rows included),
# and the report says the timings come from the shards
TS=(-c udhr -t bytes -t chars -t tiktoken:cl100k_base --model tiny --ngram 0 -q --data "$DATA")
"$TB" run "${TS[@]}" -o "$WORK/tm-full" 2>/dev/null || notok "unsharded timed run"
parallel -j 2 "$TB" run "${TS[@]}" --shard {}/2 -o "$WORK/tm-{}" ::: 0 1 2>"$WORK/err" || notok "timed shards" "$(head -c 400 "$WORK/err")"
"$TB" merge "$WORK/tm-0" "$WORK/tm-1" --data "$DATA" -q -o "$WORK/tm" 2>"$WORK/err" || notok "merge of timed shards" "$(head -c 400 "$WORK/err")"
if [[ -s "$WORK/tm/results.csv" ]] && tools/det-rows "$WORK/tm/results.csv" | cmp -s - <(tools/det-rows "$WORK/tm-full/results.csv"); then
  ok "timed, 2 shards: deterministic rows == unsharded ($(tools/det-rows "$WORK/tm-full/results.csv" | wc -l) rows)"
else notok "timed, 2 shards: deterministic rows == unsharded"; fi
keys() { cut -d, -f1-5 "$1" | LC_ALL=C sort; }
nms=$(grep -c ',ms_prefill,\|,encode_mb_per_s,\|roofline-check,proj_err' "$WORK/tm/results.csv")
cmp -s <(keys "$WORK/tm/results.csv") <(keys "$WORK/tm-full/results.csv") && [[ $nms -gt 10 ]] &&
  ok "timed, 2 shards: the same rows as unsharded, timing rows included ($nms ms_prefill, encode_mb_per_s, roofline-check rows)" ||
  notok "timed, 2 shards: the same rows as unsharded" "$(diff <(keys "$WORK/tm/results.csv") <(keys "$WORK/tm-full/results.csv") | head -4)"
grep -q '^- sharded: merged from 2 shards; the timing rows are per-shard' "$WORK/tm/REPORT.md" &&
  grep -q '"shards": 2' "$WORK/tm/manifest.json" && ok "the merged REPORT.md and manifest.json say the timings come from 2 shards" ||
  notok "the merged REPORT.md and manifest.json say the timings come from 2 shards"
awk -F'\t' '$1 != "T"' "$WORK/tm-1/partial.tsv" >"$WORK/not.tsv"
expect_exit 3 "a timed shard without its timing lines is refused" -- "$TB" merge "$WORK/tm-0" "$WORK/not.tsv" --data "$DATA" -o "$WORK/bad"
expect_err "without its timing line" "the missing timing line is named"
expect_exit 3 "a timed and an untimed partial are refused" -- "$TB" merge "$WORK/tm-0" "$WORK/m-udhr-2-1" --data "$DATA" -o "$WORK/bad"
expect_err "another" "the difference is named"

# a failing shard (a corpus that does not exist) fails parallel
parallel -j 2 "$TB" run -c no-such-corpus -t bytes --no-timing --ngram 0 -q --data "$DATA" \
  --shard {}/2 -o "$WORK/fail-{}" ::: 0 1 >/dev/null 2>&1
rc=$?
[[ $rc -ne 0 ]] && ok "a failing shard gives parallel a non-zero exit ($rc)" || notok "a failing shard gives parallel a non-zero exit"
[[ ! -e "$WORK/fail-0/partial.tsv" ]] && ok "a failed shard leaves no partial" || notok "a failed shard leaves no partial"

finish cli_shard
