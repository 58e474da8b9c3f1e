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
                             * NGRAM_NONE; freed by ngram_index */
    size_t mask;
    /* After ngram_index, the lookup table (KenLM's probing hash, multiplier
     * 1.5): n_probe >= 1.5 n buckets; the bucket of an n-gram is
     * ngram_bucket of its word hash (ngram_hash_word of its last word, then
     * ngram_hash_ext with each word before it, right to left), then linear
     * probing; an entry holds the exact key, so a match is exact whatever
     * the hash. A query knows every order's bucket from its words alone and
     * loads them all at once; only the key comparisons are chained. Orders
     * below the model's: probe (key, lp, lbo, node, 32 bytes: half a cache
     * line); the highest order: top (key, lp, 16 bytes). Empty bucket: key
     * NGRAM_KEY_EMPTY. lp and lbo are copies of the node arrays' values. */
    struct ngram_probe *probe;
    struct ngram_probe_top *top;
    size_t n_probe;
} ngram_tab;

/* No key is all ones: a suffix node is below NGRAM_NONE. */
#define NGRAM_KEY_EMPTY UINT64_MAX

typedef struct ngram_probe {
    uint64_t key;           /* suffix node << 32 | first word */
    double lp, lbo;         /* log10 p, log10 backoff */
    uint32_t node;          /* index into the node arrays */
    uint32_t unused;
} ngram_probe;

typedef struct ngram_probe_top {
    uint64_t key;
    double lp;
} ngram_probe_top;

/* A vocabulary slot: token id beside its dense word (w NGRAM_NONE: empty). */
typedef struct ngram_tok_slot {
    uint32_t tok, w;
} ngram_tok_slot;

/* Word hashes of n-grams (the probing tables' bucket function). Cheap on
 * purpose: a query of order N computes N-1 of them per token. Their quality
 * is a matter of speed only (probe lengths), never of the answer. */
static inline uint64_t ngram_hash_word(uint32_t w)
{
    return ((uint64_t)w + 1) * 0x9E3779B97F4A7C15ull;
}

/* Hash of "v g" from the hash of g and the word v before it. */
static inline uint64_t ngram_hash_ext(uint64_t g, uint32_t v)
{
    return (g ^ (g >> 29) ^ v) * 0xBF58476D1CE4E5B9ull;
}

/* Bucket of word hash g among n: the high 64 bits of g * n. */
static inline size_t ngram_bucket(uint64_t g, size_t n)
{
    return (size_t)(((unsigned __int128)g * n) >> 64);
}

struct ngram_model {
    int order;
    size_t nv;              /* dense words */
    uint32_t *tok;          /* (nv) token id of each dense word (0 for the three specials) */
    ngram_tok_slot *tok_slot; /* (tok_mask+1) token id -> dense word hash */
    size_t tok_mask;
    double *lp1;            /* (nv) log10 p(w) */
    double *lbo1;           /* (nv) log10 backoff of unigram w (order > 1), else NULL */
    ngram_tab tab[NGRAM_MAX_ORDER + 1];  /* [k] for order k = 2..order */
    int max_k;              /* highest order with an n-gram (orders above it are empty) */
    /* 1 when the prefix of every n-gram is in the model (always for a built
     * model; an ARPA file may lack some): a query then looks no further than
     * one word beyond the history's longest context (KenLM's State). */
    int prefix_closed;
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
/* Node of (suffix, first) in order k, or NGRAM_NONE; while building (before
 * ngram_index). */
uint32_t ngram_tab_find(const ngram_tab *t, uint32_t suffix, uint32_t first);
/* The same in a finished model for an order below the model's (the highest
 * order's entries hold no node: NGRAM_NONE), given g, the word hash of the
 * n-gram (see ngram_hash_ext): exact for any g (a wrong g can only miss). */
uint32_t ngram_tab_lookup(const ngram_tab *t, uint64_t g, uint32_t suffix, uint32_t first);
/* Finds or inserts; *node gets the index, *is_new 1 when inserted (lp, lbo,
 * prefix, last then are 0 / NGRAM_NONE for the caller to fill). */
int ngram_tab_insert(ngram_tab *t, int has_lbo, uint32_t suffix, uint32_t first, uint32_t *node,
                     int *is_new, tb_error *err);
/* Releases the unused capacity of every order's node arrays and replaces the
 * build slots by the probing tables (no more inserts after); sets max_k and
 * prefix_closed. */
int ngram_index(ngram_model *m, tb_error *err);
/* Estimates m (its n-grams inserted, lp and lbo unset) from the raw counts:
 * raw[1] per dense word, raw[k] per node of order k = 2..order (the
 * caller's arrays). The Kneser-Ney steps of ngram.h: adjusted counts,
 * counts-of-counts, discounts, interpolation, backoffs. */
int ngram_estimate(ngram_model *m, uint64_t *const *raw, tb_error *err);
/* Runs ngram_index and builds the suggestion index (child lists, unigram ranking). */
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
