/* spbpe.c - SentencePiece-style BPE from a tokenizer.json (spbpe.h): the
 * loader, the encoder (added tokens, normalizers, pre-tokenizers, BPE with
 * byte fallback) and the decoder chain. */
#include "spbpe.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <unicode/uchar.h>
#include <utf8proc.h>

#include "../common/base64.h"
#include "../common/utf8.h"
#include "spbpe_impl.h"
#include "tokenizer_impl.h"

/* ---- hashing ----------------------------------------------------------- */

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    uint64_t v = 0;
    memcpy(&v, p, n);
    h = (h ^ v) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
    return h;
}

static uint64_t hash_pair(uint64_t key)
{
    key *= 0x9E3779B97F4A7C15ULL;
    return key ^ (key >> 31);
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 16;
    while (p < n)
        p <<= 1;
    return p;
}

/* ---- the model --------------------------------------------------------- */

static void match_release(struct sp_match *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->str[i]);
    free(s->str);
    free(s->id);
    free(s->len);
    free(s->slot);
    free(s->lens);
    memset(s, 0, sizeof *s);
}

static void sp_free(struct spbpe *m)
{
    if (!m)
        return;
    if (m->map) {
        /* the tables point into a compiled file (spbpe_cache.h) */
        if (m->map_len)
            munmap(m->map, m->map_len);
    } else {
        free(m->arena);
        free(m->voff);
        free(m->vlen);
        free(m->invocab);
        free(m->doff);
        free(m->dlen);
        free(m->defined);
        free(m->isfb);
        free(m->vslot);
        free(m->pairs);
        free(m->bmp);
        free(m->whole);
    }
    unigram_free(m->uni);
    wordpiece_free(m->wp);
    for (size_t i = 0; i < m->n_norm; i++) {
        charsmap_release(&m->norm[i].cmap);
        free(m->norm[i].pat);
        free(m->norm[i].rep);
    }
    for (size_t i = 0; i < m->n_pre; i++)
        free(m->pre[i].pat);
    for (size_t i = 0; i < m->n_dec; i++) {
        free(m->dec[i].pat);
        free(m->dec[i].rep);
    }
    match_release(&m->raw_added);
    match_release(&m->norm_added);
    free(m);
}

static int arena_put(struct spbpe *m, const void *p, size_t n, size_t *off, tb_error *err)
{
    if (m->n_arena + n > m->cap_arena) {
        size_t nc = m->cap_arena ? m->cap_arena : 1 << 16;
        while (nc < m->n_arena + n)
            nc *= 2;
        uint8_t *na = tb_realloc(m->arena, nc, err);
        if (!na)
            return TB_EINPUT;
        m->arena = na;
        m->cap_arena = nc;
    }
    memcpy(m->arena + m->n_arena, p, n);
    *off = m->n_arena;
    m->n_arena += n;
    return TB_OK;
}

/* Id of the model vocab entry p[0..n), or SP_NONE. */
static uint32_t vocab_get(const struct spbpe *m, const uint8_t *p, size_t n)
{
    for (size_t i = (size_t)hash_bytes(p, n) & m->vmask;; i = (i + 1) & m->vmask) {
        uint32_t v = m->vslot[i];
        if (v == 0)
            return SP_NONE;
        v--;
        if (m->vlen[v] == n && memcmp(m->arena + m->voff[v], p, n) == 0)
            return v;
    }
}

static const struct mpair *pair_get(const struct spbpe *m, uint32_t a, uint32_t b)
{
    uint64_t key = (uint64_t)a << 32 | b;
    for (size_t i = (size_t)hash_pair(key) & m->pmask;; i = (i + 1) & m->pmask) {
        const struct mpair *e = &m->pairs[i];
        if (e->key == key)
            return e;
        if (e->key == UINT64_MAX)
            return NULL;
    }
}

/* A later merge of the same pair overwrites the earlier (as HF's map). */
static void pair_put(struct spbpe *m, uint32_t a, uint32_t b, uint32_t rank, uint32_t merged)
{
    uint64_t key = (uint64_t)a << 32 | b;
    for (size_t i = (size_t)hash_pair(key) & m->pmask;; i = (i + 1) & m->pmask) {
        struct mpair *e = &m->pairs[i];
        if (e->key == key || e->key == UINT64_MAX) {
            e->key = key;
            e->rank = rank;
            e->merged = merged;
            return;
        }
    }
}

/* ---- added-token sets -------------------------------------------------- */

static int match_add(struct sp_match *s, uint32_t id, const uint8_t *p, size_t n, tb_error *err)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 16;
        uint32_t *ni = tb_realloc(s->id, nc * sizeof *ni, err);
        if (!ni)
            return TB_EINPUT;
        s->id = ni;
        uint32_t *nl = tb_realloc(s->len, nc * sizeof *nl, err);
        if (!nl)
            return TB_EINPUT;
        s->len = nl;
        uint8_t **ns = tb_realloc(s->str, nc * sizeof *ns, err);
        if (!ns)
            return TB_EINPUT;
        s->str = ns;
        s->cap = nc;
    }
    uint8_t *c = tb_malloc(n ? n : 1, err);
    if (!c)
        return TB_EINPUT;
    memcpy(c, p, n);
    s->id[s->n] = id;
    s->len[s->n] = (uint32_t)n;
    s->str[s->n] = c;
    s->n++;
    return TB_OK;
}

static int cmp_u32_desc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x > y ? -1 : x < y;
}

/* Indexes the strings; of two equal strings the later one wins (HF keeps
 * the last added token of a content). */
static int match_index(struct sp_match *s, tb_error *err)
{
    s->mask = pow2_at_least(2 * s->n + 2) - 1;
    s->slot = tb_calloc(s->mask + 1, sizeof *s->slot, err);
    s->lens = tb_malloc((s->n ? s->n : 1) * sizeof *s->lens, err);
    if (!s->slot || !s->lens)
        return TB_EINPUT;
    for (size_t k = 0; k < s->n; k++) {
        if (s->len[k] == 0)
            continue;
        size_t i = (size_t)hash_bytes(s->str[k], s->len[k]) & s->mask;
        for (;; i = (i + 1) & s->mask) {
            uint32_t v = s->slot[i];
            if (v == 0)
                break;
            if (s->len[v - 1] == s->len[k] && memcmp(s->str[v - 1], s->str[k], s->len[k]) == 0)
                break;
        }
        s->slot[i] = (uint32_t)k + 1;
        s->first[s->str[k][0] >> 6] |= 1ULL << (s->str[k][0] & 63);
        s->lens[s->n_lens++] = s->len[k];
    }
    qsort(s->lens, s->n_lens, sizeof *s->lens, cmp_u32_desc);
    size_t u = 0;
    for (size_t i = 0; i < s->n_lens; i++)
        if (u == 0 || s->lens[u - 1] != s->lens[i])
            s->lens[u++] = s->lens[i];
    s->n_lens = u;
    return TB_OK;
}

/* The longest string of s at p[0..n) (n > 0): its index, or -1. */
static long match_at(const struct sp_match *s, const uint8_t *p, size_t n)
{
    if (!s->n_lens || !(s->first[p[0] >> 6] >> (p[0] & 63) & 1))
        return -1;
    for (size_t j = 0; j < s->n_lens; j++) {
        size_t l = s->lens[j];
        if (l > n)
            continue;
        for (size_t i = (size_t)hash_bytes(p, l) & s->mask;; i = (i + 1) & s->mask) {
            uint32_t v = s->slot[i];
            if (v == 0)
                break;
            if (s->len[v - 1] == l && memcmp(s->str[v - 1], p, l) == 0)
                return (long)v - 1;
        }
    }
    return -1;
}

/* ---- per-call text buffers --------------------------------------------- */

/* Bytes of a (normalized) text with, per byte, the offset in the caller's
 * text it came from. */
struct nbuf {
    uint8_t *b;
    uint32_t *m;
    size_t n, cap;
};

/* Room for more bytes; allocates on first use even for none, so b and m
 * are never NULL once anything was put (b + offset stays defined). */
static int nb_reserve(struct nbuf *x, size_t more, tb_error *err)
{
    if (x->b && x->m && x->n + more <= x->cap)
        return TB_OK;
    size_t nc = x->cap ? x->cap : 256;
    while (nc < x->n + more)
        nc *= 2;
    uint8_t *nb = tb_realloc(x->b, nc, err);
    if (!nb)
        return TB_EINPUT;
    x->b = nb;
    uint32_t *nm = tb_realloc(x->m, nc * sizeof *nm, err);
    if (!nm)
        return TB_EINPUT;
    x->m = nm;
    x->cap = nc;
    return TB_OK;
}

/* Appends p[0..n), every byte mapped to orig. */
static int nb_put(struct nbuf *x, const void *p, size_t n, uint32_t orig, tb_error *err)
{
    if (nb_reserve(x, n, err))
        return TB_EINPUT;
    if (n == 0) /* p may be NULL */
        return TB_OK;
    memcpy(x->b + x->n, p, n);
    for (size_t i = 0; i < n; i++)
        x->m[x->n + i] = orig;
    x->n += n;
    return TB_OK;
}

/* Appends src[from, from + n) with its map. */
static int nb_copy(struct nbuf *x, const struct nbuf *src, size_t from, size_t n, tb_error *err)
{
    if (nb_reserve(x, n, err))
        return TB_EINPUT;
    if (n == 0) /* an empty src's b and m may be NULL */
        return TB_OK;
    memcpy(x->b + x->n, src->b + from, n);
    memcpy(x->m + x->n, src->m + from, n * sizeof *x->m);
    x->n += n;
    return TB_OK;
}

static void nb_release(struct nbuf *x)
{
    free(x->b);
    free(x->m);
    memset(x, 0, sizeof *x);
}

/* Pieces of a pre-tokenized text: ranges of one nbuf. */
struct ranges {
    size_t *off, *len;
    size_t n, cap;
};

static int rg_add(struct ranges *r, size_t off, size_t len, tb_error *err)
{
    if (len == 0)
        return TB_OK;   /* HF drops empty pieces */
    if (r->n == r->cap) {
        size_t nc = r->cap ? 2 * r->cap : 64;
        size_t *no = tb_realloc(r->off, nc * sizeof *no, err);
        if (!no)
            return TB_EINPUT;
        r->off = no;
        size_t *nl = tb_realloc(r->len, nc * sizeof *nl, err);
        if (!nl)
            return TB_EINPUT;
        r->len = nl;
        r->cap = nc;
    }
    r->off[r->n] = off;
    r->len[r->n] = len;
    r->n++;
    return TB_OK;
}

static void rg_release(struct ranges *r)
{
    free(r->off);
    free(r->len);
    memset(r, 0, sizeof *r);
}

/* ---- encoder state ----------------------------------------------------- */

struct heap_ent {
    uint64_t key;           /* rank << 32 | position of the left symbol */
    uint32_t len_l, len_r;  /* symbol lengths when pushed (staleness check) */
    uint32_t merged;
};

struct spenc {
    const struct spbpe *m;
    uint32_t *ids, *offs;
    size_t cap, n;
    tb_error *err;
    struct nbuf na, nb;         /* normalization, ping-pong */
    struct nbuf pa, pb;         /* pre-tokenization, ping-pong */
    struct ranges ra, rb;
    /* BPE of one word, positions 0..len */
    uint32_t *sid, *slen, *sprv;
    size_t scap;
    struct heap_ent *heap;
    size_t hn, hcap;
    unigram_scratch us;         /* model Unigram */
};

static inline void put_tok(struct spenc *e, uint32_t id, uint32_t at)
{
    if (e->n < e->cap) {
        e->ids[e->n] = id;
        if (e->offs)
            e->offs[e->n] = at;
    }
    e->n++;
}

static int grow_word(struct spenc *e, size_t n)
{
    if (n <= e->scap)
        return TB_OK;
    size_t nc = e->scap ? e->scap : 256;
    while (nc < n)
        nc *= 2;
    uint32_t *a = tb_realloc(e->sid, nc * sizeof *a, e->err);
    if (!a)
        return TB_EINPUT;
    e->sid = a;
    uint32_t *b = tb_realloc(e->slen, nc * sizeof *b, e->err);
    if (!b)
        return TB_EINPUT;
    e->slen = b;
    uint32_t *c = tb_realloc(e->sprv, nc * sizeof *c, e->err);
    if (!c)
        return TB_EINPUT;
    e->sprv = c;
    struct heap_ent *h = tb_realloc(e->heap, 2 * nc * sizeof *h, e->err);
    if (!h)
        return TB_EINPUT;
    e->heap = h;
    e->hcap = 2 * nc;
    e->scap = nc;
    return TB_OK;
}

static inline int heap_less(const struct heap_ent *a, const struct heap_ent *b)
{
    return a->key < b->key;
}

static void heap_push(struct spenc *e, struct heap_ent x)
{
    size_t i = e->hn++;
    struct heap_ent *h = e->heap;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(&x, &h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static struct heap_ent heap_pop(struct spenc *e)
{
    struct heap_ent *h = e->heap;
    struct heap_ent top = h[0], x = h[--e->hn];
    size_t n = e->hn, i = 0;
    if (n) {
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= n)
                break;
            if (c + 1 < n && heap_less(&h[c + 1], &h[c]))
                c++;
            if (!heap_less(&h[c], &x))
                break;
            h[i] = h[c];
            i = c;
        }
        h[i] = x;
    }
    return top;
}

/* Pushes the merge of the symbols at l and r when the pair has one. The
 * heap holds at most one entry per adjacent pair that ever existed: fewer
 * than 2 * symbols. */
static void push_pair(struct spenc *e, uint32_t l, uint32_t r)
{
    const struct mpair *p = pair_get(e->m, e->sid[l], e->sid[r]);
    if (!p)
        return;
    heap_push(e, (struct heap_ent){.key = (uint64_t)p->rank << 32 | l,
                                   .len_l = e->slen[l],
                                   .len_r = e->slen[r],
                                   .merged = p->merged});
}

/* Appends a symbol of len bytes at *at. */
static inline void add_sym(struct spenc *e, uint32_t id, uint32_t len, uint32_t *at,
                           uint32_t *prev)
{
    e->sid[*at] = id;
    e->slen[*at] = len;
    e->sprv[*at] = *prev;
    *prev = *at;
    *at += len;
}

/* The merges of the symbols at positions [lo, hi): lowest rank first,
 * leftmost on ties, as HF's merge_all over the whole word does when no
 * merge joins a symbol of the piece with one outside it. */
static void merge_piece(struct spenc *e, uint32_t lo, uint32_t hi)
{
    e->hn = 0;
    for (uint32_t p = lo; p < hi;) {
        uint32_t q = p + e->slen[p];
        if (q < hi)
            push_pair(e, p, q);
        p = q;
    }
    while (e->hn) {
        struct heap_ent t = heap_pop(e);
        uint32_t l = (uint32_t)t.key;
        if (e->slen[l] != t.len_l)
            continue;
        uint32_t r = l + t.len_l;
        if (r >= hi || e->slen[r] != t.len_r)
            continue;
        e->sid[l] = t.merged;
        e->slen[l] = t.len_l + t.len_r;
        e->slen[r] = 0;
        uint32_t q = l + e->slen[l];
        if (q < hi)
            e->sprv[q] = l;
        if (l > lo)
            push_pair(e, e->sprv[l], l);
        if (q < hi)
            push_pair(e, l, q);
    }
}

static const uint8_t k_meta[3] = {0xE2, 0x96, 0x81};   /* U+2581 */

static inline int is_meta(const uint8_t *w, size_t n, size_t i)
{
    return i + 3 <= n && w[i] == 0xE2 && w[i + 1] == 0x96 && w[i + 2] == 0x81;
}

/* The end of the piece of w[0, n) that starts at lo: the next U+2581 after
 * lo that follows a character other than U+2581 whose last byte is not in
 * nocut, else n. Every symbol starts a character here (split_meta holds
 * only without affixes), so the cut is a symbol boundary. */
static size_t next_cut(const struct spbpe *m, const uint8_t *w, size_t n, size_t lo)
{
    for (size_t i = lo + 1; i + 3 <= n; i++) {
        const uint8_t *c = memchr(w + i, 0xE2, n - i);
        if (!c)
            return n;
        i = (size_t)(c - w);
        if (is_meta(w, n, i) && !(i >= 3 && is_meta(w, n, i - 3)) &&
            !(m->nocut[w[i - 1] >> 6] >> (w[i - 1] & 63) & 1))
            return i;
    }
    return n;
}

/* Sets split_meta when cutting words before runs of U+2581 cannot change
 * the merges: U+2581 is a vocab token, no affixes, and every merge whose
 * right side starts with U+2581 and whose left side does not end in it has
 * a left side made of text (not unk or a <0xNN> fallback); the last bytes
 * of those left sides go to nocut. */
static void meta_cuts_check(struct spbpe *m)
{
    m->split_meta = 0;
    memset(m->nocut, 0, sizeof m->nocut);
    if (m->prefix_len || m->suffix_len || vocab_get(m, k_meta, 3) == SP_NONE)
        return;
    for (size_t s = 0; s <= m->pmask; s++) {
        uint64_t key = m->pairs[s].key;
        if (key == UINT64_MAX)
            continue;
        uint32_t a = (uint32_t)(key >> 32), b = (uint32_t)key;
        const uint8_t *sa = m->arena + m->voff[a], *sb = m->arena + m->voff[b];
        size_t la = m->vlen[a];
        if (!is_meta(sb, m->vlen[b], 0) || (la >= 3 && is_meta(sa, la, la - 3)))
            continue;
        if (la == 0 || m->isfb[a] || a == m->unk_id)
            return;
        for (int k = 0; k < 256; k++)
            if (m->byte_tok[k] == a)
                return;
        m->nocut[sa[la - 1] >> 6] |= (uint64_t)1 << (sa[la - 1] & 63);
    }
    m->split_meta = 1;
}

/* BPE of one word w[off, off + n) of buffer x (HF BPE::merge_word, then
 * merge_all): the tokens go to e with their original offsets. */
struct uni_emit {
    struct spenc *e;
    const uint32_t *map;    /* original offset per byte of the word */
};

static void uni_put(void *ctx, uint32_t id, size_t start)
{
    struct uni_emit *u = ctx;
    put_tok(u->e, id, u->map[start]);
}

static int bpe_word(struct spenc *e, const struct nbuf *x, size_t off, size_t n)
{
    const struct spbpe *m = e->m;
    const uint8_t *w = x->b + off;
    /* positions: one per byte, and (byte fallback of a prefixed or suffixed
     * character) one per byte of the affix */
    if (grow_word(e, n * (1 + m->prefix_len + m->suffix_len) + 1))
        return TB_EINPUT;
    uint32_t at = 0, prev = SP_NONE;
    uint32_t unk_len = 0;   /* > 0: an unk symbol waits (HF `unk`) */
    uint8_t key[2 * SP_MAX_AFFIX + 8];
    for (size_t i = 0; i < n;) {
        int32_t cp;
        size_t u = (size_t)utf8_decode(w + i, n - i, &cp);
        const uint8_t *s = w + i;
        size_t sl = u;
        if ((i > 0 && m->prefix_len) || (i + u == n && m->suffix_len)) {
            sl = 0;
            if (i > 0) {
                memcpy(key, m->prefix, m->prefix_len);
                sl = m->prefix_len;
            }
            memcpy(key + sl, w + i, u);
            sl += u;
            if (i + u == n) {
                memcpy(key + sl, m->suffix, m->suffix_len);
                sl += m->suffix_len;
            }
            s = key;
        }
        uint32_t id = s == w + i && cp < 0x10000 ? m->bmp[cp] : vocab_get(m, s, sl);
        if (id != SP_NONE) {
            if (unk_len) {
                add_sym(e, m->unk_id, unk_len, &at, &prev);
                unk_len = 0;
            }
            add_sym(e, id, (uint32_t)u, &at, &prev);
            i += u;
            continue;
        }
        if (m->byte_fallback) {
            /* every byte of the (prefixed) string needs its <0xNN> token;
             * a waiting unk is not flushed first (HF does the same) */
            int all = 1;
            for (size_t k = 0; k < sl; k++)
                all &= m->byte_tok[s[k]] != SP_NONE;
            if (all) {
                /* HF gives each byte, the affix's too, one byte of length */
                for (size_t k = 0; k < sl; k++)
                    add_sym(e, m->byte_tok[s[k]], 1, &at, &prev);
                i += u;
                continue;
            }
        }
        if (!m->has_unk)
            return tb_fail(e->err, TB_EINPUT,
                           "U+%04X at byte %u has no token, no byte-fallback tokens and the "
                           "model has no unk_token (HuggingFace would drop it silently)",
                           (unsigned)cp, (unsigned)x->m[off + i] + 1);
        if (m->unk_id == SP_NONE)
            return tb_fail(e->err, TB_EINPUT,
                           "U+%04X at byte %u is unknown and unk_token is not in the vocab",
                           (unsigned)cp, (unsigned)x->m[off + i] + 1);
        if (unk_len && !m->fuse_unk) {
            add_sym(e, m->unk_id, unk_len, &at, &prev);
            unk_len = 0;
        }
        unk_len += (uint32_t)u;
        i += u;
    }
    if (unk_len)
        add_sym(e, m->unk_id, unk_len, &at, &prev);
    size_t end = at;  /* > n only when an affix went to byte fallback */
    /* merges, piece by piece (one piece unless split_meta) */
    for (uint32_t lo = 0, hi; lo < end; lo = hi) {
        hi = m->split_meta ? (uint32_t)next_cut(m, w, n, lo) : (uint32_t)end;
        merge_piece(e, lo, hi);
    }
    for (uint32_t p = 0; p < end; p += e->slen[p])
        put_tok(e, e->sid[p], x->m[off + (p < n ? p : n - 1)]);
    return TB_OK;
}

/* Rust's char::is_whitespace (Unicode White_Space). */
static int is_white(int32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* The whitespace character at b[i] (its length), or 0. */
static size_t white_at(const uint8_t *b, size_t n, size_t i)
{
    int32_t c;
    size_t u = (size_t)utf8_decode(b + i, n - i, &c);
    return u && is_white(c) ? u : 0;
}

/* The whitespace character that ends b[0..n) (its length), or 0. */
static size_t white_before(const uint8_t *b, size_t n)
{
    size_t a = n;
    while (a > 0 && (b[a - 1] & 0xC0) == 0x80 && n - a < 3)
        a--;
    if (a == 0)
        return 0;
    a--;
    return white_at(b, n, a) == n - a ? n - a : 0;
}

/* The Unicode classes of HF's Bert / Punctuation / Digits / Whitespace
 * components (crate unicode_categories, Rust's char methods), from
 * utf8proc's categories. */
static int cat_of(int32_t c)
{
    return (int)utf8proc_category(c);
}

/* is_bert_punc: ASCII punctuation or a P* category. */
static int is_punc(int32_t c)
{
    if (c < 0x80)
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
               (c >= 0x7B && c <= 0x7E);
    int k = cat_of(c);
    return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

/* char::is_numeric: Nd, Nl, No. */
static int is_numeric(int32_t c)
{
    int k = cat_of(c);
    return k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO;
}

/* Oniguruma's Unicode \w (HF's regexes, UTS #18): Alphabetic (letters,
 * Nl such as U+216B, Other_Alphabetic such as the circled letters), marks,
 * decimal digits, connector punctuation and the join controls ZWNJ, ZWJ;
 * not No (U+00BD, U+00B2). Alphabetic from ICU. */
static int is_word(int32_t c)
{
    int k = cat_of(c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_ND) ||
           k == UTF8PROC_CATEGORY_PC || c == 0x200C || c == 0x200D ||
           u_hasBinaryProperty(c, UCHAR_ALPHABETIC);
}

/* BertNormalizer's is_control: Cc, Cf, Cn, Co, Cs but tab, LF and CR. */
static int is_bert_control(int32_t c)
{
    if (c == '\t' || c == '\n' || c == '\r')
        return 0;
    int k = cat_of(c);
    return k == UTF8PROC_CATEGORY_CN || k == UTF8PROC_CATEGORY_CC || k == UTF8PROC_CATEGORY_CF ||
           k == UTF8PROC_CATEGORY_CO || k == UTF8PROC_CATEGORY_CS;
}

static int is_chinese(int32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* One word: with split_meta piece by piece (cut as merge_piece's callers
 * cut, so each piece merges as it would inside the word), a piece that is a
 * vocab entry whose own BPE is itself (whole) taken at once. */
static int encode_word(struct spenc *e, const struct nbuf *x, size_t off, size_t n)
{
    const struct spbpe *m = e->m;
    const uint8_t *w = x->b + off;
    if (m->uni) {
        struct uni_emit u = {e, x->m + off};
        return unigram_encode(m->uni, w, n, &e->us, uni_put, &u, e->err);
    }
    if (m->wp) {
        struct uni_emit u = {e, x->m + off};
        return wordpiece_encode(m->wp, w, n, uni_put, &u, e->err);
    }
    if (m->ignore_merges) {
        uint32_t id = vocab_get(m, w, n);
        if (id != SP_NONE) {
            put_tok(e, id, x->m[off]);
            return TB_OK;
        }
    }
    if (!m->whole)
        return bpe_word(e, x, off, n);
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        hi = next_cut(m, w, n, lo);
        uint32_t id = vocab_get(m, w + lo, hi - lo);
        if (id != SP_NONE && m->whole[id])
            put_tok(e, id, x->m[off + lo]);
        else if (bpe_word(e, x, off + lo, hi - lo))
            return TB_EINPUT;
    }
    return TB_OK;
}

/* whole[id] = 1 when the BPE of vocab entry id's string is id alone (only
 * with split_meta, where a piece merges as a word of its own). */
static int whole_check(struct spbpe *m, tb_error *err)
{
    if (!m->split_meta)
        return TB_OK;
    uint32_t longest = 0;
    for (uint32_t id = 0; id < m->n_ids; id++)
        if (m->invocab[id] && m->vlen[id] > longest)
            longest = m->vlen[id];
    uint8_t *whole = tb_calloc(m->n_ids, 1, err);
    uint32_t *zeros = tb_calloc((size_t)longest + 1, sizeof *zeros, err);
    uint32_t ids[2];
    struct spenc e = {.m = m, .ids = ids, .cap = 2, .err = err};
    int rc = whole && zeros ? TB_OK : TB_EINPUT;
    for (uint32_t id = 0; rc == TB_OK && id < m->n_ids; id++) {
        if (!m->invocab[id] || m->vlen[id] == 0)
            continue;
        struct nbuf x = {.b = m->arena + m->voff[id], .m = zeros, .n = m->vlen[id]};
        e.n = 0;
        /* a string the encoder refuses (no token for a character) is not whole */
        if (bpe_word(&e, &x, 0, x.n) == TB_OK)
            whole[id] = e.n == 1 && ids[0] == id;
        else
            tb_error_clear(err);
    }
    free(zeros);
    free(e.sid);
    free(e.slen);
    free(e.sprv);
    free(e.heap);
    if (rc) {
        free(whole);
        return rc;
    }
    m->whole = whole;
    return TB_OK;
}

/* ---- pre-tokenizers ---------------------------------------------------- */

/* Occurrences of pat in b[0..n): non-overlapping, leftmost first, as
 * (start, end, is_match) segments covering b. */
struct seg {
    size_t a, b;
    int match;
};

static int find_segments(const uint8_t *b, size_t n, const char *pat, size_t plen, int invert,
                         struct seg **out, size_t *n_out, size_t *cap, tb_error *err)
{
    *n_out = 0;
    size_t last = 0;
    for (size_t i = 0; i + plen <= n;) {
        if (memcmp(b + i, pat, plen) != 0) {
            i++;
            continue;
        }
        for (int k = 0; k < 2; k++) {
            size_t a = k ? i : last, z = k ? i + plen : i;
            if (a == z)
                continue;
            if (*n_out + 1 > *cap) {
                size_t nc = *cap ? 2 * *cap : 64;
                struct seg *ns = tb_realloc(*out, nc * sizeof *ns, err);
                if (!ns)
                    return TB_EINPUT;
                *out = ns;
                *cap = nc;
            }
            (*out)[(*n_out)++] = (struct seg){a, z, k ^ invert};
        }
        i += plen;
        last = i;
    }
    if (last < n) {
        if (*n_out + 1 > *cap) {
            size_t nc = *cap ? 2 * *cap : 64;
            struct seg *ns = tb_realloc(*out, nc * sizeof *ns, err);
            if (!ns)
                return TB_EINPUT;
            *out = ns;
            *cap = nc;
        }
        (*out)[(*n_out)++] = (struct seg){last, n, invert};
    }
    return TB_OK;
}

/* HF SplitDelimiterBehavior on segments s[0..k): the pieces, relative to
 * the segments' text, into r at base. */
static int apply_behavior(const struct seg *s, size_t k, int behavior, size_t base,
                          struct ranges *r, tb_error *err)
{
    int rc = TB_OK;
    size_t i = 0;
    switch (behavior) {
    case SPLIT_REMOVED:
        for (; i < k && !rc; i++)
            if (!s[i].match)
                rc = rg_add(r, base + s[i].a, s[i].b - s[i].a, err);
        return rc;
    case SPLIT_ISOLATED:
        for (; i < k && !rc; i++)
            rc = rg_add(r, base + s[i].a, s[i].b - s[i].a, err);
        return rc;
    case SPLIT_CONTIG:
        while (i < k && !rc) {
            size_t j = i + 1;
            while (j < k && s[j].match == s[i].match)
                j++;
            rc = rg_add(r, base + s[i].a, s[j - 1].b - s[i].a, err);
            i = j;
        }
        return rc;
    case SPLIT_PREV: {
        /* a match joins the piece before it unless that piece ended in a match */
        int prev_match = 0;
        size_t a = 0, z = 0;
        int open = 0;
        for (; i < k && !rc; i++) {
            if (s[i].match && !prev_match && open) {
                z = s[i].b;
            } else {
                if (open)
                    rc = rg_add(r, base + a, z - a, err);
                a = s[i].a;
                z = s[i].b;
                open = 1;
            }
            prev_match = s[i].match;
        }
        if (open && !rc)
            rc = rg_add(r, base + a, z - a, err);
        return rc;
    }
    case SPLIT_NEXT: {
        /* from the right: a match joins the piece after it unless that
         * piece started with a match */
        size_t first = r->n;
        int prev_match = 0, open = 0;
        size_t a = 0, z = 0;
        for (size_t j = k; j-- > 0 && !rc;) {
            if (s[j].match && !prev_match && open) {
                a = s[j].a;
            } else {
                if (open)
                    rc = rg_add(r, base + a, z - a, err);
                a = s[j].a;
                z = s[j].b;
                open = 1;
            }
            prev_match = s[j].match;
        }
        if (open && !rc)
            rc = rg_add(r, base + a, z - a, err);
        /* they were added right to left */
        for (size_t x = first, y = r->n; x + 1 < y; x++, y--) {
            size_t to = r->off[x], tl = r->len[x];
            r->off[x] = r->off[y - 1];
            r->len[x] = r->len[y - 1];
            r->off[y - 1] = to;
            r->len[y - 1] = tl;
        }
        return rc;
    }
    }
    return tb_fail(err, TB_EINPUT, "bad split behavior");
}

/* What one character is to a class pre-tokenizer: part of a run of its
 * kind (RUN_A, RUN_B), a piece alone (ONE), or a delimiter (MATCH, one
 * segment per character, as HF's split by a char predicate gives). */
enum { K_RUN_A, K_RUN_B, K_ONE, K_MATCH };

static int char_kind(int pre, int32_t c)
{
    switch (pre) {
    case PRE_WSSPLIT:
        return is_white(c) ? K_MATCH : K_RUN_A;
    case PRE_BERT:
        return is_white(c) ? K_MATCH : is_punc(c) ? K_ONE : K_RUN_A;
    case PRE_PUNCT:
        return is_punc(c) ? K_MATCH : K_RUN_A;
    case PRE_DIGITS:
        return is_numeric(c) ? K_MATCH : K_RUN_A;
    default: /* PRE_WHITESPACE: \w+ | [^\w\s]+, the whitespace removed */
        return is_white(c) ? K_MATCH : is_word(c) ? K_RUN_A : K_RUN_B;
    }
}

static int class_segments(int pre, const uint8_t *b, size_t n, struct seg **out, size_t *n_out,
                          size_t *cap, tb_error *err)
{
    *n_out = 0;
    int prev = -1;
    for (size_t i = 0; i < n;) {
        int32_t c;
        size_t u = (size_t)utf8_decode(b + i, n - i, &c);
        if (u == 0)
            u = 1;
        int k = char_kind(pre, c);
        if (k == prev && (k == K_RUN_A || k == K_RUN_B)) {
            (*out)[*n_out - 1].b = i + u;
        } else {
            if (*n_out + 1 > *cap) {
                size_t nc = *cap ? 2 * *cap : 64;
                struct seg *ns = tb_realloc(*out, nc * sizeof *ns, err);
                if (!ns)
                    return TB_EINPUT;
                *out = ns;
                *cap = nc;
            }
            (*out)[(*n_out)++] = (struct seg){i, i + u, k == K_MATCH};
        }
        prev = k;
        i += u;
    }
    return TB_OK;
}

/* One pre-tokenizer stage: the pieces in of src -> pieces out of dst. */
static int pre_stage(struct spenc *e, const struct sp_pre *p, const struct nbuf *src,
                     const struct ranges *in, struct nbuf *dst, struct ranges *out,
                     struct seg **segs, size_t *seg_cap)
{
    tb_error *err = e->err;
    dst->n = 0;
    out->n = 0;
    for (size_t k = 0; k < in->n; k++) {
        size_t off = in->off[k], len = in->len[k], base = dst->n;
        if (p->kind != PRE_SPLIT && p->kind != PRE_METASPACE) {
            if (nb_copy(dst, src, off, len, err))
                return TB_EINPUT;
            size_t ns;
            if (class_segments(p->kind, dst->b + base, len, segs, &ns, seg_cap, err) ||
                apply_behavior(*segs, ns, p->behavior, base, out, err))
                return TB_EINPUT;
            continue;
        }
        if (p->kind == PRE_SPLIT) {
            if (nb_copy(dst, src, off, len, err))
                return TB_EINPUT;
            size_t ns;
            if (find_segments(dst->b + base, len, p->pat, p->plen, p->invert, segs, &ns, seg_cap,
                              err) ||
                apply_behavior(*segs, ns, p->behavior, base, out, err))
                return TB_EINPUT;
            continue;
        }
        /* Metaspace: spaces -> replacement, the prepend scheme, split */
        int starts = (len > 0 && src->b[off] == ' ') ||
                     (len >= p->plen && memcmp(src->b + off, p->pat, p->plen) == 0);
        uint32_t orig0 = src->m[off];
        int prepend = p->prepend == PREPEND_ALWAYS ||
                      (p->prepend == PREPEND_FIRST && orig0 == 0);
        if (prepend && !starts && nb_put(dst, p->pat, p->plen, orig0, err))
            return TB_EINPUT;
        for (size_t i = 0; i < len; i++) {
            int rc = src->b[off + i] == ' ' ? nb_put(dst, p->pat, p->plen, src->m[off + i], err)
                                             : nb_copy(dst, src, off + i, 1, err);
            if (rc)
                return TB_EINPUT;
        }
        size_t n = dst->n - base;
        if (!p->split) {
            if (rg_add(out, base, n, err))
                return TB_EINPUT;
            continue;
        }
        size_t ns;
        if (find_segments(dst->b + base, n, p->pat, p->plen, 0, segs, &ns, seg_cap, err) ||
            apply_behavior(*segs, ns, SPLIT_NEXT, base, out, err))
            return TB_EINPUT;
    }
    return TB_OK;
}

/* Pre-tokenizes x[off, off + n) and encodes every word. */
static int encode_normalized(struct spenc *e, struct nbuf *x, size_t off, size_t n)
{
    const struct spbpe *m = e->m;
    if (n == 0)
        return TB_OK;
    if (m->n_pre == 0)
        return encode_word(e, x, off, n);
    struct seg *segs = NULL;
    size_t seg_cap = 0;
    struct ranges *in = &e->ra, *out = &e->rb;
    in->n = 0;
    int rc = rg_add(in, off, n, e->err);
    const struct nbuf *src = x;
    struct nbuf *dst = &e->pa;
    for (size_t s = 0; s < m->n_pre && !rc; s++) {
        rc = pre_stage(e, &m->pre[s], src, in, dst, out, &segs, &seg_cap);
        src = dst;
        dst = dst == &e->pa ? &e->pb : &e->pa;
        struct ranges *t = in;
        in = out;
        out = t;
    }
    free(segs);
    for (size_t k = 0; k < in->n && !rc; k++)
        rc = encode_word(e, (struct nbuf *)src, in->off[k], in->len[k]);
    return rc;
}

/* ---- normalizers ------------------------------------------------------- */

/* Unicode normalization of src into dst with a map: the text is cut into
 * runs, each normalized alone: an ASCII byte followed by ASCII (or the end)
 * is a run; otherwise the non-ASCII bytes are one, with the ASCII byte
 * before them (a letter composes with a following mark: e U+0301 -> U+00E9;
 * ASCII never composes with what precedes it). A run that normalization
 * changes maps wholly to its start. When the runs do not add up to the
 * whole text's normal form the whole text is normalized at once and mapped
 * to its start. */
static int norm_unicode(const struct nbuf *src, struct nbuf *dst, int flags, tb_error *err)
{
    dst->n = 0;
    utf8proc_uint8_t *whole = NULL;
    size_t i = 0;
    while (i < src->n) {
        size_t a = i;
        if (src->b[i] < 0x80)
            i++;
        int ascii = i > a && (i == src->n || src->b[i] < 0x80);
        if (!ascii)
            while (i < src->n && src->b[i] >= 0x80)
                i++;
        if (ascii && !(flags & UTF8PROC_COMPAT)) {
            if (nb_copy(dst, src, a, i - a, err))
                return TB_EINPUT;
            continue;
        }
        utf8proc_uint8_t *o = NULL;
        utf8proc_ssize_t ol = utf8proc_map(src->b + a, (utf8proc_ssize_t)(i - a), &o,
                                           (utf8proc_option_t)flags);
        if (ol < 0)
            return tb_fail(err, TB_EINPUT, "normalizer at byte %u: %s", (unsigned)src->m[a] + 1,
                           utf8proc_errmsg(ol));
        int same = (size_t)ol == i - a && memcmp(o, src->b + a, i - a) == 0;
        int rc = same ? nb_copy(dst, src, a, i - a, err)
                      : nb_put(dst, o, (size_t)ol, src->m[a], err);
        free(o);
        if (rc)
            return TB_EINPUT;
    }
    if (src->n == 0)
        return TB_OK;
    utf8proc_ssize_t wl = utf8proc_map(src->b, (utf8proc_ssize_t)src->n, &whole,
                                       (utf8proc_option_t)flags);
    if (wl < 0)
        return tb_fail(err, TB_EINPUT, "normalizer: %s", utf8proc_errmsg(wl));
    if ((size_t)wl != dst->n || memcmp(whole, dst->b, dst->n) != 0) {
        uint32_t o0 = src->m[0];
        dst->n = 0;
        int rc = nb_put(dst, whole, (size_t)wl, o0, err);
        free(whole);
        return rc;
    }
    free(whole);
    return TB_OK;
}

/* HF's Precompiled (normalizers/precompiled.rs): per extended grapheme
 * cluster, one shorter than 6 bytes is replaced whole by the first (shortest)
 * charsmap match of its bytes, if any - the rest of the cluster is dropped;
 * otherwise each character is replaced by its own match or kept. */
static int norm_precompiled(const charsmap *c, const struct nbuf *src, struct nbuf *dst,
                            tb_error *err)
{
    utf8proc_int32_t state = 0, prev = -1;
    size_t g = 0;
    for (size_t i = 0; i <= src->n;) {
        int32_t cp = -1;
        size_t u = 0;
        if (i < src->n) {
            u = (size_t)utf8_decode(src->b + i, src->n - i, &cp);
            if (u == 0)
                u = 1;
        }
        int brk = i == src->n || (prev >= 0 && utf8proc_grapheme_break_stateful(prev, cp, &state));
        if (brk && i > g) {
            const char *out;
            size_t olen;
            const char *gb = (const char *)src->b + g;
            if (i - g < 6 && charsmap_match(c, gb, i - g, CHARSMAP_FIRST, &out, &olen)) {
                if (nb_put(dst, out, olen, src->m[g], err))
                    return TB_EINPUT;
            } else {
                for (size_t a = g; a < i;) {
                    int32_t x;
                    size_t ul = (size_t)utf8_decode(src->b + a, i - a, &x);
                    if (ul == 0)
                        ul = 1;
                    int rc = charsmap_match(c, (const char *)src->b + a, ul, CHARSMAP_FIRST, &out,
                                            &olen)
                                 ? nb_put(dst, out, olen, src->m[a], err)
                                 : nb_copy(dst, src, a, ul, err);
                    if (rc)
                        return TB_EINPUT;
                    a += ul;
                }
            }
            g = i;
        }
        if (i == src->n)
            break;
        prev = cp;
        i += u;
    }
    return TB_OK;
}

/* Per character c of src (mapped from its byte): what fn puts into dst. */
enum { CH_CLEAN, CH_CHINESE, CH_NONSPACING, CH_MARKS, CH_LOWER };

static int char_step(int step, const struct nbuf *src, struct nbuf *dst, tb_error *err)
{
    dst->n = 0;
    for (size_t i = 0; i < src->n;) {
        int32_t c;
        size_t u = (size_t)utf8_decode(src->b + i, src->n - i, &c);
        if (u == 0)
            u = 1;
        uint32_t at = src->m[i];
        int rc = TB_OK;
        if (step == CH_CLEAN) {
            /* BertNormalizer clean_text: drop NUL, U+FFFD and controls, then
             * whitespace (tab, LF, CR too) becomes a space */
            if (c == 0 || c == 0xFFFD || is_bert_control(c))
                rc = TB_OK;
            else if (c == '\t' || c == '\n' || c == '\r' || is_white(c))
                rc = nb_put(dst, " ", 1, at, err);
            else
                rc = nb_copy(dst, src, i, u, err);
        } else if (step == CH_CHINESE) {
            if (is_chinese(c))
                rc = nb_put(dst, " ", 1, at, err) || nb_copy(dst, src, i, u, err) ||
                     nb_put(dst, " ", 1, at, err);
            else
                rc = nb_copy(dst, src, i, u, err);
        } else if (step == CH_NONSPACING) {
            if (cat_of(c) != UTF8PROC_CATEGORY_MN)
                rc = nb_copy(dst, src, i, u, err);
        } else if (step == CH_MARKS) {
            /* StripAccents: every mark (Mn, Mc, Me), unlike BertNormalizer */
            int k = cat_of(c);
            if (k < UTF8PROC_CATEGORY_MN || k > UTF8PROC_CATEGORY_ME)
                rc = nb_copy(dst, src, i, u, err);
        } else { /* CH_LOWER: Rust's char::to_lowercase (U+0130: the one full mapping) */
            uint8_t o[8];
            if (c == 0x130) {
                rc = nb_put(dst, "i\xCC\x87", 3, at, err);
            } else {
                int32_t l = utf8proc_tolower(c);
                if (l == c) {
                    rc = nb_copy(dst, src, i, u, err);
                } else {
                    int ol = utf8_encode(l, o);
                    rc = nb_put(dst, o, (size_t)ol, at, err);
                }
            }
        }
        if (rc)
            return TB_EINPUT;
        i += u;
    }
    return TB_OK;
}

static const int k_nfd = UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;

/* BertNormalizer: clean_text, handle_chinese_chars, strip_accents (NFD,
 * then Mn dropped), lowercase, in that order. */
static int norm_bert(const struct sp_norm *nm, const struct nbuf *src, struct nbuf *dst,
                     tb_error *err)
{
    struct nbuf a = {0}, b = {0};
    int rc = nb_copy(&a, src, 0, src->n, err);
    int steps[5], k = 0;
    if (nm->clean)
        steps[k++] = CH_CLEAN;
    if (nm->chinese)
        steps[k++] = CH_CHINESE;
    if (nm->accents)
        steps[k++] = -1, steps[k++] = CH_NONSPACING;
    if (nm->lower)
        steps[k++] = CH_LOWER;
    for (int i = 0; i < k && !rc; i++) {
        rc = steps[i] < 0 ? norm_unicode(&a, &b, k_nfd, err) : char_step(steps[i], &a, &b, err);
        struct nbuf t = a;
        a = b;
        b = t;
    }
    if (!rc) {
        dst->n = 0;
        rc = nb_copy(dst, &a, 0, a.n, err);
    }
    nb_release(&a);
    nb_release(&b);
    return rc;
}

static int normalize(const struct sp_norm *nm, const struct nbuf *src, struct nbuf *dst,
                     tb_error *err)
{
    dst->n = 0;
    if (nm->kind == NORM_UNICODE)
        return norm_unicode(src, dst, nm->flags, err);
    if (nm->kind == NORM_PRECOMPILED)
        return norm_precompiled(&nm->cmap, src, dst, err);
    if (nm->kind == NORM_BERT)
        return norm_bert(nm, src, dst, err);
    if (nm->kind == NORM_LOWER)
        return char_step(CH_LOWER, src, dst, err);
    if (nm->kind == NORM_STRIP_ACCENTS)
        return char_step(CH_MARKS, src, dst, err);
    if (nm->kind == NORM_STRIP) {
        size_t a = 0, b = src->n, u;
        while (nm->left && a < b && (u = white_at(src->b, b, a)))
            a += u;
        while (nm->right && b > a && (u = white_before(src->b + a, b - a)))
            b -= u;
        return nb_copy(dst, src, a, b - a, err);
    }
    if (nm->kind == NORM_PREPEND) {
        if (src->n == 0)
            return TB_OK;
        if (nb_put(dst, nm->rep, nm->rlen, src->m[0], err))
            return TB_EINPUT;
        return nb_copy(dst, src, 0, src->n, err);
    }
    size_t i = 0, last = 0;
    while (i + nm->plen <= src->n) {
        if (memcmp(src->b + i, nm->pat, nm->plen) != 0) {
            i++;
            continue;
        }
        if (nb_copy(dst, src, last, i - last, err) ||
            nb_put(dst, nm->rep, nm->rlen, src->m[i], err))
            return TB_EINPUT;
        i += nm->plen;
        last = i;
    }
    return nb_copy(dst, src, last, src->n - last, err);
}

/* A stretch of the caller's text between raw added tokens. */
static int encode_stretch(struct spenc *e, const uint8_t *p, size_t n, uint32_t base)
{
    const struct spbpe *m = e->m;
    struct nbuf *a = &e->na, *b = &e->nb;
    a->n = 0;
    if (nb_reserve(a, n, e->err))
        return TB_EINPUT;
    if (n) /* an empty stretch: a->b may be NULL */
        memcpy(a->b, p, n);
    for (size_t i = 0; i < n; i++)
        a->m[i] = base + (uint32_t)i;
    a->n = n;
    for (size_t k = 0; k < m->n_norm; k++) {
        if (normalize(&m->norm[k], a, b, e->err))
            return TB_EINPUT;
        struct nbuf *t = a;
        a = b;
        b = t;
    }
    /* normalized added tokens, leftmost-longest in the normalized text */
    size_t last = 0;
    for (size_t i = 0; m->norm_added.n_lens && i < a->n;) {
        long k = match_at(&m->norm_added, a->b + i, a->n - i);
        if (k < 0) {
            i++;
            continue;
        }
        if (encode_normalized(e, a, last, i - last))
            return TB_EINPUT;
        put_tok(e, m->norm_added.id[k], a->m[i]);
        i += m->norm_added.len[k];
        last = i;
    }
    return encode_normalized(e, a, last, a->n - last);
}

static int op_encode(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                     uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    const struct spbpe *m = t->state;
    struct spenc e = {.m = m, .ids = ids, .offs = offs, .cap = cap, .err = err};
    const uint8_t *p = (const uint8_t *)text;
    int rc = TB_OK;
    size_t last = 0;
    for (size_t i = 0; rc == TB_OK && m->raw_added.n_lens && i < len;) {
        long k = match_at(&m->raw_added, p + i, len - i);
        if (k < 0) {
            i++;
            continue;
        }
        if (i > last)
            rc = encode_stretch(&e, p + last, i - last, (uint32_t)last);
        put_tok(&e, m->raw_added.id[k], (uint32_t)i);
        i += m->raw_added.len[k];
        last = i;
    }
    if (rc == TB_OK && len > last)
        rc = encode_stretch(&e, p + last, len - last, (uint32_t)last);
    nb_release(&e.na);
    nb_release(&e.nb);
    nb_release(&e.pa);
    nb_release(&e.pb);
    rg_release(&e.ra);
    rg_release(&e.rb);
    free(e.sid);
    free(e.slen);
    free(e.sprv);
    free(e.heap);
    unigram_scratch_release(&e.us);
    *n_tokens = rc == TB_OK ? e.n : 0;
    return rc;
}

/* ---- decoding ---------------------------------------------------------- */

/* A list of strings in one buffer. */
struct slist {
    char *b;
    size_t n, cap;
    size_t *off, *len;
    size_t k, kcap;
};

static int sl_add(struct slist *s, const void *p, size_t n, tb_error *err)
{
    if (s->k == s->kcap) {
        size_t nc = s->kcap ? 2 * s->kcap : 64;
        size_t *no = tb_realloc(s->off, nc * sizeof *no, err);
        if (!no)
            return TB_EINPUT;
        s->off = no;
        size_t *nl = tb_realloc(s->len, nc * sizeof *nl, err);
        if (!nl)
            return TB_EINPUT;
        s->len = nl;
        s->kcap = nc;
    }
    if (!s->b || s->n + n > s->cap) { /* allocated on first use, even for "" */
        size_t nc = s->cap ? s->cap : 256;
        while (nc < s->n + n)
            nc *= 2;
        char *nb = tb_realloc(s->b, nc, err);
        if (!nb)
            return TB_EINPUT;
        s->b = nb;
        s->cap = nc;
    }
    if (n)
        memcpy(s->b + s->n, p, n);
    s->off[s->k] = s->n;
    s->len[s->k] = n;
    s->n += n;
    s->k++;
    return TB_OK;
}

/* Appends p[0..n) to the last string (which must be the last written). */
static int sl_extend(struct slist *s, const void *p, size_t n, tb_error *err)
{
    if (!s->b || s->n + n > s->cap) { /* allocated on first use, even for "" */
        size_t nc = s->cap ? s->cap : 256;
        while (nc < s->n + n)
            nc *= 2;
        char *nb = tb_realloc(s->b, nc, err);
        if (!nb)
            return TB_EINPUT;
        s->b = nb;
        s->cap = nc;
    }
    if (n)
        memcpy(s->b + s->n, p, n);
    s->n += n;
    s->len[s->k - 1] += n;
    return TB_OK;
}

static void sl_release(struct slist *s)
{
    free(s->b);
    free(s->off);
    free(s->len);
    memset(s, 0, sizeof *s);
}

/* <0xHH> (either case) -> 0..255, else -1. */
static int byte_token(const char *s, size_t n)
{
    if (n != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>')
        return -1;
    int v = 0;
    for (int i = 3; i < 5; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Replace of every occurrence of pat by rep in s[0..n), appended to out's
 * last string. */
static int replace_into(struct slist *out, const char *s, size_t n, const char *pat, size_t plen,
                        const char *rep, size_t rlen, tb_error *err)
{
    size_t i = 0, last = 0;
    while (plen && i + plen <= n) {
        if (memcmp(s + i, pat, plen) != 0) {
            i++;
            continue;
        }
        if (sl_extend(out, s + last, i - last, err) || sl_extend(out, rep, rlen, err))
            return TB_EINPUT;
        i += plen;
        last = i;
    }
    return sl_extend(out, s + last, n - last, err);
}

/* The WordPiece decoder's cleanup (decoders/wordpiece.rs), each rule over
 * the whole string in turn, into out's last string. */
static int wp_cleanup(struct slist *out, const char *s, size_t n, tb_error *err)
{
    static const char *const k_rules[][2] = {
        {" .", "."},      {" ?", "?"},   {" !", "!"},   {" ,", ","},   {" ' ", "'"},
        {" n't", "n't"},  {" 'm", "'m"}, {" do not", " don't"},       {" 's", "'s"},
        {" 've", "'ve"},  {" 're", "'re"},
    };
    struct slist a = {0}, b = {0};
    int rc = sl_add(&a, s, n, err);
    for (size_t r = 0; r < sizeof k_rules / sizeof k_rules[0] && !rc; r++) {
        b.n = b.k = 0;
        rc = sl_add(&b, "", 0, err) ||
             replace_into(&b, a.b, a.n, k_rules[r][0], strlen(k_rules[r][0]), k_rules[r][1],
                          strlen(k_rules[r][1]), err);
        struct slist t = a;
        a = b;
        b = t;
    }
    if (!rc)
        rc = sl_extend(out, a.b, a.n, err);
    sl_release(&a);
    sl_release(&b);
    return rc ? TB_EINPUT : TB_OK;
}

static int dec_step(const struct sp_dec *d, const struct slist *in, struct slist *out,
                    tb_error *err)
{
    static const char fffd[] = "\xEF\xBF\xBD";
    out->n = out->k = 0;
    if (d->kind == DEC_FUSE) {
        if (sl_add(out, in->b, in->n, err))
            return TB_EINPUT;
        return TB_OK;
    }
    if (d->kind == DEC_BYTEFALLBACK) {
        size_t run = 0, run_start = 0;   /* byte tokens waiting, from token run_start */
        for (size_t i = 0; i <= in->k; i++) {
            int v = i < in->k ? byte_token(in->b + in->off[i], in->len[i]) : -1;
            if (v >= 0) {
                if (!run)
                    run_start = i;
                run++;
                continue;
            }
            if (run) {
                uint8_t *bytes = tb_malloc(run, err);
                if (!bytes)
                    return TB_EINPUT;
                for (size_t k = 0; k < run; k++)
                    bytes[k] = (uint8_t)byte_token(in->b + in->off[run_start + k],
                                                   in->len[run_start + k]);
                int rc;
                if (utf8_valid((const char *)bytes, run, NULL)) {
                    rc = sl_add(out, bytes, run, err);
                } else {
                    rc = TB_OK;
                    for (size_t k = 0; k < run && !rc; k++)
                        rc = sl_add(out, fffd, 3, err);
                }
                free(bytes);
                if (rc)
                    return TB_EINPUT;
                run = 0;
            }
            if (i < in->k && sl_add(out, in->b + in->off[i], in->len[i], err))
                return TB_EINPUT;
        }
        return TB_OK;
    }
    for (size_t i = 0; i < in->k; i++) {
        const char *s = in->b + in->off[i];
        size_t n = in->len[i];
        if (sl_add(out, "", 0, err))
            return TB_EINPUT;
        if (d->kind == DEC_WORDPIECE) {
            /* a token after the first: its prefix goes, else a space comes first */
            struct slist t = {0};
            int rc = sl_add(&t, "", 0, err);
            if (!rc && i > 0 && n >= d->plen && memcmp(s, d->pat, d->plen) == 0)
                rc = sl_extend(&t, s + d->plen, n - d->plen, err);
            else if (!rc)
                rc = (i > 0 ? sl_extend(&t, " ", 1, err) : TB_OK) || sl_extend(&t, s, n, err);
            if (!rc)
                rc = d->cleanup ? wp_cleanup(out, t.b, t.n, err) : sl_extend(out, t.b, t.n, err);
            sl_release(&t);
            if (rc)
                return TB_EINPUT;
        } else if (d->kind == DEC_REPLACE) {
            if (replace_into(out, s, n, d->pat, d->plen, d->rep, d->rlen, err))
                return TB_EINPUT;
        } else if (d->kind == DEC_METASPACE) {
            int drop = i == 0 && d->prepend != PREPEND_NEVER;
            if (replace_into(out, s, n, d->pat, d->plen, " ", drop ? 0 : 1, err))
                return TB_EINPUT;
        } else { /* DEC_STRIP: whole characters equal to cp at either end */
            size_t a = 0, z = n, k;
            int32_t cp;
            for (k = 0; k < d->start && a < n; k++) {
                int l = utf8_decode((const uint8_t *)s + a, n - a, &cp);
                if (l == 0 || cp != d->cp)
                    break;
                a += (size_t)l;
            }
            for (k = 0; k < d->stop && z > a; k++) {
                size_t b = z - 1;
                while (b > a && ((uint8_t)s[b] & 0xC0) == 0x80)
                    b--;
                int l = utf8_decode((const uint8_t *)s + b, z - b, &cp);
                if (l == 0 || cp != d->cp)
                    break;
                z = b;
            }
            if (sl_extend(out, s + a, z - a, err))
                return TB_EINPUT;
        }
    }
    return TB_OK;
}

static int op_decode(const tokenizer *t, const uint32_t *ids, size_t n, char *out, size_t cap,
                     size_t *n_bytes, tb_error *err)
{
    const struct spbpe *m = t->state;
    struct slist a = {0}, b = {0};
    int rc = TB_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!m->defined[ids[i]])
            rc = tb_fail(err, TB_EINPUT, "token %zu: id %u has no token in '%s'", i + 1, ids[i],
                         t->name);
        else
            rc = sl_add(&a, m->arena + m->doff[ids[i]], m->dlen[ids[i]], err);
    }
    for (size_t s = 0; s < m->n_dec && !rc; s++) {
        rc = dec_step(&m->dec[s], &a, &b, err);
        struct slist tmp = a;
        a = b;
        b = tmp;
    }
    size_t pos = 0;
    for (size_t i = 0; i < a.k && !rc; i++) {
        if (i && !m->has_decoder)
            tokenizer_append(out, cap, &pos, " ", 1);
        tokenizer_append(out, cap, &pos, a.b + a.off[i], a.len[i]);
    }
    sl_release(&a);
    sl_release(&b);
    *n_bytes = rc ? 0 : pos;
    return rc;
}

/* The token alone: <0xNN> as its byte, the decoder's Replace and Metaspace
 * (as for any token but the first), nothing else. */
static int op_piece(const tokenizer *t, uint32_t id, char *out, size_t cap, size_t *pos,
                    tb_error *err)
{
    const struct spbpe *m = t->state;
    if (!m->defined[id])
        return tb_fail(err, TB_EINPUT, "id %u has no token in '%s'", id, t->name);
    const char *s = (const char *)m->arena + m->doff[id];
    size_t n = m->dlen[id];
    int v = m->isfb[id] ? byte_token(s, n) : -1;
    if (v >= 0) {
        uint8_t c = (uint8_t)v;
        tokenizer_append(out, cap, pos, &c, 1);
        return TB_OK;
    }
    struct slist a = {0}, b = {0};
    int rc = sl_add(&a, s, n, err);
    for (size_t k = 0; k < m->n_dec && !rc; k++) {
        const struct sp_dec *d = &m->dec[k];
        if (d->kind != DEC_REPLACE && d->kind != DEC_METASPACE)
            continue;
        struct sp_dec one = *d;
        one.prepend = PREPEND_NEVER;    /* not the first token */
        b.n = b.k = 0;
        rc = dec_step(&one, &a, &b, err);
        struct slist tmp = a;
        a = b;
        b = tmp;
    }
    if (!rc)
        tokenizer_append(out, cap, pos, a.b + a.off[0], a.len[0]);
    sl_release(&a);
    sl_release(&b);
    return rc;
}

static int op_is_fallback(const tokenizer *t, uint32_t id)
{
    const struct spbpe *m = t->state;
    return id < m->n_ids && m->isfb[id];
}

static void op_free(tokenizer *t)
{
    sp_free(t->state);
    t->state = NULL;
}

static const struct tokenizer_ops k_spbpe_ops = {
    .scheme = "spbpe",
    .encode = op_encode,
    .piece = op_piece,
    .decode = op_decode,
    .is_fallback = op_is_fallback,
    .free = op_free,
};

/* ---- loading ----------------------------------------------------------- */

static const char *type_of(json_t *o)
{
    json_t *t = json_object_get(o, "type");
    return json_is_string(t) ? json_string_value(t) : "?";
}

static int has_metaspace(json_t *p)
{
    if (!json_is_object(p))
        return 0;
    if (strcmp(type_of(p), "Metaspace") == 0)
        return 1;
    json_t *arr = json_object_get(p, "pretokenizers"), *x;
    size_t i;
    json_array_foreach(arr, i, x) if (has_metaspace(x)) return 1;
    return 0;
}

int spbpe_json_wanted(json_t *root)
{
    json_t *model = json_object_get(root, "model");
    if (json_is_object(model) &&
        (strcmp(type_of(model), "Unigram") == 0 || strcmp(type_of(model), "WordPiece") == 0))
        return 1;
    if (!json_is_object(model) || strcmp(type_of(model), "BPE") != 0)
        return 0;
    return json_is_true(json_object_get(model, "byte_fallback")) ||
           has_metaspace(json_object_get(root, "pre_tokenizer"));
}

/* A copy of the JSON string x (NUL-terminated) into *out, or an error
 * naming what. */
static int dup_string(json_t *x, char **out, size_t *len, const char *what, tb_error *err)
{
    if (!json_is_string(x))
        return tb_fail(err, TB_EINPUT, "%s: expected a string", what);
    size_t n = json_string_length(x);
    *out = tb_malloc(n + 1, err);
    if (!*out)
        return TB_EINPUT;
    memcpy(*out, json_string_value(x), n + 1);
    *len = n;
    return TB_OK;
}

/* pattern {"String": s} of a Replace or Split; Regex is refused. */
static int string_pattern(json_t *o, char **out, size_t *len, const char *what, tb_error *err)
{
    json_t *pat = json_object_get(o, "pattern");
    if (json_is_string(json_object_get(pat, "Regex")))
        return tb_fail(err, TB_EINPUT, "%s with a Regex pattern is not supported (only String)",
                       what);
    json_t *s = json_object_get(pat, "String");
    if (!json_is_string(s) || json_string_length(s) == 0)
        return tb_fail(err, TB_EINPUT, "%s needs a non-empty {\"String\": ...} pattern", what);
    return dup_string(s, out, len, what, err);
}

static int load_normalizer(struct spbpe *m, json_t *n, tb_error *err)
{
    if (!n || json_is_null(n))
        return TB_OK;
    const char *ty = type_of(n);
    if (strcmp(ty, "Sequence") == 0) {
        json_t *arr = json_object_get(n, "normalizers"), *x;
        size_t i;
        if (!json_is_array(arr))
            return tb_fail(err, TB_EINPUT, "normalizer Sequence without \"normalizers\"");
        json_array_foreach(arr, i, x) {
            int rc = load_normalizer(m, x, err);
            if (rc)
                return rc;
        }
        return TB_OK;
    }
    if (m->n_norm == SP_MAX_STAGES)
        return tb_fail(err, TB_EINPUT, "more than %d normalizers", SP_MAX_STAGES);
    struct sp_norm *d = &m->norm[m->n_norm];
    memset(d, 0, sizeof *d);
    static const struct {
        const char *name;
        int flags;
    } k_unicode[] = {
        {"NFC", UTF8PROC_STABLE | UTF8PROC_COMPOSE},
        {"NFKC", UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT},
        {"NFD", UTF8PROC_STABLE | UTF8PROC_DECOMPOSE},
        {"NFKD", UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT},
    };
    for (size_t k = 0; k < sizeof k_unicode / sizeof k_unicode[0]; k++)
        if (strcmp(ty, k_unicode[k].name) == 0) {
            d->kind = NORM_UNICODE;
            d->flags = k_unicode[k].flags;
            m->n_norm++;
            return TB_OK;
        }
    int rc;
    if (strcmp(ty, "Precompiled") == 0) {
        d->kind = NORM_PRECOMPILED;
        json_t *cm = json_object_get(n, "precompiled_charsmap");
        if (!json_is_string(cm))
            return tb_fail(err, TB_EINPUT,
                           "normalizer Precompiled: \"precompiled_charsmap\" is not a string");
        size_t bl = json_string_length(cm);
        uint8_t *blob = tb_malloc(bl / 4 * 3 + 1, err);
        if (!blob)
            return TB_EINPUT;
        long dl = bl ? base64_decode(json_string_value(cm), bl, blob) : 0;
        rc = dl < 0 ? tb_fail(err, TB_EINPUT,
                              "normalizer Precompiled: \"precompiled_charsmap\" is not base64")
                    : charsmap_init(&d->cmap, blob, (size_t)dl, err);
        free(blob);
        if (rc)
            return tb_wrap(err, "normalizer Precompiled: ");
    } else if (strcmp(ty, "BertNormalizer") == 0) {
        d->kind = NORM_BERT;
        json_t *sa = json_object_get(n, "strip_accents");
        d->clean = !json_is_false(json_object_get(n, "clean_text"));
        d->chinese = !json_is_false(json_object_get(n, "handle_chinese_chars"));
        d->lower = !json_is_false(json_object_get(n, "lowercase"));
        d->accents = sa && !json_is_null(sa) ? json_is_true(sa) : d->lower;
        rc = TB_OK;
    } else if (strcmp(ty, "Lowercase") == 0) {
        d->kind = NORM_LOWER;
        rc = TB_OK;
    } else if (strcmp(ty, "StripAccents") == 0) {
        d->kind = NORM_STRIP_ACCENTS;
        rc = TB_OK;
    } else if (strcmp(ty, "Strip") == 0) {
        d->kind = NORM_STRIP;
        json_t *l = json_object_get(n, "strip_left"), *r = json_object_get(n, "strip_right");
        d->left = json_is_true(l);
        d->right = json_is_true(r);
        rc = json_is_boolean(l) && json_is_boolean(r)
                 ? TB_OK
                 : tb_fail(err, TB_EINPUT, "normalizer Strip needs strip_left and strip_right");
    } else if (strcmp(ty, "Prepend") == 0) {
        d->kind = NORM_PREPEND;
        rc = dup_string(json_object_get(n, "prepend"), &d->rep, &d->rlen,
                        "normalizer Prepend \"prepend\"", err);
    } else if (strcmp(ty, "Replace") == 0) {
        d->kind = NORM_REPLACE;
        rc = string_pattern(n, &d->pat, &d->plen, "normalizer Replace", err);
        if (!rc)
            rc = dup_string(json_object_get(n, "content"), &d->rep, &d->rlen,
                            "normalizer Replace \"content\"", err);
    } else {
        return tb_fail(err, TB_EINPUT,
                       "normalizer '%s' is not supported (Sequence, Prepend, Replace, "
                       "Precompiled, Strip, BertNormalizer, Lowercase, StripAccents, NFC, NFKC, "
                       "NFD, NFKD)",
                       ty);
    }
    m->n_norm++;    /* counted even on failure: sp_free releases its strings */
    return rc;
}

static int prepend_scheme(json_t *o, int *out, const char *what, tb_error *err)
{
    json_t *ps = json_object_get(o, "prepend_scheme");
    if (json_is_string(ps)) {
        const char *s = json_string_value(ps);
        if (strcmp(s, "always") == 0)
            *out = PREPEND_ALWAYS;
        else if (strcmp(s, "first") == 0)
            *out = PREPEND_FIRST;
        else if (strcmp(s, "never") == 0)
            *out = PREPEND_NEVER;
        else
            return tb_fail(err, TB_EINPUT, "%s: prepend_scheme '%s' (expected always, first or "
                           "never)", what, s);
        return TB_OK;
    }
    /* the older form: add_prefix_space (default true) */
    json_t *aps = json_object_get(o, "add_prefix_space");
    *out = aps && json_is_false(aps) ? PREPEND_NEVER : PREPEND_ALWAYS;
    return TB_OK;
}

static int load_pretok(struct spbpe *m, json_t *p, tb_error *err)
{
    if (!p || json_is_null(p))
        return TB_OK;
    const char *ty = type_of(p);
    if (strcmp(ty, "Sequence") == 0) {
        json_t *arr = json_object_get(p, "pretokenizers"), *x;
        size_t i;
        if (!json_is_array(arr))
            return tb_fail(err, TB_EINPUT, "pre_tokenizer Sequence without \"pretokenizers\"");
        json_array_foreach(arr, i, x) {
            int rc = load_pretok(m, x, err);
            if (rc)
                return rc;
        }
        return TB_OK;
    }
    if (m->n_pre == SP_MAX_STAGES)
        return tb_fail(err, TB_EINPUT, "more than %d pre_tokenizers", SP_MAX_STAGES);
    struct sp_pre *d = &m->pre[m->n_pre];
    memset(d, 0, sizeof *d);
    int rc;
    static const struct {
        const char *name;
        int kind;
    } k_class[] = {{"WhitespaceSplit", PRE_WSSPLIT}, {"BertPreTokenizer", PRE_BERT},
                   {"Whitespace", PRE_WHITESPACE}, {"Punctuation", PRE_PUNCT},
                   {"Digits", PRE_DIGITS}};
    d->kind = -1;
    for (size_t k = 0; k < sizeof k_class / sizeof k_class[0]; k++)
        if (strcmp(ty, k_class[k].name) == 0)
            d->kind = k_class[k].kind;
    if (d->kind >= 0) {
        rc = TB_OK;
        d->behavior = SPLIT_REMOVED;
        if (d->kind == PRE_DIGITS)
            d->behavior = json_is_true(json_object_get(p, "individual_digits")) ? SPLIT_ISOLATED
                                                                                : SPLIT_CONTIG;
        if (d->kind == PRE_PUNCT) {
            json_t *bj = json_object_get(p, "behavior");
            const char *beh = json_is_string(bj) ? json_string_value(bj) : "Isolated";
            static const char *const k_beh[] = {"Removed", "Isolated", "MergedWithPrevious",
                                                "MergedWithNext", "Contiguous"};
            d->behavior = -1;
            for (int k = 0; k < 5; k++)
                if (strcmp(beh, k_beh[k]) == 0)
                    d->behavior = k;
            if (d->behavior < 0)
                rc = tb_fail(err, TB_EINPUT,
                             "pre_tokenizer Punctuation behavior '%s' is not supported", beh);
        }
    } else if (strcmp(ty, "Metaspace") == 0) {
        d->kind = PRE_METASPACE;
        json_t *sp = json_object_get(p, "split");
        d->split = !sp || json_is_true(sp);
        rc = dup_string(json_object_get(p, "replacement"), &d->pat, &d->plen,
                        "pre_tokenizer Metaspace \"replacement\"", err);
        if (!rc && utf8_count(d->pat, d->plen) != 1)
            rc = tb_fail(err, TB_EINPUT,
                         "pre_tokenizer Metaspace: replacement '%s' must be one character",
                         d->pat);
        if (!rc)
            rc = prepend_scheme(p, &d->prepend, "pre_tokenizer Metaspace", err);
    } else if (strcmp(ty, "Split") == 0) {
        d->kind = PRE_SPLIT;
        d->invert = json_is_true(json_object_get(p, "invert"));
        const char *beh = json_string_value(json_object_get(p, "behavior"));
        static const char *const k_beh[] = {"Removed", "Isolated", "MergedWithPrevious",
                                            "MergedWithNext", "Contiguous"};
        d->behavior = -1;
        for (int k = 0; k < 5; k++)
            if (beh && strcmp(beh, k_beh[k]) == 0)
                d->behavior = k;
        rc = d->behavior < 0 ? tb_fail(err, TB_EINPUT,
                                       "pre_tokenizer Split behavior '%s' is not supported",
                                       beh ? beh : "?")
                             : string_pattern(p, &d->pat, &d->plen, "pre_tokenizer Split", err);
    } else {
        return tb_fail(err, TB_EINPUT,
                       "pre_tokenizer '%s' is not supported (Sequence, Metaspace, Split, "
                       "WhitespaceSplit, Whitespace, BertPreTokenizer, Punctuation, Digits)",
                       ty);
    }
    m->n_pre++;
    return rc;
}

static int load_decoder(struct spbpe *m, json_t *d, tb_error *err)
{
    if (!d || json_is_null(d))
        return TB_OK;
    m->has_decoder = 1;
    const char *ty = type_of(d);
    if (strcmp(ty, "Sequence") == 0) {
        json_t *arr = json_object_get(d, "decoders"), *x;
        size_t i;
        if (!json_is_array(arr))
            return tb_fail(err, TB_EINPUT, "decoder Sequence without \"decoders\"");
        json_array_foreach(arr, i, x) {
            int rc = load_decoder(m, x, err);
            if (rc)
                return rc;
        }
        return TB_OK;
    }
    if (m->n_dec == SP_MAX_STAGES)
        return tb_fail(err, TB_EINPUT, "more than %d decoders", SP_MAX_STAGES);
    struct sp_dec *o = &m->dec[m->n_dec];
    memset(o, 0, sizeof *o);
    int rc = TB_OK;
    if (strcmp(ty, "ByteFallback") == 0) {
        o->kind = DEC_BYTEFALLBACK;
    } else if (strcmp(ty, "Fuse") == 0) {
        o->kind = DEC_FUSE;
    } else if (strcmp(ty, "Replace") == 0) {
        o->kind = DEC_REPLACE;
        rc = string_pattern(d, &o->pat, &o->plen, "decoder Replace", err);
        if (!rc)
            rc = dup_string(json_object_get(d, "content"), &o->rep, &o->rlen,
                            "decoder Replace \"content\"", err);
    } else if (strcmp(ty, "Strip") == 0) {
        o->kind = DEC_STRIP;
        json_t *c = json_object_get(d, "content"), *st = json_object_get(d, "start"),
               *sp = json_object_get(d, "stop");
        if (!json_is_string(c) || utf8_count(json_string_value(c), json_string_length(c)) != 1 ||
            !json_is_integer(st) || !json_is_integer(sp) || json_integer_value(st) < 0 ||
            json_integer_value(sp) < 0)
            rc = tb_fail(err, TB_EINPUT,
                         "decoder Strip needs a one-character \"content\" and \"start\", "
                         "\"stop\" counts");
        else {
            utf8_decode((const uint8_t *)json_string_value(c), json_string_length(c), &o->cp);
            o->start = (size_t)json_integer_value(st);
            o->stop = (size_t)json_integer_value(sp);
        }
    } else if (strcmp(ty, "WordPiece") == 0) {
        o->kind = DEC_WORDPIECE;
        json_t *pj = json_object_get(d, "prefix");
        o->cleanup = !json_is_false(json_object_get(d, "cleanup"));
        if (pj) {
            rc = dup_string(pj, &o->pat, &o->plen, "decoder WordPiece \"prefix\"", err);
        } else if ((o->pat = tb_malloc(3, err))) {
            memcpy(o->pat, "##", 3);
            o->plen = 2;
        } else {
            rc = TB_EINPUT;
        }
    } else if (strcmp(ty, "Metaspace") == 0) {
        o->kind = DEC_METASPACE;
        rc = dup_string(json_object_get(d, "replacement"), &o->pat, &o->plen,
                        "decoder Metaspace \"replacement\"", err);
        if (!rc)
            rc = prepend_scheme(d, &o->prepend, "decoder Metaspace", err);
    } else {
        return tb_fail(err, TB_EINPUT,
                       "decoder '%s' is not supported (Sequence, Replace, ByteFallback, Fuse, "
                       "Strip, Metaspace, WordPiece)",
                       ty);
    }
    m->n_dec++;
    return rc;
}

/* The halves of merges[i]: "a b" (exactly one space) or ["a", "b"]. */
static int merge_parts(json_t *x, char **buf, size_t *cap, const char **a, size_t *la,
                       const char **b, size_t *lb, tb_error *err)
{
    if (json_is_string(x)) {
        size_t n = json_string_length(x);
        if (n + 1 > *cap) {
            char *nb = tb_realloc(*buf, n + 1, err);
            if (!nb)
                return TB_EINPUT;
            *buf = nb;
            *cap = n + 1;
        }
        memcpy(*buf, json_string_value(x), n + 1);
        char *sp = memchr(*buf, ' ', n);
        if (!sp || memchr(sp + 1, ' ', n - (size_t)(sp - *buf) - 1) || sp == *buf ||
            sp == *buf + n - 1)
            return -1;
        *sp = 0;
        *a = *buf;
        *la = (size_t)(sp - *buf);
        *b = sp + 1;
        *lb = n - *la - 1;
        return 0;
    }
    if (json_is_array(x) && json_array_size(x) == 2 && json_is_string(json_array_get(x, 0)) &&
        json_is_string(json_array_get(x, 1))) {
        *a = json_string_value(json_array_get(x, 0));
        *la = json_string_length(json_array_get(x, 0));
        *b = json_string_value(json_array_get(x, 1));
        *lb = json_string_length(json_array_get(x, 1));
        return 0;
    }
    return -1;
}

static int load_affix(json_t *model, const char *key, char *out, size_t *len, tb_error *err)
{
    json_t *x = json_object_get(model, key);
    *len = 0;
    out[0] = 0;
    if (!x || json_is_null(x))
        return TB_OK;
    if (!json_is_string(x) || json_string_length(x) > SP_MAX_AFFIX)
        return tb_fail(err, TB_EINPUT, "model %s: expected a string of at most %d bytes", key,
                       SP_MAX_AFFIX);
    *len = json_string_length(x);
    memcpy(out, json_string_value(x), *len + 1);
    return TB_OK;
}

/* model Unigram: vocab [[piece, score], ...] in id order; the pieces are
 * checked (non-empty strings, numeric scores) before anything is built. */
static int check_unigram(json_t *model, tb_error *err)
{
    json_t *vocab = json_object_get(model, "vocab"), *x;
    size_t i;
    if (!json_is_array(vocab))
        return tb_fail(err, TB_EINPUT, "model Unigram has no \"vocab\" array");
    if (json_array_size(vocab) >= UINT32_MAX / 2)
        return tb_fail(err, TB_EINPUT, "model Unigram: %zu pieces are too many",
                       json_array_size(vocab));
    json_array_foreach(vocab, i, x) {
        json_t *p = json_array_get(x, 0), *sc = json_array_get(x, 1);
        if (!json_is_array(x) || json_array_size(x) != 2 || !json_is_string(p) ||
            json_string_length(p) == 0 || !json_is_number(sc))
            return tb_fail(err, TB_EINPUT, "model Unigram vocab[%zu]: expected [\"piece\", score]",
                           i);
    }
    json_t *unk = json_object_get(model, "unk_id");
    if (unk && !json_is_null(unk) &&
        (!json_is_integer(unk) || json_integer_value(unk) < 0 ||
         (size_t)json_integer_value(unk) >= json_array_size(vocab)))
        return tb_fail(err, TB_EINPUT, "model Unigram: unk_id is not an id of the vocab");
    return TB_OK;
}

static int build_unigram(struct spbpe *m, json_t *model, tb_error *err)
{
    json_t *vocab = json_object_get(model, "vocab"), *x;
    size_t n = json_array_size(vocab), i;
    const uint8_t **pc = tb_malloc((n ? n : 1) * sizeof *pc, err);
    uint32_t *len = tb_malloc((n ? n : 1) * sizeof *len, err);
    double *sc = tb_malloc((n ? n : 1) * sizeof *sc, err);
    int rc = pc && len && sc ? TB_OK : TB_EINPUT;
    json_array_foreach(vocab, i, x) {
        if (rc)
            break;
        pc[i] = m->arena + m->voff[i];
        len[i] = m->vlen[i];
        sc[i] = json_number_value(json_array_get(x, 1));
    }
    json_t *unk = json_object_get(model, "unk_id");
    int64_t unk_id = json_is_integer(unk) ? (int64_t)json_integer_value(unk) : -1;
    if (!rc)
        rc = unigram_new(&m->uni, (uint32_t)n, pc, len, sc, unk_id, m->byte_fallback, err);
    if (!rc && unk_id >= 0)
        m->isfb[unk_id] = 1;
    free(pc);
    free(len);
    free(sc);
    return rc;
}

/* model WordPiece over the vocab already read into m (unk_token is a
 * token string; its id is unk). */
static int build_wordpiece(struct spbpe *m, json_t *model, tb_error *err)
{
    char prefix[SP_MAX_AFFIX + 1];
    size_t plen;
    json_t *pj = json_object_get(model, "continuing_subword_prefix");
    int rc = load_affix(model, "continuing_subword_prefix", prefix, &plen, err);
    if (rc)
        return rc;
    if (!pj) {
        memcpy(prefix, "##", 3);
        plen = 2;
    }
    json_t *mx = json_object_get(model, "max_input_chars_per_word");
    json_int_t max_chars = mx ? json_integer_value(mx) : 100;
    if ((mx && !json_is_integer(mx)) || max_chars < 0)
        return tb_fail(err, TB_EINPUT,
                       "model WordPiece: max_input_chars_per_word is not a count");
    json_t *unk = json_object_get(model, "unk_token");
    if (!json_is_string(unk))
        return tb_fail(err, TB_EINPUT, "model WordPiece: unk_token is not a string");
    uint32_t uid = vocab_get(m, (const uint8_t *)json_string_value(unk), json_string_length(unk));
    const uint8_t **pc = tb_malloc(m->n_ids * sizeof *pc, err);
    uint32_t *len = tb_malloc(m->n_ids * sizeof *len, err);
    rc = pc && len ? TB_OK : TB_EINPUT;
    for (uint32_t id = 0; id < m->n_ids && !rc; id++) {
        pc[id] = m->arena + m->voff[id];
        len[id] = m->invocab[id] ? m->vlen[id] : 0;
    }
    if (!rc)
        rc = wordpiece_new(&m->wp, m->n_ids, pc, len, prefix, plen,
                           uid == SP_NONE ? -1 : (int64_t)uid, (size_t)max_chars, err);
    if (!rc && uid != SP_NONE)
        m->isfb[uid] = 1;
    free(pc);
    free(len);
    return rc;
}

static int load_model(struct spbpe *m, json_t *root, tb_error *err)
{
    json_t *model = json_object_get(root, "model");
    json_t *vocab = json_object_get(model, "vocab"), *merges = json_object_get(model, "merges");
    json_t *added = json_object_get(root, "added_tokens");
    int uni = strcmp(type_of(model), "Unigram") == 0;
    int wpm = strcmp(type_of(model), "WordPiece") == 0;
    json_t *d = json_object_get(model, "dropout");
    if (d && !json_is_null(d))
        return tb_fail(err, TB_EINPUT, "model BPE with dropout is not supported");
    if (uni) {
        int urc = check_unigram(model, err);
        if (urc)
            return urc;
    } else if (strcmp(type_of(model), "BPE") != 0 && !wpm) {
        return tb_fail(err, TB_EINPUT,
                       "model type '%s' is not supported (BPE, Unigram, WordPiece)",
                       type_of(model));
    } else if (!json_is_object(vocab)) {
        return tb_fail(err, TB_EINPUT, "model has no \"vocab\" object");
    } else if (!wpm && !json_is_array(merges)) {
        return tb_fail(err, TB_EINPUT, "model has no \"merges\" array");
    }
    if (added && !json_is_array(added))
        return tb_fail(err, TB_EINPUT, "\"added_tokens\" is not an array");
    int rc;
    if (!wpm && (rc = load_affix(model, "continuing_subword_prefix", m->prefix, &m->prefix_len,
                                 err)))
        return rc;
    if ((rc = load_affix(model, "end_of_word_suffix", m->suffix, &m->suffix_len, err)))
        return rc;
    m->byte_fallback = json_is_true(json_object_get(model, "byte_fallback"));
    m->fuse_unk = json_is_true(json_object_get(model, "fuse_unk"));
    m->ignore_merges = json_is_true(json_object_get(model, "ignore_merges"));
    /* ids: dense (as hf_load.c checks) */
    uint64_t max_id = 0;
    const char *key, *max_key = "";
    json_t *val, *x;
    size_t i, i_uni = 0;
    if (uni && json_array_size(vocab)) {
        max_id = json_array_size(vocab) - 1;
        max_key = json_string_value(json_array_get(json_array_get(vocab, max_id), 0));
    }
    if (!uni)
        json_object_foreach(vocab, key, val) {
            json_int_t id = json_integer_value(val);
            if (!json_is_integer(val) || id < 0 || id >= UINT32_MAX - 1)
                return tb_fail(err, TB_EINPUT, "vocab entry '%.60s': bad id", key);
            if ((uint64_t)id > max_id) {
                max_id = (uint64_t)id;
                max_key = key;
            }
        }
    json_array_foreach(added, i, x) {
        json_t *idj = json_object_get(x, "id"), *c = json_object_get(x, "content");
        if (!json_is_integer(idj) || json_integer_value(idj) < 0 ||
            json_integer_value(idj) >= UINT32_MAX - 1 || !json_is_string(c) ||
            json_string_length(c) == 0)
            return tb_fail(err, TB_EINPUT, "added_tokens[%zu]: needs an id and a content", i);
        if ((uint64_t)json_integer_value(idj) > max_id) {
            max_id = (uint64_t)json_integer_value(idj);
            max_key = json_string_value(c);
        }
        static const char *const k_flags[] = {"lstrip", "rstrip", "single_word"};
        for (int k = 0; k < 3; k++)
            if (json_is_true(json_object_get(x, k_flags[k])))
                return tb_fail(err, TB_EINPUT,
                               "added_tokens[%zu] '%.60s': %s is not supported", i,
                               json_string_value(c), k_flags[k]);
    }
    size_t n_vocab = uni ? json_array_size(vocab) : json_object_size(vocab);
    size_t n_entries = n_vocab + json_array_size(added);
    if (max_id >= 2 * (uint64_t)n_entries + 1024)
        return tb_fail(err, TB_EINPUT,
                       "entry '%.60s': id %llu is far beyond the %zu entries (ids must be "
                       "dense: below %llu)",
                       max_key, (unsigned long long)max_id, n_entries,
                       (unsigned long long)(2 * (uint64_t)n_entries + 1024));
    uint32_t n = (uint32_t)max_id + 1;
    m->n_ids = n;
    m->voff = tb_calloc(n, sizeof *m->voff, err);
    m->vlen = tb_calloc(n, sizeof *m->vlen, err);
    m->invocab = tb_calloc(n, 1, err);
    m->doff = tb_calloc(n, sizeof *m->doff, err);
    m->dlen = tb_calloc(n, sizeof *m->dlen, err);
    m->defined = tb_calloc(n, 1, err);
    m->isfb = tb_calloc(n, 1, err);
    if (!m->voff || !m->vlen || !m->invocab || !m->doff || !m->dlen || !m->defined || !m->isfb)
        return TB_EINPUT;
    void *it = uni ? NULL : json_object_iter(vocab);
    for (;;) {
        uint32_t id;
        size_t kl;
        if (uni) {
            if (i_uni >= n_vocab)
                break;
            id = (uint32_t)i_uni;
            json_t *pj = json_array_get(json_array_get(vocab, i_uni++), 0);
            key = json_string_value(pj);
            kl = json_string_length(pj);
        } else {
            if (!it)
                break;
            key = json_object_iter_key(it);
            id = (uint32_t)json_integer_value(json_object_iter_value(it));
            kl = strlen(key);
            it = json_object_iter_next(vocab, it);
        }
        if (m->invocab[id])
            return tb_fail(err, TB_EINPUT, "vocab: id %u appears twice", id);
        if (kl == 0 || kl > UINT32_MAX)
            return tb_fail(err, TB_EINPUT, "vocab: empty token for id %u", id);
        if ((rc = arena_put(m, key, kl, &m->voff[id], err)))
            return rc;
        m->vlen[id] = (uint32_t)kl;
        m->invocab[id] = 1;
        m->defined[id] = 1;
        m->doff[id] = m->voff[id];
        m->dlen[id] = (uint32_t)kl;
    }
    m->vmask = pow2_at_least(2 * n_vocab + 2) - 1;
    m->vslot = tb_calloc(m->vmask + 1, sizeof *m->vslot, err);
    if (!m->vslot)
        return TB_EINPUT;
    for (uint32_t id = 0; id < n; id++) {
        if (!m->invocab[id])
            continue;
        size_t s = (size_t)hash_bytes(m->arena + m->voff[id], m->vlen[id]) & m->vmask;
        while (m->vslot[s])
            s = (s + 1) & m->vmask;
        m->vslot[s] = id + 1;
    }
    /* added tokens: decode strings, and the two match sets */
    json_array_foreach(added, i, x) {
        uint32_t id = (uint32_t)json_integer_value(json_object_get(x, "id"));
        json_t *c = json_object_get(x, "content");
        const uint8_t *s = (const uint8_t *)json_string_value(c);
        size_t sl = json_string_length(c);
        if ((rc = arena_put(m, s, sl, &m->doff[id], err)))
            return rc;
        m->dlen[id] = (uint32_t)sl;
        m->defined[id] = 1;
        if (!json_is_true(json_object_get(x, "normalized"))) {
            if ((rc = match_add(&m->raw_added, id, s, sl, err)))
                return rc;
            continue;
        }
        /* matched by its normalized content */
        struct nbuf a = {0}, b = {0};
        rc = nb_put(&a, s, sl, 0, err);
        for (size_t k = 0; k < m->n_norm && !rc; k++) {
            rc = normalize(&m->norm[k], &a, &b, err);
            struct nbuf t = a;
            a = b;
            b = t;
        }
        if (!rc && a.n)
            rc = match_add(&m->norm_added, id, a.b, a.n, err);
        nb_release(&a);
        nb_release(&b);
        if (rc)
            return tb_wrap(err, "added_tokens[%zu]: ", i);
    }
    if ((rc = match_index(&m->raw_added, err)) || (rc = match_index(&m->norm_added, err)))
        return rc;
    /* unk and byte fallback */
    m->unk_id = SP_NONE;
    json_t *unk = json_object_get(model, "unk_token");
    if (uni) {
        /* Unigram's own unk_id (unigram.h) */
    } else if (json_is_string(unk)) {
        m->has_unk = 1;
        m->unk_id = vocab_get(m, (const uint8_t *)json_string_value(unk), json_string_length(unk));
        if (m->unk_id != SP_NONE)
            m->isfb[m->unk_id] = 1;
    } else if (unk && !json_is_null(unk)) {
        return tb_fail(err, TB_EINPUT, "model unk_token: expected a string or null");
    }
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        m->byte_tok[b] = vocab_get(m, (const uint8_t *)name, 6);
        if (m->byte_fallback && m->byte_tok[b] != SP_NONE)
            m->isfb[m->byte_tok[b]] = 1;
    }
    if (uni)
        return build_unigram(m, model, err);
    if (wpm)
        return build_wordpiece(m, model, err);
    /* merges: (a, b) -> rank, id of a + b without b's prefix */
    m->pmask = pow2_at_least(2 * json_array_size(merges) + 2) - 1;
    m->pairs = tb_malloc((m->pmask + 1) * sizeof *m->pairs, err);
    if (!m->pairs)
        return TB_EINPUT;
    for (size_t s = 0; s <= m->pmask; s++)
        m->pairs[s].key = UINT64_MAX;
    char *mbuf = NULL, *cat = NULL;
    size_t mcap = 0, ccap = 0;
    rc = TB_OK;
    json_array_foreach(merges, i, x) {
        const char *a, *b;
        size_t la, lb;
        int pr = merge_parts(x, &mbuf, &mcap, &a, &la, &b, &lb, err);
        if (pr) {
            rc = pr > 0 ? pr
                        : tb_fail(err, TB_EINPUT,
                                  "merges[%zu]: expected \"a b\" or [\"a\", \"b\"]", i);
            break;
        }
        uint32_t ia = vocab_get(m, (const uint8_t *)a, la), ib = vocab_get(m, (const uint8_t *)b, lb);
        if (ia == SP_NONE || ib == SP_NONE) {
            rc = tb_fail(err, TB_EINPUT, "merges[%zu]: '%.60s %.60s' uses a token not in vocab",
                         i, a, b);
            break;
        }
        if (lb < m->prefix_len) {
            rc = tb_fail(err, TB_EINPUT,
                         "merges[%zu]: '%.60s' is shorter than continuing_subword_prefix", i, b);
            break;
        }
        size_t lc = la + lb - m->prefix_len;
        if (lc + 1 > ccap) {
            char *nc = tb_realloc(cat, 2 * lc + 16, err);
            if (!nc) {
                rc = TB_EINPUT;
                break;
            }
            cat = nc;
            ccap = 2 * lc + 16;
        }
        memcpy(cat, a, la);
        memcpy(cat + la, b + m->prefix_len, lb - m->prefix_len);
        uint32_t ic = vocab_get(m, (const uint8_t *)cat, lc);
        if (ic == SP_NONE) {
            rc = tb_fail(err, TB_EINPUT, "merges[%zu]: merged token '%.*s' is not in vocab", i,
                         (int)(lc < 120 ? lc : 120), cat);
            break;
        }
        if (i >= UINT32_MAX) {
            rc = tb_fail(err, TB_EINPUT, "too many merges");
            break;
        }
        pair_put(m, ia, ib, (uint32_t)i, ic);
    }
    free(mbuf);
    free(cat);
    if (rc == TB_OK)
        meta_cuts_check(m);
    /* the first lookup of every character, without hashing */
    if (rc == TB_OK && !(m->bmp = tb_malloc(0x10000 * sizeof *m->bmp, err)))
        rc = TB_EINPUT;
    for (int32_t cp = 0; rc == TB_OK && cp < 0x10000; cp++) {
        uint8_t u[4];
        size_t k = (size_t)utf8_encode(cp, u);   /* surrogates: never decoded */
        m->bmp[cp] = vocab_get(m, u, k);
    }
    return rc ? rc : whole_check(m, err);
}

int spbpe_new_from_json(tokenizer *t, json_t *root, tb_error *err)
{
    struct spbpe *m = tb_calloc(1, sizeof *m, err);
    if (!m)
        return TB_EINPUT;
    int rc;
    if ((rc = load_normalizer(m, json_object_get(root, "normalizer"), err)) ||
        (rc = load_pretok(m, json_object_get(root, "pre_tokenizer"), err)) ||
        (rc = load_decoder(m, json_object_get(root, "decoder"), err)) ||
        (rc = load_model(m, root, err))) {
        sp_free(m);
        return rc ? rc : TB_EINPUT;
    }
    t->ops = &k_spbpe_ops;
    t->state = m;
    t->vocab_size = m->n_ids;
    return TB_OK;
}

/* ---- for the compiled form (spbpe_impl.h) ------------------------------ */

void spbpe_attach(tokenizer *t, struct spbpe *m)
{
    t->ops = &k_spbpe_ops;
    t->state = m;
    t->vocab_size = m->n_ids;
}

const struct spbpe *spbpe_of(const tokenizer *t)
{
    return t->ops == &k_spbpe_ops ? t->state : NULL;
}

void spbpe_model_free(struct spbpe *m)
{
    sp_free(m);
}

int spbpe_match_add(struct sp_match *s, uint32_t id, const uint8_t *p, size_t n, tb_error *err)
{
    return match_add(s, id, p, n, err);
}

int spbpe_match_index(struct sp_match *s, tb_error *err)
{
    return match_index(s, err);
}
