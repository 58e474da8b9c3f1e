/* bpe.c - the byte-level BPE model, encoder and tokenizer ops (bpe.h); the
 * loaders live in tiktoken_load.c, hf_load.c and here (bpe-file). */
#define BPE_INTERNAL
#include "bpe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <utf8proc.h>

#include "../common/utf8.h"
#include "bpe_model.h"
#include "tokenizer_impl.h"

/* ---- hashing ---------------------------------------------------------- */

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

/* ---- building --------------------------------------------------------- */

uint64_t bpe_id_bound(size_t n_entries) { return 2 * (uint64_t)n_entries + 1024; }

uint64_t bpe_new_uid(void)
{
    static _Atomic uint64_t next_uid;
    return ++next_uid;
}

int bpe_alloc(struct bpe **out, uint32_t n_ids, tb_error *err)
{
    struct bpe *m = tb_calloc(1, sizeof *m, err);
    if (!m)
        return TB_EINPUT;
    m->uid = bpe_new_uid();
    m->n_ids = n_ids;
    m->tok_off = tb_calloc(n_ids ? n_ids : 1, sizeof *m->tok_off, err);
    m->tok_len = tb_calloc(n_ids ? n_ids : 1, sizeof *m->tok_len, err);
    m->kind = tb_calloc(n_ids ? n_ids : 1, 1, err);
    if (!m->tok_off || !m->tok_len || !m->kind) {
        bpe_free(m);
        return TB_EINPUT;
    }
    *out = m;
    return TB_OK;
}

void bpe_free(struct bpe *m)
{
    if (!m)
        return;
    pretok_free(m->pt);
    if (m->map) {
        if (m->map_len)
            munmap(m->map, m->map_len);
        free(m);
        return;
    }
    free(m->bytes);
    free(m->tok_off);
    free(m->tok_len);
    free(m->kind);
    free(m->vslot);
    free(m->vbloom);
    free(m->pairs);
    free(m->bytepair);
    free(m->pidx);
    free(m->plist);
    free(m->pfilt);
    free(m);
}

int bpe_set_token(struct bpe *m, uint32_t id, const void *bytes, size_t len, int kind,
                  tb_error *err)
{
    if (id >= m->n_ids)
        return tb_fail(err, TB_EINPUT, "id %u out of range", id);
    if (m->kind[id])
        return tb_fail(err, TB_EINPUT, "id %u defined twice", id);
    if (len == 0 || len > UINT32_MAX)
        return tb_fail(err, TB_EINPUT, "id %u: empty token", id);
    if (kind == BPE_ORDINARY && len > 65535)
        return tb_fail(err, TB_EINPUT, "id %u: token of %zu bytes (limit 65535)", id, len);
    if (m->n_bytes + len > m->cap_bytes) {
        size_t nc = m->cap_bytes ? m->cap_bytes : 1 << 16;
        while (nc < m->n_bytes + len)
            nc *= 2;
        uint8_t *nb = tb_realloc(m->bytes, nc, err);
        if (!nb)
            return TB_EINPUT;
        m->bytes = nb;
        m->cap_bytes = nc;
    }
    memcpy(m->bytes + m->n_bytes, bytes, len);
    m->tok_off[id] = m->n_bytes;
    m->tok_len[id] = (uint32_t)len;
    m->kind[id] = (uint8_t)kind;
    m->n_bytes += len;
    return TB_OK;
}

/* Id of the ordinary token with bytes p[0..n), or UINT32_MAX. */
#define VBLOOM_BIT(h) ((h) >> 43)   /* 21 bits: 1 << 15 words of 64 */

static inline uint32_t lookup_h(const struct bpe *m, const uint8_t *p, size_t n, uint64_t h)
{
    if (m->vbloom && !(m->vbloom[VBLOOM_BIT(h) >> 6] >> (VBLOOM_BIT(h) & 63) & 1))
        return UINT32_MAX;
    for (size_t i = (size_t)h & m->vmask;; i = (i + 1) & m->vmask) {
        uint32_t v = m->vslot[i];
        if (v == 0)
            return UINT32_MAX;
        v--;
        if (m->tok_len[v] == n && memcmp(m->bytes + m->tok_off[v], p, n) == 0)
            return v;
    }
}

uint32_t bpe_lookup(const struct bpe *m, const uint8_t *p, size_t n)
{
    return lookup_h(m, p, n, hash_bytes(p, n));
}

int bpe_index_tokens(struct bpe *m, tb_error *err)
{
    size_t n_ord = 0;
    for (uint32_t i = 0; i < m->n_ids; i++)
        n_ord += m->kind[i] == BPE_ORDINARY;
    m->vmask = pow2_at_least(2 * n_ord + 2) - 1;
    free(m->vslot);
    m->vslot = tb_calloc(m->vmask + 1, sizeof *m->vslot, err);
    if (!m->vslot)
        return TB_EINPUT;
    for (uint32_t id = 0; id < m->n_ids; id++) {
        if (m->kind[id] != BPE_ORDINARY)
            continue;
        const uint8_t *p = m->bytes + m->tok_off[id];
        size_t n = m->tok_len[id];
        uint64_t h = hash_bytes(p, n);
        size_t i = (size_t)h & m->vmask;
        for (;; i = (i + 1) & m->vmask) {
            uint32_t v = m->vslot[i];
            if (v == 0)
                break;
            v--;
            if (m->tok_len[v] == n && memcmp(m->bytes + m->tok_off[v], p, n) == 0)
                return tb_fail(err, TB_EINPUT, "token of id %u duplicates the bytes of id %u", id,
                               v);
        }
        m->vslot[i] = id + 1;
    }
    m->vbloom = tb_calloc((size_t)1 << 15, sizeof *m->vbloom, err);
    if (!m->vbloom)
        return TB_EINPUT;
    for (uint32_t id = 0; id < m->n_ids; id++) {
        if (m->kind[id] != BPE_ORDINARY)
            continue;
        uint64_t h = hash_bytes(m->bytes + m->tok_off[id], m->tok_len[id]);
        m->vbloom[VBLOOM_BIT(h) >> 6] |= (uint64_t)1 << (VBLOOM_BIT(h) & 63);
    }
    for (int b = 0; b < 256; b++) {
        uint8_t c = (uint8_t)b;
        uint32_t id = bpe_lookup(m, &c, 1);
        if (id == UINT32_MAX)
            return tb_fail(err, TB_EINPUT, "no token for the single byte 0x%02x", b);
        m->byte_id[b] = id;
    }
    return TB_OK;
}

int bpe_pairs_init(struct bpe *m, size_t n_pairs, tb_error *err)
{
    m->pmask = pow2_at_least(2 * n_pairs + 2) - 1;
    free(m->pairs);
    m->pairs = tb_malloc((m->pmask + 1) * sizeof *m->pairs, err);
    if (!m->pairs)
        return TB_EINPUT;
    for (size_t i = 0; i <= m->pmask; i++)
        m->pairs[i].key = UINT64_MAX;
    m->n_pairs = 0;
    return TB_OK;
}

/* Inserts or overwrites (a, b) -> (rank, merged id). The table was sized for
 * the number of pairs announced to bpe_pairs_init. */
void bpe_pair_put(struct bpe *m, uint32_t a, uint32_t b, uint32_t rank, uint32_t merged)
{
    uint64_t key = (uint64_t)a << 32 | b;
    for (size_t i = (size_t)hash_pair(key) & m->pmask;; i = (i + 1) & m->pmask) {
        struct bpe_pair *e = &m->pairs[i];
        if (e->key == key || e->key == UINT64_MAX) {
            if (e->key == UINT64_MAX)
                m->n_pairs++;
            e->key = key;
            e->rank = rank;
            e->merged = merged;
            return;
        }
    }
}

int bpe_pairs_from_ranks(struct bpe *m, tb_error *err)
{
    /* every split of every ordinary token into two ordinary tokens */
    size_t count = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && bpe_pairs_init(m, count, err))
            return TB_EINPUT;
        for (uint32_t id = 0; id < m->n_ids; id++) {
            if (m->kind[id] != BPE_ORDINARY || m->tok_len[id] < 2)
                continue;
            const uint8_t *p = m->bytes + m->tok_off[id];
            size_t n = m->tok_len[id];
            for (size_t k = 1; k < n; k++) {
                uint32_t a = bpe_lookup(m, p, k);
                if (a == UINT32_MAX)
                    continue;
                uint32_t b = bpe_lookup(m, p + k, n - k);
                if (b == UINT32_MAX)
                    continue;
                if (pass == 0)
                    count++;
                else
                    bpe_pair_put(m, a, b, id, id);
            }
        }
    }
    return bpe_pairs_done(m, err);
}

/* ---- encoding --------------------------------------------------------- */

struct heap_ent {
    uint64_t key;           /* rank << 32 | position of the left symbol */
    uint16_t len_l, len_r;  /* symbol lengths when pushed (staleness check;
                               ordinary tokens are < 65536 bytes) */
    uint32_t merged;
};

/* State of the symbol that starts at a position of the piece (see
 * "whole characters first" below). */
enum {
    SYM_FREE = 0,       /* merges by the pair rule */
    SYM_EARLY = 1,      /* a whole character taken as one token before its
                           last merge was due (that merge's key in skey) */
    SYM_SEALED = 2,     /* part of a character that stays in parts: never merges */
};

struct enc {
    const struct bpe *m;
    const uint8_t *text;        /* text being split (normalized if NFC changed it) */
    const uint32_t *omap;       /* byte of text -> byte of the caller's text, or NULL */
    uint32_t *ids, *offs;
    size_t cap, n;
    /* per-call scratch, grown as needed */
    uint32_t *sid, *slen, *sprv;   /* per symbol start: id, bytes, previous symbol's start */
    uint8_t *sst;                   /* per symbol start: SYM_* */
    uint64_t *skey;                 /* per SYM_EARLY symbol start: the key it was due at */
    size_t scap;                    /* pieces up to scap bytes fit */
    int scratch_heap;               /* 1: the scratch is malloc'd, else on the stack */
    struct heap_ent *heap;
    size_t hcap, hn;
    uint64_t popped;            /* largest key popped so far in this piece */
    size_t piece;               /* start of the piece being merged */
    tb_error *err;
};

static inline void put_tok(struct enc *e, uint32_t id, size_t at)
{
    if (e->n < e->cap) {
        e->ids[e->n] = id;
        if (e->offs)
            e->offs[e->n] = e->omap ? e->omap[at] : (uint32_t)at;
    }
    e->n++;
}

static inline int heap_less(const struct heap_ent *a, const struct heap_ent *b)
{
    return a->key < b->key;
}

static void heap_push(struct enc *e, struct heap_ent x)
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

/* Puts x into the hole at slot i of h[0..n), moving the hole down past
 * every smaller child (the heap property below i holds before and after). */
static inline void heap_sift_down(struct heap_ent *h, size_t n, size_t i, struct heap_ent x)
{
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

static struct heap_ent heap_pop(struct enc *e)
{
    struct heap_ent *h = e->heap;
    struct heap_ent top = h[0], x = h[--e->hn];
    if (e->hn)
        heap_sift_down(h, e->hn, 0, x);
    return top;
}

static int cmp_rpair(const void *a, const void *b)
{
    uint32_t x = ((const struct bpe_rpair *)a)->right, y = ((const struct bpe_rpair *)b)->right;
    return x < y ? -1 : x > y;
}

/* The pair (a, b) in the per-left-token lists, or NULL. */
static inline const struct bpe_rpair *pair_find(const struct bpe *m, uint32_t a, uint32_t b)
{
    uint32_t lo = m->pidx[a], hi = m->pidx[a + 1];
    const struct bpe_rpair *l = m->plist;
    while (hi - lo > 8) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l[mid].right <= b)
            lo = mid;
        else
            hi = mid;
    }
    for (; lo < hi; lo++)
        if (l[lo].right == b)
            return &l[lo];
    return NULL;
}

#define PFILT_BIT(b) ((uint32_t)((b) * 0x9E3779B1u) >> 26)

/* ---- characters as units ------------------------------------------------
 * UTF-8 structure only (lead byte -> length, continuation bytes 10xxxxxx;
 * overlong forms and surrogates count as characters like any other): a byte
 * string is "aligned" when it is a sequence of whole characters. A token
 * that is not aligned ("misaligned": it starts or ends inside a character,
 * e.g. "\x93" + "名" or " " + "\xe5") is the only kind of token that can
 * join part of a character with a neighbour. The encoder's character path
 * (encode_piece) relies on this: where no misaligned token can lie across a
 * character boundary of the text, the bytes of a character only ever merge
 * with each other until the character is whole.
 *
 * bytepair[x << 8 | y].key (unused by the byte-pair lookups) records, for
 * the bytes x, y adjacent at a character boundary inside some misaligned
 * ordinary token (x ends a character or is ASCII, y starts one):
 *   bit 63               a two-byte misaligned token "xy" exists;
 *   bit (z & 31)         some such token continues with byte z after y;
 *   bit 32 + (w & 31) % 31  some such token has byte w before x.
 * A misaligned token of three or more bytes across boundary i of the text
 * covers text[i - 2] or text[i + 1], so boundary_may_split (below) tests
 * those bits; 0 everywhere means no misaligned token at all. */
#define MIS_PAIR (1ULL << 63)
#define MIS_NEXT(z) (1ULL << ((z) & 31))
#define MIS_PREV(w) (1ULL << (32 + ((w) & 31) % 31))

/* Bytes in the character that starts with lead byte b: 1..4, 0 for a
 * continuation byte or an impossible lead (0xF8..0xFF). */
static inline unsigned utf8_units(uint8_t b)
{
    static const uint8_t k[16] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4};
    return b >= 0xF8 ? 0 : k[b >> 4];
}

/* Bytes of the character at t[i] of t[0..n), i < n: its lead byte's
 * utf8_units when that many bytes are left and all but the first are
 * continuation bytes, else 0. */
static inline unsigned utf8_char_len(const uint8_t *t, size_t n, size_t i)
{
    unsigned u = utf8_units(t[i]);
    if (u == 0 || u > n - i)
        return 0;
    for (unsigned k = 1; k < u; k++)
        if ((t[i + k] & 0xC0) != 0x80)
            return 0;
    return u;
}

static int aligned(const uint8_t *t, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned u = utf8_char_len(t, n, i);
        if (u == 0)
            return 0;
        i += u;
    }
    return 1;
}

static void mark_misaligned(struct bpe *m)
{
    for (uint32_t id = 0; id < m->n_ids; id++) {
        size_t n = m->tok_len[id];
        const uint8_t *t = m->bytes + m->tok_off[id];
        if (m->kind[id] != BPE_ORDINARY || n < 2 || aligned(t, n))
            continue;
        for (size_t k = 0; k + 1 < n; k++) {
            /* only a place where the text can have a character boundary */
            if (t[k] >= 0xC0 || (t[k + 1] & 0xC0) == 0x80)
                continue;
            uint64_t *f = &m->bytepair[t[k] << 8 | t[k + 1]].key;
            if (n == 2)
                *f |= MIS_PAIR;
            if (k + 2 < n)
                *f |= MIS_NEXT(t[k + 2]);
            if (k > 0)
                *f |= MIS_PREV(t[k - 1]);
        }
    }
}

/* 0 when no misaligned token can cover bytes i - 1 and i of the piece
 * p[0..n) (0 < i < n, a character boundary); 1 when one might. */
static inline int boundary_may_split(const struct bpe *m, const uint8_t *p, size_t n, size_t i)
{
    uint64_t f = m->bytepair[p[i - 1] << 8 | p[i]].key;
    if (!f)
        return 0;
    return (f & MIS_PAIR) || (i + 1 < n && (f & MIS_NEXT(p[i + 1]))) ||
           (i >= 2 && (f & MIS_PREV(p[i - 2])));
}

int bpe_pairs_done(struct bpe *m, tb_error *err)
{
    /* hash table -> per-left-token lists sorted by right id: lookups touch
     * the short, contiguous list of one left token (which stays in cache for
     * frequent tokens) instead of a random slot of a large table */
    free(m->pidx);
    free(m->plist);
    free(m->pfilt);
    m->pfilt = tb_calloc(m->n_ids ? m->n_ids : 1, sizeof *m->pfilt, err);
    m->pidx = tb_calloc((size_t)m->n_ids + 2, sizeof *m->pidx, err);
    m->plist = tb_malloc((m->n_pairs ? m->n_pairs : 1) * sizeof *m->plist, err);
    if (!m->pidx || !m->plist || !m->pfilt)
        return TB_EINPUT;
    for (size_t i = 0; i <= m->pmask; i++)
        if (m->pairs[i].key != UINT64_MAX)
            m->pidx[(m->pairs[i].key >> 32) + 2]++;
    for (size_t a = 2; a < (size_t)m->n_ids + 2; a++)
        m->pidx[a] += m->pidx[a - 1];
    for (size_t i = 0; i <= m->pmask; i++) {
        const struct bpe_pair *e = &m->pairs[i];
        if (e->key == UINT64_MAX)
            continue;
        struct bpe_rpair *d = &m->plist[m->pidx[(e->key >> 32) + 1]++];
        d->right = (uint32_t)e->key;
        d->rank = e->rank;
        d->merged = e->merged;
        m->pfilt[e->key >> 32] |= (uint64_t)1 << PFILT_BIT(d->right);
    }
    for (uint32_t a = 0; a < m->n_ids; a++)
        if (m->pidx[a + 1] - m->pidx[a] > 1)
            qsort(m->plist + m->pidx[a], m->pidx[a + 1] - m->pidx[a], sizeof *m->plist,
                  cmp_rpair);
    free(m->bytepair);
    m->bytepair = tb_malloc(65536 * sizeof *m->bytepair, err);
    if (!m->bytepair)
        return TB_EINPUT;
    for (int a = 0; a < 256; a++)
        for (int b = 0; b < 256; b++) {
            const struct bpe_rpair *pv = pair_find(m, m->byte_id[a], m->byte_id[b]);
            struct bpe_pair *d = &m->bytepair[a << 8 | b];
            d->key = 0;
            d->rank = pv ? pv->rank : UINT32_MAX;
            d->merged = pv ? pv->merged : 0;
        }
    mark_misaligned(m);
    /* the hash table was only needed to build the lists */
    free(m->pairs);
    m->pairs = NULL;
    return TB_OK;
}

/* Pair lookups recently made by this thread (same rules as the piece cache
 * below: fixed size, tagged with the model uid, results only). 8192 slots,
 * indexed by the top 13 bits of hash_pair. */
struct pair_cache_ent {
    uint64_t owner;
    struct bpe_pair pair;   /* rank UINT32_MAX: no such pair */
};
static _Thread_local struct pair_cache_ent t_paircache[8192];

/* The merge of the tokens a, b (rank UINT32_MAX: they do not merge). */
static inline const struct bpe_pair *pair_lookup(const struct bpe *m, uint32_t a, uint32_t b)
{
    static const struct bpe_pair none = {0, UINT32_MAX, 0};
    if (!(m->pfilt[a] >> PFILT_BIT(b) & 1))
        return &none;
    /* per-thread cache of pair lookups in front of the lists */
    uint64_t key = (uint64_t)a << 32 | b;
    struct pair_cache_ent *c = &t_paircache[hash_pair(key) >> 51];
    if (c->owner != m->uid || c->pair.key != key) {
        const struct bpe_rpair *g = pair_find(m, a, b);
        c->owner = m->uid;
        c->pair.key = key;
        c->pair.rank = g ? g->rank : UINT32_MAX;
        c->pair.merged = g ? g->merged : 0;
    }
    return &c->pair;
}

/* The heap entry for merging symbols l and r; 0 when they have no merge. */
static inline int pair_entry(struct enc *e, uint32_t l, uint32_t r, struct heap_ent *x)
{
    const struct bpe_pair *pv;
    if (e->slen[l] == 1 && e->slen[r] == 1)
        pv = &e->m->bytepair[(unsigned)e->text[e->piece + l] << 8 | e->text[e->piece + r]];
    else
        pv = pair_lookup(e->m, e->sid[l], e->sid[r]);
    if (pv->rank == UINT32_MAX)
        return 0;
    *x = (struct heap_ent){.key = (uint64_t)pv->rank << 32 | l,
                           .len_l = (uint16_t)e->slen[l],
                           .len_r = (uint16_t)e->slen[r],
                           .merged = pv->merged};
    return 1;
}

/* Pushes the entry for merging symbols l and r, if they merge. Returns 1
 * when it cannot tell whether the merge is due yet (a character taken
 * whole early, a merge whose key is not above the character's own last
 * merge, and the loop not past that key yet): then the piece is redone
 * byte by byte. */
static inline int push_pair(struct enc *e, uint32_t l, uint32_t r)
{
    struct heap_ent x;
    uint8_t sl = e->sst[l], sr = e->sst[r];
    if ((sl | sr) & SYM_SEALED || !pair_entry(e, l, r, &x))
        return 0;
    if ((sl | sr) & SYM_EARLY) {
        uint64_t due = sl == SYM_EARLY ? e->skey[l] : 0;
        if (sr == SYM_EARLY && e->skey[r] > due)
            due = e->skey[r];
        if (x.key <= due && e->popped <= due)
            return 1;
    }
    heap_push(e, x);
    return 0;
}

/* Restores the heap property of heap[0..hn) (bottom-up, O(n)). */
static void heapify(struct enc *e)
{
    for (size_t s = e->hn / 2; s-- > 0;)
        heap_sift_down(e->heap, e->hn, s, e->heap[s]);
}

/* The scratch of pieces up to SCRATCH_LOCAL bytes lives on the stack of
 * bpe_encode_text (about 14 kB): no allocation for ordinary text. */
#define SCRATCH_LOCAL 256
struct scratch_local {
    uint32_t sid[SCRATCH_LOCAL], slen[SCRATCH_LOCAL], sprv[SCRATCH_LOCAL];
    uint64_t skey[SCRATCH_LOCAL];
    struct heap_ent heap[2 * SCRATCH_LOCAL];
    uint8_t sst[SCRATCH_LOCAL];
};

static void scratch_init(struct enc *e, struct scratch_local *l)
{
    e->sid = l->sid;
    e->slen = l->slen;
    e->sprv = l->sprv;
    e->skey = l->skey;
    e->heap = l->heap;
    e->sst = l->sst;
    e->scap = SCRATCH_LOCAL;
    e->hcap = 2 * SCRATCH_LOCAL;
    e->scratch_heap = 0;
}

static void scratch_release(struct enc *e)
{
    if (e->scratch_heap) {
        free(e->sid);
        free(e->slen);
        free(e->sprv);
        free(e->sst);
        free(e->skey);
        free(e->heap);
    }
    e->sid = e->slen = e->sprv = NULL;
    e->sst = NULL;
    e->skey = NULL;
    e->heap = NULL;
    e->scap = e->hcap = 0;
    e->scratch_heap = 0;
}

/* Scratch for a piece of n bytes: heap (the heap of the merge loop) holds
 * 2n entries: n - 1 first entries, then at most one more per merge. */
static int grow_scratch(struct enc *e, size_t n)
{
    if (n <= e->scap)
        return TB_OK;
    size_t nc = e->scap ? e->scap : 64;
    while (nc < n)
        nc *= 2;
    scratch_release(e);
    e->scratch_heap = 1;
    e->sid = tb_malloc(nc * sizeof *e->sid, e->err);
    e->slen = tb_malloc(nc * sizeof *e->slen, e->err);
    e->sprv = tb_malloc(nc * sizeof *e->sprv, e->err);
    e->sst = tb_malloc(nc, e->err);
    e->skey = tb_malloc(nc * sizeof *e->skey, e->err);
    e->heap = tb_malloc(2 * nc * sizeof *e->heap, e->err);
    if (!e->sid || !e->slen || !e->sprv || !e->sst || !e->skey || !e->heap) {
        scratch_release(e);
        return TB_EINPUT;
    }
    e->scap = nc;
    e->hcap = 2 * nc;
    return TB_OK;
}

/* ---- whole characters first ------------------------------------------------
 * The byte-by-byte loop (init_bytes, then merge_loop) spends most of its
 * time on Han, kana and Cyrillic putting each character together from its
 * bytes. Where no misaligned token can cross either boundary of a character
 * in the piece (boundary_may_split), no pair of a part of it and a symbol
 * outside it is a merge, so its bytes go through exactly the merges of the
 * character alone (char_bpe_run), in the same order, each popped as soon as
 * it is the smallest key in the heap. So the piece starts from each such
 * character's own result instead (keys are rank << 32 | position of the
 * left symbol, as in the heap; K below is the largest key among the
 * character's own merges, at its position in the piece):
 *   - a character that stays in parts is sealed: its parts never merge
 *     again, with each other (no merge was left) or with anything outside;
 *   - a character that becomes one token is a symbol at once, but in the
 *     byte-by-byte loop it only exists after the loop has popped K (its
 *     merges after that one are smaller than everything else in the heap
 *     and follow at once), and every key popped before that is below K.
 *     So a merge with it whose key is above K cannot be popped earlier
 *     than in the byte-by-byte loop and is pushed at once; one at or below
 *     K is pushed at once when a key above K was popped already (the
 *     character is whole by then); otherwise the piece is done again byte
 *     by byte (rare: in a trained vocabulary a token that contains a
 *     character ranks after it).
 * The heap then pops the merges outside the characters in the same order as
 * the byte-by-byte loop, and the ids are the same. A piece that is not whole
 * UTF-8 characters (by structure) goes byte by byte. */
struct char_bpe {
    uint32_t id[4];         /* the tokens of the character, in order */
    uint32_t last_rank;     /* the merge with the largest key: rank ... */
    uint8_t last_off;       /* ... and offset of its left symbol in the character */
    uint8_t n;              /* tokens, 1..4 */
    uint8_t len[4];         /* their bytes */
};

static void char_bpe_run(const struct bpe *m, const uint8_t *p, unsigned u, struct char_bpe *c)
{
    unsigned ns = u;
    uint64_t last = 0;
    for (unsigned k = 0; k < u; k++) {
        c->id[k] = m->byte_id[p[k]];
        c->len[k] = 1;
    }
    for (;;) {
        uint64_t best = UINT64_MAX;
        unsigned bk = 0;
        uint32_t merged = 0;
        for (unsigned k = 0, off = 0; k + 1 < ns; off += c->len[k], k++) {
            const struct bpe_pair *pv = c->len[k] == 1 && c->len[k + 1] == 1
                                            ? &m->bytepair[p[off] << 8 | p[off + 1]]
                                            : pair_lookup(m, c->id[k], c->id[k + 1]);
            uint64_t key = (uint64_t)pv->rank << 32 | off;
            if (pv->rank != UINT32_MAX && key < best) {
                best = key;
                bk = k;
                merged = pv->merged;
            }
        }
        if (best == UINT64_MAX)
            break;
        if (best > last)
            last = best;
        c->id[bk] = merged;
        c->len[bk] = (uint8_t)(c->len[bk] + c->len[bk + 1]);
        for (unsigned k = bk + 1; k + 1 < ns; k++) {
            c->id[k] = c->id[k + 1];
            c->len[k] = c->len[k + 1];
        }
        ns--;
    }
    c->n = (uint8_t)ns;
    c->last_rank = (uint32_t)(last >> 32);
    c->last_off = (uint8_t)last;
}

/* Results of char_bpe_run for 3- and 4-byte characters recently seen by
 * this thread (same rules as the caches below), by the character's bytes. */
#define CCACHE_SLOTS 2048   /* power of two */
struct ccache_ent {
    uint64_t owner;         /* bpe uid, 0 = empty */
    uint32_t bytes;         /* the character's bytes, first byte lowest */
    struct char_bpe r;
};
static _Thread_local struct ccache_ent t_ccache[CCACHE_SLOTS];

static inline const struct char_bpe *char_bpe_get(const struct bpe *m, const uint8_t *p,
                                                  unsigned u, struct char_bpe *tmp)
{
    if (u == 2) {
        char_bpe_run(m, p, u, tmp);
        return tmp;
    }
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (u == 4 ? (uint32_t)p[3] << 24 : 0);
    struct ccache_ent *c = &t_ccache[(v * 0x9E3779B1u) >> 21];
    if (c->owner != m->uid || c->bytes != v) {
        char_bpe_run(m, p, u, &c->r);
        c->owner = m->uid;
        c->bytes = v;
    }
    return &c->r;
}

/* Starting symbols of the piece p[0..n) by characters (see above) and the
 * heap's first entries. Returns 0 when p is not a sequence of whole UTF-8
 * characters (by structure) or a first merge is not known to be due: then
 * the piece goes byte by byte. */
static int init_chars(struct enc *e, const uint8_t *p, size_t n)
{
    const struct bpe *m = e->m;
    uint32_t *sid = e->sid, *slen = e->slen, *sprv = e->sprv;
    uint8_t *sst = e->sst;
    uint32_t prev = UINT32_MAX;     /* start of the last symbol so far */
    int split_before = 0;           /* boundary_may_split at the current character */
    e->hn = 0;
    e->popped = 0;
    for (size_t i = 0; i < n;) {
        unsigned u = utf8_char_len(p, n, i);
        if (u == 0)
            return 0;
        int split_after = i + u < n && boundary_may_split(m, p, n, i + u);
        struct char_bpe tmp;
        const struct char_bpe *c = NULL;
        if (u > 1 && !split_before && !split_after)
            c = char_bpe_get(m, p + i, u, &tmp);
        if (!c) {
            for (unsigned k = 0; k < u; k++) {
                uint32_t at = (uint32_t)(i + k);
                sid[at] = m->byte_id[p[at]];
                slen[at] = 1;
                sprv[at] = prev;
                sst[at] = SYM_FREE;
                if (prev != UINT32_MAX && push_pair(e, prev, at))
                    return 0;
                prev = at;
            }
        } else if (c->n == 1) {
            uint32_t at = (uint32_t)i;
            sid[at] = c->id[0];
            slen[at] = u;
            sprv[at] = prev;
            sst[at] = SYM_EARLY;
            e->skey[at] = (uint64_t)c->last_rank << 32 | (at + c->last_off);
            if (prev != UINT32_MAX && push_pair(e, prev, at))
                return 0;
            prev = at;
        } else {
            uint32_t at = (uint32_t)i;
            for (unsigned k = 0; k < c->n; k++) {
                sid[at] = c->id[k];
                slen[at] = c->len[k];
                sprv[at] = prev;
                sst[at] = SYM_SEALED;
                prev = at;
                at += c->len[k];
            }
        }
        split_before = split_after;
        i += u;
    }
    return 1;
}

/* Starting symbols byte by byte, with the heap's first entries. */
static void init_bytes(struct enc *e, const uint8_t *p, size_t n)
{
    const struct bpe *m = e->m;
    for (size_t i = 0; i < n; i++) {
        e->sid[i] = m->byte_id[p[i]];
        e->slen[i] = 1;
        e->sprv[i] = (uint32_t)i - 1;
    }
    memset(e->sst, SYM_FREE, n);
    e->hn = 0;
    e->popped = 0;
    for (size_t i = 0; i + 1 < n; i++)
        e->hn += (size_t)pair_entry(e, (uint32_t)i, (uint32_t)i + 1, &e->heap[e->hn]);
}

/* Merges until no pair is left (lowest key first). Returns 1 when
 * push_pair could not tell whether a merge is due (see above). */
static int merge_loop(struct enc *e, size_t n)
{
    uint32_t *sid = e->sid, *slen = e->slen, *sprv = e->sprv;
    uint8_t *sst = e->sst;
    heapify(e);
    while (e->hn) {
        struct heap_ent x = heap_pop(e);
        if (x.key > e->popped)
            e->popped = x.key;
        uint32_t l = (uint32_t)x.key;
        if (slen[l] != x.len_l)
            continue;
        uint32_t r = l + x.len_l;
        if (r >= n || slen[r] != x.len_r)
            continue;
        sid[l] = x.merged;
        slen[l] = (uint32_t)x.len_l + x.len_r;
        sst[l] = SYM_FREE;
        slen[r] = 0;
        uint32_t q = l + slen[l];
        if (q < n)
            sprv[q] = l;
        if (l > 0 && push_pair(e, sprv[l], l))
            return 1;
        if (q < n && push_pair(e, l, q))
            return 1;
    }
    return 0;
}

/* The piece caches: per thread, direct-mapped, fixed size (no allocation,
 * nothing to free), entries tagged with the model's uid, so handles stay
 * immutable and shareable. They only remember results; hits and misses give
 * the same tokens. Two tiers: short pieces (words) and long ones (runs of
 * Han or kana, which are one piece up to the next punctuation). */
#define PCACHE_SLOTS 4096   /* power of two */
#define PCACHE_BYTES 30     /* longest piece in the short tier */
#define PCACHE_IDS 6        /* most tokens of a short-tier piece */
struct pcache_ent {
    uint64_t owner;         /* bpe uid, 0 = empty */
    uint8_t len, n_ids;
    uint8_t bytes[PCACHE_BYTES];
    uint32_t ids[PCACHE_IDS];
};
static _Thread_local struct pcache_ent t_pcache[PCACHE_SLOTS];
#define LCACHE_SLOTS 256
#define LCACHE_BYTES 150
#define LCACHE_IDS 24
struct lcache_ent {
    uint64_t owner;
    uint8_t len, n_ids;
    uint8_t bytes[LCACHE_BYTES];
    uint32_t ids[LCACHE_IDS];
};
static _Thread_local struct lcache_ent t_lcache[LCACHE_SLOTS];

/* One cache slot seen through pointers, whichever tier it is in. */
struct cslot {
    uint64_t *owner;
    uint8_t *len, *n_ids, *bytes;
    uint32_t *ids;
    size_t max_ids;
};

static int cslot_for(struct cslot *c, const uint8_t *p, size_t n, uint64_t h)
{
    if (n <= PCACHE_BYTES) {
        struct pcache_ent *x = &t_pcache[(h >> 7) & (PCACHE_SLOTS - 1)];
        *c = (struct cslot){&x->owner, &x->len, &x->n_ids, x->bytes, x->ids, PCACHE_IDS};
        return 1;
    }
    if (n <= LCACHE_BYTES) {
        struct lcache_ent *x = &t_lcache[(h >> 7) & (LCACHE_SLOTS - 1)];
        *c = (struct cslot){&x->owner, &x->len, &x->n_ids, x->bytes, x->ids, LCACHE_IDS};
        return 1;
    }
    return 0;
}

static void cslot_store(struct cslot *c, uint64_t uid, const uint8_t *p, size_t n,
                        const uint32_t *sid, const uint32_t *slen, uint32_t one_id)
{
    *c->owner = uid;
    *c->len = (uint8_t)n;
    memcpy(c->bytes, p, n);
    if (!sid) {
        *c->n_ids = 1;
        c->ids[0] = one_id;
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i += slen[i])
        c->ids[k++] = sid[i];
    *c->n_ids = (uint8_t)k;
}

/* BPE on one piece text[start, end). */
static int encode_piece(void *arg, size_t start, size_t end)
{
    struct enc *e = arg;
    const struct bpe *m = e->m;
    const uint8_t *p = e->text + start;
    size_t n = end - start;
    if (n == 1) {
        put_tok(e, m->byte_id[p[0]], start);
        return TB_OK;
    }
    struct cslot cs;
    uint64_t h = hash_bytes(p, n);
    int cached = cslot_for(&cs, p, n, h);
    if (cached && *cs.owner == m->uid && *cs.len == n && memcmp(cs.bytes, p, n) == 0) {
        size_t at = start;
        for (uint8_t k = 0; k < *cs.n_ids; k++) {
            put_tok(e, cs.ids[k], at);
            at += m->tok_len[cs.ids[k]];
        }
        return TB_OK;
    }
    if (m->direct) {
        uint32_t id = lookup_h(m, p, n, h);
        if (id != UINT32_MAX) {
            put_tok(e, id, start);
            if (cached)
                cslot_store(&cs, m->uid, p, n, NULL, NULL, id);
            return TB_OK;
        }
    }
    if (grow_scratch(e, n))
        return TB_EINPUT;
    const uint32_t *sid = e->sid, *slen = e->slen;
    e->piece = start;
    size_t ascii = 0;
    while (ascii < n && p[ascii] < 0x80)
        ascii++;
    if (ascii == n || !init_chars(e, p, n) || merge_loop(e, n)) {
        init_bytes(e, p, n);
        merge_loop(e, n);
    }
    size_t nt = 0;
    for (size_t i = 0; i < n; i += slen[i])
        put_tok(e, sid[i], start + i), nt++;
    if (cached && nt <= cs.max_ids)
        cslot_store(&cs, m->uid, p, n, sid, slen, 0);
    return TB_OK;
}

/* 1 when cp is NFC-stable, has canonical combining class 0 and is never the
 * second code point of a canonical composition: NFC(x + y) = NFC(x) + NFC(y)
 * whenever y starts with such a code point. A conservative list of ranges
 * (Latin-1 and below, Cyrillic letters, CJK, kana, Hangul syllables, common
 * punctuation); everything else is treated as unsafe. */
static int nfc_safe(int32_t cp)
{
    if (cp < 0x300)
        return 1;
    if ((cp >= 0x400 && cp < 0x483) || (cp >= 0x48A && cp < 0x530))
        return 1;
    if (cp >= 0x2002 && cp < 0x20D0)
        return 1;
    if (cp >= 0x2100 && cp < 0x2329 && cp != 0x2126 && cp != 0x212A && cp != 0x212B)
        return 1;
    if ((cp >= 0x3000 && cp < 0x302A) || (cp >= 0x3030 && cp < 0x3099) ||
        (cp >= 0x30A0 && cp < 0x3100))
        return 1;
    if ((cp >= 0x3400 && cp < 0x4DC0) || (cp >= 0x4E00 && cp < 0xA000) ||
        (cp >= 0xAC00 && cp < 0xD7A4) || (cp >= 0xFF00 && cp < 0xFFF0))
        return 1;
    return 0;
}

/* The same for NFKC: nfc_safe and without a compatibility decomposition
 * (NFKC(cp) = NFC(cp) = cp; the fullwidth forms, NBSP, ½, ² ... are not). */
static int nfkc_safe(int32_t cp)
{
    return nfc_safe(cp) && utf8proc_get_property(cp)->decomp_type == 0;
}

static int norm_safe(int32_t cp, int nfkc)
{
    return nfkc ? nfkc_safe(cp) : nfc_safe(cp);
}

/* When NFC (nfkc: NFKC) changes text[0..len), fills *out (normalized,
 * malloc'd), *map (normalized byte -> original offset) and returns 1;
 * returns 0 when the text is already normalized; -1 on allocation failure.
 * Text is cut before every safe code point and each run is normalized
 * alone. */
static int nfc_text(const uint8_t *text, size_t len, int nfkc, uint8_t **out, size_t *out_len,
                    uint32_t **map, tb_error *err)
{
    size_t i = 0;
    int all_safe = 1;
    while (i < len) {
        int32_t cp;
        int k = utf8_decode(text + i, len - i, &cp);
        if (!norm_safe(cp, nfkc)) {
            all_safe = 0;
            break;
        }
        i += (size_t)k;
    }
    if (all_safe)
        return 0;
    size_t cap = len * 3 + 16, n = 0;
    uint8_t *o = tb_malloc(cap, err);
    uint32_t *mp = tb_malloc(cap * sizeof *mp, err);
    if (!o || !mp)
        goto fail;
    int changed = 0;
    i = 0;
    while (i < len) {
        size_t a = i;
        int32_t cp;
        i += (size_t)utf8_decode(text + i, len - i, &cp);
        while (i < len) {
            int k = utf8_decode(text + i, len - i, &cp);
            if (norm_safe(cp, nfkc))
                break;
            i += (size_t)k;
        }
        utf8proc_uint8_t *dst = NULL;
        utf8proc_ssize_t dl = utf8proc_map(text + a, (utf8proc_ssize_t)(i - a), &dst,
                                           UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                               (nfkc ? UTF8PROC_COMPAT : 0));
        if (dl < 0) {
            tb_fail(err, TB_EINPUT, "%s at byte %zu: %s", nfkc ? "NFKC" : "NFC", a + 1,
                    utf8proc_errmsg(dl));
            goto fail;
        }
        int same = (size_t)dl == i - a && memcmp(dst, text + a, i - a) == 0;
        if (n + (size_t)dl > cap) {
            size_t nc = cap;
            while (nc < n + (size_t)dl)
                nc *= 2;
            uint8_t *no = tb_realloc(o, nc, err);
            if (no)
                o = no;
            uint32_t *nm = no ? tb_realloc(mp, nc * sizeof *mp, err) : NULL;
            if (!no || !nm) {
                free(dst);
                goto fail;
            }
            mp = nm;
            cap = nc;
        }
        memcpy(o + n, dst, (size_t)dl);
        for (size_t k = 0; k < (size_t)dl; k++)
            mp[n + k] = (uint32_t)(same ? a + k : a);
        n += (size_t)dl;
        changed |= !same;
        free(dst);
    }
    if (!changed) {
        free(o);
        free(mp);
        return 0;
    }
    *out = o;
    *out_len = n;
    *map = mp;
    return 1;
fail:
    free(o);
    free(mp);
    return -1;
}

int bpe_encode_text(const struct bpe *m, const char *text, size_t len, uint32_t *ids,
                    uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    struct enc e = {.m = m, .text = (const uint8_t *)text, .ids = ids, .offs = offs,
                    .cap = cap, .err = err};
    uint8_t *norm = NULL;
    uint32_t *map = NULL;
    size_t nlen = len;
    if (m->nfc) {
        int c = nfc_text((const uint8_t *)text, len, m->nfc == 2, &norm, &nlen, &map, err);
        if (c < 0)
            return TB_EINPUT;
        if (c > 0) {
            e.text = norm;
            e.omap = map;
        } else {
            nlen = len;
        }
    }
    struct scratch_local local;
    scratch_init(&e, &local);
    int rc = pretok_split(m->pt, (const char *)e.text, nlen, encode_piece, &e, err);
    scratch_release(&e);
    free(norm);
    free(map);
    *n_tokens = rc == TB_OK ? e.n : 0;
    return rc;
}

/* ---- tokenizer ops ---------------------------------------------------- */

static int op_encode(const tokenizer *t, const char *text, size_t len, uint32_t *ids,
                     uint32_t *offs, size_t cap, size_t *n_tokens, tb_error *err)
{
    return bpe_encode_text(t->state, text, len, ids, offs, cap, n_tokens, err);
}

static int op_piece(const tokenizer *t, uint32_t id, char *out, size_t cap, size_t *pos,
                    tb_error *err)
{
    const struct bpe *m = t->state;
    if (id >= m->n_ids || m->kind[id] == BPE_UNUSED)
        return tb_fail(err, TB_EINPUT, "id %u has no token in '%s'", id, t->name);
    tokenizer_append(out, cap, pos, m->bytes + m->tok_off[id], m->tok_len[id]);
    return TB_OK;
}

static void op_free(tokenizer *t)
{
    bpe_free(t->state);
    t->state = NULL;
}

static const struct tokenizer_ops k_bpe_ops = {
    .scheme = "bpe",
    .encode = op_encode,
    .piece = op_piece,
    .is_fallback = NULL,
    .free = op_free,
};

void bpe_attach(tokenizer *t, struct bpe *m)
{
    t->ops = &k_bpe_ops;
    t->state = m;
    t->vocab_size = m->n_ids;
}

const struct bpe *bpe_of(const tokenizer *t)
{
    return t->ops == &k_bpe_ops ? t->state : NULL;
}

/* ---- rank tables and bpe-file ------------------------------------------ */

static int check_ranks(const uint8_t *const *tok, const size_t *len, size_t n, tb_error *err)
{
    if (n < 256)
        return tb_fail(err, TB_EINPUT, "rank table has %zu tokens, fewer than the 256 bytes", n);
    if (n > UINT32_MAX - 1)
        return tb_fail(err, TB_EINPUT, "rank table has %zu tokens (too many)", n);
    for (size_t r = 0; r < 256; r++)
        if (len[r] != 1 || tok[r][0] != r)
            return tb_fail(err, TB_EINPUT, "rank %zu is not the single byte 0x%02zx", r, r);
    for (size_t r = 256; r < n; r++)
        if (len[r] < 2)
            return tb_fail(err, TB_EINPUT, "rank %zu: tokens above 255 need 2 or more bytes", r);
    return TB_OK;
}

static int from_ranks(struct bpe **out, const char *preset, const uint8_t *const *tok,
                      const size_t *len, size_t n, tb_error *err)
{
    *out = NULL;
    int rc = check_ranks(tok, len, n, err);
    if (rc)
        return rc;
    struct bpe *m;
    if ((rc = bpe_alloc(&m, (uint32_t)n, err)))
        return rc;
    if ((rc = pretok_new_preset(preset, &m->pt, err)))
        goto fail;
    m->direct = 1;
    for (size_t r = 0; r < n; r++)
        if ((rc = bpe_set_token(m, (uint32_t)r, tok[r], len[r], BPE_ORDINARY, err)))
            goto fail;
    if ((rc = bpe_index_tokens(m, err)) || (rc = bpe_pairs_from_ranks(m, err)))
        goto fail;
    *out = m;
    return TB_OK;
fail:
    bpe_free(m);
    return rc;
}

int bpe_tokenizer_from_ranks(tokenizer *t, const char *pretok_preset, const uint8_t *const *tok,
                             const size_t *len, size_t n, tb_error *err)
{
    struct bpe *m;
    int rc = from_ranks(&m, pretok_preset, tok, len, n, err);
    if (rc)
        return rc;
    bpe_attach(t, m);
    return TB_OK;
}

/* The checks of bpe_tokenizer_from_ranks (and the preset must exist), then
 * the one writer, bpe_model_write (bpe_model.h). */
int bpe_model_save(const char *path, const char *pretok_preset, const uint8_t *const *tok,
                   const size_t *len, size_t n, tb_error *err)
{
    int rc = check_ranks(tok, len, n, err);
    pretok *pt = NULL;
    if (!rc)
        rc = pretok_new_preset(pretok_preset, &pt, err);
    pretok_free(pt);
    if (rc) {
        tb_wrap(err, "bpe model '%s': ", path);
        return rc;
    }
    return bpe_model_write(path, pretok_preset, tok, len, n, err);
}

/* bpe-file:PATH: the one reader of the model file (bpe_model_data_read,
 * bpe_model.h), then the preset, which that reader
 * only checks for its spelling. Every error names the file and the line. */
int bpe_file_new(tokenizer *t, const char *path, const tokenizer_ctx *ctx, tb_error *err)
{
    bpe_model_data md;
    int rc = bpe_model_data_read(path, &md, err);
    if (rc)
        return rc;
    pretok *pt = NULL;
    if ((rc = pretok_new_preset(md.pretok, &pt, err))) {
        bpe_model_data_release(&md);
        return tb_wrap(err, "bpe model '%s': line 2: ", path);
    }
    pretok_free(pt);
    const uint8_t **tok = tb_malloc(md.n * sizeof *tok, err);
    size_t *len = tb_malloc(md.n * sizeof *len, err);
    struct bpe *m = NULL;
    rc = tok && len ? TB_OK : TB_EINPUT;
    for (size_t r = 0; rc == TB_OK && r < md.n; r++) {
        tok[r] = md.bytes + md.off[r];
        len[r] = md.off[r + 1] - md.off[r];
    }
    if (rc == TB_OK && (rc = from_ranks(&m, md.pretok, tok, len, md.n, err)))
        tb_wrap(err, "bpe model '%s': ", path);
    free(tok);
    free(len);
    bpe_model_data_release(&md);
    if (rc)
        return rc;
    bpe_attach(t, m);
    return TB_OK;
}
