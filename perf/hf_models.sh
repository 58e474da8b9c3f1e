#!/usr/bin/env bash
# perf/hf_models.sh - encoding throughput of tokenizer.json Unigram and
# WordPiece files (tokenizers/unigram.c, wordpiece.c), tokbench vs npm
# @anush008/tokenizers (HF tokenizers' Rust core), one thread, side by side
# in one run on the same input, ids checked identical: perf/bpe.sh's method
# and table, on two files made here as the parity tests make them:
#   uni.json  Debian spm_train Unigram (8,000 pieces, nmt_nfkc, byte
#             fallback) on the libreoffice text of en, ru and zh together,
#             turned into tokenizer.json by tests/parity/spm2json.mjs
#             (Precompiled charsmap, Metaspace, decoder ByteFallback+Metaspace);
#   wp.json   the same pieces as a BERT-style WordPiece file
#             (tests/parity/wp_json.mjs: BertNormalizer with lowercasing,
#             BertPreTokenizer, ## continuations).
# Every segment of libreoffice (each language), each line encoded alone.
# Bar and exit status: perf/bpe.sh's (BENCH_BAR, default 5x the peer's MB/s
# in every row; exit 1 when ids differ or a row misses it).
#   usage: perf/hf_models.sh
set -u
cd "$(dirname "$0")/.."
DATA=${TOKBENCH_DATA:-corpora/data}
command -v spm_train >/dev/null || { echo "hf_models: spm_train missing (make deps)" >&2; exit 2; }
[[ -f $DATA/libreoffice/en.txt ]] || { echo "hf_models: corpus libreoffice missing (tokbench corpus fetch libreoffice)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/bench_hf_models.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cat "$DATA/libreoffice/en.txt" "$DATA/libreoffice/ru.txt" "$DATA/libreoffice/zh.txt" >"$WORK/train.txt"
spm_train --input="$WORK/train.txt" --model_prefix="$WORK/m" --vocab_size=8000 \
  --model_type=unigram --byte_fallback=true --num_threads=1 >"$WORK/train.log" 2>&1 ||
  { tail -5 "$WORK/train.log"; exit 1; }
node tests/parity/spm2json.mjs "$WORK/m.model" "$WORK/uni.json" || exit 1
node tests/parity/wp_json.mjs "$WORK/m.vocab" "$WORK/wp.json" || exit 1
echo "# hf_models: Unigram and WordPiece tokenizer.json from spm_train on libreoffice en+ru+zh (8,000 pieces)"
perf/bpe.sh -c libreoffice "hf:$WORK/uni.json" "hf:$WORK/wp.json"
