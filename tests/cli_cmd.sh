#!/usr/bin/env bash
# The cmd: spec: an external tokenizer program measured like any scheme, and
# every way such a program can misbehave reported, never trusted.
cd "$(dirname "$0")/.."
. tests/lib.sh
need_corpus udhr
TOY="$ROOT/tests/fixtures/cmd/wordlen.sh"

expect_exit 0 "tokenize -t cmd: with a toy script" -- "$TB" tokenize -t "cmd:$TOY" tests/fixtures/cli/lines.txt
[[ "$(head -1 "$WORK/out")" == "3 5 5 3 5 4 3 4 4" ]] && ok "toy ids pass through unchanged" || notok "toy ids" "$(head -1 "$WORK/out")"
expect_exit 0 "run -t cmd: on udhr" -- "$TB" run -c udhr --data "$DATA" -t "cmd:$TOY" -t bytes --no-timing -q -o "$WORK/r"
R=$WORK/r/results.csv
want=$(awk '{ n += NF } END { print n }' "$DATA/udhr/en.txt")
got=$(value "$R" udhr all en "cmd:$TOY" tokens)
[[ "$got" == "$want" ]] && ok "cmd: token count equals the program's output ($want)" || notok "cmd: token count" "got $got want $want"
[[ -z "$(value "$R" udhr all en "cmd:$TOY" continued_words)" ]] && ok "no continued_words without offsets" || notok "continued_words must be absent"
[[ -n "$(value "$R" udhr all ru "cmd:$TOY" parity)" ]] && ok "parity is reported for cmd:" || notok "parity for cmd:"

# the CI recipe of the README: run, then check against a baseline
"$TB" check -b "$WORK/base.csv" --update "$R" >/dev/null
expect_exit 0 "check passes against its own baseline" -- "$TB" check -b "$WORK/base.csv" "$R"
sed 's/^\(udhr,all,en,[^,]*wordlen[^,]*,tokens,\)\([0-9]*\)/\1999999/' "$R" >"$WORK/worse.csv"
expect_exit 1 "check fails when the external tokenizer needs more tokens" -- "$TB" check -b "$WORK/base.csv" "$WORK/worse.csv"

# misbehaving programs
expect_exit 3 "a program that exits non-zero" -- "$TB" run -c udhr --data "$DATA" -t 'cmd:echo oops >&2; exit 7' -q -o "$WORK/x1"
expect_err "exited with status 7; stderr: oops" "non-zero exit is reported with its stderr"
expect_exit 3 "a program that crashes" -- "$TB" run -c udhr --data "$DATA" -t 'cmd:kill -SEGV $$' -q -o "$WORK/x2"
expect_err "crashed (signal 11" "a crash is reported with its signal"
expect_exit 3 "a program that prints too few lines" -- "$TB" run -c udhr --data "$DATA" -t 'cmd:head -n 3 | sed s/.*/1/' -q -o "$WORK/x3"
expect_err "printed 3 lines for 90 input lines" "wrong line count is reported"
expect_exit 3 "a program that prints garbage" -- "$TB" run -c udhr --data "$DATA" -t 'cmd:cat' -q -o "$WORK/x4"
expect_err "output line 1: byte 1: expected a token id" "non-numeric output is reported with line and byte"
[[ ! -e "$WORK/x4/results.csv" ]] && ok "no results after a failing program" || notok "no results after a failing program"
expect_exit 3 "an empty command" -- "$TB" tokenize -t 'cmd:' tests/fixtures/cli/lines.txt
expect_exit 3 "cmd: cannot detokenize" -- "$TB" detokenize -t "cmd:$TOY" tests/fixtures/cli/lines.txt

# a real external tokenizer: SentencePiece's spm_encode, when installed
if command -v spm_train >/dev/null && command -v spm_encode >/dev/null; then
  spm_train --input="$DATA/udhr/en.txt" --model_prefix="$WORK/spm" --vocab_size=300 \
    --model_type=bpe --character_coverage=1.0 --minloglevel=2 >/dev/null 2>&1
  check "spm_train made a model" test -f "$WORK/spm.model"
  expect_exit 0 "run -t cmd:spm_encode" -- "$TB" run -c udhr --data "$DATA" -l en \
    -t "cmd:spm_encode --model=$WORK/spm.model --output_format=id" --no-timing -q -o "$WORK/spm"
  want=$(spm_encode --model="$WORK/spm.model" --output_format=id <"$DATA/udhr/en.txt" | awk '{ n += NF } END { print n }')
  got=$(value "$WORK/spm/results.csv" udhr all en "cmd:spm_encode --model=$WORK/spm.model --output_format=id" tokens)
  [[ -n "$got" && "$got" == "$want" ]] && ok "spm_encode token count matches ($want)" || notok "spm_encode token count" "got $got want $want"
else
  ok "# SKIP spm_encode not installed"
fi

finish cli_cmd
