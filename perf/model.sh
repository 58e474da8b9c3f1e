#!/usr/bin/env bash
# perf/model.sh - the reference-transformer benchmark (issue 5), for
# `make bench`. Runs `tokbench model --bench` on the small preset (d 512, 8
# layers, vocabulary 50257 unless --set vocab=N or -t SPEC is passed through)
# and prints, measured side by side in one process:
#   - prefill at n = 512: GEMM GFLOP/s of the model's wall time vs raw
#     OpenBLAS sgemm on the same shapes (bar: ratio >= 0.85)
#   - non-GEMM share of prefill wall time at n = 512 (bar: <= 0.10)
#   - decode step ms vs weight+KV bytes / streaming-read bandwidth (bar: <= 1.5)
#   - the per-component time breakdown of prefill (n = 64..1024) and decode
# Extra arguments go to `tokbench model --bench` (e.g. --threads 2 --repeats 5).
# Exit 0 when the run completed; the bars are reported, not enforced, because
# the machine is shared and noisy.
set -u
cd "$(dirname "$0")/.."
TB=${TOKBENCH:-build/opt/tokbench}
out=$("$TB" model --bench --preset small "$@") || { echo "bench model: tokbench failed"; exit 1; }
printf '%s\n' "$out"
met=$(grep -c '^check .*: meets$' <<<"$out")
all=$(grep -c '^check ' <<<"$out")
echo "bench model: $met of $all bars met (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
