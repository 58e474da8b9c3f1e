/* spbpe_cache.c - the compiled form of an spbpe model: writer and checked
 * reader (format and rules in spbpe_cache.h). */
#include "spbpe_cache.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "../common/utf8.h"
#include "spbpe_impl.h"

_Static_assert(sizeof(size_t) == 8, "voff and doff are stored as u64");
_Static_assert(sizeof(struct mpair) == 16, "pairs entries are 16 bytes");
_Static_assert(SP_MAX_AFFIX == 64, "prefix and suffix fields are 64 bytes");

const char spbpe_cache_magic[8] = {'T', 'B', 'S', 'P', 'B', 'P', 'E', '\n'};

#define NO_STR UINT32_MAX
#define N_BMP 0x10000

enum { F_BYTE_FALLBACK = 1, F_FUSE_UNK = 2, F_IGNORE_MERGES = 4, F_HAS_UNK = 8,
       F_SPLIT_META = 16, F_HAS_DECODER = 32, F_WHOLE = 64, F_ALL = 127 };

enum { S_ARENA, S_VOFF, S_VLEN, S_INVOCAB, S_DOFF, S_DLEN, S_DEFINED, S_ISFB, S_VSLOT, S_PAIRS,
       S_BMP, S_WHOLE, S_STAGES, S_ADDED, N_SEC };
static const char *const k_sec_name[N_SEC] = {"arena",   "voff", "vlen",  "invocab", "doff",
                                              "dlen",    "defined", "isfb", "vslot",  "pairs",
                                              "bmp",     "whole", "stages", "added"};

struct spbpe_cache_header {
    struct vocab_cache_prefix p;
    uint32_t n_ids, flags, unk_id, prefix_len, suffix_len, zero;
    uint64_t n_arena, vmask, pmask;
    uint64_t nocut[4];
    char prefix[64], suffix[64];
    uint32_t byte_tok[256];
    struct vocab_cache_sec sec[N_SEC];
};
_Static_assert(sizeof(struct spbpe_cache_header) == 1656, "header layout");

/* ---- writer ------------------------------------------------------------- */

/* A growing byte buffer; on a failed allocation oom is set and later puts
 * do nothing. */
struct wbuf {
    uint8_t *b;
    size_t n, cap;
    int oom;
};

static void put(struct wbuf *w, const void *p, size_t n)
{
    if (w->oom)
        return;
    if (w->n + n > w->cap) {
        size_t nc = w->cap ? w->cap : 4096;
        while (nc < w->n + n)
            nc *= 2;
        uint8_t *nb = realloc(w->b, nc);
        if (!nb) {
            w->oom = 1;
            return;
        }
        w->b = nb;
        w->cap = nc;
    }
    if (n)
        memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put_u32(struct wbuf *w, uint32_t v)
{
    put(w, &v, 4);
}

/* A string: u32 length (NO_STR for NULL), the bytes. */
static void put_str(struct wbuf *w, const void *p, size_t n)
{
    put_u32(w, p ? (uint32_t)n : NO_STR);
    if (p)
        put(w, p, n);
}

static void put_stages(struct wbuf *w, const struct spbpe *m)
{
    put_u32(w, (uint32_t)m->n_norm);
    for (size_t i = 0; i < m->n_norm; i++) {
        const struct sp_norm *d = &m->norm[i];
        uint32_t f[8] = {(uint32_t)d->kind,  (uint32_t)d->flags,   (uint32_t)d->left,
                         (uint32_t)d->right, (uint32_t)d->clean,   (uint32_t)d->chinese,
                         (uint32_t)d->accents, (uint32_t)d->lower};
        put(w, f, sizeof f);
        put_str(w, d->pat, d->plen);
        put_str(w, d->rep, d->rlen);
        if (d->kind != NORM_PRECOMPILED) {
            put_str(w, NULL, 0);
            continue;
        }
        /* the blob charsmap_init reads: trie bytes, units, replacements */
        size_t tsize = d->cmap.n_units * 4;
        put_u32(w, (uint32_t)(d->cmap.n_units ? 4 + tsize + d->cmap.repl_len : 0));
        if (d->cmap.n_units) {
            put_u32(w, (uint32_t)tsize);
            put(w, d->cmap.units, tsize);
            put(w, d->cmap.repl, d->cmap.repl_len);
        }
    }
    put_u32(w, (uint32_t)m->n_pre);
    for (size_t i = 0; i < m->n_pre; i++) {
        const struct sp_pre *d = &m->pre[i];
        uint32_t f[5] = {(uint32_t)d->kind, (uint32_t)d->behavior, (uint32_t)d->invert,
                         (uint32_t)d->prepend, (uint32_t)d->split};
        put(w, f, sizeof f);
        put_str(w, d->pat, d->plen);
    }
    put_u32(w, (uint32_t)m->n_dec);
    for (size_t i = 0; i < m->n_dec; i++) {
        const struct sp_dec *d = &m->dec[i];
        uint32_t f[4] = {(uint32_t)d->kind, (uint32_t)d->cp, (uint32_t)d->prepend,
                         (uint32_t)d->cleanup};
        uint64_t g[2] = {d->start, d->stop};
        put(w, f, sizeof f);
        put(w, g, sizeof g);
        put_str(w, d->pat, d->plen);
        put_str(w, d->rep, d->rlen);
    }
}

static void put_added(struct wbuf *w, const struct sp_match *s)
{
    put_u32(w, (uint32_t)s->n);
    for (size_t k = 0; k < s->n; k++) {
        put_u32(w, s->id[k]);
        put_str(w, s->str[k], s->len[k]);
    }
}

int spbpe_cache_supported(const struct spbpe *m)
{
    return !m->uni && !m->wp;
}

int spbpe_cache_image(const struct spbpe *m, const vocab_cache_source *src, uint8_t **out,
                      size_t *len, tb_error *err)
{
    *out = NULL;
    *len = 0;
    if (!spbpe_cache_supported(m))
        return tb_fail(err, TB_EINPUT, "compiled vocabulary: a %s model is not compiled",
                       m->uni ? "Unigram" : "WordPiece");
    if (!m->pairs || !m->vslot || !m->bmp)
        return tb_fail(err, TB_EINPUT, "compiled vocabulary: the model has no merge tables");
    struct wbuf st = {0}, ad = {0};
    put_stages(&st, m);
    put_added(&ad, &m->raw_added);
    put_added(&ad, &m->norm_added);
    if (st.oom || ad.oom) {
        free(st.b);
        free(ad.b);
        return tb_fail(err, TB_EINPUT, "out of memory");
    }
    size_t n = m->n_ids;
    const void *ptr[N_SEC] = {m->arena, m->voff,  m->vlen,  m->invocab, m->doff,
                              m->dlen,  m->defined, m->isfb, m->vslot,  m->pairs,
                              m->bmp,   m->whole, st.b,     ad.b};
    size_t sz[N_SEC] = {m->n_arena, n * 8, n * 4, n, n * 8, n * 4, n, n,
                        (m->vmask + 1) * 4, (m->pmask + 1) * sizeof(struct mpair),
                        N_BMP * 4, m->whole ? n : 0, st.n, ad.n};
    struct spbpe_cache_header h;
    memset(&h, 0, sizeof h);
    size_t at = vocab_cache_layout(h.sec, sz, N_SEC, sizeof h);
    uint8_t *img = tb_calloc(1, at, err);
    if (!img) {
        free(st.b);
        free(ad.b);
        return TB_EINPUT;
    }
    vocab_cache_prefix_put(&h.p, spbpe_cache_magic, SPBPE_CACHE_VERSION, at, src);
    h.n_ids = m->n_ids;
    h.flags = (m->byte_fallback ? F_BYTE_FALLBACK : 0) | (m->fuse_unk ? F_FUSE_UNK : 0) |
              (m->ignore_merges ? F_IGNORE_MERGES : 0) | (m->has_unk ? F_HAS_UNK : 0) |
              (m->split_meta ? F_SPLIT_META : 0) | (m->has_decoder ? F_HAS_DECODER : 0) |
              (m->whole ? F_WHOLE : 0);
    h.unk_id = m->unk_id;
    h.prefix_len = (uint32_t)m->prefix_len;
    h.suffix_len = (uint32_t)m->suffix_len;
    h.n_arena = m->n_arena;
    h.vmask = m->vmask;
    h.pmask = m->pmask;
    memcpy(h.nocut, m->nocut, sizeof h.nocut);
    memcpy(h.prefix, m->prefix, m->prefix_len);
    memcpy(h.suffix, m->suffix, m->suffix_len);
    memcpy(h.byte_tok, m->byte_tok, sizeof h.byte_tok);
    memcpy(img, &h, sizeof h);
    for (int s = 0; s < N_SEC; s++)
        if (sz[s])
            memcpy(img + h.sec[s].off, ptr[s], sz[s]);
    free(st.b);
    free(ad.b);
    vocab_cache_seal(img, at);
    *out = img;
    *len = at;
    return TB_OK;
}

/* ---- reader ------------------------------------------------------------- */

/* A read cursor over a section p[0..n); a read past the end sets short_. */
struct rbuf {
    const uint8_t *p;
    size_t n, at;
    int short_;
};

static uint32_t get_u32(struct rbuf *r)
{
    uint32_t v = 0;
    if (r->n - r->at < 4) {
        r->short_ = 1;
        r->at = r->n;
        return 0;
    }
    memcpy(&v, r->p + r->at, 4);
    r->at += 4;
    return v;
}

static uint64_t get_u64(struct rbuf *r)
{
    uint64_t lo = get_u32(r), hi = get_u32(r);
    return lo | hi << 32;
}

/* A string: *s NULL for none, else malloc'd and NUL-terminated, valid
 * UTF-8 (utf8 set) or any bytes. Returns 0, or -1 (cut short, bad UTF-8,
 * out of memory). */
static int get_str(struct rbuf *r, char **s, size_t *len, int utf8)
{
    *s = NULL;
    *len = 0;
    uint32_t n = get_u32(r);
    if (r->short_)
        return -1;
    if (n == NO_STR)
        return 0;
    if (n > r->n - r->at || (utf8 && !utf8_valid((const char *)r->p + r->at, n, NULL)))
        return -1;
    *s = malloc((size_t)n + 1);
    if (!*s)
        return -1;
    memcpy(*s, r->p + r->at, n);
    (*s)[n] = 0;
    *len = n;
    r->at += n;
    return 0;
}

static int is_unicode_flags(int f)
{
    static const int k[] = {UTF8PROC_STABLE | UTF8PROC_COMPOSE,
                            UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT,
                            UTF8PROC_STABLE | UTF8PROC_DECOMPOSE,
                            UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (f == k[i])
            return 1;
    return 0;
}

static int is_bool(uint32_t v)
{
    return v <= 1;
}

/* The stages section into m (its strings and charsmaps owned by m, so a
 * failure leaves them for spbpe_model_free). */
static int get_stages(struct spbpe *m, struct rbuf *r, tb_error *err)
{
    uint32_t nn = get_u32(r);
    if (r->short_ || nn > SP_MAX_STAGES)
        return vocab_cache_fail(err, "stages: bad normalizer count");
    for (uint32_t i = 0; i < nn; i++) {
        struct sp_norm *d = &m->norm[m->n_norm++];
        memset(d, 0, sizeof *d);
        uint32_t f[8];
        for (int k = 0; k < 8; k++)
            f[k] = get_u32(r);
        char *blob;
        size_t bl;
        if (r->short_ || get_str(r, &d->pat, &d->plen, 1) || get_str(r, &d->rep, &d->rlen, 1) ||
            get_str(r, &blob, &bl, 0))
            return vocab_cache_fail(err, "stages: normalizer %u cut short or not UTF-8", i + 1);
        d->kind = (int)f[0];
        d->flags = (int)f[1];
        d->left = (int)f[2];
        d->right = (int)f[3];
        d->clean = (int)f[4];
        d->chinese = (int)f[5];
        d->accents = (int)f[6];
        d->lower = (int)f[7];
        int ok = f[0] <= NORM_STRIP_ACCENTS && (f[0] == NORM_UNICODE || f[1] == 0) &&
                 (f[0] != NORM_UNICODE || is_unicode_flags(d->flags));
        for (int k = 2; k < 8; k++)
            ok &= is_bool(f[k]);
        ok &= (f[0] == NORM_REPLACE) == (d->pat != NULL) && (!d->pat || d->plen > 0);
        ok &= (f[0] == NORM_REPLACE || f[0] == NORM_PREPEND) == (d->rep != NULL);
        ok &= f[0] == NORM_PRECOMPILED || !blob;
        if (!ok) {
            free(blob);
            return vocab_cache_fail(err, "stages: normalizer %u: bad kind, options or strings",
                                    i + 1);
        }
        if (f[0] == NORM_PRECOMPILED) {
            tb_error ce = {0};
            int crc = charsmap_init(&d->cmap, (const unsigned char *)(blob ? blob : ""), bl, &ce);
            free(blob);
            if (crc)
                return vocab_cache_fail(err, "stages: normalizer %u: %s", i + 1, ce.msg);
        }
    }
    uint32_t np = get_u32(r);
    if (r->short_ || np > SP_MAX_STAGES)
        return vocab_cache_fail(err, "stages: bad pre-tokenizer count");
    for (uint32_t i = 0; i < np; i++) {
        struct sp_pre *d = &m->pre[m->n_pre++];
        memset(d, 0, sizeof *d);
        uint32_t f[5];
        for (int k = 0; k < 5; k++)
            f[k] = get_u32(r);
        if (r->short_ || get_str(r, &d->pat, &d->plen, 1))
            return vocab_cache_fail(err, "stages: pre-tokenizer %u cut short or not UTF-8", i + 1);
        d->kind = (int)f[0];
        d->behavior = (int)f[1];
        d->invert = (int)f[2];
        d->prepend = (int)f[3];
        d->split = (int)f[4];
        int ok = f[0] <= PRE_WHITESPACE && f[1] <= SPLIT_CONTIG && is_bool(f[2]) &&
                 f[3] <= PREPEND_NEVER && is_bool(f[4]);
        if (f[0] == PRE_METASPACE)
            ok &= d->pat && utf8_count(d->pat, d->plen) == 1;
        else if (f[0] == PRE_SPLIT)
            ok &= d->pat && d->plen > 0;
        else
            ok &= !d->pat;
        if (!ok)
            return vocab_cache_fail(err, "stages: pre-tokenizer %u: bad kind, options or pattern",
                                    i + 1);
    }
    uint32_t nd = get_u32(r);
    if (r->short_ || nd > SP_MAX_STAGES)
        return vocab_cache_fail(err, "stages: bad decoder count");
    for (uint32_t i = 0; i < nd; i++) {
        struct sp_dec *d = &m->dec[m->n_dec++];
        memset(d, 0, sizeof *d);
        uint32_t f[4];
        for (int k = 0; k < 4; k++)
            f[k] = get_u32(r);
        uint64_t start = get_u64(r), stop = get_u64(r);
        if (r->short_ || get_str(r, &d->pat, &d->plen, 1) || get_str(r, &d->rep, &d->rlen, 1))
            return vocab_cache_fail(err, "stages: decoder %u cut short or not UTF-8", i + 1);
        d->kind = (int)f[0];
        d->cp = (int32_t)f[1];
        d->prepend = (int)f[2];
        d->cleanup = (int)f[3];
        d->start = (size_t)start;
        d->stop = (size_t)stop;
        int ok = f[0] <= DEC_WORDPIECE && f[2] <= PREPEND_NEVER && is_bool(f[3]);
        ok &= f[0] == DEC_STRIP ? f[1] <= 0x10FFFF && !(f[1] >= 0xD800 && f[1] <= 0xDFFF)
                                : f[1] == 0 && start == 0 && stop == 0;
        int wants_pat = f[0] == DEC_REPLACE || f[0] == DEC_METASPACE || f[0] == DEC_WORDPIECE;
        ok &= wants_pat == (d->pat != NULL) && (f[0] != DEC_REPLACE || d->plen > 0);
        ok &= (f[0] == DEC_REPLACE) == (d->rep != NULL);
        if (!ok)
            return vocab_cache_fail(err, "stages: decoder %u: bad kind, options or strings", i + 1);
    }
    if (r->at != r->n)
        return vocab_cache_fail(err, "stages: %zu trailing bytes", r->n - r->at);
    return TB_OK;
}

/* The two added-token sets into m, indexed. */
static int get_added(struct spbpe *m, struct rbuf *r, tb_error *err)
{
    struct sp_match *set[2] = {&m->raw_added, &m->norm_added};
    for (int k = 0; k < 2; k++) {
        uint32_t n = get_u32(r);
        if (r->short_ || n > m->n_ids)
            return vocab_cache_fail(err, "added tokens: bad count");
        for (uint32_t i = 0; i < n; i++) {
            uint32_t id = get_u32(r);
            char *s;
            size_t len;
            if (r->short_ || get_str(r, &s, &len, 1))
                return vocab_cache_fail(err, "added tokens: entry %u cut short or not UTF-8",
                                        i + 1);
            if (!s || len == 0 || id >= m->n_ids || !m->defined[id]) {
                free(s);
                return vocab_cache_fail(err, "added tokens: entry %u: bad id or empty", i + 1);
            }
            tb_error e = {0};
            int rc = spbpe_match_add(set[k], id, (const uint8_t *)s, len, &e);
            free(s);
            if (rc)
                return vocab_cache_fail(err, "added tokens: %s", e.msg);
        }
        tb_error e = {0};
        if (spbpe_match_index(set[k], &e))
            return vocab_cache_fail(err, "added tokens: %s", e.msg);
    }
    if (r->at != r->n)
        return vocab_cache_fail(err, "added tokens: %zu trailing bytes", r->n - r->at);
    return TB_OK;
}

/* The table invariants (spbpe_cache.h) of the header h and the sections of
 * base. */
static int check_tables(const struct spbpe_cache_header *h, const uint8_t *base, tb_error *err)
{
    uint32_t n = h->n_ids;
    const uint64_t *voff = (const uint64_t *)(base + h->sec[S_VOFF].off);
    const uint32_t *vlen = (const uint32_t *)(base + h->sec[S_VLEN].off);
    const uint8_t *invocab = base + h->sec[S_INVOCAB].off;
    const uint64_t *doff = (const uint64_t *)(base + h->sec[S_DOFF].off);
    const uint32_t *dlen = (const uint32_t *)(base + h->sec[S_DLEN].off);
    const uint8_t *defined = base + h->sec[S_DEFINED].off;
    const uint8_t *isfb = base + h->sec[S_ISFB].off;
    const uint8_t *whole = h->sec[S_WHOLE].len ? base + h->sec[S_WHOLE].off : NULL;
    /* the loops accumulate instead of branching: a load checks a few
     * million entries */
    uint32_t fail = 0;
    for (uint32_t id = 0; id < n; id++) {
        uint64_t o = voff[id], l = vlen[id], od = doff[id], ld = dlen[id];
        uint32_t iv = invocab[id], df = defined[id];
        fail |= (iv > 1) | (df > 1) | (isfb[id] > 1) | (iv > df);
        fail |= iv ? (l == 0) | (o > h->n_arena) | (l > h->n_arena - o) : (l != 0) | (o != 0);
        fail |= df ? (od > h->n_arena) | (ld > h->n_arena - od) : (ld != 0) | (od != 0);
        if (whole)
            fail |= whole[id] > 1;
    }
    if (fail)
        return vocab_cache_fail(err, "tokens: bad flags, offset or length");
    /* hash slots hold ids in range (a lookup of an id that is no vocab entry
     * compares an empty string: no match); that they are the right ids is
     * the checksum's to guard */
    const uint32_t *vslot = (const uint32_t *)(base + h->sec[S_VSLOT].off);
    size_t empty = 0;
    for (uint64_t i = 0; i <= h->vmask; i++) {
        uint32_t v = vslot[i];
        empty += v == 0;
        fail |= v > n;
    }
    if (fail || !empty)
        return vocab_cache_fail(err, "vocab hash: an id out of range or no free slot");
    const struct mpair *pairs = (const struct mpair *)(base + h->sec[S_PAIRS].off);
    empty = 0;
    for (uint64_t i = 0; i <= h->pmask; i++) {
        uint64_t key = pairs[i].key;
        uint32_t e = key == UINT64_MAX;
        empty += e;
        fail |= (e ^ 1u) & ((key >> 32 >= n) | ((uint32_t)key >= n) | (pairs[i].merged >= n));
    }
    if (fail || !empty)
        return vocab_cache_fail(err, "merge hash: an id out of range or no free slot");
#define VOCAB(id) ((id) < n && invocab[id])
    const uint32_t *bmp = (const uint32_t *)(base + h->sec[S_BMP].off);
    for (uint32_t cp = 0; cp < N_BMP; cp++)
        if (bmp[cp] != SP_NONE && !VOCAB(bmp[cp]))
            return vocab_cache_fail(err, "character U+%04X: bad id", cp);
    for (int b = 0; b < 256; b++)
        if (h->byte_tok[b] != SP_NONE && !VOCAB(h->byte_tok[b]))
            return vocab_cache_fail(err, "byte token <0x%02X>: bad id", b);
    if (h->unk_id != SP_NONE && (!VOCAB(h->unk_id) || !(h->flags & F_HAS_UNK)))
        return vocab_cache_fail(err, "unk id %u: not a vocab entry", h->unk_id);
#undef VOCAB
    return TB_OK;
}

int spbpe_cache_parse(const void *data, size_t len, vocab_cache_source *src, struct spbpe **out,
                      tb_error *err)
{
    *out = NULL;
    const uint8_t *base = data;
    struct spbpe_cache_header h;
    if (vocab_cache_prefix_check(data, len, spbpe_cache_magic, SPBPE_CACHE_VERSION, src, err))
        return TB_EINPUT;
    if (len < sizeof h)
        return vocab_cache_fail(err, "%zu bytes, shorter than its header (%zu)", len, sizeof h);
    memcpy(&h, data, sizeof h);
    uint32_t n = h.n_ids;
    if (n == 0 || n >= UINT32_MAX - 2 || (h.flags & ~(uint32_t)F_ALL) || h.zero)
        return vocab_cache_fail(err, "bad n_ids %u or flags %u", n, h.flags);
    if (h.prefix_len > SP_MAX_AFFIX || h.suffix_len > SP_MAX_AFFIX ||
        ((h.flags & F_SPLIT_META) && (h.prefix_len || h.suffix_len)) ||
        ((h.flags & F_WHOLE) && !(h.flags & F_SPLIT_META)))
        return vocab_cache_fail(err, "bad affixes or piece flags");
    if (!utf8_valid(h.prefix, h.prefix_len, NULL) || !utf8_valid(h.suffix, h.suffix_len, NULL))
        return vocab_cache_fail(err, "affix not UTF-8");
    if (h.vmask < 15 || h.vmask >= UINT32_MAX || (h.vmask & (h.vmask + 1)) || h.pmask < 15 ||
        h.pmask >= UINT32_MAX || (h.pmask & (h.pmask + 1)) || h.n_arena >= ((uint64_t)1 << 40))
        return vocab_cache_fail(err, "bad hash masks or arena size");
    uint64_t want[N_SEC] = {h.n_arena, (uint64_t)n * 8, (uint64_t)n * 4, n, (uint64_t)n * 8,
                            (uint64_t)n * 4, n, n, (h.vmask + 1) * 4, (h.pmask + 1) * 16,
                            N_BMP * 4, (h.flags & F_WHOLE) ? n : 0, h.sec[S_STAGES].len,
                            h.sec[S_ADDED].len};
    if (vocab_cache_check_sections(h.sec, want, k_sec_name, N_SEC, sizeof h, len, err))
        return TB_EINPUT;
    if (check_tables(&h, base, err))
        return TB_EINPUT;
    struct spbpe *m = tb_calloc(1, sizeof *m, err);
    if (!m)
        return TB_EINPUT;
    m->map = (void *)data;
    m->map_len = 0;
    m->n_ids = n;
    m->arena = (uint8_t *)(base + h.sec[S_ARENA].off);
    m->n_arena = m->cap_arena = h.n_arena;
    m->voff = (size_t *)(base + h.sec[S_VOFF].off);
    m->vlen = (uint32_t *)(base + h.sec[S_VLEN].off);
    m->invocab = (uint8_t *)(base + h.sec[S_INVOCAB].off);
    m->doff = (size_t *)(base + h.sec[S_DOFF].off);
    m->dlen = (uint32_t *)(base + h.sec[S_DLEN].off);
    m->defined = (uint8_t *)(base + h.sec[S_DEFINED].off);
    m->isfb = (uint8_t *)(base + h.sec[S_ISFB].off);
    m->vslot = (uint32_t *)(base + h.sec[S_VSLOT].off);
    m->vmask = h.vmask;
    m->pairs = (struct mpair *)(base + h.sec[S_PAIRS].off);
    m->pmask = h.pmask;
    m->bmp = (uint32_t *)(base + h.sec[S_BMP].off);
    m->whole = (h.flags & F_WHOLE) ? (uint8_t *)(base + h.sec[S_WHOLE].off) : NULL;
    memcpy(m->byte_tok, h.byte_tok, sizeof m->byte_tok);
    m->byte_fallback = (h.flags & F_BYTE_FALLBACK) != 0;
    m->fuse_unk = (h.flags & F_FUSE_UNK) != 0;
    m->ignore_merges = (h.flags & F_IGNORE_MERGES) != 0;
    m->has_unk = (h.flags & F_HAS_UNK) != 0;
    m->split_meta = (h.flags & F_SPLIT_META) != 0;
    m->has_decoder = (h.flags & F_HAS_DECODER) != 0;
    m->unk_id = h.unk_id;
    memcpy(m->prefix, h.prefix, h.prefix_len);
    m->prefix[h.prefix_len] = 0;
    m->prefix_len = h.prefix_len;
    memcpy(m->suffix, h.suffix, h.suffix_len);
    m->suffix[h.suffix_len] = 0;
    m->suffix_len = h.suffix_len;
    memcpy(m->nocut, h.nocut, sizeof m->nocut);
    struct rbuf st = {base + h.sec[S_STAGES].off, h.sec[S_STAGES].len, 0, 0};
    struct rbuf ad = {base + h.sec[S_ADDED].off, h.sec[S_ADDED].len, 0, 0};
    if (get_stages(m, &st, err) || get_added(m, &ad, err)) {
        spbpe_model_free(m);
        return TB_EINPUT;
    }
    *out = m;
    return TB_OK;
}

void spbpe_cache_own_map(struct spbpe *m, size_t len)
{
    m->map_len = len;
}
