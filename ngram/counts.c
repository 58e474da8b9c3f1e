/* counts.c - raw n-gram counts, their merge and the model built from them
 * (counts.h). */
#include "counts.h"

#include <stdlib.h>
#include <string.h>

#include "ngram_impl.h"

/* The k-grams of one order. Unigram node x is the word key[x]; for k >= 2
 * node x is the k-gram whose first word is unigram node (uint32_t)key[x]
 * and whose other k-1 words are node key[x] >> 32 of order k-1. */
typedef struct ctab {
    size_t n, cap;
    uint64_t *key;
    uint64_t *cnt;
    uint32_t *prefix;   /* k >= 2: node of the first k-1 words in order k-1 */
    uint32_t *slot;     /* (mask+1) open addressing: node or NGRAM_NONE */
    size_t mask;
} ctab;

struct ngram_counts {
    int order;
    ctab t[NGRAM_MAX_ORDER + 1];
};

/* The largest sum ngram_counts_add accepts. */
#define COUNT_MAX ((uint64_t)1 << 62)

static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static uint32_t tab_find(const ctab *t, uint64_t key)
{
    if (!t->slot)
        return NGRAM_NONE;
    size_t i = (size_t)mix(key) & t->mask;
    for (;;) {
        uint32_t x = t->slot[i];
        if (x == NGRAM_NONE || t->key[x] == key)
            return x;
        i = (i + 1) & t->mask;
    }
}

static int tab_grow(ctab *t, tb_error *err)
{
    if ((t->n + 1) * 2 > (t->slot ? t->mask + 1 : 0)) {
        size_t cap = t->slot ? 2 * (t->mask + 1) : 64;
        uint32_t *slot = tb_malloc(cap * sizeof *slot, err);
        if (!slot)
            return err->status;
        memset(slot, 0xFF, cap * sizeof *slot);
        for (size_t x = 0; x < t->n; x++) {
            size_t i = (size_t)mix(t->key[x]) & (cap - 1);
            while (slot[i] != NGRAM_NONE)
                i = (i + 1) & (cap - 1);
            slot[i] = (uint32_t)x;
        }
        free(t->slot);
        t->slot = slot;
        t->mask = cap - 1;
    }
    if (t->n < t->cap)
        return TB_OK;
    size_t cap = t->cap ? 2 * t->cap : 64;
    if (cap > (size_t)UINT32_MAX - 1)
        cap = (size_t)UINT32_MAX - 1;
    if (cap <= t->n)
        return tb_fail(err, TB_EINPUT, "too many distinct n-grams of one order (%zu)", t->n);
    uint64_t *key = tb_realloc(t->key, cap * sizeof *key, err);
    if (!key)
        return err->status;
    t->key = key;
    uint64_t *cnt = tb_realloc(t->cnt, cap * sizeof *cnt, err);
    if (!cnt)
        return err->status;
    t->cnt = cnt;
    uint32_t *prefix = tb_realloc(t->prefix, cap * sizeof *prefix, err);
    if (!prefix)
        return err->status;
    t->prefix = prefix;
    t->cap = cap;
    return TB_OK;
}

/* Finds or inserts key; a new node has count 0 and prefix NGRAM_NONE. */
static int tab_insert(ctab *t, uint64_t key, uint32_t *node, tb_error *err)
{
    uint32_t x = tab_find(t, key);
    if (x != NGRAM_NONE) {
        *node = x;
        return TB_OK;
    }
    if (tab_grow(t, err))
        return err->status;
    size_t i = (size_t)mix(key) & t->mask;
    while (t->slot[i] != NGRAM_NONE)
        i = (i + 1) & t->mask;
    x = (uint32_t)t->n++;
    t->key[x] = key;
    t->cnt[x] = 0;
    t->prefix[x] = NGRAM_NONE;
    t->slot[i] = x;
    *node = x;
    return TB_OK;
}

int ngram_counts_new(int order, ngram_counts **out, tb_error *err)
{
    *out = NULL;
    if (order < 1 || order > NGRAM_MAX_ORDER)
        return tb_fail(err, TB_EUSAGE, "n-gram order %d out of range 1..%d", order,
                       NGRAM_MAX_ORDER);
    ngram_counts *c = tb_calloc(1, sizeof *c, err);
    if (!c)
        return err->status;
    c->order = order;
    uint32_t bos;
    if (tab_insert(&c->t[1], NGRAM_COUNTS_BOS, &bos, err)) { /* node 0: <s>, count 0 */
        ngram_counts_free(c);
        return err->status;
    }
    *out = c;
    return TB_OK;
}

void ngram_counts_free(ngram_counts *c)
{
    if (!c)
        return;
    for (int k = 0; k <= NGRAM_MAX_ORDER; k++) {
        free(c->t[k].key);
        free(c->t[k].cnt);
        free(c->t[k].prefix);
        free(c->t[k].slot);
    }
    free(c);
}

int ngram_counts_order(const ngram_counts *c)
{
    return c->order;
}

size_t ngram_counts_n(const ngram_counts *c, int k)
{
    return k >= 1 && k <= c->order ? c->t[k].n : 0;
}

uint64_t ngram_counts_tokens(const ngram_counts *c)
{
    const ctab *t = &c->t[1];
    uint64_t sum = 0, eos = 0;
    for (size_t x = 0; x < t->n; x++) {
        sum += t->cnt[x];
        if (t->key[x] == NGRAM_COUNTS_EOS)
            eos = t->cnt[x];
    }
    return sum - eos;
}

int ngram_counts_add_data(ngram_counts *c, const ngram_data *d, tb_error *err)
{
    int N = c->order;
    /* uni[j]: unigram node of the word at padded position i - j (ring);
     * prev[k], cur[k]: node of the k-gram ending at the previous / current
     * position, NGRAM_NONE when the segment is too short */
    uint32_t uni[NGRAM_MAX_ORDER], prev[NGRAM_MAX_ORDER + 1], cur[NGRAM_MAX_ORDER + 1];
    for (size_t s = 0; s < d->n_segments; s++) {
        if (d->use && !d->use[s])
            continue;
        size_t n = d->first[s + 1] - d->first[s];
        const uint32_t *ids = d->ids + d->first[s];
        for (int k = 0; k <= N; k++)
            prev[k] = NGRAM_NONE;
        prev[1] = 0; /* <s> */
        uni[0] = 0;
        for (size_t i = 1; i <= n + 1; i++) {
            uint64_t w = i == n + 1 ? NGRAM_COUNTS_EOS : ids[i - 1];
            memmove(uni + 1, uni, (NGRAM_MAX_ORDER - 1) * sizeof *uni);
            if (tab_insert(&c->t[1], w, &uni[0], err))
                return err->status;
            c->t[1].cnt[uni[0]]++;
            cur[1] = uni[0];
            for (int k = 2; k <= N; k++) {
                cur[k] = NGRAM_NONE;
                if ((size_t)k > i + 1 || cur[k - 1] == NGRAM_NONE)
                    continue;
                uint32_t node;
                ctab *t = &c->t[k];
                if (tab_insert(t, (uint64_t)cur[k - 1] << 32 | uni[k - 1], &node, err))
                    return err->status;
                if (t->prefix[node] == NGRAM_NONE)
                    t->prefix[node] = prev[k - 1];
                t->cnt[node]++;
                cur[k] = node;
            }
            memcpy(prev, cur, sizeof prev);
        }
    }
    return TB_OK;
}

/* Node of the j-gram w[0..j) (unigram nodes of its words in u), or
 * NGRAM_NONE. */
static uint32_t find_gram(const ngram_counts *c, const uint32_t *u, int j)
{
    uint32_t x = u[j - 1];
    for (int i = j - 2; i >= 0 && x != NGRAM_NONE; i--)
        x = tab_find(&c->t[j - i], (uint64_t)x << 32 | u[i]);
    return x;
}

int ngram_counts_add(ngram_counts *c, const uint64_t *w, int k, uint64_t count, tb_error *err)
{
    if (k < 1 || k > c->order)
        return tb_fail(err, TB_EINPUT, "a %d-gram for counts of order %d", k, c->order);
    if (count == 0 || count >= COUNT_MAX)
        return tb_fail(err, TB_EINPUT, "n-gram count %llu outside 1..2^62",
                       (unsigned long long)count);
    uint32_t u[NGRAM_MAX_ORDER];
    for (int i = 0; i < k; i++) {
        if (w[i] > NGRAM_COUNTS_EOS || (w[i] == NGRAM_COUNTS_BOS && i > 0) ||
            (w[i] == NGRAM_COUNTS_EOS && i < k - 1) || (w[i] == NGRAM_COUNTS_BOS && k == 1))
            return tb_fail(err, TB_EINPUT,
                           "a %d-gram with <s> not first, </s> not last or a word out of range",
                           k);
        u[i] = tab_find(&c->t[1], w[i]);
    }
    ctab *t = &c->t[k];
    uint32_t node;
    if (k == 1) {
        if (tab_insert(t, w[0], &node, err))
            return err->status;
    } else {
        uint32_t suf = find_gram(c, u + 1, k - 1), pre = find_gram(c, u, k - 1);
        if (u[0] == NGRAM_NONE || suf == NGRAM_NONE || pre == NGRAM_NONE)
            return tb_fail(err, TB_EINPUT,
                           "a %d-gram whose first or last %d words are not counted (counts "
                           "go order by order)",
                           k, k - 1);
        if (tab_insert(t, (uint64_t)suf << 32 | u[0], &node, err))
            return err->status;
        t->prefix[node] = pre;
    }
    if (t->cnt[node] >= COUNT_MAX - count)
        return tb_fail(err, TB_EINPUT, "n-gram count above 2^62");
    t->cnt[node] += count;
    return TB_OK;
}

typedef struct rank_item {
    uint64_t key;
    uint32_t node;
} rank_item;

static int cmp_rank(const void *a, const void *b)
{
    const rank_item *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

/* The canonical order of every order up to N: ord[k][i] is the node of rank
 * i, rank[k][node] its rank. */
static int canonical(const ngram_counts *c, int N, uint32_t **ord, uint32_t **rank,
                     tb_error *err)
{
    for (int k = 1; k <= N; k++) {
        const ctab *t = &c->t[k];
        size_t n = t->n;
        rank_item *it = tb_malloc((n ? n : 1) * sizeof *it, err);
        ord[k] = it ? tb_malloc((n ? n : 1) * sizeof **ord, err) : NULL;
        rank[k] = ord[k] ? tb_malloc((n ? n : 1) * sizeof **rank, err) : NULL;
        if (!rank[k]) {
            free(it);
            return err->status;
        }
        for (size_t x = 0; x < n; x++) {
            uint64_t key = t->key[x];
            if (k > 1)
                key = (uint64_t)rank[k - 1][key >> 32] << 32 | rank[1][(uint32_t)key];
            it[x] = (rank_item){key, (uint32_t)x};
        }
        qsort(it, n, sizeof *it, cmp_rank);
        for (size_t i = 0; i < n; i++) {
            ord[k][i] = it[i].node;
            rank[k][it[i].node] = (uint32_t)i;
        }
        free(it);
    }
    return TB_OK;
}

int ngram_counts_each(const ngram_counts *c, ngram_counts_fn fn, void *ud, tb_error *err)
{
    uint32_t *ord[NGRAM_MAX_ORDER + 1] = {0}, *rank[NGRAM_MAX_ORDER + 1] = {0};
    int rc = canonical(c, c->order, ord, rank, err);
    for (int k = 1; k <= c->order && rc == TB_OK; k++) {
        const ctab *t = &c->t[k];
        for (size_t i = 0; i < t->n && rc == TB_OK; i++) {
            uint32_t x = ord[k][i];
            if (t->cnt[x] == 0)
                continue; /* the unigram <s> */
            uint64_t w[NGRAM_MAX_ORDER];
            uint32_t y = x;
            for (int j = k; j > 1; j--) {
                uint64_t key = c->t[j].key[y];
                w[k - j] = c->t[1].key[(uint32_t)key];
                y = (uint32_t)(key >> 32);
            }
            w[k - 1] = c->t[1].key[y];
            rc = fn(ud, w, k, t->cnt[x], err);
        }
    }
    for (int k = 0; k <= NGRAM_MAX_ORDER; k++) {
        free(ord[k]);
        free(rank[k]);
    }
    return rc;
}

int ngram_build_counts(const ngram_counts *c, int order, ngram_model **out, tb_error *err)
{
    *out = NULL;
    if (order < 1 || order > c->order)
        return tb_fail(err, TB_EUSAGE, "n-gram order %d out of range 1..%d of the counts", order,
                       c->order);
    uint32_t *ord[NGRAM_MAX_ORDER + 1] = {0}, *rank[NGRAM_MAX_ORDER + 1] = {0};
    uint32_t *map[NGRAM_MAX_ORDER + 1] = {0}; /* counts node -> model node (k = 1: word) */
    uint64_t *raw[NGRAM_MAX_ORDER + 1] = {0};
    uint32_t *toks = NULL;
    ngram_model *m = NULL;
    int rc = canonical(c, order, ord, rank, err);
    /* the token words in increasing token id: the first of the canonical unigrams */
    const ctab *t1 = &c->t[1];
    size_t nt = 0;
    if (rc == TB_OK && !(toks = tb_malloc((t1->n ? t1->n : 1) * sizeof *toks, err)))
        rc = err->status;
    for (size_t i = 0; rc == TB_OK && i < t1->n && t1->key[ord[1][i]] < NGRAM_COUNTS_BOS; i++)
        toks[nt++] = (uint32_t)t1->key[ord[1][i]];
    if (rc == TB_OK)
        rc = ngram_model_alloc(order, toks, nt, &m, err);
    if (rc == TB_OK) {
        raw[1] = tb_calloc(m->nv, sizeof *raw[1], err);
        map[1] = raw[1] ? tb_malloc((t1->n ? t1->n : 1) * sizeof *map[1], err) : NULL;
        if (!map[1])
            rc = err->status;
    }
    for (size_t x = 0; rc == TB_OK && x < t1->n; x++) {
        uint64_t w = t1->key[x];
        map[1][x] = w == NGRAM_COUNTS_BOS   ? (uint32_t)NGRAM_BOS
                    : w == NGRAM_COUNTS_EOS ? (uint32_t)NGRAM_EOS
                                            : ngram_word(m, (uint32_t)w);
        raw[1][map[1][x]] = t1->cnt[x];
    }
    for (int k = 2; k <= order && rc == TB_OK; k++) {
        const ctab *t = &c->t[k];
        ngram_tab *mt = &m->tab[k];
        raw[k] = tb_malloc((t->n ? t->n : 1) * sizeof *raw[k], err);
        map[k] = raw[k] ? tb_malloc((t->n ? t->n : 1) * sizeof *map[k], err) : NULL;
        if (!map[k])
            rc = err->status;
        for (size_t i = 0; rc == TB_OK && i < t->n; i++) {
            uint32_t x = ord[k][i], node;
            uint32_t suf = map[k - 1][t->key[x] >> 32], first = map[1][(uint32_t)t->key[x]];
            int is_new;
            rc = ngram_tab_insert(mt, k < order, suf, first, &node, &is_new, err);
            if (rc == TB_OK) {
                mt->prefix[node] = map[k - 1][t->prefix[x]];
                mt->last[node] = k == 2 ? suf : m->tab[k - 1].last[suf];
                raw[k][node] = t->cnt[x];
                map[k][x] = node;
            }
        }
    }
    if (rc == TB_OK)
        rc = ngram_estimate(m, raw, err);
    for (int k = 0; k <= NGRAM_MAX_ORDER; k++) {
        free(ord[k]);
        free(rank[k]);
        free(map[k]);
        free(raw[k]);
    }
    free(toks);
    if (!m)
        return rc;
    return ngram_model_done(m, rc, out, err);
}
