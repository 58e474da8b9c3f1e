/* test_check.c - the CI gate's pieces: glob, tolerance parsing, the metric
 * rule table (directions, informational metrics, token powers) and the
 * comparison on small tables built in memory: improvements, derived rows
 * inheriting the tolerance of tokens, informational rows, split folding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../bench/check.h"

static void test_glob(void **state)
{
    (void)state;
    assert_true(check_glob("tokens", "tokens"));
    assert_false(check_glob("tokens", "tokens_x"));
    assert_true(check_glob("ms_*", "ms_prefill"));
    assert_true(check_glob("*", ""));
    assert_true(check_glob("*_per_*", "bytes_per_token"));
    assert_false(check_glob("*_per_*", "fertility"));
    assert_true(check_glob("a*b*c", "aXXbYYbc"));
    assert_false(check_glob("a*b*c", "aXXbYYb"));
}

static void test_parse_tol(void **state)
{
    (void)state;
    check_tol t;
    tb_error err = {0};
    assert_int_equal(check_parse_tol("tokens=0.5%", &t, &err), TB_OK);
    assert_string_equal(t.pattern, "tokens");
    assert_int_equal(t.kind, CHECK_TOL_REL);
    assert_true(fabs(t.value - 0.005) < 1e-15);
    assert_int_equal(check_parse_tol("tokens=abs:10", &t, &err), TB_OK);
    assert_int_equal(t.kind, CHECK_TOL_ABS);
    assert_true(t.value == 10);
    assert_int_equal(check_parse_tol("ms_*=25%", &t, &err), TB_OK);
    assert_true(fabs(t.value - 0.25) < 1e-15);
    /* a bare number was a fraction (tokens=5 meant 500%): now a usage error
     * that says how to write it */
    assert_int_equal(check_parse_tol("tokens=5", &t, &err), TB_EUSAGE);
    assert_non_null(strstr(err.msg, "tokens=5%"));
    assert_non_null(strstr(err.msg, "tokens=abs:5"));
    assert_int_equal(check_parse_tol("ms_*=0.25", &t, &err), TB_EUSAGE);
    assert_int_equal(check_parse_tol("tokens=abs:5%", &t, &err), TB_EUSAGE);
    assert_int_equal(check_parse_tol("tokens=abs:", &t, &err), TB_EUSAGE);
    assert_int_equal(check_parse_tol("tokens", &t, &err), TB_EUSAGE);
    assert_int_equal(check_parse_tol("=1%", &t, &err), TB_EUSAGE);
    assert_int_equal(check_parse_tol("tokens=-1%", &t, &err), TB_EUSAGE);
    assert_int_equal(check_parse_tol("tokens=1%%", &t, &err), TB_EUSAGE);
    assert_int_equal(check_parse_tol("tokens=x", &t, &err), TB_EUSAGE);
    assert_non_null(strstr(err.msg, "'x'"));
}

static void test_directions(void **state)
{
    (void)state;
    assert_int_equal(check_metric_direction("tokens"), -1);
    assert_int_equal(check_metric_direction("fertility"), -1);
    assert_int_equal(check_metric_direction("parity_median"), -1);
    assert_int_equal(check_metric_direction("ms_prefill"), -1);
    assert_int_equal(check_metric_direction("ngram_bits_per_en_byte"), -1);
    assert_int_equal(check_metric_direction("flops_total_7b_analytic"), -1);
    assert_int_equal(check_metric_direction("bytes_kv_cache_60k_qwen2-7b"), -1);
    assert_int_equal(check_metric_direction("bytes_per_token"), 1);
    assert_int_equal(check_metric_direction("encode_mb_per_s"), 1);
    assert_int_equal(check_metric_direction("ngram_ksr"), 1);
    assert_int_equal(check_metric_direction("ngram_hit_at_5"), 1);
    assert_int_equal(check_metric_direction("segments"), 0);
    assert_int_equal(check_metric_direction("vocab_size"), 0);
    assert_int_equal(check_metric_direction("bytes"), 0);
    assert_int_equal(check_metric_direction("proj_train_budget"), 0);
    assert_int_equal(check_metric_direction("train_bits_per_en_byte"), -1);
    assert_int_equal(check_metric_direction("train_curve_bits_per_en_byte@200"), -1);
    assert_int_equal(check_metric_direction("train_steps"), 0);
    assert_true(check_metric_rule("train_loss")->informational);
    assert_true(check_metric_rule("train_curve_loss@10")->informational);
    assert_false(check_metric_rule("train_bits_per_en_byte")->informational);
    assert_int_equal(check_metric_direction("train_bytes_peak_measured"), -1);
    assert_int_equal(check_metric_direction("train_flops_to_target"), -1);
    assert_int_equal(check_metric_direction("train_s_to_target"), -1);
    assert_int_equal(check_metric_direction("train_curve_flops@10"), 0);
    assert_int_equal(check_metric_direction("train_budget_flops"), 0);
    /* the equal-content regime's rows follow the same rules */
    assert_int_equal(check_metric_direction("train_content_bits_per_en_byte"), -1);
    assert_true(check_metric_rule("train_content_curve_loss@5")->informational);
    assert_int_equal(check_metric_direction("train_content_epochs_seen"), 0);
    assert_true(check_metric_rule("vocab_used")->informational);
    assert_true(check_metric_rule("renyi_efficiency")->informational);
    assert_true(check_metric_rule("parity")->informational);
    assert_true(check_metric_rule("flops_doc_8k_vs_en_llama2-7b")->informational);
    assert_false(check_metric_rule("tokens")->informational);
    assert_false(check_metric_rule("flops_total")->informational);
    assert_int_equal(check_metric_rule("fertility")->token_power, 1);
    assert_int_equal(check_metric_rule("bytes_per_token")->token_power, 1);
    assert_int_equal(check_metric_rule("flops_attn_7b_analytic")->token_power, 2);
    assert_int_equal(check_metric_rule("flops_mlp")->token_power, 1);
    assert_int_equal(check_metric_rule("bytes_kv_cache_8k")->token_power, 0); /* fixed context */
    assert_int_equal(check_metric_rule("bytes_params_embed")->token_power, 0);
}

/* Every metric the default and the quick suite write (reports/out/results.csv
 * of a full default run and reports/baseline/udhr.csv): none may fall into
 * the catch-all rule by accident. */
static const char *const k_all_metrics[] = {
    "bytes", "bytes_activations", "bytes_activations_1k", "bytes_activations_1k_7b_analytic",
    "bytes_activations_60k", "bytes_activations_60k_7b_analytic", "bytes_activations_7b_analytic",
    "bytes_activations_8k", "bytes_activations_8k_7b_analytic", "bytes_infer_1k",
    "bytes_infer_1k_7b_analytic", "bytes_infer_60k", "bytes_infer_60k_7b_analytic",
    "bytes_infer_8k", "bytes_infer_8k_7b_analytic", "bytes_kv_cache", "bytes_kv_cache_1k",
    "bytes_kv_cache_1k_7b_analytic", "bytes_kv_cache_60k", "bytes_kv_cache_60k_7b_analytic",
    "bytes_kv_cache_60k_llama2-7b", "bytes_kv_cache_60k_qwen2-7b", "bytes_kv_cache_7b_analytic",
    "bytes_kv_cache_8k", "bytes_kv_cache_8k_7b_analytic", "bytes_params_embed",
    "bytes_params_embed_7b_analytic", "bytes_params_embed_llama2-7b",
    "bytes_params_embed_qwen2-7b", "bytes_params_layers", "bytes_params_layers_7b_analytic",
    "bytes_params_layers_llama2-7b", "bytes_params_layers_qwen2-7b", "bytes_per_token",
    "bytes_train", "bytes_train_1k", "bytes_train_1k_7b_analytic", "byte_premium", "bytes_train_60k",
    "bytes_train_60k_7b_analytic", "bytes_train_7b_analytic", "bytes_train_8k",
    "bytes_train_8k_7b_analytic", "chars", "chars_per_token", "continued_words", "doc_tokens_60k",
    "doc_tokens_8k", "encode_mb_per_s", "fertility", "flops_attn", "flops_attn_7b_analytic",
    "flops_doc_60k", "flops_doc_60k_llama2-7b", "flops_doc_60k_qwen2-7b", "flops_doc_60k_vs_en",
    "flops_doc_60k_vs_en_llama2-7b", "flops_doc_60k_vs_en_qwen2-7b", "flops_doc_8k",
    "flops_doc_8k_llama2-7b", "flops_doc_8k_qwen2-7b", "flops_doc_8k_vs_en",
    "flops_doc_8k_vs_en_llama2-7b", "flops_doc_8k_vs_en_qwen2-7b", "flops_embed",
    "flops_embed_7b_analytic", "flops_lm_head", "flops_lm_head_7b_analytic", "flops_mlp",
    "flops_mlp_7b_analytic", "flops_other", "flops_other_7b_analytic", "flops_qkvo",
    "flops_qkvo_7b_analytic", "flops_total", "flops_total_7b_analytic", "flops_total_vs_en",
    "gemm_flops_share", "gemm_flops_share_7b_analytic", "gemm_time_share", "gemm_time_tokens",
    "gflops_achieved", "gzip9_bytes", "latency_choices_per_segment_hybrid",
    "latency_choices_per_segment_select", "latency_entropy_bits", "latency_error_share_p0p5",
    "latency_error_share_p0p7", "latency_error_share_p0p9", "latency_fork_share_oracle",
    "latency_fork_share_p0p5", "latency_fork_share_p0p7", "latency_fork_share_p0p9",
    "latency_fork_share_t1", "latency_fork_share_t2", "latency_fork_share_t4",
    "latency_fork_share_t8", "latency_fork_tau", "latency_hick_a_ms", "latency_hick_b_ms",
    "latency_human_share_hybrid", "latency_human_share_select", "latency_k", "latency_ms_best",
    "latency_ms_choice", "latency_ms_entropy", "latency_ms_per_en_byte_auto",
    "latency_ms_per_en_byte_hybrid", "latency_ms_per_en_byte_select",
    "latency_ms_per_segment_auto", "latency_ms_per_segment_hybrid",
    "latency_ms_per_segment_hybrid_p0p5", "latency_ms_per_segment_hybrid_p0p7",
    "latency_ms_per_segment_hybrid_p0p9", "latency_ms_per_segment_hybrid_t1",
    "latency_ms_per_segment_hybrid_t2", "latency_ms_per_segment_hybrid_t4",
    "latency_ms_per_segment_hybrid_t8", "latency_ms_per_segment_select",
    "latency_ms_per_token_auto", "latency_ms_per_token_human_hybrid",
    "latency_ms_per_token_hybrid", "latency_ms_per_token_hybrid_corrected_p0p5",
    "latency_ms_per_token_hybrid_corrected_p0p7", "latency_ms_per_token_hybrid_corrected_p0p9",
    "latency_ms_per_token_hybrid_llama2-7b_a100-sxm-80gb",
    "latency_ms_per_token_hybrid_llama2-7b_h100-sxm",
    "latency_ms_per_token_hybrid_llama2-7b_rtx4090", "latency_ms_per_token_hybrid_oracle",
    "latency_ms_per_token_hybrid_p0p5", "latency_ms_per_token_hybrid_p0p7",
    "latency_ms_per_token_hybrid_p0p9", "latency_ms_per_token_hybrid_qwen2-7b_a100-sxm-80gb",
    "latency_ms_per_token_hybrid_qwen2-7b_h100-sxm",
    "latency_ms_per_token_hybrid_qwen2-7b_rtx4090", "latency_ms_per_token_hybrid_t1",
    "latency_ms_per_token_hybrid_t2", "latency_ms_per_token_hybrid_t4",
    "latency_ms_per_token_hybrid_t8", "latency_ms_per_token_machine_hybrid",
    "latency_ms_per_token_select", "latency_ms_per_word_auto", "latency_ms_per_word_hybrid",
    "latency_ms_per_word_select", "latency_ms_step", "latency_ms_topk", "latency_threshold_bits",
    "model_chunks", "ms_decode_token_1023", "ms_decode_token_128", "ms_decode_token_512",
    "ms_prefill", "ms_prefill_1", "ms_prefill_1024", "ms_prefill_16", "ms_prefill_256",
    "ms_prefill_512", "ms_prefill_64", "ms_prefill_vs_en", "ngram_bits_per_en_byte",
    "ngram_bits_per_en_byte_o2", "ngram_bits_per_en_byte_o3", "ngram_bits_per_token",
    "ngram_bits_per_token_o2", "ngram_bits_per_token_o3", "ngram_bits_total",
    "ngram_bits_total_o2", "ngram_bits_total_o3", "ngram_bytes_model", "ngram_bytes_model_o2",
    "ngram_bytes_model_o3", "ngram_hit_at_1", "ngram_hit_at_5", "ngram_ksr", "ngram_ms_suggest",
    "ngram_oov_rate", "ngram_oov_rate_o2", "ngram_oov_rate_o3", "ngram_perplexity",
    "ngram_perplexity_o2", "ngram_perplexity_o3", "ngram_s_build", "ngram_s_build_o2",
    "ngram_s_build_o3", "ngram_train_tokens", "ngram_us_query", "ngram_us_query_o2",
    "ngram_us_query_o3", "oov_word_count", "oov_words", "parity", "parity_median",
    "proj_check_ms_decode_measured", "proj_check_ms_decode_projected",
    "proj_check_ms_prefill_measured", "proj_check_ms_prefill_projected", "proj_decode_cache",
    "proj_err_decode_small_this-machine", "proj_err_prefill_small_this-machine",
    "proj_machine_bandwidth_mb_per_s", "proj_machine_sgemm_gflops",
    "proj_ms_decode_token_7b_a100-sxm-80gb", "proj_ms_decode_token_7b_h100-sxm",
    "proj_ms_decode_token_7b_rtx4090", "proj_ms_decode_token_base_a100-sxm-80gb",
    "proj_ms_decode_token_base_h100-sxm", "proj_ms_decode_token_base_rtx4090",
    "proj_ms_decode_token_llama2-7b_a100-sxm-80gb", "proj_ms_decode_token_llama2-7b_h100-sxm",
    "proj_ms_decode_token_llama2-7b_rtx4090", "proj_ms_decode_token_qwen2-7b_a100-sxm-80gb",
    "proj_ms_decode_token_qwen2-7b_h100-sxm", "proj_ms_decode_token_qwen2-7b_rtx4090",
    "proj_ms_decode_token_small_a100-sxm-80gb", "proj_ms_decode_token_small_h100-sxm",
    "proj_ms_decode_token_small_rtx4090", "proj_ms_decode_token_small_this-machine",
    "proj_ms_prefill_7b_a100-sxm-80gb", "proj_ms_prefill_7b_h100-sxm",
    "proj_ms_prefill_7b_rtx4090", "proj_ms_prefill_base_a100-sxm-80gb",
    "proj_ms_prefill_base_h100-sxm", "proj_ms_prefill_base_rtx4090",
    "proj_ms_prefill_llama2-7b_a100-sxm-80gb", "proj_ms_prefill_llama2-7b_h100-sxm",
    "proj_ms_prefill_llama2-7b_rtx4090", "proj_ms_prefill_qwen2-7b_a100-sxm-80gb",
    "proj_ms_prefill_qwen2-7b_h100-sxm", "proj_ms_prefill_qwen2-7b_rtx4090",
    "proj_ms_prefill_small_a100-sxm-80gb", "proj_ms_prefill_small_h100-sxm",
    "proj_ms_prefill_small_rtx4090", "proj_ms_prefill_small_this-machine",
    "proj_ms_prompt_7b_a100-sxm-80gb", "proj_ms_prompt_7b_h100-sxm", "proj_ms_prompt_7b_rtx4090",
    "proj_ms_prompt_base_a100-sxm-80gb", "proj_ms_prompt_base_h100-sxm",
    "proj_ms_prompt_base_rtx4090", "proj_ms_prompt_llama2-7b_a100-sxm-80gb",
    "proj_ms_prompt_llama2-7b_h100-sxm", "proj_ms_prompt_llama2-7b_rtx4090",
    "proj_ms_prompt_qwen2-7b_a100-sxm-80gb", "proj_ms_prompt_qwen2-7b_h100-sxm",
    "proj_ms_prompt_qwen2-7b_rtx4090", "proj_ms_prompt_small_a100-sxm-80gb",
    "proj_ms_prompt_small_h100-sxm", "proj_ms_prompt_small_rtx4090",
    "proj_ms_prompt_small_this-machine", "proj_params_7b", "proj_params_base",
    "proj_params_llama2-7b", "proj_params_qwen2-7b", "proj_params_small", "proj_prefill_eff",
    "proj_prompt_tokens", "proj_train_budget", "proj_train_flops_7b", "proj_train_flops_base",
    "proj_train_flops_llama2-7b", "proj_train_flops_qwen2-7b", "proj_train_flops_small",
    "proj_train_gpu_hours_7b_a100-sxm-80gb", "proj_train_gpu_hours_7b_h100-sxm",
    "proj_train_gpu_hours_7b_rtx4090", "proj_train_gpu_hours_base_a100-sxm-80gb",
    "proj_train_gpu_hours_base_h100-sxm", "proj_train_gpu_hours_base_rtx4090",
    "proj_train_gpu_hours_llama2-7b_a100-sxm-80gb", "proj_train_gpu_hours_llama2-7b_h100-sxm",
    "proj_train_gpu_hours_llama2-7b_rtx4090", "proj_train_gpu_hours_qwen2-7b_a100-sxm-80gb",
    "proj_train_gpu_hours_qwen2-7b_h100-sxm", "proj_train_gpu_hours_qwen2-7b_rtx4090",
    "proj_train_gpu_hours_small_a100-sxm-80gb", "proj_train_gpu_hours_small_h100-sxm",
    "proj_train_gpu_hours_small_rtx4090", "proj_train_kwh_7b_a100-sxm-80gb",
    "proj_train_kwh_7b_h100-sxm", "proj_train_kwh_7b_rtx4090",
    "proj_train_kwh_base_a100-sxm-80gb", "proj_train_kwh_base_h100-sxm",
    "proj_train_kwh_base_rtx4090", "proj_train_kwh_llama2-7b_a100-sxm-80gb",
    "proj_train_kwh_llama2-7b_h100-sxm", "proj_train_kwh_llama2-7b_rtx4090",
    "proj_train_kwh_qwen2-7b_a100-sxm-80gb", "proj_train_kwh_qwen2-7b_h100-sxm",
    "proj_train_kwh_qwen2-7b_rtx4090", "proj_train_kwh_small_a100-sxm-80gb",
    "proj_train_kwh_small_h100-sxm", "proj_train_kwh_small_rtx4090", "proj_train_tokens",
    "proj_train_utilisation", "renyi_efficiency", "roundtrip_char_loss", "roundtrip_exact",
    "s_train", "segments", "symbol_dict_bytes",
    "symbol_text_bytes", "symbol_text_chars", "symbol_text_dict_bytes", "text_bytes", "tokens",
    "unk_rate", "vocab_priced", "vocab_size", "vocab_used", "words", "xz9_bytes", "zstd19_bytes",
    /* bench/stage_train.c */
    "train_loss", "train_bits_per_token", "train_bits_per_en_byte", "train_eval_targets",
    "train_eval_segments", "train_eval_en_bytes", "train_target_bits_per_en_byte",
    "train_flops_to_target", "train_s_to_target", "train_curve_loss@1",
    "train_curve_bits_per_en_byte@10", "train_curve_flops@10", "train_curve_s@10",
    "train_steps", "train_tokens_seen", "train_epochs_seen", "train_vocab", "train_vocab_full",
    "train_flops", "train_flops_full_vocab", "train_flops_gemm_share",
    "train_bytes_peak_measured", "train_bytes_analytic", "train_bytes_analytic_full_vocab",
    "train_budget_flops", "train_s", "train_gemm_time_share", "train_proj_flops_llama2-7b",
    "train_proj_gpu_hours_qwen2-7b_h100-sxm",
};

static void test_every_metric_has_a_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof k_all_metrics / sizeof k_all_metrics[0]; i++) {
        const check_rule *r = check_metric_rule(k_all_metrics[i]);
        if (strcmp(r->pattern, "*") == 0)
            fail_msg("metric '%s' matches no rule of the gate's table", k_all_metrics[i]);
    }
    assert_string_equal(check_metric_rule("no_such_metric")->pattern, "*");
}

/* A table of rows (split, lang, metric, value); unit "x" unless given. */
typedef struct trow {
    const char *split, *lang, *metric;
    double value;
    const char *unit;
} trow;

static results *table(const trow *rows, size_t n)
{
    results *r;
    tb_error err = {0};
    assert_int_equal(results_new(&r, &err), TB_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(results_add(r, "c", rows[i].split, rows[i].lang, "cmd:x",
                                     rows[i].metric, rows[i].value,
                                     rows[i].unit ? rows[i].unit : "x", &err),
                         TB_OK);
    return r;
}
#define TABLE(a) table(a, sizeof a / sizeof a[0])

static void tols(check_config *cfg, const char *const *specs, size_t n)
{
    tb_error err = {0};
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(check_parse_tol(specs[i], &cfg->tols[cfg->n_tols++], &err), TB_OK);
}

/* The item of metric m (and split s when not NULL), or NULL. */
static const check_item *find(const results *base, const check_report *rep, const char *m,
                              const char *s)
{
    for (size_t i = 0; i < rep->n_items; i++) {
        result_row k;
        if (rep->items[i].base_row < 0)
            continue;
        results_get(base, (size_t)rep->items[i].base_row, &k);
        if (strcmp(k.metric, m) == 0 && (!s || strcmp(k.split, s) == 0))
            return &rep->items[i];
    }
    return NULL;
}

static void test_compare(void **state)
{
    (void)state;
    const trow b[] = {{"all", "en", "tokens", 100, 0},   {"all", "en", "bytes_per_token", 2.0, 0},
                      {"all", "en", "segments", 10, 0},  {"all", "en", "encode_mb_per_s", 50, "MB/s"},
                      {"all", "en", "words", 7, 0}};
    const trow c[] = {{"all", "en", "tokens", 99, 0},
                      {"all", "en", "bytes_per_token", 1.9, 0},
                      {"all", "en", "segments", 10, 0},
                      {"all", "en", "encode_mb_per_s", 10, "MB/s"},
                      {"all", "en", "chars", 70, 0}};
    results *base = TABLE(b), *cur = TABLE(c);
    tb_error err = {0};
    check_report rep;
    assert_int_equal(check_compare(base, cur, NULL, &rep, &err), TB_OK);
    assert_int_equal(rep.compared, 3);
    assert_int_equal(rep.skipped_timing, 1);
    assert_int_equal(rep.n_improved, 1);  /* tokens 100 -> 99 */
    assert_int_equal(rep.n_regressed, 1); /* bytes_per_token 2.0 -> 1.9 */
    assert_int_equal(rep.n_missing, 1);   /* words */
    assert_int_equal(rep.n_new, 1);       /* chars */
    assert_true(check_failed(&rep));
    assert_true(fabs(find(base, &rep, "tokens", NULL)->rel_change - -0.01) < 1e-12);
    check_report_release(&rep);
    check_config cfg;
    const char *const t[] = {"bytes_per_*=10%", "encode_*=50%"};
    tols(&cfg, t, 2);
    assert_int_equal(check_compare(base, cur, &cfg, &rep, &err), TB_OK);
    assert_int_equal(rep.n_regressed, 1); /* now the timing row: 50 -> 10 MB/s */
    assert_int_equal(rep.n_within, 1);    /* bytes_per_token -5% within 10% */
    assert_int_equal(rep.skipped_timing, 0);
    check_report_release(&rep);
    results_free(base);
    results_free(cur);
}

/* A cheaper tokenizer passes: fewer tokens everywhere are improvements, and
 * the informational rows that move with them (renyi_efficiency down,
 * vocab_used, parity of an unchanged language) do not fail. */
static void test_improvement_passes(void **state)
{
    (void)state;
    const trow b[] = {{"all", "en", "tokens", 1000, 0},    {"all", "ru", "tokens", 2000, 0},
                      {"all", "zh", "tokens", 800, 0},     {"all", "ru", "fertility", 2.0, 0},
                      {"all", "ru", "renyi_efficiency", 0.5, 0},
                      {"all", "ru", "vocab_used", 300, 0}, {"all", "zh", "parity", 0.8, 0}};
    const trow c[] = {{"all", "en", "tokens", 950, 0},     {"all", "ru", "tokens", 1800, 0},
                      {"all", "zh", "tokens", 800, 0},     {"all", "ru", "fertility", 1.8, 0},
                      {"all", "ru", "renyi_efficiency", 0.45, 0},
                      {"all", "ru", "vocab_used", 280, 0}, {"all", "zh", "parity", 0.8421, 0}};
    results *base = TABLE(b), *cur = TABLE(c);
    tb_error err = {0};
    check_report rep;
    assert_int_equal(check_compare(base, cur, NULL, &rep, &err), TB_OK);
    assert_false(check_failed(&rep));
    assert_int_equal(rep.n_improved, 2); /* en and ru tokens; fertility folded under ru */
    assert_int_equal(rep.n_folded, 1);
    assert_int_equal(rep.n_info, 3);
    assert_int_equal(find(base, &rep, "renyi_efficiency", NULL)->verdict, CHECK_INFO);
    assert_int_equal(find(base, &rep, "parity", NULL)->verdict, CHECK_INFO);
    check_report_release(&rep);
    results_free(base);
    results_free(cur);
}

/* --tol tokens=0.5% covers what tokens within 0.5% can move: fertility,
 * bytes_per_token, parity (two counts), flops_attn (quadratic); an explicit
 * tolerance on the derived metric wins. */
static void test_derived_follow_tokens(void **state)
{
    (void)state;
    const trow b[] = {{"all", "en", "tokens", 10000, 0},   {"all", "ru", "tokens", 20000, 0},
                      {"test", "en", "tokens", 1000, 0},    {"test", "ru", "tokens", 2000, 0},
                      {"all", "ru", "fertility", 2.0, 0},  {"all", "ru", "bytes_per_token", 4.0, 0},
                      {"all", "ru", "chars_per_token", 2.0, 0},
                      {"all", "ru", "parity", 2.0, 0},
                      {"test", "ru", "flops_attn", 1e12, "FLOPs"},
                      {"test", "ru", "flops_mlp", 1e12, "FLOPs"}};
    /* en -0.5%, ru +0.5%: parity +1.005%, attention (1.005^2) +1.0025% */
    const trow c[] = {{"all", "en", "tokens", 9950, 0},
                      {"all", "ru", "tokens", 20100, 0},
                      {"test", "en", "tokens", 995, 0},
                      {"test", "ru", "tokens", 2010, 0},
                      {"all", "ru", "fertility", 2.01, 0},
                      {"all", "ru", "bytes_per_token", 4.0 / 1.005, 0},
                      {"all", "ru", "chars_per_token", 2.0 / 1.005, 0},
                      {"all", "ru", "parity", 2.0 * 1.005 / 0.995, 0},
                      {"test", "ru", "flops_attn", 1e12 * 1.005 * 1.005, "FLOPs"},
                      {"test", "ru", "flops_mlp", 1.005e12, "FLOPs"}};
    results *base = TABLE(b), *cur = TABLE(c);
    tb_error err = {0};
    check_report rep;
    check_config cfg;
    /* no tolerance: ru tokens regress (test, also all) and every derived row
     * with them, in either split */
    assert_int_equal(check_compare(base, cur, NULL, &rep, &err), TB_OK);
    assert_true(check_failed(&rep));
    assert_int_equal(rep.n_regressed, 1);
    assert_int_equal(rep.n_folded, 5); /* fertility, bpt, cpt, flops_attn, flops_mlp */
    long under = find(base, &rep, "fertility", NULL)->folded_under;
    assert_true(under >= 0);
    assert_int_equal(rep.items[under].verdict, CHECK_REGRESSED);
    assert_int_equal(rep.items[under].n_folded, 5);
    assert_string_equal(rep.items[under].also_splits, "all");
    check_report_release(&rep);
    const char *const t1[] = {"tokens=0.5%"};
    tols(&cfg, t1, 1);
    assert_int_equal(check_compare(base, cur, &cfg, &rep, &err), TB_OK);
    assert_false(check_failed(&rep));
    const check_item *f = find(base, &rep, "fertility", NULL);
    assert_non_null(f);
    assert_int_equal(f->verdict, CHECK_WITHIN);
    assert_string_equal(f->inherited_from, "tokens");
    assert_string_equal(f->tol_pattern, "tokens");
    assert_true(fabs(f->tol_value - (1 / 0.995 - 1)) < 1e-12);
    assert_int_equal(find(base, &rep, "flops_attn", NULL)->verdict, CHECK_WITHIN);
    assert_int_equal(find(base, &rep, "parity", NULL)->verdict, CHECK_WITHIN);
    check_report_release(&rep);
    /* an absolute tolerance on tokens is relative to the key's tokens row */
    const char *const t2[] = {"tokens=abs:100"};
    tols(&cfg, t2, 1);
    assert_int_equal(check_compare(base, cur, &cfg, &rep, &err), TB_OK);
    assert_false(check_failed(&rep));
    check_report_release(&rep);
    /* the derived metric's own pattern wins */
    const char *const t3[] = {"tokens=0.5%", "fertility=0.1%"};
    tols(&cfg, t3, 2);
    assert_int_equal(check_compare(base, cur, &cfg, &rep, &err), TB_OK);
    assert_true(check_failed(&rep));
    f = find(base, &rep, "fertility", NULL);
    assert_int_equal(f->verdict, CHECK_REGRESSED);
    assert_null(f->inherited_from);
    assert_int_equal(rep.n_regressed, 1);
    check_report_release(&rep);
    /* a token move beyond the tolerance still fails */
    const char *const t4[] = {"tokens=0.25%"};
    tols(&cfg, t4, 1);
    assert_int_equal(check_compare(base, cur, &cfg, &rep, &err), TB_OK);
    assert_true(check_failed(&rep));
    check_report_release(&rep);
    results_free(base);
    results_free(cur);
}

/* Informational metrics pass by default and gate when a --tol names them:
 * in their direction, or on any change when they have none. */
static void test_informational(void **state)
{
    (void)state;
    const trow b[] = {{"all", "ru", "renyi_efficiency", 0.5, 0},
                      {"all", "ru", "vocab_used", 300, 0},
                      {"all", "ru", "parity", 2.0, 0},
                      {"all", "ru", "byte_premium", 1.8, 0}};
    const trow c[] = {{"all", "ru", "renyi_efficiency", 0.4, 0},
                      {"all", "ru", "vocab_used", 290, 0},
                      {"all", "ru", "parity", 2.2, 0},
                      {"all", "ru", "byte_premium", 1.9, 0}};
    results *base = TABLE(b), *cur = TABLE(c);
    tb_error err = {0};
    check_report rep;
    check_config cfg;
    assert_int_equal(check_compare(base, cur, NULL, &rep, &err), TB_OK);
    assert_false(check_failed(&rep));
    assert_int_equal(rep.n_info, 4);
    check_report_release(&rep);
    const char *const t[] = {"renyi_efficiency=1%", "vocab_used=1%", "parity=5%",
                             "byte_premium=1%"};
    tols(&cfg, t, 4);
    assert_int_equal(check_compare(base, cur, &cfg, &rep, &err), TB_OK);
    assert_true(check_failed(&rep));
    assert_int_equal(find(base, &rep, "renyi_efficiency", NULL)->verdict, CHECK_REGRESSED);
    assert_int_equal(find(base, &rep, "vocab_used", NULL)->verdict, CHECK_CHANGED);
    assert_int_equal(find(base, &rep, "parity", NULL)->verdict, CHECK_REGRESSED);
    /* no direction: a change beyond its tolerance is CHANGED */
    assert_int_equal(find(base, &rep, "byte_premium", NULL)->verdict, CHECK_CHANGED);
    check_report_release(&rep);
    results_free(base);
    results_free(cur);
}

/* One item per key for the split that matters; other splits with the same
 * verdict folded; a split with another verdict stays an item of its own. */
static void test_split_folding(void **state)
{
    (void)state;
    const trow b[] = {{"all", "ru", "tokens", 2000, 0},   {"test", "ru", "tokens", 200, 0},
                      {"train", "ru", "tokens", 1800, 0}, {"all", "en", "tokens", 1000, 0},
                      {"train", "en", "tokens", 900, 0},  {"all", "zh", "tokens", 800, 0},
                      {"test", "zh", "tokens", 80, 0}};
    const trow c[] = {{"all", "ru", "tokens", 2100, 0},   {"test", "ru", "tokens", 210, 0},
                      {"train", "ru", "tokens", 1890, 0}, {"all", "en", "tokens", 1100, 0},
                      {"train", "en", "tokens", 1000, 0}, {"all", "zh", "tokens", 790, 0},
                      {"test", "zh", "tokens", 81, 0}};
    results *base = TABLE(b), *cur = TABLE(c);
    tb_error err = {0};
    check_report rep;
    assert_int_equal(check_compare(base, cur, NULL, &rep, &err), TB_OK);
    /* ru: one item (test, also all,train); en: no test row, so all (also
     * train); zh: test regressed, all improved: two items */
    assert_int_equal(rep.n_items, 4);
    assert_int_equal(rep.n_regressed, 3);
    assert_int_equal(rep.n_improved, 1);
    const check_item *ru = &rep.items[0];
    result_row k;
    results_get(base, (size_t)ru->base_row, &k);
    assert_string_equal(k.lang, "ru");
    assert_string_equal(k.split, "test");
    assert_string_equal(ru->also_splits, "all,train");
    results_get(base, (size_t)rep.items[1].base_row, &k);
    assert_string_equal(k.lang, "en");
    assert_string_equal(k.split, "all");
    assert_string_equal(rep.items[1].also_splits, "train");
    assert_non_null(find(base, &rep, "tokens", "test"));
    check_report_release(&rep);
    results_free(base);
    results_free(cur);
}

/* A --tol pattern must match a known metric: a row of either table or a
 * pattern of the rule table. */
static void test_validate_tols(void **state)
{
    (void)state;
    const trow b[] = {{"all", "ru", "tokens", 2000, 0}, {"all", "ru", "my_metric", 1, 0}};
    results *base = TABLE(b);
    tb_error err = {0};
    check_config cfg;
    const char *const good[] = {"tokens=1%", "ms_*=25%", "my_*=1%", "flops_*=1%", "*=1%"};
    tols(&cfg, good, 5);
    assert_int_equal(check_validate_tols(&cfg, base, base, &err), TB_OK);
    const char *const bad[] = {"tokens=1%", "tokenz=5%"};
    tols(&cfg, bad, 2);
    assert_int_equal(check_validate_tols(&cfg, base, base, &err), TB_EUSAGE);
    assert_non_null(strstr(err.msg, "'tokenz'"));
    const char *const bad2[] = {"flops_typo=5%"};
    tols(&cfg, bad2, 1);
    assert_int_equal(check_validate_tols(&cfg, base, base, &err), TB_EUSAGE);
    results_names k;
    assert_int_equal(check_known_metrics(base, base, &k, &err), TB_OK);
    assert_true(results_names_has(&k, "my_metric"));
    assert_true(results_names_has(&k, "fertility"));
    for (size_t i = 1; i < k.n; i++)
        assert_true(strcmp(k.v[i - 1], k.v[i]) < 0);
    results_names_release(&k);
    results_free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_parse_tol),
        cmocka_unit_test(test_directions),
        cmocka_unit_test(test_every_metric_has_a_rule),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_improvement_passes),
        cmocka_unit_test(test_derived_follow_tokens),
        cmocka_unit_test(test_informational),
        cmocka_unit_test(test_split_folding),
        cmocka_unit_test(test_validate_tols),
    };
    return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
