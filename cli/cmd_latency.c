/* cmd_latency.c - `tokbench latency`: the selector model (bench/latency.h)
 * for the test split of a corpus, per language and tokenizer, with the model
 * ms measured here through the model stage (bench/stage_model.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../corpora/words.h"
#include "../tokenizers/tokenizer.h"
#include "cli.h"
#include "commands.h"
#include "setup.h"
#include "../bench/stage_latency.h"
#include "../bench/stage_metrics.h"
#include "../results/results.h"
#include "../bench/run.h"
#include "../bench/stage_model.h"

/* Declared here too until bench/commands.h lists the command
 * (TB_DECLARE_COMMAND(latency)); the two declarations agree. */
extern const cli_command latency_cmd;

static const cli_opt latency_opts[] = {
    {"corpus", 'c', "CORPUS", "corpus name under --data, or a folder path"},
    {"tokenizer", 't', "SPEC", "tokenizer spec (repeatable; trained ones train on the train split)"},
    {"lang", 'l', "LANG", "only this language (repeatable; default: every language)"},
    {"preset", 'p', "NAME", "model preset whose ms are measured: tiny, small (default), base"},
    {"k", 'k', "K", "cloud size: top-k suggestions per choice, 1..64 (default 5)"},
    {"hick-a", 0, "MS", "Hick-Hyman intercept a in ms (default 0)"},
    {"hick-b", 0, "MS", "Hick-Hyman slope b in ms per bit (default 150)"},
    {"threshold", 0, "BITS", "fork threshold in bits (repeatable; the first is the default, "
                             "the rest the sweep; default 2, sweep 1 4 8)"},
    {"tau", 0, "P", "p_max fork threshold in [0, 1]: a fork when the top candidate's "
                    "probability is below P (repeatable; the first is the default hybrid, "
                    "the rest the sweep; default 0.5, sweep 0.7 0.9)"},
    {"order", 'n', "N", "n-gram order, 1..6 (default 4)"},
    {"output", 'o', "FILE", "write the rows as results CSV to FILE ('-': CSV on stdout, no table)"},
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};

const cli_command latency_cmd = {
    "latency",
    "latency -c CORPUS -t SPEC [-l LANG]... [--preset tiny|small] [-k K] [--hick-a MS]"
    " [--hick-b MS] [--threshold BITS]... [--tau P]... [-n N] [-o FILE]",
    "Time to produce the test text: model alone, a person choosing every token, or only at forks.",
    "The selector model, per language and tokenizer, on the test split. A segment of n\n"
    "tokens takes n + 1 steps (its tokens and its end). auto: the model generates every\n"
    "token (one prefill of the start token, then one decode step per token). select: at\n"
    "every step the model shows its k most probable next tokens and a person chooses\n"
    "(machine: the model step plus the top-k; human: a + b log2(k + 1) ms, the\n"
    "Hick-Hyman law). hybrid: the person is asked only at forks, the steps where the\n"
    "top candidate's probability p_max is below tau (--tau); the model's top-1 is\n"
    "accepted elsewhere, and a wrong accepted top-1 is an error (the _corrected rows\n"
    "price each as one more choice). Two more fork rules give their own rows: the\n"
    "predictive entropy above T bits (--threshold; it counts the smoothing tail, so it\n"
    "is a sweep, not the headline), and the oracle (a fork exactly where the top-1 is\n"
    "not the true next token).\n"
    "Everything is measured: the model ms (ms_prefill_N, ms_decode_token_C) on the\n"
    "reference transformer of --preset, the top-k time and the exact entropy of the\n"
    "full next-token distribution (every token, </s> and <unk>) of an n-gram model of\n"
    "the tokenizer trained on the train split, at every test step after the true\n"
    "history. Default a = 0 ms, b = 150 ms/bit: Card, Moran & Newell (1983), The\n"
    "Psychology of Human-Computer Interaction, ch. 2, Hick's law T = I_C log2(n + 1),\n"
    "I_C = 150 [0-157] ms/bit: a lab choice-reaction time (lights and keys), a lower\n"
    "bound for reading k tokens and choosing one.\n"
    "Rows (split test): latency_ms_per_{segment,word,en_byte,token}_{auto,select,hybrid},\n"
    "latency_ms_per_token_{human,machine}_hybrid, latency_human_share_{select,hybrid},\n"
    "latency_choices_per_segment_{select,hybrid}; per tau latency_fork_share_p<tau>,\n"
    "latency_error_share_p<tau>, latency_ms_per_{segment,token}_hybrid_p<tau>,\n"
    "latency_ms_per_token_hybrid_corrected_p<tau>; latency_fork_share_oracle,\n"
    "latency_ms_per_token_hybrid_oracle; per threshold latency_fork_share_t<T>,\n"
    "latency_ms_per_{segment,token}_hybrid_t<T>; latency_entropy_bits,\n"
    "latency_threshold_bits, latency_fork_tau, latency_k, and the inputs latency_ms_step,\n"
    "latency_ms_topk, latency_ms_entropy, latency_ms_best, latency_ms_choice. In `tokbench\n"
    "run`, also latency_ms_per_token_hybrid_<model>_<hw>: the hybrid with the projected\n"
    "decode step of a 7B model on a datasheet profile as the machine time.\n",
    latency_opts,
    NULL,
};


static int parse_ms(const char *s, double *out)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (e == s || *e || errno || !isfinite(v) || v < 0)
        return -1;
    *out = v;
    return 0;
}

/* Value of one row, or NAN. */
static double get(const results *r, const char *cname, const char *lang, const char *tok,
                  const char *metric)
{
    double v = NAN;
    results_value(r, cname, "test", lang, tok, metric, &v);
    return v;
}

/* One table line: a tokenizer name as its rows carry it, and a language. */
typedef struct entry {
    char *tok;
    const char *lang;
} entry;

typedef struct entries {
    entry *v;
    size_t n, cap;
} entries;

static int entries_add(entries *e, const char *tok, const char *lang, tb_error *err)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 16;
        entry *v = tb_realloc(e->v, cap * sizeof *v, err);
        if (!v)
            return err->status;
        e->v = v;
        e->cap = cap;
    }
    char *t = tb_malloc(strlen(tok) + 1, err);
    if (!t)
        return err->status;
    strcpy(t, tok);
    e->v[e->n++] = (entry){t, lang};
    return TB_OK;
}

static void entries_release(entries *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i].tok);
    free(e->v);
}

static void print_table(const results *r, const corpus *c, const entries *e,
                        const latency_config *cfg, const char *preset)
{
    printf("corpus %s (split test), model %s, k %zu, choice %.4g + %.4g log2(k+1) = %.1f ms, "
           "fork: p_max < %g\n",
           corpus_name(c), preset, cfg->k, cfg->hick_a_ms, cfg->hick_b_ms,
           latency_hick_ms(cfg->hick_a_ms, cfg->hick_b_ms, cfg->k), cfg->taus[0]);
    printf("%-22s %-5s %8s %6s %6s %6s %6s %10s %10s %10s %8s %7s %7s\n", "tokenizer", "lang",
           "tok/seg", "H bits", "fork%", "err%", "orac%", "auto", "select", "hybrid", "hybrid",
           "human%", "human%");
    printf("%-22s %-5s %8s %6s %6s %6s %6s %10s %10s %10s %8s %7s %7s\n", "", "", "", "", "",
           "", "", "ms/seg", "ms/seg", "ms/seg", "ms/tok", "select", "hybrid");
    char fork_metric[96], err_metric[96], tag[40];
    latency_tau_tag(cfg->taus[0], tag, sizeof tag);
    snprintf(fork_metric, sizeof fork_metric, "latency_fork_share_%s", tag);
    snprintf(err_metric, sizeof err_metric, "latency_error_share_%s", tag);
    const char *cn = corpus_name(c);
    for (size_t i = 0; i < e->n; i++) {
        const char *tok = e->v[i].tok, *lang = e->v[i].lang;
        /* select chooses at every step: tokens + 1 per segment */
        double steps = get(r, cn, lang, tok, "latency_choices_per_segment_select");
        printf("%-22s %-5s %8.1f %6.2f %6.1f %6.1f %6.1f %10.1f %10.1f %10.1f %8.2f %7.1f %7.1f\n",
               tok, lang, steps - 1, get(r, cn, lang, tok, "latency_entropy_bits"),
               100 * get(r, cn, lang, tok, fork_metric), 100 * get(r, cn, lang, tok, err_metric),
               100 * get(r, cn, lang, tok, "latency_fork_share_oracle"),
               get(r, cn, lang, tok, "latency_ms_per_segment_auto"),
               get(r, cn, lang, tok, "latency_ms_per_segment_select"),
               get(r, cn, lang, tok, "latency_ms_per_segment_hybrid"),
               get(r, cn, lang, tok, "latency_ms_per_token_hybrid"),
               100 * get(r, cn, lang, tok, "latency_human_share_select"),
               100 * get(r, cn, lang, tok, "latency_human_share_hybrid"));
    }
}

static int run(const cli_args *a, const latency_config *cfg, const char *preset, results *r,
               corpus **cout, entries *table, tb_error *err)
{
    corpus *c = NULL;
    if (cli_open_corpus(&latency_cmd, a, cli_get(&latency_cmd, a, "corpus", NULL), &c, err))
        return err->status;
    *cout = c;
    int li_n = cli_opt_index(&latency_cmd, "lang");
    for (size_t j = 0; j < cli_count(&latency_cmd, a, "lang"); j++)
        if (corpus_find_lang(c, a->v[li_n][j]) < 0)
            return tb_fail(err, TB_EUSAGE, "corpus '%s' has no language '%s'", corpus_name(c),
                           a->v[li_n][j]);
    words *w = NULL;
    stage_model *sm = NULL;
    size_t nl = corpus_n_langs(c);
    metrics_words **mw = tb_calloc(nl ? nl : 1, sizeof *mw, err);
    if (!mw)
        return err->status;
    stage_model_config mc = {.preset = preset, .timing = 1};
    int rc = stage_model_new(&mc, &sm, err);
    if (rc == TB_OK)
        rc = words_new(&w, err);
    int it = cli_opt_index(&latency_cmd, "tokenizer");
    for (size_t s = 0; s < cli_count(&latency_cmd, a, "tokenizer") && rc == TB_OK; s++) {
        for (size_t l = 0; l < corpus_n_langs(c) && rc == TB_OK; l++) {
            if (!cli_selects(&latency_cmd, a, "lang", corpus_lang(c, l)))
                continue;
            tokenizer *t = NULL;
            metrics_tok *mt = NULL;
            results *scratch = NULL;
            tokenizer_ctx ctx = cli_tokenizer_ctx(c, (int)l);
            rc = tokenizer_new(a->v[it][s], &ctx, &t, err);
            if (rc == TB_OK && !mw[l])
                rc = metrics_words_new(c, l, w, &mw[l], err);
            if (rc == TB_OK)
                rc = metrics_tok_measure(t, c, l, mw[l], &mt, err);
            if (rc == TB_OK)
                rc = results_new(&scratch, err);
            token_streams ts;
            if (rc == TB_OK) {
                metrics_tok_streams(mt, &ts);
                /* the model stage's measured rows, for this vocabulary */
                rc = stage_model_rows(sm, c, l, tokenizer_name(t), &ts, NULL, scratch, err);
            }
            latency_model_ms mm;
            if (rc == TB_OK &&
                results_find(scratch, corpus_name(c), "test", corpus_lang(c, l), tokenizer_name(t),
                             "ms_prefill") >= 0)
                rc = latency_model_from_results(scratch, corpus_name(c), corpus_lang(c, l),
                                                tokenizer_name(t), &mm, err);
            else if (rc == TB_OK)
                mm.n_prefill = 0; /* no test tokens: latency_rows adds nothing */
            if (rc == TB_OK && mm.n_prefill)
                rc = latency_rows(c, l, tokenizer_name(t), &ts,
                                  metrics_words_count(mw[l], c, CORPUS_TEST), &mm, cfg, r, err);
            if (rc == TB_OK && mm.n_prefill)
                rc = entries_add(table, tokenizer_name(t), corpus_lang(c, l), err);
            results_free(scratch);
            metrics_tok_free(mt);
            tokenizer_free(t);
        }
    }
    for (size_t l = 0; l < nl; l++)
        metrics_words_free(mw[l]);
    free(mw);
    words_free(w);
    stage_model_free(sm);
    return rc;
}

int cmd_latency(const cli_args *a)
{
    int rc = 0;
    if (a->npos > 0) {
        fprintf(stderr, "tokbench latency: unexpected argument '%s'\n", a->pos[0]);
        return TB_EUSAGE;
    }
    if (!cli_get(&latency_cmd, a, "corpus", NULL) || !cli_count(&latency_cmd, a, "tokenizer")) {
        fprintf(stderr, "tokbench latency: needs -c CORPUS and -t SPEC (known schemes: %s)\n"
                        "usage: tokbench %s\n",
                tokenizer_schemes(), latency_cmd.synopsis);
        return TB_EUSAGE;
    }
    latency_config cfg;
    latency_config_init(&cfg);
    const char *s;
    long v;
    if ((s = cli_get(&latency_cmd, a, "k", NULL))) {
        if (cli_parse_long(s, 1, LATENCY_MAX_K, &v)) {
            fprintf(stderr, "tokbench latency: -k must be 1..%d, got '%s'\n", LATENCY_MAX_K, s);
            return TB_EUSAGE;
        }
        cfg.k = (size_t)v;
    }
    if ((s = cli_get(&latency_cmd, a, "order", NULL))) {
        if (cli_parse_long(s, 1, NGRAM_MAX_ORDER, &v)) {
            fprintf(stderr, "tokbench latency: -n must be an order 1..%d, got '%s'\n",
                    NGRAM_MAX_ORDER, s);
            return TB_EUSAGE;
        }
        cfg.order = (int)v;
    }
    if ((s = cli_get(&latency_cmd, a, "hick-a", NULL)) && parse_ms(s, &cfg.hick_a_ms)) {
        fprintf(stderr, "tokbench latency: --hick-a must be ms >= 0, got '%s'\n", s);
        return TB_EUSAGE;
    }
    if ((s = cli_get(&latency_cmd, a, "hick-b", NULL)) && parse_ms(s, &cfg.hick_b_ms)) {
        fprintf(stderr, "tokbench latency: --hick-b must be ms per bit >= 0, got '%s'\n", s);
        return TB_EUSAGE;
    }
    size_t nt = cli_count(&latency_cmd, a, "threshold");
    if (nt > LATENCY_MAX_THRESHOLDS) {
        fprintf(stderr, "tokbench latency: at most %d --threshold values\n",
                LATENCY_MAX_THRESHOLDS);
        return TB_EUSAGE;
    }
    if (nt) {
        int ix = cli_opt_index(&latency_cmd, "threshold");
        cfg.n_thresholds = nt;
        for (size_t i = 0; i < nt; i++)
            if (parse_ms(a->v[ix][i], &cfg.thresholds[i])) {
                fprintf(stderr, "tokbench latency: --threshold must be bits >= 0, got '%s'\n",
                        a->v[ix][i]);
                return TB_EUSAGE;
            }
    }
    size_t nu = cli_count(&latency_cmd, a, "tau");
    if (nu > LATENCY_MAX_TAUS) {
        fprintf(stderr, "tokbench latency: at most %d --tau values\n", LATENCY_MAX_TAUS);
        return TB_EUSAGE;
    }
    if (nu) {
        int ix = cli_opt_index(&latency_cmd, "tau");
        cfg.n_taus = nu;
        for (size_t i = 0; i < nu; i++)
            if (parse_ms(a->v[ix][i], &cfg.taus[i]) || cfg.taus[i] > 1) {
                fprintf(stderr, "tokbench latency: --tau must be a probability in [0, 1], "
                                "got '%s'\n", a->v[ix][i]);
                return TB_EUSAGE;
            }
    }
    const char *preset = cli_get(&latency_cmd, a, "preset", "small");
    const char *out = cli_get(&latency_cmd, a, "output", NULL);
    tb_error err = {0};
    results *r = NULL;
    corpus *c = NULL;
    entries table = {0};
    rc = results_new(&r, &err);
    if (rc == TB_OK)
        rc = run(a, &cfg, preset, r, &c, &table, &err);
    if (rc == TB_OK && results_count(r) == 0)
        rc = tb_fail(&err, TB_EINPUT, "corpus '%s': no test segments with tokens",
                     corpus_name(c));
    if (rc == TB_OK && out && strcmp(out, "-") == 0) {
        rc = results_write_csv(r, stdout, &err);
    } else if (rc == TB_OK) {
        print_table(r, c, &table, &cfg, preset);
        if (out)
            rc = results_save_csv(r, out, &err);
    }
    entries_release(&table);
    results_free(r);
    corpus_free(c);
    if (rc) {
        return cli_fail("latency", &err);
    }
    return TB_OK;
}
