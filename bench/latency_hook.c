#include "latency_hook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void latency_hook_init(latency_hook *h, int timing, const corpus *c, size_t lang,
                       const char *tok, size_t n_words, results *res, const roofline *rf,
                       const roofline_config *rcfg, int order)
{
    *h = (latency_hook){.timing = timing, .c = c, .lang = lang, .tok = tok, .n_words = n_words,
                        .res = res, .rf = rf, .rcfg = rcfg};
    latency_config_init(&h->lc);
    h->lc.order = order;
}

/* The 7B-class models whose projected decode prices the hybrid. */
static const char *const k_latency_proj_models[] = {"llama2-7b", "qwen2-7b"};

static int hook_proj(latency_hook *h, latency_config *lc, tb_error *err)
{
    if (!h->rf)
        return TB_OK;
    const char *cn = corpus_name(h->c), *ln = corpus_lang(h->c, h->lang);
    size_t np = roofline_pairs(h->rf, h->rcfg, NULL, NULL, 0);
    const roofline_dims **pm = tb_calloc(np + 1, sizeof *pm, err);
    const roofline_hw **ph = pm ? tb_calloc(np + 1, sizeof *ph, err) : NULL;
    int rc = ph ? TB_OK : err->status;
    if (rc == TB_OK)
        roofline_pairs(h->rf, h->rcfg, pm, ph, np);
    for (size_t i = 0; i < np && rc == TB_OK; i++) {
        int want = 0;
        for (size_t j = 0; j < sizeof k_latency_proj_models / sizeof *k_latency_proj_models; j++)
            want |= strcmp(pm[i]->name, k_latency_proj_models[j]) == 0;
        if (!want || ph[i]->measured)
            continue;
        char metric[160], name[LATENCY_PROJ_NAME];
        snprintf(metric, sizeof metric, "proj_ms_decode_token_%s_%s", pm[i]->name, ph[i]->name);
        snprintf(name, sizeof name, "%s_%s", pm[i]->name, ph[i]->name);
        long at = results_find(h->res, cn, "test", ln, h->tok, metric);
        if (at < 0)
            continue; /* no test tokens: no projection rows */
        result_row row;
        results_get(h->res, (size_t)at, &row);
        rc = latency_config_add_proj(lc, name, row.value, err);
    }
    free(pm);
    free(ph);
    return rc;
}

int latency_hook_on_model(void *ud, const ngram_model *m, const ngram_data *test,
                          double en_bytes, tb_error *err)
{
    latency_hook *h = ud;
    const char *cn = corpus_name(h->c), *ln = corpus_lang(h->c, h->lang);
    latency_model_ms mm;
    const latency_model_ms *pm = NULL;
    if (h->timing && results_find(h->res, cn, "test", ln, h->tok, "ms_prefill") >= 0) {
        if (latency_model_from_results(h->res, cn, ln, h->tok, &mm, err))
            return err->status;
        pm = &mm;
    }
    latency_config lc = h->lc;
    if (pm && hook_proj(h, &lc, err))
        return err->status;
    return latency_rows_model(m, test, en_bytes, h->n_words, pm, &lc, cn, ln, h->tok, h->res,
                              err);
}
