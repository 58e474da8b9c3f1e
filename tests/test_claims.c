/* test_claims.c - the verdict rules of reports/claims.c on small result sets
 * built by hand, one rule a test: only corpora of a counted size give
 * verdicts; identical measurements count once; memory is priced at equal
 * content; a GEMM share above 95% holds; a floor below a range is
 * consistent, not a failure; one parameter set is one finding; measured
 * training: the GEMM share of a step, training cost against the token ratio,
 * and claim 9 (Chinese trains 20-30% cheaper) with its four outcomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reports/anchors.h"
#include "../reports/claims.h"
#include "../results/results.h"

struct row {
    const char *corpus, *lang, *tok, *metric;
    double v;
};

/* The Claims section for rows (split test), as a string the caller frees.
 * Corpus "big" gets CLAIMS_MIN_SEGMENTS test segments, "tiny" 8. */
static char *claims_of(const struct row *rows, size_t n)
{
    results *r = NULL;
    tb_error err = {0};
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(results_add(r, "big", "test", "en", "bytes", "segments",
                                 CLAIMS_MIN_SEGMENTS, "segments", &err),
                     TB_OK);
    assert_int_equal(results_add(r, "tiny", "test", "en", "bytes", "segments", 8, "segments", &err),
                     TB_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(results_add(r, rows[i].corpus, "test", rows[i].lang, rows[i].tok,
                                     rows[i].metric, rows[i].v, "x", &err),
                         TB_OK);
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    assert_non_null(f);
    assert_int_equal(claims_write_markdown(r, f, &err), TB_OK);
    fclose(f);
    results_free(r);
    return md;
}

/* Rows with a split, for the measured-training rows (bench/stage_train.h:
 * the trainer's on split train, the evaluation's on split test). */
struct srow {
    const char *split, *lang, *tok, *metric;
    double v;
};

/* claims_of for corpus "big" (counted) and rows with splits; summary 1: the
 * README summary (claims_write_summary) instead of the section. */
static char *claims_of_split(const struct srow *rows, size_t n, int summary)
{
    results *r = NULL;
    tb_error err = {0};
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(results_add(r, "big", "test", "en", "bytes", "segments",
                                 CLAIMS_MIN_SEGMENTS, "segments", &err),
                     TB_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(results_add(r, "big", rows[i].split, rows[i].lang, rows[i].tok,
                                     rows[i].metric, rows[i].v, "x", &err),
                         TB_OK);
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    assert_non_null(f);
    if (summary)
        assert_int_equal(claims_write_summary(r, f, &err), TB_OK);
    else
        assert_int_equal(claims_write_markdown(r, f, &err), TB_OK);
    fclose(f);
    results_free(r);
    return md;
}

/* The text of claim id's section. */
static const char *section(const char *md, int id, char *buf, size_t cap)
{
    char head[16], next[16];
    snprintf(head, sizeof head, "### %d. ", id);
    snprintf(next, sizeof next, "### %d. ", id + 1);
    const char *a = strstr(md, head), *b = a ? strstr(a, next) : NULL;
    assert_non_null(a);
    size_t n = b ? (size_t)(b - a) : strlen(a);
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, a, n);
    buf[n] = '\0';
    return buf;
}

#define EXPECT(text, needle)                                                      \
    do {                                                                          \
        if (!strstr((text), (needle)))                                            \
            fail_msg("missing:\n%s\nin:\n%s", (needle), (text));                  \
    } while (0)

/* A corpus below CLAIMS_MIN_SEGMENTS is context: no verdict from it. */
static void test_small_corpus_is_context(void **state)
{
    (void)state;
    const struct row rows[] = {{"tiny", "zh", "tiktoken:a", "parity", 0.6}};
    char *md = claims_of(rows, 1), buf[8192];
    const char *c1 = section(md, 1, buf, sizeof buf);
    EXPECT(md, "Corpora with at least 100 test segments count (here: big); smaller ones are "
               "context");
    EXPECT(c1, "Chinese part: **Verdict: not measured in this run**.");
    free(md);
}

/* Two tokenizer names with the same token counts in every language are one
 * model: one row naming both, one finding. */
static void test_identical_tokenizers_count_once(void **state)
{
    (void)state;
    const struct row rows[] = {
        {"big", "zh", "tiktoken:a", "parity", 0.6}, {"big", "zh", "tiktoken:b", "parity", 0.6},
        {"big", "en", "tiktoken:a", "tokens", 100}, {"big", "en", "tiktoken:b", "tokens", 100},
        {"big", "zh", "tiktoken:a", "tokens", 60},  {"big", "zh", "tiktoken:b", "tokens", 60},
        {"big", "zh", "hf:c", "parity", 0.9},       {"big", "zh", "bytes", "parity", 0.6},
    };
    char *md = claims_of(rows, sizeof rows / sizeof rows[0]), buf[8192];
    const char *c1 = section(md, 1, buf, sizeof buf);
    EXPECT(c1, "| `tiktoken:a`, `tiktoken:b` | big |");
    EXPECT(c1, "Chinese part: **Verdict: depends on the tokenizer** (holds in 1 of 2 distinct "
               "measurements).");
    assert_null(strstr(c1, "`bytes`")); /* not a subword tokenizer */
    free(md);
}

/* Memory at equal content: weights with each vocabulary, the KV cache of
 * each scheme's tokens for the same text. GPT 300 tokens, symbols 100;
 * embed 1 GB vs 4 GB, layers 5 GB, KV at 60k 6 GB: 12 GB against
 * 4 + 5 + 6/3 = 11 GB, 1.09x total, 3.00x KV; the tokens are 3x. */
static void test_memory_at_equal_content(void **state)
{
    (void)state;
    const struct row rows[] = {
        {"big", "ru", "tiktoken:g", "tokens", 300},
        {"big", "ru", "symbol:all", "tokens", 100},
        {"big", "ru", "tiktoken:g", "bytes_params_embed", 1e9},
        {"big", "ru", "symbol:all", "bytes_params_embed", 4e9},
        {"big", "ru", "tiktoken:g", "bytes_params_layers", 5e9},
        {"big", "ru", "tiktoken:g", "bytes_kv_cache_60k", 6e9},
        {"big", "ru", "symbol:2k", "tokens", 200}, /* a sweep point: shown, not counted */
    };
    char *md = claims_of(rows, sizeof rows / sizeof rows[0]), buf[16384];
    const char *c2 = section(md, 2, buf, sizeof buf);
    EXPECT(c2, "| `symbol:all` | big | ru | `tiktoken:g` | 300 | 100 | 3.00× | yes |");
    EXPECT(c2, "Token part, every gap a token: **Verdict: holds** (1 of 1 distinct");
    EXPECT(c2, "| `symbol:all` | big | ru | `tiktoken:g` | the run's preset, fp32 | 12.00 | 11.00 | 1.09× | "
               "3.00× | no |");
    EXPECT(c2, "Memory part, every gap a token: **Verdict: does not hold** (0 of 1 distinct");
    EXPECT(c2, "| `symbol:2k` | big | ru | `tiktoken:g` | 1.50× |");
    free(md);
}

/* Claim 2 pairs models, not names: two GPT-style names with the same token
 * counts are one row naming both, counted once. */
static void test_symbol_pairs_count_models(void **state)
{
    (void)state;
    const struct row rows[] = {
        {"big", "ru", "tiktoken:r50k_base", "tokens", 400},
        {"big", "ru", "tiktoken:p50k_base", "tokens", 400},
        {"big", "ru", "symbol:32k", "tokens", 100}, /* a sweep name of the same model */
        {"big", "ru", "symbol:all", "tokens", 100},
        {"big", "ru", "symbol:250k", "tokens", 100},
    };
    char *md = claims_of(rows, sizeof rows / sizeof rows[0]), buf[8192];
    const char *c2 = section(md, 2, buf, sizeof buf);
    EXPECT(c2, "| `symbol:32k`, `symbol:all`, `symbol:250k` | big | ru | `tiktoken:r50k_base`, "
               "`tiktoken:p50k_base` | 400 | 100 | 4.00× | yes |");
    EXPECT(c2, "Token part, every gap a token: **Verdict: holds** (1 of 1 distinct");
    free(md);
}

/* GEMM above 95% of FLOPs holds; the wall-time share is one measurement per
 * vocabulary, however many corpora and languages repeat it. */
static void test_gemm_share(void **state)
{
    (void)state;
    const struct row rows[] = {
        {"big", "en", "tiktoken:a", "gemm_flops_share", 0.997},
        {"big", "ru", "tiktoken:a", "gemm_flops_share", 0.93},
        {"big", "en", "tiktoken:a", "gemm_time_share", 0.917},
        {"big", "ru", "tiktoken:a", "gemm_time_share", 0.917},
        {"tiny", "en", "tiktoken:a", "gemm_time_share", 0.917},
        {"big", "en", "tiktoken:a", "vocab_size", 50257},
        {"big", "ru", "tiktoken:a", "vocab_size", 50257},
        {"tiny", "en", "tiktoken:a", "vocab_size", 50257},
        {"big", "en", "bytes", "gemm_time_share", 0.85},
        {"big", "en", "bytes", "vocab_size", 256},
    };
    char *md = claims_of(rows, sizeof rows / sizeof rows[0]), buf[8192];
    const char *c3 = section(md, 3, buf, sizeof buf);
    EXPECT(c3, "| the run's model preset | 2 | 93.0% | 99.7% | 2 | 1 |");
    EXPECT(c3, "Compute (FLOPs) part: **Verdict: holds** (2 of 2 distinct measurements).");
    EXPECT(c3, "| `tiktoken:a` | 50,257 |");
    EXPECT(c3, "Wall-time part (CPU fp32 prefill): **Verdict: depends on the vocabulary** (holds "
               "in 1 of 2 distinct measurements).");
    free(md);
}

/* A decode floor below the claimed range is consistent with it; one above
 * is not; the same projection from two corpora and languages is one. */
static void test_floor_below_range_is_consistent(void **state)
{
    (void)state;
    const struct row rows[] = {
        {"big", "en", "tiktoken:a", "proj_ms_prompt_llama2-7b_rtx4090", 368},
        {"big", "en", "tiktoken:a", "proj_ms_decode_token_llama2-7b_rtx4090", 13.9},
        {"big", "ru", "tiktoken:a", "proj_ms_prompt_llama2-7b_rtx4090", 368},
        {"big", "ru", "tiktoken:a", "proj_ms_decode_token_llama2-7b_rtx4090", 13.9},
        {"tiny", "en", "tiktoken:a", "proj_ms_prompt_llama2-7b_rtx4090", 368},
        {"tiny", "en", "tiktoken:a", "proj_ms_decode_token_llama2-7b_rtx4090", 13.9},
        {"big", "en", "tiktoken:a", "proj_prompt_tokens", 2048},
        {"big", "en", "tiktoken:a", "proj_decode_cache", 512},
    };
    char *md = claims_of(rows, sizeof rows / sizeof rows[0]), buf[8192];
    const char *c8 = section(md, 8, buf, sizeof buf);
    EXPECT(c8, "| `tiktoken:a` | llama2-7b | 2048 | 368 | yes | 512 | 13.9 | below: a floor | "
               "40–93% |");
    EXPECT(c8, "Prefill part: **Verdict: holds** (1 of 1 distinct measurements).");
    EXPECT(c8, "Decode part: **Verdict: consistent, not tested** (1 of 1");
    free(md);

    const struct row above[] = {
        {"big", "en", "tiktoken:a", "proj_ms_prompt_llama2-7b_rtx4090", 1200},
        {"big", "en", "tiktoken:a", "proj_ms_decode_token_llama2-7b_rtx4090", 40},
    };
    md = claims_of(above, 2);
    c8 = section(md, 8, buf, sizeof buf);
    EXPECT(c8, "Prefill part: **Verdict: does not hold** (0 of 1");
    EXPECT(c8, "Decode part: **Verdict: does not hold** (0 of 1");
    free(md);
}

/* The choice time of one parameter set is one finding, whatever tokenizers
 * and languages carry its rows; the parameters come from the rows. */
static void test_one_parameter_set_one_finding(void **state)
{
    (void)state;
    const struct row rows[] = {
        {"big", "en", "tiktoken:a", "latency_ms_choice", 387.7},
        {"big", "ru", "tiktoken:a", "latency_ms_choice", 387.7},
        {"big", "en", "hf:b", "latency_ms_choice", 387.7},
        {"big", "en", "tiktoken:a", "latency_k", 5},
        {"big", "ru", "tiktoken:a", "latency_k", 5},
        {"big", "en", "hf:b", "latency_k", 5},
    };
    char *md = claims_of(rows, sizeof rows / sizeof rows[0]), buf[8192];
    const char *c6 = section(md, 6, buf, sizeof buf);
    EXPECT(c6, "| 5 | 387.7 | no |");
    EXPECT(c6, "**Verdict: does not hold** (0 of 1 distinct measurements).");
    free(md);
}

/* Claim 5: at one vocabulary FLOPs follow tokens; a long document where
 * attention matters does not; the measured-ms part uses ms_prefill_vs_en. */
static void test_proportion(void **state)
{
    (void)state;
    const struct row rows[] = {
        {"big", "ru", "tiktoken:a", "parity", 2.0},
        {"big", "ru", "tiktoken:a", "flops_total_vs_en", 2.01},
        {"big", "en", "tiktoken:a", "doc_tokens_60k", 60000},
        {"big", "ru", "tiktoken:a", "doc_tokens_60k", 120000},
        {"big", "ru", "tiktoken:a", "flops_doc_60k_vs_en", 2.6},
        {"big", "ru", "tiktoken:a", "ms_prefill_vs_en", 2.5},
        {"big", "en", "tiktoken:a", "vocab_size", 100},
        {"big", "ru", "tiktoken:a", "vocab_size", 100},
    };
    char *md = claims_of(rows, sizeof rows / sizeof rows[0]), buf[16384];
    const char *c5 = section(md, 5, buf, sizeof buf);
    EXPECT(c5, "Segments, one vocabulary: **Verdict: holds** (1 of 1");
    EXPECT(c5, "| `tiktoken:a` | big | ru | one document of 60k English tokens | 2.000 | 2.600 | "
               "+30.0% | no |");
    EXPECT(c5, "60k-token documents, one vocabulary: **Verdict: does not hold** (0 of 1");
    EXPECT(c5, "Measured time: **Verdict: does not hold** (0 of 1");
    free(md);
}

/* Claim 3 in training: the counted GEMM share of a training step holds at
 * 95.8%; the measured time share (55%) does not, and as a timing it stays
 * out of the deterministic summary. */
static void test_gemm_share_training(void **state)
{
    (void)state;
    const struct srow rows[] = {
        {"train", "en", "bytes", "train_flops_gemm_share", 0.958},
        {"train", "en", "bytes", "train_gemm_time_share", 0.55},
        {"train", "en", "bytes", "train_vocab", 126},
        {"train", "en", "bytes", "train_steps", 1016},
    };
    char *md = claims_of_split(rows, 4, 0), buf[16384];
    const char *c3 = section(md, 3, buf, sizeof buf);
    EXPECT(c3, "| `bytes` | big | en | 126 | 1,016 | 95.8% | yes | 55.0% | no |");
    EXPECT(c3, "Training-step FLOPs part (counted): **Verdict: holds** (1 of 1 distinct");
    EXPECT(c3, "Training-step wall-time part (CPU fp32): **Verdict: does not hold** (0 of 1");
    free(md);
    md = claims_of_split(rows, 4, 1);
    EXPECT(md, "- Training-step FLOPs part (counted): **Verdict: holds** (1 of 1");
    assert_null(strstr(md, "wall-time"));
    free(md);
}

/* Claim 5 in training: FLOPs to the target ru / en 2.1 against parity 2.0
 * is +5% (in proportion); one pass costs 1.5x, -25% (not). */
static void test_proportion_training(void **state)
{
    (void)state;
    const struct srow rows[] = {
        {"test", "ru", "tiktoken:a", "parity", 2.0},
        {"test", "ru", "tiktoken:a", "train_target_bits_per_en_byte", 2.5},
        {"test", "en", "tiktoken:a", "train_target_bits_per_en_byte", 2.5},
        {"test", "ru", "tiktoken:a", "train_flops_to_target", 2.1e11},
        {"test", "en", "tiktoken:a", "train_flops_to_target", 1e11},
        {"train", "ru", "tiktoken:a", "train_curve_flops@1", 1e9},
        {"train", "en", "tiktoken:a", "train_curve_flops@1", 1e9},
        {"train", "ru", "tiktoken:a", "train_content_flops", 1.5e12},
        {"train", "en", "tiktoken:a", "train_content_flops", 1e12},
        {"train", "ru", "tiktoken:a", "train_content_epochs_seen", 1.001},
        {"train", "en", "tiktoken:a", "train_content_epochs_seen", 1.0},
        {"train", "ru", "tiktoken:a", "train_content_vocab", 3204},
        {"train", "en", "tiktoken:a", "train_content_vocab", 9726},
        {"train", "ru", "tiktoken:a", "train_content_steps", 10},
    };
    char *md = claims_of_split(rows, sizeof rows / sizeof rows[0], 0), buf[32768];
    const char *c5 = section(md, 5, buf, sizeof buf);
    EXPECT(c5, "| `tiktoken:a` | big | ru | 2.500 | – / – | 2.000 | 2.100 | +5.0% | yes |");
    EXPECT(c5, "Measured training, FLOPs to the same quality: **Verdict: holds** (1 of 1");
    EXPECT(c5, "| `tiktoken:a` | big | ru | 1.001 / 1.000 | 3,204 / 9,726 | 2.000 | 1.500 | "
               "-25.0% | no |");
    EXPECT(c5, "Measured training, one pass over the same content: **Verdict: does not hold** "
               "(0 of 1");
    free(md);
}

/* Claim 9's training rows for tokenizer tok but the FLOPs to the target: a
 * target of 2.5 bits per English byte, a whole run of 2e11 FLOPs in each
 * language, 1e9 at step 1. */
#define ZH_EN_BASE(tok)                                                            \
    {"test", "zh", tok, "train_target_bits_per_en_byte", 2.5},                    \
        {"test", "en", tok, "train_target_bits_per_en_byte", 2.5},                \
        {"train", "zh", tok, "train_flops", 2e11},                                \
        {"train", "en", tok, "train_flops", 2e11},                                \
        {"train", "zh", tok, "train_curve_flops@1", 1e9},                         \
        {"train", "en", tok, "train_curve_flops@1", 1e9}
/* ... and the target reached after fz FLOPs in zh and fe in en */
#define ZH_EN_ROWS(tok, fz, fe)                                                    \
    ZH_EN_BASE(tok), {"test", "zh", tok, "train_flops_to_target", (fz)},          \
        {"test", "en", tok, "train_flops_to_target", (fe)}

/* Claim 9: FLOPs to the same target, zh / en. 0.75 holds, 0.90 does not,
 * 0.50 is cheaper than claimed (its own finding, not a failure). */
static void test_zh_trains_cheaper(void **state)
{
    (void)state;
    const struct srow holds[] = {ZH_EN_ROWS("bpe:8k", 75e9, 100e9)};
    char *md = claims_of_split(holds, sizeof holds / sizeof holds[0], 0), buf[16384];
    const char *c9 = section(md, 9, buf, sizeof buf);
    EXPECT(c9, "| `bpe:8k` | big | 2.500 | 75 G | 100 G | 0.750 | – | yes |");
    EXPECT(c9, "Same content, same quality (FLOPs to the target, zh / en): **Verdict: holds** "
               "(1 of 1 distinct measurements).");
    free(md);

    const struct srow fails[] = {ZH_EN_ROWS("bpe:8k", 90e9, 100e9)};
    md = claims_of_split(fails, sizeof fails / sizeof fails[0], 0);
    c9 = section(md, 9, buf, sizeof buf);
    EXPECT(c9, "| 0.900 | – | no |");
    EXPECT(c9, "**Verdict: does not hold** (0 of 1 distinct measurements).");
    free(md);

    const struct srow cheaper[] = {ZH_EN_ROWS("bpe:8k", 50e9, 100e9)};
    md = claims_of_split(cheaper, sizeof cheaper / sizeof cheaper[0], 0);
    c9 = section(md, 9, buf, sizeof buf);
    EXPECT(c9, "| 0.500 | – | cheaper than claimed |");
    EXPECT(c9, "**Verdict: cheaper than claimed** (1 of 1 distinct measurements lie past the "
               "claimed range on the side the claim argues for).");
    free(md);

    /* two tokenizers: one holds, one is cheaper than claimed; the overview
     * says the same in short */
    const struct srow mixed[] = {ZH_EN_ROWS("bpe:8k", 75e9, 100e9),
                                 ZH_EN_ROWS("bytes", 50e9, 100e9)};
    md = claims_of_split(mixed, sizeof mixed / sizeof mixed[0], 0);
    c9 = section(md, 9, buf, sizeof buf);
    EXPECT(c9, "**Verdict: depends on the tokenizer** (holds in 1, cheaper than claimed in 1 of "
               "2 distinct measurements).");
    free(md);
}

/* Claim 9 not measured: training without a target; a target but no English
 * run; a target met at step 1 (the untrained model: no test). A zh run that
 * never reaches the target while en does at 1e11 is bounded by its whole
 * budget: zh / en > 2, which does not hold. */
static void test_zh_trains_cheaper_not_measured(void **state)
{
    (void)state;
    const struct srow no_target[] = {
        {"train", "zh", "bpe:8k", "train_steps", 200},
        {"train", "en", "bpe:8k", "train_steps", 200},
        {"train", "zh", "bpe:8k", "train_budget_flops", 2e11},
        {"train", "en", "bpe:8k", "train_budget_flops", 2e11},
        {"test", "zh", "bpe:8k", "train_bits_per_en_byte", 1.8},
        {"test", "en", "bpe:8k", "train_bits_per_en_byte", 2.0},
    };
    char *md = claims_of_split(no_target, sizeof no_target / sizeof no_target[0], 0), buf[16384];
    const char *c9 = section(md, 9, buf, sizeof buf);
    EXPECT(c9, "no `train_target_bits_per_en_byte` row");
    EXPECT(c9, "(FLOPs to the target, zh / en): **Verdict: not measured in this run**.");
    EXPECT(c9, "| `bpe:8k` | big | 200 G | 1.800 | 2.000 | -0.200 | yes |");
    EXPECT(c9, "Chinese ends lower than English for 1 of 1 tokenizers at equal FLOPs.");
    free(md);

    const struct srow zh_only[] = {
        {"test", "zh", "bpe:8k", "train_target_bits_per_en_byte", 2.5},
        {"test", "zh", "bpe:8k", "train_flops_to_target", 75e9},
    };
    md = claims_of_split(zh_only, 2, 0);
    c9 = section(md, 9, buf, sizeof buf);
    EXPECT(c9, "**Verdict: not measured in this run**.");
    free(md);

    const struct srow step1[] = {ZH_EN_ROWS("bpe:8k", 1e9, 1e9)};
    md = claims_of_split(step1, sizeof step1 / sizeof step1[0], 0);
    c9 = section(md, 9, buf, sizeof buf);
    EXPECT(c9, "| 1.000 | – | not a test: reached at step 1 (untrained) |");
    EXPECT(c9, "**Verdict: not measured in this run**.");
    free(md);

    const struct srow zh_never[] = {ZH_EN_BASE("bpe:8k"),
                                    {"test", "en", "bpe:8k", "train_flops_to_target", 100e9}};
    md = claims_of_split(zh_never, sizeof zh_never / sizeof zh_never[0], 0);
    c9 = section(md, 9, buf, sizeof buf);
    EXPECT(c9, "| `bpe:8k` | big | 2.500 | not reached | 100 G | > 2.000 | – | no (zh did not "
               "reach the target) |");
    EXPECT(c9, "**Verdict: does not hold** (0 of 1 distinct measurements).");
    free(md);
}

/* Published figures stand beside the run's for the same tokenizer, and the
 * domain sentence is computed from them: bytes 1.95 against 1.98 is -2%,
 * cl100k 2.00 against 2.49 is -20%. */
static void test_anchors(void **state)
{
    (void)state;
    results *r = NULL;
    tb_error err = {0};
    assert_int_equal(results_new(&r, &err), TB_OK);
    assert_int_equal(results_add(r, "lo", "all", "ru", "bytes", "parity", 1.95, "ratio", &err),
                     TB_OK);
    assert_int_equal(results_add(r, "lo", "all", "ru", "tiktoken:cl100k_base", "parity", 2.0,
                                 "ratio", &err),
                     TB_OK);
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    assert_int_equal(anchors_write_markdown(r, f, &err), TB_OK);
    fclose(f);
    EXPECT(md, "| lo | `bytes` | byt5 (UTF-8 bytes) | petrov2023 | 1.98 | 1.95 | 0.93 | – |");
    EXPECT(md, "| lo | `tiktoken:cl100k_base` | cl100k_base | petrov2023 | 2.49 | 2.00 | 1.91 | – |");
    EXPECT(md, "On lo, subword tokenizers' parity is on average -20% from the published figure "
               "(1 comparison); UTF-8 bytes and code points, which see only the script, -2% (1).");
    free(md);
    results_free(r);
    /* no tokenizer with a published figure: no section */
    assert_int_equal(results_new(&r, &err), TB_OK);
    md = NULL;
    f = open_memstream(&md, &len);
    assert_int_equal(anchors_write_markdown(r, f, &err), TB_OK);
    fclose(f);
    assert_int_equal(len, 0);
    free(md);
    results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_corpus_is_context),
        cmocka_unit_test(test_identical_tokenizers_count_once),
        cmocka_unit_test(test_memory_at_equal_content),
        cmocka_unit_test(test_symbol_pairs_count_models),
        cmocka_unit_test(test_gemm_share),
        cmocka_unit_test(test_floor_below_range_is_consistent),
        cmocka_unit_test(test_one_parameter_set_one_finding),
        cmocka_unit_test(test_proportion),
        cmocka_unit_test(test_gemm_share_training),
        cmocka_unit_test(test_proportion_training),
        cmocka_unit_test(test_zh_trains_cheaper),
        cmocka_unit_test(test_zh_trains_cheaper_not_measured),
        cmocka_unit_test(test_anchors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
