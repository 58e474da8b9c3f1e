#!/usr/bin/env bash
# Sharded runs (run --shard K/N, merge): for N = 1, 2, 3, 7 on udhr and
# libreoffice the shards run under GNU parallel over local slots and the
# merged deterministic rows equal the unsharded run's, byte for byte (the
# model stage, training and timing: tests/cli_shard_model.sh); a
# missing, duplicated or foreign shard is refused and nothing is written; a
# failing shard gives parallel a non-zero exit. TAP-style lines for tests/run.sh.
cd "$(dirname "$0")/.."
. tests/lib.sh

expect_exit 2 "prepare of an unknown suite is a usage error" -- "$TB" prepare --suite nope --data "$DATA"
expect_err "unknown suite 'nope' (known: default, quick, train, atlas)" "prepare names the known suites"
expect_exit 2 "--shard 3/3 is a usage error" -- "$TB" run -c udhr -t bytes --no-timing --ngram 0 --shard 3/3 --data "$DATA" -o "$WORK/x"
expect_err "--shard must be K/N" "--shard 3/3 says what is expected"
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
# a lossy file (WordPiece, lowercasing): its round-trip rows merge from the S lines
SPECS=(-t bytes -t chars -t graphemes -t tiktoken:cl100k_base -t bpe:1000 -t symbol:2k -t symbol-space:all
  -t hf:tests/fixtures/hf_models/wp_bert.json)
for corp in udhr libreoffice; do
  need_corpus "$corp" || continue
  expect_exit 0 "prepare trains bpe:1000, counts graphemes and symbol units on $corp once" -- "$TB" prepare -c "$corp" "${SPECS[@]}" --data "$DATA"
  "$TB" run -c "$corp" "${SPECS[@]}" --no-timing --ngram 0 -q --data "$DATA" -o "$WORK/$corp-full" 2>"$WORK/err" ||
    notok "unsharded run $corp" "$(head -c 400 "$WORK/err")"
  tools/det-rows "$WORK/$corp-full/results.csv" >"$WORK/$corp-full.rows"
  n_loss=$(grep -c ',roundtrip_char_loss,[0-9.]*[1-9]' "$WORK/$corp-full.rows")
  ((n_loss > 0)) && ok "$corp: the lossy WordPiece file has round-trip loss rows above 0 ($n_loss)" ||
    notok "$corp: the lossy WordPiece file has round-trip loss rows above 0"
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
      ok "$corp: merged rows of $N shards == unsharded ($(wc -l <"$WORK/$corp-full.rows") rows, $(grep -c ',symbol' "$WORK/$corp-full.rows") symbol, $(grep -c ',archive,' "$WORK/$corp-full.rows") archive, $n_loss round-trip losses > 0)"
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

# the n-gram stage: each shard counts the raw n-grams of its train segments
# and keeps its test ids; merge sums the counts, estimates once (Kneser-Ney
# after the merge) and scores the test split in corpus order
NG=(-t bytes -t tiktoken:cl100k_base -t bpe:1000)
for corp in udhr libreoffice; do
  need_corpus "$corp" || continue
  "$TB" run -c "$corp" "${NG[@]}" --no-timing --ngram 4 -q --data "$DATA" -o "$WORK/ng-$corp-full" 2>"$WORK/err" ||
    notok "unsharded n-gram run $corp" "$(head -c 400 "$WORK/err")"
  tools/det-rows "$WORK/ng-$corp-full/results.csv" >"$WORK/ng-$corp-full.rows"
  nng=$(grep -c ',ngram_' "$WORK/ng-$corp-full.rows")
  grep -q ',ngram_perplexity_o2,' "$WORK/ng-$corp-full.rows" && grep -q ',ngram_ksr,' "$WORK/ng-$corp-full.rows" &&
    grep -q ',ngram_hit_at_5,' "$WORK/ng-$corp-full.rows" && grep -q ',ngram_bytes_model,' "$WORK/ng-$corp-full.rows" &&
    ok "$corp: the unsharded run has the n-gram rows ($nng)" || notok "$corp: the unsharded run has the n-gram rows"
  # the sanitized tree (several times slower) runs libreoffice at N = 2 only
  NS=(1 2 3 7)
  [[ ${TB_TREE:-opt} == san && $corp == libreoffice ]] && NS=(2)
  for N in "${NS[@]}"; do
    if parallel -j 2 "$TB" run -c "$corp" "${NG[@]}" --no-timing --ngram 4 -q --data "$DATA" \
      --shard {}/$N -o "$WORK/ng-$corp-$N-{}" ::: $(seq 0 $((N - 1))) 2>"$WORK/err"; then
      ok "$corp: $N n-gram shards under GNU parallel"
    else notok "$corp: $N n-gram shards under GNU parallel" "$(head -c 400 "$WORK/err")"; fi
    parts=()
    for ((k = 0; k < N; k++)); do parts+=("$WORK/ng-$corp-$N-$k"); done
    "$TB" merge "${parts[@]}" --data "$DATA" -q -o "$WORK/ng-$corp-$N-merged" 2>"$WORK/err" ||
      notok "$corp: n-gram merge of $N" "$(head -c 400 "$WORK/err")"
    if [[ -s "$WORK/ng-$corp-$N-merged/results.csv" ]] &&
      tools/det-rows "$WORK/ng-$corp-$N-merged/results.csv" | cmp -s - "$WORK/ng-$corp-full.rows"; then
      ok "$corp: merged rows of $N n-gram shards == unsharded ($(wc -l <"$WORK/ng-$corp-full.rows") rows, $nng n-gram)"
    else notok "$corp: merged rows of $N n-gram shards == unsharded" "$(tools/det-rows "$WORK/ng-$corp-$N-merged/results.csv" | diff - "$WORK/ng-$corp-full.rows" | head -4)"; fi
  done
done
P="$WORK/ng-udhr-3"
# a changed count changes the merged rows: they come from the counts
awk -F'\t' -v OFS='\t' '$1 == "g" && $3 ~ / / && !done { $2 = $2 + 5; done = 1 } { print }' "$P-1/partial.tsv" >"$WORK/g.tsv"
"$TB" merge "$P-0" "$WORK/g.tsv" "$P-2" --data "$DATA" -q -o "$WORK/g" 2>"$WORK/err" &&
  ! tools/det-rows "$WORK/g/results.csv" | cmp -s - "$WORK/ng-udhr-full.rows" && ok "the merged n-gram rows come from the shards' counts (one count more, other rows)" ||
  notok "the merged n-gram rows come from the shards' counts" "$(head -c 400 "$WORK/err")"
awk '/^g\t/ && !done { held = $0; done = 1; next } /^g\t/ && held != "" { print; print held; held = ""; next } { print }' "$P-1/partial.tsv" >"$WORK/swap.tsv"
expect_exit 3 "n-gram records out of order are refused" -- "$TB" merge "$P-0" "$WORK/swap.tsv" "$P-2" --data "$DATA" -o "$WORK/bad"
expect_err "swap.tsv':" "the out-of-order record's file is named"
expect_err "n-gram out of order" "the out-of-order record is named"
awk '/^t\t/ && !done { done = 1; next } { print }' "$P-1/partial.tsv" >"$WORK/t.tsv"
expect_exit 3 "a missing test segment is refused" -- "$TB" merge "$P-0" "$WORK/t.tsv" "$P-2" --data "$DATA" -o "$WORK/bad"
expect_err "is in none of the partials" "the missing test segment is named"
awk -F'\t' -v OFS='\t' '$1 == "g" && !done { $3 = "ffffffff"; done = 1 } { print }' "$P-1/partial.tsv" >"$WORK/id.tsv"
expect_exit 3 "an n-gram id outside the vocabulary is refused" -- "$TB" merge "$P-0" "$WORK/id.tsv" "$P-2" --data "$DATA" -o "$WORK/bad"
expect_err "bad n-gram count line" "the bad id's line is named"
sed '1s/.*/tokbench-partial 2/' "$P-2/partial.tsv" >"$WORK/v2.tsv"
expect_exit 3 "a version-2 partial is refused" -- "$TB" merge "$P-0" "$P-1" "$WORK/v2.tsv" --data "$DATA" -o "$WORK/bad"
expect_err "format version '2'; this tokbench reads version 3" "the version 2 is named"
[[ ! -e "$WORK/bad" ]] && ok "a refused n-gram merge writes nothing" || notok "a refused n-gram merge writes nothing"

# the n-gram stage with timing: each shard's G line carries its counting
# seconds; the merge's ngram_s_build is their sum plus its estimation, its
# us_query and ms_suggest its own scoring; the deterministic rows stay equal
keys() { cut -d, -f1-5 "$1" | LC_ALL=C sort; }
if need_corpus udhr; then
  "$TB" run -c udhr -t bytes -t bpe:1000 --ngram 3 --model none -q --data "$DATA" -o "$WORK/ngt-full" 2>"$WORK/err" ||
    notok "unsharded timed n-gram run" "$(head -c 400 "$WORK/err")"
  if parallel -j 2 "$TB" run -c udhr -t bytes -t bpe:1000 --ngram 3 --model none -q --data "$DATA" \
    --shard {}/2 -o "$WORK/ngt-{}" ::: 0 1 2>"$WORK/err"; then
    ok "2 timed n-gram shards"
  else notok "2 timed n-gram shards" "$(head -c 400 "$WORK/err")"; fi
  check "a timed shard's n-gram line carries its counting seconds" \
    awk -F'\t' '$1 == "G" && NF == 4 && $4 + 0 >= 0 { f = 1 } END { exit !f }' "$WORK/ngt-0/partial.tsv"
  expect_exit 0 "merge of 2 timed n-gram shards" -- "$TB" merge "$WORK/ngt-0" "$WORK/ngt-1" --data "$DATA" -q -o "$WORK/ngt-merged"
  if tools/det-rows "$WORK/ngt-merged/results.csv" | cmp -s - <(tools/det-rows "$WORK/ngt-full/results.csv"); then
    ok "timed: merged deterministic rows == unsharded"
  else notok "timed: merged deterministic rows == unsharded" "$(tools/det-rows "$WORK/ngt-merged/results.csv" | diff - <(tools/det-rows "$WORK/ngt-full/results.csv") | head -4)"; fi
  if cmp -s <(keys "$WORK/ngt-merged/results.csv") <(keys "$WORK/ngt-full/results.csv"); then
    ok "timed: the merged run has the unsharded run's rows, timing rows included"
  else notok "timed: the same rows" "$(diff <(keys "$WORK/ngt-merged/results.csv") <(keys "$WORK/ngt-full/results.csv") | head -4)"; fi
  check "timed: the merged n-gram timing rows are there" grep -q ',ngram_s_build,' "$WORK/ngt-merged/results.csv"
  awk -F'\t' -v OFS='\t' '$1 == "G" { NF = 3 } { print }' "$WORK/ngt-1/partial.tsv" >"$WORK/untimed.tsv"
  expect_exit 3 "a timed n-gram section beside an untimed one is refused" -- "$TB" merge "$WORK/ngt-0" "$WORK/untimed.tsv" --data "$DATA" -o "$WORK/bad"
  expect_err "the shards of one run time alike" "the mixed timing is named"
  awk -F'\t' -v OFS='\t' '$1 == "G" { $4 = "-1" } { print }' "$WORK/ngt-1/partial.tsv" >"$WORK/negt.tsv"
  expect_exit 3 "negative counting seconds are refused" -- "$TB" merge "$WORK/ngt-0" "$WORK/negt.tsv" --data "$DATA" -o "$WORK/bad"
  expect_err "bad n-gram line" "the bad n-gram line is named"
fi

# a failing shard (a corpus that does not exist) fails parallel
parallel -j 2 "$TB" run -c no-such-corpus -t bytes --no-timing --ngram 0 -q --data "$DATA" \
  --shard {}/2 -o "$WORK/fail-{}" ::: 0 1 >/dev/null 2>&1
rc=$?
[[ $rc -ne 0 ]] && ok "a failing shard gives parallel a non-zero exit ($rc)" || notok "a failing shard gives parallel a non-zero exit"
[[ ! -e "$WORK/fail-0/partial.tsv" ]] && ok "a failed shard leaves no partial" || notok "a failed shard leaves no partial"

finish cli_shard
