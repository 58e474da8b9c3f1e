/* ngram.c - counting, modified Kneser-Ney estimation and scoring (ngram.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "counts.h"
#include "ngram_impl.h"

static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* ---- token id -> dense word ------------------------------------------- */

uint32_t ngram_word(const ngram_model *m, uint32_t tok)
{
    size_t i = (size_t)mix64(tok) & m->tok_mask;
    for (;;) {
        ngram_tok_slot e = m->tok_slot[i];
        if (e.w == NGRAM_NONE)
            return NGRAM_UNK;
        if (e.tok == tok)
            return e.w;
        i = (i + 1) & m->tok_mask;
    }
}

uint32_t ngram_word_token(const ngram_model *m, uint32_t w)
{
    return w < m->nv ? m->tok[w] : 0;
}

int ngram_model_done(ngram_model *m, int rc, ngram_model **out, tb_error *err)
{
    if (rc == TB_OK)
        rc = ngram_finish(m, err);
    if (rc) {
        ngram_free(m);
        return rc;
    }
    *out = m;
    return TB_OK;
}

int ngram_model_alloc(int order, const uint32_t *toks, size_t nv_tokens, ngram_model **out,
                      tb_error *err)
{
    *out = NULL;
    if (order < 1 || order > NGRAM_MAX_ORDER)
        return tb_fail(err, TB_EUSAGE, "n-gram order %d out of range 1..%d", order,
                       NGRAM_MAX_ORDER);
    if (nv_tokens > (size_t)UINT32_MAX - 4)
        return tb_fail(err, TB_EINPUT, "n-gram vocabulary too large (%zu words)", nv_tokens);
    ngram_model *m = tb_calloc(1, sizeof *m, err);
    if (!m)
        return err->status;
    m->order = order;
    m->nv = nv_tokens + NGRAM_FIRST_WORD;
    size_t cap = 16;
    while (cap < 2 * m->nv)
        cap *= 2;
    m->tok_mask = cap - 1;
    m->tok = tb_calloc(m->nv, sizeof *m->tok, err);
    m->tok_slot = m->tok ? tb_malloc(cap * sizeof *m->tok_slot, err) : NULL;
    m->lp1 = m->tok_slot ? tb_calloc(m->nv, sizeof *m->lp1, err) : NULL;
    if (m->lp1 && order > 1)
        m->lbo1 = tb_calloc(m->nv, sizeof *m->lbo1, err);
    if (!m->lp1 || (order > 1 && !m->lbo1)) {
        ngram_free(m);
        return err->status;
    }
    for (size_t i = 0; i < cap; i++)
        m->tok_slot[i] = (ngram_tok_slot){0, NGRAM_NONE};
    for (size_t i = 0; i < nv_tokens; i++) {
        uint32_t w = (uint32_t)(i + NGRAM_FIRST_WORD);
        m->tok[w] = toks[i];
        size_t s = (size_t)mix64(toks[i]) & m->tok_mask;
        while (m->tok_slot[s].w != NGRAM_NONE)
            s = (s + 1) & m->tok_mask;
        m->tok_slot[s] = (ngram_tok_slot){toks[i], w};
    }
    *out = m;
    return TB_OK;
}

static void tab_release(ngram_tab *t)
{
    free(t->key);
    free(t->prefix);
    free(t->last);
    free(t->lp);
    free(t->lbo);
    free(t->slot);
    free(t->probe);
    free(t->top);
    memset(t, 0, sizeof *t);
}

void ngram_free(ngram_model *m)
{
    if (!m)
        return;
    free(m->tok);
    free(m->tok_slot);
    free(m->lp1);
    free(m->lbo1);
    for (int k = 0; k <= NGRAM_MAX_ORDER; k++)
        tab_release(&m->tab[k]);
    for (int k = 0; k < NGRAM_MAX_ORDER; k++) {
        free(m->child_off[k]);
        free(m->child[k]);
    }
    free(m->uni_rank);
    free(m);
}

/* ---- per-order hash of packed keys ----------------------------------- */

static uint64_t pack(uint32_t suffix, uint32_t first)
{
    return (uint64_t)suffix << 32 | first;
}

uint32_t ngram_tab_find(const ngram_tab *t, uint32_t suffix, uint32_t first)
{
    if (!t->slot)
        return NGRAM_NONE;
    uint64_t key = pack(suffix, first);
    size_t i = (size_t)mix64(key) & t->mask;
    for (;;) {
        uint32_t x = t->slot[i];
        if (x == NGRAM_NONE || t->key[x] == key)
            return x;
        i = (i + 1) & t->mask;
    }
}

uint32_t ngram_tab_lookup(const ngram_tab *t, uint64_t g, uint32_t suffix, uint32_t first)
{
    if (!t->probe)
        return NGRAM_NONE;
    uint64_t key = pack(suffix, first);
    const ngram_probe *p = t->probe;
    size_t i = ngram_bucket(g, t->n_probe);
    for (;;) {
        if (p[i].key == key)
            return p[i].node;
        if (p[i].key == NGRAM_KEY_EMPTY)
            return NGRAM_NONE;
        if (++i == t->n_probe)
            i = 0;
    }
}

static int tab_grow_slots(ngram_tab *t, tb_error *err)
{
    size_t cap = t->slot ? 2 * (t->mask + 1) : 64;
    uint32_t *slot = tb_malloc(cap * sizeof *slot, err);
    if (!slot)
        return err->status;
    memset(slot, 0xFF, cap * sizeof *slot);
    for (size_t x = 0; x < t->n; x++) {
        size_t i = (size_t)mix64(t->key[x]) & (cap - 1);
        while (slot[i] != NGRAM_NONE)
            i = (i + 1) & (cap - 1);
        slot[i] = (uint32_t)x;
    }
    free(t->slot);
    t->slot = slot;
    t->mask = cap - 1;
    return TB_OK;
}

static int tab_grow_nodes(ngram_tab *t, int has_lbo, tb_error *err)
{
    size_t cap = t->cap ? 2 * t->cap : 64;
    if (cap > (size_t)UINT32_MAX - 1)
        cap = (size_t)UINT32_MAX - 1;
    if (cap <= t->n)
        return tb_fail(err, TB_EINPUT, "too many distinct n-grams of one order (%zu)", t->n);
    uint64_t *key = tb_realloc(t->key, cap * sizeof *key, err);
    if (!key)
        return err->status;
    t->key = key;
    uint32_t *prefix = tb_realloc(t->prefix, cap * sizeof *prefix, err);
    if (!prefix)
        return err->status;
    t->prefix = prefix;
    uint32_t *last = tb_realloc(t->last, cap * sizeof *last, err);
    if (!last)
        return err->status;
    t->last = last;
    double *lp = tb_realloc(t->lp, cap * sizeof *lp, err);
    if (!lp)
        return err->status;
    t->lp = lp;
    if (has_lbo) {
        double *lbo = tb_realloc(t->lbo, cap * sizeof *lbo, err);
        if (!lbo)
            return err->status;
        t->lbo = lbo;
    }
    t->cap = cap;
    return TB_OK;
}

/* Shrinks one array to n elements of size sz (keeps it when realloc fails). */
static void *shrink(void *p, size_t n, size_t sz)
{
    if (!p || n == 0)
        return p;
    void *q = realloc(p, n * sz);
    return q ? q : p;
}

/* Memory for a probing table: 2 MB aligned and, where the kernel offers
 * it, backed by huge pages (queries touch random lines of tables of many
 * MB: with 4 kB pages nearly every probe also misses the TLB). Freed by
 * free(). */
static void *alloc_table(size_t bytes, tb_error *err)
{
    enum { HUGE = 2u << 20, LINE = 64 };
    void *p = NULL;
    size_t align = bytes < HUGE ? LINE : HUGE;
    size_t len = (bytes + align - 1) / align * align;
    if (posix_memalign(&p, align, len) != 0) {
        tb_fail(err, TB_EINPUT, "out of memory allocating %zu bytes", len);
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    if (align == HUGE)
        madvise(p, len, MADV_HUGEPAGE); /* a hint: without it the table still works */
#endif
    return p;
}

/* Builds the probing table of order k from its node arrays; hash (t->n) gets
 * each node's word hash, lower (the nodes of order k-1; NULL for k = 2) holds
 * the suffixes' hashes. top: the model's highest order (entries without lbo
 * and node). Frees the build slots and shrinks the node arrays first. */
static int tab_index(ngram_tab *t, int top, const uint64_t *lower, uint64_t *hash, tb_error *err)
{
    /* the build slots and spare capacity go first: the build's peak memory */
    free(t->slot);
    t->slot = NULL;
    t->mask = 0;
    if (t->n != t->cap) {
        t->key = shrink(t->key, t->n, sizeof *t->key);
        t->prefix = shrink(t->prefix, t->n, sizeof *t->prefix);
        t->last = shrink(t->last, t->n, sizeof *t->last);
        t->lp = shrink(t->lp, t->n, sizeof *t->lp);
        t->lbo = shrink(t->lbo, t->n, sizeof *t->lbo);
        t->cap = t->n;
    }
    size_t nb = t->n + t->n / 2 + 1;
    for (size_t x = 0; x < t->n; x++) {
        uint32_t suf = (uint32_t)(t->key[x] >> 32), first = (uint32_t)t->key[x];
        hash[x] = ngram_hash_ext(lower ? lower[suf] : ngram_hash_word(suf), first);
    }
    if (top) {
        ngram_probe_top *p = alloc_table(nb * sizeof *p, err);
        if (!p)
            return err->status;
        for (size_t i = 0; i < nb; i++)
            p[i] = (ngram_probe_top){NGRAM_KEY_EMPTY, 0};
        for (size_t x = 0; x < t->n; x++) {
            size_t i = ngram_bucket(hash[x], nb);
            while (p[i].key != NGRAM_KEY_EMPTY)
                if (++i == nb)
                    i = 0;
            p[i] = (ngram_probe_top){t->key[x], t->lp[x]};
        }
        t->top = p;
    } else {
        ngram_probe *p = alloc_table(nb * sizeof *p, err);
        if (!p)
            return err->status;
        for (size_t i = 0; i < nb; i++)
            p[i] = (ngram_probe){NGRAM_KEY_EMPTY, 0, 0, NGRAM_NONE, 0};
        for (size_t x = 0; x < t->n; x++) {
            size_t i = ngram_bucket(hash[x], nb);
            while (p[i].key != NGRAM_KEY_EMPTY)
                if (++i == nb)
                    i = 0;
            p[i] = (ngram_probe){t->key[x], t->lp[x], t->lbo ? t->lbo[x] : 0, (uint32_t)x, 0};
        }
        t->probe = p;
    }
    t->n_probe = nb;
    return TB_OK;
}

int ngram_index(ngram_model *m, tb_error *err)
{
    uint64_t *lower = NULL;
    m->max_k = 1;
    m->prefix_closed = 1;
    for (int k = 2; k <= m->order; k++) {
        ngram_tab *t = &m->tab[k];
        if (t->n == 0)
            break;
        m->max_k = k;
        for (size_t x = 0; x < t->n && k > 2 && m->prefix_closed; x++)
            if (t->prefix[x] == NGRAM_NONE)
                m->prefix_closed = 0;
        uint64_t *hash = tb_malloc(t->n * sizeof *hash, err);
        if (!hash || tab_index(t, k == m->order, lower, hash, err)) {
            free(hash);
            free(lower);
            return err->status;
        }
        free(lower);
        lower = hash;
    }
    free(lower);
    return TB_OK;
}

int ngram_tab_insert(ngram_tab *t, int has_lbo, uint32_t suffix, uint32_t first, uint32_t *node,
                     int *is_new, tb_error *err)
{
    if ((t->n + 1) * 2 > (t->slot ? t->mask + 1 : 0) && tab_grow_slots(t, err))
        return err->status;
    uint64_t key = pack(suffix, first);
    size_t i = (size_t)mix64(key) & t->mask;
    for (;;) {
        uint32_t x = t->slot[i];
        if (x == NGRAM_NONE)
            break;
        if (t->key[x] == key) {
            *node = x;
            *is_new = 0;
            return TB_OK;
        }
        i = (i + 1) & t->mask;
    }
    if (t->n == t->cap && tab_grow_nodes(t, has_lbo, err))
        return err->status;
    uint32_t x = (uint32_t)t->n++;
    t->key[x] = key;
    t->prefix[x] = NGRAM_NONE;
    t->last[x] = NGRAM_NONE;
    t->lp[x] = 0;
    if (has_lbo)
        t->lbo[x] = 0;
    t->slot[i] = x;
    *node = x;
    *is_new = 1;
    return TB_OK;
}

/* ---- accessors --------------------------------------------------------- */

int ngram_order(const ngram_model *m)
{
    return m->order;
}

size_t ngram_n_words(const ngram_model *m)
{
    return m->nv;
}

size_t ngram_count(const ngram_model *m, int k)
{
    if (k == 1)
        return m->nv;
    if (k < 2 || k > m->order)
        return 0;
    return m->tab[k].n;
}

size_t ngram_bytes(const ngram_model *m)
{
    size_t b = sizeof *m + m->nv * (sizeof *m->tok + sizeof *m->lp1) +
               (m->tok_mask + 1) * sizeof *m->tok_slot + (m->lbo1 ? m->nv * sizeof *m->lbo1 : 0);
    for (int k = 2; k <= m->order; k++) {
        const ngram_tab *t = &m->tab[k];
        b += t->cap * (sizeof *t->key + sizeof *t->prefix + sizeof *t->last + sizeof *t->lp +
                       (t->lbo ? sizeof *t->lbo : 0));
        b += t->slot ? (t->mask + 1) * sizeof *t->slot : 0;
        b += t->n_probe * (t->probe ? sizeof *t->probe : sizeof *t->top);
    }
    for (int k = 1; k < m->order; k++)
        b += (ngram_count(m, k) + 1 + ngram_count(m, k + 1)) * sizeof(uint32_t);
    b += (m->nv - NGRAM_FIRST_WORD) * sizeof *m->uni_rank;
    return b;
}

void ngram_get_stats(const ngram_model *m, ngram_stats *out)
{
    *out = m->stats;
}

/* ---- estimation ---------------------------------------------------------- */

/* Build-time arrays of one order (index k; k = 1 is the unigram order). */
typedef struct kn_order {
    uint64_t *raw;      /* (n) raw counts */
    uint64_t *adj;      /* (n) adjusted counts */
    uint64_t *denom;    /* (n) as a context: sum of adjusted counts of its extensions */
    uint32_t *nj;       /* (3n) as a context: extensions with adjusted count 1, 2, 3+ */
} kn_order;

static void kn_release(kn_order *o)
{
    free(o->raw);
    free(o->adj);
    free(o->denom);
    free(o->nj);
}

static size_t order_size(const ngram_model *m, int k)
{
    return k == 1 ? m->nv : m->tab[k].n;
}

/* First word of node x of order k. */
static uint32_t first_word(const ngram_model *m, int k, uint32_t x)
{
    return k == 1 ? x : (uint32_t)m->tab[k].key[x];
}

/* Discounts of order k from the counts-of-counts; the lmplz
 * --discount_fallback rule when they are unusable. */
static void discounts(ngram_model *m, int k)
{
    const uint64_t *n = m->stats.coc[k - 1];
    double *D = m->stats.discount[k - 1];
    int bad = n[1] == 0 || n[2] == 0 || n[3] == 0;
    if (!bad) {
        double y = (double)n[1] / ((double)n[1] + 2.0 * (double)n[2]);
        for (int j = 1; j <= 3; j++) {
            D[j] = j - (j + 1) * y * (double)n[j + 1] / (double)n[j];
            if (D[j] < 0 || D[j] > j)
                bad = 1;
        }
    }
    if (bad) {
        D[1] = 0.5;
        D[2] = 1.0;
        D[3] = 1.5;
        m->stats.fallback[k - 1] = 1;
    }
    D[0] = 0;
}

static double discount_of(const double *D, uint64_t c)
{
    return D[c >= 3 ? 3 : c];
}

static int estimate(ngram_model *m, kn_order *kn, tb_error *err)
{
    int N = m->order;
    /* adjusted counts */
    for (int k = 1; k <= N; k++) {
        size_t n = order_size(m, k);
        kn[k].adj = tb_calloc(n ? n : 1, sizeof *kn[k].adj, err);
        if (!kn[k].adj)
            return err->status;
        if (k == N) {
            if (n)
                memcpy(kn[k].adj, kn[k].raw, n * sizeof *kn[k].adj);
        } else {
            for (size_t x = 0; x < n; x++)
                if (first_word(m, k, (uint32_t)x) == NGRAM_BOS)
                    kn[k].adj[x] = kn[k].raw[x];
            const ngram_tab *up = &m->tab[k + 1];
            for (size_t y = 0; y < up->n; y++) {
                uint32_t suf = (uint32_t)(up->key[y] >> 32);
                if (first_word(m, k, suf) != NGRAM_BOS)
                    kn[k].adj[suf]++;
            }
        }
        if (k == 1) {
            kn[1].adj[NGRAM_BOS] = 0;
            kn[1].adj[NGRAM_UNK] = 0;
        }
        for (size_t x = 0; x < n; x++)
            if (kn[k].adj[x] >= 1 && kn[k].adj[x] <= 4)
                m->stats.coc[k - 1][kn[k].adj[x]]++;
        discounts(m, k);
    }
    /* context sums: contexts of order k-1 for the k-grams (k = 1: the empty context) */
    uint64_t denom0 = 0, nj0[3] = {0};
    for (int k = 1; k <= N; k++) {
        const double *D = m->stats.discount[k - 1];
        if (k == 1) {
            for (size_t x = 0; x < m->nv; x++) {
                uint64_t a = kn[1].adj[x];
                denom0 += a;
                if (a)
                    nj0[(a >= 3 ? 3 : a) - 1]++;
            }
            continue;
        }
        size_t nc = order_size(m, k - 1);
        kn[k - 1].denom = tb_calloc(nc ? nc : 1, sizeof(uint64_t), err);
        kn[k - 1].nj = kn[k - 1].denom ? tb_calloc(3 * (nc ? nc : 1), sizeof(uint32_t), err) : NULL;
        if (!kn[k - 1].nj)
            return err->status;
        const ngram_tab *t = &m->tab[k];
        for (size_t x = 0; x < t->n; x++) {
            uint32_t c = t->prefix[x];
            uint64_t a = kn[k].adj[x];
            kn[k - 1].denom[c] += a;
            if (a)
                kn[k - 1].nj[3 * (size_t)c + (a >= 3 ? 3 : a) - 1]++;
        }
        (void)D;
    }
    /* unigrams: p(w) = p_u(w) + gamma() / (|V| - 1) */
    {
        const double *D = m->stats.discount[0];
        double gamma0 = denom0 ? (D[1] * nj0[0] + D[2] * nj0[1] + D[3] * nj0[2]) / (double)denom0 : 1.0;
        double uniform = 1.0 / (double)(m->nv - 1);
        for (size_t w = 0; w < m->nv; w++) {
            uint64_t a = kn[1].adj[w];
            double pu = denom0 ? ((double)a - discount_of(D, a)) / (double)denom0 : 0.0;
            m->lp1[w] = w == NGRAM_BOS ? -99.0 : log10(pu + gamma0 * uniform);
        }
    }
    /* higher orders: p(g) = p_u(g) + gamma(prefix) p(suffix); probabilities
     * are kept in log10 and exponentiated when used as lower-order terms */
    for (int k = 2; k <= N; k++) {
        const double *D = m->stats.discount[k - 1];
        ngram_tab *t = &m->tab[k];
        const kn_order *ctx = &kn[k - 1];
        for (size_t x = 0; x < t->n; x++) {
            uint32_t c = t->prefix[x], suf = (uint32_t)(t->key[x] >> 32);
            uint64_t a = kn[k].adj[x];
            double den = (double)ctx->denom[c];
            const uint32_t *nj = ctx->nj + 3 * (size_t)c;
            double gamma = (D[1] * nj[0] + D[2] * nj[1] + D[3] * nj[2]) / den;
            double lower = k == 2 ? m->lp1[suf] : m->tab[k - 1].lp[suf];
            t->lp[x] = log10(((double)a - discount_of(D, a)) / den + gamma * pow(10.0, lower));
        }
    }
    /* backoffs of every context of order < N */
    for (int k = 1; k < N; k++) {
        size_t n = order_size(m, k);
        const double *D = m->stats.discount[k];   /* discounts of the extensions' order */
        double *lbo = k == 1 ? m->lbo1 : m->tab[k].lbo;
        for (size_t x = 0; x < n; x++) {
            uint32_t last = k == 1 ? (uint32_t)x : m->tab[k].last[x];
            uint64_t den = kn[k].denom[x];
            lbo[x] = 0.0;
            if (den == 0 || last == NGRAM_EOS || last == NGRAM_UNK)
                continue;
            const uint32_t *nj = kn[k].nj + 3 * x;
            lbo[x] = log10((D[1] * nj[0] + D[2] * nj[1] + D[3] * nj[2]) / (double)den);
        }
    }
    return TB_OK;
}

int ngram_estimate(ngram_model *m, uint64_t *const *raw, tb_error *err)
{
    kn_order kn[NGRAM_MAX_ORDER + 1];
    memset(kn, 0, sizeof kn);
    for (int k = 1; k <= m->order; k++)
        kn[k].raw = raw[k];
    int rc = estimate(m, kn, err);
    for (int k = 0; k <= NGRAM_MAX_ORDER; k++) {
        kn[k].raw = NULL; /* the caller's */
        kn_release(&kn[k]);
    }
    return rc;
}

int ngram_build(const ngram_data *d, int order, ngram_model **out, tb_error *err)
{
    *out = NULL;
    ngram_counts *c = NULL;
    int rc = ngram_counts_new(order, &c, err);
    if (rc == TB_OK)
        rc = ngram_counts_add_data(c, d, err);
    if (rc == TB_OK)
        rc = ngram_build_counts(c, order, out, err);
    ngram_counts_free(c);
    return rc;
}

/* ---- scoring ------------------------------------------------------------- */

void ngram_state_empty(const ngram_model *m, ngram_state *s)
{
    (void)m;
    memset(s, 0, sizeof *s);
}

void ngram_state_begin(const ngram_model *m, ngram_state *s)
{
    memset(s, 0, sizeof *s);
    if (m->order > 1) {
        s->n = 1;
        s->w[0] = NGRAM_BOS;
        s->n_ctx = 1;
        s->lbo[0] = m->lbo1[NGRAM_BOS];
    }
}

/* The highest order a query of word after history in can match: the
 * history's length + 1, the model's highest non-empty order, and, when every
 * prefix is in the model, the history's longest context + 1 ("h_j w" present
 * means its prefix h_j is a present suffix of the history). */
static inline int query_depth(const ngram_model *m, const ngram_state *in)
{
    uint32_t K = (uint32_t)m->max_k;
    if (K > in->n + 1)
        K = in->n + 1;
    if (m->prefix_closed && K > in->n_ctx + 1)
        K = in->n_ctx + 1;
    return (int)K;
}

/* The buckets b[2..K] of the n-grams "w[n-j+1 .. n) word" (hist: n words,
 * oldest first), each cache line requested as it is known. */
static inline void query_buckets(const ngram_model *m, const uint32_t *hist, uint32_t n,
                                 uint32_t word, int K, size_t *b)
{
    uint64_t g = ngram_hash_word(word);
    for (int j = 2; j <= K; j++) {
        const ngram_tab *t = &m->tab[j];
        g = ngram_hash_ext(g, hist[n - (uint32_t)(j - 1)]);
        b[j] = ngram_bucket(g, t->n_probe);
        /* the bucket's line (tables are 64-byte aligned), and the next one
         * when the bucket is in the line's second half: a search that ends
         * in a miss reads about 5 entries at load 2/3 */
        uintptr_t at = t->probe ? (uintptr_t)&t->probe[b[j]] : (uintptr_t)&t->top[b[j]];
        __builtin_prefetch((const void *)at);
        __builtin_prefetch((const void *)(at + (at & 32))); /* no branch: same line or next */
    }
}

/* ngram_score with the buckets of orders 2..K (K = query_depth) known. */
static inline double score_at(const ngram_model *m, const ngram_state *in, uint32_t word, int K,
                              const size_t *b, ngram_state *out)
{
    int N = m->order;
    uint32_t h = in->n;
    /* longest n-gram "h_k word" present: its lp, and the lbo of each j-gram
     * matched on the way (the new history's contexts) */
    double lp = m->lp1[word], lbo[NGRAM_MAX_ORDER];
    uint32_t node = word;
    int k = 1;
    for (int j = 2; j <= K; j++) {
        const ngram_tab *t = &m->tab[j];
        uint64_t key = pack(node, in->w[h - (uint32_t)(j - 1)]);
        size_t i = b[j];
        if (t->probe) {
            const ngram_probe *p = t->probe;
            while (p[i].key != key) {
                if (p[i].key == NGRAM_KEY_EMPTY)
                    goto matched;
                if (++i == t->n_probe)
                    i = 0;
            }
            node = p[i].node;
            lp = p[i].lp;
            lbo[j - 1] = p[i].lbo;
        } else {
            const ngram_probe_top *p = t->top;
            while (p[i].key != key) {
                if (p[i].key == NGRAM_KEY_EMPTY)
                    goto matched;
                if (++i == t->n_probe)
                    i = 0;
            }
            lp = p[i].lp;
        }
        k = j;
    }
matched:
    if (word == NGRAM_BOS) {
        lp = -99.0;
    } else {
        /* backoffs of the present contexts of lengths k .. n_ctx */
        for (uint32_t j = (uint32_t)k; j <= in->n_ctx; j++)
            lp += in->lbo[j - 1];
    }
    if (out) {
        ngram_state s;
        s.n = in->n;
        memcpy(s.w, in->w, sizeof s.w);
        if (N > 1) {
            if (s.n == (uint32_t)(N - 1)) {
                memmove(s.w, s.w + 1, (s.n - 1) * sizeof s.w[0]);
                s.n--;
            }
            s.w[s.n++] = word;
        }
        /* the new history's suffixes are the matched n-grams */
        s.n_ctx = (uint32_t)(k < N ? k : N - 1);
        if (s.n_ctx)
            lbo[0] = m->lbo1[word];
        for (uint32_t j = 0; j < s.n_ctx; j++)
            s.lbo[j] = lbo[j];
        for (uint32_t j = s.n_ctx; j < NGRAM_MAX_ORDER - 1; j++)
            s.lbo[j] = 0;
        *out = s;
    }
    return lp;
}

double ngram_score(const ngram_model *m, const ngram_state *in, uint32_t word, ngram_state *out)
{
    if (word >= m->nv)
        word = NGRAM_UNK;
    size_t b[NGRAM_MAX_ORDER + 1];
    int K = query_depth(m, in);
    query_buckets(m, in->w, in->n, word, K, b);
    return score_at(m, in, word, K, b, out);
}

/* Loads moved ahead of the queries that need them (the results are the
 * same): while token i is scored, the buckets of every order of token
 * i + SCORE_AHEAD are requested (its history is known: the state's words and
 * tokens i .. i+SCORE_AHEAD-1), and the vocabulary slot of token
 * i + SCORE_AHEAD + WORD_AHEAD. Dense words wait in a ring. */
enum { SCORE_AHEAD = 2, WORD_AHEAD = 6, RING = 16 };

static inline uint32_t word_at(const ngram_model *m, const uint32_t *ids, size_t n, size_t i)
{
    return i < n ? ngram_word(m, ids[i]) : NGRAM_EOS;
}

double ngram_score_segment(const ngram_model *m, const uint32_t *ids, size_t n, size_t *n_oov)
{
    ngram_state s;
    ngram_state_begin(m, &s);
    double sum = 0;
    size_t oov = 0, len = n + 1;       /* the tokens, then </s> */
    uint32_t ring[RING];
    for (size_t i = 0; i < WORD_AHEAD + SCORE_AHEAD && i < n; i++)
        __builtin_prefetch(&m->tok_slot[(size_t)mix64(ids[i]) & m->tok_mask]);
    for (size_t i = 0; i < SCORE_AHEAD && i < len; i++)
        ring[i % RING] = word_at(m, ids, n, i);
    /* bucket rows of the tokens in flight: [i % (SCORE_AHEAD + 1)] */
    size_t b[SCORE_AHEAD + 1][NGRAM_MAX_ORDER + 1];
    int bk[SCORE_AHEAD + 1];
    for (size_t i = 0; i < SCORE_AHEAD && i < len; i++)
        bk[i] = -1;
    uint32_t hist[NGRAM_MAX_ORDER - 1 + SCORE_AHEAD];
    for (size_t i = 0; i < len; i++) {
        size_t j = i + SCORE_AHEAD;
        if (j < len) {
            if (j + WORD_AHEAD < n)
                __builtin_prefetch(&m->tok_slot[(size_t)mix64(ids[j + WORD_AHEAD]) & m->tok_mask]);
            uint32_t wj = ring[j % RING] = word_at(m, ids, n, j);
            /* token j's history: the state's words, then tokens i .. j-1 */
            uint32_t hn = s.n;
            memcpy(hist, s.w, s.n * sizeof *hist);
            for (size_t x = i; x < j; x++)
                hist[hn++] = ring[x % RING];
            uint32_t keep = (uint32_t)(m->order - 1);
            uint32_t from = hn > keep ? hn - keep : 0;
            /* depth: the present token's bound + 1 (it may grow by 1 a token,
             * SCORE_AHEAD in all, but rarely does; orders fetched too few are
             * read when token j is scored) */
            int K = m->max_k;
            if ((uint32_t)K > hn - from + 1)
                K = (int)(hn - from + 1);
            if (m->prefix_closed && (size_t)K > s.n_ctx + 2)
                K = (int)(s.n_ctx + 2);
            __builtin_prefetch(&m->lp1[wj]);
            if (m->lbo1)
                __builtin_prefetch(&m->lbo1[wj]);
            query_buckets(m, hist + from, hn - from, wj, K, b[j % (SCORE_AHEAD + 1)]);
            bk[j % (SCORE_AHEAD + 1)] = K;
        }
        uint32_t w = ring[i % RING];
        oov += i < n && w == NGRAM_UNK;
        int K = query_depth(m, &s);
        size_t *bi = b[i % (SCORE_AHEAD + 1)];
        if (bk[i % (SCORE_AHEAD + 1)] < K)
            query_buckets(m, s.w, s.n, w, K, bi);
        sum += score_at(m, &s, w, K, bi, &s);
    }
    if (n_oov)
        *n_oov = oov;
    return sum;
}
