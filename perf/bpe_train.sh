#!/usr/bin/env bash
# perf/bpe_train.sh - BPE training speed and memory: tokbench
# train-bpe vs SentencePiece (Debian `spm_train --model_type=bpe`) on the
# same text, side by side in one run, per libreoffice language, for 16k and
# 32k vocabularies. Prints wall seconds and peak RSS (GNU time) of both and
# the ratio tokbench/spm; the bar (issue 3) is a wall-time ratio <= 0.25 in
# every language. Exit 0 when every row meets it, 1 when one misses, 2 when
# something could not run.
#
# Same text: the train split of corpora/data/<corpus>/<lang>.txt (segments
# whose FNV-1a-64(id) % 10 != 0, DESIGN.md "Split"), one segment per line,
# written to a scratch file that both programs read (tokbench --input).
# Settings chosen to make the runs comparable:
#   tokbench: --pretok gpt2 (its default; one thread, always)
#   spm_train: --model_type=bpe --num_threads=1 --character_coverage=1.0
#     (no character is dropped, like byte-level BPE) --input_sentence_size=
#     100000000 and --max_sentence_length=1000000 (no sampling, no line
#     skipped) --hard_vocab_limit=false (stop early like tokbench when the
#     text has fewer merges) --byte_fallback=false.
# Neither reaches every requested size on small languages: each prints the
# vocabulary it reached (spm: lines of its .vocab file).
#
# Usage: perf/bpe_train.sh [CORPUS [LANG...]]   (default libreoffice en ru zh)
# Env: TOKBENCH (binary, default build/opt/tokbench), TOKBENCH_DATA, VOCABS
# (default "16000 32000"), REPS (tokbench runs per cell, median reported;
# default 3), SPM_REPS (spm_train runs per cell; default 1: a zh 32k run takes
# ~20 s on the shared 2-core box).
set -u
cd "$(dirname "$0")/.."
TB=${TOKBENCH:-build/opt/tokbench}
DATA=${TOKBENCH_DATA:-corpora/data}
CORPUS=${1:-libreoffice}
shift || true
LANGS=${*:-en ru zh}
VOCABS=${VOCABS:-16000 32000}
REPS=${REPS:-3}
SPM_REPS=${SPM_REPS:-1}
TIME=/usr/bin/time

die() { echo "bench_bpe_train: $*" >&2; exit 2; }
[[ -x $TB ]] || die "no tokbench binary at $TB (run make)"
command -v spm_train >/dev/null || die "spm_train missing (apt-get install sentencepiece)"
[[ -x $TIME ]] || die "/usr/bin/time missing (apt-get install time)"
command -v python3 >/dev/null || die "python3 missing (apt-get install python3)"
[[ -f $DATA/$CORPUS/ids.txt ]] || die "no corpus at $DATA/$CORPUS (tokbench corpus fetch $CORPUS)"

W=$(mktemp -d /tmp/bpetrain-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

# The train split, one file per language.
python3 - "$DATA/$CORPUS" "$W" $LANGS <<'EOF' || die "could not extract the train split"
import sys
d, w, langs = sys.argv[1], sys.argv[2], sys.argv[3:]
ids = open(d + "/ids.txt", "rb").read().split(b"\n")
def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
train = [fnv(i) % 10 != 0 for i in ids]
for l in langs:
    lines = open(f"{d}/{l}.txt", "rb").read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    with open(f"{w}/{l}.txt", "wb") as f:
        for s, t in zip(lines, train):
            if t:
                f.write(s + b"\n")
EOF

# run OUT REPS CMD...: runs CMD REPS times; OUT gets "median_seconds max_rss_kb".
run() {
  local out=$1 REPS=$2; shift 2
  local secs=() rss=0 r
  for ((r = 0; r < REPS; r++)); do
    "$TIME" -f '%e %M' -o "$W/time" "$@" >"$W/log" 2>&1 || { cat "$W/log" >&2; die "failed: $*"; }
    read -r s m <"$W/time"
    secs+=("$s")
    ((m > rss)) && rss=$m
  done
  printf '%s %s\n' "$(printf '%s\n' "${secs[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$rss" >"$out"
}

echo "BPE training: tokbench train-bpe vs spm_train --model_type=bpe, corpus $CORPUS train split,"
echo "one thread each, median of $REPS tokbench / $SPM_REPS spm runs, machine: $(nproc) cores, $(uname -m)"
printf '%-5s %7s | %9s %8s %7s | %9s %8s %7s | %7s %7s\n' lang vocab tb_s tb_MB tb_V spm_s spm_MB spm_V time_x rss_x
missed=0
for l in $LANGS; do
  for v in $VOCABS; do
    run "$W/tb" "$REPS" "$TB" train-bpe --input "$W/$l.txt" --vocab "$v" --pretok gpt2 -o "$W/tb.model"
    tbv=$(sed -n 3p "$W/tb.model" | cut -d' ' -f2)
    run "$W/spm" "$SPM_REPS" spm_train --input="$W/$l.txt" --model_prefix="$W/spm" --model_type=bpe \
      --vocab_size="$v" --num_threads=1 --character_coverage=1.0 \
      --input_sentence_size=100000000 --max_sentence_length=1000000 \
      --hard_vocab_limit=false --byte_fallback=false --minloglevel=2
    spmv=$(wc -l <"$W/spm.vocab")
    read -r ts tm <"$W/tb"
    read -r ss sm <"$W/spm"
    read -r tx rx ok < <(awk -v a="$ts" -v b="$ss" -v c="$tm" -v d="$sm" 'BEGIN {
      if (b <= 0) b = 0.01; r = a / b; printf "%.3f %.2f %d\n", r, c / d, r <= 0.25 }')
    ((ok)) || missed=1
    printf '%-5s %7s | %9s %8.1f %7s | %9s %8.1f %7s | %7s %7s\n' "$l" "$v" "$ts" \
      "$(awk -v k="$tm" 'BEGIN{print k/1024}')" "$tbv" "$ss" \
      "$(awk -v k="$sm" 'BEGIN{print k/1024}')" "$spmv" "$tx" "$rx"
  done
done
echo "time_x = tokbench wall / spm wall (bar: <= 0.25 in every row); rss_x = peak RSS ratio"
echo "(GNU time resolution is 0.01 s: a tokbench run below that reads as 0.00)"
if ((missed)); then echo "bar: MISSED in at least one row"; exit 1; fi
echo "bar: met in every row"
