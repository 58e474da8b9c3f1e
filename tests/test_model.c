/* test_model.c - the reference transformer (model/transformer.h), its cost
 * model (model/cost.h) and the model stage (bench/stage_model.h) on the tiny
 * preset: BLAS forward = naive reference, KV decode = prefill, counted FLOPs
 * = analytic FLOPs, parameter bytes = allocation, seeded init reproducible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../results/results.h"
#include "../bench/stage_model.h"
#include "../model/cost.h"
#include "../model/roofline.h"
#include "../model/transformer.h"

static tf_config tiny(size_t vocab, int tied)
{
    tf_config c;
    tb_error err = {0};
    assert_int_equal(tf_preset("tiny", &c, &err), TB_OK);
    c.vocab = vocab;
    c.tied = tied;
    return c;
}

static void random_ids(uint32_t *ids, size_t n, size_t vocab, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        ids[i] = (seed >> 8) % (uint32_t)vocab;
    }
}

/* max |a - b| / max |b| */
static double rel_err(const float *a, const float *b, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]);
        num = e > num ? e : num;
        den = fabs((double)b[i]) > den ? fabs((double)b[i]) : den;
    }
    return den > 0 ? num / den : num;
}

static void test_blas_matches_reference(void **state)
{
    (void)state;
    for (int tied = 0; tied <= 1; tied++) {
        tf_config c = tiny(101, tied);
        tb_error err = {0};
        tf_model *m;
        assert_int_equal(tf_new(&c, &m, &err), TB_OK);
        size_t n = 37;
        uint32_t ids[64];
        random_ids(ids, n, c.vocab, 5);
        float *a = malloc(n * c.vocab * sizeof *a), *b = malloc(n * c.vocab * sizeof *b);
        assert_int_equal(tf_prefill(m, ids, n, 1, a, &err), TB_OK);
        assert_int_equal(tf_reference_forward(m, ids, n, b, &err), TB_OK);
        double e = rel_err(a, b, n * c.vocab);
        assert_true(e <= 1e-5);
        /* the comparison can fail: one changed id changes the logits from there on */
        ids[20] = (ids[20] + 1) % (uint32_t)c.vocab;
        assert_int_equal(tf_reference_forward(m, ids, n, b, &err), TB_OK);
        assert_true(rel_err(a, b, 20 * c.vocab) <= 1e-5);
        assert_true(rel_err(a + 20 * c.vocab, b + 20 * c.vocab, (n - 20) * c.vocab) > 1e-3);
        free(a);
        free(b);
        tf_free(m);
    }
}

static void test_kv_decode_matches_prefill(void **state)
{
    (void)state;
    for (int tied = 0; tied <= 1; tied++) {
        tf_config c = tiny(97, tied);
        tb_error err = {0};
        tf_model *m;
        assert_int_equal(tf_new(&c, &m, &err), TB_OK);
        size_t n = c.context;   /* every position up to the end of the cache */
        uint32_t ids[64];
        random_ids(ids, n, c.vocab, 11);
        float *full = malloc(n * c.vocab * sizeof *full), *step = malloc(c.vocab * sizeof *step);
        assert_int_equal(tf_prefill(m, ids, n, 1, full, &err), TB_OK);
        /* last-only prefill logits equal the last row */
        assert_int_equal(tf_prefill(m, ids, n, 0, step, &err), TB_OK);
        assert_true(rel_err(step, full + (n - 1) * c.vocab, c.vocab) <= 1e-6);
        assert_int_equal(tf_prefill(m, ids, 1, 0, step, &err), TB_OK);
        assert_true(rel_err(step, full, c.vocab) <= 1e-4);
        for (size_t p = 1; p < n; p++) {
            assert_int_equal(tf_decode(m, ids[p], p, step, &err), TB_OK);
            double e = rel_err(step, full + p * c.vocab, c.vocab);
            if (e > 1e-4)
                fail_msg("position %zu: relative error %g", p, e);
        }
        assert_int_equal(tf_cache_len(m), n);
        /* decoding again from a shorter cache (re-decode position 5) */
        assert_int_equal(tf_decode(m, ids[5], 5, step, &err), TB_OK);
        assert_true(rel_err(step, full + 5 * c.vocab, c.vocab) <= 1e-4);
        free(full);
        free(step);
        tf_free(m);
    }
}

/* Widths that are not multiples of the decode kernels' vector steps (the
 * head's 32 floats, attention's 8 per partial sum): d 44, dh 11. Decode
 * steps equal the double-precision reference at every position. */
static void test_decode_odd_widths(void **state)
{
    (void)state;
    tf_config c = tiny(131, 1);
    c.d_model = 44;
    c.n_heads = 4;
    c.d_ff = 100;
    c.context = 24;
    tb_error err = {0};
    tf_model *m;
    assert_int_equal(tf_new(&c, &m, &err), TB_OK);
    size_t n = c.context;
    uint32_t ids[24];
    random_ids(ids, n, c.vocab, 5);
    float *ref = malloc(n * c.vocab * sizeof *ref), *step = malloc(c.vocab * sizeof *step);
    assert_int_equal(tf_reference_forward(m, ids, n, ref, &err), TB_OK);
    assert_int_equal(tf_prefill(m, ids, 1, 0, step, &err), TB_OK);
    for (size_t p = 1; p < n; p++) {
        assert_int_equal(tf_decode(m, ids[p], p, step, &err), TB_OK);
        double e = rel_err(step, ref + p * c.vocab, c.vocab);
        if (e > 1e-4)
            fail_msg("position %zu: relative error %g against the reference", p, e);
    }
    free(ref);
    free(step);
    tf_free(m);
}

static void check_counts(const tf_model *m, const tf_cost *want)
{
    const tf_stats *s = tf_stats_get(m);
    double gemm = 0;
    for (int p = 0; p < TF_NPARTS; p++) {
        double got = s->gemm_flops[p] + s->elem_flops[p];
        if (got != want->flops[p])
            fail_msg("part %s: counted %.0f, analytic %.0f", tf_part_name(p), got, want->flops[p]);
        gemm += s->gemm_flops[p];
    }
    assert_true(gemm == want->gemm_flops);
    /* the GEMM calls actually made: shapes times calls */
    double shapes = 0;
    size_t calls = 0;
    for (size_t i = 0; i < s->n_shapes; i++) {
        shapes += 2.0 * s->shapes[i].m * s->shapes[i].n * s->shapes[i].k * s->shapes[i].calls;
        calls += s->shapes[i].calls;
    }
    assert_true(shapes == gemm);
    assert_int_equal(calls, s->gemm_calls);
}

static void test_flops_match_cost(void **state)
{
    (void)state;
    tf_config c = tiny(300, 0);
    tb_error err = {0};
    tf_model *m;
    assert_int_equal(tf_new(&c, &m, &err), TB_OK);
    uint32_t ids[64];
    random_ids(ids, 40, c.vocab, 3);
    float *lg = malloc(40 * c.vocab * sizeof *lg);
    tf_cost want;
    tf_stats_reset(m);
    assert_int_equal(tf_prefill(m, ids, 40, 1, lg, &err), TB_OK);
    tf_cost_forward(&c, 40, 0, 1, &want);
    check_counts(m, &want);
    /* hand check of the convention: qkvo 8 L n d^2, attn 4 L n^2 d, head 2 n d V */
    assert_true(want.flops[TF_QKVO] == 8.0 * 2 * 40 * 64 * 64);
    assert_true(want.flops[TF_ATTN] == 4.0 * 2 * 40 * 40 * 64);
    assert_true(want.flops[TF_MLP] == 16.0 * 2 * 40 * 64 * 64);
    assert_true(want.flops[TF_LM_HEAD] == 2.0 * 40 * 64 * 300);
    /* per layer: L H (n x T x dh) twice + 4 projections; plus the head */
    assert_int_equal(tf_stats_get(m)->gemm_calls, 2 * (4 * 2 + 4) + 1);
    tf_stats_reset(m);
    assert_int_equal(tf_prefill(m, ids, 40, 0, lg, &err), TB_OK);
    tf_cost_forward(&c, 40, 0, 0, &want);
    check_counts(m, &want);
    tf_stats_reset(m);
    assert_int_equal(tf_decode(m, ids[39], 39, lg, &err), TB_OK);
    assert_int_equal(tf_decode(m, ids[0], 40, lg, &err), TB_OK);
    tf_cost a, b;
    tf_cost_forward(&c, 1, 39, 0, &a);
    tf_cost_forward(&c, 1, 40, 0, &b);
    for (int p = 0; p < TF_NPARTS; p++)
        a.flops[p] += b.flops[p];
    a.gemm_flops += b.gemm_flops;
    check_counts(m, &a);
    free(lg);
    tf_free(m);
}

static void test_param_bytes(void **state)
{
    (void)state;
    for (int tied = 0; tied <= 1; tied++) {
        tf_config c = tiny(1000, tied);
        c.d_ff = 200; /* not 4 d: the formula must use d_ff */
        tb_error err = {0};
        tf_model *m;
        assert_int_equal(tf_new(&c, &m, &err), TB_OK);
        size_t n;
        tf_params(m, &n);
        tf_mem mem;
        tf_cost_memory(&c, 10, &mem);
        assert_true(mem.params_embed + mem.params_layers == 4.0 * n);
        assert_int_equal(n, tf_config_params(&c));
        /* hand count of the embedding: V d (twice untied) + context d */
        assert_true(mem.params_embed == 4.0 * (1000 * 64 * (tied ? 1 : 2) + 64 * 64));
        assert_true(mem.kv_cache == 4.0 * 2 * 2 * 10 * 64);
        assert_int_equal(tf_kv_bytes(m), 4 * 2 * 2 * 64 * 64);
        tf_free(m);
    }
}

static void test_seed_reproducible(void **state)
{
    (void)state;
    tf_config c = tiny(50, 0);
    c.seed = 7;
    tb_error err = {0};
    tf_model *a, *b, *z;
    assert_int_equal(tf_new(&c, &a, &err), TB_OK);
    assert_int_equal(tf_new(&c, &b, &err), TB_OK);
    c.seed = 8;
    assert_int_equal(tf_new(&c, &z, &err), TB_OK);
    size_t na, nb, nz;
    const float *pa = tf_params(a, &na), *pb = tf_params(b, &nb), *pz = tf_params(z, &nz);
    assert_int_equal(na, nb);
    assert_memory_equal(pa, pb, na * sizeof(float));
    assert_memory_not_equal(pa, pz, na * sizeof(float));
    /* the normals have the intended spread: sd of Wte close to 0.02 */
    double s2 = 0;
    for (size_t i = 0; i < 50 * 64; i++)
        s2 += (double)pa[i] * pa[i];
    double sd = sqrt(s2 / (50 * 64));
    assert_true(sd > 0.019 && sd < 0.021);
    tf_free(a);
    tf_free(b);
    tf_free(z);
}

static void test_bad_input(void **state)
{
    (void)state;
    tb_error err = {0};
    tf_config c = tiny(10, 1);
    tf_model *m;
    assert_int_equal(tf_new(&c, &m, &err), TB_OK);
    uint32_t ids[3] = {1, 10, 2};
    float lg[30];
    assert_int_equal(tf_prefill(m, ids, 3, 1, lg, &err), TB_EINPUT);
    assert_non_null(strstr(err.msg, "position 1"));
    assert_int_equal(tf_prefill(m, ids, 0, 1, lg, &err), TB_EINPUT);
    assert_int_equal(tf_prefill(m, ids, 65, 1, lg, &err), TB_EINPUT);
    assert_int_equal(tf_decode(m, 1, 5, lg, &err), TB_EINPUT); /* empty cache */
    tf_free(m);
    c.n_heads = 5;
    assert_int_equal(tf_new(&c, &m, &err), TB_EUSAGE);
    assert_null(m);
    c = tiny(0, 1);
    assert_int_equal(tf_config_check(&c, &err), TB_EUSAGE);
    assert_int_equal(tf_config_set(&c, "d_model=128", &err), TB_OK);
    assert_int_equal((int)c.d_model, 128);
    assert_int_equal(tf_config_set(&c, "width=3", &err), TB_EUSAGE);
    assert_int_equal(tf_config_set(&c, "tied=2", &err), TB_EUSAGE);
    assert_int_equal(tf_config_set(&c, "context=-1", &err), TB_EUSAGE);
    assert_int_equal(tf_config_set(&c, "context", &err), TB_EUSAGE);
    assert_int_equal(tf_preset("huge", &c, &err), TB_EUSAGE);
    c = tiny(1, 1);
    c.vocab = (size_t)1 << 40;
    assert_int_equal(tf_config_check(&c, &err), TB_EUSAGE);
}

/* ---- the stage: tests/fixtures/metrics has segments s6 (test) and s2 (train) */

static double row_value(const results *r, const char *lang, const char *metric)
{
    long i = results_find(r, "metrics", "test", lang, "fake", metric);
    if (i < 0)
        return -1;
    result_row row;
    results_get(r, (size_t)i, &row);
    return row.value;
}

static void test_stage_rows(void **state)
{
    (void)state;
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/metrics", root);
    tb_error err = {0};
    corpus *c = NULL;
    results *r = NULL;
    assert_int_equal(corpus_open(dir, &c, &err), TB_OK);
    assert_int_equal(results_new(&r, &err), TB_OK);
    int en = corpus_find_lang(c, "en"), ru = corpus_find_lang(c, "ru");
    assert_true(corpus_in_split(c, 0, CORPUS_TEST) && !corpus_in_split(c, 1, CORPUS_TEST));
    /* en: 100 test tokens (one chunk of 64 + 36), ru: 150 (64 + 64 + 22);
     * the 5 train tokens are never priced */
    static uint32_t ids[300];
    for (size_t i = 0; i < 300; i++)
        ids[i] = (uint32_t)(i % 40);
    size_t fen[3] = {0, 100, 105}, fru[3] = {0, 150, 155};
    token_streams ten = {2, ids, fen, 40}, tru = {2, ids, fru, 40};
    for (int timing = 0; timing <= 1; timing++) {
        const char *set[] = {"seed=3"};
        stage_model_config cfg = {.preset = "tiny", .overrides = set, .n_overrides = 1,
                                  .repeats = 1, .timing = timing, .head_sample = 16};
        stage_model *sm = NULL;
        assert_int_equal(stage_model_new(&cfg, &sm, &err), TB_OK);
        assert_int_equal(stage_model_rows(sm, c, (size_t)en, "fake", &ten, &ten, r, &err), TB_OK);
        assert_int_equal(stage_model_rows(sm, c, (size_t)ru, "fake", &tru, &ten, r, &err), TB_OK);
        tf_config mc = tiny(40, 1);
        tf_cost a, b, z;
        tf_cost_forward(&mc, 64, 0, 1, &a);
        tf_cost_forward(&mc, 22, 0, 1, &b);
        tf_cost_forward(&mc, 36, 0, 1, &z);
        double want_ru = 2 * a.total + b.total, want_en = a.total + z.total;
        assert_true(row_value(r, "ru", "flops_total") == want_ru);
        assert_true(row_value(r, "en", "flops_total") == want_en);
        assert_true(row_value(r, "ru", "flops_attn") == 2 * a.flops[TF_ATTN] + b.flops[TF_ATTN]);
        assert_true(row_value(r, "ru", "model_chunks") == 3);
        assert_true(fabs(row_value(r, "ru", "flops_total_vs_en") - want_ru / want_en) < 1e-12);
        assert_true(row_value(r, "en", "bytes_kv_cache_60k") == 4.0 * 2 * 2 * 60000 * 64);
        assert_true(row_value(r, "ru", "bytes_kv_cache") == 4.0 * 2 * 2 * 150 * 64);
        assert_true(row_value(r, "ru", "bytes_params_embed") == 4.0 * (40 * 64 + 64 * 64));
        /* 7b: untied, d 4096, 32 layers, context 4096: 150 tokens are one chunk */
        tf_config big;
        assert_int_equal(tf_preset("7b", &big, &err), TB_OK);
        big.vocab = 40;
        tf_cost_forward(&big, 150, 0, 1, &a);
        assert_true(row_value(r, "ru", "flops_total_7b_analytic") == a.total);
        assert_true(row_value(r, "ru", "bytes_kv_cache_60k_7b_analytic") ==
                    4.0 * 2 * 32 * 60000 * 4096);
        /* a vocabulary that is a real table is priced as it is */
        assert_true(row_value(r, "ru", "vocab_priced") == 40);
        /* long documents: ru takes 150 / 100 of English's tokens, so the
         * content of 8,000 English tokens is 12,000 in ru, one sequence past
         * the context of 64 (not chunked) */
        assert_true(row_value(r, "en", "doc_tokens_8k") == 8000);
        assert_true(row_value(r, "ru", "doc_tokens_8k") == 12000);
        assert_true(row_value(r, "ru", "doc_tokens_60k") == 90000);
        double d = 64, L = 2, H = 4, f = 256, V = 40, n = 12000;
        double hand = n * d + 8 * L * n * d * d + 4 * L * n * n * d + 4 * L * n * d * f +
                      2 * n * d * V + 8 * (2 * L + 1) * n * d + 5 * L * H * n * n +
                      8 * L * n * f + L * n * (5 * d + f) + 2 * L * n * d;
        assert_true(row_value(r, "ru", "flops_doc_8k") == hand);
        tf_cost_forward(&mc, 8000, 0, 1, &a);
        assert_true(row_value(r, "en", "flops_doc_8k") == a.total);
        assert_true(row_value(r, "en", "flops_doc_8k_vs_en") == 1);
        assert_true(fabs(row_value(r, "ru", "flops_doc_8k_vs_en") - hand / a.total) < 1e-12);
        tf_cost_forward(&mc, 90000, 0, 1, &b);
        tf_cost_forward(&mc, 60000, 0, 1, &z);
        assert_true(row_value(r, "ru", "flops_doc_60k") == b.total);
        assert_true(fabs(row_value(r, "ru", "flops_doc_60k_vs_en") - b.total / z.total) < 1e-12);
        /* attention's n^2 makes the long document dearer than the ratio of tokens */
        assert_true(row_value(r, "ru", "flops_doc_60k_vs_en") > 1.5);
        /* no dims given: no _<m> rows */
        assert_true(row_value(r, "ru", "flops_doc_8k_llama2-7b") == -1);
        if (timing) {
            assert_true(row_value(r, "ru", "ms_prefill") > 0);
            assert_true(row_value(r, "ru", "ms_decode_token_63") > 0);
            assert_true(row_value(r, "ru", "ms_prefill_vs_en") > 0);
            double share = row_value(r, "ru", "gemm_time_share");
            assert_true(share > 0 && share <= 1);
            assert_true(row_value(r, "ru", "gflops_achieved") > 0);
            /* the price is the piecewise-linear curve through the measured
             * sweep: ru = chunks 64 + 64 + 22, 22 between the points 16 and 64 */
            double p16 = row_value(r, "ru", "ms_prefill_16"), p64 = row_value(r, "ru", "ms_prefill_64");
            assert_true(p16 > 0 && p64 > 0 && row_value(r, "ru", "ms_prefill_1") > 0);
            double want = 2 * p64 + p16 + (p64 - p16) * (22.0 - 16) / (64 - 16);
            assert_true(fabs(row_value(r, "ru", "ms_prefill") - want) <= 1e-9 * want);
        } else {
            assert_true(row_value(r, "ru", "ms_prefill") == -1);
        }
        stage_model_free(sm);
        results_free(r);
        assert_int_equal(results_new(&r, &err), TB_OK);
    }
    /* bad input: an empty vocabulary, a bad override */
    stage_model_config cfg = {.preset = "tiny", .timing = 0};
    stage_model *sm = NULL;
    assert_int_equal(stage_model_new(&cfg, &sm, &err), TB_OK);
    token_streams bad = {2, ids, fen, 0};
    assert_int_equal(stage_model_rows(sm, c, (size_t)en, "fake", &bad, NULL, r, &err), TB_EINPUT);
    stage_model_free(sm);
    const char *set[] = {"n_heads=7"};
    cfg.overrides = set;
    cfg.n_overrides = 1;
    assert_int_equal(stage_model_new(&cfg, &sm, &err), TB_EUSAGE);
    assert_non_null(strstr(err.msg, "n_heads"));
    results_free(r);
    corpus_free(c);
}

/* stage_model_vocab_priced: a table vocabulary as it is; a code-space one
 * (chars) as the distinct ids of every segment (the ALL split), >= 256 */
static void test_vocab_priced(void **state)
{
    (void)state;
    tb_error err = {0};
    /* segment 0: ids 1000..1199, each twice; segment 1: 1100..1299 once and
     * 1000 again: 300 distinct code points over both segments */
    static uint32_t ids[601];
    size_t k = 0;
    for (uint32_t i = 0; i < 200; i++) {
        ids[k++] = 1000 + i;
        ids[k++] = 1000 + i;
    }
    for (uint32_t i = 0; i < 200; i++)
        ids[k++] = 1100 + i;
    ids[k++] = 1000;
    size_t first[3] = {0, 400, k};
    token_streams ts = {2, ids, first, 0x110000};
    size_t v = 0;
    assert_int_equal(stage_model_vocab_priced(&ts, &v, &err), TB_OK);
    assert_int_equal(v, 300);
    /* the first segment alone: 200 distinct, priced at the floor of 256 */
    token_streams one = {1, ids, first, 0x110000};
    assert_int_equal(stage_model_vocab_priced(&one, &v, &err), TB_OK);
    assert_int_equal(v, 256);
    /* a table vocabulary (bpe, graphemes, tiktoken) is its size, used or not */
    token_streams tab = {2, ids, first, 9669};
    assert_int_equal(stage_model_vocab_priced(&tab, &v, &err), TB_OK);
    assert_int_equal(v, 9669);
    token_streams big = {2, ids, first, 0x10FFFF};
    assert_int_equal(stage_model_vocab_priced(&big, &v, &err), TB_OK);
    assert_int_equal(v, 0x10FFFF);
}

/* stage_model_doc_tokens: round(N tokens_l / tokens_en), halves up, >= 1 */
static void test_doc_tokens(void **state)
{
    (void)state;
    assert_int_equal(stage_model_doc_tokens(8000, 100, 100), 8000);
    assert_int_equal(stage_model_doc_tokens(8000, 150, 100), 12000);
    assert_int_equal(stage_model_doc_tokens(8000, 1, 3), 2667);     /* 2666.67 */
    assert_int_equal(stage_model_doc_tokens(8000, 2, 3), 5333);     /* 5333.33 */
    assert_int_equal(stage_model_doc_tokens(5, 1, 2), 3);           /* 2.5 up */
    assert_int_equal(stage_model_doc_tokens(60000, 1, 1000000), 1); /* 0.06: at least 1 */
    assert_int_equal(stage_model_doc_tokens(8000, 5, 0), 0);
}

/* chars through the stage: every cost row takes the priced vocabulary, and
 * the flops_doc_*_<m> rows use the dims of cfg.dims */
static void test_stage_chars_priced(void **state)
{
    (void)state;
    const char *root = getenv("TB_ROOT") ? getenv("TB_ROOT") : ".";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/metrics", root);
    tb_error err = {0};
    corpus *c = NULL;
    results *r = NULL;
    assert_int_equal(corpus_open(dir, &c, &err), TB_OK);
    assert_int_equal(results_new(&r, &err), TB_OK);
    int en = corpus_find_lang(c, "en"), ru = corpus_find_lang(c, "ru");
    /* en: 100 test tokens of ids 0..99 + 5 train tokens 500..504 (counted:
     * the ALL split): 105 distinct -> 256. ru: 150 test tokens 1000..1149 and
     * 200 train tokens 2000..2199: 350 distinct */
    static uint32_t ie[105], ir[350];
    for (uint32_t i = 0; i < 100; i++)
        ie[i] = i;
    for (uint32_t i = 0; i < 5; i++)
        ie[100 + i] = 500 + i;
    for (uint32_t i = 0; i < 150; i++)
        ir[i] = 1000 + i;
    for (uint32_t i = 0; i < 200; i++)
        ir[150 + i] = 2000 + i;
    size_t fen[3] = {0, 100, 105}, fru[3] = {0, 150, 350};
    token_streams ten = {2, ie, fen, 0x110000}, tru = {2, ir, fru, 0x110000};
    /* dims named as the file's 7B models, small enough to check by hand */
    static const char dims[] =
        "model\tllama2-7b\t10\t4\t1\t2\t1\t8\tswiglu\trmsnorm\tnone\trope\t4\t0\thand\n";
    roofline *rf = NULL;
    assert_int_equal(roofline_parse(dims, sizeof dims - 1, "t", &rf, &err), TB_OK);
    stage_model_config cfg = {.preset = "tiny", .timing = 0, .dims = rf};
    stage_model *sm = NULL;
    assert_int_equal(stage_model_new(&cfg, &sm, &err), TB_OK);
    assert_int_equal(stage_model_rows(sm, c, (size_t)en, "fake", &ten, &ten, r, &err), TB_OK);
    assert_int_equal(stage_model_rows(sm, c, (size_t)ru, "fake", &tru, &ten, r, &err), TB_OK);
    assert_true(row_value(r, "en", "vocab_priced") == 256);
    assert_true(row_value(r, "ru", "vocab_priced") == 350);
    tf_config mc = tiny(350, 1), ec = tiny(256, 1), big;
    assert_int_equal(tf_preset("7b", &big, &err), TB_OK);
    big.vocab = 350;
    tf_cost a, b, z;
    tf_cost_forward(&mc, 64, 0, 1, &a);
    tf_cost_forward(&mc, 22, 0, 1, &b);
    assert_true(row_value(r, "ru", "flops_total") == 2 * a.total + b.total);
    assert_true(row_value(r, "ru", "bytes_params_embed") == 4.0 * (350 * 64 + 64 * 64));
    tf_mem m;
    tf_cost_memory(&mc, 60000, &m);
    assert_true(row_value(r, "ru", "bytes_train_60k") == m.train);
    tf_cost_forward(&big, 150, 0, 1, &z);
    assert_true(row_value(r, "ru", "flops_total_7b_analytic") == z.total);
    /* flops_total_vs_en: English priced with its own 256 */
    tf_cost_forward(&ec, 64, 0, 1, &a);
    tf_cost_forward(&ec, 36, 0, 1, &b);
    assert_true(fabs(row_value(r, "ru", "flops_total_vs_en") -
                     row_value(r, "ru", "flops_total") / (a.total + b.total)) < 1e-12);
    /* the doc rows on the hand dims: d 4, L 1, kvd 2, f 8 SwiGLU, V 350, n
     * 12,000: qkvo 96 n, attn 16 n^2, mlp 192 n, head 2 n 4 V */
    double n = 12000, ne = 8000;
    double hand = 96 * n + 16 * n * n + 192 * n + 8 * n * 350;
    double hand_en = 96 * ne + 16 * ne * ne + 192 * ne + 8 * ne * 256;
    assert_true(row_value(r, "ru", "flops_doc_8k_llama2-7b") == hand);
    assert_true(fabs(row_value(r, "ru", "flops_doc_8k_vs_en_llama2-7b") - hand / hand_en) < 1e-12);
    assert_true(row_value(r, "en", "flops_doc_60k_vs_en_llama2-7b") == 1);
    /* memory on the hand dims with V 350, fp32: embedding and untied head
     * 2 x 350 x 4; the rest a layer (q 16 + k 8 + v 8 + o 16, SwiGLU 3 x 4 x 8,
     * two RMSNorms 8) and the final norm 4 = 156; K and V of 60,000 positions
     * with one KV head of width 4 / 2: 2 x 1 x 60000 x 2 */
    assert_true(row_value(r, "ru", "bytes_params_embed_llama2-7b") == 4.0 * 2 * 350 * 4);
    assert_true(row_value(r, "ru", "bytes_params_layers_llama2-7b") == 4.0 * 156);
    assert_true(row_value(r, "ru", "bytes_kv_cache_60k_llama2-7b") == 4.0 * 2 * 60000 * 2);
    /* not in the file: no rows */
    assert_true(row_value(r, "ru", "flops_doc_8k_qwen2-7b") == -1);
    assert_true(row_value(r, "ru", "bytes_kv_cache_60k_qwen2-7b") == -1);
    /* without English there are no doc rows */
    results_free(r);
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(stage_model_rows(sm, c, (size_t)ru, "fake", &tru, NULL, r, &err), TB_OK);
    assert_true(row_value(r, "ru", "flops_doc_8k") == -1);
    assert_true(row_value(r, "ru", "doc_tokens_8k") == -1);
    assert_true(row_value(r, "ru", "vocab_priced") == 350);
    stage_model_free(sm);
    roofline_free(rf);
    results_free(r);
    corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blas_matches_reference),
        cmocka_unit_test(test_kv_decode_matches_prefill),
        cmocka_unit_test(test_decode_odd_widths),
        cmocka_unit_test(test_flops_match_cost),
        cmocka_unit_test(test_param_bytes),
        cmocka_unit_test(test_seed_reproducible),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_stage_rows),
        cmocka_unit_test(test_vocab_priced),
        cmocka_unit_test(test_doc_tokens),
        cmocka_unit_test(test_stage_chars_priced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
