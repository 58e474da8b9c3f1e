/* partial_ngram.h - the n-gram stage of a sharded run (DESIGN.md "Sharded
 * runs"): what a shard writes into its partial for a (spec, language) block
 * with the n-gram stage, and the merge that estimates one model from the
 * shards' summed raw counts and scores the whole test split.
 *
 * The block's n-gram section (after its S, H, D, Y lines, before its E):
 *   G order spec [s_count]       the stage's order N and the block's spec; with
 *                                timing, the seconds the shard took to count
 *                                (%.17g; every shard of a run has it or none)
 *   g count w1 .. wk             one per distinct k-gram (k = 1..N) of the
 *                                shard's train segments ("<s> w1..wn </s>",
 *                                ngram/counts.h; not the unigram <s>): its raw
 *                                count (decimal) and words (space-separated:
 *                                token ids in lowercase hex, "<s>", "</s>");
 *                                order 1 first, each order in the canonical
 *                                order of counts.h (words compared from the
 *                                last: w_k, then w_{k-1}, ...; ids ascending,
 *                                then <s>, then </s>), strictly increasing
 *   t seg ids                    one per test segment of the shard, segment
 *                                order: its token ids (hex, space-separated;
 *                                empty for an empty segment)
 * The reader checks every line (ids below the block's vocab when it has one,
 * the order of the records, <s> only first and </s> only last) and keeps only
 * where the section starts; the merge reads the sections again from the
 * files, one shard after the other, into one ngram_counts (the summed counts
 * are held once), then estimates (ngram_build_counts), reassembles the test
 * streams in corpus order and makes the rows with stage_ngram_rows_counts,
 * the function of the unsharded run. */
#ifndef PARTIAL_NGRAM_H
#define PARTIAL_NGRAM_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../ngram/ngram.h"
#include "../results/results.h"
#include "stage_metrics.h"

typedef struct partial_ngram {
    int order;          /* 0: the block has no n-gram section */
    char *spec;         /* the block's tokenizer spec */
    off_t at;           /* offset of the section's first record */
    size_t n_grams;     /* g lines */
    size_t n_test;      /* t lines */
    int timed;          /* 1: the G line has the counting seconds */
    double s_count;     /* those seconds */
} partial_ngram;

/* Writes the section of language ts was encoded for (its streams: the
 * shard's segments, only[s] != 0): the counts to order of the shard's train
 * segments, the shard's test segments. */
int partial_ngram_write(FILE *f, const corpus *c, const token_streams *ts,
                        const unsigned char *only, int order, const char *spec, int timing,
                        tb_error *err);

/* Reads a section from f, whose G line (split at its tabs) is g[0..ng); the
 * lines up to and with the block's E line are consumed, *ln counts them.
 * vocab 0: ids unchecked; n_segments: the corpus's. Errors name the file
 * and line (TB_EINPUT). */
int partial_ngram_read(FILE *f, const char *name, size_t *ln, char **g, size_t ng, size_t vocab,
                       size_t n_segments, partial_ngram *out, tb_error *err);
void partial_ngram_release(partial_ngram *ng);

/* The rows of language lang of corpus c (the corpus the shards ran on) from
 * the n sections ng[i] of the files paths[i]: the n-gram rows of the
 * unsharded run for the block's tokenizer, named tok (tokenizer_name; the
 * tokenizer is opened from the spec, trained ones from cache_dir, for the
 * completion rows). With timed sections, the timing rows: ngram_s_build is
 * the shards' counting seconds summed plus this process's estimation of the
 * order, ngram_us_query and ngram_ms_suggest this process's scoring of the
 * whole test split (DESIGN.md "Sharded runs"). A timed section beside an
 * untimed one is refused (TB_EINPUT). on_model (or NULL) is the stage's
 * hook on the order-N model, as stage_ngram_config's: the merge passes the
 * selector latency (bench/latency_hook.h) when the shards ran the model. */
int partial_ngram_merge(const char *const *paths, const partial_ngram *const *ng, size_t n,
                        const corpus *c, size_t lang, const char *tok, const char *cache_dir,
                        int (*on_model)(void *ud, const ngram_model *m, const ngram_data *test,
                                        double en_bytes, tb_error *err),
                        void *on_model_ud, results *res, tb_error *err);

#endif
