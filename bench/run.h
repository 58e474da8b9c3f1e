/* run.h - the suite runner: for each corpus, language and tokenizer, encode
 * every segment once and add the metric rows for splits "all", "train" and "test" (timings for
 * "all" and "test" only). */
#ifndef RUN_H
#define RUN_H

#include <stddef.h>
#include <stdio.h>

#include "../common/tb.h"
#include "../results/results.h"
#include "stage_train.h"

struct corpus;

/* Progress report: phase text, units done and total (0 when unknown). The
 * runner never prints; the CLI decides what a user sees. */
typedef void (*run_progress_fn)(void *ud, const char *phase, size_t done, size_t total);

#define RUN_MAX_JOBS 64

/* A corpus that runs only some of a run's specs (a suite's larger second
 * domain runs its headline schemes, not every sweep point). */
typedef struct run_corpus_specs {
    const char *corpus;                 /* a corpus name of run_config.corpora */
    const char *const *specs;           /* the specs of run_config.specs it runs */
    size_t n_specs;
} run_corpus_specs;

typedef struct run_config {
    const char *data_dir;               /* folder of corpora (corpora/data) */
    const char *cache_dir;              /* trained-model cache (build/cache), or NULL */
    const char *const *corpora;         /* names (under data_dir) or folder paths */
    size_t n_corpora;
    const char *const *specs;           /* tokenizer specs */
    size_t n_specs;
    const run_corpus_specs *subsets;    /* corpora that run only some specs (the specs
                                           outside run_config.specs are ignored), or NULL */
    size_t n_subsets;
    const char *const *langs;           /* only these languages, or NULL for all */
    size_t n_langs;
    const char *pivot;                  /* the pivot language of every corpus (corpus_pivot),
                                           or NULL: each corpus's default rule */
    int timing;                         /* 1: add encode_mb_per_s rows */
    int ngram_order;                    /* 0: no n-gram rows; else the highest order */
    const char *model_preset;           /* transformer-cost rows (bench/stage_model.h) with
                                           this preset (tiny, small, base), or NULL: none */
    const char *const *light;           /* specs without the n-gram and latency stages */
    size_t n_light;
    const char *hardware_path;          /* roofline profiles (model/roofline.h) for the proj_*
                                           rows when model_preset is set; NULL: none */
    const char *const *train_specs;     /* specs (of specs) that also train, on the corpora */
    size_t n_train_specs;               /*   of train_corpora (names), with each regime of */
    const char *const *train_corpora;   /*   train (bench/stage_train.h; their labels must */
    size_t n_train_corpora;             /*   differ); 0 regimes: no training */
    const stage_train_config *train;
    size_t n_train;
    int jobs;                           /* tokenizer specs run in parallel (1..RUN_MAX_JOBS);
                                           the rows are the same for any value */
    size_t shard_k, shard_n;            /* shard_n > 0: only the segments of shard shard_k of
                                           shard_n (run_segment_shard), no rows: the
                                           statistics go to partial (bench/partial.h) */
    FILE *partial;
    int prepare_only;                   /* 1: only make the tokenizers (train what the cache
                                           lacks: `tokbench prepare`), no rows */
    run_progress_fn progress;           /* may be NULL; called from one thread at a time */
    void *progress_ud;
} run_config;

/* The shard (0..n-1) of a segment id: FNV-1a-64 of "shard:" then the id,
 * mod n. The split hashes the id alone, so shards are independent of it. */
size_t run_segment_shard(const char *id, size_t n);

/* Folder of a corpus argument: a name becomes data_dir/name; anything with a
 * '/' is used as given. */
void run_corpus_path(const char *data_dir, const char *name, char *buf, size_t cap);
/* The corpora `tokbench corpus fetch NAME` knows, for messages. */
#define RUN_FETCHABLE_CORPORA "udhr, udhr-all, libreoffice, gettext"
/* corpus_open of run_corpus_path(data_dir, name); a folder that does not
 * exist fails with TB_EINPUT naming it and listing RUN_FETCHABLE_CORPORA and
 * `corpus import dir:PATH`. */
int run_corpus_open(const char *data_dir, const char *name, struct corpus **out, tb_error *err);
/* run_corpus_open, then corpus_set_pivot(pivot) unless pivot is NULL (a
 * corpus without it: TB_EINPUT naming both). */
int run_corpus_open_pivot(const char *data_dir, const char *name, const char *pivot,
                          struct corpus **out, tb_error *err);

/* Runs every stage of cfg over its corpora into res. Refused before any
 * work (TB_EUSAGE): a spec or a corpus given twice. Refused on opening a
 * corpus (TB_EINPUT): a corpus with 0 test segments when the n-gram or the
 * model stage is on (they score the test split). A small test split is not
 * refused; the caller may warn (reports/claims.h CLAIMS_MIN_SEGMENTS). */
int run_suite(const run_config *cfg, results *res, tb_error *err);

#endif
