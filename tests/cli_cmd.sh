#!/usr/bin/env bash
# The cmd: spec: an external tokenizer program measured like any scheme, and
# every way such a program can misbehave reported, never trusted: with the
# language named, a time limit, and nothing left running after a timeout or
# a SIGTERM to tokbench.
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

# cmd:NAME=COMMAND names the tokenizer: rows under cmd:NAME, whatever path
# reaches the program, so a baseline does not depend on where CI keeps it
expect_exit 0 "run -t cmd:NAME=COMMAND" -- "$TB" run -c udhr --data "$DATA" -t "cmd:wordlen=$TOY" --no-timing -q -o "$WORK/n1"
[[ "$(value "$WORK/n1/results.csv" udhr all en cmd:wordlen tokens)" == "$want" ]] && ok "a named cmd: has its rows under cmd:NAME" || notok "rows under cmd:wordlen" "$(cut -d, -f4 "$WORK/n1/results.csv" | sort -u | head -3)"
! grep -q "wordlen.sh" "$WORK/n1/results.csv" && ok "the command is in no row of a named cmd:" || notok "the command leaks into rows"
grep -qF "\"cmd:wordlen=$TOY\"" "$WORK/n1/manifest.json" && ok "the manifest records the whole spec with its command" || notok "manifest lacks the command" "$(grep -n cmd "$WORK/n1/manifest.json" | head -3)"
expect_exit 0 "the same name by a relative path" -- "$TB" run -c udhr --data "$DATA" -t "cmd:wordlen=tests/fixtures/cmd/../cmd/wordlen.sh" --no-timing -q -o "$WORK/n2"
tools/det-rows "$WORK/n1/results.csv" >"$WORK/n1.rows"
tools/det-rows "$WORK/n2/results.csv" >"$WORK/n2.rows"
[[ -s "$WORK/n1.rows" ]] && cmp -s "$WORK/n1.rows" "$WORK/n2.rows" && ok "two paths, one name: byte-identical rows" || notok "rows differ between two paths of one name" "$(diff "$WORK/n1.rows" "$WORK/n2.rows" | head -3)"
"$TB" check -b "$WORK/nbase.csv" --update "$WORK/n1/results.csv" >/dev/null
expect_exit 0 "check passes across the two paths of one name" -- "$TB" check -b "$WORK/nbase.csv" "$WORK/n2/results.csv"
expect_exit 2 "two specs with one name are refused" -- "$TB" run -c udhr --data "$DATA" -t "cmd:wordlen=$TOY" -t "cmd:wordlen=tests/fixtures/cmd/wordlen.sh" -q -o "$WORK/n3"
expect_err "have one name 'cmd:wordlen'" "the refusal names the shared name"
expect_exit 3 "a name without a command" -- "$TB" tokenize -t 'cmd:wordlen=' tests/fixtures/cli/lines.txt
expect_err "names a tokenizer but gives no command" "a name without a command is said so"
expect_exit 3 "a named program that fails" -- "$TB" run -c udhr --data "$DATA" -t 'cmd:bad=exit 7' -q -o "$WORK/n4"
expect_err "cmd:bad ('exit 7'): language 'en': exited with status 7" "a named failure gives name, command and language"

# a command that starts with an environment assignment stays a command: an
# upper-case NAME= is never a name; cmd:= and env are the ways for any other
CONST="$ROOT/tests/fixtures/cmd/constid.sh"
expect_exit 0 "cmd:VAR=VALUE COMMAND is a command" -- "$TB" tokenize -t "cmd:CONST_ID=7 $CONST" tests/fixtures/cli/lines.txt
[[ "$(head -1 "$WORK/out")" == "7 7 7 7 7 7 7 7 7" ]] && ok "the assignment reaches the program" || notok "CONST_ID=7" "$(head -1 "$WORK/out")"
expect_exit 0 "cmd:=var=value COMMAND is a command" -- "$TB" tokenize -t "cmd:=const_id=8 $CONST" tests/fixtures/cli/lines.txt
[[ "$(head -1 "$WORK/out")" == "8 8 8 8 8 8 8 8 8" ]] && ok "cmd:= passes the rest to the shell" || notok "cmd:=const_id=8" "$(head -1 "$WORK/out")"
expect_exit 0 "cmd:env var=value COMMAND is a command" -- "$TB" tokenize -t "cmd:env const_id=9 $CONST" tests/fixtures/cli/lines.txt
[[ "$(head -1 "$WORK/out")" == "9 9 9 9 9 9 9 9 9" ]] && ok "cmd:env passes the assignment" || notok "cmd:env const_id=9" "$(head -1 "$WORK/out")"
expect_exit 3 "a lower-case var=value at the start is a name" -- "$TB" tokenize -t "cmd:const_id=8 $CONST" tests/fixtures/cli/lines.txt
expect_err "cmd:const_id ('8 $CONST'): exited with status 127" "the name and the rest as its command are quoted"
expect_err "is written cmd:=var=value ... or cmd:env var=value" "and the two ways to write the command are given"
expect_exit 0 "run -t cmd:VAR=VALUE COMMAND" -- "$TB" run -c udhr --data "$DATA" -l en -t "cmd:CONST_ID=7 $CONST" --no-timing -q -o "$WORK/e1"
[[ -n "$(value "$WORK/e1/results.csv" udhr all en "cmd:CONST_ID=7 $CONST" tokens)" ]] && ok "its rows carry the whole spec" || notok "rows of cmd:CONST_ID=7" "$(cut -d, -f4 "$WORK/e1/results.csv" | sort -u | head -3)"
[[ "$(value "$WORK/e1/results.csv" udhr all en "cmd:CONST_ID=7 $CONST" vocab_size)" == 8 ]] && ok "and its ids are the assignment's (vocab_size 8)" || notok "vocab_size of cmd:CONST_ID=7"

# the program is told the language and the corpus
export TOKBENCH_TEST_ENVLOG="$WORK/env.log"
ENVTOK="$ROOT/tests/fixtures/cmd/envlog.sh"
: >"$TOKBENCH_TEST_ENVLOG"
expect_exit 0 "run -t cmd: with a program that logs its environment" -- "$TB" run -c udhr --data "$DATA" -t "cmd:envlog=$ENVTOK" --no-timing -q -o "$WORK/v1"
langs=$(ls "$DATA/udhr" | grep -vx ids.txt | sed -n 's/^\([a-z][a-z-]*\)\.txt$/lang=\1 corpus=udhr/p' | sort)
[[ -n "$langs" && "$(sort "$TOKBENCH_TEST_ENVLOG")" == "$langs" ]] && ok "TOKBENCH_LANG and TOKBENCH_CORPUS: one run per language" || notok "the program's environment" "got: $(sort "$TOKBENCH_TEST_ENVLOG" | paste -sd' ')" "want: $(paste -sd' ' <<<"$langs")"
: >"$TOKBENCH_TEST_ENVLOG"
expect_exit 0 "tokenize -l ru -t cmd:" -- "$TB" tokenize -l ru -t "cmd:$ENVTOK" tests/fixtures/cli/lines.txt
[[ "$(sort -u "$TOKBENCH_TEST_ENVLOG")" == "lang=ru corpus=-" ]] && ok "tokenize -l sets TOKBENCH_LANG without a corpus" || notok "tokenize -l ru" "$(sort -u "$TOKBENCH_TEST_ENVLOG")"
: >"$TOKBENCH_TEST_ENVLOG"
expect_exit 0 "tokenize -c udhr -l zh -t cmd:" -- "$TB" tokenize -c udhr --data "$DATA" -l zh -t "cmd:$ENVTOK" tests/fixtures/cli/lines.txt
[[ "$(head -1 "$TOKBENCH_TEST_ENVLOG")" == "lang=zh corpus=udhr" ]] && ok "tokenize -c -l sets both" || notok "tokenize -c udhr -l zh" "$(head -1 "$TOKBENCH_TEST_ENVLOG")"
unset TOKBENCH_TEST_ENVLOG

# misbehaving programs
expect_exit 3 "a program that exits non-zero" -- "$TB" run -c udhr --data "$DATA" -t 'cmd:echo oops >&2; exit 7' -q -o "$WORK/x1"
expect_err "cmd 'echo oops >&2; exit 7': language 'en': exited with status 7; stderr: oops" "non-zero exit is reported with the language and its stderr"
expect_exit 3 "a program that fails on one language" -- "$TB" run -c udhr --data "$DATA" -t "cmd:awk '/я/ { exit 5 } { print 1 }'" -q -o "$WORK/x1"
expect_err "language 'ru': exited with status 5" "the failing language is named"
expect_exit 3 "a program that crashes" -- "$TB" run -c udhr --data "$DATA" -t 'cmd:kill -SEGV $$' -q -o "$WORK/x2"
expect_err "language 'en': crashed (signal 11" "a crash is reported with the language and its signal"
expect_exit 3 "a program that prints too few lines" -- "$TB" run -c udhr --data "$DATA" -t 'cmd:head -n 3 | sed s/.*/1/' -q -o "$WORK/x3"
expect_err "language 'en': printed 3 lines for 90 input lines" "wrong line count is reported with the language"
expect_exit 3 "a program that prints garbage" -- "$TB" run -c udhr --data "$DATA" -t 'cmd:cat' -q -o "$WORK/x4"
expect_err "language 'en': output line 1: byte 1: expected a token id" "non-numeric output is reported with the language, line and byte"
[[ ! -e "$WORK/x4/results.csv" ]] && ok "no results after a failing program" || notok "no results after a failing program"
expect_exit 3 "an empty command" -- "$TB" tokenize -t 'cmd:' tests/fixtures/cli/lines.txt
expect_exit 3 "cmd: cannot detokenize" -- "$TB" detokenize -t "cmd:$TOY" tests/fixtures/cli/lines.txt

# a program that hangs: the time limit, and no process left behind. MARK is
# unique to this run (the scratch folder's name); the script and its
# grandchild carry it in their command lines.
MARK="hang-$(basename "$WORK")"
HANG="$WORK/$MARK.sh"
cat >"$HANG" <<'EOS'
#!/bin/sh
sh -c 'sleep 1000; :' "$0-grandchild" &
sleep 1000
EOS
chmod +x "$HANG"
# live PIDS of marked processes (zombies waiting for init to reap them are dead)
marked() { local p; for p in $(pgrep -f "$MARK"); do
  [[ "$(ps -o stat= -p "$p" 2>/dev/null)" == [!Z]* ]] && echo "$p"; done; }
# gone: polls up to 10 s until no marked process lives
gone() { local i; for ((i = 0; i < 100; i++)); do [[ -z "$(marked)" ]] && return 0; sleep 0.1; done; return 1; }
cleanup() { local p; for p in $(pgrep -f "$MARK"); do kill -KILL "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT

t0=$SECONDS
TOKBENCH_CMD_TIMEOUT=2 expect_exit 3 "a hanging program is stopped by TOKBENCH_CMD_TIMEOUT" -- \
  timeout 60 "$TB" run -c udhr --data "$DATA" -l en -t "cmd:$HANG" --no-timing -q -o "$WORK/h1"
((SECONDS - t0 < 30)) && ok "the time limit returns within 30 s" || notok "the time limit" "took $((SECONDS - t0)) s"
expect_err "language 'en': no answer within 2 s" "the timeout names the language and the limit"
expect_err "TOKBENCH_CMD_TIMEOUT=SECONDS" "the timeout says how to raise the limit"
gone && ok "no process of a timed-out program is left" || notok "processes left after the timeout" "$(ps -o pid,stat,args -p "$(marked | paste -sd,)")"

# SIGTERM to tokbench while the program runs (no limit) takes its group along
TOKBENCH_CMD_TIMEOUT=0 "$TB" run -c udhr --data "$DATA" -l en -t "cmd:$HANG" --no-timing -q -o "$WORK/h2" 2>"$WORK/err" &
tbpid=$!
for ((i = 0; i < 300; i++)); do [[ $(marked | wc -l) -ge 2 ]] && break; sleep 0.1; done
check "the hanging program and its grandchild started" test "$(marked | wc -l)" -ge 2
kill -TERM "$tbpid"
for ((i = 0; i < 100; i++)); do kill -0 "$tbpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$tbpid" 2>/dev/null; then notok "tokbench ends on SIGTERM"; kill -KILL "$tbpid"; else ok "tokbench ends on SIGTERM"; fi
wait "$tbpid"; st=$?
((st != 0)) && ok "tokbench killed by SIGTERM exits non-zero ($st)" || notok "exit status after SIGTERM" "got $st"
gone && ok "SIGTERM to tokbench kills the program's process group" || notok "processes left after SIGTERM" "$(ps -o pid,stat,args -p "$(marked | paste -sd,)")"

for v in abc -1 1.5 99999999999; do
  TOKBENCH_CMD_TIMEOUT=$v expect_exit 2 "TOKBENCH_CMD_TIMEOUT=$v is a usage error" -- "$TB" tokenize -t "cmd:$TOY" tests/fixtures/cli/lines.txt
done
expect_err "TOKBENCH_CMD_TIMEOUT '99999999999': expected whole seconds" "the bad value and the variable are named"
TOKBENCH_CMD_TIMEOUT=5 expect_exit 0 "a program within its limit runs" -- "$TB" tokenize -t "cmd:$TOY" tests/fixtures/cli/lines.txt

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
