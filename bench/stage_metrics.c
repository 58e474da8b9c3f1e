/* metrics.c - token metrics from per-segment encodings. */
#include "stage_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/editdist.h"
#include "../common/timer.h"
#include "../common/utf8.h"

struct metrics_words {
    size_t n_segments;
    size_t *first;          /* (n_segments + 1): spans of segment s are first[s]..first[s+1) */
    word_span *spans;       /* all word spans, segment after segment */
};

struct seg {
    uint32_t bytes, chars, words, tokens, continued, fallback;
    uint32_t rt_exact;      /* 1: decode(encode(text)) == text (when decodes) */
    uint32_t rt_edits;      /* code point edit distance of the decode to text */
};

struct metrics_tok {
    const tokenizer *t;
    const char *lang;
    size_t n_segments;
    struct seg *segs;       /* (n_segments) */
    size_t vocab;           /* |V| */
    int counted;            /* 1: vocab_used and renyi_efficiency rows (|V| small enough to
                               count ids; the counts are made per emit from ids, so a
                               corpus of many languages holds no (langs x |V|) tables) */
    int has_offsets;        /* 0: the tokenizer reports no offsets, no continued_words */
    int decodes;            /* 1: tokenizer_can_decode, the roundtrip_* rows */
    uint32_t *ids;          /* every token id, segment after segment */
    size_t *first;          /* (n_segments + 1) start of each segment in ids */
};

void metrics_words_free(metrics_words *mw)
{
    if (!mw)
        return;
    free(mw->first);
    free(mw->spans);
    free(mw);
}

int metrics_words_new(const corpus *c, size_t li, words *w, metrics_words **out, tb_error *err)
{
    *out = NULL;
    size_t n = corpus_n_segments(c);
    metrics_words *mw = tb_calloc(1, sizeof *mw, err);
    if (!mw)
        return TB_EINPUT;
    mw->n_segments = n;
    mw->first = tb_calloc(n + 1, sizeof *mw->first, err);
    size_t cap = 4096, used = 0;
    mw->spans = tb_malloc(cap * sizeof *mw->spans, err);
    if (!mw->first || !mw->spans) {
        metrics_words_free(mw);
        return TB_EINPUT;
    }
    for (size_t s = 0; s < n; s++) {
        size_t len, nw;
        const char *text = corpus_segment(c, li, s, &len);
        for (;;) {
            if (words_split(w, text, len, mw->spans + used, cap - used, &nw, err)) {
                metrics_words_free(mw);
                return tb_wrap(err, "corpus '%s': %s.txt:%zu: ", corpus_name(c),
                               corpus_lang(c, li), s + 1);
            }
            if (used + nw <= cap)
                break;
            while (used + nw > cap)
                cap *= 2;
            word_span *ns = tb_realloc(mw->spans, cap * sizeof *ns, err);
            if (!ns) {
                metrics_words_free(mw);
                return TB_EINPUT;
            }
            mw->spans = ns;
        }
        mw->first[s] = used;
        used += nw;
    }
    mw->first[n] = used;
    *out = mw;
    return TB_OK;
}

size_t metrics_words_count(const metrics_words *mw, const corpus *c, enum corpus_split split)
{
    size_t total = 0;
    for (size_t s = 0; s < mw->n_segments; s++)
        if (corpus_in_split(c, s, split))
            total += mw->first[s + 1] - mw->first[s];
    return total;
}

void metrics_tok_free(metrics_tok *m)
{
    if (!m)
        return;
    free(m->segs);
    free(m->ids);
    free(m->first);
    free(m);
}

size_t metrics_tok_segment_tokens(const metrics_tok *m, size_t seg)
{
    return m->segs[seg].tokens;
}

void metrics_tok_streams(const metrics_tok *m, token_streams *out)
{
    out->n_segments = m->n_segments;
    out->ids = m->ids;
    out->first = m->first;
    out->vocab_size = m->vocab;
}

/* Words of one segment that overlap two or more tokens. Both lists are sorted
 * by offset; token i covers [offs[i], offs[i+1]) with offs[nt] = len. */
static uint32_t count_continued(const word_span *ws, size_t nw, const uint32_t *offs, size_t nt,
                                size_t len)
{
    uint32_t cont = 0;
    size_t t = 0;
    for (size_t i = 0; i < nw; i++) {
        /* first token whose end is past the word start */
        while (t < nt && (t + 1 < nt ? offs[t + 1] : len) <= ws[i].start)
            t++;
        size_t k = t, covering = 0;
        while (k < nt && offs[k] < ws[i].end && covering < 2) {
            covering++;
            k++;
        }
        cont += covering >= 2;
    }
    return cont;
}

/* The round trip of one segment: decodes ids into *dec (grown as needed)
 * and sets sg->rt_exact and sg->rt_edits. */
static int roundtrip(const tokenizer *t, const char *text, size_t len, const uint32_t *ids,
                     size_t nt, char **dec, size_t *dcap, struct seg *sg, tb_error *err)
{
    size_t nb;
    if (tokenizer_decode(t, ids, nt, *dec, *dcap, &nb, err))
        return TB_EINPUT;
    if (nb > *dcap) {
        size_t nc = *dcap;
        while (nc < nb)
            nc *= 2;
        char *nd = tb_realloc(*dec, nc, err);
        if (!nd)
            return TB_EINPUT;
        *dec = nd;
        *dcap = nc;
        if (tokenizer_decode(t, ids, nt, *dec, *dcap, &nb, err))
            return TB_EINPUT;
    }
    sg->rt_exact = nb == len && memcmp(*dec, text, len) == 0;
    uint64_t d = 0;
    if (!sg->rt_exact && editdist_utf8(text, len, *dec, nb, &d, err))
        return TB_EINPUT;
    if (d > UINT32_MAX)
        return tb_fail(err, TB_EINPUT, "round-trip edit distance %llu above 2^32",
                       (unsigned long long)d);
    sg->rt_edits = (uint32_t)d;
    return TB_OK;
}

/* Id count arrays are kept up to this vocabulary size (64 Mi ids). */
#define MAX_COUNTED_VOCAB ((size_t)1 << 26)

int metrics_tok_measure(const tokenizer *t, const corpus *c, size_t li,
                        const metrics_words *mw, metrics_tok **out, tb_error *err)
{
    return metrics_tok_measure_only(t, c, li, mw, NULL, out, err);
}

int metrics_tok_measure_only(const tokenizer *t, const corpus *c, size_t li,
                             const metrics_words *mw, const unsigned char *only,
                             metrics_tok **out, tb_error *err)
{
    *out = NULL;
    size_t n = corpus_n_segments(c);
    metrics_tok *m = tb_calloc(1, sizeof *m, err);
    if (!m)
        return TB_EINPUT;
    m->t = t;
    m->lang = corpus_lang(c, li);
    m->n_segments = n;
    m->vocab = tokenizer_vocab_size(t);
    m->has_offsets = tokenizer_has_offsets(t);
    m->decodes = tokenizer_can_decode(t);
    m->segs = tb_calloc(n, sizeof *m->segs, err);
    m->first = tb_calloc(n + 1, sizeof *m->first, err);
    size_t all_cap = 1 << 16, all_n = 0;
    m->ids = tb_malloc(all_cap * sizeof *m->ids, err);
    if (!m->segs || !m->first || !m->ids) {
        metrics_tok_free(m);
        return TB_EINPUT;
    }
    m->counted = m->vocab <= MAX_COUNTED_VOCAB;
    size_t cap = 4096;
    uint32_t *ids = tb_malloc(cap * sizeof *ids, err);
    uint32_t *offs = tb_malloc(cap * sizeof *offs, err);
    size_t dcap = 1 << 16;
    char *dec = m->decodes ? tb_malloc(dcap, err) : NULL;
    int rc = (ids && offs && (dec || !m->decodes)) ? TB_OK : TB_EINPUT;
    for (size_t s = 0; s < n && rc == TB_OK; s++) {
        size_t len, nt;
        if (only && !only[s]) {
            m->segs[s].rt_exact = 1; /* empty: decodes to itself */
            m->first[s] = m->first[s + 1] = all_n;
            continue;
        }
        const char *text = corpus_segment(c, li, s, &len);
        uint32_t *want_offs = m->has_offsets ? offs : NULL;
        rc = tokenizer_encode(t, text, len, ids, want_offs, cap, &nt, err);
        if (rc == TB_OK && nt > cap) {
            while (cap < nt)
                cap *= 2;
            uint32_t *ni = tb_realloc(ids, cap * sizeof *ni, err);
            if (ni)
                ids = ni;
            uint32_t *no = ni ? tb_realloc(offs, cap * sizeof *no, err) : NULL;
            if (no)
                offs = no;
            rc = (ni && no) ? tokenizer_encode(t, text, len, ids, m->has_offsets ? offs : NULL,
                                               cap, &nt, err)
                            : TB_EINPUT;
        }
        if (rc != TB_OK) {
            tb_wrap(err, "corpus '%s': %s.txt:%zu: tokenizer '%s': ", corpus_name(c), m->lang,
                    s + 1, tokenizer_name(t));
            break;
        }
        if (all_n + nt > all_cap) {
            while (all_n + nt > all_cap)
                all_cap *= 2;
            uint32_t *na = tb_realloc(m->ids, all_cap * sizeof *na, err);
            if (!na) {
                rc = TB_EINPUT;
                break;
            }
            m->ids = na;
        }
        memcpy(m->ids + all_n, ids, nt * sizeof *ids);
        m->first[s] = all_n;
        all_n += nt;
        m->first[s + 1] = all_n;
        struct seg *sg = &m->segs[s];
        sg->bytes = (uint32_t)len;
        sg->chars = (uint32_t)utf8_count(text, len);
        sg->words = (uint32_t)(mw->first[s + 1] - mw->first[s]);
        sg->tokens = (uint32_t)nt;
        if (m->has_offsets)
            sg->continued = count_continued(mw->spans + mw->first[s], sg->words, offs, nt, len);
        for (size_t i = 0; i < nt; i++) {
            if (ids[i] >= m->vocab) {
                rc = tb_fail(err, TB_EINPUT,
                             "corpus '%s': %s.txt:%zu: tokenizer '%s' produced id %u outside its "
                             "vocabulary of %zu",
                             corpus_name(c), m->lang, s + 1, tokenizer_name(t), ids[i], m->vocab);
                break;
            }
            sg->fallback += (uint32_t)tokenizer_is_fallback(t, ids[i]);
        }
        if (rc == TB_OK && m->decodes)
            rc = roundtrip(t, text, len, ids, nt, &dec, &dcap, sg, err);
        if (rc != TB_OK && m->decodes)
            tb_wrap(err, "corpus '%s': %s.txt:%zu: tokenizer '%s': decode: ", corpus_name(c),
                    m->lang, s + 1, tokenizer_name(t));
    }
    free(ids);
    free(offs);
    free(dec);
    if (rc != TB_OK) {
        metrics_tok_free(m);
        return rc;
    }
    *out = m;
    return TB_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int metrics_stats_emit(metrics_stats *st, const char *cname, const char *split,
                       const char *lang, const char *tok, results *r, tb_error *err)
{
    uint64_t segs = st->segs, bytes = st->bytes, chars = st->chars, nwords = st->words,
             tokens = st->tokens, cont = st->continued, fb = st->fallback,
             en_tokens = st->en_tokens, en_bytes = st->en_bytes;
    int en = st->has_en;
    size_t n_ratio = st->n_ratio;
    struct {
        const char *metric;
        double value;
        const char *unit;
        int present;
    } rows[] = {
        {"segments", (double)segs, "segments", 1},
        {"bytes", (double)bytes, "bytes", 1},
        {"chars", (double)chars, "chars", 1},
        {"words", (double)nwords, "words", 1},
        {"tokens", (double)tokens, "tokens", 1},
        {"bytes_per_token", tokens ? (double)bytes / tokens : 0, "bytes/token", tokens > 0},
        {"chars_per_token", tokens ? (double)chars / tokens : 0, "chars/token", tokens > 0},
        {"fertility", nwords ? (double)tokens / nwords : 0, "tokens/word", nwords > 0},
        {"parity", en_tokens ? (double)tokens / en_tokens : 0, "ratio", en && en_tokens > 0},
        {"parity_median", 0, "ratio", en && n_ratio > 0},
        {"continued_words", nwords ? (double)cont / nwords : 0, "share",
         nwords > 0 && st->has_offsets},
        {"vocab_size", (double)st->vocab, "types", 1},
        {"vocab_used", 0, "types", st->counts != NULL},
        {"unk_rate", tokens ? (double)fb / tokens : 0, "share", tokens > 0},
        {"renyi_efficiency", 0, "ratio", st->counts && tokens > 0 && st->vocab > 1},
        {"roundtrip_exact", segs ? (double)st->rt_exact / segs : 0, "share",
         st->decodes && segs > 0},
        {"roundtrip_char_loss", chars ? (double)st->rt_edits / chars : 0, "share",
         st->decodes && chars > 0},
        {"byte_premium", en_bytes ? (double)bytes / en_bytes : 0, "ratio", en && en_bytes > 0},
    };
    enum { N_ROWS = sizeof rows / sizeof rows[0] };
    if (en && n_ratio > 0) {
        double *ratios = st->ratios;
        qsort(ratios, n_ratio, sizeof *ratios, cmp_double);
        rows[9].value = n_ratio % 2 ? ratios[n_ratio / 2]
                                    : 0.5 * (ratios[n_ratio / 2 - 1] + ratios[n_ratio / 2]);
    }
    if (st->counts) {
        const uint64_t *cnt = st->counts;
        uint64_t used = 0;
        double sum_pa = 0.0;
        const double alpha = 2.5;
        for (size_t i = 0; i < st->vocab; i++) {
            if (!cnt[i])
                continue;
            used++;
            sum_pa += pow((double)cnt[i] / (double)tokens, alpha);
        }
        rows[12].value = (double)used;
        if (tokens > 0 && st->vocab > 1)
            rows[14].value = (log2(sum_pa) / (1.0 - alpha)) / log2((double)st->vocab);
    }
    for (int i = 0; i < N_ROWS; i++)
        if (rows[i].present &&
            results_add(r, cname, split, lang, tok, rows[i].metric, rows[i].value, rows[i].unit,
                        err))
            return TB_EINPUT;
    return TB_OK;
}

int metrics_tok_emit(const metrics_tok *m, const metrics_tok *en, const corpus *c,
                     enum corpus_split split, results *r, tb_error *err)
{
    metrics_stats st = {.has_en = en != NULL, .vocab = m->vocab, .has_offsets = m->has_offsets,
                        .decodes = m->decodes};
    st.ratios = en ? tb_malloc((m->n_segments ? m->n_segments : 1) * sizeof *st.ratios, err)
                   : NULL;
    if (en && !st.ratios)
        return TB_EINPUT;
    for (size_t s = 0; s < m->n_segments; s++) {
        if (!corpus_in_split(c, s, split))
            continue;
        const struct seg *sg = &m->segs[s];
        st.segs++;
        st.bytes += sg->bytes;
        st.chars += sg->chars;
        st.words += sg->words;
        st.tokens += sg->tokens;
        st.continued += sg->continued;
        st.fallback += sg->fallback;
        st.rt_exact += sg->rt_exact;
        st.rt_edits += sg->rt_edits;
        if (en) {
            st.en_tokens += en->segs[s].tokens;
            st.en_bytes += en->segs[s].bytes;
            if (en->segs[s].tokens)
                st.ratios[st.n_ratio++] = (double)sg->tokens / en->segs[s].tokens;
        }
    }
    uint64_t *cnt = m->counted ? tb_calloc(m->vocab ? m->vocab : 1, sizeof *cnt, err) : NULL;
    if (m->counted && !cnt) {
        free(st.ratios);
        return TB_EINPUT;
    }
    for (size_t s = 0; cnt && s < m->n_segments; s++)
        if (corpus_in_split(c, s, split))
            for (size_t i = m->first[s]; i < m->first[s + 1]; i++)
                cnt[m->ids[i]]++;
    st.counts = cnt;
    int rc = metrics_stats_emit(&st, corpus_name(c), corpus_split_name(split), m->lang,
                                tokenizer_name(m->t), r, err);
    free(cnt);
    free(st.ratios);
    return rc;
}

int metrics_time_encode(const tokenizer *t, const corpus *c, size_t li, enum corpus_split split,
                        double *mb_per_s, tb_error *err)
{
    uint64_t bytes;
    double med;
    int rc = metrics_time_encode_only(t, c, li, split, NULL, &bytes, &med, err);
    if (rc == TB_OK)
        *mb_per_s = med > 0 ? (double)bytes / 1e6 / med : 0.0;
    return rc;
}

int metrics_time_encode_only(const tokenizer *t, const corpus *c, size_t li,
                             enum corpus_split split, const unsigned char *only,
                             uint64_t *bytes_out, double *seconds, tb_error *err)
{
    size_t cap = 1 << 16;
    uint32_t *ids = tb_malloc(cap * sizeof *ids, err);
    if (!ids)
        return TB_EINPUT;
    double times[64];
    int runs = 0;
    uint64_t bytes = 0;
    double started = tb_now();
    /* At least 3 passes; more (up to 64) while the total stays under 0.3 s. */
    while (runs < 3 || (runs < 64 && tb_now() - started < 0.3)) {
        bytes = 0;
        double t0 = tb_now();
        for (size_t s = 0; s < corpus_n_segments(c); s++) {
            if (!corpus_in_split(c, s, split) || (only && !only[s]))
                continue;
            size_t len, nt;
            const char *text = corpus_segment(c, li, s, &len);
            if (tokenizer_encode(t, text, len, ids, NULL, cap, &nt, err)) {
                free(ids);
                return TB_EINPUT;
            }
            if (nt > cap) {
                while (cap < nt)
                    cap *= 2;
                uint32_t *ni = tb_realloc(ids, cap * sizeof *ni, err);
                if (!ni) {
                    free(ids);
                    return TB_EINPUT;
                }
                ids = ni;
            }
            bytes += len;
        }
        times[runs++] = tb_now() - t0;
    }
    free(ids);
    *bytes_out = bytes;
    *seconds = tb_median(times, runs);
    return TB_OK;
}

int metrics_emit_encode_speed(const tokenizer *t, const corpus *c, size_t li,
                              enum corpus_split split, results *r, tb_error *err)
{
    double mbps;
    int rc = metrics_time_encode(t, c, li, split, &mbps, err);
    return rc ? rc
              : results_add(r, corpus_name(c), corpus_split_name(split), corpus_lang(c, li),
                            tokenizer_name(t), "encode_mb_per_s", mbps, "MB/s", err);
}

int metrics_emit_s_train(const tokenizer *t, const corpus *c, size_t li, double s_train,
                         results *r, tb_error *err)
{
    if (!(s_train > 0))
        return TB_OK;
    return results_add(r, corpus_name(c), corpus_split_name(CORPUS_TRAIN), corpus_lang(c, li),
                       tokenizer_name(t), "s_train", s_train, "s", err);
}

int metrics_tok_write_partial(const metrics_tok *m, const corpus *c, int emit,
                              const unsigned char *only, FILE *f, tb_error *err)
{
    fprintf(f, "V\t%s\t%s\t%zu\t%d\t%d\t%d\t%d\n", tokenizer_name(m->t), m->lang, m->vocab,
            m->counted, m->has_offsets, emit, m->decodes);
    for (size_t s = 0; s < m->n_segments; s++) {
        if (only && !only[s])
            continue;
        const struct seg *g = &m->segs[s];
        fprintf(f, "S\t%zu\t%d\t%u\t%u\t%u\t%u\t%u\t%u", s,
                corpus_in_split(c, s, CORPUS_TEST) ? 1 : 0, g->bytes, g->chars, g->words,
                g->tokens, g->continued, g->fallback);
        if (m->decodes)
            fprintf(f, "\t%u\t%u", g->rt_exact, g->rt_edits);
        fputc('\n', f);
    }
    if (m->counted && emit) {
        uint64_t *cnt = tb_calloc(2 * (m->vocab ? m->vocab : 1), sizeof *cnt, err);
        if (!cnt)
            return TB_EINPUT;
        for (size_t s = 0; s < m->n_segments; s++) {
            size_t half = corpus_in_split(c, s, CORPUS_TEST) ? m->vocab : 0;
            for (size_t i = m->first[s]; i < m->first[s + 1]; i++)
                cnt[half + m->ids[i]]++;
        }
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; i < m->vocab; i++)
                if (cnt[k * m->vocab + i])
                    fprintf(f, "H\t%d\t%zu\t%llu\n", k, i,
                            (unsigned long long)cnt[k * m->vocab + i]);
        free(cnt);
    }
    return ferror(f) ? tb_fail(err, TB_EINPUT, "writing the partial: write error") : TB_OK;
}
