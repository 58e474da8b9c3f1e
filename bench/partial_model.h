/* partial_model.h - the model stage and measured training in a shard partial
 * (bench/partial.h, docs/DESIGN.md "Sharded runs"): the records a shard
 * writes for them and the rows `tokbench merge` makes from them.
 *
 * Model stage (bench/stage_model.h, the proj_* rows of stage_roofline.h).
 * Its rows are functions of the test split's per-segment token counts in
 * corpus order, which the S lines hold for every measured language (the
 * pivot's too), and of the priced vocabulary: the tokenizer's vocabulary,
 * or for a code-space scheme the distinct ids over the ALL split, the union
 * of the H lines of every shard. A shard therefore writes no model rows,
 * only, in the header,
 *   model PRESET HARDWARE-sha256|-     the preset; the profiles file the
 *                                      shard read (its sha256), or - for none
 * and, in a block the rows do not emit (the pivot outside -l) of a code-space
 * scheme, the H lines the metrics writer leaves out there. The merge builds
 * the stage from the same preset and the profiles file it finds
 * (TOKBENCH_HARDWARE, default model/hardware.tsv; its sha256 must be the
 * partials'), and makes the rows with stage_model_rows_test and
 * stage_roofline_rows, the functions the unsharded run calls, on the same
 * inputs: byte-identical rows.
 *
 * Training (bench/stage_train.h). SGD does not split over segments. A
 * training job is one (corpus, spec, language) of the training list; it
 * belongs to shard FNV-1a-64("train:" corpus ":" spec ":" lang) mod N
 * (partial_train_owner). The owner encodes the whole language (every
 * segment, stage_train_encode) and runs every regime of the job as the
 * unsharded run does; a non-pivot job whose regime targets the pivot's final
 * value (target_en) also trains the pivot's job first on that shard, rows
 * discarded, for the value (training is deterministic: the same bits on every
 * shard). Records, in the block of (tokenizer, lang), after the S, H, D and
 * Y lines:
 *   J owner                            the block is a training job of shard owner
 *   R regime split metric value unit   a train_* row of the job (owner only),
 *                                      value %.17g (exact)
 * and in the header
 *   train DESCRIPTION                  the regimes (kind, budget, eval bytes,
 *                                      target), which every partial must share
 * The merge checks the J lines agree, that the owner's block has its rows,
 * and copies them after the spec's model rows, regime by regime, the pivot
 * first, as run_spec emits them.
 *
 * Timing (header line "timing 1"; without it no timing rows). Timing rows
 * are per-shard measurements, and the merge says which:
 *   T bytes_all s_all bytes_test s_test s_train   per emitted block: the
 *       shard's own segments of the split encoded (metrics_time_encode_only:
 *       their bytes, the median pass's seconds) and s_train (the cache's);
 *       encode_mb_per_s = summed bytes / 1e6 / summed seconds of the shards,
 *       s_train = shard 0's
 *   M vocab row_ms one_ms   per block the model rows use (emitted, and the
 *       pivot's): the LM head of the shard's priced vocabulary, timed
 *   MP n ms, MD pos ms, MS n body_ms gemm_ms   after a corpus's blocks: the
 *       model stage's timing curve (stage_model_curve)
 *   K ...   the roofline check (roofline_check: preset, n, vocab, cache,
 *       repeats, the measured machine, the measured and projected ms)
 * The merge prices the ms rows (ms_prefill, ms_prefill_N, ms_decode_token_N,
 * gflops_achieved, gemm_time_share, ms_prefill_vs_en) over the merged split
 * with shard 0's curve and head times; a vocabulary shard 0 did not time
 * (the merged priced vocabulary of a code-space scheme) takes the head time
 * of the block's M line scaled linearly in V. Shard 0's K line gives the
 * roofline-check rows and the machine of the this-machine proj_* rows.
 * A training job's timing rows (train_s, train_curve_s@N, ...) are its
 * owner's. The deterministic rows are the same with timing on. */
#ifndef PARTIAL_MODEL_H
#define PARTIAL_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../results/results.h"
#include "../model/roofline.h"
#include "run.h"
#include "stage_metrics.h"
#include "stage_model.h"

struct tokenizer;

/* The header records of one partial (model and train lines). */
typedef struct partial_model_header {
    char *model;        /* "PRESET\tsha|-" or NULL: no model stage */
    char *train;        /* the train line's description or NULL: no training */
    char *timing;       /* "1" when the shards timed, else NULL */
} partial_model_header;

/* One train_* row of a job. */
typedef struct partial_train_row {
    unsigned regime;
    char *split, *metric, *unit;
    double value;
} partial_train_row;

/* The training records of one block. */
typedef struct partial_model_block {
    int any;                    /* a record of this file was read: the S, H, D, Y lines are over */
    long owner;                 /* -1: not a training job */
    partial_train_row *rows;
    size_t n_rows, cap_rows;
    int has_t;                  /* the T line: this shard's encode timing */
    uint64_t t_bytes[2];        /* all, test: bytes of the shard's segments */
    double t_s[2];              /*   and the median seconds of a pass over them */
    double s_train;             /* the tokenizer's training seconds (the cache's) */
    int has_m;                  /* the M line: the LM head this shard timed */
    size_t m_vocab;
    double m_row, m_one;
} partial_model_block;

/* The corpus-level records (after its blocks): one shard's model timing
 * curve and roofline check. */
typedef struct partial_model_corpus {
    int any;
    stage_model_curve curve;    /* MP, MD, MS lines; n_sweep 0: none */
    int has_ms;
    int has_k;                  /* the K line */
    roofline_check chk;
} partial_model_corpus;

/* ---- shard side ------------------------------------------------------- */

/* The header lines of cfg (model, train) after partial_write_header. */
int partial_model_write_header(FILE *f, const run_config *cfg, tb_error *err);
/* The shard of the training job (corpus, spec, lang) of n shards. */
size_t partial_train_owner(const char *cname, const char *spec, const char *lang, size_t n);
/* The T line of an emitted block (timing): the encode timing of the shard's
 * segments of the all and test splits (metrics_time_encode_only) and
 * s_train. */
int partial_timing_write_block(const struct tokenizer *t, const corpus *c, size_t li,
                               const unsigned char *only, double s_train, FILE *f,
                               tb_error *err);
/* The M line of a block the model rows use (timing): the LM head of the
 * shard's priced vocabulary of ts, timed now (stage_model_measure). */
int partial_model_write_head(stage_model *sm, const token_streams *ts, FILE *f, tb_error *err);
/* The corpus-level records (timing): the stage's curve (sm, or NULL) and
 * the roofline check (chk, or NULL). */
int partial_model_write_corpus(stage_model *sm, const roofline_check *chk, FILE *f,
                               tb_error *err);

/* The H lines (id counts of the shard's train and test segments, only[s])
 * of a block whose rows are not emitted, for a code-space scheme when the
 * model stage runs (its priced vocabulary needs the distinct ids); nothing
 * otherwise. */
int partial_model_write_hist(const token_streams *ts, const corpus *c, const unsigned char *only,
                             FILE *f, tb_error *err);

typedef struct partial_train partial_train;
/* Runs the training jobs of spec on c that belong to shard cfg->shard_k
 * (want[l]: language l is measured and selected; tk[l] its tokenizer; en the
 * pivot or -1) into *out (NULL when spec does not train on c). */
int partial_train_run(const run_config *cfg, const corpus *c, const char *spec,
                      struct tokenizer *const *tk, const unsigned char *want, int en,
                      partial_train **out, tb_error *err);
/* The J and R lines of language l's block (nothing when not a job). */
int partial_train_write_block(const partial_train *pt, size_t l, FILE *f, tb_error *err);
void partial_train_free(partial_train *pt);

/* ---- reader ----------------------------------------------------------- */

/* 1: line (its first field, tab-separated) is a header record of this file. */
int partial_model_header_is(const char *line);
/* Reads a header record (the whole line, tabs intact). */
int partial_model_header_line(partial_model_header *h, const char *line, const char *path,
                              size_t ln, tb_error *err);
void partial_model_header_free(partial_model_header *h);
/* 1: line is a corpus-level record (MP, MD, MS, K), read (tabs split in
 * place) by partial_model_corpus_line. */
int partial_model_corpus_is(const char *line);
int partial_model_corpus_line(partial_model_corpus *pc, char *line, const char *path,
                              size_t ln, tb_error *err);
/* 1: f0 is a block record of this file (J, R, T, M). */
int partial_model_block_is(const char *f0);
/* Reads a block record of shard k (fields fl[0..nf)). */
int partial_model_block_line(partial_model_block *b, size_t k, char **fl, size_t nf,
                             const char *path, size_t ln, tb_error *err);
/* At the block's E line: a job's owner block holds its rows. */
int partial_model_block_end(const partial_model_block *b, size_t k, const char *path, size_t ln,
                            tb_error *err);
void partial_model_block_free(partial_model_block *b);

/* ---- merge ------------------------------------------------------------ */

/* What the merge needs for the model rows: built from the first partial's
 * header and the profiles file at hardware_path. */
typedef struct partial_model_merge partial_model_merge;
/* NULL *out when h has no model line. Refuses (TB_EINPUT) a profiles file
 * whose sha256 is not the partials'. */
int partial_model_merge_new(const partial_model_header *h, const char *hardware_path,
                            partial_model_merge **out, tb_error *err);
void partial_model_merge_free(partial_model_merge *mm);
/* 0 when the headers of two partials agree; else TB_EINPUT naming them. */
int partial_model_header_check(const partial_model_header *a, const char *pa,
                               const partial_model_header *b, const char *pb, tb_error *err);
/* The model rows of one emitted block (lens: its test segments' token counts
 * in corpus order; vocab_priced as stage_model_vocab_priced), en the pivot's
 * with the same tokenizer or NULL; then its proj_* rows. With timing, m0 and
 * men0 are the block's and the pivot's block in shard 0's partial, whose M
 * lines give the LM-head times. */
int partial_model_merge_rows(partial_model_merge *mm, const char *cname, const char *lang,
                             const char *tok, const size_t *lens, size_t n_lens,
                             size_t vocab_priced, const size_t *en_lens, size_t n_en,
                             size_t vp_en, const partial_model_block *m0,
                             const partial_model_block *men0, results *r, tb_error *err);
/* 1: the merge makes model rows (the partials have a model line). */
int partial_model_merge_models(const partial_model_merge *mm);
/* The profiles the merge prices the proj_* rows with (NULL: none; *rcfg then
 * unset) and 1 when the shards timed, for the selector latency of the
 * n-gram rows (bench/latency_hook.h). */
const roofline *partial_model_merge_roofline(const partial_model_merge *mm,
                                             const roofline_config **rcfg);
int partial_model_merge_timed(const partial_model_merge *mm);
/* Once per corpus, before its blocks' rows, with shard 0's corpus records:
 * its timing curve for the ms rows, its measured machine for the proj_* rows
 * (the first corpus only, as the run measures once) and its roofline-check
 * rows under (cname, lang). Nothing without timing. */
int partial_model_merge_corpus(partial_model_merge *mm, const partial_model_corpus *pc0,
                               const char *cname, const char *lang, results *r, tb_error *err);
/* The timing rows of split (encode_mb_per_s: the shards' summed bytes over
 * their summed seconds; s_train: shard 0's) of one block, b[k] its block in
 * partial k, k0 the index of shard 0. Nothing without T lines. */
int partial_model_timing_rows(const partial_model_block *const *b, size_t n, size_t k0,
                              enum corpus_split split, const char *cname, const char *lang,
                              const char *tok, results *r, tb_error *err);
/* The rows of regime of one job (the owner's block) into r under (corpus,
 * lang, tok). */
int partial_model_train_rows(const partial_model_block *b, unsigned regime, const char *cname,
                             const char *lang, const char *tok, results *r, tb_error *err);
/* The highest regime in b's rows + 1 (0: none). */
unsigned partial_model_train_regimes(const partial_model_block *b);

#endif
