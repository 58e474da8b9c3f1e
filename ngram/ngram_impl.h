/* ngram_impl.h - the layout of an ngram_model, shared by ngram.c (building,
 * scoring), arpa.c (ARPA export and import), suggest.c and complete.c. Not a public
 * interface: callers outside ngram/ use ngram.h and arpa.h. */
#ifndef NGRAM_IMPL_H
#define NGRAM_IMPL_H

#include <string.h>

#include "ngram.h"

#define NGRAM_NONE UINT32_MAX

/* The n-grams of one order k >= 2. Node i is the k-gram whose first word is
 * (uint32_t)key[i] and whose remaining k-1 words are node key[i] >> 32 of
 * order k-1 (for k = 2: that dense word). */
typedef struct ngram_tab {
    size_t n, cap;          /* nodes used, allocated */
    uint64_t *key;          /* (cap) suffix index << 32 | first word */
    uint32_t *prefix;       /* (cap) node of the first k-1 words in order k-1, or NGRAM_NONE */
    uint32_t *last;         /* (cap) last word */
    double *lp;             /* (cap) log10 p(last | first k-1 words) */
    double *lbo;            /* (cap) log10 backoff; NULL for the highest order */
    uint32_t *slot;         /* (mask+1) open addressing while building: node index or
                             * NGRAM_NONE; freed by ngram_tab_shrink */
    size_t mask;
    /* After ngram_tab_shrink, the lookup table (KenLM's probing hash):
     * n_probe >= 1.5 n buckets holding each key beside its node, so a probe
     * reads one 16-byte entry; bucket of a key = high 64 bits of
     * mix64(key) * n_probe, then linear probing; empty: key NGRAM_KEY_EMPTY. */
    struct ngram_probe *probe;
    size_t n_probe;
} ngram_tab;

/* No key is all ones: a suffix node is below NGRAM_NONE. */
#define NGRAM_KEY_EMPTY UINT64_MAX

typedef struct ngram_probe {
    uint64_t key;
    uint32_t node;
    uint32_t unused;
} ngram_probe;

struct ngram_model {
    int order;
    size_t nv;              /* dense words */
    uint32_t *tok;          /* (nv) token id of each dense word (0 for the three specials) */
    uint32_t *tok_slot;     /* (tok_mask+1) token id -> dense word hash, NGRAM_NONE empty */
    size_t tok_mask;
    double *lp1;            /* (nv) log10 p(w) */
    double *lbo1;           /* (nv) log10 backoff of unigram w (order > 1), else NULL */
    ngram_tab tab[NGRAM_MAX_ORDER + 1];  /* [k] for order k = 2..order */
    /* Suggestions: children of each context node, built by ngram_finish. For
     * order k = 1..order-1: child_off[k] has (n_k + 1) entries; the children
     * of node x are child[k][child_off[k][x] .. child_off[k][x+1]), nodes of
     * order k+1. */
    uint32_t *child_off[NGRAM_MAX_ORDER];
    uint32_t *child[NGRAM_MAX_ORDER];
    uint32_t *uni_rank;     /* (nv - 3) words >= 3 by lp1 descending, then token id */
    ngram_stats stats;
};

/* Allocates an empty model of order with nv dense words whose token ids are
 * toks[0 .. nv-3) (strictly increasing) for words 3..nv-1. */
int ngram_model_alloc(int order, const uint32_t *toks, size_t nv_tokens, ngram_model **out,
                      tb_error *err);
/* Node of (suffix, first) in order k, or NGRAM_NONE. */
uint32_t ngram_tab_find(const ngram_tab *t, uint32_t suffix, uint32_t first);
/* Finds or inserts; *node gets the index, *is_new 1 when inserted (lp, lbo,
 * prefix, last then are 0 / NGRAM_NONE for the caller to fill). */
int ngram_tab_insert(ngram_tab *t, int has_lbo, uint32_t suffix, uint32_t first, uint32_t *node,
                     int *is_new, tb_error *err);
/* Releases the unused capacity of the node arrays and replaces the build
 * slots by the probing table (no more inserts after). */
int ngram_tab_shrink(ngram_tab *t, tb_error *err);
/* Estimates m (its n-grams inserted, lp and lbo unset) from the raw counts:
 * raw[1] per dense word, raw[k] per node of order k = 2..order (the
 * caller's arrays). The Kneser-Ney steps of ngram.h: adjusted counts,
 * counts-of-counts, discounts, interpolation, backoffs. */
int ngram_estimate(ngram_model *m, uint64_t *const *raw, tb_error *err);
/* Shrinks every order's arrays and builds the suggestion index (child lists, unigram ranking). */
int ngram_finish(ngram_model *m, tb_error *err);
/* The last step of every constructor (ngram_build, the ARPA reader): with rc
 * TB_OK, finishes m and hands it to *out; when rc or finishing fails, frees m
 * and leaves *out alone. Returns the status. */
int ngram_model_done(ngram_model *m, int rc, ngram_model **out, tb_error *err);

/* The top-k list of every suggester: offers word w with score lp to
 * words/lps, which hold the best *n <= k words so far, lp descending, ties by
 * token id ascending (the order ngram_suggest documents). The specials
 * (w < NGRAM_FIRST_WORD) and words already listed are never added. Inline:
 * it runs once per candidate in the completion simulation's inner loop. */
static inline void ngram_topk_offer(const ngram_model *m, uint32_t w, double lp, uint32_t *words,
                                    double *lps, size_t k, size_t *n)
{
    if (w < NGRAM_FIRST_WORD)
        return;
    uint32_t tok = m->tok[w];
    /* below the k-th: the common case, decided before the duplicate scan */
    if (*n == k && (lps[k - 1] > lp || (lps[k - 1] == lp && m->tok[words[k - 1]] < tok)))
        return;
    for (size_t i = 0; i < *n; i++)
        if (words[i] == w)
            return;
    size_t pos = *n;
    while (pos > 0 && (lps[pos - 1] < lp || (lps[pos - 1] == lp && m->tok[words[pos - 1]] > tok)))
        pos--;
    if (pos >= k)
        return;
    size_t end = *n < k ? *n : k - 1;
    memmove(words + pos + 1, words + pos, (end - pos) * sizeof *words);
    memmove(lps + pos + 1, lps + pos, (end - pos) * sizeof *lps);
    words[pos] = w;
    lps[pos] = lp;
    if (*n < k)
        (*n)++;
}

#endif
