/* dtoa.c - shortest round-trip text of a double (dtoa.h): Grisu3 with an
 * snprintf/strtod fallback. */
#include "dtoa.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtoa_pow10.h"

/* A number f * 2^e (a "do-it-yourself floating point"). */
typedef struct diyfp {
    uint64_t f;
    int e;
} diyfp;

/* The upper 64 bits of a.f * b.f, rounded to nearest (error <= 1/2 ulp). */
static diyfp diy_mul(diyfp a, diyfp b)
{
    unsigned __int128 p = (unsigned __int128)a.f * b.f;
    uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p;
    return (diyfp){hi + (lo >> 63), a.e + b.e + 64};
}

static diyfp diy_normalize(diyfp x)
{
    int s = __builtin_clzll(x.f);
    return (diyfp){x.f << s, x.e - s};
}

/* Grisu3's round-and-weed step: moves the last digit towards w while that
 * stays inside the safe interval and returns 1 only when the result is
 * provably the shortest representation closest to v (Loitsch, section 5). */
static int round_weed(char *buf, int len, uint64_t dist_high_w, uint64_t unsafe, uint64_t rest,
                      uint64_t ten_kappa, uint64_t unit)
{
    uint64_t small_dist = dist_high_w - unit;
    uint64_t big_dist = dist_high_w + unit;
    while (rest < small_dist && unsafe - rest >= ten_kappa &&
           (rest + ten_kappa < small_dist ||
            small_dist - rest >= rest + ten_kappa - small_dist)) {
        buf[len - 1]--;
        rest += ten_kappa;
    }
    if (rest < big_dist && unsafe - rest >= ten_kappa &&
        (rest + ten_kappa < big_dist || big_dist - rest > rest + ten_kappa - big_dist))
        return 0;
    return 2 * unit <= rest && rest <= unsafe - 4 * unit;
}

/* Digits of w in buf (no NUL), *len of them, value = buf * 10^*kappa (in the
 * scale of the cached power); low and high bound the rounding interval, all
 * three with the same exponent in [-60, -32]. 0 when not provably shortest. */
static int digit_gen(diyfp low, diyfp w, diyfp high, char *buf, int *len, int *kappa)
{
    uint64_t unit = 1;
    diyfp too_low = {low.f - unit, low.e}, too_high = {high.f + unit, high.e};
    uint64_t unsafe = too_high.f - too_low.f;
    int sh = -w.e;
    uint64_t one = (uint64_t)1 << sh;
    uint32_t integrals = (uint32_t)(too_high.f >> sh);
    uint64_t fractionals = too_high.f & (one - 1);
    uint32_t divisor = 1;
    int k = 1;
    while (divisor <= integrals / 10) {
        divisor *= 10;
        k++;
    }
    int n = 0;
    while (k > 0) {
        buf[n++] = (char)('0' + integrals / divisor);
        integrals %= divisor;
        k--;
        uint64_t rest = ((uint64_t)integrals << sh) + fractionals;
        if (rest < unsafe) {
            *len = n;
            *kappa = k;
            return round_weed(buf, n, too_high.f - w.f, unsafe, rest, (uint64_t)divisor << sh,
                              unit);
        }
        divisor /= 10;
    }
    for (;;) {
        fractionals *= 10;
        unit *= 10;
        unsafe *= 10;
        buf[n++] = (char)('0' + (fractionals >> sh));
        fractionals &= one - 1;
        k--;
        if (fractionals < unsafe) {
            *len = n;
            *kappa = k;
            return round_weed(buf, n, (too_high.f - w.f) * unit, unsafe, fractionals, one, unit);
        }
    }
}

/* Shortest digits of finite v > 0: value = buf * 10^*dexp. 0 on failure. */
static int grisu3(double v, char *buf, int *len, int *dexp)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t frac = bits & (((uint64_t)1 << 52) - 1);
    int be = (int)(bits >> 52 & 0x7ff);
    diyfp x = be ? (diyfp){frac | (uint64_t)1 << 52, be - 1075} : (diyfp){frac, -1074};
    diyfp w = diy_normalize(x);
    diyfp hi = diy_normalize((diyfp){(x.f << 1) + 1, x.e - 1});
    int lower_closer = frac == 0 && be > 1;
    diyfp lo = lower_closer ? (diyfp){(x.f << 2) - 1, x.e - 2} : (diyfp){(x.f << 1) - 1, x.e - 1};
    lo.f <<= lo.e - hi.e;
    lo.e = hi.e;
    /* a power of ten c = 10^k with -60 <= e_c + w.e + 64 <= -32 */
    int min_e = -60 - (w.e + 64);
    int k = (int)ceil((min_e + 63) * 0.30102999566398114);
    if (k < DTOA_POW10_MIN)
        k = DTOA_POW10_MIN;
    if (k > DTOA_POW10_MAX)
        k = DTOA_POW10_MAX;
    while (k < DTOA_POW10_MAX && dtoa_pow10_e[k - DTOA_POW10_MIN] < min_e)
        k++;
    while (k > DTOA_POW10_MIN && dtoa_pow10_e[k - 1 - DTOA_POW10_MIN] >= min_e)
        k--;
    diyfp c = {dtoa_pow10_f[k - DTOA_POW10_MIN], dtoa_pow10_e[k - DTOA_POW10_MIN]};
    int we = c.e + w.e + 64;
    if (we < -60 || we > -32)
        return 0;
    diyfp sw = diy_mul(w, c), slo = diy_mul(lo, c), shi = diy_mul(hi, c);
    int kappa;
    if (!digit_gen(slo, sw, shi, buf, len, &kappa))
        return 0;
    *dexp = kappa - k;
    return 1;
}

/* Parses "<digits>e<dexp>" and tells whether it reads back as v. */
static int reads_as(const char *digits, int n, int dexp, double v)
{
    char t[48];
    snprintf(t, sizeof t, "%.*se%d", n, digits, dexp);
    return strtod(t, NULL) == v;
}

/* Shortest digits of finite v > 0 by trying 1..17 significant digits. */
static void slow_digits(double v, char *buf, int *len, int *dexp)
{
    for (int p = 1; p <= 17; p++) {
        char t[40];
        snprintf(t, sizeof t, "%.*e", p - 1, v); /* d[.ddd]e[+-]XX */
        uint64_t d = (uint64_t)(t[0] - '0');
        const char *q = t + 1;
        if (*q == '.')
            q++;
        while (*q >= '0' && *q <= '9')
            d = d * 10 + (uint64_t)(*q++ - '0');
        int e = atoi(q + 1) - (p - 1);
        char s[24];
        int n = snprintf(s, sizeof s, "%llu", (unsigned long long)d);
        if (reads_as(s, n, e, v)) {
            memcpy(buf, s, (size_t)n);
            *len = n;
            *dexp = e;
            return;
        }
        /* the nearest p-digit number on v's other side may read back when the
         * interval is lopsided (v a power of two) */
        double r = strtod(t, NULL);
        uint64_t d2 = r < v ? d + 1 : d - 1;
        n = snprintf(s, sizeof s, "%llu", (unsigned long long)d2);
        if (n == p && reads_as(s, n, e, v)) {
            memcpy(buf, s, (size_t)n);
            *len = n;
            *dexp = e;
            return;
        }
    }
    abort(); /* unreachable: 17 significant digits always read back */
}

/* Lays out digits (no trailing zeros) as described in dtoa.h. */
static size_t layout(int neg, const char *d, int n, int dexp, char *out)
{
    char *o = out;
    if (neg)
        *o++ = '-';
    int pt = n + dexp;
    if (n <= pt && pt <= 21) {
        memcpy(o, d, (size_t)n);
        o += n;
        memset(o, '0', (size_t)(pt - n));
        o += pt - n;
    } else if (0 < pt && pt < n) {
        memcpy(o, d, (size_t)pt);
        o += pt;
        *o++ = '.';
        memcpy(o, d + pt, (size_t)(n - pt));
        o += n - pt;
    } else if (-6 < pt && pt <= 0) {
        *o++ = '0';
        *o++ = '.';
        memset(o, '0', (size_t)-pt);
        o += -pt;
        memcpy(o, d, (size_t)n);
        o += n;
    } else {
        *o++ = d[0];
        if (n > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)(n - 1));
            o += n - 1;
        }
        *o++ = 'e';
        int x = pt - 1;
        if (x < 0) {
            *o++ = '-';
            x = -x;
        }
        if (x >= 100)
            *o++ = (char)('0' + x / 100);
        if (x >= 10)
            *o++ = (char)('0' + x / 10 % 10);
        *o++ = (char)('0' + x % 10);
    }
    *o = '\0';
    return (size_t)(o - out);
}

/* inf, nan and zeros; 0 for other values. */
static size_t special(double v, char *out)
{
    const char *s = NULL;
    if (isnan(v))
        s = "nan";
    else if (isinf(v))
        s = v < 0 ? "-inf" : "inf";
    else if (v == 0)
        s = signbit(v) ? "-0" : "0";
    if (!s)
        return 0;
    size_t n = strlen(s);
    memcpy(out, s, n + 1);
    return n;
}

static size_t finish(int neg, char *d, int n, int dexp, char *out)
{
    while (n > 1 && d[n - 1] == '0') {
        n--;
        dexp++;
    }
    return layout(neg, d, n, dexp, out);
}

size_t dtoa_shortest(double v, char *out)
{
    size_t sn = special(v, out);
    if (sn)
        return sn;
    int neg = v < 0;
    double a = neg ? -v : v;
    char d[24];
    int n, dexp;
    if (a < 9007199254740992.0 && a == (double)(uint64_t)a) {
        /* an integer below 2^53: neighbours are at most 1 apart, so any
         * decimal reading back as v is v itself or has more digits; its
         * digits are the shortest once finish strips trailing zeros */
        uint64_t u = (uint64_t)a;
        char t[24];
        int i = sizeof t;
        do {
            t[--i] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        n = (int)sizeof t - i;
        memcpy(d, t + i, (size_t)n);
        dexp = 0;
        return finish(neg, d, n, dexp, out);
    }
    if (!grisu3(a, d, &n, &dexp))
        slow_digits(a, d, &n, &dexp);
    return finish(neg, d, n, dexp, out);
}

size_t dtoa_shortest_slow(double v, char *out)
{
    size_t sn = special(v, out);
    if (sn)
        return sn;
    int neg = v < 0;
    char d[24];
    int n, dexp;
    slow_digits(neg ? -v : v, d, &n, &dexp);
    return finish(neg, d, n, dexp, out);
}
