/* stage_roofline.c - the projection rows of a run: model/roofline's formulas
 * for every (model, hardware profile) pair of the config, turned into tidy
 * rows (the row names and units are listed in model/roofline.h).
 * vocab_priced [entries]: the vocabulary the models were given (the caller's
 * vocab; in a run bench/stage_model.h's priced vocabulary), written unless the
 * model stage wrote it for the same key (then the two must agree). */
#include "stage_roofline.h"

#include <stdio.h>
#include <stdlib.h>

struct emit {
    results *r;
    const char *corpus, *split, *lang, *tok;
    tb_error *err;
    int rc;
};

static void row(struct emit *e, const char *metric, const char *m, const char *hw, double v,
                const char *unit)
{
    if (e->rc)
        return;
    char name[160];
    if (m && hw)
        snprintf(name, sizeof name, "%s_%s_%s", metric, m, hw);
    else if (m)
        snprintf(name, sizeof name, "%s_%s", metric, m);
    else
        snprintf(name, sizeof name, "%s", metric);
    e->rc = results_add(e->r, e->corpus, e->split, e->lang, e->tok, name, v, unit, e->err);
}

int stage_roofline_rows(const roofline *rf, const roofline_config *cfg, const size_t *lens,
                  size_t n_seqs, size_t vocab, results *r, const char *corpus, const char *split,
                  const char *lang, const char *tokenizer, tb_error *err)
{
    if (roofline_config_check(rf, cfg, err))
        return TB_EUSAGE;
    size_t tokens = 0;
    for (size_t i = 0; i < n_seqs; i++)
        tokens += lens[i];
    if (!tokens)
        return TB_OK;
    size_t np = roofline_pairs(rf, cfg, NULL, NULL, 0);
    const roofline_dims **pm = tb_calloc(np + 1, sizeof *pm, err);
    const roofline_hw **ph = tb_calloc(np + 1, sizeof *ph, err);
    roofline_proj *pr = tb_calloc(np + 1, sizeof *pr, err);
    int rc = pm && ph && pr ? TB_OK : TB_EINPUT;
    if (rc == TB_OK)
        roofline_pairs(rf, cfg, pm, ph, np);
    for (size_t i = 0; i < np && rc == TB_OK; i++)
        rc = roofline_project(pm[i], vocab, ph[i], cfg, lens, n_seqs, &pr[i], err);
    if (rc == TB_OK && np) {
        struct emit e = {r, corpus, split, lang, tokenizer, err, TB_OK};
        roofline_settings s;
        roofline_resolve(cfg, &s);
        row(&e, "proj_train_tokens", NULL, NULL, (double)tokens * s.budget, "tokens");
        row(&e, "proj_train_budget", NULL, NULL, s.budget, "ratio");
        row(&e, "proj_train_utilisation", NULL, NULL, s.util, "ratio");
        row(&e, "proj_prefill_eff", NULL, NULL, s.eff, "ratio");
        row(&e, "proj_decode_cache", NULL, NULL, (double)s.cache, "tokens");
        row(&e, "proj_prompt_tokens", NULL, NULL, (double)s.prompt, "tokens");
        /* the vocabulary every model here was given; the model stage may
         * have written the same row for this key already */
        long at = results_find(r, corpus, split, lang, tokenizer, "vocab_priced");
        if (at < 0) {
            row(&e, "vocab_priced", NULL, NULL, (double)vocab, "entries");
        } else {
            result_row have;
            results_get(r, (size_t)at, &have);
            if (have.value != (double)vocab && e.rc == TB_OK)
                e.rc = tb_fail(err, TB_EINPUT,
                               "roofline stage: corpus '%s' %s tokenizer '%s': priced vocabulary "
                               "%zu differs from the vocab_priced row already written (%.0f)",
                               corpus, lang, tokenizer, vocab, have.value);
        }
        /* per model, in order of first appearance */
        for (size_t i = 0; i < np; i++) {
            size_t j = 0;
            while (pm[j] != pm[i])
                j++;
            if (j < i)
                continue;
            row(&e, "proj_params", pm[i]->name, NULL, pr[i].params, "parameters");
            row(&e, "proj_train_flops", pm[i]->name, NULL, pr[i].train_flops, "FLOPs");
        }
        for (size_t i = 0; i < np; i++) {
            const char *m = pm[i]->name, *h = ph[i]->name;
            const roofline_proj *p = &pr[i];
            row(&e, "proj_ms_prefill", m, h, p->prefill_ms, "ms");
            row(&e, "proj_ms_prompt", m, h, p->prompt_ms, "ms");
            row(&e, "proj_ms_decode_token", m, h, p->decode_ms, "ms");
            if (p->train_hours >= 0)
                row(&e, "proj_train_gpu_hours", m, h, p->train_hours, "h");
            if (p->train_kwh >= 0)
                row(&e, "proj_train_kwh", m, h, p->train_kwh, "kWh");
            if (p->train_usd >= 0)
                row(&e, "proj_train_usd", m, h, p->train_usd, "USD");
        }
        rc = e.rc;
    }
    free(pm);
    free(ph);
    free(pr);
    return rc;
}

void stage_roofline_run_config(roofline_config *cfg)
{
    static const char *const models[] = {"small", "base", "7b", "llama2-7b", "qwen2-7b"};
    *cfg = (roofline_config){0};
    cfg->machine_model = "";
    cfg->models = models;
    cfg->n_models = sizeof models / sizeof models[0];
}

int stage_roofline_check_rows(const roofline_check *chk, results *r, const char *corpus,
                        const char *split, const char *lang, const char *tokenizer, tb_error *err)
{
    struct emit e = {r, corpus, split, lang, tokenizer, err, TB_OK};
    row(&e, "proj_machine_sgemm_gflops", NULL, NULL, chk->machine.sgemm_gflops, "GFLOP/s");
    row(&e, "proj_machine_bandwidth_mb_per_s", NULL, NULL, chk->machine.bandwidth_gbs * 1e3,
        "MB/s");
    row(&e, "proj_check_ms_prefill_measured", NULL, NULL, chk->prefill_ms_measured, "ms");
    row(&e, "proj_check_ms_prefill_projected", NULL, NULL, chk->prefill_ms_projected, "ms");
    row(&e, "proj_check_ms_decode_measured", NULL, NULL, chk->decode_ms_measured, "ms");
    row(&e, "proj_check_ms_decode_projected", NULL, NULL, chk->decode_ms_projected, "ms");
    row(&e, "proj_err_prefill", chk->preset, ROOFLINE_MACHINE, chk->prefill_err, "time_ratio");
    row(&e, "proj_err_decode", chk->preset, ROOFLINE_MACHINE, chk->decode_err, "time_ratio");
    return e.rc;
}
