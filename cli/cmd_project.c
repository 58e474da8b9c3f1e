/* cmd_project.c - `tokbench project`: roofline projections of a corpus's test
 * split per language for one tokenizer (model/roofline.h): prefill and
 * decode milliseconds on datasheet accelerators and this machine, and the
 * training cost of a content budget. */
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../model/roofline.h"
#include "../bench/stage_model.h"
#include "../bench/stage_roofline.h"
#include "../tokenizers/tokenizer.h"
#include "cli.h"
#include "commands.h"
#include "setup.h"
#include "../results/results.h"
#include "../bench/run.h"

/* the validation run on this machine (roofline_check_run) */
#define CHECK_PRESET "small"
#define CHECK_N 512
#define CHECK_VOCAB 8192
#define CHECK_REPEATS 3


static const cli_opt project_opts[] = {
    {"corpus", 'c', "CORPUS", "corpus whose test split is projected (name under DATA or a folder)"},
    {"tokenizer", 't', "SPEC", "tokenizer spec (its vocabulary sizes the models)"},
    {"lang", 'l', "LANG", "only these languages (repeatable; default all)"},
    {"hw", 0, "NAME", "hardware profile (repeatable; default every datasheet profile)"},
    {"model-dims", 'm', "NAME", "model dimensions (repeatable; default the file's 7B-class "
                                "models; presets tiny small base 7b)"},
    {"budget", 'b', "X", "training content = the test split x X (default 1000)"},
    {"price-per-hour", 0, "[HW=]USD", "USD per accelerator-hour, for every profile or one "
                                      "(repeatable; default none: no USD rows)"},
    {"utilisation", 'u', "U", "training model-FLOPs utilisation in (0, 1] (default 0.4)"},
    {"efficiency", 'e', "E", "prefill share of a datasheet peak in (0, 1] (default 0.5)"},
    {"cache", 0, "N", "decode cache length in tokens (default 512, capped at context - 1)"},
    {"prompt", 0, "N", "prompt length of the proj_ms_prompt rows (default 2048)"},
    {"hardware", 0, "FILE", "profiles and dims (default model/hardware.tsv, env "
                            "TOKBENCH_HARDWARE)"},
    {"no-timing", 0, NULL, "no measurement: no this-machine profile, no check"},
    {"output", 'o', "FILE", "also write the rows as results CSV to FILE"},
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};

const cli_command project_cmd = {
    "project",
    "project -c CORPUS -t SPEC [-l LANG]... [--hw NAME]... [--model-dims NAME]... [--budget X] "
    "[--price-per-hour [HW=]USD]... [--utilisation U] [--efficiency E] [-o FILE]",
    "Roofline projections: prefill/decode ms on accelerators, training cost per language.",
    "PROJECTIONS, not measurements. Prices the test split of every language of CORPUS,\n"
    "tokenized by SPEC, on hardware tokbench does not run on and model dims it never\n"
    "allocates (model/roofline.h; profiles and dims with their sources in\n"
    "model/hardware.tsv: RTX 4090, A100 SXM 80GB, H100 SXM; Llama-2-7B, Qwen2-7B; plus\n"
    "the presets). Models take the priced vocabulary (row vocab_priced): the tokenizer's\n"
    "vocabulary, or for a scheme whose vocabulary is the whole code space (chars) the\n"
    "distinct ids it uses over all segments of the language, at least 256.\n"
    "\n"
    "FLOPs: 2 per multiply-add, matmuls only, attention dense (no causal discount),\n"
    "logits at every prefill position (a prompt: its last position only); each segment\n"
    "one sequence, chunked at the model's context. Prefill ms = FLOPs / (peak x\n"
    "efficiency); decode ms per token =\n"
    "max(bytes read / bandwidth, FLOPs / peak) at the cache length (weights and KV\n"
    "cache in the profile's bytes per element: 2 for the GPUs). Training FLOPs =\n"
    "3 x forward = 6 N D + the dense attention term, D = test tokens x budget;\n"
    "accelerator-hours = FLOPs / (peak x utilisation); energy = hours x board power;\n"
    "USD = hours x the given price. GPU peaks are dense FP16/BF16 tensor-core figures\n"
    "with FP32 accumulate.\n"
    "\n"
    "Unless --no-timing, this machine is measured first (fp32 sgemm and a streaming\n"
    "read, CPU clock with one OpenBLAS thread) and becomes profile 'this-machine',\n"
    "projected with the small preset; the check runs the real small model (prefill of\n"
    "512 tokens, vocabulary 8192) in the same process and reports the projection's\n"
    "error. Rows: proj_ms_prefill_<model>_<hw>, proj_ms_prompt_.., proj_ms_decode_token_..,\n"
    "proj_train_gpu_hours_.., proj_train_kwh_.., proj_train_usd_.., proj_train_flops_<model>,\n"
    "proj_params_<model>, the parameters used (proj_train_budget, ...) and the check rows\n"
    "(proj_err_prefill_small_this-machine, ...). Exit 2 on a bad option or unknown\n"
    "profile, 3 on a bad data file (the message names the file and line) or corpus.\n",
    project_opts,
    NULL,
};


static int usage(const char *fmt, const char *value)
{
    fprintf(stderr, "tokbench project: ");
    fprintf(stderr, fmt, value);
    fprintf(stderr, "\nusage: tokbench %s\n", project_cmd.synopsis);
    return TB_EUSAGE;
}

/* A number in (0, max]. */
static int parse_real(const char *s, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v <= 0 || v > max)
        return 0;
    *out = v;
    return 1;
}

static int parse_count(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < 1 || v > (1 << 24))
        return 0;
    *out = (size_t)v;
    return 1;
}

/* Tokens of each test segment of language li (sequence lengths). */
typedef struct lang_run {
    int want;
    size_t *lens;
    size_t n_seqs;
    size_t tokens;
    size_t vocab;
    char tok[256];
} lang_run;

/* Encodes the test split of language li into lr's lengths. The vocabulary
 * is priced as the run prices it (stage_model_vocab_priced): a code-space
 * scheme such as chars by the ids it uses over every segment, so only then
 * are the other segments encoded and the ids kept. */
static int encode_lengths(const tokenizer *t, const corpus *c, size_t li, lang_run *lr,
                          tb_error *err)
{
    size_t ns = corpus_n_segments(c), cap = 4096, used = 0;
    uint32_t *ids = tb_malloc(cap * sizeof *ids, err);
    size_t *first = tb_calloc(ns + 1, sizeof *first, err);
    lr->lens = tb_calloc(ns + 1, sizeof *lr->lens, err);
    int rc = ids && first && lr->lens ? TB_OK : TB_EINPUT;
    int all = tokenizer_vocab_size(t) >= STAGE_MODEL_CODE_SPACE;
    for (size_t seg = 0; seg < ns && rc == TB_OK; seg++) {
        int test = corpus_in_split(c, seg, CORPUS_TEST);
        first[seg + 1] = used;
        if (!test && !all)
            continue;
        size_t len, got;
        const char *text = corpus_segment(c, li, seg, &len);
        for (;;) {
            if (tokenizer_encode(t, text, len, ids + used, NULL, cap - used, &got, err)) {
                rc = tb_wrap(err, "corpus '%s': %s.txt:%zu: ", corpus_name(c), corpus_lang(c, li),
                             seg + 1);
                break;
            }
            if (got <= cap - used)
                break;
            cap = 2 * (used + got);
            uint32_t *ni = tb_realloc(ids, cap * sizeof *ni, err);
            if (!ni) {
                rc = TB_EINPUT;
                break;
            }
            ids = ni;
        }
        if (rc != TB_OK)
            break;
        if (all)
            used += got; /* otherwise the next segment overwrites these ids */
        first[seg + 1] = used;
        if (test) {
            lr->lens[lr->n_seqs++] = got;
            lr->tokens += got;
        }
    }
    if (rc == TB_OK) {
        token_streams ts = {.n_segments = ns, .ids = ids, .first = first,
                            .vocab_size = tokenizer_vocab_size(t)};
        rc = stage_model_vocab_priced(&ts, &lr->vocab, err);
    }
    free(ids);
    free(first);
    return rc;
}

/* "-" for a value that does not apply (< 0). */
static const char *cell(char *buf, size_t cap, const char *fmt, double v)
{
    if (v < 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, fmt, v);
    return buf;
}

static void print_header(const roofline *rf, const roofline_config *cfg, const char *cname,
                         const char *spec, const roofline_check *chk)
{
    printf("PROJECTION (roofline, not a measurement): corpus %s (split test), tokenizer %s\n",
           cname, spec);
    printf("FLOPs: 2 per multiply-add, matmuls only, attention dense (no causal discount), logits "
           "at every prefill position of the split (a prompt: its last position only); training = "
           "3 x forward = 6 N D + attention\n");
    printf("assumptions: prefill at %.2f of a datasheet peak (1 for the measured profile); "
           "training utilisation %.2f; content budget: test split x %g; decode at cache %zu; "
           "prompt %zu tokens\n",
           cfg->prefill_efficiency, cfg->utilisation, cfg->budget, cfg->decode_cache,
           cfg->prompt_tokens);
    const roofline_dims *pm[256];
    const roofline_hw *ph[256];
    size_t np = roofline_pairs(rf, cfg, pm, ph, 256);
    if (np > 256)
        np = 256;
    printf("hardware:\n");
    for (size_t i = 0; i < roofline_n_hw(rf); i++) {
        const roofline_hw *h = roofline_hw_at(rf, i);
        int used = 0;
        for (size_t j = 0; j < np; j++)
            used |= ph[j] == h;
        if (!used)
            continue;
        char mem[32], w[32];
        printf("  %-14s %9.4g TFLOP/s %8.1f GB/s %6s GB %5s W %.0f B/elem  %s\n", h->name,
               h->peak_flops / 1e12, h->bw_bytes / 1e9,
               cell(mem, sizeof mem, "%.0f", h->mem_bytes > 0 ? h->mem_bytes / 1e9 : -1),
               cell(w, sizeof w, "%.0f", h->watts > 0 ? h->watts : -1), h->wbytes, h->source);
    }
    printf("models:\n");
    for (size_t i = 0; i < np; i++) {
        size_t j = 0;
        while (pm[j] != pm[i])
            j++;
        if (j < i)
            continue;
        const roofline_dims *m = pm[i];
        printf("  %-10s d %zu, %zu layers, %zu heads (%zu KV), d_ff %zu %s, context %zu  %s\n",
               m->name, m->d_model, m->n_layers, m->n_heads, m->n_kv_heads, m->d_ff,
               m->mlp == ROOFLINE_SWIGLU ? "SwiGLU" : "GELU", m->context, m->source);
    }
    if (chk) {
        printf("this machine: sgemm %.1f GFLOP/s, streaming read %.2f GB/s (%s clock, OpenBLAS "
               "threads %d)\n",
               chk->machine.sgemm_gflops, chk->machine.bandwidth_gbs,
               chk->machine.cpu_clock ? "CPU" : "wall", chk->machine.threads);
        printf("check (%s preset, vocab %zu, same process): prefill %zu tokens measured %.1f ms, "
               "projected %.1f ms, error %+.1f%%; decode at %zu measured %.2f ms, projected "
               "%.2f ms, error %+.1f%%\n",
               chk->preset, chk->vocab, chk->n, chk->prefill_ms_measured,
               chk->prefill_ms_projected, 100 * chk->prefill_err, chk->cache,
               chk->decode_ms_measured, chk->decode_ms_projected, 100 * chk->decode_err);
    }
    printf("\n");
}

int cmd_project(const cli_args *a)
{
    int rc = 0;
    if (a->npos)
        return usage("unexpected argument '%s'", a->pos[0]);
    roofline_config cfg = {0};
    const char *s;
    if ((s = cli_get(&project_cmd, a, "budget", NULL)) && !parse_real(s, 1e15, &cfg.budget))
        return usage("--budget must be a number in (0, 1e15], got '%s'", s);
    if ((s = cli_get(&project_cmd, a, "utilisation", NULL)) &&
        !parse_real(s, 1, &cfg.utilisation))
        return usage("--utilisation must be a number in (0, 1], got '%s'", s);
    if ((s = cli_get(&project_cmd, a, "efficiency", NULL)) &&
        !parse_real(s, 1, &cfg.prefill_efficiency))
        return usage("--efficiency must be a number in (0, 1], got '%s'", s);
    if ((s = cli_get(&project_cmd, a, "cache", NULL)) && !parse_count(s, &cfg.decode_cache))
        return usage("--cache must be an integer in 1..16777216, got '%s'", s);
    if ((s = cli_get(&project_cmd, a, "prompt", NULL)) && !parse_count(s, &cfg.prompt_tokens))
        return usage("--prompt must be an integer in 1..16777216, got '%s'", s);
    /* the defaults, stated in the output */
    if (cfg.budget <= 0)
        cfg.budget = 1000;
    if (cfg.utilisation <= 0)
        cfg.utilisation = 0.4;
    if (cfg.prefill_efficiency <= 0)
        cfg.prefill_efficiency = 0.5;
    if (!cfg.decode_cache)
        cfg.decode_cache = 512;
    if (!cfg.prompt_tokens)
        cfg.prompt_tokens = 2048;
    int ih = cli_opt_index(&project_cmd, "hw"), im = cli_opt_index(&project_cmd, "model-dims"),
        ip = cli_opt_index(&project_cmd, "price-per-hour"), il = cli_opt_index(&project_cmd, "lang");
    cfg.hw = a->v[ih];
    cfg.n_hw = a->n[ih];
    cfg.models = a->v[im];
    cfg.n_models = a->n[im];
    cfg.prices = a->v[ip];
    cfg.n_prices = a->n[ip];
    cfg.machine_model = CHECK_PRESET;
    int timing = !cli_count(&project_cmd, a, "no-timing");
    const char *cname = cli_get(&project_cmd, a, "corpus", NULL);
    const char *spec = cli_get(&project_cmd, a, "tokenizer", NULL);
    if (!cname || !spec) {
        fprintf(stderr, "tokbench project: needs -c CORPUS and -t SPEC\nusage: tokbench %s\n",
                project_cmd.synopsis);
        return TB_EUSAGE;
    }

    tb_error err = {0};
    roofline *rf = NULL;
    const char *hwfile = cli_hardware_path(&project_cmd, a);
    if (roofline_new(hwfile, &rf, &err))
        return cli_fail("project", &err);
    if (roofline_config_check(rf, &cfg, &err)) {
        roofline_free(rf);
        fprintf(stderr, "tokbench project: %s\n", err.msg);
        return TB_EUSAGE;
    }
    for (size_t i = 0; i < cfg.n_hw; i++)
        if (strcmp(cfg.hw[i], ROOFLINE_MACHINE) == 0 && !timing)
            fprintf(stderr, "tokbench project: --no-timing: profile '%s' is not measured and "
                            "is skipped\n",
                    ROOFLINE_MACHINE);

    corpus *c = NULL;
    if (cli_open_corpus(&project_cmd, a, cname, &c, &err)) {
        roofline_free(rf);
        return cli_fail("project", &err);
    }
    for (size_t i = 0; i < a->n[il]; i++)
        if (corpus_find_lang(c, a->v[il][i]) < 0) {
            fprintf(stderr, "tokbench project: corpus '%s' has no language '%s'\n",
                    corpus_name(c), a->v[il][i]);
            corpus_free(c);
            roofline_free(rf);
            return TB_EUSAGE;
        }

    size_t nl = corpus_n_langs(c);
    lang_run *lr = tb_calloc(nl ? nl : 1, sizeof *lr, &err);
    if (!lr)
        rc = err.status;
    tokenizer_ctx ctx = cli_tokenizer_ctx(c, -1);
    for (size_t l = 0; l < nl && rc == TB_OK; l++) {
        lr[l].want = a->n[il] == 0;
        for (size_t i = 0; i < a->n[il]; i++)
            lr[l].want |= strcmp(a->v[il][i], corpus_lang(c, l)) == 0;
        if (!lr[l].want)
            continue;
        tokenizer *t = NULL;
        ctx.lang = (int)l;
        rc = tokenizer_new(spec, &ctx, &t, &err);
        if (rc == TB_OK) {
            snprintf(lr[l].tok, sizeof lr[l].tok, "%s", tokenizer_name(t));
            rc = encode_lengths(t, c, l, &lr[l], &err);
        }
        tokenizer_free(t);
    }

    /* this machine: measured and checked against the real small model */
    roofline_check chk;
    int have_chk = 0;
    if (rc == TB_OK && timing) {
        openblas_set_num_threads(1);
        rc = roofline_check_run(CHECK_PRESET, CHECK_VOCAB, CHECK_N, CHECK_N, CHECK_REPEATS, &chk,
                                &err);
        if (rc == TB_OK)
            rc = roofline_set_machine(rf, &chk.machine, &err);
        have_chk = rc == TB_OK;
    }

    results *r = NULL;
    if (rc == TB_OK)
        rc = results_new(&r, &err);
    const char *cn = corpus_name(c);
    for (size_t l = 0; l < nl && rc == TB_OK; l++) {
        if (!lr[l].want)
            continue;
        rc = stage_roofline_rows(rf, &cfg, lr[l].lens, lr[l].n_seqs, lr[l].vocab, r, cn, "test",
                           corpus_lang(c, l), lr[l].tok, &err);
        if (rc == TB_OK && have_chk && lr[l].tokens)
            rc = stage_roofline_check_rows(&chk, r, cn, "test", corpus_lang(c, l), lr[l].tok, &err);
    }
    if (rc == TB_OK) {
        print_header(rf, &cfg, cn, spec, have_chk ? &chk : NULL);
        size_t np = roofline_pairs(rf, &cfg, NULL, NULL, 0);
        const roofline_dims **pm = tb_calloc(np + 1, sizeof *pm, &err);
        const roofline_hw **ph = tb_calloc(np + 1, sizeof *ph, &err);
        rc = pm && ph ? TB_OK : TB_EINPUT;
        if (rc == TB_OK)
            roofline_pairs(rf, &cfg, pm, ph, np);
        printf("%-10s %-14s %-5s %9s %12s %10s %10s %6s %12s %11s %10s %10s\n", "model",
               "hardware", "lang", "tokens", "prefill ms", "prompt ms", "decode ms", "fits",
               "train PFLOP", "accel-h", "kWh", "USD");
        for (size_t i = 0; i < np && rc == TB_OK; i++)
            for (size_t l = 0; l < nl && rc == TB_OK; l++) {
                if (!lr[l].want || !lr[l].tokens)
                    continue;
                roofline_proj p;
                rc = roofline_project(pm[i], lr[l].vocab, ph[i], &cfg, lr[l].lens, lr[l].n_seqs,
                                      &p, &err);
                if (rc)
                    break;
                char b[5][32];
                const char *fits =
                    ph[i]->mem_bytes <= 0 ? "?" : p.weight_bytes <= ph[i]->mem_bytes ? "yes" : "no";
                printf("%-10s %-14s %-5s %9zu %12.2f %10.2f %10.3f %6s %12.4g %11s %10s %10s\n",
                       pm[i]->name, ph[i]->name, corpus_lang(c, l), lr[l].tokens, p.prefill_ms,
                       p.prompt_ms, p.decode_ms, fits, p.train_flops / 1e15,
                       cell(b[0], 32, "%.4g", p.train_hours), cell(b[1], 32, "%.4g", p.train_kwh),
                       cell(b[2], 32, "%.4g", p.train_usd));
            }
        free(pm);
        free(ph);
        printf("\n'fits': the weights (parameters x bytes per element) within the device memory; "
               "accel-h: accelerator-hours\n");
        const char *out = cli_get(&project_cmd, a, "output", NULL);
        if (rc == TB_OK && out)
            rc = results_save_csv(r, out, &err);
    }
    if (rc)
        rc = cli_fail("project", &err);
    for (size_t l = 0; lr && l < nl; l++)
        free(lr[l].lens);
    free(lr);
    results_free(r);
    corpus_free(c);
    roofline_free(rf);
    return rc;
}
