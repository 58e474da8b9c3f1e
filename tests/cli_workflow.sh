#!/usr/bin/env bash
# Runs the CI job of examples/ci/tokenizer-gate.yml step by step on this
# machine, as a tokenizer maintainer's repository would: the workflow file is
# parsed (YAML), each `run:` step is executed with bash -e and the
# workflow's env, with tokbench cloned from this repository's committed HEAD
# instead of the network address. The job must pass for the recorded
# version, pass (listing improvements) for a cheaper tokenizer, and fail with
# a Markdown table in $GITHUB_STEP_SUMMARY for a costlier one.
#
# Steps that only install Debian packages are not run here (CI has no apt
# lock to spare); the test checks instead that what they install is present.
# The clone and build take a minute or two, so this runs in the optimised
# tree only.
cd "$(dirname "$0")/.."
. tests/lib.sh
if [[ $TREE != opt ]]; then finish cli_workflow; exit $?; fi
WF=examples/ci/tokenizer-gate.yml
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3

# the steps as TSV lines: kind (run/uses), name, base64 of the body
if ! "$PY" - "$WF" >"$WORK/steps" 2>"$WORK/err" <<'EOF'
import base64, sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
on = wf.get(True, wf.get("on"))  # YAML 1.1 reads the key `on` as true
assert "pull_request" in on, "the job runs on pull requests"
env = wf.get("env", {})
for k, v in env.items():
    print("env\t%s\t%s" % (k, base64.b64encode(str(v).encode()).decode()))
job = wf["jobs"]["gate"]
assert job.get("container") == "debian:12", "the job runs on Debian 12"
for s in job["steps"]:
    kind = "run" if "run" in s else "uses"
    body = s.get("run", s.get("uses"))
    print("%s\t%s\t%s" % (kind, s["name"], base64.b64encode(body.encode()).decode()))
EOF
then
  notok "the workflow file parses" "$(tail -3 "$WORK/err")"
  finish cli_workflow; exit $?
fi
ok "the workflow file parses as YAML with a Debian 12 job on pull requests"

# The tokenizer's repository: a toy tokenizer (one id per word, its length;
# MODE=cheaper drops every other Russian word's id, MODE=costlier adds one
# id per Russian word) and the checkout.
REPO=$WORK/repo
mkdir -p "$REPO"
cat >"$REPO/tokenize" <<'EOF'
#!/bin/sh
mode=$(cat "$(dirname "$0")/MODE" 2>/dev/null)
exec awk -v lang="$TOKBENCH_LANG" -v mode="$mode" '{
  out = ""
  for (i = 1; i <= NF; i++) {
    if (lang == "ru" && mode == "cheaper" && i % 2 == 0) continue
    out = out (out == "" ? "" : " ") length($i)
    if (lang == "ru" && mode == "costlier") out = out " 0"
  }
  print out }'
EOF
chmod +x "$REPO/tokenize"

export RUNNER_TEMP=$WORK/runner GITHUB_STEP_SUMMARY=$WORK/summary.md
mkdir -p "$RUNNER_TEMP"
while IFS=$'\t' read -r kind name body; do
  [[ $kind == env ]] && export "$name=$(base64 -d <<<"$body")"
done <"$WORK/steps"
# tokbench comes from this repository's committed HEAD, not the network
export TOKBENCH_GIT=$ROOT
TOKBENCH_REF=$(git -C "$ROOT" symbolic-ref --short HEAD 2>/dev/null || echo main)
export TOKBENCH_REF

# run_step NAME: runs the workflow step NAME in the repository; its exit
# status, with stdout and stderr in $WORK/step.out / step.err
run_step() {
  local body
  body=$(awk -F'\t' -v n="$1" '$1 == "run" && $2 == n { print $3 }' "$WORK/steps")
  [[ -n $body ]] || { echo "no step '$1'" >"$WORK/step.err"; return 99; }
  base64 -d <<<"$body" >"$WORK/step.sh"
  (cd "$REPO" && bash -e "$WORK/step.sh") >"$WORK/step.out" 2>"$WORK/step.err"
}
step_ok() {
  if run_step "$1"; then ok "step '$1' passes${2:+ ($2)}"; else
    notok "step '$1' passes${2:+ ($2)}" "$(tail -5 "$WORK/step.err")"; fi
}

# The package step: what it installs is already here.
pk=$(awk -F'\t' '$1 == "run" && $2 == "Install git and make" { print $3 }' "$WORK/steps" | base64 -d)
pkgs=$(grep -oE 'install -y .*' <<<"$pk" | tr ' ' '\n' | grep -vE '^(install|-y|-q|--no-install-recommends)$')
missing=
for p in $pkgs; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+="$p "; done
[[ -n $pkgs && -z $missing ]] && ok "the packages of the install step are present ($(echo $pkgs))" || notok "the packages of the install step are present" "missing: $missing"
grep -q $'^uses\tCheck out the tokenizer\tYWN0aW9ucy9jaGVja291dE' "$WORK/steps" && ok "the tokenizer is checked out with actions/checkout" || notok "the tokenizer is checked out with actions/checkout"

step_ok "Build tokbench" "a clone of $TOKBENCH_REF, make deps, make"
step_ok "Fetch the corpus"
TBC=$RUNNER_TEMP/tokbench/tokbench

# the recorded version: measure, record the baseline as the file says, gate
step_ok "Measure the tokenizer" "recorded version"
grep -q 'tokbench check --baseline tokbench-baseline.csv --update tokbench-out/results.csv' "$WF" && ok "the workflow says how to record the baseline" || notok "the workflow says how to record the baseline"
(cd "$REPO" && "$TBC" check --baseline tokbench-baseline.csv --update tokbench-out/results.csv) >"$WORK/out" 2>&1
[[ -s $REPO/tokbench-baseline.csv ]] && ok "the baseline is recorded" || notok "the baseline is recorded" "$(tail -3 "$WORK/out")"
grep -q ',cmd:mytok,' "$REPO/tokbench-baseline.csv" && ok "rows carry the tokenizer's name cmd:mytok" || notok "rows carry the tokenizer's name cmd:mytok" "$(sed -n 2p "$REPO/tokbench-baseline.csv")"
: >"$GITHUB_STEP_SUMMARY"
step_ok "Gate against the baseline" "unchanged tokenizer"
grep -q 'PASS' "$GITHUB_STEP_SUMMARY" && ok "the summary says PASS" || notok "the summary says PASS" "$(head -5 "$GITHUB_STEP_SUMMARY")"

# a cheaper Russian: passes, listed as an improvement
echo cheaper >"$REPO/MODE"
step_ok "Measure the tokenizer" "cheaper Russian"
: >"$GITHUB_STEP_SUMMARY"
step_ok "Gate against the baseline" "cheaper Russian"
grep -qi 'improved' "$GITHUB_STEP_SUMMARY" && ok "the summary lists the improvement" || notok "the summary lists the improvement" "$(head -10 "$GITHUB_STEP_SUMMARY")"

# a costlier Russian: the job fails, the summary has the table
echo costlier >"$REPO/MODE"
step_ok "Measure the tokenizer" "costlier Russian"
: >"$GITHUB_STEP_SUMMARY"
run_step "Gate against the baseline"
rc=$?
[[ $rc == 1 ]] && ok "the gate fails a costlier Russian (exit 1)" || notok "the gate fails a costlier Russian (exit 1)" "exit $rc" "$(tail -5 "$WORK/step.err")"
grep -q 'FAIL' "$GITHUB_STEP_SUMMARY" && ok "the summary says FAIL" || notok "the summary says FAIL" "$(head -5 "$GITHUB_STEP_SUMMARY")"
grep -qE '^\|.*\| *ru *\|.*tokens' "$GITHUB_STEP_SUMMARY" && ok "the summary's table names Russian tokens" || notok "the summary's table names Russian tokens" "$(head -20 "$GITHUB_STEP_SUMMARY")"
lines=$(grep -c '^|' "$GITHUB_STEP_SUMMARY")
((lines > 0 && lines <= 40)) && ok "the summary's table is short ($lines table lines)" || notok "the summary's table is short" "$lines table lines"
finish cli_workflow
