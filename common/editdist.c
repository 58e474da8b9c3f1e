/* editdist.c - code point Levenshtein distance (Myers / Hyyro bit-vectors). */
#include "editdist.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Code points of s[0..n) into out (n entries suffice); an invalid byte b is
 * 0x110000 + b. Returns the count. */
static size_t units(const char *s, size_t n, int32_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        int l = utf8_decode((const uint8_t *)s + i, n - i, &cp);
        if (l == 0) {
            cp = 0x110000 + (uint8_t)s[i];
            l = 1;
        }
        out[k++] = cp;
        i += (size_t)l;
    }
    return k;
}

struct peq {
    int32_t cp;
    uint64_t mask;
};

static int cmp_peq(const void *x, const void *y)
{
    int32_t a = ((const struct peq *)x)->cp, b = ((const struct peq *)y)->cp;
    return (a > b) - (a < b);
}

/* One column step of a 64-row block (Hyyro 2003): Pv/Mv the vertical +1/-1
 * deltas, eq the rows equal to the column's unit, hin the horizontal delta
 * entering at the top; returns the delta leaving at row bit `last`. */
static int advance(uint64_t *Pv, uint64_t *Mv, uint64_t eq, int hin, uint64_t last)
{
    uint64_t pv = *Pv, mv = *Mv;
    uint64_t xv = eq | mv;
    if (hin < 0)
        eq |= 1;
    uint64_t xh = (((eq & pv) + pv) ^ pv) | eq;
    uint64_t ph = mv | ~(xh | pv);
    uint64_t mh = pv & xh;
    int hout = (ph & last) ? 1 : (mh & last) ? -1 : 0;
    ph <<= 1;
    mh <<= 1;
    if (hin < 0)
        mh |= 1;
    else if (hin > 0)
        ph |= 1;
    *Pv = mh | ~(xv | ph);
    *Mv = ph & xv;
    return hout;
}

/* Distance of p[0..m) (rows) and t[0..n) (columns), 1 <= m <= n. */
static int myers(const int32_t *p, size_t m, const int32_t *t, size_t n, uint64_t *out,
                 tb_error *err)
{
    signed char *h = tb_malloc(n, err); /* delta leaving the band above, per column */
    if (!h)
        return TB_EINPUT;
    struct peq tab[64];
    for (size_t r0 = 0; r0 < m; r0 += 64) {
        size_t rows = m - r0 < 64 ? m - r0 : 64, nt = 0;
        for (size_t i = 0; i < rows; i++) {
            tab[nt].cp = p[r0 + i];
            tab[nt++].mask = (uint64_t)1 << i;
        }
        qsort(tab, nt, sizeof *tab, cmp_peq);
        size_t u = 0; /* merge equal code points */
        for (size_t i = 0; i < nt; i++) {
            if (u && tab[u - 1].cp == tab[i].cp)
                tab[u - 1].mask |= tab[i].mask;
            else
                tab[u++] = tab[i];
        }
        uint64_t pv = ~(uint64_t)0, mv = 0, last = (uint64_t)1 << (rows - 1);
        for (size_t j = 0; j < n; j++) {
            size_t lo = 0, hi = u;
            uint64_t eq = 0;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (tab[mid].cp < t[j])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < u && tab[lo].cp == t[j])
                eq = tab[lo].mask;
            h[j] = (signed char)advance(&pv, &mv, eq, r0 == 0 ? 1 : h[j], last);
        }
    }
    int64_t d = (int64_t)m; /* D[m][0] */
    for (size_t j = 0; j < n; j++)
        d += h[j];
    free(h);
    *out = (uint64_t)d;
    return TB_OK;
}

int editdist_utf8(const char *a, size_t na, const char *b, size_t nb, uint64_t *out,
                  tb_error *err)
{
    *out = 0;
    size_t pre = 0;
    while (pre < na && pre < nb && a[pre] == b[pre])
        pre++;
    /* back to a code point start of both (a continuation byte of one) */
    while (pre > 0 && ((uint8_t)a[pre - 1] & 0xC0) == 0x80)
        pre--;
    if (pre > 0 && (uint8_t)a[pre - 1] >= 0xC0)
        pre--;
    size_t suf = 0;
    while (suf < na - pre && suf < nb - pre && a[na - 1 - suf] == b[nb - 1 - suf])
        suf++;
    while (suf > 0 && ((uint8_t)a[na - suf] & 0xC0) == 0x80)
        suf--;
    a += pre;
    b += pre;
    na -= pre + suf;
    nb -= pre + suf;
    if (na == 0 && nb == 0)
        return TB_OK;
    int32_t *ua = tb_malloc((na + nb) * sizeof *ua, err);
    if (!ua)
        return TB_EINPUT;
    int32_t *ub = ua + na;
    size_t ma = units(a, na, ua), mb = units(b, nb, ub);
    int rc = TB_OK;
    if (ma == 0 || mb == 0)
        *out = ma + mb;
    else if (ma <= mb)
        rc = myers(ua, ma, ub, mb, out, err);
    else
        rc = myers(ub, mb, ua, ma, out, err);
    free(ua);
    return rc;
}
