/* suggest.c - exact top-k next-word suggestions (ngram_suggest in ngram.h).
 *
 * Why the candidate set is exact: a word w that extends none of the present
 * contexts h_1..h_m of the history gets p(w|h) = G * p(w), with G the product
 * of the backoffs of those contexts, the same G for every such word. So among
 * those words the order is the unigram order, and the k best unigrams (whose
 * true score is at least G * p(w)) bound all the others. The candidates are
 * the extensions of each present context plus the k best unigrams. */
#include <stdlib.h>
#include <string.h>

#include "ngram_impl.h"

/* qsort has no context argument; the unigram ranking sorts pairs instead. */
typedef struct uni_item {
    double lp;
    uint32_t tok, w;
} uni_item;

static int cmp_uni(const void *a, const void *b)
{
    const uni_item *x = a, *y = b;
    if (x->lp != y->lp)
        return x->lp > y->lp ? -1 : 1;
    return (x->tok > y->tok) - (x->tok < y->tok);
}

int ngram_finish(ngram_model *m, tb_error *err)
{
    if (ngram_index(m, err))
        return err->status;
    size_t nw = m->nv - NGRAM_FIRST_WORD;
    m->uni_rank = tb_malloc((nw ? nw : 1) * sizeof *m->uni_rank, err);
    uni_item *it = m->uni_rank ? tb_malloc((nw ? nw : 1) * sizeof *it, err) : NULL;
    if (!it)
        return err->status;
    for (size_t i = 0; i < nw; i++) {
        uint32_t w = (uint32_t)(i + NGRAM_FIRST_WORD);
        it[i] = (uni_item){m->lp1[w], m->tok[w], w};
    }
    qsort(it, nw, sizeof *it, cmp_uni);
    for (size_t i = 0; i < nw; i++)
        m->uni_rank[i] = it[i].w;
    free(it);
    /* children by prefix, counting sort: node order within a context */
    for (int k = 1; k < m->order; k++) {
        size_t nc = ngram_count(m, k);
        const ngram_tab *up = &m->tab[k + 1];
        uint32_t *off = tb_calloc(nc + 1, sizeof *off, err);
        uint32_t *ch = off ? tb_malloc((up->n ? up->n : 1) * sizeof *ch, err) : NULL;
        if (!ch) {
            free(off);
            return err->status;
        }
        for (size_t y = 0; y < up->n; y++)
            if (up->prefix[y] != NGRAM_NONE)
                off[up->prefix[y] + 1]++;
        for (size_t x = 0; x < nc; x++)
            off[x + 1] += off[x];
        uint32_t *fill = tb_malloc((nc ? nc : 1) * sizeof *fill, err);
        if (!fill) {
            free(off);
            free(ch);
            return err->status;
        }
        memcpy(fill, off, nc * sizeof *fill);
        for (size_t y = 0; y < up->n; y++)
            if (up->prefix[y] != NGRAM_NONE)
                ch[fill[up->prefix[y]]++] = (uint32_t)y;
        free(fill);
        m->child_off[k] = off;
        m->child[k] = ch;
    }
    return TB_OK;
}

size_t ngram_suggest(const ngram_model *m, const ngram_state *s, size_t k, uint32_t *words,
                     double *lp)
{
    if (k == 0)
        return 0;
    double small[64];
    double *lps = lp;
    double *heap = NULL;
    if (!lps) {
        if (k <= 64) {
            lps = small;
        } else {
            heap = malloc(k * sizeof *heap);
            if (!heap)
                return 0;
            lps = heap;
        }
    }
    size_t n = 0;
    /* extensions of every present context, longest first */
    uint32_t h = s->n, c = 0;
    uint64_t g = 0;
    for (uint32_t j = 1; j <= h && (int)j < m->order; j++) {
        uint32_t prev = c;
        g = j == 1 ? ngram_hash_word(s->w[h - 1]) : ngram_hash_ext(g, s->w[h - j]);
        c = j == 1 ? s->w[h - 1] : ngram_tab_lookup(&m->tab[j], g, prev, s->w[h - j]);
        if (c == NGRAM_NONE)
            break;
        const uint32_t *off = m->child_off[j];
        for (uint32_t i = off[c]; i < off[c + 1]; i++) {
            uint32_t w = m->tab[j + 1].last[m->child[j][i]];
            ngram_topk_offer(m, w, ngram_score(m, s, w, NULL), words, lps, k, &n);
        }
    }
    size_t nw = m->nv - NGRAM_FIRST_WORD;
    for (size_t i = 0; i < nw && i < k; i++) {
        uint32_t w = m->uni_rank[i];
        ngram_topk_offer(m, w, ngram_score(m, s, w, NULL), words, lps, k, &n);
    }
    free(heap);
    return n;
}

double ngram_best(const ngram_model *m, const ngram_state *s, uint32_t *word)
{
    uint32_t w;
    double lp;
    double lp_eos = ngram_score(m, s, NGRAM_EOS, NULL);
    if (ngram_suggest(m, s, 1, &w, &lp) == 0 || lp_eos >= lp) {
        *word = NGRAM_EOS;
        return lp_eos;
    }
    *word = w;
    return lp;
}
