#!/usr/bin/env bash
# Sharded runs of the model stage, measured training and timing rows (run
# --shard K/N, merge; bench/partial_model.h): merged == unsharded for the
# model stage (N = 1, 2, 3 on udhr and libreoffice; chars, a code-space
# scheme, priced by the union of the shards' ids; -l without the pivot), for
# training on a 600-segment libreoffice (the default suite's train list;
# deterministic run to run) and, with timing, for the deterministic rows,
# the timing rows being per-shard measurements that the merged REPORT.md and
# manifest.json say come from the shards; refusals naming what differs.
# TB_TREE=san: N = 2 only, fewer specs. TAP-style lines for tests/run.sh.
cd "$(dirname "$0")/.."
. tests/lib.sh

command -v parallel >/dev/null || { notok "GNU parallel installed" "apt-get install parallel"; finish cli_shard_model; exit; }
if [[ $TREE == opt ]]; then NS=(1 2 3); SP=(-t bytes -t chars -t tiktoken:cl100k_base); else NS=(2); SP=(-t bytes -t chars); fi

# the model stage (analytic rows, proj_* rows; chars is a code-space scheme,
# priced by the distinct ids of every shard) and -l without the pivot
MSPECS=("${SP[@]}" --model small --no-timing --ngram 0)
for corp in udhr libreoffice; do
  need_corpus "$corp" || continue
  [[ $TREE == opt || $corp == udhr ]] || continue
  "$TB" run -c "$corp" "${MSPECS[@]}" -q --data "$DATA" -o "$WORK/m-$corp-full" 2>"$WORK/err" ||
    notok "unsharded model run $corp" "$(head -c 400 "$WORK/err")"
  for N in "${NS[@]}"; do
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
if [[ $TREE == opt ]] && need_corpus libreoffice; then
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
fi
P2=("$WORK/m-udhr-2-0" "$WORK/m-udhr-2-1")
if [[ -e ${P2[1]}/partial.tsv ]]; then
  sed 's/^model\tsmall\t/model\ttiny\t/' "${P2[1]}/partial.tsv" >"$WORK/otherpreset.tsv"
  expect_exit 3 "partials of another model preset are refused" -- "$TB" merge "${P2[0]}" "$WORK/otherpreset.tsv" --data "$DATA" -o "$WORK/bad"
  expect_err "another model line" "the model line difference is named"
  { cat model/hardware.tsv; echo "# changed"; } >"$WORK/hw.tsv"
  TOKBENCH_HARDWARE="$WORK/hw.tsv" expect_exit 3 "merge with other hardware profiles is refused" -- "$TB" merge "${P2[@]}" --data "$DATA" -o "$WORK/bad"
  expect_err "the profiles the shards ran with" "the profiles difference is named"
fi

# measured training: a 600-segment libreoffice (the suite trains on the
# corpus named libreoffice), the default suite's train list at 2e9 FLOPs
if need_corpus libreoffice; then
  mkdir -p "$WORK/tsrc" "$WORK/tdata"
  for f in en ru zh ids; do head -600 "$DATA/libreoffice/$f.txt" >"$WORK/tsrc/$f.txt"; done
  "$TB" corpus import "dir:$WORK/tsrc" --name libreoffice --data "$WORK/tdata" >/dev/null 2>&1 ||
    notok "import the 600-segment libreoffice"
  T=(--suite default -c libreoffice "${SP[@]}" --train-budget 2e9 --model small --no-timing --ngram 0 -q --data "$WORK/tdata")
  "$TB" run "${T[@]}" -j 1 -o "$WORK/t-full" 2>"$WORK/err" || notok "unsharded training run" "$(head -c 400 "$WORK/err")"
  "$TB" run "${T[@]}" -j 1 -o "$WORK/t-again" 2>/dev/null
  nt=$(grep -c ',train_' "$WORK/t-full/results.csv")
  [[ $nt -gt 100 ]] && cmp -s <(grep ',train_' "$WORK/t-full/results.csv") <(grep ',train_' "$WORK/t-again/results.csv") &&
    ok "training rows are deterministic: two unsharded runs, the same $nt train_* rows" ||
    notok "training rows are deterministic" "$nt rows; $(diff <(grep ',train_' "$WORK/t-full/results.csv") <(grep ',train_' "$WORK/t-again/results.csv") | head -4)"
  for N in "${NS[@]}"; do
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
  owners=$(cat "$WORK"/t-${NS[-1]}-*/partial.tsv | awk -F'\t' '$1 == "J" { print $2 }' | sort -u | wc -l)
  [[ $TREE != opt || $owners -ge 2 ]] && ok "the training jobs spread over $owners of ${NS[-1]} shards" || notok "the training jobs spread over the shards" "$owners"
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
TS=(-c udhr "${SP[@]}" --model tiny --ngram 0 -q --data "$DATA")
"$TB" run "${TS[@]}" -o "$WORK/tm-full" 2>/dev/null || notok "unsharded timed run"
parallel -j 2 "$TB" run "${TS[@]}" --shard {}/2 -o "$WORK/tm-{}" ::: 0 1 2>"$WORK/err" || notok "timed shards" "$(head -c 400 "$WORK/err")"
"$TB" merge "$WORK/tm-0" "$WORK/tm-1" --data "$DATA" -q -o "$WORK/tm" 2>"$WORK/err" || notok "merge of timed shards" "$(head -c 400 "$WORK/err")"
if [[ -s "$WORK/tm/results.csv" ]] && tools/det-rows "$WORK/tm/results.csv" | cmp -s - <(tools/det-rows "$WORK/tm-full/results.csv"); then
  ok "timed, 2 shards: deterministic rows == unsharded ($(tools/det-rows "$WORK/tm-full/results.csv" | wc -l) rows)"
else notok "timed, 2 shards: deterministic rows == unsharded"; fi
keys() { cut -d, -f1-5 "$1" | LC_ALL=C sort; }
nms=$(grep -c ',ms_prefill,\|,encode_mb_per_s,\|roofline-check,proj_err' "$WORK/tm/results.csv")
cmp -s <(keys "$WORK/tm/results.csv") <(keys "$WORK/tm-full/results.csv") && [[ $nms -gt 6 ]] &&
  ok "timed, 2 shards: the same rows as unsharded, timing rows included ($nms ms_prefill, encode_mb_per_s, roofline-check rows)" ||
  notok "timed, 2 shards: the same rows as unsharded" "$(diff <(keys "$WORK/tm/results.csv") <(keys "$WORK/tm-full/results.csv") | head -4)"
grep -q '^- sharded: merged from 2 shards; the timing rows are per-shard' "$WORK/tm/REPORT.md" &&
  grep -q '"shards": 2' "$WORK/tm/manifest.json" && ok "the merged REPORT.md and manifest.json say the timings come from 2 shards" ||
  notok "the merged REPORT.md and manifest.json say the timings come from 2 shards"
# encode_mb_per_s of udhr en bytes (each partial's first block): the shards'
# summed bytes over their summed seconds
want=$(awk -F'\t' '$1 == "T" && !seen[FILENAME]++ { b += $2; t += $3 } END { printf "%.10g", b / 1e6 / t }' \
  "$WORK/tm-0/partial.tsv" "$WORK/tm-1/partial.tsv")
got=$(value "$WORK/tm/results.csv" udhr all en bytes encode_mb_per_s)
[[ -n $got && $got == "$want" ]] && ok "encode_mb_per_s = the shards' summed bytes / summed seconds ($got MB/s)" ||
  notok "encode_mb_per_s = the shards' summed bytes / summed seconds" "merged '$got', from the T lines '$want'"
awk -F'\t' '$1 != "T"' "$WORK/tm-1/partial.tsv" >"$WORK/not.tsv"
expect_exit 3 "a timed shard without its timing lines is refused" -- "$TB" merge "$WORK/tm-0" "$WORK/not.tsv" --data "$DATA" -o "$WORK/bad"
expect_err "without its timing line" "the missing timing line is named"
expect_exit 3 "a timed and an untimed partial are refused" -- "$TB" merge "$WORK/tm-0" "$WORK/m-udhr-2-1" --data "$DATA" -o "$WORK/bad"
expect_err "another" "the difference is named"


finish cli_shard_model
