/* stage_ngram.c - n-gram rows from token streams (stage_ngram.h). */
#include "stage_ngram.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/timer.h"
#include "../ngram/arpa.h"
#include "../ngram/complete.h"
#include "../ngram/counts.h"
#include "../ngram/ngram.h"

void stage_ngram_config_init(stage_ngram_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->order = NGRAM_DEFAULT_ORDER;
    cfg->min_order = 2;
    cfg->timing = 1;
    cfg->suggest = 1;
}

typedef struct labels {
    const char *corpus, *lang, *tok;
    results *r;
} labels;

static int row(const labels *l, const char *metric, int order, int top, double v, const char *unit,
               tb_error *err)
{
    char name[96];
    if (order == top)
        snprintf(name, sizeof name, "%s", metric);
    else
        snprintf(name, sizeof name, "%s_o%d", metric, order);
    return results_add(l->r, l->corpus, "test", l->lang, l->tok, name, v, unit, err);
}

/* Top-5 suggestions at every test token: hits and time. */
/* Next-token suggestions (ngram_suggest's list, through the prefix search
 * with an empty prefix and its look-up-free fast path). */
static int suggest_eval(const ngram_model *m, const ngram_data *test, size_t *hit1, size_t *hit5,
                        size_t *n_sugg, double *secs, tb_error *err)
{
    size_t nv = ngram_n_words(m);
    uint32_t *mark = tb_calloc(nv ? nv : 1, sizeof *mark, err), epoch = 0;
    if (!mark)
        return err->status;
    ngram_pieces any = {NULL, NULL, mark, &epoch, NULL};
    double t0 = tb_now();
    size_t h1 = 0, h5 = 0, ns = 0;
    for (size_t s = 0; s < test->n_segments; s++) {
        if (test->use && !test->use[s])
            continue;
        ngram_state st;
        ngram_state_begin(m, &st);
        for (size_t i = test->first[s]; i < test->first[s + 1]; i++) {
            uint32_t w = ngram_word(m, test->ids[i]), top[5];
            size_t n = ngram_suggest_prefix(m, &st, &any, "", 0, 5, top);
            ns++;
            for (size_t j = 0; j < n; j++)
                if (top[j] == w) {
                    h1 += j == 0;
                    h5++;
                    break;
                }
            ngram_score(m, &st, w, &st);
        }
    }
    *secs = tb_now() - t0;
    *hit1 = h1;
    *hit5 = h5;
    *n_sugg = ns;
    free(mark);
    return TB_OK;
}

/* The text of token id into *buf (grown as needed); *n gets its length. */
static int piece_of(const tokenizer *t, uint32_t id, char **buf, size_t *cap, size_t at, size_t *n,
                    tb_error *err)
{
    for (;;) {
        if (*cap - at < 64) {
            size_t c = *cap ? 2 * *cap : 4096;
            char *b = tb_realloc(*buf, c, err);
            if (!b)
                return err->status;
            *buf = b;
            *cap = c;
        }
        if (tokenizer_piece(t, id, *buf + at, *cap - at, n, err))
            return err->status;
        if (*n <= *cap - at)
            return TB_OK;
        size_t c = *cap;
        while (c - at < *n)
            c *= 2;
        char *b = tb_realloc(*buf, c, err);
        if (!b)
            return err->status;
        *buf = b;
        *cap = c;
    }
}

/* KSR with a window of 5 over the test split (complete.h). */
static int ksr_eval(const ngram_model *m, const tokenizer *t, const ngram_data *test, double *ksr,
                    tb_error *err)
{
    size_t nv = ngram_n_words(m);
    char *pbuf = NULL, *sbuf = NULL;
    size_t pcap = 0, scap = 0, at = 0, n;
    size_t *poff = tb_calloc(nv + 1, sizeof *poff, err);
    const char **ptext = poff ? tb_calloc(nv, sizeof *ptext, err) : NULL;
    uint32_t *plen = ptext ? tb_calloc(nv, sizeof *plen, err) : NULL;
    const char **stext = NULL;
    uint32_t *slen = NULL;
    size_t *soff = NULL, smax = 0;
    int rc = plen ? TB_OK : err->status;
    for (uint32_t w = NGRAM_FIRST_WORD; w < nv && rc == TB_OK; w++) {
        rc = piece_of(t, ngram_word_token(m, w), &pbuf, &pcap, at, &n, err);
        poff[w] = at;
        plen[w] = (uint32_t)n;
        at += n;
    }
    for (uint32_t w = NGRAM_FIRST_WORD; w < nv && rc == TB_OK; w++)
        ptext[w] = pbuf + poff[w];
    for (size_t s = 0; s < test->n_segments && rc == TB_OK; s++)
        if (!test->use || test->use[s])
            if (test->first[s + 1] - test->first[s] > smax)
                smax = test->first[s + 1] - test->first[s];
    if (rc == TB_OK) {
        stext = tb_calloc(smax + 1, sizeof *stext, err);
        slen = stext ? tb_calloc(smax + 1, sizeof *slen, err) : NULL;
        soff = slen ? tb_calloc(smax + 1, sizeof *soff, err) : NULL;
        if (!soff)
            rc = err->status;
    }
    uint32_t *mark = rc == TB_OK ? tb_calloc(nv ? nv : 1, sizeof *mark, err) : NULL, epoch = 0;
    if (rc == TB_OK && !mark)
        rc = err->status;
    ngram_pieces pieces = {ptext, plen, mark, &epoch, NULL};
    uint32_t *by_text = rc == TB_OK ? ngram_pieces_sort(&pieces, nv) : NULL;
    if (rc == TB_OK && !by_text)
        rc = tb_fail(err, TB_EINPUT, "out of memory sorting %zu token texts", nv);
    pieces.by_text = by_text;
    ngram_ksr acc = {0};
    for (size_t s = 0; s < test->n_segments && rc == TB_OK; s++) {
        if (test->use && !test->use[s])
            continue;
        const uint32_t *ids = test->ids + test->first[s];
        size_t len = test->first[s + 1] - test->first[s], sat = 0;
        for (size_t i = 0; i < len && rc == TB_OK; i++) {
            uint32_t w = ngram_word(m, ids[i]);
            if (w != NGRAM_UNK) {
                slen[i] = plen[w];
                soff[i] = SIZE_MAX;
                stext[i] = ptext[w];
                continue;
            }
            rc = piece_of(t, ids[i], &sbuf, &scap, sat, &n, err);
            soff[i] = sat;
            slen[i] = (uint32_t)n;
            sat += n;
        }
        for (size_t i = 0; i < len && rc == TB_OK; i++)
            if (soff[i] != SIZE_MAX)
                stext[i] = sbuf + soff[i];
        if (rc == TB_OK)
            ngram_ksr_segment(m, &pieces, ids, stext, slen, len, 5, &acc);
    }
    *ksr = acc.keys_without ? ((double)acc.keys_without - (double)acc.keys_with) /
                                  (double)acc.keys_without
                            : 0;
    free(pbuf);
    free(sbuf);
    free(poff);
    free(ptext);
    free(plen);
    free(stext);
    free(slen);
    free(soff);
    free(mark);
    free(by_text);
    return rc;
}

/* The rows from the raw counts of the train split (order >= cfg->order),
 * counted in s_count seconds. */
static int eval_counts(const ngram_counts *cnt, double s_count, const ngram_data *test,
                       double en_bytes, const tokenizer *tk, const stage_ngram_config *cfg,
                       const labels *l, tb_error *err)
{
    int N = cfg->order;
    if (N < 1 || N > ngram_counts_order(cnt))
        return tb_fail(err, TB_EUSAGE, "n-gram order %d out of range 1..%d", N,
                       ngram_counts_order(cnt));
    int lo = cfg->min_order < 1 ? 1 : cfg->min_order > N ? N : cfg->min_order;
    size_t tokens = 0, segs = 0;
    for (size_t s = 0; s < test->n_segments; s++)
        if (!test->use || test->use[s]) {
            tokens += test->first[s + 1] - test->first[s];
            segs++;
        }
    uint64_t train_tokens = ngram_counts_tokens(cnt);
    int rc0 = results_add(l->r, l->corpus, "train", l->lang, l->tok, "ngram_train_tokens",
                          (double)train_tokens, "tokens", err);
    if (rc0)
        return rc0;
    for (int k = lo; k <= N; k++) {
        ngram_model *m = NULL;
        double t0 = tb_now();
        if (ngram_build_counts(cnt, k, &m, err))
            return err->status;
        double s_build = s_count + (tb_now() - t0);
        double lsum = 0;
        size_t oov = 0;
        t0 = tb_now();
        for (size_t s = 0; s < test->n_segments; s++) {
            if (test->use && !test->use[s])
                continue;
            size_t o;
            lsum += ngram_score_segment(m, test->ids + test->first[s],
                                        test->first[s + 1] - test->first[s], &o);
            oov += o;
        }
        double s_query = tb_now() - t0;
        double bits = lsum == 0 ? 0 : -lsum / log10(2.0); /* no test token: 0, not -0 */
        size_t events = tokens + segs;
        int rc = TB_OK;
        rc = rc ? rc : row(l, "ngram_bits_total", k, N, bits, "bits", err);
        rc = rc ? rc : row(l, "ngram_bits_per_token", k, N, events ? bits / (double)events : 0,
                           "bits/token", err);
        if (en_bytes > 0)
            rc = rc ? rc : row(l, "ngram_bits_per_en_byte", k, N, bits / en_bytes, "bits/byte", err);
        rc = rc ? rc : row(l, "ngram_perplexity", k, N,
                           events ? pow(10.0, -lsum / (double)events) : 0, "ppl", err);
        rc = rc ? rc : row(l, "ngram_oov_rate", k, N, tokens ? (double)oov / (double)tokens : 0,
                           "ratio", err);
        rc = rc ? rc : row(l, "ngram_bytes_model", k, N, (double)ngram_bytes(m), "bytes", err);
        if (cfg->timing) {
            rc = rc ? rc : row(l, "ngram_s_build", k, N, s_build, "s", err);
            rc = rc ? rc : row(l, "ngram_us_query", k, N,
                               events ? 1e6 * s_query / (double)events : 0, "us", err);
        }
        if (rc == TB_OK && k == N && cfg->suggest) {
            size_t h1 = 0, h5 = 0, ns = 0;
            double secs = 0;
            rc = suggest_eval(m, test, &h1, &h5, &ns, &secs, err);
            rc = rc ? rc : row(l, "ngram_hit_at_1", k, N, ns ? (double)h1 / (double)ns : 0, "ratio", err);
            rc = rc ? rc : row(l, "ngram_hit_at_5", k, N, ns ? (double)h5 / (double)ns : 0, "ratio", err);
            if (cfg->timing)
                rc = rc ? rc : row(l, "ngram_ms_suggest", k, N, ns ? 1e3 * secs / (double)ns : 0,
                                   "ms", err);
            double ksr;
            /* KSR types the pieces' texts: none for a tokenizer without pieces
             * (cmd:), which gets every other row (its ids are all they need) */
            if (rc == TB_OK && tk && tokenizer_can_decode(tk) &&
                (rc = ksr_eval(m, tk, test, &ksr, err)) == TB_OK)
                rc = row(l, "ngram_ksr", k, N, ksr, "ratio", err);
        }
        if (rc == TB_OK && k == N && cfg->arpa_path) {
            t0 = tb_now();
            rc = ngram_arpa_save(m, cfg->arpa_path, err);
            if (rc == TB_OK && cfg->timing)
                rc = row(l, "ngram_s_arpa", k, N, tb_now() - t0, "s", err);
        }
        if (rc == TB_OK && k == N && cfg->on_model)
            rc = cfg->on_model(cfg->on_model_ud, m, test, en_bytes, err);
        ngram_free(m);
        if (rc)
            return rc;
    }
    return TB_OK;
}

static int eval(const ngram_data *train, const ngram_data *test, double en_bytes,
                const tokenizer *tk, const stage_ngram_config *cfg, const labels *l, tb_error *err)
{
    ngram_counts *cnt = NULL;
    double t0 = tb_now();
    int rc = ngram_counts_new(cfg->order, &cnt, err);
    if (rc == TB_OK)
        rc = ngram_counts_add_data(cnt, train, err);
    if (rc == TB_OK)
        rc = eval_counts(cnt, tb_now() - t0, test, en_bytes, tk, cfg, l, err);
    ngram_counts_free(cnt);
    return rc;
}

int stage_ngram_rows_counts(const ngram_counts *train, double s_count, const ngram_data *test,
                            double en_bytes, const tokenizer *tk, const char *corpus_label,
                            const char *lang, const char *tok_name, const stage_ngram_config *cfg,
                            results *r, tb_error *err)
{
    labels l = {corpus_label, lang, tok_name, r};
    int rc = eval_counts(train, s_count, test, en_bytes, tk, cfg, &l, err);
    if (rc)
        tb_wrap(err, "n-gram '%s' %s %s: ", corpus_label, lang, tok_name);
    return rc;
}

int stage_ngram_split(const corpus *c, unsigned char **use_train, unsigned char **use_test,
                      double *en_bytes, tb_error *err)
{
    size_t n = corpus_n_segments(c);
    *use_train = tb_malloc(n ? n : 1, err);
    *use_test = *use_train ? tb_malloc(n ? n : 1, err) : NULL;
    if (!*use_test) {
        free(*use_train);
        *use_train = NULL;
        return err->status;
    }
    int en = corpus_pivot(c);
    *en_bytes = 0;
    for (size_t s = 0; s < n; s++) {
        (*use_train)[s] = (unsigned char)corpus_in_split(c, s, CORPUS_TRAIN);
        (*use_test)[s] = (unsigned char)corpus_in_split(c, s, CORPUS_TEST);
        if ((*use_test)[s] && en >= 0) {
            size_t len;
            corpus_segment(c, (size_t)en, s, &len);
            *en_bytes += (double)len;
        }
    }
    return TB_OK;
}

int stage_ngram_rows(const corpus *c, size_t li, const tokenizer *tk, const token_streams *ts,
                     const stage_ngram_config *cfg, results *r, tb_error *err)
{
    size_t n = ts->n_segments;
    if (n != corpus_n_segments(c))
        return tb_fail(err, TB_EUSAGE, "n-gram stage: %zu token streams for %zu segments of '%s'",
                       n, corpus_n_segments(c), corpus_name(c));
    unsigned char *use_train, *use_test;
    double en_bytes;
    if (stage_ngram_split(c, &use_train, &use_test, &en_bytes, err))
        return err->status;
    ngram_data train = {n, ts->ids, ts->first, use_train};
    ngram_data test = {n, ts->ids, ts->first, use_test};
    labels l = {corpus_name(c), corpus_lang(c, li), tokenizer_name(tk), r};
    int rc = eval(&train, &test, en_bytes, tk, cfg, &l, err);
    if (rc)
        tb_wrap(err, "n-gram '%s' %s %s: ", corpus_name(c), corpus_lang(c, li), tokenizer_name(tk));
    free(use_train);
    free(use_test);
    return rc;
}

int stage_ngram_rows_streams(const stage_ngram_streams *train, const stage_ngram_streams *test,
                             double en_bytes, const char *corpus_label, const char *lang,
                             const char *tok_name, const stage_ngram_config *cfg, results *r,
                             tb_error *err)
{
    ngram_data tr = {train->n_segments, train->ids, train->first, NULL};
    ngram_data te = {test->n_segments, test->ids, test->first, NULL};
    labels l = {corpus_label, lang, tok_name, r};
    return eval(&tr, &te, en_bytes, NULL, cfg, &l, err);
}

int stage_ngram_rows_model(const ngram_model *m, const stage_ngram_streams *test,
                           const char *corpus_label, const char *lang, const char *tok_name,
                           results *r, tb_error *err)
{
    labels l = {corpus_label, lang, tok_name, r};
    double lsum = 0;
    size_t oov = 0, tokens = 0;
    for (size_t s = 0; s < test->n_segments; s++) {
        size_t o, n = test->first[s + 1] - test->first[s];
        lsum += ngram_score_segment(m, test->ids + test->first[s], n, &o);
        oov += o;
        tokens += n;
    }
    size_t events = tokens + test->n_segments;
    double bits = lsum == 0 ? 0 : -lsum / log10(2.0); /* no test token: 0, not -0 */
    int N = ngram_order(m), rc = TB_OK;
    rc = rc ? rc : row(&l, "ngram_bits_total", N, N, bits, "bits", err);
    rc = rc ? rc : row(&l, "ngram_bits_per_token", N, N, events ? bits / (double)events : 0,
                       "bits/token", err);
    rc = rc ? rc : row(&l, "ngram_perplexity", N, N, events ? pow(10.0, -lsum / (double)events) : 0,
                       "ppl", err);
    rc = rc ? rc : row(&l, "ngram_oov_rate", N, N, tokens ? (double)oov / (double)tokens : 0,
                       "ratio", err);
    rc = rc ? rc : row(&l, "ngram_bytes_model", N, N, (double)ngram_bytes(m), "bytes", err);
    return rc;
}
