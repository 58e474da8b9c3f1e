/* claims.c - verdicts on the popular claims, from measured rows only.
 *
 * Each claim is one entry of k_claims: its statement, how it is tested, and
 * one or two parts. A part is a Markdown table, the metrics each of its rows
 * looks up, the rule that writes a row and judges it, and the verdicts
 * tallied over the rows. One loop (part_write) walks corpus x tokenizer
 * [x second tokenizer] x language for every part, so adding a claim is a
 * k_claims entry plus its row rule. */
#include "claims.h"

#include <math.h>
#include <string.h>

#define SPLIT "test"
#define MAX_METRICS 4   /* metrics a row looks up */
#define MAX_VERDICTS 2  /* verdicts a part tallies */
#define MAX_PARTS 2     /* tables a claim has */

static int get(const results *r, const char *c, const char *lang, const char *tok,
               const char *metric, double *v)
{
    return results_value(r, c, SPLIT, lang, tok, metric, v);
}

/* Tally of per-row checks, turned into a verdict. above and below count the
 * range checks that missed on either side. */
struct tally {
    size_t held, total;
    size_t above, below;
};

static void verdict(FILE *f, const struct tally *t, const char *depends_on)
{
    if (t->total == 0)
        fputs("**Verdict: not measured in this run.**\n\n", f);
    else if (t->held == t->total)
        fprintf(f, "**Verdict: holds** (%zu of %zu measurements).\n\n", t->held, t->total);
    else if (t->held == 0)
        fprintf(f, "**Verdict: does not hold** (0 of %zu measurements).\n\n", t->total);
    else
        fprintf(f, "**Verdict: depends on %s** (holds in %zu of %zu measurements).\n\n",
                depends_on, t->held, t->total);
}

/* Tallies one check and returns ok; counts 0 shows a row for context only. */
static int tally_check(struct tally *t, int ok, int counts)
{
    t->total += (size_t)(counts != 0);
    t->held += (size_t)(ok && counts);
    return ok;
}

/* The check lo <= v <= hi. */
static int tally_range(struct tally *t, double v, double lo, double hi, int counts)
{
    if (counts) {
        t->above += v > hi;
        t->below += v < lo;
    }
    return tally_check(t, v >= lo && v <= hi, counts);
}

static const char *mark(int ok) { return ok ? "yes" : "no"; }

static int is_gpt_style(const char *tok)
{
    return strncmp(tok, "tiktoken:", 9) == 0 || strncmp(tok, "hf:", 3) == 0;
}

static int is_symbol(const char *tok) { return strncmp(tok, "symbol", 6) == 0; }

/* The subword tokenizers the claims are about (production vocabularies and
 * BPE trained here); bytes, chars, graphemes and symbols are shown for
 * context but not counted in claim 1's verdict. */
static int is_subword(const char *tok) { return is_gpt_style(tok) || strncmp(tok, "bpe", 3) == 0; }

/* ---- the table of claims ---------------------------------------------- */

/* A metric a part looks up for each candidate row. */
struct claim_metric {
    const char *metric;     /* NULL ends the list */
    const char *lang;       /* a fixed language, or NULL for the row's */
    int of_tok2;            /* 1: of the row's second tokenizer, 0: of its first */
    int required;           /* 1: a row without it is skipped */
};

/* One candidate row: its keys and the part's metrics looked up there. */
struct claim_row {
    const char *corpus;
    const char *lang;       /* NULL in LANG_NONE parts */
    const char *tok;
    const char *tok2;       /* NULL unless the part compares tokenizer pairs */
    double v[MAX_METRICS];  /* value of metrics[i], NAN when absent */
    int has[MAX_METRICS];   /* 1 when metrics[i] is in the results */
};

struct claim_part;

/* One part while its table is written. */
struct part_run {
    const struct claim_part *part;
    FILE *f;
    int started;                    /* 1 once the table head is written */
    struct tally t[MAX_VERDICTS];   /* one per verdict of the part */
};

enum claim_langs {
    LANG_NONE,  /* one row per corpus and tokenizer; every metric names its language */
    LANG_EACH,  /* one row per language */
    LANG_FIRST, /* the first language that gives a row: the figure is the same in all */
};

struct claim_verdict {
    const char *prefix;     /* "Token part: " before the verdict, or NULL */
    const char *depends_on; /* what a mixed verdict depends on; NULL ends the list */
};

struct claim_part {
    const char *head;                /* the table's column names and alignment rows */
    int (*tok_ok)(const char *tok);  /* the rows' tokenizers; NULL: all */
    int (*tok2_ok)(const char *tok); /* the second tokenizer of pair rows; NULL: no pairs */
    enum claim_langs langs;
    struct claim_metric metrics[MAX_METRICS];
    /* The row rule: writes the rows of w (through part_out), tallies their
     * checks in run->t and returns how many rows it wrote. Called only when
     * w has every required metric and at least one metric. */
    int (*rows)(const struct claim_row *w, struct part_run *run);
    const char *note;                            /* after a table with rows, or NULL */
    void (*note_rule)(const struct part_run *run); /* after note, or NULL */
    struct claim_verdict verdicts[MAX_VERDICTS];
};

struct claim {
    int id;
    const char *statement;
    const char *method;     /* how the rows test it */
    struct claim_part parts[MAX_PARTS]; /* head NULL ends the list */
};

/* The stream for a row, after the table head on the first. */
static FILE *part_out(struct part_run *run)
{
    if (!run->started) {
        fputs(run->part->head, run->f);
        run->started = 1;
    }
    return run->f;
}

/* Claim 1: zh parity 0.5-0.7; fertility ru 1.2-1.5, en 1.5-2.5. */
static int rows_chinese(const struct claim_row *w, struct part_run *run)
{
    static const double lo[3] = {0.5, 1.2, 1.5}, hi[3] = {0.7, 1.5, 2.5};
    int counts = is_subword(w->tok);
    FILE *f = part_out(run);
    fprintf(f, "| %s | `%s` |", w->corpus, w->tok);
    for (int i = 0; i < 3; i++) {
        if (!w->has[i]) {
            fputs(" – | – |", f);
            continue;
        }
        int ok = tally_range(&run->t[i == 0 ? 0 : 1], w->v[i], lo[i], hi[i], counts);
        fprintf(f, " %.3f | %s |", w->v[i], mark(ok));
    }
    fprintf(f, " %s |\n", counts ? "yes" : "context");
    return 1;
}

/* Claim 2: second tokenizer's metric / first's, within lo..hi. */
static int rows_ratio(const struct claim_row *w, struct part_run *run, double lo, double hi)
{
    if (w->v[0] <= 0)
        return 0;
    double ratio = w->v[1] / w->v[0];
    int ok = tally_range(&run->t[0], ratio, lo, hi, 1);
    fprintf(part_out(run), "| %s | %s | `%s` | `%s` | %.2f× | %s |\n", w->corpus, w->lang,
            w->tok, w->tok2, ratio, mark(ok));
    return 1;
}

static int rows_symbol_tokens(const struct claim_row *w, struct part_run *run)
{
    return rows_ratio(w, run, 3, 5);
}

static int rows_symbol_memory(const struct claim_row *w, struct part_run *run)
{
    return rows_ratio(w, run, 2, 4);
}

/* Claim 3: GEMM share 90-95%. */
static int rows_gemm(const struct claim_row *w, struct part_run *run)
{
    int ok = tally_range(&run->t[0], w->v[0], 0.90, 0.95, 1);
    fprintf(part_out(run), "| %s | %s | `%s` | %.1f%% | %s |\n", w->corpus, w->lang, w->tok,
            100 * w->v[0], mark(ok));
    return 1;
}

static void note_gemm(const struct part_run *run)
{
    const struct tally *t = &run->t[0];
    if (t->above || t->below)
        fprintf(run->f, "Outside the range: %zu above 95%% (GEMM is an even larger share here), "
                        "%zu below 90%%.\n\n",
                t->above, t->below);
}

/* Claim 4: n-gram answers in under a millisecond - at what cost in bits. */
static int rows_ngram(const struct claim_row *w, struct part_run *run)
{
    double us = w->v[0], bits = w->v[1], ms = w->v[2], mem = w->v[3];
    int ok = tally_check(&run->t[0], us < 1000.0, 1);
    fprintf(part_out(run), "| %s | %s | `%s` | %.2f | %s%.3f | %.1f | %.3f | %s |\n", w->corpus,
            w->lang, w->tok, us, isnan(ms) ? "– " : "", isnan(ms) ? 0.0 : ms,
            isnan(mem) ? 0.0 : mem / 1e6, bits, mark(ok));
    return 1;
}

/* Claim 5: FLOPs ratio to English within 10% of the token ratio. */
static int rows_proportion(const struct claim_row *w, struct part_run *run)
{
    double fe = w->v[0], fl = w->v[1], p = w->v[2];
    if (strcmp(w->lang, "en") == 0 || fe <= 0 || p <= 0)
        return 0;
    double fr = fl / fe;
    int ok = tally_check(&run->t[0], fabs(fr / p - 1.0) <= 0.10, 1);
    fprintf(part_out(run), "| %s | %s | `%s` | %.3f | %.3f | %s |\n", w->corpus, w->lang, w->tok,
            p, fr, mark(ok));
    return 1;
}

/* Claim 6: a human selector adds 100-300 ms per choice. */
static int rows_choice(const struct claim_row *w, struct part_run *run)
{
    double ms = w->v[0], share = w->v[1], k = w->v[2];
    int ok = tally_range(&run->t[0], ms, 100.0, 300.0, 1);
    fprintf(part_out(run), "| %s | %s | `%s` | %.0f | %.1f | %.1f%% | %s |\n", w->corpus,
            w->lang, w->tok, k, ms, 100 * share, mark(ok));
    return 1;
}

/* Claim 7: a hybrid selector costs about 40-50 ms per token. */
static int rows_hybrid(const struct claim_row *w, struct part_run *run)
{
    double ms = w->v[0], fork = w->v[1], ms8 = w->v[2];
    int ok = tally_range(&run->t[0], ms, 40.0, 50.0, 1);
    fprintf(part_out(run), "| %s | %s | `%s` | %.1f%% | %.1f | %.1f | %s |\n", w->corpus,
            w->lang, w->tok, 100 * fork, ms, ms8, mark(ok));
    return 1;
}

/* Claim 8: prefill 300-1000 ms, decode 15-35 ms/token. The metrics are a
 * (prompt, decode) pair per model, in k_7b_models order. */
static const char *const k_7b_models[] = {"llama2-7b", "qwen2-7b"};

static int rows_7b(const struct claim_row *w, struct part_run *run)
{
    int n = 0;
    for (int m = 0; m < 2; m++) {
        if (!w->has[2 * m] || !w->has[2 * m + 1])
            continue;
        double pre = w->v[2 * m], dec = w->v[2 * m + 1];
        int okp = tally_range(&run->t[0], pre, 300, 1000, 1);
        int okd = tally_range(&run->t[1], dec, 15, 35, 1);
        fprintf(part_out(run), "| %s | `%s` | %s | %.0f | %s | %.1f | %s |\n", w->corpus, w->tok,
                k_7b_models[m], pre, mark(okp), dec, mark(okd));
        n++;
    }
    return n;
}

static const struct claim k_claims[] = {
    {1,
     "Chinese needs 30–50% fewer tokens than English; Russian takes 1.2–1.5 tokens per word "
     "and English 1.5–2.5",
     "Tested with `parity` (tokens(zh) / tokens(en) over the same segments; the claim means "
     "0.50–0.70) and `fertility` (tokens per ICU word), split `test`. The claim is about "
     "subword tokenizers, so only `tiktoken:`, `hf:` and `bpe` rows count toward the verdict; "
     "other schemes are shown for context.",
     {{.head = "| corpus | tokenizer | zh parity | 0.50–0.70? | ru tokens/word | 1.2–1.5? | "
               "en tokens/word | 1.5–2.5? | counted |\n"
               "|---|---|---:|---|---:|---|---:|---|---|\n",
       .langs = LANG_NONE,
       .metrics = {{"parity", "zh"}, {"fertility", "ru"}, {"fertility", "en"}},
       .rows = rows_chinese,
       .verdicts = {{"Chinese part: ", "the tokenizer"},
                    {"Tokens-per-word part: ", "the tokenizer and language"}}}}},
    {2,
     "One symbol per word form gives 3–5× fewer tokens than GPT-style tokenizers and 2–4× "
     "less inference memory",
     "Tested with `tokens` of each `symbol*` scheme against each production "
     "(`tiktoken:`/`hf:`) tokenizer on the same test segments; the memory part with the "
     "transformer's memory rows at long context.",
     {{.head = "| corpus | lang | symbol scheme | GPT-style | ratio | 3–5×? |\n"
               "|---|---|---|---|---:|---|\n",
       .tok_ok = is_symbol,
       .tok2_ok = is_gpt_style,
       .langs = LANG_EACH,
       .metrics = {{"tokens", NULL, 0, 1}, {"tokens", NULL, 1, 1}},
       .rows = rows_symbol_tokens,
       .verdicts = {{"Token part: ", "the language and tokenizer pair"}}},
      /* memory: weights + KV cache at 60,000 tokens of the small preset */
      {.head = "| corpus | lang | symbol scheme | GPT-style | memory ratio at 60k tokens | "
               "2–4×? |\n|---|---|---|---|---:|---|\n",
       .tok_ok = is_symbol,
       .tok2_ok = is_gpt_style,
       .langs = LANG_EACH,
       .metrics = {{"bytes_infer_60k", NULL, 0, 1}, {"bytes_infer_60k", NULL, 1, 1}},
       .rows = rows_symbol_memory,
       .note = "(`bytes_infer_60k`: fp32 weights plus the KV cache at 60,000 tokens of the "
               "reference model; a fixed token budget, so the ratio shows the vocabulary's "
               "cost, not the shorter sequence's saving.)\n\n",
       .verdicts = {{"Memory part: ", "the language and tokenizer pair"}}}}},
    {3, "Matrix multiplication is 90–95% of transformer compute",
     "Tested with `gemm_time_share`, the measured share of wall time the reference "
     "transformer spends in OpenBLAS sgemm.",
     {{.head = "| corpus | lang | tokenizer | GEMM share | 90–95%? |\n|---|---|---|---:|---|\n",
       .langs = LANG_EACH,
       .metrics = {{"gemm_time_share", NULL, 0, 1}},
       .rows = rows_gemm,
       .note_rule = note_gemm,
       .verdicts = {{NULL, "sequence length and vocabulary"}}}}},
    {4,
     "An n-gram autocomplete answers in milliseconds on a CPU with far less memory than a "
     "transformer — at what cost in bits?",
     "Tested with `ngram_us_query` and `ngram_bytes_model` against the transformer's "
     "`ms_decode_token_512` (one decode step at a 512-token cache), and "
     "`ngram_bits_per_en_byte`.",
     {{.head = "| corpus | lang | tokenizer | n-gram µs/query | transformer ms/token | n-gram MB "
               "| bits per English byte | < 1 ms? |\n|---|---|---|---:|---:|---:|---:|---|\n",
       .langs = LANG_EACH,
       .metrics = {{"ngram_us_query", NULL, 0, 1},
                   {"ngram_bits_per_en_byte", NULL, 0, 1},
                   {"ms_decode_token_512"},
                   {"ngram_bytes_model"}},
       .rows = rows_ngram,
       .verdicts = {{NULL, "the tokenizer"}}}}},
    {5, "Shorter sequences (Chinese, symbols) make training and inference cheaper in proportion",
     "Tested by comparing, per tokenizer, the FLOPs ratio to English (`flops_total`) with the "
     "token ratio (`parity`); \"in proportion\" means within ±10%.",
     {{.head = "| corpus | lang | tokenizer | token ratio | FLOPs ratio | in proportion? |\n"
               "|---|---|---|---:|---:|---|\n",
       .langs = LANG_EACH,
       .metrics = {{"flops_total", "en", 0, 1},
                   {"flops_total", NULL, 0, 1},
                   {"parity", NULL, 0, 1}},
       .rows = rows_proportion,
       .verdicts = {{NULL, "the tokenizer and sequence lengths"}}}}},
    {6, "A human selector adds 100–300 ms per choice",
     "Tested with `latency_ms_choice` (Hick–Hyman: a + b·log2(k + 1) for a cloud of k tokens, "
     "the run's a, b and k) and `latency_human_share_select` (the share of the select mode's "
     "time that is the person's). Production tokenizers only, one language each: the choice "
     "time is the same everywhere, the human share nearly so.",
     {{.head = "| corpus | lang | tokenizer | k | ms per choice | human share of select time | "
               "100–300 ms? |\n|---|---|---|---:|---:|---:|---|\n",
       .tok_ok = is_gpt_style,
       .langs = LANG_FIRST,
       .metrics = {{"latency_ms_choice", NULL, 0, 1},
                   {"latency_human_share_select"},
                   {"latency_k"}},
       .rows = rows_choice,
       .note = "With b = 150 ms/bit a choice among k tokens takes 150·log2(k + 1) ms: 150 ms "
               "at k = 1, 300 ms at k = 3, 388 ms at k = 5 — and these are lab reaction "
               "times, a lower bound for reading tokens.\n\n",
       .verdicts = {{NULL, "the size of the cloud"}}}}},
    {7, "A hybrid selector (a person only at forks) costs about 40–50 ms per token",
     "Tested with `latency_ms_per_token_hybrid` (machine plus human time per token, forks "
     "where the n-gram entropy exceeds the default threshold) and `latency_fork_share_t2` "
     "(the measured share of forks); the `_t<T>` rows give the threshold sweep. Production "
     "tokenizers only.",
     {{.head = "| corpus | lang | tokenizer | fork share | ms per token | ms per token at 8 "
               "bits | 40–50 ms? |\n|---|---|---|---:|---:|---:|---|\n",
       .tok_ok = is_gpt_style,
       .langs = LANG_EACH,
       .metrics = {{"latency_ms_per_token_hybrid", NULL, 0, 1},
                   {"latency_fork_share_t2"},
                   {"latency_ms_per_token_hybrid_t8"}},
       .rows = rows_hybrid,
       .note = "Forks come from the n-gram model; a stronger model is less uncertain, so "
               "these fork shares are upper bounds for a transformer selector.\n\n",
       .verdicts = {{NULL, "the tokenizer, the language and the fork threshold"}}}}},
    {8, "A 7B model on an RTX 4090: prefill 300–1000 ms, decode 15–35 ms per token",
     "Tested with projections, not measurements (model/hardware.tsv: 165.2 TFLOP/s dense fp16 "
     "with fp32 accumulate, 1008 GB/s): `proj_ms_prompt_<model>_rtx4090` (a 2048-token prompt "
     "at 50% of peak) and `proj_ms_decode_token_<model>_rtx4090` (the roofline floor at a "
     "512-token cache: weight and KV bytes / bandwidth), with the tokenizer's vocabulary. The "
     "projection method is checked against this machine in "
     "`proj_err_prefill_small_this-machine`.",
     {{.head = "| corpus | tokenizer | model | prefill ms (2048 tokens) | 300–1000? | decode "
               "ms/token | 15–35? |\n|---|---|---|---:|---|---:|---|\n",
       .tok_ok = is_gpt_style,
       .langs = LANG_FIRST,
       .metrics = {{"proj_ms_prompt_llama2-7b_rtx4090"},
                   {"proj_ms_decode_token_llama2-7b_rtx4090"},
                   {"proj_ms_prompt_qwen2-7b_rtx4090"},
                   {"proj_ms_decode_token_qwen2-7b_rtx4090"}},
       .rows = rows_7b,
       .note = "The decode figure is a floor (every weight and cached key/value read once per "
               "token at the full datasheet bandwidth): an implementation that reaches a share "
               "e of the bandwidth takes floor / e, so the claimed range holds only below full "
               "bandwidth, which this run does not measure on that card.\n\n",
       .verdicts = {{"Prefill part: ", "the model and vocabulary"},
                    {"Decode part: ", "the model and vocabulary"}}}}},
};

/* ---- the one iteration ------------------------------------------------- */

/* Looks up p's metrics for w; 0 when a required one or every one is absent. */
static int row_lookup(const results *r, const struct claim_part *p, struct claim_row *w)
{
    int any = 0;
    for (size_t i = 0; i < MAX_METRICS && p->metrics[i].metric; i++) {
        const struct claim_metric *m = &p->metrics[i];
        w->v[i] = NAN;
        w->has[i] = get(r, w->corpus, m->lang ? m->lang : w->lang, m->of_tok2 ? w->tok2 : w->tok,
                        m->metric, &w->v[i]);
        if (!w->has[i] && m->required)
            return 0;
        any |= w->has[i];
    }
    return any;
}

/* The stand-in for a loop that a part does not have (no languages, no pairs). */
static const char *k_once_v[1] = {NULL};
static const results_names k_once = {.v = k_once_v, .n = 1};

static void part_write(const results *r, const struct claim_part *p, const results_names *corpora,
                       const results_names *toks, const results_names *langs, FILE *f)
{
    struct part_run run = {.part = p, .f = f};
    const results_names *ls = p->langs == LANG_NONE ? &k_once : langs;
    const results_names *t2s = p->tok2_ok ? toks : &k_once;
    for (size_t c = 0; c < corpora->n; c++)
        for (size_t t = 0; t < toks->n; t++) {
            if (p->tok_ok && !p->tok_ok(toks->v[t]))
                continue;
            for (size_t u = 0; u < t2s->n; u++) {
                if (p->tok2_ok && !p->tok2_ok(t2s->v[u]))
                    continue;
                for (size_t l = 0; l < ls->n; l++) {
                    struct claim_row w = {.corpus = corpora->v[c], .lang = ls->v[l],
                                          .tok = toks->v[t], .tok2 = t2s->v[u]};
                    if (row_lookup(r, p, &w) && p->rows(&w, &run) > 0 && p->langs == LANG_FIRST)
                        break;
                }
            }
        }
    if (run.started) {
        fputc('\n', f);
        if (p->note)
            fputs(p->note, f);
        if (p->note_rule)
            p->note_rule(&run);
    }
    for (size_t i = 0; i < MAX_VERDICTS && p->verdicts[i].depends_on; i++) {
        if (p->verdicts[i].prefix)
            fputs(p->verdicts[i].prefix, f);
        verdict(f, &run.t[i], p->verdicts[i].depends_on);
    }
}

void claims_write_markdown(const results *r, FILE *f)
{
    results_names corpora = {0}, toks = {0}, langs = {0};
    for (size_t i = 0; i < results_count(r); i++) {
        result_row row;
        results_get(r, i, &row);
        results_names_add(&corpora, row.corpus);
        results_names_add(&toks, row.tokenizer);
        results_names_add(&langs, row.lang);
    }
    fputs("## Claims\n\nEach popular claim, the measured rows that test it (split `test`), "
          "and a verdict. A claim whose rows this run did not produce says so.\n\n",
          f);
    for (size_t i = 0; i < sizeof k_claims / sizeof k_claims[0]; i++) {
        const struct claim *c = &k_claims[i];
        fprintf(f, "### %d. %s\n\n%s\n\n", c->id, c->statement, c->method);
        for (size_t p = 0; p < MAX_PARTS && c->parts[p].head; p++)
            part_write(r, &c->parts[p], &corpora, &toks, &langs, f);
    }
    results_names_release(&corpora);
    results_names_release(&toks);
    results_names_release(&langs);
}
