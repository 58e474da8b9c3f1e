/* report.c - Markdown tables pivoted languages x tokenizers. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/afile.h"
#include "anchors.h"
#include "claims.h"

struct metric_info {
    const char *metric;
    const char *title;      /* what the number means, for the reader */
};

struct group {
    const char *title;
    struct metric_info metrics[6];
};

/* The report's sections, in reading order. Metrics not in the results are
 * skipped, so the report grows as capabilities land. */
static const struct group k_groups[] = {
    {"Tokens for the same content",
     {{"tokens", "Tokens (each segment encoded alone)"},
      {"parity", "Parity: tokens(lang) / tokens(en) over the same segments"},
      {"parity_median", "Median per-segment parity"}}},
    {"Token efficiency",
     {{"bytes_per_token", "UTF-8 bytes per token"},
      {"chars_per_token", "Code points per token"},
      {"fertility", "Fertility: tokens per ICU word"},
      {"continued_words", "Share of words split into two or more tokens"}}},
    {"Vocabulary",
     {{"vocab_size", "Vocabulary size |V|"},
      {"vocab_priced", "Vocabulary the cost rows price (|V|, or the ids used for a code-space scheme)"},
      {"vocab_used", "Distinct ids used"},
      {"unk_rate", "Share of fallback/unknown tokens"},
      {"renyi_efficiency", "Renyi efficiency (alpha = 2.5)"}}},
    {"n-gram model (interpolated modified Kneser-Ney, highest order)",
     {{"ngram_bits_per_en_byte", "Bits per English byte of the same content"},
      {"ngram_bits_per_token", "Bits per token (log2 perplexity)"},
      {"ngram_hit_at_1", "Next-token suggestion right at rank 1"},
      {"ngram_ksr", "Keystroke savings rate of completion by typing"},
      {"ngram_us_query", "Microseconds per probability query"},
      {"ngram_bytes_model", "Model size, bytes"}}},
    {"Word coverage of closed vocabularies",
     {{"oov_words", "Share of ICU words that fell back (out of vocabulary)"}}},
    {"Compression: symbol text against archivers",
     {{"text_bytes", "Original UTF-8 bytes (file form, one segment a line)"},
      {"gzip9_bytes", "gzip -9 (zlib) of the original, bytes"},
      {"xz9_bytes", "xz -9 (liblzma) of the original, bytes"},
      {"zstd19_bytes", "zstd -19 (libzstd) of the original, bytes"},
      {"symbol_text_bytes", "Symbol text, UTF-8 bytes (one code point per token)"},
      {"symbol_text_dict_bytes", "Symbol text plus its dictionary, bytes"}}},
    {"Transformer cost of the test split (2 FLOPs per multiply-add, attention dense)",
     {{"flops_total", "Total FLOPs (each segment one sequence, logits at every position)"},
      {"flops_total_vs_en", "Total FLOPs relative to English"},
      {"flops_attn", "Attention FLOPs (QK^T and AV)"},
      {"gemm_flops_share", "Share of FLOPs in matrix multiplication"},
      {"ms_prefill", "Prefill ms (measured model, priced by the fitted length curve)"},
      {"ms_prefill_vs_en", "Prefill time relative to English"}}},
    {"Transformer memory at long context (fp32)",
     {{"bytes_params_embed", "Embedding and LM head parameters"},
      {"bytes_params_layers", "Other parameters"},
      {"bytes_infer_1k", "Inference memory at 1k tokens (weights + KV cache)"},
      {"bytes_infer_8k", "Inference memory at 8k tokens"},
      {"bytes_infer_60k", "Inference memory at 60k tokens"},
      {"bytes_activations_60k", "Training-forward activations at 60k tokens"}}},
    {"Milliseconds for people: the selector model (Hick-Hyman; a fork is a step whose top "
     "candidate has probability below 0.5)",
     {{"latency_ms_per_en_byte_auto", "ms per English byte of content, model alone"},
      {"latency_ms_per_en_byte_select", "ms per English byte, a person picks every token"},
      {"latency_ms_per_en_byte_hybrid", "ms per English byte, a person picks at forks"},
      {"latency_fork_share_p0p5", "Share of steps that are forks (top candidate below 0.5)"},
      {"latency_fork_share_oracle", "Share of steps whose top candidate is wrong"},
      {"latency_human_share_select", "Share of select time that is the person's"}}},
    {"Projections (roofline, not measured: model/hardware.tsv, prefill at 50% of peak, "
     "training at 40% utilisation, content x1000)",
     {{"proj_ms_prefill_llama2-7b_rtx4090", "Llama-2-7B on an RTX 4090: prefill of the split, ms"},
      {"proj_ms_decode_token_llama2-7b_rtx4090", "Llama-2-7B on an RTX 4090: decode ms per token "
                                                 "(roofline floor, cache 512)"},
      {"proj_train_gpu_hours_llama2-7b_h100-sxm", "Llama-2-7B trained on this content x1000: "
                                                  "H100-hours"},
      {"proj_train_kwh_llama2-7b_h100-sxm", "The same training: kWh at board power"},
      {"proj_err_prefill_small_this-machine", "Check: projected / measured - 1, small model "
                                              "prefill on this machine"}}},
    {"Speed",
     {{"encode_mb_per_s", "Encoding throughput, MB/s (one thread, median of passes)"},
      {"gemm_time_share", "Measured share of model time inside sgemm (prefill)"},
      {"gflops_achieved", "Model GFLOP/s achieved (prefill)"},
      {"ms_decode_token_512", "Decode ms per token at a 512-token cache"},
      {"ngram_ms_suggest", "n-gram ms per top-5 suggestion"},
      {"s_train", "Seconds to train the tokenizer here"}}},
};

static void fmt_cell(double v, const char *unit, char *buf, size_t cap)
{
    if (strcmp(unit, "share") == 0)
        snprintf(buf, cap, "%.2f%%", 100.0 * v);
    else if (strcmp(unit, "time_ratio") == 0)
        snprintf(buf, cap, "%.3f", v);
    else if (strcmp(unit, "FLOPs") == 0)
        snprintf(buf, cap, "%.3g", v);
    else if (strcmp(unit, "bytes") == 0 && v >= 1e9)
        snprintf(buf, cap, "%.2f GB", v / 1e9);
    else if (strcmp(unit, "bytes") == 0 && v >= 1e6)
        snprintf(buf, cap, "%.2f MB", v / 1e6);
    else if (strcmp(unit, "ms") == 0 || strcmp(unit, "s") == 0 || strcmp(unit, "GFLOP/s") == 0)
        snprintf(buf, cap, "%.4g", v);
    else if (strcmp(unit, "MB/s") == 0)
        snprintf(buf, cap, "%.2f", v);
    else if (strcmp(unit, "ratio") == 0 || strcmp(unit, "ppl") == 0 || strcmp(unit, "us") == 0 ||
             strchr(unit, '/'))
        snprintf(buf, cap, "%.3f", v);
    else
        results_format_value(v, buf, cap);
}

static int has_metric(const results *r, const char *corpus, const char *split,
                      const char *metric)
{
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        if (strcmp(row.corpus, corpus) == 0 && strcmp(row.split, split) == 0 &&
            strcmp(row.metric, metric) == 0)
            return 1;
    }
    return 0;
}

static int group_has(const results *r, const char *corpus, const char *split,
                     const struct group *g)
{
    for (int m = 0; m < 6 && g->metrics[m].metric; m++)
        if (has_metric(r, corpus, split, g->metrics[m].metric))
            return 1;
    return 0;
}

static void table(const results *r, const char *corpus, const char *split, const char *metric,
                  const char *title, const results_names *langs, const results_names *toks, FILE *f)
{
    fprintf(f, "**%s** (`%s`)\n\n| tokenizer |", title, metric);
    for (size_t l = 0; l < langs->n; l++)
        fprintf(f, " %s |", langs->v[l]);
    fputs("\n|---|", f);
    for (size_t l = 0; l < langs->n; l++)
        fputs("---:|", f);
    fputc('\n', f);
    for (size_t t = 0; t < toks->n; t++) {
        int any = 0;
        for (size_t l = 0; l < langs->n && !any; l++)
            any = results_find(r, corpus, split, langs->v[l], toks->v[t], metric) >= 0;
        if (!any)
            continue; /* a tokenizer this metric does not apply to */
        fprintf(f, "| `%s` |", toks->v[t]);
        for (size_t l = 0; l < langs->n; l++) {
            long i = results_find(r, corpus, split, langs->v[l], toks->v[t], metric);
            char cell[64] = "–";
            if (i >= 0) {
                result_row row;
                results_get(r, (size_t)i, &row);
                fmt_cell(row.value, row.unit, cell, sizeof cell);
            }
            fprintf(f, " %s |", cell);
        }
        fputc('\n', f);
    }
    fputc('\n', f);
}

static void corpus_keys(const results *r, const char *corpus, results_names *langs,
                        results_names *toks, int *oom)
{
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        if (strcmp(row.corpus, corpus) != 0)
            continue;
        if (results_names_add(langs, row.lang) || results_names_add(toks, row.tokenizer))
            *oom = 1;
    }
}

/* The corpora of r in order of first appearance; 1 when out of memory. */
static int all_corpora(const results *r, results_names *corpora)
{
    int oom = 0;
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        oom |= results_names_add(corpora, row.corpus) != 0;
    }
    return oom;
}

int report_write_markdown(const results *r, const report_extras *ex, FILE *f, tb_error *err)
{
    const char *manifest_md = ex ? ex->manifest_md : NULL;
    results_names corpora = {0};
    int oom = all_corpora(r, &corpora);
    fputs("# tokbench report\n\n", f);
    fputs("What the same content costs in each language, per tokenizer. Every number below "
          "was measured by tokbench in this run; `results.csv` beside this file holds every "
          "row (`corpus,split,lang,tokenizer,metric,value,unit`).\n\n",
          f);
    if (manifest_md && *manifest_md)
        fprintf(f, "## Run\n\n%s\n", manifest_md);
    if (ex && ex->n_charts) {
        fputs("## Charts\n\nEach chart is also in SVG beside the PNG, with its data (.dat) and "
              "gnuplot script (.gp).\n\n",
              f);
        for (size_t i = 0; i < ex->n_charts; i++) {
            const plot_chart *ch = &ex->charts[i];
            fprintf(f, "![%s](%s/%s.png)\n\n", ch->name, ex->chart_dir, ch->name);
            if (ch->caption[0])
                fprintf(f, "*%s*\n\n", ch->caption);
        }
    }
    static const char *const splits[] = {"all", "test"};
    for (size_t c = 0; c < corpora.n && !oom; c++) {
        results_names langs = {0}, toks = {0};
        corpus_keys(r, corpora.v[c], &langs, &toks, &oom);
        fprintf(f, "## Corpus `%s`\n\n", corpora.v[c]);
        for (size_t s = 0; s < 2; s++) {
            const char *sp = splits[s];
            if (!has_metric(r, corpora.v[c], sp, "tokens"))
                continue;
            if (s == 1)
                fputs("<details><summary>Test split (held out from every trained "
                      "vocabulary)</summary>\n\n",
                      f);
            /* Content size is the same for every tokenizer: one row. */
            fprintf(f, "### Content (split `%s`)\n\n| |", sp);
            for (size_t l = 0; l < langs.n; l++)
                fprintf(f, " %s |", langs.v[l]);
            fputs("\n|---|", f);
            for (size_t l = 0; l < langs.n; l++)
                fputs("---:|", f);
            fputc('\n', f);
            static const char *const size_metrics[] = {"segments", "bytes", "chars", "words"};
            for (int m = 0; m < 4; m++) {
                fprintf(f, "| %s |", size_metrics[m]);
                for (size_t l = 0; l < langs.n; l++) {
                    char cell[64] = "–";
                    for (size_t t = 0; t < toks.n; t++) {
                        long i = results_find(r, corpora.v[c], sp, langs.v[l], toks.v[t],
                                              size_metrics[m]);
                        if (i >= 0) {
                            result_row row;
                            results_get(r, (size_t)i, &row);
                            results_format_value(row.value, cell, sizeof cell);
                            break;
                        }
                    }
                    fprintf(f, " %s |", cell);
                }
                fputc('\n', f);
            }
            fputc('\n', f);
            for (size_t g = 0; g < sizeof k_groups / sizeof k_groups[0]; g++) {
                /* Groups measured on the test split only (n-gram, model)
                 * belong in the main body, right after the "all" tables;
                 * the collapsed test section repeats only the others. */
                int in_all = group_has(r, corpora.v[c], "all", &k_groups[g]);
                const char *gs = sp;
                if (s == 0 && !in_all)
                    gs = "test";
                else if (s == 1 && !in_all)
                    continue;
                if (!group_has(r, corpora.v[c], gs, &k_groups[g]))
                    continue;
                fprintf(f, "### %s (split `%s`)\n\n", k_groups[g].title, gs);
                for (int m = 0; m < 6 && k_groups[g].metrics[m].metric; m++)
                    if (has_metric(r, corpora.v[c], gs, k_groups[g].metrics[m].metric))
                        table(r, corpora.v[c], gs, k_groups[g].metrics[m].metric,
                              k_groups[g].metrics[m].title, &langs, &toks, f);
            }
            if (s == 1)
                fputs("</details>\n\n", f);
        }
        results_names_release(&langs);
        results_names_release(&toks);
    }
    results_names_release(&corpora);
    if (oom)
        return tb_fail(err, TB_EINPUT, "report: out of memory");
    if (anchors_write_markdown(r, f, err) || claims_write_markdown(r, f, err))
        return TB_EINPUT;
    if (ferror(f))
        return tb_fail(err, TB_EINPUT, "report: write failed");
    return TB_OK;
}

/* The tokenizers of the README's table, in its order, with a gloss. */
static const struct {
    const char *spec, *gloss;
} k_readme_toks[] = {
    {"bytes", NULL},
    {"chars", NULL},
    {"tiktoken:r50k_base", "GPT-2"},
    {"tiktoken:cl100k_base", NULL},
    {"tiktoken:o200k_base", NULL},
    {"hf:qwen3", NULL},
    {"hf:llama3", NULL},
    {"hf:deepseek_v3", NULL},
    {"bpe:32k", "trained per language"},
    {"joint:bpe:32k", NULL},
    {"symbol:all", "every word form"},
    {"symbol-space:all", "every word form, single spaces folded"},
};

int report_write_readme(const results *r, const char *corpus, FILE *f, tb_error *err)
{
    double segs = 0;
    char num[32];
    results_value(r, corpus, "test", "en", "bytes", "segments", &segs);
    fprintf(f, "Corpus `%s`, split test (%s segments). Deterministic rows only: the same "
               "on every machine.\n\n",
            corpus, results_format_count(segs, num, sizeof num));
    fputs("| tokenizer | tokens en | parity ru | parity zh | n-gram bits / English byte (en / "
          "ru / zh) |\n|---|---:|---:|---:|---|\n",
          f);
    static const char *const langs[] = {"en", "ru", "zh"};
    for (size_t i = 0; i < sizeof k_readme_toks / sizeof k_readme_toks[0]; i++) {
        const char *t = k_readme_toks[i].spec, *gloss = k_readme_toks[i].gloss;
        double te, pr = NAN, pz = NAN;
        if (!results_value(r, corpus, "test", "en", t, "tokens", &te))
            continue;
        results_value(r, corpus, "test", "ru", t, "parity", &pr);
        results_value(r, corpus, "test", "zh", t, "parity", &pz);
        fprintf(f, "| `%s`%s%s%s | %s | %.3f | %.3f |", t, gloss ? " (" : "", gloss ? gloss : "",
                gloss ? ")" : "", results_format_count(te, num, sizeof num), pr, pz);
        for (int l = 0; l < 3; l++) {
            double b;
            if (results_value(r, corpus, "test", langs[l], t, "ngram_bits_per_en_byte", &b))
                fprintf(f, "%s%.3f", l ? " / " : " ", b);
            else
                fprintf(f, "%s–", l ? " / " : " ");
        }
        fputs(" |\n", f);
    }
    fputs("\nVerdicts judged on deterministic rows (the Claims section of REPORT.md has every "
          "part, the timed ones too, and the rows behind each):\n\n",
          f);
    if (claims_write_summary(r, f, err))
        return TB_EINPUT;
    return ferror(f) ? tb_fail(err, TB_EINPUT, "report: write failed") : TB_OK;
}

int report_save_markdown(const results *r, const report_extras *ex, const char *path,
                         tb_error *err)
{
    afile af;
    if (afile_open(&af, path, err))
        return TB_EINPUT;
    if (report_write_markdown(r, ex, af.fp, err)) {
        afile_abort(&af);
        return tb_wrap(err, "'%s': ", path);
    }
    return afile_commit(&af, err);
}

static double value_or(const results *r, const char *c, const char *l, const char *t,
                       const char *m, double dflt)
{
    double v = dflt;
    results_value(r, c, "all", l, t, m, &v);
    return v;
}

void report_print_summary(const results *r, FILE *f)
{
    results_names corpora = {0};
    int oom = all_corpora(r, &corpora);
    for (size_t c = 0; c < corpora.n && !oom; c++) {
        results_names langs = {0}, toks = {0};
        corpus_keys(r, corpora.v[c], &langs, &toks, &oom);
        fprintf(f, "corpus %s (split all)\n", corpora.v[c]);
        fprintf(f, "%-24s %-4s %12s %9s %9s %9s %7s %7s %9s\n", "tokenizer", "lang", "tokens",
                "bytes/tok", "chars/tok", "tok/word", "parity", "unk%", "MB/s");
        for (size_t t = 0; t < toks.n; t++)
            for (size_t l = 0; l < langs.n; l++) {
                const char *cn = corpora.v[c], *ln = langs.v[l], *tn = toks.v[t];
                if (results_find(r, cn, "all", ln, tn, "tokens") < 0)
                    continue;
                static const struct {
                    const char *metric;
                    int width, prec;
                    double scale;
                } cols[] = {{"tokens", 12, 0, 1},          {"bytes_per_token", 9, 3, 1},
                            {"chars_per_token", 9, 3, 1}, {"fertility", 9, 3, 1},
                            {"parity", 7, 3, 1},          {"unk_rate", 7, 2, 100},
                            {"encode_mb_per_s", 9, 2, 1}};
                fprintf(f, "%-24s %-4s", tn, ln);
                for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
                    double v = value_or(r, cn, ln, tn, cols[k].metric, NAN);
                    if (isnan(v))
                        fprintf(f, " %*s", cols[k].width, "-");
                    else
                        fprintf(f, " %*.*f", cols[k].width, cols[k].prec, v * cols[k].scale);
                }
                fputc('\n', f);
            }
        fputc('\n', f);
        results_names_release(&langs);
        results_names_release(&toks);
    }
    results_names_release(&corpora);
}
