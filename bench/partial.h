/* partial.h - the partial result of a shard (`tokbench run --shard K/N`) and
 * its exact merge (`tokbench merge`), DESIGN.md "Sharded runs".
 *
 * A partial is a text file of tab-separated lines:
 *   tokbench-partial 3                 format and version
 *   shard K N
 *   spec SPEC                          one a tokenizer spec, in run order
 *   C corpus manifest-sha256 n_segments pivot-lang|-     then per corpus:
 *   V tokenizer lang vocab counted has_offsets emit decodes   per (lang, tokenizer):
 *   S seg test bytes chars words tokens continued fallback [rt_exact rt_edits]
 *                                      a segment of the shard (the round trip's
 *                                      fields when the V line's decodes is 1)
 *   H test id count                    id counts of the shard's train (0) / test (1)
 *   D dict_bytes                       a symbol scheme's emitted block: its dictionary
 *   Y seg words oov sym_bytes sym_chars  then one per S line, in its order
 *   E                                  end of the block
 * Version 2 added the D and Y lines (version 1 refused symbol schemes);
 * version 3 the decodes field and the round trip's (roundtrip_* rows).
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
/* Checks the n partials belong together (TB_EINPUT naming the difference,
 * the missing or the duplicated shard) and appends the merged rows to res.
 * A corpus whose blocks hold a symbol scheme also gets the archivers' rows
 * (gzip/xz/zstd of the whole text, not additive): the corpus is opened
 * under data_dir (run_corpus_open) and must have the partials' MANIFEST
 * sha256; data_dir NULL then fails (TB_EUSAGE). */
int partial_merge(partial *const *p, size_t n, const char *data_dir, results *res,
                  tb_error *err);

#endif
