/* latency_hook.h - the selector latency (bench/stage_latency.h) as the
 * n-gram stage's on_model hook: run on the stage's order-N model, priced with
 * the model stage's measured ms when the run times (the ms_prefill rows of
 * the same key, already in the results), and with the projected decode step
 * of the 7B-class models of the profiles file on every datasheet profile (the
 * proj_ms_decode_token_<m>_<hw> rows the roofline stage wrote for the same
 * key). The unsharded run (bench/run.c) and the merge of a sharded one
 * (bench/partial.c) call it alike, so their rows are the same. */
#ifndef LATENCY_HOOK_H
#define LATENCY_HOOK_H

#include <stddef.h>

#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../model/roofline.h"
#include "../ngram/ngram.h"
#include "../results/results.h"
#include "stage_latency.h"

typedef struct latency_hook {
    int timing;                 /* 1: price with the model stage's ms rows */
    const corpus *c;
    size_t lang;
    const char *tok;            /* the rows' tokenizer name */
    size_t n_words;             /* words of the test split (ms per word) */
    results *res;               /* read (the model rows) and appended to */
    const roofline *rf;         /* or NULL: no projected rows */
    const roofline_config *rcfg;
    latency_config lc;
} latency_hook;

/* Fills h (latency_config_init, then the n-gram order). */
void latency_hook_init(latency_hook *h, int timing, const corpus *c, size_t lang,
                       const char *tok, size_t n_words, results *res, const roofline *rf,
                       const roofline_config *rcfg, int order);

/* stage_ngram_config.on_model: ud is a latency_hook. */
int latency_hook_on_model(void *ud, const ngram_model *m, const ngram_data *test,
                          double en_bytes, tb_error *err);

#endif
