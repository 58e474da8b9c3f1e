/* bpe_train.c - byte-level BPE training and the model file (bpe_train.h has
 * the algorithm, the tie-breaks and the file format). */
#include "bpe_train.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/afile.h"
#include "../common/timer.h"
#include "../common/strset.h"
#include "../common/utf8.h"
#include "../corpora/corpus.h"
#include "bpe.h"
#include "pretok.h"
#include "tokenizer_impl.h"

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

static int valid_preset_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

int bpe_trainer_new(const bpe_train_config *cfg, bpe_trainer **out, tb_error *err)
{
    *out = NULL;
    if (cfg->vocab_size < BPE_TRAIN_MIN_VOCAB || cfg->vocab_size > BPE_TRAIN_MAX_VOCAB)
        return tb_fail(err, TB_EINPUT,
                       "bpe train: vocabulary size %zu out of range (%d..%d, including the 256 "
                       "bytes)",
                       cfg->vocab_size, BPE_TRAIN_MIN_VOCAB, BPE_TRAIN_MAX_VOCAB);
    const char *pre = cfg->pretok ? cfg->pretok : "none";
    if (!valid_preset_name(pre))
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

int bpe_trainer_save(const bpe_trainer *t, const char *path, tb_error *err)
{
    if (!t->trained)
        return tb_fail(err, TB_EUSAGE, "bpe train: save before training");
    static const char hex[] = "0123456789abcdef";
    afile af;
    if (afile_open(&af, path, err))
        return TB_EINPUT;
    fprintf(af.fp, "tokbench-bpe 1\npretok %s\nvocab %zu\n", t->pretok, t->n_tok);
    for (size_t k = 0; k < t->n_tok; k++) {
        fprintf(af.fp, "%zu ", k);
        for (size_t i = t->tok_off[k]; i < t->tok_off[k + 1]; i++) {
            uint8_t b = t->tok_bytes[i];
            putc(hex[b >> 4], af.fp);
            putc(hex[b & 15], af.fp);
        }
        putc('\n', af.fp);
    }
    return afile_commit(&af, err);
}

/* ---- reading a model file --------------------------------------------- */

#define POLY_P 0x100000001b3ULL

/* Polynomial hash of s: fold h = h * P + s[i] + 1 (mod 2^64), so the hash of
 * a substring follows from prefix hashes. */
static uint64_t poly_hash(const uint8_t *s, size_t n)
{
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * POLY_P + s[i] + 1;
    return h;
}

struct tokset {
    const bpe_model_data *m;
    uint64_t *hash;     /* per token */
    uint32_t *slot;     /* index + 1 */
    size_t mask;
};

static long tokset_find(const struct tokset *s, const uint8_t *b, size_t n, uint64_t h)
{
    for (size_t i = (size_t)(h ^ (h >> 29)) & s->mask;; i = (i + 1) & s->mask) {
        uint32_t v = s->slot[i];
        if (v == 0)
            return -1;
        size_t k = v - 1;
        size_t o = s->m->off[k], l = s->m->off[k + 1] - o;
        if (s->hash[k] == h && l == n && memcmp(s->m->bytes + o, b, n) == 0)
            return (long)k;
    }
}

static void tokset_insert(struct tokset *s, size_t k, uint64_t h)
{
    s->hash[k] = h;
    size_t i = (size_t)(h ^ (h >> 29)) & s->mask;
    while (s->slot[i])
        i = (i + 1) & s->mask;
    s->slot[i] = (uint32_t)(k + 1);
}

void bpe_model_data_release(bpe_model_data *m)
{
    free(m->bytes);
    free(m->off);
    memset(m, 0, sizeof *m);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses a decimal of at most 9 digits at p; *q gets the end. -1 when none. */
static long parse_dec(const char *p, const char *end, const char **q)
{
    long v = 0;
    const char *s = p;
    while (p < end && *p >= '0' && *p <= '9' && p - s < 9)
        v = v * 10 + (*p++ - '0');
    *q = p;
    if (p == s || (p < end && *p >= '0' && *p <= '9'))
        return -1;
    return v;
}

#define MFAIL(...) ((void)(rc = tb_fail(err, TB_EINPUT, __VA_ARGS__)))

int bpe_model_data_parse(const char *name, const char *data, size_t len, bpe_model_data *out,
                         tb_error *err)
{
    memset(out, 0, sizeof *out);
    const char *p = data, *end = data + len;
    size_t line = 0;
    int rc = TB_OK;
    struct tokset ts = {0};
    /* next line: [ls, le) without its newline */
    const char *ls = NULL, *le = NULL;
#define NEXT_LINE()                                                                         \
    (line++, ls = p, le = memchr(p, '\n', (size_t)(end - p)), le ? (p = le + 1, 1) : 0)

    if (!NEXT_LINE() || (size_t)(le - ls) != 14 || memcmp(ls, "tokbench-bpe 1", 14) != 0) {
        MFAIL("bpe model '%s': line 1: expected 'tokbench-bpe 1'", name);
        goto done;
    }
    if (!NEXT_LINE() || le - ls < 8 || le - ls > 70 || memcmp(ls, "pretok ", 7) != 0) {
        MFAIL("bpe model '%s': line 2: expected 'pretok <preset>'", name);
        goto done;
    }
    memcpy(out->pretok, ls + 7, (size_t)(le - ls - 7));
    out->pretok[le - ls - 7] = '\0';
    if (!valid_preset_name(out->pretok)) {
        MFAIL("bpe model '%s': line 2: preset name is not 1-63 characters of [A-Za-z0-9_.-]",
              name);
        goto done;
    }
    const char *q;
    long nv = -1;
    if (NEXT_LINE() && le - ls > 6 && memcmp(ls, "vocab ", 6) == 0)
        nv = parse_dec(ls + 6, le, &q);
    if (nv < 256 || nv > BPE_TRAIN_MAX_VOCAB || q != le) {
        MFAIL("bpe model '%s': line 3: expected 'vocab <N>' with N in 256..%d", name,
              BPE_TRAIN_MAX_VOCAB);
        goto done;
    }
    size_t n = (size_t)nv;
    /* Each entry takes at least 4 bytes ("0 00\n" is 5), so at most na
     * entries can be complete: that bounds the allocation, and a file that
     * declares more fails where it ends ("file ends after K of N"). */
    size_t room = (size_t)(end - p) / 4 + 1, na = n < room ? n : room;
    out->n = n;
    out->off = tb_malloc((na + 1) * sizeof *out->off, err);
    out->bytes = tb_malloc((size_t)(end - p) / 2 + 1, err);
    size_t nslots = 1;
    while (nslots < 2 * na)
        nslots *= 2;
    ts.m = out;
    ts.mask = nslots - 1;
    ts.hash = tb_malloc(na * sizeof *ts.hash, err);
    ts.slot = tb_calloc(nslots, sizeof *ts.slot, err);
    if (!out->off || !out->bytes || !ts.hash || !ts.slot) {
        rc = TB_EINPUT;
        goto done;
    }
    uint64_t *pre = NULL;
    size_t nb = 0;
    out->off[0] = 0;
    for (size_t k = 0; k < n; k++) {
        if (!NEXT_LINE()) {
            if (ls < end)
                MFAIL("bpe model '%s': line %zu: no newline at the end (truncated?)", name,
                      line);
            else
                MFAIL("bpe model '%s': line %zu: file ends after %zu of %zu entries (truncated?)",
                      name, line, k, n);
            break;
        }
        long r = parse_dec(ls, le, &q);
        if (r < 0 || q >= le || *q != ' ') {
            MFAIL("bpe model '%s': line %zu: expected '<rank> <hex bytes>'", name, line);
            break;
        }
        if ((size_t)r != k) {
            MFAIL("bpe model '%s': line %zu: rank %ld where %zu was expected (ranks must be "
                  "0..N-1 in order)", name, line, r, k);
            break;
        }
        const char *hx = q + 1;
        size_t hl = (size_t)(le - hx);
        if (hl == 0 || hl % 2) {
            MFAIL("bpe model '%s': line %zu: hex bytes of odd or zero length", name, line);
            break;
        }
        if (hl / 2 > BPE_MODEL_MAX_TOKEN) {
            MFAIL("bpe model '%s': line %zu: token longer than %d bytes", name, line,
                  BPE_MODEL_MAX_TOKEN);
            break;
        }
        uint8_t *b = out->bytes + nb;
        size_t bl = hl / 2;
        for (size_t i = 0; i < hl && rc == TB_OK; i += 2) {
            int hi = hexval(hx[i]), lo = hexval(hx[i + 1]);
            if (hi < 0 || lo < 0)
                MFAIL("bpe model '%s': line %zu: non-hex character at column %zu", name, line,
                      (size_t)(hx - ls) + i + (hi < 0 ? 1 : 2));
            else
                b[i / 2] = (uint8_t)(hi << 4 | lo);
        }
        if (rc)
            break;
        if (k < 256) {
            if (bl != 1 || b[0] != k) {
                MFAIL("bpe model '%s': line %zu: rank %zu must be the single byte %02zx", name,
                      line, k, k);
                break;
            }
        } else {
            if (bl < 2) {
                MFAIL("bpe model '%s': line %zu: rank %zu is a single byte (only ranks 0..255 "
                      "may be)", name, line, k);
                break;
            }
            uint64_t h = poly_hash(b, bl);
            long dup = tokset_find(&ts, b, bl, h);
            if (dup >= 0) {
                MFAIL("bpe model '%s': line %zu: rank %zu repeats rank %ld", name, line, k, dup);
                break;
            }
            /* prefix hashes pre[i] = hash(b[0..i)); suffix hash of b[i..bl)
             * = pre[bl] - pre[i] * P^(bl - i). */
            uint64_t *np = realloc(pre, (bl + 1) * sizeof *pre);
            if (!np) {
                MFAIL("out of memory");
                break;
            }
            pre = np;
            pre[0] = 0;
            for (size_t i = 0; i < bl; i++)
                pre[i + 1] = pre[i] * POLY_P + b[i] + 1;
            int found = 0;
            uint64_t pw = POLY_P;
            for (size_t i = bl - 1; i >= 1 && !found; i--, pw *= POLY_P) {
                uint64_t hr = pre[bl] - pre[i] * pw;
                found = tokset_find(&ts, b, i, pre[i]) >= 0 &&
                        tokset_find(&ts, b + i, bl - i, hr) >= 0;
            }
            if (!found) {
                MFAIL("bpe model '%s': line %zu: rank %zu is not the concatenation of two "
                      "earlier entries", name, line, k);
                break;
            }
            tokset_insert(&ts, k, h);
        }
        if (k < 256)
            tokset_insert(&ts, k, poly_hash(b, 1));
        nb += bl;
        out->off[k + 1] = nb;
    }
    free(pre);
    if (rc == TB_OK && p != end)
        MFAIL("bpe model '%s': line %zu: unexpected content after the %zu entries", name,
              line + 1, n);
done:
#undef NEXT_LINE
    free(ts.hash);
    free(ts.slot);
    if (rc)
        bpe_model_data_release(out);
    return rc;
}

int bpe_model_data_read(const char *path, bpe_model_data *out, tb_error *err)
{
    char *data;
    size_t len;
    memset(out, 0, sizeof *out);
    if (tb_read_file(path, &data, &len, err))
        return TB_EINPUT;
    int rc = bpe_model_data_parse(path, data, len, out, err);
    free(data);
    return rc;
}

/* ---- the bpe:<N>[:<preset>] spec and its cache ------------------------- */

/* "<N>[k][:<preset>]" (arg of bpe:) -> *n, *preset (into arg, or "gpt2").
 * 0, or -1 when the shape is wrong (range and preset are checked later). */
static int parse_arg(const char *arg, size_t *n, const char **preset)
{
    size_t nd = strspn(arg, "0123456789");
    if (nd == 0 || nd > 9)
        return -1;
    size_t v = (size_t)strtoul(arg, NULL, 10), end = nd;
    if (arg[nd] == 'k' || arg[nd] == 'K') { /* 32k = 32,000 */
        v *= 1000;
        end++;
    }
    if (arg[end] != '\0' && arg[end] != ':')
        return -1;
    *n = v;
    *preset = arg[end] == ':' ? arg + end + 1 : "gpt2";
    return 0;
}

int bpe_train_spec_parse(const char *spec, size_t *n, char *preset, size_t cap, int *joint)
{
    int j = strncmp(spec, "joint:", 6) == 0;
    if (j)
        spec += 6;
    const char *pre;
    size_t v;
    if (strncmp(spec, "bpe:", 4) != 0 || parse_arg(spec + 4, &v, &pre) ||
        v < BPE_TRAIN_MIN_VOCAB || v > BPE_TRAIN_MAX_VOCAB || !valid_preset_name(pre) ||
        strlen(pre) >= cap)
        return 0;
    *n = v;
    memcpy(preset, pre, strlen(pre) + 1);
    *joint = j;
    return 1;
}

static int from_model_data(tokenizer *t, const bpe_model_data *m, size_t n_use, tb_error *err)
{
    const uint8_t **tok = tb_malloc(n_use * sizeof *tok, err);
    size_t *len = tb_malloc(n_use * sizeof *len, err);
    int rc = tok && len ? TB_OK : TB_EINPUT;
    for (size_t k = 0; rc == TB_OK && k < n_use; k++) {
        tok[k] = m->bytes + m->off[k];
        len[k] = m->off[k + 1] - m->off[k];
    }
    if (rc == TB_OK)
        rc = bpe_tokenizer_from_ranks(t, m->pretok, tok, len, n_use, err);
    free(tok);
    free(len);
    return rc;
}

static int from_trainer(tokenizer *t, const bpe_trainer *tr, tb_error *err)
{
    size_t n = tr->n_tok;
    const uint8_t **tok = tb_malloc(n * sizeof *tok, err);
    size_t *len = tb_malloc(n * sizeof *len, err);
    int rc = tok && len ? TB_OK : TB_EINPUT;
    for (size_t k = 0; rc == TB_OK && k < n; k++)
        tok[k] = bpe_trainer_token(tr, (uint32_t)k, &len[k]);
    if (rc == TB_OK)
        rc = bpe_tokenizer_from_ranks(t, tr->pretok, tok, len, n, err);
    free(tok);
    free(len);
    return rc;
}

/* <dir>/bpe-<m>-<preset><ext> into path; -1 when it does not fit. */
static int cache_path(const char *dir, size_t m, const char *preset, const char *ext, char *path,
                      size_t cap)
{
    int pl = snprintf(path, cap, "%s/bpe-%zu-%s%s", dir, m, preset, ext);
    return pl < 0 || (size_t)pl >= cap ? -1 : 0;
}

/* Writes the time file of a trained model (format in bpe_train.h). */
static int time_save(const char *path, const bpe_trainer *tr, double s_count, tb_error *err)
{
    afile af;
    if (afile_open(&af, path, err))
        return TB_EINPUT;
    fprintf(af.fp, "tokbench-bpe-time 1\ns_count %.6f\n", s_count);
    for (size_t k = 0; k < tr->n_ck; k++) {
        size_t at = (k + 1) * BPE_TRAIN_TIME_STEP;
        if (at >= 257 && at < tr->n_tok)
            fprintf(af.fp, "at %zu %.6f\n", at, tr->ck_s[k]);
    }
    fprintf(af.fp, "at %zu %.6f\n", tr->n_tok, tr->st.s_merge);
    return afile_commit(&af, err);
}

/* Reads the time file of a model of n_model entries: *s_train gets the
 * seconds to train its first n_use entries, s_count plus the first "at"
 * line at or above n_use. -1 when the file is missing, malformed or not
 * about n_model entries. */
static int time_read(const char *path, size_t n_model, size_t n_use, double *s_train)
{
    char *data;
    size_t len;
    tb_error ignore;
    if (tb_read_file(path, &data, &len, &ignore))
        return -1;
    const char *p = data, *end = data + len;
    double s_count = -1, s_at = -1;
    size_t last = 0;
    int ok = 0, line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        line++;
        char buf[128];
        size_t ll = (size_t)(nl - p);
        if (ll >= sizeof buf)
            break;
        memcpy(buf, p, ll);
        buf[ll] = '\0';
        p = nl + 1;
        size_t at;
        double v;
        char tail;
        if (line == 1) {
            if (strcmp(buf, "tokbench-bpe-time 1") != 0)
                break;
        } else if (line == 2) {
            if (sscanf(buf, "s_count %lf%c", &v, &tail) != 1 || !(v >= 0 && v < 1e9))
                break;
            s_count = v;
        } else {
            if (sscanf(buf, "at %zu %lf%c", &at, &v, &tail) != 2 || at <= last ||
                !(v >= 0 && v < 1e9))
                break;
            last = at;
            if (s_at < 0 && at >= n_use)
                s_at = v;
            ok = p == end && at == n_model;
        }
    }
    free(data);
    if (!ok || s_count < 0 || s_at < 0)
        return -1;
    *s_train = s_count + s_at;
    return 0;
}

/* The cached model <dir>/bpe-<m>-<preset>.model (and its time file) when it
 * answers target n: *md is loaded, *n_use = the entries that bpe:<n> has,
 * *s_train its training seconds. 0 found, -1 not usable. */
static int cache_try(const char *dir, size_t m, const char *preset, size_t n,
                     bpe_model_data *md, size_t *n_use, double *s_train)
{
    char path[4200], tpath[4200];
    tb_error ignore;
    if (cache_path(dir, m, preset, ".model", path, sizeof path) ||
        cache_path(dir, m, preset, ".time", tpath, sizeof tpath) ||
        bpe_model_data_read(path, md, &ignore))
        return -1;
    /* the rule of bpe_train.h: a model trained to m answers n <= m with its
     * first n entries; one that stopped early (fewer than m entries) is the
     * whole answer for every target */
    size_t e = md->n;
    int usable = strcmp(md->pretok, preset) == 0 && e <= m && (m >= n || e < m);
    if (usable) {
        *n_use = e < n ? e : n;
        usable = time_read(tpath, e, *n_use, s_train) == 0;
    }
    if (!usable)
        bpe_model_data_release(md);
    return usable ? 0 : -1;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* A cached model that answers bpe:<n>:<preset> (exact file first, then any
 * other target of the preset in dir, cache_try's rule). 0 found, -1 none. */
static int cache_find(const char *dir, size_t n, const char *preset, bpe_model_data *md,
                      size_t *n_use, double *s_train)
{
    if (cache_try(dir, n, preset, n, md, n_use, s_train) == 0)
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t *ms = NULL, nm = 0, cap = 0, pl = strlen(preset);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *s = de->d_name;
        if (strncmp(s, "bpe-", 4) != 0)
            continue;
        size_t nd = strspn(s + 4, "0123456789");
        const char *q = s + 4 + nd;
        if (nd == 0 || nd > 7 || s[4] == '0' || *q != '-' || strncmp(q + 1, preset, pl) != 0 ||
            strcmp(q + 1 + pl, ".model") != 0)
            continue;
        size_t m = (size_t)strtoul(s + 4, NULL, 10);
        if (m == n || m < BPE_TRAIN_MIN_VOCAB || m > BPE_TRAIN_MAX_VOCAB)
            continue;
        if (nm == cap) {
            size_t nc = cap ? cap * 2 : 16;
            size_t *nms = realloc(ms, nc * sizeof *nms);
            if (!nms)
                break;
            ms = nms;
            cap = nc;
        }
        ms[nm++] = m;
    }
    closedir(d);
    /* targets above n, smallest first (least to read), then targets below
     * n, largest first: any usable one gives the same model */
    int rc = -1;
    if (nm)
        qsort(ms, nm, sizeof *ms, cmp_size);
    size_t first_above = 0;
    while (first_above < nm && ms[first_above] < n)
        first_above++;
    for (size_t k = first_above; k < nm && rc != 0; k++)
        rc = cache_try(dir, ms[k], preset, n, md, n_use, s_train);
    for (size_t k = first_above; k-- > 0 && rc != 0;)
        rc = cache_try(dir, ms[k], preset, n, md, n_use, s_train);
    free(ms);
    return rc;
}

/* Trains bpe:<n>:<preset> on the train split of c in lang and, with dir,
 * writes <dir>/bpe-<n>-<preset>.model and .time. strict: a cache that cannot
 * be written is an error (otherwise it is skipped). *s_train gets the
 * training seconds (counting + merging). */
static int train_model(const corpus *c, int lang, size_t n, const char *preset, const char *dir,
                       int strict, bpe_trainer **out, double *s_train, tb_error *err)
{
    *out = NULL;
    pretok *pt = NULL;
    bpe_trainer *tr = NULL;
    bpe_train_config cfg = {.vocab_size = n, .split = bpe_split_pretok, .pretok = preset};
    int rc = bpe_trainer_new(&cfg, &tr, err);
    if (rc == TB_OK && (rc = pretok_new_preset(preset, &pt, err)) == TB_OK)
        tr->split_arg = pt;
    double t0 = tb_now(), s_count = 0;
    if (rc == TB_OK && (rc = bpe_trainer_add_corpus(tr, c, lang, err)) == TB_OK) {
        s_count = tb_now() - t0;
        rc = bpe_trainer_train(tr, err);
    }
    pretok_free(pt);
    if (rc == TB_OK)
        tr->split_arg = NULL;
    char path[4200], tpath[4200];
    tb_error ignore, *werr = strict ? err : &ignore;
    if (rc == TB_OK && dir) {
        int wrc = TB_OK;
        if (cache_path(dir, n, preset, ".model", path, sizeof path) ||
            cache_path(dir, n, preset, ".time", tpath, sizeof tpath))
            wrc = tb_fail(werr, TB_EINPUT, "bpe cache folder '%s': path too long", dir);
        if (wrc == TB_OK)
            wrc = tb_mkdirs(dir, werr);
        if (wrc == TB_OK)
            wrc = bpe_trainer_save(tr, path, werr);
        if (wrc == TB_OK)
            wrc = time_save(tpath, tr, s_count, werr);
        if (strict)
            rc = wrc;
    }
    if (rc) {
        bpe_trainer_free(tr);
        return rc;
    }
    *s_train = s_count + tr->st.s_merge;
    *out = tr;
    return TB_OK;
}

/* Checks n, the preset (it must exist) and ctx's corpus and language. */
static int check_request(const char *spec, size_t n, const char *preset, const corpus *c,
                         int lang, tb_error *err)
{
    if (n < BPE_TRAIN_MIN_VOCAB || n > BPE_TRAIN_MAX_VOCAB)
        return tb_fail(err, TB_EINPUT,
                       "%s: vocabulary size %zu out of range (%d..%d, including the 256 bytes)",
                       spec, n, BPE_TRAIN_MIN_VOCAB, BPE_TRAIN_MAX_VOCAB);
    pretok *pt = NULL;
    if (!valid_preset_name(preset))
        return tb_fail(err, TB_EINPUT,
                       "%s: pre-tokenizer name '%s' is not 1-63 characters of [A-Za-z0-9_.-]",
                       spec, preset);
    if (pretok_new_preset(preset, &pt, err))
        return tb_wrap(err, "%s: ", spec);
    pretok_free(pt);
    if (!c)
        return tb_fail(err, TB_EINPUT, "%s needs a corpus (-c CORPUS -l LANG|joint)", spec);
    if (lang < -1 || (lang >= 0 && (size_t)lang >= corpus_n_langs(c)))
        return tb_fail(err, TB_EINPUT, "%s: language index %d out of range", spec, lang);
    return TB_OK;
}

int bpe_train_tokenizer_new(tokenizer *t, const char *arg, const tokenizer_ctx *ctx,
                            tb_error *err)
{
    char spec[256];
    snprintf(spec, sizeof spec, "tokenizer '%s'", t->name ? t->name : "bpe");
    size_t n;
    const char *preset;
    if (parse_arg(arg, &n, &preset))
        return tb_fail(err, TB_EINPUT, "%s: expected bpe:<N>[k][:<preset>] with N in %d..%d",
                       spec, BPE_TRAIN_MIN_VOCAB, BPE_TRAIN_MAX_VOCAB);
    const corpus *c = ctx ? ctx->corpus : NULL;
    int lang = ctx ? ctx->lang : -1;
    int rc = check_request(spec, n, preset, c, lang, err);
    if (rc)
        return rc;
    char dir[4096];
    int cached = tokenizer_cache_folder(ctx->cache_dir, c, lang, dir, sizeof dir) == 0;
    bpe_model_data md;
    size_t n_use;
    double s_train = 0;
    if (cached && cache_find(dir, n, preset, &md, &n_use, &s_train) == 0) {
        rc = from_model_data(t, &md, n_use, err);
        bpe_model_data_release(&md);
    } else {
        bpe_trainer *tr;
        rc = train_model(c, lang, n, preset, cached ? dir : NULL, 0, &tr, &s_train, err);
        if (rc == TB_OK)
            rc = from_trainer(t, tr, err);
        bpe_trainer_free(tr);
    }
    if (rc)
        return tb_wrap(err, "%s: ", spec);
    if (ctx->s_train)
        *ctx->s_train = s_train;
    return TB_OK;
}

int bpe_train_warm_cache(const corpus *c, int lang, const char *cache_dir, size_t n,
                         const char *preset, tb_error *err)
{
    if (!preset)
        preset = "gpt2";
    char spec[128];
    snprintf(spec, sizeof spec, "bpe:%zu:%.64s", n, preset);
    int rc = check_request(spec, n, preset, c, lang, err);
    char dir[4096];
    if (rc || tokenizer_cache_folder(cache_dir, c, lang, dir, sizeof dir))
        return rc;
    bpe_model_data md;
    size_t n_use;
    double s_train;
    if (cache_find(dir, n, preset, &md, &n_use, &s_train) == 0) {
        bpe_model_data_release(&md);
        return TB_OK;
    }
    bpe_trainer *tr;
    rc = train_model(c, lang, n, preset, dir, 1, &tr, &s_train, err);
    bpe_trainer_free(tr);
    return rc;
}
