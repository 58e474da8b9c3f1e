/* complete.c - prefix-filtered suggestions and simulated typing (complete.h).
 *
 * Exactness of ngram_suggest_prefix: as in suggest.c, a word with the prefix
 * that extends none of the history's present contexts scores G * p(w), the
 * same G for all of them, so the k best such words by unigram probability
 * bound the rest; the candidates are the matching extensions of each present
 * context plus the first k matching words of the unigram ranking. */
#include "complete.h"

#include <stdlib.h>
#include <string.h>

#include "ngram_impl.h"

size_t ngram_keys(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

static int matches(const ngram_pieces *p, uint32_t w, const char *prefix, size_t plen)
{
    if (w < NGRAM_FIRST_WORD)
        return 0;
    return plen == 0 || (p->len[w] >= plen && memcmp(p->text[w], prefix, plen) == 0);
}

static int cmp_text(const void *a, const void *b, void *ctx)
{
    const ngram_pieces *p = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint32_t lx = p->len[x], ly = p->len[y];
    int c = memcmp(p->text[x], p->text[y], lx < ly ? lx : ly);
    if (c)
        return c;
    return (lx > ly) - (lx < ly);
}

uint32_t *ngram_pieces_sort(const ngram_pieces *p, size_t nv)
{
    size_t nw = nv > NGRAM_FIRST_WORD ? nv - NGRAM_FIRST_WORD : 0;
    uint32_t *v = malloc((nw ? nw : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < nw; i++)
        v[i] = (uint32_t)(i + NGRAM_FIRST_WORD);
    qsort_r(v, nw, sizeof *v, cmp_text, (void *)p);
    return v;
}

/* <0, 0, >0: text w sorts before the words starting with prefix, starts
 * with it, sorts after them. */
static int cmp_prefix(const ngram_pieces *p, uint32_t w, const char *prefix, size_t plen)
{
    uint32_t l = p->len[w];
    int c = memcmp(p->text[w], prefix, l < plen ? l : plen);
    if (c)
        return c;
    return l < plen ? -1 : 0;
}

/* [*lo, *hi): the positions in p->by_text of the words starting with prefix. */
static void prefix_range(const ngram_pieces *p, size_t nw, const char *prefix, size_t plen,
                         size_t *lo, size_t *hi)
{
    size_t a = 0, b = nw;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (cmp_prefix(p, p->by_text[mid], prefix, plen) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    *lo = a;
    b = nw;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (cmp_prefix(p, p->by_text[mid], prefix, plen) <= 0)
            a = mid + 1;
        else
            b = mid;
    }
    *hi = a;
}

/* Fast path of ngram_suggest_prefix. A child y of context c_j (the j
 * history words) is the n-gram "c_j w" of order j+1; when c_j is the longest
 * context w extends, ngram_score finds exactly that n-gram and adds the
 * backoffs of the contexts of lengths j+1 .. n_ctx; the sum below is the
 * same, term by term in the same order, so the scores are bit-identical.
 * Contexts are visited longest first and mark[] keeps a word to its
 * longest context. */
static double score_at(const ngram_state *s, double lp, uint32_t order)
{
    for (uint32_t j = order; j <= s->n_ctx; j++)
        lp += s->lbo[j - 1];
    return lp;
}

static size_t suggest_marked(const ngram_model *m, const ngram_state *s, const ngram_pieces *p,
                             const char *prefix, size_t plen, size_t k, uint32_t *words,
                             double *lps)
{
    uint32_t ep = ++*p->epoch;
    if (ep == 0) { /* wrapped: start over */
        memset(p->mark, 0, m->nv * sizeof *p->mark);
        ep = *p->epoch = 1;
    }
    size_t n = 0;
    uint32_t h = s->n, ctx[NGRAM_MAX_ORDER + 1], J = 0;
    uint64_t g = 0;
    for (uint32_t j = 1, c = 0; j <= h && (int)j < m->order; j++) {
        g = j == 1 ? ngram_hash_word(s->w[h - 1]) : ngram_hash_ext(g, s->w[h - j]);
        c = j == 1 ? s->w[h - 1] : ngram_tab_lookup(&m->tab[j], g, c, s->w[h - j]);
        if (c == NGRAM_NONE)
            break;
        ctx[++J] = c;
    }
    for (uint32_t j = J; j >= 1; j--) {
        const uint32_t *off = m->child_off[j];
        const ngram_tab *up = &m->tab[j + 1];
        for (uint32_t i = off[ctx[j]]; i < off[ctx[j] + 1]; i++) {
            uint32_t y = m->child[j][i], w = up->last[y];
            if (w < NGRAM_FIRST_WORD || p->mark[w] == ep)
                continue;
            p->mark[w] = ep;
            if (matches(p, w, prefix, plen))
                ngram_topk_offer(m, w, score_at(s, up->lp[y], j + 1), words, lps, k, &n);
        }
    }
    size_t nw = m->nv - NGRAM_FIRST_WORD, found = 0;
    if (p->by_text && plen > 0) {
        /* a scan of the ranking meets about k * nw / r matching words
         * before the k-th when r words match; the range costs r */
        size_t lo, hi;
        prefix_range(p, nw, prefix, plen, &lo, &hi);
        size_t r = hi - lo;
        if (r == 0 || (double)r * (double)r <= (double)k * (double)nw) {
            for (size_t i = lo; i < hi; i++) {
                uint32_t w = p->by_text[i];
                if (p->mark[w] != ep)
                    ngram_topk_offer(m, w, score_at(s, m->lp1[w], 1), words, lps, k, &n);
            }
            return n;
        }
    }
    for (size_t i = 0; i < nw && found < k; i++) {
        uint32_t w = m->uni_rank[i];
        if (!matches(p, w, prefix, plen))
            continue;
        found++;
        if (p->mark[w] != ep)
            ngram_topk_offer(m, w, score_at(s, m->lp1[w], 1), words, lps, k, &n);
    }
    return n;
}

double ngram_best_marked(const ngram_model *m, const ngram_state *s, const ngram_pieces *p,
                         uint32_t *word)
{
    if (!p->mark || !p->epoch)
        return ngram_best(m, s, word);
    uint32_t w;
    double lp, lp_eos = ngram_score(m, s, NGRAM_EOS, NULL);
    if (suggest_marked(m, s, p, "", 0, 1, &w, &lp) == 0 || lp_eos >= lp) {
        *word = NGRAM_EOS;
        return lp_eos;
    }
    *word = w;
    return lp;
}

size_t ngram_suggest_prefix(const ngram_model *m, const ngram_state *s, const ngram_pieces *p,
                            const char *prefix, size_t plen, size_t k, uint32_t *words)
{
    double lps[64];
    if (k > 64)
        k = 64;
    if (k == 0)
        return 0;
    if (p->mark && p->epoch)
        return suggest_marked(m, s, p, prefix, plen, k, words, lps);
    size_t n = 0;
    uint32_t h = s->n, c = 0;
    uint64_t g = 0;
    for (uint32_t j = 1; j <= h && (int)j < m->order; j++) {
        g = j == 1 ? ngram_hash_word(s->w[h - 1]) : ngram_hash_ext(g, s->w[h - j]);
        c = j == 1 ? s->w[h - 1] : ngram_tab_lookup(&m->tab[j], g, c, s->w[h - j]);
        if (c == NGRAM_NONE)
            break;
        const uint32_t *off = m->child_off[j];
        for (uint32_t i = off[c]; i < off[c + 1]; i++) {
            uint32_t w = m->tab[j + 1].last[m->child[j][i]];
            if (matches(p, w, prefix, plen))
                ngram_topk_offer(m, w, ngram_score(m, s, w, NULL), words, lps, k, &n);
        }
    }
    size_t nw = m->nv - NGRAM_FIRST_WORD, found = 0;
    for (size_t i = 0; i < nw && found < k; i++) {
        uint32_t w = m->uni_rank[i];
        if (!matches(p, w, prefix, plen))
            continue;
        found++;
        ngram_topk_offer(m, w, ngram_score(m, s, w, NULL), words, lps, k, &n);
    }
    return n;
}

void ngram_ksr_segment(const ngram_model *m, const ngram_pieces *p, const uint32_t *ids,
                       const char *const *text, const uint32_t *len, size_t n, size_t window,
                       ngram_ksr *acc)
{
    ngram_state s;
    ngram_state_begin(m, &s);
    uint32_t list[64];
    for (size_t i = 0; i < n; i++) {
        uint32_t w = ngram_word(m, ids[i]);
        const char *t = text[i];
        size_t L = ngram_keys(t, len[i]);
        acc->keys_without += L;
        size_t cost = L;
        /* j keystrokes typed: the prefix ends before the (j+1)-th lead byte;
         * stop when one key is left (selecting costs as much as typing) */
        size_t b = 0;
        for (size_t j = 0; j + 1 < L && w != NGRAM_UNK; j++) {
            size_t got = ngram_suggest_prefix(m, &s, p, t, b, window, list);
            size_t x;
            for (x = 0; x < got && list[x] != w; x++) {
            }
            if (x < got) {
                cost = j + 1;
                acc->selections++;
                break;
            }
            do
                b++;
            while (b < len[i] && ((unsigned char)t[b] & 0xC0) == 0x80);
        }
        acc->keys_with += cost;
        ngram_score(m, &s, w, &s);
    }
}
