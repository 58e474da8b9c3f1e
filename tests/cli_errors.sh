#!/usr/bin/env bash
# Fault tolerance of inputs and resources (the fault-tolerance issue, items 5
# and 9): a packaged vocabulary that is not the file the lock installs is
# refused naming both hashes; the run manifest records vocabulary hashes; a
# cut rank file says where it ends; unknown names, folders, missing
# baselines and corpora get messages that say what to do; a model that does
# not fit in memory is refused before it is allocated.
cd "$(dirname "$0")/.."
. tests/lib.sh
need_corpus udhr || { finish cli_errors; exit; }
printf 'hello world\n' >"$WORK/in.txt"
RANKS_REL=js-tiktoken/dist/ranks
RANKS=deps/npm/node_modules/$RANKS_REL
jqt() { jq -e "$@" >/dev/null; }
CL_SHA=0e301a9c7f82e2353bc484be0149b2fb8a6db85d516620a34d06e587efe090bd

# ---- a cut packaged rank file under the production name --------------------
# a scratch npm folder: every package a symlink, js-tiktoken rebuilt with
# symlinks to every file but the cut cl100k_base.js
NPM=$WORK/npm
mkdir -p "$NPM/node_modules"
for p in deps/npm/node_modules/*; do   # the glob includes the @scope folders
  [[ $(basename "$p") == js-tiktoken ]] && continue
  ln -sn "$ROOT/$p" "$NPM/node_modules/$(basename "$p")"
done
(cd deps/npm/node_modules && find js-tiktoken -type f ! -path "$RANKS_REL/cl100k_base.js") |
  while read -r f; do
    mkdir -p "$NPM/node_modules/$(dirname "$f")"
    ln -sn "$ROOT/deps/npm/node_modules/$f" "$NPM/node_modules/$f"
  done
RANKS_CUT=$NPM/node_modules/$RANKS_REL/cl100k_base.js
mkdir -p "$(dirname "$RANKS_CUT")"
head -c 500000 "$ROOT/$RANKS/cl100k_base.js" >"$RANKS_CUT"
CUT_SHA=$(sha256sum "$RANKS_CUT" | cut -c1-64)
expect_exit 3 "a cut cl100k_base.js is refused under tiktoken:cl100k_base" -- \
  env TOKBENCH_NPM="$NPM" "$TB" tokenize -t tiktoken:cl100k_base "$WORK/in.txt"
expect_err "$RANKS_CUT" "the refusal names the file"
expect_err "found 500000 bytes, sha256 $CUT_SHA" "the refusal gives the found size and sha256"
expect_err "expected 1090808 bytes, sha256 $CL_SHA" "the refusal gives the expected size and sha256"
expect_err "make deps" "the refusal says how to reinstall"
expect_exit 0 "the other packaged files still load from the scratch folder" -- \
  env TOKBENCH_NPM="$NPM" "$TB" tokenize -t tiktoken:o200k_base "$WORK/in.txt"
expect_exit 3 "a run with the cut file fails too" -- \
  env TOKBENCH_NPM="$NPM" "$TB" run -c udhr --data "$DATA" -l en -t tiktoken:cl100k_base \
  --no-timing -n 0 -q -o "$WORK/cutrun"
expect_err "expected 1090808 bytes" "the run's refusal names the expected size"

# ---- the same cut file given as a user's file: where it really ends ----------
expect_exit 3 "a cut rank file as a path fails" -- \
  "$TB" tokenize -t "tiktoken:cl100k:$RANKS_CUT" "$WORK/in.txt"
expect_err "ends at byte 500000 in the middle of a line" "the error says where the file ends"

# ---- the manifest records vocabulary hashes ---------------------------------
expect_exit 0 "a run with packaged and user vocabularies" -- \
  "$TB" run -c udhr --data "$DATA" -l en -t bytes -t tiktoken:cl100k_base \
  -t "tiktoken:gpt2:$ROOT/$RANKS/gpt2.js" --no-timing -n 0 -q -o "$WORK/run"
M=$WORK/run/manifest.json
check "manifest records tiktoken:cl100k_base's sha256, checked" \
  jqt --arg h "$CL_SHA" '.vocabulary_files["tiktoken:cl100k_base"] | .sha256 == $h and .checked and .bytes == 1090808' "$M"
GPT2_SHA=$(sha256sum "$RANKS/gpt2.js" | cut -c1-64)
check "manifest records a user's rank file hash, not checked" \
  jqt --arg h "$GPT2_SHA" --arg k "tiktoken:gpt2:$ROOT/$RANKS/gpt2.js" '.vocabulary_files[$k] | .sha256 == $h and (.checked | not)' "$M"
check "manifest has no vocabulary file for bytes" \
  jqt '.vocabulary_files | has("bytes") | not' "$M"
check "REPORT.md lists the vocabulary hash" grep -q "vocabulary \`tiktoken:cl100k_base\`.*${CL_SHA:0:12}" "$WORK/run/REPORT.md"

# ---- names, folders, baselines, corpora ------------------------------------
expect_exit 3 "hf:nosuch fails" -- "$TB" tokenize -t hf:nosuch "$WORK/in.txt"
expect_err "known: qwen3, llama3, gpt4o, deepseek_v3, gemma3, llama2, gptoss, llama3_1, claude" "hf:nosuch lists the packaged names"
expect_err "a path to a tokenizer.json is also accepted" "hf:nosuch says a path is accepted"
expect_exit 3 "hf:/tmp fails" -- "$TB" tokenize -t hf:/tmp "$WORK/in.txt"
expect_err "hf '/tmp': is a directory" "hf:/tmp says it is a directory"
expect_exit 3 "check with a missing baseline fails" -- \
  "$TB" check --baseline "$WORK/missing.csv" "$WORK/run/results.csv"
expect_err "baseline '$WORK/missing.csv': cannot open: No such file or directory" \
  "the missing baseline is named with the OS error"
expect_err "--update" "the missing baseline message says how to write one"
expect_exit 3 "run -c nosuch fails" -- "$TB" run -c nosuch --data "$DATA" -t bytes -q -o "$WORK/x"
expect_err "fetchable: udhr, udhr-all, libreoffice" "run -c nosuch lists the fetchable corpora"
expect_err "corpus import dir:PATH" "run -c nosuch mentions corpus import dir:"

# ---- a model that does not fit ---------------------------------------------
# pretend 1 GB is available: the refusal must come before any allocation
export TOKBENCH_MEM_AVAILABLE_GB=1
expect_exit 3 "run --model 7b is refused in 1 GB" -- \
  "$TB" run -c udhr --data "$DATA" -l en -t bytes --model 7b -n 0 -q -o "$WORK/m7"
expect_err "needs 30.9 GB" "the refusal names the GB needed"
expect_err "1.0 GB available (TOKBENCH_MEM_AVAILABLE_GB)" "the refusal names the GB available"
expect_exit 3 "model --preset 7b --bench is refused in 1 GB" -- "$TB" model --preset 7b --bench
expect_err "needs 30.9 GB" "model --preset 7b names the GB needed"
expect_exit 0 "the tiny preset still runs in 1 GB" -- "$TB" model --preset tiny --bench -n 64 --repeats 1
unset TOKBENCH_MEM_AVAILABLE_GB
finish cli_errors
