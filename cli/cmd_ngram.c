/* cmd_ngram.c - `tokbench ngram`: the n-gram rows for one tokenizer on a
 * corpus, or for pre-tokenized train/test id files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tb.h"
#include "../corpora/corpus.h"
#include "../corpora/words.h"
#include "../ngram/arpa.h"
#include "../ngram/idfile.h"
#include "../tokenizers/tokenizer.h"
#include "cli.h"
#include "commands.h"
#include "run_notes.h"
#include "setup.h"
#include "../bench/stage_metrics.h"
#include "../results/results.h"
#include "../bench/run.h"
#include "../bench/stage_ngram.h"

static const cli_opt ngram_opts[] = {
    {"corpus", 'c', "CORPUS", "corpus name under --data, or a folder path"},
    {"tokenizer", 't', "SPEC", "tokenizer spec (trained ones train on the corpus train split)"},
    {"lang", 'l', "LANG", "only this language (repeatable; default: every language)"},
    {"order", 'n', "N", "highest order, 1..6 (default 4); rows for orders 2..N"},
    {"min-order", 0, "K", "lowest order with rows (default 2)"},
    {"arpa", 0, "FILE", "write the order-N model in ARPA format (one language only)"},
    {"train", 0, "FILE", "pre-tokenized training streams: one segment per line, ids"},
    {"test", 0, "FILE", "pre-tokenized test streams (with --train or --load)"},
    {"load", 0, "ARPA", "score --test with this ARPA model instead of training one"},
    {"output", 'o', "FILE", "write the rows as CSV to FILE (default stdout)"},
    {"no-timing", 0, NULL, "leave out the timing rows (deterministic output)"},
    {"no-suggest", 0, NULL, "leave out the autocomplete rows"},
    CLI_OPT_DATA,
    {0, 0, 0, 0},
};

const cli_command ngram_cmd = {
    "ngram",
    "ngram (-c CORPUS -t SPEC [-l LANG]... | --train FILE --test FILE | --load ARPA --test FILE)"
    " [-n N] [--arpa FILE]",
    "Interpolated modified Kneser-Ney n-gram model: bits, perplexity, autocomplete.",
    "Trains an n-gram model (KenLM lmplz defaults: interpolated modified Kneser-Ney,\n"
    "three discounts per order, unigrams interpolated with the uniform distribution;\n"
    "the --discount_fallback discounts 0.5 1 1.5 where an order's counts-of-counts\n"
    "cannot give them) on the train split and scores the test split. Each segment\n"
    "is one sentence: <s> ids </s>. Perplexity counts every test token plus one </s>\n"
    "per segment and scores unseen ids as <unk> (KenLM query's \"Perplexity\n"
    "including OOVs\"). Rows: ngram_bits_total, ngram_bits_per_token (= log2\n"
    "perplexity), ngram_bits_per_en_byte (bits / English UTF-8 bytes of the same\n"
    "test segments), ngram_perplexity, ngram_oov_rate, ngram_bytes_model,\n"
    "ngram_s_build, ngram_us_query for the order N; the same with suffix _o<k> for\n"
    "lower orders; ngram_s_arpa (seconds --arpa took to write the file);\n"
    "ngram_hit_at_1, ngram_hit_at_5 (next-token suggestions),\n"
    "ngram_ms_suggest and ngram_ksr for order N. KSR = (keys without - keys with\n"
    "completion) / keys without (Trnka & McCoy; Fazly & Hirst): the simulated user\n"
    "types each token's text, sees the 5 most probable tokens starting with what\n"
    "was typed, and selects the right one with one key; a keystroke is one code\n"
    "point in every language (one key per committed CJK character).\n"
    "With --train/--test the files hold space-separated ids, one segment per line,\n"
    "so the numbers compare with any other toolkit on identical input (rows carry\n"
    "corpus '-', lang '-', tokenizer 'ids'). --load scores --test with an ARPA\n"
    "model (ours, or one from another toolkit over the same ids; words are <unk>,\n"
    "<s>, </s> and decimal ids).",
    ngram_opts,
    NULL,
};


/* A decimal integer in lo..hi into *out: 0, else -1. */
static int parse_int(const char *s, int lo, int hi, int *out)
{
    long v;
    if (cli_parse_long(s, lo, hi, &v))
        return -1;
    *out = (int)v;
    return 0;
}

static int run_corpus_mode(const cli_args *a, const stage_ngram_config *cfg, results *r,
                           tb_error *err)
{
    const char *spec = cli_get(&ngram_cmd, a, "tokenizer", NULL);
    if (!spec)
        return tb_fail(err, TB_EUSAGE, "-c needs -t SPEC (known schemes: %s)", tokenizer_schemes());
    corpus *c = NULL;
    words *w = NULL;
    if (cli_open_corpus(&ngram_cmd, a, cli_get(&ngram_cmd, a, "corpus", NULL), &c, err))
        return err->status;
    int rc = TB_OK;
    size_t picked = 0;
    int li_n = cli_opt_index(&ngram_cmd, "lang");
    for (size_t j = 0; j < cli_count(&ngram_cmd, a, "lang"); j++)
        if (corpus_find_lang(c, a->v[li_n][j]) < 0) {
            rc = tb_fail(err, TB_EUSAGE, "corpus '%s' has no language '%s'", corpus_name(c),
                         a->v[li_n][j]);
            break;
        }
    for (size_t l = 0; l < corpus_n_langs(c); l++)
        picked += cli_selects(&ngram_cmd, a, "lang", corpus_lang(c, l));
    if (rc == TB_OK && cfg->arpa_path && picked != 1)
        rc = tb_fail(err, TB_EUSAGE, "--arpa writes one model: choose one language with -l");
    if (rc == TB_OK)
        rc = words_new(&w, err);
    for (size_t l = 0; l < corpus_n_langs(c) && rc == TB_OK; l++) {
        if (!cli_selects(&ngram_cmd, a, "lang", corpus_lang(c, l)))
            continue;
        tokenizer *t = NULL;
        metrics_words *mw = NULL;
        metrics_tok *mt = NULL;
        tokenizer_ctx ctx = cli_tokenizer_ctx(c, (int)l);
        rc = tokenizer_new(spec, &ctx, &t, err);
        if (rc == TB_OK)
            rc = metrics_words_new(c, l, w, &mw, err);
        if (rc == TB_OK)
            rc = metrics_tok_measure(t, c, l, mw, &mt, err);
        if (rc == TB_OK) {
            token_streams ts;
            metrics_tok_streams(mt, &ts);
            rc = stage_ngram_rows(c, l, t, &ts, cfg, r, err);
        }
        metrics_tok_free(mt);
        metrics_words_free(mw);
        tokenizer_free(t);
    }
    words_free(w);
    corpus_free(c);
    return rc;
}

static int run_file_mode(const cli_args *a, const stage_ngram_config *cfg, results *r,
                         tb_error *err)
{
    const char *trf = cli_get(&ngram_cmd, a, "train", NULL);
    const char *tef = cli_get(&ngram_cmd, a, "test", NULL);
    const char *arpa = cli_get(&ngram_cmd, a, "load", NULL);
    if (!tef || (!trf) == (!arpa))
        return tb_fail(err, TB_EUSAGE, "--test goes with one of --train or --load");
    ngram_ids tr = {0}, te = {0};
    if (arpa) {
        ngram_model *m = NULL;
        int lrc = ngram_arpa_load(arpa, &m, err);
        if (lrc == TB_OK)
            lrc = ngram_ids_load(tef, &te, err);
        if (lrc == TB_OK) {
            stage_ngram_streams st = {te.n_segments, te.ids, te.first};
            lrc = stage_ngram_rows_model(m, &st, "-", "-", "ids", r, err);
        }
        ngram_free(m);
        ngram_ids_release(&te);
        return lrc;
    }
    int rc = ngram_ids_load(trf, &tr, err);
    if (rc == TB_OK)
        rc = ngram_ids_load(tef, &te, err);
    if (rc == TB_OK) {
        stage_ngram_streams a_tr = {tr.n_segments, tr.ids, tr.first};
        stage_ngram_streams a_te = {te.n_segments, te.ids, te.first};
        rc = stage_ngram_rows_streams(&a_tr, &a_te, 0, "-", "-", "ids", cfg, r, err);
    }
    ngram_ids_release(&tr);
    ngram_ids_release(&te);
    return rc;
}

int cmd_ngram(const cli_args *a)
{
    int rc = 0;
    if (a->npos > 0) {
        fprintf(stderr, "tokbench ngram: unexpected argument '%s'\n", a->pos[0]);
        return TB_EUSAGE;
    }
    stage_ngram_config cfg;
    stage_ngram_config_init(&cfg);
    const char *s;
    if ((s = cli_get(&ngram_cmd, a, "order", NULL)) && parse_int(s, 1, 6, &cfg.order)) {
        fprintf(stderr, "tokbench ngram: -n must be an order 1..6, got '%s'\n", s);
        return TB_EUSAGE;
    }
    if ((s = cli_get(&ngram_cmd, a, "min-order", NULL)) && parse_int(s, 1, 6, &cfg.min_order)) {
        fprintf(stderr, "tokbench ngram: --min-order must be 1..6, got '%s'\n", s);
        return TB_EUSAGE;
    }
    cfg.arpa_path = cli_get(&ngram_cmd, a, "arpa", NULL);
    cfg.timing = cli_count(&ngram_cmd, a, "no-timing") == 0;
    cfg.suggest = cli_count(&ngram_cmd, a, "no-suggest") == 0;
    int have_c = cli_get(&ngram_cmd, a, "corpus", NULL) != NULL;
    int have_f = cli_get(&ngram_cmd, a, "train", NULL) || cli_get(&ngram_cmd, a, "test", NULL) ||
                 cli_get(&ngram_cmd, a, "load", NULL);
    if (have_c == have_f) {
        fprintf(stderr, "tokbench ngram: give either -c CORPUS -t SPEC, or --test FILE with "
                        "--train FILE or --load ARPA\n");
        return TB_EUSAGE;
    }
    tb_error err = {0};
    results *r = NULL;
    rc = results_new(&r, &err);
    if (rc == TB_OK)
        rc = have_c ? run_corpus_mode(a, &cfg, r, &err) : run_file_mode(a, &cfg, r, &err);
    if (rc == TB_OK && have_c)
        cli_note_no_pieces("ngram", r, stderr);
    if (rc == TB_OK) {
        const char *out = cli_get(&ngram_cmd, a, "output", NULL);
        rc = out ? results_save_csv(r, out, &err) : results_write_csv(r, stdout, &err);
    }
    results_free(r);
    if (rc) {
        return cli_fail("ngram", &err);
    }
    return TB_OK;
}
