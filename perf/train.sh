#!/usr/bin/env bash
# perf/train.sh - one training step (forward + backward + clipped AdamW) of
# the reference trainer (model/train.h) against PyTorch CPU fp32
# (tests/train/torch_gpt.py, the same model, Debian python3-torch), for
# `make bench`. Both sides run one thread (OPENBLAS_NUM_THREADS=1,
# torch.set_num_threads(1)), on the small preset (d 512, 8 layers, 8 heads,
# tied) at batch x context 4 x 256 with vocabulary 8192 unless told:
#   perf/train.sh [PRESET B T V ROUNDS]     (default small 4 256 8192 3)
# Each side reports the median step of ROUNDS after a warm-up step; the two
# sides alternate twice (C, torch, C, torch) and each keeps its faster
# median, so a burst of load on the shared machine hits both alike. Bars:
#   GEMM GFLOP/s of the trainer's sgemm calls vs raw sgemm on the same
#     shapes, transposes and call counts in the same process: >= 0.80
#   trainer step time / PyTorch step time: <= 1.0
# Exit 1 when a bar is missed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/opt}
BIN=$BUILD/tests/test_train
PY=/usr/bin/python3
preset=${1:-small} B=${2:-4} T=${3:-256} V=${4:-8192} R=${5:-3}
log=$(mktemp /tmp/tokbench-train-bench.XXXXXX)
trap 'rm -f "$log"' EXIT
make --no-print-directory BUILD="$BUILD" "$BIN" >"$log" 2>&1 ||
  { tail -20 "$log"; echo "perf train: building $BIN failed"; exit 1; }
"$PY" -c 'import torch' 2>/dev/null ||
  { echo "perf train: $PY has no torch (Debian python3-torch: make deps)"; exit 1; }
# before the thread variables: nproc reads OMP_NUM_THREADS
machine="$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc --all) CPUs"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
val() { sed -n "s/^$2=//p" <<<"$1"; }
c_best='' p_best=''
for pass in 1 2; do
  c=$("$BIN" --bench "$preset" "$B" "$T" "$V" "$R") || { echo "perf train: $BIN --bench failed"; exit 1; }
  p=$("$PY" tests/train/torch_gpt.py bench "$preset" "$B" "$T" "$V" "$R") ||
    { echo "perf train: torch_gpt.py bench failed"; exit 1; }
  if [[ -z $c_best ]] || awk -v a="$(val "$c" step_ms)" -v b="$(val "$c_best" step_ms)" 'BEGIN { exit !(a < b) }'; then c_best=$c; fi
  if [[ -z $p_best ]] || awk -v a="$(val "$p" step_ms)" -v b="$(val "$p_best" step_ms)" 'BEGIN { exit !(a < b) }'; then p_best=$p; fi
done
c=$c_best p=$p_best
echo "machine: $machine, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "model: preset $preset (d $(val "$c" d_model), $(val "$c" n_layers) layers, $(val "$c" n_heads) heads, tied $(val "$c" tied)), vocab $V, batch $B x context $T, $(val "$c" params) parameters; one thread each; torch $(val "$p" torch_version)"
echo "memory (trainer, MB): weights $(val "$c" mem_weights_mb), grads $(val "$c" mem_grads_mb), adam m+v $(val "$c" mem_adam_mb), activations $(val "$c" mem_activations_mb), backward scratch $(val "$c" mem_scratch_mb), total $(val "$c" mem_total_mb)"
printf '%-10s %10s %10s %10s %10s %14s %14s\n' side step_ms fwd_ms bwd_ms opt_ms fwd_gemm/other bwd_gemm/other
fw=$(awk -v a="$(val "$c" forward_gemm_ms)" -v b="$(val "$c" forward_other_ms)" 'BEGIN { printf "%.1f", a + b }')
bw=$(awk -v a="$(val "$c" backward_gemm_ms)" -v b="$(val "$c" backward_other_ms)" 'BEGIN { printf "%.1f", a + b }')
printf '%-10s %10.1f %10s %10s %10.1f %14s %14s\n' tokbench "$(val "$c" step_ms)" "$fw" "$bw" \
  "$(val "$c" optimizer_other_ms)" \
  "$(printf '%.0f/%.0f' "$(val "$c" forward_gemm_ms)" "$(val "$c" forward_other_ms)")" \
  "$(printf '%.0f/%.0f' "$(val "$c" backward_gemm_ms)" "$(val "$c" backward_other_ms)")"
printf '%-10s %10.1f %10.1f %10.1f %10.1f %14s %14s\n' pytorch "$(val "$p" step_ms)" \
  "$(val "$p" forward_ms)" "$(val "$p" backward_ms)" "$(val "$p" optimizer_ms)" - -
echo "GEMM: $(val "$c" gemm_gflop) GFLOP per step; trainer $(val "$c" gemm_gflops) GFLOP/s in sgemm, raw sgemm on the same shapes $(val "$c" raw_gemm_gflops) GFLOP/s"
status=0
check() { # NAME VALUE OP BAR
  if awk -v v="$2" -v b="$4" -v op="$3" 'BEGIN { exit !(op == ">=" ? v >= b : v <= b) }'; then
    echo "check $1 $2 (bar $3 $4): meets"
  else
    echo "check $1 $2 (bar $3 $4): MISSED"; status=1
  fi
}
check gemm_ratio "$(val "$c" gemm_ratio)" '>=' 0.80
check step_time_vs_pytorch "$(awk -v a="$(val "$c" step_ms)" -v b="$(val "$p" step_ms)" 'BEGIN { printf "%.3f", a / b }')" '<=' 1.0
exit $status
