/* cmd_model.c - `tokbench model`: the transformer cost of a corpus's test
 * split per language for one tokenizer, and `--bench`, the measurements
 * behind bench/bench_model.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../model/cost.h"
#include "../model/transformer.h"
#include "../tokenizers/tokenizer.h"
#include "cli.h"
#include "commands.h"
#include "setup.h"
#include "../bench/stage_metrics.h"
#include "../results/results.h"
#include "../bench/run.h"
#include "../bench/stage_model.h"

static const cli_opt model_opts[] = {
    {"corpus", 'c', "CORPUS", "corpus whose test split is priced (name under DATA or a folder)"},
    {"tokenizer", 't', "SPEC", "tokenizer spec (its vocabulary sizes the model)"},
    {"lang", 'l', "LANG", "only these languages (repeatable; default all)"},
    {"preset", 'p', "NAME", "model preset: tiny, small (default), base"},
    {"set", 's', "KEY=VALUE", "override a model field: d_model n_layers n_heads context d_ff "
                              "tied seed (vocab: --bench only)"},
    {"threads", 0, "N", "OpenBLAS threads (default 1)"},
    {"repeats", 0, "N", "timed runs per point after one warm-up, median (default 3)"},
    {"no-timing", 0, NULL, "analytic rows only: no model is run"},
    {"bench", 0, NULL, "benchmark: prefill vs raw sgemm, breakdown, decode vs bandwidth"},
    {"n", 'n', "TOKENS", "--bench: prefill length of the sgemm check (default 512)"},
    {"output", 'o', "FILE", "also write the rows as results CSV to FILE"},
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};

const cli_command model_cmd = {
    "model",
    "model -c CORPUS -t SPEC [-l LANG]... [--preset NAME] [--set KEY=VALUE]... [-o FILE] | "
    "model --bench [-t SPEC] [--preset NAME] [--set vocab=N]",
    "Transformer FLOPs, memory and milliseconds of the test split per language.",
    "Prices the test split of every language of CORPUS with the reference transformer\n"
    "(model/transformer.h: pre-LN GPT decoder, fp32, OpenBLAS sgemm): each segment one\n"
    "sequence, chunked at the context length, logits at every position. FLOPs and bytes\n"
    "are analytic (2 FLOPs per multiply-add, attention dense: QK^T and AV 2 n^2 d per\n"
    "layer each, no causal discount); rows ending _7b_analytic price the same tokens on\n"
    "a 7B-class configuration (d 4096, 32 layers), analytic only. ms rows are measured:\n"
    "the model body is timed at prefill lengths 1..1024 and three cache lengths, the LM\n"
    "head per vocabulary size (scaled linearly in V above 32,768 columns); each chunk is\n"
    "priced by the piecewise-linear fit of those measurements. The memory table gives\n"
    "KV cache, activations, inference and training bytes at 1k, 8k and 60k tokens.\n"
    "V is vocab_priced (the tokenizer's; chars: its distinct code points, >= 256); with\n"
    "English, flops_doc_8k/_60k price one unchunked document of 8k/60k English tokens.\n"
    "\n"
    "--bench runs the model at n = 64..1024 with a per-component time breakdown, checks\n"
    "prefill GEMM GFLOPS against raw sgemm on the same shapes in the same run, and decode\n"
    "steps against weight bytes / streaming-read bandwidth. Vocabulary: the tokenizer's\n"
    "(-t), --set vocab=N, or 50257.\n"
    "\n"
    "A model that does not fit in the memory available (MemAvailable of /proc/meminfo,\n"
    "or TOKBENCH_MEM_AVAILABLE_GB=N to state N GB) is refused before it is allocated:\n"
    "exit 3 with the GB needed and available (7b needs about 31 GB).\n",
    model_opts,
    NULL,
};


/* Encodes the test segments of language li (others stay empty). */
typedef struct streams {
    uint32_t *ids;
    size_t *first;
    size_t n, cap;
    token_streams ts;
} streams;

static int encode_test(const tokenizer *t, const corpus *c, size_t li, streams *s, tb_error *err)
{
    size_t ns = corpus_n_segments(c);
    memset(s, 0, sizeof *s);
    s->first = tb_calloc(ns + 1, sizeof *s->first, err);
    if (!s->first)
        return TB_EINPUT;
    for (size_t seg = 0; seg < ns; seg++) {
        s->first[seg] = s->n;
        if (!corpus_in_split(c, seg, CORPUS_TEST))
            continue;
        size_t len, got;
        const char *text = corpus_segment(c, li, seg, &len);
        for (;;) {
            if (tokenizer_encode(t, text, len, s->ids + s->n, NULL, s->cap - s->n, &got, err))
                return tb_wrap(err, "corpus '%s': %s.txt:%zu: ", corpus_name(c),
                               corpus_lang(c, li), seg + 1);
            if (got <= s->cap - s->n)
                break;
            size_t ncap = (s->n + got) * 2 + 1024;
            uint32_t *ni = tb_realloc(s->ids, ncap * sizeof *ni, err);
            if (!ni)
                return TB_EINPUT;
            s->ids = ni;
            s->cap = ncap;
        }
        s->n += got;
    }
    s->first[ns] = s->n;
    s->ts.n_segments = ns;
    s->ts.ids = s->ids;
    s->ts.first = s->first;
    s->ts.vocab_size = tokenizer_vocab_size(t);
    return TB_OK;
}

static void streams_release(streams *s)
{
    free(s->ids);
    free(s->first);
}

static double val(const results *r, const char *cn, const char *lang, const char *tok,
                  const char *metric)
{
    double v = -1;
    results_value(r, cn, "test", lang, tok, metric, &v);
    return v;
}

/* A table cell: the value with fmt, or "-" when the row is absent. */
static const char *cell(char *buf, size_t cap, const char *fmt, double v, double scale)
{
    if (v < 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, fmt, v * scale);
    return buf;
}

static int parse_size(const char *s, const char *what, size_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 1 || v > 1000000) {
        fprintf(stderr, "tokbench model: %s must be an integer in 1..1000000, got '%s'\n", what,
                s);
        return TB_EUSAGE;
    }
    *out = (size_t)v;
    return TB_OK;
}

static int run_bench(const stage_model_config *cfg, size_t vocab, size_t n_check)
{
    tb_error err = {0};
    stage_model_bench_result b;
    if (stage_model_bench(cfg, vocab, n_check, &b, &err))
        return cli_fail("model", &err);
    printf("model bench: preset %s, vocab %zu, %zu parameters (%.1f MB fp32), OpenBLAS threads "
           "%d, median of %d runs after a warm-up\n",
           cfg->preset ? cfg->preset : "small", b.vocab, b.params, 4.0 * b.params / 1e6,
           b.threads, cfg->repeats > 0 ? cfg->repeats : 3);
    printf("convention: 2 FLOPs per multiply-add, attention dense (no causal discount), logits "
           "at every prefill position\n\n");
    printf("prefill breakdown (share of wall time)\n");
    printf("%6s %10s %8s %7s %8s %9s %7s %7s %9s\n", "n", "ms", "GFLOP/s", "gemm", "lm_head",
           "softmax", "norm+act", "embed", "kv_copy");
    for (size_t i = 0; i < b.n_prefill; i++) {
        const stage_model_point *p = &b.prefill[i];
        printf("%6zu %10.2f %8.1f %7.3f %8.3f %9.3f %7.3f %7.3f %9.3f\n", p->n, p->ms, p->gflops,
               p->gemm_share, p->head_share, p->softmax_share, p->norm_act_share, p->embed_share,
               p->copy_share);
    }
    printf("\ndecode step breakdown (n = cache length; one-row products by sgemv; 'sgemm ms': "
           "the same step with sgemm)\n");
    printf("%6s %10s %8s %7s %8s %9s %7s %10s %10s %7s %10s\n", "n", "ms", "GFLOP/s", "gemm",
           "lm_head", "softmax", "norm+act", "MB read", "bound ms", "ratio", "sgemm ms");
    for (size_t i = 0; i < b.n_decode; i++) {
        const stage_model_point *p = &b.decode[i];
        printf("%6zu %10.3f %8.1f %7.3f %8.3f %9.3f %7.3f %10.1f %10.3f %7.2f %10.3f\n", p->n,
               p->ms, p->gflops, p->gemm_share, p->head_share, p->softmax_share,
               p->norm_act_share, b.decode_bytes[i] / 1e6, b.decode_bound_ms[i],
               p->ms / b.decode_bound_ms[i], b.decode_sgemm_ms[i]);
    }
    printf("\nstreaming read bandwidth: %.2f GB/s\n", b.bandwidth_gbs);
    printf("prefill n=%zu: %.2f ms, GEMM %.3f GFLOP; model %.1f GEMM-GFLOP/s of wall, raw sgemm "
           "same shapes %.1f GFLOP/s\n",
           b.n_check, b.prefill_ms, b.gemm_flops / 1e9, b.model_gemm_gflops, b.raw_gemm_gflops);
    printf("check gemm_ratio %.3f (bar >= 0.85): %s\n", b.gemm_ratio,
           b.gemm_ratio >= 0.85 ? "meets" : "misses");
    printf("check nongemm_share %.3f (bar <= 0.10): %s\n", b.nongemm_share,
           b.nongemm_share <= 0.10 ? "meets" : "misses");
    for (size_t i = 0; i < b.n_decode; i++) {
        double ratio = b.decode[i].ms / b.decode_bound_ms[i];
        printf("check decode_vs_bandwidth_%zu %.3f (bar <= 1.5): %s\n", b.decode[i].n, ratio,
               ratio <= 1.5 ? "meets" : "misses");
    }
    return 0;
}

int cmd_model(const cli_args *a)
{
    int rc = 0;
    if (a->npos) {
        fprintf(stderr, "tokbench model: unexpected argument '%s'\nusage: tokbench %s\n",
                a->pos[0], model_cmd.synopsis);
        return TB_EUSAGE;
    }
    stage_model_config cfg = {0};
    cfg.preset = cli_get(&model_cmd, a, "preset", "small");
    int io = cli_opt_index(&model_cmd, "set");
    cfg.overrides = a->v[io];
    cfg.n_overrides = a->n[io];
    cfg.timing = !cli_count(&model_cmd, a, "no-timing");
    size_t v;
    const char *s;
    if ((s = cli_get(&model_cmd, a, "threads", NULL))) {
        if (parse_size(s, "--threads", &v))
            return TB_EUSAGE;
        cfg.threads = (int)v;
    }
    if ((s = cli_get(&model_cmd, a, "repeats", NULL))) {
        if (parse_size(s, "--repeats", &v))
            return TB_EUSAGE;
        cfg.repeats = v > 64 ? 64 : (int)v;
    }
    tb_error err = {0};
    stage_model *sm = NULL;
    if (stage_model_new(&cfg, &sm, &err))
        return cli_fail("model", &err);
    const char *cname = cli_get(&model_cmd, a, "corpus", NULL);
    const char *spec = cli_get(&model_cmd, a, "tokenizer", NULL);
    tokenizer_ctx ctx = cli_tokenizer_ctx(NULL, -1);
    corpus *c = NULL;
    if (cname) {
        if (cli_open_corpus(&model_cmd, a, cname, &c, &err)) {
            stage_model_free(sm);
            return cli_fail("model", &err);
        }
    }
    if (cli_count(&model_cmd, a, "bench")) {
        /* vocabulary: the tokenizer's, else --set vocab=N, else GPT-2's 50257 */
        tf_config probe;
        tf_preset(cfg.preset, &probe, &err);
        for (size_t i = 0; i < cfg.n_overrides; i++)
            tf_config_set(&probe, cfg.overrides[i], &err);
        size_t vocab = probe.vocab ? probe.vocab : 50257, n_check = 512;
        if ((s = cli_get(&model_cmd, a, "n", NULL)) && parse_size(s, "-n", &n_check))
            rc = TB_EUSAGE;
        if (rc == TB_OK && spec) {
            const char *lang = cli_get(&model_cmd, a, "lang", "en");
            tokenizer *t = NULL;
            ctx.corpus = c;
            ctx.lang = c ? corpus_find_lang(c, lang) : -1;
            if (tokenizer_new(spec, &ctx, &t, &err))
                rc = cli_fail("model", &err);
            else
                vocab = tokenizer_vocab_size(t);
            tokenizer_free(t);
        }
        if (rc == TB_OK)
            rc = run_bench(&cfg, vocab, n_check);
        stage_model_free(sm);
        corpus_free(c);
        return rc;
    }
    if (!c || !spec) {
        fprintf(stderr, "tokbench model: needs -c CORPUS and -t SPEC (or --bench)\nusage: "
                        "tokbench %s\n",
                model_cmd.synopsis);
        stage_model_free(sm);
        corpus_free(c);
        return TB_EUSAGE;
    }
    int il = cli_opt_index(&model_cmd, "lang");
    for (size_t i = 0; i < a->n[il]; i++)
        if (corpus_find_lang(c, a->v[il][i]) < 0) {
            fprintf(stderr, "tokbench model: corpus '%s' has no language '%s'\n", corpus_name(c),
                    a->v[il][i]);
            stage_model_free(sm);
            corpus_free(c);
            return TB_EUSAGE;
        }
    results *r = NULL;
    size_t nl = corpus_n_langs(c);
    int en = corpus_pivot(c);
    streams *st = tb_calloc(nl ? nl : 1, sizeof *st, &err);
    char (*toknames)[256] = st ? tb_calloc(nl ? nl : 1, sizeof *toknames, &err) : NULL;
    int *want = toknames ? tb_calloc(nl ? nl : 1, sizeof *want, &err) : NULL;
    rc = want ? results_new(&r, &err) : err.status;
    for (size_t l = 0; l < nl && rc == TB_OK; l++) {
        want[l] = a->n[il] == 0;
        for (size_t i = 0; i < a->n[il]; i++)
            want[l] |= strcmp(a->v[il][i], corpus_lang(c, l)) == 0;
        if (!want[l] && (int)l != en)
            continue;
        tokenizer *t = NULL;
        ctx.corpus = c;
        ctx.lang = (int)l;
        rc = tokenizer_new(spec, &ctx, &t, &err);
        if (rc == TB_OK) {
            snprintf(toknames[l], sizeof toknames[l], "%s", tokenizer_name(t));
            rc = encode_test(t, c, l, &st[l], &err);
        }
        tokenizer_free(t);
    }
    for (size_t l = 0; l < nl && rc == TB_OK; l++)
        if (want[l])
            rc = stage_model_rows(sm, c, l, toknames[l], &st[l].ts, en >= 0 ? &st[en].ts : NULL,
                                  r, &err);
    if (rc == TB_OK) {
        const char *cn = corpus_name(c);
        printf("corpus %s (split test), tokenizer %s, model %s (fp32, OpenBLAS threads %d)\n", cn,
               spec, cfg.preset, cfg.threads > 0 ? cfg.threads : 1);
        printf("FLOPs: 2 per multiply-add, attention dense, logits at every position; ms: "
               "measured body sweep + LM head, piecewise-linear fit\n");
        printf("%-5s %10s %12s %8s %9s %12s %12s %12s %10s\n", "lang", "tokens", "GFLOP total",
               "gemm%", "vs en", "ms_prefill", "ms_dec@512", "KV@60k MB", "7b TFLOP");
        for (size_t l = 0; l < nl; l++) {
            if (!want[l])
                continue;
            const char *lg = corpus_lang(c, l), *tn = toknames[l];
            char b[8][32];
            printf("%-5s %10zu %12s %8s %9s %12s %12s %12s %10s\n", lg, st[l].n,
                   cell(b[0], 32, "%.2f", val(r, cn, lg, tn, "flops_total"), 1e-9),
                   cell(b[1], 32, "%.2f", val(r, cn, lg, tn, "gemm_flops_share"), 100),
                   cell(b[2], 32, "%.3f", val(r, cn, lg, tn, "flops_total_vs_en"), 1),
                   cell(b[3], 32, "%.1f", val(r, cn, lg, tn, "ms_prefill"), 1),
                   cell(b[4], 32, "%.3f", val(r, cn, lg, tn, "ms_decode_token_512"), 1),
                   cell(b[5], 32, "%.1f", val(r, cn, lg, tn, "bytes_kv_cache_60k"), 1e-6),
                   cell(b[6], 32, "%.2f", val(r, cn, lg, tn, "flops_total_7b_analytic"), 1e-12));
        }
        const char *out = cli_get(&model_cmd, a, "output", NULL);
        if (out)
            rc = results_save_csv(r, out, &err);
    }
    if (rc)
        rc = cli_fail("model", &err);
    for (size_t l = 0; st && l < nl; l++)
        streams_release(&st[l]);
    free(st);
    free(toknames);
    free(want);
    results_free(r);
    stage_model_free(sm);
    corpus_free(c);
    return rc;
}
