/* run.c - the suite runner. */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../corpora/corpus.h"
#include "../corpora/words.h"
#include "../tokenizers/tokenizer.h"
#include "metrics.h"

void run_corpus_path(const char *data_dir, const char *name, char *buf, size_t cap)
{
    if (strchr(name, '/'))
        snprintf(buf, cap, "%s", name);
    else
        snprintf(buf, cap, "%s/%s", data_dir, name);
}

static int lang_selected(const run_config *cfg, const char *lang)
{
    if (!cfg->langs || cfg->n_langs == 0)
        return 1;
    for (size_t i = 0; i < cfg->n_langs; i++)
        if (strcmp(cfg->langs[i], lang) == 0)
            return 1;
    return 0;
}

static void progress(const run_config *cfg, const char *phase, size_t done, size_t total)
{
    if (cfg->progress)
        cfg->progress(cfg->progress_ud, phase, done, total);
}

/* All rows of one corpus. */
static int run_corpus(const run_config *cfg, const corpus *c, words *w, results *res,
                      tb_error *err)
{
    size_t nl = corpus_n_langs(c);
    metrics_words *mw[CORPUS_MAX_LANGS] = {0};
    metrics_tok *mt[CORPUS_MAX_LANGS] = {0};
    int en = corpus_find_lang(c, "en");
    int rc = TB_OK;
    char phase[256];
    for (size_t l = 0; l < nl && rc == TB_OK; l++) {
        if (!lang_selected(cfg, corpus_lang(c, l)) && (int)l != en)
            continue;
        snprintf(phase, sizeof phase, "%s: words %s", corpus_name(c), corpus_lang(c, l));
        progress(cfg, phase, l, nl);
        rc = metrics_words_new(c, l, w, &mw[l], err);
    }
    for (size_t s = 0; s < cfg->n_specs && rc == TB_OK; s++) {
        tokenizer *tk[CORPUS_MAX_LANGS] = {0};
        for (size_t l = 0; l < nl && rc == TB_OK; l++) {
            if (!mw[l])
                continue;
            snprintf(phase, sizeof phase, "%s: %s %s", corpus_name(c), cfg->specs[s],
                     corpus_lang(c, l));
            progress(cfg, phase, s * nl + l, cfg->n_specs * nl);
            tokenizer_ctx ctx = {.corpus = c, .lang = (int)l, .cache_dir = cfg->cache_dir};
            rc = tokenizer_new(cfg->specs[s], &ctx, &tk[l], err);
            if (rc == TB_OK)
                rc = metrics_tok_measure(tk[l], c, l, mw[l], &mt[l], err);
        }
        static const enum corpus_split splits[] = {CORPUS_ALL, CORPUS_TRAIN, CORPUS_TEST};
        for (size_t l = 0; l < nl && rc == TB_OK; l++) {
            if (!mt[l] || !lang_selected(cfg, corpus_lang(c, l)))
                continue;
            for (int k = 0; k < 3 && rc == TB_OK; k++) {
                const metrics_tok *ref = en >= 0 ? mt[en] : NULL;
                rc = metrics_tok_emit(mt[l], ref, c, splits[k], res, err);
                if (rc == TB_OK && cfg->timing && splits[k] != CORPUS_TRAIN) {
                    double mbps;
                    rc = metrics_time_encode(tk[l], c, l, splits[k], &mbps, err);
                    if (rc == TB_OK)
                        rc = results_add(res, corpus_name(c), corpus_split_name(splits[k]),
                                         corpus_lang(c, l), tokenizer_name(tk[l]),
                                         "encode_mb_per_s", mbps, "MB/s", err);
                }
            }
        }
        for (size_t l = 0; l < nl; l++) {
            metrics_tok_free(mt[l]);
            mt[l] = NULL;
            tokenizer_free(tk[l]);
        }
    }
    for (size_t l = 0; l < nl; l++)
        metrics_words_free(mw[l]);
    return rc;
}

int run_suite(const run_config *cfg, results *res, tb_error *err)
{
    words *w = NULL;
    if (words_new(&w, err))
        return TB_EINPUT;
    int rc = TB_OK;
    for (size_t i = 0; i < cfg->n_corpora && rc == TB_OK; i++) {
        char path[4096];
        run_corpus_path(cfg->data_dir, cfg->corpora[i], path, sizeof path);
        corpus *c = NULL;
        rc = corpus_open(path, &c, err);
        if (rc == TB_OK) {
            for (size_t l = 0; l < cfg->n_langs; l++)
                if (corpus_find_lang(c, cfg->langs[l]) < 0)
                    rc = tb_fail(err, TB_EINPUT, "corpus '%s' has no language '%s'",
                                 corpus_name(c), cfg->langs[l]);
        }
        if (rc == TB_OK)
            rc = run_corpus(cfg, c, w, res, err);
        corpus_free(c);
    }
    words_free(w);
    return rc;
}
