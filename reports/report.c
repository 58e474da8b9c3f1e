/* report.c - Markdown tables pivoted languages x tokenizers. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/afile.h"
#include "anchors.h"
#include "atlas.h"
#include "claims.h"

struct metric_info {
    const char *metric;
    const char *title;      /* what the number means, for the reader */
};

struct group {
    const char *id;         /* anchor suffix: "<corpus>-<split>-<id>" */
    const char *name;       /* a word or two, for the table of contents */
    const char *title;
    struct metric_info metrics[6];
};

/* The report's sections, in reading order. Metrics not in the results are
 * skipped, so the report grows as capabilities land. */
static const struct group k_groups[] = {
    {"tokens", "tokens",
     "Tokens for the same content",
     {{"tokens", "Tokens (each segment encoded alone)"},
      {"parity", "Parity: tokens(lang) / tokens(en) over the same segments"},
      {"parity_median", "Median per-segment parity"}}},
    {"efficiency", "efficiency",
     "Token efficiency",
     {{"bytes_per_token", "UTF-8 bytes per token"},
      {"chars_per_token", "Code points per token"},
      {"fertility", "Fertility: tokens per ICU word"},
      {"continued_words", "Share of words split into two or more tokens"}}},
    {"vocabulary", "vocabulary",
     "Vocabulary",
     {{"vocab_size", "Vocabulary size |V|"},
      {"vocab_priced", "Vocabulary the cost rows price (|V|, or the ids used for a code-space scheme)"},
      {"vocab_used", "Distinct ids used"},
      {"unk_rate", "Share of fallback/unknown tokens"},
      {"renyi_efficiency", "Renyi efficiency (alpha = 2.5)"}}},
    {"ngram", "n-gram",
     "n-gram model (interpolated modified Kneser-Ney, highest order)",
     {{"ngram_bits_per_en_byte", "Bits per English byte of the same content"},
      {"ngram_bits_per_token", "Bits per token (log2 perplexity)"},
      {"ngram_hit_at_1", "Next-token suggestion right at rank 1"},
      {"ngram_ksr", "Keystroke savings rate of completion by typing"},
      {"ngram_us_query", "Microseconds per probability query"},
      {"ngram_bytes_model", "Model size, bytes"}}},
    {"coverage", "word coverage",
     "Word coverage of closed vocabularies",
     {{"oov_words", "Share of ICU words that fell back (out of vocabulary)"}}},
    {"compression", "compression",
     "Compression: symbol text against archivers",
     {{"text_bytes", "Original UTF-8 bytes (file form, one segment a line)"},
      {"gzip9_bytes", "gzip -9 (zlib) of the original, bytes"},
      {"xz9_bytes", "xz -9 (liblzma) of the original, bytes"},
      {"zstd19_bytes", "zstd -19 (libzstd) of the original, bytes"},
      {"symbol_text_bytes", "Symbol text, UTF-8 bytes (one code point per token)"},
      {"symbol_text_dict_bytes", "Symbol text plus its dictionary, bytes"}}},
    {"cost", "model cost",
     "Transformer cost of the test split (2 FLOPs per multiply-add, attention dense)",
     {{"flops_total", "Total FLOPs (each segment one sequence, logits at every position)"},
      {"flops_total_vs_en", "Total FLOPs relative to English"},
      {"flops_attn", "Attention FLOPs (QK^T and AV)"},
      {"gemm_flops_share", "Share of FLOPs in matrix multiplication"},
      {"ms_prefill", "Prefill ms (measured model, priced by the fitted length curve)"},
      {"ms_prefill_vs_en", "Prefill time relative to English"}}},
    {"memory", "model memory",
     "Transformer memory at long context (fp32)",
     {{"bytes_params_embed", "Embedding and LM head parameters"},
      {"bytes_params_layers", "Other parameters"},
      {"bytes_infer_1k", "Inference memory at 1k tokens (weights + KV cache)"},
      {"bytes_infer_8k", "Inference memory at 8k tokens"},
      {"bytes_infer_60k", "Inference memory at 60k tokens"},
      {"bytes_activations_60k", "Training-forward activations at 60k tokens"}}},
    {"selector", "selector",
     "Milliseconds for people: the selector model (Hick-Hyman; a fork is a step whose top "
     "candidate has probability below 0.5)",
     {{"latency_ms_per_en_byte_auto", "ms per English byte of content, model alone"},
      {"latency_ms_per_en_byte_select", "ms per English byte, a person picks every token"},
      {"latency_ms_per_en_byte_hybrid", "ms per English byte, a person picks at forks"},
      {"latency_fork_share_p0p5", "Share of steps that are forks (top candidate below 0.5)"},
      {"latency_fork_share_oracle", "Share of steps whose top candidate is wrong"},
      {"latency_human_share_select", "Share of select time that is the person's"}}},
    {"projections", "projections",
     "Projections (roofline, not measured: model/hardware.tsv, prefill at 50% of peak, "
     "training at 40% utilisation, content x1000)",
     {{"proj_ms_prefill_llama2-7b_rtx4090", "Llama-2-7B on an RTX 4090: prefill of the split, ms"},
      {"proj_ms_decode_token_llama2-7b_rtx4090", "Llama-2-7B on an RTX 4090: decode ms per token "
                                                 "(roofline floor, cache 512)"},
      {"proj_train_gpu_hours_llama2-7b_h100-sxm", "Llama-2-7B trained on this content x1000: "
                                                  "H100-hours"},
      {"proj_train_kwh_llama2-7b_h100-sxm", "The same training: kWh at board power"},
      {"proj_err_prefill_small_this-machine", "Check: projected / measured - 1, small model "
                                              "prefill on this machine"}}},
    {"speed", "speed",
     "Speed",
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

/* ---- anchors and the table of contents ------------------------------------ */

/* s as an anchor id: lowercase ASCII letters and digits, every other run of
 * bytes one '-', none leading or trailing. Explicit `<a id>` anchors carry
 * these ids, so links do not depend on how a viewer slugs headings. */
static void slug(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    int dash = 0;
    for (; *s && n + 2 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z')) {
            if (dash && n)
                buf[n++] = '-';
            buf[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
            dash = 0;
        } else {
            dash = 1;
        }
    }
    buf[n] = '\0';
}

static void anchor(FILE *f, const char *id) { fprintf(f, "<a id=\"%s\"></a>\n\n", id); }

/* One link of a corpus's line in the table of contents; *n counts the links
 * written on the line so far. */
static void toc_link(FILE *toc, int *n, const char *text, const char *id)
{
    fprintf(toc, "%s[%s](#%s)", (*n)++ ? " · " : " ", text, id);
}

/* ---- the headline ------------------------------------------------------------ */

static int is_production(const char *tok)
{
    return strncmp(tok, "tiktoken:", 9) == 0 || strncmp(tok, "hf:", 3) == 0;
}

/* 1 when a and b have the same token count in every language on both
 * splits of corpus: one model under two names. */
static int same_tokens(const results *r, const char *corpus, const results_names *langs,
                       const char *a, const char *b)
{
    static const char *const splits[] = {"test", "all"};
    for (int s = 0; s < 2; s++)
        for (size_t l = 0; l < langs->n; l++) {
            double x = NAN, y = NAN;
            int hx = results_value(r, corpus, splits[s], langs->v[l], a, "tokens", &x);
            int hy = results_value(r, corpus, splits[s], langs->v[l], b, "tokens", &y);
            if (hx != hy || (hx && x != y))
                return 0;
        }
    return 1;
}

#define HEADLINE_SPLIT "test"

/* The headline rows of corpus, in order: every production vocabulary
 * (tiktoken:, hf:), then every other scheme that has n-gram rows on the
 * test split. The suite gives the n-gram stage to its representative points
 * only (bench/suite.c: the sweep points bpe:1k..64k, symbol:2k.. get token
 * metrics alone), so these are the main trained points and the baselines;
 * a corpus without n-gram rows shows every scheme. One model under several
 * names (the same token counts everywhere) is one row. names gets one
 * "`a`, `b`" label per row; 1 when out of memory. */
static int headline_rows(const results *r, const char *corpus, const results_names *langs,
                         const results_names *toks, char ***names, size_t *n_rows,
                         const char ***first)
{
    int any_ngram = 0;
    for (size_t t = 0; t < toks->n && !any_ngram; t++)
        for (size_t l = 0; l < langs->n && !any_ngram; l++)
            any_ngram = !is_production(toks->v[t]) &&
                        results_find(r, corpus, HEADLINE_SPLIT, langs->v[l], toks->v[t],
                                     "ngram_bits_per_en_byte") >= 0;
    *names = calloc(toks->n ? toks->n : 1, sizeof **names);
    *first = calloc(toks->n ? toks->n : 1, sizeof **first);
    *n_rows = 0;
    if (!*names || !*first)
        return 1;
    for (int pass = 0; pass < 2; pass++)
        for (size_t t = 0; t < toks->n; t++) {
            const char *tok = toks->v[t];
            if (is_production(tok) != (pass == 0))
                continue;
            int has_tokens = 0, has_ngram = 0;
            for (size_t l = 0; l < langs->n; l++) {
                has_tokens |= results_find(r, corpus, HEADLINE_SPLIT, langs->v[l], tok,
                                           "tokens") >= 0;
                has_ngram |= results_find(r, corpus, HEADLINE_SPLIT, langs->v[l], tok,
                                          "ngram_bits_per_en_byte") >= 0;
            }
            if (!has_tokens || (pass == 1 && any_ngram && !has_ngram))
                continue;
            size_t k = 0;
            while (k < *n_rows && !same_tokens(r, corpus, langs, (*first)[k], tok))
                k++;
            char *old = k < *n_rows ? (*names)[k] : NULL, *nw = NULL;
            size_t len = (old ? strlen(old) + 2 : 0) + strlen(tok) + 3;
            if (!(nw = malloc(len)))
                return 1;
            snprintf(nw, len, "%s%s`%s`", old ? old : "", old ? ", " : "", tok);
            free(old);
            (*names)[k] = nw;
            if (k == *n_rows)
                (*first)[(*n_rows)++] = tok;
        }
    return 0;
}

/* The segments of corpus's split sp (the most any row reports), 0 if none. */
static double split_segments(const results *r, const char *corpus, const char *sp)
{
    double most = 0;
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        if (strcmp(row.metric, "segments") == 0 && strcmp(row.split, sp) == 0 &&
            strcmp(row.corpus, corpus) == 0 && row.value > most)
            most = row.value;
    }
    return most;
}

/* One table per corpus, those large enough to count toward the claims
 * first. */
static void headline(const results *r, const results_names *corpora, FILE *f, int *oom)
{
    anchor(f, "headline");
    fputs("## Headline: parity with English and n-gram bits per English byte (split "
          "`" HEADLINE_SPLIT "`)\n\n"
          "Split `" HEADLINE_SPLIT "`: segments held out from every vocabulary trained here, "
          "the same segments for every tokenizer. *Parity*: tokens(lang) / tokens(en) over "
          "the same segments (2 = twice English's tokens). *Bits*: bits per English byte of "
          "the same content under a Kneser-Ney n-gram model of the token ids trained on the "
          "train split (lower = more predictable; comparable across tokenizers and "
          "languages). Rows: the production vocabularies, then the schemes the suite runs "
          "every stage on (sweep points such as `bpe:1k`..`bpe:64k` are in the corpus "
          "tables); names with the same token counts everywhere share a row.\n\n",
          f);
    for (size_t c = 0; c < 2 * corpora->n && !*oom; c++) {
        const char *cn = corpora->v[c % corpora->n];
        double segs = split_segments(r, cn, HEADLINE_SPLIT);
        if ((segs >= CLAIMS_MIN_SEGMENTS) != (c < corpora->n))
            continue;
        results_names langs = {0}, toks = {0};
        corpus_keys(r, cn, &langs, &toks, oom);
        if (langs.n > ATLAS_MIN_LANGS) {
            char aid[160];
            slug(cn, aid, sizeof aid);
            fprintf(f, "**Corpus `%s`**, %zu languages: parity of every language with every "
                       "tokenizer is in the [atlas](#atlas-%s).\n\n",
                    cn, langs.n, aid);
            results_names_release(&langs);
            results_names_release(&toks);
            continue;
        }
        char **names = NULL;
        const char **first = NULL;
        size_t rows = 0;
        *oom |= headline_rows(r, cn, &langs, &toks, &names, &rows, &first);
        if (rows && !*oom) {
            char num[32], id[160];
            slug(cn, id, sizeof id);
            fprintf(f, "**Corpus `%s`**, %s test segments", cn,
                    results_format_count(segs, num, sizeof num));
            if (segs < CLAIMS_MIN_SEGMENTS)
                fprintf(f, " (fewer than %d: context, not evidence)", CLAIMS_MIN_SEGMENTS);
            fprintf(f, "; every table: [corpus `%s`](#corpus-%s).\n\n| tokenizer |", cn, id);
            int has_en = results_names_has(&langs, "en"), any_bits = 0;
            for (size_t k = 0; k < rows; k++)
                for (size_t l = 0; l < langs.n; l++)
                    any_bits |= results_find(r, cn, HEADLINE_SPLIT, langs.v[l], first[k],
                                             "ngram_bits_per_en_byte") >= 0;
            size_t cols = 0;
            for (size_t l = 0; l < langs.n && has_en; l++)
                if (strcmp(langs.v[l], "en") != 0) {
                    fprintf(f, " %s parity |", langs.v[l]);
                    cols++;
                }
            for (size_t l = 0; l < langs.n && any_bits; l++) {
                fprintf(f, " %s bits |", langs.v[l]);
                cols++;
            }
            fputs("\n|---|", f);
            for (size_t k = 0; k < cols; k++)
                fputs("---:|", f);
            fputc('\n', f);
            for (size_t k = 0; k < rows; k++) {
                fprintf(f, "| %s |", names[k]);
                for (int part = 0; part < 2; part++)
                    for (size_t l = 0; l < langs.n; l++) {
                        const char *m = part ? "ngram_bits_per_en_byte" : "parity";
                        if (part ? !any_bits : (!has_en || strcmp(langs.v[l], "en") == 0))
                            continue;
                        double v;
                        if (results_value(r, cn, HEADLINE_SPLIT, langs.v[l], first[k], m, &v))
                            fprintf(f, " %.3f |", v);
                        else
                            fputs(" – |", f);
                    }
                fputc('\n', f);
            }
            fputc('\n', f);
        }
        for (size_t k = 0; names && k < toks.n; k++)
            free(names[k]);
        free(names);
        free(first);
        results_names_release(&langs);
        results_names_release(&toks);
    }
}

/* ---- per corpus -------------------------------------------------------------- */

/* The one-row table of content sizes, the same for every tokenizer. */
static void content_table(const results *r, const char *corpus, const char *sp,
                          const results_names *langs, const results_names *toks, FILE *f)
{
    fputs("| |", f);
    for (size_t l = 0; l < langs->n; l++)
        fprintf(f, " %s |", langs->v[l]);
    fputs("\n|---|", f);
    for (size_t l = 0; l < langs->n; l++)
        fputs("---:|", f);
    fputc('\n', f);
    static const char *const size_metrics[] = {"segments", "bytes", "chars", "words"};
    for (int m = 0; m < 4; m++) {
        fprintf(f, "| %s |", size_metrics[m]);
        for (size_t l = 0; l < langs->n; l++) {
            char cell[64] = "–";
            for (size_t t = 0; t < toks->n; t++) {
                long i = results_find(r, corpus, sp, langs->v[l], toks->v[t], size_metrics[m]);
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
}

/* Content and every group measured on split sp, headings at level hl
 * ("###" or "####"); with toc, each section gets an anchor
 * "<corpus>-<split>-<group>" and a link in toc. */
static void split_tables(const results *r, const char *corpus, const char *cid, const char *sp,
                         const char *hl, const results_names *langs, const results_names *toks,
                         FILE *f, FILE *toc, int *n_links)
{
    char id[256];
    if (toc) {
        snprintf(id, sizeof id, "%s-%s-content", cid, sp);
        anchor(f, id);
        toc_link(toc, n_links, "content", id);
    }
    fprintf(f, "%s Content (split `%s`)\n\n", hl, sp);
    content_table(r, corpus, sp, langs, toks, f);
    for (size_t g = 0; g < sizeof k_groups / sizeof k_groups[0]; g++) {
        if (!group_has(r, corpus, sp, &k_groups[g]))
            continue;
        if (toc) {
            snprintf(id, sizeof id, "%s-%s-%s", cid, sp, k_groups[g].id);
            anchor(f, id);
            toc_link(toc, n_links, k_groups[g].name, id);
        }
        fprintf(f, "%s %s (split `%s`)\n\n", hl, k_groups[g].title, sp);
        for (int m = 0; m < 6 && k_groups[g].metrics[m].metric; m++)
            if (has_metric(r, corpus, sp, k_groups[g].metrics[m].metric))
                table(r, corpus, sp, k_groups[g].metrics[m].metric, k_groups[g].metrics[m].title,
                      langs, toks, f);
    }
}

/* The two regimes of a results table (bench/stage_train.h): rows train_NAME
 * (equal FLOPs, or whatever budget `tokbench train` was given) and
 * train_content_NAME (one pass over the train split). Their charts are
 * named "training_..." and "training_content_..." (plot.h). */
static const struct {
    const char *prefix;     /* row prefix */
    const char *chart;      /* chart name prefix */
    const char *id;         /* anchor suffix */
    const char *title;
} k_regimes[] = {
    {"train_", "training_", "budget", "Equal FLOPs"},
    {"train_content_", "training_content_", "content", "One pass over the content"},
};
#define N_REGIMES (sizeof k_regimes / sizeof k_regimes[0])

/* 1 when chart ch is a training chart of regime g (its name's prefix). */
static int chart_of_regime(const plot_chart *ch, size_t g)
{
    if (strncmp(ch->name, k_regimes[g].chart, strlen(k_regimes[g].chart)) != 0)
        return 0;
    for (size_t h = 0; h < N_REGIMES; h++) /* a longer prefix that matches is its own */
        if (h != g && strlen(k_regimes[h].chart) > strlen(k_regimes[g].chart) &&
            strncmp(ch->name, k_regimes[h].chart, strlen(k_regimes[h].chart)) == 0)
            return 0;
    return 1;
}

static int is_training_chart(const plot_chart *ch)
{
    return strncmp(ch->name, "training_", 9) == 0;
}

/* 1 for the charts that their own section shows: training, atlas. */
static int chart_has_section(const plot_chart *ch)
{
    return is_training_chart(ch) || strncmp(ch->name, "atlas", 5) == 0;
}

static void chart_embed(const report_extras *ex, size_t i, FILE *f)
{
    const plot_chart *ch = &ex->charts[i];
    fprintf(f, "![%s](%s/%s.png)\n\n", ch->name, ex->chart_dir ? ex->chart_dir : "charts",
            ch->name);
    if (ch->caption[0])
        fprintf(f, "*%s*\n\n", ch->caption);
}

static const char k_chart_note[] = "Each chart is also in SVG beside the PNG, with its data "
                                   "(.dat) and gnuplot script (.gp).\n\n";

/* The section of one corpus: a line on its splits, its charts, the test
 * split's tables (held out: what the headline and the claims use), then the
 * all split's, folded. A corpus without a test split shows all unfolded. */
static void corpus_section(const results *r, const report_extras *ex, const char *corpus,
                           FILE *f, FILE *toc, int *oom)
{
    results_names langs = {0}, toks = {0};
    corpus_keys(r, corpus, &langs, &toks, oom);
    char cid[160], id[256], num[32], num2[32];
    slug(corpus, cid, sizeof cid);
    snprintf(id, sizeof id, "corpus-%s", cid);
    anchor(f, id);
    fprintf(toc, "- [Corpus `%s`](#%s):", corpus, id);
    fprintf(f, "## Corpus `%s`\n\n", corpus);
    int has_test = has_metric(r, corpus, "test", "tokens");
    int has_all = has_metric(r, corpus, "all", "tokens");
    double st = split_segments(r, corpus, "test"), sa = split_segments(r, corpus, "all");
    if (has_test) {
        fprintf(f, "The tables come first for the test split (%s segments, held out from every "
                   "vocabulary trained here: the split the headline and the claims use)",
                results_format_count(st, num, sizeof num));
        if (has_all)
            fprintf(f, ", then, folded, for the all split (%s segments, train and test "
                       "together)",
                    results_format_count(sa, num2, sizeof num2));
        fputs(".", f);
        if (st < CLAIMS_MIN_SEGMENTS)
            fprintf(f, " The test split has fewer than %d segments: its figures are context, "
                       "not evidence, and no claim's verdict counts them.",
                    CLAIMS_MIN_SEGMENTS);
        fputs("\n\n", f);
    }
    size_t n_ch = 0; /* training charts are in the Measured training section */
    for (size_t i = 0; ex && i < ex->n_charts; i++)
        n_ch += strcmp(ex->charts[i].corpus, corpus) == 0 && !chart_has_section(&ex->charts[i]);
    int n_links = 0;
    if (n_ch) {
        snprintf(id, sizeof id, "%s-charts", cid);
        anchor(f, id);
        toc_link(toc, &n_links, "charts", id);
        fprintf(f, "### Charts (`%s`)\n\n%s", corpus, k_chart_note);
        for (size_t i = 0; i < ex->n_charts; i++)
            if (strcmp(ex->charts[i].corpus, corpus) == 0 && !chart_has_section(&ex->charts[i]))
                chart_embed(ex, i, f);
    }
    if (langs.n > ATLAS_MIN_LANGS) {
        /* tables of one column per language do not read for hundreds of
         * languages: the atlas has them as rows */
        snprintf(id, sizeof id, "atlas-%s", cid);
        toc_link(toc, &n_links, "atlas", id);
        fprintf(f, "The %zu languages' figures are in the [atlas](#%s), one row per language; "
                   "`results.csv` has every row.\n\n",
                langs.n, id);
        fputc('\n', toc);
        results_names_release(&langs);
        results_names_release(&toks);
        return;
    }
    if (has_test)
        split_tables(r, corpus, cid, "test", "###", &langs, &toks, f, toc, &n_links);
    if (has_all) {
        snprintf(id, sizeof id, "%s-all", cid);
        anchor(f, id);
        toc_link(toc, &n_links, "split `all`", id);
        if (has_test) {
            fprintf(f, "### Split `all` (%s segments, train and test together)\n\n"
                       "<details><summary>Split `all`: content",
                    results_format_count(sa, num, sizeof num));
            for (size_t g = 0; g < sizeof k_groups / sizeof k_groups[0]; g++)
                if (group_has(r, corpus, "all", &k_groups[g]))
                    fprintf(f, ", %s", k_groups[g].name);
            fputs("</summary>\n\n", f);
            split_tables(r, corpus, cid, "all", "####", &langs, &toks, f, NULL, NULL);
            fputs("</details>\n\n", f);
        } else {
            fputs("### Split `all`\n\n", f);
            split_tables(r, corpus, cid, "all", "####", &langs, &toks, f, NULL, NULL);
        }
    }
    fputc('\n', toc);
    results_names_release(&langs);
    results_names_release(&toks);
}

/* ---- measured training --------------------------------------------------------- */

/* Row pre+name of (corpus, split, lang, tok): 1 and *v, or 0. */
static int train_value(const results *r, const char *corpus, const char *sp, const char *lang,
                       const char *tok, const char *pre, const char *name, double *v)
{
    char m[128];
    snprintf(m, sizeof m, "%s%s", pre, name);
    return results_value(r, corpus, sp, lang, tok, m, v);
}

/* The smallest and largest value of row pre+name over corpus's languages and
 * tokenizers; 0 when none has it. */
static int train_range(const results *r, const char *corpus, const char *sp,
                       const results_names *langs, const results_names *toks, const char *pre,
                       const char *name, double *lo, double *hi)
{
    int any = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t l = 0; l < langs->n; l++)
        for (size_t t = 0; t < toks->n; t++) {
            double v;
            if (!train_value(r, corpus, sp, langs->v[l], toks->v[t], pre, name, &v))
                continue;
            any = 1;
            *lo = v < *lo ? v : *lo;
            *hi = v > *hi ? v : *hi;
        }
    return any;
}

/* v with an SI prefix, 4 significant digits: "199.9 G". */
static const char *fmt_si(double v, const char *unit, char *buf, size_t cap)
{
    static const char *const pre[] = {"", "k", "M", "G", "T", "P", "E"};
    int e = v > 0 ? (int)floor(log10(v) / 3) : 0;
    e = e < 0 ? 0 : e > 6 ? 6 : e;
    snprintf(buf, cap, "%.4g %s%s", v / pow(10, 3 * e), pre[e], unit);
    return buf;
}

/* "A" when lo == hi, else "A–B", each formatted by fmt_si or as a count. */
static const char *fmt_range(double lo, double hi, int si, const char *unit, char *buf,
                             size_t cap)
{
    char a[48], b[48];
    if (si) {
        fmt_si(lo, unit, a, sizeof a);
        fmt_si(hi, unit, b, sizeof b);
    } else {
        results_format_count(lo, a, sizeof a);
        results_format_count(hi, b, sizeof b);
    }
    if (lo == hi)
        snprintf(buf, cap, "%s", a);
    else
        snprintf(buf, cap, "%s–%s", a, b);
    return buf;
}

/* The "- machine: ..." line of the run manifest, without the dash, or NULL. */
static const char *manifest_machine(const char *md, char *buf, size_t cap)
{
    const char *p = md ? strstr(md, "- machine: ") : NULL;
    if (!p || (p != md && p[-1] != '\n'))
        return NULL;
    p += 11;
    size_t n = strcspn(p, "\n");
    snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
    return buf;
}

/* The table of regime g on corpus: one row per (language, tokenizer) trained. */
static void training_table(const results *r, const char *corpus, size_t g,
                           const results_names *langs, const results_names *toks, FILE *f)
{
    const char *pre = k_regimes[g].prefix;
    double lo, hi;
    int target = train_range(r, corpus, "test", langs, toks, pre, "target_bits_per_en_byte", &lo,
                             &hi);
    fputs("| lang | tokenizer | vocabulary used (full) | steps | tokens seen | passes | FLOPs "
          "counted | FLOPs, full vocabulary | seconds | GEMM share of FLOPs | GEMM share of "
          "time | peak memory, measured / analytic | bits per English byte (test) |",
          f);
    if (target)
        fputs(" FLOPs to target | seconds to target |", f);
    fputs("\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|", f);
    if (target)
        fputs("---:|---:|", f);
    fputc('\n', f);
    for (size_t l = 0; l < langs->n; l++)
        for (size_t t = 0; t < toks->n; t++) {
            const char *ln = langs->v[l], *tk = toks->v[t];
            double steps, v, w;
            if (!train_value(r, corpus, "train", ln, tk, pre, "steps", &steps))
                continue;
            char c[16][128];
            for (int i = 0; i < 16; i++)
                snprintf(c[i], sizeof c[i], "–");
            char a[48], b[48];
            if (train_value(r, corpus, "train", ln, tk, pre, "vocab", &v)) {
                results_format_count(v, a, sizeof a);
                if (train_value(r, corpus, "train", ln, tk, pre, "vocab_full", &w))
                    snprintf(c[0], sizeof c[0], "%s (%s)", a, results_format_count(w, b, sizeof b));
                else
                    snprintf(c[0], sizeof c[0], "%s", a);
            }
            results_format_count(steps, c[1], sizeof c[1]);
            if (train_value(r, corpus, "train", ln, tk, pre, "tokens_seen", &v))
                results_format_count(v, c[2], sizeof c[2]);
            if (train_value(r, corpus, "train", ln, tk, pre, "epochs_seen", &v))
                snprintf(c[3], sizeof c[3], "%.3f", v);
            if (train_value(r, corpus, "train", ln, tk, pre, "flops", &v))
                fmt_si(v, "", c[4], sizeof c[4]);
            if (train_value(r, corpus, "train", ln, tk, pre, "flops_full_vocab", &v))
                fmt_si(v, "", c[5], sizeof c[5]);
            if (train_value(r, corpus, "train", ln, tk, pre, "s", &v))
                snprintf(c[6], sizeof c[6], "%.2f", v);
            if (train_value(r, corpus, "train", ln, tk, pre, "flops_gemm_share", &v))
                snprintf(c[7], sizeof c[7], "%.1f%%", 100 * v);
            if (train_value(r, corpus, "train", ln, tk, pre, "gemm_time_share", &v))
                snprintf(c[8], sizeof c[8], "%.1f%%", 100 * v);
            int hm = train_value(r, corpus, "train", ln, tk, pre, "bytes_peak_measured", &v);
            int ha = train_value(r, corpus, "train", ln, tk, pre, "bytes_analytic", &w);
            if (hm || ha)
                snprintf(c[9], sizeof c[9], "%s / %s", hm ? fmt_si(v, "B", a, sizeof a) : "–",
                         ha ? fmt_si(w, "B", b, sizeof b) : "–");
            if (train_value(r, corpus, "test", ln, tk, pre, "bits_per_en_byte", &v))
                snprintf(c[10], sizeof c[10], "%.3f", v);
            if (train_value(r, corpus, "test", ln, tk, pre, "flops_to_target", &v))
                fmt_si(v, "", c[11], sizeof c[11]);
            else if (train_value(r, corpus, "test", ln, tk, pre, "target_bits_per_en_byte", &v))
                snprintf(c[11], sizeof c[11], "not reached");
            if (train_value(r, corpus, "test", ln, tk, pre, "s_to_target", &v))
                snprintf(c[12], sizeof c[12], "%.2f", v);
            fprintf(f, "| %s | `%s` |", ln, tk);
            for (int i = 0; i < (target ? 13 : 11); i++)
                fprintf(f, " %s |", c[i]);
            fputc('\n', f);
        }
    fputc('\n', f);
}

/* "## Measured training": per corpus with train_* rows, its evaluation set
 * and one table per regime with that regime's charts; nothing (no heading,
 * no contents line) when the results have no training rows. */
static void training_section(const results *r, const report_extras *ex,
                             const results_names *corpora, FILE *f, FILE *toc, int *oom)
{
    int any = 0;
    for (size_t i = 0; i < results_count(r) && !any; i++) {
        result_row row;
        results_get(r, i, &row);
        for (size_t g = 0; g < N_REGIMES && !any; g++) {
            char m[64];
            snprintf(m, sizeof m, "%ssteps", k_regimes[g].prefix);
            any = strcmp(row.metric, m) == 0 && strcmp(row.split, "train") == 0;
        }
    }
    if (!any)
        return;
    char machine[512], num[128], num2[64];
    const char *mach = manifest_machine(ex ? ex->manifest_md : NULL, machine, sizeof machine);
    anchor(f, "training");
    fputs("- [Measured training](#training):", toc);
    fputs("## Measured training\n\n", f);
    fputs("The reference transformer trained here on each language's train split, once per "
          "tokenizer, and evaluated at checkpoints on held-out test segments (rows `train_*`; "
          "`tokbench help train`). The model preset is the run's (`tokbench help run` names "
          "each suite's; the rows do not record it). *Vocabulary used*: the ids that language's text uses with "
          "the tokenizer, renumbered, plus one separator, which the model is trained and priced "
          "with; in brackets the tokenizer's full vocabulary plus the separator, and *FLOPs, "
          "full vocabulary* prices the same steps with it. *Bits per English byte*: the "
          "model's total bits over the evaluation set divided by the UTF-8 bytes of its "
          "English side, so every language and tokenizer is scored on the same content. "
          "FLOPs are counted by the trainer (2 per multiply-add; forward, backward and the "
          "AdamW update); peak memory is the trainer's allocations against the analytic "
          "estimate (16 bytes a parameter plus activations). *Seconds* and *GEMM share of "
          "time* are timings of one run on this machine",
          f);
    if (mach)
        fprintf(f, " (%s; [Run](#run))", mach);
    fputs(" and move with load; every other number is counted, the same on every machine.\n\n",
          f);
    int first = 1;
    for (size_t c = 0; c < corpora->n && !*oom; c++) {
        const char *cn = corpora->v[c];
        results_names langs = {0}, toks = {0};
        corpus_keys(r, cn, &langs, &toks, oom);
        int has[N_REGIMES] = {0}, n_has = 0;
        double lo, hi;
        for (size_t g = 0; g < N_REGIMES; g++)
            n_has += has[g] = train_range(r, cn, "train", &langs, &toks, k_regimes[g].prefix,
                                          "steps", &lo, &hi);
        if (!n_has) {
            results_names_release(&langs);
            results_names_release(&toks);
            continue;
        }
        char cid[160], id[256];
        slug(cn, cid, sizeof cid);
        fprintf(f, "### Corpus `%s`\n\n", cn);
        /* the evaluation set and the batch, from the first regime that has them */
        for (size_t g = 0; g < N_REGIMES; g++) {
            const char *pre = k_regimes[g].prefix;
            if (!has[g])
                continue;
            if (train_range(r, cn, "test", &langs, &toks, pre, "eval_segments", &lo, &hi)) {
                fprintf(f, "Evaluation set: %s test segments", fmt_range(lo, hi, 0, "", num,
                                                                          sizeof num));
                double st = split_segments(r, cn, "test");
                if (st > 0)
                    fprintf(f, " of %s", results_format_count(st, num2, sizeof num2));
                if (train_range(r, cn, "test", &langs, &toks, pre, "eval_en_bytes", &lo, &hi))
                    fprintf(f, ", %s English bytes", fmt_range(lo, hi, 0, "", num, sizeof num));
                fputs(" (`train_eval_segments`, `train_eval_en_bytes`), the first test segments "
                      "in corpus order, the same for every language and tokenizer.",
                      f);
            }
            double steps, seen;
            for (size_t l = 0; l < langs.n; l++)
                for (size_t t = 0; t < toks.n; t++)
                    if (train_value(r, cn, "train", langs.v[l], toks.v[t], pre, "steps", &steps) &&
                        train_value(r, cn, "train", langs.v[l], toks.v[t], pre, "tokens_seen",
                                    &seen) &&
                        steps > 0) {
                        fprintf(f, " Each step trains on %s tokens (`train_tokens_seen` / "
                                   "`train_steps`: batch × context).",
                                results_format_count(seen / steps, num, sizeof num));
                        l = langs.n;
                        break;
                    }
            break;
        }
        double st = split_segments(r, cn, "test");
        if (st > 0 && st < CLAIMS_MIN_SEGMENTS)
            fprintf(f, " The test split has fewer than %d segments: context, not evidence.",
                    CLAIMS_MIN_SEGMENTS);
        fputs("\n\n", f);
        for (size_t g = 0; g < N_REGIMES; g++) {
            const char *pre = k_regimes[g].prefix;
            if (!has[g])
                continue;
            snprintf(id, sizeof id, "training-%s-%s", cid, k_regimes[g].id);
            anchor(f, id);
            int budget = train_range(r, cn, "train", &langs, &toks, pre, "budget_flops", &lo, &hi);
            const char *title = g == 0 && !budget ? "Trained runs" : k_regimes[g].title;
            fprintf(toc, "%s[`%s` %c%s](#%s)", first ? " " : " · ", cn, title[0] - 'A' + 'a',
                    title + 1, id);
            first = 0;
            fprintf(f, "#### %s (`%s`, rows `%s*`)\n\n", title, cn, pre);
            if (g == 0) {
                if (budget)
                    fprintf(f, "Every run gets the steps a budget of %s FLOPs buys "
                               "(`train_budget_flops`): a larger trained vocabulary makes a "
                               "step dearer and buys fewer steps, so the columns compare "
                               "tokenizers and languages at equal compute.",
                            fmt_range(lo, hi, 1, "", num, sizeof num));
                else
                    fputs("The runs' budgets are the steps they were given (no "
                          "`train_budget_flops` row).",
                          f);
            } else {
                fputs("Every run sees its train split once", f);
                if (train_range(r, cn, "train", &langs, &toks, pre, "epochs_seen", &lo, &hi))
                    fprintf(f, " (%.3f–%.3f passes: whole batches)", lo, hi);
                fputs(", whatever FLOPs that takes: the cost of the same content.", f);
            }
            if (train_range(r, cn, "test", &langs, &toks, pre, "target_bits_per_en_byte", &lo,
                            &hi)) {
                if (lo == hi)
                    snprintf(num, sizeof num, "%.3f", lo);
                else
                    snprintf(num, sizeof num, "%.3f–%.3f", lo, hi);
                fprintf(f, " Target %s bits per English byte (`%starget_bits_per_en_byte`): "
                           "FLOPs and seconds until the test curve first reaches it, linear "
                           "between the two checkpoints that cross it; *not reached* where the "
                           "run ended above it.",
                        num, pre);
            } else
                fputs(" No bits-per-English-byte target was set, so there are no FLOPs to a "
                      "target (`tokbench train --target B`).",
                      f);
            fputs("\n\n", f);
            training_table(r, cn, g, &langs, &toks, f);
            for (size_t i = 0; ex && i < ex->n_charts; i++)
                if (strcmp(ex->charts[i].corpus, cn) == 0 && chart_of_regime(&ex->charts[i], g))
                    chart_embed(ex, i, f);
        }
        results_names_release(&langs);
        results_names_release(&toks);
    }
    fputc('\n', toc);
}

/* ---- the report -------------------------------------------------------------- */

/* Reading order: the headline table, the claims at a glance, the table of
 * contents, the run manifest, each corpus (charts, test split, all split
 * folded), charts of no corpus of the run, the published figures, the
 * claims in full. The body is written first, so the table of contents
 * lists exactly the sections it has. */
int report_write_markdown(const results *r, const report_extras *ex, FILE *f, tb_error *err)
{
    const char *manifest_md = ex ? ex->manifest_md : NULL;
    results_names corpora = {0};
    int oom = all_corpora(r, &corpora);
    char *body = NULL, *toc = NULL;
    size_t bl = 0, tl = 0;
    FILE *bf = open_memstream(&body, &bl), *tf = open_memstream(&toc, &tl);
    int rc = TB_OK;
    if (!bf || !tf) {
        oom = 1;
        goto done;
    }
    fputs("- [Headline: parity and bits per English byte](#headline)\n"
          "- [Claims at a glance](#claims-at-a-glance)\n",
          tf);
    if (manifest_md && *manifest_md) {
        anchor(bf, "run");
        fprintf(bf, "## Run\n\n%s\n", manifest_md);
        fputs("- [Run](#run)\n", tf);
    }
    for (size_t c = 0; c < corpora.n && !oom; c++)
        corpus_section(r, ex, corpora.v[c], bf, tf, &oom);
    if (!oom)
        training_section(r, ex, &corpora, bf, tf, &oom);
    for (size_t c = 0; c < corpora.n && !oom; c++) {
        results_names langs = {0}, toks = {0};
        corpus_keys(r, corpora.v[c], &langs, &toks, &oom);
        size_t nl = langs.n;
        results_names_release(&langs);
        results_names_release(&toks);
        atlas *a = NULL;
        if (nl <= ATLAS_MIN_LANGS || oom)
            continue;
        if (atlas_new(r, corpora.v[c], ex ? ex->names : NULL, &a, err)) {
            rc = TB_EINPUT;
            goto done;
        }
        if (!a)
            continue;
        char cid[160], id[200];
        slug(corpora.v[c], cid, sizeof cid);
        snprintf(id, sizeof id, "atlas-%s", cid);
        atlas_write_markdown(a, id, ex ? ex->chart_dir : NULL, ex ? ex->charts : NULL,
                             ex ? ex->n_charts : 0, bf);
        fprintf(tf, "- [Atlas: corpus `%s`](#%s)\n", corpora.v[c], id);
        atlas_free(a);
    }
    size_t other = 0;
    for (size_t i = 0; ex && i < ex->n_charts; i++)
        if (!results_names_has(&corpora, ex->charts[i].corpus)) {
            if (!other++) {
                anchor(bf, "other-charts");
                fprintf(bf, "## Charts across corpora\n\n%s", k_chart_note);
                fputs("- [Charts across corpora](#other-charts)\n", tf);
            }
            chart_embed(ex, i, bf);
        }
    long before = ftell(bf);
    if (anchors_write_markdown(r, bf, err)) {
        rc = TB_EINPUT;
        goto done;
    }
    if (ftell(bf) != before)
        fputs("- [Published figures beside this run](#published-figures)\n", tf);
    if (claims_write_markdown(r, bf, err)) {
        rc = TB_EINPUT;
        goto done;
    }
    fputs("- [Claims](#claims)\n", tf);
    if (fclose(bf) || fclose(tf))
        oom = 1;
    bf = tf = NULL;
    if (oom)
        goto done;

    fputs("# tokbench report\n\n", f);
    fputs("What the same content costs in each language, per tokenizer. Every number below "
          "was measured by tokbench in this run; `results.csv` beside this file holds every "
          "row (`corpus,split,lang,tokenizer,metric,value,unit`).\n\n",
          f);
    headline(r, &corpora, f, &oom);
    anchor(f, "claims-at-a-glance");
    fputs("## Claims at a glance\n\n", f);
    if (claims_write_overview(r, f, err)) {
        rc = TB_EINPUT;
        goto done;
    }
    anchor(f, "contents");
    fprintf(f, "## Contents\n\n%s\n", toc);
    fwrite(body, 1, bl, f);
done:
    if (bf)
        fclose(bf);
    if (tf)
        fclose(tf);
    free(body);
    free(toc);
    results_names_release(&corpora);
    if (rc)
        return rc;
    if (oom)
        return tb_fail(err, TB_EINPUT, "report: out of memory");
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

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void report_print_summary(const results *r, FILE *f)
{
    results_names corpora = {0};
    int oom = all_corpora(r, &corpora);
    for (size_t c = 0; c < corpora.n && !oom; c++) {
        results_names langs = {0}, toks = {0};
        corpus_keys(r, corpora.v[c], &langs, &toks, &oom);
        atlas *a = NULL;
        tb_error aerr = {0};
        if (langs.n > ATLAS_MIN_LANGS && atlas_new(r, corpora.v[c], NULL, &a, &aerr) == TB_OK &&
            a) {
            /* one line per tokenizer: the rows are the atlas's */
            size_t n = atlas_n_langs(a);
            fprintf(f, "corpus %s (split all): %zu languages, parity with the pivot; every "
                       "language in REPORT.md's atlas\n%-24s %8s %8s %-24s %8s %-24s\n",
                    corpora.v[c], n, "tokenizer", "median", "min", "cheapest", "max", "dearest");
            for (size_t t = 0; t < atlas_n_toks(a); t++) {
                double *v = malloc(n * sizeof *v);
                size_t k = 0, lo = 0, hi = 0;
                for (size_t i = 0; v && i < n; i++) {
                    double p = atlas_parity(a, i, t, 0);
                    if (isnan(p))
                        continue;
                    if (!k || p < atlas_parity(a, lo, t, 0))
                        lo = i;
                    if (!k || p > atlas_parity(a, hi, t, 0))
                        hi = i;
                    v[k++] = p;
                }
                double med = NAN;
                if (k) {
                    qsort(v, k, sizeof *v, cmp_dbl);
                    med = k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
                }
                free(v);
                /* a line per name, also for names that share the column */
                for (size_t m = 0; k && m < atlas_tok_n_names(a, t); m++)
                    fprintf(f, "%-24s %8.3f %8.3f %-24s %8.3f %-24s\n", atlas_tok_name(a, t, m),
                            med, atlas_parity(a, lo, t, 0), atlas_lang(a, lo),
                            atlas_parity(a, hi, t, 0), atlas_lang(a, hi));
            }
            fputc('\n', f);
            atlas_free(a);
            results_names_release(&langs);
            results_names_release(&toks);
            continue;
        }
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
