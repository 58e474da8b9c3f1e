#!/usr/bin/env bash
# `tokbench project`: roofline rows on udhr - hand-checked values, determinism,
# the this-machine check, prices, and bad input (the data file's errors name
# the file and line, exit 3). TAP lines for tests/run.sh.
cd "$(dirname "$0")/.."
. tests/lib.sh

expect_exit 0 "help project" -- "$TB" help project
if ! grep -q "PROJECTIONS, not measurements" "$WORK/out"; then
  notok "project command registered" "'tokbench help project' does not show the command:" \
    "list {&project_cmd, cmd_project} in cli/commands.c"
  finish cli_project
  exit 1
fi
grep -q "no causal discount" "$WORK/out" && ok "help states the FLOPs convention" ||
  notok "help states the FLOPs convention"
need_corpus udhr || { finish cli_project; exit 1; }

# ---- analytic rows (datasheet profiles only): deterministic ------------------
expect_exit 0 "project --no-timing" -- "$TB" project -d "$DATA" -c udhr -t bytes --no-timing \
  --price-per-hour rtx4090=2 -o "$WORK/a.csv"
expect_exit 0 "project --no-timing again" -- "$TB" project -d "$DATA" -c udhr -t bytes \
  --no-timing --price-per-hour rtx4090=2 -o "$WORK/b.csv"
if cmp -s "$WORK/a.csv" "$WORK/b.csv"; then ok "projected rows are identical across runs"; else
  notok "projected rows are identical across runs" "$(diff "$WORK/a.csv" "$WORK/b.csv" | head -4)"; fi
check "table printed, labelled a projection" grep -q "^PROJECTION (roofline, not a measurement)" "$WORK/out"
check "table row llama2-7b rtx4090 ru" grep -qE "^llama2-7b +rtx4090 +ru " "$WORK/out"
v() { value "$WORK/a.csv" udhr test "$1" bytes "$2"; }
# near A B REL: |A - B| <= REL |B|
near() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN{d=a-b; if(d<0)d=-d; m=b<0?-b:b; exit !(a!="" && d<=r*m)}'; }

# decode of llama2-7b on the RTX 4090 at cache 512, fp16, bytes vocabulary (256):
# weights 6,476,271,616 (layers + final norm) + 256*4096 (head) + KV 2*32*512*4096,
# x 2 bytes = 13,223,075,840 bytes / 1008e9 B/s
check "decode ms llama2-7b rtx4090 = bytes / bandwidth" \
  near "$(v en proj_ms_decode_token_llama2-7b_rtx4090)" "$(awk 'BEGIN{printf "%.17g", 13223075840/1008e9*1e3}')" 1e-9
# a 2048-token prompt needs logits at its last position only: layer matmuls
# 2 x 6,476,005,376 x 2048 + attention 4 x 32 x 2048^2 x 4096 + the head once
# 2 x 4096 x 256, at 165.2e12 x 0.5
check "prompt ms llama2-7b rtx4090: logits at the last position" \
  near "$(v en proj_ms_prompt_llama2-7b_rtx4090)" \
  "$(awk 'BEGIN{printf "%.17g", (2*6476005376*2048 + 4*32*2048*2048*4096 + 2*4096*256)/(165.2e12*0.5)*1e3}')" 1e-9
check "vocab_priced row (bytes: 256)" test "$(v en vocab_priced)" = 256
# the 4096-context chunking and the budget: training tokens = test bytes x 1000
bytes_en=$(python3 - "$DATA/udhr" <<'PY'
import sys
d = sys.argv[1]
ids = open(d + "/ids.txt", "rb").read().split(b"\n")
en = open(d + "/en.txt", "rb").read().split(b"\n")
def fnv(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
print(sum(len(t) for i, t in zip(ids, en) if i and fnv(i) % 10 == 0))
PY
)
check "proj_train_tokens = test bytes x 1000" test "$(v en proj_train_tokens)" = "$((bytes_en * 1000))"
# hours = FLOPs / (peak x utilisation 0.4) / 3600; kWh = hours x 450 W; USD = hours x 2
fl=$(v en proj_train_flops_llama2-7b)
h=$(v en proj_train_gpu_hours_llama2-7b_rtx4090)
check "hours = FLOPs / (165.2e12 x 0.4) / 3600" near "$h" "$(awk -v f="$fl" 'BEGIN{printf "%.17g", f/(165.2e12*0.4)/3600}')" 1e-9
check "kWh = hours x 450 W" near "$(v en proj_train_kwh_llama2-7b_rtx4090)" "$(awk -v h="$h" 'BEGIN{printf "%.17g", h*0.45}')" 1e-9
check "USD = hours x 2" near "$(v en proj_train_usd_llama2-7b_rtx4090)" "$(awk -v h="$h" 'BEGIN{printf "%.17g", h*2}')" 1e-9
check "the price applies to rtx4090 only" test -z "$(v en proj_train_usd_llama2-7b_h100-sxm)"
# training FLOPs >= 6 N D with N the matmul parameters (6,607,077,376 - 32000*4096 + 256*4096)
check "train FLOPs >= 6 N D" awk -v f="$fl" -v d="$((bytes_en * 1000))" \
  'BEGIN{n=6607077376-32000*4096+256*4096; exit !(f >= 6*n*d && f < 6*n*d*1.2)}'
# the same content: bytes are one token per UTF-8 byte, so Russian (2-byte Cyrillic) costs more
check "Russian costs more GPU-hours than English" awk -v a="$(v ru proj_train_gpu_hours_qwen2-7b_h100-sxm)" \
  -v b="$(v en proj_train_gpu_hours_qwen2-7b_h100-sxm)" 'BEGIN{exit !(a > b && b > 0)}'
check "parameter rows state the assumptions" test "$(v zh proj_train_utilisation)" = 0.4 -a \
  "$(v zh proj_prefill_eff)" = 0.5 -a "$(v zh proj_decode_cache)" = 512
check "no this-machine rows without timing" test -z "$(grep this-machine "$WORK/a.csv")"
check "units: ms, h, kWh, USD, entries (vocab_priced)" test "$(awk -F, 'NR>1{print $7}' "$WORK/a.csv" | LC_ALL=C sort -u | tr '\n' ' ')" = \
  "FLOPs USD entries h kWh ms parameters ratio tokens "

# options change what they say they change
expect_exit 0 "project --budget 1 --utilisation 0.5 --model-dims 7b --hw a100-sxm-80gb" -- \
  "$TB" project -d "$DATA" -c udhr -t bytes -l en --no-timing --budget 1 --utilisation 0.5 \
  --model-dims 7b --hw a100-sxm-80gb -o "$WORK/c.csv"
check "budget 1: train tokens = test bytes" test "$(value "$WORK/c.csv" udhr test en bytes proj_train_tokens)" = "$bytes_en"
check "only the asked pair" test "$(grep -c proj_ms_decode_token "$WORK/c.csv")" = 1
check "the 7b preset's rows" test -n "$(value "$WORK/c.csv" udhr test en bytes proj_ms_prefill_7b_a100-sxm-80gb)"

# ---- this machine: measured, projected, checked in the same process ----------
expect_exit 0 "project with timing" -- "$TB" project -d "$DATA" -c udhr -t bytes -l en \
  --hw rtx4090 -o "$WORK/t.csv"
t() { value "$WORK/t.csv" udhr test en bytes "$1"; }
check "this machine's sgemm rate" awk -v a="$(t proj_machine_sgemm_gflops)" 'BEGIN{exit !(a > 0)}'
check "small x this-machine prefill row" awk -v a="$(t proj_ms_prefill_small_this-machine)" 'BEGIN{exit !(a > 0)}'
e=$(t proj_err_prefill_small_this-machine)
check "prefill error row (its band: perf/roofline.sh)" awk -v e="$e" 'BEGIN{exit !(e != "" && e + 0 == e && e > -1)}'
check "error = projected / measured - 1" near "$e" \
  "$(awk -v p="$(t proj_check_ms_prefill_projected)" -v m="$(t proj_check_ms_prefill_measured)" 'BEGIN{printf "%.17g", p/m-1}')" 1e-6
check "the check is printed" grep -q "^check (small preset, vocab 8192, same process)" "$WORK/out"
check "no training rows on the measured profile" test -z "$(t proj_train_gpu_hours_small_this-machine)"

# ---- bad input -------------------------------------------------------------------
printf '# bad\nhw\tgpu\t1\tfast\t-\t-\t2\tsource\n' >"$WORK/bad.tsv"
expect_exit 3 "bad data file" -- "$TB" project -d "$DATA" -c udhr -t bytes --no-timing --hardware "$WORK/bad.tsv"
expect_err "hardware file '$WORK/bad.tsv': line 2: hw 'gpu': BW_GBS 'fast'" "the error names file and line"
expect_exit 3 "data file from TOKBENCH_HARDWARE" -- env TOKBENCH_HARDWARE="$WORK/bad.tsv" \
  "$TB" project -d "$DATA" -c udhr -t bytes --no-timing
expect_exit 3 "missing data file" -- "$TB" project -d "$DATA" -c udhr -t bytes --hardware "$WORK/none.tsv"
expect_err "none.tsv" "missing file is named"
expect_exit 2 "unknown --hw" -- "$TB" project -d "$DATA" -c udhr -t bytes --hw tpu-v9
expect_err "unknown hardware profile 'tpu-v9' (known: rtx4090" "unknown profile lists the known ones"
expect_exit 2 "unknown --model-dims" -- "$TB" project -d "$DATA" -c udhr -t bytes --model-dims gpt-9
expect_exit 2 "bad price" -- "$TB" project -d "$DATA" -c udhr -t bytes --price-per-hour cheap
expect_exit 2 "bad budget" -- "$TB" project -d "$DATA" -c udhr -t bytes --budget 0
expect_exit 2 "bad utilisation" -- "$TB" project -d "$DATA" -c udhr -t bytes --utilisation 2
expect_exit 2 "missing -t" -- "$TB" project -d "$DATA" -c udhr
expect_exit 2 "unknown language" -- "$TB" project -d "$DATA" -c udhr -t bytes -l xx --no-timing
expect_exit 3 "unknown tokenizer spec" -- "$TB" project -d "$DATA" -c udhr -t nonsense --no-timing
expect_exit 3 "missing corpus" -- "$TB" project -d "$DATA" -c no_such_corpus -t bytes --no-timing

finish cli_project
