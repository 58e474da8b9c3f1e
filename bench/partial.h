/* partial.h - the partial result of a shard (`tokbench run --shard K/N`) and
 * its exact merge (`tokbench merge`), DESIGN.md "Sharded runs".
 *
 * A partial is a text file of tab-separated lines:
 *   tokbench-partial 3                 format and version
 *   shard K N
 *   spec SPEC                          one a tokenizer spec, in run order
 *   model / timing / train ...         the model stage, timing, training
 *                                      (bench/partial_model.h)
 *   C corpus manifest-sha256 n_segments pivot-lang|-     then per corpus:
 *   V tokenizer lang vocab counted has_offsets emit decodes   per (lang, tokenizer):
 *   S seg test bytes chars words tokens continued fallback [rt_exact rt_edits]
 *                                      a segment of the shard (the round trip's
 *                                      fields when the V line's decodes is 1)
 *   H test id count                    id counts of the shard's train (0) / test (1)
 *   D dict_bytes                       a symbol scheme's emitted block: its dictionary
 *   Y seg words oov sym_bytes sym_chars  then one per S line, in its order
 *   J owner / R regime split metric value unit   a training job and its rows
 *   T bytes_all s_all bytes_test s_test s_train  the shard's encode timing
 *   M vocab row_ms one_ms              the LM head the shard timed
 *   G order spec [s_count]             the n-gram stage of an emitted block, then
 *   g count w1 .. wk                   its raw counts of the shard's train segments,
 *   t seg ids                          the token ids of its test segments
 *                                      (bench/partial_ngram.h states these lines)
 *   E                                  end of the block
 *   MP, MD, MS, K lines                after a corpus's blocks: the model
 *                                      stage's timing curve, the roofline check
 * Version 2 added the D and Y lines (version 1 refused symbol schemes),
 * version 3 the model, timing, train header lines and the J, R, T, M, MP,
 * MD, MS, K records (read and merged by bench/partial_model.c, whose header
 * defines them), the G, g and t lines (version 2 refused the n-gram stage),
 * and the V line's decodes field with the S lines' round trip (roundtrip_*).
 * The merge checks version, N, the spec list and every corpus line (its
 * MANIFEST sha256) against the first partial, that each shard 0..N-1 is given
 * once and each segment is in exactly one shard, then makes the rows through
 * metrics_stats_emit, the function the unsharded run uses. */
#ifndef PARTIAL_H
#define PARTIAL_H

#include <stddef.h>
#include <stdio.h>

#include "../common/tb.h"
#include "../results/results.h"

#define PARTIAL_VERSION 3
/* The largest vocabulary a partial may declare (16,777,216 ids; the largest
 * production vocabulary has 262,144): the merge holds a dense count per id. */
#define PARTIAL_MAX_VOCAB (1u << 24)

typedef struct partial partial;

/* The header lines (before the corpus blocks) of shard k of n. */
int partial_write_header(FILE *f, size_t k, size_t n, const char *const *specs, size_t n_specs,
                         tb_error *err);
/* Reads path (a file, or a folder holding partial.tsv). Errors name the file
 * and line (TB_EINPUT). */
int partial_read(const char *path, partial **out, tb_error *err);
/* The same from an open stream; name is for the messages. */
int partial_read_stream(FILE *f, const char *name, partial **out, tb_error *err);
void partial_free(partial *p);
size_t partial_n_specs(const partial *p);
const char *partial_spec(const partial *p, size_t i);
size_t partial_n_corpora(const partial *p);
const char *partial_corpus(const partial *p, size_t i);
/* N of the sharding; 1 when its shards timed (a 'timing' line). */
size_t partial_n_shards(const partial *p);
int partial_timed(const partial *p);
/* Checks the n partials belong together (TB_EINPUT naming the difference,
 * the missing or the duplicated shard) and appends the merged rows to res.
 * A corpus whose blocks hold a symbol scheme also gets the archivers' rows
 * (gzip/xz/zstd of the whole text, not additive): the corpus is opened
 * under data_dir (run_corpus_open) and must have the partials' MANIFEST
 * sha256; data_dir NULL then fails (TB_EUSAGE). So does a block with an
 * n-gram section: its rows are made after the spec's token rows from the
 * summed counts (partial_ngram_merge), the tokenizer opened from the spec
 * (trained ones from cache_dir, never trained here). Partials with a model
 * line also get the model and proj_* rows, priced with the profiles file at
 * hardware_path (its sha256 must be the partials'; NULL with one named:
 * TB_EUSAGE); with training the jobs' rows; with timing the timing rows
 * (bench/partial_model.h says how each is made of the shards'). */
int partial_merge(partial *const *p, size_t n, const char *data_dir, const char *cache_dir,
                  const char *hardware_path,
                  results *res, tb_error *err);

#endif
