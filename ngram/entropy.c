/* entropy.c - exact next-word entropy in O(explicit children) (entropy.h). */
#include "entropy.h"

#include <math.h>
#include <stdlib.h>

#include "ngram_impl.h"

/* log2(10): log2 p = log10 p * LOG2_10 */
#define LOG2_10 3.32192809488736234787

struct ngram_entropy {
    const ngram_model *m;
    double s1;      /* sum over words != <s> of q(w) = 10^lp1[w] */
    double t1;      /* sum over the same words of q(w) log2 q(w) */
    double *q;      /* (nv) q(w) */
    double *ql;     /* (nv) q(w) log2 q(w) */
    /* scratch: mark[w] == *epoch when w was counted at a longer context;
     * (so one ngram_entropy serves one thread at a time) */
    uint32_t *mark;
    uint32_t *epoch;
};

/* Neumaier's compensated sum: the per-model sums run over up to millions of
 * words, and H_0 is a difference of large terms. */
typedef struct ksum {
    double s, c;
} ksum;

static void ksum_add(ksum *k, double x)
{
    double t = k->s + x;
    if (fabs(k->s) >= fabs(x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}

int ngram_entropy_new(const ngram_model *m, ngram_entropy **out, tb_error *err)
{
    *out = NULL;
    ngram_entropy *e = tb_calloc(1, sizeof *e, err);
    if (!e)
        return err->status;
    e->q = tb_malloc((m->nv ? m->nv : 1) * sizeof *e->q, err);
    e->ql = e->q ? tb_malloc((m->nv ? m->nv : 1) * sizeof *e->ql, err) : NULL;
    e->mark = e->ql ? tb_calloc(m->nv + 1, sizeof *e->mark, err) : NULL;
    if (!e->mark) {
        ngram_entropy_free(e);
        return err->status;
    }
    e->epoch = &e->mark[m->nv];
    ksum s = {0, 0}, t = {0, 0};
    for (size_t w = 0; w < m->nv; w++) {
        double l2 = m->lp1[w] * LOG2_10;
        double q = exp2(l2);
        e->q[w] = q;
        e->ql[w] = q > 0 ? q * l2 : 0;
        if (w == NGRAM_BOS)
            continue;
        ksum_add(&s, q);
        ksum_add(&t, q * l2);
    }
    e->m = m;
    e->s1 = s.s + s.c;
    e->t1 = t.s + t.c;
    *out = e;
    return TB_OK;
}

void ngram_entropy_free(ngram_entropy *e)
{
    if (!e)
        return;
    free(e->q);
    free(e->ql);
    free(e->mark);
    free(e);
}

/* p log2 p from log2 p (0 for p = 0). */
static double plogp(double l2p)
{
    double p = exp2(l2p);
    return p > 0 ? p * l2p : 0;
}

double ngram_entropy_bits(const ngram_entropy *e, const ngram_state *s)
{
    const ngram_model *m = e->m;
    uint32_t n = s->n, mc = s->n_ctx;
    if (mc > n)
        mc = n;
    if ((int)mc > m->order - 1)
        mc = (uint32_t)(m->order - 1);
    /* lb[j]: log10 B_j = sum of the log10 backoffs of contexts j+1 .. mc */
    double lb[NGRAM_MAX_ORDER];
    lb[mc] = 0;
    for (uint32_t j = mc; j-- > 0;)
        lb[j] = lb[j + 1] + s->lbo[j];
    /* ctx[j]: node of the length-j suffix in order j (j = 1: the word) */
    uint32_t ctx[NGRAM_MAX_ORDER];
    uint32_t found = 0;
    uint64_t g = 0;
    for (uint32_t j = 1; j <= mc; j++) {
        g = j == 1 ? ngram_hash_word(s->w[n - 1]) : ngram_hash_ext(g, s->w[n - j]);
        uint32_t c = j == 1 ? s->w[n - 1]
                            : ngram_tab_lookup(&m->tab[j], g, ctx[j - 1], s->w[n - j]);
        if (c == NGRAM_NONE)
            break;
        ctx[j] = c;
        found = j;
    }
    double l2b0 = lb[0] * LOG2_10, b0 = exp2(l2b0);
    ksum h = {0, 0};
    ksum_add(&h, -b0 * (e->t1 + e->s1 * l2b0));
    /* contexts longest first: a child of h_j that also extends a longer
     * context h_k was counted there (mark), as the level it belongs to */
    uint32_t ep = ++*e->epoch;
    if (ep == 0) {
        for (size_t w = 0; w < m->nv; w++)
            e->mark[w] = 0;
        ep = *e->epoch = 1;
    }
    for (uint32_t j = found; j >= 1; j--) {
        const uint32_t *off = m->child_off[j];
        const ngram_tab *t = &m->tab[j + 1];
        uint32_t x = ctx[j];
        for (uint32_t i = off[x]; i < off[x + 1]; i++) {
            uint32_t y = m->child[j][i], w = t->last[y];
            if (w == NGRAM_BOS || e->mark[w] == ep)
                continue;
            e->mark[w] = ep;
            double l2p = (t->lp[y] + lb[j]) * LOG2_10;
            /* plogp of q(w) B_0: B_0 (q log2 q + q log2 B_0) */
            double qb = b0 * (e->ql[w] + e->q[w] * l2b0);
            ksum_add(&h, qb - plogp(l2p));
        }
    }
    return h.s + h.c;
}
