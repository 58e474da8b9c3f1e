/* bpe_train.c - byte-level BPE training (bpe_train.h has the algorithm and
 * the tie-breaks; the model file is bpe_model.c's). */
#include "bpe_train.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/timer.h"
#include "../common/strset.h"
#include "../common/utf8.h"
#include "../corpora/corpus.h"
#include "pretok.h"

/* ---- splitters ------------------------------------------------------- */

int bpe_split_none(const void *arg, const char *text, size_t len, bpe_emit_fn emit, void *sink,
                   tb_error *err)
{
    (void)arg;
    return len ? emit(sink, text, len, err) : TB_OK;
}

int bpe_split_spaces(const void *arg, const char *text, size_t len, bpe_emit_fn emit,
                     void *sink, tb_error *err)
{
    (void)arg;
    size_t start = 0;
    for (size_t i = 1; i <= len; i++) {
        if (i == len || text[i] == ' ') {
            int rc = emit(sink, text + start, i - start, err);
            if (rc)
                return rc;
            start = i;
        }
    }
    return TB_OK;
}

struct pretok_sink {
    const char *text;
    bpe_emit_fn emit;
    void *sink;
    tb_error *err;
    int rc;
};

static int pretok_piece(void *arg, size_t start, size_t end)
{
    struct pretok_sink *ps = arg;
    ps->rc = ps->emit(ps->sink, ps->text + start, end - start, ps->err);
    return ps->rc;
}

int bpe_split_pretok(const void *arg, const char *text, size_t len, bpe_emit_fn emit,
                     void *sink, tb_error *err)
{
    struct pretok_sink ps = {text, emit, sink, err, TB_OK};
    int rc = pretok_split(arg, text, len, pretok_piece, &ps, err);
    return ps.rc ? ps.rc : rc;
}

/* Distinct pieces with counts: a strset (common/strset.h). */

/* ---- the trainer ------------------------------------------------------- */

struct bpe_trainer {
    size_t target;              /* requested vocabulary size */
    bpe_split_fn split;
    const void *split_arg;
    char pretok[64];
    strset pieces;              /* distinct pieces with counts */
    bpe_train_stats st;
    int trained;
    /* vocabulary: token k is tok_bytes[tok_off[k]..tok_off[k+1]); for k >=
     * 256 it merges tok_l[k - 256] and tok_r[k - 256] */
    uint8_t *tok_bytes;
    size_t n_tok_bytes, cap_tok_bytes;
    size_t *tok_off;            /* cap_tok + 1 */
    uint32_t *tok_l, *tok_r;    /* cap_tok - 256 */
    size_t n_tok, cap_tok;
    /* ck_s[k]: seconds from the start of bpe_trainer_train until the
     * vocabulary had (k + 1) * BPE_TRAIN_TIME_STEP entries (the steps at or
     * above 257 that were reached; entries below 257 are 0). */
    double *ck_s;
    size_t n_ck, cap_ck;
};

int bpe_trainer_new(const bpe_train_config *cfg, bpe_trainer **out, tb_error *err)
{
    *out = NULL;
    if (cfg->vocab_size < BPE_TRAIN_MIN_VOCAB || cfg->vocab_size > BPE_TRAIN_MAX_VOCAB)
        return tb_fail(err, TB_EINPUT,
                       "bpe train: vocabulary size %zu out of range (%d..%d, including the 256 "
                       "bytes)",
                       cfg->vocab_size, BPE_TRAIN_MIN_VOCAB, BPE_TRAIN_MAX_VOCAB);
    const char *pre = cfg->pretok ? cfg->pretok : "none";
    if (!bpe_model_preset_name_ok(pre))
        return tb_fail(err, TB_EINPUT,
                       "bpe train: pre-tokenizer name '%s' is not 1-63 characters of "
                       "[A-Za-z0-9_.-]",
                       pre);
    bpe_trainer *t = tb_calloc(1, sizeof *t, err);
    if (!t)
        return TB_EINPUT;
    t->target = cfg->vocab_size;
    t->split = cfg->split ? cfg->split : bpe_split_none;
    t->split_arg = cfg->split_arg;
    snprintf(t->pretok, sizeof t->pretok, "%s", pre);
    strset_init(&t->pieces, "bpe train: piece");
    *out = t;
    return TB_OK;
}

void bpe_trainer_free(bpe_trainer *t)
{
    if (!t)
        return;
    strset_release(&t->pieces);
    free(t->tok_bytes);
    free(t->tok_off);
    free(t->tok_l);
    free(t->tok_r);
    free(t->ck_s);
    free(t);
}

static int count_piece(void *sink, const char *piece, size_t n, tb_error *err)
{
    bpe_trainer *t = sink;
    if (n == 0)
        return TB_OK;
    t->st.pieces++;
    return strset_add(&t->pieces, piece, n, 1, 0, err);
}

int bpe_trainer_add_text(bpe_trainer *t, const char *text, size_t len, tb_error *err)
{
    if (t->trained)
        return tb_fail(err, TB_EUSAGE, "bpe train: text added after training");
    size_t bad;
    if (!utf8_valid(text, len, &bad))
        return tb_fail(err, TB_EINPUT, "invalid UTF-8 at byte %zu", bad + 1);
    t->st.texts++;
    t->st.bytes += len;
    return t->split(t->split_arg, text, len, count_piece, t, err);
}

int bpe_trainer_add_piece(bpe_trainer *t, const char *piece, size_t len, uint64_t count,
                          tb_error *err)
{
    if (t->trained)
        return tb_fail(err, TB_EUSAGE, "bpe train: piece added after training");
    if (len == 0 || count == 0)
        return TB_OK;
    t->st.pieces += count;
    return strset_add(&t->pieces, piece, len, count, 0, err);
}

int bpe_trainer_add_corpus(bpe_trainer *t, const corpus *c, int lang, tb_error *err)
{
    size_t nl = corpus_n_langs(c);
    if (lang < -1 || (lang >= 0 && (size_t)lang >= nl))
        return tb_fail(err, TB_EINPUT, "bpe train: language index %d out of range (corpus '%s' "
                       "has %zu languages)", lang, corpus_name(c), nl);
    size_t l0 = lang < 0 ? 0 : (size_t)lang, l1 = lang < 0 ? nl : (size_t)lang + 1;
    size_t nseg = corpus_n_segments(c);
    double t0 = tb_now();
    for (size_t seg = 0; seg < nseg; seg++) {
        if (!corpus_in_split(c, seg, CORPUS_TRAIN))
            continue;
        for (size_t li = l0; li < l1; li++) {
            size_t len;
            const char *s = corpus_segment(c, li, seg, &len);
            int rc = bpe_trainer_add_text(t, s, len, err);
            if (rc)
                return tb_wrap(err, "corpus '%s': %s.txt: line %zu: ", corpus_name(c),
                               corpus_lang(c, li), seg + 1);
        }
    }
    t->st.s_count += tb_now() - t0;
    return TB_OK;
}

int bpe_trainer_add_file(bpe_trainer *t, const char *path, tb_error *err)
{
    char *data;
    size_t len;
    double t0 = tb_now();
    if (tb_read_file(path, &data, &len, err))
        return TB_EINPUT;
    size_t line = 1;
    int rc = TB_OK;
    for (size_t i = 0; i < len && rc == TB_OK; line++) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - data) : len;
        if ((rc = bpe_trainer_add_text(t, data + i, e - i, err)) != TB_OK)
            tb_wrap(err, "bpe train: '%s': line %zu: ", path, line);
        i = e + 1;
    }
    free(data);
    t->st.s_count += tb_now() - t0;
    return rc;
}

/* ---- merging ------------------------------------------------------------ */

/* A pair of adjacent symbols. w lists the words it occurred in when it was
 * created or gained count (no adjacent duplicates; may be stale: a word may
 * no longer contain the pair). Lists of pairs that can no longer be merged
 * (count < 2 after their creation step: counts only ever fall afterwards)
 * are freed. */
struct pair {
    uint64_t key;       /* left << 32 | right */
    int64_t count;      /* weighted occurrences */
    uint32_t *w;
    uint32_t nw, capw;
    uint32_t stamp;     /* last merge step that touched it (0 = none) */
};

struct heap_item {
    int64_t count;
    uint32_t l, r;
};

struct merger {
    /* words: symbols of word k are sym[w_off[k] .. w_off[k] + w_len[k]) */
    uint32_t *sym;
    size_t *w_off;
    uint32_t *w_len;
    uint64_t *w_cnt;
    uint32_t *w_seen;   /* last merge step that visited the word */
    size_t n_words;
    /* pair table: open addressing over pair index + 1 */
    struct pair *p;
    size_t n_pairs, cap_pairs;
    uint32_t *slot;
    unsigned bits;      /* table has 1 << bits slots */
    /* heap */
    struct heap_item *h;
    size_t n_heap, cap_heap;
    /* pairs created or grown in the current step */
    uint32_t *touched;
    size_t n_touched, cap_touched;
};

static size_t pair_slot0(uint64_t key, unsigned bits)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> (64 - bits));
}

static void merger_release(struct merger *m)
{
    free(m->sym);
    free(m->w_off);
    free(m->w_len);
    free(m->w_cnt);
    free(m->w_seen);
    for (size_t k = 0; k < m->n_pairs; k++)
        free(m->p[k].w);
    free(m->p);
    free(m->slot);
    free(m->h);
    free(m->touched);
    memset(m, 0, sizeof *m);
}

static long pair_find(const struct merger *m, uint64_t key)
{
    size_t mask = ((size_t)1 << m->bits) - 1;
    for (size_t i = pair_slot0(key, m->bits);; i = (i + 1) & mask) {
        uint32_t v = m->slot[i];
        if (v == 0)
            return -1;
        if (m->p[v - 1].key == key)
            return (long)(v - 1);
    }
}

static int pair_grow(struct merger *m, tb_error *err)
{
    unsigned nb = m->bits ? m->bits + 1 : 16;
    size_t ns = (size_t)1 << nb, mask = ns - 1;
    uint32_t *slot = tb_calloc(ns, sizeof *slot, err);
    if (!slot)
        return TB_EINPUT;
    for (size_t k = 0; k < m->n_pairs; k++) {
        size_t i = pair_slot0(m->p[k].key, nb);
        while (slot[i])
            i = (i + 1) & mask;
        slot[i] = (uint32_t)(k + 1);
    }
    free(m->slot);
    m->slot = slot;
    m->bits = nb;
    return TB_OK;
}

/* Index of the pair, created with count 0 when new; -1 on out of memory. */
static long pair_get(struct merger *m, uint64_t key, tb_error *err)
{
    if (m->bits && m->n_pairs + 1 <= ((size_t)1 << m->bits) / 2) {
        long k = pair_find(m, key);
        if (k >= 0)
            return k;
    } else {
        if (pair_grow(m, err))
            return -1;
        long k = pair_find(m, key);
        if (k >= 0)
            return k;
    }
    if (m->n_pairs >= UINT32_MAX - 1) {
        tb_fail(err, TB_EINPUT, "bpe train: too many distinct pairs");
        return -1;
    }
    if (m->n_pairs == m->cap_pairs) {
        size_t nc = m->cap_pairs ? m->cap_pairs * 2 : 4096;
        struct pair *np = tb_realloc(m->p, nc * sizeof *np, err);
        if (!np)
            return -1;
        m->p = np;
        m->cap_pairs = nc;
    }
    size_t mask = ((size_t)1 << m->bits) - 1;
    size_t i = pair_slot0(key, m->bits);
    while (m->slot[i])
        i = (i + 1) & mask;
    m->slot[i] = (uint32_t)(m->n_pairs + 1);
    m->p[m->n_pairs] = (struct pair){.key = key};
    return (long)m->n_pairs++;
}

static int pair_add_word(struct pair *p, uint32_t w, tb_error *err)
{
    if (p->nw && p->w[p->nw - 1] == w)
        return TB_OK;
    if (p->nw == p->capw) {
        uint32_t nc = p->capw ? p->capw * 2 : 2;
        if (p->capw > UINT32_MAX / 2)
            return tb_fail(err, TB_EINPUT, "bpe train: pair index too large");
        uint32_t *nw = tb_realloc(p->w, nc * sizeof *nw, err);
        if (!nw)
            return TB_EINPUT;
        p->w = nw;
        p->capw = nc;
    }
    p->w[p->nw++] = w;
    return TB_OK;
}

/* a ranks above b: higher count, then lower left id, then lower right id. */
static int heap_better(const struct heap_item *a, const struct heap_item *b)
{
    if (a->count != b->count)
        return a->count > b->count;
    if (a->l != b->l)
        return a->l < b->l;
    return a->r < b->r;
}

static int heap_push(struct merger *m, struct heap_item it, tb_error *err)
{
    if (m->n_heap == m->cap_heap) {
        size_t nc = m->cap_heap ? m->cap_heap * 2 : 4096;
        struct heap_item *nh = tb_realloc(m->h, nc * sizeof *nh, err);
        if (!nh)
            return TB_EINPUT;
        m->h = nh;
        m->cap_heap = nc;
    }
    size_t i = m->n_heap++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!heap_better(&it, &m->h[up]))
            break;
        m->h[i] = m->h[up];
        i = up;
    }
    m->h[i] = it;
    return TB_OK;
}

static struct heap_item heap_pop(struct merger *m)
{
    struct heap_item top = m->h[0], last = m->h[--m->n_heap];
    size_t i = 0, n = m->n_heap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && heap_better(&m->h[c + 1], &m->h[c]))
            c++;
        if (!heap_better(&m->h[c], &last))
            break;
        m->h[i] = m->h[c];
        i = c;
    }
    if (n)
        m->h[i] = last;
    return top;
}

static uint64_t pair_key(uint32_t l, uint32_t r)
{
    return (uint64_t)l << 32 | r;
}

static void pair_dec(struct merger *m, uint32_t l, uint32_t r, uint64_t c)
{
    long k = pair_find(m, pair_key(l, r));
    if (k >= 0)
        m->p[k].count -= (int64_t)c;
}

static int pair_inc(struct merger *m, uint32_t l, uint32_t r, uint32_t w, uint64_t c,
                    uint32_t step, tb_error *err)
{
    long k = pair_get(m, pair_key(l, r), err);
    if (k < 0)
        return TB_EINPUT;
    struct pair *p = &m->p[k];
    p->count += (int64_t)c;
    if (pair_add_word(p, w, err))
        return TB_EINPUT;
    if (p->stamp != step) {
        p->stamp = step;
        if (m->n_touched == m->cap_touched) {
            size_t nc = m->cap_touched ? m->cap_touched * 2 : 1024;
            uint32_t *nt = tb_realloc(m->touched, nc * sizeof *nt, err);
            if (!nt)
                return TB_EINPUT;
            m->touched = nt;
            m->cap_touched = nc;
        }
        m->touched[m->n_touched++] = (uint32_t)k;
    }
    return TB_OK;
}

/* Merges every (a, b) in word w into x, left to right, updating the counts
 * of the neighbouring pairs. */
static int merge_word(struct merger *m, uint32_t w, uint32_t a, uint32_t b, uint32_t x,
                      uint32_t step, tb_error *err)
{
    uint32_t *s = m->sym + m->w_off[w];
    uint32_t n = m->w_len[w], o = 0;
    uint64_t c = m->w_cnt[w];
    for (uint32_t i = 0; i < n;) {
        if (i + 1 < n && s[i] == a && s[i + 1] == b) {
            if (o > 0) {
                pair_dec(m, s[o - 1], a, c);
                if (pair_inc(m, s[o - 1], x, w, c, step, err))
                    return TB_EINPUT;
            }
            if (i + 2 < n) {
                pair_dec(m, b, s[i + 2], c);
                if (pair_inc(m, x, s[i + 2], w, c, step, err))
                    return TB_EINPUT;
            }
            s[o++] = x;
            i += 2;
        } else {
            s[o++] = s[i++];
        }
    }
    m->w_len[w] = o;
    return TB_OK;
}

static int tok_reserve(bpe_trainer *t, size_t n_tok, size_t n_bytes, tb_error *err)
{
    if (n_tok > t->cap_tok) {
        size_t nc = t->cap_tok ? t->cap_tok : 1024;
        while (nc < n_tok)
            nc *= 2;
        size_t *no = tb_realloc(t->tok_off, (nc + 1) * sizeof *no, err);
        if (!no)
            return TB_EINPUT;
        t->tok_off = no;
        uint32_t *nl = tb_realloc(t->tok_l, (nc - 256) * sizeof *nl, err);
        if (!nl)
            return TB_EINPUT;
        t->tok_l = nl;
        uint32_t *nr = tb_realloc(t->tok_r, (nc - 256) * sizeof *nr, err);
        if (!nr)
            return TB_EINPUT;
        t->tok_r = nr;
        t->cap_tok = nc;
    }
    if (n_bytes > t->cap_tok_bytes) {
        size_t nc = t->cap_tok_bytes ? t->cap_tok_bytes : 4096;
        while (nc < n_bytes)
            nc *= 2;
        uint8_t *nb = tb_realloc(t->tok_bytes, nc, err);
        if (!nb)
            return TB_EINPUT;
        t->tok_bytes = nb;
        t->cap_tok_bytes = nc;
    }
    return TB_OK;
}

/* Appends token l+r; returns its id via *x. */
static int tok_add_merge(bpe_trainer *t, uint32_t l, uint32_t r, uint32_t *x, tb_error *err)
{
    size_t ll = t->tok_off[l + 1] - t->tok_off[l], lr = t->tok_off[r + 1] - t->tok_off[r];
    if (tok_reserve(t, t->n_tok + 1, t->n_tok_bytes + ll + lr, err))
        return TB_EINPUT;
    uint8_t *d = t->tok_bytes + t->n_tok_bytes;
    memcpy(d, t->tok_bytes + t->tok_off[l], ll);
    memcpy(d + ll, t->tok_bytes + t->tok_off[r], lr);
    t->n_tok_bytes += ll + lr;
    t->tok_l[t->n_tok - 256] = l;
    t->tok_r[t->n_tok - 256] = r;
    *x = (uint32_t)t->n_tok++;
    t->tok_off[t->n_tok] = t->n_tok_bytes;
    return TB_OK;
}

/* Records the training time of the vocabulary just reached (a multiple of
 * BPE_TRAIN_TIME_STEP), filling the steps below 257 with 0. */
static int ck_add(bpe_trainer *t, double s, tb_error *err)
{
    size_t want = t->n_tok / BPE_TRAIN_TIME_STEP;
    if (want > t->cap_ck) {
        size_t nc = t->cap_ck ? t->cap_ck * 2 : 64;
        while (nc < want)
            nc *= 2;
        double *nk = tb_realloc(t->ck_s, nc * sizeof *nk, err);
        if (!nk)
            return TB_EINPUT;
        t->ck_s = nk;
        t->cap_ck = nc;
    }
    while (t->n_ck + 1 < want)
        t->ck_s[t->n_ck++] = 0.0;
    t->ck_s[t->n_ck++] = s;
    return TB_OK;
}

/* Builds the words and the initial pair table and heap from the pieces. */
static int merger_init(struct merger *m, const strset *ps, tb_error *err)
{
    memset(m, 0, sizeof *m);
    size_t nw = 0, nsym = 0;
    for (size_t k = 0; k < ps->n; k++)
        if (ps->e[k].len >= 2) {
            nw++;
            nsym += ps->e[k].len;
        }
    size_t nwa = nw ? nw : 1;
    m->sym = tb_malloc((nsym ? nsym : 1) * sizeof *m->sym, err);
    m->w_off = tb_malloc(nwa * sizeof *m->w_off, err);
    m->w_len = tb_malloc(nwa * sizeof *m->w_len, err);
    m->w_cnt = tb_malloc(nwa * sizeof *m->w_cnt, err);
    m->w_seen = tb_calloc(nwa, sizeof *m->w_seen, err);
    if (!m->sym || !m->w_off || !m->w_len || !m->w_cnt || !m->w_seen)
        return TB_EINPUT;
    size_t off = 0;
    for (size_t k = 0; k < ps->n; k++) {
        const strset_entry *e = &ps->e[k];
        if (e->len < 2)
            continue;
        const uint8_t *b = (const uint8_t *)ps->bytes + e->off;
        size_t w = m->n_words++;
        m->w_off[w] = off;
        m->w_len[w] = e->len;
        m->w_cnt[w] = e->count;
        for (uint32_t i = 0; i < e->len; i++)
            m->sym[off + i] = b[i];
        for (uint32_t i = 0; i + 1 < e->len; i++) {
            long pk = pair_get(m, pair_key(b[i], b[i + 1]), err);
            if (pk < 0 || pair_add_word(&m->p[pk], (uint32_t)w, err))
                return TB_EINPUT;
            m->p[pk].count += (int64_t)e->count;
        }
        off += e->len;
    }
    for (size_t k = 0; k < m->n_pairs; k++) {
        struct pair *p = &m->p[k];
        if (p->count >= 2) {
            struct heap_item it = {p->count, (uint32_t)(p->key >> 32), (uint32_t)p->key};
            if (heap_push(m, it, err))
                return TB_EINPUT;
        } else {
            free(p->w);
            p->w = NULL;
            p->nw = p->capw = 0;
        }
    }
    return TB_OK;
}

int bpe_trainer_train(bpe_trainer *t, tb_error *err)
{
    if (t->trained)
        return tb_fail(err, TB_EUSAGE, "bpe train: already trained");
    if (t->st.pieces == 0)
        return tb_fail(err, TB_EINPUT, "bpe train: no text to train on (empty input)");
    t->trained = 1;
    double t0 = tb_now();
    if (tok_reserve(t, 256, 256, err))
        return TB_EINPUT;
    for (size_t k = 0; k < 256; k++) {
        t->tok_bytes[k] = (uint8_t)k;
        t->tok_off[k] = k;
    }
    t->tok_off[256] = 256;
    t->n_tok = 256;
    t->n_tok_bytes = 256;
    t->st.unique_pieces = t->pieces.n;

    struct merger m;
    int rc = merger_init(&m, &t->pieces, err);
    t->st.pairs = m.n_pairs;
    /* The pieces are copied into the words: their set is no longer needed. */
    strset_release(&t->pieces);
    uint32_t step = 0;
    while (rc == TB_OK && t->n_tok < t->target) {
        if (m.n_heap == 0) {
            t->st.stopped_early = 1;
            break;
        }
        struct heap_item top = heap_pop(&m);
        long pk = pair_find(&m, pair_key(top.l, top.r));
        if (pk < 0)
            continue;
        struct pair *p = &m.p[pk];
        if (p->count != top.count) {
            if (p->count >= 2) {
                top.count = p->count;
                rc = heap_push(&m, top, err);
            }
            continue;
        }
        uint32_t x;
        if ((rc = tok_add_merge(t, top.l, top.r, &x, err)) != TB_OK)
            break;
        if (t->n_tok % BPE_TRAIN_TIME_STEP == 0 && (rc = ck_add(t, tb_now() - t0, err)) != TB_OK)
            break;
        step++;
        uint32_t *list = p->w, nl = p->nw;
        p->w = NULL;
        p->nw = p->capw = 0;
        m.n_touched = 0;
        for (uint32_t i = 0; i < nl && rc == TB_OK; i++) {
            uint32_t w = list[i];
            if (m.w_seen[w] == step)
                continue;
            m.w_seen[w] = step;
            rc = merge_word(&m, w, top.l, top.r, x, step, err);
        }
        free(list);
        /* pair_inc may have moved m.p: index again. */
        m.p[pk].count = 0;
        for (size_t i = 0; i < m.n_touched && rc == TB_OK; i++) {
            struct pair *q = &m.p[m.touched[i]];
            if (q->count >= 2) {
                struct heap_item it = {q->count, (uint32_t)(q->key >> 32), (uint32_t)q->key};
                rc = heap_push(&m, it, err);
            } else {
                free(q->w);
                q->w = NULL;
                q->nw = q->capw = 0;
            }
        }
    }
    merger_release(&m);
    t->st.vocab = t->n_tok;
    t->st.s_merge = tb_now() - t0;
    return rc;
}

void bpe_trainer_stats(const bpe_trainer *t, bpe_train_stats *out)
{
    *out = t->st;
    if (!t->trained)
        out->unique_pieces = t->pieces.n;
}

size_t bpe_trainer_vocab_size(const bpe_trainer *t)
{
    return t->n_tok;
}

const uint8_t *bpe_trainer_token(const bpe_trainer *t, uint32_t id, size_t *len)
{
    *len = t->tok_off[id + 1] - t->tok_off[id];
    return t->tok_bytes + t->tok_off[id];
}

int bpe_trainer_merge(const bpe_trainer *t, uint32_t id, uint32_t *left, uint32_t *right)
{
    if (id < 256 || id >= t->n_tok)
        return -1;
    *left = t->tok_l[id - 256];
    *right = t->tok_r[id - 256];
    return 0;
}

size_t bpe_trainer_step_times(const bpe_trainer *t, const double **s)
{
    *s = t->ck_s;
    return t->n_ck;
}

int bpe_trainer_save(const bpe_trainer *t, const char *path, tb_error *err)
{
    if (!t->trained)
        return tb_fail(err, TB_EUSAGE, "bpe train: save before training");
    const uint8_t **tok = tb_malloc(t->n_tok * sizeof *tok, err);
    size_t *len = tb_malloc(t->n_tok * sizeof *len, err);
    int rc = tok && len ? TB_OK : TB_EINPUT;
    for (size_t k = 0; rc == TB_OK && k < t->n_tok; k++)
        tok[k] = bpe_trainer_token(t, (uint32_t)k, &len[k]);
    if (rc == TB_OK)
        rc = bpe_model_write(path, t->pretok, tok, len, t->n_tok, err);
    free(tok);
    free(len);
    return rc;
}
