/* dtoa_bench.c - ns per value of dtoa_shortest (common/dtoa.h) next to
 * snprintf("%.17g") and the %.Pg-then-strtod shortening, on the same values
 * in one run: log10 probabilities as an ARPA file holds them and random bit
 * patterns. Built and run by perf/dtoa.sh; prints one line per value set and
 * exits 1 when dtoa_shortest is not faster than %.17g. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/dtoa.h"
#include "../common/timer.h"

#define N 1000000

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The text the ARPA writer used before: 17 digits, or the fewest %.Pg that
 * reads back (the reference shortening). */
static size_t shorten(double v, char *out)
{
    for (int p = 1; p < 17; p++) {
        int n = snprintf(out, 32, "%.*g", p, v);
        if (strtod(out, NULL) == v)
            return (size_t)n;
    }
    return (size_t)snprintf(out, 32, "%.17g", v);
}

/* Best of 3 passes, ns per value; *sum keeps the output from being dropped. */
static double run(int which, const double *v, size_t *sum)
{
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        char buf[40];
        size_t s = 0;
        double t0 = tb_now();
        for (int i = 0; i < N; i++) {
            if (which == 0)
                s += dtoa_shortest(v[i], buf);
            else if (which == 1)
                s += (size_t)snprintf(buf, sizeof buf, "%.17g", v[i]);
            else
                s += shorten(v[i], buf);
        }
        double t = (tb_now() - t0) * 1e9 / N;
        if (t < best)
            best = t;
        *sum += s;
    }
    return best;
}

int main(void)
{
    double *v = malloc(N * sizeof *v);
    if (!v)
        return 3;
    int ok = 1;
    size_t sum = 0;
    printf("%-10s %12s %12s %14s %10s %13s\n", "values", "ns_dtoa", "ns_%.17g", "ns_%.Pg+strtod",
           "ratio", "bytes/value");
    for (int set = 0; set < 2; set++) {
        uint64_t s = 42;
        for (int i = 0; i < N; i++) {
            if (set == 0) {
                double u = (double)(splitmix(&s) >> 11) / 9007199254740992.0;
                v[i] = log10(u + 1e-12);
            } else {
                uint64_t b;
                do
                    b = splitmix(&s);
                while (((b >> 52) & 0x7ff) == 0x7ff);
                memcpy(&v[i], &b, sizeof b);
            }
        }
        double a = run(0, v, &sum), b = run(1, v, &sum), c = run(2, v, &sum);
        size_t la = 0, lb = 0;
        for (int i = 0; i < N; i++) {
            char buf[40];
            la += dtoa_shortest(v[i], buf);
            lb += (size_t)snprintf(buf, sizeof buf, "%.17g", v[i]);
        }
        printf("%-10s %12.1f %12.1f %14.1f %9.3fx %6.2f/%-6.2f\n", set ? "bits" : "log10p", a,
               b, c, a / b, (double)la / N, (double)lb / N);
        if (a >= b)
            ok = 0;
    }
    printf("ratio = dtoa_shortest / snprintf(%%.17g); bytes/value = dtoa / %%.17g; bar: ratio < 1 "
           "(%s)\n", ok ? "met" : "NOT met");
    free(v);
    return sum == 0 ? 3 : !ok;
}
